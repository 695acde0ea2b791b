"""Full-batch training on a fixed sparse data set (numba): forward, analytic backward and AdamW,
with work that scales with the nonzeros instead of with ``n × T``.

Why a hand-written kernel: the dense step computes all ``n × T`` output pre-activations
``p_tj = W_j · h_t + b_j`` (``h_t = W x_t``), but only those with ``p_tj > 0`` or ``x_tj ≠ 0`` add
to the loss or the gradient, and after the first few hundred steps almost every feature's bias is
negative that it is positive for only a few points, those whose hidden vectors point near
``W_j``. With ``m = 2`` the kernel keeps the points sorted by angle and visits, for each feature,
only the points within the angle where ``p_tj`` can be positive (:func:`_relu_part_2d`); for
other ``m`` it skips the features with ``‖W_j‖ max_t ‖h_t‖ + b_j ≤ 0``. Both are exact: a skipped
pair has ``p_tj ≤ 0``, so its loss is ``x_tj²`` and its only gradient comes through the inputs.
Torch has no primitive for "the positive part of a dense product"; compiled loops over the
surviving pairs do it.

Layout: one instance (one model with its own data set) is trained by one call of
:func:`train_instance`; several calls run side by side on threads (``nogil``). The kernel holds
``W`` feature-major, ``(n, m)`` (the transpose of the model's ``(m, n)``), and the hidden vectors
point-major, ``H (T, m)``, so that each gather of a feature's or a point's vector reads one cache
line. A data set is held twice: by point (CSR: ``rows``, ``cols``, ``vals``) for ``h = W x`` and
the input side of the gradient, and by feature (CSC: ``fptr``, ``frow``, ``fval``) for the
targets. Loops run over slices from index 0: indexing from a start numba cannot prove
non-negative costs a wrap-around check on every access, which also stops vectorization.
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
def _pseudo_angle(x, y):  # noqa: ANN001, ANN202
    """A number in [0, 4) that grows with the angle of ``(x, y)`` (the "diamond angle"): the
    order of angles without a trigonometric call."""
    if y >= 0:
        if x >= 0:
            return y / (x + y) if x + y > 0 else 0.0
        return 1.0 - x / (y - x)
    if x < 0:
        return 2.0 - y / (-x - y)
    return 3.0 + x / (x - y)


SMALL_RING = 256  # a ring with at most this many points is computed whole, without windows
RINGS = (
    8  # radius classes of points: ring g holds R / 2^(g+1) < ‖h_t‖ ≤ R / 2^g (the last: the rest)
)


@nb.njit(fastmath=_FASTMATH, cache=True, nogil=True)
def _sort_points(H, radius, key, perm, Hs, starts):  # noqa: ANN001, ANN202
    """Order the points (m = 2) by ring of ``‖h_t‖`` (see :data:`RINGS`), then by angle:
    ``perm`` (kept from the last step and nearly sorted, so an insertion sort is linear; a full
    sort when it is not), ``Hs (2, T)`` the hidden vectors in that order, ``starts (RINGS, B + 1)``
    the first sorted position of each of ``B`` equal buckets of pseudo-angle in each ring."""
    T = H.shape[0]
    for t in range(T):
        h0 = H[t, 0]
        h1 = H[t, 1]
        r = np.sqrt(h0 * h0 + h1 * h1)
        ring = RINGS - 1
        if r > 0:
            ring = min(RINGS - 1, int(np.floor(np.log2(radius / r))))
        key[t] = 4.0 * ring + _pseudo_angle(h0, h1)
    moves = 0
    for i in range(1, T):
        x = perm[i]
        kx = key[x]
        j = i - 1
        while j >= 0 and key[perm[j]] > kx:
            perm[j + 1] = perm[j]
            j -= 1
            moves += 1
        perm[j + 1] = x
        if moves > 16 * T:
            perm[:] = np.argsort(key, kind="mergesort")
            break
    B = starts.shape[1] - 1
    k = 0
    for g in range(RINGS):
        for c in range(B + 1):
            edge = 4.0 * g + 4.0 * c / B
            while k < T and key[perm[k]] < edge:
                k += 1
            starts[g, c] = k
    for k in range(T):
        Hs[0, k] = H[perm[k], 0]
        Hs[1, k] = H[perm[k], 1]


@nb.njit(fastmath=_FASTMATH, inline="always")
def _pairs(w0, w1, bj, sign, Hs, Gs, k0, k1, scale):  # noqa: ANN001, ANN202
    """Over sorted points ``k0 .. k1`` (m = 2), with ``q = max(p, 0)`` (``sign`` 1) or
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
def _window(u0, u1, cos_a):  # noqa: ANN001, ANN202
    """Pseudo-angles ``(lo, hi)`` of the unit vector ``u`` turned by ``∓ arccos(cos_a)``; ``hi`` is
    unwrapped (``hi ≥ lo``, so it may reach past 4)."""
    sin_a = np.sqrt(max(np.float32(0.0), np.float32(1.0) - cos_a * cos_a))
    lo = _pseudo_angle(cos_a * u0 + sin_a * u1, cos_a * u1 - sin_a * u0)
    hi = _pseudo_angle(cos_a * u0 - sin_a * u1, cos_a * u1 + sin_a * u0)
    return lo, hi + 4.0 if hi < lo else hi


