"""Training speed of a sweep of SAEs: the numba engine (all SAEs at once) against the plain PyTorch
loop (one SAE after another: autograd, torch.optim.Adam, decoder rows renormalised each step).

Each workload is a sweep over the L1 coefficient on one trained toy model's hidden vectors. The
table reports ms per step of the whole sweep, the speed-up, and the final training loss of both
(mean over the last 10% of steps and over the sweep), which must agree.

    python benchmarks/bench_sae.py            # all workloads
    python benchmarks/bench_sae.py --quick    # fewer steps, for a smoke run
"""

from __future__ import annotations

import argparse
import time

import torch
from machine import cpu_model

import toy_lib as tl
from toy_lib import sparse_autoencoders as sa

WORKLOADS = [
    # name, toy n → m, toy density, d_sae, number of SAEs (λ values), steps
    ("pentagon 2 → 10, 12 λ", 5, 2, 0.1, 10, 12, 3_000),
    ("40 → 10: 10 → 40, 12 λ", 40, 10, 0.05, 40, 12, 2_000),
    ("40 → 10: 10 → 80, 12 λ", 40, 10, 0.05, 80, 12, 1_000),
]


def toy_model(n: int, m: int, density: float) -> tl.ToyModel:
    cfg = tl.Config(n, m, feature_probability=density, importance=tl.decaying_importance(n, 0.9))
    return tl.train_best_of(cfg, k=4, seed=0, progress=False).model


def run(quick: bool) -> None:
    print(f"CPU: {cpu_model()}; torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    print(
        "| workload | steps | torch loop, one SAE at a time: ms/step | numba, all at once: ms/step | speed-up | final loss torch / numba |"
    )
    print("|---|---|---|---|---|---|")
    for name, n, m, density, d_sae, count, steps in WORKLOADS:
        if quick:
            steps = 200
        model = toy_model(n, m, density)
        lams = torch.logspace(-3, 0, count).tolist()
        warm = sa.SparseAutoencoder(sa.SAEConfig(m, d_sae, 1))
        sa.train_saes(warm, model, steps=5, engine="numba", progress=False)  # compile first
        start = time.perf_counter()
        torch_final = []
        for lam in lams:
            one = sa.SparseAutoencoder(sa.SAEConfig(m, d_sae, 1, l1_coefficient=lam))
            history = sa.train_saes(one, model, steps=steps, engine="torch", progress=False)
            torch_final.append(float(history.final_loss[0]))
        torch_ms = (time.perf_counter() - start) / steps * 1e3
        sweep = sa.SparseAutoencoder(sa.SAEConfig(m, d_sae, count, l1_coefficient=lams))
        start = time.perf_counter()
        history = sa.train_saes(sweep, model, steps=steps, engine="numba", progress=False)
        numba_ms = (time.perf_counter() - start) / steps * 1e3
        print(
            f"| {name} | {steps:,} | {torch_ms:.2f} | {numba_ms:.3f} | {torch_ms / numba_ms:.0f}× | "
            f"{sum(torch_final) / count:.4f} / {float(history.final_loss.mean()):.4f} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps (smoke run)")
    run(parser.parse_args().quick)
