"""Section 4 (notebook 03): the phase-change theory, phase diagrams, figures and explorer."""

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from helpers import change, find, status_of

import toy_lib as tl
from toy_lib import phase_change as theory
from toy_lib.phase_change import THREE_IN_TWO, TWO_IN_ONE
from toy_lib.phase_change.theory import _box_integral, _own_error

# The cells where we test closed forms by sampling: dense enough that 500,000 samples see thousands
# of coincidences (both features active): the Monte-Carlo error is under 1%, the tolerance 3%.
CELLS = [(0.5, 0.25), (0.5, 1.0), (2.0, 0.4), (2.0, 0.7), (1.0, 4 / 7)]


@pytest.mark.parametrize("problem", [TWO_IN_ONE, THREE_IN_TWO], ids=["2to1", "3to2"])
@pytest.mark.parametrize(("r", "p"), CELLS)
def test_closed_forms_match_monte_carlo(problem, r, p):
    closed = theory.candidate_losses(problem, torch.tensor([r]), torch.tensor([p]))[:, 0, 0]
    model = problem.candidate_model(r, p)
    mc = tl.evaluate_loss(model, n_samples=500_000).double()
    assert torch.allclose(mc, closed, rtol=0.03), (mc, closed)


def test_named_closed_forms():
    p, r = torch.tensor(0.3), torch.tensor(2.0)
    assert float(theory.dropped_feature_loss(r, p)) == pytest.approx(2.0 * (0.1 - 0.0225))
    assert float(theory.antipodal_pair_loss(1.0, r, p)) == pytest.approx(3.0 * 0.09 / 6)
    losses = theory.candidate_losses(TWO_IN_ONE, r[None], p[None])[:, 0, 0]
    expected = [r * (p / 3 - p**2 / 4), p / 3 - p**2 / 4, (1 + r) * p**2 / 6]
    assert torch.allclose(losses, torch.stack(expected).double())


@pytest.mark.parametrize("problem", [TWO_IN_ONE, THREE_IN_TWO], ids=["2to1", "3to2"])
def test_closed_forms_equal_the_exact_expectation(problem):
    r, p = torch.logspace(-1, 1, 7), torch.logspace(-2, 0, 9)
    rr, pp = torch.meshgrid(r.double(), p.double(), indexing="ij")
    W, b = problem.candidate_weights(pp)
    C, n = W.shape[0], problem.n_features
    exact = theory.expected_loss(
        W.reshape(-1, problem.n_hidden, n),
        b.reshape(-1, n),
        problem.importance(rr).expand(C, -1, -1, -1).reshape(-1, n),
        pp.reshape(1, 7, 9, 1).expand(C, -1, -1, n).reshape(-1, n),
    ).reshape(C, 7, 9)
    assert torch.allclose(exact, theory.candidate_losses(problem, r, p), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("n", "m"), [(2, 1), (3, 2), (4, 2)])
def test_exact_expectation_matches_monte_carlo_for_random_models(n, m):
    g = torch.Generator().manual_seed(n)
    W = torch.randn(4, m, n, generator=g)
    b = 0.3 * torch.randn(4, n, generator=g)
    prob = 0.3 + 0.7 * torch.rand(4, n, generator=g)
    imp = 0.5 + torch.rand(4, n, generator=g)
    cfg = tl.Config(n, m, 4, feature_probability=prob, importance=imp)
    model = tl.ToyModel(cfg)
    with torch.no_grad():
        model.W.copy_(W)
        model.b.copy_(b)
    mc = tl.evaluate_loss(model, n_samples=400_000).double()
    exact = theory.expected_model_loss(model)
    assert torch.allclose(exact, mc, rtol=0.01), (exact, mc)


