"""Section 7's exercise checks: the paper's attack budget (:func:`attack_budget`), its attack
directions (:func:`attack_directions`) and the leverage they give an attack on each feature
(:func:`attack_gain`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_with_reference, random_weights
from .experiment import attack_budget, attack_directions, attack_gain

__all__ = ["check_attack_budget", "check_attack_directions", "check_attack_gain"]


def _cases() -> list[tuple[torch.Tensor]]:
    """Weights ``(..., hidden, features)`` of several shapes with one dropped feature (a zero
    column, so a zero row of ``WᵀW``) and features of different lengths."""
    return random_weights([(3, 5, 20), (2, 2, 5), (4, 6)], 7, dropped=0, min_norm=0.3)


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


def _budget_cases() -> list[tuple[torch.Tensor, float]]:
    """Sparse inputs ``(instances, batch, features)`` of several shapes, many of them all zero, with
    instances of different densities, and fractions other than 0.1; the last case has an instance
    whose inputs are all zero (budget 0)."""
    g = torch.Generator().manual_seed(11)
    cases = []
    shapes = [((3, 16, 6), 0.1), ((1, 9, 4), 0.25), ((4, 12, 12), 0.8)]
    for (instances, batch, features), fraction in shapes:
        density = torch.linspace(0.6, 0.1, instances, dtype=torch.float64).reshape(-1, 1, 1)
        x = torch.rand(instances, batch, features, generator=g, dtype=torch.float64)
        active = torch.rand(x.shape, generator=g, dtype=torch.float64) < density
        cases.append((torch.where(active, x, 0.0), fraction))
    x = cases[0][0].clone()
    x[1] = 0.0  # an instance whose inputs are all zero: the mean norm is 0
    cases.append((x, 0.3))
    return cases


def _norms(x: torch.Tensor) -> torch.Tensor:
    return x.norm(dim=-1)  # (instances, batch): ‖x‖ of every input


_BUDGET_MISTAKES = [
    Mistake(
        lambda x, f: f * _norms(x).sum(-1) / (_norms(x) > 0).sum(-1),
        "averaged over the inputs with an active feature only: the literal reading averages over "
        "all inputs, all-zero ones included (‖x‖ = 0 counts)",
    ),
    Mistake(
        lambda x, f: f * (x**2).sum(-1).mean(-1),
        "this averages the squared norm ‖x‖²: average the norm itself, ‖x‖ = sqrt(Σ_i x_i²)",
    ),
    Mistake(
        lambda x, f: f * x.norm(dim=-2).mean(-1),
        "the norm is taken over the batch axis: each input's norm runs over its features (dim=-1), "
        "then average those norms over the batch",
    ),
    Mistake(
        lambda x, f: (f * _norms(x).mean()).expand(x.shape[0]),
        "every instance gets the same budget: average over each instance's own inputs (mean over "
        "the batch axis only), since each instance has its own density",
    ),
    Mistake(
        lambda x, f: _norms(x).mean(-1),
        "this is the mean norm itself: the budget is `fraction` of it",
    ),
    Mistake(
        lambda x, f: f * _norms(x).sum(-1),
        "summed over the batch: the budget is a fraction of the mean input norm",
    ),
]


def _judge_budget(fn: Callable) -> None:
    compare_with_reference(
        fn,
        attack_budget,
        _budget_cases(),
        _BUDGET_MISTAKES,
        "(instances,): one budget per instance, averaged over its own batch",
    )


check_attack_budget = Check("attack_budget", attack_budget, _judge_budget)
"""Exercise: ``attack_budget(x (instances, batch, features), fraction) → (instances,)``:
``fraction`` times the mean of ``‖x‖`` over each instance's inputs, all-zero ones included."""
