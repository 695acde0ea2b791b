"""Section 9 (notebook 09): the absolute-value task, the motif detector, figures and explorer."""

import ipywidgets as widgets
import pytest
import torch
from helpers import change, find, status_of

import toy_lib as tl
from toy_lib import computation_in_superposition as C
from toy_lib.computation_in_superposition import Motif, asymmetric_motifs, find_motifs


def _model(W1: list, W2t: list, b: list | None = None) -> tl.AbsModel:
    """One AbsModel instance from hand-written ``W1 (hidden, features)`` and ``W2ᵀ (hidden,
    features)``."""
    W1, W2t = torch.tensor(W1, dtype=torch.float32), torch.tensor(W2t, dtype=torch.float32)
    m, n = W1.shape
    model = tl.AbsModel(tl.Config(n, m, 1))
    with torch.no_grad():
        model.W1.copy_(W1[None])
        model.W2.copy_(W2t.T[None])
        model.b.copy_(torch.zeros(1, n) if b is None else torch.tensor([b]))
    return model


# The motif of the paper, hand-built for features 0 (strong) and 1 (weak):
# neuron 0 reads [2, -1/2] and writes [1/2, 2]; neuron 1 fires with x_0 > 0 and inhibits y_1;
# neuron 2 computes ReLU(-x_0), neuron 3 ReLU(x_1).
MOTIF_W1 = [[2.0, -0.5], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]]
MOTIF_W2T = [[0.5, 2.0], [0.0, -4.0], [1.0, 0.0], [0.0, 1.0]]
# The dense solution for 2 of 3 features: ReLU(x_i) and ReLU(-x_i) on dedicated neurons.
DENSE_W1 = [[1.0, 0, 0], [-1.0, 0, 0], [0, 2.0, 0], [0, -0.5, 0]]
DENSE_W2T = [[1.0, 0, 0], [1.0, 0, 0], [0, 0.5, 0], [0, 2.0, 0]]


def test_computed_and_error_on_the_dense_solution():
    model = _model(DENSE_W1, DENSE_W2T)
    err = C.computation_error(model)
    assert err.shape == (1, 3)
    assert err[0, :2].max() < 1e-6
    assert err[0, 2] == pytest.approx(
        float(C.GRID.abs().mean()), abs=1e-6
    )  # ignored: error = mean |v|
    assert C.computed(model).tolist() == [[True, True, False]]
    y = C.single_feature_outputs(model, torch.tensor([-1.0, 0.5]))
    assert torch.allclose(y[0, 0], torch.tensor([1.0, 0.5]))


def test_a_half_computed_feature_is_not_computed():
    model = _model([[1.0]], [[1.0]])  # ReLU(x) only
    assert float(C.computation_error(model)[0, 0]) == pytest.approx(0.256, abs=0.01)
    err = C.sign_errors(model)[0, 0]
    assert float(err[0]) == pytest.approx(0.525, abs=1e-3) and float(err[1]) < 1e-6
    assert C.computed_signs(model).tolist() == [[[False, True]]]  # one ReLU computed
    assert not bool(C.computed(model)[0, 0])
    with pytest.raises(ValueError, match="threshold"):
        C.computed(model, threshold=0)
    with pytest.raises(ValueError, match="negative and positive"):
        C.sign_errors(model, torch.tensor([0.0, 1.0]))


def test_error_by_sign_is_the_core_of_sign_errors():
    model = _model(MOTIF_W1, MOTIF_W2T, [0.1, -0.2])
    model.W1.data += 0.3 * torch.randn(model.W1.shape, generator=torch.Generator().manual_seed(0))
    for values in (None, torch.tensor([0.4, -1.0, 0.0, 0.2, 0.9])):
        v = C.GRID if values is None else values
        y = C.single_feature_outputs(model, v)
        err = (y - v.abs()).abs()  # the formula sign_errors used before error_by_sign
        old = torch.stack([err[..., v < 0].mean(-1), err[..., v > 0].mean(-1)], dim=-1)
        assert C.sign_errors(model, values).shape == (1, 2, 2)
        assert torch.equal(C.sign_errors(model, values), old)
        assert torch.equal(C.error_by_sign(y, v), old)
    y = torch.rand(3, 4, 5, dtype=torch.float64)
    v = torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0], dtype=torch.float64)
    expected = (y - v.abs()).abs()[..., [0, 1]].mean(-1), (y - v.abs()).abs()[..., [3, 4]].mean(-1)
    assert torch.allclose(C.error_by_sign(y, v), torch.stack(expected, -1))
    assert C.error_by_sign(y, v).dtype == torch.float64
    with pytest.raises(ValueError, match="negative and positive"):
        C.error_by_sign(y, v.abs())
    with pytest.raises(ValueError, match="do not match"):
        C.error_by_sign(y, v[:4])


