"""Argument checks shared by the whole package.

Every check raises ``ValueError`` naming the argument, the value given and what is allowed, e.g.
``steps=0 is not allowed: it must be an integer >= 1``.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np
import torch

__all__ = ["as_weights", "check_choice", "check_int", "check_number"]


def check_int(name: str, value: object, low: int = 1) -> None:
    """``value`` must be an integer (Python or numpy, not bool) ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name}={value!r} is not allowed: it must be an integer >= {low}")


def check_number(
    name: str, value: object, low: float, high: float = math.inf, *, low_open: bool = False
) -> None:
    """``value`` must be a finite real number in ``[low, high)`` (``(low, high)`` if ``low_open``)."""
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (value > low if low_open else value >= low)
    if not (ok and value < high):
        if math.isinf(high):
            allowed = f"a finite number {'>' if low_open else '>='} {low}"
        else:
            allowed = f"a number in {'(' if low_open else '['}{low}, {high})"
        raise ValueError(f"{name}={value!r} is not allowed: it must be {allowed}")


def check_choice(name: str, value: object, choices: Collection) -> None:
    """``value`` must be one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not allowed: choose one of {list(choices)}")


def as_weights(W: torch.Tensor) -> torch.Tensor:
    """``W`` as a detached float tensor of shape ``(..., hidden, features)`` (at least 2-D)."""
    W = torch.as_tensor(W)
    if W.dim() < 2:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be (..., hidden, features)")
    return W.detach().float()
