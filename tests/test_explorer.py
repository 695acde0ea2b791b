"""toy_lib.explorer: the slider factory and the live-explorer box every section explorer uses."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from toy_lib.explorer import Explorer, live_explorer, slider, toggle
from toy_lib.figures import figure_png


@pytest.mark.parametrize(
    ("kind", "value", "options_or_range", "cls"),
    [
        ("float", 0.5, (0.0, 1.0, 0.05), widgets.FloatSlider),
        ("int", 3, (0, 20), widgets.IntSlider),
        ("select", 0.1, [0.3, 0.1, 0.01], widgets.SelectionSlider),
    ],
)
def test_slider_kinds_share_style_and_update_on_release(kind, value, options_or_range, cls):
    s = slider(kind, "name", value, options_or_range)
    assert isinstance(s, cls)
    assert s.value == value and s.description == "name"
    assert s.continuous_update is False
    assert s.style.description_width == "110px" and s.layout.width == "420px"


def test_slider_ranges_steps_labels_and_widths():
    f = slider("float", "decay", 0.7, (0.5, 1.0, 0.05), width="460px", label_width="150px")
    assert (f.min, f.max, f.step) == (0.5, 1.0, 0.05)
    assert f.layout.width == "460px" and f.style.description_width == "150px"
    i = slider("int", "seed", 0, (0, 20))
    assert (i.min, i.max, i.step) == (0, 20, 1)
    s = slider("select", "S", 1, [("0.9", 0), ("0.99", 1)])
    assert s.value == 1 and s.label == "0.99"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("dial", "x", 1, (0, 2)), "kind='dial'"),
        (("int", "x", 1, (0,)), "options_or_range"),
        (("float", "x", 0.5, (0.0, 1.0, 0.1, 2.0)), "options_or_range"),
    ],
)
def test_bad_slider_arguments_raise(args, fragment):
    with pytest.raises(ValueError, match=fragment):
        slider(*args)


def test_toggle_has_the_sliders_label_width():
    t = toggle("output", ["relu", "linear"], "linear", label_width="150px")
    assert isinstance(t, widgets.ToggleButtons)
    assert t.value == "linear" and t.description == "output"
    assert t.style.description_width == "150px"


def _figure() -> bytes:
    fig = plt.figure(figsize=(1, 1))
    return figure_png(fig)


def test_live_explorer_renders_now_and_on_every_change():
    s = slider("int", "seed", 0, (0, 5))
    calls = []

    def render():
        calls.append(s.value)
        return _figure(), f"seed {s.value}"

    box = live_explorer(s, (s,), render, "100px")
    assert isinstance(box, Explorer) and calls == [0]
    controls, status, out = box.children
    assert controls is s and status.value == "seed 0"
    assert "toy-explorer" in box._dom_classes and "toy-primary" in s._dom_classes
    assert "toy-figure" in out._dom_classes and out.layout.min_height == "100px"
    s.value = 3
    assert calls == [0, 3] and status.value == "seed 3"
    assert box.png.startswith(b"\x89PNG")
    assert "image/png" in box._repr_mimebundle_()


def test_live_explorer_reports_an_error_in_the_status_line():
    s = slider("int", "seed", 0, (0, 5))

    def render():
        if s.value:
            raise RuntimeError("boom")
        return _figure(), "ok"

    box = live_explorer(s, (s,), render, "100px")
    s.value = 1
    assert "error: RuntimeError: boom" in box.children[1].value
