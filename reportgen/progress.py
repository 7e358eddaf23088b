"""Progress for long runs: a bar on stderr for people, one JSON line per step for machines.

The bar is drawn only when stderr is a terminal and --quiet is off (cron mail and CI logs stay
clean). `--log-json` writes one line per finished step to stderr, e.g.
`{"event": "step", "step": "estimated_performance", "index": 3, "total": 9, "status": "ok",
"seconds": 1.234, "cpu_seconds": 2.101}`, and can be combined with --quiet.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

BAR_WIDTH = 24


class Progress:
    """Reports steps as they start and finish.

    Parameters
    ----------
    total:
        Number of steps expected (may grow with `add_total`).
    stream:
        Where to write (stderr by default).
    quiet:
        No bar (JSON lines still appear with `log_json`).
    log_json:
        One JSON line per finished step.
    bar:
        Force the bar on or off; default: on when `stream` is a terminal and not quiet.
    """

    def __init__(
        self,
        total: int = 0,
        *,
        stream: TextIO | None = None,
        quiet: bool = False,
        log_json: bool = False,
        bar: bool | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.done = 0
        self.log_json = log_json
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.bar = (not quiet and bool(isatty())) if bar is None else bar
        self._drawn = False

    def add_total(self, n: int) -> None:
        """Expect `n` more steps (the pipeline learns its step count once the config is read)."""
        self.total += n

    @contextmanager
    def step(self, name: str, **fields: Any) -> Iterator[None]:
        """Time one step; report it when it ends (status 'error' if it raised)."""
        self.started(name)
        wall, cpu = time.perf_counter(), time.process_time()
        status = "error"
        try:
            yield
            status = "ok"
        finally:
            self.finished(
                name, status=status, seconds=time.perf_counter() - wall, cpu_seconds=time.process_time() - cpu, **fields
            )

    def started(self, name: str) -> None:
        """A step begins: redraw the bar with its name."""
        if self.bar:
            self._draw(name)

    def finished(
        self, name: str, *, status: str = "ok", seconds: float = 0.0, cpu_seconds: float = 0.0, **fields: Any
    ) -> None:
        """A step ended: count it, redraw the bar, write its JSON line."""
        self.done += 1
        if self.done > self.total:
            self.total = self.done
        if self.bar:
            self._draw(name)
        if self.log_json:
            self._clear()
            record = {
                "event": "step",
                "step": name,
                "index": self.done,
                "total": self.total,
                "status": status,
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu_seconds, 3),
                **fields,
            }
            self.stream.write(json.dumps(record, sort_keys=False, default=str) + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def _draw(self, name: str) -> None:
        total = max(self.total, 1)
        filled = int(BAR_WIDTH * min(self.done, total) / total)
        line = f"\r[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.done}/{self.total} {name[:40]:<40}"
        self.stream.write(line)
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * (BAR_WIDTH + 50) + "\r")
            self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class StepHook:
    """Adapter for reportgen.monitor's step callback: `hook(event, name, index, total)`."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self._timers: dict[str, tuple[float, float]] = {}

    def __call__(self, event: str, name: str, index: int, total: int) -> None:
        if event == "start":
            if index == 0:
                self.progress.add_total(total)
            self._timers[name] = (time.perf_counter(), time.process_time())
            self.progress.started(name)
        elif event in ("end", "error"):
            wall, cpu = self._timers.pop(name, (time.perf_counter(), time.process_time()))
            self.progress.finished(
                name,
                status="ok" if event == "end" else "error",
                seconds=time.perf_counter() - wall,
                cpu_seconds=time.process_time() - cpu,
            )
