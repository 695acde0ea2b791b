"""Synthetic sparse data: each feature is zero with probability ``S`` and uniform when active.

One uniform draw per entry does both jobs: ``u < p`` decides whether feature i is active, and
``u / p`` is then itself uniform on ``[0, 1)``. That halves the random numbers the usual
"mask draw + value draw" recipe needs and gives the same distribution.

Features can also come in sets (paper §5, non-uniform superposition):

- a **correlated** set is active or inactive as a whole (one activity draw, the set's first
  feature's; each active feature then draws its own value);
- in an **anticorrelated** set at most one feature is active: one draw ``a`` for the set, and
  feature r is active when ``lower_r <= a < lower_r + p_r`` with ``lower_r`` the summed
  probabilities of the features before it, its value ``(a - lower_r) / p_r``.

An independent feature is the special case of a one-feature anticorrelated set, so one formula
covers both.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["FeatureSets", "generate_batch", "random_signs", "sparse_from_uniform"]


@dataclass(frozen=True)
class FeatureSets:
    """How features share their random draws (built and validated by :class:`toy_lib.Config`).

    Attributes:
        group: ``(features,)`` int64: feature i's activity draw is feature ``group[i]``'s uniform.
        lower: ``(instances, features)`` float32: ``lower_r`` of anticorrelated sets, else 0.
        fresh_value: ``(features,)`` bool: members of correlated sets draw their value separately.
    """

    group: torch.Tensor
    lower: torch.Tensor
    fresh_value: torch.Tensor

    @property
    def independent(self) -> bool:
        return bool((self.group == torch.arange(len(self.group))).all())


def generate_batch(
    probability: torch.Tensor,
    batch_size: int,
    *,
    generator: torch.Generator | None = None,
    sets: FeatureSets | None = None,
) -> torch.Tensor:
    """Draw a batch of sparse feature vectors for every instance.

    Args:
        probability: ``(instances, features)`` density ``1 - S`` of each feature, in ``(0, 1]``.
        batch_size: samples per instance.
        generator: torch RNG to draw from (on ``probability``'s device), for reproducibility.
        sets: correlated / anticorrelated feature sets (``cfg.feature_sets``); ``None``: independent.

    Returns: ``x``: ``(instances, batch, features)``, same dtype and device as ``probability``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size!r} is not allowed: it must be an integer >= 1")
    n_instances, n_features = probability.shape
    u = torch.rand(
        (n_instances, batch_size, n_features),
        generator=generator,
        device=probability.device,
        dtype=probability.dtype,
    )
    v = None
    if sets is not None and bool(sets.fresh_value.any()):
        v = torch.rand(u.shape, generator=generator, device=u.device, dtype=u.dtype)
    return sparse_from_uniform(u, probability, sets, v)


def sparse_from_uniform(
    u: torch.Tensor,
    probability: torch.Tensor,
    sets: FeatureSets | None = None,
    v: torch.Tensor | None = None,
) -> torch.Tensor:
    """Turn uniform draws ``u: (instances or 1, batch, features)`` into sparse inputs.

    Independent feature i: ``u_i / p_i`` when ``u_i < p_i``, else 0. With ``sets``, see the module
    docstring; ``v`` (like ``u``) holds the separate value draws of correlated features.
    ``probability``: ``(instances, features)``. Returns ``(instances, batch, features)``.
    """
    p = probability.unsqueeze(1)
    zero = torch.zeros((), dtype=u.dtype, device=u.device)
    if sets is None or sets.independent:
        return torch.where(u < p, u / p, zero)
    a = u[..., sets.group.to(u.device)]
    d = a - sets.lower.to(u.device).unsqueeze(1)
    x = torch.where((d >= 0) & (d < p), d / p, zero)
    if v is not None:
        x = torch.where(sets.fresh_value.to(u.device), torch.where(a < p, v, zero), x)
    return x


def random_signs(
    x: torch.Tensor, generator: torch.Generator | None = None, *, shared: bool = False
) -> torch.Tensor:
    """``x`` with each entry's sign flipped with probability 1/2: Uniform[0, 1] values become
    Uniform[-1, 1] (the signed inputs of §9). Shape and dtype unchanged.

    ``shared``: one draw per ``(batch, feature)`` entry, the same for every instance of
    ``x: (instances, batch, features)`` (common random numbers, as in evaluation).
    """
    shape = (1, *x.shape[1:]) if shared else x.shape
    flip = torch.rand(shape, generator=generator, device=x.device, dtype=x.dtype) < 0.5
    return torch.where(flip, -x, x)
