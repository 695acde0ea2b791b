"""Polytopes in trained weights: grouping features into the orthogonal subspaces they share (paper §5).

With uniform importance and sparsity, a trained model splits its represented features into groups
that live in mutually orthogonal subspaces; the paper calls such a configuration a *tegum product*
and each group a *tegum factor*. Features in different factors never interfere, so each factor can
be read on its own: a pentagon is 5 features spanning 2 dimensions, so each gets ``D_i = 2/5``.

We find the factors as the connected components of a graph whose nodes are the represented features
and whose edges join features with ``|Ŵ_i · Ŵ_j|`` above a small threshold, then report each
component's size, the rank of its weights and its features' dimensionalities, and name it when it is
one of the uniform polytopes the paper finds (:data:`UNIFORM_POLYTOPES`). The module also builds
tegum products (:func:`tegum_product`) and the experiment (:func:`uniform_sweep`), and holds the
statistics notebook 04 asserts: clusters of ``D_i`` against a chance level
(:func:`cluster_counts`) and plateaus of ``D*`` (:func:`longest_run_near`).

Functions read ``W`` of shape ``(..., hidden, features)`` without modifying it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import torch

from ..config import Config
from ..metrics import (
    cosine_similarity,
    dimensions_per_feature,
    feature_dimensionality,
    feature_norms,
)
from ..validate import as_weights, check_number

__all__ = [
    "Polytope",
    "SWEEP_SIZES",
    "TegumFactor",
    "UNIFORM_POLYTOPES",
    "clearest_examples",
    "cluster_counts",
    "factor_labels",
    "fraction_counts",
    "longest_run_near",
    "polytope_census",
    "polytope_edges",
    "polytope_vertices",
    "polytope_positions",
    "project_to_span",
    "summarize_factors",
    "sweep_claims",
    "tegum_factors",
    "tegum_product",
    "uniform_sweep",
]

# (n_features, n_hidden) of the two versions of the experiment.
SWEEP_SIZES = {"colab": (200, 20), "paper": (400, 30)}


def uniform_sweep(scale: str = "colab", n_instances: int = 20) -> Config:
    """The uniform-superposition experiment of §5 as a :class:`Config`.

    Every feature has importance 1 and the same density; model ``k`` of ``n_instances`` has density
    ``20 ** (-k / (n_instances - 1))``, so ``1/(1−S)`` runs log-spaced from 1 to 20 (the authors'
    Colab: ``20 ** -torch.linspace(0, 1, n_instances)``). ``scale`` picks the size: ``"colab"``
    ``n = 200, m = 20`` (the Colab) or ``"paper"`` ``n = 400, m = 30`` (the paper's figure, which
    does not state its densities; we keep the Colab's).
    """
    if scale not in SWEEP_SIZES:
        raise ValueError(f"scale={scale!r} is not allowed: choose one of {tuple(SWEEP_SIZES)}")
    if isinstance(n_instances, bool) or not isinstance(n_instances, int) or n_instances < 2:
        raise ValueError(f"n_instances={n_instances!r} is not allowed: it must be an integer >= 2")
    n, m = SWEEP_SIZES[scale]
    density = 20.0 ** -torch.linspace(0, 1, n_instances)
    return Config(n, m, n_instances, feature_probability=density, importance=1.0)


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


def tegum_product(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """The tegum product of two arrangements: ``A``'s features and ``B``'s in orthogonal subspaces.

    ``A: (..., m_A, n_A)``, ``B: (..., m_B, n_B)``, leading dimensions equal or broadcastable.
    Returns ``(..., m_A + m_B, n_A + n_B)``, block-diagonal: ``A`` top-left (the first ``n_A``
    features, in the first ``m_A`` dimensions), ``B`` bottom-right, zeros elsewhere. Every feature
    keeps the ``D_i`` it has within its own factor, since no feature of the other factor overlaps it.

    Written out rather than with ``torch.block_diag``, which takes 2-D matrices only, so that it
    works on a batch of models as well as on one.
    """
    A, B = torch.as_tensor(A), torch.as_tensor(B)
    for name, X in (("A", A), ("B", B)):
        if X.dim() < 2:
            raise ValueError(
                f"{name} has shape {tuple(X.shape)}: it must be (..., hidden, features)"
            )
    lead = torch.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    (m_a, n_a), (m_b, n_b) = A.shape[-2:], B.shape[-2:]
    dtype = torch.promote_types(A.dtype, B.dtype)
    out = torch.zeros(*lead, m_a + m_b, n_a + n_b, dtype=dtype, device=A.device)
    out[..., :m_a, :n_a] = A
    out[..., m_a:, n_a:] = B
    return out


def factor_labels(
    W: torch.Tensor, *, threshold: float = 0.2, norm_threshold: float = 0.5
) -> torch.Tensor:
    """Which tegum factor each feature belongs to: ``(..., features)`` int64.

    ``W: (..., hidden, features)``. Represented features (``||W_i|| > norm_threshold``) are joined
    when ``|Ŵ_i · Ŵ_j| > threshold``; a feature's label is the smallest feature index in its connected
    component, so features share a label exactly when they share a factor. Unrepresented features
    get ``-1``.
    """
    check_number("threshold", threshold, 0, 1, low_open=True)
    W = torch.as_tensor(W)
    rep = feature_norms(W) > norm_threshold
    n = W.shape[-1]
    pair = rep.unsqueeze(-1) & rep.unsqueeze(-2)
    reach = ((cosine_similarity(W).abs() > threshold) & pair) | torch.eye(n, dtype=torch.bool)
    # Squaring the reachability matrix doubles the path length it covers: at most log2(n) rounds,
    # and small factors stop changing after one or two.
    for _ in range(max(1, math.ceil(math.log2(max(n, 2))))):
        r = reach.float()
        grown = (r @ r) > 0
        if torch.equal(grown, reach):
            break
        reach = grown
    first = torch.where(reach, torch.arange(n), torch.full_like(reach, n, dtype=torch.long))
    return torch.where(rep, first.min(-1).values, torch.full_like(first[..., 0], -1))


@dataclass(frozen=True)
class TegumFactor:
    """One group of features sharing a subspace (nearly) orthogonal to every other group.

    Attributes:
        features: indices of its features, ascending.
        rank: dimension of the subspace its weights span (singular values above ``rank_tol`` of
            the largest).
        dimensionality: each feature's ``D_i`` in the whole model, in the order of ``features``;
            leakage to other factors pulls it below the factor's own value.
        shape_dimensionality: each feature's ``D_i`` counting only this factor's features: the
            factor's shape alone (``2/5`` for every vertex of a regular pentagon).
        leakage: the largest ``|Ŵ_i · Ŵ_j|`` between one of its features and a represented feature
            outside it (0 for an exactly orthogonal factor, below the grouping threshold always).
        polytope: the matching entry of :data:`UNIFORM_POLYTOPES`, or ``None``.
    """

    features: tuple[int, ...]
    rank: int
    dimensionality: tuple[float, ...]
    shape_dimensionality: tuple[float, ...]
    leakage: float
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
    threshold: float = 0.2,
    norm_threshold: float = 0.5,
    rank_tol: float = 0.2,
    match_tol: float = 0.05,
) -> list[TegumFactor]:
    """The tegum factors of one model, ``W: (hidden, features)``, largest first.

    Features are grouped by :func:`factor_labels`. The default ``threshold`` 0.2 lies below the
    smallest overlap that holds any polytope of :data:`UNIFORM_POLYTOPES` together (1/3: the
    tetrahedron's edges and the square antiprism's rings), so none of them is ever split, and above
    the stray overlaps that nearly orthogonal factors keep in a trained model.

    A factor is named after a uniform polytope when it has that polytope's number of features and
    rank, and every feature's ``D_i`` lies within ``match_tol`` of the polytope's fraction, both
    counted within the factor (so an irregular shape, a squashed triangle, stays unnamed) and in
    the whole model (so a factor drowned in interference from outside, e.g. a lone "dedicated"
    feature in a dense model where every feature overlaps every other, stays unnamed too).
    """
    W = torch.as_tensor(W).detach().float()
    if W.dim() != 2:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: tegum_factors needs one model's (hidden, features)"
        )
    check_number("rank_tol", rank_tol, 0, 1, low_open=True)
    check_number("match_tol", match_tol, 0, 1, low_open=True)
    labels = factor_labels(W, threshold=threshold, norm_threshold=norm_threshold)
    dims = feature_dimensionality(W)
    overlap = cosine_similarity(W).abs()
    shapes = {(p.n_features, p.n_dims): p for p in UNIFORM_POLYTOPES}
    factors = []
    for label in labels[labels >= 0].unique().tolist():
        inside = labels == label
        outside = (labels >= 0) & ~inside
        idx = inside.nonzero().flatten()
        s = torch.linalg.svdvals(W[:, idx])
        rank = int((s > rank_tol * s[0]).sum())
        shape = feature_dimensionality(W[:, idx])
        p = shapes.get((len(idx), rank))
        both = torch.cat([shape, dims[idx]])
        if p is not None and not bool(((both - p.fraction).abs() <= match_tol).all()):
            p = None
        leak = overlap[inside][:, outside]
        factors.append(
            TegumFactor(
                features=tuple(idx.tolist()),
                rank=rank,
                dimensionality=tuple(dims[idx].tolist()),
                shape_dimensionality=tuple(shape.tolist()),
                leakage=float(leak.max()) if leak.numel() else 0.0,
                polytope=p,
            )
        )
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


def project_to_span(
    W: torch.Tensor, features: tuple[int, ...] | list[int], dims: int | None = None
) -> torch.Tensor:
    """Coordinates of the given features' vectors in an orthonormal basis of their span.

    ``W: (hidden, features)``. Returns ``(dims, len(features))``: the coordinates along the ``dims``
    leading principal directions of ``W[:, features]`` (default: its numerical rank, singular values
    above ``1e-3`` of the largest). A pentagon found in a 20-D model comes back as 2-D points, a
    tetrahedron as 3-D; pass a factor's :attr:`TegumFactor.rank` to drop a trained factor's small
    stray directions. Each axis is signed so that its largest coordinate is positive, so the
    picture is reproducible.
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
    if dims is None:
        dims = max(1, int((s > 1e-3 * s[0]).sum()))
    elif isinstance(dims, bool) or not isinstance(dims, int) or not 1 <= dims <= len(s):
        raise ValueError(f"dims={dims!r} is not allowed: it must be an integer in [1, {len(s)}]")
    coords = U[:, :dims].T @ W[:, idx]
    flip = torch.sign(coords.gather(1, coords.abs().argmax(1, keepdim=True)))
    return coords * torch.where(flip == 0, torch.ones_like(flip), flip)


def clearest_examples(
    W: torch.Tensor, **factor_kwargs: float
) -> dict[str, tuple[int, TegumFactor]]:
    """For each polytope of :data:`UNIFORM_POLYTOPES` found in any model, the cleanest instance of it.

    ``W: (instances, hidden, features)``. Returns ``{name: (instance, factor)}`` for the factor of
    that polytope with the smallest :attr:`TegumFactor.leakage` (ties: the earliest instance), in
    the order of :data:`UNIFORM_POLYTOPES`; polytopes never found are absent. ``factor_kwargs`` go
    to :func:`tegum_factors`.
    """
    W = torch.as_tensor(W)
    if W.dim() != 3:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: clearest_examples needs (instances, hidden, features)"
        )
    best: dict[str, tuple[int, TegumFactor]] = {}
    for k in range(W.shape[0]):
        for f in tegum_factors(W[k], **factor_kwargs):
            name = f.polytope.name if f.polytope else None
            if name and (name not in best or f.leakage < best[name][1].leakage):
                best[name] = (k, f)
    return {p.name: best[p.name] for p in UNIFORM_POLYTOPES if p.name in best}


