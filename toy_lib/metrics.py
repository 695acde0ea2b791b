"""Geometry of trained weights: how strongly each feature is represented and how it shares space.

Every function takes ``W`` of shape ``(..., hidden, features)`` (e.g. ``(instances, hidden,
features)``), reads it without modifying it, and returns tensors with the same leading dimensions.
"""

from __future__ import annotations

import torch

from .validate import as_weights

__all__ = [
    "feature_norms",
    "superposition",
    "dimensions_per_feature",
    "feature_dimensionality",
    "represented",
    "cosine_similarity",
    "angular_gaps",
    "antipodal",
    "monosemanticity",
]

_EPS = 1e-8


def feature_norms(W: torch.Tensor) -> torch.Tensor:
    """``||W_i||``: ``(..., features)``. About 1 for a represented feature, about 0 for a dropped one."""
    return as_weights(W).norm(dim=-2)


def _overlaps(W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Norms ``(..., features)`` and ``M[i, j] = Ŵ_i · W_j``: ``(..., features, features)``.

    A feature of (numerically) zero norm has no direction; its row of ``M`` is zero.
    """
    norms = W.norm(dim=-2)
    W_hat = W / norms.clamp_min(_EPS).unsqueeze(-2)
    return norms, W_hat.transpose(-1, -2) @ W


def superposition(W: torch.Tensor) -> torch.Tensor:
    """``Σ_{j≠i} (Ŵ_i · W_j)²``: ``(..., features)``; 0 when feature i is orthogonal to all others."""
    W = as_weights(W)
    _, M = _overlaps(W)
    return (M**2).sum(-1) - torch.diagonal(M, dim1=-2, dim2=-1) ** 2


def dimensions_per_feature(W: torch.Tensor) -> torch.Tensor:
    """``D* = m / ||W||_F²``: ``(...)``. 1 when each feature has its own dimension, 1/2 for antipodal pairs."""
    W = as_weights(W)
    return W.shape[-2] / (W**2).sum((-2, -1)).clamp_min(_EPS)


def feature_dimensionality(W: torch.Tensor) -> torch.Tensor:
    """``D_i = ||W_i||² / Σ_j (Ŵ_i · W_j)²`` (``j = i`` included): ``(..., features)``.

    The fraction of a dimension feature i gets: 1 dedicated, 1/2 in an antipodal pair, 2/5 in a
    pentagon. A feature with zero norm gets 0.
    """
    W = as_weights(W)
    norms, M = _overlaps(W)
    denom = (M**2).sum(-1)
    return torch.where(norms > _EPS, norms**2 / denom.clamp_min(_EPS**2), torch.zeros_like(norms))


def represented(W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Boolean ``(..., features)``: ``||W_i|| > threshold`` (the paper's "represented" features)."""
    return feature_norms(W) > threshold


def cosine_similarity(W: torch.Tensor) -> torch.Tensor:
    """``Ŵ_i · Ŵ_j``: ``(..., features, features)``; rows of zero-norm features are zero."""
    W = as_weights(W)
    W_hat = W / W.norm(dim=-2).clamp_min(_EPS).unsqueeze(-2)
    return W_hat.transpose(-1, -2) @ W_hat


def angular_gaps(W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Angles in degrees between neighbouring represented features of one 2-D model, going round.

    ``W: (2, features)``. Features with ``||W_i|| <= threshold`` are left out. The gaps sum to 360:
    a regular k-gon gives k gaps of ``360/k`` (a pentagon: five of 72°; two antipodal pairs at right
    angles: four of 90°); two orthogonal features give ``[90, 270]``.
    """
    W = as_weights(W)
    if W.dim() != 2 or W.shape[0] != 2:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: angular_gaps needs one model's (2, features)"
        )
    keep = W.norm(dim=0) > threshold
    if not keep.any():
        return torch.zeros(0)
    angles = torch.rad2deg(torch.atan2(W[1, keep], W[0, keep])).sort().values
    return torch.diff(torch.cat([angles, angles[:1] + 360.0]))


def antipodal(W: torch.Tensor, threshold: float = 0.5, max_cos: float = -0.95) -> torch.Tensor:
    """Boolean ``(..., features)``: feature i is represented and another represented feature points
    the opposite way (``Ŵ_i · Ŵ_j < max_cos``), i.e. the two form an antipodal pair.

    "Represented" means ``||W_i|| > threshold``, as in :func:`represented`.
    """
    rep = represented(W, threshold)
    opposite = (cosine_similarity(W) < max_cos) & rep.unsqueeze(-2)
    return rep & opposite.any(-1)


def monosemanticity(W: torch.Tensor) -> torch.Tensor:
    """Share of each neuron's squared weight norm on its top feature: ``(..., hidden)``.

    Neuron ``k``'s input weights are row ``W[k, :]``; the score is ``max_i W_ki² / Σ_i W_ki²``, 1 for
    a neuron that reads a single feature, ``1/n`` for one spread evenly over ``n``. A neuron with no
    weight (all zero) scores 0.
    """
    W = as_weights(W)
    sq = W * W
    total = sq.sum(-1)
    return torch.where(total > _EPS, sq.max(-1).values / total.clamp_min(_EPS), 0.0)
