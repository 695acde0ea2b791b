"""Adversarial training with the paper's attack (the end of paper §7).

The paper "briefly experimented with adversarial training": every training input is perturbed by
"the analytic optimal attack against a random feature", ``λ (WᵀW)_i / ||(WᵀW)_i||`` for a random
``i``, and the model learns to reconstruct the clean input from it. It found this "did reduce
superposition, but attacks had to be made unreasonably large (80% input L2 norm) to fully
eliminate it". :func:`adversarial_training` trains one model per budget side by side (one instance
each), so superposition can be read off against the budget.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..config import Config
from ..data import generate_batch
from ..models import ToyModel
from ..validate import check_choice, check_int, check_number

__all__ = ["NORMS", "adversarial_training"]

NORMS = ("mean", "example")


def adversarial_training(
    cfg: Config,
    fractions: Sequence[float],
    *,
    steps: int = 3000,
    batch_size: int = 1024,
    lr: float = 1e-3,
    weight_decay: float = 0.01,
    norm: str = "mean",
    seed: int = 0,
) -> ToyModel:
    """Train one model per attack budget on the paper's attack against a random feature.

    ``cfg`` must have one instance (the data: density, importance, sizes); instance ``k`` of the
    returned model is trained with budget ``ε_k = fractions[k]`` × the batch's mean input norm
    (all inputs, zeros included, as :func:`attack_budget` reads the paper), ``0`` meaning ordinary
    training. At every step each example gets the perturbation ``ε (WᵀW)_i / ||(WᵀW)_i||`` of its
    own random feature ``i``, computed from the current weights (held fixed within the step, as
    adversarial training does); the loss compares the output with the clean input. AdamW with
    :func:`toy_lib.train`'s settings (lr ``1e-3``, weight decay ``0.01``, batch 1024), from the
    models' default start (``seed``); ``steps`` is shorter than ``train``'s 10,000 to keep it quick.

    Returns a :class:`ToyModel` with ``len(fractions)`` instances: ``W (fractions, hidden, features)``.
    """
    if cfg.n_instances != 1:
        raise ValueError(
            f"cfg has n_instances={cfg.n_instances}: it must be 1 (one instance per budget is made)"
        )
    fractions = [float(f) for f in fractions]
    if not fractions:
        raise ValueError("fractions=[] is not allowed: give at least one budget")
    for f in fractions:
        check_number("fractions", f, 0.0)
    check_choice("norm", norm, NORMS)
    check_int("steps", steps)
    check_int("batch_size", batch_size)
    check_number("lr", lr, 0.0, low_open=True)
    check_number("weight_decay", weight_decay, 0.0)
    k = len(fractions)
    model = ToyModel(cfg.repeat_instances(k), seed=seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)
    fraction = torch.tensor(fractions).reshape(k, 1, 1)
    probability, importance = model.cfg.probability, model.importance.unsqueeze(1)
    for _ in range(steps):
        x = generate_batch(probability, batch_size, generator=generator)  # (k, batch, features)
        with torch.no_grad():
            W = model.W.detach()
            gram = W.transpose(1, 2) @ W  # (k, features, features)
            directions = gram / gram.norm(dim=-1, keepdim=True).clamp_min(1e-12)
            feature = torch.randint(cfg.n_features, (k, batch_size), generator=generator)
            direction = directions.gather(1, feature.unsqueeze(-1).expand(-1, -1, cfg.n_features))
            norms = x.norm(dim=-1, keepdim=True)  # (k, batch, 1)
            eps = fraction * (norms.mean(1, keepdim=True) if norm == "mean" else norms)
            delta = eps * direction
        loss = (importance * (x - model(x + delta)) ** 2).sum(-1).mean(-1).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return model
