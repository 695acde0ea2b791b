"""§7 (notebook 07): Relationship to adversarial robustness.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#adversarial
"""

from .experiment import (
    ATTACKS,
    START_MODES,
    Attack,
    AttackResult,
    ascent_from_input,
    attack_budget,
    attack_gain,
    example_loss,
    feature_attack,
    gradient_attack,
    no_superposition_model,
    one_instance,
    random_attack,
    vulnerability,
)
from .explorer import robustness_explorer
from .figures import (
    ATTACK_COLORS,
    SCATTER_MARKERS,
    plot_attack_bars,
    plot_vulnerability,
    plot_vulnerability_vs_dimensions,
    robustness_snapshot,
    vulnerability_figure,
)

__all__ = [
    "ATTACKS",
    "ATTACK_COLORS",
    "Attack",
    "AttackResult",
    "SCATTER_MARKERS",
    "START_MODES",
    "ascent_from_input",
    "attack_budget",
    "attack_gain",
    "example_loss",
    "feature_attack",
    "gradient_attack",
    "no_superposition_model",
    "one_instance",
    "plot_attack_bars",
    "plot_vulnerability",
    "plot_vulnerability_vs_dimensions",
    "random_attack",
    "robustness_explorer",
    "robustness_snapshot",
    "vulnerability",
    "vulnerability_figure",
]
