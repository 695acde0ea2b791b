"""Section 5's uniform-superposition explorer: browse the models of a trained sparsity sweep, or
retrain the selected one from another seed."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from ..config import Config
from ..explorer import live_explorer, slider, toggle, training_previews
from ..figures import figure_png
from ..metrics import dimensions_per_feature, represented
from ..models import ToyModel
from ..train import train
from .experiment import summarize_factors, tegum_factors
from .figures import geometry_snapshot

__all__ = ["geometry_explorer"]


def geometry_explorer(
    W: torch.Tensor,
    density: torch.Tensor,
    *,
    index: int = 0,
    importance: float = 1.0,
    **factor_kwargs: float,
) -> widgets.VBox:
    """A slider over the models of a trained sweep; each position shows that model's ``D_i``
    histogram and the polytopes found among its tegum factors. Browsing retrains nothing, so it is
    fast; switching ``model`` to ``retrain`` trains the selected density's model alone from the
    chosen seed (:func:`toy_lib.train` with its defaults, as the sweep was trained; every feature of
    importance ``importance``), with progress and previews while it trains.

    ``W: (instances, hidden, features)``, ``density: (instances,)`` the density ``1 − S`` of each
    model; ``index`` is the model shown first. ``factor_kwargs`` go to
    :func:`geometry.tegum_factors`. The slider has the CSS class ``toy-sparsity``.
    """
    W = torch.as_tensor(W).detach()
    p = torch.as_tensor(density, dtype=torch.float32).reshape(-1)
    if W.dim() != 3 or p.shape[0] != W.shape[0]:
        raise ValueError(
            f"W has shape {tuple(W.shape)} and density {tuple(p.shape)}: they must be "
            "(instances, hidden, features) and (instances,)"
        )
    if not 0 <= index < W.shape[0]:
        raise ValueError(f"index={index!r} is not allowed: it must be in [0, {W.shape[0]})")
    options = [(f"{1 / float(v):.2f}", k) for k, v in enumerate(p)]
    s_slider = slider("select", "1/(1−S)", index, options, width="520px")
    s_slider.add_class("toy-sparsity")
    source = toggle("model", ["sweep", "retrain"], "sweep")
    seed_slider = slider("int", "retrain seed", 1, (1, 20))
    dstar = dimensions_per_feature(W)

    def snapshot(Wk: torch.Tensor, title: str) -> tuple[bytes, list]:
        factors = tegum_factors(Wk, **factor_kwargs)
        return figure_png(geometry_snapshot(Wk, factors, title=title)), factors

    def describe(Wk: torch.Tensor, factors: list) -> str:
        return (
            f"{int(represented(Wk).sum())} of {Wk.shape[1]} features represented; tegum factors: "
            f"{summarize_factors(factors)}"
        )

    def preview(params: dict[str, torch.Tensor]) -> bytes:
        return snapshot(params["W"][0], f"1/(1−S) = {1 / float(p[s_slider.value]):.2f}, training")[
            0
        ]

    def retrained(k: int) -> torch.Tensor:
        cfg = Config(W.shape[2], W.shape[1], feature_probability=float(p[k]), importance=importance)
        model = ToyModel(cfg, seed=seed_slider.value)
        with training_previews(preview):
            train(model, seed=seed_slider.value, progress=False)
        return model.W.detach()[0]

    def render() -> tuple[bytes, str]:
        k = s_slider.value
        if source.value == "sweep":
            Wk, dk, where = W[k], float(dstar[k]), "the sweep's model"
        else:
            Wk = retrained(k)
            dk, where = (
                float(dimensions_per_feature(Wk)),
                f"retrained alone, seed {seed_slider.value}",
            )
        title = f"1/(1−S) = {1 / float(p[k]):.2f} (S = {1 - float(p[k]):.3f}), D* = {dk:.3f}"
        png, factors = snapshot(Wk, title)
        return png, f"{where}: {describe(Wk, factors)}"

    controls = widgets.VBox([s_slider, widgets.HBox([source, seed_slider])])
    return live_explorer(controls, (s_slider, source, seed_slider), render, "300px")
