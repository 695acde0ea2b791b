"""Section 8's live explorer: retrain the 10 → 5 ReLU-hidden model at a chosen density."""

from __future__ import annotations

import time

import ipywidgets as widgets
import torch

from ..explorer import live_explorer, slider, toggle, training_previews
from ..figures import figure_png
from .experiment import PRIVILEGED_DENSITIES, count_neurons, train_privileged
from .figures import privileged_snapshot

__all__ = ["privileged_explorer"]


def privileged_explorer(
    *,
    density: float = 0.15,
    decay: float = 0.75,
    hidden_activation: str = "relu",
    seed: int = 0,
    restarts: int = 4,
    steps: int = 10_000,
) -> widgets.VBox:
    """Pick a density (one of :data:`PRIVILEGED_DENSITIES`), the importance decay, the hidden
    activation (ReLU: a privileged basis; linear: none) and a seed; each change retrains the §8
    model (10 features, 5 neurons, best of ``restarts`` by loss, ``steps`` steps) and redraws each
    neuron's stacked input weights beside its monosemanticity. While it trains, previews show the
    restart with the lowest recent training loss.
    """
    if density not in PRIVILEGED_DENSITIES:
        raise ValueError(
            f"density={density!r} is not allowed: choose one of {PRIVILEGED_DENSITIES}"
        )
    d_slider = slider("select", "density 1 − S", density, PRIVILEGED_DENSITIES)
    decay_slider = slider("float", "importance decay", decay, (0.5, 1.0, 0.05))
    hidden = toggle("hidden layer", ["relu", "linear"], hidden_activation)
    seed_slider = slider("int", "seed", seed, (0, 20))

    def preview(params: dict[str, torch.Tensor]) -> bytes:
        title = f"{hidden.value} hidden layer, density {d_slider.value:g} (training)"
        return figure_png(privileged_snapshot(params["W"][0], title=title), dpi=90)

    def render() -> tuple[bytes, str]:
        start = time.perf_counter()
        with training_previews(preview):
            r = train_privileged(
                [d_slider.value],
                restarts=restarts,
                hidden_activation=hidden.value,
                seed=seed_slider.value,
                decay=decay_slider.value,
                steps=steps,
                progress=False,
            )
        W = r.model.W.detach()
        c = count_neurons(W)
        title = f"{hidden.value} hidden layer, density {d_slider.value:g}"
        status = (
            f"{int(c.monosemantic[0])} monosemantic, {int(c.polysemantic[0])} polysemantic, "
            f"{int(c.dead[0])} dead neurons; best of {restarts} restarts by loss "
            f"(loss {float(r.losses[0].min()):.4f}), retrained in {time.perf_counter() - start:.1f} s"
        )
        return figure_png(privileged_snapshot(W[0], title=title), dpi=90), status

    controls = widgets.HBox(
        [widgets.VBox([d_slider, decay_slider]), widgets.VBox([hidden, seed_slider])]
    )
    return live_explorer(controls, (d_slider, decay_slider, hidden, seed_slider), render, "300px")
