"""Section 4's figures: phase diagrams of the extra feature, and 1-D weights."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..figures import FEATURE_CMAP, figure_png, plot_features_2d, small_type, to_numpy
from .experiment import PhaseCellResult, PhaseDiagram, paper_phase_diagram
from .theory import PhaseProblem

__all__ = [
    "NO_PHASE_COLOR",
    "PHASE_COLORS",
    "add_phase_legend",
    "phase_figure",
    "phase_name",
    "phase_png",
    "plot_phase_diagram",
    "plot_weights_1d",
]

PHASE_COLORS = ("#d9d9d9", "#4c72b0", "#dd8452", "#55a868")
"""Colour of phase label 0, 1, 2, 3 (not represented, dedicated, superposition, ...)."""
NO_PHASE_COLOR = "#222222"


def _log_edges(centers: torch.Tensor | np.ndarray) -> np.ndarray:
    """Cell edges of a log-spaced grid of ``centers (k,)``, half a step beyond each end."""
    c = np.log(to_numpy(torch.as_tensor(centers, dtype=torch.float64)))
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
    lab = to_numpy(labels)
    ax = ax or plt.figure(figsize=(4, 3.5)).gca()
    cmap = ListedColormap([NO_PHASE_COLOR, *PHASE_COLORS[: len(phases)]])
    ax.pcolormesh(
        _log_edges(r), _log_edges(p), lab.T + 1, cmap=cmap, vmin=-0.5, vmax=len(phases) + 0.5
    )
    if outline is not None:
        r_f, p_f, lab_f = (to_numpy(t) for t in outline)
        for k in np.unique(lab_f):
            ax.contour(r_f, p_f, (lab_f == k).T.astype(float), levels=[0.5], colors="white",
                       linewidths=1.2, linestyles="--")  # fmt: skip
    if crosses is not None:
        rr, pp = np.meshgrid(to_numpy(r), to_numpy(p), indexing="ij")
        hit = to_numpy(crosses).astype(bool)
        ax.scatter(rr[hit], pp[hit], marker="x", s=18, color="black", linewidths=1.0)
    ax.set(xscale="log", yscale="log")
    xlabel = "relative importance r of the extra feature"
    return small_type(ax, xlabel=xlabel, ylabel="density 1 − S", title=title)


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


def add_phase_legend(fig: Figure, phases: Sequence[str], *, ncol: int | None = None) -> None:
    """A legend below ``fig`` with the colour of every phase and of "none of the candidates", in
    ``ncol`` columns (default: one row)."""
    handles = [
        Patch(color=c, label=name)
        for c, name in zip(PHASE_COLORS[: len(phases)], phases, strict=True)
    ]
    handles.append(Patch(color=NO_PHASE_COLOR, label="none of the candidates"))
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol or len(handles), fontsize=8)


def plot_weights_1d(
    W: torch.Tensor, b: torch.Tensor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """The weights of a model with one hidden dimension, ``W (1, features)``, as arrows along the
    line (one row per feature, the last one labelled "extra"), with each bias ``b (features,)``."""
    W_np, b_np = to_numpy(W), to_numpy(b)
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
    return small_type(ax, xlabel="the hidden dimension", title=title, ticks=None)


def phase_name(problem: PhaseProblem, label: int) -> str:
    return problem.phases[label] if label >= 0 else "none of the candidates"


def phase_png(diagram: PhaseDiagram, res: PhaseCellResult, i: int, j: int) -> bytes:
    """The phase explorer's frame. Fixed places instead of a constrained layout: it is redrawn on
    every change, and laying it out took a third of the drawing time."""
    problem, r, p = diagram.problem, diagram.r, diagram.p
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.7))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.27, top=0.84, wspace=0.22)
    r_fine, p_fine = torch.logspace(-1, 1, 120), torch.logspace(-2, 0, 120)
    outline = (r_fine, p_fine, paper_phase_diagram(problem, r_fine, p_fine).labels)
    plot_phase_diagram(
        diagram.labels, r, p, problem.phases, ax=left, outline=outline,
        title="the theory (dashed: closed forms); ● this model",
    )  # fmt: skip
    left.scatter([float(r[i])], [float(p[j])], s=70, color="white", edgecolors="black", zorder=3)
    title = f"{problem.name}:\n{phase_name(problem, res.phase)}"
    if problem.n_hidden == 1:
        plot_weights_1d(res.W, res.b, ax=right, title=title)
    else:
        importance = problem.importance(r[i]).float()
        plot_features_2d(
            res.W, importance, ax=right, title=f"{title}\n(arrow 2: the extra feature)"
        )
    add_phase_legend(fig, problem.phases, ncol=3)
    return figure_png(fig)
