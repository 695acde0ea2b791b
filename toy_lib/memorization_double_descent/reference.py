"""A dense, full-batch PyTorch training of the ReLU-output model on a fixed data set: the note's
optimiser and schedule, plain and slow (every step computes all ``n × T`` outputs). It is the
reference a sparse engine must agree with, and runs on any device.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..train import lr_schedule
from ..validate import check_int
from .data import SparseData

__all__ = ["DenseRun", "relu_output_loss", "train_dense"]


def relu_output_loss(W: torch.Tensor, b: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """The note's loss ``(1/T) Σ_t Σ_i (x_ti − x'_ti)²`` with ``x' = ReLU(Wᵀ W x + b)``.
    ``W: (m, n)``, ``b: (n,)``, ``X: (T, n)`` dense. Returns a scalar."""
    out = torch.relu(X @ W.T @ W + b)
    return ((out - X) ** 2).sum(-1).mean()


def xavier_init(m: int, n: int, seed: int) -> torch.Tensor:
    """``W: (m, n)`` Xavier-normal (std ``√(2 / (m + n))``) from ``seed``, as ``torch.nn.init`` draws
    it: the start of both trainings."""
    W = torch.empty(m, n)
    return torch.nn.init.xavier_normal_(W, generator=torch.Generator().manual_seed(seed))


@dataclass
class DenseRun:
    """A trained model ``W: (m, n)``, ``b: (n,)`` and its training loss at every step."""

    W: torch.Tensor
    b: torch.Tensor
    loss: torch.Tensor


def train_dense(
    data: SparseData,
    m: int,
    *,
    steps: int,
    warmup_steps: int,
    lr: float = 1e-3,
    weight_decay: float = 1e-2,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> DenseRun:
    """Train ``x' = ReLU(Wᵀ W x + b)`` on all of ``data`` at every step (full batch): AdamW, a linear
    warm-up over ``warmup_steps`` to ``lr`` then a cosine decay to zero (:func:`toy_lib.lr_schedule`),
    ``W`` Xavier-normal from ``seed``, ``b`` zero."""
    check_int("m", m)
    check_int("steps", steps)
    X = data.dense().to(device)
    W = xavier_init(m, data.n, seed).to(device).requires_grad_()
    b = torch.zeros(data.n, device=device, requires_grad=True)
    optimizer = torch.optim.AdamW([W, b], lr=lr, weight_decay=weight_decay)
    lrs = lr_schedule(lr, steps, "cosine", warmup_steps)
    losses = torch.empty(steps)
    for step in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = float(lrs[step])
        loss = relu_output_loss(W, b, X)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses[step] = loss.detach()
    return DenseRun(W.detach().cpu(), b.detach().cpu(), losses)
