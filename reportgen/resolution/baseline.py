"""Comparison with the previous report (its results.json): new, continuing and resolved alerts.

Alerts are compared as corroborated alert series (step, method, column), so a noise blip last week
does not show up as "resolved" this week. Diagnoses are matched by code and shared features;
headline numbers by label.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from reportgen.config import Config
from reportgen.errors import DataError
from reportgen.resolution.evidence import Alert, Evidence
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
    diagnoses: list[dict[str, Any]],
    headline: list[dict[str, Any]],
    baseline: dict[str, Any],
    config: Config,
) -> dict[str, Any]:
    """The comparison block; also marks each current diagnosis `baseline: new | continuing`."""
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
    for d in diagnoses:
        if d["code"] == "no_issue":
            continue
        hit = next((i for i, o in enumerate(old_diag) if i not in matched and _same(d, o)), None)
        if hit is None:
            d["baseline"] = "new"
            new_d.append(_brief(d))
        else:
            matched.add(hit)
            d["baseline"] = "continuing"
            cont_d.append(_brief(d))
    comparison["diagnoses"] = {
        "new": new_d,
        "continuing": cont_d,
        "resolved": [_brief(o) for i, o in enumerate(old_diag) if i not in matched],
    }
    return comparison


def _same(d: dict[str, Any], old: dict[str, Any]) -> bool:
    if d["code"] != old.get("code"):
        return False
    a, b = set(d.get("features") or []), set(old.get("features") or [])
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
