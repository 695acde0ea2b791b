"""Section 7 (notebook 07): attacks, vulnerability, figures and explorer."""

import math
from functools import partial

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from helpers import change, find, status_of

import toy_lib as tl
from toy_lib import adversarial_robustness as attacks


def _model(W, b, importance=1.0, output="relu", probability=0.1):
    """A toy model with the given ``W (instances, hidden, features)`` and ``b``."""
    W, b = torch.as_tensor(W, dtype=torch.float32), torch.as_tensor(b, dtype=torch.float32)
    cfg = tl.Config(
        W.shape[2],
        W.shape[1],
        W.shape[0],
        feature_probability=probability,
        importance=importance,
    )
    model = tl.ToyModel(cfg, output=output)
    with torch.no_grad():
        model.W.copy_(W)
        model.b.copy_(b.expand_as(model.b))
    return model


def _pentagon(bias=-0.2):
    """Five features as a regular pentagon in 2-D, the §1 solution at S = 0.9: superposition."""
    angles = torch.arange(5) * 2 * math.pi / 5
    return torch.stack([angles.cos(), angles.sin()]).unsqueeze(0), torch.full((1, 5), bias)


def _sparse_inputs(cfg, batch=2048, seed=0):
    return tl.generate_batch(cfg.probability, batch, generator=torch.Generator().manual_seed(seed))


def test_example_loss_averages_to_the_model_loss():
    model = tl.ToyModel(tl.Config(6, 2, 3, feature_probability=0.3, importance=[1, 2, 3]), seed=1)
    x = _sparse_inputs(model.cfg)
    per_example = attacks.example_loss(model, x)
    assert per_example.shape == (3, 2048)
    torch.testing.assert_close(per_example.mean(-1), model.loss(x).detach())


def test_attack_budget_is_a_fraction_of_the_mean_input_norm():
    x = torch.zeros(2, 4, 3)
    x[0, 0] = torch.tensor([3.0, 4.0, 0.0])  # norm 5, three all-zero inputs
    x[1] = torch.tensor([0.0, 0.0, 2.0])  # norm 2 everywhere
    # The literal reading: the mean over all inputs, the all-zero ones included.
    torch.testing.assert_close(attacks.attack_budget(x), torch.tensor([0.125, 0.2]))
    torch.testing.assert_close(
        attacks.attack_budget(x, 0.2, include_zero=False), torch.tensor([1.0, 0.4])
    )
    with pytest.raises(ValueError, match="all zero"):
        attacks.attack_budget(torch.zeros(1, 4, 3), include_zero=False)
    with pytest.raises(ValueError, match="fraction=-0.1"):
        attacks.attack_budget(x, -0.1)


def _antipodal():
    """Features 0 and 1 an antipodal pair on hidden dimension 0, feature 2 alone on dimension 1."""
    W = torch.tensor([[[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]]])
    return _model(W, torch.zeros(1, 3), [1.0, 1.0, 1.0])


def test_paper_attack_on_an_antipodal_pair_does_twice_the_reference_damage():
    # On x = 0 the attack on feature 0, ε (1, -1, 0)/√2, moves the pre-activations by
    # ε √2 (1, -1, 0): output 0 rises to ε √2, a loss of 2 ε²; the reference loses ε².
    model = _antipodal()
    x = torch.zeros(1, 3, 3)
    found = attacks.feature_attack(model, x, 0.1)
    want = 0.1 * torch.tensor([1.0, -1.0, 0.0]) / math.sqrt(2)
    torch.testing.assert_close(found.delta, want.expand(1, 3, 3))
    torch.testing.assert_close(found.loss_increase, torch.tensor([0.02]))
    torch.testing.assert_close(attacks.vulnerability(model, x, 0.1), torch.tensor([2.0]))


