"""Section 6, the regimes of a run (``learning_dynamics.transformations``): loss plateaus and the geometry
of two correlated triples in 3-D, on traces and weights with known answers."""

import math

import pytest
import torch

import toy_lib as tl
from toy_lib.learning_dynamics import transformations as rg


def octahedron() -> torch.Tensor:
    """``W (3, 6)``: features 0-2 on +x, +y, +z and features 3-5 opposite them (cross-set pairs)."""
    eye = torch.eye(3)
    return torch.cat([eye, -eye], dim=1)


def staircase(*levels: tuple[float, int]) -> torch.Tensor:
    return torch.cat([torch.full((n,), float(v)) for v, n in levels])


def test_loss_plateaus_finds_the_steps_of_a_staircase():
    loss = staircase((1.0, 10), (0.6, 3), (0.5, 12), (0.2, 2), (0.1, 8))
    assert rg.loss_plateaus(loss, flat=0.05, hold=6) == [(0, 9), (13, 24), (27, 34)]
    # A loss falling at a steady pace has no plateau: 1/40 of the descent per snapshot.
    assert rg.loss_plateaus(torch.linspace(1.0, 0.0, 41), flat=0.05, hold=6) == []
    # The same slope is a plateau once the band is wide enough to hold 6 snapshots.
    assert rg.loss_plateaus(torch.linspace(1.0, 0.0, 41), flat=0.13, hold=6)[0] == (0, 5)
    assert rg.loss_plateaus(torch.ones(20)) == [], "no descent, no plateau"


def test_loss_plateaus_ignore_noise_inside_the_band():
    g = torch.Generator().manual_seed(0)
    loss = staircase((1.0, 20), (0.0, 20)) + 0.01 * torch.rand(40, generator=g)
    assert rg.loss_plateaus(loss, flat=0.05, hold=6) == [(0, 19), (20, 39)]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"flat": 0}, "flat=0"), ({"flat": 1.5}, "flat=1.5"), ({"hold": 1}, "hold=1")],
)
def test_loss_plateaus_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rg.loss_plateaus(torch.linspace(1, 0, 10), **kwargs)
    with pytest.raises(ValueError, match="finite"):
        rg.loss_plateaus(torch.tensor([1.0, math.nan, 0.0]))


def test_set_directions_counts_groups_of_aligned_features():
    W = torch.tensor([[1.0, 0.99, 0.0], [0.0, 0.1, 1.0], [0.0, 0.0, 0.0]])
    assert rg.set_directions(W, [0, 1]) == 1
    assert rg.set_directions(W, [0, 1, 2]) == 2
    assert rg.set_directions(torch.eye(3), [0, 1, 2]) == 3


def test_triples_geometry_names_each_stage():
    assert rg.triples_geometry(octahedron()) == "octahedron"
    assert rg.triples_geometry(0.1 * octahedron()) == "not yet learned"
    one = torch.tensor([1.0, 0.0, 0.0]).reshape(3, 1).expand(3, 6).clone()
    assert rg.triples_geometry(0.6 * one) == "PCA: one direction"
    two = torch.zeros(3, 6)
    two[0, :3] = 0.6
    two[1, 3:] = 0.6
    assert rg.triples_geometry(two) == "PCA: two directions"
    split = two.clone()
    split[:, 0] = torch.tensor([0.0, 0.0, 1.0])  # feature 0 leaves its set's direction
    assert rg.triples_geometry(split) == "2 + 1 directions"
    # Antipodal pairs within a set are no octahedron of the paper's kind.
    within = octahedron()[:, [0, 3, 1, 4, 2, 5]]
    assert rg.triples_geometry(within) != "octahedron"
    with pytest.raises(ValueError, match="one model"):
        rg.triples_geometry(torch.zeros(2, 3, 6))
    with pytest.raises(ValueError, match="two sets"):
        rg.triples_geometry(octahedron(), sets=[(0, 1, 2)])


