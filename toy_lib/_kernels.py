"""Fused CPU training kernel (numba): data generation, forward, analytic backward and AdamW in one loop.

Why a hand-written kernel: the toy models are tiny, so a torch step is dominated by per-operation
overhead (~6 µs an op, ~60 ops a step). Here a whole chunk of steps runs in compiled code, one
slice of instances per thread. Within an instance the batch is processed in tiles stored feature-major
(``(features, tile)``), so every inner loop runs over samples and compiles to SIMD code whatever
the model's size.

Random numbers are counter-based (a keyed integer hash of the entry's position), so they vectorize,
and results depend only on ``(seed, instance, step)``: not on thread count or on which other
instances train alongside.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

# No 'nnan'/'ninf': the divergence check must still see NaN and inf. The compiled entry points
# also take numpy's error model: Python's checks every float division for a zero divisor, and
# that branch kept AdamW's loop scalar (2.3 ns a parameter instead of 0.3; no divisor here can be
# zero, and the weights come out bit for bit the same).
_FASTMATH = {"contract", "reassoc", "nsz", "arcp", "afn"}
TILE = 256  # samples per tile: a (200 features x 256) float32 tile stays in a 1 MiB L2 cache

_U16 = np.uint32(16)
_U15 = np.uint32(15)
_U8 = np.uint32(8)
_M1 = np.uint32(0x21F0AAAD)
_M2 = np.uint32(0x735A2D97)
_TO_UNIT = np.float32(1.0 / 16777216.0)


# Argument bundles (numba takes NamedTuples in nopython mode; each function unpacks them first).
class TileModel(NamedTuple):
    """One instance's model as the tile code reads it. Tied models pass ``V`` = ``W``."""

    W: np.ndarray  # (hidden, features)
    V: np.ndarray  # (hidden, features): W, or the untied model's W₂ᵀ
    tied: bool
    b: np.ndarray  # (features,)
    imp: np.ndarray  # (features,)
    relu: bool  # ReLU on the output
    hidden_relu: bool  # ReLU on the hidden layer (§8, §9)


class TileBuffers(NamedTuple):
    """Scratch of one tile: ``H``/``G`` ``(hidden, tile)``, ``D`` ``(features, tile)``."""

    H: np.ndarray
    D: np.ndarray
    G: np.ndarray


class TileGrads(NamedTuple):
    """Gradients the tile code adds into, like ``TileModel``'s ``W``, ``V`` (tied: ``gW``), ``b``."""

    gW: np.ndarray
    gV: np.ndarray
    gb: np.ndarray


class Stream(NamedTuple):
    """Scratch for leaving out empty samples (see :func:`_take`): ``X (features, tile)`` collects
    the samples with an active feature, ``norm (tile,)`` float32 and ``idx (tile,)`` uint32 find
    them in a drawn tile, and ``counts`` (5,) int64 holds the samples waiting in ``X``, the empty
    samples left out since the last :func:`_empty_samples`, how many of the drawn tile's active
    samples were gathered, what :func:`_ready` does next, and the drawn tile's active count."""

    X: np.ndarray
    norm: np.ndarray
    idx: np.ndarray
    counts: np.ndarray


class TrainArrays(NamedTuple):
    """What :func:`train_chunk` updates in place: parameters and their AdamW moments."""

    P: np.ndarray  # (I, 1, m, n) float32 tied W, or (I, 2, m, n) untied W₁ and W₂ᵀ
    b: np.ndarray  # (I, n) float32
    mP: np.ndarray  # AdamW first moments, like P
    vP: np.ndarray  # AdamW second moments, like P
    mb: np.ndarray  # like b
    vb: np.ndarray  # like b


class FeatureData(NamedTuple):
    """The features: importance and how the kernel draws them (see :mod:`toy_lib.data`)."""

    imp: np.ndarray  # (I, n) float32
    prob: np.ndarray  # (I, n) float32 in (0, 1]
    lower: np.ndarray  # (I, n) float32: anticorrelated-set offsets
    group: np.ndarray  # (n,) int64: whose activity draw each feature uses
    fresh: np.ndarray  # (n,) bool: correlated features draw their values separately


class Schedule(NamedTuple):
    """The steps of one chunk."""

    lrs: np.ndarray  # (steps,) float32: learning rate of each step in this chunk
    t0: int  # optimiser steps already taken (bias correction, RNG counter)
    seed: int
    batch_size: int


class Flags(NamedTuple):
    relu: bool  # ReLU on the output
    hidden_relu: bool  # ReLU on the hidden layer (§8, §9)
    signed: bool  # signed inputs, target |x| (§9)


class AdamW(NamedTuple):
    """AdamW's hyperparameters, float32."""

    beta1: np.float32
    beta2: np.float32
    eps: np.float32
    weight_decay: np.float32


