"""§9 (notebook 09): Computation in superposition: the absolute-value task.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#computation
"""

from .experiment import (
    COMPUTATION_DENSITIES,
    COMPUTED_THRESHOLD,
    DENSITIES,
    GRID,
    Motif,
    TwoNeuronReport,
    abs_config,
    asymmetric_motifs,
    computation_error,
    computed,
    computed_signs,
    dense_solution_loss,
    feature_neurons,
    find_motifs,
    gain_order,
    neuron_gains,
    sign_errors,
    single_feature_outputs,
    train_abs,
    two_neuron_features,
)
from .explorer import computation_explorer
from .figures import (
    ABS_CMAP,
    abs_weights_figure,
    computed_counts_figure,
    motif_figure,
    plot_abs_weights,
)

__all__ = [
    "ABS_CMAP",
    "COMPUTATION_DENSITIES",
    "COMPUTED_THRESHOLD",
    "DENSITIES",
    "GRID",
    "Motif",
    "TwoNeuronReport",
    "abs_config",
    "abs_weights_figure",
    "asymmetric_motifs",
    "computation_error",
    "computation_explorer",
    "computed",
    "computed_counts_figure",
    "computed_signs",
    "dense_solution_loss",
    "feature_neurons",
    "find_motifs",
    "gain_order",
    "motif_figure",
    "neuron_gains",
    "plot_abs_weights",
    "sign_errors",
    "single_feature_outputs",
    "train_abs",
    "two_neuron_features",
]
