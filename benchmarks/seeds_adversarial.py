"""Notebook 07's §7 results over several seeds: both sparsity sweeps under every reading of the
paper's attack, the claims on the literal reading, and the adversarial-training remark, trained
exactly as the notebook trains them (the notebook shows seed 0).

    python benchmarks/seeds_adversarial.py            # seeds 0, 1, 2
    python benchmarks/seeds_adversarial.py 3 4 5      # other seeds
    python benchmarks/seeds_adversarial.py --paper-size 0 1 2  # the 400 → 30 row

Prints, per seed, each reading's largest vulnerability relative to the dense model and its
correlation with 1/D*, then every claim (holds / fails, our numbers) and how many seeds agree.
Slow: a few minutes per seed on two cores. ``--paper-size`` trains only the uniform sweep at the
paper's §5 size (``n = 400``, ``m = 30``, importance 1, ten densities log-spaced from 1 to 0.005,
the uniform family's training and attack otherwise) and prints the literal reading's row, which
notebook 07 quotes under its table of readings.
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from machine import cpu_model

import toy_lib as tl
from toy_lib import adversarial_robustness as attacks


def main(seeds: list[int]) -> None:
    print(f"CPU: {cpu_model()}, torch {torch.__version__}, toy_lib {tl.__version__}")
    claims: dict[str, list[bool]] = {}
    readings: dict[tuple[str, str], list[str]] = {}
    for seed in seeds:
        t = time.perf_counter()
        rows = []
        for family in attacks.FAMILIES:
            model = attacks.train_family(family, seed)
            x = attacks.attack_inputs(family, seed)
            inverse_dstar = 1 / tl.dimensions_per_feature(model.W)
            for name, reading in attacks.READINGS.items():
                v = attacks.reading_vulnerability(model, x, reading)
                cell = f"{float(v.max() / v[0]):.1f}x, r = {attacks.pearson(v, inverse_dstar):.2f}"
                readings.setdefault((family, name), []).append(cell)
                if name == "literal":
                    rows += attacks.sweep_claims(family, model, v)
        trained = attacks.train_adversarial(seed)
        rows += attacks.adversarial_claims(trained.W.detach(), attacks.ADVERSARIAL_FRACTIONS)
        print(f"\nseed {seed} ({time.perf_counter() - t:.0f} s)")
        for c in rows:
            print(f"  {'holds' if c.holds else 'FAILS'} | {c.paper} | {c.test} | {c.ours}")
            claims.setdefault(c.paper, []).append(c.holds)
    head = " | ".join(f"seed {s}" for s in seeds)
    print(f"\n| family | reading | {head} |\n|---|---|{'---|' * len(seeds)}")
    for (family, name), cells in readings.items():
        print(f"| {family} | {name} | {' | '.join(cells)} |")
    print(f"\n| claim | seeds agreeing (of {len(seeds)}) |\n|---|---|")
    for claim, held in claims.items():
        print(f"| {claim} | {sum(held)} |")


PAPER_SIZE = tl.Config(400, 30, 10, feature_probability=torch.logspace(0, math.log10(0.005), 10))


def paper_size(seeds: list[int]) -> None:
    """The uniform sweep at §5's size: the literal reading's largest vulnerability relative to the
    dense model, its correlation with 1/D*, and the whole curve, per seed."""
    print(
        f"CPU: {cpu_model()}; 400 → 30, densities {[round(float(p), 4) for p in PAPER_SIZE.probability[:, 0]]}"
    )
    for seed in seeds:
        t = time.perf_counter()
        model = attacks.train_family("uniform", seed, PAPER_SIZE)
        x = attacks.attack_inputs("uniform", seed, PAPER_SIZE)
        v = attacks.reading_vulnerability(model, x, attacks.READINGS["literal"])
        r = attacks.pearson(v, 1 / tl.dimensions_per_feature(model.W))
        print(f"seed {seed}: literal reading {float(v.max() / v[0]):.1f}x, r = {r:.2f} "
              f"({time.perf_counter() - t:.0f} s); relative to the dense model, density by "
              f"density: {' '.join(f'{float(a):.1f}' for a in v / v[0])}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Notebook 07's §7 results over several seeds.")
    parser.add_argument("seeds", nargs="*", type=int)
    parser.add_argument(
        "--paper-size", action="store_true", help="the uniform sweep at n = 400, m = 30"
    )
    args = parser.parse_args()
    if args.paper_size:
        paper_size(args.seeds or [0, 1, 2])
    else:
        main(args.seeds or [0, 1, 2])
