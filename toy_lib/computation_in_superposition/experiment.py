"""Computation in superposition (paper §9): the absolute-value task and its asymmetric motif.

The model (:class:`toy_lib.AbsModel`) is ``h = ReLU(W₁ x)``, ``y' = ReLU(W₂ h + b)`` with target
``|x|`` and signed inputs (``Uniform[-1, 1]`` when active). With neurons, ``|x| = ReLU(x) +
ReLU(-x)``: a feature is computed exactly by two dedicated neurons, one per sign, so ``m`` neurons
compute at most ``m / 2`` features without superposition.

Vocabulary used by the functions below (shapes as in :class:`toy_lib.AbsModel`: ``W1 (...,
hidden, features)``, ``W2 (..., features, hidden)``):

- the **gain** of neuron ``k`` for feature ``i`` is ``|W1[k, i]| · W2[i, k]``: the slope neuron k
  adds to output ``y_i`` when only ``x_i`` is active with the sign that makes neuron k fire
  (``sign(W1[k, i])``). A gain of 1 computes ``ReLU(±x_i)`` exactly; a negative gain inhibits.
- neuron ``k`` **serves** feature ``i`` when its gain is at least ``min_gain`` (default 0.5);
  its **side** is ``sign(W1[k, i])`` (+1 computes ``ReLU(x_i)``, -1 computes ``ReLU(-x_i)``).
- feature ``i`` is **computed** when, with only ``x_i`` active at ``v`` on a grid of values in
  ``[-1, 1]``, the model's output ``y_i`` stays within a mean absolute error ``threshold``
  (default 0.1, a fifth of the mean target 0.5) of ``|v|``, separately for ``v < 0`` and ``v > 0``
  (:func:`computed`); one sign alone is one computed ReLU (:func:`computed_signs`).

The experiment (the paper's §9, https://transformer-circuits.pub/2022/toy_model/index.html#computation; densities of the public ARENA reproduction): ``n = 100`` features,
``m = 40`` neurons, importance ``0.8**i``, densities ``[1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import torch

from ..config import Config, decaying_importance
from ..models import AbsModel
from ..train import BestOf, evaluate_loss, train_best_of
from ..validate import as_weights, check_int, check_number

__all__ = [
    "COMPUTATION_DENSITIES",
    "Claim",
    "COMPUTED_THRESHOLD",
    "DENSITIES",
    "GRID",
    "LIVE_GAIN",
    "NeuronReport",
    "SHOWN_SHARE",
    "TwoNeuronReport",
    "abs_config",
    "computation_error",
    "computed",
    "computed_signs",
    "dense_solution_loss",
    "error_by_sign",
    "feature_neurons",
    "gain_order",
    "neuron_features",
    "neuron_gains",
    "sign_errors",
    "single_feature_outputs",
    "single_feature_response",
    "sweep_claims",
    "train_abs",
    "train_demo",
    "train_sweep",
    "two_neuron_features",
]

DENSITIES = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
# 41 values in [-1, 1] (0 included): the inputs with which "computed" is measured.
GRID = torch.arange(-20, 21, dtype=torch.float32) / 20
COMPUTED_THRESHOLD = 0.1


def _weights(t: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(t).detach().float()


def abs_config(
    density: float | Sequence[float] = DENSITIES,
    *,
    n_features: int = 100,
    n_hidden: int = 40,
    decay: float = 0.8,
) -> Config:
    """One instance per density: ``n_features`` features, ``n_hidden`` neurons, importance
    ``decay**i`` (paper: ``n = 100``, ``m = 40``, ``0.8**i``)."""
    d = [float(density)] if isinstance(density, int | float) else [float(v) for v in density]
    if not d:
        raise ValueError("density is empty: give at least one density")
    probability = torch.tensor(d).unsqueeze(1).expand(len(d), n_features).clone()
    return Config(
        n_features,
        n_hidden,
        len(d),
        feature_probability=probability,
        importance=decaying_importance(n_features, decay),
    )


def train_abs(
    density: float | Sequence[float] = DENSITIES,
    *,
    n_features: int = 100,
    n_hidden: int = 40,
    decay: float = 0.8,
    restarts: int = 1,
    seed: int = 0,
    init_scale: float = 1.0,
    eval_samples: int = 1_000_000,
    **train_kwargs: object,
) -> BestOf:
    """Train an :class:`~toy_lib.AbsModel` per density, best of ``restarts`` by the loss on
    ``eval_samples`` fresh inputs (:func:`toy_lib.train_best_of`, :func:`toy_lib.evaluate_loss`);
    ``init_scale`` scales the initial weights (see :class:`~toy_lib.AbsModel`); ``train_kwargs``
    go to :func:`toy_lib.train`."""
    cfg = abs_config(density, n_features=n_features, n_hidden=n_hidden, decay=decay)
    score = partial(evaluate_loss, n_samples=eval_samples)
    make = partial(AbsModel, init_scale=init_scale)
    return train_best_of(cfg, restarts, make_model=make, seed=seed, score=score, **train_kwargs)


def single_feature_response(
    W1: torch.Tensor, W2: torch.Tensor, b: torch.Tensor, values: torch.Tensor
) -> torch.Tensor:
    """``y_i = ReLU(Σ_k W2[i, k] ReLU(W1[k, i] v) + b_i)``: the output of feature ``i`` when only
    ``x_i`` is active, at value ``v``, for every feature and value.

    ``W1: (..., hidden, features)``, ``W2: (..., features, hidden)``, ``b: (..., features)``,
    ``values: (values,)``. Returns ``(..., features, values)``.
    """
    v = torch.as_tensor(values, dtype=W1.dtype, device=W1.device)
    hidden = torch.relu(W1.unsqueeze(-1) * v)  # (..., hidden, features, values)
    out = (W2.transpose(-1, -2).unsqueeze(-1) * hidden).sum(-3)  # (..., features, values)
    return torch.relu(out + b.unsqueeze(-1))


@torch.no_grad()
def single_feature_outputs(model: AbsModel, values: torch.Tensor | None = None) -> torch.Tensor:
    """``y_i`` when only ``x_i`` is active, at every value of ``values`` (default :data:`GRID`):
    ``(instances, features, len(values))`` (:func:`single_feature_response` of the model's
    weights)."""
    v = GRID if values is None else torch.as_tensor(values, dtype=torch.float32)
    return single_feature_response(model.W1, model.W2, model.b, v).cpu()


def computation_error(model: AbsModel, values: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over ``values`` (default :data:`GRID`) of ``|y_i(v e_i) - |v||``: ``(instances,
    features)``. 0 for a perfectly computed feature; about 0.25 when only one sign is computed and
    about 0.5 (the mean of ``|v|``) when the output ignores the feature."""
    v = GRID if values is None else torch.as_tensor(values, dtype=torch.float32)
    return (single_feature_outputs(model, v) - v.abs()).abs().mean(-1)


