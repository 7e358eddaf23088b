"""performance_drop_covariate_shift: Estimated performance dropped while inputs drifted (covariate shift hurting the model)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.resolution.alerts import Alert, episodes
from reportgen.resolution.diagnosis import Detail, Diagnosis, MetricNumbers, SupportShare
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import (
    Context,
    bridge,
    chunk_range,
    diagnosis,
    metric_numbers,
    metric_window,
    money_note,
    money_phrase,
    perf_phrase,
    rank_features,
    span,
    split_causes,
    windowed,
)
from reportgen.resolution.support import JOINT
from reportgen.resolution.text import (
    direction_word,
    fmt_percent,
    fmt_value,
    higher_is_better,
    join_names,
    metric_label,
    movement_verb,
    sentence_case,
    unique,
)

CODE = "performance_drop_covariate_shift"
ANCHOR = "univariate-drift"  # the report section that shows the evidence


@dataclass(frozen=True)
class PerformanceDrop(Detail):
    """The dropped metric and its numbers, the drifted inputs behind it and where the estimate cannot be trusted."""

    metric: str | None
    numbers: MetricNumbers
    correlations: Mapping[str, float]  # each drifted feature's drift vs the drop, strongest cause first
    other_drifted_features: tuple[str, ...]  # drifted without tracking the drop (bystanders)
    multivariate_chunks: tuple[int, ...]
    outside_reference_range: Mapping[str, SupportShare]  # features (and the joint support) that left it
    broken_relations: Mapping[str, float]  # {feature: PCA residual ratio to the reference's}
    data_integrity: tuple[str, ...]  # drifted features carrying a broken relation
    estimate_extrapolates: bool
    metric_step: str  # the step whose series the numbers come from
    untrusted_estimate_chunks: tuple[int, ...]


def find(ctx: Context) -> list[Diagnosis[PerformanceDrop]]:
    """Estimated performance degrades; input drift in or next to those chunks names the cause."""
    ev = ctx.ev
    out = []
    metric = ev.primary_metric
    drop_step, drop_pos, drop_alerts = ev.drop_signal()
    label = "Estimated" if drop_step == "estimated_performance" else "Realized"
    n = len(ev.analysis)
    for run in episodes(drop_pos, bridge(ev)):
        if realized_refutes(ev, run):
            continue  # labels show the model held: covariate_shift_no_impact reports the shift
        window = windowed(run, n)
        # features drifting inside the episode; the chunks either side only when none do
        drifted = ev.drift_features_in(run) or ev.drift_features_in(window)
        mv_hit = sorted(set(ev.mv_pos) & (set(run) if ev.drift_features_in(run) else window))
        outputs_hit = sorted(set(ev.out_pos) & window)
        if not drifted and not mv_hit and set(ev.dq_pos) & window:
            continue  # a data-quality fault explains it: the data_quality rule reports the drop
        if not drifted and not mv_hit and drop_step == "realized_performance":
            continue  # no estimate and no input drift: the concept_drift rule reports it
        alerts = (
            ev.alerts_in(drop_alerts, run)
            + (ev.alerts_in(ev.real_alerts, run) if ev.has_estimate else [])
            + ev.alerts_in(ev.drift_alerts, window)
            + ev.alerts_in(ev.mv_alerts, window)
        )
        alert_metrics = sorted({a.metric for a in ev.alerts_in(drop_alerts, run)})
        m = metric if metric in alert_metrics or not alert_metrics else alert_metrics[0]
        extrapolated = sorted(set(run) & set(ev.extrapolated_drop_pos))
        estimate_missed = bool(extrapolated) and not set(run) & set(ev.est_drop_pos)
        if estimate_missed and set(run) <= set(ev.dq_pos):
            continue  # rows outside the support are the fault's missing or unseen values: data_quality reports it
        step = "realized_performance" if estimate_missed else drop_step
        stats = metric_window(ev, step, m, run) if m else None
        realized = metric_window(ev, "realized_performance", m, run) if m and ev.has_estimate else None
        estimated = metric_window(ev, "estimated_performance", m, run) if m and ev.has_estimate else None
        when = span(ev, run)
        if not drifted and not mv_hit and outputs_hit:
            continue  # explained by the prediction_drift rule
        ranked_all, corr = rank_features(ev, drifted, window)
        features, bystanders = split_causes(ranked_all, corr)
        run_label = "Realized" if estimate_missed else label
        what = perf_phrase(run_label, m, stats) if stats and m else f"{run_label} performance degraded"
        if features:
            cause = f"most likely because {join_names(features)} shifted"
            ranked = ", ".join(f"{f} (r = {corr.get(f, 0.0):.2f})" for f in features[:5])
            detail = f" Drifted inputs, ranked by how closely their drift tracks the drop: {ranked}."
            if bystanders:
                detail += f" {join_names(bystanders, 5)} drifted too, but {'its' if len(bystanders) == 1 else 'their'} drift does not track the drop."
        elif mv_hit:
            cause = "with a shift in the joint distribution of the inputs that no single feature shows"
            detail = " The multivariate drift detectors alert in the same chunks."
        else:
            cause = "with no input crossing its drift threshold"
            detail = (
                " The inputs' drift stays below the thresholds; look at the univariate drift ranking for early signs."
            )
        outside = ev.outside_support(run, ranked_all)
        broken = ev.broken_relations(run)
        moved_broken = ev.integrity_suspects(broken, ranked_all)
        confirm = ""
        if estimate_missed and estimated:
            confirm = f" The label-free estimate said {fmt_value(estimated['value'])}."
        elif realized and m:
            agrees = direction_word(realized["change"], m) == "worse"
            confirm = f" Realized {metric_label(m)} {'confirms it' if agrees else 'does not confirm it'}: {fmt_value(realized['value'])}."
        summary = f"{what} {when}, {cause}.{detail}{confirm}{_support_sentence(outside, broken, moved_broken, bool(extrapolated))}"
        confidence = (
            0.9 if features and (corr.get(features[0], 0) > 0.5 or realized) else 0.7 if features or mv_hit else 0.4
        )
        actions = [
            f"Retrain the model on recent data that includes the drifted segment ({join_names(features, 5) or 'all inputs'}; {span(ev, run)}).",
            "Check whether the shift is expected (new customers, product or policy change) or an upstream error.",
            "Until the model is retrained, treat its scores for the shifted segment with caution.",
        ]
        if moved_broken:
            actions.insert(0, _integrity_action(moved_broken, broken))
        if extrapolated and ev.has_estimate:
            actions.append(
                f"Judge {span(ev, extrapolated).removeprefix('in ').removeprefix('over ')} on realized performance, not on the label-free estimate: it extrapolates there."
            )
        if ev.dq_pos:
            actions.insert(
                1,
                f"Leave out or repair the rows hit by the data-quality fault ({', '.join(ev.chunk_keys(ev.dq_pos))}) before retraining, so the new model does not learn it.",
            )
        ctx_d = diagnosis(
            ctx,
            CODE,
            "alert",
            f"{metric_label(m) if m else 'Performance'} worsened as inputs shifted"
            if (features or mv_hit)
            else f"{metric_label(m) if m else 'Performance'} worsened",
            summary,
            run,
            features,
            alerts,
            actions,
            confidence,
            PerformanceDrop(
                metric=m,
                numbers=metric_numbers(stats, realized),
                correlations={f: round(corr.get(f, 0.0), 3) for f in ranked_all},
                other_drifted_features=tuple(bystanders),
                multivariate_chunks=tuple(ev.chunk_indices(mv_hit)),
                outside_reference_range={f: SupportShare(v["share"], v["chunks"]) for f, v in outside.items()},
                broken_relations=broken,
                data_integrity=tuple(moved_broken),
                estimate_extrapolates=bool(extrapolated),
                metric_step=step,
                untrusted_estimate_chunks=tuple(ev.chunk_indices(extrapolated)),
            ),
        )
        out.append(ctx_d)
    return out


def realized_refutes(ev: Evidence, run: list[int]) -> bool:
    """Labels cover every chunk of an estimated drop and no realized metric crossed a threshold there.

    Realized performance is the measure where it exists: a label-free estimate that drops while the
    realized values of every chunk stay inside their bands (a prior shift CBPE mis-reads, for example)
    is not a performance drop.
    """
    if not ev.has_estimate or not ev.primary_metric or set(run) & set(ev.extrapolated_drop_pos):
        return False
    realized = ev.performance_series("realized_performance", ev.primary_metric)
    have = {int(i) for i, v in zip(realized["chunk_index"], realized["value"]) if np.isfinite(v)}
    if not set(ev.chunk_indices(run)) <= have:
        return False
    robust = set(ev.robust_metrics)
    return not any(
        a.metric in robust and _worse(ev, a) for a in ev.alerts_in(ev.real_alerts_all + ev.diverge_alerts, run)
    )


def realized_drop_positions(ev: Evidence) -> set[int]:
    """Chunks whose corroborated realized alerts lie on the worse side (an improvement is no drop)."""
    return {a.pos for a in ev.real_alerts if _worse(ev, a)}


def _worse(ev: Evidence, alert: Alert) -> bool:
    """A realized alert on the worse side of its reference level (an improvement beyond the band is no drop)."""
    value, ref = alert.record.get("value"), ev.reference_level(alert.metric, "realized_performance")
    if value is None or ref is None or not np.isfinite(value):
        return True
    return bool(value < ref if higher_is_better(alert.metric) else value > ref)


def _support_sentence(
    outside: dict[str, dict[str, Any]], broken: dict[str, float], moved_broken: list[str], extrapolated: bool
) -> str:
    """Why the label-free estimate cannot be trusted where the shifted rows left the reference's support."""
    parts = []
    marginal = {f: v for f, v in outside.items() if f != JOINT}
    if marginal:
        shares = ", ".join(f"{f} {fmt_percent(v['share']).lstrip('+')}" for f, v in marginal.items())
        parts.append(f"share of rows outside the reference's range: {shares}")
    if moved_broken:
        others = [f for f in broken if f not in moved_broken]
        ratio = max(broken.values())
        rel = f" with {join_names(others, 4)}" if others else " with the other inputs"
        parts.append(
            f"the relation of {join_names(moved_broken)}{rel} no longer holds (PCA reconstruction residual {ratio:.1f}x the reference's): a data-integrity signal"
        )
    if not parts:
        return ""
    text = " " + sentence_case("; ".join(parts)) + "."
    if extrapolated:
        text += " The shifted rows lie where the reference has (almost) no data, so the label-free estimate extrapolates there and cannot be trusted; realized performance is the measure."
    return text


