"""Plain helpers shared by several test modules (imported as ``from helpers import ...``; pytest puts
``tests/`` on the path). Test modules never import each other."""

from __future__ import annotations

import importlib
import os
import socket
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
import torch

import toy_lib as tl
from toy_lib import _kernels


def find(box: widgets.Widget, description: str) -> widgets.Widget:
    """The first widget under ``box`` whose description is ``description``."""
    stack = [box]
    while stack:
        w = stack.pop()
        if getattr(w, "description", None) == description:
            return w
        stack.extend(getattr(w, "children", ()))
    raise LookupError(description)


def change(box: widgets.VBox, control: widgets.Widget, value: object) -> None:
    """Set ``control.value`` as a user would and wait for the explorer's retrain to finish (it runs
    in a worker thread)."""
    control.value = value
    assert box.wait(120), "the explorer did not finish within 2 minutes"


def counting_calls(monkeypatch, module: str, function: str) -> list:  # noqa: ANN001
    """Count the calls of ``function`` of ``module`` (e.g. the trainings actually run, not loaded
    from stored runs): one entry per call in the returned list."""
    owner = importlib.import_module(module)
    calls = []
    real = getattr(owner, function)

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, function, counted)
    return calls


def status_of(box: widgets.VBox) -> str:
    """An explorer's status line (its HTML child)."""
    return next(c for c in box.children if isinstance(c, widgets.HTML)).value


def polygon(angles_deg: list[float], norms: list[float] | None = None) -> torch.Tensor:
    """``W: (2, features)`` with feature i at angle ``angles_deg[i]`` and length ``norms[i]``."""
    a = torch.deg2rad(torch.tensor(angles_deg, dtype=torch.float32))
    r = torch.ones(len(angles_deg)) if norms is None else torch.tensor(norms)
    return torch.stack([r * a.cos(), r * a.sin()])


PENTAGON = polygon([90 + 72 * i for i in range(5)])
# Features 1..4 as two antipodal pairs at right angles, feature 0 dropped (the paper's snap).
DIGONS = polygon([0, 10, 190, 100, 280], [0.0, 1, 1, 1, 1])


def hand_built_sweep() -> tl.geometry_nonuniform.PerturbationSweep:
    """A 4-point sweep of feature 0 with two restarts each: pentagon and digons, losses crossing."""
    W = torch.stack([torch.stack([PENTAGON, DIGONS])] * 4)
    losses = torch.tensor([[2.0, 1.0], [2.0, 1.5], [2.5, 3.0], [3.0, 4.0]])
    return tl.geometry_nonuniform.PerturbationSweep(
        torch.tensor([0.1, 0.2, 0.4, 0.8]), W, losses, losses.argmin(1), feature=0
    )


def autograd_loss(W, b, imp, x, relu, hidden_relu=False):
    """Reference loss written the obvious way. Shapes as in analytic_grads."""
    h = torch.einsum("imn,ibn->ibm", W, x)
    h = torch.relu(h) if hidden_relu else h
    z = torch.einsum("imn,ibm->ibn", W, h) + b[:, None]
    y = torch.relu(z) if relu else z
    return (imp * (x - y) ** 2).sum(-1).mean(-1)


def random_case(instances=2, m=3, n=7, batch=600, p=0.4, seed=0):
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(instances, m, n, generator=g)
    b = 0.3 * torch.randn(instances, n, generator=g)
    imp = torch.rand(instances, 1, n, generator=g) + 0.1
    x = tl.generate_batch(torch.full((instances, n), p), batch, generator=g)
    return W, b, imp, x


MODEL_KINDS = pytest.mark.parametrize(
    ("relu", "hidden_relu"),
    [(True, False), (False, False), (True, True)],
    ids=["relu-output", "linear", "relu-hidden"],
)


def kernel_batch(
    cfg: tl.Config, instance: int, batch: int, seed: int, step: int, signed: bool = False
) -> np.ndarray:
    """The batch the numba kernel draws for one (instance, step): ``(features, batch)``."""
    sets = cfg.feature_sets
    return _kernels.sample_batch(
        cfg.probability[instance].numpy(), sets.lower[instance].numpy(), sets.group.numpy(),
        sets.fresh_value.numpy(), batch, seed, instance, step, signed,
    )  # fmt: skip


# ---------------------------------------------------------------- a real browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "install it with `apt-get install -y chromium` (gives /usr/bin/chromium) and "
    "`pip install playwright` (no `playwright install` needed: the system Chromium is used)"
)


def missing_browser_reason() -> str | None:
    """Say what is missing to drive a browser, or None when everything is there."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python package `playwright` is not installed"
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing"
    return None


def require_browser() -> None:
    """Skip on a developer machine without a browser, but fail in CI, where a skip would hide it."""
    reason = missing_browser_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}: {INSTALL_HINT}", pytrace=False)
    pytest.skip(f"browser test needs Chromium and Playwright: {reason}; {INSTALL_HINT}")


def free_port() -> int:
    """Ask the OS for a free port (a tiny race with other processes is acceptable for a test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
