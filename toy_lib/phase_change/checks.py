"""Section 4's exercise checks: the 2 → 1 candidates' closed-form losses (:func:`two_in_one_losses`),
the density below which the antipodal pair wins (:func:`superposition_boundary`) and the phase of
a trained 2 → 1 model (:func:`two_in_one_phase`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_exactly, compare_with_reference
from .experiment import two_in_one_phase
from .theory import TWO_IN_ONE, superposition_boundary, two_in_one_losses

__all__ = ["check_superposition_boundary", "check_two_in_one_losses", "check_two_in_one_phase"]


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


def _phase_cases() -> list[tuple[torch.Tensor, float]]:
    """``(W, threshold)``: random ``W (..., 1, 2)`` with weights of both signs around the threshold
    (two thresholds), the candidates with tiny, negated and same-sign variants, and one model
    without a leading axis."""
    g = torch.Generator().manual_seed(41)
    cases = []
    for shape, threshold in [((3, 40), 0.5), ((60,), 0.3)]:
        W = 3 * torch.rand(*shape, 1, 2, generator=g, dtype=torch.float64) - 1.5
        cases.append((W, threshold))
    hand = [w[0] for _, w in TWO_IN_ONE.candidates] + [
        (-1.0, 0.0), (0.0, -1.0), (-1.0, 1.0), (1.0, 0.1), (-0.05, 0.9), (0.9, -1.1),
        (1.0, 1.0), (-0.8, -0.7), (0.0, 0.0), (0.2, -0.3), (0.45, 0.6), (0.7, -0.2),
    ]  # fmt: skip
    cases.append((torch.tensor(hand, dtype=torch.float64).unsqueeze(-2), 0.5))
    cases.append((torch.tensor([[-0.7, 0.8]], dtype=torch.float64), 0.5))
    return cases


def _phases(
    W: torch.Tensor,
    threshold: float,
    *,
    represented: Callable[[torch.Tensor, float], torch.Tensor] = lambda w, t: w.abs() > t,
    extra_represented: Callable[[torch.Tensor, float], torch.Tensor] | None = None,
    extra_dropped_alone: bool = True,
    pair_needs_opposite_signs: bool = True,
    swapped: bool = False,
) -> torch.Tensor:
    """The rule of :func:`two_in_one_phase` with one of its parts changed, for the mistakes."""
    w1, w2 = W[..., 0, 0], W[..., 0, 1]
    rep1, rep2 = represented(w1, threshold), (extra_represented or represented)(w2, threshold)
    dropped, dedicated = (1, 0) if swapped else (0, 1)
    labels = torch.full(w1.shape, -1, dtype=torch.long)
    labels = torch.where((rep1 if extra_dropped_alone else True) & ~rep2, dropped, labels)
    labels = torch.where(~rep1 & rep2, dedicated, labels)
    pair = rep1 & rep2 & ((w1 * w2 < 0) if pair_needs_opposite_signs else True)
    return torch.where(pair, 2, labels)


_PHASE_MISTAKES = [
    Mistake(
        lambda W, t: _phases(W, t, represented=lambda w, _: w != 0),
        "a weight below the threshold counted as represented: a feature is represented only when "
        "|w| > threshold, so a tiny w₂ means the extra feature is dropped",
    ),
    Mistake(
        lambda W, t: _phases(W, t, extra_represented=lambda w, _: w != 0),
        "a tiny extra-feature weight counted as represented: the extra feature is represented "
        "only when |w₂| > threshold, like feature 1; below it, it is dropped",
    ),
    Mistake(
        lambda W, t: _phases(W, t, represented=lambda w, _: w.abs() > 0.5),
        "the `threshold` argument is ignored (0.5 written in): compare |w| with the threshold "
        "passed in",
    ),
    Mistake(
        lambda W, t: _phases(W, t, pair_needs_opposite_signs=False),
        "two represented features with the same sign got label 2: an antipodal pair points "
        "opposite ways (w₁ w₂ < 0); the same sign matches no candidate, −1",
    ),
    Mistake(
        lambda W, t: _phases(W, t, swapped=True),
        "labels 0 and 1 are swapped (or the two features are): 0, not represented, is the extra "
        "feature w₂ = W[..., 0, 1] dropped; 1, dedicated dimension, is feature 1 dropped",
    ),
    Mistake(
        lambda W, t: _phases(W, t, extra_dropped_alone=False),
        "a model that represents neither feature got label 0: 'not represented' still keeps "
        "feature 1 (W ≈ [1, 0]); a model that matches no candidate gets −1",
    ),
]


def _judge_phase(fn: Callable) -> None:
    def learner(W: torch.Tensor, t: float) -> object:
        return fn(W, threshold=t)

    compare_exactly(
        learner,
        lambda W, t: two_in_one_phase(W, threshold=t),
        _phase_cases(),
        _PHASE_MISTAKES,
        "(...): one label per model, W (..., 1, 2) without its last two axes",
        "return int64 labels (dtype=torch.long), e.g. start from torch.full(shape, -1, "
        "dtype=torch.long)",
    )


check_two_in_one_phase = Check("two_in_one_phase", two_in_one_phase, _judge_phase)
"""Exercise: ``two_in_one_phase(W (..., 1, 2), threshold=0.5) → (...)`` int64: 0 only feature 1
represented, 1 only the extra feature, 2 both with opposite signs, −1 otherwise."""
