"""Loss plateaus and the regimes of a training run (paper §6, "learning as geometric transformations").

The paper's second learning-dynamics phenomenon: 6 features in 3 dimensions, as two sets of 3
correlated features, learn "in distinct regimes which are visible in the loss curve, with each
regime corresponding to a distinct geometric transformation", ending in an octahedron whose
antipodal pairs join features of different sets. This module makes every word of that countable:

- The loss of a snapshot is the paper's loss of its weights on one fixed evaluation sample
  (:func:`snapshot_loss`): no batch noise, so a flat stretch is really flat.
- A **loss plateau** is a maximal run of at least ``hold`` consecutive snapshots over which the
  loss stays within a band of width ``flat × (L_start − L_end)``, a share of the run's whole
  descent (:func:`loss_plateaus`). Scanned greedily from the first snapshot.
- A **regime** is a plateau labelled with the model's most common geometry over its snapshots
  (:func:`triples_geometry`); the run's regimes are its plateaus in order (:func:`regimes`).
- A **geometric transformation** is a change of label between two consecutive regimes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..config import Config
from ..geometry_nonuniform.experiment import antipodal_partner, orthogonal_set
from ..metrics import cosine_similarity, feature_norms
from ..models import ToyModel
from ..train import History, evaluate_loss, train
from ..validate import check_int, check_number
from .experiment import log_snapshot_steps

__all__ = [
    "TRIPLES",
    "Regime",
    "TriplesRun",
    "loss_plateaus",
    "regimes",
    "set_directions",
    "snapshot_loss",
    "train_triples",
    "triples_geometry",
]

TRIPLES = ((0, 1, 2), (3, 4, 5))


def snapshot_loss(
    cfg: Config, snapshot_W: torch.Tensor, snapshot_b: torch.Tensor, *, n_samples: int = 20_000
) -> torch.Tensor:
    """The paper's loss of every snapshot on one fixed sample: ``(snapshots, instances)``.

    ``snapshot_W: (snapshots, instances, hidden, features)``, ``snapshot_b: (snapshots, instances,
    features)``, from a run of ``cfg`` (ReLU output model). Every snapshot sees the same inputs
    (:func:`train.evaluate_loss`), so differences between snapshots are differences of weights.
    """
    W = torch.as_tensor(snapshot_W)
    b = torch.as_tensor(snapshot_b)
    if W.dim() != 4 or W.shape[1:] != (cfg.n_instances, cfg.n_hidden, cfg.n_features):
        raise ValueError(
            f"snapshot_W has shape {tuple(W.shape)}: it must be (snapshots, {cfg.n_instances}, "
            f"{cfg.n_hidden}, {cfg.n_features}) for this cfg"
        )
    if b.shape != (W.shape[0], cfg.n_instances, cfg.n_features):
        raise ValueError(
            f"snapshot_b has shape {tuple(b.shape)}: it must be {tuple(W.shape[:2]) + (cfg.n_features,)}"
        )
    s = W.shape[0]
    # Instance k's snapshots become instances k*s .. k*s+s-1 of one model, sharing k's data settings.
    model = ToyModel(cfg.repeat_instances(s))
    with torch.no_grad():
        model.W.copy_(W.transpose(0, 1).reshape(-1, cfg.n_hidden, cfg.n_features))
        model.b.copy_(b.transpose(0, 1).reshape(-1, cfg.n_features))
        return evaluate_loss(model, n_samples=n_samples).reshape(cfg.n_instances, s).T


def loss_plateaus(
    loss: torch.Tensor, *, flat: float = 0.05, hold: int = 6
) -> list[tuple[int, int]]:
    """The loss plateaus of one run: ``[(first, last), ...]`` snapshot indices, in order.

    ``loss: (snapshots,)``. A plateau is a maximal run of at least ``hold`` snapshots whose losses
    all lie within a band of width ``flat × (loss[0] − loss[-1])`` (a share of the whole descent).
    Scanned greedily: from each start, the run is extended as far as the band allows; a run that
    is too short moves the start on by one. A run whose loss never falls has no plateau.
    """
    L = torch.as_tensor(loss, dtype=torch.float64).reshape(-1)
    check_number("flat", flat, 0, 1, low_open=True)
    check_int("hold", hold, 2)
    if L.numel() < 2 or not torch.isfinite(L).all():
        raise ValueError(
            f"loss has {L.numel()} values: give 2 or more finite losses, one per snapshot"
        )
    band = flat * float(L[0] - L[-1])
    if band <= 0:
        return []
    out, a, n = [], 0, L.numel()
    while a < n:
        lo = hi = float(L[a])
        b = a
        while b + 1 < n and max(hi, float(L[b + 1])) - min(lo, float(L[b + 1])) <= band:
            b += 1
            lo, hi = min(lo, float(L[b])), max(hi, float(L[b]))
        if b - a + 1 >= hold:
            out.append((a, b))
            a = b + 1
        else:
            a += 1
    return out


def set_directions(W: torch.Tensor, members: Sequence[int], min_cos: float = 0.9) -> int:
    """How many directions a set of features is written along: ``W: (hidden, features)``.

    Members whose directions are within ``cos >= min_cos`` (0.9: about 26°) of each other, directly
    or through a chain of such members, count as one direction. A collapsed set (all members on
    its principal component) has 1; a set spread as a local orthogonal basis has as many as it has
    members.
    """
    W = torch.as_tensor(W).detach()
    idx = list(members)
    close = cosine_similarity(W[:, idx]) >= min_cos
    group = list(range(len(idx)))
    for i in range(len(idx)):
        for j in range(i + 1, len(idx)):
            if close[i, j]:
                gi, gj = group[i], group[j]
                group = [gi if g == gj else g for g in group]
    return len(set(group))


def triples_geometry(W: torch.Tensor, sets: Sequence[Sequence[int]] = TRIPLES) -> str:
    """One model's arrangement of two correlated sets, in words: ``W: (hidden, features)``.

    In order: ``"not yet learned"`` (every ``||W_i|| < 0.3``); ``"octahedron"`` (every feature
    represented, ``||W_i|| > 0.5``, each set orthogonal within ``|cos| <= 0.1``, and each feature's
    most opposite feature, at ``cos < −0.95``, in the other set); when both sets are collapsed
    (:func:`set_directions` = 1 each), ``"PCA: one direction"`` if the two sets' directions are
    within ``|cos| >= 0.9`` of each other, else ``"PCA: two directions"``; otherwise
    ``"a + b directions"``, the two sets' :func:`set_directions` (e.g. ``"2 + 2 directions"``).
    """
    W = torch.as_tensor(W).detach()
    if W.dim() != 2:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be one model's (hidden, features)")
    if len(sets) != 2:
        raise ValueError(f"sets={sets!r} is not allowed: give exactly two sets of features")
    a, b = (list(s) for s in sets)
    norms = feature_norms(W)
    if (norms < 0.3).all():
        return "not yet learned"
    if (norms > 0.5).all() and orthogonal_set(W, a) and orthogonal_set(W, b):
        partner = antipodal_partner(W).tolist()  # -1 where none is within cos < -0.95
        if all(j >= 0 and (i in a) != (j in a) for i, j in enumerate(partner)):
            return "octahedron"
    na, nb = set_directions(W, a), set_directions(W, b)
    if na == nb == 1:
        da, db = W[:, a].sum(-1), W[:, b].sum(-1)
        c = float(da @ db / (da.norm() * db.norm()).clamp_min(1e-12))
        return "PCA: one direction" if abs(c) >= 0.9 else "PCA: two directions"
    return f"{na} + {nb} directions"


@dataclass(frozen=True)
class Regime:
    """One plateau of one run: snapshot indices ``first..last``, its steps, mean loss and geometry."""

    first: int
    last: int
    first_step: int
    last_step: int
    loss: float
    geometry: str


def regimes(
    steps: torch.Tensor,
    W: torch.Tensor,
    loss: torch.Tensor,
    *,
    flat: float = 0.05,
    hold: int = 6,
    sets: Sequence[Sequence[int]] = TRIPLES,
) -> list[Regime]:
    """The regimes of one run: its :func:`loss_plateaus`, each labelled by the most common
    :func:`triples_geometry` over the plateau's snapshots (ties: the earliest label).

    ``steps: (snapshots,)``, ``W: (snapshots, hidden, features)``, ``loss: (snapshots,)``.
    """
    W = torch.as_tensor(W)
    if W.dim() != 3 or W.shape[0] != len(steps) or len(loss) != len(steps):
        raise ValueError(
            f"steps ({len(steps)}), W {tuple(W.shape)} and loss ({len(loss)}) must be "
            "(snapshots,), (snapshots, hidden, features) and (snapshots,)"
        )
    out = []
    for a, b in loss_plateaus(loss, flat=flat, hold=hold):
        labels = Counter(triples_geometry(W[t], sets) for t in range(a, b + 1))
        mean = float(torch.as_tensor(loss)[a : b + 1].mean())
        out.append(Regime(a, b, int(steps[a]), int(steps[b]), mean, labels.most_common(1)[0][0]))
    return out


@dataclass
class TriplesRun:
    """Notebook 06's run of two correlated triples in 3-D.

    Attributes:
        cfg: the configuration trained.
        steps: ``(snapshots,)``; W: ``(snapshots, instances, 3, 6)``; loss: ``(snapshots,
            instances)`` :func:`snapshot_loss`; regimes: per instance, :func:`regimes`;
        final: per instance, :func:`triples_geometry` of the trained model.
    """

    cfg: Config
    steps: torch.Tensor
    W: torch.Tensor
    loss: torch.Tensor
    regimes: list[list[Regime]]
    final: list[str]

    def transformations(self, instance: int) -> list[str]:
        """The instance's sequence of regime geometries, consecutive repeats merged."""
        seq: list[str] = []
        for r in self.regimes[instance]:
            if not seq or seq[-1] != r.geometry:
                seq.append(r.geometry)
        return seq

    def stages(self, instance: int) -> list[str]:
        """:meth:`transformations` after the features are learned (without "not yet learned")."""
        return [g for g in self.transformations(instance) if g != "not yet learned"]

    @property
    def octahedra(self) -> int:
        """How many instances end as the paper's octahedron."""
        return sum(g == "octahedron" for g in self.final)

    @property
    def pca_first(self) -> int:
        """How many instances learn a PCA solution (both sets collapsed) as their first stage."""
        return sum(bool(s) and s[0].startswith("PCA") for s in map(self.stages, self._ks))

    def with_stages(self, n: int) -> int:
        """How many instances pass through at least ``n`` stages (distinct consecutive regimes
        after the features are learned)."""
        return sum(len(self.stages(k)) >= n for k in self._ks)

    @property
    def _ks(self) -> range:
        return range(self.W.shape[1])


