"""Training: AdamW on the paper's loss, for every instance at once, with a fast fused CPU engine.

Two engines compute the same thing:

- ``"numba"``: the fused CPU kernel in :mod:`toy_lib._kernels` (data, forward, analytic backward and
  AdamW compiled into one loop). The default on CPU.
- ``"torch"``: the same analytic gradients with batched torch matmuls and ``torch.optim.AdamW``.
  Runs on any device (e.g. a Colab GPU).

They draw different random numbers, so their weights differ run to run, but not in distribution.
Both train every model kind: the tied models of §1-§8 and the untied absolute-value model of §9.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import numba
import numpy as np
import torch

from . import _kernels, _reuse, _tiny
from .config import Config
from .data import generate_batch, random_signs, sparse_from_uniform
from .models import AbsModel, ToyModel
from .progress import Progress, progress_bar, report
from .validate import check_int, check_number

__all__ = [
    "abs_value_grads",
    "analytic_grads",
    "History",
    "TrainingDiverged",
    "evaluate_loss",
    "lr_schedule",
    "train",
    "train_best_of",
    "SCHEDULES",
    "ENGINES",
]

SCHEDULES = ("constant", "linear", "cosine")
ENGINES = ("auto", "numba", "torch")
Engine = Literal["auto", "numba", "torch"]
# Split a run into about this many kernel calls: enough for a smooth progress bar, too few to cost.
_PROGRESS_TICKS = 50


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite."""