@nb.njit(inline="always")
def _spans(ring_starts, c0, c1):  # noqa: ANN001, ANN202
    """Sorted positions of buckets ``c0 .. c1`` (unwrapped: ``c1`` may pass ``B``) of one ring,
    as two spans ``(k0, k1), (k2, k3)``."""
    B = ring_starts.shape[0] - 1
    if c0 >= B:
        c0 -= B
        c1 -= B
    if c1 <= B:
        return ring_starts[c0], ring_starts[c1], 0, 0
    return ring_starts[c0], ring_starts[B], ring_starts[0], ring_starts[c1 - B]


@nb.njit(fastmath=_FASTMATH, inline="always")
def _window(u0, u1, cos_a):  # noqa: ANN001, ANN202
    """Pseudo-angles ``(lo, hi)`` of the unit vector ``u`` turned by ``∓ arccos(cos_a)``; ``hi`` is
    unwrapped (``hi ≥ lo``, so it may reach past 4)."""
    sin_a = np.sqrt(max(np.float32(0.0), np.float32(1.0) - cos_a * cos_a))
    lo = _pseudo_angle(cos_a * u0 + sin_a * u1, cos_a * u1 - sin_a * u0)
    hi = _pseudo_angle(cos_a * u0 - sin_a * u1, cos_a * u1 + sin_a * u0)
    return lo, hi + 4.0 if hi < lo else hi


@nb.njit(inline="always")
def _spans(ring_starts, c0, c1):  # noqa: ANN001, ANN202
    """Sorted positions of buckets ``c0 .. c1`` (unwrapped: ``c1`` may pass ``B``) of one ring,
    as two spans ``(k0, k1), (k2, k3)``."""
    B = ring_starts.shape[0] - 1
    if c0 >= B:
        c0 -= B
        c1 -= B
    if c1 <= B:
        return ring_starts[c0], ring_starts[c1], 0, 0
    return ring_starts[c0], ring_starts[B], ring_starts[0], ring_starts[c1 - B]


