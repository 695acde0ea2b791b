"""Adversarial attacks on toy models (paper §7): small L2 input perturbations that raise the loss.

The adversary adds ``δ`` with ``||δ|| <= ε`` to an input ``x``. By default the model should still
reconstruct the clean ``x``, so an example's attacked loss is ``Σ_i I_i (x_i - x'(x + δ)_i)²`` (the
usual adversarial convention: the perturbation does not move the right answer, as it would not move
an image's label); :func:`feature_attack` can also compare with ``x + δ``.

The attacks, batched over instances:

- :func:`feature_attack`, the paper's: for every feature ``i`` the perturbation
  ``ε (WᵀW)_i / ||(WᵀW)_i||``, the unit direction that moves output ``i`` most in the linear part
  of the model; by default the one feature whose perturbation, added to every example, hurts the
  data set most (options: per example, both signs).
- :func:`gradient_attack`, a generic one: projected gradient ascent on each example's loss inside
  the ``ε`` ball (PGD), from random starts; :func:`ascent_from_input` starts at the clean input.
- :func:`random_attack`, a baseline: random directions of norm ``ε``.

:func:`vulnerability` is the paper's measure ``(L' - L) / (L'_0 - L_0)``: the loss increase an attack
causes, relative to the increase the paper's attack causes in a model of the same size without
superposition (:func:`no_superposition_model`). The model's own tensors are never modified: the
attacks perturb inputs and differentiate with respect to the perturbation only.
:func:`attack_gain` is the leverage ``||(WᵀW)_i||²`` that explains the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

import torch
from torch.func import functional_call

from ..config import Config
from ..models import ToyModel
from ..validate import check_choice, check_int, check_number

__all__ = [
    "ATTACKS",
    "Attack",
    "AttackResult",
    "CHOICES",
    "SIGNS",
    "TARGETS",
    "START_MODES",
    "ascent_from_input",
    "attack_budget",
    "attack_directions",
    "attack_gain",
    "example_loss",
    "feature_attack",
    "gradient_attack",
    "no_superposition_model",
    "one_instance",
    "random_attack",
    "vulnerabilities",
    "vulnerability",
]

START_MODES = ("random", "zero")
CHOICES = ("dataset", "example")
SIGNS = ("+", "±")
TARGETS = ("clean", "attacked")
_EPS = 1e-12


@dataclass
class AttackResult:
    """What an attack found for every example.

    Attributes:
        delta: ``(instances, batch, features)`` the perturbation of each example (``||δ|| <= ε``).
        clean_loss: ``(instances, batch)`` each example's loss without the attack.
        attacked_loss: ``(instances, batch)`` each example's loss with it (never below ``clean_loss``:
            an attack that finds nothing better keeps ``δ = 0``).
    """

    delta: torch.Tensor
    clean_loss: torch.Tensor
    attacked_loss: torch.Tensor

    @property
    def loss_increase(self) -> torch.Tensor:
        """``L' - L``: ``(instances,)`` mean attacked loss minus mean clean loss over the batch."""
        return (self.attacked_loss - self.clean_loss).mean(-1)


# An attack: (model, x (instances, batch, features), budget) -> AttackResult.
Attack = Callable[[ToyModel, torch.Tensor, torch.Tensor], AttackResult]


def _frozen_forward(model: ToyModel, x: torch.Tensor) -> torch.Tensor:
    """``model(x)`` with detached copies of the parameters: gradients flow to ``x`` only."""
    params = {name: p.detach() for name, p in model.named_parameters()}
    return functional_call(model, params, (x,))


def _check_inputs(model: ToyModel, x: torch.Tensor) -> None:
    shape = (model.cfg.n_instances, model.cfg.n_features)
    if x.dim() != 3 or (x.shape[0], x.shape[2]) != shape:
        raise ValueError(
            f"x has shape {tuple(x.shape)}: it must be (instances, batch, features) = "
            f"({shape[0]}, batch, {shape[1]}) for this model"
        )


def example_loss(
    model: ToyModel, x: torch.Tensor, target: torch.Tensor | None = None
) -> torch.Tensor:
    """Each example's loss ``Σ_i I_i (target_i - x'(x)_i)²``: ``(instances, batch)``.

    ``x``: ``(instances, batch, features)``; ``target`` (like ``x``) defaults to ``x`` itself, the
    unattacked loss. Its batch mean is ``model.loss(x)``.
    """
    _check_inputs(model, x)
    target = x if target is None else target
    return (model.importance.unsqueeze(1) * (target - _frozen_forward(model, x)) ** 2).sum(-1)


