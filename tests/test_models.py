"""The model kinds beyond §1-§7: the ReLU-hidden model (§8) and the absolute-value model (§9)."""

from functools import partial

import numpy as np
import pytest
import torch

import toy_lib as tl
from toy_lib import _kernels
from toy_lib.data import random_signs
from toy_lib.train import abs_value_grads


def abs_cfg(n_instances=2, n_features=6, n_hidden=4, p=0.4) -> tl.Config:
    return tl.Config(n_features, n_hidden, n_instances, feature_probability=p,
                     importance=tl.decaying_importance(n_features, 0.8))  # fmt: skip


def test_relu_hidden_forward_is_relu_of_w_transpose_relu_wx():
    cfg = tl.Config(4, 3, 2)
    model = tl.ToyModel(cfg, hidden_activation="relu", seed=3)
    x = tl.generate_batch(cfg.probability, 5, generator=torch.Generator().manual_seed(0))
    W = model.W.detach()
    h = torch.relu(torch.einsum("imn,ibn->ibm", W, x))
    expected = torch.relu(torch.einsum("imn,ibm->ibn", W, h) + model.b.detach()[:, None])
    torch.testing.assert_close(model(x), expected)
    assert (model.hidden(x) >= 0).all()
    linear = tl.ToyModel(cfg, seed=3)
    assert torch.equal(linear.W, model.W), "the hidden activation does not change the init"


@pytest.mark.parametrize("engine", ["numba", "torch"])
def test_relu_hidden_training_on_both_engines_lowers_the_loss(engine):
    cfg = tl.Config(6, 3, 2, feature_probability=0.3, importance=tl.decaying_importance(6, 0.8))
    model = tl.ToyModel(cfg, hidden_activation="relu", seed=0)
    before = tl.evaluate_loss(model)
    tl.train(model, steps=1500, progress=False, engine=engine)
    assert (tl.evaluate_loss(model) < 0.5 * before).all()


def test_abs_model_shapes_and_forward():
    cfg = abs_cfg()
    model = tl.AbsModel(cfg, seed=1)
    assert model.W1.shape == (2, 4, 6) and model.W2.shape == (2, 6, 4) and model.b.shape == (2, 6)
    x = torch.randn(2, 7, 6)
    h = torch.relu(torch.einsum("imn,ibn->ibm", model.W1.detach(), x))
    y = torch.relu(torch.einsum("inm,ibm->ibn", model.W2.detach(), h) + model.b.detach()[:, None])
    torch.testing.assert_close(model(x), y)
    torch.testing.assert_close(model.target(x), x.abs())
    assert not torch.equal(model.W1, model.W2.transpose(1, 2)), "W1 and W2 start independent"
    again = tl.AbsModel(abs_cfg(n_instances=3), seed=1)
    assert torch.equal(again.W1[:2], model.W1) and torch.equal(again.W2[:2], model.W2)


