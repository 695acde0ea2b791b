"""Section 5, non-uniform superposition (notebook 05): hand-built weights with known answers, figures and explorers."""

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from helpers import DIGONS, PENTAGON, change, find, hand_built_sweep, polygon, status_of
from matplotlib.colors import to_rgba

import toy_lib as tl
from toy_lib import geometry_nonuniform as nu


def rotation(dim: int, seed: int) -> torch.Tensor:
    q, r = torch.linalg.qr(torch.randn(dim, dim, generator=torch.Generator().manual_seed(seed)))
    return q * torch.sign(torch.diagonal(r))


def test_configuration_labels_name_pentagon_digons_and_others():
    deformed = polygon([0, 60, 140, 220, 300], [0.8, 1, 1, 1, 1])
    triangle = polygon([0, 120, 240, 30, 60], [1, 1, 1, 0.1, 0])
    square = polygon([0, 90, 180, 300, 0], [1, 1, 1, 1, 0])
    W = torch.stack([PENTAGON, DIGONS, deformed, triangle, square]).reshape(5, 1, 2, 5)
    labels = nu.configuration_labels(W)
    assert labels.shape == (5, 1)
    assert labels[:, 0].tolist() == ["pentagon", "2 digons", "pentagon", "triangle", "square"]
    assert nu.configuration_labels(polygon([0, 180, 90], [1, 1, 0])).item() == "1 digon"
    with pytest.raises(ValueError, match="2-D models"):
        nu.configuration_labels(torch.ones(3, 5))


def test_angular_share_is_144_in_a_regular_pentagon_and_tracks_the_neighbours():
    share = nu.angular_share(PENTAGON, 2)
    assert share.item() == pytest.approx(144.0, abs=1e-3)
    # Push feature 0's neighbours (at 18° and 162°, i.e. features 4 and 1) apart by 10° each.
    wider = polygon([90, 172, 234, 306, 8])
    assert nu.angular_share(wider, 0).item() == pytest.approx(164.0, abs=1e-3)
    batch = torch.stack([PENTAGON, wider, DIGONS])
    torch.testing.assert_close(
        nu.angular_share(rotation(2, 0) @ batch, 0)[:2], torch.tensor([144.0, 164.0])
    )
    assert math.isnan(nu.angular_share(DIGONS, 0).item()), "a dropped feature has no share"
    with pytest.raises(ValueError, match="feature=5"):
        nu.angular_share(PENTAGON, 5)


def test_canonicalize_puts_the_anchor_on_x_and_keeps_the_gram_matrix():
    W = torch.stack([rotation(2, s) @ PENTAGON for s in range(3)])
    W[1, 1] *= -1  # a mirror image: canonical form must mirror it back
    before = W.clone()
    C = nu.canonicalize_2d(W, anchor=1, orient=2)
    assert torch.equal(W, before), "input left unmodified"
    assert (C[:, 1, 1].abs() < 1e-5).all() and (C[:, 0, 1] > 0).all()
    assert (C[:, 1, 2] > 0).all()
    torch.testing.assert_close(C.transpose(-1, -2) @ C, W.transpose(-1, -2) @ W)
    torch.testing.assert_close(C[0], C[1], atol=1e-5, rtol=0)


def test_loss_crossover_interpolates_in_log_x_and_skips_missing_points():
    x = torch.logspace(-1, 1, 9)
    a = torch.log10(x)  # crosses b = 0 at x = 1
    b = torch.zeros(9)
    torch.testing.assert_close(nu.loss_crossover(x, a, b), torch.tensor([1.0]))
    a_missing = a.clone()
    a_missing[3:6] = float("nan")
    torch.testing.assert_close(nu.loss_crossover(x, a_missing, b), torch.tensor([1.0]))
    assert len(nu.loss_crossover(x, a + 5, b)) == 0
    assert len(nu.loss_crossover(x, torch.sin(5 * a), b)) == 3, "every sign change is reported"
    with pytest.raises(ValueError, match="ascending"):
        nu.loss_crossover(x.flip(0), a, b)


def test_label_changes():
    assert nu.label_changes([1, 2, 3, 4], ["a", "a", "b", "b"]) == [(2.0, 3.0, "a", "b")]
    assert nu.label_changes([1, 2], ["a", "a"]) == []
    with pytest.raises(ValueError, match="lengths"):
        nu.label_changes([1, 2], ["a"])


def test_vary_one_density_sets_one_column():
    cfg = nu.vary_one_density([0.5, 2.0], base_density=0.05, feature=3)
    expected = torch.full((2, 5), 0.05)
    expected[:, 3] = torch.tensor([0.025, 0.1])
    torch.testing.assert_close(cfg.probability, expected)
    assert (cfg.importances == 1).all() and cfg.n_hidden == 2
    with pytest.raises(ValueError, match="relative"):
        nu.vary_one_density([30.0], base_density=0.05)
    with pytest.raises(ValueError, match="relative"):
        nu.vary_one_density([0.0, 1.0])
    with pytest.raises(ValueError, match="feature=7"):
        nu.vary_one_density([1.0], feature=7)