def test_box_integral_is_exact():
    """Against a fine midpoint rule (error ~1e-8 at this resolution), kinks inside the square."""
    slopes = torch.tensor([[0.8, -1.3], [-0.6, 0.9], [1.1, 0.0], [0.0, 0.0]], dtype=torch.float64)
    offset = torch.tensor([0.3, 0.2, -0.4, 0.25], dtype=torch.float64)
    exact = _box_integral(_own_error, slopes, offset)
    u = (torch.arange(3000, dtype=torch.float64) + 0.5) / 3000
    U, V = torch.meshgrid(u, u, indexing="ij")
    for k in range(len(offset)):
        t = offset[k] + slopes[k, 0] * U + slopes[k, 1] * V
        midpoint = ((U - torch.relu(t)) ** 2).mean()
        assert float(exact[k]) == pytest.approx(float(midpoint), abs=1e-7)
    assert float(exact[3]) == pytest.approx(1 / 3 - 0.25 + 0.25**2, abs=1e-14)


@pytest.mark.parametrize("r", [0.1, 0.3, 0.8, 1.0, 1.5, 4.0, 10.0])
def test_superposition_boundary(r):
    p_star = float(theory.superposition_boundary(torch.tensor(r, dtype=torch.float64)))
    assert p_star == pytest.approx(4 * r / (2 + 5 * r) if r <= 1 else 4 / (5 + 2 * r))

    def losses(p):
        r_, p_ = torch.tensor([r], dtype=torch.float64), torch.tensor([p], dtype=torch.float64)
        return theory.candidate_losses(TWO_IN_ONE, r_, p_)[:, 0, 0]

    at = losses(p_star)
    assert float(at[2]) == pytest.approx(float(at[:2].min()), rel=1e-9)
    assert losses(0.98 * p_star).argmin() == 2, "just below the boundary superposition wins"
    assert losses(min(1.0, 1.02 * p_star)).argmin() != 2, "just above it loses"


def test_triple_point():
    r, p = theory.TRIPLE_POINT
    r_, p_ = torch.tensor([r], dtype=torch.float64), torch.tensor([p], dtype=torch.float64)
    at = theory.candidate_losses(TWO_IN_ONE, r_, p_)[:, 0, 0]
    assert torch.allclose(at, at[0].expand(3), rtol=1e-12), "all three candidates tie"
    assert float(theory.superposition_boundary(torch.tensor(1.0))) == pytest.approx(4 / 7)


def test_three_in_two_boundaries():
    """Closed forms give: r < 1 superposition (C) below p = 4r/(2+5r), else not represented (A);
    r > 1 the others in superposition (D) below p = 4/7, else one other dropped (B)."""
    r = torch.tensor([0.2, 0.6, 1.5, 5.0])
    p_star = torch.where(r < 1, 4 * r / (2 + 5 * r), torch.tensor(4 / 7))
    below = theory.paper_phase_diagram(THREE_IN_TWO, r, 0.97 * p_star).labels.diagonal()
    above = theory.paper_phase_diagram(THREE_IN_TWO, r, 1.03 * p_star).labels.diagonal()
    assert below.tolist() == [2, 2, 3, 3]
    assert above.tolist() == [0, 0, 1, 1]


def test_paper_diagram_corners_and_config_order():
    r, p = torch.tensor([0.1, 10.0]), torch.tensor([0.01, 1.0])
    labels = theory.paper_phase_diagram(TWO_IN_ONE, r, p).labels
    assert labels.tolist() == [[2, 0], [2, 1]]  # rows r, columns p
    cfg = TWO_IN_ONE.config(r, p)
    assert cfg.importances[:, 1].tolist() == pytest.approx([0.1, 0.1, 10.0, 10.0])
    assert cfg.probability[:, 0].tolist() == pytest.approx([0.01, 1.0, 0.01, 1.0])


