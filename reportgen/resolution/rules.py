"""Diagnosis rules: one function per diagnosis code, registered in RULES and run in order.

Each rule reads the Evidence (corroborated alerts on the analysis timeline) and the diagnoses the
earlier rules made, and returns diagnoses as plain dicts:
`{code, severity, title, summary, chunks, chunk_keys, features, evidence, actions, confidence,
value_at_stake, ...}`. Codes are a results.json contract (DESIGN.md): extend, never rename.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reportgen.resolution.attribution import concept_features
from reportgen.resolution.evidence import BRIDGE_PER_CHUNKS, Alert, Evidence, episodes, steady_columns
from reportgen.resolution.support import JOINT
from reportgen.resolution.text import (
    direction_word,
    fmt_money,
    fmt_percent,
    fmt_value,
    higher_is_better,
    join_names,
    metric_label,
    movement_verb,
    plural,
    sentence_case,
    span_text,
)

CODES = (
    "performance_drop_covariate_shift",
    "concept_drift",
    "business_value_drop",
    "data_quality",
    "prediction_drift",
    "covariate_shift_no_impact",
    "no_issue",
)
SEVERITY_RANK = {"alert": 2, "warning": 1, "info": 0}
MAX_EVIDENCE = 60
# findings whose chunks lose value because of them; the others carry money only when they hurt
MONEY_CODES = ("performance_drop_covariate_shift", "concept_drift", "business_value_drop")


@dataclass
class Context:
    """What the rules share: the evidence and the diagnoses made so far."""

    ev: Evidence
    diagnoses: list[dict[str, Any]] = field(default_factory=list)

    def positions_of(self, *codes: str) -> set[int]:
        pos: set[int] = set()
        for d in self.diagnoses:
            if d["code"] in codes:
                pos |= set(self.ev.positions(d["chunks"]))
        return pos


Rule = Callable[[Context], list[dict[str, Any]]]
RULES: list[tuple[str, Rule]] = []


def rule(code: str) -> Callable[[Rule], Rule]:
    """Register a rule under its diagnosis code; rules run in registration order."""

    def deco(fn: Rule) -> Rule:
        if code not in CODES:
            raise ValueError(f"unknown diagnosis code {code!r}; add it to CODES first")
        RULES.append((code, fn))
        return fn

    return deco


def run_rules(ev: Evidence) -> list[dict[str, Any]]:
    """Every rule in order; diagnoses sorted by severity, money at stake, code and first chunk."""
    ctx = Context(ev)
    for _, fn in RULES:
        ctx.diagnoses.extend(fn(ctx))
    return sort_diagnoses(ctx.diagnoses)


def sort_diagnoses(diagnoses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    code_rank = {c: i for i, c in enumerate(CODES)}
    return sorted(
        diagnoses,
        key=lambda d: (
            -SEVERITY_RANK[d["severity"]],
            d["code"] != "no_issue",
            -(d.get("value_at_stake") or 0.0),
            code_rank.get(d["code"], 99),
            d["chunks"][:1] or [-1],
            d["title"],
        ),
    )


# ---------------------------------------------------------------------------- building blocks
def diagnosis(
    ctx: Context,
    code: str,
    severity: str,
    title: str,
    summary: str,
    positions: Iterable[int],
    features: list[str],
    alerts: Iterable[Alert],
    actions: list[str],
    confidence: float,
    **extra: Any,
) -> dict[str, Any]:
    """One diagnosis dict with chunk indices and keys, evidence records (capped) and money at stake."""
    ev = ctx.ev
    positions = sorted(set(positions))
    chunks = ev.chunk_indices(positions)
    records = [
        a.record
        for a in sorted(alerts, key=lambda a: (-_finite(a.z), a.pos, a.step, a.method or "", a.metric, a.column or ""))
    ]
    out = {
        "code": code,
        "severity": severity,
        "title": title,
        "summary": summary,
        "chunks": chunks,
        "chunk_keys": ev.chunk_keys(positions),
        "features": list(features),
        "evidence": records[:MAX_EVIDENCE],
        "evidence_count": len(records),
        "actions": actions,
        "confidence": round(float(confidence), 2),
        "confidence_label": "high" if confidence >= 0.75 else "medium" if confidence >= 0.5 else "low",
        "value_at_stake": ev.money_at_stake(chunks) if code in MONEY_CODES or extra.pop("money", False) else None,
        "currency": ev.currency,
    }
    out.update(extra)
    return out


def _finite(z: float) -> float:
    return z if math.isfinite(z) else 0.0


def span(ev: Evidence, positions: list[int]) -> str:
    """Plain words for a run of analysis chunks: 'over the last three weeks (2024-03 to 2024-05)'."""
    positions = sorted(set(positions))
    if not positions:
        return ""
    labels = ev.chunk_labels(positions)
    ends_at_last = positions[-1] == len(ev.analysis) - 1
    text = span_text(labels, len(ev.analysis), ends_at_last, ev.config.chunking.period)
    if len(positions) > 1 and "from" not in text:
        text += f" ({labels[0]} to {labels[-1]})"
    elif len(positions) == 1 and not text.startswith("in "):
        text += f" ({labels[0]})"
    return text


def bridge(ev: Evidence) -> int:
    """Quiet chunks an episode may span: none up to 29 analysis chunks, one per 30 beyond."""
    return len(ev.analysis) // BRIDGE_PER_CHUNKS


def lasting(ev: Evidence, run: list[int]) -> bool:
    """Long enough to be more than chance among many chunks: with 30+ analysis chunks (daily or
    weekly runs over months) thousands of feature-chunk cells are tested, and a drift episode of
    fewer alerting chunks than one per 30 (at least two) is reported as info, not as a warning."""
    b = bridge(ev)
    return b == 0 or len(run) >= max(2, b)


def windowed(positions: list[int], n: int, pad: int = 1) -> set[int]:
    return {p + d for p in positions for d in range(-pad, pad + 1) if 0 <= p + d < n}


def metric_window(ev: Evidence, step: str, metric: str, positions: list[int]) -> dict[str, float] | None:
    """Mean and worst value of a metric over chunks, with its reference level."""
    f = ev.performance_series(step, metric)
    idx = set(ev.chunk_indices(positions))
    vals = np.array(
        [v for i, v in zip(f["chunk_index"], f["value"]) if int(i) in idx and math.isfinite(v)], dtype=float
    )
    ref = ev.reference_level(metric, step)
    if vals.size == 0 or ref is None:
        return None
    worst = float(vals.min() if higher_is_better(metric) else vals.max())
    mean = float(vals.mean())
    change = mean - ref
    return {
        "reference": ref,
        "value": mean,
        "worst": worst,
        "change": change,
        "relative_change": change / abs(ref) if ref else float("nan"),
    }


def rank_features(ev: Evidence, features: list[str], positions: Iterable[int]) -> tuple[list[str], dict[str, float]]:
    """Drifted features ordered by how well their drift tracks the drop, then by alert count."""
    counts = ev.alert_counts(ev.alerts_in(ev.drift_alerts, positions))
    corr = ev.tracking(features)
    ordered = sorted(features, key=lambda f: (-round(corr.get(f, 0.0), 6), -counts.get(f, 0), f))
    return ordered, corr


def split_causes(ranked: list[str], corr: dict[str, float], *, clear: float = 0.5) -> tuple[list[str], list[str]]:
    """Causes and bystanders: when the best feature's drift clearly tracks the drop (r >= 0.5), features
    tracking it less than half as well drifted for another reason (a shift that does not hurt)."""
    if not ranked or corr.get(ranked[0], 0.0) < clear:
        return ranked, []
    bar = corr[ranked[0]] / 2
    return [f for f in ranked if corr.get(f, 0.0) >= bar], [f for f in ranked if corr.get(f, 0.0) < bar]


def rank_by_alerts(ev: Evidence, alerts: list[Alert], run: list[int] | None = None) -> list[str]:
    """Columns by alert count, then strength. Given the episode `run`, only columns alerting steadily
    over it (`steady_columns`): a stray alert does not join a long episode's feature list."""
    if run is not None:
        steady = steady_columns(alerts, len(run))
        alerts = [a for a in alerts if a.column is None or a.column in steady]
    counts = ev.alert_counts(alerts)
    strength: dict[str, float] = {}
    for a in alerts:
        if a.column is not None:
            strength[a.column] = max(strength.get(a.column, 0.0), _finite(a.z))
    return sorted(counts, key=lambda f: (-counts[f], -strength.get(f, 0.0), f))


