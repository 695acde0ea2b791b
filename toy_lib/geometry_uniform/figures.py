"""Section 5 (uniform superposition) figures: dimensions per feature, feature dimensionality,
polytopes found in trained weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..figures import inverse_density, label_right, to_numpy
from ..metrics import dimensions_per_feature, feature_dimensionality, represented
from .experiment import (
    UNIFORM_POLYTOPES,
    TegumFactor,
    polytope_edges,
    project_to_span,
)

__all__ = [
    "POLYTOPE_COLORS",
    "dimensionality_figure",
    "geometry_snapshot",
    "plot_dimensionality_histogram",
    "plot_dimensions_per_feature",
    "plot_feature_dimensionality",
    "plot_polytope",
    "polytope_gallery",
]

POLYTOPE_COLORS = {
    "dedicated": "#444444",
    "tetrahedron": "#8c564b",
    "triangle": "#2ca02c",
    "digon": "#1f77b4",
    "pentagon": "#d62728",
    "square antiprism": "#9467bd",
}


def _polytope_lines(ax: Axes, *, vertical: bool = False, labels: bool = True) -> None:
    """The fractions of :data:`geometry.UNIFORM_POLYTOPES` as reference lines, labelled."""
    label_y = np.inf
    for p in sorted(UNIFORM_POLYTOPES, key=lambda p: -p.fraction):
        color = POLYTOPE_COLORS[p.name]
        line = ax.axvline if vertical else ax.axhline
        line(p.fraction, color=color, lw=0.9, ls="--", alpha=0.7, zorder=0)
        if labels and vertical:
            ax.annotate(
                p.label,
                xy=(p.fraction, 0.98),
                xycoords=("data", "axes fraction"),
                xytext=(-2, 0),
                textcoords="offset points",
                rotation=90,
                ha="right",
                va="top",
                fontsize=6,
                color=color,
            )
        elif labels:
            # Labels of close fractions (2/5 and 3/8) are pushed apart to stay readable.
            label_y = label_right(ax, p.label, p.fraction, label_y - 0.045, color, offset=4)


def plot_dimensions_per_feature(
    W: torch.Tensor, density: torch.Tensor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """``D* = m / ||W||_F²`` of every model against ``1/(1−S)`` (log x), with dashed lines at 1, 1/2
    and 2/5. ``W: (instances, hidden, features)``, ``density: (instances,)`` the density ``1 − S``."""
    x = inverse_density(density)
    y = to_numpy(dimensions_per_feature(W))
    ax = ax or plt.figure(figsize=(5, 3.2)).gca()
    for level, text in ((1.0, "1"), (0.5, "1/2 (antipodal pairs)"), (0.4, "2/5 (pentagons)")):
        ax.axhline(level, color="0.6", ls="--", lw=0.8, zorder=0)
        ax.text(x.max(), level, text, ha="right", va="bottom", fontsize=7, color="0.35")
    ax.plot(x, y, "o-", color="k", ms=4, lw=1.2)
    ax.set(xscale="log", ylim=(0, 1.1), xlabel="1/(1−S)  (1 / feature density)")
    ax.set_ylabel("D* = m / ‖W‖²_F")
    ax.set_title(title or "Dimensions per feature", fontsize=10)
    return ax


def plot_feature_dimensionality(
    W: torch.Tensor, density: torch.Tensor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Every feature's ``D_i`` against ``1/(1−S)`` (log x), over ``D*`` (black line), with the
    polytope fractions as labelled lines. ``W: (instances, hidden, features)``, ``density:
    (instances,)``. Represented features (``||W_i|| > 0.5``) are dark, the others grey."""
    x = inverse_density(density)
    D = to_numpy(feature_dimensionality(W))
    rep = to_numpy(represented(W))
    # A small multiplicative jitter keeps the 200 points of one model from hiding each other.
    jitter = np.exp(np.random.default_rng(0).uniform(-0.025, 0.025, size=D.shape))
    xx = x[:, None] * jitter
    ax = ax or plt.figure(figsize=(6, 3.6)).gca()
    _polytope_lines(ax)
    ax.scatter(xx[~rep], D[~rep], s=4, color="0.75", lw=0, label="not represented")
    ax.scatter(xx[rep], D[rep], s=5, color="#1f3b73", alpha=0.5, lw=0, label="represented")
    ax.plot(x, to_numpy(dimensions_per_feature(W)), color="k", lw=1, label="D*")
    ax.set(xscale="log", ylim=(-0.03, 1.1), xlabel="1/(1−S)  (1 / feature density)")
    ax.set_ylabel("feature dimensionality D_i")
    ax.legend(fontsize=7, loc="lower left", markerscale=2)
    ax.set_title(title or "Every feature's dimensionality", fontsize=10)
    return ax


def dimensionality_figure(W: torch.Tensor, density: torch.Tensor) -> Figure:
    """Section 5's figure: ``D*`` (left) and every ``D_i`` (right) against ``1/(1−S)``."""
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11, 3.8), layout="constrained", width_ratios=(1, 1.35)
    )
    plot_dimensions_per_feature(W, density, ax=left)
    plot_feature_dimensionality(W, density, ax=right)
    return fig