def summarize_factors(factors: list[TegumFactor]) -> str:
    """A one-line census, e.g. ``"19 × digon, 1 × pentagon; unnamed: 2 × 11 in 4-D"``.

    Named factors come in the order of :data:`UNIFORM_POLYTOPES`, unnamed ones largest first.
    """
    counts: dict[str, int] = {}
    for f in factors:
        counts[f.name] = counts.get(f.name, 0) + 1
    named = [f"{counts[p.name]} × {p.name}" for p in UNIFORM_POLYTOPES if p.name in counts]
    others = list(dict.fromkeys(f.name for f in factors if f.polytope is None))
    text = ", ".join(named) or "no uniform polytope"
    if others:
        text += "; unnamed: " + ", ".join(f"{counts[n]} × {n}" for n in others)
    return text


def polytope_edges(points: torch.Tensor, slack: float = 1.25) -> list[tuple[int, int]]:
    """The edges to draw between a polytope's vertices: pairs no farther apart than ``slack`` times
    the closest pair. ``points: (dims, vertices)``, e.g. from :func:`project_to_span`.

    For the regular shapes this gives their edges (a pentagon's 5 sides, not its diagonals; a
    square antiprism's 16 edges, whose two lengths differ by 14%), with room for the small
    distortions of trained weights.
    """
    P = torch.as_tensor(points).detach().float()
    if P.dim() != 2 or P.shape[1] < 2:
        raise ValueError(f"points has shape {tuple(P.shape)}: it must be (dims, vertices >= 2)")
    dist = torch.cdist(P.T, P.T)
    i, j = torch.triu_indices(P.shape[1], P.shape[1], offset=1)
    d = dist[i, j]
    keep = d <= slack * d.min()
    return list(zip(i[keep].tolist(), j[keep].tolist(), strict=True))