def money_clause(ev: Evidence, value: float | None) -> str:
    return f" About {fmt_money(value, ev.currency)} of value is at stake against the reference rate." if value else ""


# ----------------------------------------------------------------------------------- rules
@rule("performance_drop_covariate_shift")
def performance_drop(ctx: Context) -> list[dict[str, Any]]:
    """Estimated performance degrades; input drift in or next to those chunks names the cause."""
    ev = ctx.ev
    out = []
    metric = ev.primary_metric
    drop_step, drop_pos, drop_alerts = ev.drop_signal()
    label = "Estimated" if drop_step == "estimated_performance" else "Realized"
    n = len(ev.analysis)
    for run in episodes(drop_pos, bridge(ev)):
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
        what = _perf_phrase(run_label, m, stats) if stats else f"{run_label} performance degraded"
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
        elif realized:
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
            "performance_drop_covariate_shift",
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
            metric=m,
            numbers=_numbers(stats, realized),
            correlations={f: round(corr.get(f, 0.0), 3) for f in ranked_all},
            other_drifted_features=bystanders,
            multivariate_chunks=ev.chunk_indices(mv_hit),
            outside_reference_range=outside,
            broken_relations=broken,
            data_integrity=moved_broken,
            estimate_extrapolates=bool(extrapolated),
            metric_step=step,
            untrusted_estimate_chunks=ev.chunk_indices(extrapolated),
        )
        out.append(ctx_d)
    return out


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


