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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..config import Config
from ..models import ToyModel

__all__ = [
    "DTYPE",
    "PhaseProblem",
    "THREE_IN_TWO",
    "TRIPLE_POINT",
    "TWO_IN_ONE",
    "antipodal_pair_loss",
    "candidate_losses",
    "dropped_feature_loss",
    "expected_loss",
    "expected_model_loss",
    "minimise_expected_loss",
    "optimised_candidates",
    "superposition_boundary",
    "two_in_one_losses",
]

DTYPE = torch.float64


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
        r = torch.as_tensor(r, dtype=DTYPE)
        ones = torch.ones(*r.shape, self.n_features - 1, dtype=DTYPE)
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
        W, b = self.candidate_weights(torch.tensor(float(p), dtype=DTYPE))
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
        p = torch.as_tensor(p, dtype=DTYPE)
        W = torch.tensor([w for _, w in self.candidates], dtype=DTYPE)  # (C, m, n)
        dropped = (W.norm(dim=1) == 0).to(DTYPE)  # (C, n)
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
    r = torch.as_tensor(r, dtype=DTYPE)
    p = torch.as_tensor(p, dtype=DTYPE)
    if r.dim() != 1 or p.dim() != 1:
        raise ValueError(
            f"r and p must be 1-D grids; got shapes {tuple(r.shape)} and {tuple(p.shape)}"
        )
    if (r <= 0).any():
        raise ValueError(f"r={r.tolist()!r} is not allowed: relative importance must be > 0")
    if (p <= 0).any() or (p > 1).any():
        raise ValueError(f"p={p.tolist()!r} is not allowed: every density must be in (0, 1]")
    return torch.meshgrid(r, p, indexing="ij")