def _integrity_action(moved: list[str], broken: dict[str, float]) -> str:
    others = [f for f in broken if f not in moved]
    with_ = f" with {join_names(others, 4)}" if others else ""
    return (
        f"Check the upstream pipeline that produces {join_names(moved)} (unit, scaling, formula): "
        f"its relation{with_} broke. Fix it, then retrain."
    )


def sentence(d: Diagnosis[PerformanceDrop], ev: Evidence, all_d: list[Diagnosis[Any]]) -> str:
    nums = d.detail.numbers
    metric = d.detail.metric
    when = span(ev, ev.positions(d.chunks))
    if metric and nums.value is not None and nums.change is not None and nums.reference is not None:
        label = "Estimated" if d.detail.metric_step == "estimated_performance" else "Realized"
        if not ev.has_estimate:
            label = "Realized"
        head = f"{label} {metric_label(metric)} {movement_verb(nums.change)} from {fmt_value(nums.reference)} to {fmt_value(nums.value)} {when}"
    else:
        head = f"Performance dropped {when}"
    cause = f", most likely because {join_names(d.features)} shifted" if d.features else ""
    fix = " Retrain on recent data."
    if d.detail.data_integrity:
        fix = f" Check the upstream pipeline for {join_names(d.detail.data_integrity)}, then retrain."
    if d.detail.estimate_extrapolates and ev.has_estimate:
        fix += " The label-free estimate extrapolates there and cannot be trusted."
    return f"{head}{cause}{money_phrase(d, ev)}.{fix}"


