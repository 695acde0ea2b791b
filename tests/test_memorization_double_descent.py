"""Notebook 11 (toy_lib.memorization_double_descent): sparse finite data sets, the training points'
dimensionality, the sparse training engine against the dense reference, the claims, the sweep,
figures and explorer."""

import math

import pytest
import torch
from helpers import PENTAGON, change, counting_calls, find, polygon, status_of

import toy_lib as tl
from toy_lib import _reuse
from toy_lib import memorization_double_descent as mdd
from toy_lib.memorization_double_descent import _kernel


def test_a_sparse_dataset_has_the_notes_distribution_and_stays_sparse():
    data = mdd.sparse_dataset(10_000, 2_000, 0.999, seed=1)
    X = data.dense()
    assert X.shape == (2_000, 10_000) and data.indices.shape[1] < 40  # ~10 nonzeros a point
    active = (X > 0).sum(1).float()
    assert active.mean() == pytest.approx(10.0, abs=0.3)  # n (1 − S), binomial
    assert active.var() == pytest.approx(10.0 * 0.999, rel=0.15)
    norms = X.norm(dim=1)
    nonzero = active > 0
    assert torch.allclose(norms[nonzero], torch.ones(int(nonzero.sum())), atol=1e-6)
    assert (norms[~nonzero] == 0).all()
    # Every feature equally likely to be active, and no feature twice in a point.
    per_feature = (X > 0).sum(0).float()
    assert per_feature.mean() == pytest.approx(2.0, abs=0.1)
    for row in range(50):
        kept = data.indices[row][data.values[row] > 0]
        assert len(kept.unique()) == len(kept)
    # Reproducible from its seed, different for another.
    again = mdd.sparse_dataset(10_000, 2_000, 0.999, seed=1)
    assert torch.equal(again.indices, data.indices) and torch.equal(again.values, data.values)
    assert not torch.equal(mdd.sparse_dataset(10_000, 2_000, 0.999, seed=2).values, data.values)


def test_unnormalised_values_are_uniform_and_bad_arguments_are_refused():
    data = mdd.sparse_dataset(50, 4_000, 0.9, seed=0, normalize=False)
    values = data.values[data.values > 0]
    assert values.max() <= 1.0 and values.mean() == pytest.approx(0.5, abs=0.02)
    for kwargs, message in (
        ({"n": 0, "size": 3, "sparsity": 0.5}, "n=0"),
        ({"n": 5, "size": 3, "sparsity": 1.0}, "sparsity=1.0"),
        ({"n": 5, "size": 3, "sparsity": 0.5, "seed": -1}, "seed=-1"),
    ):
        with pytest.raises(ValueError, match=message):
            mdd.sparse_dataset(**kwargs)


def test_datapoint_dimensionality_is_the_feature_dimensionality_of_the_hidden_vectors():
    # Three one-hot points on three features placed as a triangle: each gets m / T = 2/3.
    W = torch.zeros(2, 6)
    for t in range(3):
        angle = 2 * math.pi * t / 3
        W[:, t] = torch.tensor([math.cos(angle), math.sin(angle)])
    data = mdd.SparseData(torch.arange(3).unsqueeze(1), torch.ones(3, 1), 6)
    assert torch.allclose(mdd.datapoint_dimensionality(W, data), torch.full((3,), 2 / 3))
    dense = mdd.sparse_dataset(6, 20, 0.5, seed=3)
    H = W @ dense.dense().T  # (m, T)
    assert torch.allclose(mdd.datapoint_dimensionality(W, dense), tl.feature_dimensionality(H))
    with pytest.raises(ValueError, match="W has shape"):
        mdd.datapoint_dimensionality(torch.zeros(2, 5), data)


