"""Live explorers: sliders that retrain toy models and redraw their geometry.

Works with ipywidgets 7.7 (Colab) and 8. The figure lives in an ``Output`` that is cleared and
redrawn on every retrain (``clear_output(wait=True)``), so figures replace each other instead of
piling up, and sliders that retrain use ``continuous_update=False``. The explorer also carries a PNG
of its current figure in its display data, so a saved notebook shows the figure where widgets do
not render (GitHub, nbviewer).
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import Image, display

from .attacks import ATTACKS, attack_budget, no_superposition_model, vulnerability
from .computation import neuron_order, train_abs, two_neuron_features
from .config import Config, decaying_importance
from .data import generate_batch
from .dynamics import Dynamics, analyze, log_snapshot_steps, planar_levels, train_with_snapshots
from .geometry import summarize_factors, tegum_factors
from .metrics import dimensions_per_feature, find_motifs, represented
from .models import ToyModel
from .nonuniform import PerturbationSweep, set_geometry
from .plots import (
    TrainingFrame,
    add_phase_legend,
    figure_png,
    geometry_snapshot,
    plot_abs_weights,
    plot_feature_sets,
    plot_features_2d,
    plot_gram,
    plot_phase_diagram,
    plot_weights_1d,
    privileged_snapshot,
    robustness_snapshot,
    superposition_figure,
    sweep_point_figure,
)
from .privileged import count_neurons, train_privileged
from .theory import (
    THREE_IN_TWO,
    TWO_IN_ONE,
    PhaseDiagram,
    PhaseProblem,
    classify,
    paper_phase_diagram,
    train_best_of_exact,
)
from .train import train_best_of

__all__ = [
    "IntroResult",
    "intro_explorer",
    "train_intro_model",
    "SuperpositionResult",
    "superposition_explorer",
    "train_superposition_model",
    "SPARSITY_CHOICES",
]


@dataclass
class IntroResult:
    """One retrain of the explorer: the best restart's ``W (2, features)``, importance, loss, time."""

    W: torch.Tensor
    importance: torch.Tensor
    loss: float
    seconds: float


def train_intro_model(
    sparsity: float, decay: float, n_features: int, seed: int, restarts: int = 8
) -> IntroResult:
    """Train ``restarts`` copies of an ``n_features → 2`` ReLU-output model and keep the lowest-loss one."""
    r = train_superposition_model(sparsity, "relu", decay, seed, restarts, n_features, n_hidden=2)
    return IntroResult(
        W=r.W, importance=decaying_importance(n_features, decay), loss=r.loss, seconds=r.seconds
    )


def _intro_png(r: IntroResult, sparsity: float) -> bytes:
    fig, (left, right) = plt.subplots(1, 2, figsize=(6.4, 3.0), layout="constrained")
    n_rep = int((r.W.norm(dim=0) > 0.5).sum())
    plot_features_2d(
        r.W,
        r.importance,
        ax=left,
        title=f"S = {sparsity:.2f}: {n_rep} of {r.W.shape[1]} represented",
    )
    plot_gram(r.W, ax=right, title="WᵀW")
    return figure_png(fig)


class _Explorer(widgets.VBox):
    """A VBox whose display data also holds a PNG of the current figure (static fallback)."""

    png: bytes = b""

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        data = super()._repr_mimebundle_(**kwargs)
        if self.png and isinstance(data, dict):
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        return data


def intro_explorer(
    *,
    sparsity: float = 0.9,
    decay: float = 0.9,
    n_features: int = 5,
    seed: int = 0,
    restarts: int = 8,
) -> widgets.VBox:
    """Sliders for sparsity, importance decay, number of features (2-8) and seed; each change
    retrains an ``n → 2`` model (best of ``restarts`` by loss) and redraws arrows and ``WᵀW``.

    The sparsity slider has the CSS class ``toy-sparsity`` and the figure output ``toy-figure``
    (the browser test finds them by these).
    """
    style = {"description_width": "110px"}
    common = {"continuous_update": False, "style": style, "layout": widgets.Layout(width="420px")}
    s_slider = widgets.FloatSlider(
        value=sparsity, min=0.0, max=0.99, step=0.01, description="sparsity", **common
    )
    d_slider = widgets.FloatSlider(
        value=decay, min=0.5, max=1.0, step=0.05, description="importance decay", **common
    )
    n_slider = widgets.IntSlider(value=n_features, min=2, max=8, description="features", **common)
    seed_slider = widgets.IntSlider(value=seed, min=0, max=20, description="seed", **common)
    s_slider.add_class("toy-sparsity")

    def render() -> tuple[bytes, str]:
        r = train_intro_model(
            s_slider.value, d_slider.value, n_slider.value, seed_slider.value, restarts
        )
        status = f"best of {restarts} restarts by loss: loss {r.loss:.4f}, retrained in {r.seconds:.2f} s"
        return _intro_png(r, s_slider.value), status

    controls = widgets.HBox(
        [widgets.VBox([s_slider, d_slider]), widgets.VBox([n_slider, seed_slider])]
    )
    return _live_explorer(controls, (s_slider, d_slider, n_slider, seed_slider), render, "300px")


