"""Training ReLU-output models on fixed sparse data sets, many at once (the numba kernel of
:mod:`._kernel`), and the losses that judge them.

Each instance is one model with its own training set (its own ``T``); instances train side by
side on threads, each its whole run in compiled code between progress reports. Results depend only
on each instance's data and initialisation seed, not on the thread count or the other instances.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from .. import _reuse
from ..progress import Progress, progress_bar, report
from ..train import TrainingDiverged, kernel_threads, lr_schedule
from ..validate import check_int, check_number
from . import _kernel
from .data import SparseData
from .reference import xavier_init

__all__ = ["Packed", "Run", "pack", "sparse_loss", "train_models"]

ADAMW = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}  # torch.optim.AdamW's defaults
CHUNK = 2_500  # steps between progress reports (an explorer stops a stale retrain at one)


@dataclass(frozen=True)
class Packed:
    """A data set as the kernel reads it, point by point (CSR), padding dropped."""

    rows: np.ndarray  # (T + 1,) int64: point t's nonzeros are rows[t] .. rows[t+1]
    cols: np.ndarray  # (nnz,) uint32 feature of each nonzero
    vals: np.ndarray  # (nnz,) float32
    n: int  # features

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.rows, self.cols, self.vals)


def pack(data: SparseData) -> Packed:
    """``data`` in the kernel's layout (see :class:`Packed`)."""
    values = data.values.numpy()
    keep = values > 0
    rows = np.zeros(data.size + 1, dtype=np.int64)
    rows[1:] = np.cumsum(keep.sum(1))
    cols = data.indices.numpy()[keep].astype(np.uint32)  # unsigned: no wrap-around checks
    return Packed(rows, cols, values[keep].astype(np.float32), data.n)


def sparse_loss(W: torch.Tensor, b: torch.Tensor, data: SparseData | Packed) -> float:
    """The note's loss ``(1/T) Σ_t Σ_i (x_ti − ReLU(Wᵀ W x_t + b)_i)²`` of one model ``W: (m, n)``,
    ``b: (n,)`` on ``data``, computed sparsely (the same code as training)."""
    packed = data if isinstance(data, Packed) else pack(data)
    if W.dim() != 2:
        raise ValueError(f"W has shape {tuple(W.shape)}: it must be one model's (m, n)")
    Wn = np.ascontiguousarray(W.detach().cpu().numpy().T, dtype=np.float32)  # the kernel's (n, m)
    bn = b.detach().cpu().numpy().astype(np.float32)
    n, m = Wn.shape
    if packed.n != n or bn.shape != (n,):
        raise ValueError(
            f"W has shape {tuple(W.shape)} and b {tuple(b.shape)}: they must be (m, n) and (n,) "
            f"with n = {packed.n}, the data's number of features"
        )
    work = _kernel.scratch(m, n, packed.rows.shape[0] - 1)
    loss, _ = _kernel.loss_and_grad(Wn, bn, packed.arrays(), work)
    # The kernel sums the expanded square (x² − 2 x ReLU(p) + ReLU(p)²), which can round a few
    # 1e-8 below zero for a memorised data set; the loss itself cannot be negative.
    return max(0.0, float(loss))


@dataclass
class Run:
    """Models trained by :func:`train_models`.

    Attributes:
        W: ``(instances, m, n)``; b: ``(instances, n)``.
        loss: ``(steps, instances)`` training loss at every step (before that step's update).
        visited: ``(steps, instances)`` (point, feature) pairs whose pre-activation the kernel
            computed (out of ``n × T``: each of the others has the sign of its feature's bias).
        seconds: wall-clock time.
    """

    W: torch.Tensor
    b: torch.Tensor
    loss: torch.Tensor
    visited: torch.Tensor
    seconds: float


