"""The fused numba kernel on its own: its gradients against autograd (sizes that fill its blocks
and sizes that leave rows and columns over) and the data it draws."""

import numpy as np
import pytest
import torch
from helpers import MODEL_KINDS, autograd_loss, kernel_batch, random_case

import toy_lib as tl
from toy_lib import _kernels


@MODEL_KINDS
@pytest.mark.parametrize(
    ("m", "n"), [(1, 3), (3, 7), (5, 10), (8, 12)], ids=["one-row", "odd", "five", "whole-blocks"]
)
def test_numba_gradients_match_autograd(relu, hidden_relu, m, n):
    W, b, imp, x = random_case(m=m, n=n)  # batch 600 spans several kernel tiles
    Wg = W.clone().requires_grad_(True)
    bg = b.clone().requires_grad_(True)
    autograd_loss(Wg, bg, imp, x, relu, hidden_relu).sum().backward()
    for k in range(W.shape[0]):
        loss, gW, gb = _kernels.batch_grad(
            W[k, None].numpy(),
            b[k].numpy(),
            imp[k, 0].numpy(),
            np.ascontiguousarray(x[k].T.numpy()),
            relu,
            hidden_relu,
        )
        ref = autograd_loss(W, b, imp, x, relu, hidden_relu)[k]
        assert loss == pytest.approx(float(ref), rel=1e-4)
        np.testing.assert_allclose(gW[0], Wg.grad[k].numpy(), rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(gb, bg.grad[k].numpy(), rtol=1e-3, atol=1e-5)


def test_kernel_data_has_the_right_distribution():
    p = np.array([1.0, 0.5, 0.1, 0.01], dtype=np.float32)
    cfg = tl.Config(4, 2, feature_probability=torch.from_numpy(p)[None])
    x = kernel_batch(cfg, 0, 200_000, seed=3, step=1)
    np.testing.assert_allclose((x > 0).mean(1), p, rtol=0.05)
    for j in range(4):
        active = x[j][x[j] > 0]
        assert active.max() < 1 and active.mean() == pytest.approx(0.5, abs=0.01)
    nxt = kernel_batch(cfg, 0, 200_000, seed=3, step=2)
    assert abs(np.corrcoef(x[0], nxt[0])[0, 1]) < 0.01, "consecutive steps draw fresh data"
