"""§3 (notebook 02): Demonstrating superposition: linear vs ReLU output across sparsity.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#demonstrating
"""

from .experiment import (
    SPARSITY_CHOICES,
    LossTerms,
    SuperpositionResult,
    linear_loss_terms,
    loss_decomposition,
    train_superposition_model,
)
from .explorer import superposition_explorer
from .figures import (
    SUPERPOSITION_CMAP,
    plot_feature_norms,
    plot_gram_and_bias,
    superposition_figure,
)

__all__ = [
    "LossTerms",
    "SPARSITY_CHOICES",
    "SUPERPOSITION_CMAP",
    "SuperpositionResult",
    "linear_loss_terms",
    "loss_decomposition",
    "plot_feature_norms",
    "plot_gram_and_bias",
    "superposition_explorer",
    "superposition_figure",
    "train_superposition_model",
]