def test_sweep_family_losses_and_crossover_from_hand_built_restarts():
    relative = torch.tensor([0.1, 0.2, 0.4, 0.8])
    W = torch.stack([torch.stack([PENTAGON, DIGONS])] * 4)  # (points, restarts=2, 2, 5)
    W[0, 0] = DIGONS  # at the sparsest point no pentagon was found
    losses = torch.tensor([[1.0, 1.0], [2.0, 1.5], [2.5, 3.0], [3.0, 4.0]])
    sweep = nu.PerturbationSweep(relative, W, losses, losses.argmin(1), feature=0)
    pent = sweep.family_loss("pentagon")
    assert math.isnan(pent[0]) and pent[1:].tolist() == [2.0, 2.5, 3.0]
    assert sweep.family_loss("2 digons").tolist() == [1.0, 1.5, 3.0, 4.0]
    assert sweep.best_labels.tolist() == ["2 digons", "2 digons", "pentagon", "pentagon"]
    crossing = sweep.crossover().item()
    assert 0.2 < crossing < 0.4
    torch.testing.assert_close(sweep.best_W[2], PENTAGON)


def test_perturbation_sweep_shapes_and_choice_by_loss():
    sweep = nu.perturbation_sweep([2.0, 0.5], k=3, steps=50, progress=False)
    assert sweep.relative.tolist() == [0.5, 2.0]
    assert sweep.W.shape == (2, 3, 2, 5) and sweep.losses.shape == (2, 3)
    assert torch.equal(sweep.chosen, sweep.losses.argmin(1))
    assert not sweep.W.requires_grad


def test_set_cosines_and_orthogonal_sets():
    basis = rotation(3, 1) @ torch.eye(3)
    W = torch.cat([basis, basis[:, :1]], dim=1)  # features 0, 1, 2 orthonormal; 3 equals 0
    torch.testing.assert_close(nu.set_cosines(W, [0, 1, 3]), torch.tensor([0.0, 1.0, 0.0]))
    assert nu.orthogonal_set(W, [0, 1, 2]).item()
    assert not nu.orthogonal_set(W, [0, 1, 3]).item()
    tilted = W.clone()
    tilted[:, 1] = math.cos(0.2) * basis[:, 1] + math.sin(0.2) * basis[:, 0]  # 11.5° off
    assert not nu.orthogonal_set(tilted, [0, 1, 2]).item()
    dropped = W.clone()
    dropped[:, 2] *= 0.3
    assert not nu.orthogonal_set(dropped, [0, 1, 2]).item(), "every member must be represented"
    batch = torch.stack([W, tilted])
    assert nu.orthogonal_set(batch, [0, 1, 2]).tolist() == [True, False]
    for bad in ([0], [0, 0], [0, 9]):
        with pytest.raises(ValueError, match="members"):
            nu.set_cosines(W, bad)


def test_antipodal_partners_of_an_octahedron_across_two_triples():
    basis = rotation(3, 2)
    # Features 0-2 (one triple) orthonormal; 3-5 (the other) their antipodes, shuffled.
    W = torch.cat([basis, -basis[:, [2, 0, 1]]], dim=1)
    assert nu.antipodal_partner(W).tolist() == [4, 5, 3, 2, 0, 1]
    assert (nu.antipodal_partner(PENTAGON) == -1).all()
    assert nu.antipodal_partner(DIGONS).tolist() == [-1, 2, 1, 4, 3]


def test_angular_neighbours_find_side_by_side_pairs():
    # A hexagon whose correlated pairs (0, 1), (2, 3), (4, 5) are neighbours 65° apart, while
    # features of different pairs are only 55° apart: side by side, yet not nearest.
    W = polygon([0, 65, 120, 185, 240, 305])
    expected = [[5, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 0]]
    assert nu.angular_neighbours(W).tolist() == expected
    W[:, 5] = 0
    neighbours = nu.angular_neighbours(W).tolist()
    assert neighbours[5] == [-1, -1] and neighbours[0] == [4, 1]
    assert nu.angular_neighbours(polygon([0, 90], [1, 0])).tolist() == [[-1, -1], [-1, -1]]


