"""data_quality: Missing values or unseen categories rose; drift on those features is set aside as an artefact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.resolution.alerts import episodes
from reportgen.resolution.diagnosis import Detail, Diagnosis
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import (
    Context,
    bridge,
    chunk_range,
    diagnosis,
    rank_by_alerts,
    span,
)
from reportgen.resolution.text import (
    fmt_percent,
    join_names,
    plural,
    sentence_case,
    unique,
)

CODE = "data_quality"
ANCHOR = "data-quality"  # the report section that shows the evidence


@dataclass(frozen=True)
class DataQualityFault(Detail):
    """The features whose drift alerts in the fault's chunks were set aside as artefacts of it."""

    artefact_features: tuple[str, ...]


def find(ctx: Context) -> list[Diagnosis[DataQualityFault]]:
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
        # realized drops count too: where the estimate held, the fault's rows fool it (imputed or unseen values)
        dropped = set(ev.est_drop_pos if ev.est_alerts else []) | set(ev.concept_pos) | set(ev.real_drop_pos)
        unseen_by_estimate = set(ev.concept_pos) | (set(ev.real_drop_pos) - set(ev.est_drop_pos))
        hit_perf = [p for p in run if p in dropped]
        perf_alerts = (
            ev.alerts_in(ev.est_alerts, run) + ev.alerts_in(ev.diverge_alerts, run) + ev.alerts_in(ev.real_alerts, run)
        )
        if hit_perf:
            summary += (
                f" Performance suffers in {plural(len(hit_perf), 'chunk')} of the fault"
                + (
                    " and the label-free estimate is not trustworthy there"
                    if set(hit_perf) & unseen_by_estimate
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
                CODE,
                "alert" if hit_perf else "warning",
                f"Data-quality fault in {join_names(features, 2)}",
                summary,
                run,
                features,
                alerts + artefacts + perf_alerts,
                actions,
                min(0.95, 0.6 + 0.1 * len(alerts)),
                DataQualityFault(artefact_features=tuple(art_cols)),
                money=bool(hit_perf),
            )
        )
    return out


def sentence(d: Diagnosis[DataQualityFault], ev: Evidence, all_d: list[Diagnosis[Any]]) -> str:
    when = span(ev, ev.positions(d.chunks))
    return f"Data-quality fault in {join_names(d.features)} {when} (missing values or unseen categories); fix the upstream pipeline before retraining."


def recommendation(
    group: list[Diagnosis[DataQualityFault]], ev: Evidence, all_d: list[Diagnosis[Any]]
) -> tuple[str, str]:
    """Fix the pipeline first; drift on the faulty features may be its artefact."""
    features = unique(f for d in group for f in d.features)
    art = unique(f for d in group for f in d.detail.artefact_features)
    title = f"Fix the upstream data pipeline for {join_names(features, 3)} before retraining"
    detail = (
        f"Missing-value or unseen-category alerts in {join_names(features, 8)} (chunks {chunk_range(group)}). "
        + (
            f"Drift alerts on {join_names(art, 8)} in those chunks are likely artefacts and were set aside. "
            if art
            else ""
        )
        + "Find the source (a join, an upstream schema change, a new category not mapped), fix it, and re-run the report; do not retrain on the faulty rows."
    )
    return title, detail
