"""Section 3 (demonstrating superposition): ``n = 20`` features in ``m = 5`` dimensions, linear or
ReLU output; the loss split into feature benefit, interference and bias.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import torch

from ..config import Config, decaying_importance
from ..train import train_best_of
from ..validate import as_weights

__all__ = [
    "LossTerms",
    "SPARSITY_CHOICES",
    "SuperpositionResult",
    "linear_loss_terms",
    "loss_decomposition",
    "train_superposition_model",
]

SPARSITY_CHOICES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 0.997, 0.999)


@dataclass
class SuperpositionResult:
    """One retrain: the best restart's ``W (hidden, features)`` and ``b (features,)``, loss, time."""

    W: torch.Tensor
    b: torch.Tensor
    loss: float
    seconds: float


def train_superposition_model(
    sparsity: float,
    output: str = "relu",
    decay: float = 0.7,
    seed: int = 0,
    restarts: int = 8,
    n_features: int = 20,
    n_hidden: int = 5,
) -> SuperpositionResult:
    """Train ``restarts`` copies of an ``n_features → n_hidden`` model with importance ``decay**i``
    (``output`` ``"relu"`` or ``"linear"``) and keep the lowest-loss one."""
    start = time.perf_counter()
    cfg = Config(
        n_features=n_features,
        n_hidden=n_hidden,
        feature_probability=1.0 - sparsity,
        importance=decaying_importance(n_features, decay),
    )
    result = train_best_of(cfg, k=restarts, output=output, seed=seed, progress=False)
    return SuperpositionResult(
        W=result.model.W[0].detach().clone(),
        b=result.model.b[0].detach().clone(),
        loss=float(result.losses[0].min()),
        seconds=time.perf_counter() - start,
    )


class LossTerms(NamedTuple):
    """Per-feature terms of a loss, each ``(..., features)``; :attr:`total` sums them: ``(...)``.

    ``bias`` is zero for :func:`loss_decomposition`, which has no bias term.
    """

    feature_benefit: torch.Tensor
    interference: torch.Tensor
    bias: torch.Tensor

    @property
    def total(self) -> torch.Tensor:
        return (self.feature_benefit + self.interference + self.bias).sum(-1)


def _benefit_and_interference(
    W: torch.Tensor, importance: torch.Tensor, variance: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``I_j v_j (1 - ||W_j||²)²``, ``I_j Σ_{i≠j} v_i (W_j · W_i)²`` and ``G = WᵀW``.

    ``W: (..., hidden, features)``; ``importance`` and the input variances ``variance``:
    broadcastable to ``(..., features)``.
    """
    variance = torch.broadcast_to(variance, W.shape[:-2] + W.shape[-1:])
    gram = W.transpose(-1, -2) @ W
    diag = torch.diagonal(gram, dim1=-2, dim2=-1)
    benefit = importance * variance * (1.0 - diag) ** 2
    received = (gram**2 * variance.unsqueeze(-2)).sum(-1) - variance * diag**2
    return benefit, importance * received, gram


def loss_decomposition(W: torch.Tensor, importance: torch.Tensor) -> LossTerms:
    """The paper's decomposition of the linear model's loss (§3, "Mathematical Understanding")::

        L ~ Σ_i I_i (1 - ||W_i||²)²  +  Σ_{i≠j} I_j (W_j · W_i)²
            (feature benefit)           (interference)

    Feature ``j``'s entry of ``interference`` is ``I_j Σ_{i≠j} (W_j · W_i)²``, the interference it
    receives from all other features. The two terms add up to the exact expected loss of
    ``x' = WᵀW x`` for whitened inputs (``E[x] = 0``, ``E[x xᵀ] = 1``), the Saxe et al. setting the
    paper adapts; :func:`linear_loss_terms` is the exact version for our sparse uniform data.

    ``W: (..., hidden, features)``, ``importance``: broadcastable to ``(..., features)``.
    Returns :class:`LossTerms`, each term ``(..., features)``, with ``bias`` zero.
    """
    W = as_weights(W)
    importance = torch.as_tensor(importance, dtype=W.dtype)
    benefit, interference, _ = _benefit_and_interference(W, importance, torch.ones(()))
    return LossTerms(benefit, interference, torch.zeros_like(benefit))


def linear_loss_terms(
    W: torch.Tensor, b: torch.Tensor, importance: torch.Tensor, probability: torch.Tensor
) -> LossTerms:
    """The exact expected loss of the linear model ``x' = WᵀW x + b`` on our data, in three terms.

    Features are independent (not the correlated sets of §5); feature i is active with probability
    ``p_i`` and then uniform on ``[0, 1]``, so ``E[x_i] = p_i / 2`` and ``Var[x_i] = p_i / 3 - p_i² / 4``. Splitting the error
    into its centred part and its mean gives, per feature ``j`` (``G = WᵀW``)::

        feature_benefit_j = I_j Var[x_j] (1 - ||W_j||²)²
        interference_j    = I_j Σ_{i≠j} Var[x_i] (W_j · W_i)²
        bias_j            = I_j (b_j - b*_j)²,   b*_j = E[x_j] - Σ_i G_ji E[x_i]

    and ``total`` equals ``E Σ_j I_j (x_j - x'_j)²`` exactly. ``b*`` is the loss-minimising bias,
    so the bias term vanishes at the optimum. With one density ``p`` for every feature, the first
    two terms are ``(p/3 - p²/4)`` times those of :func:`loss_decomposition`.

    Shapes: ``W (..., hidden, features)``; ``b``, ``importance``, ``probability`` broadcastable to
    ``(..., features)``. Returns :class:`LossTerms`, each term ``(..., features)``.
    """
    W = as_weights(W)
    p = torch.as_tensor(probability, dtype=W.dtype)
    if not torch.isfinite(p).all() or (p <= 0).any() or (p > 1).any():
        raise ValueError(
            f"probability={p.tolist()!r:.80} is not allowed: every value must be in (0, 1] "
            "(it is the density 1 - S of each feature)"
        )
    p = torch.broadcast_to(p, W.shape[:-2] + W.shape[-1:])
    importance = torch.as_tensor(importance, dtype=W.dtype)
    mean, variance = p / 2, p / 3 - p**2 / 4
    benefit, interference, gram = _benefit_and_interference(W, importance, variance)
    best_b = mean - (gram @ mean.unsqueeze(-1)).squeeze(-1)
    bias = importance * (torch.as_tensor(b).detach().to(W.dtype) - best_b) ** 2
    return LossTerms(benefit, interference, bias)
