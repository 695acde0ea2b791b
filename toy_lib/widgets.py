"""The course's first live explorer under its original name, ``tl.widgets.intro_explorer()``.

Kept because it is part of the public API learners meet first (README, notebook 01's closing cell);
every explorer lives in its section's subpackage, e.g. :mod:`toy_lib.superposition_at_a_glance`.
"""

from .superposition_at_a_glance.explorer import intro_explorer

__all__ = ["intro_explorer"]
