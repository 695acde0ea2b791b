"""Section 3's live explorer: retrain the 20 → 5 model at a chosen sparsity and output."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from ..explorer import live_explorer, slider, toggle, training_previews
from ..figures import figure_png
from ..metrics import represented
from .experiment import SPARSITY_CHOICES, train_superposition_model
from .figures import superposition_figure

__all__ = ["superposition_explorer"]


def superposition_explorer(
    *,
    sparsity: float = 0.99,
    output: str = "relu",
    decay: float = 0.7,
    seed: int = 0,
    restarts: int = 8,
) -> widgets.VBox:
    """Pick a sparsity (one of :data:`SPARSITY_CHOICES`), the output (ReLU or linear), the
    importance decay and a seed; each change retrains a 20 → 5 model (best of ``restarts`` by loss)
    and redraws ``WᵀW`` with ``b`` and the ``||W_i||`` bars coloured by superposition. While it
    trains, previews show the restart with the lowest recent training loss.
    """
    if sparsity not in SPARSITY_CHOICES:
        raise ValueError(f"sparsity={sparsity!r} is not allowed: choose one of {SPARSITY_CHOICES}")
    s_slider = slider("select", "sparsity", sparsity, SPARSITY_CHOICES)
    kind = toggle("output", ["relu", "linear"], output)
    d_slider = slider("float", "importance decay", decay, (0.5, 1.0, 0.05))
    seed_slider = slider("int", "seed", seed, (0, 20))

    def preview(params: dict[str, torch.Tensor]) -> bytes:
        title = f"{kind.value} output, S = {s_slider.value:g} (training)"
        return figure_png(superposition_figure(params["W"], params["b"], [title]), dpi=100)

    def render() -> tuple[bytes, str]:
        with training_previews(preview):
            r = train_superposition_model(
                s_slider.value, kind.value, d_slider.value, seed_slider.value, restarts
            )
        fig = superposition_figure(
            r.W[None], r.b[None], [f"{kind.value} output, S = {s_slider.value:g}"]
        )
        n_rep = int(represented(r.W).sum())
        status = (
            f"best of {restarts} restarts by loss: loss {r.loss:.3g}, {n_rep} of "
            f"{r.W.shape[1]} features represented, retrained in {r.seconds:.1f} s"
        )
        return figure_png(fig, dpi=100), status

    controls = widgets.HBox([widgets.VBox([s_slider, kind]), widgets.VBox([d_slider, seed_slider])])
    return live_explorer(controls, (s_slider, kind, d_slider, seed_slider), render, "420px")
