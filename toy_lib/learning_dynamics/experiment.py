"""Learning dynamics (paper §6): features jumping between "energy levels" while the loss drops.

During training, each feature's dimensionality ``D_i`` (its share of a dimension, see
:func:`metrics.feature_dimensionality`) tends to sit at one of the fractions of a regular
arrangement (1/2 in an antipodal pair, 2/5 in a pentagon, …) for a while and then move quickly to
another, and the loss drops at the same moment. This module records ``D_i`` over training and finds
those jumps with precise, testable definitions:

- Feature i **sits at level f** at a snapshot when ``|D_i − f| <= tol``.
- A **plateau** is a run of at least ``hold`` consecutive snapshots at which the feature sits at
  the same level.
- A **discrete jump** from level f to level g ≠ f: a plateau at f that ends at snapshot ``a``,
  followed by the feature's next plateau, at g, that starts at snapshot ``b``, with
  ``b − a <= window``. (Between a and b the feature may pass anywhere, but briefly.)
- The jump **coincides with a loss drop** when the smoothed loss was flat over the plateau
  before (it changed by at most ``flat`` from the plateau's first snapshot to the one
  before ``a``; at ``a`` the drop may already have begun, blurred by the smoothing),
  then falls from snapshot ``a`` to snapshot ``b`` by more than ``min_drop``, per
  snapshot at least :data:`FASTER` times as fast as over the plateau (so a loss that merely keeps
  sinking at its usual pace does not count). Loss changes are measured as shares of the run's
  whole descent (the first snapshot's loss minus the last's), so a model whose loss is mostly
  irreducible (e.g. many features it never represents) is judged by the part it can learn.

A steady drift of ``D_i`` through several levels is never a jump, as long as the levels are far
enough apart: to sit at a level for ``hold`` snapshots, ``D_i`` may move at most
``2·tol / (hold − 1)`` per snapshot, and at that speed it needs more than ``window`` snapshots to
cross the gap to the next level when every two levels are more than
``2·tol·(1 + window / (hold − 1))`` apart. :func:`find_jumps` refuses settings that break this.

Snapshots are log-spaced in steps (:func:`log_snapshot_steps`), so ``hold`` and ``window`` are
spans of log-time: with 100 snapshots over 10,000 steps, consecutive snapshots are about 10% apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch

from ..config import Config
from ..geometry_uniform.experiment import UNIFORM_POLYTOPES, Polytope
from ..metrics import angular_gaps, feature_dimensionality, feature_norms, represented
from ..models import ToyModel
from ..train import History, train
from ..validate import check_int, check_number

__all__ = [
    "DYNAMICS_DENSITIES",
    "Dynamics",
    "FASTER",
    "INIT_SCALES",
    "Jump",
    "analyze",
    "descent_share",
    "drop_windows",
    "find_jumps",
    "fraction_label",
    "is_regular_polygon",
    "level_index",
    "log_snapshot_steps",
    "masked_dimensionality",
    "planar_levels",
    "smoothed_loss",
    "train_dynamics",
    "train_uniform_dynamics",
    "train_with_snapshots",
    "uniform_levels",
]

# How much faster (per snapshot) the loss must fall across a jump than over the plateau before it.
FASTER = 2.0

_POLYGON_NAMES = {3: "triangle", 5: "pentagon", 6: "hexagon", 7: "heptagon", 8: "octagon"}


def planar_levels(n_features: int) -> tuple[Polytope, ...]:
    """The energy levels of a model with 2 hidden dimensions, from 1 down to ``2 / n_features``.

    A feature can own a dimension (1), share one with an antipodal partner (a digon, 1/2; two
    orthogonal digons make a square), or be a vertex of a regular k-gon spanning the plane
    (``2/k``: triangle 2/3, pentagon 2/5, hexagon 1/3, …). Returned as :class:`geometry.Polytope`,
    largest fraction first.
    """
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < 1:
        raise ValueError(f"n_features={n_features!r} is not allowed: it must be an integer >= 1")
    levels = [Polytope("dedicated", 1, 1)]
    if n_features >= 2:
        levels.append(Polytope("digon", 2, 1))
    # A square is two orthogonal digons: same level 1/2, listed once.
    for k in (k for k in range(3, n_features + 1) if k != 4):
        levels.append(Polytope(_POLYGON_NAMES.get(k, f"{k}-gon"), k, 2))
    return tuple(sorted(levels, key=lambda p: -p.fraction))


def fraction_label(value: float) -> str:
    """A level as a short fraction, e.g. ``0.4 → "2/5"``, ``1.0 → "1"``."""
    return str(Fraction(value).limit_denominator(16))


def log_snapshot_steps(steps: int, n_snapshots: int = 100) -> list[int]:
    """Step 0 and about ``n_snapshots`` log-spaced steps from 1 to ``steps``, as sorted unique ints.

    Early steps are close together, so a few are merged: the list can be shorter than
    ``n_snapshots + 1``. It always ends with ``steps``.
    """
    check_int("steps", steps, 1)
    check_int("n_snapshots", n_snapshots, 1)
    points = np.round(np.logspace(0, math.log10(steps), n_snapshots)).astype(int)
    return sorted({0, steps, *points.tolist()})


def train_with_snapshots(
    cfg: Config,
    *,
    steps: int = 10_000,
    n_snapshots: int = 100,
    init_scale: float = 1.0,
    seed: int = 0,
    output: str = "relu",
    **train_kwargs: object,
) -> History:
    """Train a :class:`ToyModel` from ``init_scale`` times its usual (Xavier-normal) initial ``W``,
    keeping log-spaced snapshots (:func:`log_snapshot_steps`) of ``W`` and ``b``.

    ``seed`` seeds both the initial weights and the data. ``train_kwargs`` go to :func:`train`
    (e.g. ``lr``). Returns the :class:`History`; its last snapshot is the trained model.
    """
    model = ToyModel(cfg, output=output, seed=seed, init_scale=init_scale)
    return train(
        model,
        steps=steps,
        seed=seed,
        snapshot_every=log_snapshot_steps(steps, n_snapshots),
        **train_kwargs,
    )


def masked_dimensionality(snapshot_W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """``D_i`` at every snapshot, NaN where feature i is not represented (``||W_i|| <= threshold``).

    ``snapshot_W: (snapshots, instances, hidden, features)`` → ``(snapshots, instances, features)``.
    ``D_i`` only depends on directions, so a feature with a tiny norm still gets a value, one that
    says nothing about how the model uses it; NaN keeps such features off every level (and makes
    plotted lines start when a feature becomes represented and stop when it is dropped).
    """
    W = torch.as_tensor(snapshot_W)
    if W.dim() != 4:
        raise ValueError(
            f"snapshot_W has shape {tuple(W.shape)}: it must be (snapshots, instances, hidden, features)"
        )
    D = feature_dimensionality(W)
    return torch.where(feature_norms(W) > threshold, D, torch.full_like(D, math.nan))


def smoothed_loss(
    loss: torch.Tensor, snapshot_steps: torch.Tensor | Sequence[int], span: float = 0.1
) -> torch.Tensor:
    """The per-step training loss averaged around every snapshot: ``(snapshots, instances)``.

    ``loss: (steps, instances)``, entry t computed with the weights after t updates, i.e. the
    weights of a snapshot taken at step t. Around snapshot step s the mean runs over steps
    ``floor(s / (1 + span))`` to ``ceil(s · (1 + span))`` (clipped to the run): a window of fixed
    width in log-steps, centred on s, so a drop is not shifted in time.
    """
    L = torch.as_tensor(loss, dtype=torch.float64)
    if L.dim() != 2 or L.shape[0] < 1:
        raise ValueError(f"loss has shape {tuple(L.shape)}: it must be (steps, instances)")
    if isinstance(span, bool) or not (isinstance(span, int | float) and 0 <= span <= 1):
        raise ValueError(f"span={span!r} is not allowed: it must be a number in [0, 1]")
    s = torch.as_tensor(snapshot_steps, dtype=torch.float64).reshape(-1)
    if (s < 0).any():
        raise ValueError(f"snapshot_steps={s.tolist()!r} is not allowed: steps must be >= 0")
    last = L.shape[0] - 1
    lo = torch.floor(s / (1 + span)).clamp(max=last).long()
    hi = torch.maximum(torch.ceil(s * (1 + span)).clamp(max=last).long(), lo)
    csum = torch.cat([torch.zeros(1, L.shape[1], dtype=L.dtype), L.cumsum(0)])
    return ((csum[hi + 1] - csum[lo]) / (hi + 1 - lo).unsqueeze(1)).float()


def _check_levels(levels: Sequence[float], tol: float) -> torch.Tensor:
    f = torch.as_tensor(list(levels), dtype=torch.float64).reshape(-1)
    if f.numel() == 0 or not torch.isfinite(f).all():
        raise ValueError(f"levels={list(levels)!r} is not allowed: give one or more finite numbers")
    if not (isinstance(tol, int | float) and not isinstance(tol, bool) and tol > 0):
        raise ValueError(f"tol={tol!r} is not allowed: it must be a number > 0")
    gaps = torch.diff(f.sort().values)
    if f.numel() > 1 and gaps.min() <= 2 * tol:
        raise ValueError(
            f"tol={tol!r} is not allowed with levels={[round(v, 4) for v in f.tolist()]}: "
            f"it must be below half the smallest gap between levels ({float(gaps.min()) / 2:.4g})"
        )
    return f


def level_index(D: torch.Tensor, levels: Sequence[float], tol: float) -> torch.Tensor:
    """Which level each ``D_i`` sits at: index into ``levels`` when ``|D_i − level| <= tol``, else
    ``-1`` (also for NaN). Same shape as ``D``, int64. Levels must be more than ``2·tol`` apart."""
    f = _check_levels(levels, tol)
    dist = (torch.as_tensor(D, dtype=torch.float64).unsqueeze(-1) - f).abs()
    nearest = dist.nan_to_num(math.inf).min(-1)
    return torch.where(nearest.values <= tol, nearest.indices, torch.full_like(nearest.indices, -1))


@dataclass(frozen=True)
class Jump:
    """One discrete jump of one feature (see the module docstring for the definitions).

    Attributes:
        instance, feature: where.
        start: snapshot index of the last snapshot at the old level (``a``).
        end: snapshot index of the first snapshot at the new level (``b``).
        from_level, to_level: the two levels' fractions.
        loss_drop: fall of the smoothed loss from ``a`` to ``b`` (negative if it rose), as a
            share of the run's whole descent (first snapshot's loss minus the last's).
        plateau_start: snapshot index of the first snapshot of the plateau at the old level.
        plateau_drop: fall of the smoothed loss over that plateau, as the same share.
        settled_drop: the same, up to the plateau's second-to-last snapshot (its last may
            already hold the start of the drop, blurred by the smoothing).
        coincides: the loss was flat on the plateau (``|settled_drop| <= flat``), then fell
            by ``loss_drop > min_drop``, and ``loss_drop / (end − start)`` is more than
            :data:`FASTER` times ``plateau_drop / (start − plateau_start)``.
    """

    instance: int
    feature: int
    start: int
    end: int
    from_level: float
    to_level: float
    loss_drop: float
    plateau_start: int
    plateau_drop: float
    settled_drop: float
    coincides: bool

    @property
    def label(self) -> str:
        """E.g. ``"1/2 → 2/5"``."""
        return f"{fraction_label(self.from_level)} → {fraction_label(self.to_level)}"


def descent_share(L: torch.Tensor, t0: torch.Tensor | int, t1: torch.Tensor | int) -> torch.Tensor:
    """Fall of the loss ``L (snapshots, ...)`` from snapshot ``t0`` to ``t1``, as a share of the
    whole run's descent ``L[0] − L[-1]``: ``(...)``, 0 where the run did not descend.

    Every loss change in this module is measured this way, so a run whose loss is mostly
    irreducible is judged by the part it can learn."""
    descent = L[0] - L[-1]
    return torch.where(descent > 0, (L[t0] - L[t1]) / descent.clamp_min(1e-30), 0.0)


def _drops(
    drop: torch.Tensor,
    span: int,
    before: torch.Tensor,
    before_span: int,
    settled: torch.Tensor,
    min_drop: float,
    flat: float,
) -> torch.Tensor:
    """The loss-drop test: ``drop`` over ``span`` snapshots, after a plateau that fell by
    ``before`` over ``before_span`` snapshots and was flat (``|settled| <= flat``: its fall up to
    its second-to-last snapshot), and per snapshot :data:`FASTER` times as fast as over it."""
    fast = drop / span > FASTER * before / before_span
    return (drop > min_drop) & (settled.abs() <= flat) & fast


def drop_windows(
    loss: torch.Tensor, *, span: int = 3, hold: int = 4, min_drop: float = 0.05, flat: float = 0.05
) -> torch.Tensor:
    """Where the loss drops as :func:`find_jumps` requires, whether or not any feature jumps.

    ``loss: (snapshots, instances)`` smoothed loss. Entry ``[a, k]`` is True when instance k's loss
    falls by more than ``min_drop`` from snapshot ``a`` to ``a + span``, after changing by at most
    ``flat`` from ``a − hold + 1`` to ``a − 1`` (a flat plateau of the shortest length), and per
    snapshot at least :data:`FASTER` times as fast; False where either end is out of range. Its mean is the chance
    that a window of ``span`` snapshots holds such a drop: the base rate to compare jumps against.
    """
    L = torch.as_tensor(loss, dtype=torch.float64)
    if L.dim() != 2:
        raise ValueError(f"loss has shape {tuple(L.shape)}: it must be (snapshots, instances)")
    check_int("span", span, 1)
    check_int("hold", hold, 2)
    check_number("min_drop", min_drop, 0, 1)
    check_number("flat", flat, 0, 1)
    out = torch.zeros(L.shape, dtype=torch.bool)
    a = torch.arange(hold - 1, L.shape[0] - span)
    if a.numel():
        before = descent_share(L, a - hold + 1, a)
        settled = descent_share(L, a - hold + 1, a - 1)
        out[a] = _drops(
            descent_share(L, a, a + span), span, before, hold - 1, settled, min_drop, flat
        )
    return out


def _plateaus(labels: list[int], hold: int) -> list[tuple[int, int, int]]:
    """Runs of one level (label >= 0) lasting at least ``hold`` entries: ``(first, last, label)``."""
    runs, first = [], 0
    for t in range(1, len(labels) + 1):
        if t == len(labels) or labels[t] != labels[first]:
            if labels[first] >= 0 and t - first >= hold:
                runs.append((first, t - 1, labels[first]))
            first = t
    return runs


def find_jumps(
    D: torch.Tensor,
    loss: torch.Tensor,
    levels: Sequence[float],
    *,
    tol: float = 0.015,
    hold: int = 4,
    window: int = 3,
    min_drop: float = 0.05,
    flat: float = 0.05,
) -> list[Jump]:
    """Every discrete jump of every feature, and whether it coincides with a loss drop.

    ``D: (snapshots, instances, features)`` dimensionalities (NaN = not represented, see
    :func:`masked_dimensionality`); ``loss: (snapshots, instances)`` the smoothed loss at the same
    snapshots (:func:`smoothed_loss`); ``levels``: the fractions (e.g. from :func:`planar_levels`).
    Definitions are in the module docstring. Jumps come ordered by instance, feature, then time.

    Raises:
        ValueError: bad shapes or settings, including levels too close together for ``tol``,
            ``hold`` and ``window`` to tell a jump from a steady drift.
    """
    D = torch.as_tensor(D)
    L = torch.as_tensor(loss, dtype=torch.float64)
    if D.dim() != 3 or L.shape != D.shape[:2]:
        raise ValueError(
            f"D has shape {tuple(D.shape)} and loss {tuple(L.shape)}: they must be "
            "(snapshots, instances, features) and (snapshots, instances)"
        )
    check_int("hold", hold, 2)
    check_int("window", window, 1)
    check_number("min_drop", min_drop, 0, 1)
    check_number("flat", flat, 0, 1)
    f = _check_levels(levels, tol)
    need = 2 * tol * (1 + window / (hold - 1))
    if f.numel() > 1 and torch.diff(f.sort().values).min() <= need:
        raise ValueError(
            f"levels={[round(v, 4) for v in f.tolist()]} are too close for tol={tol}, hold={hold}, "
            f"window={window}: every two levels must be more than {need:.4g} apart, or a steady "
            "drift could pass for a jump. Lower tol or window, or raise hold."
        )
    labels = level_index(D, f.tolist(), tol)
    jumps = []
    for k in range(D.shape[1]):
        for i in range(D.shape[2]):
            runs = _plateaus(labels[:, k, i].tolist(), hold)
            for (p, a, g0), (b, _, g1) in zip(runs[:-1], runs[1:], strict=True):
                if g0 == g1 or b - a > window:
                    continue
                drop = float(descent_share(L[:, k], a, b))
                before = float(descent_share(L[:, k], p, a))
                settled = float(descent_share(L[:, k], p, a - 1))
                jumps.append(
                    Jump(
                        instance=k,
                        feature=i,
                        start=a,
                        end=b,
                        from_level=float(f[g0]),
                        to_level=float(f[g1]),
                        loss_drop=drop,
                        plateau_start=p,
                        plateau_drop=before,
                        settled_drop=settled,
                        coincides=bool(
                            _drops(
                                *(torch.tensor(drop), b - a, torch.tensor(before), a - p),
                                *(torch.tensor(settled), min_drop, flat),
                            )
                        ),
                    )
                )
    return jumps


@dataclass
class Dynamics:
    """One training run's trajectory, measured: what the plots and the explorer read.

    Attributes:
        steps: ``(snapshots,)`` step of each snapshot.
        W: ``(snapshots, instances, hidden, features)`` snapshots of ``W``.
        D: ``(snapshots, instances, features)`` :func:`masked_dimensionality` of ``W``.
        loss: ``(steps, instances)`` per-step training loss.
        smoothed: ``(snapshots, instances)`` :func:`smoothed_loss` at the snapshots.
        levels: the energy levels searched, largest fraction first.
        jumps: :func:`find_jumps` on ``D`` and ``smoothed``.
    """

    steps: torch.Tensor
    W: torch.Tensor
    D: torch.Tensor
    loss: torch.Tensor
    smoothed: torch.Tensor
    levels: tuple[Polytope, ...]
    jumps: list[Jump]

    def coinciding(self, instance: int | None = None) -> list[Jump]:
        """The jumps that coincide with a loss drop (of one instance, or of all)."""
        return [j for j in self.jumps if j.coincides and instance in (None, j.instance)]

    @property
    def instances_with_jump(self) -> list[int]:
        """Instances with at least one jump that coincides with a loss drop, ascending."""
        return sorted({j.instance for j in self.coinciding()})


def analyze(
    history: History,
    levels: Sequence[Polytope],
    *,
    threshold: float = 0.5,
    span: float = 0.1,
    **jump_kwargs: float,
) -> Dynamics:
    """Measure a run recorded with snapshots (e.g. by :func:`train_with_snapshots`).

    ``threshold``: the norm below which a feature counts as not represented
    (:func:`masked_dimensionality`); ``span``: the loss smoothing (:func:`smoothed_loss`);
    ``jump_kwargs`` (``tol``, ``hold``, ``window``, ``min_drop``, ``flat``) go to :func:`find_jumps`.
    """
    if history.snapshot_W is None:
        raise ValueError(
            "history has no snapshots: train with snapshot_every=... (see train_with_snapshots)"
        )
    levels = tuple(sorted(levels, key=lambda p: -p.fraction))
    D = masked_dimensionality(history.snapshot_W, threshold)
    smoothed = smoothed_loss(history.loss, history.snapshot_steps, span)
    jumps = find_jumps(D, smoothed, [p.fraction for p in levels], **jump_kwargs)
    return Dynamics(
        steps=history.snapshot_steps,
        W=history.snapshot_W,
        D=D,
        loss=history.loss,
        smoothed=smoothed,
        levels=levels,
        jumps=jumps,
    )


def is_regular_polygon(
    W: torch.Tensor, k: int, *, tol_degrees: float = 5.0, threshold: float = 0.5
) -> torch.Tensor:
    """Whether each 2-D model is a regular ``k``-gon: exactly ``k`` represented features
    (``||W_i|| > threshold``), with every angle between neighbours within ``tol_degrees`` of
    ``360 / k``. ``W: (..., 2, features)`` → bool ``(...)``."""
    W = torch.as_tensor(W).detach()
    if W.dim() < 2 or W.shape[-2] != 2:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be (..., 2, features)")
    flat = W.reshape(-1, 2, W.shape[-1])
    n_rep = represented(flat, threshold).sum(-1)
    out = torch.zeros(flat.shape[0], dtype=torch.bool)
    for i in range(flat.shape[0]):
        if int(n_rep[i]) == k:
            gaps = angular_gaps(flat[i], threshold)
            out[i] = bool(((gaps - 360 / k).abs() <= tol_degrees).all())
    return out.reshape(W.shape[:-2])


DYNAMICS_DENSITIES = (0.02, 0.03, 0.05, 0.1, 0.2)
INIT_SCALES = (0.01, 0.03, 0.1, 0.3, 1.0)


def train_dynamics(
    density: float = 0.05,
    init_scale: float = 0.1,
    seed: int = 0,
    *,
    n_features: int = 6,
    n_instances: int = 8,
    steps: int = 10_000,
) -> Dynamics:
    """Notebook 06's run: ``n_instances`` models of ``n_features`` equally important features in
    2 dimensions at feature density ``density``, started from ``init_scale`` times the Xavier
    initial ``W`` and trained with log-spaced snapshots, then measured against
    :func:`dynamics.planar_levels` (:func:`dynamics.analyze`)."""
    cfg = Config(n_features, 2, n_instances, feature_probability=density, importance=1.0)
    history = train_with_snapshots(
        cfg, steps=steps, init_scale=init_scale, seed=seed, progress=False
    )
    return analyze(history, planar_levels(n_features))


def uniform_levels() -> tuple[Polytope, ...]:
    """The energy levels searched in a §5 uniform model: the paper's polytopes of §5 (dedicated 1,
    tetrahedron 3/4, triangle 2/3, digon 1/2, pentagon 2/5) without the square antiprism (3/8),
    which lies too close to the pentagon's 2/5 for :func:`find_jumps` to tell a jump from a drift
    at ``tol=0.015``."""
    return tuple(p for p in UNIFORM_POLYTOPES if p.name != "square antiprism")


def train_uniform_dynamics(
    density: float = 0.3,
    init_scale: float = 1.0,
    seed: int = 0,
    *,
    n_features: int = 200,
    n_hidden: int = 20,
    n_instances: int = 4,
    steps: int = 10_000,
) -> Dynamics:
    """The paper's setup for §6's first phenomenon: ``n_instances`` models of the §5 uniform
    family (``n_features`` equally important features in ``n_hidden`` dimensions, all at density
    ``density``), trained from ``init_scale`` times the default start with log-spaced snapshots,
    measured against :func:`uniform_levels`. At density 0.3 every feature the 200 → 20 model
    represents ends in a digon: the kind of model the paper picks."""
    cfg = Config(n_features, n_hidden, n_instances, feature_probability=density, importance=1.0)
    history = train_with_snapshots(
        cfg, steps=steps, init_scale=init_scale, seed=seed, progress=False
    )
    return analyze(history, uniform_levels())