@nb.njit(fastmath=_FASTMATH, cache=True, nogil=True)
def _relu_part_2d(W, b, Hs, Gs, starts, radius, moments, prefix, delta, scale, gW, gb):  # noqa: ANN001, ANN202, PLR0912, PLR0915
    """Every feature's ``Σ_t ReLU(p_tj)²`` and its gradient when m = 2, with few ``p_tj`` computed.

    ``p_tj = ‖W_j‖ ‖h_t‖ cos(θ_t − φ_j) + b_j``. If ``b_j < 0``, ``p_tj > 0`` needs ``‖h_t‖ > c =
    −b_j / ‖W_j‖`` and, for a point of ring g (``R_g / 2 < ‖h_t‖ ≤ R_g``), ``θ_t`` within
    ``arccos(c / R_g)`` of ``φ_j`` (the outer window); within ``arccos(c / (R_g / 2))`` (the inner
    window) it surely is positive. If ``b_j ≥ 0``, ``ReLU(p)² = p² − min(p, 0)²``: ``Σ_t p²`` comes
    from the moments ``Σ h_t``, ``Σ h_t h_tᵀ`` (``moments = (S1 (2,), S2 (2, 2))``) and ``p < 0``
    has the same two windows around ``−W_j``. Points of an inner window are summed through
    ``prefix (5, T + 1)`` (running sums of ``h``, ``h hᵀ`` in sorted order) and send their share of
    ``∂L/∂h`` through ``delta (5, T + 1)`` (differences, summed by the caller); only the points
    between the windows have ``p_tj`` computed. Windows come from :func:`_sort_points`' bucket
    tables, rounded outward (outer) or inward (inner) to whole buckets, with a 1e-5 margin on the
    radii, so rounding misplaces nothing. Returns ``(loss part, pairs computed, A (2,), M (2, 2))``:
    each point's ``∂L/∂h`` also gets ``A + M h_t`` from the moment terms (the caller adds it)."""
    n = W.shape[0]
    B = starts.shape[1] - 1
    S1, S2 = moments
    loss = np.float64(0.0)
    visited = 0
    A = np.zeros(2, dtype=np.float64)
    M = np.zeros((2, 2), dtype=np.float64)
    delta[:] = 0.0
    quarter = B / 4.0
    for j in range(n):
        w0 = W[j, 0]
        w1 = W[j, 1]
        bj = b[j]
        norm = np.sqrt(w0 * w0 + w1 * w1)
        sign = np.float32(1.0)
        part = np.float64(0.0)
        g = np.float64(0.0)
        a0 = np.float64(0.0)
        a1 = np.float64(0.0)
        if bj >= 0:
            # Σ_t p² from the moments, then the points where p < 0 taken back out.
            sign = np.float32(-1.0)
            ws1 = w0 * S1[0] + w1 * S1[1]
            part = Hs.shape[1] * bj * bj + 2.0 * bj * ws1
            part += w0 * w0 * S2[0, 0] + 2.0 * w0 * w1 * S2[0, 1] + w1 * w1 * S2[1, 1]
            g = scale * (Hs.shape[1] * bj + ws1)
            a0 = scale * (bj * S1[0] + w0 * S2[0, 0] + w1 * S2[0, 1])
            a1 = scale * (bj * S1[1] + w0 * S2[0, 1] + w1 * S2[1, 1])
            A[0] += scale * bj * w0
            A[1] += scale * bj * w1
            M[0, 0] += scale * w0 * w0
            M[0, 1] += scale * w0 * w1
            M[1, 1] += scale * w1 * w1
        elif norm == 0:
            continue
        if norm > 0:
            c = abs(bj) / norm
            u0 = sign * w0 / norm
            u1 = sign * w1 / norm
            outer = radius * np.float32(1.00001)
            for ring in range(RINGS):
                if ring > 0:
                    outer *= np.float32(0.5)
                cos_out = c / outer
                if cos_out >= 1:
                    break
                rs = starts[ring]
                if rs[B] - rs[0] <= SMALL_RING:
                    # Few points: cheaper to compute them all than to find the windows.
                    q2, qg, q0, q1 = _pairs(w0, w1, bj, sign, Hs, Gs, rs[0], rs[B], scale)
                    visited += rs[B] - rs[0]
                    part += sign * q2
                    g += sign * qg
                    a0 += sign * q0
                    a1 += sign * q1
                    continue
                lo, hi = _window(u0, u1, cos_out)
                o0 = min(B - 1, int(lo * quarter))
                o1 = min(o0 + B, int(hi * quarter) + 1)
                i0 = i1 = o1
                inner = outer * np.float32(0.49999)
                if ring < RINGS - 1 and c < inner:
                    lo_in, hi_in = _window(u0, u1, c / inner)
                    if lo_in < lo:
                        lo_in += 4.0
                        hi_in += 4.0
                    i0 = max(o0, int(np.ceil(lo_in * quarter)))
                    i1 = min(o1, int(hi_in * quarter))
                    if i1 <= i0:
                        i0 = i1 = o1
                # Between the windows: every p_tj computed.
                for c0, c1 in ((o0, i0), (i1, o1)):
                    if c1 <= c0:
                        continue
                    k0, k1, k2, k3 = _spans(rs, c0, c1)
                    for s0, s1 in ((k0, k1), (k2, k3)):
                        q2, qg, q0, q1 = _pairs(w0, w1, bj, sign, Hs, Gs, s0, s1, scale)
                        visited += s1 - s0
                        part += sign * q2
                        g += sign * qg
                        a0 += sign * q0
                        a1 += sign * q1
                if i1 <= i0:
                    continue
                # The inner window: every point's q = p has one sign; sums from the moments.
                k0, k1, k2, k3 = _spans(rs, i0, i1)
                f = sign * scale
                for s0, s1 in ((k0, k1), (k2, k3)):
                    if s1 <= s0:
                        continue
                    cnt = s1 - s0
                    h0 = prefix[0, s1] - prefix[0, s0]
                    h1 = prefix[1, s1] - prefix[1, s0]
                    x00 = prefix[2, s1] - prefix[2, s0]
                    x01 = prefix[3, s1] - prefix[3, s0]
                    x11 = prefix[4, s1] - prefix[4, s0]
                    wh = w0 * h0 + w1 * h1
                    part += sign * (
                        cnt * bj * bj + 2.0 * bj * wh
                        + w0 * w0 * x00 + 2.0 * w0 * w1 * x01 + w1 * w1 * x11
                    )  # fmt: skip
                    g += f * (cnt * bj + wh)
                    a0 += f * (bj * h0 + w0 * x00 + w1 * x01)
                    a1 += f * (bj * h1 + w0 * x01 + w1 * x11)
                    for r, v in enumerate((bj * w0, bj * w1, w0 * w0, w0 * w1, w1 * w1)):
                        delta[r, s0] += f * v
                        delta[r, s1] -= f * v
        loss += part
        gb[j] += g
        gW[j, 0] += a0
        gW[j, 1] += a1
    M[1, 0] = M[0, 1]
    return loss, visited, A, M


