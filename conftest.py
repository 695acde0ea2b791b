"""Settings for the whole test run (unit tests and the notebooks nbval executes)."""

import os

import torch

# pytest-xdist already runs one worker per core. torch's OpenMP threads on top of that (also in the
# notebook kernels nbval starts, which inherit this environment) oversubscribe the cores, and
# OpenMP's spin-waiting then slows small tensor ops many times over. Results do not change.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"
    torch.set_num_threads(1)
