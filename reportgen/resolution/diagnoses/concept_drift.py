"""concept_drift: Realized performance parted from a trustworthy estimate while the inputs held or stayed in the reference support."""

from __future__ import annotations

from typing import Any

from reportgen.resolution.alerts import episodes
from reportgen.resolution.attribution import concept_features
from reportgen.resolution.diagnoses.prediction_drift import explained_by_outputs
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import (
    Context,
    bridge,
    diagnosis,
    metric_numbers,
    metric_window,
    money_phrase,
    span,
)
from reportgen.resolution.text import (
    fmt_value,
    join_names,
    metric_label,
    movement_verb,
)

CODE = "concept_drift"
ANCHOR = "estimated-vs-realized"  # the report section that shows the evidence


def find(ctx: Context) -> list[dict[str, Any]]:
    """Realized performance leaves the estimate's band (or alerts while the estimate holds), unless the
    model's outputs moved there with inputs and target steady (prediction drift explains it)."""
    ev = ctx.ev
    out = []
    skip = set(ev.dq_pos) | explained_by_outputs(ev)
    for run in episodes((p for p in ev.concept_pos if p not in skip), bridge(ev)):
        alerts = ev.alerts_in(ev.diverge_alerts, run)
        worse = [a for a in alerts if a.side == "worse"]
        metrics = sorted(
            {a.metric for a in (worse or alerts)}, key=lambda m: ev.metrics.index(m) if m in ev.metrics else 99
        )
        m = ev.primary_metric if ev.primary_metric in metrics else metrics[0]
        realized = metric_window(ev, "realized_performance", m, run)
        est = metric_window(ev, "estimated_performance", m, run)
        when = span(ev, run)
        if realized and est:
            what = (
                f"Realized {metric_label(m)} was {fmt_value(realized['value'])} {when} while the label-free estimate said "
                f"{fmt_value(est['value'])} (reference {fmt_value(realized['reference'])})"
            )
        elif realized:
            what = f"Realized {metric_label(m)} {movement_verb(realized['change'])} from {fmt_value(realized['reference'])} to {fmt_value(realized['value'])} {when} (no label-free estimate in this run)"
        else:
            what = f"Realized performance parted from the estimate {when}"
        input_note = (
            " The inputs hold steady there, so the relationship between inputs and target has changed (concept drift)."
            if not (set(run) & set(ev.input_drift_pos))
            else " Inputs drift there too, but the estimate accounts for that and still misses: the relationship between inputs and target has changed (concept drift)."
        )
        shifts = concept_features(ev.residual_profile, ev.chunk_indices(run))
        features = [s.feature for s in shifts]
        who = (
            f" The residuals point at {join_names(features)}: the target now depends on {'it' if len(features) == 1 else 'them'} differently"
            f" (chi-squared on binned residuals, p ≤ {max(max(s.p_value for s in shifts), 1e-300):.0e})."
            if shifts
            else ""
        )
        target_note = (
            f" The target's distribution also moved ({ev.config.columns.target})."
            if set(run) & set(ev.target_pos)
            else ""
        )
        summary = (
            f"{what}.{input_note}"
            + (
                " The estimate is not trustworthy for these chunks: it assumes that relationship is unchanged."
                if ev.has_estimate
                else ""
            )
            + f"{who}{target_note}"
        )
        severity = "alert" if worse else "warning"
        n_metrics = len({a.metric for a in alerts})
        confidence = min(0.95, 0.5 + 0.1 * n_metrics + 0.1 * len(run))
        actions = [
            f"Collect labels for recent data ({when}) and retrain the model on them.",
            f"Do not rely on the estimated performance for {when.removeprefix('in ').removeprefix('over ')} until the model is retrained.",
            "Ask the business whether the target definition or the process behind it changed.",
        ]
        chunks = ev.chunk_indices(run)
        out.append(
            diagnosis(
                ctx,
                "concept_drift",
                severity,
                f"Concept drift: realized {metric_label(m)} left the estimate's band"
                if ev.has_estimate
                else f"Concept drift: realized {metric_label(m)} fell while the inputs held",
                summary,
                run,
                features,
                alerts,
                actions,
                confidence,
                metric=m,
                attribution=[
                    {"feature": s.feature, "statistic": round(s.statistic, 3), "dof": s.dof, "p_value": s.p_value}
                    for s in shifts
                ],
                numbers={
                    **metric_numbers(est),
                    **(
                        {"realized": round(realized["value"], 6), "realized_reference": round(realized["reference"], 6)}
                        if realized
                        else {}
                    ),
                },
                untrusted_estimate_chunks=chunks,
                untrusted_estimate_chunk_keys=ev.chunk_keys(run),
                diverging_metrics=sorted({a.metric for a in alerts}),
            )
        )
    return out


def sentence(d: dict[str, Any], ev: Evidence, all_d: list[dict[str, Any]]) -> str:
    nums = d.get("numbers") or {}
    metric = d.get("metric")
    when = span(ev, ev.positions(d["chunks"]))
    if metric and "realized" in nums and "value" in nums and ev.has_estimate:
        verb = movement_verb(nums["realized"] - nums["value"])
        head = f"Realized {metric_label(metric)} {verb} to {fmt_value(nums['realized'])} {when} while the estimate said {fmt_value(nums['value'])}"
    elif metric and "realized" in nums:
        head = f"Realized {metric_label(metric)} {movement_verb(nums['realized'] - nums.get('realized_reference', nums['realized']))} to {fmt_value(nums['realized'])} {when} while the inputs held steady"
    else:
        head = f"Realized performance parted from the estimate {when}"
    who = f" for {join_names(d['features'])}" if d["features"] else ""
    return f"{head}: the link between inputs and outcome changed{who} (concept drift){money_phrase(d, ev)}. Collect recent labels and retrain."