def attack_budget(
    x: torch.Tensor, fraction: float = 0.1, *, include_zero: bool = True
) -> torch.Tensor:
    """The L2 budget ``ε`` of every instance: ``fraction`` times the mean input norm, ``(instances,)``.

    The paper allows "a max L2 attack norm of 0.1 of the average input norm". By default (the
    literal reading) the mean is over all inputs, all-zero ones included, so at high sparsity the
    budget shrinks with the share of inputs that carry a feature. ``include_zero=False`` averages
    over inputs with at least one active feature only. ``x``: ``(instances, batch, features)``.
    """
    check_number("fraction", fraction, 0.0, low_open=True)
    if x.dim() != 3:
        raise ValueError(f"x has shape {tuple(x.shape)}: it must be (instances, batch, features)")
    norms = x.detach().norm(dim=-1)
    if include_zero:
        return fraction * norms.mean(-1)
    active = (norms > 0).sum(-1)
    if (active == 0).any():
        raise ValueError(
            "x has an instance whose inputs are all zero: draw a larger batch, or pass "
            "include_zero=True"
        )
    return fraction * norms.sum(-1) / active


def _budget(budget: torch.Tensor | float, model: ToyModel, x: torch.Tensor) -> torch.Tensor:
    """``budget`` as ``(instances, 1, 1)`` on ``x``'s device and dtype, after checking it."""
    eps = torch.as_tensor(budget, dtype=x.dtype, device=x.device).detach()
    n = model.cfg.n_instances
    if eps.dim() > 1 or (eps.dim() == 1 and eps.shape[0] not in (1, n)):
        raise ValueError(
            f"budget has shape {tuple(eps.shape)}: it must be a number or one per instance ({n},)"
        )
    if not torch.isfinite(eps).all() or (eps < 0).any():
        raise ValueError(f"budget={eps.tolist()!r:.80} is not allowed: it must be finite and >= 0")
    return torch.broadcast_to(eps.reshape(-1), (n,)).reshape(n, 1, 1)


