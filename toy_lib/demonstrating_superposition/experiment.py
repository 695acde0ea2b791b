"""Section 3 (demonstrating superposition): ``n = 20`` features in ``m = 5`` dimensions, linear or
ReLU output; the loss split into feature benefit, interference and bias.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import torch

from ..config import Config, decaying_importance
from ..metrics import antipodal, feature_norms, represented, superposition
from ..train import train_best_of
from ..validate import as_weights

__all__ = [
    "FeatureCensus",
    "LossTerms",
    "SECTION3_SETUPS",
    "Section3Claims",
    "SPARSITY_CHOICES",
    "SuperpositionResult",
    "feature_census",
    "linear_loss_terms",
    "feature_benefit",
    "interference",
    "loss_decomposition",
    "section3_claims",
    "train_superposition_model",
]

SPARSITY_CHOICES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 0.997, 0.999)

#: The paper's two setups of §3: ``(n_features, n_hidden, importance decay)``; ``I_i = decay**i``.
SECTION3_SETUPS: dict[str, tuple[int, int, float]] = {
    "20 → 5": (20, 5, 0.7),
    "80 → 20": (80, 20, 0.9),
}


class FeatureCensus(NamedTuple):
    """How each feature of a model is stored; every field is boolean ``(..., features)``.

    ``represented``: ``||W_i|| > 0.5``; ``dedicated``: represented and orthogonal to all other
    features (superposition ``Σ_{j≠i} (Ŵ_i · W_j)² < 0.1``); ``antipodal``: represented with another
    represented feature pointing the opposite way (cosine below -0.95).
    """

    represented: torch.Tensor
    dedicated: torch.Tensor
    antipodal: torch.Tensor

    @property
    def shared(self) -> torch.Tensor:
        """Represented features that share their direction with others: ``(..., features)``."""
        return self.represented & ~self.dedicated


def feature_census(W: torch.Tensor) -> FeatureCensus:
    """Sort the features of ``W: (..., hidden, features)`` into represented / dedicated / antipodal."""
    W = as_weights(W)
    rep = represented(W)
    return FeatureCensus(rep, rep & (superposition(W) < 0.1), antipodal(W))


class Section3Claims(NamedTuple):
    """The paper's §3 claims checked on one linear and one ReLU-output model per sparsity.

    Each boolean is one claim; ``counts`` holds the ReLU model's represented features per sparsity
    ``(sparsities,)``. The sparsities must rise, start at 0 (dense) and include 0.7, 0.9 and 0.99.
    """

    linear_top_m: bool
    relu_dense_like_linear: bool
    more_features_when_sparse: bool
    never_fewer: bool
    superposition_spreads: bool
    dedicated_most_important: bool
    antipodal_pairs_first: bool
    all_superposed_when_very_sparse: bool
    keeps_packing: bool
    counts: torch.Tensor


def section3_claims(
    W_linear: torch.Tensor, W_relu: torch.Tensor, sparsities: list[float] | tuple[float, ...]
) -> Section3Claims:
    """Check the paper's §3 statements ("Basic Results") on trained models.

    ``W_linear``, ``W_relu``: ``(sparsities, hidden, features)``, features ordered from most to
    least important. Each claim, with the thresholds of notebook 02:

    - ``linear_top_m``: "the linear model always learns the top-m most important features": at every
      sparsity exactly features ``0..m-1`` are represented, with ``||W_i||`` within 0.05 of 1 and
      superposition below 0.05.
    - ``relu_dense_like_linear``: "The ReLU output model behaves the same on dense features": at
      ``S = 0`` the represented and the dedicated features are exactly the top ``m``.
    - ``more_features_when_sparse``: "as sparsity increases, we see superposition emerge. The model
      represents more features": more than ``m`` represented features at every ``S > 0``.
    - ``never_fewer``: the count never falls as ``S`` rises.
    - ``superposition_spreads``: "... and gradually affects the most important ones": the number of
      represented features that share their direction never falls as ``S`` rises.
    - ``dedicated_most_important``: "It starts with less important features": at every sparsity the
      dedicated features are the most important ones (features ``0..k-1`` for some ``k``).
    - ``antipodal_pairs_first``: "Initially this involves arranging them in antipodal pairs": at
      ``S = 0.7`` and ``0.9`` some features are shared and every shared feature is in a pair.
    - ``all_superposed_when_very_sparse``: "In the high sparsity regime, models put all features in
      superposition": no dedicated feature at ``S ≥ 0.99``.
    - ``keeps_packing``: "... and continue packing more": the sparsest model represents more
      features than the model at ``S = 0.99``.
    """
    W_linear, W_relu = as_weights(W_linear), as_weights(W_relu)
    s = torch.as_tensor(sparsities, dtype=torch.float64)
    if W_linear.dim() != 3 or W_linear.shape != W_relu.shape or len(s) != W_linear.shape[0]:
        raise ValueError(
            f"W_linear {tuple(W_linear.shape)} and W_relu {tuple(W_relu.shape)} must both be "
            f"(sparsities={len(s)}, hidden, features)"
        )
    if (
        s[0] != 0
        or (s.diff() <= 0).any()
        or not all(bool((s == v).any()) for v in (0.7, 0.9, 0.99))
    ):
        raise ValueError(
            f"sparsities={list(sparsities)!r} is not allowed: they must rise from 0 and include "
            "0.7, 0.9 and 0.99"
        )
    m, n = W_linear.shape[-2], W_linear.shape[-1]
    top = torch.arange(n) < m
    lin, relu = feature_census(W_linear), feature_census(W_relu)
    counts = relu.represented.sum(-1)
    n_dedicated = relu.dedicated.sum(-1, keepdim=True)
    early = [int((s == v).nonzero()) for v in (0.7, 0.9)]
    very_sparse = s >= 0.99
    return Section3Claims(
        linear_top_m=bool(
            (lin.represented == top).all()
            and ((feature_norms(W_linear)[:, :m] - 1).abs() < 0.05).all()
            and (superposition(W_linear)[:, :m] < 0.05).all()
        ),
        relu_dense_like_linear=bool(
            (relu.represented[0] == top).all() and (relu.dedicated[0] == top).all()
        ),
        more_features_when_sparse=bool((counts[1:] > m).all()),
        never_fewer=bool((counts.diff() >= 0).all()),
        superposition_spreads=bool((relu.shared.sum(-1).diff() >= 0).all()),
        dedicated_most_important=bool((relu.dedicated == (torch.arange(n) < n_dedicated)).all()),
        antipodal_pairs_first=all(
            bool(relu.shared[k].any() and (relu.antipodal[k] == relu.shared[k]).all())
            for k in early
        ),
        all_superposed_when_very_sparse=not bool(relu.dedicated[very_sparse].any()),
        keeps_packing=bool(counts[-1] > counts[int(very_sparse.nonzero()[0])]),
        counts=counts,
    )


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


def feature_benefit(W: torch.Tensor, importance: torch.Tensor) -> torch.Tensor:
    """The paper's feature-benefit term of each feature, ``I_i (1 - ||W_i||²)²``: ``(..., features)``
    for ``W: (..., hidden, features)`` (see :func:`loss_decomposition`)."""
    return loss_decomposition(W, importance).feature_benefit


def interference(W: torch.Tensor, importance: torch.Tensor) -> torch.Tensor:
    """The interference feature ``j`` receives, ``I_j Σ_{i≠j} (W_j · W_i)²``: ``(..., features)``
    for ``W: (..., hidden, features)`` (see :func:`loss_decomposition`)."""
    return loss_decomposition(W, importance).interference


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
