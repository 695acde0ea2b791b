"""Plain helpers shared by several test modules (imported as ``from helpers import ...``; pytest puts
``tests/`` on the path). Test modules never import each other."""

from __future__ import annotations

import ipywidgets as widgets
import torch

import toy_lib as tl


def find(box: widgets.Widget, description: str) -> widgets.Widget:
    """The first widget under ``box`` whose description is ``description``."""
    stack = [box]
    while stack:
        w = stack.pop()
        if getattr(w, "description", None) == description:
            return w
        stack.extend(getattr(w, "children", ()))
    raise LookupError(description)


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
