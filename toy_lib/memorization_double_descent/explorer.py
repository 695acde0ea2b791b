"""Notebook 11's live explorer: pick a training-set size, a data set and a weight decay, and see the
features, the training points and where the model sits on the test-loss curve."""

from __future__ import annotations

import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..explorer import live_explorer, slider, toggle, training_previews
from ..figures import figure_png, small_type
from ..validate import check_int
from .data import SparseData
from .experiment import SIZES, Sweep, test_set, training_set
from .figures import plot_geometry
from .training import pack, sparse_loss, train_models

__all__ = ["WEIGHT_DECAYS", "memorization_explorer"]

#: The weight decays the explorer offers: the note's setting and its appendix's.
WEIGHT_DECAYS = (1e-2, 1.0)


def _figure(
    W: torch.Tensor, data: SparseData, curve: dict[int, float], point: tuple[int, float], title: str
) -> bytes:
    """Features and training points of one model ``W: (2, n)``, and the sweep's test-loss
    ``curve`` with this model's ``point`` (T, test loss) marked."""
    fig, axes = plt.subplots(1, 3, figsize=(9.0, 3.0), width_ratios=(1, 1, 1.5))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.17, top=0.8, wspace=0.25)
    plot_geometry(W, data, axes=axes[:2])
    right = axes[2]
    sizes = sorted(curve)
    right.plot(
        sizes, [curve[T] for T in sizes], color="k", marker="o", ms=3, lw=1, label="sweep (average)"
    )
    right.scatter([point[0]], [point[1]], s=60, color="tab:orange", zorder=3, label="this model")
    right.set_xscale("log")
    right.set_yscale("log")
    right.legend(fontsize=7, loc="upper left")
    small_type(right, xlabel="training-set size T", ylabel="test loss")
    fig.suptitle(title, fontsize=9)
    return figure_png(fig)


def memorization_explorer(
    sweep: Sweep, *, size: int = 10, data_seed: int = 0, weight_decay: float = 1e-2
) -> widgets.VBox:
    """Browse and retrain the notebook's models.

    Controls: the training-set size T (:data:`SIZES`), the data set (0-9) and the weight decay
    (:data:`WEIGHT_DECAYS`). A model the notebook's ``sweep`` already trained is shown at once;
    any other is trained with the sweep's setup (50,000 full-batch steps: from about 2 s at small T
    to 16 s at T = 2,000 on 2 cores), with previews while it trains, and kept for when you come
    back. The right panel marks the model's test loss on the sweep's average test-loss curve. The T
    slider has the CSS class ``toy-sparsity``.
    """
    if size not in SIZES:
        raise ValueError(f"size={size!r} is not allowed: choose one of {SIZES}")
    check_int("data_seed", data_seed, 0)
    if data_seed > 9:
        raise ValueError(f"data_seed={data_seed!r} is not allowed: choose 0 to 9")
    if weight_decay not in WEIGHT_DECAYS:
        raise ValueError(
            f"weight_decay={weight_decay!r} is not allowed: choose one of {WEIGHT_DECAYS}"
        )
    if sweep.setup.get("m") != 2:
        raise ValueError(
            f"the sweep has m = {sweep.setup.get('m')}: the explorer draws m = 2 models"
        )
    setup = dict(sweep.setup)
    curve = sweep.mean_test_loss()
    test = pack(test_set(setup))
    known: dict[tuple[int, int, float], tuple[torch.Tensor, float]] = {}
    for i in range(len(sweep.sizes)):
        key = (int(sweep.sizes[i]), int(sweep.data_seeds[i]), float(setup["weight_decay"]))
        known[key] = (sweep.W[i], float(sweep.test_loss[i]))
    T_slider = slider("select", "training points T", size, list(SIZES))
    T_slider.add_class("toy-sparsity")
    seed_slider = slider("int", "data set", data_seed, (0, 9))
    decay = toggle("weight decay", list(WEIGHT_DECAYS), weight_decay)

    def title(T: int, seed: int, wd: float) -> str:
        return f"T = {T} training points, data set {seed}, weight decay {wd:g}"

    def render() -> tuple[bytes, str]:
        T, seed, wd = T_slider.value, seed_slider.value, float(decay.value)
        data = training_set(T, seed, setup)
        key = (T, seed, wd)
        start = time.perf_counter()
        trained = key not in known
        if trained:

            def preview(params: dict[str, torch.Tensor]) -> bytes:
                W = params["W"][0]
                return _figure(
                    W,
                    data,
                    curve,
                    (T, sparse_loss(W, params["b"][0], test)),
                    f"{title(*key)} (training)",
                )

            with training_previews(preview):
                run = train_models(
                    [data], 2, steps=setup["steps"], warmup_steps=setup["warmup_steps"],
                    lr=setup["lr"], weight_decay=wd, init_seeds=[seed], progress=False,
                )  # fmt: skip
            known[key] = (run.W[0], sparse_loss(run.W[0], run.b[0], test))
        W, loss = known[key]
        how = (
            f"trained in {time.perf_counter() - start:.1f} s"
            if trained
            else "from the notebook's sweep"
        )
        status = f"{title(*key)}: test loss {loss:.4g} ({how})."
        return _figure(W, data, curve, (T, loss), title(*key)), status

    controls = widgets.VBox([T_slider, widgets.HBox([seed_slider, decay])])
    return live_explorer(controls, (T_slider, seed_slider, decay), render, "320px")
