"""Comparison with the previous report (its results.json): new, continuing and resolved alerts.

Alerts are compared as corroborated alert series (step, method, column), so a noise blip last week
does not show up as "resolved" this week. Diagnoses are matched by code and shared features;
headline numbers by label. A baseline about another model (its `fingerprint` differs) is compared
on headline numbers only, with a `baseline_mismatch` warning and no new / continuing / resolved marks.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from reportgen.config import Config
from reportgen.errors import DataError
from reportgen.resolution.alerts import Alert
from reportgen.resolution.diagnosis import Diagnosis
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.text import direction_word
from reportgen.results import COLUMNS, conform


def alert_series(ev: Evidence) -> dict[tuple[str, str, str], dict[str, Any]]:
    """{(step, method, column): item} over every corroborated alert of a run."""
    pools: list[list[Alert]] = [
        ev.est_alerts,
        ev.real_alerts,
        ev.diverge_alerts,
        ev.bv_alerts,
        ev.dq_alerts,
        ev.mv_alerts,
        ev.drift_alerts,
        ev.out_alerts,
        ev.artefacts,
        ev.mv_artefacts,
    ]
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for pool in pools:
        for a in pool:
            step = "estimate_gap" if a in ev.diverge_alerts else a.step
            key = (step, a.method or "", a.column or a.metric)
            item = out.setdefault(
                key, {"step": step, "method": a.method, "column": a.column, "metric": a.metric, "chunk_keys": []}
            )
            k = str(ev.analysis[a.pos]["key"])
            if k not in item["chunk_keys"]:
                item["chunk_keys"].append(k)
    return dict(sorted(out.items()))


def baseline_evidence(baseline: dict[str, Any], config: Config) -> Evidence:
    """Evidence rebuilt from a previous results.json, with the current config."""
    if not isinstance(baseline, dict) or "results" not in baseline or "chunks" not in baseline:
        raise DataError(
            "the baseline is not a reportgen results.json (it lacks 'results' or 'chunks'); pass the results.json of a previous run",
            file=config.baseline,
        )
    frame = conform(pd.DataFrame(baseline["results"], columns=list(COLUMNS)))
    return Evidence(frame, list(baseline["chunks"]), config)


def compare(
    ev: Evidence,
    diagnoses: list[Diagnosis[Any]],
    headline: list[dict[str, Any]],
    baseline: dict[str, Any],
    config: Config,
) -> tuple[dict[str, Any], list[Diagnosis[Any]]]:
    """The comparison block, and the diagnoses with each (but no_issue) marked `baseline: new | continuing`."""
    old_ev = baseline_evidence(baseline, config)
    now, before = alert_series(ev), alert_series(old_ev)
    comparison: dict[str, Any] = {
        "new": [now[k] for k in now if k not in before],
        "continuing": [now[k] for k in now if k in before],
        "resolved": [before[k] for k in before if k not in now],
        "headline": headline_deltas(headline, (baseline.get("summary") or {}).get("headline") or []),
        "previous_status": (baseline.get("summary") or {}).get("status"),
        "previous_generated_at": baseline.get("generated_at"),
    }
    old_diag = [d for d in baseline.get("diagnoses") or [] if isinstance(d, dict) and d.get("code") != "no_issue"]
    matched: set[int] = set()
    new_d, cont_d = [], []
    marked: list[Diagnosis[Any]] = []
    for d in diagnoses:
        if d.code == "no_issue":
            marked.append(d)
            continue
        hit = next((i for i, o in enumerate(old_diag) if i not in matched and _same(d, o)), None)
        if hit is None:
            new_d.append(_brief(d.to_dict()))
            marked.append(d.replace(baseline="new"))
        else:
            matched.add(hit)
            cont_d.append(_brief(d.to_dict()))
            marked.append(d.replace(baseline="continuing"))
    comparison["diagnoses"] = {
        "new": new_d,
        "continuing": cont_d,
        "resolved": [_brief(o) for i, o in enumerate(old_diag) if i not in matched],
    }
    return comparison, marked


def _same(d: Diagnosis[Any], old: dict[str, Any]) -> bool:
    if d.code != old.get("code"):
        return False
    a, b = set(d.features), set(old.get("features") or [])
    return not a and not b or bool(a & b)


def _brief(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": d.get("code"),
        "title": d.get("title"),
        "features": list(d.get("features") or []),
        "severity": d.get("severity"),
    }


def headline_deltas(now: list[dict[str, Any]], before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Change of each headline number since the previous report (matched by label)."""
    old = {h.get("label"): h for h in before if isinstance(h, dict)}
    out = []
    for h in now:
        prev = old.get(h["label"])
        pv = _num(prev.get("value")) if prev else None
        v = _num(h.get("value"))
        change = v - pv if v is not None and pv is not None else None
        rel = change / abs(pv) if change is not None and pv else None
        out.append(
            {
                "label": h["label"],
                "metric": h["metric"],
                "value": h.get("value"),
                "previous": pv,
                "change": round(change, 6) if change is not None else None,
                "relative_change": round(rel, 6) if rel is not None else None,
                "unit": h.get("unit", ""),
                "direction_word": _count_word(change)
                if h["metric"] in ("drifted_features", "data_quality_features")
                else direction_word(change, h["metric"], tolerance=abs(pv) * 0.005 if pv else 0.0),
            }
        )
    return out


