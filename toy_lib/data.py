"""Synthetic sparse data: each feature is zero with probability ``S`` and uniform when active.

One uniform draw per entry does both jobs: ``u < p`` decides whether feature i is active, and
``u / p`` is then itself uniform on ``[0, 1)``. That halves the random numbers the usual
"mask draw + value draw" recipe needs and gives the same distribution.
"""

from __future__ import annotations

import torch

__all__ = ["generate_batch", "sparse_from_uniform"]


def generate_batch(
    probability: torch.Tensor,
    batch_size: int,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw a batch of sparse feature vectors for every instance.

    Args:
        probability: ``(instances, features)`` density ``1 - S`` of each feature, in ``(0, 1]``.
        batch_size: samples per instance.
        generator: torch RNG to draw from (on ``probability``'s device), for reproducibility.

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
    return sparse_from_uniform(u, probability)


def sparse_from_uniform(u: torch.Tensor, probability: torch.Tensor) -> torch.Tensor:
    """Turn uniform draws ``u: (instances or 1, batch, features)`` into sparse inputs.

    Entry ``(k, s, i)`` is ``u / p_ki`` when ``u < p_ki`` (feature active) and 0 otherwise.
    ``probability``: ``(instances, features)``. Returns ``(instances, batch, features)``.
    """
    p = probability.unsqueeze(1)
    return torch.where(u < p, u / p, torch.zeros((), dtype=u.dtype, device=u.device))
