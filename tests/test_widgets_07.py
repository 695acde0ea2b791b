"""Drive the section 7 explorer without a browser: setting a control's value fires its callback."""

import ipywidgets as widgets
import pytest
import torch
from test_widgets import find, status_of

import toy_lib as tl


def _sweep():
    """A hand-built 2-model sweep: 5 features in 2-D, dedicated (dense) and a pentagon (sparse)."""
    cfg = tl.Config(5, 2, 2, feature_probability=[1.0, 0.1])
    model = tl.ToyModel(cfg)
    angles = torch.arange(5) * 2 * torch.pi / 5
    with torch.no_grad():
        model.W.zero_()
        model.W[0, :, :2] = torch.eye(2)
        model.W[1] = torch.stack([angles.cos(), angles.sin()])
        model.b[1] = -0.1
    return model


def test_explorer_reattacks_for_each_sparsity_and_budget_without_touching_the_model():
    model = _sweep()
    before = model.W.detach().clone()
    box = tl.widgets.robustness_explorer(model, [0.0, 0.9], n_examples=256)
    first = box.png
    assert first.startswith(b"\x89PNG") and "attacked" in status_of(box)
    assert "5 of 5 features represented" in status_of(box)  # the sparsest model comes first
    sparsity, budget = find(box, "sparsity S"), find(box, "budget (× mean ‖x‖)")
    assert isinstance(sparsity, widgets.SelectionSlider) and not sparsity.continuous_update
    assert "toy-sparsity" in sparsity._dom_classes
    sparsity.value = 0
    assert box.png != first and "2 of 5 features represented" in status_of(box)
    for value in (budget.min, budget.max):
        budget.value = value
        assert "error" not in status_of(box), status_of(box)
    assert torch.equal(model.W.detach(), before)
    assert "image/png" in box._repr_mimebundle_()


def test_explorer_rejects_a_sparsity_list_of_the_wrong_length():
    with pytest.raises(ValueError, match="one sparsity per instance"):
        tl.widgets.robustness_explorer(_sweep(), [0.9])
    with pytest.raises(ValueError, match="index=2"):
        tl.widgets.robustness_explorer(_sweep(), [0.0, 0.9], index=2)
