"""Closed-form and exact-expectation losses of candidate solutions (the phase-change theory, paper §4).

Setting: ``n`` features, each active with probability ``p`` (the density ``1 - S``) and then
``Uniform[0, 1]``; the ReLU-output model ``x' = ReLU(WᵀW x + b)``; the loss
``Σ_i I_i (x_i - x'_i)²``. Feature importances are ``1`` except the last, "extra" feature, whose
relative importance ``r`` is swept.

What is here:

- :data:`TWO_IN_ONE` and :data:`THREE_IN_TWO`: the paper's two phase-change problems (2 features in 1
  dimension, 3 in 2), with their candidate solutions ("what direction does ``W`` ignore?").
- Closed forms of the candidates' losses (:func:`dropped_feature_loss`, :func:`antipodal_pair_loss`,
  :func:`candidate_losses`) and the phase boundaries they imply (:func:`superposition_boundary`).
- The exact expected loss of any small model, without sampling (:func:`expected_loss`), and a
  deterministic minimiser of it (:func:`minimise_expected_loss`), to find the best solution within
  each candidate's family (:func:`optimised_candidates`).
- A classifier of weights into the candidates (:func:`classify`) and phase diagrams
  (:func:`paper_phase_diagram`, :func:`optimised_phase_diagram`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .config import Config
from .models import ToyModel
from .train import BestOf, train_best_of

__all__ = [
    "PhaseProblem",
    "TWO_IN_ONE",
    "THREE_IN_TWO",
    "TRIPLE_POINT",
    "dropped_feature_loss",
    "antipodal_pair_loss",
    "candidate_losses",
    "superposition_boundary",
    "expected_loss",
    "expected_model_loss",
    "minimise_expected_loss",
    "optimised_candidates",
    "classify",
    "paper_phase_diagram",
    "optimised_phase_diagram",
    "PhaseDiagram",
    "train_best_of_exact",
    "agreement_by_restarts",
    "agreement_report",
    "joint_superposition_weights",
    "boundary_cells",
]

_DTYPE = torch.float64


@dataclass(frozen=True)
class PhaseProblem:
    """One phase-change experiment: ``n_features → n_hidden``, the last feature is the "extra" one.

    Attributes:
        name: shown in titles, e.g. "2 features in 1 dimension".
        phases: names of the phases, in label order (a phase label indexes this tuple).
        candidates: ``(phase label, W)`` of the paper's candidate solutions, one per phase; ``W`` is
            ``(n_hidden, n_features)`` with columns that are unit vectors (a dedicated dimension or
            one half of an antipodal pair) or zero (a dropped feature, predicted by its bias).
        variants: further ``(phase label, W)`` that are the same solution with interchangeable
            features swapped; :func:`classify` matches against candidates and variants.
    """

    name: str
    n_features: int
    n_hidden: int
    phases: tuple[str, ...]
    candidates: tuple[tuple[int, tuple[tuple[float, ...], ...]], ...]
    variants: tuple[tuple[int, tuple[tuple[float, ...], ...]], ...] = ()

    def importance(self, r: torch.Tensor) -> torch.Tensor:
        """Importances ``[1, ..., 1, r]``: ``r (...)`` → ``(..., n_features)``."""
        r = torch.as_tensor(r, dtype=_DTYPE)
        ones = torch.ones(*r.shape, self.n_features - 1, dtype=_DTYPE)
        return torch.cat([ones, r.unsqueeze(-1)], -1)

    def config(self, r: torch.Tensor, p: torch.Tensor) -> Config:
        """One instance per grid cell: instance ``i * len(p) + j`` has importance ``r[i]``, density ``p[j]``."""
        rr, pp = _grid(r, p)
        return Config(
            n_features=self.n_features,
            n_hidden=self.n_hidden,
            n_instances=rr.numel(),
            feature_probability=pp.reshape(-1).float(),
            importance=self.importance(rr.reshape(-1)).float(),
        )

    def candidate_model(self, r: float, p: float) -> ToyModel:
        """A ReLU-output :class:`~toy_lib.ToyModel` holding the candidates, one per instance, at
        relative importance ``r`` and density ``p`` (e.g. to estimate their loss by sampling)."""
        W, b = self.candidate_weights(torch.tensor(float(p), dtype=_DTYPE))
        cfg = Config(
            n_features=self.n_features,
            n_hidden=self.n_hidden,
            n_instances=len(self.candidates),
            feature_probability=float(p),
            importance=self.importance(torch.tensor(float(r))).float(),
        )
        model = ToyModel(cfg, output="relu")
        with torch.no_grad():
            model.W.copy_(W)
            model.b.copy_(b)
        return model

    def candidate_weights(self, p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The candidates' weights at density ``p (...)``: ``W (candidates, ..., m, n)`` and
        ``b (candidates, ..., n)``, with a dropped feature's bias at its mean ``p / 2``."""
        p = torch.as_tensor(p, dtype=_DTYPE)
        W = torch.tensor([w for _, w in self.candidates], dtype=_DTYPE)  # (C, m, n)
        dropped = (W.norm(dim=1) == 0).to(_DTYPE)  # (C, n)
        W = W.reshape(len(W), *([1] * p.dim()), *W.shape[1:]).expand(-1, *p.shape, -1, -1)
        b = dropped.reshape(len(dropped), *([1] * p.dim()), -1) * (p / 2).unsqueeze(-1)
        return W.clone(), b


