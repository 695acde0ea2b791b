"""Settings for the unit tests: figures render off screen (matplotlib's Agg backend)."""

import matplotlib

matplotlib.use("Agg")