def error_by_sign(y: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """The mean of ``|y − |v||`` over the negative values (``[..., 0]``) and over the positive
    values (``[..., 1]``) of ``values``; 0 itself is left out.

    ``y: (..., features, values)``, the outputs of :func:`single_feature_response` at ``values:
    (values,)``, which must hold negative and positive numbers. Returns ``(..., features, 2)``.
    """
    v = torch.as_tensor(values, dtype=y.dtype, device=y.device)
    if v.dim() != 1 or y.shape[-1:] != v.shape:
        raise ValueError(
            f"y {tuple(y.shape)} and values {tuple(v.shape)} do not match: y must be "
            "(..., features, values) and values (values,)"
        )
    if not ((v < 0).any() and (v > 0).any()):
        raise ValueError("values must hold negative and positive numbers")
    err = (y - v.abs()).abs()
    return torch.stack([err[..., v < 0].mean(-1), err[..., v > 0].mean(-1)], dim=-1)


def sign_errors(model: AbsModel, values: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`computation_error` split by the sign of the input: ``(instances, features, 2)``,
    ``[..., 0]`` over the negative values of ``values`` (default :data:`GRID`), ``[..., 1]`` over
    the positive ones (0 itself is left out; :func:`error_by_sign` of the single-feature
    outputs)."""
    v = GRID if values is None else torch.as_tensor(values, dtype=torch.float32)
    return error_by_sign(single_feature_outputs(model, v), v)


def computed_signs(
    model: AbsModel, threshold: float = COMPUTED_THRESHOLD, values: torch.Tensor | None = None
) -> torch.Tensor:
    """Boolean ``(instances, features, 2)``: the model computes ``ReLU(-x_i)`` (``[..., 0]``) or
    ``ReLU(x_i)`` (``[..., 1]``), i.e. that sign's :func:`sign_errors` is below ``threshold``.
    The number of True entries is the number of ReLU functions the model computes."""
    if not threshold > 0:
        raise ValueError(f"threshold={threshold!r} is not allowed: it must be > 0")
    return sign_errors(model, values) < threshold


def computed(
    model: AbsModel, threshold: float = COMPUTED_THRESHOLD, values: torch.Tensor | None = None
) -> torch.Tensor:
    """Boolean ``(instances, features)``: feature i is **computed** when both signs are
    (:func:`computed_signs`): with only ``x_i`` active, ``y_i`` is within a mean absolute error
    ``threshold`` (default 0.1, a fifth of the mean target ``|v|``) of ``|v|`` for negative and for
    positive ``v``.

    Only one feature is active at a time here, so this measures what the model computes, not the
    interference it suffers when several features are active together.
    """
    return computed_signs(model, threshold, values).all(-1)


def feature_neurons(W1: torch.Tensor, W2: torch.Tensor, min_gain: float = 0.5) -> torch.Tensor:
    """Boolean ``(..., hidden, features)``: neuron k **serves** feature i (gain ``>= min_gain``)."""
    return neuron_gains(W1, W2) >= min_gain


@dataclass
class TwoNeuronReport:
    """What every instance computes and how its computed features use their neurons (each
    ``(instances,)`` unless said otherwise).

    Attributes:
        signs: ``(instances, features, 2)`` boolean, see :func:`computed_signs`.
        computed: ``(instances, features)`` boolean, both signs (:func:`computed`).
        two_neuron: ``(instances, features)`` boolean: served by exactly two neurons, one per sign,
            and each of them serves no other feature.
        n_computed, n_two_neuron: counts per instance.
        n_shared_neurons: neurons that serve two or more features (polysemantic neurons).
    """

    signs: torch.Tensor
    computed: torch.Tensor
    two_neuron: torch.Tensor
    n_computed: torch.Tensor
    n_two_neuron: torch.Tensor
    n_shared_neurons: torch.Tensor

    @property
    def n_relus(self) -> torch.Tensor:
        """ReLU functions computed (signs), per instance."""
        return self.signs.sum((1, 2))

    @property
    def n_half(self) -> torch.Tensor:
        """Features with exactly one sign computed, per instance."""
        return (self.signs.sum(-1) == 1).sum(-1)

    @property
    def n_any_sign(self) -> torch.Tensor:
        """Features with at least one sign computed, per instance."""
        return self.signs.any(-1).sum(-1)

    @property
    def counts(self) -> dict[str, list[int]]:
        """The three counts per instance, labelled for :func:`toy_lib.plots.computed_counts_figure`."""
        return {
            "features computed (both signs)": self.n_computed.tolist(),
            "features with at least one sign": self.n_any_sign.tolist(),
            "ReLUs computed (signs)": self.n_relus.tolist(),
        }


def two_neuron_features(
    model: AbsModel, *, min_gain: float = 0.5, threshold: float = COMPUTED_THRESHOLD
) -> TwoNeuronReport:
    """Which computed features use the dense solution ``|x| = ReLU(x) + ReLU(-x)``: exactly two
    neurons serve the feature (:func:`feature_neurons`), one with a positive and one with a
    negative input weight, and neither serves any other feature."""
    serve = feature_neurons(model.W1, model.W2, min_gain)  # (inst, hidden, features)
    side = torch.sign(_weights(model.W1))
    per_neuron = serve.sum(-1)  # (inst, hidden): features served by each neuron
    dedicated = serve & (per_neuron == 1).unsqueeze(-1)
    pos = (dedicated & (side > 0)).sum(-2)
    neg = (dedicated & (side < 0)).sum(-2)
    two = (serve.sum(-2) == 2) & (pos == 1) & (neg == 1)
    signs = computed_signs(model, threshold)
    comp = signs.all(-1)
    return TwoNeuronReport(
        signs=signs,
        computed=comp,
        two_neuron=two & comp,
        n_computed=comp.sum(-1),
        n_two_neuron=(two & comp).sum(-1),
        n_shared_neurons=(per_neuron >= 2).sum(-1),
    )


def gain_order(W1: torch.Tensor, W2: torch.Tensor) -> torch.Tensor:
    """A readable neuron order for heat maps: ``(..., hidden)`` int64 indices.

    Neurons are sorted by the feature they serve most (largest gain, see :func:`neuron_gains`),
    then positive side before negative; neurons with no positive gain go last.
    """
    g = neuron_gains(W1, W2)
    best, top = g.max(-1)
    side = torch.gather(torch.sign(_weights(W1)), -1, top.unsqueeze(-1)).squeeze(-1)
    n = g.shape[-1]
    key = torch.where(best > 0, top * 2 + (side < 0).long(), torch.full_like(top, 2 * n + 1))
    key = key.double() - 1e-6 * best.clamp_min(0).double()  # ties: stronger neuron first
    return torch.argsort(key, dim=-1, stable=True)


def dense_solution_loss(cfg: Config) -> torch.Tensor:
    """Expected loss of the hand-made dense solution, per instance: ``(instances,)``.

    It spends two neurons on each of the ``m // 2`` features with the largest ``I_i Var|x_i|``
    (``ReLU(x_i) + ReLU(-x_i)``, exact, no interference) and predicts every other feature by its
    mean through the bias, so its loss is ``Σ_{i not computed} I_i Var|x_i|`` with
    ``Var|x_i| = p_i / 3 - p_i² / 4`` for density ``p_i``. A trained model should do at least
    this well; one that does not sits in a poor local minimum.
    """
    p = cfg.probability
    per_feature = cfg.importances * (p / 3 - p**2 / 4)
    k = cfg.n_hidden // 2
    top = per_feature.topk(k, dim=-1).values.sum(-1) if k else torch.zeros(p.shape[0])
    return per_feature.sum(-1) - top


COMPUTATION_DENSITIES = (1.0, 0.5, 0.35, 0.2, 0.1, 0.05, 0.02, 0.01)


# How notebook 09 trains the 100 → 40 sweep (the paper names no optimiser, steps or start). The
# reasons, measured on that sweep: from the default start (std sqrt(2 / (n + m))) every density
# from 0.1 down ends in a poor local minimum, 40-70× above the hand-made dense solution's loss,
# while a start 0.15× as large (about the std the public implementations effectively use)
# reaches or beats it at 0.3-0.01; Adam without weight decay at lr 3e-3 for 20,000 steps trains
# the dense models further than the Colab's AdamW defaults (weight decay 0.01, lr 1e-3).
SWEEP_INIT_SCALE = 0.15
SWEEP_TRAINING = {"steps": 20_000, "lr": 3e-3, "weight_decay": 0.0}


def train_sweep(seed: int = 0, *, progress: bool | None = None) -> BestOf:
    """Notebook 09's ``100 → 40`` sweep, one instance per density of :data:`DENSITIES`, best of 2
    restarts by loss, trained with :data:`SWEEP_INIT_SCALE` and :data:`SWEEP_TRAINING` (the same
    protocol in the notebook and in ``benchmarks/seeds_computation.py``)."""
    return train_abs(
        restarts=2, seed=seed, init_scale=SWEEP_INIT_SCALE, progress=progress, **SWEEP_TRAINING
    )


def train_demo(seed: int = 0, *, progress: bool | None = None) -> BestOf:
    """The paper's first demonstration: dense ``n = 3`` features on ``m = 6`` neurons, equal
    importance, best of 4 restarts by loss with :func:`toy_lib.train`'s defaults."""
    return train_abs(
        1.0, n_features=3, n_hidden=6, decay=1.0, restarts=4, seed=seed, progress=progress
    )


# A feature "shows" in a neuron when |W1[k, i]| is at least this share of the neuron's largest
# input weight (a segment a tenth of the tallest in the paper's stacked |W1| plots).
SHOWN_SHARE = 0.1
# A neuron is live when its largest gain (slope it adds to an output) is at least this.
LIVE_GAIN = 0.1


@dataclass
class NeuronReport:
    """How many features each neuron reads, as the paper's stacked ``|W1|`` plots show it.

    Attributes:
        shown: ``(..., hidden)`` int64: features ``i`` with ``|W1[k, i]| >= share ·
            max_j |W1[k, j]|`` (1 for a monosemantic neuron).
        live: ``(..., hidden)`` boolean: the neuron's largest gain is at least ``live_gain``;
            dead or unused neurons are left out of the counts below.
        primary: ``(..., hidden)`` int64: the feature with the largest ``|W1[k, i]|``.
        highly: how many shown features make a neuron *highly* polysemantic.
    """

    shown: torch.Tensor
    live: torch.Tensor
    primary: torch.Tensor
    highly: int

    @property
    def polysemantic(self) -> torch.Tensor:
        """``(..., hidden)`` boolean: live neurons that show two features or more."""
        return self.live & (self.shown >= 2)

    @property
    def highly_polysemantic(self) -> torch.Tensor:
        """``(..., hidden)`` boolean: live neurons that show ``highly`` features or more."""
        return self.live & (self.shown >= self.highly)

    @property
    def n_live(self) -> torch.Tensor:
        """``(...,)`` live neurons."""
        return self.live.sum(-1)

    @property
    def n_polysemantic(self) -> torch.Tensor:
        """``(...,)`` polysemantic neurons."""
        return self.polysemantic.sum(-1)

    @property
    def n_highly_polysemantic(self) -> torch.Tensor:
        """``(...,)`` highly polysemantic neurons."""
        return self.highly_polysemantic.sum(-1)

    def monosemantic_share(self, features: torch.Tensor) -> torch.Tensor:
        """``(...,)``: the share of live neurons whose primary feature is in the boolean mask
        ``features (..., features)`` that are monosemantic (NaN where there is none)."""
        mask = torch.as_tensor(features, dtype=torch.bool)
        if mask.shape[:-1] != self.primary.shape[:-1]:
            mask = mask.expand(*self.primary.shape[:-1], mask.shape[-1])
        chosen = self.live & torch.gather(mask, -1, self.primary)
        mono = chosen & (self.shown == 1)
        return mono.sum(-1) / chosen.sum(-1).float()


def neuron_features(
    W1: torch.Tensor,
    W2: torch.Tensor,
    *,
    share: float = SHOWN_SHARE,
    live_gain: float = LIVE_GAIN,
    highly: int = 4,
) -> NeuronReport:
    """Which neurons are polysemantic, read from the input weights as the paper reads its stacked
    weight plots (see :class:`NeuronReport`). ``W1 (..., hidden, features)``, ``W2 (...,
    features, hidden)``."""
    check_number("share", share, 0.0, 1.0, low_open=True)
    check_number("live_gain", live_gain, 0.0, math.inf, low_open=True)
    check_int("highly", highly, low=2)
    A = as_weights(W1).abs()
    gains = neuron_gains(W1, W2)
    shown = (share * A.amax(-1, keepdim=True) <= A).sum(-1)
    live = gains.amax(-1) >= live_gain
    return NeuronReport(shown=shown, live=live, primary=A.argmax(-1), highly=highly)


def neuron_gains(W1: torch.Tensor, W2: torch.Tensor) -> torch.Tensor:
    """``|W1[k, i]| · W2[i, k]``: ``(..., hidden, features)``, the slope neuron k adds to ``y_i``
    when only ``x_i`` is active with the sign ``sign(W1[k, i])`` that makes the neuron fire.

    Shapes as in :class:`toy_lib.AbsModel`: ``W1 (..., hidden, features)``, ``W2 (..., features,
    hidden)``.
    """
    W1, W2 = as_weights(W1), as_weights(W2)
    if W1.shape != W2.transpose(-1, -2).shape:
        raise ValueError(
            f"W1 {tuple(W1.shape)} and W2 {tuple(W2.shape)} do not match: "
            "W1 must be (..., hidden, features) and W2 (..., features, hidden)"
        )
    return W1.abs() * W2.transpose(-1, -2)


class Claim(NamedTuple):
    """One of the paper's §9 statements checked on a density sweep: the paper's words, the
    threshold we read them as (fixed before the runs), what the sweep shows, and whether it
    holds."""

    paper: str
    test: str
    ours: str
    holds: bool


def sweep_claims(model: AbsModel, losses: torch.Tensor) -> list[Claim]:
    """The paper's statements about the ``n = 100, m = 40`` sweep, checked on ``model`` (one
    instance per density of :data:`DENSITIES`) with its evaluated ``losses (instances,)``.

    The thresholds turn the paper's words into numbers (``m`` neurons): "a few" or "a small
    number" is 1 to ``m/4``; polysemantic and highly polysemantic are 2+ and 4+ features shown
    (:func:`neuron_features`); "the most important features" are the top ``m/4``. The last rows
    hold a trained model against the hand-made dense solution (:func:`dense_solution_loss`).
    """
    dens = [round(float(p), 6) for p in model.cfg.probability[:, 0]]
    if dens != list(DENSITIES):
        raise ValueError(f"model has densities {dens}: sweep_claims needs {list(DENSITIES)}")
    m = model.cfg.n_hidden
    few = m // 4
    at = {d: k for k, d in enumerate(DENSITIES)}
    rep = neuron_features(model.W1, model.W2)
    poly, highly, live = rep.n_polysemantic, rep.n_highly_polysemantic, rep.n_live
    mean_shown = (rep.shown * rep.live).sum(-1) / live.clamp_min(1)
    top = torch.arange(model.cfg.n_features) < few
    mono_top, mono_rest = rep.monosemantic_share(top), rep.monosemantic_share(~top)
    computed = two_neuron_features(model)
    ratio = torch.as_tensor(losses).float().cpu() / dense_solution_loss(model.cfg)

    def n(d: float, t: torch.Tensor) -> int:
        return int(t[at[d]])

    rows = [
        Claim("1.0: all neurons are monosemantic", "0 polysemantic", f"{n(1.0, poly)} of {n(1.0, live)} live", n(1.0, poly) == 0),
        Claim("0.3: neurons continue to be monosemantic", "0 polysemantic", f"{n(0.3, poly)} of {n(0.3, live)} live", n(0.3, poly) == 0),
        Claim("0.1: a few slightly polysemantic neurons", f"1-{few} polysemantic, 0 highly", f"{n(0.1, poly)} polysemantic, {n(0.1, highly)} highly", 1 <= n(0.1, poly) <= few and n(0.1, highly) == 0),
        Claim("0.03: a small number of highly polysemantic neurons", f"1-{few} highly polysemantic", f"{n(0.03, highly)} highly", 1 <= n(0.03, highly) <= few),
        Claim("0.01: the number of polysemantic neurons grows", "more polysemantic than at 0.03", f"{n(0.03, poly)} → {n(0.01, poly)}", n(0.01, poly) > n(0.03, poly)),
        Claim("0.003: they become even more polysemantic", "more features per live neuron than at 0.01", f"{float(mean_shown[at[0.01]]):.1f} → {float(mean_shown[at[0.003]]):.1f}", bool(mean_shown[at[0.003]] > mean_shown[at[0.01]])),
        Claim("0.001: all neurons are highly polysemantic", "every live neuron highly polysemantic", f"{n(0.001, highly)} of {n(0.001, live)} live", n(0.001, highly) == n(0.001, live) > 0),
    ]  # fmt: skip
    for d in (0.03, 0.01):
        k = at[d]
        rows.append(Claim(
            f"{d:g}: neurons of the most important features tend to be monosemantic",
            f"monosemantic share, top {few} features > rest",
            f"{float(mono_top[k]):.2f} vs {float(mono_rest[k]):.2f}",
            bool(mono_top[k] > mono_rest[k]),
        ))  # fmt: skip
    for d in DENSITIES[3:]:
        k = at[d]
        relus, comp = int(computed.n_relus[k]), int(computed.n_computed[k])
        rows.append(Claim(
            f"{d:g}: computation in superposition",
            f"> {m} ReLUs and > {m // 2} |x| computed",
            f"{relus} ReLUs, {comp} |x|",
            relus > m and comp > m // 2,
        ))  # fmt: skip
    for d in DENSITIES[:2]:
        rows.append(Claim(f"{d:g}: (yardstick) as good as the dense solution", "loss ≤ 1.1×", f"{float(ratio[at[d]]):.2f}×", bool(ratio[at[d]] <= 1.1)))  # fmt: skip
    for d in DENSITIES[3:]:
        rows.append(Claim(f"{d:g}: (yardstick) better than the dense solution", "loss < 1×", f"{float(ratio[at[d]]):.2f}×", bool(ratio[at[d]] < 1.0)))  # fmt: skip
    return rows
