"""§5 (notebook 04): The geometry of superposition, uniform: dimensions per feature and polytopes.

Paper section: https://transformer-circuits.pub/2022/toy_model/index.html#geometry-uniform
"""

from .experiment import (
    SWEEP_SIZES,
    UNIFORM_POLYTOPES,
    Polytope,
    TegumFactor,
    clearest_examples,
    cluster_counts,
    factor_labels,
    fraction_counts,
    longest_run_near,
    polytope_census,
    polytope_edges,
    polytope_vertices,
    project_to_span,
    summarize_factors,
    tegum_factors,
    uniform_sweep,
)
from .explorer import geometry_explorer
from .figures import (
    POLYTOPE_COLORS,
    dimensionality_figure,
    geometry_snapshot,
    plot_dimensionality_histogram,
    plot_dimensions_per_feature,
    plot_feature_dimensionality,
    plot_polytope,
    polytope_gallery,
)

__all__ = [
    "POLYTOPE_COLORS",
    "Polytope",
    "SWEEP_SIZES",
    "TegumFactor",
    "UNIFORM_POLYTOPES",
    "clearest_examples",
    "cluster_counts",
    "dimensionality_figure",
    "factor_labels",
    "fraction_counts",
    "geometry_explorer",
    "geometry_snapshot",
    "longest_run_near",
    "plot_dimensionality_histogram",
    "plot_dimensions_per_feature",
    "plot_feature_dimensionality",
    "plot_polytope",
    "polytope_census",
    "polytope_edges",
    "polytope_gallery",
    "polytope_vertices",
    "project_to_span",
    "summarize_factors",
    "tegum_factors",
    "uniform_sweep",
]
