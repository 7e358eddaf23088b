"""The view: what each part of the report shows, derived from a ReportModel (no statistics, no HTML).

HTML, PDF, notebook and e-mail templates all render this one structure, so they agree. Sections
follow DESIGN.md's order; a section without data says why instead of staying empty.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.render.cautions_view import cautions_view
from reportgen.report import ReportModel

SEVERITY_ORDER = {"alert": 0, "warning": 1, "info": 2, "ok": 3, "none": 4}
SECTIONS = (
    # (anchor id, title, step whose status the badge shows, partial)
    ("estimated-performance", "Estimated performance", "estimated_performance", "sections/estimated_performance.html"),
    (
        "estimated-vs-realized",
        "Estimated vs realized performance",
        "realized_performance",
        "sections/estimated_vs_realized.html",
    ),
    ("business-value", "Business value", "business_value", "sections/business_value.html"),
    ("multivariate-drift", "Multivariate drift", "multivariate_drift", "sections/multivariate_drift.html"),
    ("univariate-drift", "Univariate drift", "univariate_drift", "sections/univariate_drift.html"),
    ("data-quality", "Data quality", "data_quality", "sections/data_quality.html"),
    ("issue-resolution", "Issue resolution", "resolution", "sections/issue_resolution.html"),
)
DIAGNOSIS_SECTION = {
    "performance_drop_covariate_shift": "univariate-drift",
    "concept_drift": "estimated-vs-realized",
    "covariate_shift_no_impact": "univariate-drift",
    "data_quality": "data-quality",
    "prediction_drift": "univariate-drift",
    "business_value_drop": "business-value",
    "no_issue": "estimated-performance",
}
PRIMARY_METRICS = ("roc_auc", "rmse", "mae", "f1", "accuracy")
TOP_DISTRIBUTIONS = 4
MAX_EVIDENCE_ROWS = 12
COUNT_METRICS = ("true_positive", "false_positive", "false_negative", "true_negative")


def slug(*parts: Any) -> str:
    """A stable, HTML-id-safe anchor from parts (user strings are hex-encoded where unsafe)."""
    out = []
    for p in parts:
        s = str(p)
        out.append("".join(c if c.isascii() and (c.isalnum() or c in "_-") else f"x{ord(c):x}" for c in s))
    return "-".join(out)


class _Index:
    """Results grouped once by (step, method, metric, column) for fast lookups."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        keyed = frame.assign(_m=frame["method"].fillna(""), _c=frame["column"].fillna(""))
        self.groups = (
            {
                k: g.sort_values("chunk_index", kind="stable")
                for k, g in keyed.groupby(["step", "_m", "metric", "_c"], sort=True)
            }
            if len(frame)
            else {}
        )

    def get(self, step: str, method: str | None, metric: str, column: str | None = None) -> pd.DataFrame | None:
        return self.groups.get((step, method or "", metric, column or ""))

    def keys(self, step: str) -> list[tuple[str, str, str, str]]:
        return [k for k in self.groups if k[0] == step]

    def step(self, step: str) -> pd.DataFrame:
        return self.frame[self.frame["step"] == step]


def build_view(model: ReportModel, *, charts: bool = True) -> dict[str, Any]:
    """Everything the templates show, in reading order."""
    frame = model.results_frame()
    idx = _Index(frame)
    currency = str(model.metadata.get("currency") or "EUR")
    ctx = {"model": model, "idx": idx, "chunks": model.chunks, "currency": currency, "charts": charts}
    statuses = dict(model.summary.get("sections") or {})
    sections = []
    for anchor, title, step, partial in SECTIONS:
        builder = _BUILDERS[anchor]
        body = builder(ctx)
        status = _section_status(statuses, step, body, model)
        sections.append({"id": anchor, "title": title, "status": status, "partial": partial, **body})
    summary = _summary(model, idx, ctx, sections)
    appendix = _appendix(model, frame)
    toc = [{"id": "summary", "title": "Executive summary", "status": summary["status"]}]
    toc += [{"id": s["id"], "title": s["title"], "status": s["status"]} for s in sections]
    toc.append({"id": "appendix", "title": "Appendix: methods and data", "status": None})
    all_charts = [c for s in sections for c in s.get("charts", [])]
    return {
        "meta": _meta(model),
        "summary": summary,
        "sections": sections,
        "appendix": appendix,
        "toc": toc,
        "charts": all_charts,
        "alert_charts": [c for c in all_charts if c.status == "alert"],
        "currency": currency,
        "cautions": cautions_view(model.warnings, model.chunks),
    }


def _section_status(statuses: dict[str, str], step: str, body: dict[str, Any], model: ReportModel) -> str | None:
    if step == "resolution":
        if "issue_resolution" in statuses:
            return statuses["issue_resolution"]
        sev = [d.get("severity", "info") for d in model.diagnoses if d.get("code") != "no_issue"]
        if not model.diagnoses:
            return None
        worst = min(sev, key=lambda s: SEVERITY_ORDER.get(s, 9)) if sev else "ok"
        return "ok" if worst == "info" else worst
    if not body.get("available", True):
        return None
    if step in statuses:
        return statuses[step]
    return body.get("status_guess", "ok")


# --------------------------------------------------------------------------- header and summary
def _meta(model: ReportModel) -> dict[str, Any]:
    md = model.metadata
    return {
        "title": model.title,
        "problem_type": model.problem_type,
        "generated_at": model.generated_at,
        "version": model.reportgen_version,
        "reference": md.get("reference") or {},
        "analysis": md.get("analysis") or {},
        "chunking": md.get("chunking") or "",
        "logo": md.get("logo"),
        "period_label": _period_label(md.get("analysis") or {}),
    }


def _period_label(period: dict[str, Any]) -> str:
    start, end = period.get("start"), period.get("end")
    if start and end:
        return f"{fmt.date(start)} to {fmt.date(end)}"
    rows = period.get("rows")
    return f"{fmt.integer(rows)} rows" if rows is not None else ""


def _primary_metric(idx: _Index, step: str = "estimated_performance") -> tuple[str, str] | None:
    keys = [k for k in idx.keys(step) if k[3] == ""]
    if not keys:
        return None
    by_metric = {k[2]: k[1] for k in keys}
    for m in PRIMARY_METRICS:
        if m in by_metric:
            return by_metric[m], m
    first = keys[0]
    return first[1], first[2]


