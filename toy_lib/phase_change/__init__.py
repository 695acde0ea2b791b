"""§4 (notebook 03): Superposition as a phase change: the theory and empirical phase diagrams.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#phase-change
"""

from . import checks, experiment, explorer, figures, theory
from .checks import *
from .experiment import *
from .explorer import *
from .figures import *
from .theory import *

__all__ = experiment.__all__ + theory.__all__ + figures.__all__ + explorer.__all__ + checks.__all__