@nb.njit(fastmath=_FASTMATH, inline="always")
def _targets(W, b, H, G, fptr, frow, fval, scale, gW, gb):  # noqa: ANN001, ANN202
    """The target terms ``Σ x² − 2 x ReLU(p)`` over the nonzeros, feature by feature, and their
    gradient (branch-free in the ReLU)."""
    m = W.shape[1]
    loss = np.float64(0.0)
    zero = np.float32(0.0)
    for j in range(W.shape[0]):
        ts = frow[fptr[j] : fptr[j + 1]]
        xs = fval[fptr[j] : fptr[j + 1]]
        bj = b[j]
        part = np.float32(0.0)
        g = np.float32(0.0)
        if m == 2:
            w0 = W[j, 0]
            w1 = W[j, 1]
            a0 = np.float32(0.0)
            a1 = np.float32(0.0)
            for k in range(ts.shape[0]):
                t = ts[k]
                x = xs[k]
                h0 = H[t, 0]
                h1 = H[t, 1]
                q = max(bj + w0 * h0 + w1 * h1, zero)
                part += x * x - np.float32(2.0) * q * x
                d = -scale * x if q > zero else zero
                g += d
                a0 += d * h0
                a1 += d * h1
                G[t, 0] += d * w0
                G[t, 1] += d * w1
            gW[j, 0] += a0
            gW[j, 1] += a1
        else:
            w = W[j]
            gw = gW[j]
            for k in range(ts.shape[0]):
                h = H[ts[k]]
                x = xs[k]
                p = bj
                for a in range(m):
                    p += w[a] * h[a]
                q = max(p, zero)
                part += x * x - np.float32(2.0) * q * x
                d = -scale * x if q > zero else zero
                g += d
                gt = G[ts[k]]
                for a in range(m):
                    gw[a] += d * h[a]
                    gt[a] += d * w[a]
        loss += part
        gb[j] += g
    return loss


@nb.njit(fastmath=_FASTMATH, inline="always")
def _relu_part_any(W, b, H, G, radius, scale, gW, gb):  # noqa: ANN001, ANN202
    """:func:`_relu_part_2d` for any m, plainly: every point of every feature that passes the
    bound ``‖W_j‖ R + b_j > 0``. Returns ``(loss part, pairs computed)``."""
    n, m = W.shape
    T = H.shape[0]
    loss = np.float64(0.0)
    visited = 0
    for j in range(n):
        w = W[j]
        gw = gW[j]
        bj = b[j]
        if np.sqrt(np.sum(w * w)) * radius + bj <= 0:
            continue
        visited += T
        for t in range(T):
            h = H[t]
            p = bj
            for a in range(m):
                p += w[a] * h[a]
            if p > 0:
                loss += p * p
                d = scale * p
                gb[j] += d
                gt = G[t]
                for a in range(m):
                    gw[a] += d * h[a]
                    gt[a] += d * w[a]
    return loss, visited


