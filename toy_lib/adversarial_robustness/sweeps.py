"""Notebook 07's protocol, held once: the sparsity sweeps, the readings of the paper's attack, and
the paper's §7 claims checked on them (the notebook shows seed 0; ``benchmarks/seeds_adversarial.py``
runs other seeds through the same functions).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import torch

from ..config import Config, decaying_importance
from ..data import generate_batch
from ..metrics import dimensions_per_feature, represented
from ..models import ToyModel
from ..train import train, train_best_of
from ..validate import check_choice
from .experiment import (
    Attack,
    attack_budget,
    feature_attack,
    gradient_attack,
    no_superposition_model,
    vulnerability,
)
from .training import adversarial_training

__all__ = [
    "ADVERSARIAL_FRACTIONS",
    "FAMILIES",
    "READINGS",
    "Claim",
    "Reading",
    "adversarial_claims",
    "attack_inputs",
    "adversarial_config",
    "family_config",
    "pearson",
    "reading_vulnerability",
    "sweep_claims",
    "train_adversarial",
    "train_family",
    "train_restarts",
]

# The two sweeps: the §5 setup (uniform importance) and the §3 one (importance 0.7^i).
FAMILIES = {
    "uniform": dict(
        n_features=200,
        n_hidden=20,
        importance=1.0,
        density=(1.0, 0.3, 0.1, 0.05, 0.03, 0.02, 0.01, 0.005),
    ),
    "decaying": dict(
        n_features=20,
        n_hidden=5,
        importance=0.7,
        density=(1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.01, 0.005, 0.003, 0.001),
    ),
}
# Restarts per sparsity (lowest loss kept): the small §3 models settle in poor minima more often.
_RESTARTS = {"uniform": 1, "decaying": 6}
_BATCH = {"uniform": 512, "decaying": 2048}
# The budgets of the adversarial-training experiment, as fractions of the input norm.
ADVERSARIAL_FRACTIONS = (0.0, 0.1, 0.3, 0.5, 0.8, 1.0)


def family_config(family: str) -> Config:
    """The sweep ``family`` (a key of :data:`FAMILIES`) as a :class:`Config`, one instance per
    density."""
    check_choice("family", family, FAMILIES)
    f = FAMILIES[family]
    n = f["n_features"]
    importance = f["importance"] if family == "uniform" else decaying_importance(n, f["importance"])
    return Config(
        n,
        f["n_hidden"],
        len(f["density"]),
        feature_probability=torch.tensor(f["density"]),
        importance=importance,
    )


def train_family(family: str, seed: int = 0, cfg: Config | None = None) -> ToyModel:
    """The sweep trained with :func:`toy_lib.train`'s defaults from the models' default start
    (``seed`` for both); the decaying family keeps the lowest-loss of 6 restarts per density
    (:func:`toy_lib.train_best_of`), the uniform family trains once. ``cfg``: the sweep's config
    when it is not the family's own (as for :func:`attack_inputs`)."""
    cfg = family_config(family) if cfg is None else cfg
    return train_restarts(cfg, _RESTARTS[family], seed)


def train_restarts(cfg: Config, restarts: int, seed: int = 0, output: str = "relu") -> ToyModel:
    """One model per instance of ``cfg``, trained with :func:`toy_lib.train`'s defaults from the
    models' default start (``seed`` for both): once if ``restarts`` is 1, else the lowest-loss of
    ``restarts`` restarts (:func:`toy_lib.train_best_of`)."""
    if restarts == 1:
        model = ToyModel(cfg, output=output, seed=seed)
        train(model, seed=seed, progress=False)
        return model
    return train_best_of(cfg, k=restarts, output=output, seed=seed, progress=False).model


def adversarial_config() -> Config:
    """The model adversarial training is tried on: the §3 family's ``n = 20``, ``m = 5``,
    importance ``0.7^i``, at density 0.03 (``S = 0.97``), where about 10 features share the 5
    dimensions."""
    return Config(20, 5, 1, feature_probability=0.03, importance=decaying_importance(20, 0.7))


def train_adversarial(seed: int = 0, norm: str = "example") -> ToyModel:
    """:func:`adversarial_training` of :func:`adversarial_config` at every budget of
    :data:`ADVERSARIAL_FRACTIONS` (instance ``k`` at ``ADVERSARIAL_FRACTIONS[k]``), 3,000 steps.
    ``norm="example"``: each budget is a fraction of that input's own norm (the paper's "80% input
    L2 norm"); ``"mean"``: of the batch's mean input norm."""
    return adversarial_training(adversarial_config(), ADVERSARIAL_FRACTIONS, norm=norm, seed=seed)


def attack_inputs(family: str, seed: int = 0, cfg: Config | None = None) -> torch.Tensor:
    """The inputs every attack of the sweep is measured on: ``(instances, batch, features)``, drawn
    with seed ``1000 + seed`` (never the training stream), in the family's batch size. ``cfg``:
    the sweep's config when it is not the family's own (e.g. the uniform family at another size)."""
    cfg = family_config(family) if cfg is None else cfg
    generator = torch.Generator().manual_seed(1000 + seed)
    return generate_batch(cfg.probability, _BATCH[family], generator=generator)


