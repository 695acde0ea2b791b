"""Section 5's exercise checks (uniform superposition): dimensions per feature
(:func:`~toy_lib.metrics.dimensions_per_feature`), the tegum product of two arrangements
(:func:`tegum_product`) and grouping features into tegum factors (:func:`factor_labels`)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..checks import (
    Check,
    Mistake,
    WrongAnswer,
    call_learner,
    compare_with_reference,
    random_weights,
)
from ..metrics import cosine_similarity, dimensions_per_feature, feature_norms
from .experiment import factor_labels, tegum_product

__all__ = ["check_dimensions_per_feature", "check_factor_labels", "check_tegum_product"]


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


# ---------------------------------------------------------------- dimensions per feature


def _weight_cases() -> list[tuple[torch.Tensor]]:
    """Weights ``(..., hidden, features)`` with one, two or no leading dimensions, hidden and
    features of different sizes (so ``m`` and ``n`` cannot be confused), feature lengths spread
    out, and a dropped feature (a zero column)."""
    shapes = [(3, 5, 20), (2, 3, 2, 7), (4, 9), (2, 6, 6)]
    return random_weights(shapes, 11, dropped=1, min_norm=0.2)


def _frobenius2(W: torch.Tensor) -> torch.Tensor:
    return (W**2).sum((-2, -1))


_DSTAR_MISTAKES = [
    Mistake(
        lambda W: W.shape[-1] / _frobenius2(W),
        "the numerator is the number of features n: D* uses m, the number of hidden dimensions, "
        "W.shape[-2]",
    ),
    Mistake(
        lambda W: W.shape[0] / _frobenius2(W),
        "the numerator is W.shape[0], the number of models: m is the number of hidden dimensions, "
        "W.shape[-2] (W is (..., hidden, features))",
    ),
    Mistake(
        lambda W: W.shape[-2] / W.norm(dim=(-2, -1)),
        "divided by ‖W‖_F: the Frobenius norm is squared, ‖W‖²_F = Σ of every squared weight",
    ),
    Mistake(
        lambda W: _frobenius2(W) / W.shape[-2],
        "this is ‖W‖²_F / m, features per dimension: D* is its inverse, m / ‖W‖²_F",
    ),
    Mistake(
        lambda W: W.shape[-2] / (W**2).mean((-2, -1)),
        "averaged the squared weights: ‖W‖²_F is their sum over hidden dimensions and features",
    ),
]


def _judge_dimensions_per_feature(fn: Callable) -> None:
    compare_with_reference(
        fn,
        dimensions_per_feature,
        _weight_cases(),
        _DSTAR_MISTAKES,
        "(...): one D* per model, summing W² over both the hidden and the feature axis",
    )


check_dimensions_per_feature = Check(
    "dimensions_per_feature", dimensions_per_feature, _judge_dimensions_per_feature
)
"""Exercise: ``dimensions_per_feature(W (..., hidden, features)) → (...)``: ``D* = m / ‖W‖²_F``."""


# ---------------------------------------------------------------- tegum product


def _factor_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Pairs ``A (..., m_A, n_A)``, ``B (..., m_B, n_B)`` with the same leading dimensions (none,
    one or two) and blocks of different shapes, so a misplaced block shows."""
    g = torch.Generator().manual_seed(12)
    cases = []
    for lead, (m_a, n_a), (m_b, n_b) in [
        ((3,), (2, 5), (3, 4)),
        ((), (2, 3), (1, 2)),
        ((2, 2), (3, 8), (2, 5)),
        ((4,), (1, 1), (2, 6)),
    ]:
        A = torch.randn(*lead, m_a, n_a, generator=g, dtype=torch.float64)
        B = torch.randn(*lead, m_b, n_b, generator=g, dtype=torch.float64)
        cases.append((A, B))
    return cases


def _place(A: torch.Tensor, B: torch.Tensor, rows: int | None, cols: int | None) -> torch.Tensor:
    """``A`` top-left and ``B`` at row offset ``rows``, column offset ``cols`` (``None``: left
    out), in a tensor shaped like the tegum product."""
    out = torch.zeros_like(tegum_product(A, B))
    out[..., : A.shape[-2], : A.shape[-1]] = A
    if rows is not None and cols is not None:
        out[..., rows : rows + B.shape[-2], cols : cols + B.shape[-1]] = B
    return out


_TEGUM_MISTAKES = [
    Mistake(
        lambda A, B: tegum_product(B, A),
        "B comes first: A goes top-left (its features first, in the first m_A dimensions) and B "
        "bottom-right",
    ),
    Mistake(
        lambda A, B: _place(A, B, 0, A.shape[-1]),
        "B is in the top-right block, sharing A's dimensions: put it in the last m_B rows, below A, "
        "so the two factors lie in orthogonal subspaces",
    ),
    Mistake(
        lambda A, B: _place(A, B, A.shape[-2], 0),
        "B is in the bottom-left block, under A's features: B's features are the last n_B columns",
    ),
    Mistake(
        lambda A, B: _place(A, B, None, None),
        "B is missing: the bottom-right block (last m_B rows, last n_B columns) holds B",
    ),
]


def _judge_tegum_product(fn: Callable) -> None:
    for A, B in _factor_cases():
        out = call_learner(fn, (A, B))
        expected = tegum_product(A, B)
        if not isinstance(out, torch.Tensor) or out.shape != expected.shape:
            break  # compare_with_reference names it
        blocks = expected != 0
        if torch.allclose(out[blocks].double(), expected[blocks]) and (out[~blocks] != 0).any():
            raise WrongAnswer(
                "A and B are in place, but the off-diagonal blocks are not zero: a feature of A "
                "must have no component in B's dimensions and vice versa (start from torch.zeros)"
            )
    compare_with_reference(
        fn,
        tegum_product,
        _factor_cases(),
        _TEGUM_MISTAKES,
        "(..., m_A + m_B, n_A + n_B): A's features then B's, each factor in its own dimensions",
    )


check_tegum_product = Check("tegum_product", tegum_product, _judge_tegum_product)
"""Exercise: ``tegum_product(A (..., m_A, n_A), B (..., m_B, n_B)) → (..., m_A + m_B, n_A + n_B)``:
block-diagonal, ``A`` top-left, ``B`` bottom-right, zeros elsewhere."""
