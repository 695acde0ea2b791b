"""The evidence for the models' default start (issue 14): each section's headline outcome trained
from two starts, over seeds, with the notebook's own protocol otherwise.

The two starts (both normal draws with ``b = 0``, through the same code path, ``init_scale``):

- **A**, our default: a Xavier-normal draw per instance, std ``sqrt(2 / (n + m))``
  (``init_scale=1``).
- **B**, the Colab's: torch's ``xavier_normal_`` called on the whole stacked ``(instances, ...)``
  tensor, which torch reads as a convolution kernel. For the tied ``W`` the Colab stores
  ``(instances, n, m)``: std ``sqrt(2 / (n·m + instances·m))``. For §9's ``W1`` the public
  reproduction stores ``(instances, m, n)``: std ``sqrt(2 / (m·n + instances·n))`` (see
  ``toy_lib/models.py``). ``instances`` is the size of the stacked tensor the notebook trains
  (its instances times its restarts), so B depends on the notebook's protocol; B is applied as
  ``init_scale = std_B / sqrt(2 / (n + m))``, printed with each section.
- §9 also runs the notebook's own ``init_scale = 0.15``.

What each section measures (the notebook's headline outcome, fixed before the runs):

- §1 (notebook 01, 5 → 2, ``S = 0, 0.8, 0.9``, best of 8 by loss): the evaluated loss and whether
  the expected picture appears, by the notebook's own assertions (2 orthogonal features; two
  antipodal pairs with feature 4 dropped; a regular pentagon).
- §3 (notebook 02, 20 → 5 ReLU output, ``I = 0.7**i``, 7 sparsities, best of 8): loss and the
  number of represented features (``‖W_i‖ > 0.5``) per sparsity, and whether the notebook's
  assertions on the ReLU model hold. (The linear model is left out: it has no bad minima.)
- §5 (notebook 04, 200 → 20, importance 1, one model per density, no restarts): ``D*`` per density
  and the longest run of consecutive densities with ``D*`` within 0.03 of 1/2 (the notebook asks
  for 3). By default only densities 3-8 of the notebook's 20 (``1/(1-S)`` = 1.60 to 3.53, the
  plateau and the step before it) are trained, to save time; ``--s5 all`` trains all 20.
- §8 (notebook 08, 10 → 5 ReLU hidden, 7 densities, best of 8): monosemantic neurons per density
  (``privileged_basis.count_neurons``), loss, and whether the notebook's assertions hold.
- §9 (notebook 09's sweep, 100 → 40 absolute value, Adam lr 3e-3, 20,000 steps, best of 2): the
  loss over the hand-made dense solution's (``dense_solution_loss``; the notebook's yardstick:
  ≤ 1.1× at 1 and 0.3, < 1× from 0.03 down) and the features computed. By default only densities
  0.3 and 0.01 (``--s9`` picks others from the notebook's seven).

Every loss is the best restart's loss on the fixed evaluation sample (``evaluate_loss``, what the
notebooks choose by); ``train`` is the kept restart's mean training loss over the last 1% of
steps; ``med`` is torch's (lower) median over restarts, the 4th best of 8, i.e. how well a typical
restart does (§9 has 2 restarts, whose lower median is the best one, so §9 reports no median).

    python benchmarks/default_start.py                        # every section, seeds 0, 1, 2
    python benchmarks/default_start.py --sections 1 3 8 --seeds 0 1 2 3
    python benchmarks/default_start.py --sections 9 --s9 0.3 0.03 0.01 --json out.json

Prints one markdown table per section (per seed and start) and a summary table. Slow: for seeds
0, 1, 2 on one core of an otherwise idle AMD EPYC (extrapolated from 1,000-step timings), about
0.5 minutes for §1, 5 for §3, 9 for §5 (six densities), 2.5 for §8 and 17 for §9 (two densities,
three starts); on a loaded machine about twice that (``benchmarks/DEFAULT_START.md``: 40 minutes
for each of two processes).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable
from functools import partial

import torch
from machine import cpu_model

import toy_lib as tl
from toy_lib import computation_in_superposition as cis
from toy_lib import geometry_uniform as gu
from toy_lib import privileged_basis as pb
from toy_lib.computation_in_superposition.experiment import SWEEP_INIT_SCALE, SWEEP_TRAINING
from toy_lib.train import BestOf


def stacked_xavier_std(shape: tuple[int, ...]) -> float:
    """The std torch's ``xavier_normal_`` gives a tensor of ``shape`` (fan-in and fan-out as torch
    computes them: for ``(a, b, c)``, ``b·c`` and ``a·c``)."""
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    return math.sqrt(2.0 / (fan_in + fan_out))


def scale_b(n: int, m: int, instances: int, layout: str = "colab") -> float:
    """``init_scale`` that gives start B: the stacked ``xavier_normal_`` std over ours."""
    shape = (instances, n, m) if layout == "colab" else (instances, m, n)
    return stacked_xavier_std(shape) / math.sqrt(2.0 / (n + m))


def kept_train_loss(best: BestOf) -> torch.Tensor:
    """The kept restart's final training loss per instance: ``(instances,)``."""
    final = best.history.final_loss.reshape(best.losses.shape)
    return final[torch.arange(final.shape[0]), best.chosen]


