"""Section 9's exercise checks: the output of a feature when it is the only one active
(:func:`single_feature_response`), the probe behind "the model computes ``|x_i|``"; its error
split by the sign of the input (:func:`error_by_sign`); and the gain of each neuron for each
feature (:func:`neuron_gains`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_with_reference
from .experiment import error_by_sign, neuron_gains, single_feature_response

__all__ = ["check_error_by_sign", "check_neuron_gains", "check_single_feature_response"]


def _cases() -> list[tuple[torch.Tensor, ...]]:
    """``(W1, W2, b, values)``: several instances, a square model (so a transposed ``W2`` does not
    fail on its shape), no instance axis; biases of both signs; values of both signs and 0."""
    g = torch.Generator().manual_seed(9)
    cases = []
    for lead, m, n in [((2,), 5, 5), ((3,), 6, 4), ((), 3, 4)]:
        W1 = torch.randn(*lead, m, n, generator=g, dtype=torch.float64)
        W2 = torch.randn(*lead, n, m, generator=g, dtype=torch.float64)
        b = 0.3 * torch.randn(*lead, n, generator=g, dtype=torch.float64)
        values = torch.tensor([-1.0, -0.55, -0.1, 0.0, 0.2, 0.7, 1.0], dtype=torch.float64)
        cases.append((W1, W2, b, values))
    return cases


def _hidden(W1: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    return torch.relu(W1.unsqueeze(-1) * values)  # (..., hidden, features, values)


def _readout(W2: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    return (W2.transpose(-1, -2).unsqueeze(-1) * h).sum(-3)


def _transposed_readout(
    W1: torch.Tensor, W2: torch.Tensor, b: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    """Reading ``W2[k, i]``; only a square model can do it (NaN, matching nothing, otherwise)."""
    if W2.shape[-1] != W2.shape[-2]:
        return torch.full(b.shape + v.shape, torch.nan, dtype=b.dtype)
    return torch.relu((W2.unsqueeze(-1) * _hidden(W1, v)).sum(-3) + b.unsqueeze(-1))


_MISTAKES = [
    Mistake(
        lambda W1, W2, b, v: _readout(W2, _hidden(W1, v)) + b.unsqueeze(-1),
        "the output ReLU is missing: y_i = ReLU(Σ_k W2[i, k] h_k + b_i)",
    ),
    Mistake(
        lambda W1, W2, b, v: torch.relu(_readout(W2, W1.unsqueeze(-1) * v) + b.unsqueeze(-1)),
        "the hidden ReLU is missing: each neuron gives h_k = ReLU(W1[k, i] v)",
    ),
    Mistake(
        lambda W1, W2, b, v: torch.relu(_readout(W2, _hidden(W1, v))),
        "the output bias b_i is missing",
    ),
    Mistake(
        lambda W1, W2, b, v: _transposed_readout(W1, W2, b, v),
        "used W2[k, i]: W2 is (features, hidden), so feature i's output weights are its row, "
        "W2[i, k]",
    ),
]


def _judge(fn: Callable) -> None:
    compare_with_reference(
        fn,
        single_feature_response,
        _cases(),
        _MISTAKES,
        "(..., features, values): one output per feature and value",
    )


check_single_feature_response = Check("single_feature_response", single_feature_response, _judge)
"""Exercise: ``single_feature_response(W1 (..., hidden, features), W2 (..., features, hidden),
b (..., features), values (values,)) → (..., features, values)``: ``y_i`` with only ``x_i = v``."""


# ---------------------------------------------------------------- error per sign


def _sign_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``(y, values)``: outputs of several shapes, some above and some below ``|v|`` and non-zero
    at ``v = 0``; values unsorted, with 0 and unequal numbers of negative and positive values (so
    a swap of the two sides or a sum instead of a mean shows)."""
    g = torch.Generator().manual_seed(19)
    grids = [
        [-1.0, -0.6, -0.25, 0.0, 0.3, 0.8],
        [0.5, -0.9, 0.0, 1.0, -0.2, 0.1, 0.7, -0.4, 0.35],
        [-0.7, 0.0, 0.45, 0.9, 0.15],
    ]
    cases = []
    for lead, n, grid in [((2,), 5, grids[0]), ((3, 2), 4, grids[1]), ((), 6, grids[2])]:
        values = torch.tensor(grid, dtype=torch.float64)
        y = 1.2 * torch.rand(*lead, n, len(grid), generator=g, dtype=torch.float64)
        cases.append((y, values))
    return cases


