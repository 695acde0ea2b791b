"""§8 (notebook 08): Superposition in a privileged basis: a ReLU hidden layer.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#privileged-basis
"""

from . import checks, experiment, explorer, figures
from .checks import *
from .experiment import *
from .explorer import *
from .figures import *

__all__ = experiment.__all__ + figures.__all__ + explorer.__all__ + checks.__all__
