"""Section 1's live explorer: retrain an ``n → 2`` model from four sliders."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from ..config import decaying_importance
from ..explorer import live_explorer, slider, training_previews
from ..metrics import represented
from ..validate import check_number
from .experiment import train_intro_model
from .figures import intro_png

__all__ = ["intro_explorer"]


def intro_explorer(
    *,
    sparsity: float = 0.9,
    decay: float = 0.9,
    n_features: int = 5,
    seed: int = 0,
    restarts: int = 8,
    preview_after: float = 0.1,
) -> widgets.VBox:
    """Sliders for sparsity, importance decay, number of features (2-8) and seed; each change
    retrains an ``n → 2`` model (best of ``restarts`` by loss) and redraws arrows and ``WᵀW``.
    ``preview_after`` seconds into a retrain, a preview shows the restart with the lowest training
    loss so far; the result follows when training ends.

    The sparsity slider has the CSS class ``toy-sparsity`` and the figure output ``toy-figure``
    (the browser test finds them by these).
    """
    check_number("preview_after", preview_after, 0.0)
    s_slider = slider("float", "sparsity", sparsity, (0.0, 0.99, 0.01))
    d_slider = slider("float", "importance decay", decay, (0.5, 1.0, 0.05))
    n_slider = slider("int", "features", n_features, (2, 8))
    seed_slider = slider("int", "seed", seed, (0, 20))
    s_slider.add_class("toy-sparsity")

    def title(W: torch.Tensor, note: str = "") -> str:  # W: (2, features)
        return f"S = {s_slider.value:.2f}: {int(represented(W).sum())} of {W.shape[1]} represented{note}"

    def preview(params: dict[str, torch.Tensor]) -> bytes:
        W = params["W"][0]
        importance = decaying_importance(n_slider.value, d_slider.value)
        return intro_png(W, importance, title(W, " (training)"))

    def render() -> tuple[bytes, str]:
        with training_previews(preview, first_s=preview_after):
            r = train_intro_model(
                s_slider.value, d_slider.value, n_slider.value, seed_slider.value, restarts
            )
        status = f"best of {restarts} restarts by loss: loss {r.loss:.4f}, retrained in {r.seconds:.2f} s"
        return intro_png(r.W, r.importance, title(r.W)), status

    controls = widgets.HBox(
        [widgets.VBox([s_slider, d_slider]), widgets.VBox([n_slider, seed_slider])]
    )
    return live_explorer(controls, (s_slider, d_slider, n_slider, seed_slider), render, "300px")
