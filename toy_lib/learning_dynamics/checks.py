"""Section 6's exercise checks: which energy level a feature sits at (:func:`level_index`) and a loss
change as a share of the run's descent (:func:`descent_share`)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..checks import (
    Check,
    Mistake,
    WrongAnswer,
    call_learner,
    compare_with_reference,
    zero_where,
)
from .experiment import descent_share, level_index

__all__ = ["check_descent_share", "check_level_index"]

_LEVELS = [(1.0, 2 / 3, 0.5, 0.4, 1 / 3), (0.5, 1.0, 0.4, 2 / 3), (0.75, 0.5, 0.6)]


def _cases() -> list[tuple[torch.Tensor, list[float], float]]:
    """Values on levels (within tol), between levels and NaN, for three level lists (two unsorted)."""
    g = torch.Generator().manual_seed(6)
    cases = []
    for levels, shape, tol in zip(
        _LEVELS, [(3, 6), (2, 5), (4, 3)], [0.015, 0.02, 0.03], strict=True
    ):
        f = torch.tensor(levels, dtype=torch.float64)
        on = f[torch.randint(len(levels), shape, generator=g)]
        on = on + (2 * torch.rand(shape, generator=g, dtype=torch.float64) - 1) * 0.9 * tol
        off = torch.rand(shape, generator=g, dtype=torch.float64)  # mostly between levels
        D = torch.where(torch.rand(shape, generator=g) < 0.5, on, off)
        D[0, 0] = math.nan  # a feature that is not represented
        cases.append((D, list(levels), tol))
    return cases


def _nearest(D: torch.Tensor, levels: list[float]) -> torch.Tensor:
    dist = (D.unsqueeze(-1) - torch.tensor(levels, dtype=D.dtype)).abs()
    return dist.nan_to_num(math.inf).min(-1)


_MISTAKES = [
    Mistake(
        lambda D, levels, tol: _nearest(D, levels).indices,
        "every value gets a level, even far from all of them: give −1 when the nearest level is "
        "farther than tol",
    ),
    Mistake(
        lambda D, levels, tol: torch.where(
            _nearest(D, sorted(levels)).values <= tol,
            _nearest(D, sorted(levels)).indices,
            -1,
        ),
        "the indices are into the sorted levels: give the index into `levels` as it is given",
    ),
]


def _judge(fn: Callable) -> None:
    cases = _cases()
    D, levels, tol = cases[0]
    out = call_learner(fn, (D, levels, tol))
    if isinstance(out, torch.Tensor) and out.is_floating_point():
        raise WrongAnswer(
            "returned floating-point numbers: return the level's index (an integer tensor, −1 for "
            "no level), not the level itself"
        )
    nan = D.isnan()
    if (
        isinstance(out, torch.Tensor)
        and out.shape == D.shape
        and torch.equal(out[~nan], level_index(D, levels, tol)[~nan])
        and not (out[nan] == -1).all()
    ):
        raise WrongAnswer(f"a NaN D_i gets level {int(out[nan][0])}: a NaN is on no level (−1)")
    compare_with_reference(fn, level_index, cases, _MISTAKES, "like D: one level index per value")


check_level_index = Check("level_index", level_index, _judge)
"""Exercise: ``level_index(D (any shape), levels (list), tol) → int64 like D``: the index into
``levels`` of the level within ``tol`` of each ``D_i``, −1 when none is (or ``D_i`` is NaN)."""


def _loss_cases() -> list[tuple[torch.Tensor, int, int]]:
    """Loss curves ``(snapshots, instances)``: falling ones of different depths, one flat run."""
    g = torch.Generator().manual_seed(60)
    cases = []
    for snapshots, instances, t0, t1 in [(20, 3, 4, 9), (50, 5, 0, 49), (30, 4, 10, 12)]:
        steps = torch.rand(snapshots, instances, generator=g, dtype=torch.float64)
        L = (
            1.0
            + 2 * torch.rand(instances, generator=g, dtype=torch.float64)
            - steps.cumsum(0) / snapshots
        )
        L[:, -1] = 0.7  # a run that did not descend: share 0
        cases.append((L, t0, t1))
    return cases


_SHARE_MISTAKES = [
    Mistake(
        lambda L, t0, t1: L[t0] - L[t1],
        "this is the fall itself: divide it by the run's whole descent, L[0] − L[-1]",
    ),
    Mistake(
        lambda L, t0, t1: torch.where(L[0] - L[-1] > 0, (L[t1] - L[t0]) / (L[0] - L[-1]), 0.0),
        "the sign is flipped: a falling loss gives a positive share, (L[t0] − L[t1]) / descent",
    ),
    Mistake(
        lambda L, t0, t1: (L[t0] - L[t1]) / L[0],
        "divided by the starting loss L[0]: divide by the descent L[0] − L[-1], the part the "
        "run can learn",
    ),
]


def _judge_share(fn: Callable) -> None:
    cases = _loss_cases()
    L = cases[0][0]
    flat = torch.arange(L.shape[1]) == L.shape[1] - 1  # the last run did not descend
    zero_where(fn, cases[0], flat, "a run whose loss did not descend")
    compare_with_reference(
        fn, descent_share, cases, _SHARE_MISTAKES, "(instances,): one share per run"
    )


check_descent_share = Check("descent_share", descent_share, _judge_share)
"""Exercise: ``descent_share(L (snapshots, instances), t0, t1) → (instances,)``: ``(L[t0] − L[t1]) /
(L[0] − L[-1])``, 0 for a run that did not descend."""
