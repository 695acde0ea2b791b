"""The training progress bar: tqdm's, in a terminal and in a notebook, ending as one line of text.

In a notebook, tqdm draws an ipywidgets bar. A saved notebook (and GitHub, and a static site) shows
that widget's text fallback as it was when the bar first appeared, e.g. ``training: 6% 600/10000``:
a finished run reads as an unfinished one. So the notebook bar here is shown through a display
handle, and on closing it is replaced in place by the finished bar as plain text
(``training: 100%|██████████| 10000/10000 [00:03<00:00, ...]``), which is what the saved output then
holds. A run that ends early (an error, an interrupt) leaves its partial bar, which is the truth.
tqdm does the measuring and formatting; only where the bar is displayed is ours.

Training also reports each finished chunk of steps to whoever listens (:func:`listening`): the live
explorers use it to show a preview of a model still training and to stop a retrain that a newer
change of a slider has made stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

import numpy as np
import torch
from tqdm.auto import tqdm

try:  # tqdm.auto picks the notebook bar only where ipywidgets and a kernel are present
    from tqdm.notebook import tqdm as _NotebookTqdm
except ImportError:  # pragma: no cover - tqdm without its notebook module
    _NotebookTqdm = None

__all__ = ["Progress", "listening", "progress_bar", "report"]


if _NotebookTqdm is not None:

    class _TextOnCloseBar(_NotebookTqdm):
        """tqdm's notebook bar, displayed through a handle and replaced by text on close."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._handle = None
            super().__init__(*args, display=False, **kwargs)

        def display(self, *args: Any, check_delay: bool = True, **kwargs: Any) -> None:
            super().display(*args, check_delay=False, **kwargs)
            # As tqdm's own: at once without a delay, else at the first refresh after it.
            if not self.displayed and (self.delay <= 0 or check_delay) and not self.disable:
                from IPython.display import display

                self._handle = display(self.container, display_id=True)
                self.displayed = True

        def close(self) -> None:
            super().close()
            if self._handle is not None:
                from IPython.display import Pretty

                self._handle.update(Pretty(str(self)))
                self._handle = None


def progress_bar(total: int, *, progress: bool | None, desc: str = "training") -> tqdm:
    """A progress bar over ``total`` steps: ``progress=True`` always shows it, ``False`` never,
    ``None`` only when the run takes more than 2 seconds. In a notebook it ends as one line of
    text (see the module docstring)."""
    kwargs = {
        "total": total,
        "disable": progress is False,
        "delay": 0 if progress else 2.0,
        "desc": desc,
        "unit": "step",
    }
    if _NotebookTqdm is not None and issubclass(tqdm, _NotebookTqdm):
        return _TextOnCloseBar(**kwargs)
    return tqdm(**kwargs)


class Progress(NamedTuple):
    """Where a training run stands, reported after each chunk of steps.

    ``done`` of ``total`` steps; ``recent_loss``: ``(instances,)`` mean batch loss over the chunk
    just trained; ``params()``: a copy of the current parameters (``{"W": (instances, hidden,
    features), "b": (instances, features)}``, or ``W1``/``W2``/``b`` for the absolute-value model).
    """

    done: int
    total: int
    recent_loss: np.ndarray
    params: Callable[[], dict[str, torch.Tensor]]


# Who listens in the current context. A ContextVar, not a module-level list: each thread (each
# explorer's worker) and each ``with listening(...)`` block sees only its own listeners, so nothing
# leaks between runs and nothing needs a lock.
_LISTENER: ContextVar[Callable[[Progress], None] | None] = ContextVar(
    "toy_lib_progress_listener", default=None
)


@contextmanager
def listening(callback: Callable[[Progress], None]) -> Iterator[None]:
    """Call ``callback(progress)`` after every chunk of every training run inside the block.

    Blocks nest: an outer listener is called first, then the inner one. An exception raised by a
    listener stops the training run (the explorers stop a stale retrain this way).
    """
    outer = _LISTENER.get()

    def both(progress: Progress) -> None:
        if outer is not None:
            outer(progress)
        callback(progress)

    token = _LISTENER.set(both)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def report(progress: Progress) -> None:
    """Tell the listeners of the current context (if any) where training stands."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(progress)
