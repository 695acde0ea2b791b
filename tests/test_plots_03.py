"""Section 4's figures: phase diagrams and the weights of a one-dimensional model."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import toy_lib as tl  # noqa: E402


def test_phase_diagram_colours_every_cell_by_its_phase():
    r, p = torch.logspace(-1, 1, 4), torch.logspace(-2, 0, 3)
    labels = torch.tensor([[2, 2, 0], [2, 2, 0], [2, 2, 1], [2, -1, 1]])
    before = labels.clone()
    ax = tl.plots.plot_phase_diagram(labels, r, p, tl.theory.TWO_IN_ONE.phases, crosses=labels < 0)
    mesh = ax.collections[0]
    # pcolormesh stores the cells density-major (rows = p); colour index = label + 1.
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(3, 4), labels.T.numpy() + 1)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    crosses = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(crosses, [[10.0, 0.1]], rtol=1e-6)
    assert torch.equal(labels, before)
    plt.close(ax.figure)


def test_phase_figure_has_a_panel_per_diagram_and_a_legend_per_phase():
    r, p = torch.logspace(-1, 1, 5), torch.logspace(-2, 0, 5)
    problem = tl.theory.THREE_IN_TWO
    paper = tl.theory.paper_phase_diagram(problem, r, p)
    fig = tl.plots.phase_figure(
        [(paper.labels, "a"), (paper.labels, "b")], r, p, problem.phases,
        outline=(r, p, paper.labels),
    )  # fmt: skip
    assert len(fig.axes) == 2
    assert len(fig.legends[0].get_texts()) == len(problem.phases) + 1
    plt.close(fig)


def test_weights_1d_draws_one_arrow_per_represented_feature():
    W, b = torch.tensor([[0.9, -0.01]]), torch.tensor([0.0, 0.3])
    ax = tl.plots.plot_weights_1d(W, b)
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 1 and arrows[0].xy == pytest.approx((0.9, 1.0))
    assert any("extra: W = -0.01, b = +0.30" in t.get_text() for t in ax.texts)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="one model's"):
        tl.plots.plot_weights_1d(torch.ones(2, 2), torch.zeros(2))
