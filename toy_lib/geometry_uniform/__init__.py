"""§5 (notebook 04): The geometry of superposition, uniform: dimensions per feature and polytopes.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#geometry-uniform
"""

from . import checks, experiment, explorer, figures
from .checks import *
from .experiment import *
from .explorer import *
from .figures import *

__all__ = experiment.__all__ + figures.__all__ + explorer.__all__ + checks.__all__
