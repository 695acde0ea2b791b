"""Drive the section 3 explorer without a browser: setting a control's value fires its callback."""

import ipywidgets as widgets
import pytest
from test_widgets import find, status_of

import toy_lib as tl


def test_explorer_retrains_for_each_output_and_sparsity():
    box = tl.widgets.superposition_explorer(sparsity=0.9, restarts=1)
    first = box.png
    assert first.startswith(b"\x89PNG") and "retrained" in status_of(box)
    sparsity, output = find(box, "sparsity"), find(box, "output")
    assert isinstance(sparsity, widgets.SelectionSlider) and not sparsity.continuous_update
    output.value = "linear"
    assert box.png != first and "5 of 20 features represented" in status_of(box)
    for value in (sparsity.options[0], sparsity.options[-1]):
        sparsity.value = value
        assert "error" not in status_of(box), (value, status_of(box))
    assert "image/png" in box._repr_mimebundle_()


def test_explorer_rejects_a_sparsity_it_does_not_offer():
    with pytest.raises(ValueError, match="sparsity=0.42"):
        tl.widgets.superposition_explorer(sparsity=0.42)
