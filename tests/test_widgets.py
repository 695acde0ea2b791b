"""Drive the intro explorer without a browser: setting a slider's value fires its callback."""

import ipywidgets as widgets

import toy_lib as tl


def find(box: widgets.Widget, description: str) -> widgets.Widget:
    stack = [box]
    while stack:
        w = stack.pop()
        if getattr(w, "description", None) == description:
            return w
        stack.extend(getattr(w, "children", ()))
    raise LookupError(description)


def status_of(box: widgets.VBox) -> str:
    return next(c for c in box.children if isinstance(c, widgets.HTML)).value


def test_slider_retrains_and_replaces_the_figure():
    box = tl.widgets.intro_explorer(restarts=2)
    first = box.png
    assert first.startswith(b"\x89PNG") and "retrained" in status_of(box)
    sparsity = find(box, "sparsity")
    assert not sparsity.continuous_update and "toy-sparsity" in sparsity._dom_classes
    sparsity.value = 0.0
    assert box.png != first and "retrained" in status_of(box)
    assert "image/png" in box._repr_mimebundle_(), (
        "a saved notebook shows the figure without widgets"
    )


def test_widget_survives_every_slider_extreme():
    box = tl.widgets.intro_explorer(restarts=1)
    for description in ("sparsity", "importance decay", "features", "seed"):
        slider = find(box, description)
        for value in (slider.min, slider.max):
            slider.value = value
            assert "error" not in status_of(box), (description, value, status_of(box))
