"""Settings for the unit tests: figures render off screen (matplotlib's Agg backend), and training
never loads a stored run (the suite's shared runs folder is for the notebooks: see the top-level
conftest.py), so every test trains what it checks."""

import os

import matplotlib
import pytest

from toy_lib import _reuse

matplotlib.use("Agg")

SHARED_RUNS = os.environ.get(_reuse.ENV, "")


@pytest.fixture(autouse=True)
def _no_stored_runs(monkeypatch):  # noqa: ANN001, ANN202
    monkeypatch.delenv(_reuse.ENV, raising=False)


@pytest.fixture
def shared_runs(monkeypatch):  # noqa: ANN001, ANN201
    """The suite's shared runs folder, set again for a test that starts a notebook kernel."""
    if SHARED_RUNS:
        monkeypatch.setenv(_reuse.ENV, SHARED_RUNS)
    return SHARED_RUNS