@nb.njit(inline="always")
def _hash32(x: np.uint32) -> np.uint32:
    """A bijective 32-bit mixer (Wellons' 'lowbias32' family).

    numba widens uint32 products to 64 bits; the casts truncate back, and LLVM then emits 32-bit
    vector multiplies.
    """
    x = np.uint32(x ^ (x >> _U16))
    x = np.uint32(x * _M1)
    x = np.uint32(x ^ (x >> _U15))
    x = np.uint32(x * _M2)
    return np.uint32(x ^ (x >> _U15))


@nb.njit(inline="always")
def _uniform(counter: np.uint32, key1: np.uint32, key2: np.uint32) -> np.float32:
    """Uniform float32 on [0, 1) for one entry; two keyed rounds decorrelate steps."""
    x = _hash32(np.uint32(_hash32(np.uint32(counter ^ key1)) + key2))
    return np.float32(x >> _U8) * _TO_UNIT


@nb.njit(cache=True)
def step_keys(seed: int, instance: int, step: int) -> tuple[np.uint32, np.uint32]:
    """Two 32-bit keys for one (seed, instance, step), via splitmix64."""
    z = (
        np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        + np.uint64(instance) * np.uint64(0xD1B54A32D192ED03)
        + np.uint64(step) * np.uint64(0x8CB92BA72F3D8DD7)
    )
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return np.uint32(z & np.uint64(0xFFFFFFFF)), np.uint32(z >> np.uint64(32))


@nb.njit(fastmath=_FASTMATH, inline="always")
def _fill_tile(X, prob, inv_p, lower, group, fresh, signed, key1, key2, batch_size, start, width):  # noqa: ANN001, ANN202
    """Sparse inputs for samples ``start .. start+width`` into ``X[:, :width]`` (features, tile).

    Feature j's activity draw is feature ``group[j]``'s (shared within a set); see
    :mod:`toy_lib.data` for the correlated (``fresh``) and anticorrelated (``lower``) cases.
    ``signed``: active values ``2u - 1``, Uniform[-1, 1) from the same draw (§9).
    """
    n = X.shape[0]
    for j in range(n):
        p = prob[j]
        ip = inv_p[j]
        lo = lower[j]
        act_base = np.uint32(group[j] * batch_size + start)
        if fresh[j]:
            val_base = np.uint32((n + j) * batch_size + start)
            for t in range(width):
                a = _uniform(np.uint32(act_base + np.uint32(t)), key1, key2)
                v = _uniform(np.uint32(val_base + np.uint32(t)), key1, key2)
                X[j, t] = v if a < p else np.float32(0.0)
        else:
            for t in range(width):
                d = _uniform(np.uint32(act_base + np.uint32(t)), key1, key2) - lo
                X[j, t] = d * ip if (d >= 0 and d < p) else np.float32(0.0)
        if signed:
            for t in range(width):
                x = X[j, t]
                X[j, t] = np.float32(2.0) * x - np.float32(1.0) if x != 0 else np.float32(0.0)


@nb.njit(fastmath=_FASTMATH, inline="always")
def _draw_tile(X, data, inst, inv_p, signed, key1, key2, batch_size, start, width):  # noqa: ANN001, ANN202
    """:func:`_fill_tile` for instance ``inst`` of a :class:`FeatureData`."""
    _, prob, lower, group, fresh = data
    _fill_tile(
        X,
        prob[inst],
        inv_p,
        lower[inst],
        group,
        fresh,
        signed,
        key1,
        key2,
        batch_size,
        start,
        width,
    )


@nb.njit(fastmath=_FASTMATH, inline="always")
def _relu_rows(H, width):  # noqa: ANN001, ANN202
    """``H[:, :width] = ReLU(H[:, :width])`` in place (the hidden ReLU of §8 and §9)."""
    for k in range(H.shape[0]):
        for t in range(width):
            H[k, t] = max(H[k, t], np.float32(0.0))


@nb.njit(fastmath=_FASTMATH, inline="always")
def _through_active(G, H, width):  # noqa: ANN001, ANN202
    """Zero ``dL/dh`` in ``G`` wherever the hidden ReLU was off (``H <= 0``): the gradient flows
    back only through active hidden units."""
    for k in range(G.shape[0]):
        for t in range(width):
            G[k, t] = G[k, t] if H[k, t] > 0 else np.float32(0.0)


@nb.njit(fastmath=_FASTMATH, inline="always")
def _output_grad(D, X, i, width, relu, c):  # noqa: ANN001, ANN202
    """Overwrite row ``i`` of ``Z`` (in ``D``) with ``dL/dZ`` (``c`` = scale × importance);
    return the row's summed squared error and summed gradient (the bias gradient)."""
    acc_loss = np.float32(0.0)
    acc_b = np.float32(0.0)
    for t in range(width):
        z = D[i, t]
        active = z > 0 or not relu
        r = (z if active else np.float32(0.0)) - abs(X[i, t])
        acc_loss += r * r
        d = c * r if active else np.float32(0.0)
        D[i, t] = d
        acc_b += d
    return acc_loss, acc_b


