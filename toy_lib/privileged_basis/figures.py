"""Section 8's figures: each neuron's input weights as stacked bars; monosemanticity."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..figures import FEATURE_CMAP, feature_ticks, inverse_density, small_type, to_numpy
from ..metrics import monosemanticity
from .experiment import (
    DEAD,
    MONOSEMANTIC,
    POLYSEMANTIC,
    classify_neurons,
    count_neurons,
    neuron_order,
)

__all__ = [
    "plot_monosemanticity",
    "plot_neuron_weights",
    "privileged_figure",
    "privileged_snapshot",
]

_KIND_COLORS = ("tab:green", "tab:orange", "0.6")  # monosemantic, polysemantic, dead


def _feature_colors(n: int) -> list[tuple[float, float, float, float]]:
    """One colour per feature, darkest for feature 0 (the most important)."""
    cmap = plt.get_cmap(FEATURE_CMAP)
    return [cmap(0.92 * i / max(1, n - 1)) for i in range(n)]


def plot_neuron_weights(
    W: torch.Tensor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Every neuron's input weights as one stacked bar, as in the paper's §8 figure.

    ``W``: ``(hidden, features)``; neuron k's bar stacks ``W[k, i]`` over the features, coloured by
    feature (darkest = most important), positive weights upward and negative ones downward.
    Neurons are ordered by :func:`toy_lib.privileged.neuron_order`; each tick names the neuron and
    its kind (``f3``: monosemantic for feature 3, ``poly``, ``dead``), in its kind's colour.
    """
    W = torch.as_tensor(W).detach().float().cpu()
    m, n = W.shape
    order = neuron_order(W)
    w = to_numpy(W[order])
    kinds = classify_neurons(W[order]).tolist()
    top = (W[order] ** 2).argmax(-1).tolist()
    ax = ax or plt.figure(figsize=(0.55 * m + 1.2, 3.0)).gca()
    x = np.arange(m)
    up, down = np.zeros(m), np.zeros(m)
    for i, color in enumerate(_feature_colors(n)):
        pos, neg = np.clip(w[:, i], 0, None), np.clip(w[:, i], None, 0)
        ax.bar(x, pos, bottom=up, width=0.72, color=color, edgecolor="white", linewidth=0.4)
        ax.bar(x, neg, bottom=down, width=0.72, color=color, edgecolor="white", linewidth=0.4)
        up, down = up + pos, down + neg
    ax.axhline(0.0, color="k", lw=0.6)
    names = {MONOSEMANTIC: "f{}", POLYSEMANTIC: "poly", DEAD: "dead"}
    labels = [
        f"n{int(k)}\n" + names[c].format(t) for k, c, t in zip(order, kinds, top, strict=True)
    ]
    ax.set_xticks(x, labels)
    for label, c in zip(ax.get_xticklabels(), kinds, strict=True):
        label.set_color(_KIND_COLORS[c])
    ax.tick_params(axis="x", labelsize=7, length=0)
    return small_type(ax, ylabel="input weight $W_{k,i}$", title=title, ticks=None)


def _feature_colorbar(fig: Figure, axes: Sequence[Axes] | Axes, n: int) -> None:
    cmap = ListedColormap(_feature_colors(n))
    mappable = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(-0.5, n - 0.5))
    bar = fig.colorbar(mappable, ax=axes, ticks=feature_ticks(n), fraction=0.03, pad=0.01)
    bar.set_label("feature (0 = most important)", fontsize=8)
    bar.ax.tick_params(labelsize=7)


