"""toy_lib: helpers for the superposition course (Toy Models of Superposition, Elhage et al. 2022).

Typical use::

    import toy_lib as tl
    cfg = tl.Config(n_features=5, n_hidden=2, n_instances=3, feature_probability=[1.0, 0.2, 0.1],
                    importance=tl.decaying_importance(5, 0.9))
    model = tl.ToyModel(cfg, output="relu")
    history = tl.train(model, seed=0)
    tl.feature_norms(model.W)
"""

from . import (
    adversarial_robustness,
    checks,
    computation_in_superposition,
    demonstrating_superposition,
    explorer,
    figures,
    geometry_nonuniform,
    geometry_uniform,
    learning_dynamics,
    memorization_double_descent,
    metrics,
    phase_change,
    privileged_basis,
    sparse_autoencoders,
    superposition_at_a_glance,
    validate,
    widgets,
)
from .config import Config, decaying_importance, density_from_sparsity
from .data import generate_batch
from .metrics import (
    angular_gaps,
    cosine_similarity,
    dimensions_per_feature,
    feature_dimensionality,
    feature_norms,
    represented,
    superposition,
)
from .models import AbsModel, ToyModel
from .train import (
    BestOf,
    History,
    TrainingDiverged,
    evaluate_loss,
    lr_schedule,
    train,
    train_best_of,
)

__version__ = "0.1.0"

__all__ = [
    "AbsModel",
    "BestOf",
    "Config",
    "History",
    "ToyModel",
    "TrainingDiverged",
    "adversarial_robustness",
    "checks",
    "angular_gaps",
    "computation_in_superposition",
    "cosine_similarity",
    "decaying_importance",
    "demonstrating_superposition",
    "density_from_sparsity",
    "dimensions_per_feature",
    "evaluate_loss",
    "explorer",
    "feature_dimensionality",
    "feature_norms",
    "figures",
    "generate_batch",
    "geometry_nonuniform",
    "geometry_uniform",
    "learning_dynamics",
    "lr_schedule",
    "memorization_double_descent",
    "metrics",
    "phase_change",
    "privileged_basis",
    "represented",
    "sparse_autoencoders",
    "superposition",
    "superposition_at_a_glance",
    "train",
    "train_best_of",
    "validate",
    "widgets",
]