def test_gains_and_two_neuron_report():
    dense = _model(DENSE_W1, DENSE_W2T)
    g = C.neuron_gains(dense.W1, dense.W2)
    assert g.shape == (1, 4, 3) and torch.allclose(g[0, :, :2].max(0).values, torch.ones(2))
    rep = C.two_neuron_features(dense)
    assert rep.two_neuron.tolist() == [[True, True, False]]
    assert rep.n_computed.tolist() == [2] and rep.n_shared_neurons.tolist() == [0]
    assert rep.n_relus.tolist() == [4] and rep.n_half.tolist() == [0]
    assert rep.n_any_sign.tolist() == [2] and torch.equal(rep.signs.all(-1), rep.computed)
    assert rep.counts == {
        "features computed (both signs)": [2],
        "features with at least one sign": [2],
        "ReLUs computed (signs)": [4],
    }
    motif = C.two_neuron_features(_model(MOTIF_W1, MOTIF_W2T))
    assert motif.n_computed.tolist() == [2]  # both features computed exactly...
    assert motif.n_two_neuron.tolist() == [0]  # ...but neuron 0 is shared
    assert motif.n_shared_neurons.tolist() == [1]
    with pytest.raises(ValueError, match="do not match"):
        C.neuron_gains(torch.zeros(2, 3), torch.zeros(2, 3))


def test_gain_order_groups_neurons_by_feature_and_sign():
    W1 = torch.tensor([[0, -1.0], [0, 0], [1.0, 0], [0, 1.0]])
    W2 = torch.tensor([[0, 0, 1.0, 0], [1.0, 0, 0, 1.0]])
    assert C.gain_order(W1, W2).tolist() == [2, 3, 0, 1]  # f0+, f1+, f1-, dead


def test_motif_detector_finds_the_hand_built_motif():
    model = _model(MOTIF_W1, MOTIF_W2T)
    hits = asymmetric_motifs(model.W1, model.W2, model.b)
    assert hits.shape == (1, 4, 2, 2)
    assert hits[0].nonzero().tolist() == [[0, 0, 1]]  # neuron 0, strong 0, weak 1 only
    (found,) = find_motifs(model.W1, model.W2, model.b)
    assert found == [
        Motif(
            neuron=0,
            strong=0,
            weak=1,
            in_weights=(2.0, -0.5),
            out_weights=(0.5, 2.0),
            inhibitors=(1,),
            leak=0.0,
        )
    ]
    assert C.computed(model).all()  # the motif computes both features exactly


@pytest.mark.parametrize(
    "W1, W2t, why",
    [
        ([[1.0, -1.0], [1.0, 0.0]], [[1.0, 1.0], [0.0, -4.0]], "symmetric sharing"),
        ([[2.0, -0.5], [1.0, 0.0]], [[0.5, 2.0], [0.0, 0.0]], "no inhibition"),
        ([[2.0, -0.5], [1.0, 0.0]], [[0.5, 2.0], [0.0, -1.0]], "too weak an inhibition"),
        (
            [[2.0, -0.5], [-1.0, 0.0]],
            [[0.5, 2.0], [0.0, -4.0]],
            "inhibitor fires on the other sign",
        ),
        ([[2.0, -0.5], [1.0, 0.0]], [[0.1, 2.0], [0.0, -4.0]], "strong gain too small"),
        ([[2.0, 0.5], [1.0, 0.0]], [[0.5, 2.0], [0.0, -4.0]], "in-weights of the same sign"),
    ],
)
def test_motif_detector_rejects_non_motifs(W1, W2t, why):
    model = _model(W1, W2t)
    assert not asymmetric_motifs(model.W1, model.W2, model.b).any(), why


