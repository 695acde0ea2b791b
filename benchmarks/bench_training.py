"""Training speed of toy_lib's engines against the naive PyTorch loop most tutorials use.

The naive loop is the authors' Colab recipe: einsum forward, autograd, torch.optim.AdamW, and two
random draws per input entry (one for the value, one for the mask). Every engine trains the same
workload in the same process; the table reports ms per step, the speed-up, and the final loss of
both (evaluated on the same large sample), which must agree.

    python benchmarks/bench_training.py            # all workloads
    python benchmarks/bench_training.py --quick    # fewer steps, for a smoke run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import torch
from machine import cpu_model

import toy_lib as tl


def naive_train(model: torch.nn.Module, steps: int, batch_size: int = 1024, seed: int = 0) -> float:
    """The tutorial loop; returns seconds. Trains ``model`` (any toy_lib model kind) in place."""
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    prob = model.feature_probability.unsqueeze(1)
    shape = (model.cfg.n_instances, batch_size, model.cfg.n_features)
    start = time.perf_counter()
    for _ in range(steps):
        feat = torch.rand(shape)
        if model.signed_inputs:
            feat = 2 * feat - 1
        x = torch.where(torch.rand(shape) <= prob, feat, torch.zeros(()))
        loss = model.loss(x).sum()  # einsum/bmm forward, autograd backward
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def matmul_peak_gflops() -> float:
    """float32 matrix-multiply throughput of this machine (all threads), the arithmetic ceiling."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    best = 0.0
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(4):
            a @ b
        best = max(best, 4 * 2 * 2048**3 / (time.perf_counter() - start) / 1e9)
    return best


WORKLOADS = [
    # name, model kind, n, m, instances, density, naive steps, engine steps (the full run where
    # affordable)
    ("5→2 ×8", "tied", 5, 2, 8, 0.1, 10_000, 10_000),
    ("20→5 ×8", "tied", 20, 5, 8, 0.1, 10_000, 10_000),
    ("2→1 ×400 (phase grid)", "tied", 2, 1, 400, 0.1, 2_000, 10_000),
    ("200→20 ×20 (geometry)", "tied", 200, 20, 20, None, 300, 2_000),
    ("ReLU-hidden 10→5 ×56 (§8)", "relu-hidden", 10, 5, 56, 0.1, 2_000, 10_000),
    ("abs 100→40 ×7 (§9)", "abs", 100, 40, 7, 0.03, 300, 2_000),
]


def make_model(kind: str, cfg: tl.Config) -> torch.nn.Module:
    if kind == "abs":
        return tl.AbsModel(cfg, seed=0)
    return tl.ToyModel(cfg, seed=0, hidden_activation="relu" if kind == "relu-hidden" else "linear")


def make_cfg(n: int, m: int, instances: int, density: float | None) -> tl.Config:
    # The geometry workload is the Colab's: uniform importance, density 20**-linspace(0, 1, 20).
    p = 20 ** -torch.linspace(0, 1, instances) if density is None else density
    imp = 1.0 if density is None else tl.decaying_importance(n, 0.9)
    return tl.Config(n, m, instances, feature_probability=p, importance=imp)


FIRST_USE = """
import time
import toy_lib as tl
model = tl.ToyModel(tl.Config(5, 2, 2, feature_probability=0.1))
start = time.perf_counter()
tl.train(model, steps=10, progress=False)
middle = time.perf_counter()
tl.evaluate_loss(model, n_samples=1_000)
print(f"{middle - start:.1f} {time.perf_counter() - middle:.1f}")
"""


def first_use_seconds() -> tuple[float, float]:
    """Seconds a fresh install waits for its first ``tl.train`` and ``tl.evaluate_loss``: numba
    compiles the kernels then. Measured in a new process with an empty numba cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        out = subprocess.run(
            [sys.executable, "-c", FIRST_USE], env=env, capture_output=True, text=True, check=True
        )
    train_s, evaluate_s = out.stdout.split()
    return float(train_s), float(evaluate_s)


def run(quick: bool) -> None:
    train_s, evaluate_s = first_use_seconds()
    print(
        f"first use in a fresh install (numba compiling): tl.train {train_s:.1f} s, "
        f"tl.evaluate_loss {evaluate_s:.1f} s"
    )
    peak = matmul_peak_gflops()
    print(
        f"{cpu_model()}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"matmul peak {peak:.0f} GFLOP/s\n"
    )
    header = "| workload | naive ms/step | torch engine ms/step | numba engine ms/step | speed-up (numba) | loss naive / numba | arithmetic limit ms/step |"
    print(header)
    print("|" + "---|" * 7)
    tl.train(
        tl.ToyModel(make_cfg(5, 2, 2, 0.1)), steps=5, progress=False
    )  # compile outside the timing
    for name, kind, n, m, instances, density, naive_steps, steps in WORKLOADS:
        if quick:
            naive_steps, steps = max(20, naive_steps // 50), max(100, steps // 50)
        cfg = make_cfg(n, m, instances, density)
        naive = make_model(kind, cfg)
        naive_ms = naive_train(naive, naive_steps) / naive_steps * 1e3
        torch_steps = max(20, steps // 10)
        torch_ms = (
            tl.train(
                make_model(kind, cfg), steps=torch_steps, engine="torch", progress=False
            ).seconds
            / torch_steps
            * 1e3
        )
        ours = make_model(kind, cfg)
        tl.train(make_model(kind, cfg), steps=5, progress=False)  # compile outside the timing
        numba_ms = tl.train(ours, steps=steps, engine="numba", progress=False).seconds / steps * 1e3
        # Compare final losses at the same number of steps.
        if naive_steps != steps:
            ours = make_model(kind, cfg)
            tl.train(ours, steps=naive_steps, engine="numba", progress=False)
        loss_naive = tl.evaluate_loss(naive).mean().item()
        loss_ours = tl.evaluate_loss(ours).mean().item()
        # Five (batch x n x m) matrix products per step, for the tied and the untied models alike.
        flops = 10 * 1024 * n * m * instances
        print(
            f"| {name} | {naive_ms:.3f} | {torch_ms:.3f} | {numba_ms:.4f} | {naive_ms / numba_ms:.1f}× | "
            f"{loss_naive:.4f} / {loss_ours:.4f} | {flops / peak / 1e6:.3f} |"
        )

    # The intro widget's retrain: one 5→2 model, best of 8 restarts, to converged geometry.
    times = []
    for seed in range(5):
        start = time.perf_counter()
        tl.superposition_at_a_glance.train_intro_model(
            sparsity=0.9, decay=0.9, n_features=5, seed=seed, restarts=8
        )
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    tl.train(tl.ToyModel(make_cfg(5, 2, 1, 0.1)), progress=False)
    single = time.perf_counter() - start
    print(
        f"\nintro widget retrain (5→2, best of 8, 10k steps, incl. loss evaluation): "
        f"median {sorted(times)[2]:.3f} s; one model alone 10k steps: {single:.3f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps (smoke run)")
    run(parser.parse_args().quick)
