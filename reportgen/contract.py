"""The invariants every results.json keeps, checked in one place (the tests run it on every run).

`problems(payload)` lists what is wrong (empty when nothing is); `check_results_json` raises with
them. Invariants: numbers finite or null; lower threshold <= upper; every chunk a record, diagnosis
or warning names exists; a record that alerts has a finite value; warnings have the
`{code, message, chunks, columns}` shape; chunk `targets` counts lie within 0..rows; summary statuses
use the documented words.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeGuard

from reportgen.cautions import CODES as WARNING_CODES

NUMBER_FIELDS = (
    "value",
    "sampling_error",
    "lower_confidence",
    "upper_confidence",
    "lower_threshold",
    "upper_threshold",
)
SECTION_STATUSES = ("ok", "warning", "alert", "no_data")
OVERALL_STATUSES = ("ok", "warning", "alert")
WARNING_KEYS = ("code", "message", "chunks", "columns")


class ContractError(AssertionError):
    """A results.json that breaks an invariant (the message lists every problem)."""


def check_results_json(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    """The parsed results.json when it keeps every invariant; else ContractError listing the problems."""
    payload = _load(source)
    found = problems(payload)
    if found:
        shown = "\n".join(f"- {p}" for p in found[:30])
        more = f"\n... and {len(found) - 30} more" if len(found) > 30 else ""
        raise ContractError(f"results.json breaks {len(found)} invariant(s):\n{shown}{more}")
    return payload


def problems(payload: dict[str, Any]) -> list[str]:
    """Every broken invariant of a parsed results.json, as one line each."""
    chunks = payload.get("chunks")
    if not isinstance(chunks, list):
        return ["'chunks' is not a list"]
    known = {c.get("index") for c in chunks if isinstance(c, dict)}
    return [
        *_chunk_problems(chunks),
        *_record_problems(payload.get("results") or [], known),
        *_diagnosis_problems(payload.get("diagnoses") or [], known),
        *_warning_problems(payload.get("warnings"), known),
        *_summary_problems(payload.get("summary") or {}),
        *_non_finite(payload, "$"),
    ]


def _load(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    if isinstance(source, dict):
        return source
    path = Path(source)
    if path.is_dir():
        path = path / "results.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _chunk_problems(chunks: list[Any]) -> Iterator[str]:
    for c in chunks:
        if not isinstance(c, dict):
            yield f"chunk {c!r} is not an object"
            continue
        rows, targets = c.get("rows"), c.get("targets", None)
        if "targets" not in c and c.get("period") == "analysis":
            yield f"analysis chunk {c.get('index')} has no 'targets' key (rows with a label, or null)"
        if targets is not None and (not isinstance(targets, int) or not 0 <= targets <= (rows or 0)):
            yield f"chunk {c.get('index')}: targets {targets!r} outside 0..{rows}"


def _record_problems(records: list[dict[str, Any]], known: set[Any]) -> Iterator[str]:
    for r in records:
        where = (
            f"record {r.get('step')}/{r.get('method')}/{r.get('metric')}/{r.get('column')}/chunk {r.get('chunk_index')}"
        )
        if r.get("chunk_index") not in known:
            yield f"{where}: names a chunk that does not exist"
        for f in NUMBER_FIELDS:
            v = r.get(f)
            if v is not None and not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)):
                yield f"{where}: {f} {v!r} is neither a finite number nor null"
        lo, hi = r.get("lower_threshold"), r.get("upper_threshold")
        if _finite(lo) and _finite(hi) and lo > hi:
            yield f"{where}: lower threshold {lo} above upper threshold {hi}"
        if r.get("alert") is True and not _finite(r.get("value")):
            yield f"{where}: alerts without a finite value"
        if r.get("alert") not in (True, False, None):
            yield f"{where}: alert {r.get('alert')!r} is not true, false or null"


def _diagnosis_problems(diagnoses: list[dict[str, Any]], known: set[Any]) -> Iterator[str]:
    for d in diagnoses:
        missing = [c for c in d.get("chunks") or [] if c not in known]
        if missing:
            yield f"diagnosis {d.get('code')}: names chunks {missing} that do not exist"


def _warning_problems(warnings: Any, known: set[Any]) -> Iterator[str]:
    if not isinstance(warnings, list):
        yield "'warnings' is not a list"
        return
    for w in warnings:
        if not isinstance(w, dict) or tuple(w) != WARNING_KEYS:
            yield f"warning {w!r} is not {{code, message, chunks, columns}}"
            continue
        if w["code"] not in WARNING_CODES:
            yield f"warning code {w['code']!r} is not one of {', '.join(WARNING_CODES)}"
        if not isinstance(w["message"], str) or not w["message"]:
            yield f"warning {w['code']}: empty message"
        if not isinstance(w["chunks"], list) or not isinstance(w["columns"], list):
            yield f"warning {w['code']}: chunks and columns must be lists"
            continue
        missing = [c for c in w["chunks"] if c not in known]
        if missing:
            yield f"warning {w['code']}: names chunks {missing} that do not exist"


def _summary_problems(summary: dict[str, Any]) -> Iterator[str]:
    if summary.get("status") not in OVERALL_STATUSES:
        yield f"summary status {summary.get('status')!r} is not one of {', '.join(OVERALL_STATUSES)}"
    for name, status in (summary.get("sections") or {}).items():
        if status not in SECTION_STATUSES:
            yield f"summary section {name}: status {status!r} is not one of {', '.join(SECTION_STATUSES)}"


def _non_finite(value: Any, path: str) -> Iterator[str]:
    """Any NaN or infinity anywhere (JSON has neither; Python's json module would write them)."""
    if isinstance(value, float) and not math.isfinite(value):
        yield f"{path}: {value!r} is not a finite number"
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _non_finite(v, f"{path}[{i}]")


def _finite(v: Any) -> TypeGuard[float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
