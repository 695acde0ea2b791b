"""The toy models, each a batch of many independent instances trained at once.

- :class:`ToyModel`: ``x' = ReLU(Wᵀ W x + b)`` (or linear output), and with
  ``hidden_activation="relu"`` the privileged-basis model ``h = ReLU(W x)``, ``x' = ReLU(Wᵀ h + b)``
  of §8.
- :class:`AbsModel`: the untied model ``h = ReLU(W₁ x)``, ``y' = ReLU(W₂ h + b)`` that computes
  ``|x|`` from signed inputs (§9, computation in superposition).

Our ``W`` is stored as ``(instances, hidden, features)`` so that column ``W[k, :, i]`` is feature
i's direction, as in the paper. (The authors' Colab stores the transpose, ``(instances, features,
hidden)``.)

The default start is a Xavier-normal (Glorot) draw for each instance on its own: std
``sqrt(2 / (n + m))``, the same whatever the number of instances. It is not the Colab's: the Colab
calls torch's ``xavier_normal_`` on the whole stacked ``(instances, n, m)`` tensor, which torch
treats as a convolution kernel, giving std ``sqrt(2 / (n·m + instances·m))`` (2-4.5× smaller at the
paper's sizes, and dependent on the number of instances). ``init_scale`` multiplies our std.
``benchmarks/DEFAULT_START.md`` compares the two starts on §1, §3, §5, §8 and §9 over seeds: the
same outcomes for §1, §3 and §5, ours better for §8; §9's sparse models need a start about 0.15×
ours (notebook 09 sets it).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import nn

from .config import Config
from .validate import check_int, check_number

__all__ = [
    "AbsModel",
    "HIDDEN_ACTIVATIONS",
    "OUTPUTS",
    "ToyModel",
    "tied_forward",
    "tied_output",
    "weighted_loss",
]

OUTPUTS = ("relu", "linear")
Output = Literal["relu", "linear"]
HIDDEN_ACTIVATIONS = ("linear", "relu")
HiddenActivation = Literal["linear", "relu"]


def tied_forward(
    W: torch.Tensor,
    b: torch.Tensor,
    x: torch.Tensor,
    *,
    output: Output = "relu",
    hidden_activation: HiddenActivation = "linear",
) -> torch.Tensor:
    """The tied toy model as a pure function: ``h = W x`` (``ReLU(W x)`` for
    ``hidden_activation="relu"``), ``x' = ReLU(Wᵀ h + b)`` (no ReLU for ``output="linear"``).

    Shapes: ``W (instances, hidden, features)``, ``b (instances, features)``,
    ``x (instances, batch, features)`` → ``x' (instances, batch, features)``.
    """
    return tied_output(W, b, _tied_hidden(W, x, hidden_activation), output=output)


def tied_output(
    W: torch.Tensor, b: torch.Tensor, h: torch.Tensor, *, output: Output = "relu"
) -> torch.Tensor:
    """The tied model's output layer alone, from any hidden vectors ``h``: ``x' = ReLU(Wᵀ h + b)``
    (no ReLU for ``output="linear"``). Shapes: ``W (instances, hidden, features)``, ``b (instances,
    features)``, ``h (instances, batch, hidden)`` → ``(instances, batch, features)``; size-1
    instance dimensions broadcast (e.g. one model read with several reconstructions of ``h``)."""
    z = h @ W + b.unsqueeze(1)
    return torch.relu(z) if output == "relu" else z


def _tied_hidden(W: torch.Tensor, x: torch.Tensor, activation: HiddenActivation) -> torch.Tensor:
    """``h = W x`` (``ReLU(W x)`` for ``"relu"``): ``(instances, batch, hidden)``."""
    h = torch.bmm(x, W.transpose(1, 2))
    return torch.relu(h) if activation == "relu" else h


def weighted_loss(
    target: torch.Tensor, output: torch.Tensor, importance: torch.Tensor
) -> torch.Tensor:
    """The paper's loss ``E_x Σ_i I_i (target_i - output_i)²``, one value per instance.

    Shapes: ``target``, ``output`` ``(instances, batch, features)``, ``importance (instances,
    features)`` → ``(instances,)``: summed over features, averaged over the batch.
    """
    return (importance.unsqueeze(1) * (target - output) ** 2).sum(-1).mean(-1)


def _initial_std(cfg: Config, seed: object, init_scale: object) -> float:
    """Checks ``seed`` and ``init_scale``; the std of every initial weight matrix."""
    check_int("seed", seed, 0)
    check_number("init_scale", init_scale, 0, low_open=True)
    return init_scale * math.sqrt(2.0 / (cfg.n_features + cfg.n_hidden))


def _xavier_normal(shape: tuple[int, ...], std: float, seed: int, salt: int = 0) -> torch.Tensor:
    """``(instances, ...)`` normal draws; instance k's depend only on ``(seed, salt, k)``, so it
    starts the same whatever ``n_instances`` is."""
    out = torch.empty(shape)
    for k in range(shape[0]):
        g = torch.Generator().manual_seed(seed * 1_000_003 + k + salt * 7_919_111)
        out[k].normal_(0.0, std, generator=g)
    return out


class _BatchedModel(nn.Module):
    """What every toy model shares: its config, the output bias ``b (instances, features)``, the
    ``importance`` and ``feature_probability`` buffers, and the importance-weighted loss.

    Subclasses pass their initial weight matrices (registered first, in the given order, then
    ``b``) and define ``forward`` and, if the target is not ``x`` itself, ``target``.
    """

    signed_inputs = False  # inputs are Uniform[0, 1] when active

    def __init__(
        self, cfg: Config, weights: dict[str, torch.Tensor], device: torch.device | str | None
    ) -> None:
        super().__init__()
        self.cfg = cfg
        device = torch.device("cpu") if device is None else torch.device(device)
        for name, w in weights.items():
            self.register_parameter(name, nn.Parameter(w.to(device)))
        self.b = nn.Parameter(torch.zeros(cfg.n_instances, cfg.n_features, device=device))
        self.register_buffer("importance", cfg.importances.to(device))
        self.register_buffer("feature_probability", cfg.probability.to(device))

    @property
    def device(self) -> torch.device:
        return self.b.device

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """What the model should output for ``x``: ``x`` itself."""
        return x

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """The paper's loss ``E_x Σ_i I_i (target(x)_i - x'_i)²`` per instance: ``(instances,)``.

        (The Colab also averages over features, which divides by ``n``; with Adam that only rescales
        the epsilon, so results are the same.)
        """
        return weighted_loss(self.target(x), self(x), self.importance)


class ToyModel(_BatchedModel):
    """A batch of tied-weight toy models, one per instance.

    Args:
        cfg: sizes, feature probability and importance (see :class:`Config`).
        output: ``"relu"`` for ``x' = ReLU(Wᵀ W x + b)`` or ``"linear"`` for ``x' = Wᵀ W x + b``.
        hidden_activation: ``"linear"`` (``h = W x``, §1-§7) or ``"relu"`` (``h = ReLU(W x)``: the
            hidden units form a privileged basis, §8).
        seed: seeds the initial weights (Xavier-normal ``W`` with std ``sqrt(2 / (n + m))``, ``b = 0``).
            Instance ``k``'s initial weights depend only on ``seed`` and ``k``.
        init_scale: multiplies that std (e.g. 0.1 for the small initialisations of §6 and §9).
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
        hidden_activation: HiddenActivation = "linear",
        seed: int = 0,
        init_scale: float = 1.0,
        device: torch.device | str | None = None,
    ) -> None:
        if output not in OUTPUTS:
            raise ValueError(f"output={output!r} is not allowed: choose one of {OUTPUTS}")
        if hidden_activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(
                f"hidden_activation={hidden_activation!r} is not allowed: "
                f"choose one of {HIDDEN_ACTIVATIONS}"
            )
        std = _initial_std(cfg, seed, init_scale)
        W = _xavier_normal((cfg.n_instances, cfg.n_hidden, cfg.n_features), std, seed)
        super().__init__(cfg, {"W": W}, device)
        self.output = output
        self.hidden_activation = hidden_activation

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """``h = W x`` (or ``ReLU(W x)``). ``x``: ``(instances, batch, features)`` →
        ``(instances, batch, hidden)``."""
        return _tied_hidden(self.W, x, self.hidden_activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(instances, batch, features)`` → ``x'``: ``(instances, batch, features)``."""
        return tied_forward(
            self.W, self.b, x, output=self.output, hidden_activation=self.hidden_activation
        )

    def extra_repr(self) -> str:
        c = self.cfg
        return (
            f"output={self.output!r}, hidden_activation={self.hidden_activation!r}, "
            f"n_features={c.n_features}, n_hidden={c.n_hidden}, n_instances={c.n_instances}"
        )


class AbsModel(_BatchedModel):
    """A batch of untied two-layer models computing ``|x|`` (paper §9, computation in superposition).

    ``h = ReLU(W₁ x)``, ``y' = ReLU(W₂ h + b)``, trained on signed sparse inputs (``Uniform[-1, 1]``
    when active) with target ``|x|`` and the importance-weighted squared error. With ``m`` neurons a
    dense model can compute ``|x_i| = ReLU(x_i) + ReLU(-x_i)`` for ``m/2`` features; sparse models
    compute more by superposition.

    Args:
        cfg: sizes (``n_hidden`` = neurons), feature probability and importance.
        seed: seeds the initial weights (Xavier-normal ``W1`` and ``W2``, std ``sqrt(2 / (n + m))``,
            ``b = 0``); instance k's depend only on ``seed`` and ``k``.
        init_scale: multiplies that std. Some public implementations call ``xavier_normal_`` on
            the stacked ``(instances, ...)`` tensor, which torch reads as a convolution kernel:
            std ``sqrt(2 / (m n + instances n))``, about 0.02 for the §9 sweep, i.e.
            ``init_scale`` ≈ 0.16. Sparse §9 models train far better from such a small start
            (``benchmarks/DEFAULT_START.md``).
        device: where the tensors live (trained with the torch engine on any device).

    Attributes:
        W1: ``(instances, hidden, features)``: row ``j`` is neuron j's input weights.
        W2: ``(instances, features, hidden)``: column ``j`` is neuron j's output weights.
        b: ``(instances, features)`` output bias.
    """

    signed_inputs = True

    def __init__(
        self,
        cfg: Config,
        *,
        seed: int = 0,
        init_scale: float = 1.0,
        device: torch.device | str | None = None,
    ) -> None:
        std = _initial_std(cfg, seed, init_scale)
        shape = (cfg.n_instances, cfg.n_hidden, cfg.n_features)
        W1 = _xavier_normal(shape, std, seed, salt=1)
        W2 = _xavier_normal(shape, std, seed, salt=2).transpose(1, 2).contiguous()
        super().__init__(cfg, {"W1": W1, "W2": W2}, device)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """``h = ReLU(W₁ x)``: ``(instances, batch, features)`` → ``(instances, batch, hidden)``."""
        return torch.relu(torch.bmm(x, self.W1.transpose(1, 2)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(instances, batch, features)`` → ``y'``: ``(instances, batch, features)``."""
        return torch.relu(torch.bmm(self.hidden(x), self.W2.transpose(1, 2)) + self.b.unsqueeze(1))

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """What the model should output for ``x``: ``|x|``."""
        return x.abs()

    def extra_repr(self) -> str:
        c = self.cfg
        return f"n_features={c.n_features}, n_hidden={c.n_hidden}, n_instances={c.n_instances}"
