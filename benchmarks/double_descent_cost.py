"""What the note's double-descent setup costs on this machine with the dense reference, and how
sparse its outputs become: the measurements behind notebook 11's engine.

    python benchmarks/double_descent_cost.py

For a few training-set sizes T (n = 10,000 features, S = 0.999, m = 2), trains the dense
full-batch reference (``toy_lib.memorization_double_descent.train_dense``) for 2,000 steps and
prints ms per step, the time the note's 50,000 steps would take, and the share of the n × T output
pre-activations ``W_jᵀ h_t + b_j`` that are positive at the end (only those carry a gradient
through the output ReLU, so a sparse engine need touch only them and the nonzero inputs).
Measures only; asserts nothing.
"""

from __future__ import annotations

import time

import torch
from machine import cpu_model

from toy_lib import memorization_double_descent as mdd

SETUP = mdd.NOTE_SETUP
STEPS = 2_000


def main() -> None:
    print(f"CPU: {cpu_model()}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("| T | ms/step (dense) | the note's 50,000 steps | positive output pre-activations |")
    print("|---|---|---|---|")
    for size in (5, 30, 300):
        data = mdd.sparse_dataset(SETUP["n"], size, SETUP["sparsity"], seed=0)
        start = time.perf_counter()
        run = mdd.train_dense(data, SETUP["m"], steps=STEPS, warmup_steps=STEPS // 20)
        per_step = (time.perf_counter() - start) / STEPS
        with torch.no_grad():
            X = data.dense()
            positive = float(((X @ run.W.T @ run.W + run.b) > 0).float().mean())
        print(
            f"| {size} | {per_step * 1e3:.2f} | {per_step * SETUP['steps'] / 60:.1f} min | "
            f"{positive:.2%} |"
        )


if __name__ == "__main__":
    main()
