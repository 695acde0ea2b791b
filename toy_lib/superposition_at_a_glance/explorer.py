"""Section 1's live explorer: retrain an ``n → 2`` model from four sliders."""

from __future__ import annotations

import ipywidgets as widgets

from ..explorer import live_explorer
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
) -> widgets.VBox:
    """Sliders for sparsity, importance decay, number of features (2-8) and seed; each change
    retrains an ``n → 2`` model (best of ``restarts`` by loss) and redraws arrows and ``WᵀW``.

    The sparsity slider has the CSS class ``toy-sparsity`` and the figure output ``toy-figure``
    (the browser test finds them by these).
    """
    style = {"description_width": "110px"}
    common = {"continuous_update": False, "style": style, "layout": widgets.Layout(width="420px")}
    s_slider = widgets.FloatSlider(
        value=sparsity, min=0.0, max=0.99, step=0.01, description="sparsity", **common
    )
    d_slider = widgets.FloatSlider(
        value=decay, min=0.5, max=1.0, step=0.05, description="importance decay", **common
    )
    n_slider = widgets.IntSlider(value=n_features, min=2, max=8, description="features", **common)
    seed_slider = widgets.IntSlider(value=seed, min=0, max=20, description="seed", **common)
    s_slider.add_class("toy-sparsity")

    def render() -> tuple[bytes, str]:
        r = train_intro_model(
            s_slider.value, d_slider.value, n_slider.value, seed_slider.value, restarts
        )
        status = f"best of {restarts} restarts by loss: loss {r.loss:.4f}, retrained in {r.seconds:.2f} s"
        return intro_png(r, s_slider.value), status

    controls = widgets.HBox(
        [widgets.VBox([s_slider, d_slider]), widgets.VBox([n_slider, seed_slider])]
    )
    return live_explorer(controls, (s_slider, d_slider, n_slider, seed_slider), render, "300px")
