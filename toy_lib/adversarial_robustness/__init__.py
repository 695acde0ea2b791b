"""§7 (notebook 07): Relationship to adversarial robustness.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#adversarial
"""

from . import checks, experiment, explorer, figures, sweeps, training
from .checks import *
from .experiment import *
from .explorer import *
from .figures import *
from .sweeps import *
from .training import *

__all__ = (
    experiment.__all__
    + training.__all__
    + sweeps.__all__
    + figures.__all__
    + explorer.__all__
    + checks.__all__
)
