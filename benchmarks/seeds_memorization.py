"""Notebook 11's claims on any data sets, trained exactly as the notebook trains (data sets 0, 1, 2
there).

    python benchmarks/seeds_memorization.py          # data sets 0, 1, 2 (the notebook's)
    python benchmarks/seeds_memorization.py 3 4 5    # others

The claims and their thresholds are ``toy_lib.memorization_double_descent.CLAIMS``, fixed before
the first run. Trains the sweep (every T of ``SIZES`` for each data set), then the same data sets
with weight decay 1.0 at the smallest T and at the T of the test-loss peak, and prints per T the
average test loss and, per data set, what each claim reads. About 100 s for three data sets on 2 cores.
"""

from __future__ import annotations

import sys

from machine import cpu_model

from toy_lib import memorization_double_descent as mdd


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def main(seeds: list[int]) -> None:
    print(f"CPU: {cpu_model()}; data sets {seeds}")
    for key, text in mdd.CLAIMS.items():
        print(f"- {key}: {text}")
    main_sweep = mdd.sweep(data_seeds=seeds, progress=False)
    curve = main_sweep.mean_test_loss()
    peak = max(curve, key=curve.get)
    decayed = mdd.sweep(
        sizes=sorted({mdd.SIZES[0], peak}),
        data_seeds=seeds,
        setup={"weight_decay": 1.0},
        progress=False,
    )
    print(f"\ntraining: {main_sweep.seconds:.0f} s, weight decay 1.0: {decayed.seconds:.0f} s\n")
    print(
        "| T | test loss (mean) | per data set | train loss (mean) | T-gon angle / norm error | on m/T | max D_f | 5th D_f | 6th/5th | pentagon angle error | max D_X |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for T in mdd.SIZES:
        rows = [main_sweep.index(T, s) for s in seeds]
        r = [mdd.regime(main_sweep.W[i], main_sweep.datasets[i]) for i in rows]

        def col(key: str, fmt: str = ".2f", r=r) -> str:
            return " ".join(f"{x[key]:{fmt}}" for x in r)

        print(
            f"| {T} | {curve[T]:.4g} | {' '.join(f'{float(main_sweep.test_loss[i]):.4g}' for i in rows)} | "
            f"{float(main_sweep.train_loss[rows].mean()):.4f} | {col('tgon_angle')} / {col('tgon_norm')} | "
            f"{col('on_line')} | {col('max_D_f', '.3f')} | {col('top5_D_f', '.3f')} | {col('gap')} | "
            f"{col('pentagon_angle')} | {col('max_D_X', '.3f')} |"
        )
    print(f"\nweight decay 1.0: mean test loss {decayed.mean_test_loss()}")
    print()
    for key, verdict in mdd.claims(main_sweep, decayed).items():
        print(f"{mark(verdict['holds'])} {key}: {verdict['evidence']}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [0, 1, 2])