def test_the_dense_reference_memorises_a_few_points():
    data = mdd.sparse_dataset(1_000, 3, 0.99, seed=0)
    run = mdd.train_dense(data, 2, steps=3_000, warmup_steps=150, seed=0)
    assert run.loss.shape == (3_000,) and run.loss[0] > 0.5
    # Three points in two dimensions are memorised: the loss on them falls to almost nothing,
    # while a fresh point is not reconstructed at all (its loss stays near its squared norm, 1).
    assert float(mdd.relu_output_loss(run.W, run.b, data.dense())) < 1e-4
    fresh = mdd.sparse_dataset(1_000, 200, 0.99, seed=1).dense()
    assert float(mdd.relu_output_loss(run.W, run.b, fresh)) > 0.9
    again = mdd.train_dense(data, 2, steps=3_000, warmup_steps=150, seed=0)
    assert torch.equal(again.W, run.W)


# ---------------------------------------------------------------- the sparse engine


def _kernel_loss_and_grad(W, b, data):
    work = _kernel.scratch(W.shape[0], W.shape[1], data.size)
    Wk = W.T.contiguous().numpy()  # the kernel's (n, m)
    loss, visited = _kernel.loss_and_grad(Wk, b.numpy().copy(), mdd.pack(data).arrays(), work)
    return loss, torch.from_numpy(work[-2].T.copy()), torch.from_numpy(work[-1].copy()), visited


@pytest.mark.parametrize(
    ("m", "size", "scale", "bias"),
    [
        (2, 50, 0.3, -0.2),
        (2, 400, 1.0, -0.5),
        (2, 400, 1.0, 0.05),
        (2, 40, 0.05, 0.0),
        (3, 40, 0.3, -0.2),
    ],
)
def test_the_kernel_gives_the_dense_loss_and_its_autograd_gradient(m, size, scale, bias):
    # Biases of both signs around their mean, long and short W_j, and b = 0 (the start of training).
    # 400 points take the bounded path (_kernel._relu_part), 40 and 50 points with m = 2 the one
    # that computes every pair (_kernel._relu_part_dense); m = 3 always the bounded one.
    assert 50 <= _kernel.DENSE_POINTS < 400  # so that these cases take both paths
    data = mdd.sparse_dataset(500, size, 0.99, seed=size)
    g = torch.Generator().manual_seed(m)
    W = torch.randn(m, 500, generator=g) * scale
    b = torch.randn(500, generator=g) * 0.1 * (bias != 0) + bias
    Wt, bt = W.clone().requires_grad_(), b.clone().requires_grad_()
    dense = mdd.relu_output_loss(Wt, bt, data.dense())
    dense.backward()
    loss, gW, gb, visited = _kernel_loss_and_grad(W, b, data)
    assert loss == pytest.approx(float(dense.detach()), rel=1e-5)
    assert torch.allclose(gW, Wt.grad, atol=1e-5 * float(Wt.grad.abs().max()))
    assert torch.allclose(gb, bt.grad, atol=1e-5 * float(bt.grad.abs().max()))
    assert 0 < visited <= 500 * size
    assert mdd.sparse_loss(W, b, data) == pytest.approx(loss)


@pytest.mark.parametrize(("size", "steps"), [(30, 400), (5, 3_000), (400, 400)])
def test_sparse_training_follows_the_dense_reference(size, steps):
    # The second case runs on until the points are memorised: long hidden vectors, large biases.
    # The first two compute every pair (_kernel._relu_part_dense), the third bounds them.
    assert 30 <= _kernel.DENSE_POINTS < 400
    data = mdd.sparse_dataset(200, size, 0.95, seed=4)
    dense = mdd.train_dense(data, 2, steps=steps, warmup_steps=20, seed=3)
    run = mdd.train_models([data], 2, steps=steps, warmup_steps=20, init_seeds=[3], progress=False)
    assert torch.allclose(run.loss[:, 0], dense.loss, rtol=1e-3, atol=1e-5)
    assert torch.allclose(run.W[0], dense.W, atol=2e-3 * max(1.0, float(dense.W.abs().max())))
    assert torch.allclose(run.b[0], dense.b, atol=2e-3 * max(1.0, float(dense.b.abs().max())))
    if size <= _kernel.DENSE_POINTS:
        assert (run.visited == 200 * size).all()
    else:  # at the start (b = 0) every pair is computed; once the biases move, fewer
        assert run.visited[0, 0] == 200 * size and run.visited[-1, 0] < 200 * size


