"""Sparse autoencoders (SAEs), a batch of many independent ones trained at once.

An SAE reads a model's activations ``h`` (here the toy model's hidden vectors ``h = W x``) and
rewrites each as a sparse combination of many learned directions:

- encoder ``f = ReLU((h − b_dec) W_enc + b_enc)`` (the latents, ``d_sae`` of them);
- decoder ``ĥ = f W_dec + b_dec``, each row of ``W_dec`` of unit norm (latent ``j``'s direction);
- loss ``‖h − ĥ‖² + l1_coefficient · ‖f‖₁`` (ReLU SAEs), or for a TopK SAE only the ``k``
  largest latents of each input kept and no L1 term.

The names and the row-vector layout are the field's (SAELens uses them too): ``W_enc`` is
``(d_in, d_sae)`` and ``W_dec`` ``(d_sae, d_in)`` per SAE, so the direction of latent ``j`` is
``W_dec[j]`` (in the column-vector notation of papers, column ``j`` of the decoder matrix).

Every tensor has a leading ``instances`` dimension: instance ``i`` is one SAE with its own
``l1_coefficient`` (or ``k``) and its own dictionary size ``d_sae[i]`` (narrower dictionaries are
padded: their extra latents are switched off, always 0, and not counted anywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from ..validate import check_choice, check_int, check_number

__all__ = ["ACTIVATIONS", "SAEConfig", "SparseAutoencoder", "encode", "sae_loss"]

#: ``"relu"``: the L1-penalised ReLU SAE; ``"topk"``: keep the ``k`` largest latents, no penalty.
ACTIVATIONS = ("relu", "topk")


def _per_instance(name: str, value: object, n_instances: int) -> list:
    """A number or one per instance → a list of ``n_instances`` values."""
    values = list(value) if isinstance(value, Sequence | torch.Tensor) else [value] * n_instances
    if len(values) != n_instances:
        raise ValueError(
            f"{name} has {len(values)} values for {n_instances} instances: give one number, "
            "or one per instance"
        )
    return [v.item() if isinstance(v, torch.Tensor) else v for v in values]


@dataclass(frozen=True)
class SAEConfig:
    """Sizes and sparsity settings of a batch of SAEs.

    Args:
        d_in: width of the activations read (the toy model's hidden size ``m``).
        d_sae: latents per SAE: one number, or one per instance (a sweep over dictionary sizes).
        n_instances: how many SAEs.
        activation: ``"relu"`` or ``"topk"`` (:data:`ACTIVATIONS`).
        l1_coefficient: ``λ`` of the ReLU SAE's penalty, ``>= 0``: one, or one per instance.
        k: latents kept per input by a TopK SAE, ``1 <= k <= d_sae``: one, or one per instance.

    ``l1_coefficients``, ``ks``, ``widths`` hold the per-instance values as tensors
    ``(instances,)``; ``latent_mask`` is ``(instances, max d_sae)``: which latents each SAE has.
    """

    d_in: int
    d_sae: int | Sequence[int]
    n_instances: int = 1
    activation: str = "relu"
    l1_coefficient: float | Sequence[float] = 0.0
    k: int | Sequence[int] = 1
    l1_coefficients: torch.Tensor = field(init=False, repr=False)
    ks: torch.Tensor = field(init=False, repr=False)
    widths: torch.Tensor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        check_int("d_in", self.d_in)
        check_int("n_instances", self.n_instances)
        check_choice("activation", self.activation, ACTIVATIONS)
        widths = _per_instance("d_sae", self.d_sae, self.n_instances)
        for w in widths:
            check_int("d_sae", w)
        l1 = _per_instance("l1_coefficient", self.l1_coefficient, self.n_instances)
        for v in l1:
            check_number("l1_coefficient", v, 0.0)
        ks = _per_instance("k", self.k, self.n_instances)
        for v, w in zip(ks, widths, strict=True):
            check_int("k", v)
            if self.activation == "topk" and v > w:
                raise ValueError(
                    f"k={v!r} is not allowed for an SAE of {w} latents: it must be in [1, {w}]"
                )
        object.__setattr__(self, "widths", torch.tensor(widths))
        object.__setattr__(self, "l1_coefficients", torch.tensor(l1, dtype=torch.float32))
        object.__setattr__(self, "ks", torch.tensor(ks))

    @property
    def max_d_sae(self) -> int:
        """The widest dictionary: the stored width of every SAE."""
        return int(self.widths.max())

    @property
    def latent_mask(self) -> torch.Tensor:
        """``(instances, max d_sae)`` bool: latent ``j`` exists in SAE ``i`` (``j < d_sae[i]``)."""
        return torch.arange(self.max_d_sae) < self.widths.unsqueeze(1)


class SparseAutoencoder(nn.Module):
    """A batch of SAEs (see the module docstring), one per instance.

    Starts with random unit-norm decoder rows, the encoder their transpose, both biases zero.
    ``seed`` decides the start; instance ``i``'s start depends only on ``seed`` and ``i``.

    Attributes:
        W_enc: ``(instances, d_in, d_sae)``; b_enc: ``(instances, d_sae)``.
        W_dec: ``(instances, d_sae, d_in)``, unit-norm rows; b_dec: ``(instances, d_in)``.
        latent_mask: ``(instances, d_sae)`` buffer (``cfg.latent_mask``).
    """

    def __init__(
        self, cfg: SAEConfig, *, seed: int = 0, device: torch.device | str | None = None
    ) -> None:
        super().__init__()
        check_int("seed", seed, 0)
        self.cfg = cfg
        count, d, n = cfg.n_instances, cfg.d_in, cfg.max_d_sae
        mask = cfg.latent_mask
        W_dec = torch.empty(count, n, d)
        for i in range(
            count
        ):  # one generator per instance: its start does not depend on the others
            g = torch.Generator().manual_seed(seed * 1_000_003 + i)
            W_dec[i] = torch.randn(n, d, generator=g)
        W_dec = W_dec / W_dec.norm(dim=-1, keepdim=True) * mask.unsqueeze(-1)
        device = torch.device("cpu") if device is None else torch.device(device)
        self.W_enc = nn.Parameter(W_dec.transpose(1, 2).contiguous().to(device))
        self.b_enc = nn.Parameter(torch.zeros(count, n, device=device))
        self.W_dec = nn.Parameter(W_dec.to(device))
        self.b_dec = nn.Parameter(torch.zeros(count, d, device=device))
        self.register_buffer("latent_mask", mask.to(device))
        self.register_buffer("l1_coefficient", cfg.l1_coefficients.to(device))
        self.register_buffer("k", cfg.ks.to(device))

    @property
    def device(self) -> torch.device:
        return self.W_dec.device

    def encode(self, h: torch.Tensor) -> torch.Tensor:
        """The latents ``f``: ``h (instances, batch, d_in)`` → ``(instances, batch, d_sae)``
        (:func:`encode`, switched-off latents 0, TopK applied)."""
        f = encode(h, self.W_enc, self.b_enc, self.b_dec) * self.latent_mask.unsqueeze(1)
        if self.cfg.activation == "topk":
            f = _keep_top(f, self.k)
        return f

    def decode(self, f: torch.Tensor) -> torch.Tensor:
        """The reconstruction ``ĥ``: ``f (instances, batch, d_sae)`` → ``(instances, batch, d_in)``."""
        return f @ self.W_dec + self.b_dec.unsqueeze(1)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(ĥ, f)`` for ``h (instances, batch, d_in)``."""
        f = self.encode(h)
        return self.decode(f), f

    @property
    def penalty(self) -> torch.Tensor:
        """The L1 coefficient each SAE trains with, ``(instances,)``: 0 for TopK SAEs."""
        if self.cfg.activation == "topk":
            return torch.zeros_like(self.l1_coefficient)
        return self.l1_coefficient

    def loss(self, h: torch.Tensor) -> torch.Tensor:
        """Each SAE's training loss on ``h``: ``(instances,)`` (:func:`sae_loss`)."""
        h_hat, f = self(h)
        return sae_loss(h, h_hat, f, self.penalty)

    @torch.no_grad()
    def normalize_decoder(self) -> None:
        """Scale every decoder row back to unit norm (after an optimiser step)."""
        norms = self.W_dec.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        self.W_dec.div_(norms).mul_(self.latent_mask.unsqueeze(-1))

    def extra_repr(self) -> str:
        c = self.cfg
        return (
            f"activation={c.activation!r}, d_in={c.d_in}, d_sae={c.widths.tolist()}, "
            f"n_instances={c.n_instances}"
        )


def encode(
    h: torch.Tensor, W_enc: torch.Tensor, b_enc: torch.Tensor, b_dec: torch.Tensor
) -> torch.Tensor:
    """The ReLU encoder ``f = ReLU((h − b_dec) W_enc + b_enc)``.

    ``h``: ``(instances, batch, d_in)``; ``W_enc``: ``(instances, d_in, d_sae)``; ``b_enc``:
    ``(instances, d_sae)``; ``b_dec``: ``(instances, d_in)``. Returns ``(instances, batch, d_sae)``.
    """
    return torch.relu((h - b_dec.unsqueeze(1)) @ W_enc + b_enc.unsqueeze(1))


def _keep_top(f: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """``f`` with all but the ``k[i]`` largest latents of each input of instance ``i`` set to 0
    (ties kept in index order). ``f: (instances, batch, d_sae)``, ``k: (instances,)``."""
    order = f.argsort(dim=-1, descending=True, stable=True)
    rank = torch.empty_like(order)
    rank.scatter_(-1, order, torch.arange(f.shape[-1], device=f.device).expand_as(order))
    return f * (rank < k.view(-1, 1, 1))


def sae_loss(
    h: torch.Tensor, h_hat: torch.Tensor, f: torch.Tensor, l1_coefficient: torch.Tensor
) -> torch.Tensor:
    """``mean over the batch of ‖h − ĥ‖² + λ ‖f‖₁``, per instance: ``(instances,)``.

    ``h``, ``h_hat``: ``(instances, batch, d_in)``; ``f``: ``(instances, batch, d_sae)``;
    ``l1_coefficient``: ``λ``, ``(instances,)`` (zeros for a TopK SAE).
    """
    mse = ((h - h_hat) ** 2).sum(-1).mean(-1)
    return mse + l1_coefficient * f.abs().sum(-1).mean(-1)