def test_optimising_only_improves_the_antipodal_pair():
    r, p = torch.tensor([0.5, 1.0, 2.0]), torch.tensor([0.05, 0.3, 0.4])  # inside superposition
    W, b, loss = theory.optimised_candidates(TWO_IN_ONE, r, p)
    closed = theory.candidate_losses(TWO_IN_ONE, r, p)
    assert torch.allclose(loss[:2], closed[:2], rtol=1e-12), (
        "dropped / dedicated are already optimal"
    )
    assert (loss[2] <= closed[2] * (1 + 1e-12)).all()
    assert (loss[2, :, 1:] < 0.99 * closed[2, :, 1:]).all(), "at p >= 0.3 the pair gains over 1%"
    # Where the gain comes from: a positive bias on both (a feature still reads 0 when its partner
    # is active alone), and closer to the boundary a norm below 1.
    assert (b[2, :, 1:] > 0.01).all()
    W_dense, _, _ = theory.optimised_candidates(
        TWO_IN_ONE, torch.tensor([1.0]), torch.tensor([0.6])
    )
    assert (W_dense[2, 0, 0, 0].abs() < 0.9).all(), "both weights shrink below 1"


def test_minimiser_reaches_a_stationary_point():
    W0 = torch.tensor([[[1.0, -1.0]]], dtype=torch.float64)
    imp, prob = torch.tensor([[1.0, 0.7]]), torch.tensor([[0.4, 0.4]])
    W, b, loss = theory.minimise_expected_loss(W0, torch.zeros(1, 2), imp, prob)
    W.requires_grad_(True)
    b.requires_grad_(True)
    theory.expected_loss(W, b, imp, prob).sum().backward()
    assert W.grad.abs().max() < 1e-8 and b.grad.abs().max() < 1e-8
    assert float(loss) < float(theory.expected_loss(W0, torch.zeros(1, 2), imp, prob))


def test_three_in_two_block_solutions_are_local_optima():
    """The 3 → 2 families are optimised one antipodal pair at a time, keeping the dedicated feature
    orthogonal. Freeing all nine parameters from there must not lower the loss."""
    r, p = torch.tensor([0.5, 2.0]), torch.tensor([0.2, 0.6])
    W, b, loss = theory.optimised_candidates(THREE_IN_TWO, r, p, steps=20)
    rr, pp = torch.meshgrid(r.double(), p.double(), indexing="ij")
    for c in (2, 3):  # the two families with a pair
        _, _, freed = theory.minimise_expected_loss(
            W[c].reshape(-1, 2, 3),
            b[c].reshape(-1, 3),
            THREE_IN_TWO.importance(rr).reshape(-1, 3),
            pp.reshape(-1, 1).expand(-1, 3),
            steps=8,
        )
        assert (freed >= loss[c].reshape(-1) * (1 - 1e-6)).all(), (c, freed, loss[c])


def rotation(angle: float) -> torch.Tensor:
    c, s = math.cos(angle), math.sin(angle)
    return torch.tensor([[c, -s], [s, c]])


def test_classify_two_in_one_hand_built():
    W = torch.tensor(
        [
            [[1.0, 0.1]],  # extra feature's norm small: not represented
            [[-0.98, 0.3]],
            [[0.2, -1.0]],  # the first feature dropped: dedicated dimension
            [[0.9, -1.1]],  # antipodal pair: superposition
            [[-0.6, 0.7]],
            [[1.0, 1.0]],  # both represented, same direction: none of the candidates
            [[0.1, 0.2]],  # nothing represented
        ]
    )
    assert theory.classify(W, TWO_IN_ONE).tolist() == [0, 0, 1, 2, 2, -1, -1]


def test_classify_three_in_two_is_rotation_and_permutation_invariant():
    g = torch.Generator().manual_seed(0)
    table = [(label, torch.tensor(w)) for label, w in THREE_IN_TWO.candidates]
    swapped = [(label, w[:, [1, 0, 2]]) for label, w in table]  # features 1 and 2 swapped
    for label, w in table + swapped:
        for angle in (0.3, 2.0, -1.2):
            noisy = rotation(angle) @ (w * (0.9 + 0.2 * torch.rand(3, generator=g)))
            noisy = noisy + 0.05 * torch.randn(2, 3, generator=g)
            assert int(theory.classify(noisy, THREE_IN_TWO)) == label, (label, noisy)
    angles = torch.tensor([0.0, 2 * math.pi / 3, 4 * math.pi / 3])
    triangle = torch.stack([angles.cos(), angles.sin()])
    assert int(theory.classify(triangle, THREE_IN_TWO)) == -1


