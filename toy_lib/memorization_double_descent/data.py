"""Finite training sets of very sparse, unit-norm points, kept sparse.

The note's data (its "Experiment Setup"): ``n = 10,000`` features, each zero with probability
``S = 0.999`` and otherwise uniform on [0, 1], every point then rescaled to ``‖x‖ = 1`` (a point
with no active feature stays zero). A set of ``T`` such points is a fixed training set. Each point
has about ``n (1 − S) = 10`` nonzeros, so the set is stored as ``(T, k)`` indices and values
(``k`` the most nonzeros of any point; shorter rows padded with value 0 at index 0), and memory
scales with the nonzeros, not with ``n × T``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..metrics import feature_dimensionality
from ..validate import check_int, check_number

__all__ = [
    "NOTE_SETUP",
    "SparseData",
    "datapoint_dimensionality",
    "hidden_from_sparse",
    "sparse_dataset",
]

#: The note's setup, each value from its "Experiment Setup" section (it also trains 4 data sets per
#: T and averages their test losses).
NOTE_SETUP = {
    "n": 10_000,  # features
    "sparsity": 0.999,  # S: each feature zero with this probability, else Uniform[0, 1]
    "m": 2,  # hidden dimensions of the figures (other m in its two-dimensional sweep)
    "steps": 50_000,  # full-batch AdamW updates
    "warmup_steps": 2_500,  # linear warm-up to lr, then cosine decay to zero
    "lr": 1e-3,
    "weight_decay": 1e-2,
}


@dataclass(frozen=True)
class SparseData:
    """``T`` points of ``n`` features as ``indices`` and ``values``, both ``(T, k)`` (padding:
    index 0, value 0)."""

    indices: torch.Tensor
    values: torch.Tensor
    n: int

    @property
    def size(self) -> int:
        """``T``, the number of points."""
        return self.indices.shape[0]

    def dense(self) -> torch.Tensor:
        """The points as a dense ``(T, n)`` tensor (for tests and small references)."""
        out = torch.zeros(self.size, self.n, dtype=self.values.dtype)
        return out.scatter_add_(1, self.indices, self.values)


def sparse_dataset(
    n: int, size: int, sparsity: float, *, seed: int = 0, normalize: bool = True
) -> SparseData:
    """``size`` points of ``n`` features, each feature nonzero with probability ``1 − sparsity``
    and then Uniform[0, 1], each point scaled to unit norm if ``normalize`` (see the module
    docstring), drawn from ``seed``. The same in distribution as drawing all ``n × size`` entries,
    without ever making them: each point's number of active features is binomial, its active
    features a uniform random subset."""
    check_int("n", n)
    check_int("size", size)
    check_number("sparsity", sparsity, 0.0, 1.0)
    check_int("seed", seed, 0)
    g = torch.Generator().manual_seed(seed)
    counts = torch.binomial(
        torch.full((size,), float(n)), torch.full((size,), 1.0 - sparsity), generator=g
    ).long()
    k = max(1, int(counts.max()))
    # A uniform random subset of each point's features: the k largest of n uniform keys, in chunks
    # of rows so that memory stays near 4 million keys at a time.
    rows = max(1, 4_000_000 // n)
    indices = torch.cat(
        [
            torch.rand(min(rows, size - start), n, generator=g).topk(k, dim=1).indices
            for start in range(0, size, rows)
        ]
    )
    values = torch.rand(size, k, generator=g) * (torch.arange(k) < counts.unsqueeze(1))
    if normalize:
        values = values / values.norm(dim=1, keepdim=True).clamp_min(1e-12)
    indices = torch.where(values > 0, indices, torch.zeros_like(indices))
    return SparseData(indices, values, n)


def hidden_from_sparse(
    W: torch.Tensor, indices: torch.Tensor, values: torch.Tensor
) -> torch.Tensor:
    """The hidden vectors ``h_t = W x_t = Σ_k values[t, k] W[:, indices[t, k]]`` of points stored
    sparsely: ``W: (m, n)``, ``indices, values: (T, k)`` (padding: value 0) → ``H: (T, m)``."""
    return (W[:, indices] * values).sum(-1).T


def datapoint_dimensionality(W: torch.Tensor, data: SparseData) -> torch.Tensor:
    """The note's dimensionality of each training point, ``D_{X_t} = ‖h_t‖² / Σ_s (ĥ_t · h_s)²``
    with ``h_t = W x_t``: the paper's feature dimensionality applied to the hidden vectors of the
    points instead of the features' columns. ``W: (m, n)``; returns ``(T,)`` (0 for a point whose
    hidden vector is 0)."""
    if W.dim() != 2 or W.shape[1] != data.n:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: it must be one model's (m, n) with n = {data.n}"
        )
    return feature_dimensionality(hidden_from_sparse(W, data.indices, data.values).T)