def losses_of(best: BestOf) -> dict[str, list[float]]:
    return {
        "loss": best.losses.min(-1).values.tolist(),
        "med": best.losses.median(-1).values.tolist(),
        "train": kept_train_loss(best).tolist(),
    }


# §1 ------------------------------------------------------------------------------------------

S1_SPARSITIES = (0.0, 0.8, 0.9)


def s1_pictures(W: torch.Tensor) -> list[bool]:
    """Notebook 01's assertions, one verdict per sparsity."""
    rep, dims = tl.represented(W), tl.feature_dimensionality(W)
    ok0 = (
        rep[0].tolist() == [True, True, False, False, False]
        and abs(float(tl.angular_gaps(W[0]).min()) - 90) < 5
        and torch.allclose(dims[0, :2], torch.ones(2), atol=0.05)
    )
    ok1 = rep[1].tolist() == [True, True, True, True, False]
    if ok1:
        cos = tl.cosine_similarity(W[1, :, :4])
        ok1 = (
            torch.allclose(tl.angular_gaps(W[1]), torch.full((4,), 90.0), atol=5)
            and bool(((cos < -0.95).sum(dim=1) == 1).all())
            and torch.allclose(dims[1, :4], torch.full((4,), 0.5), atol=0.05)
        )
    ok2 = (
        bool(rep[2].all())
        and torch.allclose(tl.angular_gaps(W[2]), torch.full((5,), 72.0), atol=5)
        and torch.allclose(dims[2], torch.full((5,), 0.4), atol=0.05)
    )
    return [bool(ok0), bool(ok1), bool(ok2)]


def best_relu(
    n: int, m: int, decay: float, sparsities: tuple, seed: int, scale: float
) -> tl.BestOf:
    """Notebooks 01 and 02's protocol: ReLU output, importance ``decay**i``, one instance per
    sparsity, best of 8 by loss, from ``scale`` times the default start."""
    cfg = tl.Config(
        n,
        m,
        len(sparsities),
        feature_probability=tl.density_from_sparsity(list(sparsities)),
        importance=tl.decaying_importance(n, decay),
    )
    make = partial(tl.ToyModel, output="relu", init_scale=scale)
    return tl.train_best_of(cfg, k=8, seed=seed, make_model=make, progress=False)


def section1(seed: int, scale: float) -> dict:
    best = best_relu(5, 2, 0.9, S1_SPARSITIES, seed, scale)
    W = best.model.W.detach()
    return {**losses_of(best), "ok": s1_pictures(W), "features": tl.represented(W).sum(-1).tolist()}


# §3 ------------------------------------------------------------------------------------------

S3_SPARSITIES = (0.0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999)


