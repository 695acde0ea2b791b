"""Drive the section 4 explorer without a browser: setting a control's value fires its callback."""

import ipywidgets as widgets
import pytest
import torch
from test_widgets import find, status_of

import toy_lib as tl


def test_explorer_retrains_the_chosen_cell_of_either_problem():
    box = tl.widgets.phase_explorer(importance=0.2, density=0.01, restarts=2)
    first = box.png
    assert first.startswith(b"\x89PNG") and "retrained" in status_of(box)
    assert "<b>superposition</b>" in status_of(box), status_of(box)  # deep in the sparse phase
    density = find(box, "density 1 − S")
    assert isinstance(density, widgets.SelectionSlider) and not density.continuous_update
    density.value = density.options[-1][
        1
    ]  # the values are grid indices; dense, unimportant extra feature: dropped
    assert "<b>not represented</b>" in status_of(box) and box.png != first
    find(box, "problem").value = "3 → 2"
    assert "error" not in status_of(box) and "<b>not represented</b>" in status_of(box)
    importance = find(box, "importance r of extra")
    importance.value = importance.options[-1][1]
    assert "<b>dedicated, another feature dropped</b>" in status_of(box), status_of(box)
    assert "image/png" in box._repr_mimebundle_()


def test_explorer_rejects_an_unknown_problem():
    with pytest.raises(ValueError, match="problem='4 → 2'"):
        tl.widgets.phase_explorer(problem="4 → 2")


def test_explorer_shows_given_diagrams_and_checks_their_grids():
    r, p = torch.logspace(-1, 1, 5), torch.logspace(-2, 0, 4)
    diagrams = {
        name: tl.theory.paper_phase_diagram(problem, r, p)
        for name, problem in tl.widgets.PHASE_PROBLEMS.items()
    }
    box = tl.widgets.phase_explorer(diagrams=diagrams, importance=10.0, density=1.0, restarts=1)
    assert "the theory predicts dedicated dimension" in status_of(box), status_of(box)
    assert len(find(box, "density 1 − S").options) == 4
    diagrams["3 → 2"] = tl.theory.paper_phase_diagram(tl.theory.THREE_IN_TWO, r, p[:3])
    with pytest.raises(ValueError, match="same grid"):
        tl.widgets.phase_explorer(diagrams=diagrams)