def _live_explorer(
    controls: widgets.Widget,
    inputs: Sequence[widgets.Widget],
    render: Callable[[], tuple[bytes, str]],
    min_height: str,
) -> _Explorer:
    """``controls`` above a status line and an ``Output`` (CSS class ``toy-figure``) with the figure.

    Now and on every change of a widget in ``inputs``, ``render()`` retrains and returns the new
    figure as PNG bytes and a status text; an exception shows in the status line instead. The box
    carries the CSS class ``toy-explorer`` and ``inputs[0]`` the class ``toy-primary``: the
    browser test drives every explorer through them.
    """
    status = widgets.HTML()
    out = widgets.Output(layout=widgets.Layout(min_height=min_height))
    out.add_class("toy-figure")
    inputs[0].add_class("toy-primary")
    box = _Explorer([controls, status, out])
    box.add_class("toy-explorer")

    def retrain(_change: object = None) -> None:
        status.value = "<i>training…</i>"
        try:
            box.png, message = render()
        except Exception as exc:  # noqa: BLE001 - a widget callback must report, never die silently
            status.value = f"<b style='color:#b00'>error: {type(exc).__name__}: {exc}</b>"
            return
        with out:
            out.clear_output(wait=True)
            display(Image(data=box.png))
        status.value = message

    for w in inputs:
        w.observe(retrain, names="value")
    retrain()
    return box


# Section 3 (demonstrating superposition): n = 20 features in m = 5 dimensions, linear or ReLU output.

SPARSITY_CHOICES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 0.997, 0.999)


@dataclass
class SuperpositionResult:
    """One retrain: the best restart's ``W (hidden, features)`` and ``b (features,)``, loss, time."""

    W: torch.Tensor
    b: torch.Tensor
    loss: float
    seconds: float


def train_superposition_model(
    sparsity: float,
    output: str = "relu",
    decay: float = 0.7,
    seed: int = 0,
    restarts: int = 8,
    n_features: int = 20,
    n_hidden: int = 5,
) -> SuperpositionResult:
    """Train ``restarts`` copies of an ``n_features → n_hidden`` model with importance ``decay**i``
    (``output`` ``"relu"`` or ``"linear"``) and keep the lowest-loss one."""
    start = time.perf_counter()
    cfg = Config(
        n_features=n_features,
        n_hidden=n_hidden,
        feature_probability=1.0 - sparsity,
        importance=decaying_importance(n_features, decay),
    )
    result = train_best_of(cfg, k=restarts, output=output, seed=seed, progress=False)
    return SuperpositionResult(
        W=result.model.W[0].detach().clone(),
        b=result.model.b[0].detach().clone(),
        loss=float(result.losses[0].min()),
        seconds=time.perf_counter() - start,
    )


def superposition_explorer(
    *,
    sparsity: float = 0.99,
    output: str = "relu",
    decay: float = 0.7,
    seed: int = 0,
    restarts: int = 8,
) -> widgets.VBox:
    """Pick a sparsity (one of :data:`SPARSITY_CHOICES`), the output (ReLU or linear), the
    importance decay and a seed; each change retrains a 20 → 5 model (best of ``restarts`` by loss)
    and redraws ``WᵀW`` with ``b`` and the ``||W_i||`` bars coloured by superposition.
    """
    if sparsity not in SPARSITY_CHOICES:
        raise ValueError(f"sparsity={sparsity!r} is not allowed: choose one of {SPARSITY_CHOICES}")
    style = {"description_width": "110px"}
    common = {"style": style, "layout": widgets.Layout(width="420px")}
    s_slider = widgets.SelectionSlider(
        options=SPARSITY_CHOICES,
        value=sparsity,
        description="sparsity",
        continuous_update=False,
        **common,
    )
    kind = widgets.ToggleButtons(options=["relu", "linear"], value=output, description="output")
    kind.style.description_width = "110px"
    d_slider = widgets.FloatSlider(
        value=decay,
        min=0.5,
        max=1.0,
        step=0.05,
        description="importance decay",
        continuous_update=False,
        **common,
    )
    seed_slider = widgets.IntSlider(
        value=seed, min=0, max=20, description="seed", continuous_update=False, **common
    )

    def render() -> tuple[bytes, str]:
        r = train_superposition_model(
            s_slider.value, kind.value, d_slider.value, seed_slider.value, restarts
        )
        fig = superposition_figure(
            r.W[None], r.b[None], [f"{kind.value} output, S = {s_slider.value:g}"]
        )
        n_rep = int(represented(r.W).sum())
        status = (
            f"best of {restarts} restarts by loss: loss {r.loss:.3g}, {n_rep} of "
            f"{r.W.shape[1]} features represented, retrained in {r.seconds:.1f} s"
        )
        return figure_png(fig, dpi=100), status

    controls = widgets.HBox([widgets.VBox([s_slider, kind]), widgets.VBox([d_slider, seed_slider])])
    return _live_explorer(controls, (s_slider, kind, d_slider, seed_slider), render, "420px")