@nb.njit(fastmath=_FASTMATH, inline="always")
def _two_rows_from_four(A, k, j, R, Out, width):  # noqa: ANN001, ANN202
    """``Out[k:k+2, :width] += A[k:k+2, j:j+4] @ R[j:j+4, :width]``: every loaded ``R`` value
    feeds two multiply-adds and every ``Out`` load and store four."""
    a0, a1, a2, a3 = A[k, j], A[k, j + 1], A[k, j + 2], A[k, j + 3]
    c0, c1, c2, c3 = A[k + 1, j], A[k + 1, j + 1], A[k + 1, j + 2], A[k + 1, j + 3]
    for t in range(width):
        r0, r1, r2, r3 = R[j, t], R[j + 1, t], R[j + 2, t], R[j + 3, t]
        Out[k, t] += a0 * r0 + a1 * r1 + a2 * r2 + a3 * r3
        Out[k + 1, t] += c0 * r0 + c1 * r1 + c2 * r2 + c3 * r3


@nb.njit(fastmath=_FASTMATH, inline="always")
def _rows_times(A, R, Out, width):  # noqa: ANN001, ANN202
    """``Out[:, :width] += A @ R[:, :width]``: ``A (rows, inner)`` (any layout, e.g. a transposed
    view), ``R (inner, tile)``, ``Out (rows, tile)``.

    Why blocked: one output row updated from one input row per pass loads and stores that row for
    every multiply-add, so the loop is bound by memory operations (~35 GFLOP/s on one core here).
    Two output rows from four input rows per pass (:func:`_two_rows_from_four`) reuses every load
    and runs at 70-90 GFLOP/s; the rows and inputs left over (sizes not multiples of 2 and 4) take
    the same loops with fewer rows.
    """
    rows, inner = A.shape
    r2 = rows - rows % 2
    j4 = inner - inner % 4
    for k in range(0, r2, 2):
        for j in range(0, j4, 4):
            _two_rows_from_four(A, k, j, R, Out, width)
        for j in range(j4, inner):
            a0, c0 = A[k, j], A[k + 1, j]
            for t in range(width):
                r = R[j, t]
                Out[k, t] += a0 * r
                Out[k + 1, t] += c0 * r
    for k in range(r2, rows):
        for j in range(0, j4, 4):
            a0, a1, a2, a3 = A[k, j], A[k, j + 1], A[k, j + 2], A[k, j + 3]
            for t in range(width):
                Out[k, t] += a0 * R[j, t] + a1 * R[j + 1, t] + a2 * R[j + 2, t] + a3 * R[j + 3, t]
        for j in range(j4, inner):
            a0 = A[k, j]
            for t in range(width):
                Out[k, t] += a0 * R[j, t]


@nb.njit(fastmath=_FASTMATH, inline="always")
def _fill_rows(Out, values, width):  # noqa: ANN001, ANN202
    """``Out[i, :width] = values[i]`` for every row ``i``."""
    for i in range(Out.shape[0]):
        v = values[i]
        for t in range(width):
            Out[i, t] = v


@nb.njit(fastmath=_FASTMATH, inline="always")
def _outer_acc(P, Q, Out, width):  # noqa: ANN001, ANN202
    """``Out += P[:, :width] @ Q[:, :width]ᵀ``: ``Out (rows of P, rows of Q)``, 2 x 2 blocks of
    ``Out`` per pass (each loaded value feeds two multiply-adds), then the rows and columns left."""
    rows, cols = Out.shape
    k2 = rows - rows % 2
    i2 = cols - cols % 2
    f0 = np.float32(0.0)
    for k in range(0, k2, 2):
        for i in range(0, i2, 2):
            s00 = s01 = s10 = s11 = f0
            for t in range(width):
                p0, p1, q0, q1 = P[k, t], P[k + 1, t], Q[i, t], Q[i + 1, t]
                s00 += p0 * q0
                s01 += p0 * q1
                s10 += p1 * q0
                s11 += p1 * q1
            Out[k, i] += s00
            Out[k, i + 1] += s01
            Out[k + 1, i] += s10
            Out[k + 1, i + 1] += s11
        for i in range(i2, cols):
            s0 = s1 = f0
            for t in range(width):
                q = Q[i, t]
                s0 += P[k, t] * q
                s1 += P[k + 1, t] * q
            Out[k, i] += s0
            Out[k + 1, i] += s1
    for k in range(k2, rows):
        for i in range(cols):
            s = f0
            for t in range(width):
                s += P[k, t] * Q[i, t]
            Out[k, i] += s