TWO_IN_ONE = PhaseProblem(
    name="2 features in 1 dimension",
    n_features=2,
    n_hidden=1,
    phases=("not represented", "dedicated dimension", "superposition"),
    candidates=(
        (0, ((1.0, 0.0),)),  # W ⊥ [0, 1]: the extra feature is dropped
        (1, ((0.0, 1.0),)),  # W ⊥ [1, 0]: the extra feature takes the dimension
        (2, ((1.0, -1.0),)),  # W ⊥ [1, 1]: an antipodal pair
    ),
)

THREE_IN_TWO = PhaseProblem(
    name="3 features in 2 dimensions",
    n_features=3,
    n_hidden=2,
    phases=(
        "not represented",
        "dedicated, another feature dropped",
        "superposition",
        "dedicated, the others in superposition",
    ),
    candidates=(
        (0, ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))),  # W ⊥ [0, 0, 1]
        (1, ((0.0, 1.0, 0.0), (0.0, 0.0, 1.0))),  # W ⊥ [1, 0, 0]
        (2, ((1.0, 0.0, 0.0), (0.0, 1.0, -1.0))),  # W ⊥ [0, 1, 1]
        (3, ((1.0, -1.0, 0.0), (0.0, 0.0, 1.0))),  # W ⊥ [1, 1, 0]
    ),
    variants=(  # features 1 and 2 are interchangeable (both importance 1)
        (1, ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0))),
        (2, ((0.0, 1.0, 0.0), (1.0, 0.0, -1.0))),
    ),
)

TRIPLE_POINT = (1.0, 4.0 / 7.0)
"""``(r, p)`` where the three 2 → 1 candidates have equal loss (closed forms)."""


