"""Section 8 (notebook 08): neurons of a privileged basis, figures and explorer."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from helpers import change, find, status_of

import toy_lib as tl
from toy_lib import privileged_basis as P


def hand_built() -> torch.Tensor:
    """Four neurons over four features: monosemantic for f2, polysemantic, monosemantic for f0
    (with a small negative weight), dead."""
    return torch.tensor(
        [
            [0.0, 0.0, 1.0, 0.0],
            [0.7, 0.7, -0.5, 0.0],
            [1.0, 0.0, 0.0, -0.2],
            [0.0, 0.01, 0.0, 0.0],
        ]
    )


def test_monosemanticity_is_the_top_features_share_of_the_squared_norm():
    score = tl.metrics.monosemanticity(hand_built())
    torch.testing.assert_close(
        score, torch.tensor([1.0, 0.49 / 1.23, 1.0 / 1.04, 1.0]), rtol=1e-5, atol=1e-6
    )
    assert tl.metrics.monosemanticity(torch.zeros(2, 3)).tolist() == [0.0, 0.0]
    spread = tl.metrics.monosemanticity(torch.ones(1, 1, 4))
    torch.testing.assert_close(spread, torch.full((1, 1), 0.25))


def test_classify_count_and_order_neurons():
    W = hand_built()
    kinds = P.classify_neurons(W)
    assert kinds.tolist() == [P.MONOSEMANTIC, P.POLYSEMANTIC, P.MONOSEMANTIC, P.DEAD]
    assert P.classify_neurons(W, mono_threshold=0.99).tolist()[2] == P.POLYSEMANTIC
    counts = P.count_neurons(W[None])
    assert counts.monosemantic.tolist() == [2] and counts.polysemantic.tolist() == [1]
    assert counts.dead.tolist() == [1] and counts.mono_features == [[0, 2]]
    # monosemantic by feature (f0's neuron 2 first), then the rest by decreasing norm
    assert P.neuron_order(W).tolist() == [2, 0, 1, 3]


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: P.classify_neurons(hand_built(), mono_threshold=0.0), "mono_threshold=0.0"),
        (lambda: P.classify_neurons(hand_built(), dead_norm=-1.0), "dead_norm=-1.0"),
        (lambda: P.count_neurons(hand_built()), "(instances, hidden, features)"),
        (lambda: P.neuron_order(hand_built()[None]), "(hidden, features)"),
        (lambda: P.train_privileged(hidden_activation="tanh"), "hidden_activation='tanh'"),
    ],
)
def test_bad_input_raises(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value)


def test_train_privileged_builds_one_relu_hidden_model_per_density():
    r = P.train_privileged([1.0, 0.05], restarts=2, steps=300, progress=False)
    assert r.model.hidden_activation == "relu" and r.model.W.shape == (2, 5, 10)
    torch.testing.assert_close(r.model.feature_probability[:, 0], torch.tensor([1.0, 0.05]))
    torch.testing.assert_close(r.model.importance[0, :3], torch.tensor([1.0, 0.75, 0.5625]))
    linear = P.train_privileged([1.0], restarts=1, steps=10, hidden_activation="linear")
    assert linear.model.hidden_activation == "linear"


def test_figures_draw_every_neuron_and_leave_the_weights_alone():
    W = torch.stack([hand_built(), hand_built().flip(0)])
    before = W.clone()
    fig = tl.privileged_basis.privileged_figure(W, [1.0, 0.1])
    titles = [ax.get_title() for ax in fig.axes[:2]]
    assert titles[0] == "density 1\n2 mono · 1 poly"
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["n2\nf0", "n0\nf2", "n1\npoly", "n3\ndead"]
    # 4 features × 2 signs bars per neuron
    assert len(fig.axes[0].patches) == 4 * 2 * 4
    plt.close(fig)
    ax = tl.privileged_basis.plot_monosemanticity(W, [1.0, 0.1], compare=W * 0 + 1)
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["mean (ReLU hidden)"].get_xdata(), [1.0, 10.0], rtol=1e-6)
    np.testing.assert_allclose(lines["mean (linear hidden layer)"].get_ydata(), [0.25, 0.25])
    plt.close(ax.figure)
    plt.close(tl.privileged_basis.privileged_snapshot(W[0], title="t"))
    assert torch.equal(W, before)


def test_explorer_retrains_for_every_control_and_survives_extremes():
    box = tl.privileged_basis.privileged_explorer(restarts=1, steps=300)
    first = box.png
    assert first.startswith(b"\x89PNG") and "monosemantic" in status_of(box)
    density = find(box, "density 1 − S")
    assert not density.continuous_update
    change(box, density, 1.0)
    assert box.png != first and "error" not in status_of(box)
    change(box, density, 0.01)
    for description in ("importance decay", "seed"):
        slider = find(box, description)
        for value in (slider.min, slider.max):
            change(box, slider, value)
            assert "error" not in status_of(box), (description, value, status_of(box))
    change(box, find(box, "hidden layer"), "linear")
    assert "error" not in status_of(box) and "image/png" in box._repr_mimebundle_()
    with pytest.raises(ValueError, match="density=0.3 is not allowed"):
        tl.privileged_basis.privileged_explorer(density=0.3)


# The paper's regimes


def binary_code_model() -> torch.Tensor:
    """``W (5, 10)``: features 0-2 on neurons 0-2; features 3-5 as the paper's binary code on
    neurons 3-4: (1, 1), (1, −1), (−1, 1); features 6-9 not represented."""
    W = torch.zeros(5, 10)
    W[0, 0] = W[1, 1] = W[2, 2] = 1.0
    W[3:, 3] = torch.tensor([0.8, 0.8])
    W[3:, 4] = torch.tensor([0.8, -0.8])
    W[3:, 5] = torch.tensor([-0.8, 0.8])
    return W


def test_regime_reads_the_binary_code():
    r = P.regime(binary_code_model())
    assert (r.monosemantic, r.polysemantic, r.on_polysemantic) == (3, 2, [3, 4, 5])
    assert r.pairs == 1, "only the (1, 1) feature excites both neurons"
    pair_cos, ortho = P.binary_code(binary_code_model(), r.on_polysemantic)
    assert pair_cos == pytest.approx(-1.0) and ortho == pytest.approx(0.0, abs=1e-6)
    # Without a feature that excites both neurons there is no binary code.
    W = binary_code_model()
    W[3:, 3] = torch.tensor([0.8, -0.8])
    assert math.isnan(P.binary_code(W, [3, 4, 5])[0])


def test_neurons_per_feature_counts_the_neurons_a_feature_excites():
    W = torch.tensor([[1.0, 0.9, -1.0], [0.6, 0.2, 0.0], [0.4, 0.0, 0.1]])
    # Feature 0: neurons 0 and 1 reach half its top weight; feature 1: neuron 0 only; feature 2
    # only inhibits neuron 0 and excites neuron 2 weakly: its top positive weight 0.1 counts.
    assert P.neurons_per_feature(W).tolist() == [2, 1, 1]
    assert P.neurons_per_feature(0.1 * W).tolist() == [0, 0, 0], "not represented"
    with pytest.raises(ValueError, match="one model"):
        P.neurons_per_feature(torch.zeros(2, 3, 4))


def test_paper_regimes_cover_every_density_in_order():
    lows = [r[0] for r in P.PAPER_REGIMES]
    assert lows == sorted(lows, reverse=True) and lows[-1] == 0.0
    assert P.PAPER_REGIMES[0][1] == 1.0
