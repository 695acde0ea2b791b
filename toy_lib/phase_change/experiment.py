"""Section 4 (superposition as a phase change): classify trained weights into the candidate
solutions, build phase diagrams, and train cells of them by exact loss.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..config import Config
from ..train import BestOf, train_best_of
from .theory import (
    DTYPE,
    THREE_IN_TWO,
    TWO_IN_ONE,
    PhaseProblem,
    candidate_losses,
    expected_model_loss,
    optimised_candidates,
)

__all__ = [
    "PHASE_PROBLEMS",
    "PhaseCellResult",
    "PhaseDiagram",
    "agreement_by_restarts",
    "agreement_report",
    "BoundaryAgreement",
    "boundary_agreement",
    "boundary_cells",
    "classify",
    "joint_superposition_weights",
    "majority_phase",
    "optimised_phase_diagram",
    "paper_phase_diagram",
    "paper_protocol_phases",
    "restart_phases",
    "train_best_of_exact",
    "train_phase_cell",
    "two_in_one_phase",
]

_ANTIPODAL, _ORTHOGONAL, _PARALLEL = -0.7, 0.35, 0.7


def _signature(W: torch.Tensor, threshold: float) -> torch.Tensor:
    """Rotation-invariant summary of ``W (..., m, n)``: ``(..., n, n)`` int.

    Diagonal: 1 if the feature is represented (``||W_i|| > threshold``). Off-diagonal, for two
    represented features: −1 antipodal (cos <= −0.7), 0 orthogonal (|cos| <= 0.35), 1 parallel
    (cos >= 0.7), 2 anything else; 0 when either is not represented.
    """
    W = torch.as_tensor(W).detach().to(DTYPE)
    norms = W.norm(dim=-2)
    rep = norms > threshold
    unit = W / norms.clamp_min(1e-12).unsqueeze(-2)
    cos = unit.transpose(-1, -2) @ unit
    rel = torch.full_like(cos, 2.0)
    rel = torch.where(cos <= _ANTIPODAL, -1.0, rel)
    rel = torch.where(cos.abs() <= _ORTHOGONAL, 0.0, rel)
    rel = torch.where(cos >= _PARALLEL, 1.0, rel)
    both = rep.unsqueeze(-1) & rep.unsqueeze(-2)
    rel = torch.where(both, rel, 0.0)
    n = W.shape[-1]
    eye = torch.eye(n, dtype=torch.bool)
    return torch.where(eye, rep.unsqueeze(-1).to(DTYPE).expand_as(rel), rel).round().long()


def classify(W: torch.Tensor, problem: PhaseProblem, *, threshold: float = 0.5) -> torch.Tensor:
    """Phase label of every model ``W (..., m, n)``: ``(...)`` long, an index into
    ``problem.phases``, or −1 when it matches none of the candidates.

    A model matches a candidate when the same features are represented (``||W_i|| > threshold``)
    and every pair of represented features stands in the same relation (antipodal, orthogonal,
    parallel) as in the candidate, whatever the rotation of the hidden space. E.g. for 2 → 1:
    ``||W_2||`` small → not represented; ``||W_1||`` small → dedicated dimension; both represented
    with ``W_1 · W_2 < 0`` → superposition.
    """
    W = torch.as_tensor(W)
    if W.dim() < 2 or tuple(W.shape[-2:]) != (problem.n_hidden, problem.n_features):
        raise ValueError(
            f"W has shape {tuple(W.shape)}: {problem.name} needs (..., {problem.n_hidden}, "
            f"{problem.n_features})"
        )
    table = problem.candidates + problem.variants
    labels = torch.tensor([label for label, _ in table])
    templates = _signature(torch.tensor([w for _, w in table], dtype=DTYPE), threshold)
    sig = _signature(W, threshold)
    match = (sig.unsqueeze(-3) == templates).flatten(-2).all(-1)  # (..., templates)
    first = match.to(torch.uint8).argmax(-1)
    return torch.where(match.any(-1), labels[first], torch.full_like(first, -1))


def two_in_one_phase(W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """The 2 → 1 phase of every model, read off its two weights ``W = [w₁, w₂]`` (``w₂`` the extra
    feature's): ``W (..., 1, 2)`` → ``(...)`` int64, an index into ``TWO_IN_ONE.phases``.

    A feature is represented when ``|w| > threshold`` (its norm, in one dimension). Only feature 1
    represented → 0 (not represented); only the extra feature → 1 (dedicated dimension); both, with
    opposite signs (``w₁ w₂ < 0``) → 2 (superposition); anything else (neither, or both with the
    same sign) → −1. The same labels as ``classify(W, TWO_IN_ONE, threshold=threshold)``, which
    matches any problem's candidates; this is its rule written out for the one problem.
    """
    W = torch.as_tensor(W)
    if W.dim() < 2 or tuple(W.shape[-2:]) != (1, 2):
        raise ValueError(f"W has shape {tuple(W.shape)}: 2 → 1 needs (..., 1, 2)")
    w1, w2 = W[..., 0, 0], W[..., 0, 1]
    rep1, rep2 = w1.abs() > threshold, w2.abs() > threshold
    labels = torch.full(w1.shape, -1, dtype=torch.long)
    labels = torch.where(rep1 & ~rep2, 0, labels)  # the extra feature dropped
    labels = torch.where(~rep1 & rep2, 1, labels)  # the extra feature takes the dimension
    return torch.where(rep1 & rep2 & (w1 * w2 < 0), 2, labels)  # an antipodal pair


@dataclass
class PhaseDiagram:
    """A phase label per grid cell.

    Attributes:
        r: ``(R,)`` relative importance of the extra feature; p: ``(P,)`` density.
        labels: ``(R, P)`` long, index into ``problem.phases`` (−1: none of the candidates).
        losses: ``(candidates, R, P)`` loss of each candidate (closed form or optimised).
        candidate_labels: ``(candidates, R, P)`` phase of each candidate's solution (an optimised
            antipodal pair may have shrunk into another candidate's phase).
        W, b: weights of the winning solution, ``(R, P, m, n)`` and ``(R, P, n)`` (optimised only).
    """

    problem: PhaseProblem
    r: torch.Tensor
    p: torch.Tensor
    labels: torch.Tensor
    losses: torch.Tensor
    candidate_labels: torch.Tensor
    W: torch.Tensor | None = None
    b: torch.Tensor | None = None

    @property
    def loss_gap(self) -> torch.Tensor:
        """``(R, P)`` relative loss gap between the best solution and the best one in a different
        phase: small means two phases are nearly as good, so a trained model may land in either."""
        best = self.losses.min(0).values
        other = torch.where(self.candidate_labels != self.labels, self.losses, torch.inf)
        return (other.min(0).values - best) / best


def paper_phase_diagram(problem: PhaseProblem, r: torch.Tensor, p: torch.Tensor) -> PhaseDiagram:
    """The paper's theoretical diagram: the candidate with the lowest closed-form loss per cell."""
    losses = candidate_losses(problem, r, p)
    phase_of = torch.tensor([label for label, _ in problem.candidates])
    cand_labels = phase_of.reshape(-1, 1, 1).expand_as(losses)
    return PhaseDiagram(
        problem, torch.as_tensor(r), torch.as_tensor(p), phase_of[losses.argmin(0)], losses,
        cand_labels,
    )  # fmt: skip


def optimised_phase_diagram(
    problem: PhaseProblem, r: torch.Tensor, p: torch.Tensor, *, steps: int = 25
) -> PhaseDiagram:
    """The diagram of the best solution per cell among :func:`optimised_candidates`, classified by
    :func:`classify` (an optimised pair may have shrunk into another candidate)."""
    W, b, losses = optimised_candidates(problem, r, p, steps=steps)
    best = losses.argmin(0)  # (R, P)
    R, P = best.shape
    rows, cols = torch.meshgrid(torch.arange(R), torch.arange(P), indexing="ij")
    W_best, b_best = W[best, rows, cols], b[best, rows, cols]
    return PhaseDiagram(
        problem, torch.as_tensor(r), torch.as_tensor(p), classify(W_best, problem), losses,
        classify(W, problem), W_best, b_best,
    )  # fmt: skip


def boundary_cells(labels: torch.Tensor) -> torch.Tensor:
    """``(R, P)`` bool: cells of a diagram ``labels (R, P)`` with a differently labelled neighbour
    (among the 8 around it)."""
    padded = torch.nn.functional.pad(labels[None, None].double(), (1, 1, 1, 1), mode="replicate")[
        0, 0
    ]
    R, P = labels.shape
    out = torch.zeros(R, P, dtype=torch.bool)
    for di, dj in itertools.product((0, 1, 2), repeat=2):
        out |= padded[di : di + R, dj : dj + P] != labels
    return out


@dataclass
class BoundaryAgreement:
    """How an empirical diagram compares with a theory's, cell by cell.

    Attributes:
        share: share of cells whose phase matches the theory's.
        threshold: one minus the share of the theory's cells that touch a phase boundary
            (:func:`boundary_cells`): the least agreement left if every disagreement were a cell
            that touches a boundary, i.e. a boundary misplaced by about one cell.
        off_boundary: number of disagreeing cells that touch no boundary of the theory.
    """

    share: float
    threshold: float
    off_boundary: int


def boundary_agreement(empirical: torch.Tensor, reference: torch.Tensor) -> BoundaryAgreement:
    """Compare ``empirical (R, P)`` with a theory's ``reference (R, P)`` labels (see
    :class:`BoundaryAgreement`)."""
    if empirical.shape != reference.shape or reference.dim() != 2:
        raise ValueError(
            f"empirical {tuple(empirical.shape)} and reference {tuple(reference.shape)} must be "
            "diagrams of the same (R, P) shape"
        )
    near = boundary_cells(reference)
    differ = empirical != reference
    return BoundaryAgreement(
        share=1.0 - float(differ.float().mean()),
        threshold=1.0 - float(near.float().mean()),
        off_boundary=int((differ & ~near).sum()),
    )


def train_best_of_exact(
    cfg: Config, k: int = 8, *, seed: int = 0, **train_kwargs: object
) -> BestOf:
    """Train ``k`` restarts of every instance of a ReLU-output model and keep, per instance, the one
    with the lowest exact :func:`expected_loss`.

    As :func:`~toy_lib.train_best_of`, which compares restarts on a 1,000,000-sample estimate of
    the loss: at density 0.01 two given features are active together in about 100 of those samples,
    too few to resolve the small loss differences between candidate solutions. ``train_kwargs`` go to
    :func:`~toy_lib.train`; the result's ``losses (instances, k)`` are exact.
    """
    return train_best_of(
        cfg, k, output="relu", seed=seed, score=expected_model_loss, **train_kwargs
    )


def restart_phases(result: BestOf, problem: PhaseProblem) -> torch.Tensor:
    """Phase of every trained restart: ``(cells, k)`` long (an index into ``problem.phases``, −1
    for none of them), row ``i`` holding cell ``i``'s ``k`` restarts in training order."""
    n_cells, k = result.losses.shape
    return classify(result.all_restarts.W, problem).reshape(n_cells, k)


def majority_phase(phases: torch.Tensor, losses: torch.Tensor, *, discard: int = 1) -> torch.Tensor:
    """Each cell's most common phase among its runs, after discarding the ``discard`` runs with
    the highest loss: ``(cells,)`` long.

    ``phases (cells, k)`` long (−1 allowed: none of the candidates, which can win the vote too),
    ``losses (cells, k)``: any loss that ranks the runs. A tie between phases goes to the one
    whose best run has the lowest loss.
    """
    if phases.shape != losses.shape or phases.dim() != 2 or not 0 <= discard < phases.shape[1]:
        raise ValueError(
            f"phases {tuple(phases.shape)} and losses {tuple(losses.shape)} must be the same "
            f"(cells, k) shape, and discard={discard!r} must lie in [0, k)"
        )
    n_cells, k = phases.shape
    kept = losses.argsort(dim=1)[:, : k - discard]  # the k - discard lowest losses
    kept_phases, kept_losses = phases.gather(1, kept), losses.gather(1, kept).double()
    offset = 1 - int(phases.min().clamp_max(0))  # shift labels to start at 1 (−1 → 0)
    n_labels = int(phases.max()) + offset + 1
    slot = kept_phases + offset
    counts = torch.zeros(n_cells, n_labels, dtype=torch.long).scatter_add_(
        1, slot, torch.ones_like(slot)
    )
    best = torch.full((n_cells, n_labels), torch.inf, dtype=torch.float64).scatter_reduce_(
        1, slot, kept_losses, reduce="amin"
    )
    order = best.argsort(dim=1)  # labels by their best run's loss, lowest first
    winner = counts.gather(1, order).argmax(dim=1)  # the first of the most common, in that order
    return order.gather(1, winner[:, None])[:, 0] - offset


def paper_protocol_phases(
    result: BestOf, problem: PhaseProblem, *, discard: int = 1
) -> torch.Tensor:
    """The paper's protocol for an empirical phase diagram: every cell's ``k`` runs (ten in the
    paper), the highest-loss one discarded, the phase most common among the rest: ``(cells,)``.

    The loss that ranks the runs is each run's own training loss at the end of training
    (:attr:`~toy_lib.train.History.final_loss`: the mean batch loss of the last 1% of steps, about
    100,000 fresh samples at the default settings), which knows nothing of the theory; the exact
    ``result.losses`` are not used. See :func:`majority_phase`.
    """
    n_cells, k = result.losses.shape
    final = result.history.final_loss.reshape(n_cells, k)
    return majority_phase(restart_phases(result, problem), final, discard=discard)


def agreement_by_restarts(
    result: BestOf, problem: PhaseProblem, reference: torch.Tensor, ks: Sequence[int]
) -> list[float]:
    """Share of grid cells whose phase matches ``reference (R, P)`` had only the first ``k``
    restarts been trained, for each ``k`` in ``ks`` (choosing among them by ``result.losses``).

    ``result`` holds one instance per grid cell, in :meth:`PhaseProblem.config` order.
    """
    n_cells, K = result.losses.shape
    if reference.numel() != n_cells or max(ks) > K or min(ks) < 1:
        raise ValueError(
            f"reference has {reference.numel()} cells and ks={list(ks)!r}: need {n_cells} cells "
            f"and every k in [1, {K}]"
        )
    labels = restart_phases(result, problem)
    cells = torch.arange(n_cells)
    return [
        float(
            (labels[cells, result.losses[:, :k].argmin(1)] == reference.reshape(-1)).float().mean()
        )
        for k in ks
    ]


def agreement_report(
    empirical: torch.Tensor,
    result: BestOf,
    paper: PhaseDiagram,
    optimised: PhaseDiagram,
    ks: Sequence[int] = (1, 2, 4, 8),
) -> str:
    """A text report comparing a trained diagram ``empirical (R, P)`` with both theories.

    The agreement (share of matching cells) with ``paper`` and ``optimised``; with ``optimised``
    again had only the first ``k`` restarts of ``result`` been trained; and every cell where
    ``empirical`` and ``optimised`` differ, with whether it touches a boundary of ``optimised``
    and its :attr:`PhaseDiagram.loss_gap`.
    """
    problem, r, p = optimised.problem, optimised.r, optimised.p
    shares = agreement_by_restarts(result, problem, optimised.labels, ks)
    lines = [
        f"agreement with the paper's theory: {(empirical == paper.labels).float().mean():.1%}",
        f"agreement with the optimised theory: {(empirical == optimised.labels).float().mean():.1%}",
        "with the optimised theory, keeping the best of the first k restarts: "
        + ", ".join(f"k={k}: {s:.1%}" for k, s in zip(ks, shares, strict=True)),
    ]
    names = (*problem.phases, "none of the candidates")  # label -1 picks the last name
    near = boundary_cells(optimised.labels)
    for i, j in (empirical != optimised.labels).nonzero().tolist():
        lines.append(
            f"  r = {r[i]:5.3f}, p = {p[j]:5.3f}: trained {names[empirical[i, j]]!r}, theory "
            f"{names[optimised.labels[i, j]]!r}, next to a boundary: {bool(near[i, j])}, "
            f"loss gap {optimised.loss_gap[i, j]:.1%}"
        )
    return "\n".join(lines)


def joint_superposition_weights(n: int = 1) -> torch.Tensor:
    """The 3 → 2 solution the paper leaves out, ``W ⊥ [1, 1, 1]``: three unit features at 120°
    (a triangle), ``(n, 2, 3)``; a starting point for :func:`minimise_expected_loss`."""
    angles = torch.arange(3, dtype=DTYPE) * 2 * math.pi / 3
    return torch.stack([angles.cos(), angles.sin()]).expand(n, 2, 3).clone()


PHASE_PROBLEMS = {"2 → 1": TWO_IN_ONE, "3 → 2": THREE_IN_TWO}


@dataclass
class PhaseCellResult:
    """One retrained cell: the best restart's ``W (m, n)`` and ``b (n,)``, its exact loss, its
    phase (an index into the problem's phases, −1 for none of them) and the time it took."""

    W: torch.Tensor
    b: torch.Tensor
    loss: float
    phase: int
    seconds: float


def train_phase_cell(
    problem: PhaseProblem, r: float, p: float, *, seed: int = 0, restarts: int = 8
) -> PhaseCellResult:
    """Train ``restarts`` models with extra-feature importance ``r`` and density ``p``, keep the
    lowest exact loss and classify it."""
    start = time.perf_counter()
    cfg = problem.config(torch.tensor([float(r)]), torch.tensor([float(p)]))
    best = train_best_of_exact(cfg, k=restarts, seed=seed, progress=False)
    W = best.model.W[0].detach().clone()
    return PhaseCellResult(
        W=W,
        b=best.model.b[0].detach().clone(),
        loss=float(best.losses[0].min()),
        phase=int(classify(W, problem)),
        seconds=time.perf_counter() - start,
    )
