"""§7 (notebook 07): Relationship to adversarial robustness.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#adversarial
"""

from . import experiment, explorer, figures, sweeps, training
from .experiment import *
from .explorer import *
from .figures import *
from .sweeps import *
from .training import *

__all__ = (
    experiment.__all__ + training.__all__ + sweeps.__all__ + figures.__all__ + explorer.__all__
)
