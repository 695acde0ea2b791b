"""Notebook 04's claims over several seeds, trained exactly as the notebook trains (seed 0 there).

    python benchmarks/seeds_uniform.py                  # seeds 0, 1, 2 of the Colab's 200 → 20 sweep
    python benchmarks/seeds_uniform.py 3 4              # other seeds
    python benchmarks/seeds_uniform.py --paper-size     # the paper's 400 → 30 sweep, seed 0
    python benchmarks/seeds_uniform.py --tetrahedron-window  # 1/(1−S) from 1.2 to 1.6, seed 0
    python benchmarks/seeds_uniform.py --save DIR ...   # also keep each seed's W in DIR/<size>_<seed>.pt
    python benchmarks/seeds_uniform.py --load DIR ...   # measure saved weights instead of training

Per seed, one markdown table each for what notebook 04 asserts or reports:

- ``D*``: the densest model's value, the largest rise between neighbouring models, the sparsest
  value, and the longest run within ±0.03 of 1/2 (the notebook's plateau) and of 2/5;
- the ``D_i`` clusters: pooled over the represented features of all models, the count within ±0.01
  of each polytope fraction against its chance level (the count within ±0.04, times 1/4);
- the census: at which ``1/(1−S)`` each uniform polytope is found, and whether triangles come
  before the digon plateau and pentagons and square antiprisms after it;
- the tetrahedron: features with ``D_i`` within ±0.05 of 3/4, and every 4-feature factor of rank 3
  with its ``D_i``.

Ends with one table of :func:`toy_lib.geometry_uniform.sweep_claims` (the notebook's rules), a
column per seed. Training one seed of the Colab's size costs about 110 CPU-seconds (0.011 per step),
``--paper-size`` about 330 (0.033 per step, 3×); on two cores (AMD EPYC) seeds 0-2 took 54-105 s
each, sharing the cores with other work, and ``--paper-size`` 162 s.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from machine import cpu_model

import toy_lib as tl

gu = tl.geometry_uniform


def measure(
    W: torch.Tensor, density: torch.Tensor, seed: int, seconds: float | None
) -> dict[str, bool]:
    """Print the tables for one trained sweep, ``W: (instances, hidden, features)``; return
    :func:`toy_lib.geometry_uniform.sweep_claims` of it."""
    inv = (1 / density).tolist()
    dstar = tl.dimensions_per_feature(W)
    dims = tl.feature_dimensionality(W)
    rep = tl.represented(W)
    n_hidden = W.shape[-2]
    took = f", trained in {seconds:.0f} s" if seconds is not None else ""
    print(f"\n### seed {seed}: {W.shape[-1]} → {n_hidden}{took}\n")

    start, length = gu.longest_run_near(dstar, 0.5, 0.03)
    s25, l25 = gu.longest_run_near(dstar, 0.4, 0.03)
    half = f"{length} ({inv[start]:.2f}-{inv[start + length - 1]:.2f})" if length else "0"
    fifth = f"{l25} ({inv[s25]:.2f}-{inv[s25 + l25 - 1]:.2f})" if l25 else "0"
    sums = (dims.sum(-1) - n_hidden).abs().max()
    print(
        "| D* dense | largest rise | D* sparsest | run within ±0.03 of 1/2 | of 2/5 | max abs(ΣD_i − m) |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| {dstar[0]:.3f} | {dstar.diff().max():+.3f} | {dstar[-1]:.3f} | {half} | {fifth} "
        f"| {sums:.3f} |"
    )
    print("\nD* per model: " + " ".join(f"{v:.3f}" for v in dstar.tolist()))

    fractions = [p.fraction for p in gu.UNIFORM_POLYTOPES]
    pool = dims[rep]
    observed, chance = gu.cluster_counts(pool, fractions, window=0.01, span=0.04)
    print(f"\n{pool.numel()} represented features pooled over {W.shape[0]} models\n")
    print("| polytope | within ±0.01 | chance | ratio | models contributing |")
    print("|---|---|---|---|---|")
    for p, o, c in zip(gu.UNIFORM_POLYTOPES, observed.tolist(), chance.tolist(), strict=True):
        near = ((dims - p.fraction).abs() <= 0.01) & rep
        models = [f"{inv[k]:.2f}" for k in near.any(-1).nonzero().flatten().tolist()]
        ratio = f"{o / c:.1f}" if c > 0 else "-"
        print(f"| {p.label} | {o:.0f} | {c:.1f} | {ratio} | {' '.join(models) or '-'} |")

    census = gu.polytope_census(W)
    found = gu.polytope_positions(W)
    print("\n| polytope | factors | at 1/(1-S) (factors there) |")
    print("|---|---|---|")
    for c, p in enumerate(gu.UNIFORM_POLYTOPES):
        where = " ".join(f"{inv[k]:.2f}({int(census[k, c])})" for k in found[p.name])
        print(f"| {p.name} | {int(census[:, c].sum())} | {where or '-'} |")

    print("\nfactors per model:")
    for k in range(W.shape[0]):
        print(f"- {inv[k]:5.2f}: {gu.summarize_factors(gu.tegum_factors(W[k]))}")

    near34 = ((dims - 0.75).abs() <= 0.05) & rep
    print(f"\ntetrahedron: {int(near34.sum())} represented features with D_i within ±0.05 of 3/4")
    for k in near34.any(-1).nonzero().flatten().tolist():
        vals = " ".join(f"{v:.3f}" for v in dims[k][near34[k]].tolist())
        print(f"- 1/(1-S) = {inv[k]:.2f}: D_i {vals}")
    for k in range(W.shape[0]):
        for f in gu.tegum_factors(W[k]):
            if f.size == 4 and f.rank == 3:
                print(
                    f"- 4 features of rank 3 at 1/(1-S) = {inv[k]:.2f}: D_i "
                    + " ".join(f"{v:.3f}" for v in f.dimensionality)
                    + f" (within the factor: {min(f.shape_dimensionality):.3f}-"
                    f"{max(f.shape_dimensionality):.3f}), named {f.name}"
                )
    return gu.sweep_claims(W)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seeds", nargs="*", type=int)
    parser.add_argument("--paper-size", action="store_true", help="400 → 30 instead of 200 → 20")
    parser.add_argument(
        "--tetrahedron-window",
        action="store_true",
        help="20 densities with 1/(1-S) from 1.2 to 1.6 (notebook 04's 'Try it'), seed 0",
    )
    parser.add_argument("--save", type=Path, help="keep each seed's trained W here")
    parser.add_argument("--load", type=Path, help="measure the W saved here instead of training")
    args = parser.parse_args()
    scale = "paper" if args.paper_size else "colab"
    seeds = args.seeds or ([0] if args.paper_size or args.tetrahedron_window else [0, 1, 2])
    cfg = gu.uniform_sweep(scale)
    if args.tetrahedron_window:
        scale = "window"
        cfg = tl.Config(200, 20, 20, feature_probability=1 / torch.linspace(1.2, 1.6, 20))
    density = cfg.probability[:, 0]
    print(f"{cpu_model()}, torch {torch.get_num_threads()} threads")
    claims = {}
    for seed in seeds:
        path = (args.load or args.save or Path(".")) / f"{scale}_{seed}.pt"
        if args.load:
            W, seconds = torch.load(path), None
        else:
            model = tl.ToyModel(cfg, seed=seed)
            t0 = time.perf_counter()
            history = tl.train(model, seed=seed, progress=False)
            seconds = time.perf_counter() - t0
            W = model.W.detach()
            print(f"\n(seed {seed}: {history.seconds:.0f} s in train)", flush=True)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                torch.save(W, path)
        claims[seed] = measure(W, density, seed, seconds)
    print("\n### the notebook's checks (sweep_claims)\n")
    print("| claim | " + " | ".join(f"seed {s}" for s in claims) + " | seeds agreeing |")
    print("|---|" + "---|" * (len(claims) + 1))
    for name in claims[seeds[0]]:
        marks = [claims[s][name] for s in claims]
        row = " | ".join("yes" if m else "no" for m in marks)
        print(f"| {name} | {row} | {sum(marks)} of {len(marks)} |")


if __name__ == "__main__":
    main()