def _last_and_ref(frame: pd.DataFrame) -> tuple[float, float, pd.Series]:
    ana = frame[frame["period"] == "analysis"]
    ref = frame[frame["period"] == "reference"]
    ana_valid = ana[ana["value"].notna()]
    last = ana_valid.iloc[-1] if len(ana_valid) else (ana.iloc[-1] if len(ana) else frame.iloc[-1])
    return float(last["value"]), float(ref["value"].mean()) if len(ref) else float("nan"), last


def _summary(model: ReportModel, idx: _Index, ctx: dict[str, Any], sections: list[dict[str, Any]]) -> dict[str, Any]:
    s = model.summary or {}
    status = s.get("status") or "ok"
    headline = [h for h in (s.get("headline") or []) if isinstance(h, dict) and "label" in h]
    if headline:
        return _summary_from(s, status, [_headline_card(h, ctx["currency"]) for h in headline], model, sections)
    cards = []
    currency = ctx["currency"]
    est = _primary_metric(idx)
    est_last = None
    if est:
        method, metric = est
        f = idx.get("estimated_performance", method, metric)
        last, ref, row = _last_and_ref(f)
        est_last = row
        n_alert = int(f[f["period"] == "analysis"]["alert"].fillna(False).astype(bool).sum())
        cards.append(
            {
                "title": f"Estimated {fmt.metric_label(metric)}",
                "metric": metric,
                "value": last,
                "reference": ref,
                "status": "alert" if n_alert else "ok",
                "anchor": "estimated-performance",
                "detail": f"Last chunk vs reference {fmt.num(ref)} ({fmt.change_word(metric, ref, last)}); "
                f"band {fmt.num(row['lower_confidence'])} to {fmt.num(row['upper_confidence'])}",
            }
        )
    real = _primary_metric(idx, "realized_performance")
    if real:
        method, metric = real
        f = idx.get("realized_performance", method, metric)
        ana = f[(f["period"] == "analysis") & f["value"].notna()]
        if len(ana):
            last_row = ana.iloc[-1]
            last = float(last_row["value"])
            agree = ""
            if est_last is not None and est and est[1] == metric:
                lo, hi = est_last["lower_confidence"], est_last["upper_confidence"]
                if pd.notna(lo) and pd.notna(hi):
                    agree = (
                        "agrees with the estimate"
                        if lo <= last <= hi
                        else f"differs from the estimate ({fmt.num(est_last['value'])})"
                    )
            n_alert = int(ana["alert"].fillna(False).astype(bool).sum())
            cards.append(
                {
                    "title": f"Realized {fmt.metric_label(metric)}",
                    "metric": metric,
                    "value": last,
                    "status": "alert" if n_alert else "ok",
                    "anchor": "estimated-vs-realized",
                    "detail": f"Labelled chunks: {len(ana)}" + (f"; {agree}" if agree else ""),
                }
            )
        else:
            cards.append(
                {
                    "title": "Realized performance",
                    "metric": None,
                    "value": None,
                    "status": "none",
                    "anchor": "estimated-vs-realized",
                    "detail": "No labels for the analysis period yet",
                }
            )
    bv = _business_frames(idx)
    if bv:
        role, f = bv[0]  # estimated first, as in the business value section
        ana = f[f["period"] == "analysis"]["value"].dropna()
        ref = f[f["period"] == "reference"]["value"].dropna()
        total = float(ana.sum())
        pace = float(ref.mean()) * len(ana) if len(ref) else float("nan")
        worse = np.isfinite(pace) and total < pace
        cards.append(
            {
                "title": f"Business value ({'realized' if role == 'realized' else 'estimated'})",
                "metric": "business_value",
                "value": total,
                "status": "warning" if worse and total < pace - abs(pace) * 0.05 else "ok",
                "anchor": "business-value",
                "detail": f"This period; at the reference pace {fmt.money(pace, currency)}",
            }
        )
    feats = _drifted_features(idx, model)
    dq = idx.step("data_quality")
    dq_alerts = int(dq[dq["period"] == "analysis"]["alert"].fillna(False).astype(bool).sum()) if len(dq) else 0
    if feats is not None:
        drifted, total = feats
        cards.append(
            {
                "title": "Inputs",
                "metric": "count",
                "value": len(drifted),
                "status": "alert" if drifted or dq_alerts else "ok",
                "anchor": "univariate-drift",
                "unit": f"of {total} features drifted",
                "detail": f"Data-quality alerts: {dq_alerts}",
            }
        )
    return _summary_from(s, status, cards, model, sections)


HEADLINE_ANCHORS = {
    "estimated_performance": "estimated-performance",
    "realized_performance": "estimated-vs-realized",
    "business_value": "business-value",
    "drifted_features": "univariate-drift",
    "data_quality_features": "data-quality",
}


def _headline_card(h: dict[str, Any], currency: str) -> dict[str, Any]:
    """A summary card from one of the resolution's headline numbers."""
    metric = str(h.get("metric") or "")
    anchor = HEADLINE_ANCHORS.get(str(h.get("step") or metric), HEADLINE_ANCHORS.get(metric, "estimated-performance"))
    ref, word = h.get("reference"), h.get("direction_word") or ""
    if metric in ("drifted_features", "data_quality_features"):
        feats = h.get("features") or []
        unit = f"of {ref} features" if metric == "drifted_features" and ref is not None else "features"
        detail = (
            ", ".join(str(f) for f in feats[:4]) + (f" and {len(feats) - 4} more" if len(feats) > 4 else "")
            if feats
            else "None"
        )
        return {
            "title": h["label"],
            "metric": "count",
            "value": h.get("value"),
            "unit": unit,
            "status": h.get("status", "ok"),
            "anchor": anchor,
            "detail": detail,
        }
    if metric == "business_value":
        cur = str(h.get("unit") or currency)
        detail = f"This period; at the reference rate {fmt.money(ref, cur)} ({word})"
        return {
            "title": h["label"],
            "metric": "business_value",
            "value": h.get("value"),
            "status": h.get("status", "ok"),
            "anchor": anchor,
            "detail": detail,
        }
    detail = f"Analysis period vs reference {fmt.num(ref)} ({word})"
    if h.get("alert_chunks"):
        detail += f"; {h['alert_chunks']} of {h.get('chunks', '?')} chunks alert"
    if h.get("latest") is not None:
        detail += f"; latest chunk {h.get('latest_chunk', '')}: {fmt.num(h.get('latest'))}"
    return {
        "title": h["label"],
        "metric": metric,
        "value": h.get("value"),
        "status": h.get("status", "ok"),
        "anchor": anchor,
        "detail": detail,
    }


