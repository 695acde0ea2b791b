"""Notebook 11's foundation (toy_lib.memorization_double_descent): sparse finite data sets, the
training points' dimensionality and the dense reference training."""

import math

import pytest
import torch

import toy_lib as tl
from toy_lib import memorization_double_descent as mdd


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
