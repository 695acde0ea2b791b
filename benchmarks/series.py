"""Every notebook as a user runs it: a fresh kernel each, default thread settings, top to bottom.

    python benchmarks/series.py                      # every notebook in notebooks/
    python benchmarks/series.py 03 04                # the notebooks whose names start so

Prints one row per notebook (seconds, the kernel's peak memory, passed or the error) and the total,
with the CPU model and the number of cores this process may use, so tables from different machines
can be compared. Notebooks are executed in memory: nothing is written back. Nothing here is
asserted; the test suite checks results, this script only measures.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from machine import cpu_model

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_one(path: Path) -> None:
    """Execute one notebook (in this process's child kernel) and print ``seconds peak_MiB status``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
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
    # ru_maxrss of waited-for children: the kernel (KiB on Linux).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{seconds:.1f} {peak:.0f} {status}")


def main(prefixes: list[str]) -> None:
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if prefixes:
        paths = [p for p in paths if any(p.name.startswith(x) for x in prefixes)]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"CPU: {cpu_model()}, {cores} cores; default thread settings\n")
    print("| notebook | seconds | kernel peak MiB | result |")
    print("|---|---|---|---|")
    total = 0.0
    for path in paths:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(path)], capture_output=True, text=True
        )
        last = (
            out.stdout.strip().splitlines()[-1]
            if out.stdout.strip()
            else f"0 0 ERROR {out.stderr[-200:]}"
        )
        seconds, peak, status = last.split(" ", 2)
        total += float(seconds)
        print(f"| {path.stem} | {float(seconds):.0f} | {peak} | {status} |", flush=True)
    print(f"| **all** | **{total:.0f}** | | |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run_one(Path(sys.argv[2]))
    else:
        main(sys.argv[1:])
