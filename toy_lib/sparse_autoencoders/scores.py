"""Scoring SAEs against the toy model's true features, which real models never offer.

The toy model's feature ``i`` writes ``x_i W_i`` into the hidden space, so its true direction is
``W_i`` (column ``i`` of the toy model's ``W``). An SAE has found feature ``i`` when one of its
decoder rows points along ``W_i``.
"""

from __future__ import annotations

import torch

from ..metrics import represented
from ..models import ToyModel, tied_output, weighted_loss
from ..validate import check_number
from .sae import SparseAutoencoder

__all__ = [
    "best_cosines",
    "dead_latents",
    "fraction_of_loss_recovered",
    "l0",
    "mmcs",
    "recovered",
    "reconstruction_mse",
    "shrinkage",
    "worst_cosine",
]


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)


def best_cosines(W_dec: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """For each true feature, the largest cosine of any decoder row with its direction ``W_i``.

    ``W_dec``: ``(instances, d_sae, d_in)`` (all-zero rows, the switched-off latents of a narrower
    dictionary, never match); ``W``: the toy model's ``(d_in, features)``, one model for every
    SAE. Returns ``(instances, features)``.
    """
    W_dec = torch.as_tensor(W_dec).detach().float()
    W = torch.as_tensor(W).detach().float()
    if W_dec.dim() != 3:
        raise ValueError(
            f"W_dec has shape {tuple(W_dec.shape)}: it must be (instances, d_sae, d_in)"
        )
    if W.dim() != 2 or W.shape[0] != W_dec.shape[-1]:
        raise ValueError(
            f"W has shape {tuple(W.shape)}: it must be one toy model's (d_in, features) with "
            f"d_in = {W_dec.shape[-1]}, as W_dec's rows"
        )
    cos = _unit(W_dec) @ _unit(W.T).T  # (instances, d_sae, features)
    return cos.max(dim=1).values


def _over_represented(values: torch.Tensor, W: torch.Tensor, threshold: float) -> torch.Tensor:
    """The columns of ``values (instances, features)`` of the features ``W (d_in, features)``
    represents (``‖W_i‖ > threshold``)."""
    check_number("threshold", threshold, 0.0)
    keep = represented(torch.as_tensor(W).detach().float(), threshold)
    if not keep.any():
        raise ValueError("the toy model represents no feature: there is nothing to recover")
    return values[:, keep]


def mmcs(W_dec: torch.Tensor, W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Mean max cosine similarity: :func:`best_cosines` averaged over the features the toy model
    ``W (d_in, features)`` represents (``‖W_i‖ > threshold``; the others have no direction to
    find). ``(instances,)``."""
    return _over_represented(best_cosines(W_dec, W), W, threshold).mean(-1)


def worst_cosine(W_dec: torch.Tensor, W: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """The smallest :func:`best_cosines` over the represented features: ``(instances,)``. At least
    ``c`` means every represented feature has a decoder row within ``arccos(c)`` of it."""
    return _over_represented(best_cosines(W_dec, W), W, threshold).min(-1).values


def recovered(
    W_dec: torch.Tensor, W: torch.Tensor, min_cos: float = 0.9, threshold: float = 0.5
) -> torch.Tensor:
    """The share of represented features (``‖W_i‖ > threshold``) that some decoder row matches with
    cosine ``>= min_cos``: ``(instances,)``."""
    check_number("min_cos", min_cos, -1.0, 1.0)
    found = (best_cosines(W_dec, W) >= min_cos).float()
    return _over_represented(found, W, threshold).mean(-1)


def l0(f: torch.Tensor) -> torch.Tensor:
    """Mean number of active latents per input: ``f (instances, batch, d_sae)`` → ``(instances,)``."""
    return (f > 0).float().sum(-1).mean(-1)


def reconstruction_mse(h: torch.Tensor, h_hat: torch.Tensor) -> torch.Tensor:
    """``mean over the batch of ‖h − ĥ‖²``: ``(instances, batch, d_in)`` each → ``(instances,)``."""
    return ((h - h_hat) ** 2).sum(-1).mean(-1)


@torch.no_grad()
def shrinkage(h: torch.Tensor, h_hat: torch.Tensor) -> torch.Tensor:
    """How long the reconstruction comes out along the input: the mean over the nonzero inputs of
    ``(ĥ · h) / ‖h‖²``, 1 for a faithful SAE and below 1 when the penalty shrinks the latents.
    ``h``, ``h_hat``: ``(instances, batch, d_in)``; returns ``(instances,)``."""
    norm2 = (h**2).sum(-1)  # (instances, batch)
    nonzero = norm2 > 0
    ratio = (h_hat * h).sum(-1) / norm2.clamp_min(1e-12)
    return (ratio * nonzero).sum(-1) / nonzero.sum(-1).clamp_min(1)


def dead_latents(sae: SparseAutoencoder, f: torch.Tensor) -> torch.Tensor:
    """How many of each SAE's latents never fire on the inputs behind ``f (instances, batch,
    d_sae)``: ``(instances,)`` (switched-off latents of a narrower dictionary not counted)."""
    fired = (f > 0).any(dim=1)
    return (~fired & sae.latent_mask).sum(-1)


@torch.no_grad()
def fraction_of_loss_recovered(
    model: ToyModel, instance: int, sae: SparseAutoencoder, x: torch.Tensor
) -> torch.Tensor:
    """How much of the toy model's performance survives when its hidden vector is replaced by the
    SAE's reconstruction: ``(L_zero − L_sae) / (L_zero − L_clean)``, per SAE ``(instances,)``.

    ``L_clean`` is instance ``instance`` of ``model`` on inputs ``x (batch, features)``,
    ``L_sae`` the same with ``h`` replaced by ``ĥ`` (then ``x' = ReLU(Wᵀ ĥ + b)``), ``L_zero``
    with ``h`` replaced by 0 (the model reduced to its bias). 1: nothing lost; 0: as bad as no
    hidden vector at all.
    """
    if model.hidden_activation != "linear":
        raise ValueError("fraction_of_loss_recovered reads the linear hidden layer h = W x")
    k = slice(instance, instance + 1)
    W, b, importance = model.W[k], model.b[k], model.importance[k]  # (1, m, n), (1, n), (1, n)
    target = x.unsqueeze(0)  # (1, batch, n)
    h = target @ W.transpose(1, 2)  # (1, batch, m): the linear hidden layer h = W x

    def loss_from(hidden: torch.Tensor) -> torch.Tensor:  # (instances, batch, m) → (instances,)
        return weighted_loss(target, tied_output(W, b, hidden, output=model.output), importance)

    clean = loss_from(h)
    zero = loss_from(torch.zeros_like(h))
    h_hat, _ = sae(h.expand(sae.cfg.n_instances, -1, -1))
    return (zero - loss_from(h_hat)) / (zero - clean)