def test_regimes_label_each_plateau_with_its_geometry():
    steps = torch.arange(30)
    W = torch.stack([0.1 * octahedron()] * 10 + [0.5 * octahedron()] * 10 + [octahedron()] * 10)
    two = torch.zeros(3, 6)
    two[0, :3], two[1, 3:] = 0.6, 0.6
    W[10:20] = two
    loss = staircase((1.0, 10), (0.5, 10), (0.1, 10))
    out = rg.regimes(steps, W, loss, flat=0.05, hold=6)
    assert [(r.first, r.last, r.geometry) for r in out] == [
        (0, 9, "not yet learned"),
        (10, 19, "PCA: two directions"),
        (20, 29, "octahedron"),
    ]
    assert out[1].loss == pytest.approx(0.5) and (out[1].first_step, out[1].last_step) == (10, 19)
    with pytest.raises(ValueError, match="must be"):
        rg.regimes(steps[:5], W, loss)


def test_snapshot_loss_is_the_evaluated_loss_of_each_snapshot():
    cfg = tl.Config(6, 3, 2, feature_probability=0.2, importance=1.0, correlated=rg.TRIPLES)
    models = [tl.ToyModel(cfg, seed=s) for s in (0, 1)]
    W = torch.stack([m.W.detach() for m in models])
    b = torch.stack([m.b.detach() + 0.1 * s for s, m in enumerate(models)])
    with torch.no_grad():
        models[1].b.add_(0.1)
    got = rg.snapshot_loss(cfg, W, b, n_samples=5000)
    want = torch.stack([tl.evaluate_loss(m, n_samples=5000) for m in models])
    assert torch.allclose(got, want, rtol=1e-5)
    with pytest.raises(ValueError, match="snapshot_W"):
        rg.snapshot_loss(cfg, W[:, :1], b)
    with pytest.raises(ValueError, match="snapshot_b"):
        rg.snapshot_loss(cfg, W, b[:, :, :3])


@pytest.mark.slow
def test_train_triples_ends_in_octahedra_and_records_regimes():
    run = rg.train_triples(0.1, 0.1, 0, n_instances=4, steps=4000, n_snapshots=60)
    assert run.W.shape == (len(run.steps), 4, 3, 6) and run.loss.shape == (len(run.steps), 4)
    assert all(r for r in run.regimes)
    assert run.transformations(0)[0] == "not yet learned"
    with pytest.raises(ValueError, match="n_instances=0"):
        rg.train_triples(n_instances=0)


def synthetic_run() -> rg.TriplesRun:
    """One instance: not learned (10 snapshots), PCA in two directions (10), octahedron (10)."""
    steps = torch.arange(30)
    two = torch.zeros(3, 6)
    two[0, :3], two[1, 3:] = 0.6, 0.6
    W = torch.stack([0.1 * octahedron()] * 10 + [two] * 10 + [octahedron()] * 10).unsqueeze(1)
    loss = staircase((1.0, 10), (0.5, 10), (0.1, 10)).unsqueeze(1)
    cfg = tl.Config(6, 3, 1, feature_probability=0.1, importance=1.0, correlated=rg.TRIPLES)
    regs = [rg.regimes(steps, W[:, 0], loss[:, 0])]
    return rg.TriplesRun(cfg, steps, W, loss, regs, [rg.triples_geometry(W[-1, 0])])


def test_triples_run_counts_its_stages():
    run = synthetic_run()
    assert run.transformations(0) == ["not yet learned", "PCA: two directions", "octahedron"]
    assert run.stages(0) == ["PCA: two directions", "octahedron"]
    assert (run.octahedra, run.pca_first, run.with_stages(2), run.with_stages(3)) == (1, 1, 1, 0)


def test_regimes_figure_draws_one_panel_per_stage():
    import matplotlib.pyplot as plt

    fig = tl.learning_dynamics.regimes_figure(synthetic_run(), 0)
    titles = [ax.get_title() for ax in fig.axes[1:]]
    assert [t.split("\n")[0] for t in titles] == [
        "1. not yet learned",
        "2. PCA: two directions",
        "3. octahedron",
    ]
    assert fig.axes[0].get_xscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="instance=1"):
        tl.learning_dynamics.regimes_figure(synthetic_run(), 1)