def _summary_from(
    s: dict[str, Any], status: str, cards: list[dict[str, Any]], model: ReportModel, sections: list[dict[str, Any]]
) -> dict[str, Any]:
    recs = sorted(
        model.recommendations,
        key=lambda r: (SEVERITY_ORDER.get(r.get("severity", "info"), 9), -(r.get("value_at_stake") or 0)),
    )
    top = s.get("top_recommendations") or recs[:3]
    top = [
        dict(r, anchor=_diag_anchor(model, r.get("diagnosis")))
        if isinstance(r, dict)
        else {"title": str(r), "anchor": "issue-resolution"}
        for r in top[:3]
    ]
    sentence = s.get("sentence") or _default_sentence(status, sections)
    return {
        "status": status,
        "sentence": sentence,
        "headline": [h for h in (s.get("headline") or []) if not isinstance(h, dict)],
        "cards": cards,
        "recommendations": top,
        "comparison": _comparison(s.get("comparison")),
        "sections": [
            {"id": sec["id"], "title": sec["title"], "status": sec["status"], "finding": sec.get("finding", "")}
            for sec in sections
        ],
    }


def _alert_label(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    if item.get("title"):
        return str(item["title"])
    parts = [
        fmt.step_label(item.get("step")),
        fmt.method_label(item.get("method")),
        fmt.metric_label(item.get("metric")),
    ]
    text = " \u00b7 ".join(p for p in parts if p)
    if item.get("column"):
        text += f" of {item['column']}"
    keys = item.get("chunk_keys") or []
    if keys:
        text += f" ({', '.join(str(k) for k in keys[:4])}{', ...' if len(keys) > 4 else ''})"
    return text


def _comparison(cmp: Any) -> dict[str, Any] | None:
    """The baseline comparison as lists of readable labels plus the headline deltas."""
    if not isinstance(cmp, dict):
        return None
    diag = cmp.get("diagnoses") if isinstance(cmp.get("diagnoses"), dict) else None
    out = {
        "previous_status": cmp.get("previous_status"),
        "previous_generated_at": cmp.get("previous_generated_at"),
        "groups": [],
    }
    for label, key in (("New", "new"), ("Continuing", "continuing"), ("Resolved", "resolved")):
        issues = [_alert_label(d) for d in (diag or {}).get(key, [])]
        alerts = [_alert_label(a) for a in cmp.get(key) or []]
        out["groups"].append({"label": label, "issues": issues, "alerts": alerts})
    deltas = [d for d in cmp.get("headline") or [] if isinstance(d, dict)]
    out["deltas"] = ch.Table(
        columns=["Number", "Now", "Last report", "Change", "Direction"],
        formats=[ch.TEXT, ch.NUM, ch.NUM, ch.NUM, ch.TEXT],
        rows=[
            [d.get("label"), d.get("value"), d.get("previous"), d.get("change"), d.get("direction_word")]
            for d in deltas
        ],
    )
    return out


def _default_sentence(status: str, sections: list[dict[str, Any]]) -> str:
    bad = [s["title"] for s in sections if s["status"] in ("alert", "warning")]
    if not bad:
        return "No alerts: the model and its inputs look like the reference period."
    return f"Alerts in {', '.join(bad)}; see the sections below for the evidence."


def _diag_anchor(model: ReportModel, code: str | None) -> str:
    for i, d in enumerate(_sorted_diagnoses(model)):
        if d.get("code") == code:
            return slug("diag", i, code)
    return "issue-resolution"


def _sorted_diagnoses(model: ReportModel) -> list[dict[str, Any]]:
    order = sorted(
        range(len(model.diagnoses)),
        key=lambda i: (
            SEVERITY_ORDER.get(model.diagnoses[i].get("severity", "info"), 9),
            -float(model.diagnoses[i].get("value_at_stake") or 0),
            i,
        ),
    )
    return [model.diagnoses[i] for i in order]


def _drifted_features(idx: _Index, model: ReportModel | None = None) -> tuple[list[str], int] | None:
    """(drifted input features, number of input features monitored); the model's outputs (prediction,
    probabilities, target) are left out when the data summary tells the roles."""
    uni = idx.step("univariate_drift")
    if not len(uni):
        return None
    outputs = _output_columns(model)
    cols = sorted(c for c in uni["column"].dropna().unique().tolist() if c not in outputs)
    ana = uni[(uni["period"] == "analysis") & uni["alert"].fillna(False).astype(bool)]
    return sorted(c for c in ana["column"].dropna().unique().tolist() if c not in outputs), len(cols)


OUTPUT_ROLES = {"prediction": "prediction", "probability": "predicted probability", "target": "target"}


def _output_columns(model: ReportModel | None) -> dict[str, str]:
    """{column: role word} of the columns holding the model's outputs or the target (not input
    features), from the data summary."""
    if model is None:
        return {}
    return {
        str(r.get("name", r.get("column"))): OUTPUT_ROLES.get(str(r.get("role")), str(r.get("role")))
        for r in (model.data_summary or [])
        if r.get("role") not in (None, "feature")
    }


# --------------------------------------------------------------------------- sections
def _unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason, "charts": [], "finding": reason}


METRIC_ORDER = (
    "roc_auc",
    "f1",
    "precision",
    "recall",
    "specificity",
    "accuracy",
    "average_precision",
    "mae",
    "mse",
    "rmse",
    "mape",
    "msle",
    "rmsle",
    "true_positive",
    "false_positive",
    "false_negative",
    "true_negative",
)


def _metric_sort(key: tuple[str, str, str, str]) -> tuple[int, str]:
    return (METRIC_ORDER.index(key[2]) if key[2] in METRIC_ORDER else len(METRIC_ORDER), key[2])


