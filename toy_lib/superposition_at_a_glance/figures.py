"""Section 1's figures: feature arrows above ``WᵀW``, per model."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from ..figures import figure_png, plot_features_2d, plot_gram
from ..metrics import represented
from .experiment import IntroResult

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


def intro_png(r: IntroResult, sparsity: float) -> bytes:
    """The explorer's figure of one retrain as PNG bytes: the arrows of ``r.W (2, features)`` beside
    its ``WᵀW``."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.4, 3.0), layout="constrained")
    n_rep = int(represented(r.W).sum())
    plot_features_2d(
        r.W,
        r.importance,
        ax=left,
        title=f"S = {sparsity:.2f}: {n_rep} of {r.W.shape[1]} represented",
    )
    plot_gram(r.W, ax=right, title="WᵀW")
    return figure_png(fig)
