"""Live explorers: sliders that retrain toy models and redraw their geometry.

Works with ipywidgets 7.7 (Colab) and 8. The figure lives in an ``Output`` that is cleared and
redrawn on every retrain (``clear_output(wait=True)``), so figures replace each other instead of
piling up, and sliders that retrain use ``continuous_update=False``. The explorer also carries a PNG
of its current figure in its display data, so a saved notebook shows the figure where widgets do
not render (GitHub, nbviewer).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as widgets
from IPython.display import Image, display

__all__ = ["Explorer", "SLIDER_KINDS", "live_explorer", "slider", "toggle"]

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


class Explorer(widgets.VBox):
    """A VBox whose display data also holds a PNG of the current figure (static fallback)."""

    png: bytes = b""

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        data = super()._repr_mimebundle_(**kwargs)
        if self.png and isinstance(data, dict):
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        return data


def live_explorer(
    controls: widgets.Widget,
    inputs: Sequence[widgets.Widget],
    render: Callable[[], tuple[bytes, str]],
    min_height: str,
) -> Explorer:
    """``controls`` above a status line and an ``Output`` (CSS class ``toy-figure``) with the figure.

    Now and on every change of a widget in ``inputs``, ``render()`` retrains and returns the new
    figure as PNG bytes and a status text; an exception shows in the status line instead. The box
    carries the CSS class ``toy-explorer`` and ``inputs[0]`` the class ``toy-primary``: the
    browser test drives every explorer through them.
    """
    status = widgets.HTML()
    out = widgets.Output(layout=widgets.Layout(min_height=min_height))
    out.add_class("toy-figure")
    inputs[0].add_class("toy-primary")
    box = Explorer([controls, status, out])
    box.add_class("toy-explorer")

    def retrain(_change: object = None) -> None:
        status.value = "<i>training…</i>"
        try:
            box.png, message = render()
        except Exception as exc:  # noqa: BLE001 - a widget callback must report, never die silently
            status.value = f"<b style='color:#b00'>error: {type(exc).__name__}: {exc}</b>"
            return
        with out:
            out.clear_output(wait=True)
            display(Image(data=box.png))
        status.value = message

    for w in inputs:
        w.observe(retrain, names="value")
    retrain()
    return box
