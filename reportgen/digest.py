"""The digest: a report's few headline facts, cut once from its ReportModel (or results.json).

`cut(model)` gives a `Digest`: the e-mail (subject, body, charts to attach) and the history index
(one row per run) read it, and the archive names its period folder with `period_key`, so a run
reads the same everywhere. See ARCHITECTURE.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reportgen import spec
from reportgen.report import ReportModel

PERFORMANCE_STEPS = ("estimated_performance", "realized_performance")
PRIMARY_METRICS = spec.primary_metrics()  # the report's headline metric comes first
MAX_CHARTS = 4  # the e-mail is the summary: one chart per alerting section first, the PDF has the rest
TOP = 3  # recommendations and findings a digest names
Series = tuple[str, str, str, str | None]  # (step, method, metric, column) of an alerting series


@dataclass(frozen=True)
class Digest:
    """A run's headline facts: what the e-mail and the history index show of it."""

    title: str
    period: str  # the analysis period as people say it (period_label)
    status: str  # ok | warning | alert
    sentence: str  # the executive summary's sentence
    sections: Mapping[str, str]  # section -> status, in the summary's order
    numbers: list[dict[str, Any]]  # summary_numbers: label, metric, value, reference, alert
    headline: dict[str, Any] | None  # the subject's number (headline)
    finding: str | None  # title of the first alerting diagnosis: the subject names it when the number is fine
    recommendations: list[str]  # top_recommendations
    diagnoses: list[dict[str, Any]]  # the first alert or warning diagnoses, as results.json records
    alerts: Mapping[str, int]  # alerting analysis records per step
    alerting_series: list[Series]  # the series worth a chart, most telling first

    @property
    def alerts_total(self) -> int:
        return sum(self.alerts.values())


def cut(model: ReportModel) -> Digest:
    """The digest of a report, read from its model (built by a run or from a results.json)."""
    summary = model.summary or {}
    return Digest(
        title=model.title,
        period=period_label(model),
        status=str(summary.get("status", "ok")),
        sentence=str(summary.get("sentence") or ""),
        sections=dict(summary.get("sections") or {}),
        numbers=summary_numbers(summary, model.results),
        headline=headline(model),
        finding=next(
            (str(d["title"]) for d in model.diagnoses if d.get("severity") == "alert" and d.get("title")), None
        ),
        recommendations=top_recommendations(model, TOP),
        diagnoses=[d for d in model.diagnoses if d.get("severity") in ("alert", "warning")][:TOP],
        alerts=alert_counts(model.results),
        alerting_series=alerting_series(model),
    )


def safe_key(key: str) -> str:
    """A key usable as a folder name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-.") or "run"


def period_key(model: ReportModel) -> str:
    """The analysis period as a folder name: '2024-W48' (period chunking), a date range, or the run time."""
    analysis = [c for c in model.chunks if c.get("period") == "analysis"]
    chunking = (model.config or {}).get("chunking") or {}
    period_keys = analysis and not any(str(c["key"]).startswith("[") for c in analysis)
    if analysis and (chunking.get("period") or period_keys):
        first, last = str(analysis[0]["key"]), str(analysis[-1]["key"])
        return safe_key(first if first == last else f"{first}_{last}")
    if analysis and analysis[0].get("start_time") and analysis[-1].get("end_time"):
        start = str(analysis[0]["start_time"])[:10]
        end = str(analysis[-1]["end_time"])[:10]
        return safe_key(start if start == end else f"{start}_{end}")
    stamp = re.sub(r"[^0-9T]", "", str(model.generated_at))[:15]
    return safe_key(f"run-{stamp}Z")


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return sum(kept) / len(kept) if kept else None


def headline_numbers(results: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per performance metric: the latest analysis chunk's value, the analysis and reference means, alert flag.

    Estimated performance first (CBPE / DLE), realized after, the primary metric (ROC AUC, RMSE,
    ...) first within each; model-level records only.
    """
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rec in results:
        if rec.get("step") not in PERFORMANCE_STEPS or rec.get("column") is not None:
            continue
        key = (str(rec["step"]), str(rec.get("method") or ""), str(rec["metric"]))
        g = groups.setdefault(key, {"reference": [], "analysis": [], "alert": [], "latest": (-1, None)})
        period = rec.get("period")
        if period in ("reference", "analysis"):
            g[period].append(rec.get("value"))
        if period == "analysis" and rec.get("value") is not None and int(rec["chunk_index"]) > g["latest"][0]:
            g["latest"] = (int(rec["chunk_index"]), rec["value"])
        if period == "analysis":
            g["alert"].append(bool(rec.get("alert")))
    out = []
    order = {s: i for i, s in enumerate(PERFORMANCE_STEPS)}
    primary = {m: i for i, m in enumerate(PRIMARY_METRICS)}

    def rank(item: tuple[tuple[str, str, str], Any]) -> tuple[int, int]:
        (step, _, metric), _ = item
        return order[step], primary.get(metric, len(primary))

    for (step, method, metric), g in sorted(groups.items(), key=rank):
        value = g["latest"][1]
        if value is None:
            continue
        out.append(
            {
                "step": step,
                "method": method,
                "metric": metric,
                "label": ("estimated " if step == "estimated_performance" else "realized ") + _lower_label(metric),
                "value": float(value),
                "mean": _mean(g["analysis"]),
                "reference": _mean(g["reference"]),
                "alert": any(g["alert"]),
            }
        )
    return out


