"""Notebook 11's exercise checks: the hidden vectors of sparse training points
(:func:`hidden_from_sparse`) and the note's loss on a data set (:func:`relu_output_loss`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, compare_with_reference
from .data import hidden_from_sparse
from .reference import relu_output_loss

__all__ = ["check_hidden_from_sparse", "check_relu_output_loss"]


# ---------------------------------------------------------------- hidden vectors


def _hidden_cases() -> list[tuple[torch.Tensor, ...]]:
    """``(W, indices, values)`` with ``m ≠ k`` and ``T ≠ m`` (a transposed answer cannot pass),
    padded entries pointing at feature 0 with value 0, and values other than 1."""
    g = torch.Generator().manual_seed(11)
    cases = []
    for m, n, T, k in [(2, 12, 5, 3), (3, 20, 7, 4), (2, 8, 1, 2)]:
        W = torch.randn(m, n, generator=g, dtype=torch.float64)
        indices = torch.stack([torch.randperm(n, generator=g)[:k] for _ in range(T)])
        values = torch.rand(T, k, generator=g, dtype=torch.float64) + 0.1
        values[:, -1] = 0.0  # padding: index 0, value 0
        indices[:, -1] = 0
        cases.append((W, indices, values))
    return cases


_HIDDEN_MISTAKES = [
    Mistake(
        lambda W, i, v: W[:, i].sum(-1).T,
        "the values are ignored: each column W[:, j] is weighted by the point's value x_tj",
    ),
    Mistake(
        lambda W, i, v: (W[:, i] * v).mean(-1).T,
        "averaged over a point's nonzeros: h_t is their weighted sum",
    ),
]


def _judge_hidden(fn: Callable) -> None:
    compare_with_reference(
        fn, hidden_from_sparse, _hidden_cases(), _HIDDEN_MISTAKES, "(T, m): one h_t per point"
    )


check_hidden_from_sparse = Check("hidden_from_sparse", hidden_from_sparse, _judge_hidden)
"""Exercise: ``hidden_from_sparse(W (m, n), indices (T, k), values (T, k)) → H (T, m)``."""


# ---------------------------------------------------------------- the loss


def _loss_cases() -> list[tuple[torch.Tensor, ...]]:
    """``(W, b, X)`` with sparse non-negative ``X`` of unit-norm rows, ``b`` of both signs (so a
    missing ReLU shows) and ``T ≠ n``."""
    g = torch.Generator().manual_seed(12)
    cases = []
    for m, n, T in [(2, 9, 6), (3, 12, 4), (2, 5, 10)]:
        W = torch.randn(m, n, generator=g, dtype=torch.float64)
        b = 0.5 * torch.randn(n, generator=g, dtype=torch.float64)
        X = torch.rand(T, n, generator=g, dtype=torch.float64)
        X = torch.where(torch.rand(T, n, generator=g) < 0.3, X, torch.zeros(()))
        X[:, 0] += 0.2  # no point is all zero
        cases.append((W, b, X / X.norm(dim=1, keepdim=True)))
    return cases


def _out(W, b, X, relu=True):  # noqa: ANN001, ANN202
    pre = X @ W.T @ W + b
    return torch.relu(pre) if relu else pre


_LOSS_MISTAKES = [
    Mistake(
        lambda W, b, X: ((_out(W, b, X) - X) ** 2).mean(),
        "averaged over the features as well: the note sums over features, then averages over points",
    ),
    Mistake(
        lambda W, b, X: ((_out(W, b, X) - X) ** 2).sum(),
        "summed over the points: average over them, (1/T) Σ_t",
    ),
    Mistake(
        lambda W, b, X: ((_out(W, b, X, relu=False) - X) ** 2).sum(-1).mean(),
        "the output has no ReLU: x' = ReLU(Wᵀ W x + b)",
    ),
    Mistake(
        lambda W, b, X: ((torch.relu(X @ W.T @ W) - X) ** 2).sum(-1).mean(),
        "the bias b is missing",
    ),
    Mistake(
        lambda W, b, X: (_out(W, b, X) - X).norm(dim=-1).mean(),
        "the error is not squared: Σ_i (x_i − x'_i)²",
    ),
]


def _judge_loss(fn: Callable) -> None:
    compare_with_reference(
        fn, relu_output_loss, _loss_cases(), _LOSS_MISTAKES, "a scalar: the loss of the data set"
    )


check_relu_output_loss = Check("relu_output_loss", relu_output_loss, _judge_loss)
"""Exercise: ``relu_output_loss(W (m, n), b (n,), X (T, n)) → (1/T) Σ_t Σ_i (x_ti − x'_ti)²``."""
