"""Polytopes in trained weights: grouping features into the orthogonal subspaces they share (paper §5).

With uniform importance and sparsity, a trained model splits its represented features into groups
that live in mutually orthogonal subspaces; the paper calls such a configuration a *tegum product*
and each group a *tegum factor*. Features in different factors never interfere, so each factor can
be read on its own: a pentagon is 5 features spanning 2 dimensions, so each gets ``D_i = 2/5``.

We find the factors as the connected components of a graph whose nodes are the represented features
and whose edges join features with ``|Ŵ_i · Ŵ_j|`` above a small threshold, then report each
component's size, the rank of its weights and its features' dimensionalities, and name it when it is
one of the uniform polytopes the paper finds (:data:`UNIFORM_POLYTOPES`).

Functions read ``W`` of shape ``(..., hidden, features)`` without modifying it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import torch

from .metrics import cosine_similarity, feature_dimensionality, feature_norms

__all__ = [
    "Polytope",
    "TegumFactor",
    "UNIFORM_POLYTOPES",
    "chance_count",
    "factor_labels",
    "fraction_counts",
    "longest_run_near",
    "polytope_census",
    "polytope_vertices",
    "project_to_span",
    "tegum_factors",
]


@dataclass(frozen=True)
class Polytope:
    """A uniform polytope as a superposition strategy: ``n_features`` unit vectors spanning ``n_dims``.

    Every vertex of a uniform polytope whose vertices form a tight frame has the same dimensionality
    ``D_i = n_dims / n_features`` (:attr:`fraction`).
    """

    name: str
    n_features: int
    n_dims: int

    @property
    def fraction(self) -> float:
        return self.n_dims / self.n_features

    @property
    def label(self) -> str:
        """E.g. ``"pentagon 2/5"``."""
        return f"{self.name} {Fraction(self.n_dims, self.n_features)}"


# The paper's lines in the D_i scatter (§5 "Feature dimensionality"), from dense to sparse.
UNIFORM_POLYTOPES: tuple[Polytope, ...] = (
    Polytope("dedicated", 1, 1),
    Polytope("tetrahedron", 4, 3),
    Polytope("triangle", 3, 2),
    Polytope("digon", 2, 1),
    Polytope("pentagon", 5, 2),
    Polytope("square antiprism", 8, 3),
)
_BY_NAME = {p.name: p for p in UNIFORM_POLYTOPES}


def _polytope(name: str) -> Polytope:
    if name not in _BY_NAME:
        raise ValueError(f"name={name!r} is not allowed: choose one of {tuple(_BY_NAME)}")
    return _BY_NAME[name]


def polytope_vertices(name: str) -> torch.Tensor:
    """Unit vertices of one of :data:`UNIFORM_POLYTOPES`: ``(n_dims, n_features)``, one column each.

    The square antiprism's height is the one that makes its vertices a tight frame (``Σ_i v_i v_iᵀ``
    proportional to the identity), the arrangement the paper's ``3/8`` line belongs to.
    """
    p = _polytope(name)
    k = p.n_features
    if p.n_dims == 1:
        return torch.tensor([[1.0, -1.0][:k]])
    if p.n_dims == 2:
        angles = torch.arange(k, dtype=torch.float64) * 2 * math.pi / k
        return torch.stack([angles.cos(), angles.sin()]).float()
    if name == "tetrahedron":
        signs = torch.tensor([[1.0, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]])
        return (signs / math.sqrt(3)).T.contiguous()
    # Two squares, one turned by 45°, at heights ±z; z² = 1/3 balances the frame.
    z, r = 1 / math.sqrt(3), math.sqrt(2 / 3)
    angles = torch.arange(8, dtype=torch.float64) * math.pi / 4
    heights = torch.tensor([z, -z], dtype=torch.float64).repeat(4)
    return torch.stack([r * angles.cos(), r * angles.sin(), heights]).float()


def factor_labels(
    W: torch.Tensor, *, threshold: float = 0.1, norm_threshold: float = 0.5
) -> torch.Tensor:
    """Which tegum factor each feature belongs to: ``(..., features)`` int64.

    ``W: (..., hidden, features)``. Represented features (``||W_i|| > norm_threshold``) are joined
    when ``|Ŵ_i · Ŵ_j| > threshold``; a feature's label is the smallest feature index in its connected
    component, so features share a label exactly when they share a factor. Unrepresented features
    get ``-1``.
    """
    _check_fraction("threshold", threshold)
    W = torch.as_tensor(W)
    rep = feature_norms(W) > norm_threshold
    n = W.shape[-1]
    pair = rep.unsqueeze(-1) & rep.unsqueeze(-2)
    reach = ((cosine_similarity(W).abs() > threshold) & pair) | torch.eye(n, dtype=torch.bool)
    # Squaring the reachability matrix doubles the path length it covers: log2(n) rounds suffice.
    for _ in range(max(1, math.ceil(math.log2(max(n, 2))))):
        r = reach.float()
        reach = (r @ r) > 0
    first = torch.where(reach, torch.arange(n), torch.full_like(reach, n, dtype=torch.long))
    return torch.where(rep, first.min(-1).values, torch.full_like(first[..., 0], -1))


@dataclass(frozen=True)
class TegumFactor:
    """One group of features sharing a subspace orthogonal to every other group.

    Attributes:
        features: indices of its features, ascending.
        rank: dimension of the subspace its weights span (singular values above ``rank_tol`` of
            the largest).
        dimensionality: each feature's ``D_i`` (in the whole model), in the order of ``features``.
        polytope: the matching entry of :data:`UNIFORM_POLYTOPES`, or ``None``.
    """

    features: tuple[int, ...]
    rank: int
    dimensionality: tuple[float, ...]
    polytope: Polytope | None

    @property
    def size(self) -> int:
        return len(self.features)

    @property
    def name(self) -> str:
        """The polytope's name, or e.g. ``"6 in 3-D"`` for an unnamed factor."""
        return self.polytope.name if self.polytope else f"{self.size} in {self.rank}-D"


