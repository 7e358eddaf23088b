"""concept_drift: Realized performance parted from a trustworthy estimate while the inputs held or stayed in the reference support."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from reportgen.resolution.alerts import episodes
from reportgen.resolution.attribution import concept_features
from reportgen.resolution.diagnoses.prediction_drift import explained_by_outputs
from reportgen.resolution.diagnosis import Detail, Diagnosis, FeatureAttribution, MetricNumbers, Severity
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import (
    Context,
    bridge,
    diagnosis,
    metric_numbers,
    metric_window,
    money_note,
    money_phrase,
    span,
)
from reportgen.resolution.text import (
    fmt_value,
    join_names,
    metric_label,
    movement_verb,
    unique,
)

CODE = "concept_drift"
ANCHOR = "estimated-vs-realized"  # the report section that shows the evidence


@dataclass(frozen=True)
class ConceptDrift(Detail):
    """The diverging metric with the estimate's numbers and the realized ones, the features whose relation
    with the target changed, and the chunks where the label-free estimate cannot be trusted."""

    metric: str
    attribution: tuple[FeatureAttribution, ...]
    numbers: MetricNumbers  # the estimate's window, plus realized and realized_reference
    untrusted_estimate_chunks: tuple[int, ...]
    untrusted_estimate_chunk_keys: tuple[str, ...]
    diverging_metrics: tuple[str, ...]


def find(ctx: Context) -> list[Diagnosis[ConceptDrift]]:
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
        severity: Severity = "alert" if worse else "warning"
        n_metrics = len({a.metric for a in alerts})
        confidence = min(0.95, 0.5 + 0.1 * n_metrics + 0.1 * len(run))
        actions = [
            f"Collect labels for recent data ({when}) and retrain the model on them.",
            f"Do not rely on the estimated performance for {when.removeprefix('in ').removeprefix('over ')} until the model is retrained.",
            "Ask the business whether the target definition or the process behind it changed.",
        ]
        chunks = ev.chunk_indices(run)
        numbers = metric_numbers(est)
        if realized:
            numbers = replace(
                numbers, realized=round(realized["value"], 6), realized_reference=round(realized["reference"], 6)
            )
        out.append(
            diagnosis(
                ctx,
                CODE,
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
                ConceptDrift(
                    metric=m,
                    attribution=tuple(
                        FeatureAttribution(s.feature, round(s.statistic, 3), s.dof, s.p_value) for s in shifts
                    ),
                    numbers=numbers,
                    untrusted_estimate_chunks=tuple(chunks),
                    untrusted_estimate_chunk_keys=tuple(ev.chunk_keys(run)),
                    diverging_metrics=tuple(sorted({a.metric for a in alerts})),
                ),
            )
        )
    return out


def sentence(d: Diagnosis[ConceptDrift], ev: Evidence, all_d: list[Diagnosis[Any]]) -> str:
    nums = d.detail.numbers
    metric = d.detail.metric
    when = span(ev, ev.positions(d.chunks))
    if metric and nums.realized is not None and nums.value is not None and ev.has_estimate:
        verb = movement_verb(nums.realized - nums.value)
        head = f"Realized {metric_label(metric)} {verb} to {fmt_value(nums.realized)} {when} while the estimate said {fmt_value(nums.value)}"
    elif metric and nums.realized is not None:
        reference = nums.realized if nums.realized_reference is None else nums.realized_reference
        head = f"Realized {metric_label(metric)} {movement_verb(nums.realized - reference)} to {fmt_value(nums.realized)} {when} while the inputs held steady"
    else:
        head = f"Realized performance parted from the estimate {when}"
    who = f" for {join_names(d.features)}" if d.features else ""
    return f"{head}: the link between inputs and outcome changed{who} (concept drift){money_phrase(d, ev)}. Collect recent labels and retrain."


def recommendation(group: list[Diagnosis[ConceptDrift]], ev: Evidence, all_d: list[Diagnosis[Any]]) -> tuple[str, str]:
    """Collect labels and retrain: features alone do not show a changed relation."""
    metrics = unique(m for d in group for m in d.detail.diverging_metrics)
    untrusted = [k for d in group for k in d.detail.untrusted_estimate_chunk_keys]
    title = "Collect fresh labels and retrain: the link between inputs and outcome changed"
    detail = (
        f"Realized {join_names([metric_label(m) for m in metrics], 4)} left the estimate's confidence band in chunks {join_names(untrusted, 6)}. "
        "Label-free estimates are not trustworthy there. Gather targets for these chunks, retrain on them "
        f"(features alone will not show this), and check whether the target definition changed.{money_note(group, ev)}"
    )
    return title, detail
