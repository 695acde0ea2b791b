"""Section 3's exercise checks: the two terms of the paper's loss decomposition, feature benefit
(:func:`feature_benefit`) and interference (:func:`interference`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_with_reference
from .experiment import feature_benefit, interference

__all__ = ["check_feature_benefit", "check_interference"]


def _cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``(W, importance)`` of several shapes: random weights (one feature dropped, one of unit norm)
    and random importances, per feature or per instance and feature."""
    g = torch.Generator().manual_seed(3)
    cases = []
    for shape, per_instance in [((3, 5, 20), False), ((2, 2, 5), True), ((4, 3), False)]:
        W = torch.randn(shape, generator=g, dtype=torch.float64) / shape[-2] ** 0.5
        W[..., 0] = 0.0  # a dropped feature
        W[..., 1] = W[..., 1] / W[..., 1].norm(dim=-1, keepdim=True)  # a represented one
        n = shape[-1]
        imp_shape = shape[:-2] + (n,) if per_instance else (n,)
        importance = 0.2 + torch.rand(imp_shape, generator=g, dtype=torch.float64)
        cases.append((W, importance))
    return cases


def _norm2(W: torch.Tensor) -> torch.Tensor:
    return (W**2).sum(-2)  # (..., features): ||W_i||²


def _overlaps(W: torch.Tensor) -> torch.Tensor:
    """``(W_j · W_i)`` for ``i ≠ j`` (zero on the diagonal): ``(..., features, features)``."""
    gram = W.transpose(-1, -2) @ W
    return gram - torch.diag_embed(torch.diagonal(gram, dim1=-2, dim2=-1))


_BENEFIT_MISTAKES = [
    Mistake(
        lambda W, imp: (1 - _norm2(W)) ** 2,
        "the importance is missing: each feature's term is weighted by its importance I_i",
    ),
    Mistake(
        lambda W, imp: imp * (1 - _norm2(W).sqrt()) ** 2,
        "used the norm ||W_i|| where its square belongs: (1 − ||W_i||²)²",
    ),
    Mistake(
        lambda W, imp: imp * (1 - _norm2(W)),
        "the bracket is not squared: I_i (1 − ||W_i||²)²",
    ),
]

_INTERFERENCE_MISTAKES = [
    Mistake(
        lambda W, imp: imp * ((W.transpose(-1, -2) @ W) ** 2).sum(-1),
        "the sum includes i = j: a feature does not interfere with itself (leave out "
        "(W_j · W_j)² = ||W_j||⁴)",
    ),
    Mistake(
        lambda W, imp: (_overlaps(W) ** 2 * imp.unsqueeze(-2)).sum(-1),
        "weighted by the importance of the other feature I_i: the interference feature j "
        "receives is weighted by its own importance I_j",
    ),
    Mistake(
        lambda W, imp: imp * _overlaps(W).sum(-1),
        "the overlaps are not squared: Σ_{i≠j} (W_j · W_i)²",
    ),
    Mistake(
        lambda W, imp: (_overlaps(W) ** 2).sum(-1),
        "the importance is missing: feature j's interference is weighted by I_j",
    ),
]


def _judge_benefit(fn: Callable) -> None:
    compare_with_reference(
        fn, feature_benefit, _cases(), _BENEFIT_MISTAKES, "(..., features): one term per feature"
    )


def _judge_interference(fn: Callable) -> None:
    compare_with_reference(
        fn, interference, _cases(), _INTERFERENCE_MISTAKES, "(..., features): one term per feature"
    )


check_feature_benefit = Check("feature_benefit", feature_benefit, _judge_benefit)
"""Exercise: ``feature_benefit(W (..., hidden, features), importance) → (..., features)``:
``I_i (1 − ||W_i||²)²``."""

check_interference = Check("interference", interference, _judge_interference)
"""Exercise: ``interference(W (..., hidden, features), importance) → (..., features)``:
``I_j Σ_{i≠j} (W_j · W_i)²``."""
