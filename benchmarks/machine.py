"""What the benchmark scripts print about the machine they ran on (imported by them; they run as
``python benchmarks/<script>.py``, so this folder is on ``sys.path``)."""

from __future__ import annotations

import platform


def cpu_model() -> str:
    """The processor's model name (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    except OSError:
        names = []
    return names[0] if names else platform.processor() or platform.machine()
