"""Section 5's uniform-superposition explorer: browse the models of a trained sparsity sweep."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from ..explorer import live_explorer, slider
from ..figures import figure_png
from ..metrics import dimensions_per_feature, represented
from .experiment import summarize_factors, tegum_factors
from .figures import geometry_snapshot

__all__ = ["geometry_explorer"]


def geometry_explorer(
    W: torch.Tensor, density: torch.Tensor, *, index: int = 0, **factor_kwargs: float
) -> widgets.VBox:
    """A slider over the models of a trained sweep; each position shows that model's ``D_i``
    histogram and the polytopes found among its tegum factors. Nothing is retrained, so it is fast.

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
    dstar = dimensions_per_feature(W)
    n_rep = represented(W).sum(-1)

    def render() -> tuple[bytes, str]:
        k = s_slider.value
        factors = tegum_factors(W[k], **factor_kwargs)
        title = f"1/(1−S) = {1 / float(p[k]):.2f} (S = {1 - float(p[k]):.3f}), D* = {dstar[k]:.3f}"
        status = (
            f"{int(n_rep[k])} of {W.shape[2]} features represented; tegum factors: "
            f"{summarize_factors(factors)}"
        )
        return figure_png(geometry_snapshot(W[k], factors, title=title)), status

    return live_explorer(s_slider, (s_slider,), render, "300px")
