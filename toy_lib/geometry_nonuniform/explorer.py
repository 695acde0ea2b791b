"""Section 5's non-uniform explorers: a pre-trained density sweep, and correlated feature sets."""

from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ..explorer import live_explorer, slider, toggle
from ..figures import figure_png, plot_gram
from .experiment import (
    CORRELATION_STRUCTURES,
    DENSITY_CHOICES,
    PerturbationSweep,
    retrain_point,
    set_geometry,
    train_correlation_model,
)
from .figures import plot_feature_sets, sweep_point_figure

__all__ = ["correlation_explorer", "perturbation_explorer"]


def perturbation_explorer(sweep: PerturbationSweep, *, relative: float = 1.0) -> widgets.VBox:
    """Pick a point of a trained one-feature density sweep (:func:`nonuniform.perturbation_sweep`)
    and one of its restarts by loss rank; redraws that solution's arrows and where its loss sits.

    Browsing retrains nothing, so it responds at once. With ``restarts`` set to ``retrain``, the
    chosen point's restarts are trained again from the chosen seed (:func:`retrain_point`, about
    half a second) and shown among the sweep's other points.
    """
    if not relative > 0:
        raise ValueError(f"relative={relative!r} is not allowed: it must be a density ratio > 0")
    rel = sweep.relative.tolist()
    start = min(range(len(rel)), key=lambda i: abs(math.log(rel[i] / relative)))
    wide = {"width": "440px", "label_width": "130px"}
    options = [(f"{r:.3g}", i) for i, r in enumerate(rel)]
    point = slider("select", "relative density", start, options, **wide)
    k = sweep.W.shape[1]
    rank = slider("int", "restart (by loss)", 1, (1, k), **wide)
    source = toggle("restarts", ["sweep", "retrain"], "sweep", label_width="130px")
    seed = slider("int", "retrain seed", 1, (1, 20), **wide)

    def render() -> tuple[bytes, str]:
        i = point.value
        shown = sweep if source.value == "sweep" else retrain_point(sweep, i, seed.value)
        j = int(shown.losses[i].argsort()[rank.value - 1])
        where = "" if source.value == "sweep" else f" (retrained, seed {seed.value})"
        status = (
            f"feature {shown.feature} {rel[i]:.3g}× as dense as the others{where}: restart "
            f"{rank.value} of {k} by loss is {shown.labels[i, j]} (loss {float(shown.losses[i, j]):.5f}); "
            f"the lowest-loss one is {shown.best_labels[i]}"
        )
        return figure_png(sweep_point_figure(shown, i, rank.value)), status

    controls = widgets.VBox([point, rank, source, seed])
    return live_explorer(controls, (point, rank, source, seed), render, "300px")


def correlation_explorer(
    *,
    structure: str = "2 correlated pairs (4 features, 2-D)",
    density: float = 0.05,
    seed: int = 0,
    restarts: int = 8,
) -> widgets.VBox:
    """Pick a correlation structure (:data:`CORRELATION_STRUCTURES`), a feature density and a seed;
    each change retrains the small model (best of ``restarts`` by loss) and redraws its feature
    directions coloured by set, with ``WᵀW``; the status line names each set's geometry."""
    if density not in DENSITY_CHOICES:
        raise ValueError(f"density={density!r} is not allowed: choose one of {DENSITY_CHOICES}")
    choice = widgets.Dropdown(
        options=list(CORRELATION_STRUCTURES),
        value=structure,
        description="structure",
        style={"description_width": "110px"},
        layout=widgets.Layout(width="440px"),
    )
    d_slider = slider("select", "density 1 − S", density, DENSITY_CHOICES, width="440px")
    seed_slider = slider("int", "seed", seed, (0, 20), width="440px")

    def render() -> tuple[bytes, str]:
        r = train_correlation_model(choice.value, d_slider.value, seed_slider.value, restarts)
        sets = list(r.correlated) + list(r.anticorrelated)
        fig = plt.figure(figsize=(7.0, 3.2), layout="constrained")
        projection = "3d" if r.W.shape[0] == 3 else None
        plot_feature_sets(
            r.W, sets, ax=fig.add_subplot(1, 2, 1, projection=projection), title=choice.value
        )
        plot_gram(r.W, ax=fig.add_subplot(1, 2, 2), title="WᵀW")
        kinds = ["correlated"] * len(r.correlated) + ["anticorrelated"] * len(r.anticorrelated)
        verdicts = [
            f"{kind} {tuple(s)}: {set_geometry(r.W, s)}"
            for kind, s in zip(kinds, sets, strict=True)
        ]
        status = (
            f"best of {restarts} restarts by loss: loss {r.loss:.4g}, retrained in "
            f"{r.seconds:.1f} s<br>" + ("<br>".join(verdicts) or "independent features")
        )
        return figure_png(fig), status

    controls = widgets.VBox([choice, d_slider, seed_slider])
    return live_explorer(controls, (choice, d_slider, seed_slider), render, "300px")