def test_abs_value_gradients_match_autograd():
    model = tl.AbsModel(abs_cfg(), seed=2)
    with torch.no_grad():
        model.b.normal_(0.0, 0.3, generator=torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(1)
    x = random_signs(tl.generate_batch(model.feature_probability, 700, generator=g), g)
    ref = model.loss(x)
    ref.sum().backward()
    imp = model.importance.unsqueeze(1)
    loss, gW1, gW2, gb = abs_value_grads(
        model.W1.detach(), model.W2.detach(), model.b.detach(), imp, x
    )
    torch.testing.assert_close(loss, ref.detach(), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(gW1, model.W1.grad, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(gW2, model.W2.grad, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(gb, model.b.grad, rtol=1e-4, atol=1e-5)


def kernel_batch(cfg: tl.Config, instance: int, batch: int, seed: int, step: int) -> torch.Tensor:
    """The signed batch the numba kernel draws for one (instance, step): ``(batch, features)``."""
    sets = cfg.feature_sets
    X = _kernels.sample_batch(
        cfg.probability[instance].numpy(), sets.lower[instance].numpy(), sets.group.numpy(),
        sets.fresh_value.numpy(), batch, seed, instance, step, True,
    )  # fmt: skip
    return torch.from_numpy(X.T.copy())


def test_signed_inputs_are_uniform_on_minus_one_to_one():
    g = torch.Generator().manual_seed(0)
    torch_x = random_signs(tl.generate_batch(torch.tensor([[0.5]]), 200_000, generator=g), g)
    numba_x = kernel_batch(tl.Config(1, 1, feature_probability=0.5), 0, 200_000, seed=1, step=1)
    for x in (torch_x, numba_x):
        active = x[x != 0]
        assert active.numel() == pytest.approx(100_000, rel=0.02)
        assert active.mean().item() == pytest.approx(0.0, abs=0.01)
        assert (active < 0).float().mean().item() == pytest.approx(0.5, abs=0.01)
        assert active.abs().mean().item() == pytest.approx(0.5, abs=0.01)
        assert active.abs().max().item() <= 1.0
    same = random_signs(torch.rand(1, 1000, 4).expand(3, -1, -1), g, shared=True)
    assert torch.equal(same[0], same[1]) and torch.equal(same[0], same[2]), "shared: one draw"
    assert (same < 0).any()


@pytest.mark.parametrize(("n", "m"), [(7, 3), (12, 8)], ids=["rows-left-over", "whole-blocks"])
def test_numba_abs_gradients_match_autograd(n, m):
    model = tl.AbsModel(abs_cfg(n_instances=1, n_features=n, n_hidden=m), seed=4)
    with torch.no_grad():
        model.b.normal_(0.0, 0.3, generator=torch.Generator().manual_seed(0))
    x = kernel_batch(model.cfg, 0, 600, seed=2, step=1)  # 600 spans several kernel tiles
    ref = model.loss(x[None])
    ref.sum().backward()
    P = torch.stack([model.W1[0], model.W2[0].T]).detach().numpy().copy()
    loss, gP, gb = _kernels.batch_grad(
        P, model.b[0].detach().numpy(), model.importance[0].numpy(),
        np.ascontiguousarray(x.T.numpy()), True, True,
    )  # fmt: skip
    assert loss == pytest.approx(ref.item(), rel=1e-4)
    np.testing.assert_allclose(gP[0], model.W1.grad[0].numpy(), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(gP[1], model.W2.grad[0].T.numpy(), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(gb, model.b.grad[0].numpy(), rtol=1e-3, atol=1e-5)


def test_numba_abs_training_equals_torch_adamw_on_the_same_batches():
    cfg = abs_cfg(n_instances=2)
    model, ref = tl.AbsModel(cfg, seed=5), tl.AbsModel(cfg, seed=5)
    tl.train(model, steps=3, batch_size=300, lr=0.01, seed=7, progress=False, engine="numba")
    opt = torch.optim.AdamW(ref.parameters(), lr=0.01, weight_decay=0.01)
    for t in range(1, 4):
        x = torch.stack([kernel_batch(cfg, k, 300, seed=7, step=t) for k in range(2)])
        opt.zero_grad()
        ref.loss(x).sum().backward()
        opt.step()
    for name in ("W1", "W2", "b"):
        torch.testing.assert_close(getattr(model, name), getattr(ref, name), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("engine", ["numba", "torch"])
def test_abs_model_with_two_neurons_per_feature_learns_abs_exactly(engine):
    """m = 2n, dense: ReLU(x) and ReLU(-x) per feature compute |x| with zero loss. Some restarts
    lose a neuron (dead ReLU) and stop at a higher loss, so the best of eight is checked."""
    cfg = tl.Config(3, 6, 8, feature_probability=1.0)
    model = tl.AbsModel(cfg, seed=0)
    start = tl.evaluate_loss(model, n_samples=20_000)
    tl.train(model, steps=3000, lr=1e-2, progress=False, engine=engine)
    end = tl.evaluate_loss(model, n_samples=20_000)
    assert end.min().item() < 1e-3 * start.mean().item()
    assert (end < start).all()


def test_abs_model_has_no_snapshots():
    with pytest.raises(ValueError, match="snapshot_every=1 is not allowed for AbsModel"):
        tl.train(tl.AbsModel(abs_cfg()), steps=5, snapshot_every=1, progress=False)


def test_bad_model_arguments_raise():
    with pytest.raises(ValueError, match="hidden_activation='gelu' is not allowed"):
        tl.ToyModel(abs_cfg(), hidden_activation="gelu")
    with pytest.raises(ValueError, match="seed=-1 is not allowed"):
        tl.AbsModel(abs_cfg(), seed=-1)
    for bad in (0.0, -1.0, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="init_scale=.* is not allowed"):
            tl.AbsModel(abs_cfg(), init_scale=bad)
        with pytest.raises(ValueError, match="init_scale=.* is not allowed"):
            tl.ToyModel(abs_cfg(), init_scale=bad)


def test_init_scale_scales_the_initial_weights():
    cfg = abs_cfg()
    for make in (tl.ToyModel, tl.AbsModel):
        default, small = make(cfg, seed=3), make(cfg, seed=3, init_scale=0.15)
        for (name, p), q in zip(default.named_parameters(), small.parameters(), strict=True):
            torch.testing.assert_close(q, 0.15 * p, msg=name)
    r = tl.computation_in_superposition.train_abs(
        0.5, n_features=6, n_hidden=4, init_scale=0.1, steps=1
    )
    assert r.model.W1.abs().max() < 0.1, "train_abs passes init_scale to the model"


def test_best_of_builds_other_model_kinds():
    r = tl.train_best_of(abs_cfg(), k=3, make_model=tl.AbsModel, steps=200, progress=False)
    assert isinstance(r.model, tl.AbsModel) and r.losses.shape == (2, 3)
    torch.testing.assert_close(tl.evaluate_loss(r.model), r.losses.min(1).values)
    hidden = partial(tl.ToyModel, hidden_activation="relu")
    r = tl.train_best_of(abs_cfg(), k=2, make_model=hidden, steps=100, progress=False)
    assert r.model.hidden_activation == "relu"


def test_the_output_layer_alone_is_the_forward_pass_from_its_hidden_vectors():
    cfg = tl.Config(6, 3, 2, feature_probability=0.3)
    for output in ("relu", "linear"):
        model = tl.ToyModel(cfg, output=output, seed=1)
        with torch.no_grad():
            model.b.normal_()
        x = tl.generate_batch(
            model.feature_probability, 9, generator=torch.Generator().manual_seed(0)
        )
        out = tl.models.tied_output(model.W, model.b, model.hidden(x), output=output)
        torch.testing.assert_close(out, model(x))
