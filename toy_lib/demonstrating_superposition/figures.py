"""Section 3's figures: ``WᵀW`` beside ``b``, and ``||W_i||`` bars coloured by superposition."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from ..figures import feature_ticks, small_type, to_numpy
from ..metrics import represented, superposition

__all__ = ["SUPERPOSITION_CMAP", "plot_feature_norms", "plot_gram_and_bias", "superposition_figure"]

SUPERPOSITION_CMAP = "viridis"


def plot_gram_and_bias(
    W: torch.Tensor,
    b: torch.Tensor,
    *,
    ax: Axes,
    bias_ax: Axes,
    vmax: float = 1.0,
    title: str | None = None,
) -> AxesImage:
    """``WᵀW`` of one model as a heat map in ``ax`` and its bias ``b`` as one column in ``bias_ax``.

    ``W: (hidden, features)``, ``b: (features,)``. Both share one red (+) / blue (−) scale from
    ``-vmax`` to ``vmax`` (values beyond it saturate); features run from most important (top, left).
    Cells are square, so ``bias_ax`` lines up with ``ax`` when it is ``1/n`` as wide. Returns the
    ``WᵀW`` image, for a colour bar.
    """
    W_np, b_np = to_numpy(W), to_numpy(b)
    if W_np.ndim != 2 or b_np.shape != (W_np.shape[1],):
        raise ValueError(
            f"W has shape {W_np.shape} and b {b_np.shape}: they must be (hidden, features) and "
            "(features,) of one model"
        )
    n = W_np.shape[1]
    style = {"cmap": "RdBu_r", "vmin": -vmax, "vmax": vmax, "interpolation": "nearest"}
    image = ax.imshow(W_np.T @ W_np, **style)
    ticks = feature_ticks(n)
    ax.set(xticks=ticks, yticks=ticks)
    small_type(ax, title=title)
    bias_ax.imshow(b_np[:, None], **style)
    bias_ax.set(xticks=[0], xticklabels=["b"], yticks=[])
    small_type(bias_ax)
    return image


def plot_feature_norms(
    W: torch.Tensor, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Bars of ``||W_i||`` (most important feature on top) coloured by superposition.

    ``W: (hidden, features)``. The colour is ``Σ_{j≠i} (Ŵ_i · W_j)²`` on the ``viridis`` scale from
    0 (dark: orthogonal to every other feature) to 1 or more (yellow: other features together
    project onto ``W_i`` as strongly as feature i itself), as in the paper's figure.
    """
    W_np = to_numpy(W)
    if W_np.ndim != 2:
        raise ValueError(
            f"W has shape {W_np.shape}: plot_feature_norms needs one model's (hidden, features)"
        )
    norms = np.linalg.norm(W_np, axis=0)
    sup = superposition(torch.from_numpy(W_np)).numpy()
    n = len(norms)
    ax = ax or plt.figure(figsize=(2.5, 3.5)).gca()
    ax.barh(np.arange(n), norms, color=plt.get_cmap(SUPERPOSITION_CMAP)(np.clip(sup, 0.0, 1.0)))
    ax.axvline(1.0, color="0.5", lw=0.8, ls=":")
    ax.set(xlim=(0, max(1.25, 1.05 * float(norms.max()))), ylim=(n - 0.5, -0.5))
    ax.set_yticks(feature_ticks(n))
    return small_type(ax, xlabel="‖W_i‖", title=title)


def superposition_figure(
    W: torch.Tensor,
    b: torch.Tensor,
    titles: Sequence[str],
    *,
    suptitle: str | None = None,
) -> Figure:
    """Section 3's figure: per model (column), ``WᵀW`` with ``b`` above the ``||W_i||`` bars.

    ``W: (models, hidden, features)``, ``b: (models, features)``. All heat maps share one colour
    scale; each column's title also says how many features are represented (``||W_i|| > 0.5``).
    """
    W_t, b_t = torch.as_tensor(W).detach(), torch.as_tensor(b).detach()
    if W_t.dim() != 3 or b_t.shape != (W_t.shape[0], W_t.shape[2]) or len(titles) != W_t.shape[0]:
        raise ValueError(
            f"W has shape {tuple(W_t.shape)}, b {tuple(b_t.shape)} and there are {len(titles)} titles: "
            "they must be (models, hidden, features), (models, features) and one title per model"
        )
    cols, n = W_t.shape[0], W_t.shape[2]
    gram = W_t.transpose(1, 2) @ W_t
    vmax = max(1.0, float(gram.abs().max()), float(b_t.abs().max()))
    fig = plt.figure(figsize=(1.9 * cols + 1.0, 4.8), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.0])
    # One row of (WᵀW, b) pairs: a narrow column for b right of each heat map.
    heat_axes = top.subplots(1, 2 * cols, width_ratios=[n, 1] * cols)
    bar_axes = bottom.subplots(1, cols, squeeze=False)[0]
    counts = represented(W_t).sum(-1).tolist()
    for c in range(cols):
        image = plot_gram_and_bias(
            W_t[c],
            b_t[c],
            ax=heat_axes[2 * c],
            bias_ax=heat_axes[2 * c + 1],
            vmax=vmax,
            title=f"{titles[c]}\n{counts[c]} of {n} represented",
        )
        plot_feature_norms(W_t[c], ax=bar_axes[c])
    top.colorbar(image, ax=heat_axes, shrink=0.8, label="WᵀW and b")
    bottom.colorbar(
        plt.cm.ScalarMappable(norm=plt.Normalize(0.0, 1.0), cmap=SUPERPOSITION_CMAP),
        ax=bar_axes,
        shrink=0.8,
        label="superposition",
    )
    if suptitle:
        fig.suptitle(suptitle)
    return fig
