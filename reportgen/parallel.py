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


MIN_THREADED_VALUES = 2_000_000  # below this, starting threads costs more than the per-column work saves


def chunk_threads(threads: int, rows: int, columns: int) -> int:
    """Threads worth using on one chunk's columns: `threads` for big chunks, one for small ones."""
    return threads if threads > 1 and columns > 1 and rows * columns >= MIN_THREADED_VALUES else 1
