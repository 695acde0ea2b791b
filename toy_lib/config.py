"""Experiment configuration: sizes, feature probability (density) and importance, validated once.

Every value that reaches the training engine passes through :class:`Config`, so bad input is caught
here with a message that names the argument, the value and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .data import FeatureSets
from .validate import check_int

__all__ = ["Config", "decaying_importance", "density_from_sparsity"]

ArrayLike = float | int | list | tuple | np.ndarray | torch.Tensor


def decaying_importance(n_features: int, decay: float) -> torch.Tensor:
    """Importance ``decay**i`` for ``i = 0 .. n_features-1`` (the paper's geometric importance).

    Returns: ``(n_features,)`` float32.
    """
    check_int("n_features", n_features)
    if not _is_finite_real(decay) or decay <= 0:
        raise ValueError(f"decay={decay!r} is not allowed: it must be a finite number > 0")
    return torch.tensor([float(decay) ** i for i in range(n_features)], dtype=torch.float32)


def density_from_sparsity(sparsity: ArrayLike) -> torch.Tensor:
    """The paper speaks of sparsity ``S`` (probability a feature is zero); the engine uses density ``1 - S``."""
    s = torch.as_tensor(sparsity, dtype=torch.float32)
    if not torch.isfinite(s).all() or (s < 0).any() or (s >= 1).any():
        raise ValueError(f"sparsity={sparsity!r} is not allowed: every value must be in [0, 1)")
    return 1.0 - s


def _is_finite_real(x: Any) -> bool:
    return (
        isinstance(x, int | float | np.integer | np.floating)
        and not isinstance(x, bool)
        and math.isfinite(x)
    )


def _broadcast(name: str, value: Any, n_instances: int, n_features: int) -> torch.Tensor:
    """Read ``value`` as ``(instances, features)``.

    A 1-D importance is one value per feature (the paper's importance profiles), or per instance
    when its length only matches ``n_instances``; a 1-D probability is one value per instance (the
    paper's sparsity sweeps). Anything else must already be ``(instances, features)``.
    """
    try:
        t = torch.as_tensor(value, dtype=torch.float32).detach().cpu()
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(
            f"{name}={_short(value)} is not allowed: it must be a number or an array of numbers"
        ) from exc
    lengths = {"importance": (n_features, n_instances), "feature_probability": (n_instances,)}[name]
    if t.dim() == 0:
        return t.expand(n_instances, n_features).clone()
    if name == "importance" and t.dim() == 1 and t.shape[0] == n_features:
        return t.unsqueeze(0).expand(n_instances, n_features).clone()
    if t.dim() == 1 and t.shape[0] == n_instances:
        return t.unsqueeze(1).expand(n_instances, n_features).clone()
    if tuple(t.shape) == (n_instances, n_features):
        return t.clone()
    one_d = " or ".join(f"length {n}" for n in lengths)
    raise ValueError(
        f"{name} has shape {tuple(t.shape)}, which is not allowed: it must be a scalar, 1-D of {one_d}, "
        f"or 2-D of shape (n_instances, n_features)=({n_instances}, {n_features})"
    )


@dataclass(frozen=True)
class Config:
    """Sizes and data distribution of a batch of independent toy models ("instances").

    Args:
        n_features: number of input features ``n``.
        n_hidden: hidden dimensions ``m``. ``n_hidden > n_features`` is allowed (no superposition is
            needed then); see :attr:`needs_superposition`.
        n_instances: how many independent models train at once.
        feature_probability: density ``1 - S``, the probability that a feature is non-zero, in
            ``(0, 1]``: a scalar, one value per instance, or ``(instances, features)``.
        importance: weight ``I_i`` of each feature in the loss, finite and ``>= 0`` (at least one
            positive per instance): a scalar, one value per feature, one per instance, or
            ``(instances, features)``.
        correlated: disjoint sets of feature indices, e.g. ``[(0, 1, 2), (3, 4, 5)]``, each active
            or inactive as a whole; its features must share one probability in each instance.
        anticorrelated: disjoint sets of which at most one feature is active at a time; the
            probabilities in a set may sum to at most 1.

    The broadcast tensors are :attr:`probability` and :attr:`importances`, both
    ``(instances, features)`` float32 on the CPU; :attr:`feature_sets` describes the sets for the
    data generators.
    """

    n_features: int
    n_hidden: int
    n_instances: int = 1
    feature_probability: Any = 1.0
    importance: Any = 1.0
    correlated: Sequence[Sequence[int]] = ()
    anticorrelated: Sequence[Sequence[int]] = ()
    probability: torch.Tensor = field(init=False, repr=False, compare=False)
    importances: torch.Tensor = field(init=False, repr=False, compare=False)
    feature_sets: FeatureSets = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_int("n_features", self.n_features)
        check_int("n_hidden", self.n_hidden)
        check_int("n_instances", self.n_instances)
        p = _broadcast(
            "feature_probability", self.feature_probability, self.n_instances, self.n_features
        )
        if not torch.isfinite(p).all() or (p <= 0).any() or (p > 1).any():
            raise ValueError(
                f"feature_probability={_short(self.feature_probability)} is not allowed: every value must be "
                "in (0, 1] (it is the density 1 - S; a feature that is never active cannot be learned)"
            )
        imp = _broadcast("importance", self.importance, self.n_instances, self.n_features)
        if not torch.isfinite(imp).all() or (imp < 0).any():
            raise ValueError(
                f"importance={_short(self.importance)} is not allowed: every value must be finite and >= 0"
            )
        if (imp.sum(dim=1) == 0).any():
            raise ValueError(
                f"importance={_short(self.importance)} is not allowed: each instance needs at least one "
                "feature with importance > 0 (otherwise the loss is identically zero)"
            )
        object.__setattr__(self, "probability", p)
        object.__setattr__(self, "importances", imp)
        object.__setattr__(
            self, "feature_sets", _feature_sets(self.correlated, self.anticorrelated, p)
        )

    @property
    def needs_superposition(self) -> bool:
        """True when there are more features than hidden dimensions, so some must share them."""
        return self.n_features > self.n_hidden

    def repeat_instances(self, k: int) -> Config:
        """The same settings with every instance repeated ``k`` times in a row (for restarts).

        Instance ``i`` of ``self`` becomes instances ``i*k .. i*k+k-1`` of the result.
        """
        check_int("k", k)
        return Config(
            n_features=self.n_features,
            n_hidden=self.n_hidden,
            n_instances=self.n_instances * k,
            feature_probability=self.probability.repeat_interleave(k, dim=0),
            importance=self.importances.repeat_interleave(k, dim=0),
            correlated=self.correlated,
            anticorrelated=self.anticorrelated,
        )


def _index_sets(name: str, sets: Any, n_features: int, taken: set[int]) -> list[list[int]]:
    try:
        out = [[int(i) for i in group] for group in sets]
        exact = all(not isinstance(i, bool) and float(i) == int(i) for group in sets for i in group)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name}={_short(sets)} is not allowed: it must be a list of sets of feature indices"
        ) from exc
    for group in out:
        if not exact or len(group) < 2 or any(not 0 <= i < n_features for i in group):
            raise ValueError(
                f"{name}={_short(sets)} is not allowed: every set needs at least two feature indices "
                f"in [0, n_features={n_features})"
            )
        if taken.intersection(group) or len(set(group)) != len(group):
            raise ValueError(
                f"{name}={_short(sets)} is not allowed: a feature may belong to one set only"
            )
        taken.update(group)
    return out


def _feature_sets(correlated: Any, anticorrelated: Any, p: torch.Tensor) -> FeatureSets:
    n_instances, n_features = p.shape
    taken: set[int] = set()
    corr = _index_sets("correlated", correlated, n_features, taken)
    anti = _index_sets("anticorrelated", anticorrelated, n_features, taken)
    group = torch.arange(n_features)
    lower = torch.zeros(n_instances, n_features)
    fresh = torch.zeros(n_features, dtype=torch.bool)
    for members in corr:
        if not (p[:, members] == p[:, members[:1]]).all():
            raise ValueError(
                f"correlated set {members} is not allowed with these probabilities: the features of a "
                "correlated set must share one feature_probability in each instance"
            )
        group[members] = members[0]
        fresh[members] = True
    for members in anti:
        cum = torch.cumsum(p[:, members], dim=1)
        if (cum[:, -1] > 1 + 1e-6).any():
            raise ValueError(
                f"anticorrelated set {members} is not allowed with these probabilities: at most one "
                "feature is active at a time, so their feature_probability must sum to at most 1"
            )
        group[members] = members[0]
        lower[:, members] = cum - p[:, members]
    return FeatureSets(group=group, lower=lower, fresh_value=fresh)


def _short(value: Any) -> str:
    text = repr(value.tolist() if isinstance(value, torch.Tensor | np.ndarray) else value)
    return text if len(text) <= 80 else text[:77] + "..."