def test_classify_rejects_wrong_shape():
    with pytest.raises(ValueError, match="needs"):
        theory.classify(torch.ones(4, 2, 2), THREE_IN_TWO)


def test_two_in_one_phase_is_classify_written_out():
    g = torch.Generator().manual_seed(0)
    for threshold in (0.5, 0.3, 0.8):
        W = 3 * torch.rand(5, 400, 1, 2, generator=g, dtype=torch.float64) - 1.5
        labels = theory.two_in_one_phase(W, threshold)
        assert labels.dtype == torch.int64 and labels.shape == (5, 400)
        assert torch.equal(labels, theory.classify(W, TWO_IN_ONE, threshold=threshold))
        assert set(labels.unique().tolist()) == {-1, 0, 1, 2}
    candidates, _ = TWO_IN_ONE.candidate_weights(torch.tensor([0.05, 0.5]))  # (3, 2, 1, 2)
    for W in (candidates, -candidates, 0.9 * candidates, candidates.float()):
        assert theory.two_in_one_phase(W).tolist() == [[0, 0], [1, 1], [2, 2]]
    trained_like = torch.tensor([[1.0, 0.1]]).expand(4, 1, 2)  # float32, like trained weights
    assert theory.two_in_one_phase(trained_like).tolist() == [0, 0, 0, 0]
    assert theory.two_in_one_phase(torch.tensor([[1.0, 1.0]])).tolist() == -1
    with pytest.raises(ValueError, match="needs"):
        theory.two_in_one_phase(torch.ones(4, 2, 3))


def test_optimised_diagram_classifies_shrunken_pairs():
    """In the dense corner the optimised pair collapses onto 'drop the extra feature'; the diagram
    must call that 'not represented', not 'superposition'."""
    d = theory.optimised_phase_diagram(TWO_IN_ONE, torch.tensor([0.2]), torch.tensor([0.01, 1.0]))
    assert d.labels.tolist() == [[2, 0]]
    assert float(d.W[0, 1, 0, 1].abs()) < 0.5
    assert (d.loss_gap > 0).all()


def test_boundary_cells():
    labels = torch.tensor([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 2]])
    near = theory.boundary_cells(labels)
    assert near.tolist() == [
        [False, False, False, False],
        [False, False, True, True],
        [False, False, True, True],
    ]


def test_boundary_agreement_counts_cells_on_and_off_boundaries():
    reference = torch.tensor([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 2, 2]])
    # boundary cells (see test_boundary_cells): (1, 1..3) and (2, 1..3), 6 of 12
    empirical = reference.clone()
    empirical[1, 2] = 2  # on a boundary
    empirical[0, 0] = 1  # off every boundary
    result = theory.boundary_agreement(empirical, reference)
    assert result.share == pytest.approx(10 / 12)
    assert result.threshold == pytest.approx(1 - 6 / 12)
    assert result.off_boundary == 1
    perfect = theory.boundary_agreement(reference, reference)
    assert perfect.share == 1.0 and perfect.off_boundary == 0
    with pytest.raises(ValueError, match="same"):
        theory.boundary_agreement(empirical[:2], reference)


def test_train_best_of_exact_keeps_the_lowest_exact_loss():
    cfg = TWO_IN_ONE.config(torch.tensor([0.5, 2.0]), torch.tensor([0.05]))
    result = theory.train_best_of_exact(cfg, k=3, seed=1, steps=300, progress=False)
    exact = theory.expected_model_loss(result.all_restarts).reshape(2, 3)
    assert torch.allclose(result.losses, exact.float())
    assert result.chosen.tolist() == exact.argmin(1).tolist()
    rows = torch.arange(2) * 3 + result.chosen
    assert torch.equal(result.model.W, result.all_restarts.W[rows])
    assert torch.allclose(theory.expected_model_loss(result.model), exact.min(1).values)