def _count_word(change: float | None) -> str:
    if change is None or change == 0:
        return "unchanged"
    return "worse" if change > 0 else "better"


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def fingerprint(config: Config, data: Any) -> dict[str, Any]:
    """What identifies the model a results.json is about: title, problem type, columns, reference data.

    `reference` hashes the reference's row count and, per monitored column, its missing count and
    either the value counts (categorical) or sum, minimum and maximum (continuous, 12 significant
    digits): one pass per column, unchanged by chunking or row order within a chunk.
    """
    ref = data.reference
    digest = hashlib.sha256(str(ref.n_rows).encode())
    for name, col in sorted(ref.monitored_columns().items()):
        if col.is_categorical:
            summary = [str(c) for c in col.categories] + np.bincount(col.values, minlength=col.n_levels).tolist()
        else:
            v = col.values[np.isfinite(col.values)]
            stats = (v.sum(), v.min(), v.max()) if v.size else ()
            summary = [int(col.values.size - v.size), *(f"{float(x):.12g}" for x in stats)]
        digest.update(json.dumps([name, col.kind, summary]).encode())
    return {
        "title": config.title,
        "problem_type": config.problem_type,
        "columns": sorted(str(c) for c in ref.monitored_columns()),
        "reference": digest.hexdigest(),
    }


def mismatch(baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Why a baseline results.json is about another model (empty when it is the same one).

    A baseline written before fingerprints existed is checked on its title and problem type only.
    """
    if not isinstance(baseline, dict):
        return []
    old = baseline.get("fingerprint") or {"title": baseline.get("title"), "problem_type": baseline.get("problem_type")}
    reasons = []
    for key, what in (("title", "title"), ("problem_type", "problem type")):
        if old.get(key) is not None and old.get(key) != current[key]:
            reasons.append(f"{what} '{old.get(key)}', this run '{current[key]}'")
    if old.get("columns") is not None and sorted(old["columns"]) != current["columns"]:
        gone = sorted(set(old["columns"]) - set(current["columns"]))
        added = sorted(set(current["columns"]) - set(old["columns"]))
        parts = ([f"only there: {', '.join(gone)}"] if gone else []) + (
            [f"only here: {', '.join(added)}"] if added else []
        )
        reasons.append("other columns (" + "; ".join(parts) + ")")
    if old.get("reference") is not None and old["reference"] != current["reference"]:
        reasons.append("another reference data set")
    return reasons


def headline_comparison(headline: list[dict[str, Any]], baseline: dict[str, Any], reasons: list[str]) -> dict[str, Any]:
    """The comparison block for a baseline from another model: headline deltas, no alert marks."""
    return {
        "new": [],
        "continuing": [],
        "resolved": [],
        "headline": headline_deltas(headline, (baseline.get("summary") or {}).get("headline") or []),
        "previous_status": (baseline.get("summary") or {}).get("status"),
        "previous_generated_at": baseline.get("generated_at"),
        "diagnoses": {"new": [], "continuing": [], "resolved": []},
        "mismatch": list(reasons),
    }
