"""Executive summary: overall status, one status per section, headline numbers and one plain sentence.

Section statuses weigh corroboration: a section whose only alerts are isolated reads
`info`; the overall status is ok / warning / alert (info counts as ok).
"""

from __future__ import annotations

import math
from typing import Any

from reportgen.resolution.diagnoses import SENTENCES
from reportgen.resolution.diagnosis import Diagnosis
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import SEVERITY_RANK, metric_window
from reportgen.resolution.text import (
    direction_word,
    metric_label,
    plural,
)
from reportgen.spec import step_rank

STATUS_RANK = {"ok": 0, "info": 0, "no_data": 0, "warning": 1, "alert": 2}


def _status(corroborated: bool, isolated: bool, level: str = "alert") -> str:
    return level if corroborated else "info" if isolated else "ok"


def performance_alert_chunks(ev: Evidence, step: str) -> tuple[list[int], list[int]]:
    """(alerting, corroborated) analysis positions of a performance step's worse-side alerts.

    The one rule behind a performance card: it counts every chunk whose records alert, and its
    status is `alert` when some are corroborated, `info` when all stand alone, `ok` when none alert.
    """
    pools = (ev.est_alerts, ev.est_isolated) if step == "estimated_performance" else (ev.real_alerts, ev.real_isolated)
    good = sorted({a.pos for a in pools[0] if a.side == "worse"})
    alone = {a.pos for a in pools[1] if a.side == "worse" and a.metric in ev.metrics}
    return sorted(set(good) | alone), good


def section_statuses(ev: Evidence, diagnoses: list[Diagnosis[Any]]) -> dict[str, str]:
    """{step: ok | info | warning | alert} for the steps present, plus issue_resolution."""
    codes = {d.code for d in diagnoses}
    shifting = any(
        d.code in ("performance_drop_covariate_shift", "covariate_shift_no_impact", "prediction_drift")
        and d.severity != "info"
        for d in diagnoses
    )
    # drift that coincides with a corroborated performance finding is never mere info
    drift_pos = set(ev.input_drift_pos)
    with_drop = any(
        d.severity != "info"
        and d.code in ("concept_drift", "business_value_drop")
        and drift_pos & set(ev.positions(d.chunks))
        for d in diagnoses
    )
    drift_level = "warning" if shifting or with_drop or ev.artefacts else "info"
    est_alerting, est_corroborated = performance_alert_chunks(ev, "estimated_performance")
    statuses = {
        "estimated_performance": _status(bool(est_corroborated), bool(est_alerting)),
        "realized_performance": _status(
            bool(ev.real_alerts) or any(a.side == "worse" for a in ev.diverge_alerts),
            bool(ev.real_isolated or ev.diverge_alerts or ev.diverge_isolated),
        ),
        "business_value": _status(bool(ev.bv_alerts), bool(ev.bv_isolated)),
        "multivariate_drift": _status(
            bool(ev.mv_alerts or ev.mv_artefacts), bool(ev.mv_isolated), drift_level if ev.mv_alerts else "warning"
        ),
        "univariate_drift": _status(
            bool(ev.drift_alerts or ev.out_alerts or ev.artefacts),
            bool(ev.drift_isolated or ev.out_isolated),
            drift_level,
        ),
        "data_quality": _status(bool(ev.dq_alerts), bool(ev.dq_isolated), "warning"),
        "summary_stats": "ok",
    }
    present = sorted(ev.steps_present, key=lambda s: (step_rank(s), s))
    # a step without a rule of its own reads ok; one without a usable record reads no_data
    out = {s: statuses.get(s, "ok") if _usable(ev, s) else "no_data" for s in present}
    worst = max((d.severity for d in diagnoses), key=SEVERITY_RANK.__getitem__, default="info")
    out["issue_resolution"] = "ok" if worst == "info" and "no_issue" in codes else worst
    return out


def _usable(ev: Evidence, step: str) -> bool:
    """Whether a step has an analysis record with a value (records of undersized chunks have none)."""
    r = ev.results
    return bool(r.loc[(r["step"] == step) & (r["period"] == "analysis"), "value"].notna().any())


def overall_status(sections: dict[str, str], diagnoses: list[Diagnosis[Any]]) -> str:
    """ok / warning / alert: the worst of the diagnoses and sections, with info counting as ok."""
    ranks = [STATUS_RANK[s] for s in sections.values()] + [STATUS_RANK[d.severity] for d in diagnoses]
    worst = max(ranks, default=0)
    return ("ok", "warning", "alert")[worst]