def scratch(m: int, n: int, T: int) -> tuple[np.ndarray, ...]:
    """Work arrays for :func:`loss_and_grad`: ``H, G (T, m)``, ``Hs, Gs (m, T)`` (sorted copies),
    ``key (T,)``, ``perm (T,)`` (the identity: kept between steps), ``starts (RINGS, B + 1)``,
    ``prefix`` and ``delta (5, T + 1)``, ``gW (n, m)``, ``gb (n,)``."""
    f = np.float32
    return (
        np.empty((T, m), f), np.empty((T, m), f), np.empty((m, T), f), np.empty((m, T), f),
        np.empty(T, np.float64), np.arange(T, dtype=np.int64),
        np.empty((RINGS, max(T, 16) + 1), np.int64),
        np.empty((5, T + 1), np.float64), np.empty((5, T + 1), np.float64),
        np.empty((n, m), f), np.empty(n, f),
    )  # fmt: skip


@nb.njit(fastmath=_FASTMATH, inline="always")
def _relu_part_sorted(W, b, H, G, work, radius, scale):  # noqa: ANN001, ANN202
    """The m = 2 path of :func:`loss_and_grad`: sort the points, build the moments and running
    sums, call :func:`_relu_part_2d`, and send the sorted points' gradients back to ``G``."""
    _, _, Hs, Gs, key, perm, starts, prefix, delta, gW, gb = work
    T = H.shape[0]
    _sort_points(H, radius, key, perm, Hs, starts)
    S1 = np.zeros(2, dtype=np.float64)
    S2 = np.zeros((2, 2), dtype=np.float64)
    prefix[:, 0] = 0.0
    for k in range(T):
        h0 = np.float64(Hs[0, k])
        h1 = np.float64(Hs[1, k])
        prefix[0, k + 1] = prefix[0, k] + h0
        prefix[1, k + 1] = prefix[1, k] + h1
        prefix[2, k + 1] = prefix[2, k] + h0 * h0
        prefix[3, k + 1] = prefix[3, k] + h0 * h1
        prefix[4, k + 1] = prefix[4, k] + h1 * h1
    S1[0], S1[1] = prefix[0, T], prefix[1, T]
    S2[0, 0], S2[0, 1], S2[1, 1] = prefix[2, T], prefix[3, T], prefix[4, T]
    S2[1, 0] = S2[0, 1]
    Gs[:] = 0.0
    loss, visited, A, M = _relu_part_2d(
        W, b, Hs, Gs, starts, radius, (S1, S2), prefix, delta, scale, gW, gb
    )
    run = np.zeros(5, dtype=np.float64)
    for k in range(T):
        for r in range(5):
            run[r] += delta[r, k]
        t = perm[k]
        h0 = H[t, 0]
        h1 = H[t, 1]
        m01 = M[0, 1] + run[3]
        G[t, 0] += Gs[0, k] + A[0] + run[0] + (M[0, 0] + run[2]) * h0 + m01 * h1
        G[t, 1] += Gs[1, k] + A[1] + run[1] + m01 * h0 + (M[1, 1] + run[4]) * h1
    return loss, visited


@nb.njit(fastmath=_FASTMATH, cache=True, nogil=True)
def loss_and_grad(W, b, data, work):  # noqa: ANN001, ANN201
    """The loss ``(1/T) Σ_t Σ_j (x_tj − ReLU(p_tj))²`` of one model (``W (n, m)``, ``b (n,)``)
    and its gradient, left in ``work``'s ``gW (n, m)`` and ``gb (n,)`` (see :func:`scratch`).
    ``data = (rows, cols, vals, fptr, frow, fval)``. The square expands to
    ``ReLU(p)² − 2 x ReLU(p) + x²``: the first term over the pairs that can be positive
    (:func:`_relu_part_2d`), the other two over the nonzeros only. Returns ``(loss, pairs
    computed)``."""
    rows, cols, vals, fptr, frow, fval = data
    H, G, gW, gb = work[0], work[1], work[-2], work[-1]
    m = W.shape[1]
    T = H.shape[0]
    _hidden(W, H, rows, cols, vals)
    radius = np.float32(np.sqrt(np.max(np.sum(H * H, axis=1)))) if T else np.float32(0.0)
    G[:] = 0.0
    gW[:] = 0.0
    gb[:] = 0.0
    scale = np.float32(2.0 / T)
    if m == 2:
        loss, visited = _relu_part_sorted(W, b, H, G, work, radius, scale)
    else:
        loss, visited = _relu_part_any(W, b, H, G, radius, scale, gW, gb)
    loss += _targets(W, b, H, G, fptr, frow, fval, scale, gW, gb)
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


@nb.njit(fastmath=_FASTMATH, cache=True, nogil=True)
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