def test_each_model_trains_alone_whatever_trains_beside_it():
    a = mdd.sparse_dataset(300, 12, 0.98, seed=1)
    b = mdd.sparse_dataset(300, 80, 0.98, seed=2)
    both = mdd.train_models(
        [a, b], 2, steps=300, warmup_steps=10, init_seeds=[5, 6], progress=False
    )
    alone = mdd.train_models([b], 2, steps=300, warmup_steps=10, init_seeds=[6], progress=False)
    assert torch.equal(both.W[1], alone.W[0]) and torch.equal(both.b[1], alone.b[0])


def test_training_refuses_bad_arguments_and_says_when_it_diverges():
    data = mdd.sparse_dataset(50, 5, 0.9, seed=0)
    for kwargs, message in (
        ({"m": 0}, "m=0"),
        ({"steps": 0}, "steps=0"),
        ({"lr": -1.0}, "lr=-1.0"),
        ({"init_seeds": [1, 2]}, "init_seeds has 2 entries"),
    ):
        args = {"m": 2, "steps": 10, "warmup_steps": 1} | kwargs
        with pytest.raises(ValueError, match=message):
            mdd.train_models([data], **args)
    with pytest.raises(ValueError, match="datasets=\\[\\]"):
        mdd.train_models([], 2, steps=10, warmup_steps=1)
    with pytest.raises(ValueError, match="same n"):
        mdd.train_models([data, mdd.sparse_dataset(60, 5, 0.9)], 2, steps=10, warmup_steps=1)
    with pytest.raises(tl.TrainingDiverged, match="smaller learning rate"):
        mdd.train_models([data], 2, steps=50, warmup_steps=1, lr=1e30, progress=False)
    with pytest.raises(ValueError, match="W has shape"):
        mdd.sparse_loss(torch.zeros(2, 40), torch.zeros(40), data)


def test_a_stored_run_is_loaded_only_for_the_very_same_run(monkeypatch, tmp_path):
    calls = counting_calls(monkeypatch, "toy_lib.memorization_double_descent.training", "_train")
    monkeypatch.setenv(_reuse.ENV, str(tmp_path))
    data = [mdd.sparse_dataset(100, 6, 0.9, seed=1)]
    args = {"m": 2, "steps": 60, "warmup_steps": 5, "progress": False}
    first = mdd.train_models(data, **args)
    again = mdd.train_models(data, **args)
    assert len(calls) == 1 and torch.equal(first.W, again.W) and torch.equal(first.loss, again.loss)
    mdd.train_models(data, init_seeds=[1], **args)
    mdd.train_models([mdd.sparse_dataset(100, 6, 0.9, seed=2)], **args)
    assert len(calls) == 3


# ---------------------------------------------------------------- geometry and claims


def test_polygon_error_is_zero_for_a_regular_polygon_and_measures_the_worst_gap():
    assert mdd.polygon_error(PENTAGON) == pytest.approx((0.0, 0.0), abs=1e-6)
    # One gap of 108° and one of 36° in a pentagon: the worst is 36° off 72°, half of it.
    angle, norm = mdd.polygon_error(polygon([0, 108, 180, 252, 324], [1, 1, 1, 1.2, 1]))
    assert angle == pytest.approx(0.5, abs=1e-5)
    assert norm == pytest.approx(0.16 / 1.04, abs=1e-5)  # 1.2 is 0.16 off the mean length 1.04
    with pytest.raises(ValueError, match="\\(2, k\\)"):
        mdd.polygon_error(torch.zeros(3, 4))