def tegum_factors(
    W: torch.Tensor,
    *,
    threshold: float = 0.1,
    norm_threshold: float = 0.5,
    rank_tol: float = 0.2,
    match_tol: float = 0.05,
) -> list[TegumFactor]:
    """The tegum factors of one model, ``W: (hidden, features)``, largest first.

    A factor is named after a uniform polytope when it has that polytope's number of features and
    rank and every feature's ``D_i`` lies within ``match_tol`` of the polytope's fraction (so an
    irregular quadrilateral is not called a square antiprism's cousin, nor a bent triangle a
    triangle).
    """
    W = torch.as_tensor(W).detach().float()
    if W.dim() != 2:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: tegum_factors needs one model's (hidden, features)"
        )
    _check_fraction("rank_tol", rank_tol)
    labels = factor_labels(W, threshold=threshold, norm_threshold=norm_threshold)
    dims = feature_dimensionality(W)
    shapes = {(p.n_features, p.n_dims): p for p in UNIFORM_POLYTOPES}
    factors = []
    for label in labels[labels >= 0].unique().tolist():
        idx = (labels == label).nonzero().flatten()
        s = torch.linalg.svdvals(W[:, idx])
        rank = int((s > rank_tol * s[0]).sum())
        d = dims[idx]
        p = shapes.get((len(idx), rank))
        if p is not None and not bool(((d - p.fraction).abs() <= match_tol).all()):
            p = None
        factors.append(TegumFactor(tuple(idx.tolist()), rank, tuple(d.tolist()), p))
    return sorted(factors, key=lambda f: (-f.size, f.features))


