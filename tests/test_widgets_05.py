"""Drive the section 5 explorers without a browser: setting a control's value fires its callback."""

import ipywidgets as widgets
import pytest
from test_plots_05 import hand_built_sweep
from test_widgets import find, status_of

import toy_lib as tl


def test_perturbation_explorer_picks_points_and_restarts_without_training():
    box = tl.widgets.perturbation_explorer(hand_built_sweep(), relative=0.8)
    point, rank = find(box, "relative density"), find(box, "restart (by loss)")
    assert isinstance(point, widgets.SelectionSlider) and not point.continuous_update
    assert "is pentagon" in status_of(box)
    first = box.png
    point.value = 0
    assert box.png != first and "is 2 digons" in status_of(box)
    rank.value = 2
    assert "restart 2 of 2 by loss is pentagon" in status_of(box)
    assert "image/png" in box._repr_mimebundle_()
    with pytest.raises(ValueError, match="relative=0"):
        tl.widgets.perturbation_explorer(hand_built_sweep(), relative=0)


def test_correlation_explorer_retrains_every_structure():
    box = tl.widgets.correlation_explorer(restarts=1)
    assert box.png.startswith(b"\x89PNG") and "retrained" in status_of(box)
    choice = find(box, "structure")
    density = find(box, "density 1 − S")
    assert not density.continuous_update
    for structure in choice.options:
        choice.value = structure
        assert "error" not in status_of(box), (structure, status_of(box))
    for value in (density.options[0], density.options[-1]):
        density.value = value
        assert "error" not in status_of(box), (value, status_of(box))


def test_correlation_model_names_its_sets():
    r = tl.widgets.train_correlation_model("2 anticorrelated pairs (4 features, 2-D)", 0.3)
    assert r.W.shape == (2, 4) and r.anticorrelated == ((0, 1), (2, 3))
    with pytest.raises(ValueError, match="structure='nope'"):
        tl.widgets.train_correlation_model("nope", 0.1)
    with pytest.raises(ValueError, match="density=0.42"):
        tl.widgets.correlation_explorer(density=0.42)
