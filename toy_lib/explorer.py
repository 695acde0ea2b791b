"""Live explorers: sliders that retrain toy models and redraw their geometry.

Works with ipywidgets 7.7 (Colab) and 8. The figure lives in an ``Output`` whose single output is
replaced on every redraw, so figures replace each other instead of piling up, and sliders that
retrain use ``continuous_update=False``. The explorer also carries a PNG
of its current figure in its display data, so a saved notebook shows the figure where widgets do
not render (GitHub, nbviewer).

Retraining runs in a worker thread, so the notebook stays responsive, and the latest change wins: a
change made while a retrain is under way stops that retrain at its next progress report (see
:func:`toy_lib.progress.listening`) and the worker starts over with the newest values; a stale
result is never shown and changes never queue up. While training, the status line counts the steps,
and a render may show previews of the model still training (:func:`training_previews`).
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

import ipywidgets as widgets
import torch

from .progress import Progress, listening

__all__ = [
    "Explorer",
    "SLIDER_KINDS",
    "Superseded",
    "live_explorer",
    "show_preview",
    "slider",
    "toggle",
    "training_previews",
]

#: The slider kinds :func:`slider` makes.
SLIDER_KINDS = {
    "float": widgets.FloatSlider,
    "int": widgets.IntSlider,
    "select": widgets.SelectionSlider,
}


def slider(
    kind: str,
    description: str,
    value: Any,
    options_or_range: Iterable[Any] | Sequence[float],
    *,
    width: str = "420px",
    label_width: str = "110px",
    **kw: Any,
) -> widgets.Widget:
    """Every explorer's slider: ``continuous_update=False`` (a retrain per release, not per pixel),
    a label ``label_width`` wide and the whole slider ``width`` wide.

    ``kind`` is ``"float"`` or ``"int"`` (``options_or_range`` is ``(min, max)`` or
    ``(min, max, step)``) or ``"select"`` (a ``SelectionSlider``; ``options_or_range`` are its
    options: values, or ``(label, value)`` pairs). ``kw`` go to the widget.
    """
    if kind not in SLIDER_KINDS:
        raise ValueError(f"kind={kind!r} is not allowed: choose one of {list(SLIDER_KINDS)}")
    common = {
        "value": value,
        "description": description,
        "continuous_update": False,
        "style": {"description_width": label_width},
        "layout": widgets.Layout(width=width),
    }
    if kind == "select":
        return widgets.SelectionSlider(options=options_or_range, **common, **kw)
    bounds = tuple(options_or_range)
    if len(bounds) not in (2, 3):
        raise ValueError(
            f"options_or_range={options_or_range!r} is not allowed: a {kind} slider takes "
            "(min, max) or (min, max, step)"
        )
    ends = dict(zip(("min", "max", "step"), bounds, strict=False))
    return SLIDER_KINDS[kind](**ends, **common, **kw)


def toggle(
    description: str, options: Sequence[Any], value: Any, *, label_width: str = "110px"
) -> widgets.ToggleButtons:
    """Toggle buttons with the same label width as the sliders beside them."""
    buttons = widgets.ToggleButtons(options=list(options), value=value, description=description)
    buttons.style.description_width = label_width
    return buttons


class Superseded(Exception):  # noqa: N818 - a signal, not an error
    """Raised inside a retrain that a newer change has made stale; the explorer drops it."""


class Explorer(widgets.VBox):
    """A VBox whose display data also holds a PNG of the current figure (static fallback).

    :meth:`wait` blocks until the retrains asked for so far are done (tests, benchmarks).
    """

    png: bytes = b""
    _runner: _LatestWins | None = None

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        data = super()._repr_mimebundle_(**kwargs)
        if self.png and isinstance(data, dict):
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        return data

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no retrain is under way or pending; ``False`` if ``timeout`` s ran out."""
        return self._runner is None or self._runner.idle.wait(timeout)


# Where a render running in an explorer's worker may show a preview (``show_preview``). Per thread,
# like the progress listeners: a render outside an explorer has none and previews are skipped.
_PREVIEW: ContextVar[Callable[[bytes, str], None] | None] = ContextVar(
    "toy_lib_explorer_preview", default=None
)


def show_preview(png: bytes, message: str) -> None:
    """From inside a render: show ``png`` with ``message`` now, before the render returns; the
    message stays under the step count until the next preview or the result.

    Does nothing outside an explorer's retrain (e.g. in the first, synchronous render)."""
    sink = _PREVIEW.get()
    if sink is not None:
        sink(png, message)


def _previews_wanted() -> bool:
    """Whether :func:`show_preview` would show anything here (skip drawing a preview if not)."""
    return _PREVIEW.get() is not None


