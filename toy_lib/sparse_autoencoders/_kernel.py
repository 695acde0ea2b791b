"""Fused CPU training kernel for SAEs (numba): the toy model's inputs, its hidden vectors, the
SAE's forward and analytic backward pass, Adam and the decoder's renormalisation in one loop.

Why by hand: as for the toy models (:mod:`toy_lib._kernels`), these SAEs are tiny (2 → 10,
10 → 80), so a torch step is mostly per-operation overhead (about 2 ms a step for one 2 → 10
SAE); here whole chunks of steps run in compiled code, one slice of SAEs per thread.

Every SAE of a batch reads the same inputs in a step (drawn with the toy kernel's counter-based
uniforms, keys of ``(seed, 0, step)``), as the torch engine does with its generator. Each SAE's
parameters are one flat float32 row (``W_enc``, ``b_enc``, ``W_dec``, ``b_dec`` in that order),
so Adam runs over one array; :func:`layout` gives the offsets. The training kernel uses numpy's
error model (no zero-divisor check on each float division, which kept Adam's loop from
vectorising).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._kernels import (
    _FASTMATH,
    _adamw,
    _fill_rows,
    _fill_tile,
    _outer_acc,
    _rows_times,
    step_keys,
)

__all__ = ["batch_grad", "layout", "train_chunk"]


@nb.njit(cache=True)
def layout(d_in: int, d_sae: int) -> tuple[int, int, int, int, int]:
    """Offsets of ``W_enc (d_in, d_sae)``, ``b_enc``, ``W_dec (d_sae, d_in)``, ``b_dec`` in a flat
    parameter row, and its length."""
    a = d_in * d_sae
    return 0, a, a + d_sae, 2 * a + d_sae, 2 * a + d_sae + d_in


@nb.njit(fastmath=_FASTMATH, inline="always")
def _views(row, d, s):  # noqa: ANN001, ANN202
    """``W_enc, b_enc, W_dec, b_dec`` as views of one flat row."""
    o_we, o_be, o_wd, o_bd, size = layout(d, s)
    return (
        row[o_we:o_be].reshape((d, s)),
        row[o_be:o_wd],
        row[o_wd:o_bd].reshape((s, d)),
        row[o_bd:size],
    )


TILE = 256  # samples per tile: the (d_sae, tile) latents of a 10 → 80 SAE take 80 KiB


@nb.njit(fastmath=_FASTMATH, inline="always")
def _keep_top(F, width, k):  # noqa: ANN001, ANN202
    """Zero all but the ``k`` largest latents of each sample (column) of ``F[:, :width]`` (the
    first of equal ones kept). Scalar: ``k`` passes over one column."""
    s = F.shape[0]
    kept = np.empty(s, dtype=np.bool_)
    for t in range(width):
        kept[:] = False
        for _ in range(k):
            best = -1
            for j in range(s):
                if not kept[j] and F[j, t] > 0 and (best < 0 or F[j, t] > F[best, t]):
                    best = j
            if best < 0:
                break
            kept[best] = True
        for j in range(s):
            if not kept[j]:
                F[j, t] = np.float32(0.0)


@nb.njit(fastmath=_FASTMATH, inline="always")
def _tile(row, grad, H, start, width, mask, l1, k, topk, scale, buf, fired):  # noqa: ANN001, ANN202
    """Summed loss of samples ``start .. start+width`` of ``H (d_in, batch)`` for the SAE in
    ``row``; their gradient of the mean loss (``scale`` = 2 / batch) is added into ``grad`` (like
    ``row``); ``fired[j]`` set for every latent that fires.

    Forward: ``f = ReLU((h − b_dec) W_enc + b_enc)`` on the SAE's latents (``mask``), the ``k``
    largest kept if ``topk``; ``ĥ = f W_dec + b_dec``; loss ``‖h − ĥ‖² + l1 ‖f‖₁``. Every inner
    loop runs over the tile's samples (``buf``: ``HC``, ``R`` ``(d_in, tile)``, ``F``, ``DF``
    ``(d_sae, tile)``), so it compiles to SIMD code whatever the SAE's size; the four products
    are the toy kernel's blocked ones (:func:`toy_lib._kernels._rows_times` and
    :func:`toy_lib._kernels._outer_acc`), which reuse every loaded value for several
    multiply-adds.
    """
    d = H.shape[0]
    s = mask.shape[0]
    W_enc, b_enc, W_dec, b_dec = _views(row, d, s)
    gW_enc, gb_enc, gW_dec, gb_dec = _views(grad, d, s)
    HC, R, F, DF = buf
    zero = np.float32(0.0)
    for a in range(d):
        for t in range(width):
            HC[a, t] = H[a, start + t] - b_dec[a]
    _fill_rows(F, b_enc, width)
    _rows_times(W_enc.T, HC, F, width)  # F = W_encᵀ HC + b_enc
    for j in range(s):
        if mask[j]:
            for t in range(width):
                F[j, t] = max(F[j, t], zero)
        else:
            F[j, :width] = zero
    if topk:
        _keep_top(F, width, k)
    loss = 0.0
    for j in range(s):
        acc = zero
        for t in range(width):
            acc += F[j, t]
        if acc > 0:
            fired[j] = True
            loss += l1 * acc
    for a in range(d):
        for t in range(width):
            R[a, t] = b_dec[a] - H[a, start + t]
    _rows_times(W_dec.T, F, R, width)  # R = ĥ − h (latents that did not fire add zeros)
    for a in range(d):
        acc = zero
        acc_g = zero
        for t in range(width):
            acc += R[a, t] * R[a, t]
            R[a, t] *= scale  # now dL/dĥ of the mean loss
            acc_g += R[a, t]
        loss += acc
        gb_dec[a] += acc_g
    l1_grad = np.float32(l1 * scale / 2)
    DF[:, :width] = l1_grad
    _rows_times(W_dec, R, DF, width)  # DF = W_dec R + l1 / batch, then through the ReLU
    for j in range(s):
        total = zero
        for t in range(width):
            DF[j, t] = DF[j, t] if F[j, t] > 0 else zero
            total += DF[j, t]
        gb_enc[j] += total
        for a in range(d):
            gb_dec[a] -= W_enc[a, j] * total
    _outer_acc(F, R, gW_dec, width)  # gW_dec += F Rᵀ
    _outer_acc(HC, DF, gW_enc, width)  # gW_enc += HC DFᵀ
    return loss


@nb.njit(inline="always")
def _buffers(d, s, tile):  # noqa: ANN001, ANN202
    """Scratch of one tile: ``HC``, ``R`` ``(d_in, tile)``, ``F``, ``DF`` ``(d_sae, tile)``."""
    f32 = np.float32
    return (
        np.empty((d, tile), dtype=f32), np.empty((d, tile), dtype=f32),
        np.empty((s, tile), dtype=f32), np.empty((s, tile), dtype=f32),
    )  # fmt: skip


@nb.njit(fastmath=_FASTMATH, inline="always")
def _batch(row, grad, H, mask, l1, k, topk, buf, fired):  # noqa: ANN001, ANN202
    """Summed loss of the whole batch ``H (d_in, batch)``, tile by tile (:func:`_tile`)."""
    batch = H.shape[1]
    tile = buf[0].shape[1]
    scale = np.float32(2.0 / batch)
    total = 0.0
    for start in range(0, batch, tile):
        width = min(tile, batch - start)
        total += _tile(row, grad, H, start, width, mask, l1, k, topk, scale, buf, fired)
    return total


@nb.njit(fastmath=_FASTMATH, cache=True)
def batch_grad(row, H, mask, l1, k, topk):  # noqa: ANN001, ANN201
    """Mean loss and gradient (like ``row``) of one SAE on a given batch ``H (batch, d_in)``: the
    code the training kernel runs, exposed for the gradient-check test."""
    grad = np.zeros_like(row)
    fired = np.zeros(mask.shape[0], dtype=np.bool_)
    Ht = np.ascontiguousarray(H.T)
    buf = _buffers(H.shape[1], mask.shape[0], min(TILE, H.shape[0]))
    return _batch(row, grad, Ht, mask, l1, k, topk, buf, fired) / H.shape[0], grad


@nb.njit(fastmath=_FASTMATH, inline="always")
def _renormalize(row, d, s, mask):  # noqa: ANN001, ANN202
    """Scale each of the SAE's decoder rows back to unit norm."""
    _, _, W_dec, _ = _views(row, d, s)
    for j in range(s):
        if not mask[j]:
            continue
        norm = np.float32(0.0)
        for a in range(d):
            norm += W_dec[j, a] * W_dec[j, a]
        norm = np.sqrt(norm)
        if norm > 0:
            for a in range(d):
                W_dec[j, a] /= norm