def _estimated(ctx: dict[str, Any]) -> dict[str, Any]:
    idx: _Index = ctx["idx"]
    keys = sorted((k for k in idx.keys("estimated_performance") if k[3] == ""), key=_metric_sort)
    if not keys:
        return _unavailable("Performance was not estimated in this run.")
    charts, rows = [], []
    for _, method, metric, _c in keys:
        f = idx.get("estimated_performance", method, metric)
        subject = f"Estimated {fmt.metric_label(metric)}"
        if ctx["charts"]:
            charts.append(
                ch.metric_chart(
                    slug("chart", "estimated", method, metric),
                    [("estimated", f)],
                    ctx["chunks"],
                    metric=metric,
                    subject=subject,
                    currency=ctx["currency"],
                    section="estimated-performance",
                )
            )
        last, ref, _ = _last_and_ref(f)
        n_alert = int(f[f["period"] == "analysis"]["alert"].fillna(False).astype(bool).sum())
        rows.append(
            [
                fmt.metric_label(metric),
                method,
                ref,
                last,
                fmt.change_word(metric, ref, last),
                n_alert,
                "alert" if n_alert else "ok",
            ]
        )
    alerting = [r[0] for r in rows if r[5]]
    finding = (
        f"{', '.join(alerting)} left the reference band in the analysis period."
        if alerting
        else f"All {len(rows)} estimated metrics stay within their thresholds."
    )
    table = ch.Table(
        columns=["Metric", "Method", "Reference", "Last chunk", "Change", "Alerts", "Status"],
        formats=[ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.TEXT, ch.INTEGER, ch.STATUS],
        rows=sorted(rows, key=lambda r: -r[5]),
    )
    return {
        "available": True,
        "finding": finding,
        "charts": charts,
        "table": table,
        "status_guess": "alert" if alerting else "ok",
    }


def _vs_realized(ctx: dict[str, Any]) -> dict[str, Any]:
    idx: _Index = ctx["idx"]
    keys = sorted((k for k in idx.keys("realized_performance") if k[3] == ""), key=_metric_sort)
    if not keys:
        return _unavailable("No targets were given for the analysis period, so realized performance is unknown.")
    est_keys = {k[2]: k[1] for k in idx.keys("estimated_performance") if k[3] == ""}
    charts, gap_rows, parted = [], [], []
    for _, method, metric, _c in keys:
        real = idx.get("realized_performance", method, metric)
        if not real[real["period"] == "analysis"]["value"].notna().any():
            continue
        frames = [("realized", real)]
        est = idx.get("estimated_performance", est_keys[metric], metric) if metric in est_keys else None
        if est is not None:
            frames = [("estimated", est), ("realized", real)]
        if ctx["charts"] and metric not in COUNT_METRICS:  # counts stay in the table: their charts repeat section 1
            chart = ch.metric_chart(
                slug("chart", "realized", metric),
                frames,
                ctx["chunks"],
                metric=metric,
                subject=f"{fmt.metric_label(metric)}, estimated and realized",
                currency=ctx["currency"],
                section="estimated-vs-realized",
            )
            charts.append(chart)
        if est is not None:
            e = est.set_index("chunk_index")
            r = real.set_index("chunk_index")
            for i in r.index:
                if r.loc[i, "period"] != "analysis" or pd.isna(r.loc[i, "value"]) or i not in e.index:
                    continue
                ev, rv = float(e.loc[i, "value"]), float(r.loc[i, "value"])
                lo, hi = e.loc[i, "lower_confidence"], e.loc[i, "upper_confidence"]
                outside = bool(pd.notna(lo) and pd.notna(hi) and not lo <= rv <= hi)
                if outside:
                    parted.append((metric, i))
                gap_rows.append(
                    [fmt.metric_label(metric), _key(ctx, i), ev, rv, rv - ev, "warning" if outside else "ok"]
                )
    if not charts and not gap_rows:
        return _unavailable("The analysis period has no labelled rows yet, so realized performance is unknown.")
    primary = next((m for m in PRIMARY_METRICS if any(r[0] == fmt.metric_label(m) for r in gap_rows)), None)
    primary_label = fmt.metric_label(primary) if primary else None
    all_rows = len(gap_rows)
    gap_rows = [r for r in gap_rows if r[0] == primary_label or r[5] != "ok"]
    caption = (
        (
            f"Gap per labelled chunk for {primary_label}, and every chunk where another metric's realized value is outside the estimate's band"
            f" ({len(gap_rows)} of {all_rows} rows; all are in results.json)"
        )
        if primary_label
        else ""
    )
    if parted:
        finding = f"Realized and estimated performance part in {fmt.plural(len(parted), 'chunk-metric pair')}: the realized value is outside the estimate's band, which points to concept drift."
    else:
        finding = "Realized performance agrees with the estimate (inside its confidence band) in every labelled chunk."
    table = ch.Table(
        columns=["Metric", "Chunk", "Estimated", "Realized", "Gap (realized - estimated)", "Status"],
        formats=[ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.NUM, ch.STATUS],
        rows=gap_rows,
        caption=caption,
    )
    return {
        "available": True,
        "finding": finding,
        "charts": charts,
        "table": table,
        "status_guess": "warning" if parted else "ok",
    }


def _key(ctx: dict[str, Any], index: int) -> str:
    for c in ctx["chunks"]:
        if int(c["index"]) == int(index):
            return str(c["key"])
    return str(index)


def _business_frames(idx: _Index, metric: str = "business_value") -> list[tuple[str, pd.DataFrame]]:
    out = []
    for method in ("cbpe", "dle", "realized"):
        f = idx.get("business_value", method, metric)
        if f is not None and f["value"].notna().any():
            out.append(("realized" if method == "realized" else "estimated", f))
    return out


def _business(ctx: dict[str, Any]) -> dict[str, Any]:
    idx: _Index = ctx["idx"]
    per_chunk = _business_frames(idx)
    if not per_chunk:
        return _unavailable("No business value was configured (business_value.matrix or costs in the config).")
    cur = ctx["currency"]
    cumulative = _business_frames(idx, "cumulative_business_value")
    role, f = per_chunk[0]
    ana = f[f["period"] == "analysis"]["value"].dropna()
    ref = f[f["period"] == "reference"]["value"].dropna()
    total, pace = float(ana.sum()), float(ref.mean()) * len(ana) if len(ref) else float("nan")
    basis = "the reference pace"
    item = next(
        (
            h
            for h in (ctx["model"].summary.get("headline") or [])
            if isinstance(h, dict) and h.get("metric") == "business_value"
        ),
        None,
    )
    if item is not None and item.get("value") is not None and item.get("reference") is not None:
        total, pace, basis = (
            float(item["value"]),
            float(item["reference"]),
            "the reference rate",
        )  # same numbers as the summary card
    diff = total - pace
    finding = (
        f"{'Realized' if role == 'realized' else 'Estimated'} value this period {fmt.money(total, cur)}, {fmt.money(abs(diff), cur)} "
        f"{'below' if diff < 0 else 'above'} {basis} ({fmt.money(pace, cur)})."
    )
    charts = []
    if ctx["charts"]:
        charts.append(
            ch.bars_chart(
                "chart-business-value",
                per_chunk,
                ctx["chunks"],
                metric="business_value",
                currency=cur,
                title=f"Business value per chunk: {fmt.money(total, cur)} this period vs {fmt.money(pace, cur)} at {basis}",
                y_label=f"Business value ({cur})",
                section="business-value",
            )
        )
        if cumulative:
            last = (
                float(cumulative[0][1]["value"].dropna().iloc[-1])
                if cumulative[0][1]["value"].notna().any()
                else float("nan")
            )
            charts.append(
                ch.bars_chart(
                    "chart-business-value-cumulative",
                    cumulative,
                    ctx["chunks"],
                    metric="cumulative_business_value",
                    currency=cur,
                    title=f"Cumulative business value reaches {fmt.money(last, cur)}",
                    y_label=f"Cumulative value ({cur})",
                    section="business-value",
                    kind="line",
                )
            )
    return {"available": True, "finding": finding, "charts": charts, "status_guess": "warning" if diff < 0 else "ok"}


