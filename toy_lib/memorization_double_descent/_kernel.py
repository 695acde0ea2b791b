"""Full-batch training on a fixed sparse data set (numba): forward, analytic backward and AdamW,
with work that scales with the nonzeros instead of with ``n × T``.

Why a hand-written kernel: the dense step computes all ``n × T`` output pre-activations
``p_tj = W_j · h_t + b_j`` (``h_t = W x_t``). But ``|p_tj − b_j| ≤ ‖W_j‖ ‖h_t‖``, and once
training is under way most features have a bias far from zero next to a short ``W_j``, while
most points have short hidden vectors: ``p_tj`` has the sign of ``b_j`` for all but a few points,
the ones with the longest ``h_t``. The kernel keeps the points sorted by ``‖h_t‖`` and computes
``p_tj`` only for that prefix; a negative bias then needs nothing more (the other pairs have
``ReLU(p) = 0``), and for a non-negative bias the sum over all points comes from the moments of
the hidden vectors (:func:`_relu_part`). This is exact, not an approximation. Torch has no
primitive for "the positive part of a dense product"; compiled loops over the surviving pairs do it.
With few points (up to :data:`DENSE_POINTS`, m = 2) the bound saves little and its bookkeeping
per feature costs more than computing every pair: :func:`_relu_part_dense` does that instead.

Layout: one instance (one model with its own data set) is trained by one call of
:func:`train_instance`; several calls run side by side on threads (``nogil``). The kernel holds
``W`` feature-major, ``(n, m)`` (the transpose of the model's ``(m, n)``), and the hidden vectors
point-major, ``H (T, m)``, so that each gather of a feature's or a point's vector reads one cache
line. A data set is held by point (CSR: ``rows``, ``cols``, ``vals``, with unsigned ``cols``).
Loops run over slices from index 0: indexing with a signed integer numba cannot prove
non-negative costs a wrap-around check on every access, which also stops vectorization. The
compiled entry points use numpy's error model: Python's checks every float division for a zero
divisor, and that branch kept AdamW's loop from vectorising (2.3 ns a parameter instead of 0.3).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .._kernels import _FASTMATH, _adamw


@nb.njit(fastmath=_FASTMATH, inline="always")
def _hidden(W, H, rows, cols, vals):  # noqa: ANN001, ANN202
    """``H[t] = Σ_k vals_k W[cols_k]`` over point t's nonzeros. ``W: (n, m)``, ``H: (T, m)``.
    (Here and below, m = 2 has its own unrolled loop: the general one is not unrolled.)"""
    m = W.shape[1]
    for t in range(H.shape[0]):
        js = cols[rows[t] : rows[t + 1]]
        xs = vals[rows[t] : rows[t + 1]]
        if m == 2:
            h0 = np.float32(0.0)
            h1 = np.float32(0.0)
            for k in range(js.shape[0]):
                j = js[k]
                h0 += xs[k] * W[j, 0]
                h1 += xs[k] * W[j, 1]
            H[t, 0] = h0
            H[t, 1] = h1
            continue
        h = H[t]
        h[:] = 0.0
        for k in range(js.shape[0]):
            w = W[js[k]]
            for a in range(m):
                h[a] += xs[k] * w[a]


@nb.njit(fastmath=_FASTMATH, inline="always")
def _targets(W, b, H, G, rows, cols, vals, scale, gW, gb):  # noqa: ANN001, ANN202
    """The target terms ``Σ x² − 2 x ReLU(p)`` over the nonzeros, point by point (right after
    :func:`_hidden`, the features' rows are still in cache), and their gradient; sets ``G[t]``
    to this part of ``∂L/∂h_t``."""
    m = W.shape[1]
    loss = np.float64(0.0)
    zero = np.float32(0.0)
    for t in range(H.shape[0]):
        js = cols[rows[t] : rows[t + 1]]
        xs = vals[rows[t] : rows[t + 1]]
        part = np.float32(0.0)
        if m == 2:
            h0 = H[t, 0]
            h1 = H[t, 1]
            g0 = np.float32(0.0)
            g1 = np.float32(0.0)
            for k in range(js.shape[0]):
                j = js[k]
                x = xs[k]
                w0 = W[j, 0]
                w1 = W[j, 1]
                q = max(b[j] + w0 * h0 + w1 * h1, zero)
                part += x * x - np.float32(2.0) * q * x
                d = -scale * x if q > zero else zero
                gb[j] += d
                gW[j, 0] += d * h0
                gW[j, 1] += d * h1
                g0 += d * w0
                g1 += d * w1
            G[t, 0] = g0
            G[t, 1] = g1
        else:
            h = H[t]
            gt = G[t]
            gt[:] = 0.0
            for k in range(js.shape[0]):
                j = js[k]
                x = xs[k]
                w = W[j]
                p = b[j]
                for a in range(m):
                    p += w[a] * h[a]
                q = max(p, zero)
                part += x * x - np.float32(2.0) * q * x
                d = -scale * x if q > zero else zero
                gb[j] += d
                for a in range(m):
                    gW[j, a] += d * h[a]
                    gt[a] += d * w[a]
        loss += part
    return loss


@nb.njit(fastmath=_FASTMATH, cache=True, nogil=True, error_model="numpy")
def _sort_by_radius(H, radius, key, perm, Hs):  # noqa: ANN001, ANN202
    """Order the points by ``‖h_t‖``, largest first: ``radius[t]`` gets ``−‖h_t‖``, ``perm``
    (kept from the last step and nearly sorted, so an insertion sort is linear; a full sort when
    it is not) the order, ``key[k]`` the k-th point's ``−‖h‖`` (ascending, for
    :func:`np.searchsorted`), ``Hs (m, T)`` the hidden vectors in that order."""
    T, m = H.shape
    for t in range(T):
        r = np.float64(0.0)
        for a in range(m):
            r += np.float64(H[t, a]) * H[t, a]
        radius[t] = -np.sqrt(r)
    moves = 0
    for i in range(1, T):
        x = perm[i]
        rx = radius[x]
        j = i - 1
        while j >= 0 and radius[perm[j]] > rx:
            perm[j + 1] = perm[j]
            j -= 1
            moves += 1
        perm[j + 1] = x
        if moves > 16 * T:
            perm[:] = np.argsort(radius, kind="mergesort")
            break
    for k in range(T):
        t = perm[k]
        key[k] = radius[t]
        for a in range(m):
            Hs[a, k] = H[t, a]


@nb.njit(fastmath=_FASTMATH, inline="always")
def _pairs(w0, w1, bj, sign, Hs, Gs, k0, k1, scale):  # noqa: ANN001, ANN202
    """Over sorted points ``k0 .. k1`` (m = 2; ``Hs``, ``Gs``: ``(2, T)``), with ``q = max(p, 0)`` (``sign`` 1) or
    ``q = min(p, 0)`` (``sign`` −1): ``Σ q²`` and the sums that make its gradient, ``Σ 2q/T`` and
    ``Σ (2q/T) h``; ``(2q/T) W_j`` is added to each point's ``Gs``, times ``sign``. Branch-free, so
    it runs in SIMD lanes (the loop runs over slices from index 0: with a start that might be
    negative numba would check every index for wrap-around, which stops vectorization)."""
    h0 = Hs[0, k0:k1]
    h1 = Hs[1, k0:k1]
    g0 = Gs[0, k0:k1]
    g1 = Gs[1, k0:k1]
    part = np.float32(0.0)
    g = np.float32(0.0)
    a0 = np.float32(0.0)
    a1 = np.float32(0.0)
    zero = np.float32(0.0)
    sw0 = sign * w0
    sw1 = sign * w1
    for k in range(h0.shape[0]):
        p = bj + w0 * h0[k] + w1 * h1[k]
        q = max(p, zero) if sign > 0 else min(p, zero)
        part += q * q
        d = scale * q
        g += d
        a0 += d * h0[k]
        a1 += d * h1[k]
        g0[k] += d * sw0
        g1[k] += d * sw1
    return part, g, a0, a1


@nb.njit(fastmath=_FASTMATH, inline="always")
def _pairs_any(w, bj, sign, Hs, Gs, k0, k1, scale):  # noqa: ANN001, ANN202
    """:func:`_pairs` for any m (``w (m,)``); returns ``(Σ q², Σ 2q/T, Σ (2q/T) h (m,))``."""
    m = w.shape[0]
    part = np.float32(0.0)
    g = np.float32(0.0)
    acc = np.zeros(m, dtype=np.float32)
    for k in range(k0, k1):
        p = bj
        for a in range(m):
            p += w[a] * Hs[a, k]
        q = max(p, np.float32(0.0)) if sign > 0 else min(p, np.float32(0.0))
        part += q * q
        d = scale * q
        g += d
        for a in range(m):
            acc[a] += d * Hs[a, k]
            Gs[a, k] += sign * d * w[a]
    return part, g, acc


@nb.njit(fastmath=_FASTMATH, inline="always")
def _relu_part(W, b, H, G, work, scale):  # noqa: ANN001, ANN202
    """Every feature's ``Σ_t ReLU(p_tj)²`` and its gradient, with few ``p_tj`` computed.

    ``|p_tj − b_j| = |W_j · h_t| ≤ ‖W_j‖ ‖h_t‖``, so ``p_tj`` can differ in sign from ``b_j`` only
    for points with ``‖h_t‖ > c = |b_j| / ‖W_j‖``: with the points sorted by ``‖h_t‖``
    (:func:`_sort_by_radius`) those are a prefix, found by binary search (the threshold is
    lowered by 1e-5 of itself, so rounding leaves no such point out). If ``b_j < 0``, only that
    prefix can have ``p > 0``. If ``b_j ≥ 0``, ``ReLU(p)² = p² − min(p, 0)²``: ``Σ_t p²`` and its
    gradient come from the moments ``Σ h_t`` and ``Σ h_t h_tᵀ``, and ``min(p, 0)`` is nonzero
    only in the prefix. Each point's ``∂L/∂h`` gets ``A + M h_t`` from the moment terms.
    Returns ``(loss part, pairs computed)``."""
    _, _, Hs, Gs, radius, key, perm, _, gW, gb = work
    T, m = H.shape
    _sort_by_radius(H, radius, key, perm, Hs)
    S1 = np.zeros(m, dtype=np.float64)
    S2 = np.zeros((m, m), dtype=np.float64)
    if m == 2:  # in registers (the general loop adds into memory, one dependent add at a time)
        s0 = s1 = s00 = s01 = s11 = np.float64(0.0)
        for t in range(T):
            h0 = np.float64(H[t, 0])
            h1 = np.float64(H[t, 1])
            s0 += h0
            s1 += h1
            s00 += h0 * h0
            s01 += h0 * h1
            s11 += h1 * h1
        S1[0], S1[1] = s0, s1
        S2[0, 0], S2[0, 1], S2[1, 0], S2[1, 1] = s00, s01, s01, s11
    else:
        for t in range(T):
            for a in range(m):
                S1[a] += H[t, a]
                for c in range(m):
                    S2[a, c] += H[t, a] * H[t, c]
    A = np.zeros(m, dtype=np.float64)
    M = np.zeros((m, m), dtype=np.float64)
    Gs[:] = 0.0
    loss = np.float64(0.0)
    visited = 0
    a = np.empty(m, dtype=np.float64)  # this feature's gradient, reused (no allocation per feature)
    for j in range(W.shape[0]):
        w = W[j]
        bj = b[j]
        norm = np.float64(0.0)
        for c in range(m):
            norm += np.float64(w[c]) * w[c]
        norm = np.sqrt(norm)
        if bj < 0 and norm == 0:
            continue  # p = b < 0 everywhere
        sign = np.float32(1.0)
        part = np.float64(0.0)
        g = np.float64(0.0)
        a[:] = 0.0
        if bj >= 0:
            # Σ_t p² from the moments; the points where p < 0 come back out below.
            sign = np.float32(-1.0)
            if m == 2:
                w0 = np.float64(w[0])
                w1 = np.float64(w[1])
                ws1 = w0 * S1[0] + w1 * S1[1]
                s0 = S2[0, 0] * w0 + S2[0, 1] * w1
                s1 = S2[1, 0] * w0 + S2[1, 1] * w1
                wS2w = w0 * s0 + w1 * s1
                a[0] = scale * (bj * S1[0] + s0)
                a[1] = scale * (bj * S1[1] + s1)
                A[0] += scale * bj * w0
                A[1] += scale * bj * w1
                M[0, 0] += scale * w0 * w0
                M[0, 1] += scale * w0 * w1
                M[1, 1] += scale * w1 * w1
            else:
                ws1 = np.float64(0.0)
                wS2w = np.float64(0.0)
                for c in range(m):
                    ws1 += w[c] * S1[c]
                    S2w = np.float64(0.0)
                    for e in range(m):
                        S2w += S2[c, e] * w[e]
                    wS2w += w[c] * S2w
                    a[c] = scale * (bj * S1[c] + S2w)
                    A[c] += scale * bj * w[c]
                    for e in range(c, m):
                        M[c, e] += scale * w[c] * w[e]
            part = T * bj * bj + 2.0 * bj * ws1 + wS2w
            g = scale * (T * bj + ws1)
        if norm > 0:
            threshold = abs(bj) / norm * (1.0 - 1e-5)
            k = np.searchsorted(key, -threshold)  # the points with ‖h_t‖ > threshold
            visited += k
            if m == 2:
                q2, qg, q0, q1 = _pairs(w[0], w[1], bj, sign, Hs, Gs, 0, k, scale)
                a[0] += sign * q0
                a[1] += sign * q1
            else:
                q2, qg, qa = _pairs_any(w, bj, sign, Hs, Gs, 0, k, scale)
                for c in range(m):
                    a[c] += sign * qa[c]
            part += sign * q2
            g += sign * qg
        loss += part
        gb[j] += g
        for c in range(m):
            gW[j, c] += a[c]
    for c in range(m):
        for e in range(c):
            M[c, e] = M[e, c]  # only the upper triangle was summed
    for k in range(T):
        t = perm[k]
        for c in range(m):
            Mh = np.float64(0.0)
            for e in range(m):
                Mh += M[c, e] * H[t, e]
            G[t, c] += Gs[c, k] + A[c] + Mh
    return loss, visited


#: Up to this many points (m = 2), :func:`_relu_part_dense` computes every pair instead. Measured
#: on AMD EPYC (1,000 features, weights from halfway through training): 3 against 23 µs a step at
#: T = 10, 20 against 42 at 100, 43 against 55 at 200, but 96 against 63 at 500.
DENSE_POINTS = 300


@nb.njit(fastmath=_FASTMATH, inline="always")
def _relu_part_dense(W, b, H, G, work, scale):  # noqa: ANN001, ANN202
    """:func:`_relu_part` for m = 2 by computing every ``p_tj``: point by point, vectorised over
    the features. With few points the bound of :func:`_relu_part` saves little (each point's
    hidden vector is long), while its bookkeeping per feature costs more than a pass over all
    features per point. The features' weights and gradients go through ``work``'s ``wcols (4, n)``
    as separate rows (``W``'s interleaved columns do not vectorise). Returns ``(loss part,
    pairs computed)``."""
    wcols, gW, gb = work[-3], work[-2], work[-1]
    n = W.shape[0]
    T = H.shape[0]
    w0, w1, gw0, gw1 = wcols[0], wcols[1], wcols[2], wcols[3]
    for j in range(n):
        w0[j] = W[j, 0]
        w1[j] = W[j, 1]
    gw0[:] = 0.0
    gw1[:] = 0.0
    zero = np.float32(0.0)
    loss = np.float64(0.0)
    for t in range(T):
        h0 = H[t, 0]
        h1 = H[t, 1]
        part = zero
        g0 = zero
        g1 = zero
        for j in range(n):
            q = max(b[j] + w0[j] * h0 + w1[j] * h1, zero)
            part += q * q
            d = scale * q
            gb[j] += d
            gw0[j] += d * h0
            gw1[j] += d * h1
            g0 += d * w0[j]
            g1 += d * w1[j]
        loss += part
        G[t, 0] += g0
        G[t, 1] += g1
    for j in range(n):
        gW[j, 0] += gw0[j]
        gW[j, 1] += gw1[j]
    return loss, T * n


def scratch(m: int, n: int, T: int) -> tuple[np.ndarray, ...]:
    """Work arrays for :func:`loss_and_grad`: ``H, G (T, m)``, ``Hs, Gs (m, T)`` (copies sorted
    by radius), ``radius, key (T,)``, ``perm (T,)`` (the identity: kept between steps, so each sort
    starts from the last one), ``wcols (4, n)`` (:func:`_relu_part_dense`), ``gW (n, m)``,
    ``gb (n,)``."""
    f = np.float32
    return (
        np.empty((T, m), f), np.empty((T, m), f), np.empty((m, T), f), np.empty((m, T), f),
        np.empty(T, np.float64), np.empty(T, np.float64), np.arange(T, dtype=np.int64),
        np.empty((4, n), f), np.empty((n, m), f), np.empty(n, f),
    )  # fmt: skip


@nb.njit(fastmath=_FASTMATH, cache=True, nogil=True, error_model="numpy")
def loss_and_grad(W, b, data, work):  # noqa: ANN001, ANN201
    """The loss ``(1/T) Σ_t Σ_j (x_tj − ReLU(p_tj))²`` of one model (``W (n, m)``, ``b (n,)``)
    and its gradient, left in ``work``'s ``gW (n, m)`` and ``gb (n,)`` (see :func:`scratch`).
    ``data = (rows, cols, vals)``. The square expands to
    ``ReLU(p)² − 2 x ReLU(p) + x²``: the first term through :func:`_relu_part`, the other two
    over the nonzeros only. Returns ``(loss, pairs
    computed)``."""
    rows, cols, vals = data
    H, G, gW, gb = work[0], work[1], work[-2], work[-1]
    m = W.shape[1]
    T = H.shape[0]
    gW[:] = 0.0
    gb[:] = 0.0
    scale = np.float32(2.0 / T)
    _hidden(W, H, rows, cols, vals)
    loss = _targets(W, b, H, G, rows, cols, vals, scale, gW, gb)
    if m == 2 and T <= DENSE_POINTS:
        part, visited = _relu_part_dense(W, b, H, G, work, scale)
    else:
        part, visited = _relu_part(W, b, H, G, work, scale)
    loss += part
    # The input side: h_t = Σ x_tj W_j, so ∂L/∂W_j += x_tj ∂L/∂h_t.
    for t in range(T):
        js = cols[rows[t] : rows[t + 1]]
        xs = vals[rows[t] : rows[t + 1]]
        if m == 2:
            g0 = G[t, 0]
            g1 = G[t, 1]
            for k in range(js.shape[0]):
                j = js[k]
                gW[j, 0] += xs[k] * g0
                gW[j, 1] += xs[k] * g1
            continue
        gt = G[t]
        for k in range(js.shape[0]):
            gw = gW[js[k]]
            for a in range(m):
                gw[a] += xs[k] * gt[a]
    return loss / T, visited


@nb.njit(fastmath=_FASTMATH, cache=True, nogil=True, error_model="numpy")
def train_instance(state, data, work, schedule, loss_out, visited_out):  # noqa: ANN001, ANN201
    """Train one model for ``len(lrs)`` full-batch steps, in place.

    ``state = (W (n, m), b (n,), mW, vW, mb, vb)`` float32 parameters and AdamW moments;
    ``data`` and ``work`` as in :func:`loss_and_grad` (``work`` kept between calls); ``schedule = (lrs, t0, beta1, beta2, eps,
    weight_decay)``. ``loss_out (steps,)`` receives each step's loss (before its update),
    ``visited_out (steps,)`` how many (point, feature) pairs were computed. Stops at a non-finite loss (the rest
    of ``loss_out`` is NaN; the caller raises).
    """
    W, b, mW, vW, mb, vb = state
    lrs, t0, beta1, beta2, eps, weight_decay = schedule
    gW, gb = work[-2], work[-1]
    loss_out[:] = np.nan
    for step in range(lrs.shape[0]):
        loss, visited = loss_and_grad(W, b, data, work)
        loss_out[step] = loss
        visited_out[step] = visited
        if not np.isfinite(loss):
            return
        t = t0 + step + 1
        bc1 = np.float32(1.0 - beta1**t)
        bc2 = np.float32(1.0 - beta2**t)
        _adamw(W.reshape(-1), gW.reshape(-1), mW.reshape(-1), vW.reshape(-1),
               lrs[step], beta1, beta2, eps, weight_decay, bc1, bc2)  # fmt: skip
        _adamw(b, gb, mb, vb, lrs[step], beta1, beta2, eps, weight_decay, bc1, bc2)