def test_agreement_by_restarts_counts_cells():
    """Two cells, two restarts each, weights set by hand: cell 0's restarts are (superposition,
    not represented), cell 1's (dedicated, dedicated)."""
    cfg = TWO_IN_ONE.config(torch.tensor([0.5, 2.0]), torch.tensor([0.1]))
    big = tl.ToyModel(cfg.repeat_instances(2))
    with torch.no_grad():
        big.W.copy_(torch.tensor([[[1.0, -1.0]], [[1.0, 0.0]], [[0.0, 1.0]], [[0.0, 1.0]]]))
    losses = torch.tensor([[2.0, 1.0], [1.0, 3.0]])  # cell 0 prefers its second restart
    result = tl.BestOf(model=big, losses=losses, chosen=losses.argmin(1), all_restarts=big,
                       history=None)  # fmt: skip
    reference = torch.tensor([[0], [1]])  # (R=2, P=1): not represented, dedicated
    assert theory.agreement_by_restarts(result, TWO_IN_ONE, reference, [1, 2]) == [0.5, 1.0]
    with pytest.raises(ValueError, match="every k"):
        theory.agreement_by_restarts(result, TWO_IN_ONE, reference, [3])


def _majority_by_hand(phases: list[int], losses: list[float], discard: int) -> int:
    """The protocol written out plainly: drop the highest losses, count, break ties by best loss."""
    kept = sorted(zip(losses, phases, strict=True))[: len(phases) - discard]
    counts = {ph: sum(1 for _, q in kept if q == ph) for _, ph in kept}
    top = max(counts.values())
    return min((loss, ph) for loss, ph in kept if counts[ph] == top)[1]


def test_majority_phase_hand_built_cells():
    phases = torch.tensor([[0, 0, 1, 1, 2], [2, 2, 2, -1, -1], [-1, -1, -1, 0, 0], [1, 0, 1, 0, 2]])
    losses = torch.tensor(
        [[5.0, 1, 2, 3, 0.5], [1, 2, 3, 4, 5], [1, 1, 1, 1, 9], [0.1, 0.2, 0.3, 0.4, 0.05]]
    )
    # Cell 0: discarding the worst run (a phase-0 run) turns a 2-2 tie into a win for phase 1;
    # kept, the tie goes to phase 0, whose best run (loss 1) beats phase 1's (loss 2).
    # Cell 2: "none of the candidates" (-1) can win. Cell 3: a 2-2 tie goes to the lower best loss.
    assert theory.majority_phase(phases, losses).tolist() == [1, 2, -1, 1]
    assert theory.majority_phase(phases, losses, discard=0).tolist() == [0, 2, -1, 1]


@pytest.mark.parametrize("discard", [0, 1, 3])
def test_majority_phase_matches_the_protocol_written_out(discard):
    g = torch.Generator().manual_seed(discard)
    phases = torch.randint(-1, 4, (200, 10), generator=g)
    losses = torch.rand(200, 10, generator=g)
    expected = [
        _majority_by_hand(ph, lo, discard)
        for ph, lo in zip(phases.tolist(), losses.tolist(), strict=True)
    ]
    assert theory.majority_phase(phases, losses, discard=discard).tolist() == expected
    shuffle = torch.randperm(10, generator=g)  # the order of the runs does not matter
    shuffled = theory.majority_phase(phases[:, shuffle], losses[:, shuffle], discard=discard)
    assert shuffled.tolist() == expected


def test_majority_phase_rejects_bad_input():
    phases, losses = torch.zeros(3, 4, dtype=torch.long), torch.zeros(3, 4)
    with pytest.raises(ValueError, match="discard"):
        theory.majority_phase(phases, losses, discard=4)
    with pytest.raises(ValueError, match="same"):
        theory.majority_phase(phases, losses[:, :3])