@nb.njit(fastmath=_FASTMATH, inline="always")
def _tied_weight_grad(H, D, G, X, gW, width):  # noqa: ANN001, ANN202, PLR0915
    """``gW += H Dᵀ + G Xᵀ`` (the tied model's weight gradient, ``W`` used twice): a 4 x 2 block
    of ``gW`` per pass, then the rows left in 1 x 2 blocks and the column left one by one."""
    m, n = gW.shape
    k4 = m - m % 4
    i2 = n - n % 2
    f0 = np.float32(0.0)
    for k in range(0, k4, 4):
        for i in range(0, i2, 2):
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = f0
            for t in range(width):
                d0, d1, x0, x1 = D[i, t], D[i + 1, t], X[i, t], X[i + 1, t]
                h, g = H[k, t], G[k, t]
                s00 += h * d0 + g * x0
                s01 += h * d1 + g * x1
                h, g = H[k + 1, t], G[k + 1, t]
                s10 += h * d0 + g * x0
                s11 += h * d1 + g * x1
                h, g = H[k + 2, t], G[k + 2, t]
                s20 += h * d0 + g * x0
                s21 += h * d1 + g * x1
                h, g = H[k + 3, t], G[k + 3, t]
                s30 += h * d0 + g * x0
                s31 += h * d1 + g * x1
            gW[k, i] += s00
            gW[k, i + 1] += s01
            gW[k + 1, i] += s10
            gW[k + 1, i + 1] += s11
            gW[k + 2, i] += s20
            gW[k + 2, i + 1] += s21
            gW[k + 3, i] += s30
            gW[k + 3, i + 1] += s31
    for k in range(k4, m):
        for i in range(0, i2, 2):
            s0 = s1 = f0
            for t in range(width):
                h, g = H[k, t], G[k, t]
                s0 += h * D[i, t] + g * X[i, t]
                s1 += h * D[i + 1, t] + g * X[i + 1, t]
            gW[k, i] += s0
            gW[k, i + 1] += s1
    for i in range(i2, n):
        for k in range(m):
            s = f0
            for t in range(width):
                s += H[k, t] * D[i, t] + G[k, t] * X[i, t]
            gW[k, i] += s


@nb.njit(fastmath=_FASTMATH, inline="always")
def _forward(model, X, width, buf):  # noqa: ANN001, ANN202
    """``H = W X`` (``ReLU`` of it if ``hidden_relu``) and ``Z = Vᵀ H + b`` into ``buf``'s ``H
    (hidden, tile)`` and ``D (features, tile)``."""
    W, V, _, b, _, _, hidden_relu = model
    H, D, _ = buf
    H[:, :width] = 0.0
    _rows_times(W, X, H, width)
    if hidden_relu:
        _relu_rows(H, width)
    _fill_rows(D, b, width)
    _rows_times(V.T, H, D, width)


@nb.njit(fastmath=_FASTMATH, inline="always")
def _tile_loss(model, X, width, buf):  # noqa: ANN001, ANN202
    """The forward half of :func:`_tile_grad`: the tile's summed weighted squared error only."""
    _forward(model, X, width, buf)
    imp, relu = model.imp, model.relu
    loss = 0.0
    for i in range(X.shape[0]):
        acc_loss, _ = _output_grad(buf.D, X, i, width, relu, np.float32(0.0))
        loss += imp[i] * acc_loss
    return loss


@nb.njit(fastmath=_FASTMATH, inline="always")
def _tile_grad(model, X, width, scale, buf, grads):  # noqa: ANN001, ANN202
    """Loss of the samples in ``X[:, :width]``, their gradient added into ``grads``.

    The model is ``h = W x`` (``ReLU`` if ``hidden_relu``), ``x' = Vᵀ h + b`` (``ReLU`` if
    ``relu``), target ``|x|`` (``x`` itself for the non-negative inputs of §1-§8). Tied models pass
    ``V`` = ``W`` and ``gV`` = ``gW`` with ``tied`` set; the untied model of §9 passes
    ``V = W₂ᵀ``. Shapes: ``W``/``V`` ``(hidden, features)``, ``X``/``D`` ``(features, tile)``,
    ``H``/``G`` ``(hidden, tile)``; ``scale`` is ``2 / batch``. Returns the summed weighted squared
    error of the tile. ``model``: :class:`TileModel`, ``buf``: :class:`TileBuffers`, ``grads``:
    :class:`TileGrads`. Every product is one :func:`_rows_times` or outer-product pass.
    """
    W, V, tied, _, imp, relu, hidden_relu = model
    H, D, G = buf
    gW, gV, gb = grads
    _forward(model, X, width, buf)
    loss = 0.0
    for i in range(W.shape[1]):  # D = dL/dZ written over Z
        acc_loss, acc_b = _output_grad(D, X, i, width, relu, scale * imp[i])
        loss += imp[i] * acc_loss
        gb[i] += acc_b
    G[:, :width] = 0.0
    _rows_times(V, D, G, width)  # G = V D
    if hidden_relu:
        _through_active(G, H, width)
    if tied:
        _tied_weight_grad(H, D, G, X, gW, width)
    else:
        _outer_acc(H, D, gV, width)
        _outer_acc(G, X, gW, width)
    return loss


