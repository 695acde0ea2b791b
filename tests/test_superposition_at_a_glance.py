"""Section 1 (notebook 01): the intro model, its figure and its explorer."""

import pytest
from helpers import change, find, status_of

import toy_lib as tl


def test_slider_retrains_and_replaces_the_figure():
    box = tl.superposition_at_a_glance.intro_explorer(restarts=2)
    first = box.png
    assert first.startswith(b"\x89PNG") and "retrained" in status_of(box)
    sparsity = find(box, "sparsity")
    assert not sparsity.continuous_update and "toy-sparsity" in sparsity._dom_classes
    change(box, sparsity, 0.0)
    assert box.png != first and "retrained" in status_of(box)
    assert "image/png" in box._repr_mimebundle_(), (
        "a saved notebook shows the figure without widgets"
    )


def test_widget_survives_every_slider_extreme():
    box = tl.superposition_at_a_glance.intro_explorer(restarts=1)
    for description in ("sparsity", "importance decay", "features", "seed"):
        slider = find(box, description)
        for value in (slider.min, slider.max):
            change(box, slider, value)
            assert "error" not in status_of(box), (description, value, status_of(box))


def test_the_original_name_still_opens_the_intro_explorer():
    assert tl.widgets.intro_explorer is tl.superposition_at_a_glance.intro_explorer


def test_a_retrain_shows_a_preview_of_the_training_model_then_the_result():
    box = tl.superposition_at_a_glance.intro_explorer(restarts=2, preview_after=0.0)
    out = box.children[-1]
    frames, statuses = [], []
    out.observe(lambda change: frames.append(box.png), names="outputs")
    box.children[1].observe(lambda change: statuses.append(change["new"]), names="value")
    change(box, find(box, "sparsity"), 0.5)
    assert len(frames) >= 2, "a preview first, then the result"
    assert frames[-1] == box.png and frames[0] != frames[-1]
    assert any("preview at step" in s for s in statuses), statuses
    assert "retrained" in status_of(box) and "preview" not in status_of(box)


@pytest.mark.parametrize("value", [-0.1, float("nan"), "soon", True])
def test_a_bad_preview_delay_is_refused(value):
    with pytest.raises(ValueError, match="preview_after="):
        tl.superposition_at_a_glance.intro_explorer(preview_after=value)
