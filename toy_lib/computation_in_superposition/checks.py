"""Section 9's exercise check: the output of a feature when it is the only one active
(:func:`single_feature_response`), the probe behind "the model computes ``|x_i|``"."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_with_reference
from .experiment import single_feature_response

__all__ = ["check_single_feature_response"]


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
