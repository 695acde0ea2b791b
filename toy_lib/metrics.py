"""Geometry of trained weights: how strongly each feature is represented and how it shares space.

Every function takes ``W`` of shape ``(..., hidden, features)`` (e.g. ``(instances, hidden,
features)``), reads it without modifying it, and returns tensors with the same leading dimensions.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = [
    "feature_norms",
    "superposition",
    "dimensions_per_feature",
    "feature_dimensionality",
    "represented",
    "cosine_similarity",
    "angular_gaps",
    "antipodal",
    "LossTerms",
    "loss_decomposition",
    "linear_loss_terms",
    "monosemanticity",
]

_EPS = 1e-8


def _as_weights(W: torch.Tensor) -> torch.Tensor:
    W = torch.as_tensor(W)
    if W.dim() < 2:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be (..., hidden, features)")
    return W.detach().float()


def feature_norms(W: torch.Tensor) -> torch.Tensor:
    """``||W_i||``: ``(..., features)``. About 1 for a represented feature, about 0 for a dropped one."""
    return _as_weights(W).norm(dim=-2)


def _overlaps(W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Norms ``(..., features)`` and ``M[i, j] = Ŵ_i · W_j``: ``(..., features, features)``.

    A feature of (numerically) zero norm has no direction; its row of ``M`` is zero.
    """
    norms = W.norm(dim=-2)
    W_hat = W / norms.clamp_min(_EPS).unsqueeze(-2)
    return norms, W_hat.transpose(-1, -2) @ W


def superposition(W: torch.Tensor) -> torch.Tensor:
    """``Σ_{j≠i} (Ŵ_i · W_j)²``: ``(..., features)``; 0 when feature i is orthogonal to all others."""
    W = _as_weights(W)
    _, M = _overlaps(W)
    return (M**2).sum(-1) - torch.diagonal(M, dim1=-2, dim2=-1) ** 2


def dimensions_per_feature(W: torch.Tensor) -> torch.Tensor:
    """``D* = m / ||W||_F²``: ``(...)``. 1 when each feature has its own dimension, 1/2 for antipodal pairs."""
    W = _as_weights(W)
    return W.shape[-2] / (W**2).sum((-2, -1)).clamp_min(_EPS)


def feature_dimensionality(W: torch.Tensor) -> torch.Tensor:
    """``D_i = ||W_i||² / Σ_j (Ŵ_i · W_j)²`` (``j = i`` included): ``(..., features)``.

    The fraction of a dimension feature i gets: 1 dedicated, 1/2 in an antipodal pair, 2/5 in a
    pentagon. A feature with zero norm gets 0.
    """
    W = _as_weights(W)
    norms, M = _overlaps(W)
    denom = (M**2).sum(-1)
    return torch.where(norms > _EPS, norms**2 / denom.clamp_min(_EPS**2), torch.zeros_like(norms))