def train_triples(
    density: float = 0.1,
    init_scale: float = 0.1,
    seed: int = 0,
    *,
    n_instances: int = 8,
    steps: int = 10_000,
    n_snapshots: int = 100,
) -> TriplesRun:
    """Train ``n_instances`` models of 6 equally important features in 3 dimensions, as two
    correlated triples (:data:`TRIPLES`: each set active or zero together, values drawn
    separately), at feature density ``density``, from ``init_scale`` times the default start,
    with log-spaced snapshots; measure every snapshot's loss and the run's regimes."""
    check_int("n_instances", n_instances)
    cfg = Config(6, 3, n_instances, feature_probability=density, importance=1.0, correlated=TRIPLES)
    model = ToyModel(cfg, seed=seed, init_scale=init_scale)
    history: History = train(
        model,
        steps=steps,
        seed=seed,
        snapshot_every=log_snapshot_steps(steps, n_snapshots),
        progress=False,
    )
    loss = snapshot_loss(cfg, history.snapshot_W, history.snapshot_b)
    W = history.snapshot_W
    runs = [regimes(history.snapshot_steps, W[:, k], loss[:, k]) for k in range(n_instances)]
    final = [triples_geometry(W[-1, k]) for k in range(n_instances)]
    return TriplesRun(cfg, history.snapshot_steps, W, loss, runs, final)
