"""Notebook 10's live explorer: retrain SAEs on a 2-D toy model and see which directions they find."""

from __future__ import annotations

import math
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from ..explorer import live_explorer, slider, toggle, training_previews
from ..figures import figure_png, small_type
from ..metrics import represented
from ..models import ToyModel
from ..validate import check_int
from .experiment import sweep_saes
from .figures import plot_decoder_2d
from .sae import ACTIVATIONS
from .scores import best_cosines
from .training import toy_activations

__all__ = ["L1_OPTIONS", "sae_explorer"]

#: The λ values the explorer offers: log-spaced from 0.001 to 1.
L1_OPTIONS = tuple(round(float(v), 4) for v in np.logspace(-3, 0, 13))


def _figure(W: torch.Tensor, W_dec: torch.Tensor, live: torch.Tensor, title: str) -> bytes:
    """Decoder directions over the feature arrows (left) and each feature's angle to its nearest
    decoder direction (right). ``W: (2, features)``, ``W_dec: (d_sae, 2)``, ``live: (d_sae,)``."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.2, 3.2), width_ratios=(1, 1.2))
    fig.subplots_adjust(left=0.02, right=0.97, bottom=0.16, top=0.86, wspace=0.3)
    plot_decoder_2d(W, W_dec, live=live, ax=left, title=title)
    cos = best_cosines(W_dec.unsqueeze(0), W)[0].clamp(-1, 1)
    angle = torch.rad2deg(torch.arccos(cos)).numpy()
    shown = represented(W).numpy()
    n = W.shape[1]
    colors = plt.get_cmap("tab10")(np.arange(n) % 10)
    right.bar(np.arange(n), np.where(shown, angle, 0.0), color=colors)
    limit = math.degrees(math.acos(0.99))
    right.axhline(limit, color="tab:red", lw=1, ls="--")
    right.text(n - 0.5, limit, " cos 0.99", color="tab:red", fontsize=7, va="bottom", ha="right")
    right.set(xticks=range(n), ylim=(0, max(45.0, float(angle[shown].max(initial=0)) * 1.1)))
    small_type(
        right,
        xlabel="feature",
        ylabel="angle to the nearest decoder direction (°)",
        title="How far each feature is from being found",
    )
    return figure_png(fig)


def sae_explorer(
    model: ToyModel,
    *,
    activation: str = "relu",
    l1_coefficient: float = 0.3162,
    k: int = 1,
    d_sae: int = 10,
    restarts: int = 4,
    steps: int = 5_000,
    seed: int = 0,
) -> widgets.VBox:
    """Retrain SAEs on the hidden vectors of a 2-D toy ``model`` (instance 0) and redraw the
    decoder directions over the true feature arrows, with each feature's angle to its nearest
    decoder direction.

    Controls: ReLU or TopK; ``λ`` (:data:`L1_OPTIONS`, ReLU) or ``k`` (TopK); dictionary size; seed.
    Each change trains ``restarts`` SAEs from different starts for ``steps`` steps and keeps the one
    with the lowest training loss (mean of its last 10% of steps); while they train, a preview shows
    the best so far. The status line gives L0 against the true mean number of active features, the
    reconstruction MSE and the toy model's loss recovered, measured on 50,000 fresh inputs, and the
    dead latents: those that never fire on 16,384 others (dotted in the figure). The λ slider has
    the CSS class ``toy-sparsity``.
    """
    if model.cfg.n_hidden != 2:
        raise ValueError(
            f"model has {model.cfg.n_hidden} hidden dimensions: the explorer draws 2-D models only"
        )
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation={activation!r} is not allowed: choose one of {ACTIVATIONS}")
    if l1_coefficient not in L1_OPTIONS:
        raise ValueError(
            f"l1_coefficient={l1_coefficient!r} is not allowed: choose one of {L1_OPTIONS}"
        )
    for name, value in (("restarts", restarts), ("steps", steps)):
        check_int(name, value)
    W = model.W[0].detach()
    _, h = toy_activations(model, 0, 16_384, generator=torch.Generator().manual_seed(12345))
    lam = slider("select", "λ (L1)", l1_coefficient, [(f"{v:g}", v) for v in L1_OPTIONS])
    lam.add_class("toy-sparsity")
    kind = toggle("SAE", list(ACTIVATIONS), activation)
    k_slider = slider("int", "k (TopK)", k, (1, 4))
    size = slider("int", "latents d_sae", d_sae, (2, 20))
    seed_slider = slider("int", "seed", seed, (0, 20))

    def setting() -> str:
        if kind.value == "topk":
            return f"TopK SAE, k = {k_slider.value}, {size.value} latents"
        return f"ReLU SAE, λ = {lam.value:g}, {size.value} latents"

    def preview(params: dict[str, torch.Tensor]) -> bytes:
        W_dec = params["W_dec"][0]
        return _figure(
            W, W_dec, torch.ones(len(W_dec), dtype=torch.bool), f"{setting()} (training)"
        )

    def render() -> tuple[bytes, str]:
        start = time.perf_counter()
        value = lam.value if kind.value == "relu" else min(k_slider.value, size.value)
        with training_previews(preview):
            sweep = sweep_saes(
                model, [value], activation=kind.value, d_sae=size.value, restarts=restarts,
                steps=steps, seed=seed_slider.value, progress=False,
            )  # fmt: skip
        with torch.no_grad():
            live = (sweep.sae.encode(h.unsqueeze(0))[0] > 0).any(0)
        dead = int((~live & sweep.sae.latent_mask[0]).sum())
        s = {key: float(v[0]) for key, v in sweep.scores.items() if key != "true L0"}
        status = (
            f"{setting()}: best of {restarts} restarts by loss. L0 {s['L0']:.2f} "
            f"(inputs have {sweep.scores['true L0']:.2f} active features on average), "
            f"reconstruction MSE {s['MSE']:.4f}, loss recovered {s['loss recovered']:.1%}, "
            f"{dead} dead latent(s) (dotted). Retrained in "
            f"{time.perf_counter() - start:.1f} s"
        )
        return _figure(W, sweep.sae.W_dec[0].detach(), live, setting()), status

    controls = widgets.VBox(
        [lam, widgets.HBox([kind, k_slider]), widgets.HBox([size, seed_slider])]
    )
    return live_explorer(controls, (lam, kind, k_slider, size, seed_slider), render, "300px")
