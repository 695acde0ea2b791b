"""Section 9's live explorer: retrain the absolute-value model at a chosen density and width."""

from __future__ import annotations

import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..explorer import live_explorer, slider, training_previews
from ..figures import figure_png
from .experiment import COMPUTATION_DENSITIES, gain_order, train_abs, two_neuron_features
from .figures import plot_abs_weights
from .motifs import find_motifs

__all__ = ["computation_explorer"]


def computation_explorer(
    *,
    density: float = 0.1,
    n_features: int = 20,
    n_hidden: int = 10,
    seed: int = 0,
    restarts: int = 4,
    steps: int = 5000,
) -> widgets.VBox:
    """Sliders for the density, the number of neurons and the seed; each change retrains an
    ``n_features → n_hidden`` absolute-value model (best of ``restarts`` by loss, ``steps`` steps)
    and redraws its ``W₁`` and ``W₂ᵀ`` (neurons sorted by the feature they serve), marking the
    neurons that host an asymmetric motif (:func:`~toy_lib.computation_in_superposition.asymmetric_motifs`).

    While it trains, previews show the restart with the lowest recent training loss. The density
    slider has the CSS class ``toy-sparsity``.
    """
    options = sorted(set(COMPUTATION_DENSITIES) | {float(density)}, reverse=True)
    d_slider = slider("select", "density", float(density), [(f"{v:g}", v) for v in options])
    m_slider = slider("int", "neurons", n_hidden, (2, 20))
    seed_slider = slider("int", "seed", seed, (0, 20))
    d_slider.add_class("toy-sparsity")

    def weights_figure(W1, W2, title, mark=()):  # noqa: ANN001, ANN202 - (1, m, n), (1, n, m)
        fig, axes = plt.subplots(2, 1, figsize=(6.4, 4.2), sharex=True, layout="constrained")
        order = gain_order(W1, W2)[0]
        plot_abs_weights(W1[0], W2[0], axes=axes, order=order, title=title, mark=mark)
        return fig

    def preview(params: dict[str, torch.Tensor]) -> bytes:
        title = f"density {d_slider.value:g}: {n_features} features, {m_slider.value} neurons (training)"
        return figure_png(weights_figure(params["W1"], params["W2"], title))

    def render() -> tuple[bytes, str]:
        start = time.perf_counter()
        m = m_slider.value
        with training_previews(preview):
            run = train_abs(
                d_slider.value, n_features=n_features, n_hidden=m, restarts=restarts,
                seed=seed_slider.value, steps=steps, progress=False, eval_samples=16_384,
            )  # fmt: skip
        model = run.model
        report = two_neuron_features(model)
        motifs = find_motifs(model.W1, model.W2, model.b)[0]
        title = f"density {d_slider.value:g}: {n_features} features, {m} neurons"
        fig = weights_figure(model.W1, model.W2, title, sorted({mo.neuron for mo in motifs}))
        pairs = ", ".join(f"{mo.strong}→{mo.weak} (neuron {mo.neuron})" for mo in motifs[:4])
        status = (
            f"{int(report.n_computed[0])} features computed (m/2 = {m / 2:g}), "
            f"{int(report.n_two_neuron[0])} of them on two dedicated neurons; "
            f"{len(motifs)} asymmetric motif(s){': ' + pairs if pairs else ''}"
            f"{' …' if len(motifs) > 4 else ''} (▶ marks their neurons). Best of {restarts} "
            f"restarts by loss ({float(run.losses.min()):.4f}), retrained in "
            f"{time.perf_counter() - start:.1f} s"
        )
        return figure_png(fig), status

    controls = widgets.VBox([d_slider, m_slider, seed_slider])
    return live_explorer(controls, (d_slider, m_slider, seed_slider), render, "360px")
