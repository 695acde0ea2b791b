"""Section 8's exercise checks beyond the core's (``privileged_forward`` and ``monosemanticity``
live in :mod:`toy_lib.checks`): the kind of every neuron (:func:`classify_neurons`) and how many
neurons each feature excites (:func:`neurons_per_feature`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_exactly
from ..metrics import monosemanticity
from .experiment import DEAD, MONOSEMANTIC, POLYSEMANTIC, classify_neurons, neurons_per_feature

__all__ = ["check_classify_neurons", "check_neurons_per_feature"]


# ---------------------------------------------------------------- kinds of neurons


def _neuron_cases() -> list[tuple[torch.Tensor, float, float]]:
    """``(W (..., hidden, features), mono_threshold, dead_norm)``: a square model first (so a
    per-feature norm does not fail on its shape), several instances, no instance axis, and
    hand-set neurons: dead ones (one with a single weight), one reading its top feature with a
    negative weight, ones whose norm share and squared-norm share fall on either side of the
    threshold, short and long monosemantic ones."""
    g = torch.Generator().manual_seed(13)

    def planted(*lead: int, hidden: int, features: int) -> torch.Tensor:
        W = torch.randn(*lead, hidden, features, generator=g, dtype=torch.float64)
        rows = W.reshape(-1, hidden, features)
        for k, model in enumerate(rows):
            model[0] = 0.0
            model[0, k % features] = 0.05  # dead, although all its weight is on one feature
            model[1] = 0.01 * model[1]  # dead and spread
            model[2] = 0.0
            model[2, (k + 1) % features] = -1.5  # monosemantic through a negative weight
            model[2, (k + 2) % features] = 0.3  # score 2.25 / 2.34 = 0.96
            model[3] = 0.0
            model[3, 0], model[3, 1] = 0.95, 0.4  # score 0.85, norm share 0.92; norm 1.03
            model[4] = 0.0
            model[4, 1], model[4, 2] = 0.2, 0.8  # score 0.94; norm 0.82 (short)
        return W

    return [
        (planted(hidden=6, features=6), 0.9, 0.1),
        (planted(3, hidden=5, features=8), 0.9, 0.1),
        (planted(2, hidden=7, features=4), 0.9, 0.1),
        (planted(2, 2, hidden=6, features=9), 0.8, 0.3),
        (planted(hidden=5, features=10), 0.95, 0.02),
    ]


def _kinds(
    W: torch.Tensor,
    mono: torch.Tensor,
    dead: torch.Tensor,
    *,
    dead_first: bool = True,
) -> torch.Tensor:
    """Kinds from boolean masks ``mono`` and ``dead`` (``dead_first``: dead takes precedence)."""
    kinds = torch.where(mono, MONOSEMANTIC, POLYSEMANTIC)
    if dead_first:
        return torch.where(dead, DEAD, kinds)
    return torch.where(mono, MONOSEMANTIC, torch.where(dead, DEAD, POLYSEMANTIC))


def _by_feature_norm(W: torch.Tensor, t: float, d: float) -> torch.Tensor:
    """The dead test on each feature's (column's) norm: only a square model gets this far."""
    if W.shape[-1] != W.shape[-2]:
        return torch.full(W.shape[:-1], -1)
    return _kinds(W, monosemanticity(W) >= t, W.norm(dim=-2) < d)


_KIND_MISTAKES = [
    Mistake(
        _by_feature_norm,
        "the dead test used each feature's norm (a column W[:, i]): a neuron is dead when its own "
        "weights, the row W[k, :], have norm below dead_norm",
    ),
    Mistake(
        lambda W, t, d: _kinds(W, monosemanticity(W) >= t, W.norm(dim=-1) < d, dead_first=False),
        "a neuron with weight norm below dead_norm is dead even when that little weight sits on "
        "one feature: test dead first (it takes precedence over monosemantic)",
    ),
    Mistake(
        lambda W, t, d: _kinds(W, monosemanticity(W).sqrt() >= t, W.norm(dim=-1) < d),
        "compared the top feature's share of the norm, max_i |W_ki| / ‖W_k‖, with mono_threshold: "
        "use its share of the squared norm, max_i W_ki² / Σ_i W_ki² (the monosemanticity score)",
    ),
    Mistake(
        lambda W, t, d: _kinds(W, W.norm(dim=-1) >= t, W.norm(dim=-1) < d),
        "compared the neuron's weight norm with mono_threshold: the threshold applies to the "
        "monosemanticity score, max_i W_ki² / Σ_i W_ki²",
    ),
    Mistake(
        lambda W, t, d: _kinds(W, W.max(-1).values ** 2 / (W**2).sum(-1) >= t, W.norm(dim=-1) < d),
        "a neuron that reads its top feature with a negative weight is monosemantic too: score the "
        "largest squared weight, not the largest signed one",
    ),
    Mistake(
        lambda W, t, d: _kinds(W, monosemanticity(W) >= 0.9, W.norm(dim=-1) < 0.1),
        "used the default thresholds 0.9 and 0.1 whatever the arguments: use mono_threshold and "
        "dead_norm",
    ),
    Mistake(
        lambda W, t, d: _kinds(W, monosemanticity(W) < t, W.norm(dim=-1) < d),
        "monosemantic and polysemantic are swapped: use MONOSEMANTIC (0) for a score at least "
        "mono_threshold and POLYSEMANTIC (1) otherwise",
    ),
]


def _judge_classify(fn: Callable) -> None:
    def learner(W: torch.Tensor, t: float, d: float) -> object:
        return fn(W, mono_threshold=t, dead_norm=d)

    def reference(W: torch.Tensor, t: float, d: float) -> torch.Tensor:
        return classify_neurons(W, mono_threshold=t, dead_norm=d)

    compare_exactly(
        learner,
        reference,
        _neuron_cases(),
        _KIND_MISTAKES,
        "(..., hidden): one kind per neuron (row W[k, :])",
        "return each neuron's kind as an integer tensor (privileged_basis.MONOSEMANTIC, "
        "POLYSEMANTIC or DEAD)",
    )


check_classify_neurons = Check("classify_neurons", classify_neurons, _judge_classify)
"""Exercise: ``classify_neurons(W (..., hidden, features), *, mono_threshold=0.9, dead_norm=0.1) →
(..., hidden)`` int64: ``DEAD`` if ``‖W[k, :]‖ < dead_norm``, else ``MONOSEMANTIC`` if
``max_i W_ki² / Σ_i W_ki² ≥ mono_threshold``, else ``POLYSEMANTIC``."""


# ---------------------------------------------------------------- neurons per feature


def _feature_cases() -> list[tuple[torch.Tensor, float]]:
    """``(W (hidden, features), threshold)``, one model each: a square one first (so counting per
    neuron does not fail on its shape), then others; each has a feature too short to be
    represented but with positive weights, a represented feature whose weights are all negative
    (it excites no neuron), and one whose largest weight is far above the others."""
    g = torch.Generator().manual_seed(17)
    cases = []
    shapes = [((6, 6), 0.5), ((5, 10), 0.5), ((4, 7), 0.3), ((8, 5), 0.9)]
    for (hidden, features), threshold in shapes:
        W = torch.randn(hidden, features, generator=g, dtype=torch.float64)
        W[:, 0] = 0.5 * threshold / hidden**0.5 * (1 + torch.rand(hidden, generator=g))
        W[:, 1] = -(0.5 + torch.rand(hidden, generator=g, dtype=torch.float64))  # inhibits all
        W[:, 2] = 0.3 * W[:, 2].abs()
        W[0, 2] = 2.0  # one neuron far above the others
        cases.append((W, threshold))
    return cases


def _represented(W: torch.Tensor, threshold: float) -> torch.Tensor:
    return W.norm(dim=0) > threshold


def _excited(W: torch.Tensor) -> torch.Tensor:
    top = W.max(0).values
    return (0.5 * top <= W) & (top > 0)  # (hidden, features)


def _per_neuron(W: torch.Tensor, threshold: float) -> torch.Tensor:
    """Counting along each row: only a square model gets this far."""
    if W.shape[0] != W.shape[1]:
        return torch.full(W.shape[1:], -1)
    return torch.where(_represented(W, threshold), _excited(W).sum(1), 0)


_FEATURE_MISTAKES = [
    Mistake(
        lambda W, t: torch.where(
            _represented(W, t), (W.abs() >= 0.5 * W.abs().max(0).values).sum(0), 0
        ),
        "counted negative weights by their size: inputs are never negative, so a negative "
        "weight only inhibits a neuron; count the neurons with W[j, i] > 0 and at least half of "
        "the feature's largest weight",
    ),
    Mistake(
        lambda W, t: torch.where(_represented(W, t), (W > 0).sum(0), 0),
        "counted every neuron with a positive weight: a neuron counts only when its weight is at "
        "least half of the feature's largest weight, W[j, i] ≥ max_j W[j, i] / 2",
    ),
    Mistake(
        lambda W, t: _excited(W).sum(0),
        "a feature with ‖W_i‖ ≤ threshold is not represented: its count is 0",
    ),
    Mistake(
        lambda W, t: torch.where(_represented(W, t), ((W > 0) & (0.5 * W.max() <= W)).sum(0), 0),
        "compared with half of the largest weight of the whole matrix: each feature has its own "
        "largest weight, W[:, i].max()",
    ),
    Mistake(
        _per_neuron,
        "counted along each neuron's row: count per feature, over the neurons j of column W[:, i]",
    ),
]


def _judge_per_feature(fn: Callable) -> None:
    compare_exactly(
        fn,
        neurons_per_feature,
        _feature_cases(),
        _FEATURE_MISTAKES,
        "(features,): one count per feature (column W[:, i])",
        "return each feature's count as an integer tensor (sum a boolean mask)",
    )


check_neurons_per_feature = Check("neurons_per_feature", neurons_per_feature, _judge_per_feature)
"""Exercise: ``neurons_per_feature(W (hidden, features), threshold=0.5) → (features,)`` int64: the
neurons ``j`` with ``W[j, i] > 0`` and ``W[j, i] ≥ max_j W[j, i] / 2``; 0 when
``‖W_i‖ ≤ threshold``."""
