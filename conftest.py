"""Settings for the whole test run (unit tests and the notebooks nbval executes)."""

import atexit
import os
import shutil
import tempfile

import torch

from toy_lib import _reuse

# pytest-xdist already runs one worker per core. torch's OpenMP threads on top of that (also in the
# notebook kernels nbval starts, which inherit this environment) oversubscribe the cores, and
# OpenMP's spin-waiting then slows small tensor ops many times over. Results do not change.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"
    torch.set_num_threads(1)

# Each exercise notebook trains exactly what its solution notebook trains. One fresh folder for the
# whole run lets the second of the two load the first's result instead of training again
# (toy_lib/_reuse.py). Set in the controlling process, before xdist starts its workers, so that they
# and the notebook kernels they start share it; the unit tests under tests/ run without it.
if not os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ[_reuse.ENV] = tempfile.mkdtemp(prefix="toy_lib_runs_")
    atexit.register(shutil.rmtree, os.environ[_reuse.ENV], ignore_errors=True)


# The test that runs each exercise notebook (tests/test_exercises.py), one notebook per parameter.
EXERCISE_RUNS = "test_the_exercise_notebook_runs_with_its_stubs_untouched"


def pytest_collection_modifyitems(config, items):  # noqa: ANN001, ANN201, ARG001
    """Long files first: the notebooks, then test files with slow or browser tests, then the rest;
    the exercise-notebook runs last, after their solution notebooks have trained what they load
    (toy_lib/_reuse.py).

    xdist hands out its units of work (see :func:`pytest_xdist_make_scheduler`) in collection order,
    so a long file collected late keeps one worker busy while the other has nothing left; starting
    the long ones first lets the many short files fill in at the end. The order within each group is
    kept.
    """
    long_files = {
        item.path
        for item in items
        if item.path.suffix == ".ipynb"
        or item.get_closest_marker("slow")
        or item.get_closest_marker("browser")
    }
    items.sort(
        key=lambda item: (
            getattr(item, "originalname", None) == EXERCISE_RUNS,
            item.path.suffix != ".ipynb",
            item.path not in long_files,
        )
    )


def pytest_xdist_make_scheduler(config, log):  # noqa: ANN001, ANN201
    """``--dist loadfile`` (a notebook's cells stay on one worker, in order), except that each
    exercise-notebook run is a unit of its own, so the two workers share them."""
    from xdist.scheduler import LoadFileScheduling

    class FilesAndExerciseRuns(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid if f"::{EXERCISE_RUNS}[" in nodeid else super()._split_scope(nodeid)

    return FilesAndExerciseRuns(config, log)