def test_dataset_choice_is_one_feature_for_all_examples_and_example_choice_each_its_own():
    # Example 0 has feature 2 active, example 1 nothing. The pair's attacks cost 2 ε² on both
    # examples, feature 2's (±ε on output 2) ε²: the dataset-wide choice is feature 0 (the first
    # of the tied pair), one perturbation for both examples.
    model = _antipodal()
    x = torch.tensor([[[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]])
    one = attacks.feature_attack(model, x, 0.1)
    assert torch.equal(one.delta[0, 0], one.delta[0, 1])
    each = attacks.feature_attack(model, x, 0.1, choice="example", signs="±")
    assert (each.attacked_loss >= one.attacked_loss - 1e-7).all()
    torch.testing.assert_close(one.attacked_loss, torch.tensor([[0.02, 0.02]]))
    assert one.delta[0, 0, 0] > 0  # "+": along (WᵀW)_0 itself


def test_target_x_plus_delta_leaves_the_reference_unharmed():
    # The reference reconstructs a push up its own feature exactly, so measured against x + δ the
    # paper's (positive) attack costs it nothing and the vulnerability is undefined.
    cfg = tl.Config(4, 2, 1, feature_probability=0.5)
    ref = attacks.no_superposition_model(cfg)
    x = _sparse_inputs(cfg, batch=64)
    found = attacks.feature_attack(ref, x, 0.1, target="attacked")
    torch.testing.assert_close(found.loss_increase, torch.zeros(1))
    with pytest.raises(ValueError, match="does not raise the reference"):
        attack = partial(attacks.feature_attack, target="attacked")
        attacks.vulnerability(ref, x, 0.1, attack, ref, attack)


def test_feature_attack_matches_a_forward_pass_for_every_option():
    W = torch.randn(2, 3, 7, generator=torch.Generator().manual_seed(4))
    b = -0.1 * torch.rand(2, 7, generator=torch.Generator().manual_seed(5))
    model = _model(W, b, tl.decaying_importance(7, 0.8), probability=[0.3, 0.05])
    x = _sparse_inputs(model.cfg, batch=64)
    eps = torch.tensor([0.1, 0.4])
    for choice in attacks.CHOICES:
        for signs in attacks.SIGNS:
            for target in attacks.TARGETS:
                found = attacks.feature_attack(
                    model, x, eps, choice=choice, signs=signs, target=target
                )
                goal = x + found.delta if target == "attacked" else x
                direct = attacks.example_loss(model, x + found.delta, target=goal)
                torch.testing.assert_close(found.attacked_loss, direct)
                norms = found.delta.norm(dim=-1)
                torch.testing.assert_close(norms, eps[:, None].expand_as(norms))


def test_reference_model_keeps_the_most_important_features_per_instance():
    importance = torch.tensor([[0.3, 1.0, 0.5, 0.2], [1.0, 1.0, 1.0, 1.0]])
    cfg = tl.Config(4, 2, 2, feature_probability=[0.5, 0.1], importance=importance)
    ref = attacks.no_superposition_model(cfg)
    gram = ref.W.transpose(1, 2) @ ref.W
    kept = torch.tensor(
        [[False, True, True, False], [True, True, False, False]]
    )  # ties: lower index
    torch.testing.assert_close(gram, torch.diag_embed(kept.float()))
    torch.testing.assert_close(ref.b, torch.where(kept, 0.0, cfg.probability / 2))
    assert tl.superposition(ref.W).abs().max() < 1e-6
    # It reconstructs its own features exactly.
    x = _sparse_inputs(cfg)
    torch.testing.assert_close(
        ref(x)[kept.unsqueeze(1).expand_as(x)], x[kept.unsqueeze(1).expand_as(x)]
    )


@pytest.mark.parametrize("output", ["relu", "linear"])
def test_reference_model_loses_exactly_the_top_importance_times_budget_squared(output):
    importance = torch.tensor([0.3, 0.8, 0.5, 0.2, 0.1])
    cfg = tl.Config(5, 3, 2, feature_probability=[1.0, 0.05], importance=importance)
    ref = attacks.no_superposition_model(cfg, output)
    x = _sparse_inputs(cfg)
    eps = torch.tensor([0.2, 0.05])
    found = attacks.feature_attack(ref, x, eps)
    torch.testing.assert_close(found.loss_increase, 0.8 * eps**2)
    # It is the worst case: a generic attack cannot beat it (and comes close), and the optimum moves
    # feature 1 only.
    strongest = attacks.gradient_attack(ref, x, eps).loss_increase
    assert (strongest <= 0.8 * eps**2 * (1 + 1e-4)).all() and (strongest > 0.9 * 0.8 * eps**2).all()
    assert (found.delta[..., 1].abs() - eps[:, None]).abs().max() < 1e-6
    torch.testing.assert_close(attacks.vulnerability(ref, x, eps), torch.ones(2))


def test_gradient_attack_finds_the_analytic_optimum_of_a_linear_model():
    # For x = 0 and b = 0 the attacked loss of x' = WᵀW x is δᵀ G I G δ (G = WᵀW, I the diagonal
    # importance): the best δ with ||δ|| <= ε is ε times its top eigenvector, gaining ε² λ_max.
    W = torch.randn(2, 3, 6, generator=torch.Generator().manual_seed(0))
    importance = torch.tensor([1.0, 0.9, 0.7, 0.5, 0.3, 0.2])
    model = _model(W, torch.zeros(2, 6), importance, output="linear")
    x = torch.zeros(2, 4, 6)
    G = W.transpose(1, 2) @ W
    values, vectors = torch.linalg.eigh(G @ torch.diag(importance) @ G)
    eps = 0.1
    found = attacks.gradient_attack(model, x, eps)
    torch.testing.assert_close(found.loss_increase, eps**2 * values[:, -1], rtol=1e-3, atol=0)
    cos = (found.delta / eps * vectors[:, None, :, -1]).sum(-1).abs()
    assert (cos > 0.999).all(), cos


def test_one_feature_model_attacks_take_the_worse_end_of_the_interval():
    # n = m = 1: x' = ReLU(w² (x + δ) + b) is monotone in δ and the squared error convex in x', so
    # the worst δ in [-ε, ε] is one of its ends. Example 0: the loss falls all the way across the
    # interval; example 1: both ends are local maxima, -ε the higher; examples 2-3: x = 0 and a
    # negative bias, where only δ = +ε lifts the output over the ReLU threshold.
    x = torch.tensor([[[0.9], [0.3], [0.0], [0.0]]])
    model = _model(torch.tensor([[[0.95]]]), torch.tensor([[-0.05]]), output="relu")
    eps = 0.1
    ends = torch.stack([attacks.example_loss(model, x + s * eps, target=x) for s in (1.0, -1.0)])
    best = ends.max(0).values
    found = attacks.feature_attack(model, x, eps, choice="example", signs="±")
    torch.testing.assert_close(found.attacked_loss, best)
    torch.testing.assert_close(found.delta.abs(), torch.full_like(x, eps))
    assert (found.delta[0, :2, 0] < 0).all() and (found.delta[0, 2:, 0] > 0).all()
    assert (found.attacked_loss[0, 2:] > 0).all()  # over the threshold
    # Where the output is active, the gradient attack's restarts reach the better end as well.
    climbed = attacks.gradient_attack(model, x, eps).attacked_loss
    torch.testing.assert_close(climbed[:, :2], best[:, :2])


def test_no_attack_exceeds_its_budget():
    W, b = (
        torch.randn(3, 4, 10, generator=torch.Generator().manual_seed(1)),
        -0.1 * torch.ones(3, 10),
    )
    model = _model(W, b, tl.decaying_importance(10, 0.8), probability=0.2)
    x = _sparse_inputs(model.cfg, batch=512)
    eps = torch.tensor([0.01, 0.1, 0.5])
    for found in (
        attacks.feature_attack(model, x, eps),
        attacks.feature_attack(model, x, eps, choice="example", signs="±"),
        attacks.gradient_attack(model, x, eps),
        attacks.gradient_attack(model, x, eps, start="zero", restarts=1),
        attacks.random_attack(model, x, eps, draws=3),
    ):
        norms = found.delta.norm(dim=-1)
        assert (norms <= eps[:, None] * (1 + 1e-5)).all(), (norms / eps[:, None]).max()
        assert (found.loss_increase >= 0).all()


def test_attacks_beat_random_perturbations_of_the_same_norm():
    W, b = _pentagon()
    model = _model(W, b, probability=0.1)
    x = _sparse_inputs(model.cfg, batch=4096)
    eps = attacks.attack_budget(x, include_zero=False)
    random = attacks.random_attack(model, x, eps, draws=4).loss_increase
    each = attacks.feature_attack(model, x, eps, choice="example", signs="±")
    for found in (each, attacks.gradient_attack(model, x, eps)):
        assert (found.loss_increase > 2 * random).all(), (found.loss_increase, random)


def test_superposition_makes_a_model_more_vulnerable_than_the_reference():
    W, b = _pentagon()
    model = _model(W, b, probability=0.1)
    x = _sparse_inputs(model.cfg, batch=4096)
    eps = attacks.attack_budget(x, include_zero=False)
    each = partial(attacks.feature_attack, choice="example", signs="±")
    for attack in (each, attacks.gradient_attack):
        assert (attacks.vulnerability(model, x, eps, attack) > 1.5).all()
    # The literal attack, one perturbation for every input, is mostly stopped by the bias -0.2.
    assert (attacks.vulnerability(model, x, eps) < 1).all()


def test_vulnerabilities_of_several_attacks_match_each_attack_alone():
    W, b = _pentagon()
    model = _model(W, b, probability=0.1)
    x = _sparse_inputs(model.cfg, batch=1024)
    eps = attacks.attack_budget(x, include_zero=False)
    together = attacks.vulnerabilities(model, x, eps)
    assert list(together) == list(attacks.ATTACKS)
    for name, attack in attacks.ATTACKS.items():
        torch.testing.assert_close(together[name], attacks.vulnerability(model, x, eps, attack))
    with pytest.raises(ValueError, match="does not raise the reference model's loss"):
        attacks.vulnerabilities(model, x, 0.0)


def test_gradient_ascent_from_the_clean_input_is_masked_by_the_relu():
    # Zero input, negative bias: every output is switched off and stays off for small δ, so the
    # gradient is zero and plain gradient ascent never moves (the paper's "gradient masking").
    W, b = _pentagon(bias=-0.05)
    model = _model(W, b)
    x = torch.zeros(1, 8, 5)
    masked = attacks.gradient_attack(model, x, 0.2, start="zero", restarts=1)
    assert (masked.delta == 0).all() and (masked.loss_increase == 0).all()
    assert (attacks.gradient_attack(model, x, 0.2).loss_increase > 0).all()
    assert (attacks.feature_attack(model, x, 0.2).loss_increase > 0).all()


def test_feature_attack_is_batched_over_instances():
    W = torch.randn(3, 2, 5, generator=torch.Generator().manual_seed(2))
    b = torch.tensor([[-0.1], [0.0], [0.1]]).expand(3, 5)
    importance = tl.decaying_importance(5, 0.7)
    model = _model(W, b, importance, probability=[0.5, 0.1, 0.02])
    x = _sparse_inputs(model.cfg, batch=256)
    eps = torch.tensor([0.05, 0.1, 0.2])
    together = attacks.feature_attack(model, x, eps)
    for k in range(3):
        alone = _model(
            W[k : k + 1], b[k : k + 1], importance, probability=float(model.cfg.probability[k, 0])
        )
        one = attacks.feature_attack(alone, x[k : k + 1], eps[k : k + 1])
        torch.testing.assert_close(one.delta[0], together.delta[k])
        torch.testing.assert_close(one.attacked_loss[0], together.attacked_loss[k])


def test_attacks_leave_the_model_untouched():
    model = tl.ToyModel(tl.Config(6, 2, 2, feature_probability=0.2), seed=3)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    x = _sparse_inputs(model.cfg, batch=128)
    attacks.feature_attack(model, x, 0.1)
    attacks.gradient_attack(model, x, 0.1)
    attacks.vulnerability(model, x, 0.1, attacks.gradient_attack)
    for name, p in model.named_parameters():
        assert torch.equal(p, before[name]) and p.requires_grad and p.grad is None, name
    assert not x.requires_grad


def test_bad_arguments_name_themselves():
    model = tl.ToyModel(tl.Config(4, 2, 2, feature_probability=0.5))
    x = _sparse_inputs(model.cfg, batch=16)
    with pytest.raises(ValueError, match="x has shape"):
        attacks.feature_attack(model, x[:, :, :3], 0.1)
    with pytest.raises(ValueError, match="budget"):
        attacks.feature_attack(model, x, -0.1)
    with pytest.raises(ValueError, match="budget has shape"):
        attacks.feature_attack(model, x, torch.ones(3))
    with pytest.raises(ValueError, match="steps=0"):
        attacks.gradient_attack(model, x, 0.1, steps=0)
    with pytest.raises(ValueError, match="start='best'"):
        attacks.gradient_attack(model, x, 0.1, start="best")
    with pytest.raises(ValueError, match="restarts=2"):
        attacks.gradient_attack(model, x, 0.1, start="zero", restarts=2)
    with pytest.raises(ValueError, match="draws=0"):
        attacks.random_attack(model, x, 0.1, draws=0)
    with pytest.raises(ValueError, match="budget must be > 0"):
        attacks.vulnerability(model, x, 0.0)
    with pytest.raises(ValueError, match="choice='all'"):
        attacks.feature_attack(model, x, 0.1, choice="all")
    with pytest.raises(ValueError, match="signs='-'"):
        attacks.feature_attack(model, x, 0.1, signs="-")
    with pytest.raises(ValueError, match="target='x'"):
        attacks.feature_attack(model, x, 0.1, target="x")
    relu_hidden = tl.ToyModel(model.cfg, hidden_activation="relu")
    with pytest.raises(ValueError, match="hidden_activation='relu'"):
        attacks.feature_attack(relu_hidden, x, 0.1)


def test_attack_gain_is_norm_to_the_fourth_over_feature_dimensionality():
    W, _ = _pentagon()
    torch.testing.assert_close(attacks.attack_gain(W), torch.full((1, 5), 2.5))
    pair = torch.tensor([[[1.0, -1.0, 0.0], [0.0, 0.0, 1.0]]])  # an antipodal pair, one dedicated
    torch.testing.assert_close(attacks.attack_gain(pair), torch.tensor([[2.0, 2.0, 1.0]]))
    W = torch.randn(4, 3, 7, generator=torch.Generator().manual_seed(5))
    torch.testing.assert_close(
        attacks.attack_gain(W), W.norm(dim=1) ** 4 / tl.feature_dimensionality(W), rtol=1e-4, atol=0
    )
    # Without a bias to overcome and with a large budget, output i alone loses gain_i ε² I_i.
    model = _model(pair, torch.zeros(1, 3), [1.0, 0.5, 0.2])
    x = torch.zeros(1, 1, 3)
    torch.testing.assert_close(
        attacks.feature_attack(model, x, 1.0).loss_increase, torch.tensor([2.0])
    )


DENSITY = torch.tensor([1.0, 0.1, 0.01])
FEATURES_PER_DIMENSION = torch.tensor([1.0, 1.6, 2.4])
VULNERABILITY = {"paper's attack": torch.tensor([1.0, 1.5, 2.0]), "random": torch.zeros(3)}


def test_vulnerability_is_drawn_against_inverse_density_with_features_per_dimension():
    ax = tl.adversarial_robustness.plot_vulnerability(
        DENSITY, VULNERABILITY, FEATURES_PER_DIMENSION
    )
    lines = {line.get_label(): line for line in ax.get_lines()}
    paper = lines["paper's attack"]
    np.testing.assert_allclose(paper.get_xdata(), [1.0, 10.0, 100.0], rtol=1e-6)
    np.testing.assert_allclose(paper.get_ydata(), [1.0, 1.5, 2.0])
    dashed = lines["features per dimension $1/D^*$"]
    np.testing.assert_allclose(dashed.get_ydata(), FEATURES_PER_DIMENSION.numpy())
    assert ax.get_xscale() == "log"
    plt.close(ax.figure)


def test_scatter_has_one_dot_per_model_and_attack():
    ax = tl.adversarial_robustness.plot_vulnerability_vs_dimensions(
        FEATURES_PER_DIMENSION, VULNERABILITY
    )
    offsets = [c.get_offsets() for c in ax.collections]
    assert len(offsets) == 2
    np.testing.assert_allclose(offsets[0], np.stack([[1.0, 1.6, 2.4], [1.0, 1.5, 2.0]], 1))
    plt.close(ax.figure)


def test_figures_do_not_modify_their_inputs_and_reject_mismatched_lengths():
    before = {k: v.clone() for k, v in VULNERABILITY.items()}
    fig = tl.adversarial_robustness.vulnerability_figure(
        DENSITY, VULNERABILITY, FEATURES_PER_DIMENSION
    )
    assert len(fig.axes) == 2
    plt.close(fig)
    for k, v in VULNERABILITY.items():
        assert torch.equal(v, before[k])
    with pytest.raises(ValueError, match="one per model"):
        tl.adversarial_robustness.plot_vulnerability(DENSITY, {"short": torch.ones(2)})


def test_attack_bars_and_snapshot():
    ax = tl.adversarial_robustness.plot_attack_bars({"a": 2.0, "b": 0.5})
    np.testing.assert_allclose([p.get_width() for p in ax.patches], [2.0, 0.5])
    plt.close(ax.figure)
    fig = tl.adversarial_robustness.robustness_snapshot(torch.eye(2, 3), {"a": 1.0}, title="t")
    assert fig.axes[0].get_title() == "t"
    plt.close(fig)


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
    box = tl.adversarial_robustness.robustness_explorer(model, [0.0, 0.9], n_examples=256)
    first = box.png
    assert first.startswith(b"\x89PNG") and "attacked" in status_of(box)
    assert "5 of 5 features represented" in status_of(box)  # the sparsest model comes first
    sparsity, budget = find(box, "sparsity S"), find(box, "budget (× mean ‖x‖)")
    assert isinstance(sparsity, widgets.SelectionSlider) and not sparsity.continuous_update
    assert "toy-sparsity" in sparsity._dom_classes
    change(box, sparsity, 0)
    assert box.png != first and "2 of 5 features represented" in status_of(box)
    for value in (budget.min, budget.max):
        change(box, budget, value)
        assert "error" not in status_of(box), status_of(box)
    assert torch.equal(model.W.detach(), before)
    assert "image/png" in box._repr_mimebundle_()


def test_explorer_retrains_the_chosen_model_as_the_sweep_was_trained():
    model = _sweep()
    before = model.W.detach().clone()
    box = tl.adversarial_robustness.robustness_explorer(model, [0.0, 0.9], n_examples=256)
    change(box, find(box, "retrain seed"), 4)
    assert status_of(box).startswith("the sweep's model: 5 of 5 features represented")
    change(box, find(box, "model"), "retrain")
    one = attacks.one_instance(model, 1)
    fresh = tl.ToyModel(one.cfg, seed=4)
    tl.train(fresh, seed=4, progress=False)
    n_rep = int(tl.represented(fresh.W.detach()[0]).sum())
    assert status_of(box).startswith(f"retrained alone, seed 4: {n_rep} of 5 features"), status_of(
        box
    )
    assert torch.equal(model.W.detach(), before)
    best = tl.adversarial_robustness.robustness_explorer(
        model, [0.0, 0.9], n_examples=256, restarts=2
    )
    change(best, find(best, "model"), "retrain")
    assert "error" not in status_of(best) and "retrained alone, seed 1" in status_of(best)
    with pytest.raises(ValueError, match="restarts=0"):
        tl.adversarial_robustness.robustness_explorer(model, [0.0, 0.9], restarts=0)


def test_explorer_rejects_a_sparsity_list_of_the_wrong_length():
    with pytest.raises(ValueError, match="one sparsity per instance"):
        tl.adversarial_robustness.robustness_explorer(_sweep(), [0.9])
    with pytest.raises(ValueError, match="index=2"):
        tl.adversarial_robustness.robustness_explorer(_sweep(), [0.0, 0.9], index=2)


def test_family_configs_are_the_two_sweeps():
    uniform = attacks.family_config("uniform")
    assert (uniform.n_features, uniform.n_hidden) == (200, 20)
    assert uniform.n_instances == len(attacks.FAMILIES["uniform"]["density"])
    assert (uniform.importances == 1).all() and float(uniform.probability[0, 0]) == 1.0
    decaying = attacks.family_config("decaying")
    torch.testing.assert_close(decaying.importances[0], tl.decaying_importance(20, 0.7))
    assert torch.equal(
        decaying.probability[:, 0], torch.tensor(attacks.FAMILIES["decaying"]["density"])
    )
    with pytest.raises(ValueError, match="family='paper'"):
        attacks.family_config("paper")


def _sweep_of_references():
    """A 3-model sweep (density 1, 0.1, 0.01) whose every model is the hand-made reference."""
    cfg = tl.Config(6, 3, 3, feature_probability=[1.0, 0.1, 0.01])
    return attacks.no_superposition_model(cfg), cfg


def test_reading_vulnerability_of_the_reference_itself_is_one():
    model, cfg = _sweep_of_references()
    x = _sparse_inputs(cfg, batch=256)
    for name in ("literal", "± sign", "per example", "reference: trained dense model"):
        v = attacks.reading_vulnerability(model, x, attacks.READINGS[name])
        torch.testing.assert_close(v, torch.ones(3), rtol=1e-2, atol=0, msg=name)
    literal = attacks.vulnerability(model, x, attacks.attack_budget(x))
    torch.testing.assert_close(
        attacks.reading_vulnerability(model, x, attacks.READINGS["literal"]), literal
    )
    sparse_first = attacks.no_superposition_model(
        tl.Config(6, 3, 2, feature_probability=[0.1, 1.0])
    )
    with pytest.raises(ValueError, match="density 1"):
        attacks.reading_vulnerability(
            sparse_first, x[:2], attacks.READINGS["reference: trained dense model"]
        )


def _scaled_sweep(scales):
    """A sweep whose model k has ``W = sqrt(scales[k]) [I 0]``: ``1/D* = scales[k]``."""
    cfg = tl.Config(6, 3, len(scales), feature_probability=1.0)
    model = tl.ToyModel(cfg)
    with torch.no_grad():
        model.W.copy_(torch.eye(3, 6) * torch.tensor(scales).sqrt()[:, None, None])
    return model


def test_sweep_claims_apply_the_fixed_thresholds():
    model = _scaled_sweep([1.0, 2.0, 3.0])
    holds = attacks.sweep_claims("toy", model, torch.tensor([1.0, 2.1, 3.2]))
    assert [c.holds for c in holds] == [True, True]
    assert holds[0].ours == "3.2x" and holds[1].ours == "r = 1.00"
    # 2.9x is not ">3x"; rising then falling does not track a rising 1/D*.
    fails = attacks.sweep_claims("toy", model, torch.tensor([1.0, 2.9, 0.5]))
    assert [c.holds for c in fails] == [False, False]


def test_adversarial_claims_read_the_first_budget_without_superposition():
    fractions = attacks.ADVERSARIAL_FRACTIONS  # 0, 0.1, 0.3, 0.5, 0.8, 1.0
    W = torch.zeros(len(fractions), 5, 20)
    # Represented features per budget: 10, 10, 8, 6, 5, 4 (each on a unit vector, so 1/D* = n/5).
    for k, n in enumerate([10, 10, 8, 6, 5, 4]):
        W[k, torch.arange(n) % 5, torch.arange(n)] = 1.0
    reduced, eliminated = attacks.adversarial_claims(W, fractions)
    assert reduced.holds and reduced.ours == "2.00 → 1.60"
    assert eliminated.holds and eliminated.ours == "80%"
    W[1] = W[5]  # already gone at 10%: not "unreasonably large"
    assert not attacks.adversarial_claims(W, fractions)[1].holds
    with pytest.raises(ValueError, match="fractions="):
        attacks.adversarial_claims(W[1:], fractions[1:])


def test_adversarial_training_with_a_large_budget_gives_up_superposition():
    cfg = attacks.adversarial_config()
    model = attacks.adversarial_training(cfg, (0.0, 2.0), steps=600)
    assert model.W.shape == (2, 5, 20)
    inverse_dstar = 1 / tl.dimensions_per_feature(model.W)
    assert inverse_dstar[1] < 0.7 * inverse_dstar[0], inverse_dstar


def test_adversarial_training_rejects_bad_arguments():
    cfg = attacks.adversarial_config()
    with pytest.raises(ValueError, match="n_instances=2"):
        attacks.adversarial_training(cfg.repeat_instances(2), (0.0,))
    with pytest.raises(ValueError, match="fractions=-0.1"):
        attacks.adversarial_training(cfg, (0.0, -0.1))
    with pytest.raises(ValueError, match="norm='max'"):
        attacks.adversarial_training(cfg, (0.0,), norm="max")
    with pytest.raises(ValueError, match="steps=0"):
        attacks.adversarial_training(cfg, (0.0,), steps=0)