@nb.njit(fastmath=_FASTMATH, inline="always")
def _active_count(S, width, norm):  # noqa: ANN001, ANN202
    """How many samples of ``S[:, :width]`` have a nonzero input (``norm[t]``: sample t's sum of
    absolute inputs)."""
    for t in range(width):
        norm[t] = np.float32(0.0)
    for j in range(S.shape[0]):
        for t in range(width):
            norm[t] += abs(S[j, t])
    count = 0
    for t in range(width):
        count += norm[t] != 0
    return count


@nb.njit(fastmath=_FASTMATH, inline="always")
def _active_index(norm, width, idx):  # noqa: ANN001, ANN202
    """The columns ``t`` with ``norm[t] != 0``, in order, into ``idx``."""
    count = 0
    for t in range(width):  # without a branch: the next slot is overwritten unless kept
        idx[count] = np.uint32(t)
        count += norm[t] != 0


# The sample stream: which samples reach the tile code. A sample with no active feature has
# ``h = 0``, so it adds nothing to the weight gradient and the same loss and bias gradient as every
# other empty one (:func:`_empty_samples` and :func:`_empty_bias_grad` add them in closed form).
# At the sparsities of the paper's sweeps most samples are empty (at density 0.01, 45% of
# 80-feature samples; at 0.001, 92%). The others are gathered into ``Stream.X`` and passed on in
# full tiles (a part-filled tile would leave most of each vector loop to its scalar remainder).
# Gathering costs about ``n`` copies per active sample and saves about ``10 n m`` multiply-adds per
# empty one, so a drawn tile is gathered only when ``m × empty ≥ 6 × active`` and is otherwise used
# as drawn, empty samples included (6 measured on AMD EPYC: with 30-40% empty, gathering made
# 10 → 5 and 40 → 10 models 8-18% slower, and 80 → 20 with 45% empty 20% faster).
#
# A kernel runs the stream in this loop, which reaches the tile code from one place:
#
#     for start in range(0, batch + tile, tile):  # the last pass draws nothing
#         width = max(0, min(tile, batch - start)); draw S[:, :width]
#         total += _feed_grad(S, width, stream, ...)  # or _feed_loss
#     total += _finish_grad(stream, ...)  # the empty samples
#
# The tile code is inlined into each kernel, once. Compiled as functions of their own (cached by
# numba), they compiled faster (11 s + 6 s instead of 18 s + 8 s before a user's first training
# and evaluation), but a process that compiled them ran other machine code than one that loaded
# them from numba's cache: weights differed by 1e-5 after 2,000 steps, enough to move a knife-edge
# count in §9. Inlined, every process runs the same code.
GATHER_RATIO = 6  # a drawn tile is gathered when m × empty ≥ GATHER_RATIO × active
_AS_DRAWN, _GATHER, _DRAINED, _LAST = 0, 1, 2, 3  # Stream.counts[_MODE]
_FILLED, _EMPTY, _DONE, _MODE, _COUNT = 0, 1, 2, 3, 4  # Stream.counts entries


@nb.njit(fastmath=_FASTMATH, inline="always")
def _take(S, width, stream, m):  # noqa: ANN001, ANN202
    """Decide what the stream does with the drawn samples ``S[:, :width]`` (``width`` 0: the batch
    is over) for a model with ``m`` hidden dimensions: use them as drawn, or list the active ones
    and count the empty ones."""
    _, norm, idx, c = stream
    if width == 0:
        c[_MODE] = _LAST
        return
    count = _active_count(S, width, norm)
    if m * (width - count) < GATHER_RATIO * count:
        c[_MODE] = _AS_DRAWN
        return
    _active_index(norm, width, idx)
    c[_EMPTY] += width - count
    c[_COUNT] = count
    c[_DONE] = 0
    c[_MODE] = _GATHER


