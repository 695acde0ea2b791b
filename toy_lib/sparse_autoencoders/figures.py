"""Figures of SAEs against the true features: decoder directions over the feature arrows (2-D toy
models) and the L0-MSE frontier of a sweep."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

from ..figures import plot_features_2d, small_type, to_numpy

__all__ = ["plot_decoder_2d", "plot_frontier", "plot_sweep", "plot_decoders"]


def plot_decoder_2d(
    W: torch.Tensor,
    W_dec: torch.Tensor,
    *,
    live: torch.Tensor | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The toy model's feature arrows ``W: (2, features)`` (coloured by feature, numbered) with one
    SAE's decoder directions ``W_dec: (d_sae, 2)`` as black lines from the origin to the unit
    circle (dashed where ``live: (d_sae,)`` is False, e.g. dead or switched-off latents; all-zero
    rows are skipped).
    """
    W_dec_np = to_numpy(W_dec)
    if W_dec_np.ndim != 2 or W_dec_np.shape[1] != 2:
        raise ValueError(
            f"W_dec has shape {W_dec_np.shape}: plot_decoder_2d needs one SAE's (d_sae, 2)"
        )
    ax = ax or plt.figure(figsize=(3.2, 3.2)).gca()
    n = W.shape[-1]
    colors = plt.get_cmap("tab10")(np.arange(n) % 10)
    plot_features_2d(W, ax=ax, colors=colors)
    norms = np.linalg.norm(W_dec_np, axis=1)
    alive = np.ones(len(W_dec_np), dtype=bool) if live is None else to_numpy(live).astype(bool)
    for j in np.flatnonzero(norms > 0):
        u = W_dec_np[j] / norms[j]
        ax.plot([0, u[0]], [0, u[1]], color="k", lw=1.0, ls="-" if alive[j] else ":", alpha=0.8)
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax


def plot_frontier(
    l0: torch.Tensor | Sequence[float],
    mse: torch.Tensor | Sequence[float],
    labels: Sequence[str],
    *,
    chosen: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The L0-MSE frontier of a sweep: one point per SAE (``l0``, ``mse``: ``(SAEs,)``), joined in
    sweep order and labelled with ``labels`` (e.g. the λ values); ``chosen`` ringed in red."""
    x, y = to_numpy(torch.as_tensor(l0)), to_numpy(torch.as_tensor(mse))
    if not (len(x) == len(y) == len(labels)):
        raise ValueError(
            f"l0, mse and labels have {len(x)}, {len(y)} and {len(labels)} entries: one per SAE"
        )
    ax = ax or plt.figure(figsize=(4.0, 3.0)).gca()
    ax.plot(x, y, "-o", color="0.3", ms=4, lw=1)
    for xi, yi, text in zip(x, y, labels, strict=True):
        ax.annotate(text, (xi, yi), xytext=(3, 3), textcoords="offset points", fontsize=6)
    if chosen is not None:
        ax.plot(x[chosen], y[chosen], "o", ms=10, mfc="none", mec="tab:red", mew=1.5)
    ax.set_yscale("symlog", linthresh=1e-3)
    small_type(ax, xlabel="L0 (mean active latents)", ylabel="reconstruction MSE", title=title)
    return ax


def plot_sweep(
    values: torch.Tensor | Sequence[float],
    scores: dict[str, torch.Tensor | float],
    *,
    chosen: int | None = None,
    title: str | None = None,
) -> plt.Figure:
    """A λ sweep of SAEs against the truth, four panels over λ (log axis): MMCS and the shares of
    features recovered at cosine 0.9 and 0.99; L0 with the true mean number of active features;
    the toy model's loss recovered; dead latents. ``values: (SAEs,)`` the λ; ``scores``: as
    :func:`~toy_lib.sparse_autoencoders.score_saes` returns them; ``chosen`` marked by a red line."""
    lam = to_numpy(torch.as_tensor(values, dtype=torch.float32))
    fig, axes = plt.subplots(1, 4, figsize=(11.0, 2.6))
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.2, top=0.8, wspace=0.35)
    panels = (
        ({"MMCS": "k", "≥ 0.9": "tab:blue", "≥ 0.99": "tab:green"}, "score", (0, 1.02)),
        ({"L0": "k"}, "mean active latents", None),
        ({"loss recovered": "k"}, "share of the loss recovered", (-0.05, 1.05)),
        ({"dead": "k"}, "latents that never fired", None),
    )
    for ax, (keys, ylabel, ylim) in zip(axes, panels, strict=True):
        for key, color in keys.items():
            ax.plot(lam, to_numpy(torch.as_tensor(scores[key])), "-o", ms=3, color=color, label=key)
        if len(keys) > 1:
            ax.legend(fontsize=7, frameon=False)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.set_xscale("log")
        if chosen is not None:
            ax.axvline(lam[chosen], color="tab:red", lw=1, ls="--")
        small_type(ax, xlabel="λ (L1 coefficient)", ylabel=ylabel)
    true_l0 = float(scores["true L0"])
    axes[1].axhline(true_l0, color="tab:orange", lw=1, ls=":")
    axes[1].text(lam[0], true_l0, " true", color="tab:orange", fontsize=7, va="bottom")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def plot_decoders(
    W: torch.Tensor, panels: Sequence[tuple[str, torch.Tensor]], *, size: float = 2.4
) -> plt.Figure:
    """Several SAEs of one 2-D toy model side by side: ``panels`` of ``(title, W_dec (d_sae, 2))``
    drawn with :func:`plot_decoder_2d` over the feature arrows ``W: (2, features)``."""
    if not panels:
        raise ValueError("panels is empty: give at least one (title, W_dec)")
    fig, axes = plt.subplots(1, len(panels), figsize=(size * len(panels), size + 0.3))
    axes = np.atleast_1d(axes)
    fig.subplots_adjust(left=0.03, right=0.99, bottom=0.08, top=0.86, wspace=0.2)
    for ax, (title, W_dec) in zip(axes, panels, strict=True):
        plot_decoder_2d(W, W_dec, ax=ax, title=title)
    return fig
