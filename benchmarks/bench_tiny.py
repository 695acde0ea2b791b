"""The kernels generated per small tied shape (``toy_lib._tiny``) against the general kernel.

Both train the same workload (4,000 instances, density 0.1, batch 1,024) in the same process from
the same start; the table reports ms per step of each and the speed-up. ``train`` uses a generated
kernel only for models with ``n·m ≤ _tiny.MAX_WEIGHTS`` in runs of at least ``_tiny.MIN_WORK``
samples; here the rule is switched either way so that short timing runs show both kernels.

    python benchmarks/bench_tiny.py                  # 2→1, 2→2, 3→2, 6→1, 4→2, 5→2, 8→2
    python benchmarks/bench_tiny.py 3x2 5x2          # chosen shapes (features x hidden)
"""

from __future__ import annotations

import statistics
import sys
import time
from unittest.mock import patch

from machine import cpu_model

import toy_lib as tl
from toy_lib import _tiny
from toy_lib.train import kernel_threads

SHAPES = [(2, 1), (2, 2), (3, 2), (6, 1), (4, 2), (5, 2), (8, 2)]
INSTANCES, STEPS, REPEATS = 4000, 200, 5


def ms_per_step(n: int, m: int, generated: bool) -> float:
    """Milliseconds per step, the median of ``REPEATS`` timed runs after a 20-step warm-up (which
    also compiles the kernel)."""
    rule = {"MIN_WORK": 0, "MAX_WEIGHTS": n * m} if generated else {"MIN_WORK": 10**30}
    times = []
    with patch.multiple(_tiny, **rule):
        model = tl.ToyModel(tl.Config(n, m, INSTANCES, feature_probability=0.1), seed=0)
        tl.train(model, steps=20, progress=False)
        for _ in range(REPEATS):
            start = time.perf_counter()
            tl.train(model, steps=STEPS, progress=False)
            times.append((time.perf_counter() - start) / STEPS * 1e3)
    return statistics.median(times)


def main(shapes: list[tuple[int, int]]) -> None:
    print(
        f"machine: {cpu_model()}, {kernel_threads()} threads; {INSTANCES} instances; "
        f"median of {REPEATS} runs of {STEPS} steps"
    )
    print("| shape | general ms/step | generated ms/step | speed-up | used by train |")
    print("|---|---|---|---|---|")
    for n, m in shapes:
        general, generated = ms_per_step(n, m, False), ms_per_step(n, m, True)
        used = "yes, for long runs" if n * m <= _tiny.MAX_WEIGHTS else "no"
        print(
            f"| {n} → {m} | {general:.2f} | {generated:.2f} | {general / generated:.2f}× | {used} |"
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    main([tuple(int(v) for v in a.split("x")) for a in args] if args else SHAPES)