@nb.njit(fastmath=_FASTMATH, inline="always")
def _ready(S, width, stream):  # noqa: ANN001, ANN202
    """The next tile for the tile code, ``(T, w)``: the samples to use are ``T[:, :w]``; ``w = 0``
    when the drawn samples are used up (those gathered but not yet a full tile wait in
    ``stream.X`` for the next draw). At the end of the batch the samples still waiting are topped
    up with empty ones to a multiple of 16 where there are enough (whole vectors)."""
    X, _, idx, c = stream
    mode = c[_MODE]
    c[_MODE] = _DRAINED
    if mode == _AS_DRAWN:
        return S, width
    tile = X.shape[1]
    filled = c[_FILLED]
    if mode == _GATHER:
        count, done = c[_COUNT], c[_DONE]
        while done < count:
            take = min(count - done, tile - filled)
            for j in range(S.shape[0]):
                for k in range(take):
                    X[j, filled + k] = S[j, idx[done + k]]
            filled += take
            done += take
            if filled == tile:
                c[_FILLED] = 0
                c[_DONE] = done
                c[_MODE] = _GATHER
                return X, tile
        c[_FILLED] = filled
    elif mode == _LAST and filled > 0:
        pad = min((16 - filled % 16) % 16, c[_EMPTY], tile - filled)
        X[:, filled : filled + pad] = 0.0
        c[_EMPTY] -= pad
        c[_FILLED] = 0
        return X, filled + pad
    return X, 0


@nb.njit(fastmath=_FASTMATH, inline="always")
def _empty_samples(stream, model):  # noqa: ANN001, ANN202
    """The empty samples the stream left out of this batch: ``(count, their summed loss)``, the
    loss being ``count × Σ_i I_i ReLU(b_i)²`` (``b_i`` for a linear output: ``h = 0``, so the
    output is the bias, against the target 0). Resets the count."""
    c = stream.counts
    empty = c[_EMPTY]
    c[_EMPTY] = 0
    total = 0.0
    if empty == 0:
        return empty, total
    b, imp, relu = model.b, model.imp, model.relu
    for i in range(b.shape[0]):
        z = b[i]
        r = z if z > 0 or not relu else np.float32(0.0)
        total += imp[i] * r * r * empty
    return empty, total


@nb.njit(fastmath=_FASTMATH, inline="always")
def _empty_bias_grad(model, empty, scale, gb):  # noqa: ANN001, ANN202
    """The bias gradient of ``empty`` empty samples, added into ``gb``: each adds
    ``scale · I_i ReLU(b_i)`` (their weight gradient is zero: ``H Dᵀ`` and ``G Xᵀ`` with
    ``H = 0``, ``X = 0``)."""
    if empty == 0:
        return
    b, imp, relu = model.b, model.imp, model.relu
    for i in range(b.shape[0]):
        z = b[i]
        r = z if z > 0 or not relu else np.float32(0.0)
        gb[i] += np.float32(empty) * (scale * imp[i] * r)


@nb.njit(fastmath=_FASTMATH, inline="always")
def _feed_grad(S, width, stream, model, scale, buf, grads):  # noqa: ANN001, ANN202
    """Pass the drawn samples ``S[:, :width]`` through the stream to :func:`_tile_grad`; returns
    the summed loss of the samples that reached it."""
    _take(S, width, stream, model.W.shape[0])
    total = 0.0
    T, w = _ready(S, width, stream)
    while w > 0:
        total += _tile_grad(model, T, w, scale, buf, grads)
        T, w = _ready(S, width, stream)
    return total


@nb.njit(fastmath=_FASTMATH, inline="always")
def _feed_loss(S, width, stream, model, buf):  # noqa: ANN001, ANN202
    """:func:`_feed_grad` for the loss only (:func:`_tile_loss`)."""
    _take(S, width, stream, model.W.shape[0])
    total = 0.0
    T, w = _ready(S, width, stream)
    while w > 0:
        total += _tile_loss(model, T, w, buf)
        T, w = _ready(S, width, stream)
    return total


@nb.njit(fastmath=_FASTMATH, inline="always")
def _finish_grad(stream, model, scale, gb):  # noqa: ANN001, ANN202
    """End of a batch: the summed loss of the empty samples the stream left out, their bias
    gradient added into ``gb``."""
    empty, loss = _empty_samples(stream, model)
    _empty_bias_grad(model, empty, scale, gb)
    return loss


@nb.njit(fastmath=_FASTMATH, inline="always")
def _stream(n, tile):  # noqa: ANN001, ANN202
    """A fresh :class:`Stream` for ``n`` features and tiles of ``tile`` samples."""
    return Stream(
        np.empty((n, tile), dtype=np.float32),
        np.empty(tile, dtype=np.float32),
        np.empty(tile, dtype=np.uint32),
        np.zeros(5, dtype=np.int64),
    )


