"""Notebook 11 (the paper's sequel): memorization and data double descent in the ReLU-output toy
model trained on a finite data set (Henighan et al., *Superposition, Memorization, and Double
Descent*, Anthropic, 2023: https://transformer-circuits.pub/2023/toy-double-descent/index.html).

What is here so far: the note's setup (:data:`NOTE_SETUP`), finite data sets of very sparse points
kept as indices and values (:func:`sparse_dataset`), the dimensionality of training points
(:func:`datapoint_dimensionality`), and a dense full-batch PyTorch reference training
(:func:`train_dense`) against which a sparse engine will be checked.
"""

from . import data, reference
from .data import *
from .reference import *

__all__ = data.__all__ + reference.__all__