# Section 5 (uniform superposition): browse the models of a trained sparsity sweep.

__all__ += ["geometry_explorer"]


def geometry_explorer(
    W: torch.Tensor, density: torch.Tensor, *, index: int = 0, **factor_kwargs: float
) -> widgets.VBox:
    """A slider over the models of a trained sweep; each position shows that model's ``D_i``
    histogram and the polytopes found among its tegum factors. Nothing is retrained, so it is fast.

    ``W: (instances, hidden, features)``, ``density: (instances,)`` the density ``1 − S`` of each
    model; ``index`` is the model shown first. ``factor_kwargs`` go to
    :func:`geometry.tegum_factors`. The slider has the CSS class ``toy-sparsity``.
    """
    W = torch.as_tensor(W).detach()
    p = torch.as_tensor(density, dtype=torch.float32).reshape(-1)
    if W.dim() != 3 or p.shape[0] != W.shape[0]:
        raise ValueError(
            f"W has shape {tuple(W.shape)} and density {tuple(p.shape)}: they must be "
            "(instances, hidden, features) and (instances,)"
        )
    if not 0 <= index < W.shape[0]:
        raise ValueError(f"index={index!r} is not allowed: it must be in [0, {W.shape[0]})")
    options = [(f"{1 / float(v):.2f}", k) for k, v in enumerate(p)]
    slider = widgets.SelectionSlider(
        options=options,
        value=index,
        description="1/(1−S)",
        continuous_update=False,
        style={"description_width": "110px"},
        layout=widgets.Layout(width="520px"),
    )
    slider.add_class("toy-sparsity")
    dstar = dimensions_per_feature(W)
    n_rep = represented(W).sum(-1)

    def render() -> tuple[bytes, str]:
        k = slider.value
        factors = tegum_factors(W[k], **factor_kwargs)
        title = f"1/(1−S) = {1 / float(p[k]):.2f} (S = {1 - float(p[k]):.3f}), D* = {dstar[k]:.3f}"
        status = (
            f"{int(n_rep[k])} of {W.shape[2]} features represented; tegum factors: "
            f"{summarize_factors(factors)}"
        )
        return figure_png(geometry_snapshot(W[k], factors, title=title)), status

    return _live_explorer(slider, (slider,), render, "300px")


# Section 5 (non-uniform superposition): a pre-trained density sweep, and correlated feature sets.

__all__ += [
    "CORRELATION_STRUCTURES",
    "CorrelationResult",
    "correlation_explorer",
    "perturbation_explorer",
    "train_correlation_model",
]


def perturbation_explorer(sweep: PerturbationSweep, *, relative: float = 1.0) -> widgets.VBox:
    """Pick a point of a trained one-feature density sweep (:func:`nonuniform.perturbation_sweep`)
    and one of its restarts by loss rank; redraws that solution's arrows and where its loss sits.

    Nothing is retrained: the slider picks from the sweep, so it responds at once.
    """
    if not relative > 0:
        raise ValueError(f"relative={relative!r} is not allowed: it must be a density ratio > 0")
    rel = sweep.relative.tolist()
    start = min(range(len(rel)), key=lambda i: abs(math.log(rel[i] / relative)))
    style = {"description_width": "130px"}
    common = {"continuous_update": False, "style": style, "layout": widgets.Layout(width="440px")}
    point = widgets.SelectionSlider(
        options=[(f"{r:.3g}", i) for i, r in enumerate(rel)],
        value=start,
        description="relative density",
        **common,
    )
    k = sweep.W.shape[1]
    rank = widgets.IntSlider(value=1, min=1, max=k, description="restart (by loss)", **common)

    def render() -> tuple[bytes, str]:
        i = point.value
        j = int(sweep.losses[i].argsort()[rank.value - 1])
        status = (
            f"feature {sweep.feature} {rel[i]:.3g}× as dense as the others: restart "
            f"{rank.value} of {k} by loss is {sweep.labels[i, j]} (loss {float(sweep.losses[i, j]):.5f}); "
            f"the lowest-loss one is {sweep.best_labels[i]}"
        )
        return figure_png(sweep_point_figure(sweep, i, rank.value)), status

    return _live_explorer(widgets.VBox([point, rank]), (point, rank), render, "300px")


