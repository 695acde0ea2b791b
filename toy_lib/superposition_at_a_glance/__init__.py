"""§1 (notebook 01): Superposition at a glance: n features in 2 dimensions.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#motivation
"""

from .experiment import IntroResult, train_intro_model
from .explorer import intro_explorer
from .figures import intro_figure, intro_png

__all__ = ["IntroResult", "intro_explorer", "intro_figure", "intro_png", "train_intro_model"]