def plot_polytope(
    W: torch.Tensor, factor: TegumFactor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """One tegum factor of one model, ``W: (hidden, features)``, drawn in its own span.

    The factor's feature vectors are projected onto their ``factor.rank`` principal directions
    (:func:`geometry.project_to_span`): a 1-D or 2-D factor is drawn flat, a 3-D one needs an
    ``Axes`` made with ``projection="3d"`` (made for you when ``ax`` is None). Edges join nearest
    vertices (:func:`geometry.polytope_edges`); numbers are feature indices.
    """
    rank = factor.rank
    if rank > 3:
        raise ValueError(f"factor spans {rank} dimensions: plot_polytope draws at most 3")
    P = to_numpy(project_to_span(W, factor.features, dims=rank))
    if rank == 1:
        P = np.vstack([P, np.zeros_like(P)])
    if ax is None:
        fig = plt.figure(figsize=(3, 3))
        ax = fig.add_subplot(projection="3d" if rank == 3 else None)
    is_3d = getattr(ax, "name", "") == "3d"
    if is_3d != (rank == 3):
        raise ValueError(
            f"factor spans {rank} dimensions: draw it on a {'3-D' if rank == 3 else '2-D'} Axes"
        )
    color = POLYTOPE_COLORS.get(factor.polytope.name, "k") if factor.polytope else "k"
    edges = polytope_edges(P) if P.shape[1] > 1 else []
    for i, j in edges:
        ax.plot(*P[:, [i, j]], color=color, lw=1.5)
    for k in range(P.shape[1]):
        ax.plot(*np.stack([np.zeros(P.shape[0]), P[:, k]], axis=1), color="0.75", lw=0.6)
        ax.text(*(1.15 * P[:, k]), str(factor.features[k]), fontsize=7, ha="center")
    if is_3d:
        ax.scatter(*P, color=color, s=25, depthshade=False)
    else:
        ax.scatter(*P, color=color, s=25)
    lim = 1.3 * float(np.abs(P).max())
    if is_3d:
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), zlim=(-lim, lim), xticks=[], yticks=[])
        ax.set_zticks([])
        ax.set_box_aspect((1, 1, 1))
        # Nearly side-on to the least-spread principal axis: a square antiprism's two squares
        # show as two layers.
        ax.view_init(elev=15, azim=30)
    else:
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xticks=[], yticks=[])
    mean_d = float(np.mean(factor.dimensionality))
    ax.set_title(
        title or f"{factor.name}: {factor.size} features in {rank}-D\nmean D_i = {mean_d:.3f}",
        fontsize=9,
    )
    return ax


def polytope_gallery(
    W: torch.Tensor,
    examples: dict[str, tuple[int, TegumFactor]],
    density: torch.Tensor,
) -> Figure:
    """One panel per found polytope, in its own span (3-D ones in 3-D), titled with its model's
    ``1/(1−S)``. ``W: (instances, hidden, features)``; ``examples`` as from
    :func:`geometry.clearest_examples`."""
    if not examples:
        raise ValueError("examples is empty: there is no polytope to draw")
    x = inverse_density(density)
    fig = plt.figure(figsize=(2.7 * len(examples), 3.1), layout="constrained")
    for c, (name, (k, f)) in enumerate(examples.items()):
        ax = fig.add_subplot(1, len(examples), c + 1, projection="3d" if f.rank == 3 else None)
        mean_d = float(np.mean(f.dimensionality))
        plot_polytope(
            W[k],
            f,
            ax=ax,
            title=f"{name}, 1/(1−S) = {x[k]:.2f}\n{f.size} in {f.rank}-D, mean D_i = {mean_d:.3f}",
        )
    return fig


def plot_dimensionality_histogram(
    W: torch.Tensor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Histogram of the represented features' ``D_i`` of one model, ``W: (hidden, features)``,
    with the polytope fractions as vertical lines."""
    D = to_numpy(feature_dimensionality(W))[to_numpy(represented(W))]
    ax = ax or plt.figure(figsize=(4, 3)).gca()
    _polytope_lines(ax, vertical=True)
    ax.hist(D, bins=np.arange(0.0, 1.06, 0.01), color="#1f3b73")
    ax.set(xlim=(0, 1.05), xlabel="feature dimensionality D_i", ylabel="features")
    ax.set_title(title or f"D_i of {len(D)} represented features", fontsize=10)
    return ax


def geometry_snapshot(
    W: torch.Tensor, factors: Sequence[TegumFactor], *, title: str, max_polytopes: int = 3
) -> Figure:
    """One model, ``W: (hidden, features)``: its ``D_i`` histogram, then up to ``max_polytopes`` of
    its named tegum factors other than digons (one of each kind, the least leaky), else a digon."""
    named = [f for f in factors if f.polytope is not None]
    picks: dict[str, TegumFactor] = {}
    for f in sorted(named, key=lambda f: f.leakage):
        picks.setdefault(f.name, f)
    shown = [f for n, f in picks.items() if n not in ("digon", "dedicated")][:max_polytopes]
    shown = shown or [picks[n] for n in ("digon", "dedicated") if n in picks][:1]
    fig = plt.figure(figsize=(4.2 + 2.6 * len(shown), 3.2), layout="constrained")
    grid = fig.add_gridspec(1, 1 + len(shown), width_ratios=[1.6] + [1] * len(shown))
    plot_dimensionality_histogram(W, ax=fig.add_subplot(grid[0]))
    for c, f in enumerate(shown):
        plot_polytope(
            W, f, ax=fig.add_subplot(grid[c + 1], projection="3d" if f.rank == 3 else None)
        )
    fig.suptitle(title, fontsize=10)
    return fig