def test_paper_protocol_ranks_runs_by_their_training_loss():
    """One cell, three runs set by hand: superposition, not represented, not represented. The
    training losses discard the third run and the tie goes to the lower training loss
    (superposition); the exact losses would discard the superposition run instead."""
    cfg = TWO_IN_ONE.config(torch.tensor([0.5]), torch.tensor([0.1]))
    big = tl.ToyModel(cfg.repeat_instances(3))
    with torch.no_grad():
        big.W.copy_(torch.tensor([[[1.0, -1.0]], [[1.0, 0.0]], [[1.0, 0.0]]]))
    steps = torch.arange(200.0).unsqueeze(1)  # (steps, runs): only the last 1% of steps count
    training = torch.where(steps >= 198, torch.tensor([0.4, 0.5, 0.9]), torch.tensor(0.0))
    exact = torch.tensor([[3.0, 1.0, 2.0]])
    result = tl.BestOf(model=big, losses=exact, chosen=exact.argmin(1), all_restarts=big,
                       history=tl.History(loss=training))  # fmt: skip
    phases = theory.restart_phases(result, TWO_IN_ONE)
    assert phases.tolist() == [[2, 0, 0]]
    assert theory.paper_protocol_phases(result, TWO_IN_ONE).tolist() == [2]
    assert theory.majority_phase(phases, exact).tolist() == [0]
    assert theory.paper_protocol_phases(result, TWO_IN_ONE, discard=0).tolist() == [0]


def test_agreement_report_lists_every_disagreement():
    r, p = torch.tensor([0.2, 5.0]), torch.tensor([0.01, 1.0])
    paper = theory.paper_phase_diagram(TWO_IN_ONE, r, p)  # [[2, 0], [2, 1]]
    cfg = TWO_IN_ONE.config(r, p)
    model = tl.ToyModel(cfg)
    with torch.no_grad():  # superposition everywhere: wrong in the two dense cells
        model.W.copy_(torch.tensor([[[1.0, -1.0]]]).expand(4, 1, 2))
    result = tl.BestOf(model=model, losses=torch.zeros(4, 1), chosen=torch.zeros(4, dtype=torch.long),
                       all_restarts=model, history=None)  # fmt: skip
    empirical = theory.classify(model.W, TWO_IN_ONE).reshape(2, 2)
    text = theory.agreement_report(empirical, result, paper, paper, ks=[1])
    assert "paper's theory: 50.0%" in text and "k=1: 50.0%" in text
    assert text.count("trained 'superposition'") == 2
    assert "r = 5.000, p = 1.000: trained 'superposition', theory 'dedicated dimension'" in text


def test_joint_superposition_is_none_of_the_candidates():
    W = theory.joint_superposition_weights(2)
    assert W.shape == (2, 2, 3)
    assert torch.allclose(tl.cosine_similarity(W)[0, 0, 1:], torch.full((2,), -0.5))
    assert theory.classify(W, THREE_IN_TWO).tolist() == [-1, -1]


def test_bad_input_is_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="n <= 4"):
        theory.expected_loss(torch.ones(1, 2, 5), torch.zeros(1, 5), 1.0, 0.5)
    with pytest.raises(ValueError, match="instances, hidden, features"):
        theory.expected_loss(torch.ones(2, 3), torch.zeros(3), 1.0, 0.5)
    with pytest.raises(ValueError, match="r="):
        theory.superposition_boundary(torch.tensor([0.0]))
    with pytest.raises(ValueError, match=r"p=\[1.5\]"):
        theory.paper_phase_diagram(TWO_IN_ONE, torch.tensor([1.0]), torch.tensor([1.5]))
    linear = tl.ToyModel(TWO_IN_ONE.config(torch.tensor([1.0]), torch.tensor([0.5])), "linear")
    with pytest.raises(ValueError, match="relu"):
        theory.expected_model_loss(linear)


