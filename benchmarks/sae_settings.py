"""Which SAE settings take the toy model's features back out of superposition: sweeps over the L1
coefficient, the dictionary size and seeds, every SAE scored against the true directions.

For notebook 10's design: it measures, it asserts nothing. One row per (setting, λ), averaged over
the seeds, with the worst seed where it matters (the smallest best cosine of any feature).

    python benchmarks/sae_settings.py pentagon       # 5 → 2 (S = 0.9), ReLU and TopK SAEs
    python benchmarks/sae_settings.py forty          # 40 → 10, uniform importance
"""

from __future__ import annotations

import argparse
import time

import torch
from machine import cpu_model

import toy_lib as tl
from toy_lib import sparse_autoencoders as sa

SEEDS = (0, 1, 2)


def toy(n: int, m: int, density: float, seed: int) -> tl.ToyModel:
    """The best of 8 (5 → 2: importance 0.9^i) or 4 (larger: importance 1) restarts by loss."""
    imp = tl.decaying_importance(n, 0.9) if n == 5 else 1.0
    cfg = tl.Config(n, m, feature_probability=density, importance=imp)
    return tl.train_best_of(cfg, k=8 if n == 5 else 4, seed=seed, progress=False).model


@torch.no_grad()
def scores(model: tl.ToyModel, sae: sa.SparseAutoencoder) -> dict[str, torch.Tensor]:
    x, h = sa.toy_activations(model, 0, 50_000, generator=torch.Generator().manual_seed(123))
    count = sae.cfg.n_instances
    h_hat, f = sae(h.expand(count, -1, -1))
    W = model.W[0]
    best = sa.best_cosines(sae.W_dec, W)[:, tl.represented(W)]
    return {
        "worst cos": best.min(-1).values,
        "MMCS": sa.mmcs(sae.W_dec, W),
        "≥ 0.9": sa.recovered(sae.W_dec, W, 0.9),
        "≥ 0.99": sa.recovered(sae.W_dec, W, 0.99),
        "L0": sa.l0(f),
        "MSE": sa.reconstruction_mse(h.expand(count, -1, -1), h_hat),
        "loss recovered": sa.fraction_of_loss_recovered(model, 0, sae, x),
        "dead": sa.dead_latents(sae, f).float(),
        "true L0": (x > 0).float().sum(-1).mean().expand(count),
    }


def sweep(
    name: str, n: int, m: int, density: float, d_sae: int, settings: dict, steps: int
) -> None:
    values = settings.get("l1_coefficient", settings.get("k"))
    rows = []
    start = time.perf_counter()
    for seed in SEEDS:
        model = toy(n, m, density, seed)
        sae = sa.SparseAutoencoder(sa.SAEConfig(m, d_sae, len(values), **settings), seed=seed)
        sa.train_saes(sae, model, steps=steps, lr=1e-3, seed=seed, progress=False)
        rows.append(scores(model, sae))
    keys = list(rows[0])
    mean = {k: torch.stack([r[k] for r in rows]).mean(0) for k in keys}
    mean["worst cos"] = torch.stack([r["worst cos"] for r in rows]).min(0).values
    label = "λ" if "l1_coefficient" in settings else "k"
    print(
        f"\n{name}: d_sae {d_sae}, {steps:,} steps, seeds {SEEDS} ({time.perf_counter() - start:.0f} s)"
    )
    print(f"| {label} | " + " | ".join(keys) + " |")
    print("|" + "---|" * (len(keys) + 1))
    for i, v in enumerate(values):
        print(f"| {v:.3g} | " + " | ".join(f"{float(mean[k][i]):.3f}" for k in keys) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=["pentagon", "forty"])
    case = parser.parse_args().case
    print(f"CPU: {cpu_model()}; worst cos: the smallest over features and seeds")
    if case == "pentagon":
        lams = torch.logspace(-3, 0, 13).tolist()
        for d_sae in (5, 10):
            sweep("5 → 2, S = 0.9, ReLU SAEs", 5, 2, 0.1, d_sae, {"l1_coefficient": lams}, 10_000)
        sweep(
            "5 → 2, S = 0.9, TopK SAEs", 5, 2, 0.1, 10, {"activation": "topk", "k": [1, 2]}, 10_000
        )
    else:
        lams = torch.logspace(-3, 0, 10).tolist()
        for density in (0.05, 0.02):
            for d_sae in (40, 80):
                sweep(f"40 → 10, density {density}, ReLU SAEs", 40, 10, density, d_sae,
                      {"l1_coefficient": lams}, 10_000)  # fmt: skip


if __name__ == "__main__":
    main()
