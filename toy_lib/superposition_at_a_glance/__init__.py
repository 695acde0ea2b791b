"""§1 (notebook 01): Superposition at a glance: n features in 2 dimensions.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#motivation
"""

from . import experiment, explorer, figures
from .experiment import *
from .explorer import *
from .figures import *

__all__ = experiment.__all__ + figures.__all__ + explorer.__all__
