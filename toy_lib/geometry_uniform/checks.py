"""Section 5's exercise check (uniform superposition): grouping features into tegum factors
(:func:`factor_labels`)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..checks import Check, Mistake, WrongAnswer, call_learner, compare_with_reference
from ..metrics import cosine_similarity, feature_norms
from .experiment import factor_labels

__all__ = ["check_factor_labels"]


def _chain() -> torch.Tensor:
    """Three unit vectors in 3-D, a–b and b–c at cosine 0.5, a ⊥ c: one factor through b only."""
    s = math.sqrt(3) / 2
    x = 0.5 / s
    return torch.tensor([[1.0, 0.5, 0.0], [0.0, s, x], [0.0, 0.0, math.sqrt(1 - x * x)]])


def _pentagon(angle: float) -> torch.Tensor:
    a = torch.arange(5, dtype=torch.float32) * 2 * math.pi / 5 + angle
    return torch.stack([a.cos(), a.sin()])


def _model(g: torch.Generator) -> torch.Tensor:
    """One model ``(10, 16)``: a chain (3 features), a pentagon, an antipodal pair, two dedicated
    features, a feature too short to count and three dropped ones, each group in its own
    dimensions, small stray overlaps, features shuffled."""
    W = torch.zeros(10, 16)
    W[0:3, 0:3] = _chain()
    W[3:5, 3:8] = _pentagon(float(torch.rand((), generator=g)))
    W[5, 8], W[5, 9] = 1.0, -1.0  # antipodal pair
    W[6, 10], W[7, 11] = 1.0, 0.9  # dedicated
    W[8, 12] = 0.3  # represented? no: norm 0.3 < 0.5
    W = W + 0.02 * torch.randn(W.shape, generator=g) * (W.norm(dim=0) > 0)
    order = torch.randperm(16, generator=g)
    rotate = torch.linalg.qr(torch.randn(10, 10, generator=g)).Q
    return rotate @ W[:, order]


def _cases() -> list[tuple[torch.Tensor, float, float]]:
    g = torch.Generator().manual_seed(5)
    one = _model(g)
    several = torch.stack([_model(g) for _ in range(3)])
    return [(one, 0.2, 0.5), (several, 0.2, 0.5), (several, 0.45, 0.25)]


def _grouping(
    W: torch.Tensor,
    threshold: float,
    norm_threshold: float,
    *,
    chains: bool = True,
    signed: bool = False,
) -> torch.Tensor:
    """Wrong groupings for the mistakes: direct links only (``chains=False``), ``cos`` instead of
    ``|cos|`` (``signed``)."""
    cos = cosine_similarity(W)
    n = W.shape[-1]
    rep = feature_norms(W) > norm_threshold
    link = ((cos if signed else cos.abs()) > threshold) & rep.unsqueeze(-1) & rep.unsqueeze(-2)
    link = link | torch.eye(n, dtype=torch.bool)
    for _ in range(n if chains else 0):
        link = (link.float() @ link.float()) > 0
    first = torch.where(link, torch.arange(n), n).min(-1).values
    return torch.where(rep, first, -1)


_MISTAKES = [
    Mistake(
        lambda W, t, nt: _grouping(W, t, nt, chains=False),
        "features linked only through a chain (a–b and b–c overlap, a and c do not) belong to one "
        "factor too: follow the links transitively",
    ),
    Mistake(
        lambda W, t, nt: _grouping(W, t, nt, signed=True),
        "antipodal features point opposite ways (cosine −1): compare |cos| with the threshold",
    ),
]


def _judge(fn: Callable) -> None:
    def learner(W: torch.Tensor, t: float, nt: float) -> object:
        return fn(W, threshold=t, norm_threshold=nt)

    for W, t, nt in _cases():
        out = call_learner(learner, (W, t, nt))
        if not isinstance(out, torch.Tensor):
            break  # compare_with_reference names it
        if out.is_floating_point():
            raise WrongAnswer(
                "returned floating-point numbers: return each feature's label as an integer "
                "tensor (the smallest feature index in its factor, −1 if not represented)"
            )
        dropped = factor_labels(W, threshold=t, norm_threshold=nt) == -1
        if out.shape == dropped.shape and (out[dropped] != -1).any():
            raise WrongAnswer(
                f"a feature with ‖W_i‖ ≤ norm_threshold={nt} got a label: features that are not "
                "represented get −1"
            )
    compare_with_reference(
        learner,
        lambda W, t, nt: factor_labels(W, threshold=t, norm_threshold=nt),
        _cases(),
        _MISTAKES,
        "(..., features): one label per feature",
    )


check_factor_labels = Check("factor_labels", factor_labels, _judge)
"""Exercise: ``factor_labels(W (..., hidden, features), threshold=, norm_threshold=) → (..., features)``
int64: the smallest feature index of each feature's factor, −1 when not represented."""
