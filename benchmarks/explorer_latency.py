"""How long every live explorer of a notebook takes to answer a change: imported and run inside the
notebook's kernel by ``series.py --explorers``, after the notebook has run top to bottom.

For each explorer (every :class:`toy_lib.explorer.Explorer` alive in the kernel) the primary control
(CSS class ``toy-primary``, the one the browser test moves) is moved to a neighbouring value and back,
``changes`` times in all, as a user would. Each change is timed to the first new frame (a preview of
the model still training, or the result) and to the result (the explorer idle again). Prints one
JSON line per explorer. Measures only; nothing is asserted.
"""

from __future__ import annotations

import gc
import json
import statistics
import time

import ipywidgets as widgets

from toy_lib.explorer import Explorer


def _primary(box: widgets.Widget) -> widgets.Widget | None:
    if "toy-primary" in getattr(box, "_dom_classes", ()):
        return box
    for child in getattr(box, "children", ()):
        found = _primary(child)
        if found is not None:
            return found
    return None


def _neighbours(control: widgets.Widget) -> list:
    """The control's value and a neighbouring one."""
    value = control.value
    if hasattr(control, "options"):  # selection sliders, toggle buttons, dropdowns
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        i = values.index(value)
        return [value, values[i + 1] if i + 1 < len(values) else values[i - 1]]
    step = control.step
    other = value + step if value + step <= control.max else value - step
    return [value, other]


def time_change(box: Explorer, control: widgets.Widget, value: object) -> tuple[float, float]:
    """Seconds from setting ``control.value`` to the first new frame and to the result."""
    out = box.children[-1]
    frames: list[float] = []

    def on_frame(_change: object) -> None:
        frames.append(time.perf_counter())

    out.observe(on_frame, names="outputs")
    start = time.perf_counter()
    control.value = value
    box.wait()
    done = time.perf_counter()
    out.unobserve(on_frame, names="outputs")
    return (frames[0] if frames else done) - start, done - start


def measure(notebook: str, changes: int = 6) -> None:
    """Print ``{"notebook", "explorer", "first_median", "first_worst", "result_median", ...}``."""
    boxes = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, Explorer):
                boxes.append(obj)
        except ReferenceError:  # a weak proxy whose object is gone
            continue
    for box in boxes:
        control = _primary(box)
        if control is None:
            continue
        values = _neighbours(control)
        firsts, results = [], []
        for c in range(changes):
            f, r = time_change(box, control, values[(c + 1) % 2])
            firsts.append(f)
            results.append(r)
        print(
            json.dumps(
                {
                    "notebook": notebook,
                    "control": control.description,
                    "first_median": statistics.median(firsts),
                    "first_worst": max(firsts),
                    "result_median": statistics.median(results),
                    "result_worst": max(results),
                }
            )
        )
