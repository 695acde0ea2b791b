"""Section 7's figures: vulnerability across sparsity and against features per dimension."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import toy_lib as tl  # noqa: E402

DENSITY = torch.tensor([1.0, 0.1, 0.01])
FEATURES_PER_DIMENSION = torch.tensor([1.0, 1.6, 2.4])
VULNERABILITY = {"paper's attack": torch.tensor([1.0, 1.5, 2.0]), "random": torch.zeros(3)}


def test_vulnerability_is_drawn_against_inverse_density_with_features_per_dimension():
    ax = tl.plots.plot_vulnerability(DENSITY, VULNERABILITY, FEATURES_PER_DIMENSION)
    lines = {line.get_label(): line for line in ax.get_lines()}
    paper = lines["paper's attack"]
    np.testing.assert_allclose(paper.get_xdata(), [1.0, 10.0, 100.0], rtol=1e-6)
    np.testing.assert_allclose(paper.get_ydata(), [1.0, 1.5, 2.0])
    dashed = lines["features per dimension $1/D^*$"]
    np.testing.assert_allclose(dashed.get_ydata(), FEATURES_PER_DIMENSION.numpy())
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)


def test_scatter_has_one_dot_per_model_and_attack():
    ax = tl.plots.plot_vulnerability_vs_dimensions(FEATURES_PER_DIMENSION, VULNERABILITY)
    offsets = [c.get_offsets() for c in ax.collections]
    assert len(offsets) == 2
    np.testing.assert_allclose(offsets[0], np.stack([[1.0, 1.6, 2.4], [1.0, 1.5, 2.0]], 1))
    plt.close(ax.figure)


def test_figures_do_not_modify_their_inputs_and_reject_mismatched_lengths():
    before = {k: v.clone() for k, v in VULNERABILITY.items()}
    fig = tl.plots.vulnerability_figure(DENSITY, VULNERABILITY, FEATURES_PER_DIMENSION)
    assert len(fig.axes) == 2
    plt.close(fig)
    for k, v in VULNERABILITY.items():
        assert torch.equal(v, before[k])
    with pytest.raises(ValueError, match="one per model"):
        tl.plots.plot_vulnerability(DENSITY, {"short": torch.ones(2)})


def test_attack_bars_and_snapshot():
    ax = tl.plots.plot_attack_bars({"a": 2.0, "b": 0.5})
    np.testing.assert_allclose([p.get_width() for p in ax.patches], [2.0, 0.5])
    plt.close(ax.figure)
    fig = tl.plots.robustness_snapshot(torch.eye(2, 3), {"a": 1.0}, title="t")
    assert fig.axes[0].get_title() == "t"
    plt.close(fig)
