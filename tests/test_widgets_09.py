"""Drive the section 9 explorer without a browser: setting a control's value fires its callback."""

import ipywidgets as widgets
from test_widgets import find, status_of

import toy_lib as tl


def test_explorer_retrains_for_each_density_and_marks_motifs():
    box = tl.widgets.computation_explorer(restarts=1, steps=300)
    first = box.png
    assert first.startswith(b"\x89PNG") and "retrained" in status_of(box)
    assert "features computed (m/2 = 5)" in status_of(box)
    density = find(box, "density")
    assert isinstance(density, widgets.SelectionSlider) and not density.continuous_update
    assert "toy-sparsity" in density._dom_classes
    density.value = 1.0
    assert box.png != first and "retrained" in status_of(box)
    assert "image/png" in box._repr_mimebundle_()


def test_explorer_survives_every_slider_extreme():
    box = tl.widgets.computation_explorer(restarts=1, steps=200)
    for description in ("density", "neurons", "seed"):
        control = find(box, description)
        values = (
            (control.options[0][1], control.options[-1][1])
            if isinstance(control, widgets.SelectionSlider)
            else (control.min, control.max)
        )
        for value in values:
            control.value = value
            assert "error" not in status_of(box), (description, value, status_of(box))
            assert "retrained" in status_of(box)


def test_default_explorer_answers_fast():
    box = tl.widgets.computation_explorer()
    find(box, "seed").value = 1
    seconds = float(status_of(box).rsplit("retrained in ", 1)[1].split(" s")[0])
    assert seconds < 8.0, status_of(box)  # about 1-2 s on 2 idle cores
