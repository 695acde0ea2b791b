"""Shared figure helpers: feature arrows, ``WᵀW``, colours, ticks and PNG export.

Plotting reads weights; it never modifies them. Each function draws into a given matplotlib
``Axes`` (or makes a figure) and returns it, so notebooks and sections compose them freely.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "FEATURE_CMAP",
    "feature_ticks",
    "figure_png",
    "inverse_density",
    "label_right",
    "plot_features_2d",
    "plot_gram",
    "small_type",
    "to_numpy",
]

FEATURE_CMAP = "viridis"


def to_numpy(t: torch.Tensor | np.ndarray) -> np.ndarray:
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
    colors: Sequence | None = None,
) -> Axes:
    """Arrows ``W_i`` in the 2-D hidden space of one model. ``W: (2, features)``.

    Colour shows importance (bright = important), unless ``colors`` gives one matplotlib colour
    per feature; features with ``||W_i|| > label_threshold`` are numbered.
    """
    W_np = to_numpy(W)
    if W_np.ndim != 2 or W_np.shape[0] != 2:
        raise ValueError(
            f"W has shape {W_np.shape}: plot_features_2d needs one model's (2, features)"
        )
    n = W_np.shape[1]
    ax = ax or plt.figure(figsize=(3, 3)).gca()
    if colors is None:
        imp = np.ones(n) if importance is None else to_numpy(importance)
        colors = plt.get_cmap(FEATURE_CMAP)(
            0.15 + 0.8 * (imp - imp.min()) / max(np.ptp(imp), 1e-12)
        )
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
    W_np = to_numpy(W)
    gram = W_np.T @ W_np
    ax = ax or plt.figure(figsize=(3, 3)).gca()
    vmax = max(1.0, float(np.abs(gram).max()))
    im = ax.imshow(gram, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    n = gram.shape[0]
    ticks = feature_ticks(n)
    ax.set(xticks=ticks, yticks=ticks, xlabel="feature j", ylabel="feature i")
    ax.tick_params(labelsize=7)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04).ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def figure_png(fig: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes (modest dpi keeps committed notebooks small), then closes it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def feature_ticks(n: int) -> list[int]:
    """Tick positions for ``n`` features: each one up to 10, then every 5th, wider steps (multiples
    of 5) past 40 features so that at most 8 labels fit on a small panel."""
    if n <= 10:
        return list(range(n))
    return list(range(0, n, 5 * -(-n // 40)))


def inverse_density(density: torch.Tensor | Sequence[float]) -> np.ndarray:
    p = to_numpy(torch.as_tensor(density, dtype=torch.float32)).reshape(-1)
    if (p <= 0).any() or (p > 1).any():
        raise ValueError(f"density={p.tolist()!r} is not allowed: every value must be in (0, 1]")
    return 1.0 / p


def small_type(
    ax: Axes,
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    ticks: str | None = "both",
) -> Axes:
    """The section figures' small type: axis labels at 8 pt, tick labels of ``ticks`` (``"x"``,
    ``"y"``, ``"both"``; ``None`` leaves them) at 7 pt, and the title, if any, at 9 pt."""
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=8)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=8)
    if ticks is not None:
        ax.tick_params(axis=ticks, labelsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def label_right(ax: Axes, text: str, y: float, below: float, color: str, *, offset: float) -> float:
    """Label a horizontal line at height ``y`` just right of the axes, but no higher than ``below``
    (the previous label minus a gap), so labels of close lines stay apart. Returns where it went."""
    label_y = min(y, below)
    ax.annotate(
        text,
        xy=(1.0, label_y),
        xycoords=("axes fraction", "data"),
        xytext=(offset, 0),
        textcoords="offset points",
        va="center",
        fontsize=7,
        color=color,
    )
    return label_y
