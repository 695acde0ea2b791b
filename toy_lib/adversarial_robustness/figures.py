"""Section 7's figures: vulnerability across sparsity and against features per dimension."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..figures import inverse_density, plot_gram, small_type, to_numpy

__all__ = [
    "ATTACK_COLORS",
    "SCATTER_MARKERS",
    "plot_attack_bars",
    "plot_vulnerability",
    "plot_vulnerability_vs_dimensions",
    "robustness_snapshot",
    "vulnerability_figure",
]

ATTACK_COLORS = ("#d62728", "#1f77b4", "#9467bd", "0.55", "#2ca02c", "#ff7f0e")
SCATTER_MARKERS = ("o", "s", "v", "D", "^", "P")


def _attack_series(vulnerabilities: dict[str, torch.Tensor], size: int) -> list[tuple]:
    """``(name, values, colour)`` per attack, each ``values`` a numpy ``(size,)``, checked."""
    series = []
    for k, (name, values) in enumerate(vulnerabilities.items()):
        v = to_numpy(torch.as_tensor(values, dtype=torch.float32)).reshape(-1)
        if v.shape != (size,):
            raise ValueError(
                f"vulnerabilities[{name!r}] has {v.size} values: it must have one per model ({size})"
            )
        series.append((name, v, ATTACK_COLORS[k % len(ATTACK_COLORS)]))
    return series


def plot_vulnerability(
    density: torch.Tensor | Sequence[float],
    vulnerabilities: dict[str, torch.Tensor],
    features_per_dimension: torch.Tensor | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Each attack's vulnerability ``(L' - L) / (L'_0 - L_0)`` against ``1/(1 - S)`` (log x), with
    the features per dimension ``1/D* = ||W||_F² / m`` dashed, as in the paper's §7 figure.

    ``density``: ``(models,)`` the density ``1 - S`` of each model; ``vulnerabilities``: attack
    name → ``(models,)``; ``features_per_dimension``: ``(models,)``. The dotted line at 1 is a
    model without superposition.
    """
    x = inverse_density(density)
    ax = ax or plt.figure(figsize=(5, 3.4)).gca()
    ax.axhline(1.0, color="0.6", ls=":", lw=1)
    ax.text(x.max(), 1.0, "no superposition ", fontsize=7, color="0.4", ha="right", va="top")
    for name, v, color in _attack_series(vulnerabilities, len(x)):
        ax.plot(x, v, "o-", ms=4, lw=1.5, color=color, label=name)
    if features_per_dimension is not None:
        f = to_numpy(torch.as_tensor(features_per_dimension, dtype=torch.float32)).reshape(-1)
        ax.plot(x, f, "k--", lw=1.2, label="features per dimension $1/D^*$")
    ax.set(xscale="log", xlabel="feature sparsity 1/(1 − S)", ylabel="vulnerability")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(title or "Vulnerability relative to a model without superposition", fontsize=10)
    return ax


def plot_vulnerability_vs_dimensions(
    features_per_dimension: torch.Tensor,
    vulnerabilities: dict[str, torch.Tensor],
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Vulnerability of each model against its features per dimension ``1/D*`` (one dot per model
    and attack); the dotted diagonal is "vulnerability = 1/D*"."""
    f = to_numpy(torch.as_tensor(features_per_dimension, dtype=torch.float32)).reshape(-1)
    ax = ax or plt.figure(figsize=(3.6, 3.4)).gca()
    series = _attack_series(vulnerabilities, len(f))
    top = max([float(f.max())] + [float(v.max()) for _, v, _ in series])
    ax.plot([1, top], [1, top], ":", color="0.6", lw=1, label="vulnerability $= 1/D^*$")
    for k, (name, v, color) in enumerate(series):
        # The first attack filled, the others hollow, so coinciding dots stay visible.
        face = color if k == 0 else "none"
        marker = SCATTER_MARKERS[k % len(SCATTER_MARKERS)]
        ax.scatter(
            f, v, s=24, marker=marker, facecolors=face, edgecolors=color, label=name, zorder=3
        )
    ax.set(xlabel=r"features per dimension $1/D^* = \|W\|_F^2 / m$", ylabel="vulnerability")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(title or "Vulnerability against features per dimension", fontsize=10)
    return ax


def vulnerability_figure(
    density: torch.Tensor | Sequence[float],
    vulnerabilities: dict[str, torch.Tensor],
    features_per_dimension: torch.Tensor,
) -> Figure:
    """Section 7's figure: :func:`plot_vulnerability` beside :func:`plot_vulnerability_vs_dimensions`."""
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(10, 3.8), layout="constrained", width_ratios=(1.4, 1)
    )
    plot_vulnerability(density, vulnerabilities, features_per_dimension, ax=left)
    plot_vulnerability_vs_dimensions(features_per_dimension, vulnerabilities, ax=right)
    return fig


def plot_attack_bars(
    vulnerabilities: dict[str, float], *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """One horizontal bar per attack: its vulnerability for one model (1, dotted, is a model
    without superposition)."""
    names = list(vulnerabilities)
    values = [float(v) for v in vulnerabilities.values()]
    ax = ax or plt.figure(figsize=(4, 2.5)).gca()
    colors = [ATTACK_COLORS[k % len(ATTACK_COLORS)] for k in range(len(names))]
    ax.barh(np.arange(len(names)), values, color=colors)
    for k, v in enumerate(values):
        ax.text(v, k, f" {v:.2f}", va="center", fontsize=8)
    ax.axvline(1.0, color="0.4", ls=":", lw=1)
    ax.set(yticks=np.arange(len(names)), ylim=(len(names) - 0.5, -0.5))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlim(0, 1.25 * max(values + [1.0]))
    xlabel = "vulnerability (1 = no superposition)"
    return small_type(ax, xlabel=xlabel, title=title, ticks="x")


def robustness_snapshot(
    W: torch.Tensor, vulnerabilities: dict[str, float], *, title: str | None = None
) -> Figure:
    """One model: its ``WᵀW`` (``W: (hidden, features)``) beside :func:`plot_attack_bars`.

    The panels sit at fixed places instead of a computed layout: the explorer redraws this figure
    on every change."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.2), width_ratios=(1, 1.3))
    fig.subplots_adjust(left=0.075, right=0.97, bottom=0.15, top=0.9, wspace=0.75)
    plot_gram(W, ax=left, title=title)
    plot_attack_bars(vulnerabilities, ax=right, title="Vulnerability to each attack")
    return fig