def test_rank_one_fraction_and_collapse():
    u = torch.tensor([0.6, 0.8, 0.0])
    v = torch.tensor([0.0, 0.0, 1.0])
    collapsed = torch.stack([0.7 * u, 0.72 * u, v], dim=1)
    antipodes = torch.stack([u, -u, v], dim=1)
    orthogonal = torch.stack([u, v, torch.linalg.cross(u, v)], dim=1)
    W = torch.stack([collapsed, antipodes, orthogonal])
    torch.testing.assert_close(nu.rank_one_fraction(W, [0, 1]), torch.tensor([1.0, 1.0, 0.5]))
    assert nu.rank_one_fraction(orthogonal, [0, 1, 2]).item() == pytest.approx(1 / 3)
    assert nu.rank_one_fraction(torch.zeros(3, 2), [0, 1]).item() == 0.0
    assert nu.collapsed_set(W, [0, 1]).tolist() == [True, False, False]
    half = collapsed.clone()
    half[:, 1] = 0.05 * u
    assert not nu.collapsed_set(half, [0, 1]).item(), "a dropped member is not a collapse"
    rotated = rotation(3, 4) @ W
    torch.testing.assert_close(nu.rank_one_fraction(rotated, [0, 1]), torch.tensor([1.0, 1.0, 0.5]))


def test_configuration_labels_returns_numpy_strings():
    assert isinstance(nu.configuration_labels(PENTAGON), np.ndarray)


def test_set_geometry_names_each_arrangement():
    u, v = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    W = torch.stack([u, v, 0.7 * u, 0.7 * u, u, -u, u, 0.6 * u + 0.8 * v], dim=1)
    assert nu.set_geometry(W, [0, 1]).startswith("orthogonal")
    assert nu.set_geometry(W, [2, 3]).startswith("collapsed")
    assert nu.set_geometry(W, [4, 5]) == "antipodal (cos -1.00 to -1.00)"
    assert nu.set_geometry(W, [6, 7]).startswith("side by side (cos +0.60")
    assert nu.set_geometry(W, [0, 1, 5]).startswith("mixed")
    with pytest.raises(ValueError, match="one model"):
        nu.set_geometry(W[None], [0, 1])


def test_set_colours_group_the_members():
    colors = tl.geometry_nonuniform.feature_set_colors(5, [(0, 3), (1, 2)])
    assert colors[0] == colors[3] != colors[1] == colors[2]
    assert colors[4] == "0.55", "a feature in no set is grey"


def test_plot_feature_sets_colours_arrows_by_set_in_2d_and_draws_3d_stems():
    ax = tl.geometry_nonuniform.plot_feature_sets(PENTAGON, [(0, 1)])
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 5
    blue = to_rgba(tl.geometry_nonuniform.SET_COLORS[0])
    assert to_rgba(arrows[0].arrow_patch.get_edgecolor()) == pytest.approx(blue)
    assert to_rgba(arrows[2].arrow_patch.get_edgecolor()) != pytest.approx(blue)
    plt.close(ax.figure)
    octahedron = torch.cat([torch.eye(3), -torch.eye(3)], dim=1)
    ax3 = tl.geometry_nonuniform.plot_feature_sets(octahedron, [(0, 1, 2), (3, 4, 5)])
    assert ax3.name == "3d" and len(ax3.lines) == 12 + 6, "octahedron: 12 edges and 6 stems"
    plt.close(ax3.figure)
    with pytest.raises(ValueError, match="projection='3d'"):
        tl.geometry_nonuniform.plot_feature_sets(octahedron, [], ax=plt.figure().gca())
    with pytest.raises(ValueError, match="2 or 3"):
        tl.geometry_nonuniform.plot_feature_sets(torch.ones(4, 5), [])
    plt.close("all")


def test_perturbation_figure_marks_the_crossover_and_leaves_the_sweep_untouched():
    sweep = hand_built_sweep()
    before = sweep.W.clone()
    fig = tl.geometry_nonuniform.perturbation_figure(sweep, [0.1, 0.8])
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
    fig = tl.geometry_nonuniform.sweep_point_figure(sweep, 0, rank=2)
    assert "pentagon" in fig.get_axes()[0].get_title(), "rank 2 at point 0 is the pentagon"
    plt.close(fig)
    with pytest.raises(ValueError, match="rank=3"):
        tl.geometry_nonuniform.sweep_point_figure(sweep, 0, rank=3)


def test_rank_one_fraction_plot_fills_collapsed_points():
    u = torch.tensor([1.0, 0.0])
    collapsed = torch.stack([u, u], dim=1)
    orthogonal = torch.eye(2)
    ax = tl.geometry_nonuniform.plot_rank_one_fraction(
        [0.5, 0.01], torch.stack([collapsed, orthogonal]), [(0, 1)]
    )
    filled, hollow = ax.collections[0], ax.collections[1]
    np.testing.assert_allclose(filled.get_offsets(), [[0.5, 1.0]])
    np.testing.assert_allclose(hollow.get_offsets(), [[0.01, 0.5]])
    plt.close(ax.figure)


