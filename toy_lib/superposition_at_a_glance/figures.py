"""Section 1's figures: feature arrows above ``WᵀW``, per model."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ..figures import figure_png, plot_features_2d, plot_gram
from ..metrics import represented

__all__ = ["intro_figure", "intro_png"]


def intro_figure(
    Ws: Sequence[torch.Tensor],
    importance: torch.Tensor,
    titles: Sequence[str],
    *,
    suptitle: str | None = None,
) -> Figure:
    """Section 1's figure: per model (column), the feature arrows above ``WᵀW``. Each ``W: (2, features)``."""
    cols = len(Ws)
    fig, axes = plt.subplots(
        2, cols, figsize=(3.1 * cols, 6.0), squeeze=False, layout="constrained"
    )
    for c, (W, title) in enumerate(zip(Ws, titles, strict=True)):
        n_rep = int(represented(W).sum())
        plot_features_2d(
            W, importance, ax=axes[0, c], title=f"{title}\n{n_rep} of {W.shape[-1]} represented"
        )
        plot_gram(W, ax=axes[1, c], title="WᵀW")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def intro_png(W: torch.Tensor, importance: torch.Tensor, title: str) -> bytes:
    """The explorer's figure as PNG bytes: the arrows of one model's ``W: (2, features)`` (titled
    ``title``) beside its ``WᵀW``. ``importance: (features,)`` colours the arrows.

    The panels sit at fixed places instead of a computed layout: the explorer redraws this figure
    on every change, and a constrained layout would take half of the drawing time."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.4, 3.0))
    fig.subplots_adjust(left=0.06, right=0.93, bottom=0.14, top=0.9, wspace=0.35)
    plot_features_2d(W, importance, ax=left, title=title)
    plot_gram(W, ax=right, title="WᵀW")
    return figure_png(fig)