def s3_checks(W: torch.Tensor) -> list[str]:
    """Notebook 02's assertions on the ReLU model; the names of those that fail."""
    rep, sup = tl.represented(W), tl.superposition(W)
    dedicated = rep & (sup < 0.1)
    pairs = tl.metrics.antipodal(W)
    top5 = torch.arange(20) < 5
    counts = rep.sum(-1)
    shared = (rep & ~dedicated).sum(-1)
    checks = {
        "dense = top 5": bool((rep[0] == top5).all() and (dedicated[0] == top5).all()),
        "count rises": bool((counts.diff() >= 0).all() and counts[-1] > counts[0]),
        "> 10 at sparsest": bool(counts[-1] > 10),
        "shared rises": bool((shared.diff() >= 0).all() and shared[-1] == counts[-1]),
        "dedicated = most important": bool(
            (dedicated == (torch.arange(20) < dedicated.sum(-1, keepdim=True))).all()
        ),
        "pairs first": all(
            bool(shared[k] > 0 and (pairs[k] == (rep[k] & ~dedicated[k])).all()) for k in (1, 2)
        ),
    }
    return [name for name, ok in checks.items() if not ok]


def section3(seed: int, scale: float) -> dict:
    best = best_relu(20, 5, 0.7, S3_SPARSITIES, seed, scale)
    W = best.model.W.detach()
    return {
        **losses_of(best),
        "features": tl.represented(W).sum(-1).tolist(),
        "fails": s3_checks(W),
    }


# §5 ------------------------------------------------------------------------------------------

S5_ALL = gu.uniform_sweep("colab").probability[:, 0]  # the notebook's 20 densities
S5_DEFAULT = tuple(range(3, 9))


def section5(seed: int, scale: float, indices: tuple[int, ...]) -> dict:
    density = S5_ALL[list(indices)]
    cfg = tl.Config(200, 20, len(indices), feature_probability=density, importance=1.0)
    model = tl.ToyModel(cfg, seed=seed, init_scale=scale)
    history = tl.train(model, seed=seed, progress=False)
    dstar = tl.dimensions_per_feature(model.W.detach())
    _, run = gu.longest_run_near(dstar, 0.5, 0.03)
    return {
        "loss": tl.evaluate_loss(model).tolist(),
        "train": history.final_loss.tolist(),
        "dstar": dstar.tolist(),
        "plateau": run,
    }


# §8 ------------------------------------------------------------------------------------------


def s8_checks(counts: pb.NeuronCounts) -> list[str]:
    """Notebook 08's assertions on the ReLU-hidden model; the names of those that fail."""
    mono = counts.monosemantic.tolist()
    checks = {
        "dense: top 5 mono": counts.mono_features[0] == [0, 1, 2, 3, 4],
        "mono never returns": all(a >= b for a, b in zip(mono, mono[1:], strict=False)),
        "0 < mono < 5 at 0.35": 0 < mono[1] < 5,
        "poly >= 4 at sparsest": int(counts.polysemantic[-2:].min()) >= 4,
        "mono = most important": all(f == list(range(len(f))) for f in counts.mono_features),
    }
    return [name for name, ok in checks.items() if not ok]


def section8(seed: int, scale: float) -> dict:
    cfg = pb.privileged_config(pb.DENSITIES)
    make = partial(tl.ToyModel, hidden_activation="relu", init_scale=scale)
    best = tl.train_best_of(cfg, 8, seed=seed, make_model=make, progress=False)
    counts = pb.count_neurons(best.model.W.detach())
    return {**losses_of(best), "mono": counts.monosemantic.tolist(), "fails": s8_checks(counts)}


# §9 ------------------------------------------------------------------------------------------

S9_DEFAULT = (0.3, 0.01)
S9_RESTARTS = 2  # train_sweep's


