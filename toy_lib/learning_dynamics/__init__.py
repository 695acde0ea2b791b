"""§6 (notebook 06): Superposition and learning dynamics: features jumping between energy levels,
and learning as a sequence of geometric transformations.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#learning
"""

from . import checks, experiment, explorer, figures, transformations
from .checks import *
from .experiment import *
from .explorer import *
from .figures import *
from .transformations import *

__all__ = (
    experiment.__all__
    + transformations.__all__
    + figures.__all__
    + explorer.__all__
    + checks.__all__
)
