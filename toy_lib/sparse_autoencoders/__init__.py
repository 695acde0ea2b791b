"""Notebook 10 (beyond the paper): sparse autoencoders take the toy model's features back out of
superposition, scored against the true features.

Dictionary learning with sparse autoencoders is how the field now looks for features in real
models (Anthropic, *Towards Monosemanticity*, 2023: https://transformer-circuits.pub/2023/monosemantic-features).
"""

from . import checks, experiment, explorer, figures, sae, scores, training
from .checks import *
from .experiment import *
from .explorer import *
from .figures import *
from .sae import *
from .scores import *
from .training import *

__all__ = (
    sae.__all__
    + scores.__all__
    + training.__all__
    + experiment.__all__
    + figures.__all__
    + explorer.__all__
    + checks.__all__
)