def _perf_phrase(prefix: str, metric: str, stats: dict[str, float]) -> str:
    verb = movement_verb(stats["change"])
    return f"{prefix} {metric_label(metric)} {verb} from {fmt_value(stats['reference'])} to {fmt_value(stats['value'])} ({fmt_percent(stats['relative_change'])}, {direction_word(stats['change'], metric)})"


def _numbers(stats: dict[str, float] | None, realized: dict[str, float] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if stats:
        out.update({k: round(v, 6) for k, v in stats.items() if math.isfinite(v)})
    if realized:
        out["realized"] = round(realized["value"], 6)
        out["realized_worst"] = round(realized["worst"], 6)
    return out


@rule("concept_drift")
def concept_drift(ctx: Context) -> list[dict[str, Any]]:
    """Realized performance leaves the estimate's band (or alerts while the estimate holds)."""
    ev = ctx.ev
    out = []
    for run in episodes((p for p in ev.concept_pos if p not in set(ev.dq_pos)), bridge(ev)):
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
        shifts = concept_features(ev.data, ev.chunk_indices(run)) if ev.data is not None else []
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
                    **_numbers(est),
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


@rule("data_quality")
def data_quality(ctx: Context) -> list[dict[str, Any]]:
    """Missing-value or unseen-category alerts; drift in the same features and chunks may be an artefact."""
    ev = ctx.ev
    out = []
    for run in episodes(ev.dq_pos, bridge(ev)):
        alerts = ev.alerts_in(ev.dq_alerts, run)
        features = rank_by_alerts(ev, alerts, run)
        kinds = []
        details = []
        for method, word in (
            ("missing_values", "missing values rose"),
            ("unseen_values", "unseen categories appeared"),
        ):
            cols = rank_by_alerts(ev, [a for a in alerts if a.method == method])
            if cols:
                kinds.append(f"{word} in {join_names(cols)}")
                for c in cols[:5]:
                    vals = [a for a in alerts if a.method == method and a.column == c and a.metric == "rate"]
                    if vals:
                        top = max(vals, key=lambda a: a.record.get("value") or 0)
                        ref = ev.reference_mean("data_quality", method, "rate", c)
                        ref_text = f" (reference {fmt_percent(ref).lstrip('+')})" if ref is not None else ""
                        details.append(
                            f"{c}: {method.replace('_', ' ')} rate up to {fmt_percent(top.record['value']).lstrip('+')}{ref_text}"
                        )
        artefacts = [a for a in ev.artefacts + ev.mv_artefacts if a.pos in set(run)]
        art_cols = sorted({a.column for a in artefacts if a.column})
        art_names = art_cols + (
            ["the multivariate detectors"] if any(a.step == "multivariate_drift" for a in artefacts) else []
        )
        when = span(ev, run)
        summary = (
            f"{sentence_case('; '.join(kinds) or 'Data-quality alerts fired')} {when}."
            + (f" {'; '.join(details)}." if details else "")
            + (
                f" Drift alerts in the same chunks ({join_names(art_names, 5)}; {plural(len(artefacts), 'alert')}) may be an artefact of this fault and were set aside."
                if artefacts
                else " Drift measured on these features in these chunks may be an artefact of the fault."
            )
        )
        hit_perf = [p for p in run if p in set(ev.est_drop_pos if ev.est_alerts else []) | set(ev.concept_pos)]
        perf_alerts = ev.alerts_in(ev.est_alerts, run) + ev.alerts_in(ev.diverge_alerts, run)
        if hit_perf:
            summary += (
                f" Performance suffers in {plural(len(hit_perf), 'chunk')} of the fault"
                + (
                    " and the label-free estimate is not trustworthy there"
                    if set(hit_perf) & set(ev.concept_pos)
                    else ""
                )
                + "."
            )
        actions = [
            f"Fix the upstream data pipeline that feeds {join_names(features, 5)} before retraining.",
            "Re-run this report once the fix is in: drift on these features may disappear with it.",
        ]
        out.append(
            diagnosis(
                ctx,
                "data_quality",
                "alert" if hit_perf else "warning",
                f"Data-quality fault in {join_names(features, 2)}",
                summary,
                run,
                features,
                alerts + artefacts + perf_alerts,
                actions,
                min(0.95, 0.6 + 0.1 * len(alerts)),
                artefact_features=art_cols,
                money=bool(hit_perf),
            )
        )
    return out


@rule("prediction_drift")
def prediction_drift(ctx: Context) -> list[dict[str, Any]]:
    """The model's outputs move without a matching input drift."""
    ev = ctx.ev
    out = []
    n = len(ev.analysis)
    input_window = windowed(ev.input_drift_pos, n)
    drop = set(ev.est_drop_pos) if ev.est_alerts else set()
    pos = [p for p in ev.out_pos if p not in input_window and p not in set(ev.dq_pos)]
    for run in episodes(pos, bridge(ev)):
        alerts = ev.alerts_in(ev.out_alerts, run)
        cols = rank_by_alerts(ev, alerts, run)
        hurts = bool(set(run) & drop)
        when = span(ev, run)
        summary = (
            f"The model's outputs ({join_names(cols)}) shifted {when} while no input drifted beyond its threshold."
            + (" Estimated performance dropped with them." if hurts else "")
            + " Something between the inputs and the scores changed: the deployed model, its preprocessing or feature encoding."
        )
        actions = [
            "Check the deployed model version and its preprocessing (encoders, scaling, defaults) for changes.",
            "Compare the score distribution with the reference and with the training run.",
        ]
        perf = ev.alerts_in(ev.est_alerts, run)
        out.append(
            diagnosis(
                ctx,
                "prediction_drift",
                "alert" if hurts else "warning" if lasting(ev, run) else "info",
                "Model outputs shifted without input drift",
                summary,
                run,
                cols,
                alerts + perf,
                actions,
                0.7 if len(alerts) > 1 else 0.5,
                money=hurts,
            )
        )
    return out


@rule("covariate_shift_no_impact")
def covariate_shift_no_impact(ctx: Context) -> list[dict[str, Any]]:
    """Inputs drift while estimated and realized performance hold."""
    ev = ctx.ev
    out = []
    perf_runs = [
        ev.positions(d["chunks"])
        for d in ctx.diagnoses
        if d["code"] in ("performance_drop_covariate_shift", "prediction_drift")
    ]
    busy = {p for r in perf_runs for p in r} | set(ev.real_drop_pos) | set(ev.est_drop_pos if ev.est_alerts else [])
    pos = [p for p in ev.input_drift_pos if p not in busy]
    metric = ev.primary_metric
    for run in episodes(pos, bridge(ev)):
        features = rank_by_alerts(ev, ev.alerts_in(ev.drift_alerts, run), run)
        neighbour = next(
            (
                d
                for d in ctx.diagnoses
                if d["code"] == "performance_drop_covariate_shift"
                and (run[-1] + 1 in ev.positions(d["chunks"]) or run[0] - 1 in ev.positions(d["chunks"]))
            ),
            None,
        )
        if neighbour is not None and set(features) <= set(neighbour["features"]):
            # the same inputs drifting just before (or after) the drop: part of that episode
            absorb(ev, neighbour, run, features)
            continue
        mv = ev.alerts_in(ev.mv_alerts, run)
        alerts = ev.alerts_in(ev.drift_alerts, run) + mv
        stats = metric_window(ev, "estimated_performance", metric, run) if metric else None
        realized = metric_window(ev, "realized_performance", metric, run) if metric else None
        when = span(ev, run)
        held = ""
        if stats:
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
                "covariate_shift_no_impact",
                "warning" if strong else "info",
                "Inputs shifted without hurting performance",
                summary,
                run,
                features,
                alerts,
                actions,
                0.8 if realized else 0.65 if metric else 0.4,
                metric=metric,
                numbers=_numbers(stats, realized),
                multivariate_chunks=ev.chunk_indices(sorted({a.pos for a in mv})),
            )
        )
    return out