def _keep_best(
    best: tuple[torch.Tensor, torch.Tensor], delta: torch.Tensor, loss: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The per-example better of ``best = (delta, loss)`` and the new candidate."""
    better = loss > best[1]
    return torch.where(better.unsqueeze(-1), delta, best[0]), torch.where(better, loss, best[1])


def feature_attack(
    model: ToyModel,
    x: torch.Tensor,
    budget: torch.Tensor | float,
    *,
    choice: str = "dataset",
    signs: str = "+",
    target: str = "clean",
) -> AttackResult:
    """The paper's attack: the perturbations ``λ (WᵀW)_i / ||(WᵀW)_i||`` (``λ = ε``), one per feature
    ``i``, and "the one of these attacks which most harms model performance".

    ``(WᵀW)_i`` is the direction in input space that moves output ``i`` most (in the model's linear
    part). The paper leaves three details open; the defaults are the literal reading:

    - ``choice="dataset"``: one feature per instance, the one whose perturbation, added to every
      example, raises the mean loss over ``x`` most (ties: the lowest index); ``"example"``: each
      example gets its own most harmful perturbation.
    - ``signs="+"``: ``λ = +ε`` only, as the formula is written; ``"±"`` also tries ``-ε``.
    - ``target="clean"``: the attacked loss compares the output with the clean ``x`` (the usual
      adversarial convention: the perturbation does not move the right answer); ``"attacked"``
      compares it with ``x + δ``, the model's own training objective on its perturbed input.

    A feature with ``(WᵀW)_i = 0`` offers no attack (a zero perturbation).
    ``x``: ``(instances, batch, features)``; ``budget``: ``ε``, a number or ``(instances,)``.
    The result's ``delta`` is ``(instances, batch, features)`` either way.
    """
    _check_inputs(model, x)
    eps = _budget(budget, model, x)
    check_choice("choice", choice, CHOICES)
    check_choice("signs", signs, SIGNS)
    check_choice("target", target, TARGETS)
    if model.hidden_activation != "linear":
        raise ValueError(
            f"model.hidden_activation={model.hidden_activation!r} is not allowed: the paper's "
            "attack is derived for the linear hidden layer"
        )
    x = x.detach()
    W, b = model.W.detach(), model.b.detach()
    gram = W.transpose(1, 2) @ W
    directions = attack_directions(W)  # rows: (inst, feat, feat)
    # Candidates in the order +row 0, (-row 0,) +row 1, ...: (instances, candidates, features).
    stacked = [directions, -directions] if signs == "±" else [directions]
    candidates = eps * torch.stack(stacked, dim=2).flatten(1, 2)
    # The hidden layer is linear, so a candidate δ moves every pre-activation by (WᵀW) δ.
    shifts = candidates @ gram  # (inst, candidates, feat); gram is symmetric
    clean_pre = x @ gram + b.unsqueeze(1)  # (inst, batch, feat)
    importance = model.importance.unsqueeze(1).unsqueeze(2)  # (inst, 1, 1, feat)
    clean = example_loss(model, x)
    n_inst, batch, n_feat = x.shape
    losses = []
    # A chunk of candidates at a time, about 2**22 numbers per (instances, batch, chunk, features).
    chunk = max(1, 2**22 // (batch * n_feat * n_inst))
    for first in range(0, candidates.shape[1], chunk):
        pre = clean_pre.unsqueeze(2) + shifts[:, first : first + chunk].unsqueeze(1)
        out = torch.relu(pre) if model.output == "relu" else pre
        goal = x.unsqueeze(2)
        if target == "attacked":
            goal = goal + candidates[:, first : first + chunk].unsqueeze(1)
        losses.append((importance * (goal - out) ** 2).sum(-1))  # (inst, batch, chunk)
    loss = torch.cat(losses, dim=-1)  # (inst, batch, candidates)
    if choice == "dataset":
        pick = loss.mean(1).argmax(-1)  # (inst,): the first of equally harmful candidates
        attacked = loss.gather(2, pick[:, None, None].expand(-1, batch, 1)).squeeze(2)
        delta = candidates.gather(1, pick[:, None, None].expand(-1, 1, n_feat))
        delta = delta.expand(-1, batch, -1)
    else:
        attacked, pick = loss.max(-1)  # (inst, batch)
        delta = candidates.gather(1, pick.unsqueeze(-1).expand(-1, -1, n_feat))
    return AttackResult(delta=delta.clone(), clean_loss=clean, attacked_loss=attacked)


def _project(delta: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Scale every example's ``δ`` back onto the ball ``||δ|| <= ε`` where it left it."""
    norm = delta.norm(dim=-1, keepdim=True)
    return delta * torch.clamp(eps / norm.clamp_min(_EPS), max=1.0)


def _random_in_ball(
    shape: torch.Size, eps: torch.Tensor, generator: torch.Generator, *, surface: bool
) -> torch.Tensor:
    """Points uniform in (or, with ``surface``, on) the ball of radius ``ε``: ``shape``."""
    device, dtype = eps.device, eps.dtype
    direction = torch.randn(shape, generator=generator, device=device, dtype=dtype)
    direction = direction / direction.norm(dim=-1, keepdim=True).clamp_min(_EPS)
    if surface:
        return eps * direction
    radius = torch.rand(shape[:-1] + (1,), generator=generator, device=device, dtype=dtype)
    return eps * radius ** (1.0 / shape[-1]) * direction


def gradient_attack(
    model: ToyModel,
    x: torch.Tensor,
    budget: torch.Tensor | float,
    *,
    steps: int = 20,
    restarts: int = 8,
    start: str = "random",
    step_size: float = 10.0,
    seed: int = 0,
) -> AttackResult:
    """A generic L2 attack: projected gradient ascent (PGD) on each example's loss.

    From each start, ``steps`` normalised gradient steps of length ``step_size · ε / steps``, each
    followed by a projection back into the ball ``||δ|| <= ε``. The best ``δ`` seen on the way is
    kept, per example, over all ``restarts``. ``start="random"`` draws every start uniformly in the
    ball; ``start="zero"`` is plain gradient ascent from the clean input (one restart): where the
    loss is flat there (outputs below their ReLU threshold, or a perfectly reconstructed input) the
    gradient is zero and it cannot move, the "gradient masking" the paper met.

    ``x``: ``(instances, batch, features)``; ``budget``: ``ε``, a number or ``(instances,)``.
    """
    _check_inputs(model, x)
    eps = _budget(budget, model, x)
    check_int("steps", steps)
    check_int("restarts", restarts)
    if start not in START_MODES:
        raise ValueError(f"start={start!r} is not allowed: choose one of {START_MODES}")
    if start == "zero" and restarts != 1:
        raise ValueError(
            f"restarts={restarts!r} is not allowed with start='zero': every restart would be the same"
        )
    if isinstance(step_size, bool) or not isinstance(step_size, int | float) or not step_size > 0:
        raise ValueError(f"step_size={step_size!r} is not allowed: it must be a number > 0")
    x = x.detach()
    generator = torch.Generator(device=x.device).manual_seed(seed)
    clean = example_loss(model, x)
    # All restarts run side by side as one long batch: a few big tensor operations are much
    # cheaper than many small ones.
    n_inst, batch, n_feat = x.shape
    xs = x.repeat(1, restarts, 1)
    best = (torch.zeros_like(xs), clean.repeat(1, restarts))
    alpha = step_size * eps / steps
    delta = (
        _random_in_ball(xs.shape, eps, generator, surface=False)
        if start == "random"
        else torch.zeros_like(xs)
    )
    for step in range(steps + 1):
        delta.requires_grad_(True)
        loss = example_loss(model, xs + delta, target=xs)
        best = _keep_best(best, delta.detach(), loss.detach())
        if step == steps:
            break
        (grad,) = torch.autograd.grad(loss.sum(), delta)
        grad = grad / grad.norm(dim=-1, keepdim=True).clamp_min(_EPS)
        delta = _project(delta.detach() + alpha * grad, eps)
    losses = best[1].reshape(n_inst, restarts, batch)
    pick = losses.argmax(1, keepdim=True)  # (instances, 1, batch): the best restart per example
    deltas = best[0].reshape(n_inst, restarts, batch, n_feat)
    delta = deltas.gather(1, pick.unsqueeze(-1).expand(-1, -1, -1, n_feat)).squeeze(1)
    return AttackResult(
        delta=delta, clean_loss=clean, attacked_loss=losses.gather(1, pick).squeeze(1)
    )


def random_attack(
    model: ToyModel, x: torch.Tensor, budget: torch.Tensor | float, *, draws: int = 1, seed: int = 0
) -> AttackResult:
    """A baseline: per example, the most harmful of ``draws`` random directions of norm ``ε``.

    ``x``: ``(instances, batch, features)``; ``budget``: ``ε``, a number or ``(instances,)``.
    """
    _check_inputs(model, x)
    eps = _budget(budget, model, x)
    check_int("draws", draws)
    x = x.detach()
    generator = torch.Generator(device=x.device).manual_seed(seed)
    clean = example_loss(model, x)
    best = (torch.zeros_like(x), clean)
    for _ in range(draws):
        delta = _random_in_ball(x.shape, eps, generator, surface=True)
        best = _keep_best(best, delta, example_loss(model, x + delta, target=x))
    return AttackResult(delta=best[0], clean_loss=clean, attacked_loss=best[1])


def ascent_from_input(
    model: ToyModel, x: torch.Tensor, budget: torch.Tensor | float
) -> AttackResult:
    """Plain gradient ascent from the clean input: :func:`gradient_attack` with ``start="zero"``."""
    return gradient_attack(model, x, budget, start="zero", restarts=1)


# The attacks notebook 07 and its explorer compare, by the name they are shown under.
ATTACKS: dict[str, Attack] = {
    "paper's attack": feature_attack,
    "paper's, per example ±": partial(feature_attack, choice="example", signs="±"),
    "gradient attack (PGD)": gradient_attack,
    "gradient ascent from x": ascent_from_input,
    "random direction": random_attack,
}


def no_superposition_model(
    cfg: Config, output: str = "relu", *, device: torch.device | str | None = None
) -> ToyModel:
    """The reference model of the same size without superposition: per instance, the ``m`` most
    important features each get their own hidden dimension (``W_i`` a standard basis vector, bias
    0) and every other feature is dropped (``W_i = 0``, bias ``E[x_i] = p_i / 2``, its mean).

    This is the linear model's optimum (PCA) and the dense ReLU model's solution; it reconstructs
    its own features exactly, so an attack of norm ``ε`` raises its loss by exactly ``I_max ε²``.
    Ties in importance go to the lower feature index. ``device``: where the model lives.
    """
    model = ToyModel(cfg, output=output, device=device)
    n, m = cfg.n_features, cfg.n_hidden
    kept = min(n, m)
    # Stable sort on -importance: the most important first, lower index first among equals.
    order = torch.sort(-cfg.importances, dim=-1, stable=True).indices[:, :kept]
    # W[k, r, order[k, c]] = 1 when r == c: feature order[k, r] gets hidden dimension r.
    index = order.unsqueeze(1).expand(-1, m, -1)
    W = torch.zeros(cfg.n_instances, m, n).scatter_(2, index, torch.eye(m, kept).expand_as(index))
    dropped = torch.ones(cfg.n_instances, n, dtype=torch.bool).scatter_(1, order, False)
    b = torch.where(dropped, cfg.probability / 2, torch.zeros(()))
    with torch.no_grad():
        model.W.copy_(W)
        model.b.copy_(b)
    return model


def attack_directions(W: torch.Tensor) -> torch.Tensor:
    """The paper's attack directions ``(WᵀW)_i / ||(WᵀW)_i||``, one row per feature ``i``:
    ``(..., features, features)`` from ``W: (..., hidden, features)``; a zero row stays zero."""
    gram = W.transpose(-1, -2) @ W
    return gram / gram.norm(dim=-1, keepdim=True).clamp_min(_EPS)


def attack_gain(W: torch.Tensor) -> torch.Tensor:
    """``||(WᵀW)_i||²``: ``(..., features)`` from ``W: (..., hidden, features)``.

    The paper's attack on feature ``i`` moves output ``i`` (before the ReLU) by ``ε ||(WᵀW)_i||``
    where a model without superposition moves it by ``ε``, so this is how many times more that
    output's squared error grows, where the bias does not block it. It equals ``||W_i||⁴ / D_i``
    (:func:`toy_lib.metrics.feature_dimensionality`): 1 for a dedicated feature, 2 for one of an
    antipodal pair, 5/2 for a pentagon vertex, when ``||W_i|| = 1``.
    """
    W = torch.as_tensor(W).detach().float()
    if W.dim() < 2:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be (..., hidden, features)")
    gram = W.transpose(-1, -2) @ W
    return (gram**2).sum(-1)


def vulnerability(
    model: ToyModel,
    x: torch.Tensor,
    budget: torch.Tensor | float,
    attack: Attack = feature_attack,
    reference: ToyModel | None = None,
    reference_attack: Attack = feature_attack,
) -> torch.Tensor:
    """The paper's vulnerability ``(L' - L) / (L'_0 - L_0)``: ``(instances,)``.

    ``L' - L`` is the mean loss increase ``attack`` causes in ``model`` on inputs ``x``
    ``(instances, batch, features)`` with budget ``ε`` (a number or ``(instances,)``).
    ``L'_0 - L_0`` is the increase ``reference_attack`` (default the paper's attack,
    :func:`feature_attack`) causes, on the same inputs and budget, in ``reference`` (default:
    :func:`no_superposition_model` of the model's config and output). For those defaults it is
    exactly ``I_max ε²``, so every attack is measured against the same yardstick: 1 means "as much
    damage as the paper's attack does to a model without superposition".
    """
    return vulnerabilities(model, x, budget, {"": attack}, reference, reference_attack)[""]


def vulnerabilities(
    model: ToyModel,
    x: torch.Tensor,
    budget: torch.Tensor | float,
    attacks: Mapping[str, Attack] = ATTACKS,
    reference: ToyModel | None = None,
    reference_attack: Attack = feature_attack,
) -> dict[str, torch.Tensor]:
    """:func:`vulnerability` for each of several ``attacks`` (name → attack) on the same inputs
    and budget, the reference attacked once: ``{name: (instances,)}``."""
    if reference is None:
        reference = no_superposition_model(model.cfg, model.output, device=model.device)
    base = reference_attack(reference, x, budget).loss_increase
    if (base <= 0).any():
        raise ValueError(
            f"the attack does not raise the reference model's loss ({base.tolist()!r:.80}): "
            "the budget must be > 0, and the attack able to harm the reference"
        )
    return {name: attack(model, x, budget).loss_increase / base for name, attack in attacks.items()}


def one_instance(model: ToyModel, k: int) -> ToyModel:
    """A copy of instance ``k`` of ``model`` as a model of its own (one instance)."""
    cfg = model.cfg
    one = ToyModel(
        Config(
            n_features=cfg.n_features,
            n_hidden=cfg.n_hidden,
            n_instances=1,
            feature_probability=cfg.probability[k : k + 1],
            importance=cfg.importances[k : k + 1],
            correlated=cfg.correlated,
            anticorrelated=cfg.anticorrelated,
        ),
        output=model.output,
    )
    with torch.no_grad():
        one.W.copy_(model.W[k : k + 1])
        one.b.copy_(model.b[k : k + 1])
    return one