def section9(seed: int, scale: float, densities: tuple[float, ...]) -> dict:
    best = cis.train_abs(
        list(densities),
        restarts=S9_RESTARTS,
        seed=seed,
        init_scale=scale,
        progress=False,
        **SWEEP_TRAINING,
    )
    dense = cis.dense_solution_loss(best.model.cfg)
    report = cis.two_neuron_features(best.model)
    out = losses_of(best)
    return {
        **out,
        "ratio": (torch.tensor(out["loss"]) / dense).tolist(),
        "computed": report.n_computed.tolist(),
        "relus": report.n_relus.tolist(),
    }


# Running and printing ------------------------------------------------------------------------


def geo_mean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def run_section(
    name: str, starts: dict[str, float], seeds: list[int], fn: Callable[[int, float], dict]
) -> dict:
    print(f"\n### §{name}\n")
    print("starts: " + ", ".join(f"{s} init_scale={v:.4f}" for s, v in starts.items()))
    results: dict = {s: {} for s in starts}
    for seed in seeds:
        for start, scale in starts.items():
            t = time.perf_counter()
            results[start][seed] = fn(seed, scale)
            results[start][seed]["seconds"] = time.perf_counter() - t
            print(
                f"  seed {seed} start {start}: {results[start][seed]['seconds']:.0f} s", flush=True
            )
    return results


def fmt_loss(v: float) -> str:
    return f"{v:.4g}" if v >= 1e-3 else f"{v:.3e}"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def ratio_row(label: str, res: dict, key: str, start: str, n: int, seeds: list[int]) -> list[str]:
    """Geometric mean over seeds of ``start``'s ``key`` over A's, per setting."""
    cells = [
        f"{geo_mean([res[start][s][key][k] / res['A'][s][key][k] for s in seeds]):.2f}×"
        for k in range(n)
    ]
    return [label, *cells]


def report1(res: dict, seeds: list[int]) -> None:
    head = ["seed", "start", *(f"S={s}: loss, picture" for s in S1_SPARSITIES)]
    rows = [
        [str(s), st]
        + [f"{fmt_loss(r['loss'][k])} {'ok' if r['ok'][k] else 'NO'}" for k in range(3)]
        for s in seeds
        for st, by in res.items()
        for r in [by[s]]
    ]
    print_table(head, rows)
    for st in res:
        oks = [sum(res[st][s]["ok"][k] for s in seeds) for k in range(3)]
        print(f"\n{st}: expected picture in " + ", ".join(f"{o}/{len(seeds)}" for o in oks))
    print_table(["B / A"] + [f"S={s}" for s in S1_SPARSITIES], [
        ratio_row("best loss", res, "loss", "B", 3, seeds),
        ratio_row("median restart", res, "med", "B", 3, seeds),
    ])  # fmt: skip


def report_counts(
    res: dict, seeds: list[int], settings: list[str], key: str, label: str, extra: str
) -> None:
    n = len(settings)
    head = ["seed", "start", *(f"{x}: {label} (loss)" for x in settings), extra]
    rows = []
    for s in seeds:
        for st, by in res.items():
            r = by[s]
            cells = [f"{r[key][k]} ({fmt_loss(r['loss'][k])})" for k in range(n)]
            rows.append([str(s), st, *cells, ", ".join(r["fails"]) or "all hold"])
    print_table(head, rows)
    print_table(["B / A", *settings], [
        ratio_row("best loss", res, "loss", "B", n, seeds),
        ratio_row("median restart", res, "med", "B", n, seeds),
        ratio_row("kept restart's train loss", res, "train", "B", n, seeds),
    ])  # fmt: skip


def report5(res: dict, seeds: list[int], indices: tuple[int, ...]) -> None:
    settings = [f"{1 / float(S5_ALL[i]):.2f}" for i in indices]
    head = ["seed", "start", *(f"1/(1-S)={x}: D*" for x in settings), "run at 1/2", "mean loss"]
    rows = []
    for s in seeds:
        for st, by in res.items():
            r = by[s]
            cells = [f"{v:.3f}" for v in r["dstar"]]
            rows.append(
                [str(s), st, *cells, str(r["plateau"]), f"{statistics.fmean(r['loss']):.4g}"]
            )
    print_table(head, rows)
    print_table(["B / A", *settings], [
        ratio_row("loss", res, "loss", "B", len(settings), seeds),
        ratio_row("train loss", res, "train", "B", len(settings), seeds),
    ])  # fmt: skip


