"""§9 (notebook 09): Computation in superposition: the absolute-value task.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#computation
"""

from . import checks, experiment, explorer, figures, motifs
from .checks import *
from .experiment import *
from .explorer import *
from .figures import *
from .motifs import *

__all__ = experiment.__all__ + motifs.__all__ + figures.__all__ + explorer.__all__ + checks.__all__
