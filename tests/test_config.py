"""Config validation: every bad input is a ValueError that names the argument, the value and the rule."""

import math

import numpy as np
import pytest
import torch

import toy_lib as tl

IMP5 = tl.decaying_importance(5, 0.9)

BAD_CONFIGS = [
    ({"n_features": 0, "n_hidden": 2}, "n_features=0"),
    ({"n_features": -3, "n_hidden": 2}, "n_features=-3"),
    ({"n_features": 5.0, "n_hidden": 2}, "n_features=5.0"),
    ({"n_features": True, "n_hidden": 2}, "n_features=True"),
    ({"n_features": 5, "n_hidden": 0}, "n_hidden=0"),
    ({"n_features": 5, "n_hidden": -1}, "n_hidden=-1"),
    ({"n_features": 5, "n_hidden": 2, "n_instances": 0}, "n_instances=0"),
    ({"n_features": 5, "n_hidden": 2, "n_instances": "3"}, "n_instances='3'"),
    ({"n_features": 5, "n_hidden": 2, "feature_probability": 0.0}, "feature_probability=0.0"),
    ({"n_features": 5, "n_hidden": 2, "feature_probability": 1.5}, "feature_probability=1.5"),
    ({"n_features": 5, "n_hidden": 2, "feature_probability": -0.1}, "feature_probability=-0.1"),
    ({"n_features": 5, "n_hidden": 2, "feature_probability": math.nan}, "feature_probability=nan"),
    (
        {"n_features": 5, "n_hidden": 2, "n_instances": 3, "feature_probability": [0.1, 0.2]},
        "feature_probability has shape (2,)",
    ),
    (
        {"n_features": 5, "n_hidden": 2, "n_instances": 2, "feature_probability": np.ones((2, 4))},
        "feature_probability has shape (2, 4)",
    ),
    (
        {"n_features": 5, "n_hidden": 2, "feature_probability": "dense"},
        "feature_probability='dense'",
    ),
    ({"n_features": 5, "n_hidden": 2, "importance": [1.0, 0.5]}, "importance has shape (2,)"),
    (
        {"n_features": 5, "n_hidden": 2, "importance": torch.tensor([1.0, math.nan, 1, 1, 1])},
        "importance=[1.0, nan",
    ),
    ({"n_features": 5, "n_hidden": 2, "importance": -1.0}, "importance=-1.0"),
    ({"n_features": 5, "n_hidden": 2, "importance": 0.0}, "importance=0.0"),
    ({"n_features": 5, "n_hidden": 2, "importance": math.inf}, "importance=inf"),
    (
        {"n_features": 5, "n_hidden": 2, "importance": np.ones((1, 1, 5))},
        "importance has shape (1, 1, 5)",
    ),
]


@pytest.mark.parametrize(("kwargs", "names"), BAD_CONFIGS, ids=[b[1] for b in BAD_CONFIGS])
def test_bad_config_raises_value_error_naming_argument_and_value(kwargs, names):
    with pytest.raises(ValueError, match="not allowed") as info:
        tl.Config(**kwargs)
    assert names in str(info.value)


def test_at_least_fifteen_invalid_configurations_are_covered():
    assert len(BAD_CONFIGS) >= 15


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: tl.decaying_importance(0, 0.9), "n_features=0"),
        (lambda: tl.decaying_importance(5, 0.0), "decay=0.0"),
        (lambda: tl.decaying_importance(5, math.nan), "decay=nan"),
        (lambda: tl.density_from_sparsity([0.5, 1.0]), "sparsity="),
        (lambda: tl.density_from_sparsity(-0.1), "sparsity="),
        (lambda: tl.ToyModel(tl.Config(5, 2), output="gelu"), "output='gelu'"),
        (lambda: tl.ToyModel(tl.Config(5, 2), seed=-1), "seed=-1"),
    ],
)
def test_other_bad_inputs_raise(call, fragment):
    with pytest.raises(ValueError, match="not allowed") as info:
        call()
    assert fragment in str(info.value)


def test_broadcasting_rules():
    cfg = tl.Config(
        n_features=5,
        n_hidden=2,
        n_instances=3,
        feature_probability=[1.0, 0.2, 0.1],
        importance=IMP5,
    )
    assert cfg.probability.shape == (3, 5) and cfg.importances.shape == (3, 5)
    assert torch.equal(cfg.probability[:, 0], torch.tensor([1.0, 0.2, 0.1]))
    assert torch.equal(cfg.importances[2], IMP5)
    per_instance_importance = tl.Config(
        n_features=5, n_hidden=2, n_instances=2, importance=[1.0, 2.0]
    )
    assert torch.equal(per_instance_importance.importances[:, 3], torch.tensor([1.0, 2.0]))
    full = tl.Config(
        n_features=4, n_hidden=2, n_instances=2, feature_probability=np.full((2, 4), 0.5)
    )
    assert torch.equal(full.probability, torch.full((2, 4), 0.5))


def test_more_hidden_than_features_is_allowed_and_stated():
    cfg = tl.Config(n_features=3, n_hidden=5)
    assert not cfg.needs_superposition
    assert tl.Config(n_features=5, n_hidden=2).needs_superposition


def test_repeat_instances_keeps_each_setting_together():
    cfg = tl.Config(
        n_features=2, n_hidden=1, n_instances=2, feature_probability=[0.5, 0.25]
    ).repeat_instances(3)
    assert cfg.n_instances == 6
    assert cfg.probability[:, 0].tolist() == [0.5, 0.5, 0.5, 0.25, 0.25, 0.25]


def test_density_from_sparsity():
    assert torch.allclose(tl.density_from_sparsity([0.0, 0.9]), torch.tensor([1.0, 0.1]))
