"""Recommendations: one per kind of finding, in words a manager understands, details for the analyst.

Diagnoses of the same code (several episodes) merge into one recommendation naming all their
features and chunks. Ordered by severity, then money at stake, then the contract's code order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import CODES, SEVERITY_RANK
from reportgen.resolution.text import fmt_money, join_names, metric_label, unique

Writer = Callable[[list[dict[str, Any]], Evidence, list[dict[str, Any]]], tuple[str, str]]
WRITERS: dict[str, Writer] = {}


def writer(code: str) -> Callable[[Writer], Writer]:
    """Register the title/detail writer of one diagnosis code."""

    def deco(fn: Writer) -> Writer:
        WRITERS[code] = fn
        return fn

    return deco


def recommend(diagnoses: list[dict[str, Any]], ev: Evidence) -> list[dict[str, Any]]:
    """Recommendations from diagnoses, merged per code and ordered by severity then money."""
    by_code: dict[str, list[dict[str, Any]]] = {}
    for d in diagnoses:
        if d["code"] == "business_value_drop" and d.get("linked_diagnoses"):
            continue  # the linked finding's recommendation carries this money
        by_code.setdefault(d["code"], []).append(d)
    recs = []
    for code, group in by_code.items():
        title, detail = WRITERS[code](group, ev, diagnoses)
        chunks = sorted({c for d in group for c in d["chunks"]})
        keys = {c: k for d in group for c, k in zip(d["chunks"], d["chunk_keys"])}
        money = [d["value_at_stake"] for d in group if d.get("value_at_stake")]
        if code == "performance_drop_covariate_shift" or code == "concept_drift":
            linked_bv = [
                d["value_at_stake"]
                for d in diagnoses
                if d["code"] == "business_value_drop"
                and code in d.get("linked_diagnoses", [])
                and d.get("value_at_stake")
            ]
            money = money or linked_bv
        recs.append(
            {
                "title": title,
                "detail": detail,
                "severity": max((d["severity"] for d in group), key=SEVERITY_RANK.__getitem__),
                "diagnosis": code,
                "features": unique(f for d in group for f in d["features"]),
                "chunks": chunks,
                "chunk_keys": [keys[c] for c in chunks],
                "value_at_stake": round(sum(money), 2) if money else None,
                "currency": ev.currency,
            }
        )
    code_rank = {c: i for i, c in enumerate(CODES)}
    recs.sort(
        key=lambda r: (
            -SEVERITY_RANK[r["severity"]],
            -(r["value_at_stake"] or 0.0),
            code_rank.get(r["diagnosis"], 99),
            r["chunks"][:1] or [-1],
        )
    )
    return recs


def _where(group: list[dict[str, Any]]) -> str:
    keys = [k for d in group for k in d["chunk_keys"]]
    if not keys:
        return ""
    return keys[0] if len(keys) == 1 else f"{keys[0]} to {keys[-1]}"


def _money(group: list[dict[str, Any]], ev: Evidence) -> str:
    money = sum(d["value_at_stake"] or 0 for d in group)
    return f" About {fmt_money(money, ev.currency)} of value is at stake." if money else ""


@writer("performance_drop_covariate_shift")
def _retrain(group: list[dict[str, Any]], ev: Evidence, all_d: list[dict[str, Any]]) -> tuple[str, str]:
    features = unique(f for d in group for f in d["features"])
    dq = [k for d in all_d if d["code"] == "data_quality" for k in d["chunk_keys"]]
    title = "Retrain the model on recent data" + (
        f", including the shifted {join_names(features, 3)} segment" if features else ""
    )
    metric = group[0].get("metric")
    nums = group[0].get("numbers", {})
    perf = (
        f"Estimated {metric_label(metric)} {nums['reference']:.3f} in reference vs {nums['value']:.3f} in chunks {_where(group)}. "
        if metric and "value" in nums
        else ""
    )
    corr = group[0].get("correlations", {})
    ranked = ", ".join(f"{f} (r = {corr.get(f, 0):.2f})" for f in features[:6])
    detail = (
        f"{perf}Inputs whose drift tracks the drop: {ranked or 'none beyond the multivariate detectors'}. "
        f"Retrain on a window that covers chunks {_where(group)} (targets for them help most), validate on the latest chunk, "
        f"and compare against the current model before switching."
        + (f" Leave out or repair the rows of the data-quality fault ({join_names(dq, 4)}) first." if dq else "")
        + _money(group, ev)
    )
    return title, detail


@writer("concept_drift")
def _labels(group: list[dict[str, Any]], ev: Evidence, all_d: list[dict[str, Any]]) -> tuple[str, str]:
    metrics = unique(m for d in group for m in d.get("diverging_metrics", []))
    untrusted = [k for d in group for k in d.get("untrusted_estimate_chunk_keys", [])]
    title = "Collect fresh labels and retrain: the link between inputs and outcome changed"
    detail = (
        f"Realized {join_names([metric_label(m) for m in metrics], 4)} left the estimate's confidence band in chunks {join_names(untrusted, 6)}. "
        "Label-free estimates are not trustworthy there. Gather targets for these chunks, retrain on them "
        f"(features alone will not show this), and check whether the target definition changed.{_money(group, ev)}"
    )
    return title, detail


@writer("data_quality")
def _pipeline(group: list[dict[str, Any]], ev: Evidence, all_d: list[dict[str, Any]]) -> tuple[str, str]:
    features = unique(f for d in group for f in d["features"])
    art = unique(f for d in group for f in d.get("artefact_features", []))
    title = f"Fix the upstream data pipeline for {join_names(features, 3)} before retraining"
    detail = (
        f"Missing-value or unseen-category alerts in {join_names(features, 8)} (chunks {_where(group)}). "
        + (
            f"Drift alerts on {join_names(art, 8)} in those chunks are likely artefacts and were set aside. "
            if art
            else ""
        )
        + "Find the source (a join, an upstream schema change, a new category not mapped), fix it, and re-run the report; do not retrain on the faulty rows."
    )
    return title, detail


@writer("prediction_drift")
def _deployment(group: list[dict[str, Any]], ev: Evidence, all_d: list[dict[str, Any]]) -> tuple[str, str]:
    cols = unique(f for d in group for f in d["features"])
    title = "Check the deployed model and its preprocessing"
    detail = (
        f"The model's outputs ({join_names(cols, 4)}) shifted in chunks {_where(group)} without a matching input drift. "
        "Compare the model version, encoders and default values in production with those of the reference period."
    )
    return title, detail


@writer("covariate_shift_no_impact")
def _monitor(group: list[dict[str, Any]], ev: Evidence, all_d: list[dict[str, Any]]) -> tuple[str, str]:
    features = unique(f for d in group for f in d["features"])
    title = "Keep monitoring: inputs shifted but performance holds"
    detail = (
        f"Drift in {join_names(features, 8) or 'the joint input distribution'} (chunks {_where(group)}) has not hurt estimated or realized performance. "
        "No retraining needed now; confirm the shift is expected and include these data in the next scheduled retraining."
    )
    return title, detail


@writer("business_value_drop")
def _value(group: list[dict[str, Any]], ev: Evidence, all_d: list[dict[str, Any]]) -> tuple[str, str]:
    title = "Review what drives the lost business value"
    detail = (
        f"Business value fell below its threshold in chunks {_where(group)} while no drift or performance alert explains it.{_money(group, ev)} "
        "Check volumes, prices, the value matrix and the decisions taken on the model's output."
    )
    return title, detail


@writer("no_issue")
def _nothing(group: list[dict[str, Any]], ev: Evidence, all_d: list[dict[str, Any]]) -> tuple[str, str]:
    return (
        "No action needed; keep monitoring",
        "Performance, inputs and data quality stay within their reference ranges. Run the next report on schedule.",
    )
