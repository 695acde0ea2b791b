"""toy_lib.data: the torch generator of sparse inputs (the kernel's own draws: test_kernels)."""

import pytest
import torch

import toy_lib as tl
from toy_lib.data import random_signs, sparse_from_uniform


def test_torch_data_has_the_right_distribution():
    prob = torch.tensor([[1.0, 0.3, 0.05]])
    x = tl.generate_batch(prob, 200_000, generator=torch.Generator().manual_seed(0))
    assert x.shape == (1, 200_000, 3)
    torch.testing.assert_close((x > 0).float().mean(1), prob, rtol=0.05, atol=0)
    assert x[x > 0].mean().item() == pytest.approx(0.5, abs=0.01)


def test_batches_have_one_row_per_instance_and_sample_and_keep_dtype():
    prob = torch.full((3, 7), 0.2, dtype=torch.float64)
    x = tl.generate_batch(prob, 11, generator=torch.Generator().manual_seed(1))
    assert x.shape == (3, 11, 7) and x.dtype == torch.float64
    assert ((x >= 0) & (x < 1)).all()


def test_each_instance_has_its_own_density():
    prob = torch.tensor([[0.5] * 4, [0.05] * 4])
    x = tl.generate_batch(prob, 100_000, generator=torch.Generator().manual_seed(2))
    density = (x > 0).float().mean((1, 2))
    torch.testing.assert_close(density, torch.tensor([0.5, 0.05]), rtol=0.03, atol=0)


def test_same_generator_seed_same_batch():
    prob = torch.full((2, 5), 0.3)
    a = tl.generate_batch(prob, 64, generator=torch.Generator().manual_seed(3))
    b = tl.generate_batch(prob, 64, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_sparse_from_uniform_rescales_active_draws():
    u = torch.tensor([[[0.05, 0.5, 0.15]]])
    x = sparse_from_uniform(u, torch.tensor([[0.1, 0.1, 0.2]]))
    torch.testing.assert_close(x, torch.tensor([[[0.5, 0.0, 0.75]]]))


def test_signed_inputs_flip_about_half_the_signs_and_keep_magnitudes():
    g = torch.Generator().manual_seed(4)
    x = tl.generate_batch(torch.full((2, 3), 0.5), 50_000, generator=g)
    s = random_signs(x, g)
    assert s.shape == x.shape and s.dtype == x.dtype
    assert torch.equal(s.abs(), x)
    active = s[s != 0]
    assert (active < 0).float().mean().item() == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize("batch_size", [0, -3])
def test_bad_batch_size_raises(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        tl.generate_batch(torch.full((1, 2), 0.5), batch_size)
