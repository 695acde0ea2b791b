"""Notebook 11's engine against a plain dense PyTorch loop, at sizes where both run.

    python benchmarks/bench_memorization.py

For a few training-set sizes T, in the course's setup (n = 1,000, S = 0.99) and in the note's
(n = 10,000, S = 0.999), trains one model (m = 2) for 2,000 full-batch AdamW steps (warm-up 100
steps, then cosine decay) both ways from the same initialisation: the dense reference
(``toy_lib.memorization_double_descent.train_dense``: every step computes all n × T outputs with
autograd, ``torch.optim.AdamW``) and the sparse engine (``train_models``: only the pairs whose
output can change sign). Prints ms per step, the speed-up, the final training loss of each and the
share of the n × T pairs the engine computed over the run. Measures only; asserts nothing.
"""

from __future__ import annotations

import time

import torch
from machine import cpu_model

from toy_lib import memorization_double_descent as mdd

STEPS = 2_000
SETUPS = {"course": mdd.COURSE_SETUP, "note": mdd.NOTE_SETUP}
CASES = [("course", 5), ("course", 100), ("course", 1_000), ("note", 30), ("note", 300)]


def main() -> None:
    print(f"CPU: {cpu_model()}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{STEPS:,} full-batch steps, m = 2, one model\n")
    print(
        "| setup | n | T | dense ms/step | sparse ms/step | speed-up | final loss dense / sparse | pairs computed |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, size in CASES:
        n, sparsity = SETUPS[label]["n"], SETUPS[label]["sparsity"]
        data = mdd.sparse_dataset(n, size, sparsity, seed=size)
        kwargs = {"steps": STEPS, "warmup_steps": STEPS // 20}
        mdd.train_models([data], 2, steps=20, warmup_steps=1, progress=False)  # compile
        start = time.perf_counter()
        dense = mdd.train_dense(data, 2, seed=0, **kwargs)
        dense_ms = (time.perf_counter() - start) / STEPS * 1e3
        start = time.perf_counter()
        run = mdd.train_models([data], 2, init_seeds=[0], progress=False, **kwargs)
        sparse_ms = (time.perf_counter() - start) / STEPS * 1e3
        share = float(run.visited.double().mean()) / (n * size)
        print(
            f"| {label} | {n:,} | {size:,} | {dense_ms:.2f} | {sparse_ms:.3f} | "
            f"{dense_ms / sparse_ms:.0f}× | {float(dense.loss[-1]):.4f} / {float(run.loss[-1, 0]):.4f} | "
            f"{share:.1%} |"
        )


if __name__ == "__main__":
    main()
