"""Section 5's exercise check (non-uniform superposition): each feature's antipodal partner
(:func:`antipodal_partner`). The core's checks hold the section's other two exercises
(:func:`toy_lib.checks.check_correlated_pairs`, :func:`toy_lib.checks.check_cosine_similarity`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_exactly
from ..metrics import cosine_similarity, represented
from .experiment import antipodal_partner

__all__ = ["check_antipodal_partner"]


# ---------------------------------------------------------------- antipodal partner


def _planted(g: torch.Generator, hidden: int) -> torch.Tensor:
    """One model ``(hidden, 8)`` with known partners, before a random rotation and shuffle: 0 and
    2 exactly opposite, 1 at cosine −0.965 from 0 (opposite, but less so than 2), 3 opposite only
    a short feature (4, ‖W_4‖ = 0.3), 5 and 7 opposite nothing (7 at −0.71 from 2), 6 dropped."""
    c = -0.965
    s = math.sqrt(1 - c * c)
    directions = torch.tensor(
        [
            [1.0, c, -1.0, 0.0, 0.0, 0.0, 0.0, 1 / math.sqrt(2)],
            [0.0, -s, 0.0, 1.0, -1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1 / math.sqrt(2)],
        ],
        dtype=torch.float64,
    )
    norms = 0.7 + 0.8 * torch.rand(8, generator=g, dtype=torch.float64)
    norms[4], norms[6] = 0.3, 0.0
    W = directions * norms
    W = W + 0.002 * torch.randn(W.shape, generator=g, dtype=torch.float64) * (norms > 0)
    rotate = torch.linalg.qr(torch.randn(hidden, hidden, generator=g, dtype=torch.float64)).Q
    return rotate[:, :3] @ W[:, torch.randperm(8, generator=g)]


def _random(g: torch.Generator, shape: tuple[int, ...]) -> torch.Tensor:
    """Random directions, lengths from 0 to 1.5 (some features not represented)."""
    W = torch.randn(shape, generator=g, dtype=torch.float64)
    return W * (1.5 * torch.rand(shape[-1], generator=g, dtype=torch.float64))


def _cases() -> list[tuple[torch.Tensor, float, float]]:
    g = torch.Generator().manual_seed(66)
    many = torch.stack([_planted(g, 4) for _ in range(6)]).reshape(2, 3, 4, 8)
    return [
        (_planted(g, 3), 0.5, -0.95),
        (torch.stack([_planted(g, 5) for _ in range(4)]), 0.5, -0.95),
        (many, 0.2, -0.98),  # the short feature counts; −0.965 is not opposite enough
        (_random(g, (5, 2, 9)), 0.5, -0.95),
        (_random(g, (3, 3, 6)), 0.8, -0.9),
    ]


def _masked_cos(W: torch.Tensor, threshold: float, fill: float) -> torch.Tensor:
    """``Ŵ_i · Ŵ_j`` with ``fill`` where feature j is not represented."""
    return cosine_similarity(W).masked_fill(~represented(W, threshold).unsqueeze(-2), fill)


def _minus_one(j: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    return torch.where(keep, j, torch.full_like(j, -1))


def _most_opposite_always(W: torch.Tensor, t: float, c: float) -> torch.Tensor:
    return _minus_one(_masked_cos(W, t, math.inf).argmin(-1), represented(W, t))


def _unrepresented_partners(W: torch.Tensor, t: float, c: float) -> torch.Tensor:
    value, j = cosine_similarity(W).min(-1)
    return _minus_one(j, represented(W, t) & (value < c))


def _partners_for_all(W: torch.Tensor, t: float, c: float) -> torch.Tensor:
    value, j = _masked_cos(W, t, math.inf).min(-1)
    return _minus_one(j, value < c)


def _largest_cosine(W: torch.Tensor, t: float, c: float) -> torch.Tensor:
    return _minus_one(_masked_cos(W, t, -math.inf).argmax(-1), represented(W, t))


def _first_below(W: torch.Tensor, t: float, c: float) -> torch.Tensor:
    below = _masked_cos(W, t, math.inf) < c
    n = W.shape[-1]
    first = torch.where(below, torch.arange(n), n).min(-1).values
    return _minus_one(first, represented(W, t) & below.any(-1))


_MISTAKES = [
    Mistake(
        _most_opposite_always,
        "every represented feature got a partner, even one with nothing opposite it: give −1 "
        "unless the most opposite feature has Ŵ_i · Ŵ_j < max_cos",
    ),
    Mistake(
        _unrepresented_partners,
        "a partner that is not represented (‖W_j‖ ≤ threshold): only represented features can be "
        "partners, so leave the others out before taking the smallest cosine",
    ),
    Mistake(
        _partners_for_all,
        "a feature with ‖W_i‖ ≤ threshold got a partner: features that are not represented get −1",
    ),
    Mistake(
        _largest_cosine,
        "each feature is its own partner: the largest cosine is the feature itself (cos = 1); the "
        "most opposite feature has the smallest cosine",
    ),
    Mistake(
        lambda W, t, c: torch.full(W.shape[:-2] + W.shape[-1:], -1),
        "no feature got a partner, though some point exactly opposite each other: the most "
        "opposite feature has the smallest cosine (min, not max)",
    ),
    Mistake(
        _first_below,
        "the first feature below max_cos is not always the most opposite one: take the feature "
        "with the smallest cosine",
    ),
    Mistake(
        lambda W, t, c: antipodal_partner(W),
        "the threshold and max_cos arguments are ignored (0.5 and −0.95 used): use the values "
        "passed in",
    ),
    Mistake(
        lambda W, t, c: antipodal_partner(W, 0.5, c),
        "the threshold argument is ignored (0.5 used): a feature is represented when ‖W_i‖ > "
        "threshold",
    ),
    Mistake(
        lambda W, t, c: antipodal_partner(W, t, -0.95),
        "the max_cos argument is ignored (−0.95 used): a pair counts when Ŵ_i · Ŵ_j < max_cos",
    ),
]


def _judge(fn: Callable) -> None:
    def learner(W: torch.Tensor, t: float, c: float) -> object:
        return fn(W, threshold=t, max_cos=c)

    compare_exactly(
        learner,
        lambda W, t, c: antipodal_partner(W, threshold=t, max_cos=c),
        _cases(),
        _MISTAKES,
        "(..., features): one partner index per feature",
        "not floating-point numbers: return each partner's index as an integer tensor "
        "(torch.int64, −1 for none)",
    )


check_antipodal_partner = Check("antipodal_partner", antipodal_partner, _judge)
"""Exercise: ``antipodal_partner(W (..., hidden, features), threshold=0.5, max_cos=-0.95) →
(..., features)`` int64: the represented feature with the smallest ``Ŵ_i · Ŵ_j``, if that is below
``max_cos``; −1 when there is none or feature i is not represented."""
