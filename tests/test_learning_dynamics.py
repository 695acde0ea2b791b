"""Section 6 (notebook 06): jumps between energy levels on synthetic traces with known answers,
then the plots, the animation and the explorer; loss plateaus and the regimes of two correlated
triples (Phenomenon 2) on traces and weights with known answers."""

import dataclasses
import io
import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from helpers import change, find, status_of
from PIL import Image

import toy_lib as tl
from toy_lib import learning_dynamics as dy
from toy_lib.learning_dynamics import transformations as tr

LEVELS = [1.0, 2 / 3, 1 / 2, 2 / 5, 1 / 3]  # planar_levels(6)


def trace(*pieces: tuple[float, int]) -> torch.Tensor:
    """A piecewise-constant trace: ``(value, length)`` pieces; NaN values allowed."""
    return torch.cat([torch.full((n,), float(v)) for v, n in pieces])


def as_run(D: torch.Tensor, loss: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One feature of one instance: ``D (snapshots,)`` → ``(snapshots, 1, 1)``, loss → ``(snapshots, 1)``."""
    return D.reshape(-1, 1, 1), loss.reshape(-1, 1)


def regular_polygon(k: int, n_features: int, angle: float = 0.3) -> torch.Tensor:
    """``W (2, n_features)``: the first ``k`` features as a regular k-gon, the rest zero."""
    W = torch.zeros(2, n_features)
    a = angle + torch.arange(k) * 2 * math.pi / k
    W[:, :k] = torch.stack([a.cos(), a.sin()])
    return W


# Energy levels and snapshots


def test_planar_levels_are_the_fractions_of_regular_polygons():
    levels = dy.planar_levels(6)
    assert [p.fraction for p in levels] == pytest.approx(LEVELS)
    assert [p.label for p in levels] == [
        "dedicated 1",
        "triangle 2/3",
        "digon 1/2",
        "pentagon 2/5",
        "hexagon 1/3",
    ]
    for k in (3, 5, 6):
        D = tl.feature_dimensionality(regular_polygon(k, k))
        assert torch.allclose(D, torch.full((k,), 2 / k), atol=1e-5)
    # A square is two orthogonal digons: its level is the digon's, listed once.
    assert torch.allclose(tl.feature_dimensionality(regular_polygon(4, 4)), torch.full((4,), 0.5))
    assert [p.fraction for p in dy.planar_levels(4)] == pytest.approx([1, 2 / 3, 1 / 2])
    assert [p.name for p in dy.planar_levels(1)] == ["dedicated"]
    with pytest.raises(ValueError, match="n_features=0"):
        dy.planar_levels(0)


def test_log_snapshot_steps_start_at_zero_end_at_steps_and_spread_evenly_in_log_time():
    s = dy.log_snapshot_steps(10_000, 100)
    assert s[0] == 0 and s[1] == 1 and s[-1] == 10_000
    assert s == sorted(set(s)) and 80 < len(s) <= 101
    ratios = np.array(s[-50:][1:]) / np.array(s[-50:][:-1])
    assert np.allclose(ratios, 10 ** (4 / 99), rtol=0.02), "late snapshots are ~10% apart"
    with pytest.raises(ValueError, match="n_snapshots=0"):
        dy.log_snapshot_steps(100, 0)


def test_fraction_label():
    assert [dy.fraction_label(v) for v in (1.0, 0.5, 0.4, 1 / 3)] == ["1", "1/2", "2/5", "1/3"]


# Measurements


def test_masked_dimensionality_hides_features_that_are_not_represented():
    W = regular_polygon(5, 6).repeat(3, 2, 1, 1)  # (3 snapshots, 2 instances, 2, 6)
    W[0] *= 0.1  # snapshot 0: everything tiny, nothing represented
    before = W.clone()
    D = dy.masked_dimensionality(W)
    assert D.shape == (3, 2, 6)
    assert torch.isnan(D[0]).all() and torch.isnan(D[1:, :, 5]).all()
    assert torch.allclose(D[1:, :, :5], torch.full((2, 2, 5), 0.4), atol=1e-5)
    assert torch.equal(W, before)
    with pytest.raises(ValueError, match="snapshots, instances, hidden, features"):
        dy.masked_dimensionality(W[0])


def test_smoothed_loss_is_a_centred_window_in_log_steps():
    steps = 4000
    loss = torch.where(torch.arange(steps) < 1000, 1.0, 0.5).unsqueeze(1).repeat(1, 2)
    snaps = torch.tensor([0, 100, 500, 1000, 2000, 4000])
    L = dy.smoothed_loss(loss, snaps, span=0.1)
    assert L.shape == (6, 2)
    assert torch.allclose(L[:3], torch.ones(3, 2))
    assert torch.allclose(L[4:], torch.full((2, 2), 0.5)), "the drop is not smeared far"
    assert 0.5 < L[3, 0] < 1.0, "the snapshot at the drop sees both sides"
    ramp = torch.arange(1000.0).unsqueeze(1)
    mid = dy.smoothed_loss(ramp, [500], span=0.1)
    assert mid.item() == pytest.approx((454 + 550) / 2), "mean over steps floor(500/1.1)..550"
    with pytest.raises(ValueError, match="span=2"):
        dy.smoothed_loss(loss, snaps, span=2)


def test_level_index_names_the_level_within_tolerance():
    D = torch.tensor([0.5, 0.51, 0.52, 0.4, float("nan"), 1.0, 0.0])
    assert dy.level_index(D, LEVELS, tol=0.015).tolist() == [2, 2, -1, 3, -1, 0, -1]
    with pytest.raises(ValueError, match="tol=0.05"):
        dy.level_index(D, LEVELS, tol=0.05)  # 2/5 and 1/3 bands would overlap


# Jumps on synthetic traces


def test_a_jump_that_coincides_with_a_loss_drop():
    D = trace((0.5, 20), (0.45, 2), (0.4, 20))  # plateau at 1/2, two snapshots in transit, 2/5
    loss = trace((1.0, 21), (0.8, 21))
    (jump,) = dy.find_jumps(*as_run(D, loss), LEVELS)
    assert (jump.instance, jump.feature, jump.start, jump.end) == (0, 0, 19, 22)
    assert (jump.from_level, jump.to_level, jump.label) == (0.5, pytest.approx(0.4), "1/2 → 2/5")
    # The loss falls by its whole descent (1.0 → 0.8) across the jump: a share of 1.
    assert jump.loss_drop == pytest.approx(1.0) and (jump.plateau_start, jump.plateau_drop) == (
        0,
        0,
    )
    assert jump.coincides


def test_a_jump_without_a_loss_drop_does_not_coincide():
    D = trace((0.5, 20), (0.45, 2), (0.4, 20))
    flat = trace((1.0, 42))
    (jump,) = dy.find_jumps(*as_run(D, flat), LEVELS)
    assert jump.loss_drop == 0.0 and not jump.coincides
    later = trace((1.0, 35), (0.5, 7))  # the loss drops, but long after the jump
    (jump,) = dy.find_jumps(*as_run(D, later), LEVELS)
    assert not jump.coincides


def test_a_loss_that_keeps_sinking_at_its_usual_pace_does_not_coincide():
    D = trace((0.5, 20), (0.45, 2), (0.4, 20))
    steady = 0.97 ** torch.arange(42.0)  # 3% per snapshot: 9% across the jump, as much as before
    (jump,) = dy.find_jumps(*as_run(D, steady), LEVELS, min_drop=0.05)
    assert jump.loss_drop > 0.05 and jump.plateau_start == 0
    pace = jump.loss_drop / (jump.end - jump.start)
    assert pace < dy.FASTER * jump.plateau_drop / jump.start
    assert not jump.coincides


def test_a_loss_that_was_not_flat_on_the_plateau_does_not_coincide():
    D = trace((0.5, 20), (0.45, 2), (0.4, 20))
    # Of a descent of 0.5, the loss loses a tenth along the plateau at 1/2 (0.05), then most of
    # the rest across the jump: a drop, but after a slope, not a plateau.
    loss = torch.cat([torch.linspace(1.0, 0.95, 20), torch.tensor([0.95, 0.7]), trace((0.5, 20))])
    (jump,) = dy.find_jumps(*as_run(D, loss), LEVELS)
    assert jump.settled_drop == pytest.approx(0.1 * 18 / 19, rel=1e-5) and jump.loss_drop > 0.8
    assert not jump.coincides
    (jump,) = dy.find_jumps(*as_run(D, loss), LEVELS, flat=0.1)
    assert jump.coincides
    with pytest.raises(ValueError, match="flat=2"):
        dy.find_jumps(*as_run(D, loss), LEVELS, flat=2)


def test_noise_around_one_level_is_no_jump():
    g = torch.Generator().manual_seed(0)
    D = 0.5 + 0.02 * torch.randn(200, 1, 1, generator=g)  # leaves the ±0.015 band often
    loss = 1.0 - 0.4 * torch.rand(200, 1, generator=g)  # wild loss
    assert dy.find_jumps(D, loss, LEVELS) == []


def test_flickering_between_two_levels_is_no_jump():
    D = torch.tensor([0.5, 0.4] * 30).reshape(-1, 1, 1)  # never holds a level for 4 snapshots
    assert dy.find_jumps(D, trace((1.0, 30), (0.5, 30)).reshape(-1, 1), LEVELS) == []


@pytest.mark.parametrize("speed", np.linspace(0.001, 0.02, 20).tolist())
def test_a_steady_drift_through_the_levels_is_never_a_jump(speed):
    for phase in np.linspace(0, 1, 7).tolist():
        D = (0.75 - speed * (torch.arange(400.0) + phase)).clamp(min=0.25)
        loss = torch.linspace(1.0, 0.1, 400)  # falling fast all along: drops everywhere
        assert dy.find_jumps(D.reshape(-1, 1, 1), loss.reshape(-1, 1), LEVELS) == []


def test_a_transit_longer_than_the_window_is_no_jump():
    slow = trace((0.5, 20), (0.45, 4), (0.4, 20))
    loss = trace((1.0, 22), (0.8, 22))
    assert dy.find_jumps(*as_run(slow, loss), LEVELS, window=3) == []
    assert len(dy.find_jumps(*as_run(slow, loss), LEVELS, hold=6, window=5)) == 1


def test_becoming_represented_at_a_level_is_no_jump():
    D = trace((math.nan, 20), (0.4, 20))  # NaN: not represented
    assert dy.find_jumps(*as_run(D, trace((1.0, 20), (0.5, 20))), LEVELS) == []


def test_jumps_report_their_instance_and_feature():
    D = torch.full((42, 3, 4), 0.5)
    D[:, 1, 2] = trace((0.5, 20), (0.45, 2), (2 / 3, 20))
    loss = torch.ones(42, 3)
    loss[21:, 1] = 0.9
    (jump,) = dy.find_jumps(D, loss, LEVELS)
    assert (jump.instance, jump.feature, jump.label, jump.coincides) == (1, 2, "1/2 → 2/3", True)


def test_find_jumps_refuses_settings_that_cannot_tell_a_jump_from_a_drift():
    D, loss = as_run(trace((0.5, 10)), trace((1.0, 10)))
    with pytest.raises(ValueError, match="too close"):
        dy.find_jumps(D, loss, LEVELS, tol=0.015, window=6)
    with pytest.raises(ValueError, match="hold=1"):
        dy.find_jumps(D, loss, LEVELS, hold=1)
    with pytest.raises(ValueError, match="must be"):
        dy.find_jumps(D, loss[:5], LEVELS)
    with pytest.raises(ValueError, match="min_drop=1.5"):
        dy.find_jumps(D, loss, LEVELS, min_drop=1.5)


def test_drop_windows_mark_where_the_loss_drops_faster_than_before():
    loss = trace((1.0, 20), (0.8, 20)).reshape(-1, 1)
    drops = dy.drop_windows(loss, span=3, hold=4, min_drop=0.05)
    assert drops[:, 0].nonzero().flatten().tolist() == [17, 18, 19]
    steady = (0.97 ** torch.arange(40.0)).reshape(-1, 1)
    assert not dy.drop_windows(steady, span=3, hold=4, min_drop=0.05).any()
    # A drop right after a stretch that was itself falling by 3% a snapshot is no drop after a
    # plateau: no window whose plateau lies in the slope counts.
    sinking = torch.cat([trace((1.0, 10)), 0.97 ** torch.arange(1.0, 11.0), trace((0.3, 20))])
    drops = dy.drop_windows(sinking.reshape(-1, 1), span=3, hold=4, min_drop=0.05, flat=0.05)
    assert drops[9, 0] and not drops[13:20].any()


# A square that becomes a pentagon, measured end to end


def square_to_pentagon() -> tl.History:
    """Two instances, 6 features in 2-D, 60 log-spaced snapshots over 1000 steps. Instance 1:
    a square (features 0-3) until snapshot 40, a pentagon (features 0-4) from snapshot 43, with
    the loss dropping from 0.04 to 0.03 at step 500. Instance 0: a pentagon throughout."""
    steps = torch.tensor(dy.log_snapshot_steps(1000, 60))
    S = len(steps)
    square = regular_polygon(4, 6)
    pentagon = regular_polygon(5, 6)
    w = torch.clamp((torch.arange(S) - 40) / 3, 0, 1).reshape(-1, 1, 1)
    W = torch.stack([pentagon.expand(S, 2, 6), (1 - w) * square + w * pentagon], dim=1)
    loss = torch.full((1000, 2), 0.03)
    loss[: int(steps[41]), 1] = 0.04
    return tl.History(
        loss=loss, snapshot_steps=steps, snapshot_W=W, snapshot_b=torch.zeros(S, 2, 6)
    )


def test_analyze_finds_the_square_turning_into_a_pentagon():
    dyn = dy.analyze(square_to_pentagon(), dy.planar_levels(6))
    assert dyn.D.shape == (len(dyn.steps), 2, 6) and dyn.smoothed.shape == (len(dyn.steps), 2)
    assert dyn.instances_with_jump == [1]
    jumps = dyn.coinciding(1)
    assert sorted(j.feature for j in jumps) == [0, 1, 2, 3], "feature 4 is born, not jumping"
    assert {j.label for j in jumps} == {"1/2 → 2/5"}
    assert all(0.4 < j.loss_drop < 1.0 + 1e-6 for j in jumps), "shares of the descent 0.04 → 0.03"
    assert dyn.coinciding(0) == []


def test_uniform_levels_are_the_papers_polytopes_far_enough_apart():
    levels = dy.uniform_levels()
    assert [p.label for p in levels] == [
        "dedicated 1",
        "tetrahedron 3/4",
        "triangle 2/3",
        "digon 1/2",
        "pentagon 2/5",
    ]
    D, loss = as_run(trace((0.5, 10)), trace((1.0, 10)))
    assert dy.find_jumps(D, loss, [p.fraction for p in levels]) == []  # settings accepted


def test_dynamics_figure_can_draw_only_the_features_kept_at_the_end():
    dyn = dy.analyze(square_to_pentagon(), dy.planar_levels(6))

    def n_lines(fig: matplotlib.figure.Figure) -> int:
        return sum(ln.get_label().startswith("feature") for ln in fig.axes[1].get_lines())

    every = dy.dynamics_figure(dyn, 1)
    final = dy.dynamics_figure(dyn, 1, final_only=True)
    assert n_lines(every) == 6 and n_lines(final) == 5, "feature 5 is never represented"
    plt.close("all")


def test_analyze_needs_snapshots():
    with pytest.raises(ValueError, match="no snapshots"):
        dy.analyze(tl.History(loss=torch.ones(10, 1)), dy.planar_levels(3))


def test_train_with_snapshots_starts_from_the_scaled_initial_weights():
    cfg = tl.Config(6, 2, 3, feature_probability=0.05, importance=1.0)
    h = dy.train_with_snapshots(cfg, steps=50, n_snapshots=10, init_scale=0.1, seed=3)
    assert h.snapshot_steps.tolist() == dy.log_snapshot_steps(50, 10)
    assert torch.allclose(h.snapshot_W[0], 0.1 * tl.ToyModel(cfg, seed=3).W.detach())
    assert h.loss.shape == (50, 3)
    with pytest.raises(ValueError, match="init_scale=0"):
        dy.train_with_snapshots(cfg, steps=5, init_scale=0)


def test_is_regular_polygon_checks_count_and_angles():
    W = torch.stack([regular_polygon(5, 6), regular_polygon(4, 6), regular_polygon(5, 6)])
    W[2, :, 0] = torch.tensor([0.0, 1.0])  # one vertex moved: no longer regular
    assert dy.is_regular_polygon(W, 5).tolist() == [True, False, False]
    assert dy.is_regular_polygon(W, 4).tolist() == [False, True, False]
    assert dy.is_regular_polygon(W[0], 5).item()
    with pytest.raises(ValueError, match="2, features"):
        dy.is_regular_polygon(torch.zeros(3, 6), 5)


# Plots and the animation


@pytest.fixture(scope="module")
def dyn() -> dy.Dynamics:
    return dy.analyze(square_to_pentagon(), dy.planar_levels(6))


def test_dynamics_figure_draws_every_feature_over_a_log_step_axis(dyn):
    W, D = dyn.W.clone(), dyn.D.clone()
    fig = tl.learning_dynamics.dynamics_figure(dyn, 1, title="square to pentagon")
    loss_ax, d_ax = fig.axes
    assert loss_ax.get_xscale() == d_ax.get_xscale() == "log"
    assert loss_ax.get_yscale() == "linear", "0.04 → 0.03: too narrow for a log axis"
    falling = dataclasses.replace(
        dyn, smoothed=dyn.smoothed * torch.logspace(1, 0, len(dyn.steps))[:, None]
    )
    assert tl.learning_dynamics.dynamics_figure(falling, 1).axes[0].get_yscale() == "log"
    assert len([ln for ln in d_ax.get_lines() if ln.get_label().startswith("feature")]) == 6
    orange = matplotlib.colors.to_rgb(tl.learning_dynamics.JUMP_COLOR)
    shaded = [p for p in d_ax.patches if p.get_facecolor()[:3] == orange]
    assert len(shaded) == 1, "the four features jump together: one span"
    assert any("−" in t.get_text() for t in loss_ax.texts), "the loss drop is labelled"
    assert torch.equal(dyn.W, W) and torch.equal(dyn.D.nan_to_num(-1), D.nan_to_num(-1))
    plt.close(fig)


def test_dynamics_overview_titles_every_instance(dyn):
    fig = tl.learning_dynamics.dynamics_overview(dyn, cols=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["instance 0: no jump", "instance 1: 1/2 → 2/5"]
    plt.close(fig)


def test_training_frame_puts_the_arrows_at_the_snapshot(dyn):
    frame = tl.learning_dynamics.TrainingFrame(dyn, 1)
    frame.set_snapshot(10)
    x, y = frame.lines[2].get_data()
    assert np.allclose([x[1], y[1]], dyn.W[10, 1, :, 2].numpy())
    assert frame.markers[0].get_xdata()[0] == max(int(dyn.steps[10]), 1)
    with pytest.raises(ValueError, match="snapshot=999"):
        frame.set_snapshot(999)
    plt.close(frame.fig)
    in_3d = tl.History(
        loss=torch.ones(10, 1), snapshot_steps=torch.arange(3), snapshot_W=torch.randn(3, 1, 3, 4)
    )
    with pytest.raises(ValueError, match="2-D models only"):
        tl.learning_dynamics.TrainingFrame(dy.analyze(in_3d, dy.planar_levels(4)), 0)


def test_training_animation_is_an_animated_png(dyn):
    data = tl.learning_dynamics.training_animation(dyn, 1, frames=6, dpi=40)
    assert data.startswith(b"\x89PNG")
    im = Image.open(io.BytesIO(data))
    # 6 animation frames after the default image (the last frame, for viewers without APNG).
    assert im.is_animated and im.n_frames == 1 + 6 and im.info.get("loop") == 0
    with pytest.raises(ValueError, match="instance=2"):
        tl.learning_dynamics.training_animation(dyn, 2)


def test_key_frames_figure_has_one_panel_per_snapshot(dyn):
    fig = tl.learning_dynamics.key_frames_figure(dyn, 1, [5, 40, len(dyn.steps) - 1])
    assert len(fig.axes) == 3
    assert "4 represented" in fig.axes[1].get_title() and "5 represented" in fig.axes[2].get_title()
    plt.close(fig)


# The explorer


def test_explorer_steps_through_snapshots_and_retrains_on_a_new_seed():
    box = tl.learning_dynamics.dynamics_explorer()
    first = box.png
    assert first.startswith(b"\x89PNG") and "instances show one" in status_of(box)
    step = find(box, "step")
    assert not step.continuous_update and "toy-step" in step._dom_classes
    change(box, step, 50)
    assert box.png != first and "error" not in status_of(box)
    for description in ("instance", "seed"):
        slider = find(box, description)
        change(box, slider, slider.max)
        assert "error" not in status_of(box), status_of(box)
    scale = find(box, "initial scale")
    change(box, scale, 1.0)
    assert "error" not in status_of(box)
    assert "image/png" in box._repr_mimebundle_()


def test_explorer_rejects_values_it_does_not_offer():
    with pytest.raises(ValueError, match="density=0.07"):
        tl.learning_dynamics.dynamics_explorer(density=0.07)
    with pytest.raises(ValueError, match="init_scale=0.5"):
        tl.learning_dynamics.dynamics_explorer(init_scale=0.5)


def test_loss_curves_figure_has_a_panel_per_run_and_a_line_per_instance(dyn):
    fig = tl.learning_dynamics.loss_curves_figure({"a": dyn, "b": dyn})
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == "a\n1 of 2 instances with a jump (dots)"
    assert len([ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("instance")]) == 2
    plt.close(fig)


# Phenomenon 2: loss plateaus and the regimes of two correlated triples


def octahedron() -> torch.Tensor:
    """``W (3, 6)``: features 0-2 on +x, +y, +z and features 3-5 opposite them (cross-set pairs)."""
    eye = torch.eye(3)
    return torch.cat([eye, -eye], dim=1)


def staircase(*levels: tuple[float, int]) -> torch.Tensor:
    return torch.cat([torch.full((n,), float(v)) for v, n in levels])


def test_loss_plateaus_finds_the_steps_of_a_staircase():
    loss = staircase((1.0, 10), (0.6, 3), (0.5, 12), (0.2, 2), (0.1, 8))
    assert tr.loss_plateaus(loss, flat=0.05, hold=6) == [(0, 9), (13, 24), (27, 34)]
    # A loss falling at a steady pace has no plateau: 1/40 of the descent per snapshot.
    assert tr.loss_plateaus(torch.linspace(1.0, 0.0, 41), flat=0.05, hold=6) == []
    # The same slope is a plateau once the band is wide enough to hold 6 snapshots.
    assert tr.loss_plateaus(torch.linspace(1.0, 0.0, 41), flat=0.13, hold=6)[0] == (0, 5)
    assert tr.loss_plateaus(torch.ones(20)) == [], "no descent, no plateau"


def test_loss_plateaus_ignore_noise_inside_the_band():
    g = torch.Generator().manual_seed(0)
    loss = staircase((1.0, 20), (0.0, 20)) + 0.01 * torch.rand(40, generator=g)
    assert tr.loss_plateaus(loss, flat=0.05, hold=6) == [(0, 19), (20, 39)]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"flat": 0}, "flat=0"), ({"flat": 1.5}, "flat=1.5"), ({"hold": 1}, "hold=1")],
)
def test_loss_plateaus_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tr.loss_plateaus(torch.linspace(1, 0, 10), **kwargs)
    with pytest.raises(ValueError, match="finite"):
        tr.loss_plateaus(torch.tensor([1.0, math.nan, 0.0]))


def test_set_directions_counts_groups_of_aligned_features():
    W = torch.tensor([[1.0, 0.99, 0.0], [0.0, 0.1, 1.0], [0.0, 0.0, 0.0]])
    assert tr.set_directions(W, [0, 1]) == 1
    assert tr.set_directions(W, [0, 1, 2]) == 2
    assert tr.set_directions(torch.eye(3), [0, 1, 2]) == 3


def test_triples_geometry_names_each_stage():
    assert tr.triples_geometry(octahedron()) == "octahedron"
    assert tr.triples_geometry(0.1 * octahedron()) == "not yet learned"
    one = torch.tensor([1.0, 0.0, 0.0]).reshape(3, 1).expand(3, 6).clone()
    assert tr.triples_geometry(0.6 * one) == "PCA: one direction"
    two = torch.zeros(3, 6)
    two[0, :3] = 0.6
    two[1, 3:] = 0.6
    assert tr.triples_geometry(two) == "PCA: two directions"
    split = two.clone()
    split[:, 0] = torch.tensor([0.0, 0.0, 1.0])  # feature 0 leaves its set's direction
    assert tr.triples_geometry(split) == "2 + 1 directions"
    # Antipodal pairs within a set are no octahedron of the paper's kind.
    within = octahedron()[:, [0, 3, 1, 4, 2, 5]]
    assert tr.triples_geometry(within) != "octahedron"
    with pytest.raises(ValueError, match="one model"):
        tr.triples_geometry(torch.zeros(2, 3, 6))
    with pytest.raises(ValueError, match="two sets"):
        tr.triples_geometry(octahedron(), sets=[(0, 1, 2)])


def test_regimes_label_each_plateau_with_its_geometry():
    steps = torch.arange(30)
    W = torch.stack([0.1 * octahedron()] * 10 + [0.5 * octahedron()] * 10 + [octahedron()] * 10)
    two = torch.zeros(3, 6)
    two[0, :3], two[1, 3:] = 0.6, 0.6
    W[10:20] = two
    loss = staircase((1.0, 10), (0.5, 10), (0.1, 10))
    out = tr.regimes(steps, W, loss, flat=0.05, hold=6)
    assert [(r.first, r.last, r.geometry) for r in out] == [
        (0, 9, "not yet learned"),
        (10, 19, "PCA: two directions"),
        (20, 29, "octahedron"),
    ]
    assert out[1].loss == pytest.approx(0.5) and (out[1].first_step, out[1].last_step) == (10, 19)
    with pytest.raises(ValueError, match="must be"):
        tr.regimes(steps[:5], W, loss)


def test_snapshot_loss_is_the_evaluated_loss_of_each_snapshot():
    cfg = tl.Config(6, 3, 2, feature_probability=0.2, importance=1.0, correlated=tr.TRIPLES)
    models = [tl.ToyModel(cfg, seed=s) for s in (0, 1)]
    W = torch.stack([m.W.detach() for m in models])
    b = torch.stack([m.b.detach() + 0.1 * s for s, m in enumerate(models)])
    with torch.no_grad():
        models[1].b.add_(0.1)
    got = tr.snapshot_loss(cfg, W, b, n_samples=5000)
    want = torch.stack([tl.evaluate_loss(m, n_samples=5000) for m in models])
    assert torch.allclose(got, want, rtol=1e-5)
    with pytest.raises(ValueError, match="snapshot_W"):
        tr.snapshot_loss(cfg, W[:, :1], b)
    with pytest.raises(ValueError, match="snapshot_b"):
        tr.snapshot_loss(cfg, W, b[:, :, :3])


@pytest.mark.slow
def test_train_triples_ends_in_octahedra_and_records_regimes():
    run = tr.train_triples(0.1, 0.1, 0, n_instances=4, steps=4000, n_snapshots=60)
    assert run.W.shape == (len(run.steps), 4, 3, 6) and run.loss.shape == (len(run.steps), 4)
    assert all(r for r in run.regimes)
    assert run.transformations(0)[0] == "not yet learned"
    with pytest.raises(ValueError, match="n_instances=0"):
        tr.train_triples(n_instances=0)


def synthetic_run() -> tr.TriplesRun:
    """One instance: not learned (10 snapshots), PCA in two directions (10), octahedron (10)."""
    steps = torch.arange(30)
    two = torch.zeros(3, 6)
    two[0, :3], two[1, 3:] = 0.6, 0.6
    W = torch.stack([0.1 * octahedron()] * 10 + [two] * 10 + [octahedron()] * 10).unsqueeze(1)
    loss = staircase((1.0, 10), (0.5, 10), (0.1, 10)).unsqueeze(1)
    cfg = tl.Config(6, 3, 1, feature_probability=0.1, importance=1.0, correlated=tr.TRIPLES)
    regs = [tr.regimes(steps, W[:, 0], loss[:, 0])]
    return tr.TriplesRun(cfg, steps, W, loss, regs, [tr.triples_geometry(W[-1, 0])])


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
