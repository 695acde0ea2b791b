"""Notebook 06's §6 results over several seeds, trained exactly as the notebook trains them (the
notebook shows seed 0).

    python benchmarks/seeds_learning_dynamics.py            # seeds 0, 1, 2
    python benchmarks/seeds_learning_dynamics.py 3 4 5      # other seeds

Per seed, one row of each experiment:

- Phenomenon 1 in the paper's setup (200 → 20 uniform, density 0.3, default start, 4 models):
  discrete jumps between energy levels, and how many coincide with a loss drop.
- The smaller case (6 features in 2-D, density 0.05, 8 models) from 0.1× the default start and
  from the default start: instances with a jump that coincides with a loss drop.
- Phenomenon 2 (two correlated triples in 3-D, density 0.1, 8 models) from 0.1× the default
  start and from the default start: octahedra at the end, PCA as the first stage, 3+ stages.

About 2 minutes per seed on two cores.
"""

from __future__ import annotations

import sys
import time

import torch

import toy_lib as tl
from toy_lib import learning_dynamics as dy


def main(seeds: list[int]) -> None:
    print(f"torch {torch.__version__}, toy_lib {tl.__version__}")
    print(
        "\n| seed | P1 200→20: jumps / coinciding | 6→2 from 0.1×: models with a coinciding "
        "jump (share of jumps that coincide; chance) | 6→2 default start | P2 from 0.1×: octahedra, PCA first, 3+ stages | P2 default "
        "start: octahedra, PCA first, 3+ stages | seconds |\n|---|---|---|---|---|---|---|"
    )
    for seed in seeds:
        t = time.perf_counter()
        p1 = dy.train_uniform_dynamics(0.3, 1.0, seed)
        small = dy.train_dynamics(0.05, 0.1, seed)
        default = dy.train_dynamics(0.05, 1.0, seed)
        cells = [f"{len(p1.jumps)} / {len(p1.coinciding())}"]
        share = len(small.coinciding()) / max(len(small.jumps), 1)
        chance = dy.drop_windows(small.smoothed).float().mean().item()
        cells.append(
            f"{len(small.instances_with_jump)} of 8 ({share:.0%} of jumps; chance {chance:.0%})"
        )
        cells.append(f"{len(default.instances_with_jump)} of 8")
        for scale in (0.1, 1.0):
            run = dy.train_triples(0.1, scale, seed)
            cells.append(f"{run.octahedra}, {run.pca_first}, {run.with_stages(3)} of 8")
        print(
            f"| {seed} | " + " | ".join(cells) + f" | {time.perf_counter() - t:.0f} |", flush=True
        )


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [0, 1, 2])