@nb.njit(fastmath=_FASTMATH, inline="always")
def _adamw(p, g, mo, v, lr, beta1, beta2, eps, weight_decay, bc1, bc2):  # noqa: ANN001, ANN202
    """PyTorch's AdamW update on flat float32 arrays, in place."""
    decay = np.float32(1.0 - lr * weight_decay)
    step = np.float32(lr / bc1)
    inv_bc2 = np.float32(1.0 / bc2)
    one = np.float32(1.0)
    for i in range(p.size):
        gi = g[i]
        mo[i] = beta1 * mo[i] + (one - beta1) * gi
        v[i] = beta2 * v[i] + (one - beta2) * gi * gi
        p[i] = p[i] * decay - step * mo[i] / (np.sqrt(v[i] * inv_bc2) + eps)


@nb.njit(fastmath=_FASTMATH, cache=True)
def batch_grad(P, b, imp, X, relu, hidden_relu):  # noqa: ANN001, ANN201
    """Loss and gradient of one instance on a given batch ``X: (features, batch)``.

    ``P``: ``(1, hidden, features)`` holds a tied model's ``W``, ``(2, hidden, features)`` an untied
    one's ``W₁`` and ``W₂ᵀ``. The same tile code and sample stream the training kernel runs;
    exposed for the gradient-check test. Returns ``(mean loss, gP like P, gb (features,))``.
    """
    _, m, n = P.shape
    batch = X.shape[1]
    gP = np.zeros_like(P)
    gb = np.zeros_like(b)
    tied = P.shape[0] == 1
    v = 0 if tied else 1
    H = np.empty((m, TILE), dtype=np.float32)
    G = np.empty((m, TILE), dtype=np.float32)
    D = np.empty((n, TILE), dtype=np.float32)
    Xt = np.empty((n, TILE), dtype=np.float32)
    scale = np.float32(2.0 / batch)
    model = TileModel(P[0], P[v], tied, b, imp, relu, hidden_relu)
    buf = TileBuffers(H, D, G)
    grads = TileGrads(gP[0], gP[v], gb)
    stream = _stream(n, TILE)
    total = 0.0
    for start in range(0, batch + TILE, TILE):  # the stream's loop, see _take
        width = max(0, min(TILE, batch - start))
        Xt[:, :width] = X[:, start : start + width]
        total += _feed_grad(Xt, width, stream, model, scale, buf, grads)
    total += _finish_grad(stream, model, scale, gb)
    return total / batch, gP, gb


@nb.njit(cache=True)
def sample_batch(prob, lower, group, fresh, batch_size, seed, instance, step, signed=False):  # noqa: ANN001, ANN201
    """The inputs the kernel draws for one (instance, step): ``(features, batch)``. For tests."""
    n = prob.shape[0]
    inv_p = (np.float32(1.0) / prob).astype(np.float32)
    key1, key2 = step_keys(seed, instance, step)
    X = np.empty((n, batch_size), dtype=np.float32)
    _fill_tile(X, prob, inv_p, lower, group, fresh, signed, key1, key2, batch_size, 0, batch_size)
    return X


@nb.njit(fastmath=_FASTMATH, inline="always")
def _instance_setup(state, data, inst):  # noqa: ANN001, ANN202
    """Per-instance scratch for a training chunk: ``1/p`` per feature, the gradient arrays ``gP``
    (like ``P[inst]``) and ``gb``, and flat views ``(P, gP, mP, vP)`` for AdamW."""
    P, _, mP, vP, _, _ = state
    _, n_mat, m, n = P.shape
    prob = data.prob
    inv_p = np.empty(n, dtype=np.float32)
    for j in range(n):
        inv_p[j] = np.float32(1.0) / prob[inst, j]
    gP = np.empty((n_mat, m, n), dtype=np.float32)
    gb = np.empty(n, dtype=np.float32)
    size = n_mat * m * n
    flat = (P[inst].reshape(size), gP.reshape(size), mP[inst].reshape(size), vP[inst].reshape(size))
    return inv_p, gP, gb, flat


@nb.njit(fastmath=_FASTMATH, inline="always")
def _step_update(state, inst, step, batch_loss, schedule, adamw, gP, gb, flat, loss_out):  # noqa: ANN001, ANN202
    """End of one step: record ``batch_loss`` and take the AdamW step on ``P`` and ``b``; or, when
    the loss is not finite, write NaN for the rest of the chunk and return False (stop)."""
    _, b, _, _, mb, vb = state
    lrs, t0, _, _ = schedule
    beta1, beta2, eps, weight_decay = adamw
    if not np.isfinite(batch_loss):
        for rest in range(step, lrs.shape[0]):
            loss_out[rest, inst] = np.nan
        return False
    loss_out[step, inst] = batch_loss
    t = t0 + step + 1
    bc1 = 1.0 - beta1**t
    bc2 = 1.0 - beta2**t
    lr = lrs[step]
    flat_P, flat_gP, flat_mP, flat_vP = flat
    _adamw(flat_P, flat_gP, flat_mP, flat_vP, lr, beta1, beta2, eps, weight_decay, bc1, bc2)
    _adamw(b[inst], gb, mb[inst], vb[inst], lr, beta1, beta2, eps, weight_decay, bc1, bc2)
    return True


