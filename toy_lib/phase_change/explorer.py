"""Section 4's live explorer: retrain one cell of a phase diagram."""

from __future__ import annotations

import math

import ipywidgets as widgets
import torch

from ..explorer import live_explorer, slider, toggle
from .experiment import PHASE_PROBLEMS, PhaseDiagram, paper_phase_diagram, train_phase_cell
from .figures import phase_name, phase_png

__all__ = ["phase_explorer"]


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
    wide = {"width": "460px", "label_width": "150px"}
    kind = toggle("problem", list(PHASE_PROBLEMS), problem, label_width="150px")
    r_start = int((first.r.log() - math.log(importance)).abs().argmin())
    r_slider = slider("select", "importance r of extra", r_start, r_opts, **wide)
    p_start = int((first.p.log() - math.log(density)).abs().argmin())
    p_slider = slider("select", "density 1 − S", p_start, p_opts, **wide)
    seed_slider = slider("int", "seed", seed, (0, 20), **wide)

    def render() -> tuple[bytes, str]:
        diagram = diagrams[kind.value]
        prob, i, j = diagram.problem, r_slider.value, p_slider.value
        res = train_phase_cell(
            prob, float(diagram.r[i]), float(diagram.p[j]), seed=seed_slider.value,
            restarts=restarts,
        )  # fmt: skip
        status = (
            f"best of {restarts} restarts by exact loss: loss {res.loss:.3g}, "
            f"<b>{phase_name(prob, res.phase)}</b>; the theory predicts "
            f"{phase_name(prob, int(diagram.labels[i, j]))}; retrained in {res.seconds:.1f} s"
        )
        return phase_png(diagram, res, i, j), status

    controls = widgets.VBox([kind, widgets.HBox([widgets.VBox([r_slider, p_slider]), seed_slider])])
    return live_explorer(controls, (kind, r_slider, p_slider, seed_slider), render, "360px")