def headline(ev: Evidence, sections: dict[str, str]) -> list[dict[str, Any]]:
    """The headline numbers against reference: performance, business value, drifted inputs, data quality."""
    items: list[dict[str, Any]] = []
    metric = ev.primary_metric
    all_pos = list(range(len(ev.analysis)))
    if metric:
        for step, label in (("estimated_performance", "Estimated"), ("realized_performance", "Realized")):
            stats = metric_window(ev, step, metric, all_pos)
            if stats is None:
                continue
            latest = metric_window(ev, step, metric, all_pos[-1:])
            alerting, corroborated = performance_alert_chunks(ev, step)
            items.append(
                _item(
                    f"{label} {metric_label(metric)}",
                    metric,
                    stats["value"],
                    stats["reference"],
                    "",
                    metric,
                    sections.get(step, "ok"),
                    step=step,
                    latest=latest["value"] if latest else None,
                    latest_chunk=ev.analysis[-1]["key"] if ev.analysis else None,
                    alert_chunks=len(alerting),
                    corroborated_alert_chunks=len(corroborated),
                    chunks=len(all_pos),
                )
            )
    bv = _business_value_item(ev, sections)
    if bv:
        items.append(bv)
    if ev.feature_columns:
        drifted = sorted({a.column for a in ev.drift_alerts if a.column is not None})
        items.append(
            {
                "label": "Drifted inputs",
                "metric": "drifted_features",
                "value": len(drifted),
                "reference": len(ev.feature_columns),
                "change": len(drifted),
                "relative_change": None,
                "unit": "features",
                "direction_word": "worse" if drifted else "unchanged",
                "status": sections.get("univariate_drift", "ok"),
                "features": drifted,
            }
        )
    if "data_quality" in ev.steps_present:
        faulty = sorted({a.column for a in ev.dq_alerts if a.column})
        items.append(
            {
                "label": "Data-quality alerts",
                "metric": "data_quality_features",
                "value": len(faulty),
                "reference": 0,
                "change": len(faulty),
                "relative_change": None,
                "unit": "features",
                "direction_word": "worse" if faulty else "unchanged",
                "status": sections.get("data_quality", "ok"),
                "features": faulty,
            }
        )
    return items


def _item(
    label: str, metric: str, value: float, reference: float, unit: str, direction_metric: str, status: str, **extra: Any
) -> dict[str, Any]:
    change = value - reference
    rel = change / abs(reference) if reference else None
    return {
        "label": label,
        "metric": metric,
        "value": round(value, 6),
        "reference": round(reference, 6),
        "change": round(change, 6),
        "relative_change": round(rel, 6) if rel is not None and math.isfinite(rel) else None,
        "unit": unit,
        # a change within 0.5% reads "unchanged", unless the section alerts: then its sign is the news
        "direction_word": direction_word(
            change,
            direction_metric,
            tolerance=abs(reference) * 0.005 if reference and status in ("ok", "info") else 0.0,
        ),
        "status": status,
        **extra,
    }


def _business_value_item(ev: Evidence, sections: dict[str, str]) -> dict[str, Any] | None:
    rate = ev.bv_rate
    if rate is None:
        return None
    bv = ev.bv_frame
    rows = {int(c["index"]): int(c.get("rows") or 0) for c in ev.analysis}
    values: dict[int, float] = {}
    methods = [m for m in ev.bv_methods if m != "realized"] + (["realized"] if "realized" in ev.bv_methods else [])
    label = "Estimated business value" if methods and methods[0] != "realized" else "Realized business value"
    for method in methods[:1]:
        ana = bv[(bv["method"] == method) & (bv["period"] == "analysis")]
        values = {int(i): float(v) for i, v in zip(ana["chunk_index"], ana["value"]) if math.isfinite(v)}
    if not values:
        return None
    total = float(sum(values.values()))
    rate = ev.bv_rates.get(methods[0], rate)  # the estimate against the estimate's own reference rate
    expected = float(rate * sum(rows.get(i, 0) for i in values))
    return _item(
        label,
        "business_value",
        total,
        expected,
        ev.currency,
        "business_value",
        sections.get("business_value", "ok"),
        basis="analysis period total vs the reference rate per row",
    )


def sentence(ev: Evidence, diagnoses: list[Diagnosis[Any]], recommendations: list[dict[str, Any]]) -> str:
    """One plain sentence a manager can repeat, built from the most severe diagnosis."""
    if not diagnoses:
        return "No results to judge."
    top = diagnoses[0]
    writer = SENTENCES.get(top.code, _generic)
    text = writer(top, ev, diagnoses)
    others = [d for d in diagnoses[1:] if d.severity != "info" and d.code != "business_value_drop"]
    if others:
        first = others[0]
        more = f", and {plural(len(others) - 1, 'more finding')} below" if len(others) > 1 else ""
        text += f" Also: {first.title.rstrip('.')} ({_keys(first, ev)}){more}."
    return text


def _keys(d: Diagnosis[Any], ev: Evidence) -> str:
    labels = ev.chunk_labels(ev.positions(d.chunks)) or list(d.chunk_keys)
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"


def _generic(d: Diagnosis[Any], ev: Evidence, all_d: list[Diagnosis[Any]]) -> str:
    return f"{d.title}."


def build_summary(
    ev: Evidence, diagnoses: list[Diagnosis[Any]], recommendations: list[dict[str, Any]]
) -> dict[str, Any]:
    """The executive summary dict (comparison is filled in by the baseline module)."""
    sections = section_statuses(ev, diagnoses)
    return {
        "status": overall_status(sections, diagnoses),
        "sections": sections,
        "headline": headline(ev, sections),
        "sentence": sentence(ev, diagnoses, recommendations),
        "top_recommendations": recommendations[:3],
        "comparison": None,
    }
