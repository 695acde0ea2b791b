"""The kernels generated per small tied shape (toy_lib._tiny) against the general kernel."""

from __future__ import annotations

import pytest
import torch

import toy_lib as tl
from toy_lib import _tiny

CASES = {
    "2→1 ReLU output": (tl.Config(2, 1, 4, feature_probability=[0.05, 0.3, 0.7, 1.0]), {}),
    "3→2 linear output": (tl.Config(3, 2, 3, feature_probability=0.2), {"output": "linear"}),
    "4→2 hidden ReLU": (tl.Config(4, 2, 2, feature_probability=0.1), {"hidden_activation": "relu"}),
    "4→2 correlated": (tl.Config(4, 2, 2, feature_probability=0.3, correlated=[(0, 1)]), {}),
    "6→1 anticorrelated": (
        tl.Config(6, 1, 2, feature_probability=0.2, anticorrelated=[(0, 1), (2, 3)]),
        {},
    ),
}


def _train(cfg: tl.Config, kwargs: dict, generated: bool, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as patch:
        # A short run: the generated kernel only when the test asks for it.
        patch.setattr(_tiny, "MIN_WORK", 0 if generated else 10**30)
        model = tl.ToyModel(cfg, seed=3, **kwargs)
        history = tl.train(model, steps=300, lr=0.01, seed=5, progress=False, engine="numba")
    return model, history


@pytest.mark.parametrize("name", CASES)
def test_generated_kernel_trains_as_the_general_kernel(name, monkeypatch):
    """Same draws, same arithmetic, same AdamW: only the order of the per-sample sums differs."""
    cfg, kwargs = CASES[name]
    assert _tiny.eligible(cfg.n_features, cfg.n_hidden, True, False, _tiny.MIN_WORK)
    fast, fast_history = _train(cfg, kwargs, True, monkeypatch)
    general, general_history = _train(cfg, kwargs, False, monkeypatch)
    torch.testing.assert_close(fast.W, general.W, rtol=0, atol=2e-5)
    torch.testing.assert_close(fast.b, general.b, rtol=0, atol=2e-5)
    torch.testing.assert_close(fast_history.loss, general_history.loss, rtol=1e-4, atol=1e-7)


def test_only_long_runs_of_small_tied_models_with_unsigned_inputs_are_eligible():
    work = _tiny.MIN_WORK
    assert _tiny.eligible(4, 2, tied=True, signed=False, work=work)
    assert not _tiny.eligible(3, 3, tied=True, signed=False, work=work), "n·m above 8"
    assert not _tiny.eligible(2, 1, tied=False, signed=False, work=work), "untied (§9)"
    assert not _tiny.eligible(2, 1, tied=True, signed=True, work=work), "signed inputs"
    assert not _tiny.eligible(2, 1, tied=True, signed=False, work=work - 1), "short: not compiled"


def test_phase_change_training_uses_a_generated_kernel():
    """400 cells × 10 restarts × 10,000 steps of 1,024 samples: the §4 notebook's runs qualify."""
    assert _tiny.eligible(2, 1, tied=True, signed=False, work=4000 * 10_000 * 1024)
    assert _tiny.eligible(3, 2, tied=True, signed=False, work=4000 * 10_000 * 1024)


def test_generated_module_is_written_once_and_reused(monkeypatch, tmp_path):
    monkeypatch.setenv("TOY_LIB_CACHE", str(tmp_path))
    _tiny.train_chunk_for.cache_clear()  # compiled earlier in this process for another folder
    args = (2, 1, True, False, (0, 1), (False, False))
    first = _tiny.train_chunk_for(*args)
    assert _tiny.train_chunk_for(*args) is first
    written = list((tmp_path / "kernels").glob("toy_lib_tiny_*.py"))
    assert len(written) == 1 and "def train_chunk" in written[0].read_text()