def _multivariate(ctx: dict[str, Any]) -> dict[str, Any]:
    idx: _Index = ctx["idx"]
    keys = [k for k in idx.keys("multivariate_drift") if k[3] == ""]
    if not keys:
        return _unavailable("Multivariate drift was not computed in this run.")
    charts, alerting = [], []
    for _, method, metric, _c in keys:
        f = idx.get("multivariate_drift", method, metric)
        n = int(f[f["period"] == "analysis"]["alert"].fillna(False).astype(bool).sum())
        if n:
            alerting.append((method, n))
        if ctx["charts"]:
            charts.append(
                ch.metric_chart(
                    slug("chart", "multivariate", method),
                    [(f"series{len(charts)}", f)],
                    ctx["chunks"],
                    metric=metric,
                    subject=fmt.method_label(method),
                    section="multivariate-drift",
                )
            )
    if alerting:
        finding = (
            "; ".join(f"{fmt.method_label(m)} alerts in {fmt.plural(n, 'chunk')}" for m, n in alerting)
            + ": the joint distribution of the inputs changed."
        )
    else:
        finding = "The inputs' joint distribution matches the reference (no multivariate alert)."
    return {"available": True, "finding": finding, "charts": charts, "status_guess": "alert" if alerting else "ok"}


def _alerting_metric(idx: _Index, step: str, method: str) -> str | None:
    metrics = sorted({k[2] for k in idx.keys(step) if k[1] == method})
    best = None
    for m in metrics:
        sub = idx.step(step)
        sub = sub[(sub["method"] == method) & (sub["metric"] == m)]
        has_bands = sub[["lower_threshold", "upper_threshold"]].notna().any().any()
        if sub["alert"].notna().any() and (best is None or has_bands):
            best = m
    return best or (metrics[0] if metrics else None)


def _ranking(model: ReportModel, uni: pd.DataFrame) -> tuple[list[str], ch.Table]:
    """Features ranked: the ranking module's table when given, else by analysis alert count."""
    if model.ranking and "alert_count" in model.ranking[0]:
        return _known_ranking(model)
    if model.ranking:
        recs = model.ranking
        cols = [k for k in recs[0]]
        order = [r.get("column", r.get("feature")) for r in recs]
        formats = []
        for k in cols:
            vals = [r.get(k) for r in recs if r.get(k) is not None]
            if vals and all(isinstance(v, bool) for v in vals):
                formats.append(ch.TEXT)
            elif vals and all(isinstance(v, int) for v in vals):
                formats.append(ch.INTEGER)
            elif vals and all(isinstance(v, (int, float)) for v in vals):
                formats.append(ch.NUM)
            else:
                formats.append(ch.TEXT)
        table = ch.Table(
            columns=[fmt.step_label(k) for k in cols], formats=formats, rows=[[r.get(k) for k in cols] for r in recs]
        )
        return [str(o) for o in order if o is not None], table
    ana = uni[uni["period"] == "analysis"]
    alerts = ana.assign(a=ana["alert"].fillna(False).astype(bool))
    counts = alerts.groupby("column")["a"].sum()
    methods = (
        alerts[alerts["a"]]
        .groupby("column")["method"]
        .apply(lambda s: ", ".join(sorted(set(map(fmt.method_label, s)))))
    )
    chunks_hit = alerts[alerts["a"]].groupby("column")["chunk_index"].nunique()
    cols = sorted(counts.index.tolist(), key=lambda c: (-int(counts[c]), c))
    rows = [
        [i + 1, c, int(counts[c]), int(chunks_hit.get(c, 0)), methods.get(c, ""), "alert" if counts[c] else "ok"]
        for i, c in enumerate(cols)
    ]
    table = ch.Table(
        columns=["Rank", "Feature", "Alerts", "Chunks with alerts", "Methods alerting", "Status"],
        formats=[ch.INTEGER, ch.TEXT, ch.INTEGER, ch.INTEGER, ch.TEXT, ch.STATUS],
        rows=rows,
    )
    return cols, table


def _known_ranking(model: ReportModel) -> tuple[list[str], ch.Table]:
    """The drift ranking module's table, in words: alerts, chunks, methods, drift score, correlation."""
    keys = {int(c["index"]): str(c["key"]) for c in model.chunks}
    recs = sorted(
        model.ranking, key=lambda r: (r.get("rank") if r.get("rank") is not None else 1e9, str(r.get("column")))
    )
    rows, order = [], []
    perf = next((r.get("performance_metric") for r in recs if r.get("performance_metric")), None)
    for r in recs:
        col = str(r.get("column"))
        order.append(col)
        chunks = r.get("alerted_chunks") or []
        methods = r.get("methods_alerting") or []
        chunk_text = ", ".join(keys.get(int(c), str(c)) for c in chunks[:4]) + (
            f" +{len(chunks) - 4}" if len(chunks) > 4 else ""
        )
        rows.append(
            [
                r.get("rank"),
                col,
                r.get("alert_count"),
                chunk_text,
                ", ".join(fmt.method_label(m) for m in methods),
                r.get("drift_score"),
                r.get("correlation"),
                "alert" if r.get("alert_count") else "ok",
            ]
        )
    if perf and "." in str(perf):  # 'realized_performance.roc_auc'
        step, metric = str(perf).split(".", 1)
        perf_text = f"{step.split('_')[0]} {fmt.metric_label(metric)}"
    else:
        perf_text = fmt.metric_label(perf) if perf else "performance"
    corr = f"Correlation with {perf_text} loss"
    table = ch.Table(
        columns=["Rank", "Feature", "Alerts", "Chunks with alerts", "Methods alerting", "Drift score", corr, "Status"],
        formats=[ch.INTEGER, ch.TEXT, ch.INTEGER, ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.STATUS],
        rows=rows,
        caption="Features ranked by drift alerts in the analysis period; drift score 1 = at the threshold; correlation "
        "over chunks between the feature's drift and the performance loss",
    )
    return order, table