def represented(W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Boolean ``(..., features)``: ``||W_i|| > threshold`` (the paper's "represented" features)."""
    return feature_norms(W) > threshold


def cosine_similarity(W: torch.Tensor) -> torch.Tensor:
    """``Ŵ_i · Ŵ_j``: ``(..., features, features)``; rows of zero-norm features are zero."""
    W = _as_weights(W)
    W_hat = W / W.norm(dim=-2).clamp_min(_EPS).unsqueeze(-2)
    return W_hat.transpose(-1, -2) @ W_hat


def angular_gaps(W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Angles in degrees between neighbouring represented features of one 2-D model, going round.

    ``W: (2, features)``. Features with ``||W_i|| <= threshold`` are left out. The gaps sum to 360:
    a regular k-gon gives k gaps of ``360/k`` (a pentagon: five of 72°; two antipodal pairs at right
    angles: four of 90°); two orthogonal features give ``[90, 270]``.
    """
    W = _as_weights(W)
    if W.dim() != 2 or W.shape[0] != 2:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: angular_gaps needs one model's (2, features)"
        )
    keep = W.norm(dim=0) > threshold
    if not keep.any():
        return torch.zeros(0)
    angles = torch.rad2deg(torch.atan2(W[1, keep], W[0, keep])).sort().values
    return torch.diff(torch.cat([angles, angles[:1] + 360.0]))


def antipodal(W: torch.Tensor, threshold: float = 0.5, max_cos: float = -0.95) -> torch.Tensor:
    """Boolean ``(..., features)``: feature i is represented and another represented feature points
    the opposite way (``Ŵ_i · Ŵ_j < max_cos``), i.e. the two form an antipodal pair.

    "Represented" means ``||W_i|| > threshold``, as in :func:`represented`.
    """
    rep = represented(W, threshold)
    opposite = (cosine_similarity(W) < max_cos) & rep.unsqueeze(-2)
    return rep & opposite.any(-1)


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
    W = _as_weights(W)
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
    W = _as_weights(W)
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


# Neurons of a privileged basis (§8): rows of W are neurons when the hidden layer has a ReLU.


def monosemanticity(W: torch.Tensor) -> torch.Tensor:
    """Share of each neuron's squared weight norm on its top feature: ``(..., hidden)``.

    Neuron ``k``'s input weights are row ``W[k, :]``; the score is ``max_i W_ki² / Σ_i W_ki²``, 1 for
    a neuron that reads a single feature, ``1/n`` for one spread evenly over ``n``. A neuron with no
    weight (all zero) scores 0.
    """
    W = _as_weights(W)
    sq = W * W
    total = sq.sum(-1)
    return torch.where(total > _EPS, sq.max(-1).values / total.clamp_min(_EPS), 0.0)


# Section 9: computation in superposition

__all__ += ["Motif", "asymmetric_motifs", "find_motifs", "neuron_gains"]


def neuron_gains(W1: torch.Tensor, W2: torch.Tensor) -> torch.Tensor:
    """``|W1[k, i]| · W2[i, k]``: ``(..., hidden, features)``, the slope neuron k adds to ``y_i``
    when only ``x_i`` is active with the sign ``sign(W1[k, i])`` that makes the neuron fire.

    Shapes as in :class:`toy_lib.AbsModel`: ``W1 (..., hidden, features)``, ``W2 (..., features,
    hidden)``.
    """
    W1, W2 = _as_weights(W1), _as_weights(W2)
    if W1.shape != W2.transpose(-1, -2).shape:
        raise ValueError(
            f"W1 {tuple(W1.shape)} and W2 {tuple(W2.shape)} do not match: "
            "W1 must be (..., hidden, features) and W2 (..., features, hidden)"
        )
    return W1.abs() * W2.transpose(-1, -2)


class Motif(NamedTuple):
    """One asymmetric superposition motif found by :func:`find_motifs` in one instance.

    ``neuron`` is shared by the ``strong`` and the ``weak`` feature; ``in_weights`` are
    ``(W1[neuron, strong], W1[neuron, weak])``, ``out_weights`` ``(W2[strong, neuron],
    W2[weak, neuron])``; ``inhibitors`` are the other neurons that fire with the strong feature and
    push output ``weak`` down; ``leak`` is what remains of the interference (see
    :func:`asymmetric_motifs`).
    """

    neuron: int
    strong: int
    weak: int
    in_weights: tuple[float, float]
    out_weights: tuple[float, float]
    inhibitors: tuple[int, ...]
    leak: float


def _abs_weights(
    W1: torch.Tensor, W2: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Float copies of an absolute-value model's weights, with their shapes checked."""
    W1, W2, b = _as_weights(W1), _as_weights(W2), torch.as_tensor(b).detach().float()
    if W1.shape != W2.transpose(-1, -2).shape or b.shape != W2.shape[:-1]:
        raise ValueError(
            f"W1 {tuple(W1.shape)}, W2 {tuple(W2.shape)}, b {tuple(b.shape)} do not match: they must "
            "be (..., hidden, features), (..., features, hidden) and (..., features)"
        )
    return W1, W2, b


def _strong_alone(
    W1: torch.Tensor, W2: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """For feature ``a`` active alone at ``sign(W1[k, a])`` (the sign that fires neuron k): neuron
    activations ``H (..., hidden k, features a, hidden j)`` and output pre-activations
    ``Z (..., hidden k, features a, features c)``."""
    s = torch.sign(W1)  # (..., k, a)
    # H[k, a, j] = ReLU(W1[j, a] * s[k, a])
    H = torch.relu(s.unsqueeze(-1) * W1.transpose(-1, -2).unsqueeze(-3))
    Z = H @ W2.transpose(-1, -2).unsqueeze(-3) + b.unsqueeze(-2).unsqueeze(-2)
    return H, Z


def asymmetric_motifs(
    W1: torch.Tensor,
    W2: torch.Tensor,
    b: torch.Tensor,
    *,
    min_ratio: float = 2.0,
    gain_range: tuple[float, float] = (0.5, 2.0),
    min_inhibition: float = 0.5,
    max_leak: float = 0.1,
) -> torch.Tensor:
    """The asymmetric superposition motif of §9, batched: boolean ``(..., hidden, features,
    features)``; entry ``[k, a, c]`` is True when neuron ``k`` is shared by a *strong* feature
    ``a`` and a *weak* feature ``c`` as follows.

    Shapes as in :class:`toy_lib.AbsModel`: ``W1 (..., hidden, features)``, ``W2 (..., features,
    hidden)``, ``b (..., features)``. The paper's picture is in-weights about ``[2, -½]`` and
    out-weights about ``[½, 2]``: each feature goes through the neuron with unit gain, but ``a``
    enters it four times more strongly than ``c``. Precisely, all of:

    1. **both computed through k**: the gains ``|W1[k, a]| · W2[a, k]`` and
       ``|W1[k, c]| · W2[c, k]`` lie in ``gain_range`` (default ``[0.5, 2]``; 1 is exact);
    2. **asymmetric in**: ``|W1[k, a]| >= min_ratio · |W1[k, c]|`` (default 2; the paper's 4);
    3. **asymmetric out**: ``W2[c, k] >= min_ratio · W2[a, k]``.

       So when ``c`` is active, neuron k leaks only ``W2[a, k] · |W1[k, c]|`` (small) into
       ``y_a``, but when ``a`` is active it pushes ``P = W2[c, k] · |W1[k, a]|`` (large, at least
       ``min_ratio · gain_range[0]``) into ``y_c``. Hence:
    4. **inhibition**: with only ``x_a`` active at ``sign(W1[k, a])`` (unit size), the other
       neurons ``j != k`` that fire and have ``W2[c, j] < 0`` subtract at least
       ``min_inhibition · P`` (default half the push) from the pre-activation of ``y_c``;
    5. **interference suppressed**: at that input, ``y_c`` rises above its no-input value
       ``ReLU(b_c)`` by at most ``max_leak`` (default 0.1; the push it would get uninhibited is
       at least 1).

    The sign of the weak feature's in-weight is free (``-½`` computes ``ReLU(-x_c)``, ``+½``
    ``ReLU(x_c)``). :func:`find_motifs` lists the hits with their weights.
    """
    lo, hi = gain_range
    if not 0 < lo <= hi:
        raise ValueError(f"gain_range={gain_range!r} is not allowed: it needs 0 < low <= high")
    if not min_ratio >= 1:
        raise ValueError(f"min_ratio={min_ratio!r} is not allowed: it must be >= 1")
    W1, W2, b = _abs_weights(W1, W2, b)
    gain = neuron_gains(W1, W2)
    H, Z = _strong_alone(W1, W2, b)
    ok_gain = (gain >= lo) & (gain <= hi)  # (..., k, features)
    both = ok_gain.unsqueeze(-1) & ok_gain.unsqueeze(-2)  # (..., k, a, c)
    A1 = W1.abs()
    ratio_in = A1.unsqueeze(-1) >= min_ratio * A1.unsqueeze(-2)
    out = W2.transpose(-1, -2)  # (..., k, features)
    ratio_out = out.unsqueeze(-2) >= min_ratio * out.unsqueeze(-1)
    push = out.unsqueeze(-2) * A1.unsqueeze(-1)  # P[k, a, c] = W2[c, k] |W1[k, a]|
    # contributions of every neuron j to y_c: H[k, a, j] * W2[c, j]  -> (..., k, a, j, c)
    contrib = H.unsqueeze(-1) * W2.transpose(-1, -2).unsqueeze(-3).unsqueeze(-3)
    m = W1.shape[-2]
    not_k = ~torch.eye(m, dtype=torch.bool, device=W1.device)  # [k, j]
    not_k = not_k.view(*([1] * (W1.dim() - 2)), m, 1, m, 1)
    inhibition = torch.where(not_k & (contrib < 0), contrib, 0.0).sum(-2)  # (..., k, a, c)
    leak = torch.relu(Z) - torch.relu(b).unsqueeze(-2).unsqueeze(-2)
    hits = both & ratio_in & ratio_out
    hits &= inhibition <= -min_inhibition * push
    hits &= leak <= max_leak
    n = W1.shape[-1]
    return hits & ~torch.eye(n, dtype=torch.bool, device=W1.device)


def find_motifs(W1: torch.Tensor, W2: torch.Tensor, b: torch.Tensor, **criteria: float) -> list:
    """The motifs of :func:`asymmetric_motifs` as lists of :class:`Motif`.

    One model (``W1 (hidden, features)``...) gives a list of motifs; a batch ``(instances, ...)``
    gives one list per instance. ``criteria`` go to :func:`asymmetric_motifs`.
    """
    W1, W2, b = _abs_weights(W1, W2, b)
    if W1.dim() > 2:
        return [find_motifs(W1[i], W2[i], b[i], **criteria) for i in range(W1.shape[0])]
    hits = asymmetric_motifs(W1, W2, b, **criteria)
    H, Z = _strong_alone(W1, W2, b)
    found = []
    for k, a, c in hits.nonzero().tolist():
        inhibitors = tuple(
            j for j in range(W1.shape[0]) if j != k and H[k, a, j] > 0 and W2[c, j] < 0
        )
        leak = float(torch.relu(Z[k, a, c]) - torch.relu(b[c]))
        found.append(
            Motif(
                neuron=k,
                strong=a,
                weak=c,
                in_weights=(float(W1[k, a]), float(W1[k, c])),
                out_weights=(float(W2[a, k]), float(W2[c, k])),
                inhibitors=inhibitors,
                leak=leak,
            )
        )
    return found
