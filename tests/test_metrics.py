"""Metrics on hand-built geometries with known answers."""

import math

import pytest
import torch

import toy_lib as tl


def polygon(k: int, scale: float = 1.0) -> torch.Tensor:
    angles = torch.arange(k) * 2 * math.pi / k
    return scale * torch.stack([torch.cos(angles), torch.sin(angles)])


def test_orthonormal_basis_is_dedicated():
    W = torch.eye(4)[None]  # (1, 4, 4)
    assert torch.allclose(tl.feature_dimensionality(W), torch.ones(1, 4))
    assert torch.allclose(tl.superposition(W), torch.zeros(1, 4))
    assert torch.allclose(tl.dimensions_per_feature(W), torch.ones(1))


def test_antipodal_pair_is_one_half():
    W = torch.tensor([[[1.0, -1.0]]])  # (1 instance, 1 hidden, 2 features)
    assert torch.allclose(tl.feature_dimensionality(W), torch.full((1, 2), 0.5))
    assert torch.allclose(tl.superposition(W), torch.ones(1, 2))
    assert torch.allclose(tl.dimensions_per_feature(W), torch.tensor([0.5]))


def test_regular_pentagon_is_two_fifths():
    W = polygon(5, scale=1.3)
    assert torch.allclose(tl.feature_dimensionality(W), torch.full((5,), 0.4), atol=1e-5)
    assert torch.allclose(
        tl.dimensions_per_feature(W[None]) * 1.3**2, torch.tensor([0.4]), atol=1e-5
    )
    assert torch.allclose(tl.angular_gaps(W), torch.full((5,), 72.0), atol=1e-3)


def test_triangle_is_two_thirds():
    assert torch.allclose(tl.feature_dimensionality(polygon(3)), torch.full((3,), 2 / 3), atol=1e-5)


def test_tetrahedron_in_3d_is_three_quarters():
    W = torch.tensor([[1.0, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]).T / math.sqrt(3)
    assert torch.allclose(tl.feature_dimensionality(W), torch.full((4,), 0.75), atol=1e-5)


def test_dropped_feature_has_zero_norm_and_dimensionality():
    W = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert tl.feature_norms(W).tolist() == [1.0, 1.0, 0.0]
    assert tl.feature_dimensionality(W).tolist() == [1.0, 1.0, 0.0]
    assert tl.represented(W).tolist() == [True, True, False]
    assert torch.isfinite(tl.superposition(W)).all()
    assert torch.allclose(tl.angular_gaps(W), torch.tensor([90.0, 270.0]))


def test_metrics_batch_over_instances_and_do_not_modify_weights():
    W = torch.randn(6, 3, 7)
    before = W.clone()
    for f in (tl.feature_norms, tl.superposition, tl.feature_dimensionality, tl.represented):
        assert f(W).shape == (6, 7)
    assert tl.dimensions_per_feature(W).shape == (6,)
    assert tl.cosine_similarity(W).shape == (6, 7, 7)
    assert torch.equal(W, before)


def test_metrics_reject_vectors():
    with pytest.raises(ValueError, match="hidden, features"):
        tl.feature_norms(torch.ones(3))
    with pytest.raises(ValueError, match="2, features"):
        tl.angular_gaps(torch.ones(3, 4))