def _univariate(ctx: dict[str, Any]) -> dict[str, Any]:
    idx: _Index = ctx["idx"]
    model: ReportModel = ctx["model"]
    uni = idx.step("univariate_drift")
    if not len(uni):
        return _unavailable("Univariate drift was not computed in this run.")
    order, ranked = _ranking(model, uni)
    all_cols = sorted(uni["column"].dropna().unique().tolist())
    row_order = [c for c in order if c in all_cols] + [c for c in all_cols if c not in order]
    charts = []
    methods = sorted({k[1] for k in idx.keys("univariate_drift")})
    for method in methods:
        metric = _alerting_metric(idx, "univariate_drift", method)
        sub = uni[(uni["method"] == method) & (uni["metric"] == metric)]
        if ctx["charts"] and len(sub):
            charts.append(
                ch.status_heatmap(
                    slug("chart", "heatmap", method),
                    sub,
                    ctx["chunks"],
                    subject=fmt.method_label(method),
                    value_label=fmt.metric_label(metric),
                    row_order=[c for c in row_order if c in set(sub["column"])],
                    section="univariate-drift",
                )
            )
    drifted = _drifted_features(idx, model)
    n_all = drifted[1] if drifted else 0
    dists = []
    artifacts = model.distributions or {}
    ana = uni[(uni["period"] == "analysis")]
    flagged = ana[ana["alert"].fillna(False).astype(bool)]
    flagged_cols = set(flagged["column"])
    diagnosed = [
        f for d in _sorted_diagnoses(model) for f in (d.get("features") or [])
    ]  # the features the diagnoses name come first
    candidates = list(
        dict.fromkeys([c for c in diagnosed if c in flagged_cols] + [c for c in row_order if c in flagged_cols])
    )
    top = [c for c in candidates if c in artifacts][:TOP_DISTRIBUTIONS]
    for col in top:
        if col not in artifacts:
            continue
        hits = (
            flagged[flagged["column"] == col].groupby("chunk_index").size().sort_values(ascending=False, kind="stable")
        )
        worst = hits.index.tolist()[:3]
        keys = ", ".join(_key(ctx, i) for i in worst)
        if ctx["charts"]:
            dists.append(
                ch.distribution_chart(
                    slug("chart", "distribution", col),
                    col,
                    artifacts[col],
                    ctx["chunks"],
                    worst,
                    section="univariate-drift",
                    finding=f"{col} shifted: reference vs chunk{'s' if len(worst) > 1 else ''} {keys}",
                )
            )
    ctx["distribution_ids"] = {c.id for c in dists}
    outputs = _output_columns(model)
    corroborated = next(
        (
            h.get("features")
            for h in (model.summary.get("headline") or [])
            if isinstance(h, dict) and h.get("metric") == "drifted_features"
        ),
        None,
    )
    # the resolution's count (alerts agreeing across methods or chunks) when it ran, else every alerting input
    confirmed = set(corroborated) if corroborated is not None else {c for c in flagged_cols if c not in outputs}
    isolated = [c for c in row_order if c in flagged_cols and c not in outputs and c not in confirmed]
    n_drift = len(confirmed)
    most = [c for c in row_order if c in confirmed][:3]
    moved_outputs = [c for c in row_order if c in flagged_cols and c in outputs]
    finding = (
        f"{n_drift} of {n_all} features drifted in the analysis period"
        + (f"; most: {', '.join(most)}." if most else ".")
        if n_drift
        else f"None of the {n_all} features drifted in the analysis period."
    )
    if isolated:
        finding += (
            f" Weak, isolated alerts (not backed by the other methods or by neighbouring chunks; not counted): {', '.join(isolated[:3])}"
            + (f" and {len(isolated) - 3} more." if len(isolated) > 3 else ".")
        )
    if moved_outputs:
        finding += " Also moved: " + ", ".join(f"{c} ({outputs[c]})" for c in moved_outputs) + "."
    rank = {c: i for i, c in enumerate(row_order)}
    alert_rows = [
        [
            r.column,
            fmt.method_label(r.method),
            _key(ctx, r.chunk_index),
            r.value,
            None if pd.isna(r.lower_threshold) else float(r.lower_threshold),
            None if pd.isna(r.upper_threshold) else float(r.upper_threshold),
            r.note if isinstance(r.note, str) else None,
        ]
        for r in sorted(
            flagged.itertuples(index=False),
            key=lambda r: (rank.get(r.column, 10**6), str(r.method), int(r.chunk_index)),
        )
    ]
    alert_columns = ["Feature", "Method", "Chunk", "Value", "Lower threshold", "Upper threshold", "How unusual"]
    alert_formats = [ch.TEXT, ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.NUM, ch.TEXT]
    alerts = ch.Table(
        columns=alert_columns,
        formats=alert_formats,
        rows=alert_rows,
        caption="Every univariate drift alert of the analysis period, by feature rank",
    )
    printed = _print_sample(alert_rows)
    alerts_print = ch.Table(
        columns=alert_columns,
        formats=alert_formats,
        rows=printed,
        caption=f"{len(printed)} of the {len(alert_rows):,} alerts, a few per feature in rank order; "
        "the HTML report and results.json list every one",
    )
    return {
        "available": True,
        "finding": finding,
        "charts": charts + dists,
        "heatmaps": charts,
        "distributions": dists,
        "ranking": ranked,
        "alerts": alerts,
        "alerts_print": alerts_print,
        "status_guess": "alert" if n_drift else "ok",
    }


PRINT_ALERT_ROWS = 40  # univariate alerts listed in the PDF; the HTML report and results.json keep every one