@nb.njit(nogil=True, fastmath=_FASTMATH, cache=True, error_model="numpy")
def train_chunk(first, last, state, data, schedule, flags, adamw, loss_out):  # noqa: ANN001, ANN201
    """Train instances ``first .. last-1`` (the caller runs slices on parallel threads) for
    ``len(schedule.lrs)`` steps; ``state`` (:class:`TrainArrays`) is updated in place, ``data`` is
    a :class:`FeatureData`, ``flags`` :class:`Flags`, ``adamw`` :class:`AdamW`, and ``loss_out``
    ``(steps, I)`` float32 receives the mean batch loss of each step. An instance whose loss stops
    being finite writes NaN for the rest of the chunk and stops (the caller raises).

    No numba ``parallel=True``: the GIL is released instead and the caller runs instance slices on
    its own threads. That keeps numba's OpenMP pool from spinning against torch's (measured 3x
    slower under load) and sets no global threading layer."""
    P, b, _, _, _, _ = state
    imp = data.imp
    lrs, t0, seed, batch_size = schedule
    relu, hidden_relu, signed = flags
    _, n_mat, m, n = P.shape
    tied = n_mat == 1
    v = 0 if tied else 1
    scale = np.float32(2.0 / batch_size)
    tile = min(TILE, batch_size)
    for inst in range(first, last):
        X = np.empty((n, tile), dtype=np.float32)
        stream = _stream(n, tile)
        D = np.empty((n, tile), dtype=np.float32)
        H = np.empty((m, tile), dtype=np.float32)
        G = np.empty((m, tile), dtype=np.float32)
        inv_p, gP, gb, flat = _instance_setup(state, data, inst)
        P_i = P[inst]
        model = TileModel(P_i[0], P_i[v], tied, b[inst], imp[inst], relu, hidden_relu)
        buf = TileBuffers(H, D, G)
        grads = TileGrads(gP[0], gP[v], gb)
        for step in range(lrs.shape[0]):
            key1, key2 = step_keys(seed, inst, t0 + step + 1)
            gP[:] = 0.0
            gb[:] = 0.0
            total = 0.0
            for start in range(0, batch_size + tile, tile):  # the stream's loop, see _take
                width = max(0, min(tile, batch_size - start))
                _draw_tile(X, data, inst, inv_p, signed, key1, key2, batch_size, start, width)
                total += _feed_grad(X, width, stream, model, scale, buf, grads)
            total += _finish_grad(stream, model, scale, gb)
            if not _step_update(
                state, inst, step, total / batch_size, schedule, adamw, gP, gb, flat, loss_out
            ):
                break


@nb.njit(nogil=True, fastmath=_FASTMATH, cache=True, error_model="numpy")
def evaluate_chunk(first, last, P, b, data, flags, n_samples, seed, loss_out):  # noqa: ANN001, ANN201
    """The mean loss of instances ``first .. last-1`` on ``n_samples`` fresh inputs, into
    ``loss_out[first:last]``.

    Every instance draws from the same uniforms (keys of ``(seed, instance 0, step 0)``: common
    random numbers), so instances are compared on the same sample, as in training's tiles but
    forward only. ``P``: ``(I, 1 or 2, m, n)`` as in :class:`TrainArrays`, ``b``: ``(I, n)``,
    ``data``: :class:`FeatureData`, ``flags``: :class:`Flags`. The counters address
    ``2 n × n_samples`` entries, which must stay below ``2**32`` (the caller checks).
    """
    imp, prob = data.imp, data.prob
    relu, hidden_relu, signed = flags
    _, n_mat, m, n = P.shape
    v = 0 if n_mat == 1 else 1
    key1, key2 = step_keys(seed, 0, 0)
    tile = min(TILE, n_samples)
    X = np.empty((n, tile), dtype=np.float32)
    stream = _stream(n, tile)
    D = np.empty((n, tile), dtype=np.float32)
    H = np.empty((m, tile), dtype=np.float32)
    buf = TileBuffers(H, D, H)
    inv_p = np.empty(n, dtype=np.float32)
    for inst in range(first, last):
        for j in range(n):
            inv_p[j] = np.float32(1.0) / prob[inst, j]
        model = TileModel(P[inst, 0], P[inst, v], n_mat == 1, b[inst], imp[inst], relu, hidden_relu)
        total = 0.0
        for start in range(0, n_samples + tile, tile):  # the stream's loop, see _take
            width = max(0, min(tile, n_samples - start))
            _draw_tile(X, data, inst, inv_p, signed, key1, key2, n_samples, start, width)
            total += _feed_loss(X, width, stream, model, buf)
        total += _empty_samples(stream, model)[1]
        loss_out[inst] = total / n_samples