def polytope_census(W: torch.Tensor, **factor_kwargs: float) -> torch.Tensor:
    """How many factors of each uniform polytope every model holds.

    ``W: (instances, hidden, features)``. Returns ``(instances, len(UNIFORM_POLYTOPES))`` int64, the
    columns in the order of :data:`UNIFORM_POLYTOPES`. ``factor_kwargs`` go to :func:`tegum_factors`.
    """
    W = torch.as_tensor(W)
    if W.dim() != 3:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: polytope_census needs (instances, hidden, features)"
        )
    column = {p: c for c, p in enumerate(UNIFORM_POLYTOPES)}
    counts = torch.zeros(W.shape[0], len(UNIFORM_POLYTOPES), dtype=torch.long)
    for k in range(W.shape[0]):
        for f in tegum_factors(W[k], **factor_kwargs):
            if f.polytope is not None:
                counts[k, column[f.polytope]] += 1
    return counts


def project_to_span(W: torch.Tensor, features: tuple[int, ...] | list[int]) -> torch.Tensor:
    """Coordinates of the given features' vectors in an orthonormal basis of their span.

    ``W: (hidden, features)``. Returns ``(rank, len(features))`` where ``rank`` is the numerical
    rank of ``W[:, features]`` (singular values above ``1e-3`` of the largest): a pentagon found in a
    20-D model comes back as 2-D points, a tetrahedron as 3-D. Axes are the principal directions,
    each signed so that its largest coordinate is positive, so the picture is reproducible.
    """
    W = torch.as_tensor(W).detach().float()
    if W.dim() != 2:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: project_to_span needs one model's (hidden, features)"
        )
    idx = torch.as_tensor(list(features), dtype=torch.long)
    if idx.numel() == 0 or bool((idx < 0).any() | (idx >= W.shape[1]).any()):
        raise ValueError(
            f"features={list(features)!r} is not allowed: give one or more indices in "
            f"[0, {W.shape[1]})"
        )
    U, s, _ = torch.linalg.svd(W[:, idx], full_matrices=False)
    rank = max(1, int((s > 1e-3 * s[0]).sum()))
    coords = U[:, :rank].T @ W[:, idx]
    flip = torch.sign(coords.gather(1, coords.abs().argmax(1, keepdim=True)))
    return coords * torch.where(flip == 0, torch.ones_like(flip), flip)


def fraction_counts(
    dims: torch.Tensor, fractions: torch.Tensor | list[float], window: float = 0.02
) -> torch.Tensor:
    """How many values of ``dims`` lie within ``± window`` of each fraction: ``(len(fractions),)``.

    ``dims`` is any tensor of feature dimensionalities; it is flattened.
    """
    _check_fraction("window", window)
    d = torch.as_tensor(dims, dtype=torch.float32).flatten()
    f = torch.as_tensor(fractions, dtype=torch.float32).flatten()
    return ((d.unsqueeze(0) - f.unsqueeze(1)).abs() <= window).sum(1)


def chance_count(n_values: int, low: float, high: float, window: float = 0.02) -> float:
    """Expected :func:`fraction_counts` of one fraction if ``n_values`` were spread uniformly.

    The chance level for a cluster: ``n_values`` dimensionalities scattered uniformly over
    ``[low, high]`` put ``n_values · 2 window / (high − low)`` of them within ``± window`` of any
    fraction inside that range.
    """
    _check_fraction("window", window)
    if not high > low:
        raise ValueError(f"low={low!r}, high={high!r} are not allowed: high must exceed low")
    return n_values * 2 * window / (high - low)


def longest_run_near(values: torch.Tensor, target: float, tol: float) -> tuple[int, int]:
    """The longest run of consecutive entries within ``± tol`` of ``target``: ``(start, length)``.

    ``values: (n,)``, e.g. ``D*`` across a sparsity sweep; a plateau at ``1/2`` is a long run near
    ``0.5``. ``(0, 0)`` when no entry is close.
    """
    near = ((torch.as_tensor(values).flatten() - target).abs() <= tol).tolist()
    best_start, best_len, run = 0, 0, 0
    for i, ok in enumerate(near):
        run = run + 1 if ok else 0
        if run > best_len:
            best_start, best_len = i - run + 1, run
    return best_start, best_len


def _check_fraction(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValueError(f"{name}={value!r} is not allowed: it must be a number in (0, 1)")