def _print_sample(rows: list[list[Any]]) -> list[list[Any]]:
    """At most PRINT_ALERT_ROWS alert rows for print, shared fairly between the alerting features
    (in their rank order), so one strongly drifting column does not fill the page on its own."""
    if len(rows) <= PRINT_ALERT_ROWS:
        return list(rows)
    by_feature: dict[Any, list[list[Any]]] = {}
    for r in rows:
        by_feature.setdefault(r[0], []).append(r)
    per = max(3, -(-PRINT_ALERT_ROWS // len(by_feature)))
    return [r for group in by_feature.values() for r in group[:per]][:PRINT_ALERT_ROWS]


def _quality(ctx: dict[str, Any]) -> dict[str, Any]:
    idx: _Index = ctx["idx"]
    dq = idx.step("data_quality")
    stats = idx.step("summary_stats")
    if not len(dq) and not len(stats):
        return _unavailable("Data quality was not computed in this run.")
    charts, parts = [], []
    for method in ("missing_values", "unseen_values"):
        sub = dq[(dq["method"] == method) & (dq["metric"] == "rate")]
        if not len(sub):
            continue
        n = int(sub[sub["period"] == "analysis"]["alert"].fillna(False).astype(bool).sum())
        cols = sorted(
            sub[(sub["period"] == "analysis") & sub["alert"].fillna(False).astype(bool)]["column"]
            .dropna()
            .unique()
            .tolist()
        )
        parts.append(
            f"{fmt.method_label(method).lower()}: {fmt.plural(n, 'alert')}"
            + (f" ({', '.join(cols[:5])})" if cols else "")
        )
        if ctx["charts"]:
            charts.append(
                ch.status_heatmap(
                    slug("chart", "quality", method),
                    sub,
                    ctx["chunks"],
                    subject=fmt.method_label(method),
                    value_label="Rate",
                    value_format=ch.PCT,
                    section="data-quality",
                    verb="with alerts",
                )
            )
    table = None
    if len(stats):
        rows = []
        for col in sorted(stats["column"].dropna().unique().tolist()):
            s = stats[stats["column"] == col]
            vals: list[Any] = [col]
            for metric in ("mean", "std", "min", "max"):
                m = s[s["metric"] == metric]
                vals.append(_opt_mean(m[m["period"] == "reference"]["value"]))
                vals.append(_opt_mean(m[m["period"] == "analysis"]["value"]))
            if any(v is not None for v in vals[1:]):  # categorical columns have no mean/std/min/max
                rows.append(vals)
        table = ch.Table(
            columns=[
                "Feature",
                "Mean (reference)",
                "Mean (analysis)",
                "Std (reference)",
                "Std (analysis)",
                "Min (reference)",
                "Min (analysis)",
                "Max (reference)",
                "Max (analysis)",
            ],
            formats=[ch.TEXT] + [ch.NUM] * 8,
            rows=rows,
            caption="Summary statistics: the average over each period's chunks",
        )
    any_alert = any(c.status == "alert" for c in charts)
    finding = (
        ("Data-quality alerts: " + "; ".join(parts) + ".")
        if any_alert
        else "No data-quality alert: missing and unseen values stay at reference levels."
    )
    return {
        "available": True,
        "finding": finding,
        "charts": charts,
        "table": table,
        "status_guess": "alert" if any_alert else "ok",
    }


def _opt_mean(values: pd.Series) -> float | None:
    v = values.dropna()
    return float(v.mean()) if len(v) else None


def _resolution(ctx: dict[str, Any]) -> dict[str, Any]:
    model: ReportModel = ctx["model"]
    if not model.diagnoses:
        return _unavailable("No diagnosis was made in this run.")
    keys = {int(c["index"]): str(c["key"]) for c in model.chunks}
    items = []
    for i, d in enumerate(_sorted_diagnoses(model)):
        chunk_keys = d.get("chunk_keys") or [keys.get(int(c), str(c)) for c in (d.get("chunks") or [])]
        recs = [r for r in model.recommendations if r.get("diagnosis") == d.get("code")]
        items.append(
            {
                **d,
                "anchor": slug("diag", i, d.get("code")),
                "chunk_keys": chunk_keys,
                "evidence_items": [_evidence(e) for e in (d.get("evidence") or []) if not _is_record(e)],
                "evidence_table": _evidence_table(
                    [e for e in (d.get("evidence") or []) if _is_record(e)], keys, ctx["currency"]
                ),
                "section_anchor": DIAGNOSIS_SECTION.get(str(d.get("code")), "estimated-performance"),
                "feature_links": [
                    {
                        "name": f,
                        "anchor": slug("fig", "chart", "distribution", f)
                        if slug("chart", "distribution", f) in ctx.get("distribution_ids", ())
                        else None,
                    }
                    for f in (d.get("features") or [])
                ],
                "recommendations": recs,
            }
        )
    real = [d for d in items if d.get("code") != "no_issue"]
    finding = (
        f"{fmt.plural(len(real), 'issue')} found; the most severe: {real[0].get('title', real[0].get('code'))}."
        if real
        else "No issue needs action."
    )
    return {"available": True, "finding": finding, "charts": [], "diagnoses": items}


def _measure(r: dict[str, Any]) -> str:
    """'Estimated ROC AUC', 'Realized F1', 'Jensen-Shannon distance'."""
    step, method, metric = r.get("step"), r.get("method"), r.get("metric")
    if step == "estimated_performance":
        return f"Estimated {fmt.metric_label(metric)}"
    if step == "realized_performance":
        return f"Realized {fmt.metric_label(metric)}"
    return f"{fmt.method_label(method) or fmt.step_label(step)} {fmt.metric_label(metric).lower()}"


def _is_record(e: Any) -> bool:
    return isinstance(e, dict) and "step" in e and "value" in e and "chunk_index" in e


def _evidence_table(records: list[dict[str, Any]], keys: dict[int, str], currency: str) -> ch.Table | None:
    """Result records behind a diagnosis, one row each: chunk, what, value, band, thresholds, alert."""
    if not records:
        return None
    rows = []
    for r in records:
        what = _measure(r)
        rows.append(
            [
                keys.get(int(r["chunk_index"]), str(r["chunk_index"])),
                what,
                r.get("column") or "",
                r.get("value"),
                r.get("lower_confidence"),
                r.get("upper_confidence"),
                r.get("lower_threshold"),
                r.get("upper_threshold"),
                "alert" if r.get("alert") else "ok",
                r.get("note"),
            ]
        )
    shown = rows[:MAX_EVIDENCE_ROWS]
    caption = (
        f"The first {len(shown)} of {len(rows)} records (all are in results.json)" if len(rows) > len(shown) else ""
    )
    columns = [
        "Chunk",
        "Measure",
        "Column",
        "Value",
        "Band low",
        "Band high",
        "Lower threshold",
        "Upper threshold",
        "Status",
        "Note",
    ]
    formats = [ch.TEXT, ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.NUM, ch.NUM, ch.NUM, ch.STATUS, ch.TEXT]
    if not any(r[-1] for r in shown):
        columns, formats, shown = columns[:-1], formats[:-1], [r[:-1] for r in shown]
    return ch.Table(columns=columns, formats=formats, rows=shown, currency=currency, caption=caption)


def _evidence(e: Any) -> dict[str, Any]:
    if isinstance(e, dict):
        text = e.get("text") or e.get("summary") or e.get("label") or ""
        pairs = [
            (fmt.step_label(k), v)
            for k, v in sorted(e.items())
            if k not in ("text", "summary", "label") and not isinstance(v, (dict, list))
        ]
        return {"text": str(text), "pairs": pairs}
    return {"text": str(e), "pairs": []}


_BUILDERS = {
    "estimated-performance": _estimated,
    "estimated-vs-realized": _vs_realized,
    "business-value": _business,
    "multivariate-drift": _multivariate,
    "univariate-drift": _univariate,
    "data-quality": _quality,
    "issue-resolution": _resolution,
}


# --------------------------------------------------------------------------- appendix
STEP_ORDER = (
    "estimated_performance",
    "realized_performance",
    "business_value",
    "multivariate_drift",
    "univariate_drift",
    "data_quality",
    "summary_stats",
    "issue_resolution",
)


def _threshold_rows(model: ReportModel, frame: pd.DataFrame) -> dict[tuple[str, str], list[list[Any]]]:
    """{(step, method): [[metric, lower range, upper range, columns, rule]]}: the numbers each threshold took."""
    out: dict[tuple[str, str], list[list[Any]]] = {}
    sub = frame[(frame["period"] == "analysis") & (frame["lower_threshold"].notna() | frame["upper_threshold"].notna())]
    if not len(sub):
        return out
    keyed = sub.assign(_m=sub["method"].fillna(""))
    for (step, method, metric), g in keyed.groupby(["step", "_m", "metric"], sort=True):
        lo, hi = g["lower_threshold"].dropna(), g["upper_threshold"].dropna()
        ncols = g["column"].nunique()
        out.setdefault((step, method), []).append(
            [
                fmt.metric_label(metric),
                [float(lo.min()), float(lo.max())] if len(lo) else None,
                [float(hi.min()), float(hi.max())] if len(hi) else None,
                int(ncols) if ncols else None,
                int(g["alert"].fillna(False).astype(bool).sum()),
                _rule_text(model.config, step, method, metric),
            ]
        )
    return out


DATA_SUMMARY_ORDER = (
    "name",
    "column",
    "period",
    "kind",
    "role",
    "rows",
    "missing",
    "missing_rate",
    "distinct",
    "analysis_rows",
    "analysis_missing",
    "note",
)
THRESHOLD_COLUMNS = ["Metric", "Lower threshold", "Upper threshold", "Columns", "Alerts", "Configured rule"]
THRESHOLD_FORMATS = [ch.TEXT, ch.RANGE, ch.RANGE, ch.INTEGER, ch.INTEGER, ch.TEXT]


def _appendix(model: ReportModel, frame: pd.DataFrame) -> dict[str, Any]:
    by_method = _threshold_rows(model, frame)
    notes = []
    order = {s: i for i, s in enumerate(STEP_ORDER)}
    for n in sorted(model.method_notes, key=lambda n: (order.get(n.get("step"), 99), str(n.get("method")))):
        th = n.get("thresholds")
        if isinstance(th, dict):
            th_items = [(fmt.step_label(k), v) for k, v in th.items()]
            th_text = ""
        elif isinstance(th, list):
            th_items, th_text = [], "; ".join(str(t) for t in th)
        else:
            th_items, th_text = [], "" if th is None else str(th)
        rows = by_method.pop((str(n.get("step")), str(n.get("method") or "")), [])
        used = (
            ch.Table(
                columns=THRESHOLD_COLUMNS,
                formats=THRESHOLD_FORMATS,
                rows=rows,
                caption="Thresholds applied to the analysis chunks (a range where they differ by column or chunk size)",
            )
            if rows
            else None
        )
        notes.append({**n, "threshold_items": th_items, "threshold_text": th_text, "used": used})
    rest = [
        [fmt.step_label(step), fmt.method_label(method)] + row
        for (step, method), rows in sorted(by_method.items())
        for row in rows
    ]
    table = ch.Table(
        columns=["Step", "Method"] + THRESHOLD_COLUMNS,
        formats=[ch.TEXT, ch.TEXT] + THRESHOLD_FORMATS,
        rows=rest,
        caption="Other thresholds applied to the analysis chunks",
    )
    ds = model.data_summary or []
    seen = list(dict.fromkeys(k for r in ds for k in r))
    ds_cols = [k for k in DATA_SUMMARY_ORDER if k in seen] + [k for k in seen if k not in DATA_SUMMARY_ORDER]
    ds_formats = []
    for k in ds_cols:
        vals = [r.get(k) for r in ds if r.get(k) is not None]
        if vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            ds_formats.append(
                ch.PCT
                if ("rate" in k or "fraction" in k)
                else (ch.INTEGER if all(isinstance(v, int) for v in vals) else ch.NUM)
            )
        else:
            ds_formats.append(ch.TEXT)
    data_table = ch.Table(
        columns=[fmt.step_label(k) for k in ds_cols], formats=ds_formats, rows=[[r.get(k) for k in ds_cols] for r in ds]
    )
    import yaml

    config_text = (
        yaml.safe_dump(model.config, sort_keys=True, allow_unicode=True, default_flow_style=False)
        if model.config
        else ""
    )
    return {
        "notes": notes,
        "thresholds": table,
        "config_text": config_text,
        "data_summary": data_table,
        "versions": sorted((model.versions or {}).items()),
        "inputs": model.inputs or [],
    }


def _rule_text(config: dict[str, Any], step: str, method: str, metric: str) -> str:
    rules = (config or {}).get("thresholds") or {}
    for key in (f"{step}.{method}.{metric}", f"{step}.{method}", f"{step}.{metric}", step):
        if key in rules:
            r = {k: v for k, v in sorted(rules[key].items()) if v is not None and k != "type"}
            params = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.items())
            return f"{rules[key].get('type', '')} ({params}) from thresholds.{key}"
    return "method default"