def fraction_counts(
    dims: torch.Tensor, fractions: torch.Tensor | list[float], window: float = 0.02
) -> torch.Tensor:
    """How many values of ``dims`` lie within ``± window`` of each fraction: ``(len(fractions),)``.

    ``dims`` is any tensor of feature dimensionalities; it is flattened.
    """
    check_number("window", window, 0, 1, low_open=True)
    d = torch.as_tensor(dims, dtype=torch.float32).flatten()
    f = torch.as_tensor(fractions, dtype=torch.float32).flatten()
    return ((d.unsqueeze(0) - f.unsqueeze(1)).abs() <= window).sum(1)


def cluster_counts(
    dims: torch.Tensor,
    fractions: torch.Tensor | list[float],
    window: float = 0.01,
    span: float = 0.04,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Is there a cluster of ``D_i`` at each fraction? Observed counts and their chance level.

    ``observed[f]`` counts the values within ``± window`` of fraction ``f``. ``chance[f]`` is what
    that count would be if the values within ``± span`` of ``f`` were spread uniformly over that
    range: ``(number within ± span) · window / span``. A smooth spread gives a ratio near 1; a
    cluster at the fraction gives up to ``span / window``. Both are ``(len(fractions),)`` float.
    """
    check_number("window", window, 0, 1, low_open=True)
    check_number("span", span, 0, 1, low_open=True)
    if not span > window:
        raise ValueError(f"span={span!r} is not allowed: it must exceed window={window!r}")
    observed = fraction_counts(dims, fractions, window).float()
    return observed, fraction_counts(dims, fractions, span).float() * window / span


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


def polytope_positions(W: torch.Tensor, **factor_kwargs: float) -> dict[str, list[int]]:
    """Which models of a sweep hold each uniform polytope: ``{name: [instance, ...]}``, ascending.

    ``W: (instances, hidden, features)``; every name of :data:`UNIFORM_POLYTOPES` is a key (an empty
    list when the polytope is never found). ``factor_kwargs`` go to :func:`tegum_factors`.
    """
    census = polytope_census(W, **factor_kwargs)
    return {
        p.name: census[:, c].nonzero().flatten().tolist() for c, p in enumerate(UNIFORM_POLYTOPES)
    }


def sweep_claims(W: torch.Tensor) -> dict[str, bool]:
    """The §5 claims notebook 04 tests, decided on one trained sweep: ``{claim: holds}``.

    ``W: (instances, hidden, features)``, the models ordered from dense to sparse. The thresholds
    are the notebook's, fixed before any run:

    - ``"D* = 1 when dense"``: the densest model's ``D*`` is within 0.02 of 1;
    - ``"D* falls"``: ``D*`` never rises by more than 0.01 between neighbours and ends below 0.2;
    - ``"D* sticky at 1"``, ``"D* sticky at 1/2"``: at least 3 consecutive models with ``D*``
      within ±0.03 of the value (:func:`longest_run_near`);
    - ``"sum of D_i = m"``: every model's ``D_i`` add up to ``hidden`` within 0.1;
    - ``"cluster at <label>"`` for each of :data:`UNIFORM_POLYTOPES`: pooled over the represented
      features (``||W_i|| > 0.5``) of all models, at least twice the chance count within ±0.01 of
      the fraction (:func:`cluster_counts` with ``span`` 0.04); never true where chance is 0;
    - ``"found <name>"`` for each polytope: named in at least one model (:func:`tegum_factors`);
    - ``"triangles before digons"``: every model with a triangle is denser than every model with
      a digon; ``"pentagons and antiprisms after digons"``: no model with a pentagon or square
      antiprism is denser than a model with a digon (both false when either side is empty).
    """
    W = as_weights(W)
    if W.dim() != 3:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: sweep_claims needs (instances, hidden, features)"
        )
    dstar = dimensions_per_feature(W)
    dims = feature_dimensionality(W)
    rep = feature_norms(W) > 0.5
    claims = {
        "D* = 1 when dense": bool(abs(dstar[0] - 1) < 0.02),
        "D* falls": bool((dstar.diff() < 0.01).all() and dstar[-1] < 0.2),
        "D* sticky at 1": longest_run_near(dstar, 1.0, 0.03)[1] >= 3,
        "D* sticky at 1/2": longest_run_near(dstar, 0.5, 0.03)[1] >= 3,
        "sum of D_i = m": bool(((dims.sum(-1) - W.shape[-2]).abs() < 0.1).all()),
    }
    fractions = [p.fraction for p in UNIFORM_POLYTOPES]
    observed, chance = cluster_counts(dims[rep], fractions, window=0.01, span=0.04)
    for p, o, c in zip(UNIFORM_POLYTOPES, observed.tolist(), chance.tolist(), strict=True):
        claims[f"cluster at {p.label}"] = c > 0 and o >= 2 * c
    found = polytope_positions(W)
    for p in UNIFORM_POLYTOPES:
        claims[f"found {p.name}"] = bool(found[p.name])
    tri, dig = found["triangle"], found["digon"]
    later = found["pentagon"] + found["square antiprism"]
    claims["triangles before digons"] = bool(tri and dig and max(tri) < min(dig))
    claims["pentagons and antiprisms after digons"] = bool(dig and later and max(dig) <= min(later))
    return claims
