"""Every notebook as a user runs it: a fresh kernel each, default thread settings, top to bottom.

    python benchmarks/series.py                      # every notebook in notebooks/
    python benchmarks/series.py 03 04                # the notebooks whose names start so
    python benchmarks/series.py --explorers          # and time every live explorer afterwards

Prints one row per notebook (seconds, the kernel's peak memory, passed or the error) and the total,
and with ``--explorers`` a second table: every live explorer's answer to a change of its primary
control at the notebook's settings, measured in the same kernel after the notebook has run
(``explorer_latency.py``: median and worst seconds to the first new frame and to the result). Both
come with the CPU model and the number of cores this process may use, so tables from different machines
can be compared. Notebooks are executed in memory: nothing is written back. Nothing here is
asserted; the test suite checks results, this script only measures.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from machine import cpu_model

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent / "notebooks"
LATENCY_CELL = """import sys, time
_series_end = time.time()
sys.path.insert(0, {here!r})
from explorer_latency import measure
measure({name!r})
print("SERIES_END", _series_end)"""


def run_one(path: Path, explorers: bool) -> None:
    """Execute one notebook (in this process's child kernel) and print ``seconds peak_MiB status``,
    after one ``EXPLORER {json}`` line per explorer if ``explorers``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    if explorers:
        cell = LATENCY_CELL.format(here=str(HERE), name=path.stem[:2])
        nb.cells.append(nbformat.v4.new_code_cell(cell))
    start_wall = time.time()
    start = time.perf_counter()
    status = "passed"
    try:
        NotebookClient(
            nb,
            timeout=3600,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    except CellExecutionError as exc:
        status = "FAILED: " + str(exc).strip().splitlines()[-1][:80]
    seconds = time.perf_counter() - start
    if explorers and status == "passed":
        text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
        for line in text.splitlines():
            if line.startswith("SERIES_END"):
                seconds = float(line.split()[1]) - start_wall  # the notebook's own cells only
            elif line.startswith("{"):
                print("EXPLORER", line)
    # ru_maxrss of waited-for children: the kernel (KiB on Linux).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{seconds:.1f} {peak:.0f} {status}")


def main(prefixes: list[str], explorers: bool) -> None:
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if prefixes:
        paths = [p for p in paths if any(p.name.startswith(x) for x in prefixes)]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"CPU: {cpu_model()}, {cores} cores; default thread settings\n")
    print("| notebook | seconds | kernel peak MiB | result |")
    print("|---|---|---|---|")
    total = 0.0
    rows = []
    for path in paths:
        flag = ["--explorers"] if explorers else []
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(path), *flag], capture_output=True, text=True
        )
        rows += [
            json.loads(line.split(" ", 1)[1])
            for line in out.stdout.splitlines()
            if line.startswith("EXPLORER ")
        ]
        last = (
            out.stdout.strip().splitlines()[-1]
            if out.stdout.strip()
            else f"0 0 ERROR {out.stderr[-200:]}"
        )
        seconds, peak, status = last.split(" ", 2)
        total += float(seconds)
        print(f"| {path.stem} | {float(seconds):.0f} | {peak} | {status} |", flush=True)
    print(f"| **all** | **{total:.0f}** | | |")
    if explorers:
        print(
            "\nExplorers at the notebook's settings, seconds from a change of the primary control"
        )
        print("| notebook | control | first frame: median | worst | result: median | worst |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['notebook']} | {r['control']} | {r['first_median']:.2f} | "
                f"{r['first_worst']:.2f} | {r['result_median']:.2f} | {r['result_worst']:.2f} |"
            )


if __name__ == "__main__":
    args = sys.argv[1:]
    explorers = "--explorers" in args
    args = [a for a in args if a != "--explorers"]
    if args[:1] == ["--one"]:
        run_one(Path(args[1]), explorers)
    else:
        main(args, explorers)