# Each structure: (n_features, n_hidden, correlated sets, anticorrelated sets).
CORRELATION_STRUCTURES: dict[str, tuple[int, int, tuple, tuple]] = {
    "2 correlated pairs (4 features, 2-D)": (4, 2, ((0, 1), (2, 3)), ()),
    "2 anticorrelated pairs (4 features, 2-D)": (4, 2, (), ((0, 1), (2, 3))),
    "correlated pair + anticorrelated pair (2-D)": (4, 2, ((0, 1),), ((2, 3),)),
    "4 independent features (2-D)": (4, 2, (), ()),
    "3 correlated pairs (6 features, 2-D)": (6, 2, ((0, 1), (2, 3), (4, 5)), ()),
    "correlated triple (3 features, 2-D)": (3, 2, ((0, 1, 2),), ()),
    "2 correlated triples (6 features, 3-D)": (6, 3, ((0, 1, 2), (3, 4, 5)), ()),
}
DENSITY_CHOICES = (0.003, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


@dataclass
class CorrelationResult:
    """One retrain: the best restart's ``W (hidden, features)``, its sets, loss and time."""

    W: torch.Tensor
    correlated: tuple
    anticorrelated: tuple
    loss: float
    seconds: float


def train_correlation_model(
    structure: str, density: float, seed: int = 0, restarts: int = 8
) -> CorrelationResult:
    """Train ``restarts`` copies of a :data:`CORRELATION_STRUCTURES` model, every feature at
    ``density`` (for anticorrelated sets: each member's own density), and keep the lowest-loss one."""
    if structure not in CORRELATION_STRUCTURES:
        raise ValueError(
            f"structure={structure!r} is not allowed: choose one of {list(CORRELATION_STRUCTURES)}"
        )
    n, m, corr, anti = CORRELATION_STRUCTURES[structure]
    start = time.perf_counter()
    cfg = Config(n, m, feature_probability=density, correlated=corr, anticorrelated=anti)
    result = train_best_of(cfg, k=restarts, seed=seed, progress=False)
    return CorrelationResult(
        W=result.model.W[0].detach().clone(),
        correlated=corr,
        anticorrelated=anti,
        loss=float(result.losses[0].min()),
        seconds=time.perf_counter() - start,
    )


def correlation_explorer(
    *,
    structure: str = "2 correlated pairs (4 features, 2-D)",
    density: float = 0.05,
    seed: int = 0,
    restarts: int = 8,
) -> widgets.VBox:
    """Pick a correlation structure (:data:`CORRELATION_STRUCTURES`), a feature density and a seed;
    each change retrains the small model (best of ``restarts`` by loss) and redraws its feature
    directions coloured by set, with ``WᵀW``; the status line names each set's geometry."""
    if density not in DENSITY_CHOICES:
        raise ValueError(f"density={density!r} is not allowed: choose one of {DENSITY_CHOICES}")
    style = {"description_width": "110px"}
    layout = widgets.Layout(width="440px")
    choice = widgets.Dropdown(
        options=list(CORRELATION_STRUCTURES),
        value=structure,
        description="structure",
        style=style,
        layout=layout,
    )
    d_slider = widgets.SelectionSlider(
        options=DENSITY_CHOICES,
        value=density,
        description="density 1 − S",
        continuous_update=False,
        style=style,
        layout=layout,
    )
    seed_slider = widgets.IntSlider(
        value=seed,
        min=0,
        max=20,
        description="seed",
        continuous_update=False,
        style=style,
        layout=layout,
    )

    def render() -> tuple[bytes, str]:
        r = train_correlation_model(choice.value, d_slider.value, seed_slider.value, restarts)
        sets = list(r.correlated) + list(r.anticorrelated)
        fig = plt.figure(figsize=(7.0, 3.2), layout="constrained")
        projection = "3d" if r.W.shape[0] == 3 else None
        plot_feature_sets(
            r.W, sets, ax=fig.add_subplot(1, 2, 1, projection=projection), title=choice.value
        )
        plot_gram(r.W, ax=fig.add_subplot(1, 2, 2), title="WᵀW")
        kinds = ["correlated"] * len(r.correlated) + ["anticorrelated"] * len(r.anticorrelated)
        verdicts = [
            f"{kind} {tuple(s)}: {set_geometry(r.W, s)}"
            for kind, s in zip(kinds, sets, strict=True)
        ]
        status = (
            f"best of {restarts} restarts by loss: loss {r.loss:.4g}, retrained in "
            f"{r.seconds:.1f} s<br>" + ("<br>".join(verdicts) or "independent features")
        )
        return figure_png(fig), status

    controls = widgets.VBox([choice, d_slider, seed_slider])
    return _live_explorer(controls, (choice, d_slider, seed_slider), render, "300px")


# Section 4 (superposition as a phase change): retrain one cell of the phase diagram.

__all__ += ["PhaseCellResult", "phase_explorer", "train_phase_cell"]

PHASE_PROBLEMS = {"2 → 1": TWO_IN_ONE, "3 → 2": THREE_IN_TWO}


@dataclass
class PhaseCellResult:
    """One retrained cell: the best restart's ``W (m, n)`` and ``b (n,)``, its exact loss, its
    phase (an index into the problem's phases, −1 for none of them) and the time it took."""

    W: torch.Tensor
    b: torch.Tensor
    loss: float
    phase: int
    seconds: float


def train_phase_cell(
    problem: PhaseProblem, r: float, p: float, *, seed: int = 0, restarts: int = 8
) -> PhaseCellResult:
    """Train ``restarts`` models with extra-feature importance ``r`` and density ``p``, keep the
    lowest exact loss and classify it."""
    start = time.perf_counter()
    cfg = problem.config(torch.tensor([float(r)]), torch.tensor([float(p)]))
    best = train_best_of_exact(cfg, k=restarts, seed=seed, progress=False)
    W = best.model.W[0].detach().clone()
    return PhaseCellResult(
        W=W,
        b=best.model.b[0].detach().clone(),
        loss=float(best.losses[0].min()),
        phase=int(classify(W, problem)),
        seconds=time.perf_counter() - start,
    )


def _phase_name(problem: PhaseProblem, label: int) -> str:
    return problem.phases[label] if label >= 0 else "none of the candidates"


def _phase_png(diagram: PhaseDiagram, res: PhaseCellResult, i: int, j: int) -> bytes:
    problem, r, p = diagram.problem, diagram.r, diagram.p
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.7), layout="constrained")
    r_fine, p_fine = torch.logspace(-1, 1, 120), torch.logspace(-2, 0, 120)
    outline = (r_fine, p_fine, paper_phase_diagram(problem, r_fine, p_fine).labels)
    plot_phase_diagram(
        diagram.labels, r, p, problem.phases, ax=left, outline=outline,
        title="the theory (dashed: closed forms); ● this model",
    )  # fmt: skip
    left.scatter([float(r[i])], [float(p[j])], s=70, color="white", edgecolors="black", zorder=3)
    title = f"{problem.name}: {_phase_name(problem, res.phase)}"
    if problem.n_hidden == 1:
        plot_weights_1d(res.W, res.b, ax=right, title=title)
    else:
        importance = problem.importance(r[i]).float()
        plot_features_2d(
            res.W, importance, ax=right, title=f"{title}\n(arrow 2: the extra feature)"
        )
    add_phase_legend(fig, problem.phases)
    return figure_png(fig)


