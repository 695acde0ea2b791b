"""Training kernels generated for one small tied model shape (e.g. 2 → 1, 3 → 2, 4 → 2).

Why generated code: for a model this small the general tile code of :mod:`toy_lib._kernels` makes
some thirty passes over each tile's rows (one per weight), each loading and storing a row to do one
multiply-add per sample. With the sizes fixed, every weight, hidden value and gradient of a sample
fits in registers: the kernel below draws a sample's inputs, runs the forward and backward pass
and accumulates its gradient in one pass, vectorised over samples. numba cannot unroll loops
over a runtime size, so the source is written out for each shape (and feature-set layout) and
compiled once; it is saved to a cache folder so that numba's on-disk cache keeps the compiled code
between sessions.

It draws the same inputs as the general kernel (the same counter-based uniforms), runs the same
arithmetic and the same AdamW; only the order in which per-sample gradients are summed differs, so
weights agree with the general kernel's to rounding.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from . import _kernels

__all__ = ["MAX_WEIGHTS", "MIN_WORK", "eligible", "train_chunk_for"]

# Against the general kernel (benchmarks/bench_tiny.py: 4,000 instances, 2 threads, AMD EPYC):
# 2 → 1 and 2 → 2 1.5x faster, 3 → 2 and 4 → 2 1.3-1.4x, 6 → 1 1.2x, 5 → 2 1.2x, 8 → 2 1.0x.
MAX_WEIGHTS = 8  # n·m up to this: every weight and gradient of a sample stays in a register
# Compiling a shape the first time takes 2.5-5 s (then it is cached on disk); for fewer samples
# than this in a run (instances × steps × batch; about 20 s of training) the general kernel,
# compiled once for every shape, is used.
MIN_WORK = 10_000_000_000


def eligible(n: int, m: int, tied: bool, signed: bool, work: int) -> bool:
    """Whether training an ``n → m`` model on ``work`` samples in all uses a generated kernel
    (tied, unsigned inputs, at most ``MAX_WEIGHTS`` weights, at least ``MIN_WORK`` samples)."""
    return tied and not signed and n * m <= MAX_WEIGHTS and work >= MIN_WORK


def _source(n: int, m: int, relu: bool, hidden_relu: bool, group: tuple, fresh: tuple) -> str:
    """The module for one shape: ``_tile`` (one tile's draws, forward, backward) and
    ``train_chunk`` (the same interface as :func:`toy_lib._kernels.train_chunk`)."""
    ks, js = range(m), range(n)
    leaders = sorted(set(group))
    L: list[str] = []
    a = L.append
    a("import numba as nb")
    a("import numpy as np")
    a("from toy_lib._kernels import TILE, _FASTMATH, _instance_setup, _step_update, _uniform")
    a("from toy_lib._kernels import step_keys")
    a("")
    a("")
    a('@nb.njit(fastmath=_FASTMATH, inline="always")')
    a(
        "def _tile(W, b, imp, prob, inv_p, lower, key1, key2, batch_size, start, width, scale, gW, gb):"
    )
    a("    zero = np.float32(0.0)")
    for k in ks:
        for j in js:
            a(f"    w{k}_{j} = W[{k}, {j}]")
            a(f"    gw{k}_{j} = zero")
    for j in js:
        a(f"    b{j} = b[{j}]; p{j} = prob[{j}]; ip{j} = inv_p[{j}]; lo{j} = lower[{j}]")
        a(f"    i{j} = imp[{j}]; c{j} = scale * imp[{j}]; gb{j} = zero")
    for g in leaders:
        a(f"    ab{g} = np.uint32({g} * batch_size + start)")
    for j in js:
        if fresh[j]:
            a(f"    vb{j} = np.uint32({n + j} * batch_size + start)")
    a("    loss = zero")
    a("    for t in range(width):")
    a("        c = np.uint32(t)")
    for g in leaders:
        a(f"        a{g} = _uniform(np.uint32(ab{g} + c), key1, key2)")
    for j in js:
        if fresh[j]:
            a(f"        v{j} = _uniform(np.uint32(vb{j} + c), key1, key2)")
            a(f"        x{j} = v{j} if a{group[j]} < p{j} else zero")
        else:
            a(f"        d{j} = a{group[j]} - lo{j}")
            a(f"        x{j} = d{j} * ip{j} if (d{j} >= 0 and d{j} < p{j}) else zero")
    for k in ks:
        a(f"        h{k} = " + " + ".join(f"w{k}_{j} * x{j}" for j in js))
        if hidden_relu:
            a(f"        h{k} = max(h{k}, zero)")
    for j in js:
        a(f"        z{j} = b{j} + " + " + ".join(f"w{k}_{j} * h{k}" for k in ks))
        on = f"z{j} > 0" if relu else "True"
        a(f"        r{j} = (z{j} if {on} else zero) - x{j}")
        a(f"        loss += i{j} * r{j} * r{j}")
        a(f"        e{j} = c{j} * r{j} if {on} else zero")
        a(f"        gb{j} += e{j}")
    for k in ks:
        a(f"        g{k} = " + " + ".join(f"w{k}_{j} * e{j}" for j in js))
        if hidden_relu:
            a(f"        g{k} = g{k} if h{k} > 0 else zero")
    for k in ks:
        for j in js:
            a(f"        gw{k}_{j} += h{k} * e{j} + g{k} * x{j}")
    for k in ks:
        for j in js:
            a(f"    gW[{k}, {j}] += gw{k}_{j}")
    for j in js:
        a(f"    gb[{j}] += gb{j}")
    a("    return loss")
    a("")
    a("")
    a('@nb.njit(nogil=True, fastmath=_FASTMATH, cache=True, error_model="numpy")')
    a("def train_chunk(first, last, state, data, schedule, flags, adamw, loss_out):")
    a("    P, b, mP, vP, mb, vb = state")
    a("    lrs, t0, seed, batch_size = schedule")
    a("    scale = np.float32(2.0 / batch_size)")
    a("    tile = min(TILE, batch_size)")
    a("    for inst in range(first, last):")
    a("        inv_p, gP, gb, flat = _instance_setup(state, data, inst)")
    a("        W, b_i = P[inst, 0], b[inst]")
    a("        imp, prob, lower = data.imp[inst], data.prob[inst], data.lower[inst]")
    a("        for step in range(lrs.shape[0]):")
    a("            key1, key2 = step_keys(seed, inst, t0 + step + 1)")
    a("            gP[:] = 0.0")
    a("            gb[:] = 0.0")
    a("            total = 0.0")
    a("            for start in range(0, batch_size, tile):")
    a("                width = min(tile, batch_size - start)")
    a("                total += _tile(W, b_i, imp, prob, inv_p, lower, key1, key2, batch_size,")
    a("                               start, width, scale, gP[0], gb)")
    a("            if not _step_update(state, inst, step, total / batch_size, schedule, adamw,")
    a("                                gP, gb, flat, loss_out):")
    a("                break")
    return "\n".join(L) + "\n"


def _cache_dir() -> Path:
    """Where generated modules live (``TOY_LIB_CACHE``, else the user's cache, else a temp dir)."""
    for candidate in (
        os.environ.get("TOY_LIB_CACHE"),
        os.path.join(os.path.expanduser("~"), ".cache", "toy_lib"),
        os.path.join(
            tempfile.gettempdir(), f"toy_lib-{os.getuid() if hasattr(os, 'getuid') else 0}"
        ),
    ):
        if not candidate:
            continue
        path = Path(candidate) / "kernels"
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    raise OSError("no writable folder for toy_lib's generated kernels; set TOY_LIB_CACHE")


@cache
def train_chunk_for(
    n: int, m: int, relu: bool, hidden_relu: bool, group: tuple, fresh: tuple
) -> Callable:
    """The compiled ``train_chunk`` for this shape and feature-set layout (``group``, ``fresh``:
    :class:`toy_lib.data.FeatureSets` as tuples). Written once per version of the kernels."""
    source = _source(n, m, relu, hidden_relu, group, fresh)
    kernels = Path(_kernels.__file__).read_bytes()
    digest = hashlib.sha1(source.encode() + kernels).hexdigest()[:16]
    name = f"toy_lib_tiny_{digest}"
    path = _cache_dir() / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(source)
        tmp.replace(path)  # atomic: a parallel process never imports a half-written file
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        # Registered by name: numba's on-disk cache finds the module's globals through it.
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].train_chunk
