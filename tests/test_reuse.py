"""Reusing a finished training run (toy_lib/_reuse.py): only when TOY_LIB_REUSE_RUNS is set, only
for the very same run, and a reused run looks to its caller like the run itself."""

import threading

import pytest
import torch
from helpers import counting_calls

import toy_lib as tl
from toy_lib import _reuse
from toy_lib.progress import listening


def model(seed=0, density=0.1, output="relu"):
    cfg = tl.Config(5, 2, n_instances=3, feature_probability=density)
    return tl.ToyModel(cfg, seed=seed, output=output)


def counting_runs(monkeypatch):
    """Count the trainings actually run (not loaded)."""
    return counting_calls(monkeypatch, "toy_lib.train", "_run")


def test_without_the_variable_nothing_is_stored_and_every_run_trains(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    calls = counting_runs(monkeypatch)
    for _ in range(2):
        tl.train(model(), steps=50, progress=False)
    assert len(calls) == 2
    assert not any(tmp_path.iterdir())


def test_the_same_run_is_loaded_and_equals_the_trained_one(monkeypatch, tmp_path):
    monkeypatch.setenv(_reuse.ENV, str(tmp_path))
    calls = counting_runs(monkeypatch)
    first = model()
    h1 = tl.train(first, steps=60, progress=False, snapshot_every=20)
    again = model()
    reports = []
    with listening(reports.append):
        h2 = tl.train(again, steps=60, progress=False, snapshot_every=20)
    assert len(calls) == 1 and len(list(tmp_path.glob("*.pt"))) == 1
    for name, p in first.named_parameters():
        assert torch.equal(p, dict(again.named_parameters())[name])
    assert torch.equal(h1.loss, h2.loss) and torch.equal(h1.snapshot_W, h2.snapshot_W)
    assert torch.equal(h1.snapshot_steps, h2.snapshot_steps) and h1.seconds == h2.seconds
    # Listeners (the explorers) hear of the finished run once, with its parameters.
    assert [(r.done, r.total) for r in reports] == [(60, 60)]
    assert torch.equal(reports[0].params()["W"], again.W)


@pytest.mark.parametrize(
    "change",
    [
        {"seed": 1},
        {"steps": 61},
        {"lr": 2e-3},
        {"weight_decay": 0.0},
        {"batch_size": 512},
        {"engine": "torch"},
        {"model": {"seed": 1}},  # other starting weights
        {"model": {"density": 0.2}},
        {"model": {"output": "linear"}},
    ],
    ids=lambda c: next(iter(c)) if "model" not in c else f"model-{next(iter(c['model']))}",
)
def test_any_other_run_trains_anew(monkeypatch, tmp_path, change):
    monkeypatch.setenv(_reuse.ENV, str(tmp_path))
    calls = counting_runs(monkeypatch)
    tl.train(model(), steps=60, progress=False)
    kwargs = {"steps": 60, "progress": False, **change}
    made = model(**kwargs.pop("model", {}))
    tl.train(made, **kwargs)
    assert len(calls) == 2 and len(list(tmp_path.glob("*.pt"))) == 2


def test_a_change_to_toy_lib_makes_every_key_new(monkeypatch):
    before = _reuse.run_key(model(), {"steps": 10})
    monkeypatch.setattr(_reuse, "_source_digest", lambda: "another version of the package")
    assert _reuse.run_key(model(), {"steps": 10}) != before


def test_two_identical_runs_at_once_train_once(monkeypatch, tmp_path):
    monkeypatch.setenv(_reuse.ENV, str(tmp_path))
    calls = counting_runs(monkeypatch)
    models = [model(), model()]
    threads = [
        threading.Thread(target=tl.train, args=(m,), kwargs={"steps": 300, "progress": False})
        for m in models
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert torch.equal(models[0].W, models[1].W)


def test_a_diverging_run_stores_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv(_reuse.ENV, str(tmp_path))
    with pytest.raises(tl.TrainingDiverged):
        tl.train(model(), steps=200, lr=1e3, progress=False)
    assert not list(tmp_path.glob("*.pt"))


def test_a_stored_sae_run_is_loaded_only_for_the_very_same_run(monkeypatch, tmp_path):
    from toy_lib import sparse_autoencoders as sa

    calls = counting_calls(monkeypatch, "toy_lib.sparse_autoencoders.training", "_train")
    monkeypatch.setenv(_reuse.ENV, str(tmp_path))
    toy = tl.ToyModel(tl.Config(5, 2, feature_probability=0.1), seed=0)

    def trained(seed=0, l1=0.1):
        sae = sa.SparseAutoencoder(sa.SAEConfig(2, 6, 2, l1_coefficient=l1), seed=1)
        history = sa.train_saes(sae, toy, steps=120, seed=seed, resample_at=(60,), progress=False)
        return sae, history

    first, h1 = trained()
    reports = []
    with listening(reports.append):
        again, h2 = trained()
    assert len(calls) == 1
    assert torch.equal(first.W_dec, again.W_dec) and torch.equal(first.b_enc, again.b_enc)
    assert torch.equal(h1.loss, h2.loss) and h1.seconds == h2.seconds
    assert h1.resampled.keys() == h2.resampled.keys() == {60}
    assert torch.equal(h1.resampled[60], h2.resampled[60])
    assert [(r.done, r.total) for r in reports] == [(120, 120)]
    trained(seed=1)
    trained(l1=0.2)
    assert len(calls) == 3
