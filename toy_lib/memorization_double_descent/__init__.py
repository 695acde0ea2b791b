"""Notebook 11 (the paper's sequel): memorization and data double descent in the ReLU-output toy
model trained on a finite data set (Henighan et al., *Superposition, Memorization, and Double
Descent*, Anthropic, 2023: https://transformer-circuits.pub/2023/toy-double-descent/index.html).

The note's setup (:data:`NOTE_SETUP`), finite data sets of very sparse points kept as indices and
values (:func:`sparse_dataset`), the dimensionality of training points
(:func:`datapoint_dimensionality`), full-batch training of many models at once that skips the
work on features that cannot fire (:func:`train_models`), a dense PyTorch reference
(:func:`train_dense`) it is checked against, and the notebook's experiment and claims
(:func:`sweep`, :data:`CLAIMS`, :func:`claims`), its figures, explorer and exercise checks.
"""

from . import checks, data, experiment, explorer, figures, reference, training
from .checks import *
from .data import *
from .experiment import *
from .explorer import *
from .figures import *
from .reference import *
from .training import *

__all__ = (
    checks.__all__
    + data.__all__
    + experiment.__all__
    + explorer.__all__
    + figures.__all__
    + reference.__all__
    + training.__all__
)