@nb.njit(nogil=True, fastmath=_FASTMATH, cache=True, error_model="numpy")
def train_chunk(first, last, state, toy, sae, schedule, loss_out, fired):  # noqa: ANN001, ANN201
    """Train SAEs ``first .. last-1`` (the caller runs slices on parallel threads) for
    ``len(lrs)`` steps, in place.

    ``state = (P, mP, vP)``: ``(SAEs, row)`` float32 parameters and Adam moments;
    ``toy = (W, prob, lower, group, fresh)``: the toy model instance the SAEs read (``W (m, n)``,
    its feature data as :class:`toy_lib._kernels.FeatureData` holds it for one instance);
    ``sae = (d_sae, mask (SAEs, d_sae), l1 (SAEs,), k (SAEs,), topk)``;
    ``schedule = (lrs, t0, seed, batch_size, beta1, beta2, eps)``. ``loss_out (steps, SAEs)``
    receives each step's mean loss; ``fired (SAEs, d_sae)`` marks latents that fired. A SAE whose
    loss stops being finite writes NaN for the rest of the chunk and stops (the caller raises).
    """
    P, mP, vP = state
    W, prob, lower, group, fresh = toy
    s, mask, l1, k, topk = sae
    lrs, t0, seed, batch_size, beta1, beta2, eps = schedule
    d, n = W.shape
    inv_p = (np.float32(1.0) / prob).astype(np.float32)
    X = np.empty((n, batch_size), dtype=np.float32)
    H = np.empty((d, batch_size), dtype=np.float32)
    grad = np.empty(P.shape[1], dtype=np.float32)
    buf = _buffers(d, s, min(TILE, batch_size))
    alive = np.ones(last - first, dtype=np.bool_)
    for step in range(lrs.shape[0]):
        t = t0 + step + 1
        key1, key2 = step_keys(seed, 0, t)
        _fill_tile(
            X, prob, inv_p, lower, group, fresh, False, key1, key2, batch_size, 0, batch_size
        )
        H[:] = 0.0
        for a in range(d):
            for j in range(n):
                w = W[a, j]
                for b in range(batch_size):
                    H[a, b] += w * X[j, b]
        bc1 = np.float32(1.0 - beta1**t)
        bc2 = np.float32(1.0 - beta2**t)
        for i in range(first, last):
            if not alive[i - first]:
                loss_out[step, i] = np.nan
                continue
            grad[:] = 0.0
            loss = _batch(P[i], grad, H, mask[i], l1[i], k[i], topk, buf, fired[i]) / batch_size
            loss_out[step, i] = loss
            if not np.isfinite(loss):
                alive[i - first] = False
                continue
            _adamw(
                P[i], grad, mP[i], vP[i], lrs[step], beta1, beta2, eps, np.float32(0.0), bc1, bc2
            )
            _renormalize(P[i], d, s, mask[i])