def test_motif_detector_is_batched_and_checks_its_arguments():
    good = _model(MOTIF_W1, MOTIF_W2T)
    bad = _model(
        [[1.0, 0], [-1.0, 0], [0, 1.0], [0, -1.0]], [[1.0, 0], [1.0, 0], [0, 1.0], [0, 1.0]]
    )
    W1 = torch.cat([good.W1, bad.W1])
    W2 = torch.cat([good.W2, bad.W2])
    b = torch.cat([good.b, bad.b])
    hits = asymmetric_motifs(W1, W2, b)
    assert hits.shape == (2, 4, 2, 2) and hits.sum((1, 2, 3)).tolist() == [1, 0]
    assert [len(f) for f in find_motifs(W1, W2, b)] == [1, 0]
    # leak: a positive bias on y_1 does not count as interference
    assert asymmetric_motifs(W1[:1], W2[:1], torch.tensor([[0.0, 0.3]])).any()
    with pytest.raises(ValueError, match="do not match"):
        asymmetric_motifs(W1, W2, b[:, :1])
    with pytest.raises(ValueError, match="gain_range"):
        asymmetric_motifs(W1, W2, b, gain_range=(2.0, 1.0))
    with pytest.raises(ValueError, match="min_ratio"):
        asymmetric_motifs(W1, W2, b, min_ratio=0.5)


def test_abs_config_and_a_tiny_dense_training_run():
    cfg = C.abs_config([1.0, 0.1], n_features=6, n_hidden=4)
    assert cfg.n_instances == 2 and cfg.probability[1].tolist() == pytest.approx([0.1] * 6)
    with pytest.raises(ValueError, match="empty"):
        C.abs_config([])
    run = C.train_abs(1.0, n_features=4, n_hidden=4, restarts=2, steps=3000, progress=False)
    rep = C.two_neuron_features(run.model)
    # dense: two features (4 neurons / 2), each on two dedicated neurons
    assert rep.n_computed.tolist() == [2] and rep.n_two_neuron.tolist() == [2]


def test_dense_solution_loss_matches_a_hand_built_dense_model():
    cfg = tl.Config(3, 2, 2, feature_probability=[0.5, 0.1], importance=[1.0, 0.5, 0.25])
    model = tl.AbsModel(cfg)
    with torch.no_grad():
        model.W1.zero_()
        model.W2.zero_()
        model.W1[:, 0, 0], model.W1[:, 1, 0] = 1.0, -1.0
        model.W2[:, 0, :] = 1.0
        model.b.copy_(cfg.probability / 2)  # mean of |x_i|
        model.b[:, 0] = 0.0
    expected = C.dense_solution_loss(cfg)
    p = torch.tensor([0.5, 0.1])
    assert torch.allclose(expected, 0.75 * (p / 3 - p**2 / 4))
    measured = tl.evaluate_loss(model, n_samples=200_000)
    assert torch.allclose(measured, expected, rtol=0.03), (measured, expected)


def test_explorer_retrains_for_each_density_and_marks_motifs():
    box = tl.computation_in_superposition.computation_explorer(restarts=1, steps=300)
    first = box.png
    assert first.startswith(b"\x89PNG") and "retrained" in status_of(box)
    assert "features computed (m/2 = 5)" in status_of(box)
    density = find(box, "density")
    assert isinstance(density, widgets.SelectionSlider) and not density.continuous_update
    assert "toy-sparsity" in density._dom_classes
    change(box, density, 1.0)
    assert box.png != first and "retrained" in status_of(box)
    assert "image/png" in box._repr_mimebundle_()


def test_explorer_survives_every_slider_extreme():
    box = tl.computation_in_superposition.computation_explorer(restarts=1, steps=200)
    for description in ("density", "neurons", "seed"):
        control = find(box, description)
        values = (
            (control.options[0][1], control.options[-1][1])
            if isinstance(control, widgets.SelectionSlider)
            else (control.min, control.max)
        )
        for value in values:
            change(box, control, value)
            assert "error" not in status_of(box), (description, value, status_of(box))
            assert "retrained" in status_of(box)


def test_default_explorer_answers_fast():
    box = tl.computation_in_superposition.computation_explorer()
    change(box, find(box, "seed"), 1)
    seconds = float(status_of(box).rsplit("retrained in ", 1)[1].split(" s")[0])
    assert seconds < 8.0, status_of(box)  # about 1-2 s on 2 idle cores


