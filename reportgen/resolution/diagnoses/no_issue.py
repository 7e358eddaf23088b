"""no_issue: Nothing corroborated needs attention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.resolution.diagnosis import Detail, Diagnosis, MetricNumbers
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import (
    SEVERITY_RANK,
    Context,
    diagnosis,
    metric_numbers,
    metric_window,
    span,
)
from reportgen.resolution.text import (
    fmt_value,
    join_names,
    metric_label,
    plural,
    sentence_case,
)

CODE = "no_issue"
ANCHOR = "estimated-performance"  # the report section that shows the evidence


@dataclass(frozen=True)
class NoIssue(Detail):
    """The primary metric and its numbers over the whole analysis period."""

    metric: str | None
    numbers: MetricNumbers


def find(ctx: Context) -> list[Diagnosis[NoIssue]]:
    """Nothing corroborated needs attention: say so plainly, noting isolated alerts as noise."""
    ev = ctx.ev
    if any(SEVERITY_RANK[d.severity] >= 1 for d in ctx.diagnoses):
        return []
    metric = ev.primary_metric
    all_pos = list(range(len(ev.analysis)))
    stats = metric_window(ev, "estimated_performance", metric, all_pos) if metric else None
    realized = metric_window(ev, "realized_performance", metric, all_pos) if metric else None
    parts = []
    if stats and metric:
        parts.append(
            f"estimated {metric_label(metric)} stayed at {fmt_value(stats['value'])} (reference {fmt_value(stats['reference'])})"
        )
    elif realized and metric:
        parts.append(
            f"realized {metric_label(metric)} stayed at {fmt_value(realized['value'])} (reference {fmt_value(realized['reference'])})"
        )
    parts.append("the inputs are stable" if not ev.input_drift_pos else "input drift stayed minor")
    parts.append("data quality is normal")
    isolated = ev.isolated_alerts()
    note = ""
    if isolated:
        shown = [
            f"{a.column or a.metric} ({(a.method or a.step).replace('_', ' ')}, {ev.analysis[a.pos]['key']})"
            for a in isolated[:3]
        ]
        note = f" {plural(len(isolated), 'isolated alert')} ({join_names(shown)}) had nothing to back it up and {'is' if len(isolated) == 1 else 'are'} treated as noise."
    n = len(ev.analysis)
    summary = (
        f"Nothing needs attention {span(ev, all_pos) or 'in this period'}: {join_names(parts)}.{note} No action needed."
    )
    return [
        diagnosis(
            ctx,
            CODE,
            "info",
            "No issue found",
            sentence_case(summary),
            all_pos if n else [],
            [],
            isolated,
            ["No action needed; keep monitoring with the next report."],
            0.9 if not isolated else 0.75,
            NoIssue(metric=metric, numbers=metric_numbers(stats, realized)),
        )
    ]


def sentence(d: Diagnosis[NoIssue], ev: Evidence, all_d: list[Diagnosis[Any]]) -> str:
    nums = d.detail.numbers
    metric = d.detail.metric
    if metric and nums.value is not None:
        return f"All clear: estimated {metric_label(metric)} stayed at {fmt_value(nums.value)} (reference {fmt_value(nums.reference)}), inputs and data quality are stable. No action needed."
    return "All clear: inputs and data quality are stable. No action needed."


def recommendation(group: list[Diagnosis[NoIssue]], ev: Evidence, all_d: list[Diagnosis[Any]]) -> tuple[str, str]:
    """Nothing to do but run the next report."""
    return (
        "No action needed; keep monitoring",
        "Performance, inputs and data quality stay within their reference ranges. Run the next report on schedule.",
    )
