"""Reusing a finished training run in another process: for the test suite's exercise notebooks.

Every exercise notebook is generated from its solution notebook and trains exactly what the solution
notebook trains. The test suite runs both (the solution under nbval, the exercise version with its
stubs untouched), and would otherwise pay for every training twice. When the environment variable
``TOY_LIB_REUSE_RUNS`` names a folder, :func:`toy_lib.train` (and notebook 10's
:func:`toy_lib.sparse_autoencoders.train_saes` and notebook 11's
:func:`toy_lib.memorization_double_descent.train_models`) stores each run's result there under a
hash of everything that decides it, and a later identical run loads it instead of training again.
Unset, which is how the course is run, nothing is stored or loaded.

The hash covers the model's kind and settings, its starting parameters and buffers (importance,
density), the feature sets, every training argument, the engine, the device type, toy_lib's own
source files and the torch, numba and numpy versions. Two processes that reach the same run at once
take turns (a file lock): the second waits for the first and loads its result. Why by hand:
joblib's ``Memory`` keys a result on the decorated function's own code, not on the code it calls
(here the kernels), and lets two processes compute the same call at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numba
import numpy as np
import torch

ENV = "TOY_LIB_REUSE_RUNS"

try:  # POSIX; elsewhere runs are stored and loaded without taking turns
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


def folder() -> Path | None:
    """The folder named by ``TOY_LIB_REUSE_RUNS``, or None when it is unset or empty."""
    value = os.environ.get(ENV, "")
    return Path(value) if value else None


@cache
def _source_digest() -> str:
    """Digest of every ``.py`` file of toy_lib: a change to the package makes every key new."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _add_tensor(h: hashlib._Hash, name: str, t: torch.Tensor) -> None:
    t = t.detach().cpu().contiguous()
    h.update(f"{name}:{t.dtype}:{tuple(t.shape)}:".encode())
    h.update(t.numpy().tobytes())


def key(settings: dict, tensors: dict[str, torch.Tensor]) -> str:
    """Hex digest of one run: toy_lib's source, the library versions, ``settings`` (plain values:
    numbers, strings, tuples, lists) and ``tensors`` (what the run starts from)."""
    h = hashlib.sha256()
    h.update(_source_digest().encode())
    versions = (torch.__version__, numba.__version__, np.__version__)
    h.update(repr((versions, sorted(settings.items()))).encode())
    for name, t in sorted(tensors.items()):
        _add_tensor(h, name, t)
    return h.hexdigest()


def model_tensors(model: torch.nn.Module, prefix: str = "") -> dict[str, torch.Tensor]:
    """What a toy model starts a run from: its parameters, buffers and feature sets."""
    sets = model.cfg.feature_sets
    tensors = {f"{prefix}{name}": t for name, t in model.state_dict().items()}
    for name in ("group", "lower", "fresh_value"):
        tensors[f"{prefix}sets.{name}"] = getattr(sets, name)
    return tensors


def run_key(model: torch.nn.Module, settings: dict) -> str:
    """:func:`key` of one training run of ``model`` as it is before training (its kind,
    :func:`model_tensors`), ``settings`` every argument of the run."""
    kind = tuple(getattr(model, a, None) for a in ("output", "hidden_activation", "signed_inputs"))
    return key({**settings, "model": (type(model).__name__, kind)}, model_tensors(model))


@contextlib.contextmanager
def turn(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` (``path.lock``) while the body runs; without ``fcntl``, do nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load(path: Path) -> dict | None:
    """The stored result at ``path``, or None if there is none."""
    if not path.exists():
        return None
    return torch.load(path, map_location="cpu", weights_only=True)


def store(path: Path, result: dict) -> None:
    """Write ``result`` (tensors, numbers) to ``path`` atomically."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    torch.save(result, tmp)
    os.replace(tmp, path)
