"""Section 1 (superposition at a glance): ``n`` features in 2 dimensions, best of several restarts."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from ..config import Config, decaying_importance
from ..train import train_best_of

__all__ = ["IntroResult", "train_intro_model"]


@dataclass
class IntroResult:
    """One retrain of the explorer: the best restart's ``W (2, features)``, importance, loss, time."""

    W: torch.Tensor
    importance: torch.Tensor
    loss: float
    seconds: float


def train_intro_model(
    sparsity: float, decay: float, n_features: int, seed: int, restarts: int = 8
) -> IntroResult:
    """Train ``restarts`` copies of an ``n_features → 2`` ReLU-output model and keep the lowest-loss one."""
    start = time.perf_counter()
    importance = decaying_importance(n_features, decay)
    cfg = Config(n_features, 2, feature_probability=1.0 - sparsity, importance=importance)
    best = train_best_of(cfg, k=restarts, seed=seed, progress=False)
    return IntroResult(
        W=best.model.W[0].detach().clone(),
        importance=importance,
        loss=float(best.losses[0].min()),
        seconds=time.perf_counter() - start,
    )