def _one_hot_points(T, n):
    """T points, point t the one-hot of feature t."""
    return mdd.SparseData(torch.arange(T).unsqueeze(1), torch.ones(T, 1), n)


def test_regime_reads_a_memorising_and_a_generalising_model():
    # Memorising: T = 5 one-hot points whose features sit at the corners of a pentagon.
    W = torch.zeros(2, 20)
    W[:, :5] = 2 * PENTAGON
    r = mdd.regime(W, _one_hot_points(5, 20))
    assert r["tgon_angle"] == pytest.approx(0, abs=1e-5) and r["tgon_norm"] == pytest.approx(
        0, abs=1e-5
    )
    assert r["on_line"] == 1.0 and r["max_D_X"] == pytest.approx(2 / 5, abs=1e-5)
    # Generalising: five features in a pentagon, the rest short; the points contain them or not.
    W = 0.01 * torch.randn(2, 200, generator=torch.Generator().manual_seed(0))
    W[:, :5] = PENTAGON
    data = mdd.sparse_dataset(200, 400, 0.98, seed=0)
    r = mdd.regime(W, data)
    assert r["pentagon_angle"] < 0.05 and r["gap"] < 0.1 and 0.3 < r["top5_D_f"] <= 0.4
    with pytest.raises(ValueError, match="m = 3"):
        mdd.regime(torch.zeros(3, 20), _one_hot_points(5, 20))


def _sweep_of(models, test_losses):
    """A hand-built Sweep: ``models`` {(T, seed): (W, data)}; ``test_losses`` {T: loss}."""
    keys = sorted(models)
    n = next(iter(models.values()))[0].shape[1]
    return mdd.Sweep(
        torch.tensor([T for T, _ in keys]),
        torch.tensor([s for _, s in keys]),
        torch.stack([models[k][0] for k in keys]),
        torch.zeros(len(keys), n),
        torch.zeros(len(keys)),
        torch.tensor([float(test_losses[T]) for T, _ in keys]),
        [models[k][1] for k in keys],
        {"m": 2},
    )


def _claims_case(small_ok=True, pentagon_ok=True, bump=(1.0, 2.0, 1.0)):
    n = 400
    g = torch.Generator().manual_seed(1)
    models = {}
    for seed in range(3):
        for T in (3, 5, 10):
            W = 0.001 * torch.randn(2, n, generator=g)
            angles = [360 * t / T for t in range(T)]
            if not small_ok:
                angles[1] = angles[0] + 5  # two points nearly on top of each other
            W[:, :T] = 3 * polygon(angles)
            models[(T, seed)] = (W, _one_hot_points(T, n))
        W = 0.02 * torch.randn(2, n, generator=g)  # the many others pull D_f below 2/5
        if pentagon_ok:
            W[:, :5] = PENTAGON
        models[(2000, seed)] = (W, mdd.sparse_dataset(n, 2000, 0.99, seed=seed))
        W = 0.001 * torch.randn(2, n, generator=g)  # the peak: nothing stands out
        W[:, :40] = polygon([9 * k for k in range(40)])
        models[(100, seed)] = (W, mdd.sparse_dataset(n, 100, 0.99, seed=seed))
    losses = {3: bump[0], 5: bump[0], 10: bump[0], 100: bump[1], 2000: bump[2]}
    return _sweep_of(models, losses)


def test_each_claim_holds_on_its_picture_and_fails_without_it():
    verdicts = mdd.claims(_claims_case())
    assert {k: v["holds"] for k, v in verdicts.items()} == {
        "small_T_polygons": True,
        "large_T_pentagon": True,
        "test_loss_bump": True,
        "peak_both_low": True,
    }
    assert verdicts["test_loss_bump"]["evidence"]["peak_T"] == 100
    assert not mdd.claims(_claims_case(small_ok=False))["small_T_polygons"]["holds"]
    assert not mdd.claims(_claims_case(pentagon_ok=False))["large_T_pentagon"]["holds"]
    # A peak 4% above an end is no bump; one at an end is none either.
    assert not mdd.claims(_claims_case(bump=(1.0, 1.04, 1.0)))["test_loss_bump"]["holds"]
    assert not mdd.claims(_claims_case(bump=(3.0, 2.0, 1.0)))["test_loss_bump"]["holds"]


