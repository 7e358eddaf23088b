"""covariate_shift_no_impact: Inputs drifted while performance held."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.resolution.alerts import episodes
from reportgen.resolution.diagnoses.performance_drop_covariate_shift import (
    PerformanceDrop,
    realized_drop_positions,
    realized_refutes,
)
from reportgen.resolution.diagnosis import Detail, Diagnosis, MetricNumbers
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import (
    MAX_EVIDENCE,
    Context,
    bridge,
    chunk_range,
    diagnosis,
    lasting,
    metric_numbers,
    metric_window,
    rank_by_alerts,
    span,
)
from reportgen.resolution.text import (
    fmt_value,
    join_names,
    metric_label,
    unique,
)

CODE = "covariate_shift_no_impact"
ANCHOR = "univariate-drift"  # the report section that shows the evidence


@dataclass(frozen=True)
class CovariateShift(Detail):
    """The primary metric that held, its numbers, and the chunks where the multivariate detectors alerted."""

    metric: str | None
    numbers: MetricNumbers
    multivariate_chunks: tuple[int, ...]


def find(ctx: Context) -> list[Diagnosis[CovariateShift]]:
    """Inputs drift while estimated and realized performance hold."""
    ev = ctx.ev
    out = []
    perf_runs = [
        ev.positions(d.chunks)
        for d in ctx.diagnoses
        if d.code in ("performance_drop_covariate_shift", "prediction_drift")
    ]
    est_drop = [p for run in episodes(ev.est_drop_pos, bridge(ev)) if not realized_refutes(ev, run) for p in run]
    busy = {p for r in perf_runs for p in r} | realized_drop_positions(ev) | set(est_drop)
    pos = [p for p in ev.input_drift_pos if p not in busy]
    metric = ev.primary_metric
    for run in episodes(pos, bridge(ev)):
        features = rank_by_alerts(ev, ev.alerts_in(ev.drift_alerts, run), run)
        neighbour = next(
            (
                d
                for d in ctx.diagnoses
                if isinstance(d.detail, PerformanceDrop)
                and (run[-1] + 1 in ev.positions(d.chunks) or run[0] - 1 in ev.positions(d.chunks))
            ),
            None,
        )
        if neighbour is not None and set(features) <= set(neighbour.features):
            # the same inputs drifting just before (or after) the drop: part of that episode
            ctx.replace(neighbour, absorb(ev, neighbour, run, features))
            continue
        mv = ev.alerts_in(ev.mv_alerts, run)
        alerts = ev.alerts_in(ev.drift_alerts, run) + mv
        stats = metric_window(ev, "estimated_performance", metric, run) if metric else None
        realized = metric_window(ev, "realized_performance", metric, run) if metric else None
        when = span(ev, run)
        held = ""
        if stats and realized and metric and set(run) & set(ev.est_drop_pos):
            held = (
                f" The label-free estimate of {metric_label(metric)} fell to {fmt_value(stats['value'])} (reference {fmt_value(stats['reference'])}),"
                f" but realized {metric_label(metric)}, measured on the labels, held at {fmt_value(realized['value'])}"
                f" (reference {fmt_value(realized['reference'])}): the estimate misreads this shift."
            )
        elif stats and metric:
            held = f" Estimated {metric_label(metric)} held at {fmt_value(stats['value'])} (reference {fmt_value(stats['reference'])})"
            if realized:
                held += f" and realized agrees ({fmt_value(realized['value'])})"
            held += "."
        who = (
            f"Input{'s' if len(features) > 1 else ''} {join_names(features)}"
            if features
            else "The joint distribution of the inputs"
        )
        if metric is None:
            summary = f"{who} shifted {when}. This run has no performance results, so the impact is unknown; no performance alert fired."
        else:
            summary = f"{who} shifted {when}, but performance did not suffer.{held} No action is needed beyond watching the next reports."
        strong = (len(features) >= 2 or bool(mv) or len(run) >= 2) and lasting(ev, run)
        actions = [
            f"Keep monitoring; no retraining needed now ({join_names(features, 5) or 'inputs'} drifted without hurting performance).",
            "Confirm the shift is expected (seasonality, a new customer segment) and note it for the next retraining.",
        ]
        out.append(
            diagnosis(
                ctx,
                CODE,
                "warning" if strong else "info",
                "Inputs shifted without hurting performance",
                summary,
                run,
                features,
                alerts,
                actions,
                0.8 if realized else 0.65 if metric else 0.4,
                CovariateShift(
                    metric=metric,
                    numbers=metric_numbers(stats, realized),
                    multivariate_chunks=tuple(ev.chunk_indices(sorted({a.pos for a in mv}))),
                ),
            )
        )
    return out


def absorb(
    ev: Evidence, drop: Diagnosis[PerformanceDrop], run: list[int], features: list[str]
) -> Diagnosis[PerformanceDrop]:
    """The performance-drop diagnosis extended with adjacent chunks where its features already drifted."""
    positions = sorted(set(ev.positions(drop.chunks)) | set(run))
    before = run[-1] < min(ev.positions(drop.chunks))
    records = tuple(a.record for a in ev.alerts_in(ev.drift_alerts, run))
    when = span(ev, run)
    shift = (
        f" The shift in {join_names(features) or 'the joint distribution of the inputs'} {'began' if before else 'went on'} {when}, "
        f"{'before' if before else 'after'} performance {'dropped' if before else 'recovered'}."
    )
    return drop.replace(
        chunks=tuple(ev.chunk_indices(positions)),
        chunk_keys=tuple(ev.chunk_keys(positions)),
        evidence=(drop.evidence + records)[:MAX_EVIDENCE],
        evidence_count=drop.evidence_count + len(records),
        summary=drop.summary + shift,
    )


def sentence(d: Diagnosis[CovariateShift], ev: Evidence, all_d: list[Diagnosis[Any]]) -> str:
    when = span(ev, ev.positions(d.chunks))
    nums = d.detail.numbers
    metric = d.detail.metric
    held = (
        f", but estimated {metric_label(metric)} held at {fmt_value(nums.value)} (reference {fmt_value(nums.reference)})"
        if metric and nums.value is not None
        else ", but performance held"
    )
    who = f"Input{'s' if len(d.features) > 1 else ''} {join_names(d.features)}" if d.features else "The inputs"
    return f"{who} shifted {when}{held}. No action needed beyond monitoring."


def recommendation(
    group: list[Diagnosis[CovariateShift]], ev: Evidence, all_d: list[Diagnosis[Any]]
) -> tuple[str, str]:
    """Keep monitoring: the shift has not hurt performance."""
    features = unique(f for d in group for f in d.features)
    title = "Keep monitoring: inputs shifted but performance holds"
    detail = (
        f"Drift in {join_names(features, 8) or 'the joint input distribution'} (chunks {chunk_range(group)}) has not hurt estimated or realized performance. "
        "No retraining needed now; confirm the shift is expected and include these data in the next scheduled retraining."
    )
    return title, detail
