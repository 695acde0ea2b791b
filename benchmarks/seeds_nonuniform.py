"""Notebook 05's measurements over several seeds, trained exactly as the notebook trains (seed 0
there).

    python benchmarks/seeds_nonuniform.py            # seeds 0, 1, 2
    python benchmarks/seeds_nonuniform.py 3 4        # other seeds

Per seed: where the pentagon snaps to two digons (the relative density of the loss crossover, and
how many times sparser than the rest the varied feature is there); how well three laws for a
feature's norm in terms of its bias fit the lowest-loss pentagons (mean absolute error); and how
many of the 3 correlated pairs in 2-D have collapsed at each of the notebook's 11 densities.
About a minute and a half per seed on two cores.
"""

from __future__ import annotations

import sys

import torch

import toy_lib as tl
from toy_lib import geometry_nonuniform as nu

THREE_PAIRS = [(0, 1), (2, 3), (4, 5)]


def main(seeds: list[int]) -> None:
    collapse_density = torch.logspace(-2.5, 0, 11)
    print("densities:", " ".join(f"{p:.4f}" for p in collapse_density.tolist()))
    for seed in seeds:
        sweep = nu.perturbation_sweep(torch.logspace(-1, 1, 40), base_density=0.05, k=8, seed=seed)
        crossing = [round(float(r), 3) for r in sweep.crossover("pentagon", "2 digons")]
        pentagon = torch.from_numpy(sweep.best_labels == "pentagon")
        norms = tl.feature_norms(sweep.best_W)[pentagon]
        laws = nu.norm_from_bias(sweep.best_b[pentagon])
        fit = ", ".join(f"{k} {float((norms - v).abs().mean()):.3f}" for k, v in laws.items())
        cfg = tl.Config(6, 2, 11, feature_probability=collapse_density, correlated=THREE_PAIRS)
        W = tl.train_best_of(cfg, k=8, seed=seed, progress=False).model.W.detach()
        collapsed = sum(nu.collapsed_set(W, s).long() for s in THREE_PAIRS).tolist()
        print(
            f"seed {seed}: crossover at r = {crossing} ({[round(1 / r, 1) for r in crossing]}x "
            f"sparser); norm laws, mean abs error: {fit}; collapsed pairs by density: {collapsed}",
            flush=True,
        )


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2])
