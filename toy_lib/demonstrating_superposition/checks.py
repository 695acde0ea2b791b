"""Section 3's exercise checks: how strongly the other features project onto each feature
(:func:`~toy_lib.metrics.superposition`) and the two terms of the paper's loss decomposition,
feature benefit (:func:`feature_benefit`) and interference (:func:`interference`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_with_reference, zero_where
from ..metrics import superposition
from .experiment import feature_benefit, interference

__all__ = ["check_feature_benefit", "check_interference", "check_superposition"]


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


def _unit(W: torch.Tensor) -> torch.Tensor:
    """``Ŵ_i = W_i / ||W_i||`` (a zero column stays zero)."""
    return W / W.norm(dim=-2, keepdim=True).clamp_min(1e-12)


def _others(M: torch.Tensor) -> torch.Tensor:
    """``M`` with its diagonal set to zero: only the pairs ``j ≠ i`` are left."""
    return M - torch.diag_embed(torch.diagonal(M, dim1=-2, dim2=-1))


_SUPERPOSITION_MISTAKES = [
    Mistake(
        lambda W: ((_unit(W).transpose(-1, -2) @ W) ** 2).sum(-1),
        "the sum includes j = i, which adds (Ŵ_i · W_i)² = ||W_i||²: leave out the feature itself",
    ),
    Mistake(
        lambda W: (_others(W.transpose(-1, -2) @ W) ** 2).sum(-1),
        "W_i is not normalised: project onto the unit vector Ŵ_i = W_i / ||W_i||, so only the "
        "other features' sizes count",
    ),
    Mistake(
        lambda W: (_others(_unit(W).transpose(-1, -2) @ _unit(W)) ** 2).sum(-1),
        "W_j is normalised too (these are squared cosines): only W_i becomes a unit vector, the "
        "other feature keeps its length, Ŵ_i · W_j",
    ),
    Mistake(
        lambda W: _others(_unit(W).transpose(-1, -2) @ W).sum(-1),
        "the overlaps are not squared: Σ_{j≠i} (Ŵ_i · W_j)²",
    ),
    Mistake(
        lambda W: (_others(_unit(W).transpose(-1, -2) @ W) ** 2).sum(-2),
        "summed over the wrong axis: with M = Ŵᵀ W, M[i, j] = Ŵ_i · W_j, so feature i's value sums "
        "row i (over j, axis −1)",
    ),
]

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


def _judge_superposition(fn: Callable) -> None:
    cases = [(W,) for W, _ in _cases()]  # every W has a dropped feature, 0
    W = cases[0][0]
    zero_where(fn, (W,), W.norm(dim=-2) == 0, "a dropped feature (W_i = 0)")
    compare_with_reference(
        fn,
        superposition,
        cases,
        _SUPERPOSITION_MISTAKES,
        "(..., features): one value per feature",
    )


def _judge_benefit(fn: Callable) -> None:
    compare_with_reference(
        fn, feature_benefit, _cases(), _BENEFIT_MISTAKES, "(..., features): one term per feature"
    )


def _judge_interference(fn: Callable) -> None:
    compare_with_reference(
        fn, interference, _cases(), _INTERFERENCE_MISTAKES, "(..., features): one term per feature"
    )


check_superposition = Check("superposition", superposition, _judge_superposition)
"""Exercise: ``superposition(W (..., hidden, features)) → (..., features)``:
``Σ_{j≠i} (Ŵ_i · W_j)²``, 0 for a dropped feature (``W_i = 0``)."""

check_feature_benefit = Check("feature_benefit", feature_benefit, _judge_benefit)
"""Exercise: ``feature_benefit(W (..., hidden, features), importance) → (..., features)``:
``I_i (1 − ||W_i||²)²``."""

check_interference = Check("interference", interference, _judge_interference)
"""Exercise: ``interference(W (..., hidden, features), importance) → (..., features)``:
``I_j Σ_{i≠j} (W_j · W_i)²``."""
