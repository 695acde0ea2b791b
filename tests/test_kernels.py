"""The fused numba kernel on its own: its gradients against autograd (sizes that fill its blocks
and sizes that leave rows and columns over, batches with and without many empty samples) and the
data it draws."""

import numpy as np
import pytest
import torch
from helpers import MODEL_KINDS, autograd_loss, kernel_batch, random_case

import toy_lib as tl
from toy_lib import _kernels


@MODEL_KINDS
@pytest.mark.parametrize(
    ("m", "n", "p", "batch"),
    [(1, 3, 0.4, 600), (3, 7, 0.4, 600), (5, 10, 0.4, 600), (8, 12, 0.4, 600), (5, 10, 0.02, 3000)],
    ids=["one-row", "odd", "five", "whole-blocks", "mostly-empty"],
)
def test_numba_gradients_match_autograd(relu, hidden_relu, m, n, p, batch):
    """Sizes that fill the tile code's blocks and sizes that leave rows and columns over (600
    samples span several tiles). At density 0.02 most samples have no active feature: the kernel
    adds them in closed form and gathers the others into full tiles (~540 of 3,000: more than two
    tiles, so the gathering carries samples over from one tile to the next)."""
    W, b, imp, x = random_case(m=m, n=n, p=p, batch=batch)
    nonempty = (x != 0).any(-1).sum(-1)
    assert ((nonempty < 0.25 * batch) == (p < 0.1)).all()
    assert (nonempty > 2 * _kernels.TILE).all() or p > 0.1
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
