"""Section 6's live explorer: step through a run's snapshots, or retrain it from another start."""

from __future__ import annotations

import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..explorer import live_explorer, slider, training_previews
from ..figures import figure_png, plot_features_2d
from .experiment import (
    DYNAMICS_DENSITIES,
    INIT_SCALES,
    Dynamics,
    log_snapshot_steps,
    train_dynamics,
)
from .figures import TrainingFrame

__all__ = ["dynamics_explorer"]


def _jump_status(run: Dynamics, instance: int) -> str:
    spans = [
        f"{j.label} (feature {j.feature}) at steps {int(run.steps[j.start]):,}–"
        f"{int(run.steps[j.end]):,}, loss −{j.loss_drop:.0%} of its descent"
        for j in run.coinciding(instance)
    ]
    found = "; ".join(spans) if spans else "no jump that coincides with a loss drop"
    n = run.W.shape[1]
    return (
        f"instance {instance}: {found}. {len(run.instances_with_jump)} of {n} instances show one."
    )


def dynamics_explorer(
    *,
    density: float = 0.05,
    init_scale: float = 0.1,
    seed: int = 0,
    instance: int = 0,
    steps: int = 10_000,
) -> widgets.VBox:
    """Density, initial-weight scale and seed retrain the 6 → 2 run of notebook 06 (8 instances,
    :func:`train_dynamics`); instance and step pick which model and snapshot to draw, without
    retraining. The figure is :class:`plots.TrainingFrame`: the arrows at that step, and the loss
    and every ``D_i`` over the whole run with a red line at the step. While a retrain runs, a
    preview shows the chosen instance's arrows.
    """
    if density not in DYNAMICS_DENSITIES:
        raise ValueError(f"density={density!r} is not allowed: choose one of {DYNAMICS_DENSITIES}")
    if init_scale not in INIT_SCALES:
        raise ValueError(f"init_scale={init_scale!r} is not allowed: choose one of {INIT_SCALES}")
    d_slider = slider("select", "density 1 − S", density, DYNAMICS_DENSITIES)
    i_slider = slider("select", "initial scale", init_scale, INIT_SCALES)
    seed_slider = slider("int", "seed", seed, (0, 20))
    k_slider = slider("int", "instance", instance, (0, 7))
    snaps = log_snapshot_steps(steps)
    t_slider = slider(
        "select", "step", len(snaps) - 1, [(f"{s:,}", t) for t, s in enumerate(snaps)]
    )
    t_slider.add_class("toy-step")
    cache: dict[tuple, Dynamics] = {}

    def preview(params: dict[str, torch.Tensor]) -> bytes:  # W: (1, 2, features)
        fig, ax = plt.subplots(figsize=(3.2, 3.2))
        plot_features_2d(params["W"][0], ax=ax, title=f"instance {k_slider.value} (training)")
        return figure_png(fig)

    def render() -> tuple[bytes, str]:
        key = (d_slider.value, i_slider.value, seed_slider.value)
        start = time.perf_counter()
        if key not in cache:
            cache.clear()  # one run at a time: a run holds every snapshot
            with training_previews(preview, instance=k_slider.value):
                cache[key] = train_dynamics(*key, steps=steps)
        run = cache[key]
        frame = TrainingFrame(run, k_slider.value)
        frame.set_snapshot(t_slider.value)
        status = f"{_jump_status(run, k_slider.value)} ({time.perf_counter() - start:.1f} s)"
        return figure_png(frame.fig), status

    controls = widgets.HBox(
        [widgets.VBox([d_slider, i_slider, seed_slider]), widgets.VBox([k_slider, t_slider])]
    )
    inputs = (d_slider, i_slider, seed_slider, k_slider, t_slider)
    return live_explorer(controls, inputs, render, "300px")
