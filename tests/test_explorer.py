"""toy_lib.explorer: the slider factory and the live-explorer box every section explorer uses."""

import threading

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import toy_lib as tl
from toy_lib.explorer import (
    Explorer,
    live_explorer,
    show_preview,
    slider,
    toggle,
    training_previews,
)
from toy_lib.figures import figure_png
from toy_lib.progress import Progress, listening, report


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
    assert box.wait(10)
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
    assert box.wait(10)
    assert "error: RuntimeError: boom" in box.children[1].value


def _shown(box: Explorer) -> list[str]:
    """Every status text the explorer shows from now on."""
    seen = []
    box.children[1].observe(lambda change: seen.append(change["new"]), names="value")
    return seen


def test_a_change_during_a_retrain_supersedes_it_and_stale_results_never_show():
    """Latest wins: the retrain for 1 is stopped at its next progress report once 2 and 3 arrive;
    2 is never rendered (no queue), 3 is, and nothing of 1 is ever shown."""
    s = slider("int", "seed", 0, (0, 5))
    calls, started, release = [], threading.Event(), threading.Event()

    def render():
        value = s.value
        calls.append(value)
        if value == 1:
            for step in range(1, 1001):  # a training run that reports every chunk
                report(Progress(step, 1000, np.zeros(1), dict))
                started.set()
                release.wait(0.01)
        return _figure(), f"seed {value}"

    box = live_explorer(s, (s,), render, "100px")
    seen = _shown(box)
    s.value = 1
    assert started.wait(10)
    s.value = 2
    s.value = 3
    release.set()
    assert box.wait(10)
    assert calls == [0, 1, 3]
    assert seen[-1] == "seed 3" and "seed 1" not in seen and "seed 2" not in seen
    assert any(text.startswith("<i>training… step") for text in seen), "steps are counted"


def test_a_retrain_shows_previews_then_its_result():
    s = slider("int", "seed", 0, (0, 5))
    show_preview(_figure(), "outside an explorer: nothing happens")

    def render():
        show_preview(_figure(), f"preview {s.value}")
        return _figure(), f"seed {s.value}"

    box = live_explorer(s, (s,), render, "100px")
    seen = _shown(box)
    s.value = 2
    assert box.wait(10)
    assert seen.index("preview 2") < seen.index("seed 2") == len(seen) - 1


def test_training_previews_draw_the_lowest_loss_restart_while_it_trains():
    cfg = tl.Config(5, 2, 3, feature_probability=0.1)
    s = slider("int", "seed", 0, (0, 5))
    drawn, expected = [], []

    def draw(params):
        drawn.append({name: p.shape for name, p in params.items()})
        assert torch.equal(params["W"], expected[-1]), "the preview shows the lowest-loss restart"
        return _figure()

    def best_so_far(progress):  # outer listener: runs before the previews' one
        k = int(progress.recent_loss.argmin())
        expected.append(progress.params()["W"][k : k + 1])

    def render():
        with listening(best_so_far), training_previews(draw, first_s=0.0, every_s=0.0):
            tl.train(tl.ToyModel(cfg, seed=s.value), steps=1000, progress=False)
        return _figure(), "done"

    box = live_explorer(s, (s,), render, "100px")
    assert drawn == [], "no previews in the first, synchronous render"
    seen = _shown(box)
    s.value = 1
    assert box.wait(30)
    assert len(drawn) == 49, "every chunk but the last"
    assert all(d == {"W": (1, 2, 5), "b": (1, 5)} for d in drawn), "one instance: the best restart"
    previews = [t for t in seen if t.startswith("preview at step")]
    assert previews[0] == "preview at step 20: the restart with the lowest training loss"
    assert previews[-1] == "preview at step 980: the restart with the lowest training loss"
    assert (
        "<i>training… step 40 of 1,000</i><br>preview at step 20: the restart with the lowest training loss"
        in seen
    )
    assert box.children[1].value == "done"


def test_training_previews_can_follow_one_chosen_instance():
    cfg = tl.Config(5, 2, 3, feature_probability=0.1)
    s = slider("int", "seed", 0, (0, 5))
    drawn, expected = [], []

    def draw(params):
        drawn.append(params["W"])
        return _figure()

    def instance_two(progress):  # outer listener: runs before the previews' one
        expected.append(progress.params()["W"][2:3])

    def render():
        with listening(instance_two), training_previews(draw, first_s=0.0, instance=2):
            tl.train(tl.ToyModel(cfg, seed=s.value), steps=1000, progress=False)
        return _figure(), "done"

    box = live_explorer(s, (s,), render, "100px")
    seen = _shown(box)
    expected.clear()  # the first, synchronous render trained too (without previews)
    s.value = 1
    assert box.wait(30)
    assert drawn and torch.equal(drawn[0], expected[0]), "the preview shows instance 2"
    assert "preview at step 20" in seen, "no restart named when the instance is chosen"
