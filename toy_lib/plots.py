"""Figures of trained toy models. Plotting reads weights; it never modifies them.

Each function draws into a given matplotlib ``Axes`` (or makes a figure) and returns it, so notebooks
compose them freely.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Patch
from PIL import Image as PILImage

from .dynamics import Dynamics
from .geometry import UNIFORM_POLYTOPES, TegumFactor, polytope_edges, project_to_span
from .metrics import (
    dimensions_per_feature,
    feature_dimensionality,
    feature_norms,
    monosemanticity,
    represented,
    superposition,
)
from .nonuniform import (
    PerturbationSweep,
    angular_share,
    canonicalize_2d,
    collapsed_set,
    rank_one_fraction,
)
from .privileged import (
    DEAD,
    MONOSEMANTIC,
    POLYSEMANTIC,
    classify_neurons,
    count_neurons,
    neuron_order,
)

__all__ = [
    "plot_features_2d",
    "plot_gram",
    "intro_figure",
    "figure_png",
    "plot_gram_and_bias",
    "plot_feature_norms",
    "superposition_figure",
]

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
    colors: Sequence | None = None,
) -> Axes:
    """Arrows ``W_i`` in the 2-D hidden space of one model. ``W: (2, features)``.

    Colour shows importance (bright = important), unless ``colors`` gives one matplotlib colour
    per feature; features with ``||W_i|| > label_threshold`` are numbered.
    """
    W_np = _numpy(W)
    if W_np.ndim != 2 or W_np.shape[0] != 2:
        raise ValueError(
            f"W has shape {W_np.shape}: plot_features_2d needs one model's (2, features)"
        )
    n = W_np.shape[1]
    ax = ax or plt.figure(figsize=(3, 3)).gca()
    if colors is None:
        imp = np.ones(n) if importance is None else _numpy(importance)
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


# Section 3 (demonstrating superposition): WᵀW beside b, and ||W_i|| bars coloured by superposition.

SUPERPOSITION_CMAP = "viridis"


def _feature_ticks(n: int) -> list[int]:
    return list(range(n)) if n <= 10 else list(range(0, n, 5))


def plot_gram_and_bias(
    W: torch.Tensor,
    b: torch.Tensor,
    *,
    ax: Axes,
    bias_ax: Axes,
    vmax: float = 1.0,
    title: str | None = None,
) -> AxesImage:
    """``WᵀW`` of one model as a heat map in ``ax`` and its bias ``b`` as one column in ``bias_ax``.

    ``W: (hidden, features)``, ``b: (features,)``. Both share one red (+) / blue (−) scale from
    ``-vmax`` to ``vmax`` (values beyond it saturate); features run from most important (top, left).
    Cells are square, so ``bias_ax`` lines up with ``ax`` when it is ``1/n`` as wide. Returns the
    ``WᵀW`` image, for a colour bar.
    """
    W_np, b_np = _numpy(W), _numpy(b)
    if W_np.ndim != 2 or b_np.shape != (W_np.shape[1],):
        raise ValueError(
            f"W has shape {W_np.shape} and b {b_np.shape}: they must be (hidden, features) and "
            "(features,) of one model"
        )
    n = W_np.shape[1]
    style = {"cmap": "RdBu_r", "vmin": -vmax, "vmax": vmax, "interpolation": "nearest"}
    image = ax.imshow(W_np.T @ W_np, **style)
    ticks = _feature_ticks(n)
    ax.set(xticks=ticks, yticks=ticks)
    ax.tick_params(labelsize=7)
    bias_ax.imshow(b_np[:, None], **style)
    bias_ax.set(xticks=[0], xticklabels=["b"], yticks=[])
    bias_ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return image


def plot_feature_norms(
    W: torch.Tensor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Bars of ``||W_i||`` (most important feature on top) coloured by superposition.

    ``W: (hidden, features)``. The colour is ``Σ_{j≠i} (Ŵ_i · W_j)²`` on the ``viridis`` scale from
    0 (dark: orthogonal to every other feature) to 1 or more (yellow: other features together
    project onto ``W_i`` as strongly as feature i itself), as in the paper's figure.
    """
    W_np = _numpy(W)
    if W_np.ndim != 2:
        raise ValueError(
            f"W has shape {W_np.shape}: plot_feature_norms needs one model's (hidden, features)"
        )
    norms = np.linalg.norm(W_np, axis=0)
    sup = superposition(torch.from_numpy(W_np)).numpy()
    n = len(norms)
    ax = ax or plt.figure(figsize=(2.5, 3.5)).gca()
    ax.barh(np.arange(n), norms, color=plt.get_cmap(SUPERPOSITION_CMAP)(np.clip(sup, 0.0, 1.0)))
    ax.axvline(1.0, color="0.5", lw=0.8, ls=":")
    ax.set(xlim=(0, max(1.25, 1.05 * float(norms.max()))), ylim=(n - 0.5, -0.5))
    ax.set_yticks(_feature_ticks(n))
    ax.set_xlabel("‖W_i‖", fontsize=8)
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def superposition_figure(
    W: torch.Tensor,
    b: torch.Tensor,
    titles: Sequence[str],
    *,
    suptitle: str | None = None,
) -> Figure:
    """Section 3's figure: per model (column), ``WᵀW`` with ``b`` above the ``||W_i||`` bars.

    ``W: (models, hidden, features)``, ``b: (models, features)``. All heat maps share one colour
    scale; each column's title also says how many features are represented (``||W_i|| > 0.5``).
    """
    W_t, b_t = torch.as_tensor(W).detach(), torch.as_tensor(b).detach()
    if W_t.dim() != 3 or b_t.shape != (W_t.shape[0], W_t.shape[2]) or len(titles) != W_t.shape[0]:
        raise ValueError(
            f"W has shape {tuple(W_t.shape)}, b {tuple(b_t.shape)} and there are {len(titles)} titles: "
            "they must be (models, hidden, features), (models, features) and one title per model"
        )
    cols, n = W_t.shape[0], W_t.shape[2]
    gram = W_t.transpose(1, 2) @ W_t
    vmax = max(1.0, float(gram.abs().max()), float(b_t.abs().max()))
    fig = plt.figure(figsize=(1.9 * cols + 1.0, 4.8), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.0])
    # One row of (WᵀW, b) pairs: a narrow column for b right of each heat map.
    heat_axes = top.subplots(1, 2 * cols, width_ratios=[n, 1] * cols)
    bar_axes = bottom.subplots(1, cols, squeeze=False)[0]
    counts = represented(W_t).sum(-1).tolist()
    for c in range(cols):
        image = plot_gram_and_bias(
            W_t[c],
            b_t[c],
            ax=heat_axes[2 * c],
            bias_ax=heat_axes[2 * c + 1],
            vmax=vmax,
            title=f"{titles[c]}\n{counts[c]} of {n} represented",
        )
        plot_feature_norms(W_t[c], ax=bar_axes[c])
    top.colorbar(image, ax=heat_axes, shrink=0.8, label="WᵀW and b")
    bottom.colorbar(
        plt.cm.ScalarMappable(norm=plt.Normalize(0.0, 1.0), cmap=SUPERPOSITION_CMAP),
        ax=bar_axes,
        shrink=0.8,
        label="superposition",
    )
    if suptitle:
        fig.suptitle(suptitle)
    return fig