@dataclass(frozen=True)
class Reading:
    """One reading of the paper's attack and vulnerability.

    Attributes:
        choice, signs, target: :func:`feature_attack`'s options.
        include_zero: the budget's mean input norm counts all-zero inputs (:func:`attack_budget`).
        reference: ``"hand-made"`` (:func:`no_superposition_model`) or ``"dense"`` (the sweep's
            own density-1 model, which has no superposition).
        attack: ``"paper"`` (:func:`feature_attack`) or ``"gradient"`` (:func:`gradient_attack`,
            per example, normalised by the paper's attack on the reference).
    """

    choice: str = "dataset"
    signs: str = "+"
    target: str = "clean"
    include_zero: bool = True
    reference: str = "hand-made"
    attack: str = "paper"


# Every reading tried; "literal" is the main one, the one the claims are checked on.
READINGS = {
    "literal": Reading(),
    "± sign": Reading(signs="±"),
    "per example": Reading(choice="example"),
    "per example, ± sign": Reading(choice="example", signs="±"),
    "budget over nonzero inputs": Reading(include_zero=False),
    "reference: trained dense model": Reading(reference="dense"),
    "target x + δ (reference: dense)": Reading(target="attacked", reference="dense"),
    "target x + δ, ± (reference: dense)": Reading(target="attacked", signs="±", reference="dense"),
    "gradient attack (PGD), per example": Reading(attack="gradient"),
}


def _dense_reference(model: ToyModel) -> ToyModel:
    """A copy of ``model`` whose every instance holds instance 0's weights (its density-1 model)."""
    dense = ToyModel(model.cfg, output=model.output)
    with torch.no_grad():
        dense.W.copy_(model.W[:1].expand_as(dense.W))
        dense.b.copy_(model.b[:1].expand_as(dense.b))
    return dense


def reading_vulnerability(
    model: ToyModel, x: torch.Tensor, reading: Reading, fraction: float = 0.1
) -> torch.Tensor:
    """``(L' - L) / (L'_0 - L_0)`` of every instance of ``model`` under ``reading``: ``(instances,)``.

    ``x``: ``(instances, batch, features)``; the budget is ``fraction`` × the mean input norm.
    For ``reference="dense"``, instance 0 of ``model`` must be its density-1 model.
    """
    eps = attack_budget(x, fraction, include_zero=reading.include_zero)
    paper: Attack = partial(
        feature_attack, choice=reading.choice, signs=reading.signs, target=reading.target
    )
    if reading.reference == "dense":
        if float(model.cfg.probability[0].min()) < 1:
            raise ValueError("reference='dense' needs instance 0 of model to have density 1")
        reference = _dense_reference(model)
    else:
        reference = no_superposition_model(model.cfg, model.output, device=model.device)
    attack = gradient_attack if reading.attack == "gradient" else paper
    return vulnerability(model, x, eps, attack, reference, paper)


class Claim(NamedTuple):
    """One of the paper's §7 statements: its words, the threshold fixed before the runs, what the
    run shows, and whether it holds."""

    paper: str
    test: str
    ours: str
    holds: bool


def pearson(a: torch.Tensor, b: torch.Tensor) -> float:
    """Pearson's correlation of two ``(models,)`` tensors."""
    return float(torch.corrcoef(torch.stack([a.float(), b.float()]))[0, 1])


def sweep_claims(family: str, model: ToyModel, v: torch.Tensor) -> list[Claim]:
    """The paper's two vulnerability claims on one sweep: ``v (instances,)`` the literal reading's
    vulnerability of ``model``, instance 0 its density-1 model.

    ">3x": the largest vulnerability over the sweep divided by the density-1 model's exceeds 3.
    "closely tracks" / "highly correlated" with ``1/D*``: Pearson's ``r >= 0.9`` over every model
    of the sweep.
    """
    inverse_dstar = 1 / dimensions_per_feature(model.W)
    ratio = float(v.max() / v[0])
    r = pearson(v, inverse_dstar)
    return [
        Claim(
            f"{family}: vulnerability increases by >3x",
            "max / dense > 3",
            f"{ratio:.1f}x",
            ratio > 3,
        ),
        Claim(
            f"{family}: vulnerability closely tracks 1/D*",
            "Pearson r >= 0.9, all models",
            f"r = {r:.2f}",
            r >= 0.9,
        ),
    ]


def adversarial_claims(W: torch.Tensor, fractions: tuple[float, ...]) -> list[Claim]:
    """The adversarial-training remark, on ``W (budgets, hidden, features)`` trained with the
    budgets ``fractions`` (``fractions[0] == 0``: no attack).

    "did reduce superposition": at 30% of the input norm, ``1/D*`` is at least 10% below the
    unattacked model's. "had to be ... (80% input L2 norm) to fully eliminate it": the smallest
    budget at which no more features are represented than there are dimensions lies in
    ``[0.5, 1.0]``.
    """
    if fractions[0] != 0 or 0.3 not in fractions:
        raise ValueError(f"fractions={fractions!r} is not allowed: it must start at 0 and hold 0.3")
    inverse_dstar = 1 / dimensions_per_feature(W)
    n_rep = represented(W).sum(-1)
    k = fractions.index(0.3)
    drop = float(1 - inverse_dstar[k] / inverse_dstar[0])
    gone = [f for f, n in zip(fractions, n_rep.tolist(), strict=True) if n <= W.shape[-2]]
    first = gone[0] if gone else None
    return [
        Claim(
            "adversarial training did reduce superposition",
            "1/D* at 30% >= 10% below no attack",
            f"{float(inverse_dstar[0]):.2f} → {float(inverse_dstar[k]):.2f}",
            drop >= 0.1,
        ),
        Claim(
            "~80% of the input norm to fully eliminate it",
            "first budget with represented <= m in [0.5, 1]",
            "none" if first is None else f"{first:.0%}",
            first is not None and 0.5 <= first <= 1.0,
        ),
    ]