def test_perturbation_explorer_picks_points_and_restarts_without_training():
    box = tl.geometry_nonuniform.perturbation_explorer(hand_built_sweep(), relative=0.8)
    point, rank = find(box, "relative density"), find(box, "restart (by loss)")
    assert isinstance(point, widgets.SelectionSlider) and not point.continuous_update
    assert "is pentagon" in status_of(box)
    first = box.png
    change(box, point, 0)
    assert box.png != first and "is 2 digons" in status_of(box)
    change(box, rank, 2)
    assert "restart 2 of 2 by loss is pentagon" in status_of(box)
    assert "image/png" in box._repr_mimebundle_()
    with pytest.raises(ValueError, match="relative=0"):
        tl.geometry_nonuniform.perturbation_explorer(hand_built_sweep(), relative=0)


def test_correlation_explorer_retrains_every_structure():
    box = tl.geometry_nonuniform.correlation_explorer(restarts=1)
    assert box.png.startswith(b"\x89PNG") and "retrained" in status_of(box)
    choice = find(box, "structure")
    density = find(box, "density 1 − S")
    assert not density.continuous_update
    for structure in choice.options:
        change(box, choice, structure)
        assert "error" not in status_of(box), (structure, status_of(box))
    for value in (density.options[0], density.options[-1]):
        change(box, density, value)
        assert "error" not in status_of(box), (value, status_of(box))


def test_correlation_model_names_its_sets():
    r = tl.geometry_nonuniform.train_correlation_model(
        "2 anticorrelated pairs (4 features, 2-D)", 0.3
    )
    assert r.W.shape == (2, 4) and r.anticorrelated == ((0, 1), (2, 3))
    with pytest.raises(ValueError, match="structure='nope'"):
        tl.geometry_nonuniform.train_correlation_model("nope", 0.1)
    with pytest.raises(ValueError, match="density=0.42"):
        tl.geometry_nonuniform.correlation_explorer(density=0.42)


def test_norm_from_bias_gives_the_three_candidate_laws():
    laws = nu.norm_from_bias(torch.tensor([0.0, -0.25, 0.5]))
    assert laws["1/(1-b)"].tolist() == pytest.approx([1.0, 0.8, 2.0])
    assert laws["1/(1+b)"].tolist() == pytest.approx([1.0, 4 / 3, 2 / 3])
    assert laws["sqrt(1-b)"].tolist() == pytest.approx([1.0, 1.25**0.5, 0.5**0.5])


def test_a_sweep_keeps_the_best_restarts_bias():
    sweep = hand_built_sweep()
    with pytest.raises(ValueError, match="no biases"):
        _ = sweep.best_b
    b = torch.arange(4 * 2 * 5, dtype=torch.float32).reshape(4, 2, 5)
    kept = nu.PerturbationSweep(sweep.relative, sweep.W, sweep.losses, sweep.chosen, 0, b=b)
    assert torch.equal(kept.best_b, b[torch.arange(4), sweep.chosen])


def test_retrain_point_trains_one_point_again_as_the_sweep_did():
    sweep = nu.perturbation_sweep([0.5, 2.0], k=2, seed=0, steps=300, progress=False)
    again = nu.retrain_point(sweep, 1, seed=5)
    alone = nu.perturbation_sweep([2.0], k=2, seed=5, steps=300, progress=False)
    assert torch.equal(again.W[1], alone.W[0]) and torch.equal(again.b[1], alone.b[0])
    assert torch.equal(again.losses[1], alone.losses[0]) and again.chosen[1] == alone.chosen[0]
    assert torch.equal(again.W[0], sweep.W[0]) and torch.equal(again.losses[0], sweep.losses[0])
    assert not torch.equal(again.W[1], sweep.W[1]) and torch.equal(sweep.W[1], sweep.W[1].clone())
    with pytest.raises(ValueError, match="index=2"):
        nu.retrain_point(sweep, 2, seed=5)
    with pytest.raises(ValueError, match="did not record its base_density"):
        nu.retrain_point(hand_built_sweep(), 0, seed=5)


def test_perturbation_explorer_retrains_the_chosen_point():
    sweep = nu.perturbation_sweep([0.5, 2.0], k=2, seed=0, steps=300, progress=False)
    box = tl.geometry_nonuniform.perturbation_explorer(sweep, relative=2.0)
    change(box, find(box, "restarts"), "retrain")
    assert "2× as dense as the others (retrained, seed 1)" in status_of(box), status_of(box)
    built = tl.geometry_nonuniform.perturbation_explorer(hand_built_sweep())
    change(built, find(built, "restarts"), "retrain")
    assert "error: ValueError: this sweep did not record" in status_of(built)
