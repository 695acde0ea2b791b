"""Section 5's non-uniform figures: feature sets coloured by set, and the density sweep."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from test_nonuniform import DIGONS, PENTAGON  # noqa: E402

import toy_lib as tl  # noqa: E402
from toy_lib import nonuniform as nu  # noqa: E402


def test_set_colours_group_the_members():
    colors = tl.plots.feature_set_colors(5, [(0, 3), (1, 2)])
    assert colors[0] == colors[3] != colors[1] == colors[2]
    assert colors[4] == "0.55", "a feature in no set is grey"


def test_plot_feature_sets_colours_arrows_by_set_in_2d_and_draws_3d_stems():
    ax = tl.plots.plot_feature_sets(PENTAGON, [(0, 1)])
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 5
    blue = to_rgba(tl.plots.SET_COLORS[0])
    assert to_rgba(arrows[0].arrow_patch.get_edgecolor()) == pytest.approx(blue)
    assert to_rgba(arrows[2].arrow_patch.get_edgecolor()) != pytest.approx(blue)
    plt.close(ax.figure)
    octahedron = torch.cat([torch.eye(3), -torch.eye(3)], dim=1)
    ax3 = tl.plots.plot_feature_sets(octahedron, [(0, 1, 2), (3, 4, 5)])
    assert ax3.name == "3d" and len(ax3.lines) == 12 + 6, "octahedron: 12 edges and 6 stems"
    plt.close(ax3.figure)
    with pytest.raises(ValueError, match="projection='3d'"):
        tl.plots.plot_feature_sets(octahedron, [], ax=plt.figure().gca())
    with pytest.raises(ValueError, match="2 or 3"):
        tl.plots.plot_feature_sets(torch.ones(4, 5), [])
    plt.close("all")


def hand_built_sweep() -> nu.PerturbationSweep:
    W = torch.stack([torch.stack([PENTAGON, DIGONS])] * 4)
    losses = torch.tensor([[2.0, 1.0], [2.0, 1.5], [2.5, 3.0], [3.0, 4.0]])
    return nu.PerturbationSweep(
        torch.tensor([0.1, 0.2, 0.4, 0.8]), W, losses, losses.argmin(1), feature=0
    )


def test_perturbation_figure_marks_the_crossover_and_leaves_the_sweep_untouched():
    sweep = hand_built_sweep()
    before = sweep.W.clone()
    fig = tl.plots.perturbation_figure(sweep, [0.1, 0.8])
    assert torch.equal(sweep.W, before)
    crossing = float(sweep.crossover()[0])
    axes = fig.get_axes()
    assert len(axes) == 5
    for ax in axes[2:]:
        assert any(np.allclose(line.get_xdata(), crossing) for line in ax.lines), ax.get_title()
    assert "2 digons" in axes[0].get_title() and "pentagon" in axes[1].get_title()
    plt.close(fig)


def test_sweep_point_figure_shows_the_restart_by_rank():
    sweep = hand_built_sweep()
    fig = tl.plots.sweep_point_figure(sweep, 0, rank=2)
    assert "pentagon" in fig.get_axes()[0].get_title(), "rank 2 at point 0 is the pentagon"
    plt.close(fig)
    with pytest.raises(ValueError, match="rank=3"):
        tl.plots.sweep_point_figure(sweep, 0, rank=3)


def test_rank_one_fraction_plot_fills_collapsed_points():
    u = torch.tensor([1.0, 0.0])
    collapsed = torch.stack([u, u], dim=1)
    orthogonal = torch.eye(2)
    ax = tl.plots.plot_rank_one_fraction(
        [0.5, 0.01], torch.stack([collapsed, orthogonal]), [(0, 1)]
    )
    filled, hollow = ax.collections[0], ax.collections[1]
    np.testing.assert_allclose(filled.get_offsets(), [[0.5, 1.0]])
    np.testing.assert_allclose(hollow.get_offsets(), [[0.01, 0.5]])
    plt.close(ax.figure)
