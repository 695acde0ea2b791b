"""Section 3 (notebook 02): the loss decomposition, the figures and the explorer."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from helpers import change, find, status_of

import toy_lib as tl
from toy_lib.demonstrating_superposition import linear_loss_terms, loss_decomposition


def random_linear_case(instances=3, m=3, n=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    W = 0.6 * torch.randn(instances, m, n, generator=g)
    b = 0.2 * torch.randn(instances, n, generator=g)
    importance = torch.rand(instances, n, generator=g) + 0.2
    probability = 0.1 + 0.9 * torch.rand(
        instances, n, generator=g
    )  # a different density per feature
    return W, b, importance, probability


def brute_force_linear_loss(W, b, importance, probability):
    """E Σ_j I_j (x_j - x'_j)² from the raw moments E[x] and E[x xᵀ], in float64, written out."""
    W, b, importance, p = (t.double() for t in (W, b, importance, probability))
    losses = []
    for k in range(W.shape[0]):
        n = W.shape[2]
        mu = p[k] / 2  # E[x_i]: active with probability p, then uniform on [0, 1]
        second = torch.outer(mu, mu)  # E[x_i x_j] for independent features i != j ...
        second.diagonal().copy_(p[k] / 3)  # ... and E[x_i²] = p/3 on the diagonal
        A = torch.eye(n, dtype=torch.float64) - W[k].T @ W[k]  # error = A x - b
        err2 = torch.diagonal(A @ second @ A.T) - 2 * b[k] * (A @ mu) + b[k] ** 2
        losses.append(float((importance[k] * err2).sum()))
    return torch.tensor(losses, dtype=torch.float64)


def test_orthonormal_top_features_pay_only_for_the_dropped_ones():
    W = torch.zeros(1, 2, 4)
    W[0, 0, 0] = W[0, 1, 1] = 1.0  # features 0 and 1 get a dimension each, 2 and 3 nothing
    importance = torch.tensor([1.0, 0.5, 0.25, 0.125])
    terms = loss_decomposition(W, importance)
    assert terms.feature_benefit.tolist() == [[0.0, 0.0, 0.25, 0.125]]
    assert terms.interference.tolist() == [[0.0, 0.0, 0.0, 0.0]]
    assert terms.bias.tolist() == [[0.0, 0.0, 0.0, 0.0]]


def test_antipodal_pair_pays_interference_but_no_benefit_loss():
    W = torch.tensor([[[1.0, -1.0]]])
    terms = loss_decomposition(W, torch.tensor([1.0, 0.3]))
    assert torch.allclose(terms.feature_benefit, torch.zeros(1, 2))
    # each feature receives (W_j · W_i)² = 1 from the other, weighted by its own importance
    assert torch.allclose(terms.interference, torch.tensor([[1.0, 0.3]]))
    assert torch.allclose(terms.total, torch.tensor([1.3]))


def test_paper_terms_are_the_exact_loss_for_whitened_gaussian_inputs():
    """The setting the paper adapts from Saxe et al.: x ~ N(0, 1), x' = WᵀW x, no bias."""
    W, _, importance, _ = random_linear_case(seed=1)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(W.shape[0], 400_000, W.shape[2], generator=g)
    per_sample = (importance[:, None] * (x - x @ W.transpose(1, 2) @ W) ** 2).sum(-1)
    sampled, stderr = per_sample.mean(-1), per_sample.std(-1) / per_sample.shape[1] ** 0.5
    exact = loss_decomposition(W, importance).total
    assert ((exact - sampled).abs() < 4 * stderr).all(), (exact, sampled, stderr)


def test_linear_terms_add_up_to_the_exact_expected_loss():
    W, b, importance, probability = random_linear_case()
    terms = linear_loss_terms(W, b, importance, probability)
    expected = brute_force_linear_loss(W, b, importance, probability)
    assert torch.allclose(terms.total.double(), expected, rtol=1e-5)


def test_linear_terms_match_the_sampled_loss_of_a_linear_model():
    W, b, importance, probability = random_linear_case(seed=3)
    cfg = tl.Config(6, 3, 3, feature_probability=probability, importance=importance)
    model = tl.ToyModel(cfg, output="linear")
    with torch.no_grad():
        model.W.copy_(W)
        model.b.copy_(b)
    x = tl.generate_batch(cfg.probability, 400_000, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        per_sample = (cfg.importances[:, None] * (x - model(x)) ** 2).sum(-1)
    sampled, stderr = per_sample.mean(-1), per_sample.std(-1) / per_sample.shape[1] ** 0.5
    exact = linear_loss_terms(model.W, model.b, model.importance, model.feature_probability).total
    assert ((exact - sampled).abs() < 4 * stderr).all(), (exact, sampled, stderr)


def test_with_one_density_the_terms_are_the_papers_times_the_variance():
    W, b, importance, _ = random_linear_case(seed=5)
    p = torch.tensor([[1.0], [0.1], [0.001]])  # one density per instance
    ours = linear_loss_terms(W, b, importance, p)
    paper = loss_decomposition(W, importance)
    variance = p / 3 - p**2 / 4
    assert torch.allclose(ours.feature_benefit, variance * paper.feature_benefit, rtol=1e-5)
    assert torch.allclose(ours.interference, variance * paper.interference, rtol=1e-5)


def test_bias_term_is_the_squared_distance_from_the_best_bias():
    W, b, importance, probability = random_linear_case(seed=6)
    terms = linear_loss_terms(W, b, importance, probability)
    mean = probability / 2
    best_b = mean - (W.transpose(1, 2) @ W @ mean.unsqueeze(-1)).squeeze(-1)
    at_best = linear_loss_terms(W, best_b, importance, probability)
    assert torch.allclose(at_best.bias, torch.zeros_like(at_best.bias), atol=1e-10)
    # Any other bias costs exactly I_j (b_j - b*_j)² more, the rest unchanged.
    assert torch.allclose(terms.total - at_best.total, (importance * (b - best_b) ** 2).sum(-1))
    assert torch.allclose(terms.feature_benefit, at_best.feature_benefit)


def test_decomposition_is_batched_and_leaves_inputs_alone():
    W, b, importance, probability = random_linear_case(instances=5)
    before = [t.clone() for t in (W, b, importance, probability)]
    terms = linear_loss_terms(W, b, importance, probability)
    paper = loss_decomposition(W, importance)
    for t in (*terms, *paper):
        assert t.shape == (5, 6)
    assert terms.total.shape == (5,)
    for t, t0 in zip((W, b, importance, probability), before, strict=True):
        assert torch.equal(t, t0)
    # instance k's terms do not depend on the other instances
    alone = linear_loss_terms(W[2:3], b[2:3], importance[2:3], probability[2:3])
    assert torch.allclose(alone.total, terms.total[2:3])


@pytest.mark.parametrize("bad", [0.0, 1.5, float("nan")])
def test_bad_probability_is_rejected(bad):
    W, b, importance, probability = random_linear_case()
    probability[0, 0] = bad
    with pytest.raises(ValueError, match="probability"):
        linear_loss_terms(W, b, importance, probability)


def test_antipodal_needs_a_represented_partner_pointing_the_other_way():
    W = torch.tensor(
        [
            [1.0, -1.0, 0.0, 0.0, 0.0, 0.05],
            [0.0, 0.0, 1.0, -0.6, 0.0, 0.0],
            [0.0, 0.0, 0.0, -0.8, 1.0, 0.0],
        ]
    )  # 0/1 a pair; 2 is not opposite 3; 4 alone; 5 opposite 1 but not represented
    assert tl.metrics.antipodal(W).tolist() == [True, True, False, False, False, False]
    assert tl.metrics.antipodal(W.expand(4, 3, 6)).shape == (4, 6)


VIRIDIS = plt.get_cmap(tl.demonstrating_superposition.SUPERPOSITION_CMAP)


def two_orthogonal_one_antipodal_pair() -> torch.Tensor:
    """(2 hidden, 5 features): feature 0 dedicated, 1 and 2 an antipodal pair, 3 and 4 dropped."""
    return torch.tensor([[1.0, 0.0, 0.0, 0.0, 0.01], [0.0, 1.0, -1.0, 0.0, 0.0]])


def test_gram_and_bias_show_the_values_on_one_scale():
    W = two_orthogonal_one_antipodal_pair()
    b = torch.tensor([0.0, -0.1, -0.1, 0.2, 0.2])
    fig, (ax, bias_ax) = plt.subplots(1, 2)
    image = tl.demonstrating_superposition.plot_gram_and_bias(
        W, b, ax=ax, bias_ax=bias_ax, vmax=1.5
    )
    np.testing.assert_allclose(image.get_array(), (W.T @ W).numpy(), atol=1e-6)
    bias_image = bias_ax.get_images()[0]
    np.testing.assert_allclose(bias_image.get_array()[:, 0], b.numpy())
    assert image.get_clim() == bias_image.get_clim() == (-1.5, 1.5)
    plt.close(fig)


def test_norm_bars_have_the_norms_as_lengths_and_superposition_as_colour():
    W = two_orthogonal_one_antipodal_pair()
    ax = tl.demonstrating_superposition.plot_feature_norms(W)
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
    fig = tl.demonstrating_superposition.superposition_figure(
        W, b, ["first", "second"], suptitle="test"
    )
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["first\n3 of 5 represented", "second\n0 of 5 represented"]
    assert sum(len(ax.patches) == 5 for ax in fig.axes) == 2, "one set of 5 bars per model"
    assert torch.equal(W, before)
    plt.close(fig)


def test_superposition_figure_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one title per model"):
        tl.demonstrating_superposition.superposition_figure(
            torch.zeros(2, 3, 4), torch.zeros(2, 4), ["only one"]
        )
    with pytest.raises(ValueError, match=r"\(models, features\)"):
        tl.demonstrating_superposition.superposition_figure(
            torch.zeros(2, 3, 4), torch.zeros(2, 3), ["a", "b"]
        )


def test_explorer_retrains_for_each_output_and_sparsity():
    box = tl.demonstrating_superposition.superposition_explorer(sparsity=0.9, restarts=1)
    first = box.png
    assert first.startswith(b"\x89PNG") and "retrained" in status_of(box)
    sparsity, output = find(box, "sparsity"), find(box, "output")
    assert isinstance(sparsity, widgets.SelectionSlider) and not sparsity.continuous_update
    change(box, output, "linear")
    assert box.png != first and "5 of 20 features represented" in status_of(box)
    for value in (sparsity.options[0], sparsity.options[-1]):
        change(box, sparsity, value)
        assert "error" not in status_of(box), (value, status_of(box))
    assert "image/png" in box._repr_mimebundle_()


def test_explorer_rejects_a_sparsity_it_does_not_offer():
    with pytest.raises(ValueError, match="sparsity=0.42"):
        tl.demonstrating_superposition.superposition_explorer(sparsity=0.42)


# --- the paper's §3 claims (section3_claims) -------------------------------------------------

CLAIM_SPARSITIES = [0.0, 0.7, 0.9, 0.99, 0.999]


def place(m, n, columns):
    """A ``(m, n)`` matrix with the given ``{feature: vector}`` columns, zero elsewhere."""
    W = torch.zeros(m, n)
    for i, v in columns.items():
        W[:, i] = torch.tensor(v, dtype=torch.float32)
    return W


def paper_like_models(m=3, n=8):
    """Linear and ReLU models over CLAIM_SPARSITIES that follow every §3 statement."""
    e = torch.eye(m).tolist()
    neg = [[-v for v in row] for row in e]
    linear = torch.stack([place(m, n, {i: e[i] for i in range(m)})] * len(CLAIM_SPARSITIES))
    c, s = np.cos(2 * np.pi * np.arange(5) / 5), np.sin(2 * np.pi * np.arange(5) / 5)
    pentagon = {i: [c[i], s[i], 0.0] for i in range(5)}
    relu = torch.stack(
        [
            place(m, n, {0: e[0], 1: e[1], 2: e[2]}),  # dense: the top m, dedicated
            place(m, n, {0: e[0], 1: e[1], 2: e[2], 3: neg[2]}),  # one antipodal pair
            place(m, n, {0: e[0], 1: e[1], 2: neg[1], 3: e[2], 4: neg[2]}),  # two pairs
            place(m, n, {0: e[0], 5: neg[0], 1: e[1], 2: neg[1], 3: e[2], 4: neg[2]}),
            place(m, n, {**pentagon, 5: e[2], 6: neg[2]}),  # a pentagon and a pair
        ]
    )
    return linear, relu


def test_section3_claims_hold_for_models_that_follow_the_paper():
    linear, relu = paper_like_models()
    claims = tl.demonstrating_superposition.section3_claims(linear, relu, CLAIM_SPARSITIES)
    assert all(claims[:-1]), claims
    assert claims.counts.tolist() == [3, 4, 5, 6, 7]


def break_claim(name):
    """Paper-like models with one plausible deviation from the paper's §3 statements."""
    linear, relu = paper_like_models()
    e = torch.eye(3)
    if name == "linear_top_m":
        linear[2, :, 2], linear[2, :, 3] = 0.0, e[2]  # keeps feature 3 instead of 2
    elif name == "relu_dense_like_linear":
        relu[0, :, 2], relu[0, :, 3] = 0.0, e[2]
    elif name == "more_features_when_sparse":
        relu[1, :, 3] = 0.0  # only m features at S = 0.7
    elif name == "never_fewer":
        relu[3, :, 5] = 0.0  # one feature fewer at S = 0.99 than at 0.9 ...
        relu[3, :, 0] = 0.0  # ... with no dedicated feature left
    elif name == "superposition_spreads":
        relu[[1, 2]] = relu[[2, 1]]  # two pairs at S = 0.7, back to one pair at S = 0.9
    elif name == "dedicated_most_important":
        relu[2, :, 0], relu[2, :, 1] = -e[1], e[0]  # feature 1 dedicated, feature 0 shared
    elif name == "antipodal_pairs_first":
        angle = torch.tensor(2 * np.pi / 3)
        relu[2, :, 2] = torch.cos(angle) * e[1] + torch.sin(angle) * e[2]  # a triangle, no pairs
        relu[2, :, 3] = torch.cos(2 * angle) * e[1] + torch.sin(2 * angle) * e[2]
        relu[2, :, 4] = e[1]
        relu[2, :, 1] = 0.0
    elif name == "all_superposed_when_very_sparse":
        relu[3, :, 5] = 0.0  # feature 0 alone on its axis at S = 0.99
        relu[2, :, 5] = 0.0
    elif name == "keeps_packing":
        relu[4] = relu[3]
    return linear, relu


@pytest.mark.parametrize("name", tl.demonstrating_superposition.Section3Claims._fields[:-1])
def test_each_section3_claim_fails_when_its_statement_does_not_hold(name):
    claims = tl.demonstrating_superposition.section3_claims(*break_claim(name), CLAIM_SPARSITIES)
    assert getattr(claims, name) is False, claims


def test_feature_census_sorts_dedicated_and_antipodal_features():
    W = place(2, 4, {0: [1.0, 0.0], 1: [0.0, 1.0], 2: [0.0, -1.0], 3: [0.1, 0.1]})
    census = tl.demonstrating_superposition.feature_census(W)
    assert census.represented.tolist() == [True, True, True, False]
    assert census.dedicated.tolist() == [True, False, False, False]
    assert census.antipodal.tolist() == [False, True, True, False]
    assert census.shared.tolist() == [False, True, True, False]


@pytest.mark.parametrize(
    "sparsities",
    [[0.0, 0.7, 0.9, 0.99], [0.1, 0.7, 0.9, 0.99, 0.999], [0.0, 0.9, 0.7, 0.99, 0.999]],
)
def test_section3_claims_reject_sparsities_it_cannot_read(sparsities):
    linear, relu = paper_like_models()
    with pytest.raises(ValueError, match="sparsities"):
        tl.demonstrating_superposition.section3_claims(linear, relu, sparsities)