def report9(res: dict, seeds: list[int], densities: tuple[float, ...]) -> None:
    head = ["seed", "start", *(f"{d:g}: loss/dense, computed, ReLUs" for d in densities)]
    rows = []
    for s in seeds:
        for st, by in res.items():
            r = by[s]
            cells = [
                f"{r['ratio'][k]:.2f}×, {r['computed'][k]}, {r['relus'][k]}"
                for k in range(len(densities))
            ]
            rows.append([str(s), st, *cells])
    print_table(head, rows)
    n = len(densities)
    rows = []
    for st in res:
        if st != "A":
            rows.append(ratio_row(f"{st} / A best loss", res, "loss", st, n, seeds))
    print_table(["ratio", *(f"{d:g}" for d in densities)], rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--sections", nargs="+", default=["1", "3", "5", "8", "9"])
    p.add_argument("--s5", nargs="+", default=[str(i) for i in S5_DEFAULT],
                   help="indices 0-19 of notebook 04's densities, or 'all'")  # fmt: skip
    p.add_argument("--s9", type=float, nargs="+", default=list(S9_DEFAULT),
                   help="densities, from the notebook's seven")  # fmt: skip
    p.add_argument("--json", help="also write every number here")
    args = p.parse_args()
    s5 = tuple(range(20)) if args.s5 == ["all"] else tuple(int(i) for i in args.s5)
    s9 = tuple(args.s9)
    if not set(s9) <= set(cis.DENSITIES):
        p.error(f"--s9 {s9}: pick from {cis.DENSITIES}")
    print(f"CPU: {cpu_model()}, torch {torch.__version__}, toy_lib {tl.__version__}, "
          f"threads {torch.get_num_threads()}, seeds {args.seeds}")  # fmt: skip
    start = time.perf_counter()
    out: dict = {}
    if "1" in args.sections:
        starts = {"A": 1.0, "B": scale_b(5, 2, len(S1_SPARSITIES) * 8)}
        out["1"] = run_section("1 (5 → 2, 3 × 8 instances)", starts, args.seeds, section1)
        report1(out["1"], args.seeds)
    if "3" in args.sections:
        starts = {"A": 1.0, "B": scale_b(20, 5, len(S3_SPARSITIES) * 8)}
        out["3"] = run_section("3 (20 → 5 ReLU, 7 × 8 instances)", starts, args.seeds, section3)
        report_counts(out["3"], args.seeds, [f"S={s}" for s in S3_SPARSITIES], "features",
                      "features", "notebook checks that fail")  # fmt: skip
    if "5" in args.sections:
        starts = {"A": 1.0, "B": scale_b(200, 20, 20)}
        name = f"5 (200 → 20, densities {list(s5)} of the notebook's 20 instances)"
        out["5"] = run_section(name, starts, args.seeds, partial(section5, indices=s5))
        report5(out["5"], args.seeds, s5)
    if "8" in args.sections:
        starts = {"A": 1.0, "B": scale_b(10, 5, len(pb.DENSITIES) * 8)}
        out["8"] = run_section(
            "8 (10 → 5 ReLU hidden, 7 × 8 instances)", starts, args.seeds, section8
        )
        report_counts(out["8"], args.seeds, [f"{d:g}" for d in pb.DENSITIES], "mono",
                      "monosemantic", "notebook checks that fail")  # fmt: skip
    if "9" in args.sections:
        instances = len(cis.DENSITIES) * S9_RESTARTS
        starts = {
            "A": 1.0,
            "B": scale_b(100, 40, instances, layout="arena"),
            "0.15": SWEEP_INIT_SCALE,
        }
        name = f"9 (100 → 40 |x|, densities {list(s9)} of the notebook's 7 × 2 instances)"
        out["9"] = run_section(name, starts, args.seeds, partial(section9, densities=s9))
        report9(out["9"], args.seeds, s9)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
