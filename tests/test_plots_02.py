"""Section 3's figures: WᵀW beside b, and ||W_i|| bars coloured by superposition."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import toy_lib as tl  # noqa: E402

VIRIDIS = plt.get_cmap(tl.plots.SUPERPOSITION_CMAP)


def two_orthogonal_one_antipodal_pair() -> torch.Tensor:
    """(2 hidden, 5 features): feature 0 dedicated, 1 and 2 an antipodal pair, 3 and 4 dropped."""
    return torch.tensor([[1.0, 0.0, 0.0, 0.0, 0.01], [0.0, 1.0, -1.0, 0.0, 0.0]])


def test_gram_and_bias_show_the_values_on_one_scale():
    W = two_orthogonal_one_antipodal_pair()
    b = torch.tensor([0.0, -0.1, -0.1, 0.2, 0.2])
    fig, (ax, bias_ax) = plt.subplots(1, 2)
    image = tl.plots.plot_gram_and_bias(W, b, ax=ax, bias_ax=bias_ax, vmax=1.5)
    np.testing.assert_allclose(image.get_array(), (W.T @ W).numpy(), atol=1e-6)
    bias_image = bias_ax.get_images()[0]
    np.testing.assert_allclose(bias_image.get_array()[:, 0], b.numpy())
    assert image.get_clim() == bias_image.get_clim() == (-1.5, 1.5)
    plt.close(fig)


def test_norm_bars_have_the_norms_as_lengths_and_superposition_as_colour():
    W = two_orthogonal_one_antipodal_pair()
    ax = tl.plots.plot_feature_norms(W)
    bars = ax.patches
    np.testing.assert_allclose(
        [p.get_width() for p in bars], tl.feature_norms(W).numpy(), atol=1e-6
    )
    assert bars[0].get_facecolor() == pytest.approx(VIRIDIS(0.0))  # orthogonal to the rest: dark
    assert bars[1].get_facecolor() == pytest.approx(VIRIDIS(1.0))  # antipodal pair: yellow
    assert ax.get_ylim()[0] > ax.get_ylim()[1], "feature 0 (most important) at the top"
    plt.close(ax.figure)


def test_superposition_figure_has_a_heat_map_and_bars_per_model():
    W = torch.stack([two_orthogonal_one_antipodal_pair(), torch.zeros(2, 5)])
    b = torch.zeros(2, 5)
    before = W.clone()
    fig = tl.plots.superposition_figure(W, b, ["first", "second"], suptitle="test")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["first\n3 of 5 represented", "second\n0 of 5 represented"]
    assert sum(len(ax.patches) == 5 for ax in fig.axes) == 2, "one set of 5 bars per model"
    assert torch.equal(W, before)
    plt.close(fig)


def test_superposition_figure_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one title per model"):
        tl.plots.superposition_figure(torch.zeros(2, 3, 4), torch.zeros(2, 4), ["only one"])
    with pytest.raises(ValueError, match=r"\(models, features\)"):
        tl.plots.superposition_figure(torch.zeros(2, 3, 4), torch.zeros(2, 3), ["a", "b"])