def train_models(
    datasets: Sequence[SparseData],
    m: int,
    *,
    steps: int,
    warmup_steps: int,
    lr: float = 1e-3,
    weight_decay: float = 1e-2,
    init_seeds: Sequence[int] | None = None,
    progress: bool | None = None,
) -> Run:
    """Train one ReLU-output model ``x' = ReLU(Wᵀ W x + b)`` on each of ``datasets`` (full batch, the
    note's AdamW with a linear warm-up over ``warmup_steps`` then a cosine decay to zero), ``W``
    Xavier-normal from ``init_seeds[i]`` (default ``0`` for all), ``b`` zero. The same training as
    :func:`toy_lib.memorization_double_descent.train_dense`, computed sparsely."""
    check_int("m", m)
    check_int("steps", steps)
    check_number("lr", lr, 0.0, low_open=True)
    check_number("weight_decay", weight_decay, 0.0)
    if not datasets:
        raise ValueError("datasets=[] is not allowed: give at least one data set")
    n = datasets[0].n
    if any(d.n != n for d in datasets):
        raise ValueError(
            f"datasets have {sorted({d.n for d in datasets})} features: they must all have the same n"
        )
    seeds = [0] * len(datasets) if init_seeds is None else [int(s) for s in init_seeds]
    if len(seeds) != len(datasets):
        raise ValueError(
            f"init_seeds has {len(seeds)} entries: it must have one per data set ({len(datasets)})"
        )
    settings = {
        "m": m, "steps": steps, "warmup_steps": warmup_steps, "lr": lr,
        "weight_decay": weight_decay, "init_seeds": tuple(seeds), "n": n, "kind": "memorization",
    }  # fmt: skip
    folder = _reuse.folder()
    if folder is None:
        return _train(datasets, settings, progress)
    tensors = {
        f"{i}.{part}": getattr(d, part)
        for i, d in enumerate(datasets)
        for part in ("indices", "values")
    }
    path = folder / f"{_reuse.key(settings, tensors)}.pt"
    with _reuse.turn(path):
        stored = _reuse.load(path)
        if stored is None:
            run = _train(datasets, settings, progress)
            _reuse.store(path, vars(run))
            return run
    run = Run(**stored)
    bar = progress_bar(steps, progress=progress, desc="training")
    bar.update(steps)
    bar.close()
    report(
        Progress(
            steps, steps, run.loss[-1].numpy(), lambda: {"W": run.W.clone(), "b": run.b.clone()}
        )
    )
    return run


def _train(datasets: Sequence[SparseData], settings: dict, progress: bool | None) -> Run:
    """:func:`train_models`' training, for ``settings`` as it checked them."""
    m, steps, n = settings["m"], settings["steps"], settings["n"]
    lr, weight_decay, seeds = settings["lr"], settings["weight_decay"], settings["init_seeds"]
    lrs = lr_schedule(lr, steps, "cosine", settings["warmup_steps"])
    I = len(datasets)  # noqa: E741
    # The kernel holds W feature-major, (n, m) per instance.
    W = np.ascontiguousarray(np.stack([xavier_init(m, n, s).numpy().T for s in seeds]), np.float32)
    b = np.zeros((I, n), dtype=np.float32)
    moments = [np.zeros_like(a) for a in (W, W, b, b)]
    packed = [pack(d).arrays() for d in datasets]
    work = [_kernel.scratch(m, n, d.size) for d in datasets]
    loss = np.full((steps, I), np.nan, dtype=np.float32)
    visited = np.zeros((steps, I), dtype=np.int64)
    hp = tuple(np.float32(ADAMW[k]) for k in ("beta1", "beta2", "eps")) + (
        np.float32(weight_decay),
    )
    # Largest data sets first, so that the threads finish together.
    order = sorted(range(I), key=lambda i: -datasets[i].size)
    bar = progress_bar(steps, progress=progress, desc="training")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(kernel_threads(), I)) as pool:
        for lo in range(0, steps, CHUNK):
            hi = min(steps, lo + CHUNK)
            jobs = [
                pool.submit(
                    _kernel.train_instance,
                    (W[i], b[i], moments[0][i], moments[1][i], moments[2][i], moments[3][i]),
                    packed[i],
                    work[i],
                    (lrs[lo:hi], lo, *hp),
                    loss[lo:hi, i],
                    visited[lo:hi, i],
                )
                for i in order
            ]
            for job in jobs:
                job.result()
            _check_finite(loss[lo:hi], W, b, lo, hi, lr)
            bar.update(hi - lo)
            report(
                Progress(
                    hi, steps, np.nanmean(loss[lo:hi], axis=0),
                    lambda: {"W": _model_W(W), "b": torch.from_numpy(b.copy())},
                )
            )  # fmt: skip
    bar.close()
    return Run(
        _model_W(W),
        torch.from_numpy(b),
        torch.from_numpy(loss),
        torch.from_numpy(visited),
        time.perf_counter() - start,
    )


def _model_W(W: np.ndarray) -> torch.Tensor:
    """The kernel's ``(instances, n, m)`` as the models' ``(instances, m, n)``, a copy."""
    return torch.from_numpy(np.ascontiguousarray(W.transpose(0, 2, 1)))


def _check_finite(
    chunk: np.ndarray, W: np.ndarray, b: np.ndarray, lo: int, hi: int, lr: float
) -> None:
    if np.isfinite(chunk).all() and np.isfinite(W).all() and np.isfinite(b).all():
        return
    bad = np.argwhere(~np.isfinite(chunk))
    where = (
        f"the loss of instance {int(bad[0, 1])} became {chunk[bad[0, 0], bad[0, 1]]} at step "
        f"{lo + int(bad[0, 0])}"
        if len(bad)
        else f"the weights became NaN or infinite between steps {lo} and {hi}"
    )
    raise TrainingDiverged(
        f"training diverged: {where}. Try a smaller learning rate (lr={lr:g} now; the note's "
        "setting is 1e-3)."
    )
