"""The toy models: ``x' = ReLU(Wᵀ W x + b)`` (or linear) for many independent instances at once.

Our ``W`` is stored as ``(instances, hidden, features)`` so that column ``W[k, :, i]`` is feature
i's direction, as in the paper. (The authors' Colab stores the transpose, ``(instances, features,
hidden)``.)
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from .config import Config

__all__ = ["ToyModel", "OUTPUTS"]

OUTPUTS = ("relu", "linear")
Output = Literal["relu", "linear"]


class ToyModel(nn.Module):
    """A batch of tied-weight toy models, one per instance.

    Args:
        cfg: sizes, feature probability and importance (see :class:`Config`).
        output: ``"relu"`` for ``x' = ReLU(Wᵀ W x + b)`` or ``"linear"`` for ``x' = Wᵀ W x + b``.
        seed: seeds the initial weights (Xavier-normal ``W`` with std ``sqrt(2 / (n + m))``, ``b = 0``).
            Instance ``k``'s initial weights depend only on ``seed`` and ``k``.
        device: where the tensors live (CPU by default; a CUDA device also works with the torch engine).

    Attributes:
        W: ``(instances, hidden, features)`` parameter.
        b: ``(instances, features)`` parameter.
        importance, feature_probability: ``(instances, features)`` buffers copied from ``cfg``.
    """

    def __init__(
        self,
        cfg: Config,
        output: Output = "relu",
        *,
        seed: int = 0,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f"output={output!r} is not allowed: choose one of {OUTPUTS}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed={seed!r} is not allowed: it must be an integer >= 0")
        self.cfg = cfg
        self.output = output
        device = torch.device("cpu") if device is None else torch.device(device)
        std = math.sqrt(2.0 / (cfg.n_features + cfg.n_hidden))
        W = torch.empty(cfg.n_instances, cfg.n_hidden, cfg.n_features)
        for k in range(cfg.n_instances):
            # One generator per instance so instance k starts the same whatever n_instances is.
            g = torch.Generator().manual_seed(seed * 1_000_003 + k)
            W[k].normal_(0.0, std, generator=g)
        self.W = nn.Parameter(W.to(device))
        self.b = nn.Parameter(torch.zeros(cfg.n_instances, cfg.n_features, device=device))
        self.register_buffer("importance", cfg.importances.to(device))
        self.register_buffer("feature_probability", cfg.probability.to(device))

    @property
    def device(self) -> torch.device:
        return self.W.device

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """``h = W x``. ``x``: ``(instances, batch, features)`` → ``(instances, batch, hidden)``."""
        return torch.bmm(x, self.W.transpose(1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(instances, batch, features)`` → ``x'``: ``(instances, batch, features)``."""
        z = torch.bmm(self.hidden(x), self.W) + self.b.unsqueeze(1)
        return torch.relu(z) if self.output == "relu" else z

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """The paper's loss ``E_x Σ_i I_i (x_i - x'_i)²`` per instance: ``(instances,)``.

        (The Colab also averages over features, which divides by ``n``; with Adam that only rescales
        the epsilon, so results are the same.)
        """
        err = self.importance.unsqueeze(1) * (x - self(x)) ** 2
        return err.sum(-1).mean(-1)

    def extra_repr(self) -> str:
        c = self.cfg
        return (
            f"output={self.output!r}, n_features={c.n_features}, n_hidden={c.n_hidden}, "
            f"n_instances={c.n_instances}"
        )