def phase_explorer(
    *,
    problem: str = "2 → 1",
    importance: float = 1.0,
    density: float = 0.1,
    seed: int = 0,
    restarts: int = 8,
    diagrams: dict[str, PhaseDiagram] | None = None,
) -> widgets.VBox:
    """Pick a problem (``"2 → 1"`` or ``"3 → 2"``) and a cell of its phase diagram (the extra
    feature's relative importance and the density; sliders start at the cell nearest
    ``importance`` and ``density``); each change retrains that model (best of ``restarts`` by exact
    loss) and shows its weights, its phase, and where it sits on the diagram.

    ``diagrams`` maps both problem names to theoretical diagrams on one shared grid (e.g. the
    optimised ones a notebook computed); by default, the paper's closed-form diagrams on 20
    log-spaced values of ``r`` in [0.1, 10] and of the density in [0.01, 1].
    """
    if problem not in PHASE_PROBLEMS:
        raise ValueError(
            f"problem={problem!r} is not allowed: choose one of {list(PHASE_PROBLEMS)}"
        )
    if diagrams is None:
        r_grid, p_grid = torch.logspace(-1, 1, 20), torch.logspace(-2, 0, 20)
        diagrams = {k: paper_phase_diagram(v, r_grid, p_grid) for k, v in PHASE_PROBLEMS.items()}
    first = diagrams.get(problem)
    if set(diagrams) != set(PHASE_PROBLEMS) or not all(
        torch.equal(d.r, first.r) and torch.equal(d.p, first.p) for d in diagrams.values()
    ):
        raise ValueError(
            f"diagrams has keys {list(diagrams)}: it must map each of {list(PHASE_PROBLEMS)} to a "
            "diagram, all on the same grid of r and p"
        )
    r_opts = [(f"{float(v):.3g}", i) for i, v in enumerate(first.r)]
    p_opts = [(f"{float(v):.3g}", j) for j, v in enumerate(first.p)]
    style = {"description_width": "150px"}
    common = {"continuous_update": False, "style": style, "layout": widgets.Layout(width="460px")}
    kind = widgets.ToggleButtons(options=list(PHASE_PROBLEMS), value=problem, description="problem")
    kind.style.description_width = "150px"
    r_slider = widgets.SelectionSlider(
        options=r_opts,
        value=int((first.r.log() - math.log(importance)).abs().argmin()),
        description="importance r of extra",
        **common,
    )
    p_slider = widgets.SelectionSlider(
        options=p_opts,
        value=int((first.p.log() - math.log(density)).abs().argmin()),
        description="density 1 − S",
        **common,
    )
    seed_slider = widgets.IntSlider(value=seed, min=0, max=20, description="seed", **common)

    def render() -> tuple[bytes, str]:
        diagram = diagrams[kind.value]
        prob, i, j = diagram.problem, r_slider.value, p_slider.value
        res = train_phase_cell(
            prob, float(diagram.r[i]), float(diagram.p[j]), seed=seed_slider.value,
            restarts=restarts,
        )  # fmt: skip
        status = (
            f"best of {restarts} restarts by exact loss: loss {res.loss:.3g}, "
            f"<b>{_phase_name(prob, res.phase)}</b>; the theory predicts "
            f"{_phase_name(prob, int(diagram.labels[i, j]))}; retrained in {res.seconds:.1f} s"
        )
        return _phase_png(diagram, res, i, j), status

    controls = widgets.VBox([kind, widgets.HBox([widgets.VBox([r_slider, p_slider]), seed_slider])])
    return _live_explorer(controls, (kind, r_slider, p_slider, seed_slider), render, "360px")


