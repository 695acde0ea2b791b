"""§6 (notebook 06): Superposition and learning dynamics: features jumping between energy levels.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#learning
"""

from .experiment import (
    DYNAMICS_DENSITIES,
    FASTER,
    INIT_SCALES,
    Dynamics,
    Jump,
    analyze,
    drop_windows,
    find_jumps,
    fraction_label,
    is_regular_polygon,
    level_index,
    log_snapshot_steps,
    masked_dimensionality,
    planar_levels,
    smoothed_loss,
    train_dynamics,
    train_with_snapshots,
)
from .explorer import dynamics_explorer
from .figures import (
    JUMP_COLOR,
    TrainingFrame,
    dynamics_figure,
    dynamics_overview,
    key_frames_figure,
    loss_curves_figure,
    plot_dimensionality_over_training,
    plot_loss_over_training,
    training_animation,
)

__all__ = [
    "DYNAMICS_DENSITIES",
    "Dynamics",
    "FASTER",
    "INIT_SCALES",
    "JUMP_COLOR",
    "Jump",
    "TrainingFrame",
    "analyze",
    "drop_windows",
    "dynamics_explorer",
    "dynamics_figure",
    "dynamics_overview",
    "find_jumps",
    "fraction_label",
    "is_regular_polygon",
    "key_frames_figure",
    "level_index",
    "log_snapshot_steps",
    "loss_curves_figure",
    "masked_dimensionality",
    "planar_levels",
    "plot_dimensionality_over_training",
    "plot_loss_over_training",
    "smoothed_loss",
    "train_dynamics",
    "train_with_snapshots",
    "training_animation",
]
