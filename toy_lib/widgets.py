"""Live explorers: sliders that retrain toy models and redraw their geometry.

Works with ipywidgets 7.7 (Colab) and 8. The figure lives in an ``Output`` that is cleared and
redrawn on every retrain (``clear_output(wait=True)``), so figures replace each other instead of
piling up, and sliders that retrain use ``continuous_update=False``. The explorer also carries a PNG
of its current figure in its display data, so a saved notebook shows the figure where widgets do
not render (GitHub, nbviewer).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import Image, display

from .config import Config, decaying_importance
from .plots import figure_png, plot_features_2d, plot_gram
from .train import train_best_of

__all__ = ["IntroResult", "intro_explorer", "train_intro_model"]


@dataclass
class IntroResult:
    """One retrain of the explorer: the best restart's ``W (2, features)``, importance, loss, time."""

    W: torch.Tensor
    importance: torch.Tensor
    loss: float
    seconds: float


def train_intro_model(
    sparsity: float, decay: float, n_features: int, seed: int, restarts: int = 8
) -> IntroResult:
    """Train ``restarts`` copies of an ``n_features → 2`` ReLU-output model and keep the lowest-loss one."""
    start = time.perf_counter()
    cfg = Config(
        n_features=n_features,
        n_hidden=2,
        feature_probability=1.0 - sparsity,
        importance=decaying_importance(n_features, decay),
    )
    result = train_best_of(cfg, k=restarts, seed=seed, progress=False)
    return IntroResult(
        W=result.model.W[0].detach().clone(),
        importance=cfg.importances[0],
        loss=float(result.losses[0].min()),
        seconds=time.perf_counter() - start,
    )


def _intro_png(r: IntroResult, sparsity: float) -> bytes:
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.4, 3.0), layout="constrained")
    n_rep = int((r.W.norm(dim=0) > 0.5).sum())
    plot_features_2d(
        r.W,
        r.importance,
        ax=left,
        title=f"S = {sparsity:.2f}: {n_rep} of {r.W.shape[1]} represented",
    )
    plot_gram(r.W, ax=right, title="WᵀW")
    return figure_png(fig)


class _Explorer(widgets.VBox):
    """A VBox whose display data also holds a PNG of the current figure (static fallback)."""

    png: bytes = b""

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        data = super()._repr_mimebundle_(**kwargs)
        if self.png and isinstance(data, dict):
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        return data


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
    status = widgets.HTML()
    out = widgets.Output(layout=widgets.Layout(min_height="300px"))
    out.add_class("toy-figure")
    box = _Explorer(
        [
            widgets.HBox(
                [widgets.VBox([s_slider, d_slider]), widgets.VBox([n_slider, seed_slider])]
            ),
            status,
            out,
        ]
    )

    def retrain(_change: object = None) -> None:
        status.value = "<i>training…</i>"
        try:
            r = train_intro_model(
                s_slider.value, d_slider.value, n_slider.value, seed_slider.value, restarts
            )
            box.png = _intro_png(r, s_slider.value)
        except Exception as exc:  # noqa: BLE001 - a widget callback must report, never die silently
            status.value = f"<b style='color:#b00'>error: {type(exc).__name__}: {exc}</b>"
            return
        with out:
            out.clear_output(wait=True)
            display(Image(data=box.png))
        status.value = f"best of {restarts} restarts by loss: loss {r.loss:.4f}, retrained in {r.seconds:.2f} s"

    for w in (s_slider, d_slider, n_slider, seed_slider):
        w.observe(retrain, names="value")
    retrain()
    return box
