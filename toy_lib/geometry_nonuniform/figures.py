"""Section 5 (non-uniform superposition) figures: one feature's density swept, and feature sets."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..figures import plot_features_2d, to_numpy
from ..geometry_uniform.experiment import polytope_edges
from .experiment import (
    PerturbationSweep,
    angular_share,
    canonicalize_2d,
    collapsed_set,
    rank_one_fraction,
)

__all__ = [
    "CONFIGURATION_COLORS",
    "SET_COLORS",
    "VARIED_COLOR",
    "feature_set_colors",
    "feature_sets_figure",
    "perturbation_figure",
    "plot_angular_share",
    "plot_feature_sets",
    "plot_rank_one_fraction",
    "plot_sweep_losses",
    "plot_sweep_norms",
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
    W_np = to_numpy(W)
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
    norms = to_numpy(sweep.W.norm(dim=-2)[..., f])
    labels = sweep.labels
    x = np.broadcast_to(to_numpy(sweep.relative)[:, None], norms.shape)
    other = np.ones(norms.shape, dtype=bool)
    for name, color in CONFIGURATION_COLORS.items():
        mask = labels == name
        other &= ~mask
        ax.scatter(x[mask], norms[mask], s=9, color=color, alpha=0.6, lw=0, label=name)
    ax.scatter(x[other], norms[other], s=9, color="0.6", alpha=0.6, lw=0, label="other")
    best = to_numpy(sweep.best_W.norm(dim=-2)[..., f])
    ax.plot(to_numpy(sweep.relative), best, color="k", lw=1.2, label="lowest loss")
    _mark_crossover(ax, sweep)
    ax.set(xscale="log", xlabel=f"relative density of feature {f}", ylabel=f"‖W_{f}‖")
    ax.legend(fontsize=7, loc="center right")
    ax.set_title(f"Feature {f}'s norm, every restart", fontsize=10)
    return ax


def plot_sweep_losses(sweep: PerturbationSweep, *, ax: Axes | None = None) -> Axes:
    """The lowest loss of each configuration (pentagon, two digons) against the varied feature's
    relative density (log-log); the curves cross at the phase change (dashed line)."""
    ax = ax or plt.figure(figsize=(4, 3)).gca()
    x = to_numpy(sweep.relative)
    for name, color in CONFIGURATION_COLORS.items():
        ax.plot(x, to_numpy(sweep.family_loss(name)), "o-", ms=3, color=color, label=name)
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
    share = to_numpy(angular_share(sweep.best_W, sweep.feature))
    ax.axhline(144, color="0.6", ls=":", lw=1)
    ax.text(
        to_numpy(sweep.relative).max(),
        144,
        "regular pentagon 144°",
        ha="right",
        va="top",
        fontsize=7,
    )
    ax.plot(to_numpy(sweep.relative), share, "o-", ms=3, color=VARIED_COLOR)
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
    return to_numpy(canonicalize_2d(W, anchor=anchor, orient=(anchor + 1) % n))


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
    x = to_numpy(torch.as_tensor(density, dtype=torch.float32))
    for k, members in enumerate(sets):
        color = SET_COLORS[k % len(SET_COLORS)]
        frac = to_numpy(rank_one_fraction(W, members))
        done = to_numpy(collapsed_set(W, members))
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
        x, to_numpy(sweep.losses[index]), s=12, color="0.6", zorder=3, label="restarts here"
    )
    right.scatter(
        x[:1],
        to_numpy(sweep.losses[index, j : j + 1]),
        s=60,
        marker="*",
        color="k",
        zorder=4,
        label="this restart",
    )
    right.legend(fontsize=7)
    return fig
