"""The asymmetric superposition motif of §9: a detector for it in trained weights.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#computation
(The Asymmetric Superposition Motif). Shapes as in :class:`toy_lib.AbsModel`.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from ..validate import as_weights
from .experiment import neuron_gains

__all__ = ["Motif", "asymmetric_motifs", "find_motifs"]


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
    W1, W2, b = as_weights(W1), as_weights(W2), torch.as_tensor(b).detach().float()
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

    6. **the paper's sign pattern**: the two in-weights have opposite signs (``[2, -½]``), so
       the neuron computes ``ReLU(x_a)`` and ``ReLU(-x_c)`` (or the mirror image); both
       out-weights are positive, as the gains in 1. already require.

    :func:`find_motifs` lists the hits with their weights.
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
    opposite = (W1.unsqueeze(-1) * W1.unsqueeze(-2)) < 0  # sign(W1[k, a]) = -sign(W1[k, c])
    hits = both & ratio_in & ratio_out & opposite
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