def privileged_figure(W: torch.Tensor, density: Sequence[float] | torch.Tensor) -> Figure:
    """Section 8's figure: :func:`plot_neuron_weights` for every model of a density sweep.

    ``W``: ``(instances, hidden, features)``, instance k trained at ``density[k]`` (densest first).
    Each panel's title counts its monosemantic and polysemantic neurons.
    """
    W = torch.as_tensor(W).detach().float().cpu()
    d = to_numpy(torch.as_tensor(density, dtype=torch.float32)).reshape(-1)
    counts = count_neurons(W)
    fig, axes = plt.subplots(
        1, len(d), figsize=(1.75 * len(d) + 1.0, 3.3), sharey=True, layout="constrained"
    )
    axes = np.atleast_1d(axes)
    for k, ax in enumerate(axes):
        title = (
            f"density {d[k]:g}\n{int(counts.monosemantic[k])} mono · "
            f"{int(counts.polysemantic[k])} poly"
        )
        plot_neuron_weights(W[k], ax=ax, title=title)
        if k:
            ax.set_ylabel("")
    _feature_colorbar(fig, list(axes), W.shape[-1])
    fig.suptitle("Each neuron's input weights, stacked by feature (ReLU hidden layer)", fontsize=10)
    return fig


def plot_monosemanticity(
    W: torch.Tensor,
    density: Sequence[float] | torch.Tensor,
    *,
    compare: torch.Tensor | None = None,
    compare_label: str = "linear hidden layer",
    threshold: float = 0.9,
    ax: Axes | None = None,
) -> Axes:
    """Every neuron's monosemanticity (share of its squared weight norm on its top feature) against
    the feature sparsity ``1/density`` (log x), dots coloured by kind, with the mean per model.

    ``W`` (and the optional ``compare``, e.g. the linear-hidden models): ``(instances, hidden,
    features)``, instance k at ``density[k]``. The dotted line is the monosemantic threshold.
    """
    W = torch.as_tensor(W).detach().float().cpu()
    x = inverse_density(density)
    ax = ax or plt.figure(figsize=(5.6, 3.6), layout="constrained").gca()
    m = W.shape[1]
    jitter = np.linspace(-0.08, 0.08, m)
    score, kinds = to_numpy(monosemanticity(W)), to_numpy(classify_neurons(W))
    for c, name in enumerate(("monosemantic", "polysemantic", "dead")):
        sel = kinds == c
        xs = (x[:, None] * 10 ** jitter[None, :])[sel]
        ax.scatter(xs, score[sel], s=18, color=_KIND_COLORS[c], label=f"{name} neuron", zorder=3)
    ax.plot(x, score.mean(1), "-", color="k", lw=1.4, label="mean (ReLU hidden)")
    if compare is not None:
        other = to_numpy(monosemanticity(torch.as_tensor(compare).detach().float().cpu()))
        ax.plot(x, other.mean(1), "--", color="0.5", lw=1.2, label=f"mean ({compare_label})")
    ax.axhline(threshold, color="0.6", ls=":", lw=1)
    ax.set(xscale="log", ylim=(0, 1.05), xlabel="feature sparsity 1/(1 − S)")
    ax.set_ylabel("monosemanticity\n(share of ‖row‖² on top feature)", fontsize=8)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("Neurons become polysemantic as features get sparse", fontsize=10)
    return ax


def privileged_snapshot(W: torch.Tensor, *, title: str) -> Figure:
    """One model (``W: (hidden, features)``): stacked input weights beside each neuron's
    monosemanticity, for the §8 explorer. Fixed places instead of a constrained layout: it is
    redrawn on every change and preview, and laying it out took a third of the drawing time."""
    W = torch.as_tensor(W).detach().float().cpu()
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.2, 3.2), width_ratios=(1.5, 1))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.92, wspace=0.3)
    plot_neuron_weights(W, ax=left, title=title)
    _feature_colorbar(fig, left, W.shape[1])
    order = neuron_order(W)
    score, kinds = to_numpy(monosemanticity(W[order])), to_numpy(classify_neurons(W[order]))
    right.bar(np.arange(len(order)), score, color=[_KIND_COLORS[c] for c in kinds], width=0.7)
    right.axhline(0.9, color="0.6", ls=":", lw=1)
    right.set_xticks(np.arange(len(order)), [f"n{int(k)}" for k in order], fontsize=7)
    right.set(ylim=(0, 1.05), ylabel="monosemanticity")
    right.set_title("monosemanticity per neuron", fontsize=9)
    return fig
