"""Section 7's exercise checks: the paper's attack directions (:func:`attack_directions`) and the
leverage they give an attack on each feature (:func:`attack_gain`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_with_reference
from .experiment import attack_directions, attack_gain

__all__ = ["check_attack_directions", "check_attack_gain"]


def _cases() -> list[tuple[torch.Tensor]]:
    """Weights ``(..., hidden, features)`` of several shapes with one dropped feature (a zero
    column, so a zero row of ``WᵀW``) and features of different lengths."""
    g = torch.Generator().manual_seed(7)
    cases = []
    for shape in [(3, 5, 20), (2, 2, 5), (4, 6)]:
        W = torch.randn(shape, generator=g, dtype=torch.float64)
        W = W * (0.3 + torch.rand(shape[-1], generator=g, dtype=torch.float64))
        W[..., 0] = 0.0
        cases.append((W,))
    return cases


def _gram(W: torch.Tensor) -> torch.Tensor:
    return W.transpose(-1, -2) @ W


_DIRECTION_MISTAKES = [
    Mistake(
        _gram,
        "the rows of WᵀW are not normalised: divide each row (WᵀW)_i by its norm, so every "
        "attack has the same size",
    ),
    Mistake(
        lambda W: _gram(W) / _gram(W).norm(dim=(-2, -1), keepdim=True).clamp_min(1e-12),
        "divided by the norm of the whole matrix: each row gets its own norm, "
        "‖(WᵀW)_i‖ = norm(dim=-1)",
    ),
]

_GAIN_MISTAKES = [
    Mistake(
        lambda W: _gram(W).norm(dim=-1),
        "this is ‖(WᵀW)_i‖: the squared error grows by its square, ‖(WᵀW)_i‖²",
    ),
    Mistake(
        lambda W: (_gram(W) ** 2).sum(-1) - torch.diagonal(_gram(W), dim1=-2, dim2=-1) ** 2,
        "the sum leaves out j = i: the gain counts the feature's own term (W_i · W_i)² too",
    ),
    Mistake(
        lambda W: (W**2).sum(-2) ** 2,
        "this is ‖W_i‖⁴, the gain without superposition: add (W_i · W_j)² for every other j",
    ),
]


def _judge_directions(fn: Callable) -> None:
    compare_with_reference(
        fn,
        attack_directions,
        _cases(),
        _DIRECTION_MISTAKES,
        "(..., features, features): one unit direction per feature (a zero row for a dropped one)",
    )


def _judge_gain(fn: Callable) -> None:
    compare_with_reference(
        fn, attack_gain, _cases(), _GAIN_MISTAKES, "(..., features): one gain per feature"
    )


check_attack_directions = Check("attack_directions", attack_directions, _judge_directions)
"""Exercise: ``attack_directions(W (..., hidden, features)) → (..., features, features)``:
``(WᵀW)_i / ‖(WᵀW)_i‖`` as row i."""

check_attack_gain = Check("attack_gain", attack_gain, _judge_gain)
"""Exercise: ``attack_gain(W (..., hidden, features)) → (..., features)``: ``‖(WᵀW)_i‖²``."""
