"""Section 7's live explorer: the models of a trained sparsity sweep, attacked live."""

from __future__ import annotations

import time
from collections.abc import Sequence

import ipywidgets as widgets
import torch

from ..data import generate_batch
from ..explorer import live_explorer, slider, toggle
from ..figures import figure_png
from ..metrics import dimensions_per_feature, represented
from ..models import ToyModel
from ..validate import check_int
from .experiment import (
    ATTACKS,
    attack_budget,
    no_superposition_model,
    one_instance,
    vulnerabilities,
)
from .figures import robustness_snapshot
from .sweeps import train_restarts

__all__ = ["robustness_explorer"]


def robustness_explorer(
    model: ToyModel,
    sparsity: Sequence[float],
    *,
    index: int | None = None,
    fraction: float = 0.1,
    n_examples: int = 4096,
    seed: int = 0,
    restarts: int = 1,
) -> widgets.VBox:
    """Attack the models of a trained sparsity sweep: a slider picks a model (instance ``k`` of
    ``model`` was trained at ``sparsity[k]``; ``index`` is the one shown first, default the
    sparsest), another the budget as a fraction of the mean input norm, all-zero inputs included
    (:func:`attack_budget`). Each change draws ``n_examples`` inputs, runs every attack in
    :data:`ATTACKS` on that model and redraws its ``WᵀW`` beside each attack's vulnerability.

    Browsing retrains nothing, so it responds in about a second. With ``model`` set to
    ``retrain``, the chosen sparsity's model is trained again alone from the chosen seed, as
    :func:`train_family` trained the sweep (:func:`train_restarts`: the lowest loss of ``restarts``
    restarts) before it is attacked; the status line counts the steps meanwhile. The sparsity slider has the CSS class ``toy-sparsity``.
    """
    check_int("restarts", restarts)
    s = [float(v) for v in sparsity]
    n = model.cfg.n_instances
    if len(s) != n:
        raise ValueError(
            f"sparsity has {len(s)} values and the model {n} instances: give one sparsity per instance"
        )
    index = n - 1 if index is None else index
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
        raise ValueError(f"index={index!r} is not allowed: it must be an integer in [0, {n})")
    wide = {"width": "460px", "label_width": "150px"}
    s_slider = slider(
        "select", "sparsity S", index, [(f"{v:g}", k) for k, v in enumerate(s)], **wide
    )
    s_slider.add_class("toy-sparsity")
    f_slider = slider("float", "budget (× mean ‖x‖)", fraction, (0.02, 3.0, 0.02), **wide)
    source = toggle("model", ["sweep", "retrain"], "sweep", label_width="150px")
    seed_slider = slider("int", "retrain seed", 1, (1, 20), **wide)

    def render() -> tuple[bytes, str]:
        start = time.perf_counter()
        k = s_slider.value
        one = one_instance(model, k)
        where = "the sweep's model"
        if source.value == "retrain":
            one = train_restarts(one.cfg, restarts, seed_slider.value, one.output)
            where = f"retrained alone, seed {seed_slider.value}"
        Wk = one.W.detach()[0]
        generator = torch.Generator().manual_seed(seed)
        x = generate_batch(one.feature_probability, n_examples, generator=generator)
        eps = attack_budget(x, f_slider.value)
        reference = no_superposition_model(one.cfg, one.output)
        values = {
            name: float(v) for name, v in vulnerabilities(one, x, eps, ATTACKS, reference).items()
        }
        title = f"S = {s[k]:g}: WᵀW, 1/D* = {1 / float(dimensions_per_feature(Wk)):.2f}"
        status = (
            f"{where}: {int(represented(Wk).sum())} of {Wk.shape[1]} features represented; "
            f"budget ε = {float(eps):.3f} ({f_slider.value:.2f} × the mean input norm); "
            f"{n_examples} inputs attacked in {time.perf_counter() - start:.1f} s"
        )
        return figure_png(robustness_snapshot(Wk, values, title=title)), status

    controls = widgets.VBox([s_slider, f_slider, widgets.HBox([source, seed_slider])])
    inputs = (s_slider, f_slider, source, seed_slider)
    return live_explorer(controls, inputs, render, "270px")