def _grid(r: torch.Tensor, p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r = torch.as_tensor(r, dtype=_DTYPE)
    p = torch.as_tensor(p, dtype=_DTYPE)
    if r.dim() != 1 or p.dim() != 1:
        raise ValueError(
            f"r and p must be 1-D grids; got shapes {tuple(r.shape)} and {tuple(p.shape)}"
        )
    if (r <= 0).any():
        raise ValueError(f"r={r.tolist()!r} is not allowed: relative importance must be > 0")
    if (p <= 0).any() or (p > 1).any():
        raise ValueError(f"p={p.tolist()!r} is not allowed: every density must be in (0, 1]")
    return torch.meshgrid(r, p, indexing="ij")


# ---------------------------------------------------------------------------------------------
# Closed forms


def dropped_feature_loss(importance: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Loss of a feature the model ignores, its bias predicting the mean ``p / 2``: ``I (p/3 − p²/4)``.

    That is ``I · Var(x)`` with ``E[x] = p/2`` and ``E[x²] = p/3`` (``x`` is 0, or ``Uniform[0, 1]``
    with probability ``p``). Broadcasts.
    """
    p = torch.as_tensor(p, dtype=_DTYPE)
    return torch.as_tensor(importance, dtype=_DTYPE) * (p / 3 - p**2 / 4)


def antipodal_pair_loss(
    importance_1: torch.Tensor, importance_2: torch.Tensor, p: torch.Tensor
) -> torch.Tensor:
    """Loss of two features on one direction with opposite signs (``W = [1, −1]``, ``b = 0``).

    Only when both are active (probability ``p²``) does the ReLU fail: feature 1 then reads
    ``ReLU(x_1 − x_2)``, an error of ``min(x_1, x_2)``, and ``E[min²] = 1/6``. So
    ``(I_1 + I_2) p² / 6``. Broadcasts.
    """
    p = torch.as_tensor(p, dtype=_DTYPE)
    total = torch.as_tensor(importance_1, dtype=_DTYPE) + torch.as_tensor(
        importance_2, dtype=_DTYPE
    )
    return total * p**2 / 6


def _pairs(W: torch.Tensor) -> list[tuple[int, int]]:
    """Antipodal pairs ``(i, j)`` of a candidate's template ``W (m, n)`` (columns ``W_i = −W_j ≠ 0``)."""
    n = W.shape[1]
    return [
        (i, j)
        for i, j in itertools.combinations(range(n), 2)
        if W[:, i].norm() > 0 and torch.equal(W[:, i], -W[:, j])
    ]


def candidate_losses(problem: PhaseProblem, r: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Closed-form loss of every candidate on the grid: ``(candidates, len(r), len(p))``.

    A candidate's features are dedicated (loss 0), dropped (:func:`dropped_feature_loss`) or in an
    antipodal pair (:func:`antipodal_pair_loss`); orthogonal groups do not interact.
    """
    rr, pp = _grid(r, p)
    imp = problem.importance(rr)  # (R, P, n)
    out = []
    for _, w in problem.candidates:
        W = torch.tensor(w, dtype=_DTYPE)
        loss = torch.zeros_like(pp)
        for i in torch.nonzero(W.norm(dim=0) == 0).flatten().tolist():
            loss = loss + dropped_feature_loss(imp[..., i], pp)
        for i, j in _pairs(W):
            loss = loss + antipodal_pair_loss(imp[..., i], imp[..., j], pp)
        out.append(loss)
    return torch.stack(out)


def superposition_boundary(r: torch.Tensor) -> torch.Tensor:
    """Density below which the antipodal pair beats both other 2 → 1 candidates (closed forms).

    ``4r / (2 + 5r)`` for ``r ≤ 1`` (against dropping the extra feature) and ``4 / (5 + 2r)`` for
    ``r ≥ 1`` (against dropping the first); both give ``4/7`` at the triple point ``r = 1``.
    """
    r = torch.as_tensor(r, dtype=_DTYPE)
    if (r <= 0).any():
        raise ValueError(f"r={r.tolist()!r} is not allowed: relative importance must be > 0")
    return torch.where(r <= 1, 4 * r / (2 + 5 * r), 4 / (5 + 2 * r))


# ---------------------------------------------------------------------------------------------
# Exact expectation

# 3-point Gauss-Legendre on [0, 1]: exact for polynomials of degree <= 5.
_GL_NODES, _GL_WEIGHTS = (torch.tensor(a, dtype=_DTYPE) for a in np.polynomial.legendre.leggauss(3))
_GL_NODES, _GL_WEIGHTS = (_GL_NODES + 1) / 2, _GL_WEIGHTS / 2
_MAX_FEATURES = 4


def _box_integral(
    integrand: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    slopes: torch.Tensor,
    offset: torch.Tensor,
) -> torch.Tensor:
    """``∫_[0,1]^d integrand(u_0, t) du`` with ``t = offset + Σ_k slopes_k u_k``, exactly.

    ``slopes (..., d)``, ``offset (...)`` → ``(...)``. ``integrand`` must be a polynomial of degree
    <= 2 in ``(u_0, t)`` on each side of ``t = 0`` (e.g. ``(u_0 − ReLU(t))²``), and ``d <= 4``.
    Integrating the variables innermost-first, each partial integral is piecewise polynomial in the
    next variable, with pieces ending where the kink ``t = 0`` passes a corner of the remaining box;
    Gauss-Legendre on every piece is then exact.
    """
    d = slopes.shape[-1]

    def level(k: int, c: torch.Tensor, u0: torch.Tensor) -> torch.Tensor:
        # c, u0: (..., N) offset so far and u_0 at each of N outer nodes; returns (..., N).
        if k == d:
            return integrand(u0, c)
        s = slopes[..., k : k + 1].unsqueeze(-1)  # (..., 1, 1)
        rest = slopes[..., k + 1 :]
        corners = torch.tensor(list(itertools.product((0.0, 1.0), repeat=d - k - 1)), dtype=_DTYPE)
        corner_t = (
            (rest.unsqueeze(-2) * corners).sum(-1)
            if d - k - 1
            else rest[..., :0].sum(-1, keepdim=True)
        )
        safe = torch.where(s == 0, torch.ones_like(s), s)
        cuts = (-(c.unsqueeze(-1) + corner_t.unsqueeze(-2)) / safe).clamp(0, 1)
        cuts = torch.where(s == 0, torch.zeros_like(cuts), cuts)  # no kink along this variable
        edges = torch.cat(
            [torch.zeros_like(cuts[..., :1]), cuts.sort(-1).values, torch.ones_like(cuts[..., :1])],
            -1,
        )
        lo, width = edges[..., :-1].unsqueeze(-1), edges.diff(dim=-1).unsqueeze(-1)
        nodes = (lo + width * _GL_NODES).flatten(-2)  # (..., N, M)
        weights = (width * _GL_WEIGHTS).flatten(-2)
        inner_c = c.unsqueeze(-1) + s * nodes
        inner_u0 = nodes if k == 0 else u0.unsqueeze(-1).expand_as(nodes)
        values = level(k + 1, inner_c.flatten(-2), inner_u0.flatten(-2)).unflatten(
            -1, nodes.shape[-2:]
        )
        return (values * weights).sum(-1)

    c0 = offset.unsqueeze(-1)
    return level(0, c0, torch.zeros_like(c0)).squeeze(-1)


def _own_error(u0: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return (u0 - torch.relu(t)) ** 2


def _spurious_output(_u0: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return torch.relu(t) ** 2


def expected_loss(
    W: torch.Tensor, b: torch.Tensor, importance: torch.Tensor, probability: torch.Tensor
) -> torch.Tensor:
    """The exact expected loss ``E_x Σ_i I_i (x_i − ReLU(WᵀW x + b)_i)²`` of small models.

    Shapes: ``W (instances, m, n)``, ``b``, ``importance``, ``probability`` ``(instances, n)`` (the
    last two broadcast), ``n <= 4``. Returns ``(instances,)`` in float64, differentiable.

    The expectation is a sum over which features are active (probability ``Π p_j Π (1 − p_j)``) of
    an integral over the unit cube of the active values, done exactly by :func:`_box_integral`.
    """
    W = torch.as_tensor(W, dtype=_DTYPE)
    if W.dim() != 3:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be (instances, hidden, features)")
    n = W.shape[-1]
    if n > _MAX_FEATURES:
        raise ValueError(
            f"W has n_features={n}, which is not allowed: the exact expectation costs 2^n cube "
            f"integrals and is implemented for n <= {_MAX_FEATURES}"
        )
    shape = (W.shape[0], n)
    b = torch.as_tensor(b, dtype=_DTYPE).expand(shape)
    imp = torch.as_tensor(importance, dtype=_DTYPE).expand(shape)
    prob = torch.as_tensor(probability, dtype=_DTYPE).expand(shape)
    G = W.transpose(-1, -2) @ W
    # Group the terms by integral (dimension, integrand) so each group is one batched call.
    groups: dict[tuple[int, bool], list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]] = {}
    for active in itertools.product((False, True), repeat=n):
        weight = torch.where(torch.tensor(active), prob, 1 - prob).prod(-1)
        on = [j for j in range(n) if active[j]]
        for i in range(n):
            # If feature i is active, its own value is the first integration variable.
            cols = [i] + [j for j in on if j != i] if active[i] else on
            groups.setdefault((len(cols), active[i]), []).append(
                (imp[:, i] * weight, G[:, i, cols], b[:, i])
            )
    total = torch.zeros(W.shape[0], dtype=_DTYPE)
    for (d, own), terms in groups.items():
        coef, slopes, offset = (torch.stack(t) for t in zip(*terms, strict=True))
        if d == 0:
            value = torch.relu(offset) ** 2
        else:
            value = _box_integral(_own_error if own else _spurious_output, slopes, offset)
        total = total + (coef * value).sum(0)
    return total


def expected_model_loss(model: ToyModel) -> torch.Tensor:
    """:func:`expected_loss` of a ReLU-output :class:`~toy_lib.ToyModel`: ``(instances,)``."""
    if model.output != "relu":
        raise ValueError(f"model.output={model.output!r} is not allowed: the theory is for 'relu'")
    with torch.no_grad():
        return expected_loss(
            model.W.cpu(), model.b.cpu(), model.importance.cpu(), model.feature_probability.cpu()
        )


def _newton(
    loss_fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, steps: int
) -> torch.Tensor:
    """Minimise independent per-row losses ``loss_fn: (rows, k) → (rows,)`` from ``x (rows, k)``.

    Levenberg-Marquardt: Newton steps on the exact Hessian, shifted to be positive definite plus a
    per-row damping that grows tenfold after a step that does not lower the loss (which is then
    refused) and shrinks after one that does, so no row's loss ever increases. Stops early once
    every row's gradient is negligible.
    """
    rows, k = x.shape
    eye = torch.eye(k, dtype=_DTYPE)
    damping = torch.full((rows,), 1e-3, dtype=_DTYPE)
    x = x.detach().clone()
    for _ in range(steps):
        xg = x.clone().requires_grad_(True)
        loss = loss_fn(xg)
        (g,) = torch.autograd.grad(loss.sum(), xg, create_graph=True)
        H = torch.stack(
            [torch.autograd.grad(g[:, j].sum(), xg, retain_graph=True)[0] for j in range(k)], 1
        ).detach()
        loss, g = loss.detach(), g.detach()
        if (g.abs().amax(-1) <= 1e-8 * loss.abs()).all():
            break
        H = (H + H.transpose(1, 2)) / 2
        eig = torch.linalg.eigvalsh(H)
        scale = eig.abs().amax(-1).clamp_min(1e-30)
        shift = (-eig[:, 0]).clamp_min(0) + damping * scale
        step = torch.linalg.solve(H + shift[:, None, None] * eye, -g.unsqueeze(-1)).squeeze(-1)
        better = loss_fn(x + step).detach() < loss
        x = torch.where(better.unsqueeze(-1), x + step, x)
        damping = torch.where(better, damping / 3, damping * 10).clamp(1e-12, 1e12)
    return x


def minimise_expected_loss(
    W: torch.Tensor,
    b: torch.Tensor,
    importance: torch.Tensor,
    probability: torch.Tensor,
    *,
    steps: int = 40,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Descend the exact :func:`expected_loss` from ``(W, b)``, deterministically (no sampling).

    Shapes as :func:`expected_loss`. Returns the local minimum's ``W``, ``b`` and loss
    ``(instances,)``. Finds the best solution near the start, not a global optimum.
    """
    W = torch.as_tensor(W, dtype=_DTYPE)
    n_inst, m, n = W.shape
    shape = (n_inst, n)
    imp = torch.as_tensor(importance, dtype=_DTYPE).expand(shape)
    prob = torch.as_tensor(probability, dtype=_DTYPE).expand(shape)

    def loss_fn(x: torch.Tensor) -> torch.Tensor:
        reps = x.shape[0] // n_inst
        return expected_loss(
            x[:, : m * n].reshape(-1, m, n),
            x[:, m * n :],
            imp.repeat(reps, 1),
            prob.repeat(reps, 1),
        )

    x0 = torch.cat([W.reshape(n_inst, m * n), torch.as_tensor(b, dtype=_DTYPE).expand(shape)], 1)
    x = _newton(loss_fn, x0, steps)
    W_opt, b_opt = x[:, : m * n].reshape(n_inst, m, n), x[:, m * n :]
    return W_opt, b_opt, loss_fn(x).detach()


# Starting points for an antipodal pair: symmetric, and tilted both ways (with equal importances a
# symmetric start can only reach symmetric solutions, and an asymmetric one may be better).
_PAIR_STARTS = ((1.0, -1.0), (1.0, -0.5), (0.5, -1.0))


def _best_pair(
    importance: torch.Tensor, p: torch.Tensor, steps: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The best antipodal pair found from :data:`_PAIR_STARTS` for two features of importances
    ``(U, 2)`` and density ``p (U,)``: weights ``(U, 2)`` (first positive) and biases ``(U, 2)``."""
    k, u = len(_PAIR_STARTS), len(p)
    W0 = torch.tensor(_PAIR_STARTS, dtype=_DTYPE).repeat_interleave(u, 0).reshape(-1, 1, 2)
    W, b, loss = minimise_expected_loss(
        W0,
        torch.zeros(k * u, 2, dtype=_DTYPE),
        importance.repeat(k, 1),
        p.reshape(-1, 1).repeat(k, 2),
        steps=steps,
    )
    pick = loss.reshape(k, u).argmin(0) * u + torch.arange(u)
    return W[pick, 0], b[pick]


def optimised_candidates(
    problem: PhaseProblem, r: torch.Tensor, p: torch.Tensor, *, steps: int = 25
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The best solution in each candidate's family, by exact expectation, on the grid.

    A candidate's dedicated features are already perfect and a dropped feature's bias at its mean is
    already optimal, so only an antipodal pair has something to gain: its two weights and biases
    (a norm below 1, a positive bias, a tilt) are optimised with :func:`minimise_expected_loss` as
    a 2 → 1 problem with the pair's importances, and put back into the candidate.

    Returns ``W (candidates, len(r), len(p), m, n)``, ``b (candidates, len(r), len(p), n)`` and the
    exact loss ``(candidates, len(r), len(p))``.
    """
    rr, pp = _grid(r, p)
    imp = problem.importance(rr)
    W, b = problem.candidate_weights(pp)
    for c, (_, w) in enumerate(problem.candidates):
        template = torch.tensor(w, dtype=_DTYPE)
        for i, j in _pairs(template):
            row = int(template[:, i].abs().argmax())
            keys = torch.stack([imp[..., i], imp[..., j], pp], -1).reshape(-1, 3)
            unique, inverse = torch.unique(keys, dim=0, return_inverse=True)
            W_pair, b_pair = _best_pair(unique[:, :2], unique[:, 2], steps)
            sign = template[row, i]
            W[c, ..., row, i] = sign * W_pair[inverse, 0].reshape(pp.shape)
            W[c, ..., row, j] = sign * W_pair[inverse, 1].reshape(pp.shape)
            b[c, ..., i] = b_pair[inverse, 0].reshape(pp.shape)
            b[c, ..., j] = b_pair[inverse, 1].reshape(pp.shape)
    n, n_cand = problem.n_features, len(problem.candidates)
    loss = expected_loss(
        W.reshape(-1, problem.n_hidden, n),
        b.reshape(-1, n),
        imp.expand(n_cand, *imp.shape).reshape(-1, n),
        pp.reshape(1, -1, 1).expand(n_cand, -1, n).reshape(-1, n),
    ).reshape(n_cand, *pp.shape)
    return W, b, loss


# ---------------------------------------------------------------------------------------------
# Classification and phase diagrams

_ANTIPODAL, _ORTHOGONAL, _PARALLEL = -0.7, 0.35, 0.7


def _signature(W: torch.Tensor, threshold: float) -> torch.Tensor:
    """Rotation-invariant summary of ``W (..., m, n)``: ``(..., n, n)`` int.

    Diagonal: 1 if the feature is represented (``||W_i|| > threshold``). Off-diagonal, for two
    represented features: −1 antipodal (cos <= −0.7), 0 orthogonal (|cos| <= 0.35), 1 parallel
    (cos >= 0.7), 2 anything else; 0 when either is not represented.
    """
    W = torch.as_tensor(W).detach().to(_DTYPE)
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
    return torch.where(eye, rep.unsqueeze(-1).to(_DTYPE).expand_as(rel), rel).round().long()


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
    templates = _signature(torch.tensor([w for _, w in table], dtype=_DTYPE), threshold)
    sig = _signature(W, threshold)
    match = (sig.unsqueeze(-3) == templates).flatten(-2).all(-1)  # (..., templates)
    first = match.to(torch.uint8).argmax(-1)
    return torch.where(match.any(-1), labels[first], torch.full_like(first, -1))


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


def train_best_of_exact(
    cfg: Config, k: int = 8, *, seed: int = 0, **train_kwargs: object
) -> BestOf:
    """Train ``k`` restarts of every instance of a ReLU-output model and keep, per instance, the one
    with the lowest exact :func:`expected_loss`.

    As :func:`~toy_lib.train_best_of`, which compares restarts on a 100,000-sample estimate of the
    loss: at density 0.01 two given features are active together in about 10 of those samples, too
    few to resolve the small loss differences between candidate solutions. ``train_kwargs`` go to
    :func:`~toy_lib.train`; the result's ``losses (instances, k)`` are exact.
    """
    return train_best_of(
        cfg, k, output="relu", seed=seed, score=expected_model_loss, **train_kwargs
    )


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
    labels = classify(result.all_restarts.W, problem).reshape(n_cells, K)
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
    angles = torch.arange(3, dtype=_DTYPE) * 2 * math.pi / 3
    return torch.stack([angles.cos(), angles.sin()]).expand(n, 2, 3).clone()
