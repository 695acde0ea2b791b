"""Non-uniform superposition geometry on hand-built weights with known answers (paper §5)."""

import math

import numpy as np
import pytest
import torch

from toy_lib import nonuniform as nu


def polygon(angles_deg: list[float], norms: list[float] | None = None) -> torch.Tensor:
    """``W: (2, features)`` with feature i at angle ``angles_deg[i]`` and length ``norms[i]``."""
    a = torch.deg2rad(torch.tensor(angles_deg, dtype=torch.float32))
    r = torch.ones(len(angles_deg)) if norms is None else torch.tensor(norms)
    return torch.stack([r * a.cos(), r * a.sin()])


PENTAGON = polygon([90 + 72 * i for i in range(5)])
# Features 1..4 as two antipodal pairs at right angles, feature 0 dropped (the paper's snap).
DIGONS = polygon([0, 10, 190, 100, 280], [0.0, 1, 1, 1, 1])


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