def _side_means(err: torch.Tensor, neg: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
    return torch.stack([err[..., neg].mean(-1), err[..., pos].mean(-1)], dim=-1)


def _by_sign(
    err_fn: Callable, neg_fn: Callable = torch.lt, pos_fn: Callable = torch.gt
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """A wrong ``error_by_sign`` built from an error and the two sides' masks."""

    def fn(y: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return _side_means(err_fn(y, v), neg_fn(v, 0), pos_fn(v, 0))

    return fn


def _absolute(y: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return (y - v.abs()).abs()


_SIGN_MISTAKES = [
    Mistake(
        _by_sign(_absolute, neg_fn=torch.le),
        "v = 0 is counted among the negative values: leave it out of both sides (v < 0, v > 0)",
    ),
    Mistake(
        _by_sign(_absolute, pos_fn=torch.ge),
        "v = 0 is counted among the positive values: leave it out of both sides (v < 0, v > 0)",
    ),
    Mistake(
        _by_sign(_absolute, neg_fn=torch.gt, pos_fn=torch.lt),
        "the two sides are swapped: index 0 is the mean over the negative values, index 1 over "
        "the positive ones",
    ),
    Mistake(
        _by_sign(lambda y, v: y - v.abs()),
        "the error is signed: take the absolute difference |y − |v|| before the mean, so errors "
        "above and below the target do not cancel",
    ),
    Mistake(
        _by_sign(lambda y, v: (y - v).abs()),
        "compared with v: the target is |v|, so on the negative side compare y with −v",
    ),
    Mistake(
        _by_sign(lambda y, v: (y - v.abs()) ** 2),
        "squared errors: the error here is the mean absolute difference |y − |v||",
    ),
    Mistake(
        lambda y, v: _absolute(y, v)[..., v != 0].mean(-1, keepdim=True).expand(*y.shape[:-1], 2),
        "both entries are the mean over all the values: average the negative and the positive "
        "values separately",
    ),
    Mistake(
        lambda y, v: torch.stack(
            [_absolute(y, v)[..., v < 0].sum(-1), _absolute(y, v)[..., v > 0].sum(-1)], dim=-1
        ),
        "summed over the values: take the mean over each side's values",
    ),
]


def _judge_sign(fn: Callable) -> None:
    compare_with_reference(
        fn,
        error_by_sign,
        _sign_cases(),
        _SIGN_MISTAKES,
        "(..., features, 2): per feature, the mean error over the negative values, then over the "
        "positive ones",
    )


check_error_by_sign = Check("error_by_sign", error_by_sign, _judge_sign)
"""Exercise: ``error_by_sign(y (..., features, values), values (values,)) → (..., features, 2)``:
the mean of ``|y − |v||`` over ``v < 0`` (index 0) and over ``v > 0`` (index 1)."""


# ---------------------------------------------------------------- neuron gains


def _gain_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``(W1, W2)``: a square model first (so reading ``W2`` untransposed, or returning the
    transposed result, gives the right shape and must be told by its values), then models with
    more neurons than features and fewer, and no instance axis; weights of both signs."""
    g = torch.Generator().manual_seed(29)
    cases = []
    for lead, m, n in [((2,), 5, 5), ((3,), 6, 4), ((), 3, 7), ((2, 2), 4, 4)]:
        W1 = torch.randn(*lead, m, n, generator=g, dtype=torch.float64)
        W2 = torch.randn(*lead, n, m, generator=g, dtype=torch.float64)
        cases.append((W1, W2))
    return cases


def _square_only(fn: Callable) -> Callable:
    """``fn`` where ``W2`` is square (NaN, matching nothing, otherwise)."""

    def wrong(W1: torch.Tensor, W2: torch.Tensor) -> torch.Tensor:
        if W2.shape[-1] != W2.shape[-2]:
            return torch.full(W1.shape, torch.nan, dtype=W1.dtype)
        return fn(W1, W2)

    return wrong


_GAIN_MISTAKES = [
    Mistake(
        lambda W1, W2: W1 * W2.transpose(-1, -2),
        "W1 without its absolute value: neuron k fires for the sign of x_i that makes W1[k, i] "
        "x_i positive, so its slope on y_i is |W1[k, i]| · W2[i, k]",
    ),
    Mistake(
        lambda W1, W2: (W1 * W2.transpose(-1, -2)).abs(),
        "W2 taken in absolute value too: a negative W2[i, k] lowers y_i (it inhibits), so the "
        "gain keeps W2's sign, |W1[k, i]| · W2[i, k]",
    ),
    Mistake(
        lambda W1, W2: torch.relu(W1) * W2.transpose(-1, -2),
        "negative input weights give 0: a neuron with W1[k, i] < 0 fires for negative x_i, with "
        "slope |W1[k, i]|",
    ),
    Mistake(
        _square_only(lambda W1, W2: W1.abs() * W2),
        "used W2[k, i]: W2 is (features, hidden), so what neuron k writes to y_i is W2[i, k] "
        "(transpose W2 before multiplying)",
    ),
    Mistake(
        _square_only(lambda W1, W2: (W1.abs() * W2.transpose(-1, -2)).transpose(-1, -2)),
        "the result is transposed: entry [k, i] is neuron k's gain for feature i, "
        "(..., hidden, features) like W1",
    ),
    Mistake(
        _square_only(lambda W1, W2: W1.abs() @ W2),
        "a matrix product: the gain is one product per neuron and feature, elementwise, "
        "|W1[k, i]| · W2[i, k]",
    ),
]


def _judge_gains(fn: Callable) -> None:
    compare_with_reference(
        fn,
        neuron_gains,
        _gain_cases(),
        _GAIN_MISTAKES,
        "(..., hidden, features) like W1: one gain per neuron and feature",
    )


check_neuron_gains = Check("neuron_gains", neuron_gains, _judge_gains)
"""Exercise: ``neuron_gains(W1 (..., hidden, features), W2 (..., features, hidden)) → (...,
hidden, features)``: ``|W1[k, i]| · W2[i, k]``."""