# Section 6 (learning dynamics): step through a run's snapshots, or retrain it from another start.

__all__ += ["DYNAMICS_DENSITIES", "INIT_SCALES", "dynamics_explorer", "train_dynamics"]

DYNAMICS_DENSITIES = (0.02, 0.03, 0.05, 0.1, 0.2)
INIT_SCALES = (0.01, 0.03, 0.1, 0.3, 1.0)


def train_dynamics(
    density: float = 0.05,
    init_scale: float = 0.1,
    seed: int = 0,
    *,
    n_features: int = 6,
    n_instances: int = 8,
    steps: int = 10_000,
) -> Dynamics:
    """Notebook 06's run: ``n_instances`` models of ``n_features`` equally important features in
    2 dimensions at feature density ``density``, started from ``init_scale`` times the Xavier
    initial ``W`` and trained with log-spaced snapshots, then measured against
    :func:`dynamics.planar_levels` (:func:`dynamics.analyze`)."""
    cfg = Config(n_features, 2, n_instances, feature_probability=density, importance=1.0)
    history = train_with_snapshots(
        cfg, steps=steps, init_scale=init_scale, seed=seed, progress=False
    )
    return analyze(history, planar_levels(n_features))


def _jump_status(run: Dynamics, instance: int) -> str:
    spans = [
        f"{j.label} (feature {j.feature}) at steps {int(run.steps[j.start]):,}–"
        f"{int(run.steps[j.end]):,}, loss −{j.loss_drop:.0%}"
        for j in run.coinciding(instance)
    ]
    found = "; ".join(spans) if spans else "no jump that coincides with a loss drop"
    n = run.W.shape[1]
    return (
        f"instance {instance}: {found}. {len(run.instances_with_jump)} of {n} instances show one."
    )


def dynamics_explorer(
    *,
    density: float = 0.05,
    init_scale: float = 0.1,
    seed: int = 0,
    instance: int = 0,
    steps: int = 10_000,
) -> widgets.VBox:
    """Density, initial-weight scale and seed retrain the 6 → 2 run of notebook 06 (8 instances,
    :func:`train_dynamics`); instance and step pick which model and snapshot to draw, without
    retraining. The figure is :class:`plots.TrainingFrame`: the arrows at that step, and the loss
    and every ``D_i`` over the whole run with a red line at the step.
    """
    if density not in DYNAMICS_DENSITIES:
        raise ValueError(f"density={density!r} is not allowed: choose one of {DYNAMICS_DENSITIES}")
    if init_scale not in INIT_SCALES:
        raise ValueError(f"init_scale={init_scale!r} is not allowed: choose one of {INIT_SCALES}")
    style = {"description_width": "110px"}
    common = {"continuous_update": False, "style": style, "layout": widgets.Layout(width="420px")}
    d_slider = widgets.SelectionSlider(
        options=DYNAMICS_DENSITIES, value=density, description="density 1 − S", **common
    )
    i_slider = widgets.SelectionSlider(
        options=INIT_SCALES, value=init_scale, description="initial scale", **common
    )
    seed_slider = widgets.IntSlider(value=seed, min=0, max=20, description="seed", **common)
    k_slider = widgets.IntSlider(value=instance, min=0, max=7, description="instance", **common)
    snaps = log_snapshot_steps(steps)
    t_slider = widgets.SelectionSlider(
        options=[(f"{s:,}", t) for t, s in enumerate(snaps)],
        value=len(snaps) - 1,
        description="step",
        **common,
    )
    t_slider.add_class("toy-step")
    cache: dict[tuple, Dynamics] = {}

    def render() -> tuple[bytes, str]:
        key = (d_slider.value, i_slider.value, seed_slider.value)
        start = time.perf_counter()
        if key not in cache:
            cache.clear()  # one run at a time: a run holds every snapshot
            cache[key] = train_dynamics(*key, steps=steps)
        run = cache[key]
        frame = TrainingFrame(run, k_slider.value)
        frame.set_snapshot(t_slider.value)
        status = f"{_jump_status(run, k_slider.value)} ({time.perf_counter() - start:.1f} s)"
        return figure_png(frame.fig), status

    controls = widgets.HBox(
        [widgets.VBox([d_slider, i_slider, seed_slider]), widgets.VBox([k_slider, t_slider])]
    )
    inputs = (d_slider, i_slider, seed_slider, k_slider, t_slider)
    return _live_explorer(controls, inputs, render, "300px")


# Section 7 (adversarial robustness): the models of a trained sparsity sweep, attacked live.

