"""toy_lib.figures: the figure helpers every section shares."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from toy_lib.figures import (
    feature_ticks,
    figure_png,
    inverse_density,
    label_right,
    plot_features_2d,
    plot_gram,
    small_type,
    to_numpy,
)


def test_to_numpy_copies_tensors_and_arrays():
    t = torch.ones(2, 3, requires_grad=True)
    a = to_numpy(t)
    a[0, 0] = 5.0
    assert isinstance(a, np.ndarray) and t[0, 0].item() == 1.0
    b = np.zeros(3)
    to_numpy(b)[0] = 1.0
    assert b[0] == 0.0


def test_feature_ticks_every_feature_up_to_ten_then_every_fifth_then_wider():
    assert feature_ticks(4) == [0, 1, 2, 3]
    assert feature_ticks(10) == list(range(10))
    assert feature_ticks(20) == [0, 5, 10, 15]
    assert feature_ticks(40) == list(range(0, 40, 5))
    assert feature_ticks(80) == list(range(0, 80, 10))
    assert len(feature_ticks(200)) <= 8


def test_inverse_density_and_its_bad_values():
    np.testing.assert_allclose(inverse_density([1.0, 0.5, 0.1]), [1.0, 2.0, 10.0], rtol=1e-6)
    for bad in ([0.0], [1.5], [-0.2]):
        with pytest.raises(ValueError, match="density"):
            inverse_density(bad)


def test_figure_png_returns_png_bytes_and_closes_the_figure():
    fig = plt.figure()
    data = figure_png(fig)
    assert data.startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)


def test_plot_features_2d_draws_an_arrow_per_nonzero_feature_and_rejects_other_shapes():
    W = torch.tensor([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])
    ax = plot_features_2d(W, title="t")
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 2, "the zero feature gets no arrow"
    assert ax.get_title() == "t"
    with pytest.raises(ValueError, match="W has shape"):
        plot_features_2d(torch.ones(3, 3))
    plt.close("all")


def test_plot_gram_shows_w_transpose_w_without_changing_w():
    W = torch.tensor([[1.0, 0.5], [0.0, 2.0]])
    before = W.clone()
    ax = plot_gram(W)
    np.testing.assert_allclose(ax.images[0].get_array(), (W.T @ W).numpy())
    assert torch.equal(W, before)
    plt.close("all")


def test_small_type_sets_label_tick_and_title_sizes():
    ax = plt.figure().gca()
    assert small_type(ax, xlabel="x", ylabel="y", title="t") is ax
    assert ax.xaxis.label.get_fontsize() == 8 and ax.yaxis.label.get_fontsize() == 8
    assert ax.title.get_fontsize() == 9 and ax.get_title() == "t"
    assert ax.xaxis.get_major_ticks()[0].label1.get_fontsize() == 7
    plt.close("all")


def test_label_right_keeps_labels_below_the_previous_one():
    ax = plt.figure().gca()
    assert label_right(ax, "a", 0.5, 1.0, "black", offset=2) == 0.5
    assert label_right(ax, "b", 0.48, 0.4, "black", offset=2) == 0.4
    assert [t.get_text() for t in ax.texts] == ["a", "b"]
    plt.close("all")
