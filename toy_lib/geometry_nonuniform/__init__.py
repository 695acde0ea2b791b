"""§5 (notebook 05): The geometry of superposition, non-uniform: one feature's density varied, correlated features.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#geometry
"""

from . import checks, experiment, explorer, figures
from .checks import *
from .experiment import *
from .explorer import *
from .figures import *

__all__ = experiment.__all__ + figures.__all__ + explorer.__all__ + checks.__all__