__all__ += ["robustness_explorer"]


def _one_instance(model: ToyModel, k: int) -> ToyModel:
    """A copy of instance ``k`` of ``model`` as a model of its own (one instance)."""
    cfg = model.cfg
    one = ToyModel(
        Config(
            n_features=cfg.n_features,
            n_hidden=cfg.n_hidden,
            n_instances=1,
            feature_probability=cfg.probability[k : k + 1],
            importance=cfg.importances[k : k + 1],
            correlated=cfg.correlated,
            anticorrelated=cfg.anticorrelated,
        ),
        output=model.output,
    )
    with torch.no_grad():
        one.W.copy_(model.W[k : k + 1])
        one.b.copy_(model.b[k : k + 1])
    return one


def robustness_explorer(
    model: ToyModel,
    sparsity: Sequence[float],
    *,
    index: int | None = None,
    fraction: float = 0.1,
    n_examples: int = 4096,
    seed: int = 0,
) -> widgets.VBox:
    """Attack the models of a trained sparsity sweep: a slider picks a model (instance ``k`` of
    ``model`` was trained at ``sparsity[k]``; ``index`` is the one shown first, default the
    sparsest), another the budget as a fraction of the mean norm of the nonzero inputs
    (:func:`attacks.attack_budget`). Each change draws ``n_examples`` inputs, runs every attack in
    :data:`attacks.ATTACKS` on that model and redraws its ``WᵀW`` beside each attack's vulnerability.

    Nothing is retrained, so it responds in about a second. The sparsity slider has the CSS class
    ``toy-sparsity``.
    """
    s = [float(v) for v in sparsity]
    n = model.cfg.n_instances
    if len(s) != n:
        raise ValueError(
            f"sparsity has {len(s)} values and the model {n} instances: give one sparsity per instance"
        )
    index = n - 1 if index is None else index
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
        raise ValueError(f"index={index!r} is not allowed: it must be an integer in [0, {n})")
    style = {"description_width": "150px"}
    common = {"continuous_update": False, "style": style, "layout": widgets.Layout(width="460px")}
    s_slider = widgets.SelectionSlider(
        options=[(f"{v:g}", k) for k, v in enumerate(s)],
        value=index,
        description="sparsity S",
        **common,
    )
    s_slider.add_class("toy-sparsity")
    f_slider = widgets.FloatSlider(
        value=fraction, min=0.02, max=3.0, step=0.02, description="budget (× mean ‖x‖)", **common
    )
    W = model.W.detach()
    inverse_dstar = 1.0 / dimensions_per_feature(W)
    n_rep = represented(W).sum(-1)

    def render() -> tuple[bytes, str]:
        start = time.perf_counter()
        k = s_slider.value
        one = _one_instance(model, k)
        generator = torch.Generator().manual_seed(seed)
        x = generate_batch(one.feature_probability, n_examples, generator=generator)
        eps = attack_budget(x, f_slider.value)
        reference = no_superposition_model(one.cfg, one.output)
        values = {
            name: float(vulnerability(one, x, eps, attack, reference))
            for name, attack in ATTACKS.items()
        }
        title = f"S = {s[k]:g}: WᵀW, 1/D* = {float(inverse_dstar[k]):.2f}"
        status = (
            f"{int(n_rep[k])} of {W.shape[2]} features represented; budget ε = {float(eps):.3f} "
            f"({f_slider.value:.2f} × the mean norm of the nonzero inputs); "
            f"{n_examples} inputs attacked in {time.perf_counter() - start:.1f} s"
        )
        return figure_png(robustness_snapshot(W[k], values, title=title)), status

    return _live_explorer(widgets.VBox([s_slider, f_slider]), (s_slider, f_slider), render, "270px")


# Section 8 (privileged basis): retrain the 10 → 5 ReLU-hidden model at a chosen density.

__all__ += ["PRIVILEGED_DENSITIES", "privileged_explorer"]

PRIVILEGED_DENSITIES = (1.0, 0.75, 0.5, 0.35, 0.25, 0.15, 0.1, 0.06, 0.04, 0.02, 0.01)