def test_phase_diagram_colours_every_cell_by_its_phase():
    r, p = torch.logspace(-1, 1, 4), torch.logspace(-2, 0, 3)
    labels = torch.tensor([[2, 2, 0], [2, 2, 0], [2, 2, 1], [2, -1, 1]])
    before = labels.clone()
    ax = tl.phase_change.plot_phase_diagram(
        labels, r, p, tl.phase_change.TWO_IN_ONE.phases, crosses=labels < 0
    )
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
    problem = tl.phase_change.THREE_IN_TWO
    paper = tl.phase_change.paper_phase_diagram(problem, r, p)
    fig = tl.phase_change.phase_figure(
        [(paper.labels, "a"), (paper.labels, "b")], r, p, problem.phases,
        outline=(r, p, paper.labels),
    )  # fmt: skip
    assert len(fig.axes) == 2
    assert len(fig.legends[0].get_texts()) == len(problem.phases) + 1
    plt.close(fig)


def test_weights_1d_draws_one_arrow_per_represented_feature():
    W, b = torch.tensor([[0.9, -0.01]]), torch.tensor([0.0, 0.3])
    ax = tl.phase_change.plot_weights_1d(W, b)
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 1 and arrows[0].xy == pytest.approx((0.9, 1.0))
    assert any("extra: W = -0.01, b = +0.30" in t.get_text() for t in ax.texts)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="one model's"):
        tl.phase_change.plot_weights_1d(torch.ones(2, 2), torch.zeros(2))


def test_explorer_retrains_the_chosen_cell_of_either_problem():
    box = tl.phase_change.phase_explorer(importance=0.2, density=0.01, restarts=2)
    first = box.png
    assert first.startswith(b"\x89PNG") and "retrained" in status_of(box)
    assert "<b>superposition</b>" in status_of(box), status_of(box)  # deep in the sparse phase
    density = find(box, "density 1 − S")
    assert isinstance(density, widgets.SelectionSlider) and not density.continuous_update
    # the values are grid indices; dense, unimportant extra feature: dropped
    change(box, density, density.options[-1][1])
    assert "<b>not represented</b>" in status_of(box) and box.png != first
    change(box, find(box, "problem"), "3 → 2")
    assert "error" not in status_of(box) and "<b>not represented</b>" in status_of(box)
    importance = find(box, "importance r of extra")
    change(box, importance, importance.options[-1][1])
    assert "<b>dedicated, another feature dropped</b>" in status_of(box), status_of(box)
    assert "image/png" in box._repr_mimebundle_()


def test_explorer_rejects_an_unknown_problem():
    with pytest.raises(ValueError, match="problem='4 → 2'"):
        tl.phase_change.phase_explorer(problem="4 → 2")


def test_explorer_shows_given_diagrams_and_checks_their_grids():
    r, p = torch.logspace(-1, 1, 5), torch.logspace(-2, 0, 4)
    diagrams = {
        name: tl.phase_change.paper_phase_diagram(problem, r, p)
        for name, problem in tl.phase_change.PHASE_PROBLEMS.items()
    }
    box = tl.phase_change.phase_explorer(
        diagrams=diagrams, importance=10.0, density=1.0, restarts=1
    )
    assert "the theory predicts dedicated dimension" in status_of(box), status_of(box)
    assert len(find(box, "density 1 − S").options) == 4
    diagrams["3 → 2"] = tl.phase_change.paper_phase_diagram(tl.phase_change.THREE_IN_TWO, r, p[:3])
    with pytest.raises(ValueError, match="same grid"):
        tl.phase_change.phase_explorer(diagrams=diagrams)


def test_two_in_one_losses_are_the_candidates_losses_on_a_grid():
    r, p = torch.logspace(-1, 1, 7), torch.logspace(-2, 0, 5)
    grid = tl.phase_change.candidate_losses(tl.phase_change.TWO_IN_ONE, r, p)
    assert torch.allclose(tl.phase_change.two_in_one_losses(r[:, None], p[None, :]), grid)
    # and at the triple point all three are equal
    r_star, p_star = tl.phase_change.TRIPLE_POINT
    at = tl.phase_change.two_in_one_losses(r_star, p_star)
    assert at.shape == (3,) and torch.allclose(at, at[0].expand(3))
