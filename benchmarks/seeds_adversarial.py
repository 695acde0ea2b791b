"""Notebook 07's §7 results over several seeds: both sparsity sweeps under every reading of the
paper's attack, the claims on the literal reading, and the adversarial-training remark, trained
exactly as the notebook trains them (the notebook shows seed 0).

    python benchmarks/seeds_adversarial.py            # seeds 0, 1, 2
    python benchmarks/seeds_adversarial.py 3 4 5      # other seeds

Prints, per seed, each reading's largest vulnerability relative to the dense model and its
correlation with 1/D*, then every claim (holds / fails, our numbers) and how many seeds agree.
Slow: a few minutes per seed on two cores.
"""

from __future__ import annotations

import sys
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


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2])
