"""Non-uniform superposition (paper §5): one feature sparser than the rest, and feature sets.

Two experiments break the symmetry of uniform superposition:

- **One feature's density varied** (5 features in 2-D, uniform importance): the pentagon deforms,
  then snaps to two antipodal pairs ("digons") with the varied feature dropped. The snap is a first
  order phase change: the loss curves of the two configurations cross. :func:`perturbation_sweep`
  trains many restarts per density, :func:`configuration_labels` names each solution and
  :func:`loss_crossover` finds where the curves cross.
- **Correlated / anticorrelated feature sets** (``Config(correlated=..., anticorrelated=...)``):
  geometric tests, each a function of trained weights: a set is *orthogonal* (:func:`orthogonal_set`,
  a local orthogonal basis), a pair is *antipodal* (:func:`antipodal_partner`), a set has
  *collapsed* onto its principal component (:func:`collapsed_set`, :func:`rank_one_fraction`).

Functions read ``W`` of shape ``(..., hidden, features)`` without modifying it and return tensors
with the same leading dimensions.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from ..config import Config
from ..metrics import antipodal, cosine_similarity, feature_norms, represented
from ..train import train_best_of

__all__ = [
    "CORRELATION_STRUCTURES",
    "CorrelationResult",
    "DENSITY_CHOICES",
    "PerturbationSweep",
    "angular_neighbours",
    "angular_share",
    "antipodal_partner",
    "canonicalize_2d",
    "collapsed_set",
    "configuration_labels",
    "label_changes",
    "loss_crossover",
    "norm_from_bias",
    "orthogonal_set",
    "perturbation_sweep",
    "rank_one_fraction",
    "retrain_point",
    "set_cosines",
    "set_geometry",
    "train_correlation_model",
    "vary_one_density",
]

_POLYGONS = {3: "triangle", 4: "square", 5: "pentagon", 6: "hexagon"}


def _weights(W: torch.Tensor) -> torch.Tensor:
    W = torch.as_tensor(W)
    if W.dim() < 2:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be (..., hidden, features)")
    return W.detach().float()


def _weights_2d(W: torch.Tensor, name: str) -> torch.Tensor:
    W = _weights(W)
    if W.shape[-2] != 2:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: {name} needs 2-D models, (..., 2, features)"
        )
    return W


def _check_feature(name: str, value: int, n_features: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n_features:
        raise ValueError(
            f"{name}={value!r} is not allowed: it must be a feature index in [0, {n_features})"
        )


def _check_members(members: Sequence[int], n_features: int) -> list[int]:
    out = [int(i) for i in members]
    if len(out) < 2 or len(set(out)) != len(out) or any(not 0 <= i < n_features for i in out):
        raise ValueError(
            f"members={list(members)!r} is not allowed: a set needs at least two distinct feature "
            f"indices in [0, {n_features})"
        )
    return out


# --- one feature's density varied --------------------------------------------------------------


def vary_one_density(
    relative: torch.Tensor | Sequence[float],
    *,
    base_density: float = 0.05,
    n_features: int = 5,
    n_hidden: int = 2,
    feature: int = 0,
) -> Config:
    """One instance per value of ``relative``: every feature has density ``base_density`` except
    ``feature``, whose density is ``relative * base_density``. Importance is 1 for all features.

    The paper's experiment (§5, "Perturbing a single feature"): 5 features in 2-D, ``1 - S = 0.05``.
    ``relative: (points,)``, positive, with ``relative * base_density <= 1``.
    """
    rel = torch.as_tensor(relative, dtype=torch.float32).flatten()
    if not 0 < base_density <= 1:
        raise ValueError(f"base_density={base_density!r} is not allowed: it must be in (0, 1]")
    if len(rel) == 0 or not torch.isfinite(rel).all() or (rel <= 0).any():
        raise ValueError(
            f"relative={rel.tolist()!r:.80} is not allowed: it needs positive, finite values"
        )
    if (rel * base_density > 1).any():
        raise ValueError(
            f"relative={rel.tolist()!r:.80} is not allowed with base_density={base_density}: "
            "relative * base_density is a density, so it must be <= 1"
        )
    _check_feature("feature", feature, n_features)
    p = torch.full((len(rel), n_features), float(base_density))
    p[:, feature] = rel * base_density
    return Config(n_features, n_hidden, len(rel), feature_probability=p, importance=1.0)


@dataclass
class PerturbationSweep:
    """All restarts of a one-feature density sweep.

    Attributes:
        relative: ``(points,)`` density of the varied feature relative to the others, ascending.
        W: ``(points, restarts, 2, features)`` every restart's weights.
        losses: ``(points, restarts)`` each restart's loss (:func:`toy_lib.evaluate_loss`).
        chosen: ``(points,)`` index of the lowest-loss restart.
        feature: the varied feature.
        b: ``(points, restarts, features)`` every restart's bias (``None`` if not kept).
        base_density: the other features' density (``None`` if not recorded), and
        train_kwargs: what went to :func:`toy_lib.train`: how to train a point again
            (:func:`retrain_point`).
    """

    relative: torch.Tensor
    W: torch.Tensor
    losses: torch.Tensor
    chosen: torch.Tensor
    feature: int
    b: torch.Tensor | None = None
    base_density: float | None = None
    train_kwargs: dict = field(default_factory=dict)

    @property
    def best_b(self) -> torch.Tensor:
        """``(points, features)``: the bias of the lowest-loss restart at every point."""
        if self.b is None:
            raise ValueError("this sweep kept no biases: build it with b=...")
        return self.b[torch.arange(len(self.relative)), self.chosen]

    @property
    def best_W(self) -> torch.Tensor:
        """``(points, 2, features)``: the lowest-loss restart at every point."""
        return self.W[torch.arange(len(self.relative)), self.chosen]

    @property
    def labels(self) -> np.ndarray:
        """``(points, restarts)`` configuration name of every restart (:func:`configuration_labels`)."""
        return configuration_labels(self.W)

    @property
    def best_labels(self) -> np.ndarray:
        """``(points,)`` configuration name of the lowest-loss restart."""
        return configuration_labels(self.best_W)

    def family_loss(self, label: str) -> torch.Tensor:
        """``(points,)`` the lowest loss among restarts labelled ``label``; NaN where none was found."""
        found = torch.from_numpy(np.asarray(self.labels == label, dtype=bool))
        best = torch.where(found, self.losses, torch.full_like(self.losses, float("inf")))
        best = best.min(1).values
        return torch.where(torch.isinf(best), torch.full_like(best, float("nan")), best)

    def crossover(self, label_a: str = "pentagon", label_b: str = "2 digons") -> torch.Tensor:
        """Relative densities where the loss curves of the two configurations cross (:func:`loss_crossover`)."""
        return loss_crossover(self.relative, self.family_loss(label_a), self.family_loss(label_b))


def perturbation_sweep(
    relative: torch.Tensor | Sequence[float],
    *,
    base_density: float = 0.05,
    n_features: int = 5,
    feature: int = 0,
    k: int = 8,
    seed: int = 0,
    **train_kwargs: object,
) -> PerturbationSweep:
    """Train ``k`` restarts of a ``n_features → 2`` ReLU model per relative density, all at once.

    See :func:`vary_one_density` for the data; ``train_kwargs`` go to :func:`toy_lib.train`.
    ``relative`` is sorted ascending.
    """
    rel = torch.as_tensor(relative, dtype=torch.float32).flatten().sort().values
    cfg = vary_one_density(rel, base_density=base_density, n_features=n_features, feature=feature)
    best = train_best_of(cfg, k=k, seed=seed, **train_kwargs)
    W = best.all_restarts.W.detach().cpu().reshape(len(rel), k, 2, n_features).clone()
    b = best.all_restarts.b.detach().cpu().reshape(len(rel), k, n_features).clone()
    return PerturbationSweep(
        relative=rel, W=W, losses=best.losses, chosen=best.chosen, feature=feature, b=b,
        base_density=base_density, train_kwargs=dict(train_kwargs),
    )  # fmt: skip


def retrain_point(sweep: PerturbationSweep, index: int, seed: int) -> PerturbationSweep:
    """A copy of ``sweep`` whose point ``index`` has all its restarts trained again from ``seed``,
    as :func:`perturbation_sweep` trained them (that point alone); the other points are unchanged."""
    if sweep.base_density is None:
        raise ValueError(
            "this sweep did not record its base_density: build it with perturbation_sweep"
        )
    if not 0 <= index < len(sweep.relative):
        raise ValueError(
            f"index={index!r} is not allowed: it must be in [0, {len(sweep.relative)})"
        )
    k, _, n = sweep.W.shape[1:]
    cfg = vary_one_density(
        sweep.relative[index : index + 1], base_density=sweep.base_density, n_features=n,
        feature=sweep.feature,
    )  # fmt: skip
    best = train_best_of(cfg, k=k, seed=seed, **sweep.train_kwargs)
    W, losses = sweep.W.clone(), sweep.losses.clone()
    W[index] = best.all_restarts.W.detach().cpu().reshape(k, 2, n)
    losses[index] = best.losses[0]
    chosen = sweep.chosen.clone()
    chosen[index] = best.chosen[0]
    b = None
    if sweep.b is not None:
        b = sweep.b.clone()
        b[index] = best.all_restarts.b.detach().cpu().reshape(k, n)
    return replace(sweep, W=W, losses=losses, chosen=chosen, b=b)


def norm_from_bias(b: torch.Tensor) -> dict[str, torch.Tensor]:
    """Three candidate laws for a feature's norm given its bias, each of ``b`` 's shape.

    - ``"1/(1-b)"``: the paper's ``‖W_i‖ = 1/(1 − b_i)`` (§5, on the 5 → 2 pentagons), read with
      our sign of ``b`` (``x' = ReLU(WᵀWx + b)``);
    - ``"1/(1+b)"``: the same law with the paper's §4 sign (``ReLU(WᵀWx − b)``);
    - ``"sqrt(1-b)"``: ``‖W_i‖² + b_i = 1``, the norm at which a feature active alone at its
      largest value, ``x_i = 1``, is reconstructed exactly.
    """
    b = torch.as_tensor(b, dtype=torch.float32)
    return {
        "1/(1-b)": 1 / (1 - b),
        "1/(1+b)": 1 / (1 + b),
        "sqrt(1-b)": (1 - b).clamp_min(0).sqrt(),
    }


def configuration_labels(
    W: torch.Tensor, threshold: float = 0.5, max_cos: float = -0.95
) -> np.ndarray:
    """Name the configuration of each 2-D model: ``W: (..., 2, features)`` → ``(...)`` str array.

    With ``k`` represented features (``||W_i|| > threshold``): ``"{k/2} digons"`` (``"1 digon"``)
    when every one of them has an antipodal partner (``Ŵ_i · Ŵ_j < max_cos``); otherwise the
    polygon the k directions make, e.g. ``"pentagon"`` for any five, regular or deformed;
    ``"{k} features"`` where no polygon name applies (k ≤ 2 or k > 6).
    """
    W = _weights_2d(W, "configuration_labels")
    count = represented(W, threshold).sum(-1)
    paired = (antipodal(W, threshold, max_cos).sum(-1) == count) & (count > 0) & (count % 2 == 0)
    names = []
    for k, all_paired in zip(count.flatten().tolist(), paired.flatten().tolist(), strict=True):
        if all_paired:
            names.append("1 digon" if k == 2 else f"{k // 2} digons")
        else:
            names.append(_POLYGONS.get(k, f"{k} features"))
    return np.array(names, dtype=object).reshape(tuple(count.shape))


def _angles_ahead(W: torch.Tensor, threshold: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``ahead[..., i, j]``: degrees from feature i to feature j going counterclockwise, in
    ``[0, 360)``; ``valid[..., i, j]``: j is represented and ``j != i``. Both ``(..., n, n)``."""
    rep = represented(W, threshold)
    theta = torch.rad2deg(torch.atan2(W[..., 1, :], W[..., 0, :]))
    ahead = torch.remainder(theta.unsqueeze(-2) - theta.unsqueeze(-1), 360.0)
    valid = rep.unsqueeze(-2) & ~torch.eye(W.shape[-1], dtype=torch.bool)
    return ahead, valid


def angular_share(W: torch.Tensor, feature: int, threshold: float = 0.5) -> torch.Tensor:
    """Angle in degrees between the two represented neighbours of ``feature`` going round the circle.

    ``W: (..., 2, features)`` → ``(...)``. It is the sum of the two angular gaps next to the feature:
    144° in a regular pentagon, more when the neighbours are pushed away (the feature takes more
    room), less when they close in. NaN when ``feature`` is not represented or has fewer than two
    represented neighbours.
    """
    W = _weights_2d(W, "angular_share")
    _check_feature("feature", feature, W.shape[-1])
    ahead, valid = _angles_ahead(W, threshold)
    ahead, valid = ahead[..., feature, :], valid[..., feature, :]
    next_gap = torch.where(valid, ahead, torch.full_like(ahead, 360.0)).min(-1).values
    prev_gap = 360.0 - torch.where(valid, ahead, torch.zeros_like(ahead)).max(-1).values
    ok = represented(W, threshold)[..., feature] & (valid.sum(-1) >= 2)
    return torch.where(ok, next_gap + prev_gap, torch.full_like(next_gap, float("nan")))


def angular_neighbours(W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Each feature's two represented neighbours going round the circle: ``(..., features, 2)``
    int64, ``[clockwise, counterclockwise]``. ``W: (..., 2, features)``.

    Two features are *side by side* when each is one of the other's neighbours. Rows of features
    that are not represented, or have no represented neighbour, are ``-1``.
    """
    W = _weights_2d(W, "angular_neighbours")
    ahead, valid = _angles_ahead(W, threshold)
    nxt = torch.where(valid, ahead, torch.full_like(ahead, float("inf"))).argmin(-1)
    prev = torch.where(valid, ahead, torch.full_like(ahead, -1.0)).argmax(-1)
    ok = represented(W, threshold) & valid.any(-1)
    both = torch.stack([prev, nxt], dim=-1)
    return torch.where(ok.unsqueeze(-1), both, torch.full_like(both, -1))


def canonicalize_2d(W: torch.Tensor, anchor: int, orient: int) -> torch.Tensor:
    """Rotate (and, if needed, mirror) each 2-D model so that feature ``anchor`` points along +x and
    feature ``orient`` lies in the upper half plane, making solutions comparable at a glance.

    ``W: (..., 2, features)`` → a new tensor of the same shape (rotations and reflections of the
    hidden space leave the ReLU-output model's behaviour unchanged).
    """
    W = _weights_2d(W, "canonicalize_2d")
    for name, value in (("anchor", anchor), ("orient", orient)):
        _check_feature(name, value, W.shape[-1])
    phi = torch.atan2(W[..., 1, anchor], W[..., 0, anchor])
    c, s = phi.cos().unsqueeze(-1), phi.sin().unsqueeze(-1)
    x, y = W[..., 0, :], W[..., 1, :]
    x, y = c * x + s * y, c * y - s * x
    flip = torch.where(y[..., orient : orient + 1] < 0, -1.0, 1.0)
    return torch.stack([x, y * flip], dim=-2)


def loss_crossover(
    x: torch.Tensor | Sequence[float],
    loss_a: torch.Tensor | Sequence[float],
    loss_b: torch.Tensor | Sequence[float],
) -> torch.Tensor:
    """Where two loss curves cross: every ``x`` at which ``loss_a - loss_b`` changes sign.

    ``x: (points,)`` positive and ascending; ``loss_a``, ``loss_b``: ``(points,)``, NaN where that
    configuration was not found; those points, and exact ties, are skipped. Between the two
    remaining neighbours where the sign changes, the crossing is interpolated linearly in ``log x``. Returns ``(crossings,)``, ascending (empty when
    one configuration is better everywhere).
    """
    x = torch.as_tensor(x, dtype=torch.float64).flatten()
    a = torch.as_tensor(loss_a, dtype=torch.float64).flatten()
    b = torch.as_tensor(loss_b, dtype=torch.float64).flatten()
    if not (len(x) == len(a) == len(b)):
        raise ValueError(
            f"x, loss_a and loss_b have lengths {len(x)}, {len(a)}, {len(b)}: they must match"
        )
    if (x <= 0).any() or (torch.diff(x) <= 0).any():
        raise ValueError(f"x={x.tolist()!r:.80} is not allowed: it must be positive and ascending")
    d = a - b
    keep = torch.isfinite(d) & (d != 0)
    lx, d = x[keep].log(), d[keep]
    i = torch.nonzero(d[:-1] * d[1:] < 0).flatten()
    t = d[i] / (d[i] - d[i + 1])
    return (lx[i] + t * (lx[i + 1] - lx[i])).exp().float()


def label_changes(
    x: torch.Tensor | Sequence[float], labels: Sequence[str]
) -> list[tuple[float, float, str, str]]:
    """Neighbouring sweep points where the label changes: ``(x_before, x_after, before, after)``."""
    x = torch.as_tensor(x, dtype=torch.float64).flatten().tolist()
    labels = list(labels)
    if len(x) != len(labels):
        raise ValueError(f"x and labels have lengths {len(x)} and {len(labels)}: they must match")
    return [
        (x[i], x[i + 1], labels[i], labels[i + 1])
        for i in range(len(x) - 1)
        if labels[i] != labels[i + 1]
    ]


# --- correlated and anticorrelated feature sets ------------------------------------------------


def set_cosines(W: torch.Tensor, members: Sequence[int]) -> torch.Tensor:
    """``Ŵ_i · Ŵ_j`` for every pair ``i < j`` of ``members``: ``(..., pairs)`` in ``combinations``
    order. A zero-norm feature has cosine 0 with everything."""
    W = _weights(W)
    idx = torch.tensor(_check_members(members, W.shape[-1]))
    cos = cosine_similarity(W[..., idx])
    i, j = torch.triu_indices(len(idx), len(idx), offset=1)
    return cos[..., i, j]


def orthogonal_set(
    W: torch.Tensor, members: Sequence[int], tol: float = 0.1, threshold: float = 0.5
) -> torch.Tensor:
    """Boolean ``(...)``: the set forms a local orthogonal basis: every member is represented
    (``||W_i|| > threshold``) and every pair has ``|Ŵ_i · Ŵ_j| <= tol`` (0.1: within about 6° of
    a right angle)."""
    W = _weights(W)
    idx = _check_members(members, W.shape[-1])
    rep = represented(W[..., idx], threshold).all(-1)
    return rep & (set_cosines(W, idx).abs() <= tol).all(-1)


def antipodal_partner(
    W: torch.Tensor, threshold: float = 0.5, max_cos: float = -0.95
) -> torch.Tensor:
    """Each feature's antipodal partner: ``(..., features)`` int64.

    The represented feature ``j`` pointing most nearly opposite to feature ``i``, if
    ``Ŵ_i · Ŵ_j < max_cos`` (-0.95: within about 18° of opposite); ``-1`` when there is none or
    feature ``i`` itself is not represented.
    """
    W = _weights(W)
    rep = represented(W, threshold)
    cos = cosine_similarity(W).masked_fill(~rep.unsqueeze(-2), float("inf"))
    value, j = cos.min(-1)
    return torch.where(rep & (value < max_cos), j, torch.full_like(j, -1))


def rank_one_fraction(W: torch.Tensor, members: Sequence[int]) -> torch.Tensor:
    """Share of the set's squared weight along its top singular direction: ``σ_1² / Σ σ_k²`` of
    ``W[..., :, members]``: ``(...)``.

    1 when the set's columns all lie on one line (collapsed onto a principal component, or
    antipodal); ``1/k`` for ``k`` orthogonal columns of equal norm; 0 for an all-zero set.
    """
    W = _weights(W)
    idx = _check_members(members, W.shape[-1])
    s2 = torch.linalg.svdvals(W[..., idx]) ** 2
    total = s2.sum(-1)
    return torch.where(total > 0, s2[..., 0] / total.clamp_min(1e-30), torch.zeros_like(total))


def collapsed_set(
    W: torch.Tensor, members: Sequence[int], min_cos: float = 0.95, min_norm: float = 0.1
) -> torch.Tensor:
    """Boolean ``(...)``: the set is written along one shared direction, as the paper's collapse
    onto the principal component ``(a + b)/√2``: every member has ``||W_i|| > min_norm`` and every
    pair ``Ŵ_i · Ŵ_j >= min_cos`` (0.95: within about 18°). Unlike :func:`rank_one_fraction`,
    antipodal members do not count: they point opposite ways.
    """
    W = _weights(W)
    idx = _check_members(members, W.shape[-1])
    written = (feature_norms(W[..., idx]) > min_norm).all(-1)
    return written & (set_cosines(W, idx) >= min_cos).all(-1)


def set_geometry(W: torch.Tensor, members: Sequence[int]) -> str:
    """One model's set in words, for display: ``W: (hidden, features)``.

    ``"orthogonal"`` (:func:`orthogonal_set`), ``"collapsed"`` (:func:`collapsed_set`),
    ``"antipodal"`` (every member represented and opposite another member, as in
    :func:`antipodal_partner`), ``"side by side"`` (all pairs at positive cosine), else ``"mixed"``;
    followed by the range of the set's cosines.
    """
    W = _weights(W)
    if W.dim() != 2:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: set_geometry needs one model's (hidden, features)"
        )
    idx = _check_members(members, W.shape[-1])
    cos = set_cosines(W, idx)
    sub = W[:, idx]
    opposite = (cosine_similarity(sub) < -0.95).any(-1) & represented(sub)
    if orthogonal_set(W, idx):
        name = "orthogonal"
    elif collapsed_set(W, idx):
        name = "collapsed"
    elif opposite.all():
        name = "antipodal"
    elif (cos > 0).all():
        name = "side by side"
    else:
        name = "mixed"
    return f"{name} (cos {float(cos.min()):+.2f} to {float(cos.max()):+.2f})"


# Each structure: (n_features, n_hidden, correlated sets, anticorrelated sets).
CORRELATION_STRUCTURES: dict[str, tuple[int, int, tuple, tuple]] = {
    "2 correlated pairs (4 features, 2-D)": (4, 2, ((0, 1), (2, 3)), ()),
    "2 anticorrelated pairs (4 features, 2-D)": (4, 2, (), ((0, 1), (2, 3))),
    "correlated pair + anticorrelated pair (2-D)": (4, 2, ((0, 1),), ((2, 3),)),
    "4 independent features (2-D)": (4, 2, (), ()),
    "3 correlated pairs (6 features, 2-D)": (6, 2, ((0, 1), (2, 3), (4, 5)), ()),
    "correlated triple (3 features, 2-D)": (3, 2, ((0, 1, 2),), ()),
    "2 correlated triples (6 features, 3-D)": (6, 3, ((0, 1, 2), (3, 4, 5)), ()),
}
DENSITY_CHOICES = (0.003, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


@dataclass
class CorrelationResult:
    """One retrain: the best restart's ``W (hidden, features)``, its sets, loss and time."""

    W: torch.Tensor
    correlated: tuple
    anticorrelated: tuple
    loss: float
    seconds: float


def train_correlation_model(
    structure: str, density: float, seed: int = 0, restarts: int = 8
) -> CorrelationResult:
    """Train ``restarts`` copies of a :data:`CORRELATION_STRUCTURES` model, every feature at
    ``density`` (for anticorrelated sets: each member's own density), and keep the lowest-loss one."""
    if structure not in CORRELATION_STRUCTURES:
        raise ValueError(
            f"structure={structure!r} is not allowed: choose one of {list(CORRELATION_STRUCTURES)}"
        )
    n, m, corr, anti = CORRELATION_STRUCTURES[structure]
    start = time.perf_counter()
    cfg = Config(n, m, feature_probability=density, correlated=corr, anticorrelated=anti)
    result = train_best_of(cfg, k=restarts, seed=seed, progress=False)
    return CorrelationResult(
        W=result.model.W[0].detach().clone(),
        correlated=corr,
        anticorrelated=anti,
        loss=float(result.losses[0].min()),
        seconds=time.perf_counter() - start,
    )