def absorb(ev: Evidence, diagnosis_: dict[str, Any], run: list[int], features: list[str]) -> None:
    """Extend a performance-drop diagnosis with adjacent chunks where its features already drifted."""
    positions = sorted(set(ev.positions(diagnosis_["chunks"])) | set(run))
    before = run[-1] < min(ev.positions(diagnosis_["chunks"]))
    diagnosis_["chunks"] = ev.chunk_indices(positions)
    diagnosis_["chunk_keys"] = ev.chunk_keys(positions)
    diagnosis_["evidence"] = (diagnosis_["evidence"] + [a.record for a in ev.alerts_in(ev.drift_alerts, run)])[
        :MAX_EVIDENCE
    ]
    diagnosis_["evidence_count"] += len(ev.alerts_in(ev.drift_alerts, run))
    when = span(ev, run)
    diagnosis_["summary"] += (
        f" The shift in {join_names(features) or 'the joint distribution of the inputs'} {'began' if before else 'went on'} {when}, {'before' if before else 'after'} performance {'dropped' if before else 'recovered'}."
    )


@rule("business_value_drop")
def business_value_drop(ctx: Context) -> list[dict[str, Any]]:
    """Business value below its threshold, with the money at stake and the diagnoses that explain it."""
    ev = ctx.ev
    out = []

    def links(run: list[int]) -> list[dict[str, Any]]:
        chunks = set(ev.chunk_indices(run))
        return [d for d in ctx.diagnoses if set(d["chunks"]) & chunks and d["code"] != "business_value_drop"]

    grouped: list[tuple[list[int], list[dict[str, Any]]]] = []
    for run in episodes(ev.bv_pos, bridge(ev)):  # runs explained by the same findings are one loss
        linked = links(run)
        if grouped and linked and [id(d) for d in grouped[-1][1]] == [id(d) for d in linked]:
            grouped[-1] = (grouped[-1][0] + run, linked)
        else:
            grouped.append((run, linked))
    for run, linked in grouped:
        alerts = ev.alerts_in(ev.bv_alerts, run)
        chunks = ev.chunk_indices(run)
        money = ev.money_at_stake(chunks)
        when = span(ev, run)
        because = (
            f" It coincides with: {'; '.join(d['title'] for d in linked)}."
            if linked
            else " No drift or performance alert explains it: check prices, volumes and the value matrix."
        )
        summary = (
            f"Business value fell below its threshold {when}."
            + (f" About {fmt_money(money, ev.currency)} less than at the reference rate." if money else "")
            + because
        )
        actions = (
            [f"Act on the linked finding first ({linked[0]['title']}); it drives the lost value."]
            if linked
            else [
                "Review the business value inputs (prices, volumes, the value matrix) and the decisions the model drives."
            ]
        )
        out.append(
            diagnosis(
                ctx,
                "business_value_drop",
                "alert",
                "Business value dropped" + (f": about {fmt_money(money, ev.currency)} at stake" if money else ""),
                summary,
                run,
                sorted({f for d in linked for f in d["features"]}),
                alerts,
                actions,
                0.8 if linked else 0.6,
                linked_diagnoses=[d["code"] for d in linked],
            )
        )
    return out


@rule("no_issue")
def no_issue(ctx: Context) -> list[dict[str, Any]]:
    """Nothing corroborated needs attention: say so plainly, noting isolated alerts as noise."""
    ev = ctx.ev
    if any(SEVERITY_RANK[d["severity"]] >= 1 for d in ctx.diagnoses):
        return []
    metric = ev.primary_metric
    all_pos = list(range(len(ev.analysis)))
    stats = metric_window(ev, "estimated_performance", metric, all_pos) if metric else None
    realized = metric_window(ev, "realized_performance", metric, all_pos) if metric else None
    parts = []
    if stats:
        parts.append(
            f"estimated {metric_label(metric)} stayed at {fmt_value(stats['value'])} (reference {fmt_value(stats['reference'])})"
        )
    elif realized:
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
            "no_issue",
            "info",
            "No issue found",
            sentence_case(summary),
            all_pos if n else [],
            [],
            isolated,
            ["No action needed; keep monitoring with the next report."],
            0.9 if not isolated else 0.75,
            metric=metric,
            numbers=_numbers(stats, realized),
        )
    ]
