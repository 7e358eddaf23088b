"""How many threads a step may use: the CPUs this process is allowed to run on."""

from __future__ import annotations

import os

MAX_COLUMN_THREADS = 8  # beyond this, per-column work is bound by memory bandwidth, not cores


def available_cpus() -> int:
    """CPUs this process may use (its affinity mask, so containers and taskset are respected)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def column_threads(requested: int | None = None) -> int:
    """Threads for per-column numpy work (numpy releases the GIL while sorting and searching):
    the requested number, else one per available CPU up to MAX_COLUMN_THREADS."""
    if requested:
        return max(1, int(requested))
    return min(available_cpus(), MAX_COLUMN_THREADS)
