"""Progress: the bar only on a terminal and never with --quiet; one JSON line per step with --log-json."""

from __future__ import annotations

import io
import json

import pytest

from reportgen.progress import Progress, StepHook


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_not_a_terminal() -> None:
    out = io.StringIO()
    with Progress(2, stream=out) as p, p.step("read inputs"):
        pass
    assert out.getvalue() == ""


def test_bar_on_a_terminal_and_off_with_quiet() -> None:
    out = Tty()
    with Progress(2, stream=out) as p:
        with p.step("read inputs"):
            pass
        with p.step("render html"):
            pass
    text = out.getvalue()
    assert "\r[" in text and "2/2 render html" in text and text.endswith("\n")
    quiet = Tty()
    with Progress(2, stream=quiet, quiet=True) as p, p.step("read inputs"):
        pass
    assert quiet.getvalue() == ""


def test_log_json_one_line_per_step_with_status() -> None:
    out = io.StringIO()
    p = Progress(0, stream=out, quiet=True, log_json=True)
    with p.step("read inputs", rows=10):
        pass
    with pytest.raises(RuntimeError), p.step("render pdf"):
        raise RuntimeError("boom")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["step"], r["index"], r["total"], r["status"]) for r in lines] == [
        ("read inputs", 1, 1, "ok"),
        ("render pdf", 2, 2, "error"),
    ]
    assert lines[0]["rows"] == 10 and lines[0]["seconds"] >= 0 and "cpu_seconds" in lines[0]


def test_step_hook_adapts_monitor_events() -> None:
    out = io.StringIO()
    p = Progress(1, stream=out, log_json=True)
    hook = StepHook(p)
    for i, name in enumerate(("cbpe", "pca_reconstruction")):
        hook("start", name, i, 2)
        hook("end", name, i, 2)
    steps = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(s["step"], s["index"], s["total"]) for s in steps] == [("cbpe", 1, 3), ("pca_reconstruction", 2, 3)]
