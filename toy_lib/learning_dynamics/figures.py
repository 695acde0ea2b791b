"""Section 6's figures: every feature's ``D_i`` and the loss over training, and one model's
geometry as an animation.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from itertools import groupby

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from PIL import Image as PILImage

from ..figures import label_right, plot_features_2d, to_numpy
from .experiment import Dynamics
from .transformations import TRIPLES, TriplesRun

__all__ = [
    "JUMP_COLOR",
    "TrainingFrame",
    "dynamics_figure",
    "dynamics_overview",
    "key_frames_figure",
    "loss_curves_figure",
    "plot_dimensionality_over_training",
    "plot_loss_over_training",
    "regimes_figure",
    "training_animation",
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


def _label_span(
    ax: Axes, lo: float, hi: float, text: str, *, fontsize: int, color: str = "k"
) -> None:
    """Write ``text`` at the top of the axes, centred (in log steps) over the span ``lo..hi``."""
    ax.annotate(
        text,
        xy=(math.sqrt(lo * hi), 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, -2),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize=fontsize,
        color=color,
    )


def plot_dimensionality_over_training(
    dyn: Dynamics,
    instance: int,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    level_labels: bool = True,
    final_only: bool = False,
) -> Axes:
    """Every feature's ``D_i`` of one instance against the training step (log x), over the energy
    levels as dashed lines; coinciding jumps shaded. A line starts when its feature becomes
    represented and stops when it is dropped (``dyn.D`` is NaN there). ``final_only``: only the
    features represented at the last snapshot (for models with many features)."""
    _check_instance(dyn, instance)
    x = to_numpy(dyn.steps).astype(float)
    keep = x > 0
    D = to_numpy(dyn.D[:, instance])
    ax = ax or plt.figure(figsize=(6, 3)).gca()
    label_y = math.inf
    for level in dyn.levels:
        ax.axhline(level.fraction, color="0.6", ls="--", lw=0.8, zorder=0)
        if level_labels:
            # Labels of close levels (2/5 and 1/3) are pushed apart to stay readable.
            label_y = label_right(ax, level.label, level.fraction, label_y - 0.06, "0.35", offset=3)
    for i in range(D.shape[1]):
        if final_only and np.isnan(D[-1, i]):
            continue
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
    loss = to_numpy(dyn.loss[:, instance])
    x = to_numpy(dyn.steps).astype(float)
    keep = x > 0
    ax = ax or plt.figure(figsize=(6, 2.5)).gca()
    steps = np.arange(len(loss))
    if every_step:
        ax.plot(steps[1:], loss[1:], color="0.85", lw=0.4, label="every step")
    ax.plot(x[keep], to_numpy(dyn.smoothed[keep, instance]), color="k", lw=1.3, label="smoothed")
    _shade_jumps(ax, dyn, instance)
    for a, b, drop in _jump_spans(dyn, instance):
        _label_span(ax, a, b, f"−{drop:.0%}", fontsize=7, color="tab:red")
    smooth = to_numpy(dyn.smoothed[keep, instance])
    # A log loss axis helps when the loss falls by a large factor; over a narrow range (most of
    # the loss irreducible) its ticks would be unreadable.
    wide = smooth.min() > 0 and smooth.max() / smooth.min() > 3
    ax.set(xscale="log", yscale="log" if wide else "linear", xlim=(1, x.max()), ylabel="loss")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def dynamics_figure(
    dyn: Dynamics, instance: int, *, title: str | None = None, final_only: bool = False
) -> Figure:
    """Section 6's figure for one instance: the loss (top) over every feature's ``D_i`` (bottom),
    sharing a log step axis; coinciding jumps shaded in both. ``final_only``: draw only the
    features represented at the end. Features are named in a legend when there are at most 12."""
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(7.5, 5.0), sharex=True, height_ratios=(1, 1.6), layout="constrained"
    )
    plot_loss_over_training(dyn, instance, ax=top, title=title)
    top.legend(fontsize=7, loc="lower left")
    top.set_xlabel("")
    plot_dimensionality_over_training(dyn, instance, ax=bottom, final_only=final_only)
    if dyn.D.shape[-1] <= 12:
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
        # Panels at fixed places, not a computed layout: the explorer draws a new frame on every
        # change, and a constrained layout took most of that time.
        self.fig = plt.figure(figsize=figsize)
        grid = self.fig.add_gridspec(
            2, 2, width_ratios=(1, 1.7), height_ratios=(1, 1.5),
            left=0.01, right=0.86, bottom=0.14, top=0.87, wspace=0.4, hspace=0.08,
        )  # fmt: skip
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

    def set_snapshot(self, snapshot: int) -> Figure:
        """Show snapshot ``snapshot`` (an index into ``dyn.steps``); returns the figure."""
        S = self.dyn.steps.shape[0]
        if isinstance(snapshot, bool) or not isinstance(snapshot, int) or not 0 <= snapshot < S:
            raise ValueError(
                f"snapshot={snapshot!r} is not allowed: it must be an integer in [0, {S})"
            )
        W = to_numpy(self.dyn.W[snapshot, self.instance])
        shown = np.isfinite(to_numpy(self.dyn.D[snapshot, self.instance]))
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
        D = to_numpy(dyn.D[t, instance])
        shown = np.isfinite(D)
        colors = [_feature_color(i) for i in range(D.shape[0])]
        plot_features_2d(dyn.W[t, instance], ax=ax, colors=colors)
        typical = f", D_i ≈ {float(np.median(D[shown])):.2f}" if shown.any() else ""
        ax.set_title(
            f"step {int(dyn.steps[t]):,}\n{int(shown.sum())} represented{typical}", fontsize=9
        )
    return fig


def loss_curves_figure(runs: dict[str, Dynamics]) -> Figure:
    """One panel per run (titled by its key): every instance's smoothed loss over training
    (log-log), with a dot where each instance's coinciding jumps end."""
    fig, axes = plt.subplots(
        1, len(runs), figsize=(3.8 * len(runs), 3.0), sharey=True, squeeze=False,
        layout="constrained",
    )  # fmt: skip
    for ax, (name, dyn) in zip(axes[0], runs.items(), strict=True):
        x = to_numpy(dyn.steps).astype(float)
        keep = x > 0
        for k in range(dyn.W.shape[1]):
            L = to_numpy(dyn.smoothed[:, k])
            ax.plot(x[keep], L[keep], color=_feature_color(k), lw=1.1, label=f"instance {k}")
            ends = sorted({j.end for j in dyn.coinciding(k)})
            ax.plot(x[ends], L[ends], "o", color=_feature_color(k), ms=5, mec="k", mew=0.6)
        n = len(dyn.instances_with_jump)
        ax.set(xscale="log", yscale="log", xlim=(1, x.max()), xlabel="training step")
        ax.set_title(f"{name}\n{n} of {dyn.W.shape[1]} instances with a jump (dots)", fontsize=10)
    axes[0, 0].set_ylabel("smoothed loss")
    axes[0, -1].legend(fontsize=7, ncols=2, loc="lower left")
    return fig


