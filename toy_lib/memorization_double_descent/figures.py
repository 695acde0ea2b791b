"""Notebook 11's figures: features and training points in the hidden plane, dimensionalities and
losses against the training-set size (the note's first figure), and the test-loss curve."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from ..figures import small_type, to_numpy
from ..metrics import feature_dimensionality
from .data import SparseData, datapoint_dimensionality, hidden_from_sparse
from .experiment import Sweep

__all__ = [
    "plot_dimensionality",
    "plot_geometries",
    "plot_geometry",
    "plot_plane",
    "plot_test_loss",
]

FEATURE_COLOR = "tab:blue"
POINT_COLOR = "tab:red"
FLOOR = 1e-4  # dimensionalities and losses below this are drawn at it (the axes are logarithmic)


def plot_plane(
    vectors: torch.Tensor, *, color: str, ax: Axes | None = None, title: str = ""
) -> Axes:
    """2-D ``vectors: (2, k)`` as lines from the origin with a dot at the tip, on square axes
    scaled to the longest (the note draws each panel at its own scale). Unlike
    :func:`toy_lib.figures.plot_features_2d` (numbered arrows for a handful of features), one collection
    for thousands of vectors."""
    v = to_numpy(vectors)
    if v.ndim != 2 or v.shape[0] != 2:
        raise ValueError(f"vectors has shape {v.shape}: plot_plane needs (2, k)")
    ax = ax or plt.figure(figsize=(2.4, 2.4)).gca()
    reach = float(np.linalg.norm(v, axis=0).max(initial=0.0)) or 1.0
    segments = np.zeros((v.shape[1], 2, 2))
    segments[:, 1] = v.T
    ax.add_collection(LineCollection(segments, colors=color, linewidths=0.8, alpha=0.6))
    ax.scatter(v[0], v[1], s=6, color=color, zorder=3)
    ax.set_xlim(-1.15 * reach, 1.15 * reach)
    ax.set_ylim(-1.15 * reach, 1.15 * reach)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=8)
    return ax


def plot_geometry(
    W: torch.Tensor, data: SparseData, *, axes: Sequence[Axes] | None = None, label: str = ""
) -> Sequence[Axes]:
    """One model ``W: (2, n)`` as the note draws it: its feature directions ``W_i`` (blue, left)
    and its training points' hidden vectors ``h_t = W x_t`` (red, right), each panel at its own
    scale, with the largest dimensionality of each kind in the title."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(4.6, 2.5))
    D_f = feature_dimensionality(W)
    D_X = datapoint_dimensionality(W, data)
    plot_plane(
        W,
        color=FEATURE_COLOR,
        ax=axes[0],
        title=f"{label}features W_i\nmax D_f {float(D_f.max()):.2f}",
    )
    plot_plane(
        hidden_from_sparse(W, data.indices, data.values).T, color=POINT_COLOR, ax=axes[1],
        title=f"{label}training points h_t\nmax D_X {float(D_X.max()):.2f}",
    )  # fmt: skip
    return axes


def plot_geometries(sweep: Sweep, sizes: Sequence[int], *, data_seed: int = 0) -> Figure:
    """:func:`plot_geometry` of ``data_seed``'s model at each of ``sizes``: one column per T,
    features above, training points below."""
    fig, axes = plt.subplots(2, len(sizes), figsize=(2.4 * len(sizes), 5.0))
    for col, T in enumerate(sizes):
        i = sweep.index(T, data_seed)
        plot_geometry(sweep.W[i], sweep.datasets[i], axes=axes[:, col], label=f"T = {T}: ")
    fig.tight_layout()
    return fig


def plot_dimensionality(sweep: Sweep, *, data_seed: int | None = None) -> Figure:
    """The note's first figure for ``sweep``: above, the training and test loss against T (each
    data set thin, the average thick); below, every training point's ``D_X`` (red) and every
    feature's ``D_f`` (blue) against T (of ``data_seed``'s models, or of all), with the line
    ``m / T`` that points of a regular T-gon sit on."""
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(7.0, 6.0), sharex=True, gridspec_kw={"height_ratios": [1, 1.6]}
    )
    sizes = sorted(set(sweep.sizes.tolist()))
    seeds = sorted(set(sweep.data_seeds.tolist()))
    for seed in seeds:
        idx = [sweep.index(T, seed) for T in sizes]
        top.plot(sizes, sweep.test_loss[idx].clamp_min(FLOOR), color="k", lw=0.6, alpha=0.35)
        top.plot(
            sizes, sweep.train_loss[idx].clamp_min(FLOOR), color="tab:green", lw=0.6, alpha=0.35
        )
    mean = sweep.mean_test_loss()
    top.plot(sizes, [mean[T] for T in sizes], color="k", lw=2, marker="o", ms=4, label="test loss")
    train = [max(FLOOR, float(sweep.train_loss[sweep.sizes == T].mean())) for T in sizes]
    top.plot(sizes, train, color="tab:green", lw=2, marker="o", ms=4, label="training loss")
    top.set_yscale("log")
    small_type(
        top, ylabel=f"loss per point (below {FLOOR:g}: drawn at it)",
        title=f"{len(seeds)} data sets per T; thin lines: each data set, thick: the average",
    )  # fmt: skip
    top.legend(fontsize=8, loc="upper left")
    rng = np.random.default_rng(0)
    shown = seeds if data_seed is None else [data_seed]
    for T in sizes:
        for seed in shown:
            i = sweep.index(T, seed)
            D_f = to_numpy(feature_dimensionality(sweep.W[i])).clip(FLOOR)
            D_X = to_numpy(datapoint_dimensionality(sweep.W[i], sweep.datasets[i])).clip(FLOOR)
            jitter = 10 ** rng.uniform(-0.06, 0.06, size=len(D_f) + len(D_X))
            for D, x, color in (
                (D_f, T * jitter[: len(D_f)], FEATURE_COLOR),
                (D_X, T * jitter[len(D_f) :], POINT_COLOR),
            ):
                bottom.scatter(x, D, s=3, color=color, alpha=0.3, lw=0, rasterized=True)
    m = sweep.setup["m"]
    grid = np.geomspace(sizes[0], sizes[-1], 50)
    bottom.plot(grid, m / grid, color="k", ls="--", lw=1, label="m / T (a regular T-gon)")
    bottom.scatter([], [], color=POINT_COLOR, s=12, label="training points D_X")
    bottom.scatter([], [], color=FEATURE_COLOR, s=12, label="features D_f")
    bottom.set_xscale("log")
    bottom.set_yscale("log")
    bottom.set_ylim(FLOOR * 0.7, 1.5)
    small_type(
        bottom,
        xlabel="training-set size T",
        ylabel=f"dimensionality (below {FLOOR:g}: drawn at it)",
    )
    bottom.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def plot_test_loss(curves: dict[str, dict[int, float]], *, ax: Axes | None = None) -> Axes:
    """Test loss (averaged over data sets) against T for each ``{label: {T: loss}}``."""
    ax = ax or plt.figure(figsize=(5.0, 3.0)).gca()
    for label, curve in curves.items():
        sizes = sorted(curve)
        ax.plot(sizes, [curve[T] for T in sizes], marker="o", ms=4, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    small_type(ax, xlabel="training-set size T", ylabel="test loss (average over data sets)")
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.legend(fontsize=8)
    return ax
