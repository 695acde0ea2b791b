"""Figures of trained toy models. Plotting reads weights; it never modifies them.

Each function draws into a given matplotlib ``Axes`` (or makes a figure) and returns it, so notebooks
compose them freely.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .metrics import feature_norms

__all__ = ["plot_features_2d", "plot_gram", "intro_figure", "figure_png"]

FEATURE_CMAP = "viridis"


def _numpy(t: torch.Tensor | np.ndarray) -> np.ndarray:
    return (
        t.detach().cpu().numpy().copy() if isinstance(t, torch.Tensor) else np.array(t, copy=True)
    )


def plot_features_2d(
    W: torch.Tensor,
    importance: torch.Tensor | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    label_threshold: float = 0.1,
) -> Axes:
    """Arrows ``W_i`` in the 2-D hidden space of one model. ``W: (2, features)``.

    Colour shows importance (bright = important); features with ``||W_i|| > label_threshold`` are
    numbered.
    """
    W_np = _numpy(W)
    if W_np.ndim != 2 or W_np.shape[0] != 2:
        raise ValueError(
            f"W has shape {W_np.shape}: plot_features_2d needs one model's (2, features)"
        )
    n = W_np.shape[1]
    ax = ax or plt.figure(figsize=(3, 3)).gca()
    imp = np.ones(n) if importance is None else _numpy(importance)
    colors = plt.get_cmap(FEATURE_CMAP)(0.15 + 0.8 * (imp - imp.min()) / max(np.ptp(imp), 1e-12))
    lim = max(1.2, 1.15 * float(np.linalg.norm(W_np, axis=0).max()))
    ax.add_patch(plt.Circle((0, 0), 1.0, fill=False, ls=":", lw=0.8, color="0.6"))
    for i in range(n):
        x, y = W_np[:, i]
        if np.hypot(x, y) < 0.05:  # an arrowhead on a zero-length arrow would look like a feature
            continue
        ax.annotate(
            "",
            xy=(x, y),
            xytext=(0, 0),
            arrowprops={"arrowstyle": "-|>", "color": colors[i], "lw": 2},
        )
        if np.hypot(x, y) > label_threshold:
            ax.text(
                1.12 * x, 1.12 * y, str(i), ha="center", va="center", fontsize=8, color=colors[i]
            )
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xticks=[], yticks=[])
    ax.set_xlabel("hidden dim 0", fontsize=8)
    ax.set_ylabel("hidden dim 1", fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_gram(W: torch.Tensor, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Heat map of ``WᵀW`` (features × features) of one model, ``W: (hidden, features)``.

    Red is positive, blue negative; the diagonal is ``||W_i||²`` and off-diagonal cells are the
    interference between features.
    """
    W_np = _numpy(W)
    gram = W_np.T @ W_np
    ax = ax or plt.figure(figsize=(3, 3)).gca()
    vmax = max(1.0, float(np.abs(gram).max()))
    im = ax.imshow(gram, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    n = gram.shape[0]
    ticks = range(n) if n <= 10 else range(0, n, max(1, n // 5))
    ax.set(xticks=list(ticks), yticks=list(ticks), xlabel="feature j", ylabel="feature i")
    ax.tick_params(labelsize=7)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04).ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def intro_figure(
    Ws: Sequence[torch.Tensor],
    importance: torch.Tensor,
    titles: Sequence[str],
    *,
    suptitle: str | None = None,
) -> Figure:
    """Section 1's figure: per model (column), the feature arrows above ``WᵀW``. Each ``W: (2, features)``."""
    cols = len(Ws)
    fig, axes = plt.subplots(
        2, cols, figsize=(3.1 * cols, 6.0), squeeze=False, layout="constrained"
    )
    for c, (W, title) in enumerate(zip(Ws, titles, strict=True)):
        norms = feature_norms(W)
        n_rep = int((norms > 0.5).sum())
        plot_features_2d(
            W, importance, ax=axes[0, c], title=f"{title}\n{n_rep} of {W.shape[-1]} represented"
        )
        plot_gram(W, ax=axes[1, c], title="WᵀW")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def figure_png(fig: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes (modest dpi keeps committed notebooks small), then closes it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
