"""Section 9's figures: ``W₁`` and ``W₂ᵀ`` heat maps, computed-feature counts, motifs."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from ..figures import to_numpy
from .experiment import NeuronReport

__all__ = [
    "ABS_CMAP",
    "abs_weights_figure",
    "computed_counts_figure",
    "motif_figure",
    "plot_abs_weights",
    "polysemantic_counts_figure",
    "rescale_neurons",
]

ABS_CMAP = "RdBu_r"


def rescale_neurons(W1: torch.Tensor, W2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The same model with every neuron rescaled so its largest ``|W1|`` weight is 1, as the
    paper plots it: row ``k`` of ``W1 (..., hidden, features)`` is divided by that weight and
    column ``k`` of ``W2 (..., features, hidden)`` multiplied by it. ReLU is positively
    homogeneous, so the model computes exactly the same function (all-zero neurons stay 0)."""
    W1 = torch.as_tensor(W1).detach().float()
    W2 = torch.as_tensor(W2).detach().float()
    scale = W1.abs().amax(-1, keepdim=True)  # (..., hidden, 1)
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    return W1 / scale, W2 * scale.transpose(-1, -2)


def plot_abs_weights(
    W1: torch.Tensor,
    W2: torch.Tensor,
    *,
    axes: Sequence[Axes] | None = None,
    n_show: int | None = None,
    order: torch.Tensor | None = None,
    title: str | None = None,
    vmax: float = 2.0,
    mark: Sequence[int] = (),
) -> tuple[AxesImage, AxesImage]:
    """One absolute-value model as two neuron × feature heat maps: ``W1`` (in-weights, row k =
    neuron k) above ``W2ᵀ`` (out-weights). ``W1 (hidden, features)``, ``W2 (features, hidden)``;
    ``order`` permutes the neurons (e.g. :func:`toy_lib.computation.gain_order`), ``n_show``
    keeps the first features, ``mark`` lists neurons (original indices) flagged with a ▶."""
    W1 = to_numpy(torch.as_tensor(W1).detach().float())
    W2t = to_numpy(torch.as_tensor(W2).detach().float()).T
    m, n = W1.shape
    idx = np.arange(m) if order is None else to_numpy(order).astype(int)
    n_show = n if n_show is None else min(n_show, n)
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(0.12 * n_show + 1.5, 0.25 * m + 1.5), sharex=True)
    top, bottom = axes
    kw = {"cmap": ABS_CMAP, "vmin": -vmax, "vmax": vmax, "aspect": "auto", "interpolation": "none"}
    im1 = top.imshow(W1[idx, :n_show], **kw)
    im2 = bottom.imshow(W2t[idx, :n_show], **kw)
    bottom.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    top.set_ylabel("neuron (sorted)\nin: W₁", fontsize=8)
    bottom.set_ylabel("neuron (sorted)\nout: W₂ᵀ", fontsize=8)
    bottom.set_xlabel("feature (0 = most important)", fontsize=8)
    rows = [int(np.nonzero(idx == k)[0][0]) for k in mark]
    for ax in (top, bottom):
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
        for r in rows:
            ax.annotate("▶", (-0.5, r), xytext=(-6, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=7, color="C1", annotation_clip=False)  # fmt: skip
    if title:
        top.set_title(title, fontsize=9)
    return im1, im2


def abs_weights_figure(
    W1: torch.Tensor,
    W2: torch.Tensor,
    densities: Sequence[float],
    *,
    orders: torch.Tensor | None = None,
    n_show: int = 50,
    subtitles: Sequence[str] | None = None,
) -> Figure:
    """Every instance of a density sweep (``W1 (instances, hidden, features)``, ``W2 (instances,
    features, hidden)``) as a column of :func:`plot_abs_weights`, with one shared colour bar."""
    k = len(densities)
    fig, axes = plt.subplots(
        2, k, figsize=(2.1 * k + 1.0, 5.0), sharex=True, squeeze=False, layout="constrained"
    )
    im = None
    for i, d in enumerate(densities):
        title = f"density {d:g}" + (f"\n{subtitles[i]}" if subtitles else "")
        order = None if orders is None else orders[i]
        im, _ = plot_abs_weights(
            W1[i], W2[i], axes=axes[:, i], n_show=n_show, order=order, title=title
        )
        if i:
            axes[0, i].set_ylabel("")
            axes[1, i].set_ylabel("")
    fig.colorbar(im, ax=axes, shrink=0.6, label="weight")
    return fig


def computed_counts_figure(
    densities: Sequence[float], counts: dict[str, Sequence[float]], n_hidden: int
) -> Figure:
    """Counts (one line per key of ``counts``) against density (log scale, dense on the right),
    with reference lines at ``m / 2`` (dense limit for ``|x|``) and ``m`` (one function per neuron)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4), layout="constrained")
    d = np.asarray(densities, dtype=float)
    for i, (name, values) in enumerate(counts.items()):
        ax.plot(d, np.asarray(values, dtype=float), "o-", color=f"C{i}", label=name)
    ax.axhline(n_hidden / 2, color="0.3", ls="--", lw=1)
    ax.axhline(n_hidden, color="0.3", ls=":", lw=1)
    ax.text(d.min(), n_hidden / 2, " m/2: two neurons per |x|", va="bottom", fontsize=8)
    ax.text(d.min(), n_hidden, " m: one neuron per ReLU", va="bottom", fontsize=8)
    ax.set(xscale="log", xlabel="feature density 1 − S (log)", ylabel="count")
    ax.set_xticks(d, [f"{v:g}" for v in d])
    ax.minorticks_off()
    ax.set_ylim(0, max(n_hidden * 1.15, max(max(v) for v in counts.values()) * 1.1))
    ax.legend(fontsize=8, loc="best")
    return fig


def motif_figure(
    W1: torch.Tensor, W2: torch.Tensor, b: torch.Tensor, motif: object, *, n_show: int | None = None
) -> Figure:
    """One asymmetric motif (a :class:`~toy_lib.computation_in_superposition.Motif` of the model ``W1 (hidden,
    features)``, ``W2 (features, hidden)``, ``b (features,)``): the shared neuron's in- and
    out-weights, and what happens to the weak feature's output when the strong feature alone
    sweeps ``[-1, 1]``."""
    W1 = to_numpy(torch.as_tensor(W1).detach().float())
    W2 = to_numpy(torch.as_tensor(W2).detach().float())
    b = to_numpy(torch.as_tensor(b).detach().float())
    k, a, c = motif.neuron, motif.strong, motif.weak
    n = W1.shape[1] if n_show is None else min(n_show, W1.shape[1])
    n = max(n, a + 1, c + 1)
    fig, axes = plt.subplots(1, 3, figsize=(11.5, 3.2), layout="constrained")
    for ax, w, name in ((axes[0], W1[k, :n], "in-weights W₁[k, i]"),
                        (axes[1], W2[:n, k], "out-weights W₂[i, k]")):  # fmt: skip
        colors = ["0.75"] * n
        colors[a], colors[c] = "C3", "C0"
        ax.bar(np.arange(n), w, color=colors)
        for i, lab in ((a, "strong"), (c, "weak")):
            ax.text(i, w[i], f"{w[i]:+.2f}\n{lab}", ha="center",
                    va="bottom" if w[i] >= 0 else "top", fontsize=7)  # fmt: skip
        ax.axhline(0, color="k", lw=0.6)
        ax.set(xlabel="feature i", title=f"neuron {k}: {name}")
        lim = max(1.0, float(np.abs(w).max())) * 1.45
        ax.set_ylim(-lim, lim)
    x = np.linspace(-1, 1, 201)
    via_k = W2[c, k] * np.maximum(W1[k, a] * x, 0)
    others = [j for j in motif.inhibitors]
    inhib = sum((W2[c, j] * np.maximum(W1[j, a] * x, 0) for j in others), np.zeros_like(x))
    hidden = np.maximum(np.outer(x, W1[:, a]), 0)  # (points, hidden)
    pre = hidden @ W2[c] + b[c]
    ax = axes[2]
    ax.plot(x, via_k, color="C3", label=f"push via neuron {k}")
    ax.plot(x, inhib, color="C2", label=f"inhibition ({len(others)} neurons)")
    ax.plot(x, pre, color="0.4", ls="--", label="total pre-activation")
    ax.plot(x, np.maximum(pre, 0), color="C0", lw=2.2, label=f"output y_{c} (after ReLU)")
    ax.axhline(0, color="k", lw=0.6)
    ax.set(xlabel=f"x_{a} (strong feature, all others 0)", ylabel=f"into y_{c}",
           title=f"interference of feature {a} on y_{c}")  # fmt: skip
    ax.legend(fontsize=7)
    return fig


def polysemantic_counts_figure(
    densities: Sequence[float], report: NeuronReport, n_hidden: int
) -> Figure:
    """Live, polysemantic and highly polysemantic neurons (:class:`NeuronReport`, one instance per
    density) against density, with the ``n_hidden`` line."""
    fig, ax = plt.subplots(figsize=(5.6, 3.2), layout="constrained")
    x = np.asarray(densities, dtype=float)
    series = {
        "live neurons": report.n_live,
        "polysemantic (≥ 2 features)": report.n_polysemantic,
        f"highly polysemantic (≥ {report.highly} features)": report.n_highly_polysemantic,
    }
    for (label, y), marker in zip(series.items(), ("o", "s", "^"), strict=True):
        ax.plot(x, to_numpy(y), marker=marker, label=label)
    ax.axhline(n_hidden, color="0.5", ls=":", lw=1)
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("feature density 1 − S (sparser →)")
    ax.set_ylabel("neurons")
    ax.set_ylim(-1, n_hidden + 3)
    ax.legend(fontsize=8, loc="center left")
    ax.set_title("Polysemantic neurons by density", fontsize=10)
    return fig