_SET_COLORS = (("#b2182b", "#ef8a62", "#f4a582"), ("#2166ac", "#67a9cf", "#92c5de"))


def _draw_triples_3d(ax: Axes, W: np.ndarray, title: str) -> None:
    """One model's 6 feature vectors in 3-D (``W: (3, 6)``), set 1 in reds, set 2 in blues."""
    for s, members in enumerate(TRIPLES):
        for c, i in zip(_SET_COLORS[s], members, strict=True):
            ax.plot([0, W[0, i]], [0, W[1, i]], [0, W[2, i]], color=c, lw=2.2)
            ax.scatter(*W[:, i], color=c, s=12)
    ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), zlim=(-1.1, 1.1), xticks=[], yticks=[], zticks=[])
    ax.set_box_aspect((1, 1, 1))
    ax.set_title(title, fontsize=8)


def regimes_figure(run: TriplesRun, instance: int, *, title: str | None = None) -> Figure:
    """Section 6's second phenomenon for one instance: the loss over training with its regimes
    (plateaus) shaded and numbered (top), and the model at the end of each regime in 3-D
    (bottom; set 1 in reds, set 2 in blues), one panel per change of geometry."""
    if not 0 <= instance < run.W.shape[1]:
        raise ValueError(f"instance={instance!r} is not allowed: choose 0 to {run.W.shape[1] - 1}")
    # Consecutive regimes with the same geometry are one stage: shown once, at its end.
    stages = [list(g) for _, g in groupby(run.regimes[instance], key=lambda r: r.geometry)]
    cols = max(len(stages), 1)
    fig = plt.figure(figsize=(max(8.0, 2.1 * cols), 5.8), layout="constrained")
    grid = fig.add_gridspec(2, cols, height_ratios=(1, 1.3))
    top = fig.add_subplot(grid[0, :])
    x = to_numpy(run.steps).astype(float)
    L = to_numpy(run.loss[:, instance])
    keep = x > 0
    top.plot(x[keep], L[keep], color="k", lw=1.3)
    for n, stage in enumerate(stages, start=1):
        lo, hi = max(float(run.steps[stage[0].first]), 1.0), float(run.steps[stage[-1].last])
        top.axvspan(lo, hi, color=plt.cm.Pastel1(n % 9), alpha=0.7, lw=0)
        _label_span(top, lo, hi, str(n), fontsize=9)
    top.set(xscale="log", yscale="log", xlim=(1, x.max()), xlabel="step", ylabel="loss")
    top.set_title(
        title or f"Instance {instance}: loss, with its plateaus (regimes) numbered", fontsize=10
    )
    W = to_numpy(run.W[:, instance])
    for n, stage in enumerate(stages, start=1):
        ax = fig.add_subplot(grid[1, n - 1], projection="3d")
        label = f"{n}. {stage[0].geometry}\nstep {stage[-1].last_step:,}"
        if n == len(stages) and run.final[instance] != stage[0].geometry:
            label += f"\n(at the end: {run.final[instance]})"
        _draw_triples_3d(ax, W[stage[-1].last], label)
    return fig
