"""§9 (notebook 09): Computation in superposition: the absolute-value task.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#computation
"""

from . import experiment, explorer, figures
from .experiment import *
from .explorer import *
from .figures import *

__all__ = experiment.__all__ + figures.__all__ + explorer.__all__