def test_neuron_features_count_what_the_stacked_weights_show():
    # neuron 0 dedicated (tiny residual below 10%), 1 the paper's motif neuron [2, -1/2],
    # 2 reads four features alike, 3 is dead (no positive gain).
    W1 = torch.tensor([[1.0, 0.05, 0, 0, 0], [2.0, -0.5, 0, 0, 0], [0.5, -0.5, 0.5, 0.5, 0],
                       [0, 0, 0, 0, 1.0]])  # fmt: skip
    W2t = torch.tensor([[1.0, 0, 0, 0, 0], [0.5, 2.0, 0, 0, 0], [1.0, 1.0, 1.0, 1.0, 0],
                        [0, 0, 0, 0, -1.0]])  # fmt: skip
    rep = C.neuron_features(W1, W2t.T)
    assert rep.shown.tolist() == [1, 2, 4, 1]
    assert rep.live.tolist() == [True, True, True, False]
    assert rep.primary.tolist()[:3] == [0, 0, 0]  # ties: the lowest feature index
    assert rep.polysemantic.tolist() == [False, True, True, False]
    assert int(rep.n_polysemantic) == 2 and int(rep.n_highly_polysemantic) == 1
    assert int(rep.n_live) == 3
    top = torch.tensor([True, False, False, False, False])
    assert float(rep.monosemantic_share(top)) == pytest.approx(1 / 3)  # 0 of neurons 0, 1, 2
    assert C.neuron_features(W1, W2t.T, share=0.02).shown.tolist()[0] == 2  # residual shows
    batched = C.neuron_features(W1.expand(3, -1, -1), W2t.T.expand(3, -1, -1))
    assert batched.n_polysemantic.tolist() == [2, 2, 2]
    for kwargs in ({"share": 0.0}, {"live_gain": -1.0}, {"highly": 1}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            C.neuron_features(W1, W2t.T, **kwargs)


def test_rescale_neurons_keeps_the_function():
    model = _model(MOTIF_W1, MOTIF_W2T)
    W1, W2 = C.rescale_neurons(model.W1, model.W2)
    assert torch.allclose(W1.abs().amax(-1), torch.ones(1, 4))
    rescaled = _model(W1[0].tolist(), W2[0].T.tolist())
    x = torch.rand(1, 64, 2) * 2 - 1
    assert torch.allclose(rescaled(x), model(x), atol=1e-6)
    zero = C.rescale_neurons(torch.zeros(2, 3), torch.zeros(3, 2))
    assert torch.equal(zero[0], torch.zeros(2, 3))  # dead neurons stay 0, no NaN


def _dense_sweep_model() -> tl.AbsModel:
    """The hand-made dense solution (two neurons on each of the top m/2 features) at every
    density of the sweep."""
    cfg = C.abs_config()
    model = tl.AbsModel(cfg)
    m = cfg.n_hidden
    with torch.no_grad():
        model.W1.zero_()
        model.W2.zero_()
        for i in range(m // 2):
            model.W1[:, 2 * i, i], model.W1[:, 2 * i + 1, i] = 1.0, -1.0
            model.W2[:, i, 2 * i], model.W2[:, i, 2 * i + 1] = 1.0, 1.0
        model.b.copy_(cfg.probability / 2)
        model.b[:, : m // 2] = 0.0
    return model


def test_sweep_claims_on_the_dense_solution():
    model = _dense_sweep_model()
    claims = C.sweep_claims(model, C.dense_solution_loss(model.cfg))
    held = {c.paper: c.holds for c in claims}
    assert held["1.0: all neurons are monosemantic"]
    assert held["1: (yardstick) as good as the dense solution"]
    # a model without superposition fails every claim about polysemantic neurons
    assert not held["0.1: a few slightly polysemantic neurons"]
    assert not held["0.001: all neurons are highly polysemantic"]
    assert not held["0.01: computation in superposition"]  # 40 ReLUs, 20 |x|: not more
    assert not held["0.01: (yardstick) better than the dense solution"]  # equal, not better
    with pytest.raises(ValueError, match="densities"):
        C.sweep_claims(_model(DENSE_W1, DENSE_W2T), torch.ones(1))
