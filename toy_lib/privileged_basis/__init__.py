"""§8 (notebook 08): Superposition in a privileged basis: a ReLU hidden layer.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#privileged-basis
"""

from .experiment import (
    DEAD,
    DENSITIES,
    MONOSEMANTIC,
    NEURON_KINDS,
    POLYSEMANTIC,
    PRIVILEGED_DENSITIES,
    NeuronCounts,
    classify_neurons,
    count_neurons,
    neuron_order,
    privileged_config,
    train_privileged,
)
from .explorer import privileged_explorer
from .figures import (
    plot_monosemanticity,
    plot_neuron_weights,
    privileged_figure,
    privileged_snapshot,
)

__all__ = [
    "DEAD",
    "DENSITIES",
    "MONOSEMANTIC",
    "NEURON_KINDS",
    "NeuronCounts",
    "POLYSEMANTIC",
    "PRIVILEGED_DENSITIES",
    "classify_neurons",
    "count_neurons",
    "neuron_order",
    "plot_monosemanticity",
    "plot_neuron_weights",
    "privileged_config",
    "privileged_explorer",
    "privileged_figure",
    "privileged_snapshot",
    "train_privileged",
]