def dropped_feature_loss(importance: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Loss of a feature the model ignores, its bias predicting the mean ``p / 2``: ``I (p/3 − p²/4)``.

    That is ``I · Var(x)`` with ``E[x] = p/2`` and ``E[x²] = p/3`` (``x`` is 0, or ``Uniform[0, 1]``
    with probability ``p``). Broadcasts.
    """
    p = torch.as_tensor(p, dtype=DTYPE)
    return torch.as_tensor(importance, dtype=DTYPE) * (p / 3 - p**2 / 4)


def antipodal_pair_loss(
    importance_1: torch.Tensor, importance_2: torch.Tensor, p: torch.Tensor
) -> torch.Tensor:
    """Loss of two features on one direction with opposite signs (``W = [1, −1]``, ``b = 0``).

    Only when both are active (probability ``p²``) does the ReLU fail: feature 1 then reads
    ``ReLU(x_1 − x_2)``, an error of ``min(x_1, x_2)``, and ``E[min²] = 1/6``. So
    ``(I_1 + I_2) p² / 6``. Broadcasts.
    """
    p = torch.as_tensor(p, dtype=DTYPE)
    total = torch.as_tensor(importance_1, dtype=DTYPE) + torch.as_tensor(importance_2, dtype=DTYPE)
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
        W = torch.tensor(w, dtype=DTYPE)
        loss = torch.zeros_like(pp)
        for i in torch.nonzero(W.norm(dim=0) == 0).flatten().tolist():
            loss = loss + dropped_feature_loss(imp[..., i], pp)
        for i, j in _pairs(W):
            loss = loss + antipodal_pair_loss(imp[..., i], imp[..., j], pp)
        out.append(loss)
    return torch.stack(out)


def two_in_one_losses(r: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """The three 2 → 1 candidates' closed-form losses, in :data:`TWO_IN_ONE`'s phase order:
    ``r v`` (not represented), ``v`` (dedicated dimension), ``(1 + r) p²/6`` (superposition), with
    ``v = p/3 − p²/4``. ``r`` and ``p`` broadcast together to some shape ``S``; returns ``(3, *S)``.
    """
    r = torch.as_tensor(r, dtype=DTYPE)
    p = torch.as_tensor(p, dtype=DTYPE)
    r, p = torch.broadcast_tensors(r, p)
    return torch.stack(
        [dropped_feature_loss(r, p), dropped_feature_loss(1.0, p), antipodal_pair_loss(1.0, r, p)]
    )


def superposition_boundary(r: torch.Tensor) -> torch.Tensor:
    """Density below which the antipodal pair beats both other 2 → 1 candidates (closed forms).

    ``4r / (2 + 5r)`` for ``r ≤ 1`` (against dropping the extra feature) and ``4 / (5 + 2r)`` for
    ``r ≥ 1`` (against dropping the first); both give ``4/7`` at the triple point ``r = 1``.
    """
    r = torch.as_tensor(r, dtype=DTYPE)
    if (r <= 0).any():
        raise ValueError(f"r={r.tolist()!r} is not allowed: relative importance must be > 0")
    return torch.where(r <= 1, 4 * r / (2 + 5 * r), 4 / (5 + 2 * r))


# 3-point Gauss-Legendre on [0, 1]: exact for polynomials of degree <= 5.
_GL_NODES, _GL_WEIGHTS = (torch.tensor(a, dtype=DTYPE) for a in np.polynomial.legendre.leggauss(3))
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
        corners = torch.tensor(list(itertools.product((0.0, 1.0), repeat=d - k - 1)), dtype=DTYPE)
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
    W = torch.as_tensor(W, dtype=DTYPE)
    if W.dim() != 3:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be (instances, hidden, features)")
    n = W.shape[-1]
    if n > _MAX_FEATURES:
        raise ValueError(
            f"W has n_features={n}, which is not allowed: the exact expectation costs 2^n cube "
            f"integrals and is implemented for n <= {_MAX_FEATURES}"
        )
    shape = (W.shape[0], n)
    b = torch.as_tensor(b, dtype=DTYPE).expand(shape)
    imp = torch.as_tensor(importance, dtype=DTYPE).expand(shape)
    prob = torch.as_tensor(probability, dtype=DTYPE).expand(shape)
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
    total = torch.zeros(W.shape[0], dtype=DTYPE)
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
    eye = torch.eye(k, dtype=DTYPE)
    damping = torch.full((rows,), 1e-3, dtype=DTYPE)
    x = x.detach().clone()
    for _ in range(steps):
        xg = x.clone().requires_grad_(True)
        loss = loss_fn(xg)
        (g,) = torch.autograd.grad(loss.sum(), xg, create_graph=True)
        # The rows are independent, so k backward passes through the one batched graph give every
        # row's Hessian at once. torch.func.hessian under vmap gave the same minima (loss within
        # 1e-17) but ran 4-8x slower here (19 s vs 2.6 s on a 6x6 grid), so we keep this.
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
    W = torch.as_tensor(W, dtype=DTYPE)
    n_inst, m, n = W.shape
    shape = (n_inst, n)
    imp = torch.as_tensor(importance, dtype=DTYPE).expand(shape)
    prob = torch.as_tensor(probability, dtype=DTYPE).expand(shape)

    def loss_fn(x: torch.Tensor) -> torch.Tensor:
        reps = x.shape[0] // n_inst
        return expected_loss(
            x[:, : m * n].reshape(-1, m, n),
            x[:, m * n :],
            imp.repeat(reps, 1),
            prob.repeat(reps, 1),
        )

    x0 = torch.cat([W.reshape(n_inst, m * n), torch.as_tensor(b, dtype=DTYPE).expand(shape)], 1)
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
    W0 = torch.tensor(_PAIR_STARTS, dtype=DTYPE).repeat_interleave(u, 0).reshape(-1, 1, 2)
    W, b, loss = minimise_expected_loss(
        W0,
        torch.zeros(k * u, 2, dtype=DTYPE),
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
        template = torch.tensor(w, dtype=DTYPE)
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
