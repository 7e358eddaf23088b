"""What every fuzzed run must satisfy: a report whose results.json keeps the contract, or one clear error.

The contract checks here are the invariants DESIGN.md states for results.json (finite or null
numbers, lower threshold not above upper, every chunk a record or diagnosis names exists), plus
every finding of the shared validator reportgen.contract (alert implies a finite value, warnings'
shape, chunk target counts, ...).
"""

from __future__ import annotations

import contextlib
import math
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from tests.fuzz.strategies import FuzzCase

TOP_LEVEL = ("reportgen_version", "title", "problem_type", "generated_at", "chunks", "results", "diagnoses", "summary")
NUMBERS = ("value", "sampling_error", "lower_confidence", "upper_confidence", "lower_threshold", "upper_threshold")
STATUSES = ("ok", "warning", "alert", "no_data")


class CaseTimeout(Exception):
    """A fuzzed case ran longer than its limit: a hang in waiting."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail the case (CaseTimeout) when the block runs longer than `seconds` (SIGALRM, main thread)."""

    def expire(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"the case ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def contract_problems(payload: dict[str, Any]) -> list[str]:
    """Every broken invariant of a results.json payload (empty when it keeps the contract)."""
    problems = [f"missing top-level key {key!r}" for key in TOP_LEVEL if key not in payload]
    if problems:
        return problems
    chunks = {c["index"]: c for c in payload["chunks"]}
    if sorted(chunks) != list(range(len(payload["chunks"]))):
        problems.append("chunk indexes are not 0..n-1")
    for c in payload["chunks"]:
        if c["rows"] != c["end_row"] - c["start_row"] or c["rows"] < 0:
            problems.append(f"chunk {c['index']}: rows {c['rows']} != end_row - start_row")
    for r in payload["results"]:
        where = f"{r.get('step')}/{r.get('method')}/{r.get('metric')}/{r.get('column')}/chunk {r.get('chunk_index')}"
        for key in NUMBERS:
            v = r.get(key)
            if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v)):
                problems.append(f"{where}: {key} is {v!r}")
        lo, hi = r.get("lower_threshold"), r.get("upper_threshold")
        if lo is not None and hi is not None and lo > hi:
            problems.append(f"{where}: lower_threshold {lo} > upper_threshold {hi}")
        chunk = chunks.get(r.get("chunk_index"))
        if chunk is None or chunk["period"] != r.get("period"):
            problems.append(f"{where}: names a chunk that does not exist in its period")
        if r.get("alert") not in (True, False, None):
            problems.append(f"{where}: alert is {r.get('alert')!r}")
    for d in payload["diagnoses"]:
        missing = [i for i in d.get("chunks") or [] if i not in chunks]
        if missing:
            problems.append(f"diagnosis {d.get('code')}: chunks {missing} do not exist")
    status = payload["summary"].get("status")
    if status not in STATUSES:
        problems.append(f"summary status {status!r}")
    problems.extend(_shared_validator(payload))
    return problems


def _shared_validator(payload: dict[str, Any]) -> list[str]:
    """Findings of reportgen.contract, the one results.json validator every end-to-end test runs."""
    from reportgen.contract import problems

    return list(problems(payload))


def write_case(case: FuzzCase, folder: Path) -> Path:
    """Write the case's files (in its encoding or as Parquet) and config; returns the config path."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for role, frame in (("reference", case.reference), ("analysis", case.analysis), ("targets", case.targets)):
        if frame is None:
            continue
        if case.parquet:
            path = folder / f"{role}.parquet"
            _to_parquet(frame, path)
        else:
            path = folder / f"{role}.csv"
            frame.to_csv(path, index=False, encoding=case.encoding, errors="replace")
        names[role] = path.name
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({**case.config, **names}, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return config


def _to_parquet(frame: pd.DataFrame, path: Path) -> None:
    mixed = [c for c in frame.columns if frame[c].dtype == object]
    frame.astype({c: "string" for c in mixed}).to_parquet(path, index=False)


def stray_files(*folders: Path) -> list[str]:
    """Temporary or staging files left behind in the given folders."""
    left = []
    for folder in folders:
        if folder.exists():
            left += [str(p) for p in folder.rglob("*") if p.name.endswith(".tmp") or ".reportgen-staging-" in p.name]
    return left
