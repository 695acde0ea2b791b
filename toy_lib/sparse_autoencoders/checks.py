"""Notebook 10's exercise checks: the SAE's encoder (:func:`encode`), its loss (:func:`sae_loss`)
and the mean max cosine similarity against the true features (:func:`mmcs`)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..checks import Check, Mistake, WrongAnswer, call_learner, compare_with_reference
from .sae import encode, sae_loss
from .scores import mmcs

__all__ = ["check_encode", "check_mmcs", "check_sae_loss"]


# ---------------------------------------------------------------- the encoder


def _encode_cases() -> list[tuple[torch.Tensor, ...]]:
    """``(h, W_enc, b_enc, b_dec)`` with ``d_in ≠ d_sae`` (a transposed ``W_enc`` cannot pass),
    biases large enough that the ReLU and both biases matter."""
    g = torch.Generator().manual_seed(3)
    cases = []
    for instances, batch, d_in, d_sae in [(1, 7, 2, 5), (3, 16, 2, 10), (2, 9, 4, 6)]:
        h = torch.randn(instances, batch, d_in, generator=g, dtype=torch.float64)
        W_enc = torch.randn(instances, d_in, d_sae, generator=g, dtype=torch.float64)
        b_enc = 0.5 * torch.randn(instances, d_sae, generator=g, dtype=torch.float64)
        b_dec = 0.5 * torch.randn(instances, d_in, generator=g, dtype=torch.float64)
        cases.append((h, W_enc, b_enc, b_dec))
    return cases


def _pre(h, W_enc, b_enc, b_dec, sign=-1.0):  # noqa: ANN001, ANN202
    return (h + sign * b_dec.unsqueeze(1)) @ W_enc + b_enc.unsqueeze(1)


_ENCODE_MISTAKES = [
    Mistake(
        lambda h, W, be, bd: torch.relu(h @ W + be.unsqueeze(1)),
        "b_dec is not subtracted: the encoder reads h − b_dec, the input relative to the "
        "decoder's bias",
    ),
    Mistake(
        lambda h, W, be, bd: torch.relu(_pre(h, W, be, bd, sign=1.0)),
        "b_dec is added: subtract it, f = ReLU((h − b_dec) W_enc + b_enc)",
    ),
    Mistake(
        lambda h, W, be, bd: _pre(h, W, be, bd),
        "some latents are negative: apply the ReLU",
    ),
    Mistake(
        lambda h, W, be, bd: torch.relu(_pre(h, W, be * 0, bd)),
        "the encoder bias b_enc is missing",
    ),
    Mistake(
        lambda h, W, be, bd: torch.relu(_pre(h, W, be * 0, bd)) + be.unsqueeze(1),
        "b_enc is added after the ReLU: it belongs inside, f = ReLU((h − b_dec) W_enc + b_enc)",
    ),
]


def _judge_encode(fn: Callable) -> None:
    compare_with_reference(
        fn, encode, _encode_cases(), _ENCODE_MISTAKES, "(instances, batch, d_sae): one f per input"
    )


check_encode = Check("encode", encode, _judge_encode)
"""Exercise: ``encode(h (instances, batch, d_in), W_enc (instances, d_in, d_sae), b_enc (instances,
d_sae), b_dec (instances, d_in)) → f = ReLU((h − b_dec) W_enc + b_enc)``, ``(instances, batch,
d_sae)``."""


# ---------------------------------------------------------------- the loss


def _loss_cases() -> list[tuple[torch.Tensor, ...]]:
    """``(h, h_hat, f, l1_coefficient)`` with sparse non-negative ``f``, ``d_in ≠ d_sae`` and
    coefficients other than 1 (so a missing coefficient shows); several SAEs first, so that a
    wrong answer is compared on more than one value."""
    g = torch.Generator().manual_seed(4)
    cases = []
    for instances, batch, d_in, d_sae in [(3, 12, 2, 10), (1, 8, 2, 5), (2, 6, 5, 3)]:
        h = torch.randn(instances, batch, d_in, generator=g, dtype=torch.float64)
        h_hat = h + 0.3 * torch.randn(h.shape, generator=g, dtype=torch.float64)
        f = torch.rand(instances, batch, d_sae, generator=g, dtype=torch.float64)
        f = torch.where(torch.rand(f.shape, generator=g) < 0.4, 2 * f, torch.zeros(()))
        l1 = 0.05 + 0.5 * torch.rand(instances, generator=g, dtype=torch.float64)
        cases.append((h, h_hat, f, l1))
    return cases


def _mse(h, h_hat):  # noqa: ANN001, ANN202
    return ((h - h_hat) ** 2).sum(-1).mean(-1)


def _l1(f):  # noqa: ANN001, ANN202
    return f.abs().sum(-1).mean(-1)


_LOSS_MISTAKES = [
    Mistake(
        lambda h, hh, f, l1: ((h - hh) ** 2).mean(-1).mean(-1) + l1 * _l1(f),
        "the squared error is averaged over the d_in dimensions: sum them, ‖h − ĥ‖² = Σ_a (h_a − ĥ_a)²",
    ),
    Mistake(
        lambda h, hh, f, l1: (h - hh).norm(dim=-1).mean(-1) + l1 * _l1(f),
        "‖h − ĥ‖ is not squared: the reconstruction term is ‖h − ĥ‖²",
    ),
    Mistake(
        lambda h, hh, f, l1: _mse(h, hh),
        "the sparsity penalty l1_coefficient · ‖f‖₁ is missing",
    ),
    Mistake(
        lambda h, hh, f, l1: _mse(h, hh) + _l1(f),
        "the penalty is not multiplied by l1_coefficient",
    ),
    Mistake(
        lambda h, hh, f, l1: _mse(h, hh) + l1 * (f**2).sum(-1).mean(-1),
        "the penalty is the L1 norm ‖f‖₁ = Σ_j |f_j|, not the sum of squares",
    ),
    Mistake(
        lambda h, hh, f, l1: ((h - hh) ** 2).sum((-2, -1)) + l1 * f.abs().sum((-2, -1)),
        "summed over the batch: average each input's loss over the batch",
    ),
]


def _judge_loss(fn: Callable) -> None:
    compare_with_reference(
        fn, sae_loss, _loss_cases(), _LOSS_MISTAKES, "(instances,): one loss per SAE"
    )


check_sae_loss = Check("sae_loss", sae_loss, _judge_loss)
"""Exercise: ``sae_loss(h, h_hat (instances, batch, d_in), f (instances, batch, d_sae),
l1_coefficient (instances,)) → mean over the batch of ‖h − ĥ‖² + λ ‖f‖₁``, ``(instances,)``."""


# ---------------------------------------------------------------- MMCS


def _mmcs_cases() -> list[tuple[torch.Tensor, torch.Tensor, float]]:
    """``(W_dec, W, threshold)``: decoder rows of varied lengths, some near a true direction, some
    pointing away from one; features of varied lengths, one dropped (norm 0.1) and one of norm 0.4
    (represented at threshold 0.3 only). Several SAEs first, so that a wrong answer is compared
    on more than one value."""
    g = torch.Generator().manual_seed(5)
    cases = []
    for instances, d_sae, d_in, n, threshold in [
        (3, 12, 3, 8, 0.5),
        (1, 7, 2, 5, 0.5),
        (2, 9, 4, 6, 0.3),
    ]:
        W = torch.randn(d_in, n, generator=g, dtype=torch.float64)
        W = W / W.norm(dim=0) * (0.6 + torch.rand(n, generator=g, dtype=torch.float64))
        W[:, 0] *= 0.1 / W[:, 0].norm()
        W[:, 1] *= 0.4 / W[:, 1].norm()
        rows = torch.randn(instances, d_sae, d_in, generator=g, dtype=torch.float64)
        k = min(n, d_sae)  # each SAE's first k rows: the true directions, differently blurred
        blur = torch.rand(instances, 1, 1, generator=g, dtype=torch.float64)
        noise = torch.randn(instances, k, d_in, generator=g, dtype=torch.float64)
        rows[:, :k] = W.T[:k] + blur * noise
        rows[:, -1] = -W.T[2]  # opposite to feature 2: it does not find it
        lengths = 0.5 + 2 * torch.rand(instances, d_sae, 1, generator=g, dtype=torch.float64)
        cases.append((rows * lengths, W, threshold))
    return cases


def _unit(v):  # noqa: ANN001, ANN202
    return v / v.norm(dim=-1, keepdim=True)


def _cos(W_dec, W, rows=True, cols=True):  # noqa: ANN001, ANN202
    """``(instances, d_sae, features)`` overlaps, each side normalised or not."""
    D = _unit(W_dec) if rows else W_dec
    F = _unit(W.T) if cols else W.T
    return D @ F.T


def _keep(W, threshold):  # noqa: ANN001, ANN202
    return W.norm(dim=0) > threshold


_MMCS_MISTAKES = [
    Mistake(
        lambda D, W, t: _cos(D, W, rows=False)[..., _keep(W, t)].max(1).values.mean(-1),
        "the decoder rows are not normalised: compare directions, W_dec[j] / ‖W_dec[j]‖",
    ),
    Mistake(
        lambda D, W, t: _cos(D, W, cols=False)[..., _keep(W, t)].max(1).values.mean(-1),
        "the true directions are not normalised: divide each W_i by ‖W_i‖",
    ),
    Mistake(
        lambda D, W, t: _cos(D, W, False, False)[..., _keep(W, t)].max(1).values.mean(-1),
        "dot products, not cosines: normalise the decoder rows and the W_i",
    ),
    Mistake(
        lambda D, W, t: _cos(D, W)[..., _keep(W, t)].max(-1).values.mean(-1),
        "the best match is taken per latent and averaged over latents: for each true feature take "
        "its best latent, then average over the features",
    ),
    Mistake(
        lambda D, W, t: _cos(D, W).abs()[..., _keep(W, t)].max(1).values.mean(-1),
        "|cos| counts a decoder row pointing away from W_i, but a latent is never negative and "
        "cannot write −W_i: use the signed cosine",
    ),
    Mistake(
        lambda D, W, t: _cos(D, W).max(1).values.mean(-1),
        "features the toy model does not represent (‖W_i‖ ≤ threshold) are averaged in: leave "
        "them out, they have no direction to find",
    ),
    Mistake(
        lambda D, W, t: _cos(D, W)[..., _keep(W, 0.5)].max(1).values.mean(-1),
        "the threshold is fixed at 0.5: use the threshold argument",
    ),
]


def _judge_mmcs(fn: Callable) -> None:
    def learner(W_dec: torch.Tensor, W: torch.Tensor, t: float) -> object:
        return fn(W_dec, W, threshold=t)

    for args in _mmcs_cases():
        out = call_learner(learner, args)
        if isinstance(out, torch.Tensor) and out.dim() == 0:
            raise WrongAnswer("returned one number: return one MMCS per SAE, (instances,)")
    compare_with_reference(
        learner,
        lambda W_dec, W, t: mmcs(W_dec, W, threshold=t),
        _mmcs_cases(),
        _MMCS_MISTAKES,
        "(instances,): one MMCS per SAE",
    )


check_mmcs = Check("mmcs", mmcs, _judge_mmcs)
"""Exercise: ``mmcs(W_dec (instances, d_sae, d_in), W (d_in, features), threshold=0.5) →
(instances,)``: for each feature with ``‖W_i‖ > threshold`` the largest cosine of any decoder row
with ``W_i``, averaged over those features."""
