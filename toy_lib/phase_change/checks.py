"""Section 4's exercise checks: the 2 → 1 candidates' closed-form losses (:func:`two_in_one_losses`)
and the density below which the antipodal pair wins (:func:`superposition_boundary`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_with_reference
from .theory import superposition_boundary, two_in_one_losses

__all__ = ["check_superposition_boundary", "check_two_in_one_losses"]


def _random_r(g: torch.Generator, shape: tuple[int, ...]) -> torch.Tensor:
    """Relative importances spread over 0.1 ... 10 (log-uniform), 1 included."""
    r = 10 ** (2 * torch.rand(shape, generator=g, dtype=torch.float64) - 1)
    r.view(-1)[0] = 1.0
    return r


def _loss_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``(r, p)`` of matching and of broadcasting shapes, densities in 0.01 ... 1."""
    g = torch.Generator().manual_seed(4)
    cases = []
    for r_shape, p_shape in [((6,), (6,)), ((4, 1), (1, 5)), ((3,), (3,))]:
        p = 10 ** (-2 * torch.rand(p_shape, generator=g, dtype=torch.float64))
        cases.append((_random_r(g, r_shape), p))
    return cases


def _v(p: torch.Tensor) -> torch.Tensor:
    return p / 3 - p**2 / 4


def _stack(*losses: torch.Tensor) -> torch.Tensor:
    return torch.stack(torch.broadcast_tensors(*losses))


_LOSS_MISTAKES = [
    Mistake(
        lambda r, p: _stack(r * p / 3, p / 3 + 0 * r, (1 + r) * p**2 / 6),
        "a dropped feature costs its variance p/3 − p²/4, not E[x²] = p/3: its bias still predicts "
        "the mean p/2",
    ),
    Mistake(
        lambda r, p: _stack(r * _v(p), _v(p) + 0 * r, (1 + r) * p / 6),
        "the pair errs only when both features are active, with probability p² (not p)",
    ),
    Mistake(
        lambda r, p: _stack(_v(p) + 0 * r, r * _v(p), (1 + r) * p**2 / 6),
        "the first two candidates are swapped: 'not represented' drops the extra feature (cost "
        "r·v), 'dedicated dimension' drops feature 1 (cost 1·v)",
    ),
    Mistake(
        lambda r, p: _stack(r * _v(p), _v(p) + 0 * r, p**2 / 6 + 0 * r),
        "the pair's loss counts both features' errors, each weighted by its importance: "
        "(1 + r) p²/6",
    ),
]


def _judge_losses(fn: Callable) -> None:
    compare_with_reference(
        fn,
        two_in_one_losses,
        _loss_cases(),
        _LOSS_MISTAKES,
        "(3, *shape of r and p broadcast): one loss per candidate",
    )


check_two_in_one_losses = Check("two_in_one_losses", two_in_one_losses, _judge_losses)
"""Exercise: ``two_in_one_losses(r, p) → (3, ...)``: ``r v``, ``v``, ``(1 + r) p²/6`` with
``v = p/3 − p²/4``."""


def _boundary_cases() -> list[tuple[torch.Tensor]]:
    g = torch.Generator().manual_seed(40)
    return [(_random_r(g, shape),) for shape in [(9,), (3, 4), (2,)]]


def _low(r: torch.Tensor) -> torch.Tensor:  # the pair against dropping the extra feature
    return 4 * r / (2 + 5 * r)


def _high(r: torch.Tensor) -> torch.Tensor:  # the pair against dropping feature 1
    return 4 / (5 + 2 * r)


_BOUNDARY_MISTAKES = [
    Mistake(
        _low,
        "right for r ≤ 1 only: for r > 1 the pair's rival is dropping feature 1 (cost 1·v), "
        "which gives 4 / (5 + 2r)",
    ),
    Mistake(
        _high,
        "right for r ≥ 1 only: for r < 1 the pair's rival is dropping the extra feature (cost "
        "r·v), which gives 4r / (2 + 5r)",
    ),
    Mistake(
        lambda r: torch.maximum(_low(r), _high(r)),
        "the pair has to beat both other candidates: take the lower of the two densities, not "
        "the higher (or the two cases are swapped)",
    ),
]


def _judge_boundary(fn: Callable) -> None:
    compare_with_reference(
        fn,
        superposition_boundary,
        _boundary_cases(),
        _BOUNDARY_MISTAKES,
        "like r: one density per relative importance",
    )


check_superposition_boundary = Check(
    "superposition_boundary", superposition_boundary, _judge_boundary
)
"""Exercise: ``superposition_boundary(r) → like r``: ``4r / (2 + 5r)`` for ``r ≤ 1``, ``4 / (5 + 2r)``
for ``r ≥ 1``."""