def summary_numbers(
    summary: Mapping[str, Any] | None, results: Iterable[Mapping[str, Any]], limit: int = 4
) -> list[dict[str, Any]]:
    """The executive summary's headline numbers (latest vs reference), else the main performance metrics."""
    out = []
    for item in (summary or {}).get("headline") or []:
        if not isinstance(item, Mapping) or item.get("value") is None:
            continue
        label = str(item.get("label") or item.get("metric") or "")
        unit = (
            "" if item.get("metric") in ("business_value", "cumulative_business_value") else str(item.get("unit") or "")
        )
        out.append(
            {
                "label": label + (f" ({unit})" if unit else ""),
                "metric": item.get("metric"),
                "value": item.get("latest", item["value"]),
                "reference": item.get("reference"),
                "alert": item.get("status") == "alert",
            }
        )
    if not out:
        out = [n for n in headline_numbers(results) if n["metric"] not in spec.CONFUSION_COUNTS]
    return out[:limit]


def _lower_label(metric: str) -> str:
    return spec.metric(metric).prose


def alert_counts(results: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Number of alerting analysis records per step."""
    counts: dict[str, int] = {}
    for rec in results:
        if rec.get("period") == "analysis" and rec.get("alert"):
            counts[str(rec["step"])] = counts.get(str(rec["step"]), 0) + 1
    return counts


def period_label(model: ReportModel) -> str:
    """The analysis period as people say it: '2024-W48', or first..last chunk key."""
    return period_key(model).replace("_", " to ")


def headline(model: ReportModel) -> dict[str, Any] | None:
    """The executive summary's first performance number, else the primary estimated (then realized) metric."""
    for item in (model.summary or {}).get("headline") or []:
        if isinstance(item, Mapping) and item.get("step") in PERFORMANCE_STEPS and item.get("value") is not None:
            label = str(item.get("label") or item.get("metric"))
            first = label.split(" ")[0]
            label = label if first.isupper() else label[:1].lower() + label[1:]
            value = item.get("latest", item["value"])
            return {
                "label": label,
                "value": value,
                "reference": item.get("reference"),
                "metric": item.get("metric"),
                "alert": item.get("status") == "alert",
            }
    numbers = headline_numbers(model.results)
    return numbers[0] if numbers else None


def _recommendation_text(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        for key in ("text", "action", "title", "summary"):
            if item.get(key):
                return str(item[key])
    return str(item)


def top_recommendations(model: ReportModel, limit: int = TOP) -> list[str]:
    """The summary's top recommendations as lines (or the first recommendations)."""
    summary = model.summary or {}
    items = summary.get("top_recommendations") or model.recommendations or []
    return [_recommendation_text(i) for i in list(items)[:limit]]


def alerting_series(model: ReportModel, limit: int = MAX_CHARTS) -> list[Series]:
    """(step, method, metric, column) of series that alert in analysis: first the worst of each section
    (workflow order, the primary metric first), then the rest by number of alerts."""
    counts: dict[Series, int] = {}
    for rec in model.results:
        if rec.get("period") == "analysis" and rec.get("alert"):
            key = (str(rec["step"]), str(rec.get("method") or ""), str(rec["metric"]), rec.get("column"))
            counts[key] = counts.get(key, 0) + 1
    primary = {m: i for i, m in enumerate(PRIMARY_METRICS)}
    ranked = sorted(
        counts,
        key=lambda k: (spec.step_rank(k[0]), primary.get(k[2], len(primary)), -counts[k], k[1], k[2], str(k[3])),
    )
    chosen: list[Series] = []
    for step in dict.fromkeys(k[0] for k in ranked):
        chosen.append(next(k for k in ranked if k[0] == step))
    chosen += sorted((k for k in ranked if k not in chosen), key=lambda k: (-counts[k], spec.step_rank(k[0])))
    return chosen[:limit]