def test_the_weight_decay_claim_compares_the_peak_with_the_smallest_T():
    main = _claims_case()
    decayed = _claims_case(bump=(1.0, 1.04, 1.0))
    assert mdd.claims(main, decayed)["weight_decay_removes_bump"]["holds"]
    still = _claims_case(bump=(1.0, 1.2, 1.0))
    assert not mdd.claims(main, still)["weight_decay_removes_bump"]["holds"]


# ---------------------------------------------------------------- the sweep, figures, explorer

TINY = {"steps": 300, "warmup_steps": 10}


@pytest.fixture(scope="module")
def tiny_sweep():
    return mdd.sweep((3, 10, 50), (0, 1), setup=TINY, progress=False)


def test_a_sweep_trains_one_model_per_size_and_data_set(tiny_sweep):
    assert tiny_sweep.sizes.tolist() == [3, 3, 10, 10, 50, 50]
    assert tiny_sweep.W.shape == (6, 2, 1_000) and tiny_sweep.setup["steps"] == 300
    i = tiny_sweep.index(10, 1)
    data = mdd.training_set(10, 1, TINY)
    assert torch.equal(tiny_sweep.datasets[i].indices, data.indices)
    assert float(tiny_sweep.test_loss[i]) == pytest.approx(
        float(mdd.relu_output_loss(tiny_sweep.W[i], tiny_sweep.b[i], mdd.test_set().dense())),
        rel=1e-4,
    )
    assert set(tiny_sweep.mean_test_loss()) == {3, 10, 50}
    with pytest.raises(ValueError, match="size=7"):
        tiny_sweep.index(7, 0)
    with pytest.raises(ValueError, match="'beta'"):
        mdd.sweep((3,), (0,), setup={"beta": 1})


def test_the_figures_draw_a_sweep(tiny_sweep):
    import matplotlib.pyplot as plt

    fig = mdd.plot_dimensionality(tiny_sweep)
    top, bottom = fig.axes[:2]
    assert bottom.get_xscale() == "log" and "dimensionality" in bottom.get_ylabel()
    assert {t.get_text() for t in top.get_legend().get_texts()} == {"test loss", "training loss"}
    fig = mdd.plot_geometries(tiny_sweep, (3, 50), data_seed=1)
    assert len(fig.axes) == 4 and "T = 50" in fig.axes[1].get_title()
    ax = mdd.plot_test_loss({"a": tiny_sweep.mean_test_loss()})
    assert "test loss" in ax.get_ylabel()
    plt.close("all")


def test_the_explorer_browses_the_sweep_and_trains_what_is_not_in_it(tiny_sweep):
    box = mdd.memorization_explorer(tiny_sweep, size=3)
    assert box.png.startswith(b"\x89PNG") and "from the notebook's sweep" in status_of(box)
    T = find(box, "training points T")
    assert not T.continuous_update and "toy-sparsity" in T._dom_classes
    change(box, T, 50)
    assert "T = 50" in status_of(box) and "from the notebook's sweep" in status_of(box)
    change(box, find(box, "data set"), 4)
    assert "data set 4" in status_of(box) and "trained in" in status_of(box)
    change(box, find(box, "weight decay"), 1.0)
    assert "weight decay 1" in status_of(box) and "error" not in status_of(box)
    with pytest.raises(ValueError, match="size=7"):
        mdd.memorization_explorer(tiny_sweep, size=7)
    with pytest.raises(ValueError, match="weight_decay=0.5"):
        mdd.memorization_explorer(tiny_sweep, weight_decay=0.5)