@contextmanager
def training_previews(
    draw: Callable[[dict[str, torch.Tensor]], bytes],
    *,
    first_s: float = 0.3,
    every_s: float = 1.5,
    instance: int | None = None,
) -> Iterator[None]:
    """While training inside the block, show a preview of the model still training: first once
    ``first_s`` seconds have passed, then at most every ``every_s`` seconds, never for the last
    chunk (the render's final figure follows). ``draw(params)`` gets the parameters of instance
    ``instance``, or by default of the instance with the lowest recent training loss (the best
    restart so far), each with an instance dimension of 1 (e.g. ``W: (1, hidden, features)``), and
    returns the PNG. Only in an explorer's retrain (:func:`show_preview`).
    """
    if not _previews_wanted():
        yield
        return
    due = [time.perf_counter() + first_s]

    def on_progress(progress: Progress) -> None:
        if progress.done < progress.total and time.perf_counter() >= due[0]:
            k = int(progress.recent_loss.argmin()) if instance is None else instance
            one = {name: p[k : k + 1] for name, p in progress.params().items()}
            which = (
                ": the restart with the lowest training loss"
                if instance is None and len(progress.recent_loss) > 1
                else ""
            )
            show_preview(draw(one), f"preview at step {progress.done:,}{which}")
            due[0] = time.perf_counter() + every_s

    with listening(on_progress):
        yield


class _LatestWins:
    """Runs ``render`` for the newest values only, in one worker thread at a time.

    ``request()`` (a widget changed) bumps a generation counter and starts the worker if none runs.
    The worker renders for the generation it read; a progress listener raises :class:`Superseded`
    as soon as the counter has moved on, and results of a stale generation are never shown. When
    a render ends, the worker starts again if the counter moved, else it stops.
    """

    def __init__(
        self,
        render: Callable[[], tuple[bytes, str]],
        show: Callable[[bytes, str], None],
        fail: Callable[[Exception], None],
        progress_text: Callable[[Progress, str], None],
    ) -> None:
        self.render, self.show, self.fail, self.progress_text = render, show, fail, progress_text
        self.lock = threading.Lock()
        self.wanted = 0
        self.worker: threading.Thread | None = None
        self.idle = threading.Event()
        self.idle.set()

    def request(self) -> None:
        with self.lock:
            self.wanted += 1
            self.idle.clear()
            if self.worker is None:
                self.worker = threading.Thread(
                    target=self._loop, name="toy_lib-explorer", daemon=True
                )
                self.worker.start()

    def _loop(self) -> None:
        while True:
            with self.lock:
                generation = self.wanted
            self._render_once(generation)
            with self.lock:
                if self.wanted == generation:
                    self.worker = None
                    self.idle.set()
                    return

    def _show_if_current(self, generation: int, action: Callable[[], None]) -> None:
        with self.lock:  # a request cannot slip in between the check and the update
            if self.wanted == generation:
                action()

    def _render_once(self, generation: int) -> None:
        note = [""]  # the last preview's message, kept under the step count

        def on_progress(progress: Progress) -> None:
            if self.wanted != generation:
                raise Superseded
            self._show_if_current(generation, lambda: self.progress_text(progress, note[0]))

        def preview(png: bytes, message: str) -> None:
            note[0] = message
            self._show_if_current(generation, lambda: self.show(png, message))

        token = _PREVIEW.set(preview)
        try:
            with listening(on_progress):
                png, message = self.render()
        except Superseded:
            return
        except Exception as exc:  # noqa: BLE001 - a widget callback must report, never die silently
            self._show_if_current(generation, partial(self.fail, exc))
            return
        finally:
            _PREVIEW.reset(token)
        self._show_if_current(generation, lambda: self.show(png, message))


def _png_output(png: bytes) -> tuple[dict, ...]:
    """An ``Output`` widget's outputs holding one PNG (set directly: safe from a worker thread)."""
    data = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": "<figure>"}
    return ({"output_type": "display_data", "data": data, "metadata": {}},)


def live_explorer(
    controls: widgets.Widget,
    inputs: Sequence[widgets.Widget],
    render: Callable[[], tuple[bytes, str]],
    min_height: str,
) -> Explorer:
    """``controls`` above a status line and an ``Output`` (CSS class ``toy-figure``) with the figure.

    Now (synchronously, so a saved notebook holds the figure) and after every change of a widget in
    ``inputs`` (in a worker thread, the latest change winning), ``render()`` retrains and returns
    the new figure as PNG bytes and a status text; an exception shows in the status line instead.
    The box carries the CSS class ``toy-explorer`` and ``inputs[0]`` the class ``toy-primary``: the
    browser test drives every explorer through them.
    """
    status = widgets.HTML()
    out = widgets.Output(layout=widgets.Layout(min_height=min_height))
    out.add_class("toy-figure")
    inputs[0].add_class("toy-primary")
    box = Explorer([controls, status, out])
    box.add_class("toy-explorer")

    def show(png: bytes, message: str) -> None:
        box.png = png
        out.outputs = _png_output(png)
        status.value = message

    def fail(exc: Exception) -> None:
        status.value = f"<b style='color:#b00'>error: {type(exc).__name__}: {exc}</b>"

    def progress_text(progress: Progress, note: str) -> None:
        steps = f"<i>training… step {progress.done:,} of {progress.total:,}</i>"
        status.value = f"{steps}<br>{note}" if note else steps

    runner = _LatestWins(render, show, fail, progress_text)
    box._runner = runner

    def changed(_change: object = None) -> None:
        status.value = "<i>training…</i>"
        runner.request()

    for w in inputs:
        w.observe(changed, names="value")
    try:
        show(*render())
    except Exception as exc:  # noqa: BLE001 - the explorer must appear, with the error said
        fail(exc)
    return box
