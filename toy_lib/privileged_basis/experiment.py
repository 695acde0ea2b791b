"""Superposition in a privileged basis (paper §8): ReLU hidden neurons, monosemantic or not.

With ``h = ReLU(W x)`` the hidden units are *neurons*: a ReLU acts on each coordinate separately,
so rotating the hidden space changes the model and the coordinate axes become special (a
privileged basis). A neuron is **monosemantic** when its input weights (row ``W[k, :]``) sit on one
feature and **polysemantic** when they spread over several. In the linear-hidden model of §1-§7
any rotation of ``W`` is an equally good solution, so its rows mean nothing in particular.

The experiment (the paper's §8, https://transformer-circuits.pub/2022/toy_model/index.html#privileged-basis; ARENA 1.3.1's densities): ``n = 10`` features, ``m = 5`` neurons,
importance ``0.75**i``, densities ``[0.75, 0.35, 0.15, 0.1, 0.06, 0.02, 0.01]``, 10,000 steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import torch

from ..config import Config, decaying_importance
from ..metrics import cosine_similarity, monosemanticity
from ..models import ToyModel
from ..train import BestOf, train_best_of

__all__ = [
    "PAPER_REGIMES",
    "Regime",
    "binary_code",
    "neurons_per_feature",
    "regime",
    "DEAD",
    "DENSITIES",
    "MONOSEMANTIC",
    "NEURON_KINDS",
    "NeuronCounts",
    "POLYSEMANTIC",
    "PRIVILEGED_DENSITIES",
    "classify_neurons",
    "count_neurons",
    "neuron_order",
    "privileged_config",
    "train_privileged",
]

DENSITIES = (0.75, 0.35, 0.15, 0.1, 0.06, 0.02, 0.01)
MONOSEMANTIC, POLYSEMANTIC, DEAD = 0, 1, 2
NEURON_KINDS = ("monosemantic", "polysemantic", "dead")


def classify_neurons(
    W: torch.Tensor, *, mono_threshold: float = 0.9, dead_norm: float = 0.1
) -> torch.Tensor:
    """Kind of every neuron (row of ``W: (..., hidden, features)``): ``(..., hidden)`` int64.

    :data:`DEAD` if its weight norm is below ``dead_norm`` (it never fires usefully),
    :data:`MONOSEMANTIC` if at least ``mono_threshold`` of its squared weight norm sits on one
    feature (:func:`toy_lib.metrics.monosemanticity`), else :data:`POLYSEMANTIC`.
    """
    if not 0.0 < mono_threshold <= 1.0:
        raise ValueError(f"mono_threshold={mono_threshold!r} is not allowed: it must be in (0, 1]")
    if dead_norm < 0.0:
        raise ValueError(f"dead_norm={dead_norm!r} is not allowed: it must be >= 0")
    W = torch.as_tensor(W).detach().float()
    score = monosemanticity(W)
    kinds = torch.where(score >= mono_threshold, MONOSEMANTIC, POLYSEMANTIC)
    return torch.where(W.norm(dim=-1) < dead_norm, DEAD, kinds)


@dataclass
class NeuronCounts:
    """How many neurons of each kind every instance has: each field ``(instances,)``.

    ``mono_features`` lists, per instance, the features that have a monosemantic neuron (sorted).
    """

    monosemantic: torch.Tensor
    polysemantic: torch.Tensor
    dead: torch.Tensor
    mono_features: list[list[int]]


def count_neurons(W: torch.Tensor, **kwargs: float) -> NeuronCounts:
    """Count the neuron kinds of every instance of ``W: (instances, hidden, features)``.

    ``kwargs`` go to :func:`classify_neurons`.
    """
    W = torch.as_tensor(W).detach().float()
    if W.dim() != 3:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be (instances, hidden, features)")
    kinds = classify_neurons(W, **kwargs)
    top = (W * W).argmax(-1)
    mono = [sorted(int(f) for f in top[k][kinds[k] == MONOSEMANTIC]) for k in range(W.shape[0])]
    return NeuronCounts(
        monosemantic=(kinds == MONOSEMANTIC).sum(-1),
        polysemantic=(kinds == POLYSEMANTIC).sum(-1),
        dead=(kinds == DEAD).sum(-1),
        mono_features=mono,
    )


def neuron_order(W: torch.Tensor) -> torch.Tensor:
    """An order of the neurons of one model ``W: (hidden, features)`` for plotting: ``(hidden,)``.

    Monosemantic neurons first, by the importance rank of their feature (lower index = more
    important), then the others by decreasing weight norm.
    """
    W = torch.as_tensor(W).detach().float()
    if W.dim() != 2:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be (hidden, features)")
    kinds = classify_neurons(W)
    top = (W * W).argmax(-1).float()
    key = torch.where(kinds == MONOSEMANTIC, top, W.shape[1] + 1.0 / (1.0 + W.norm(dim=-1)))
    return key.argsort(stable=True)


def privileged_config(
    densities: Sequence[float] = DENSITIES,
    *,
    n_features: int = 10,
    n_hidden: int = 5,
    decay: float = 0.75,
) -> Config:
    """The §8 setup: one instance per density, importance ``decay**i``."""
    return Config(
        n_features=n_features,
        n_hidden=n_hidden,
        n_instances=len(densities),
        feature_probability=list(densities),
        importance=decaying_importance(n_features, decay),
    )


def train_privileged(
    densities: Sequence[float] = DENSITIES,
    *,
    restarts: int = 8,
    hidden_activation: str = "relu",
    seed: int = 0,
    n_features: int = 10,
    n_hidden: int = 5,
    decay: float = 0.75,
    **train_kwargs: object,
) -> BestOf:
    """Train the §8 models (one per density, ``restarts`` each, lowest loss kept).

    ``hidden_activation="linear"`` trains the same sizes without the hidden ReLU, for comparison
    (:class:`~toy_lib.ToyModel` checks the value).
    ``train_kwargs`` go to :func:`toy_lib.train` (paper defaults otherwise).
    """
    cfg = privileged_config(densities, n_features=n_features, n_hidden=n_hidden, decay=decay)
    make = partial(ToyModel, hidden_activation=hidden_activation)
    return train_best_of(cfg, restarts, seed=seed, make_model=make, **train_kwargs)


PRIVILEGED_DENSITIES = (1.0, 0.75, 0.5, 0.35, 0.25, 0.15, 0.1, 0.06, 0.04, 0.02, 0.01)


# The paper's regimes by density (§8, "Superposition in a privileged basis"), as (lowest density,
# highest density, monosemantic neurons, features carried only by polysemantic neurons, words).
PAPER_REGIMES: tuple[tuple[float, float, int, int, str], ...] = (
    (0.5, 1.0, 5, 0, "all monosemantic"),
    (0.2, 0.5, 3, 3, "3 features in 2 neurons (a binary code) + 3 monosemantic"),
    (0.15, 0.15, 2, 5, "5 features in 3 neurons + 2 monosemantic"),
    (0.12, 0.12, 1, 6, "6 features in 4 neurons + 1 monosemantic"),
    (0.05, 0.08, 0, 8, "8 features in 5 neurons, all polysemantic"),
    (0.0, 0.04, 0, 10, "every feature a pair of neurons"),
)


def neurons_per_feature(W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """How many neurons each feature excites: ``W: (hidden, features)`` → ``(features,)`` int64.

    Neuron j counts for feature i when ``W[j, i]`` is positive and at least half of feature i's
    largest weight (inputs are non-negative, so a negative weight only inhibits). 0 for features
    that are not represented (``||W_i|| <= threshold``).
    """
    W = torch.as_tensor(W).detach().float()
    if W.dim() != 2:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be one model's (hidden, features)")
    top = W.max(0).values
    excites = (W - 0.5 * top >= 0) & (top > 0)
    return torch.where(W.norm(dim=0) > threshold, excites.sum(0), 0)


@dataclass(frozen=True)
class Regime:
    """One model's neuron code, in the terms of the paper's regimes.

    Attributes:
        monosemantic, polysemantic: neuron counts (:func:`count_neurons`).
        on_polysemantic: represented features without a monosemantic neuron of their own.
        pairs: how many of those excite exactly two neurons (:func:`neurons_per_feature`).
    """

    monosemantic: int
    polysemantic: int
    on_polysemantic: list[int]
    pairs: int


def regime(W: torch.Tensor) -> Regime:
    """The :class:`Regime` of one model ``W: (hidden, features)``."""
    W = torch.as_tensor(W).detach().float()
    counts = count_neurons(W.unsqueeze(0))
    represented = (W.norm(dim=0) > 0.5).nonzero().flatten().tolist()
    on_poly = [i for i in represented if i not in counts.mono_features[0]]
    per = neurons_per_feature(W)
    return Regime(
        monosemantic=int(counts.monosemantic[0]),
        polysemantic=int(counts.polysemantic[0]),
        on_polysemantic=on_poly,
        pairs=int((per[on_poly] == 2).sum()) if on_poly else 0,
    )


def binary_code(W: torch.Tensor, features: Sequence[int]) -> tuple[float, float]:
    """The paper's binary code of 3 features on 2 polysemantic neurons: ``W: (hidden, features)``.

    Restricted to the polysemantic neurons, one feature should excite both (the "(1,1)" feature)
    and the other two should point opposite ways (an antipodal pair), each orthogonal to the
    first. Returns (the pair's cosine, the largest ``|cos|`` between the (1,1) feature and the
    pair), the (1,1) feature being the one whose weights are all positive; NaN if none is.
    """
    W = torch.as_tensor(W).detach().float()
    idx = list(features)
    poly = classify_neurons(W) == POLYSEMANTIC
    sub = W[poly][:, idx]
    both = [k for k in range(len(idx)) if bool((sub[:, k] > 0).all())]
    if len(both) != 1 or len(idx) != 3:
        return math.nan, math.nan
    rest = [k for k in range(3) if k != both[0]]
    cos = cosine_similarity(sub)
    return float(cos[rest[0], rest[1]]), float(cos[both[0], rest].abs().max())
