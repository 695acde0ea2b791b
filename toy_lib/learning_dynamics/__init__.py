"""§6 (notebook 06): Superposition and learning dynamics: features jumping between energy levels.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#learning
"""

from . import experiment, explorer, figures
from .experiment import *
from .explorer import *
from .figures import *

__all__ = experiment.__all__ + figures.__all__ + explorer.__all__