def recommendation(
    group: list[Diagnosis[PerformanceDrop]], ev: Evidence, all_d: list[Diagnosis[Any]]
) -> tuple[str, str]:
    """Retrain, naming the shifted segment and the data-quality rows to leave out."""
    features = unique(f for d in group for f in d.features)
    dq = [k for d in all_d if d.code == "data_quality" for k in d.chunk_keys]
    title = "Retrain the model on recent data" + (
        f", including the shifted {join_names(features, 3)} segment" if features else ""
    )
    metric = group[0].detail.metric
    nums = group[0].detail.numbers
    perf = (
        f"Estimated {metric_label(metric)} {nums.reference:.3f} in reference vs {nums.value:.3f} in chunks {chunk_range(group)}. "
        if metric and nums.value is not None and nums.reference is not None
        else ""
    )
    corr = group[0].detail.correlations
    ranked = ", ".join(f"{f} (r = {corr.get(f, 0):.2f})" for f in features[:6])
    detail = (
        f"{perf}Inputs whose drift tracks the drop: {ranked or 'none beyond the multivariate detectors'}. "
        f"Retrain on a window that covers chunks {chunk_range(group)} (targets for them help most), validate on the latest chunk, "
        f"and compare against the current model before switching."
        + (f" Leave out or repair the rows of the data-quality fault ({join_names(dq, 4)}) first." if dq else "")
        + money_note(group, ev)
    )
    return title, detail
