"""The shared argument checks: every bad value raises a ValueError naming argument, value and rule."""

import math

import numpy as np
import pytest
import torch

from toy_lib.validate import as_weights, check_choice, check_int, check_number


def test_check_int_accepts_python_and_numpy_integers_at_or_above_the_bound():
    check_int("k", 1)
    check_int("seed", np.int64(0), 0)
    for bad in (0, 1.0, True, "2", None):
        with pytest.raises(
            ValueError, match=rf"k={bad!r} is not allowed: it must be an integer >= 1"
        ):
            check_int("k", bad)


def test_check_number_names_the_interval():
    check_number("lr", 1e-3, 0.0, low_open=True)
    check_number("beta", 0.0, 0.0, 1.0)
    with pytest.raises(
        ValueError, match=r"lr=0.0 is not allowed: it must be a finite number > 0.0"
    ):
        check_number("lr", 0.0, 0.0, low_open=True)
    with pytest.raises(
        ValueError, match=r"beta=1.0 is not allowed: it must be a number in \[0.0, 1.0\)"
    ):
        check_number("beta", 1.0, 0.0, 1.0)
    for bad in (math.nan, math.inf, True, "0.5"):
        with pytest.raises(ValueError, match="is not allowed"):
            check_number("x", bad, 0, 1)


def test_check_choice_lists_the_choices():
    check_choice("output", "relu", ("relu", "linear"))
    with pytest.raises(
        ValueError, match=r"output='tanh' is not allowed: choose one of \['relu', 'linear'\]"
    ):
        check_choice("output", "tanh", ("relu", "linear"))


def test_as_weights_detaches_to_float_and_refuses_vectors():
    W = torch.ones(2, 3, dtype=torch.float64, requires_grad=True)
    out = as_weights(W)
    assert out.dtype == torch.float32 and not out.requires_grad
    with pytest.raises(ValueError, match=r"W has shape \(3,\)"):
        as_weights(torch.ones(3))