def privileged_explorer(
    *,
    density: float = 0.15,
    decay: float = 0.75,
    hidden_activation: str = "relu",
    seed: int = 0,
    restarts: int = 4,
    steps: int = 10_000,
) -> widgets.VBox:
    """Pick a density (one of :data:`PRIVILEGED_DENSITIES`), the importance decay, the hidden
    activation (ReLU: a privileged basis; linear: none) and a seed; each change retrains the §8
    model (10 features, 5 neurons, best of ``restarts`` by loss, ``steps`` steps) and redraws each
    neuron's stacked input weights beside its monosemanticity.
    """
    if density not in PRIVILEGED_DENSITIES:
        raise ValueError(
            f"density={density!r} is not allowed: choose one of {PRIVILEGED_DENSITIES}"
        )
    style = {"description_width": "110px"}
    common = {"style": style, "layout": widgets.Layout(width="420px"), "continuous_update": False}
    d_slider = widgets.SelectionSlider(
        options=PRIVILEGED_DENSITIES, value=density, description="density 1 − S", **common
    )
    decay_slider = widgets.FloatSlider(
        value=decay, min=0.5, max=1.0, step=0.05, description="importance decay", **common
    )
    hidden = widgets.ToggleButtons(
        options=["relu", "linear"], value=hidden_activation, description="hidden layer"
    )
    hidden.style.description_width = "110px"
    seed_slider = widgets.IntSlider(value=seed, min=0, max=20, description="seed", **common)

    def render() -> tuple[bytes, str]:
        start = time.perf_counter()
        r = train_privileged(
            [d_slider.value],
            restarts=restarts,
            hidden_activation=hidden.value,
            seed=seed_slider.value,
            decay=decay_slider.value,
            steps=steps,
            progress=False,
        )
        W = r.model.W.detach()
        c = count_neurons(W)
        title = f"{hidden.value} hidden layer, density {d_slider.value:g}"
        status = (
            f"{int(c.monosemantic[0])} monosemantic, {int(c.polysemantic[0])} polysemantic, "
            f"{int(c.dead[0])} dead neurons; best of {restarts} restarts by loss "
            f"(loss {float(r.losses[0].min()):.4f}), retrained in {time.perf_counter() - start:.1f} s"
        )
        return figure_png(privileged_snapshot(W[0], title=title), dpi=90), status

    controls = widgets.HBox(
        [widgets.VBox([d_slider, decay_slider]), widgets.VBox([hidden, seed_slider])]
    )
    return _live_explorer(controls, (d_slider, decay_slider, hidden, seed_slider), render, "300px")


# Section 9: computation in superposition

__all__ += ["COMPUTATION_DENSITIES", "computation_explorer"]

COMPUTATION_DENSITIES = (1.0, 0.5, 0.35, 0.2, 0.1, 0.05, 0.02, 0.01)


def computation_explorer(
    *,
    density: float = 0.1,
    n_features: int = 20,
    n_hidden: int = 10,
    seed: int = 0,
    restarts: int = 4,
    steps: int = 5000,
) -> widgets.VBox:
    """Sliders for the density, the number of neurons and the seed; each change retrains an
    ``n_features → n_hidden`` absolute-value model (best of ``restarts`` by loss, ``steps`` steps)
    and redraws its ``W₁`` and ``W₂ᵀ`` (neurons sorted by the feature they serve), marking the
    neurons that host an asymmetric motif (:func:`toy_lib.metrics.asymmetric_motifs`).

    The density slider has the CSS class ``toy-sparsity``.
    """
    style = {"description_width": "110px"}
    common = {"continuous_update": False, "style": style, "layout": widgets.Layout(width="420px")}
    options = sorted(set(COMPUTATION_DENSITIES) | {float(density)}, reverse=True)
    d_slider = widgets.SelectionSlider(
        options=[(f"{v:g}", v) for v in options], value=float(density), description="density",
        **common,
    )  # fmt: skip
    m_slider = widgets.IntSlider(value=n_hidden, min=2, max=20, description="neurons", **common)
    seed_slider = widgets.IntSlider(value=seed, min=0, max=20, description="seed", **common)
    d_slider.add_class("toy-sparsity")

    def render() -> tuple[bytes, str]:
        start = time.perf_counter()
        m = m_slider.value
        run = train_abs(
            d_slider.value, n_features=n_features, n_hidden=m, restarts=restarts,
            seed=seed_slider.value, steps=steps, progress=False, eval_samples=16_384,
        )  # fmt: skip
        model = run.model
        report = two_neuron_features(model)
        motifs = find_motifs(model.W1, model.W2, model.b)[0]
        order = neuron_order(model.W1, model.W2)[0]
        fig, axes = plt.subplots(2, 1, figsize=(6.4, 4.2), sharex=True, layout="constrained")
        title = f"density {d_slider.value:g}: {n_features} features, {m} neurons"
        plot_abs_weights(
            model.W1[0], model.W2[0], axes=axes, order=order, title=title,
            mark=sorted({mo.neuron for mo in motifs}),
        )  # fmt: skip
        pairs = ", ".join(f"{mo.strong}→{mo.weak} (neuron {mo.neuron})" for mo in motifs[:4])
        status = (
            f"{int(report.n_computed[0])} features computed (m/2 = {m / 2:g}), "
            f"{int(report.n_two_neuron[0])} of them on two dedicated neurons; "
            f"{len(motifs)} asymmetric motif(s){': ' + pairs if pairs else ''}"
            f"{' …' if len(motifs) > 4 else ''} (▶ marks their neurons). Best of {restarts} "
            f"restarts by loss ({float(run.losses.min()):.4f}), retrained in "
            f"{time.perf_counter() - start:.1f} s"
        )
        return figure_png(fig), status

    controls = widgets.VBox([d_slider, m_slider, seed_slider])
    return _live_explorer(controls, (d_slider, m_slider, seed_slider), render, "360px")
