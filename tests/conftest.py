"""Shared test settings."""

import os

import torch

# pytest-xdist already runs one worker per core; torch's own OpenMP threads on top of that
# oversubscribe the cores and slow small tensor ops many times over.
if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)