@dataclass
class History:
    """What :func:`train` recorded.

    Attributes:
        loss: ``(steps, instances)`` mean batch loss of every step (the paper's loss, summed over
            features and averaged over the batch).
        snapshot_steps: ``(snapshots,)`` step after which each snapshot was taken (0 = initial).
        snapshot_W: ``(snapshots, instances, hidden, features)`` copies of ``W``.
        snapshot_b: ``(snapshots, instances, features)`` copies of ``b``.
        seconds: wall-clock training time.
    """

    loss: torch.Tensor
    snapshot_steps: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))
    snapshot_W: torch.Tensor | None = None
    snapshot_b: torch.Tensor | None = None
    seconds: float = 0.0

    @property
    def final_loss(self) -> torch.Tensor:
        """``(instances,)`` mean batch loss over the last 1% of steps (at least one step)."""
        tail = max(1, self.loss.shape[0] // 100)
        return self.loss[-tail:].mean(0)


def lr_schedule(
    lr: float, steps: int, schedule: str = "constant", warmup_steps: int = 0
) -> np.ndarray:
    """Learning rate of every step: ``(steps,)`` float32.

    ``schedule`` is ``"constant"``, ``"linear"`` (decay to 0) or ``"cosine"`` (decay to 0), after an
    optional linear warm-up over ``warmup_steps``.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule={schedule!r} is not allowed: choose one of {SCHEDULES}")
    if (
        isinstance(warmup_steps, bool)
        or not isinstance(warmup_steps, int)
        or not 0 <= warmup_steps < steps
    ):
        raise ValueError(
            f"warmup_steps={warmup_steps!r} is not allowed: it must be an integer in [0, steps={steps})"
        )
    t = np.arange(steps, dtype=np.float64)
    decay_t = np.clip((t - warmup_steps) / max(1, steps - warmup_steps), 0.0, 1.0)
    shape = {
        "constant": np.ones_like(decay_t),
        "linear": 1.0 - decay_t,
        "cosine": 0.5 * (1.0 + np.cos(np.pi * decay_t)),
    }[schedule]
    warm = np.minimum(1.0, (t + 1) / warmup_steps) if warmup_steps else 1.0
    return (lr * shape * warm).astype(np.float32)


def _snapshot_schedule(snapshot_every: int | Sequence[int] | None, steps: int) -> list[int]:
    if snapshot_every is None:
        return []
    if isinstance(snapshot_every, int | np.integer) and not isinstance(snapshot_every, bool):
        check_int("snapshot_every", snapshot_every)
        return list(range(0, steps + 1, int(snapshot_every)))
    try:
        points = sorted({int(s) for s in snapshot_every})
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"snapshot_every={snapshot_every!r} is not allowed: give an interval or a list of steps"
        ) from exc
    if points and (points[0] < 0 or points[-1] > steps):
        raise ValueError(
            f"snapshot_every={snapshot_every!r} is not allowed: snapshot steps must lie in [0, steps={steps}]"
        )
    return points


def _resolve_engine(engine: str, *models: torch.nn.Module) -> str:
    """``engine`` checked, and ``"auto"`` resolved: the numba kernels when every one of ``models``
    (each with a ``device``) is on the CPU, else torch."""
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r} is not allowed: choose one of {ENGINES}")
    elsewhere = [m.device for m in models if m.device.type != "cpu"]
    if engine == "auto":
        return "torch" if elsewhere else "numba"
    if engine == "numba" and elsewhere:
        raise ValueError(
            f"engine='numba' runs on the CPU only; the model is on {elsewhere[0]}: use engine='torch'"
        )
    return engine


def _cpu_count() -> int:
    """CPUs this process may run on (a container or taskset can allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def kernel_threads() -> int:
    """Threads the numba engine trains and evaluates on: one per CPU this process may use, or
    fewer when the ``NUMBA_NUM_THREADS`` environment variable (read when numba is imported) says so,
    e.g. to leave cores to other work. Results do not depend on it."""
    return max(1, min(_cpu_count(), numba.config.NUMBA_NUM_THREADS))


class _KernelModel:
    """A model as the numba kernels read it: float32 numpy copies of its weights and its data.

    The kernels hold the weight matrices as ``P (instances, 1 or 2, hidden, features)``: a tied
    model's ``W``, or the absolute-value model's ``W₁`` and ``W₂ᵀ``.
    """

    def __init__(self, model: ToyModel | AbsModel) -> None:
        self.untied = isinstance(model, AbsModel)
        if self.untied:
            P = torch.stack([model.W1.detach(), model.W2.detach().transpose(1, 2)], dim=1)
            self.relu = self.hidden_relu = True
        else:
            P = model.W.detach().unsqueeze(1)
            self.relu = model.output == "relu"
            self.hidden_relu = model.hidden_activation == "relu"
        self.P = P.cpu().numpy().astype(np.float32, copy=True)
        self.b = model.b.detach().cpu().numpy().astype(np.float32, copy=True)
        sets = model.cfg.feature_sets
        self.data = _kernels.FeatureData(
            model.importance.cpu().numpy().astype(np.float32),
            model.feature_probability.cpu().numpy().astype(np.float32),
            sets.lower.numpy().astype(np.float32),
            sets.group.numpy().astype(np.int64),
            sets.fresh_value.numpy(),
        )
        self.flags = _kernels.Flags(self.relu, self.hidden_relu, model.signed_inputs)
        self.threads = min(kernel_threads(), self.P.shape[0])

    def in_slices(self, kernel: Callable, pool: ThreadPoolExecutor | None, *args: object) -> None:
        """Run ``kernel(first, last, *args)`` over the instances, one slice per thread of ``pool``.

        The slices are contiguous (threads that write neighbouring instances' weights would share
        cache lines) and balanced by each instance's expected cost: the kernel leaves out samples
        with no active feature, so a sparse instance trains faster than a dense one, and sweeps
        list their instances in order of density. The cost estimate (1 where the kernel takes
        every tile as drawn, as :func:`toy_lib._kernels._take` decides; else 0.3 for the draws and
        0.7 for the arithmetic on the active share of samples) only moves the cuts; results do not
        depend on it. The generated kernels of :mod:`toy_lib._tiny` use every sample: equal cuts."""
        active = 1.0 - np.prod(1.0 - self.data.prob.astype(np.float64), axis=1)  # (instances,)
        gathered = self.P.shape[2] * (1.0 - active) >= _kernels.GATHER_RATIO * active
        if kernel not in (_kernels.train_chunk, _kernels.evaluate_chunk):
            gathered[:] = False
        cost = np.where(gathered, 0.3 + 0.7 * active, 1.0)
        middle = np.cumsum(cost) - cost / 2  # an instance goes to the slice its middle falls in
        targets = cost.sum() * np.arange(1, self.threads) / self.threads
        cuts = [0, *np.searchsorted(middle, targets).tolist(), self.P.shape[0]]
        slices = [(int(a), int(z)) for a, z in zip(cuts[:-1], cuts[1:], strict=True) if z > a]
        if len(slices) == 1 or pool is None:
            for a, z in slices:
                kernel(a, z, *args)
            return
        for job in [pool.submit(kernel, a, z, *args) for a, z in slices]:
            job.result()


class _NumbaState(_KernelModel):
    """The fused training kernel's state: the model's arrays and their AdamW moments."""

    def __init__(self, model: ToyModel | AbsModel, samples: int) -> None:
        """``samples``: how many the run will draw in all (instances × steps × batch), which
        decides whether a small model's generated kernel is worth compiling (:mod:`toy_lib._tiny`)."""
        super().__init__(model)
        self.mP, self.vP = np.zeros_like(self.P), np.zeros_like(self.P)
        self.mb, self.vb = np.zeros_like(self.b), np.zeros_like(self.b)
        self.pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="toy_lib")
        _, n_mat, m, n = self.P.shape
        self.kernel = _kernels.train_chunk
        if _tiny.eligible(n, m, n_mat == 1, model.signed_inputs, samples):
            self.kernel = _tiny.train_chunk_for(
                n, m, self.relu, self.hidden_relu,
                tuple(int(g) for g in self.data.group), tuple(bool(f) for f in self.data.fresh),
            )  # fmt: skip

    def run(self, lrs: np.ndarray, t0: int, seed: int, batch_size: int, hp: dict) -> np.ndarray:
        loss = np.empty((len(lrs), self.P.shape[0]), dtype=np.float32)
        self.in_slices(
            self.kernel,
            self.pool,
            _kernels.TrainArrays(self.P, self.b, self.mP, self.vP, self.mb, self.vb),
            self.data,
            _kernels.Schedule(lrs, t0, seed, batch_size),
            self.flags,
            _kernels.AdamW(*(np.float32(hp[k]) for k in ("beta1", "beta2", "eps", "weight_decay"))),
            loss,
        )
        return loss

    def close(self) -> None:
        self.pool.shutdown()

    def params(self) -> dict[str, torch.Tensor]:
        P = torch.from_numpy(self.P.copy())
        b = torch.from_numpy(self.b.copy())
        if self.untied:
            return {"W1": P[:, 0], "W2": P[:, 1].transpose(1, 2).contiguous(), "b": b}
        return {"W": P[:, 0].contiguous(), "b": b}

    def finite(self) -> bool:
        # NaN weights can hide behind the ReLU (NaN > 0 is false), so the loss alone is not enough.
        return bool(np.isfinite(self.P).all() and np.isfinite(self.b).all())


class _TorchState:
    """Analytic gradients with batched matmuls and ``torch.optim.AdamW``, on the model's device."""

    def __init__(self, model: ToyModel | AbsModel) -> None:
        self.params_ = {name: p.detach().clone() for name, p in model.named_parameters()}
        if isinstance(model, AbsModel):
            self.grads = abs_value_grads
        else:
            self.grads = partial(
                analytic_grads,
                relu=model.output == "relu",
                hidden_relu=model.hidden_activation == "relu",
            )
        self.signed = model.signed_inputs
        self.imp = model.importance.unsqueeze(1)
        self.prob = model.feature_probability
        self.sets = model.cfg.feature_sets
        self.generator: torch.Generator | None = None
        self.optimizer: torch.optim.AdamW | None = None

    def run(self, lrs: np.ndarray, t0: int, seed: int, batch_size: int, hp: dict) -> np.ndarray:
        device = self.imp.device
        params = list(self.params_.values())
        if self.generator is None:
            self.generator = torch.Generator(device=device).manual_seed(seed)
            self.optimizer = torch.optim.AdamW(
                params,
                lr=float(lrs[0]),
                betas=(hp["beta1"], hp["beta2"]),
                eps=hp["eps"],
                weight_decay=hp["weight_decay"],
            )
        group = self.optimizer.param_groups[0]
        losses = torch.empty(len(lrs), self.imp.shape[0], device=device)
        for s, lr in enumerate(lrs.tolist()):
            x = generate_batch(self.prob, batch_size, generator=self.generator, sets=self.sets)
            if self.signed:
                x = random_signs(x, self.generator)
            loss, *grads = self.grads(*params, self.imp, x)
            losses[s] = loss
            for p, g in zip(params, grads, strict=True):
                p.grad = g
            group["lr"] = lr
            self.optimizer.step()
        return losses.cpu().numpy()

    def params(self) -> dict[str, torch.Tensor]:
        return {name: p.clone() for name, p in self.params_.items()}

    def close(self) -> None:
        """Nothing to release: torch manages its own threads."""

    def finite(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self.params_.values())


def analytic_grads(
    W: torch.Tensor,
    b: torch.Tensor,
    imp: torch.Tensor,
    x: torch.Tensor,
    relu: bool,
    hidden_relu: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Loss and its gradient for a batch of the tied model, without autograd.

    Shapes: ``W (instances, hidden, features)``, ``b (instances, features)``, ``imp (instances, 1,
    features)``, ``x (instances, batch, features)``. ``relu``: ReLU output; ``hidden_relu``: ReLU
    hidden layer. Returns ``loss (instances,)``, ``gW`` like ``W``, ``gb`` like ``b``.
    """
    h = torch.bmm(x, W.transpose(1, 2))
    if hidden_relu:
        h = torch.relu(h)
    z = torch.baddbmm(b.unsqueeze(1), h, W)
    y = torch.relu(z) if relu else z
    r = y - x
    loss = (imp * r * r).sum(-1).mean(-1)
    d = (2.0 / x.shape[1]) * imp * r
    if relu:
        d = d * (z > 0)
    g = torch.bmm(d, W.transpose(1, 2))
    if hidden_relu:
        g = g * (h > 0)
    gW = torch.bmm(h.transpose(1, 2), d) + torch.bmm(g.transpose(1, 2), x)
    return loss, gW, d.sum(1)


def abs_value_grads(
    W1: torch.Tensor, W2: torch.Tensor, b: torch.Tensor, imp: torch.Tensor, x: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Loss and gradients of :class:`~toy_lib.models.AbsModel` for a batch, without autograd.

    Shapes: ``W1 (instances, hidden, features)``, ``W2 (instances, features, hidden)``, ``b
    (instances, features)``, ``imp (instances, 1, features)``, ``x (instances, batch, features)``
    (signed). Returns ``loss (instances,)`` and gradients like ``W1``, ``W2``, ``b``.
    """
    h = torch.relu(torch.bmm(x, W1.transpose(1, 2)))
    z = torch.baddbmm(b.unsqueeze(1), h, W2.transpose(1, 2))
    r = torch.relu(z) - x.abs()
    loss = (imp * r * r).sum(-1).mean(-1)
    d = (2.0 / x.shape[1]) * imp * r * (z > 0)
    gW2 = torch.bmm(d.transpose(1, 2), h)
    g = torch.bmm(d, W2) * (h > 0)
    gW1 = torch.bmm(g.transpose(1, 2), x)
    return loss, gW1, gW2, d.sum(1)


def train(
    model: ToyModel | AbsModel,
    *,
    steps: int = 10_000,
    batch_size: int = 1024,
    lr: float = 1e-3,
    schedule: str = "constant",
    warmup_steps: int = 0,
    weight_decay: float = 0.01,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    seed: int = 0,
    progress: bool | None = None,
    snapshot_every: int | Sequence[int] | None = None,
    engine: Engine = "auto",
) -> History:
    """Train every instance of ``model`` in place with AdamW on the paper's loss.

    The optimiser defaults are the authors' Colab's: AdamW (PyTorch's default weight decay 0.01),
    lr 1e-3, constant schedule, batch 1024, 10,000 steps (the models' default start is not the
    Colab's; see :mod:`toy_lib.models`). Pass ``weight_decay=0`` for plain Adam (ARENA's choice).

    Args:
        seed: seeds the data stream (the initial weights come from the model's own seed).
        progress: ``True`` always shows a tqdm bar, ``False`` never, ``None`` shows one only when the
            run is still going after two seconds. Whatever it is, each of the run's ~50 chunks is
            also reported to the listeners of :func:`toy_lib.progress.listening` (the explorers'
            previews and their stopping of stale retrains).
        snapshot_every: an interval, or a list of steps, at which to copy ``W`` and ``b`` into the
            history (step 0 is the initialisation).
        engine: ``"numba"`` (fused CPU kernel), ``"torch"`` (any device) or ``"auto"``.

    When the environment variable ``TOY_LIB_REUSE_RUNS`` names a folder (the test suite does, so that
    an exercise notebook reuses its solution notebook's runs), the result is stored there and the
    very same run later loads it instead of training (:mod:`toy_lib._reuse`).

    Raises:
        ValueError: an argument out of range (the message says which and what is allowed).
        TrainingDiverged: the loss became NaN or infinite (usually the learning rate is too high).
    """
    check_int("steps", steps)
    check_int("batch_size", batch_size)
    check_number("lr", lr, 0.0, low_open=True)
    check_number("weight_decay", weight_decay, 0.0, low_open=False)
    check_number("eps", eps, 0.0, low_open=True)
    if len(betas) != 2:
        raise ValueError(f"betas={betas!r} is not allowed: it must be two numbers in [0, 1)")
    for name, beta in zip(("betas[0]", "betas[1]"), betas, strict=True):
        check_number(name, beta, 0.0, 1.0)
    check_int("seed", seed, 0)
    lrs = lr_schedule(lr, steps, schedule, warmup_steps)
    snaps = _snapshot_schedule(snapshot_every, steps)
    if snaps and not isinstance(model, ToyModel):
        raise ValueError(
            f"snapshot_every={snapshot_every!r} is not allowed for {type(model).__name__}: "
            "snapshots record ToyModel's W and b only"
        )
    engine = _resolve_engine(engine, model)
    hp = {"beta1": betas[0], "beta2": betas[1], "eps": eps, "weight_decay": weight_decay}
    run = partial(_run, model, lrs, snaps, engine, hp, batch_size, int(seed), lr, progress)
    folder = _reuse.folder()
    if folder is None:
        return run()
    settings = {
        "steps": steps, "batch_size": batch_size, "lr": lr, "schedule": schedule,
        "warmup_steps": warmup_steps, "weight_decay": weight_decay, "betas": tuple(betas),
        "eps": eps, "seed": int(seed), "snapshots": snaps, "engine": engine,
        "device": model.b.device.type,
    }  # fmt: skip
    path = folder / f"{_reuse.run_key(model, settings)}.pt"
    with _reuse.turn(path):
        stored = _reuse.load(path)
        if stored is None:
            history = run()
            params = {name: p.detach().cpu() for name, p in model.named_parameters()}
            _reuse.store(path, {"params": params, **vars(history)})
            return history
    return _replay(model, stored, progress)


def _run(
    model: ToyModel | AbsModel,
    lrs: np.ndarray,
    snaps: list[int],
    engine: str,
    hp: dict,
    batch_size: int,
    seed: int,
    lr: float,
    progress: bool | None,
) -> History:
    """The body of :func:`train`, its arguments checked."""
    steps = len(lrs)
    if engine == "numba":
        state = _NumbaState(model, model.cfg.n_instances * steps * batch_size)
    else:
        state = _TorchState(model)
    tick = max(1, steps // _PROGRESS_TICKS)
    bounds = sorted(set(range(0, steps, tick)) | set(snaps) | {steps})
    loss = np.empty((steps, model.cfg.n_instances), dtype=np.float32)
    snap_W, snap_b = [], []
    bar = progress_bar(steps, progress=progress)
    start = time.perf_counter()
    try:
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            if lo in snaps:
                _append_snapshot(state, snap_W, snap_b)
            loss[lo:hi] = state.run(lrs[lo:hi], lo, seed, batch_size, hp)
            if not np.isfinite(loss[lo:hi]).all() or not state.finite():
                _raise_diverged(loss[lo:hi], lo, hi, lr)
            bar.update(hi - lo)
            report(Progress(hi, steps, loss[lo:hi].mean(0), state.params))
        if steps in snaps:
            _append_snapshot(state, snap_W, snap_b)
    finally:
        bar.close()
        state.close()
    trained = state.params()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(trained[name])
    return History(
        loss=torch.from_numpy(loss),
        snapshot_steps=torch.tensor(snaps, dtype=torch.long),
        snapshot_W=torch.stack(snap_W) if snap_W else None,
        snapshot_b=torch.stack(snap_b) if snap_b else None,
        seconds=time.perf_counter() - start,
    )


def _replay(model: ToyModel | AbsModel, stored: dict, progress: bool | None) -> History:
    """Put a stored run's result (:mod:`toy_lib._reuse`) into ``model`` and report it as a
    finished run: the bar at its end, one report to the progress listeners."""
    params = stored.pop("params")
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(params[name])
    history = History(**stored)
    steps = history.loss.shape[0]
    bar = progress_bar(steps, progress=progress)
    bar.update(steps)
    bar.close()
    tail = max(1, steps // _PROGRESS_TICKS)
    report(
        Progress(
            steps,
            steps,
            history.loss[-tail:].mean(0).numpy(),
            lambda: {k: v.clone() for k, v in params.items()},
        )
    )
    return history


def _append_snapshot(state: _NumbaState | _TorchState, Ws: list, bs: list) -> None:
    params = state.params()
    Ws.append(params["W"].cpu())
    bs.append(params["b"].cpu())


def _raise_diverged(chunk: np.ndarray, lo: int, hi: int, lr: float) -> None:
    bad_steps, bad_inst = np.nonzero(~np.isfinite(chunk))
    where = (
        f"the loss of instance {int(bad_inst[0])} became {chunk[bad_steps[0], bad_inst[0]]} at step "
        f"{lo + int(bad_steps[0])}"
        if len(bad_steps)
        else f"the weights became NaN or infinite between steps {lo} and {hi}"
    )
    raise TrainingDiverged(
        f"training diverged: {where}. Try a smaller learning rate (lr={lr:g} now; the paper's setting "
        "is 1e-3) or check the importance values for very large numbers."
    )


@torch.no_grad()
def evaluate_loss(
    model: ToyModel | AbsModel,
    *,
    n_samples: int = 1_000_000,
    seed: int = 12345,
    engine: Engine = "auto",
) -> torch.Tensor:
    """The paper's loss per instance on a fresh, fixed sample: ``(instances,)``.

    Uses a large sample (default 1,000,000), and every instance sees the same uniform draws (common
    random numbers), so instances, e.g. restarts, are compared fairly and without extra noise. Why
    so many: restarts that found different solutions can differ in loss by well under 1%, and at
    high sparsity few samples have any feature active (at ``1 − S = 0.003`` a 100,000-sample
    estimate once ranked a restart first that a 4,000,000-sample one put 12% above the best).
    ``engine``: ``"numba"`` draws the sample and runs the forward pass inside the compiled kernel
    (the default on CPU: no ``(instances, samples, features)`` tensors are built); ``"torch"``
    evaluates batched on the model's device. The two draw different random numbers, so their
    estimates differ by sampling noise (about ``1/sqrt(n_samples)`` of the loss), not on average.
    """
    check_int("n_samples", n_samples)
    engine = _resolve_engine(engine, model)
    if engine == "numba":
        return _evaluate_numba(model, n_samples, seed)
    g = torch.Generator(device=model.device).manual_seed(seed)
    total = torch.zeros(model.cfg.n_instances, device=model.device)
    chunk = 8192
    for start in range(0, n_samples, chunk):
        shape = (1, min(chunk, n_samples - start), model.cfg.n_features)
        u = torch.rand(shape, generator=g, device=model.device)
        v = torch.rand(shape, generator=g, device=model.device)
        x = sparse_from_uniform(u, model.feature_probability, model.cfg.feature_sets, v)
        if model.signed_inputs:  # the same signs for every instance, like the values
            x = random_signs(x, g, shared=True)
        total += model.loss(x) * x.shape[1]
    return (total / n_samples).cpu()


def _evaluate_numba(model: ToyModel | AbsModel, n_samples: int, seed: int) -> torch.Tensor:
    """:func:`evaluate_loss` in the compiled kernel (:func:`toy_lib._kernels.evaluate_chunk`)."""
    limit = 2**32 // (2 * model.cfg.n_features)  # the kernel's 32-bit counters
    if n_samples > limit:
        raise ValueError(
            f"n_samples={n_samples} is too large for {model.cfg.n_features} features with "
            f"engine='numba': at most {limit}; use engine='torch' or fewer samples"
        )
    km = _KernelModel(model)
    loss = np.empty(km.P.shape[0], dtype=np.float32)
    args = (km.P, km.b, km.data, km.flags, n_samples, seed, loss)
    if km.threads == 1:
        km.in_slices(_kernels.evaluate_chunk, None, *args)
    else:
        with ThreadPoolExecutor(km.threads, thread_name_prefix="toy_lib") as pool:
            km.in_slices(_kernels.evaluate_chunk, pool, *args)
    return torch.from_numpy(loss)


@dataclass
class BestOf:
    """Result of :func:`train_best_of`.

    Attributes:
        model: the lowest-loss restart of every instance (``cfg.n_instances`` instances).
        losses: ``(instances, restarts)`` evaluated loss of every restart.
        chosen: ``(instances,)`` index of the restart kept.
        all_restarts: the model holding every restart, instance ``i*k + r`` = instance i, restart r.
        history: the training history of ``all_restarts``.
    """

    model: ToyModel | AbsModel
    losses: torch.Tensor
    chosen: torch.Tensor
    all_restarts: ToyModel | AbsModel
    history: History


def train_best_of(
    cfg: Config,
    k: int = 8,
    *,
    output: str = "relu",
    seed: int = 0,
    device: torch.device | str | None = None,
    score: Callable[[ToyModel | AbsModel], torch.Tensor] = evaluate_loss,
    make_model: Callable[..., ToyModel | AbsModel] | None = None,
    **train_kwargs: object,
) -> BestOf:
    """Train ``k`` restarts of every instance at once and keep the one with the lowest loss.

    Toy models often settle in local minima; the paper's figures show good solutions. Choosing by
    loss alone (by default evaluated on a fixed large sample), never by the expected picture, keeps
    it honest. ``score`` maps the model of all restarts to one loss per instance ``(instances,)``,
    e.g. an exact expected loss where sampling is too coarse. ``make_model(cfg, seed=, device=)``
    builds another kind of model (default: ``ToyModel`` with the given ``output``), e.g.
    ``functools.partial(tl.ToyModel, hidden_activation="relu")`` or ``tl.AbsModel``.
    ``train_kwargs`` go to :func:`train`.
    """
    check_int("k", k)
    make = partial(ToyModel, output=output) if make_model is None else make_model
    big = make(cfg.repeat_instances(k), seed=seed, device=device)
    history = train(big, seed=seed, **train_kwargs)
    losses = score(big).float().cpu().reshape(cfg.n_instances, k)
    chosen = losses.argmin(dim=1)
    best = make(cfg, seed=seed, device=device)
    rows = torch.arange(cfg.n_instances) * k + chosen
    trained = dict(big.named_parameters())
    with torch.no_grad():
        for name, p in best.named_parameters():
            p.copy_(trained[name][rows.to(big.device)])
    return BestOf(model=best, losses=losses, chosen=chosen, all_restarts=big, history=history)