# Section 5 (uniform superposition): dimensions per feature, feature dimensionality, polytopes.

__all__ += [
    "plot_dimensions_per_feature",
    "plot_feature_dimensionality",
    "dimensionality_figure",
    "plot_polytope",
    "polytope_gallery",
    "plot_dimensionality_histogram",
    "geometry_snapshot",
]

POLYTOPE_COLORS = {
    "dedicated": "#444444",
    "tetrahedron": "#8c564b",
    "triangle": "#2ca02c",
    "digon": "#1f77b4",
    "pentagon": "#d62728",
    "square antiprism": "#9467bd",
}


def _inverse_density(density: torch.Tensor | Sequence[float]) -> np.ndarray:
    p = _numpy(torch.as_tensor(density, dtype=torch.float32)).reshape(-1)
    if (p <= 0).any() or (p > 1).any():
        raise ValueError(f"density={p.tolist()!r} is not allowed: every value must be in (0, 1]")
    return 1.0 / p


def _label_right(
    ax: Axes, text: str, y: float, below: float, color: str, *, offset: float
) -> float:
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
            label_y = _label_right(ax, p.label, p.fraction, label_y - 0.045, color, offset=4)


def plot_dimensions_per_feature(
    W: torch.Tensor, density: torch.Tensor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """``D* = m / ||W||_F²`` of every model against ``1/(1−S)`` (log x), with dashed lines at 1, 1/2
    and 2/5. ``W: (instances, hidden, features)``, ``density: (instances,)`` the density ``1 − S``."""
    x = _inverse_density(density)
    y = _numpy(dimensions_per_feature(W))
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
    x = _inverse_density(density)
    D = _numpy(feature_dimensionality(W))
    rep = _numpy(represented(W))
    # A small multiplicative jitter keeps the 200 points of one model from hiding each other.
    jitter = np.exp(np.random.default_rng(0).uniform(-0.025, 0.025, size=D.shape))
    xx = x[:, None] * jitter
    ax = ax or plt.figure(figsize=(6, 3.6)).gca()
    _polytope_lines(ax)
    ax.scatter(xx[~rep], D[~rep], s=4, color="0.75", lw=0, label="not represented")
    ax.scatter(xx[rep], D[rep], s=5, color="#1f3b73", alpha=0.5, lw=0, label="represented")
    ax.plot(x, _numpy(dimensions_per_feature(W)), color="k", lw=1, label="D*")
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
    P = _numpy(project_to_span(W, factor.features, dims=rank))
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
    x = _inverse_density(density)
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
    D = _numpy(feature_dimensionality(W))[_numpy(represented(W))]
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


# Section 5 (non-uniform superposition): one feature's density swept, and feature sets.

__all__ += [
    "SET_COLORS",
    "feature_set_colors",
    "plot_feature_sets",
    "feature_sets_figure",
    "plot_sweep_norms",
    "plot_sweep_losses",
    "plot_angular_share",
    "perturbation_figure",
    "plot_rank_one_fraction",
    "sweep_point_figure",
]

SET_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink")
CONFIGURATION_COLORS = {"pentagon": "tab:blue", "2 digons": "tab:orange"}
VARIED_COLOR = "tab:red"


def feature_set_colors(n_features: int, sets: Sequence[Sequence[int]]) -> list[str]:
    """One colour per feature: the features of ``sets[k]`` share ``SET_COLORS[k]``; others grey."""
    colors = ["0.55"] * n_features
    for k, members in enumerate(sets):
        for i in members:
            colors[int(i)] = SET_COLORS[k % len(SET_COLORS)]
    return colors


def plot_feature_sets(
    W: torch.Tensor,
    sets: Sequence[Sequence[int]],
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Feature directions of one model, coloured by set. ``W: (hidden, features)``, hidden 2 or 3.

    2-D: arrows (:func:`plot_features_2d`). 3-D: a stem from the origin to each ``W_i``, with grey
    edges between nearest represented tips (:func:`geometry.polytope_edges`), on an ``Axes`` made
    with ``projection="3d"`` (made for you when ``ax`` is None).
    """
    W_np = _numpy(W)
    if W_np.ndim != 2 or W_np.shape[0] not in (2, 3):
        raise ValueError(
            f"W has shape {W_np.shape}: plot_feature_sets needs one model's (2 or 3, features)"
        )
    colors = feature_set_colors(W_np.shape[1], sets)
    if W_np.shape[0] == 2:
        return plot_features_2d(W_np, ax=ax, title=title, colors=colors)
    if ax is None:
        ax = plt.figure(figsize=(3.2, 3.2)).add_subplot(projection="3d")
    if getattr(ax, "name", "") != "3d":
        raise ValueError("a 3-D model needs an Axes made with projection='3d'")
    # The wireframe between nearest represented vertices makes the solid (e.g. an octahedron) visible.
    shown = np.flatnonzero(np.linalg.norm(W_np, axis=0) > 0.5)
    if len(shown) >= 2:
        for i, j in polytope_edges(torch.from_numpy(W_np[:, shown])):
            ax.plot(*W_np[:, shown[[i, j]]], color="0.8", lw=0.8)
    for i, color in enumerate(colors):
        x, y, z = W_np[:, i]
        ax.plot([0, x], [0, y], [0, z], color=color, lw=2)
        ax.scatter([x], [y], [z], color=color, s=25, depthshade=False)
        ax.text(1.15 * x, 1.15 * y, 1.15 * z, str(i), fontsize=8, color=color)
    lim = max(1.0, float(np.linalg.norm(W_np, axis=0).max()))
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), zlim=(-lim, lim), xticks=[], yticks=[], zticks=[])
    ax.set_box_aspect((1, 1, 1))
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def feature_sets_figure(
    W: torch.Tensor,
    sets: Sequence[Sequence[int]],
    titles: Sequence[str],
    *,
    suptitle: str | None = None,
) -> Figure:
    """A row of :func:`plot_feature_sets` panels, one per model: ``W: (models, hidden, features)``."""
    W_t = torch.as_tensor(W).detach()
    if W_t.dim() != 3 or len(titles) != W_t.shape[0]:
        raise ValueError(
            f"W has shape {tuple(W_t.shape)} and there are {len(titles)} titles: they must be "
            "(models, hidden, features) and one title per model"
        )
    cols = W_t.shape[0]
    fig = plt.figure(figsize=(2.5 * cols, 2.9), layout="constrained")
    projection = "3d" if W_t.shape[1] == 3 else None
    for c in range(cols):
        ax = fig.add_subplot(1, cols, c + 1, projection=projection)
        plot_feature_sets(W_t[c], sets, ax=ax, title=titles[c])
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _mark_crossover(ax: Axes, sweep: PerturbationSweep, label: bool = False) -> None:
    for x in sweep.crossover().tolist():
        ax.axvline(x, color="k", ls="--", lw=1, label=f"loss crossover {x:.2f}" if label else None)


def plot_sweep_norms(sweep: PerturbationSweep, *, ax: Axes | None = None) -> Axes:
    """``||W_f||`` of the varied feature for every restart (dots coloured by configuration) and for
    the lowest-loss restart (black line), against its relative density (log x)."""
    ax = ax or plt.figure(figsize=(4, 3)).gca()
    f = sweep.feature
    norms = _numpy(sweep.W.norm(dim=-2)[..., f])
    labels = sweep.labels
    x = np.broadcast_to(_numpy(sweep.relative)[:, None], norms.shape)
    other = np.ones(norms.shape, dtype=bool)
    for name, color in CONFIGURATION_COLORS.items():
        mask = labels == name
        other &= ~mask
        ax.scatter(x[mask], norms[mask], s=9, color=color, alpha=0.6, lw=0, label=name)
    ax.scatter(x[other], norms[other], s=9, color="0.6", alpha=0.6, lw=0, label="other")
    best = _numpy(sweep.best_W.norm(dim=-2)[..., f])
    ax.plot(_numpy(sweep.relative), best, color="k", lw=1.2, label="lowest loss")
    _mark_crossover(ax, sweep)
    ax.set(xscale="log", xlabel=f"relative density of feature {f}", ylabel=f"‖W_{f}‖")
    ax.legend(fontsize=7, loc="center right")
    ax.set_title(f"Feature {f}'s norm, every restart", fontsize=10)
    return ax


def plot_sweep_losses(sweep: PerturbationSweep, *, ax: Axes | None = None) -> Axes:
    """The lowest loss of each configuration (pentagon, two digons) against the varied feature's
    relative density (log-log); the curves cross at the phase change (dashed line)."""
    ax = ax or plt.figure(figsize=(4, 3)).gca()
    x = _numpy(sweep.relative)
    for name, color in CONFIGURATION_COLORS.items():
        ax.plot(x, _numpy(sweep.family_loss(name)), "o-", ms=3, color=color, label=name)
    _mark_crossover(ax, sweep, label=True)
    ax.set(xscale="log", yscale="log", xlabel=f"relative density of feature {sweep.feature}")
    ax.set_ylabel("loss (best restart of that shape)")
    ax.legend(fontsize=7)
    ax.set_title("Loss of each configuration", fontsize=10)
    return ax


def plot_angular_share(sweep: PerturbationSweep, *, ax: Axes | None = None) -> Axes:
    """The angle between the varied feature's two neighbours in the lowest-loss solution
    (:func:`nonuniform.angular_share`; 144° in a regular pentagon) against its relative density."""
    ax = ax or plt.figure(figsize=(4, 3)).gca()
    share = _numpy(angular_share(sweep.best_W, sweep.feature))
    ax.axhline(144, color="0.6", ls=":", lw=1)
    ax.text(
        _numpy(sweep.relative).max(), 144, "regular pentagon 144°", ha="right", va="top", fontsize=7
    )
    ax.plot(_numpy(sweep.relative), share, "o-", ms=3, color=VARIED_COLOR)
    _mark_crossover(ax, sweep)
    ax.set(xscale="log", xlabel=f"relative density of feature {sweep.feature}")
    ax.set_ylabel("angle between its neighbours (°)")
    ax.set_title("The pentagon deforms", fontsize=10)
    return ax


def _canonical_best(sweep: PerturbationSweep, index: int, restart: int | None = None) -> np.ndarray:
    """The solution rotated so the varied feature points along +x (the next feature when the
    varied one is dropped), mirrored so the next feature lies above: panels line up."""
    n = sweep.W.shape[-1]
    f = sweep.feature
    W = sweep.best_W[index] if restart is None else sweep.W[index, restart]
    anchor = f if float(W[:, f].norm()) > 0.5 else (f + 1) % n
    return _numpy(canonicalize_2d(W, anchor=anchor, orient=(anchor + 1) % n))


def _varied_colors(n: int, feature: int) -> list[str]:
    return [VARIED_COLOR if i == feature else "0.35" for i in range(n)]


def perturbation_figure(sweep: PerturbationSweep, picks: Sequence[float]) -> Figure:
    """Section 5's first figure: above, the lowest-loss solution at the sweep points nearest to
    each relative density in ``picks`` (rotated to a common orientation, varied feature in red);
    below, :func:`plot_sweep_norms`, :func:`plot_sweep_losses` and :func:`plot_angular_share`."""
    fig = plt.figure(figsize=(11, 6.0), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.2])
    arrows = top.subplots(1, len(picks), squeeze=False)[0]
    rel = sweep.relative
    n = sweep.W.shape[-1]
    for ax, pick in zip(arrows, picks, strict=True):
        i = int((rel.log() - np.log(pick)).abs().argmin())
        plot_features_2d(
            _canonical_best(sweep, i),
            ax=ax,
            colors=_varied_colors(n, sweep.feature),
            title=f"relative density {float(rel[i]):.2f}\n{sweep.best_labels[i]}",
        )
    a, b, c = bottom.subplots(1, 3)
    plot_sweep_norms(sweep, ax=a)
    plot_sweep_losses(sweep, ax=b)
    plot_angular_share(sweep, ax=c)
    return fig


def plot_rank_one_fraction(
    density: torch.Tensor | Sequence[float],
    W: torch.Tensor,
    sets: Sequence[Sequence[int]],
    *,
    ax: Axes | None = None,
) -> Axes:
    """Each set's :func:`nonuniform.rank_one_fraction` against density (log x); filled markers
    where the set has collapsed (:func:`nonuniform.collapsed_set`). ``W: (points, hidden, features)``."""
    ax = ax or plt.figure(figsize=(4.5, 3)).gca()
    x = _numpy(torch.as_tensor(density, dtype=torch.float32))
    for k, members in enumerate(sets):
        color = SET_COLORS[k % len(SET_COLORS)]
        frac = _numpy(rank_one_fraction(W, members))
        done = _numpy(collapsed_set(W, members))
        ax.plot(x, frac, "-", color=color, lw=1, label=f"set {tuple(members)}")
        ax.scatter(x[done], frac[done], color=color, s=30, zorder=3)
        ax.scatter(x[~done], frac[~done], facecolors="white", edgecolors=color, s=30, zorder=3)
    ax.axhline(1.0, color="0.6", ls=":", lw=1)
    ax.axhline(0.5, color="0.6", ls=":", lw=1)
    ax.set(xscale="log", ylim=(0.4, 1.05), xlabel="feature density 1 − S")
    ax.set_ylabel("rank-one fraction σ₁² / Σσ²")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("Correlated pairs collapse (filled: collapsed)", fontsize=10)
    return ax


def sweep_point_figure(sweep: PerturbationSweep, index: int, rank: int = 1) -> Figure:
    """One restart of one sweep point: its arrows (left, rotated to the common orientation) and
    where its loss sits among all restarts and configurations (right). ``rank`` 1 is the
    lowest-loss restart at point ``index``."""
    k = sweep.W.shape[1]
    if not 1 <= rank <= k:
        raise ValueError(f"rank={rank!r} is not allowed: it must be in [1, {k}]")
    j = int(sweep.losses[index].argsort()[rank - 1])
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(8.2, 3.3), layout="constrained", width_ratios=(1, 1.5)
    )
    label = sweep.labels[index, j]
    plot_features_2d(
        _canonical_best(sweep, index, restart=j),
        ax=left,
        colors=_varied_colors(sweep.W.shape[-1], sweep.feature),
        title=f"relative density {float(sweep.relative[index]):.2f}: {label}\n"
        f"restart {rank} of {k} by loss",
    )
    plot_sweep_losses(sweep, ax=right)
    x = np.full(k, float(sweep.relative[index]))
    right.scatter(
        x, _numpy(sweep.losses[index]), s=12, color="0.6", zorder=3, label="restarts here"
    )
    right.scatter(
        x[:1],
        _numpy(sweep.losses[index, j : j + 1]),
        s=60,
        marker="*",
        color="k",
        zorder=4,
        label="this restart",
    )
    right.legend(fontsize=7)
    return fig


# Section 4 (superposition as a phase change): phase diagrams of the extra feature.

__all__ += [
    "PHASE_COLORS",
    "plot_phase_diagram",
    "phase_figure",
    "add_phase_legend",
    "plot_weights_1d",
]

PHASE_COLORS = ("#d9d9d9", "#4c72b0", "#dd8452", "#55a868")
"""Colour of phase label 0, 1, 2, 3 (not represented, dedicated, superposition, ...)."""
NO_PHASE_COLOR = "#222222"


def _log_edges(centers: torch.Tensor | np.ndarray) -> np.ndarray:
    """Cell edges of a log-spaced grid of ``centers (k,)``, half a step beyond each end."""
    c = np.log(_numpy(torch.as_tensor(centers, dtype=torch.float64)))
    mid = (c[1:] + c[:-1]) / 2
    return np.exp(np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]]))


def plot_phase_diagram(
    labels: torch.Tensor,
    r: torch.Tensor,
    p: torch.Tensor,
    phases: Sequence[str],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    outline: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    crosses: torch.Tensor | None = None,
) -> Axes:
    """A phase diagram: ``labels (R, P)`` (index into ``phases``, −1 for none of them) on a grid
    of relative importance ``r (R,)`` (x axis, log) and density ``p (P,)`` (y axis, log).

    ``outline = (r_fine, p_fine, labels_fine)`` draws that diagram's phase boundaries as white
    lines (e.g. the paper's closed-form theory); ``crosses (R, P)`` bool marks cells with an ×.
    """
    lab = _numpy(labels)
    ax = ax or plt.figure(figsize=(4, 3.5)).gca()
    cmap = ListedColormap([NO_PHASE_COLOR, *PHASE_COLORS[: len(phases)]])
    ax.pcolormesh(
        _log_edges(r), _log_edges(p), lab.T + 1, cmap=cmap, vmin=-0.5, vmax=len(phases) + 0.5
    )
    if outline is not None:
        r_f, p_f, lab_f = (_numpy(t) for t in outline)
        for k in np.unique(lab_f):
            ax.contour(r_f, p_f, (lab_f == k).T.astype(float), levels=[0.5], colors="white",
                       linewidths=1.2, linestyles="--")  # fmt: skip
    if crosses is not None:
        rr, pp = np.meshgrid(_numpy(r), _numpy(p), indexing="ij")
        hit = _numpy(crosses).astype(bool)
        ax.scatter(rr[hit], pp[hit], marker="x", s=18, color="black", linewidths=1.0)
    ax.set(xscale="log", yscale="log")
    ax.set_xlabel("relative importance r of the extra feature", fontsize=8)
    ax.set_ylabel("density 1 − S", fontsize=8)
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def phase_figure(
    panels: Sequence[tuple[torch.Tensor, str]],
    r: torch.Tensor,
    p: torch.Tensor,
    phases: Sequence[str],
    *,
    outline: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    crosses: Sequence[torch.Tensor | None] | None = None,
    suptitle: str | None = None,
) -> Figure:
    """Phase diagrams side by side, one per ``(labels (R, P), title)`` in ``panels``, with a shared
    legend; ``outline`` and ``crosses`` (one per panel, or None) as in :func:`plot_phase_diagram`."""
    fig, axes = plt.subplots(
        1, len(panels), figsize=(3.6 * len(panels), 3.9), squeeze=False, layout="constrained"
    )
    crosses = crosses or [None] * len(panels)
    for ax, (labels, title), cross in zip(axes[0], panels, crosses, strict=True):
        plot_phase_diagram(labels, r, p, phases, ax=ax, title=title, outline=outline, crosses=cross)
    add_phase_legend(fig, phases)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def add_phase_legend(fig: Figure, phases: Sequence[str]) -> None:
    """A legend below ``fig`` with the colour of every phase and of "none of the candidates"."""
    handles = [
        Patch(color=c, label=name)
        for c, name in zip(PHASE_COLORS[: len(phases)], phases, strict=True)
    ]
    handles.append(Patch(color=NO_PHASE_COLOR, label="none of the candidates"))
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8)


def plot_weights_1d(
    W: torch.Tensor, b: torch.Tensor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """The weights of a model with one hidden dimension, ``W (1, features)``, as arrows along the
    line (one row per feature, the last one labelled "extra"), with each bias ``b (features,)``."""
    W_np, b_np = _numpy(W), _numpy(b)
    if W_np.ndim != 2 or W_np.shape[0] != 1:
        raise ValueError(
            f"W has shape {W_np.shape}: plot_weights_1d needs one model's (1, features)"
        )
    n = W_np.shape[1]
    ax = ax or plt.figure(figsize=(3.5, 2)).gca()
    lim = max(1.2, 1.15 * float(np.abs(W_np).max()))
    colors = plt.get_cmap(FEATURE_CMAP)(np.linspace(0.15, 0.85, n))
    for i in range(n):
        y = n - 1 - i
        w = float(W_np[0, i])
        if abs(w) >= 0.02:
            ax.annotate("", xy=(w, y), xytext=(0, y),
                        arrowprops={"arrowstyle": "-|>", "color": colors[i], "lw": 2.5})  # fmt: skip
        name = "extra" if i == n - 1 else f"feature {i + 1}"
        ax.text(-lim, y + 0.25, f"{name}: W = {w:+.2f}, b = {b_np[i]:+.2f}", fontsize=8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set(xlim=(-lim, lim), ylim=(-0.6, n - 0.2), yticks=[])
    ax.set_xlabel("the hidden dimension", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


# Section 6 (learning dynamics): every feature's D_i and the loss over training, and one model's
# geometry as an animation.

__all__ += [
    "plot_dimensionality_over_training",
    "plot_loss_over_training",
    "dynamics_figure",
    "dynamics_overview",
    "TrainingFrame",
    "training_animation",
    "key_frames_figure",
    "loss_curves_figure",
]

JUMP_COLOR = "tab:orange"


def _feature_color(i: int) -> tuple[float, float, float, float]:
    return plt.get_cmap("tab10")(i % 10)


def _check_instance(dyn: Dynamics, instance: int) -> None:
    n = dyn.W.shape[1]
    if isinstance(instance, bool) or not isinstance(instance, int) or not 0 <= instance < n:
        raise ValueError(f"instance={instance!r} is not allowed: it must be an integer in [0, {n})")


def _jump_spans(dyn: Dynamics, instance: int) -> list[tuple[float, float, float]]:
    """``(first step, last step, loss drop)`` of each coinciding jump of ``instance``; overlapping
    jumps (features that jump together) are merged into one span, with the loss drop across it."""
    merged: list[list[int]] = []
    for a, b in sorted((j.start, j.end) for j in dyn.coinciding(instance)):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    L = dyn.smoothed[:, instance]
    return [
        (float(dyn.steps[a]), float(dyn.steps[b]), float((L[a] - L[b]) / L[a])) for a, b in merged
    ]


def _shade_jumps(ax: Axes, dyn: Dynamics, instance: int) -> None:
    for a, b, _ in _jump_spans(dyn, instance):
        ax.axvspan(a, b, color=JUMP_COLOR, alpha=0.25, lw=0, zorder=0)


def plot_dimensionality_over_training(
    dyn: Dynamics,
    instance: int,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    level_labels: bool = True,
) -> Axes:
    """Every feature's ``D_i`` of one instance against the training step (log x), over the energy
    levels as dashed lines; coinciding jumps shaded. A line starts when its feature becomes
    represented and stops when it is dropped (``dyn.D`` is NaN there)."""
    _check_instance(dyn, instance)
    x = _numpy(dyn.steps).astype(float)
    keep = x > 0
    D = _numpy(dyn.D[:, instance])
    ax = ax or plt.figure(figsize=(6, 3)).gca()
    label_y = math.inf
    for level in dyn.levels:
        ax.axhline(level.fraction, color="0.6", ls="--", lw=0.8, zorder=0)
        if level_labels:
            # Labels of close levels (2/5 and 1/3) are pushed apart to stay readable.
            label_y = _label_right(
                ax, level.label, level.fraction, label_y - 0.06, "0.35", offset=3
            )
    for i in range(D.shape[1]):
        ax.plot(x[keep], D[keep, i], color=_feature_color(i), lw=1.5, label=f"feature {i}")
    _shade_jumps(ax, dyn, instance)
    ax.set(xscale="log", ylim=(0, 1.08), xlim=(1, x.max()), xlabel="training step")
    ax.set_ylabel("dimensionality D_i")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_loss_over_training(
    dyn: Dynamics,
    instance: int,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    every_step: bool = True,
) -> Axes:
    """The training loss of one instance (log-log): every step (grey, unless ``every_step`` is
    False: the noisy line is most of a PNG's size) and smoothed (black), with each coinciding jump
    shaded and labelled with its loss drop."""
    _check_instance(dyn, instance)
    loss = _numpy(dyn.loss[:, instance])
    x = _numpy(dyn.steps).astype(float)
    keep = x > 0
    ax = ax or plt.figure(figsize=(6, 2.5)).gca()
    steps = np.arange(len(loss))
    if every_step:
        ax.plot(steps[1:], loss[1:], color="0.85", lw=0.4, label="every step")
    ax.plot(x[keep], _numpy(dyn.smoothed[keep, instance]), color="k", lw=1.3, label="smoothed")
    _shade_jumps(ax, dyn, instance)
    for a, b, drop in _jump_spans(dyn, instance):
        ax.annotate(
            f"−{drop:.0%}",
            xy=(math.sqrt(a * b), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -2),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=7,
            color="tab:red",
        )
    ax.set(xscale="log", yscale="log", xlim=(1, x.max()), ylabel="loss")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def dynamics_figure(dyn: Dynamics, instance: int, *, title: str | None = None) -> Figure:
    """Section 6's figure for one instance: the loss (top) over every feature's ``D_i`` (bottom),
    sharing a log step axis; coinciding jumps shaded in both."""
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(7.5, 5.0), sharex=True, height_ratios=(1, 1.6), layout="constrained"
    )
    plot_loss_over_training(dyn, instance, ax=top, title=title)
    top.legend(fontsize=7, loc="lower left")
    top.set_xlabel("")
    plot_dimensionality_over_training(dyn, instance, ax=bottom)
    bottom.legend(fontsize=7, loc="upper left", ncols=3)
    return fig


def dynamics_overview(dyn: Dynamics, *, cols: int = 4) -> Figure:
    """Every instance at a glance: per instance its ``D_i`` (above) and loss (below) over training,
    titled with its coinciding jumps, or "no jump"."""
    n = dyn.W.shape[1]
    rows = math.ceil(n / cols)
    fig = plt.figure(figsize=(2.5 * cols, 3.0 * rows), layout="constrained")
    grid = fig.add_gridspec(2 * rows, cols, height_ratios=[1.4, 1] * rows)
    for k in range(n):
        r, c = divmod(k, cols)
        d_ax = fig.add_subplot(grid[2 * r, c])
        loss_ax = fig.add_subplot(grid[2 * r + 1, c], sharex=d_ax)
        found = sorted({j.label for j in dyn.coinciding(k)})
        title = f"instance {k}: " + (", ".join(found) if found else "no jump")
        plot_dimensionality_over_training(dyn, k, ax=d_ax, title=title, level_labels=c == cols - 1)
        plot_loss_over_training(dyn, k, ax=loss_ax, every_step=False)
        d_ax.set_xlabel("")
        d_ax.tick_params(labelbottom=False, labelsize=7)
        loss_ax.tick_params(which="both", labelsize=7)
        if c:
            d_ax.set_ylabel("")
            loss_ax.set_ylabel("")
    return fig


class TrainingFrame:
    """One model of a 2-D run at one snapshot: its feature arrows in the plane (left); the loss and
    every ``D_i`` over training, with a red line at the snapshot (right).

    :meth:`set_snapshot` redraws it for another snapshot by moving the artists, so the animation
    and the explorer do not rebuild the figure. ``dyn.W`` must have 2 hidden dimensions.
    """

    def __init__(self, dyn: Dynamics, instance: int, *, figsize: tuple[float, float] = (7.2, 3.2)):
        _check_instance(dyn, instance)
        if dyn.W.shape[2] != 2:
            raise ValueError(
                f"W has {dyn.W.shape[2]} hidden dimensions: TrainingFrame draws 2-D models only"
            )
        self.dyn, self.instance = dyn, instance
        self.fig = plt.figure(figsize=figsize, layout="constrained")
        grid = self.fig.add_gridspec(2, 2, width_ratios=(1, 1.7), height_ratios=(1, 1.5))
        self.arrows = self.fig.add_subplot(grid[:, 0])
        loss_ax = self.fig.add_subplot(grid[0, 1])
        d_ax = self.fig.add_subplot(grid[1, 1], sharex=loss_ax)
        plot_loss_over_training(dyn, instance, ax=loss_ax, every_step=False)
        loss_ax.tick_params(labelbottom=False, labelsize=7)
        plot_dimensionality_over_training(dyn, instance, ax=d_ax)
        d_ax.tick_params(labelsize=7)
        self.markers = [ax.axvline(1.0, color="tab:red", lw=1.2) for ax in (loss_ax, d_ax)]
        circle = np.linspace(0, 2 * np.pi, 100)
        self.arrows.plot(np.cos(circle), np.sin(circle), color="0.85", lw=0.8)
        n = dyn.W.shape[3]
        self.lines = [
            self.arrows.plot(
                [0, 0], [0, 0], "-o", color=_feature_color(i), lw=2, ms=4, markevery=[1]
            )[0]
            for i in range(n)
        ]
        self.labels = [
            self.arrows.text(0, 0, str(i), fontsize=8, ha="center", va="center") for i in range(n)
        ]
        self.arrows.set(
            xlim=(-1.35, 1.35), ylim=(-1.35, 1.35), aspect="equal", xticks=[], yticks=[]
        )
        self.set_snapshot(dyn.steps.shape[0] - 1)
        # Lay the figure out once: re-running the layout engine on every frame is what costs.
        self.fig.canvas.draw()
        self.fig.set_layout_engine("none")

    def set_snapshot(self, snapshot: int) -> Figure:
        """Show snapshot ``snapshot`` (an index into ``dyn.steps``); returns the figure."""
        S = self.dyn.steps.shape[0]
        if isinstance(snapshot, bool) or not isinstance(snapshot, int) or not 0 <= snapshot < S:
            raise ValueError(
                f"snapshot={snapshot!r} is not allowed: it must be an integer in [0, {S})"
            )
        W = _numpy(self.dyn.W[snapshot, self.instance])
        shown = np.isfinite(_numpy(self.dyn.D[snapshot, self.instance]))
        for i, (line, label) in enumerate(zip(self.lines, self.labels, strict=True)):
            line.set_data([0, W[0, i]], [0, W[1, i]])
            line.set_alpha(1.0 if shown[i] else 0.3)
            label.set_position((1.18 * W[0, i], 1.18 * W[1, i]))
        step = int(self.dyn.steps[snapshot])
        for m in self.markers:
            m.set_xdata([max(step, 1)] * 2)
        loss = float(self.dyn.smoothed[snapshot, self.instance])
        self.arrows.set_title(
            f"step {step:,}: {int(shown.sum())} features\nrepresented, loss {loss:.4f}", fontsize=9
        )
        return self.fig


def training_animation(
    dyn: Dynamics,
    instance: int,
    *,
    frames: int = 24,
    dpi: int = 72,
    ms_per_frame: int = 250,
    lead: int = 8,
) -> bytes:
    """An animated PNG (APNG) of one 2-D model over training: :class:`TrainingFrame` at
    ``frames`` snapshots, evenly spaced among the (log-spaced) snapshots from ``lead`` snapshots
    before the first feature is represented (the earlier ones only show tiny arrows) to the end.

    APNG plays wherever a browser shows the image (JupyterLab, Colab, GitHub, nbviewer) without
    JavaScript; a viewer without APNG support shows its default image, the last frame. The last
    frame is held for 2 s before the loop restarts. Keep ``frames`` and ``dpi`` modest: every
    frame is stored.
    """
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"frames={frames!r} is not allowed: it must be an integer >= 2")
    frame = TrainingFrame(dyn, instance)
    frame.fig.set_dpi(dpi)
    frame.fig.canvas.draw()
    shown = (~dyn.D[:, instance].isnan()).any(-1) & (dyn.steps > 0)
    first = int(shown.nonzero()[0, 0]) if shown.any() else 1
    first = max(first - lead, int((dyn.steps > 0).nonzero()[0, 0]))
    picks = np.unique(np.linspace(first, dyn.steps.shape[0] - 1, frames).round().astype(int))
    images = []
    for t in picks.tolist():
        frame.set_snapshot(t)
        frame.fig.canvas.draw()
        images.append(PILImage.fromarray(np.asarray(frame.fig.canvas.buffer_rgba())[..., :3]))
    plt.close(frame.fig)
    # One palette for all frames keeps the file small and the colours steady from frame to frame;
    # it is made from a strip of every fourth frame, so no frame's colours are missing from it.
    sample = images[::4] + [images[-1]]
    strip = PILImage.new("RGB", (sample[0].width * len(sample), sample[0].height))
    for c, im in enumerate(sample):
        strip.paste(im, (c * im.width, 0))
    palette = strip.quantize(colors=48, method=PILImage.Quantize.FASTOCTREE)
    images = [im.quantize(palette=palette, dither=PILImage.Dither.NONE) for im in images]
    durations = [ms_per_frame] * (len(images) - 1) + [2000]
    buf = io.BytesIO()
    images[-1].save(
        buf,
        format="PNG",
        save_all=True,
        append_images=images,
        default_image=True,
        duration=[2000, *durations],
        loop=0,
    )
    return buf.getvalue()


def key_frames_figure(dyn: Dynamics, instance: int, snapshots: Sequence[int]) -> Figure:
    """The feature arrows of one 2-D model at a few snapshots, side by side: the animation's story
    as a still. ``snapshots`` are indices into ``dyn.steps``."""
    _check_instance(dyn, instance)
    fig, axes = plt.subplots(
        1, len(snapshots), figsize=(2.3 * len(snapshots), 2.6), squeeze=False, layout="constrained"
    )
    for ax, t in zip(axes[0], snapshots, strict=True):
        D = _numpy(dyn.D[t, instance])
        shown = np.isfinite(D)
        colors = [_feature_color(i) for i in range(D.shape[0])]
        plot_features_2d(dyn.W[t, instance], ax=ax, colors=colors)
        typical = f", D_i ≈ {float(np.median(D[shown])):.2f}" if shown.any() else ""
        ax.set_title(
            f"step {int(dyn.steps[t]):,}\n{int(shown.sum())} represented{typical}", fontsize=9
        )
    return fig


# Section 7 (adversarial robustness): vulnerability across sparsity and against features per dimension.

__all__ += [
    "plot_vulnerability",
    "plot_vulnerability_vs_dimensions",
    "vulnerability_figure",
    "plot_attack_bars",
    "robustness_snapshot",
]

ATTACK_COLORS = ("#d62728", "#1f77b4", "#9467bd", "0.55", "#2ca02c", "#ff7f0e")
SCATTER_MARKERS = ("o", "s", "v", "D", "^", "P")


def _attack_series(vulnerabilities: dict[str, torch.Tensor], size: int) -> list[tuple]:
    """``(name, values, colour)`` per attack, each ``values`` a numpy ``(size,)``, checked."""
    series = []
    for k, (name, values) in enumerate(vulnerabilities.items()):
        v = _numpy(torch.as_tensor(values, dtype=torch.float32)).reshape(-1)
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
    x = _inverse_density(density)
    ax = ax or plt.figure(figsize=(5, 3.4)).gca()
    ax.axhline(1.0, color="0.6", ls=":", lw=1)
    ax.text(x.max(), 1.0, "no superposition ", fontsize=7, color="0.4", ha="right", va="top")
    for name, v, color in _attack_series(vulnerabilities, len(x)):
        ax.plot(x, v, "o-", ms=4, lw=1.5, color=color, label=name)
    if features_per_dimension is not None:
        f = _numpy(torch.as_tensor(features_per_dimension, dtype=torch.float32)).reshape(-1)
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
    f = _numpy(torch.as_tensor(features_per_dimension, dtype=torch.float32)).reshape(-1)
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
    ax.set_xlabel("vulnerability (1 = no superposition)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def robustness_snapshot(
    W: torch.Tensor, vulnerabilities: dict[str, float], *, title: str | None = None
) -> Figure:
    """One model: its ``WᵀW`` (``W: (hidden, features)``) beside :func:`plot_attack_bars`."""
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(8.4, 3.2), layout="constrained", width_ratios=(1, 1.3)
    )
    plot_gram(W, ax=left, title=title)
    plot_attack_bars(vulnerabilities, ax=right, title="Vulnerability to each attack")
    return fig


def loss_curves_figure(runs: dict[str, Dynamics]) -> Figure:
    """One panel per run (titled by its key): every instance's smoothed loss over training
    (log-log), with a dot where each instance's coinciding jumps end."""
    fig, axes = plt.subplots(
        1, len(runs), figsize=(3.8 * len(runs), 3.0), sharey=True, squeeze=False,
        layout="constrained",
    )  # fmt: skip
    for ax, (name, dyn) in zip(axes[0], runs.items(), strict=True):
        x = _numpy(dyn.steps).astype(float)
        keep = x > 0
        for k in range(dyn.W.shape[1]):
            L = _numpy(dyn.smoothed[:, k])
            ax.plot(x[keep], L[keep], color=_feature_color(k), lw=1.1, label=f"instance {k}")
            ends = sorted({j.end for j in dyn.coinciding(k)})
            ax.plot(x[ends], L[ends], "o", color=_feature_color(k), ms=5, mec="k", mew=0.6)
        n = len(dyn.instances_with_jump)
        ax.set(xscale="log", yscale="log", xlim=(1, x.max()), xlabel="training step")
        ax.set_title(f"{name}\n{n} of {dyn.W.shape[1]} instances with a jump (dots)", fontsize=10)
    axes[0, 0].set_ylabel("smoothed loss")
    axes[0, -1].legend(fontsize=7, ncols=2, loc="lower left")
    return fig


# Section 8 (privileged basis): each neuron's input weights as stacked bars; monosemanticity.

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
    w = _numpy(W[order])
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
    ax.set_ylabel("input weight $W_{k,i}$", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def _feature_colorbar(fig: Figure, axes: Sequence[Axes] | Axes, n: int) -> None:
    cmap = ListedColormap(_feature_colors(n))
    mappable = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(-0.5, n - 0.5))
    bar = fig.colorbar(mappable, ax=axes, ticks=_feature_ticks(n), fraction=0.03, pad=0.01)
    bar.set_label("feature (0 = most important)", fontsize=8)
    bar.ax.tick_params(labelsize=7)


def privileged_figure(W: torch.Tensor, density: Sequence[float] | torch.Tensor) -> Figure:
    """Section 8's figure: :func:`plot_neuron_weights` for every model of a density sweep.

    ``W``: ``(instances, hidden, features)``, instance k trained at ``density[k]`` (densest first).
    Each panel's title counts its monosemantic and polysemantic neurons.
    """
    W = torch.as_tensor(W).detach().float().cpu()
    d = _numpy(torch.as_tensor(density, dtype=torch.float32)).reshape(-1)
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
    x = _inverse_density(density)
    ax = ax or plt.figure(figsize=(5.6, 3.6), layout="constrained").gca()
    m = W.shape[1]
    jitter = np.linspace(-0.08, 0.08, m)
    score, kinds = _numpy(monosemanticity(W)), _numpy(classify_neurons(W))
    for c, name in enumerate(("monosemantic", "polysemantic", "dead")):
        sel = kinds == c
        xs = (x[:, None] * 10 ** jitter[None, :])[sel]
        ax.scatter(xs, score[sel], s=18, color=_KIND_COLORS[c], label=f"{name} neuron", zorder=3)
    ax.plot(x, score.mean(1), "-", color="k", lw=1.4, label="mean (ReLU hidden)")
    if compare is not None:
        other = _numpy(monosemanticity(torch.as_tensor(compare).detach().float().cpu()))
        ax.plot(x, other.mean(1), "--", color="0.5", lw=1.2, label=f"mean ({compare_label})")
    ax.axhline(threshold, color="0.6", ls=":", lw=1)
    ax.set(xscale="log", ylim=(0, 1.05), xlabel="feature sparsity 1/(1 − S)")
    ax.set_ylabel("monosemanticity\n(share of ‖row‖² on top feature)", fontsize=8)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("Neurons become polysemantic as features get sparse", fontsize=10)
    return ax


def privileged_snapshot(W: torch.Tensor, *, title: str) -> Figure:
    """One model (``W: (hidden, features)``): stacked input weights beside each neuron's
    monosemanticity, for the §8 explorer."""
    W = torch.as_tensor(W).detach().float().cpu()
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(8.2, 3.2), layout="constrained", width_ratios=(1.5, 1)
    )
    plot_neuron_weights(W, ax=left, title=title)
    _feature_colorbar(fig, left, W.shape[1])
    order = neuron_order(W)
    score, kinds = _numpy(monosemanticity(W[order])), _numpy(classify_neurons(W[order]))
    right.bar(np.arange(len(order)), score, color=[_KIND_COLORS[c] for c in kinds], width=0.7)
    right.axhline(0.9, color="0.6", ls=":", lw=1)
    right.set_xticks(np.arange(len(order)), [f"n{int(k)}" for k in order], fontsize=7)
    right.set(ylim=(0, 1.05), ylabel="monosemanticity")
    right.set_title("monosemanticity per neuron", fontsize=9)
    return fig


# Section 9: computation in superposition

__all__ += ["abs_weights_figure", "computed_counts_figure", "motif_figure", "plot_abs_weights"]

ABS_CMAP = "RdBu_r"


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
    ``order`` permutes the neurons (e.g. :func:`toy_lib.computation.neuron_order`), ``n_show``
    keeps the first features, ``mark`` lists neurons (original indices) flagged with a ▶."""
    W1 = _numpy(torch.as_tensor(W1).detach().float())
    W2t = _numpy(torch.as_tensor(W2).detach().float()).T
    m, n = W1.shape
    idx = np.arange(m) if order is None else _numpy(order).astype(int)
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
    """One asymmetric motif (a :class:`toy_lib.metrics.Motif` of the model ``W1 (hidden,
    features)``, ``W2 (features, hidden)``, ``b (features,)``): the shared neuron's in- and
    out-weights, and what happens to the weak feature's output when the strong feature alone
    sweeps ``[-1, 1]``."""
    W1 = _numpy(torch.as_tensor(W1).detach().float())
    W2 = _numpy(torch.as_tensor(W2).detach().float())
    b = _numpy(torch.as_tensor(b).detach().float())
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
