"""The executive summary (templates/sections/summary.html): status, sentence, cards, top actions,
the comparison with the last report and one status line per section."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reportgen import spec
from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.render.sections.base import (
    SEVERITY_ORDER,
    Card,
    Context,
    SectionView,
    alert_count,
    business_frames,
    diagnosis_anchor,
    drifted_features,
    last_and_ref,
    primary_metric,
)

COUNT_HEADLINES = ("drifted_features", "data_quality_features")


@dataclass
class Comparison:
    """The last report vs this one: new / continuing / resolved issues and the headline deltas."""

    previous_status: Any
    previous_generated_at: Any
    groups: list[dict[str, Any]]
    deltas: ch.Table


@dataclass
class Summary:
    """What the executive summary shows."""

    status: str
    sentence: str
    cards: list[Card]
    recommendations: list[dict[str, Any]]
    comparison: Comparison | None
    sections: Sequence[SectionView] = field(default_factory=list)
    headline: list[Any] = field(default_factory=list)  # plain-text headline lines


def build_summary(ctx: Context, sections: Sequence[SectionView]) -> Summary:
    """The summary, from the resolution's headline numbers when it made them, else from the results."""
    model = ctx.model
    s = model.summary or {}
    status = s.get("status") or "ok"
    headline = [h for h in (s.get("headline") or []) if isinstance(h, dict) and "label" in h]
    cards = [_headline_card(h, ctx.currency) for h in headline] if headline else _result_cards(ctx)
    recs = sorted(
        model.recommendations,
        key=lambda r: (SEVERITY_ORDER.get(r.get("severity", "info"), 9), -(r.get("value_at_stake") or 0)),
    )
    top = [
        dict(r, anchor=diagnosis_anchor(model, r.get("diagnosis")))
        if isinstance(r, dict)
        else {"title": str(r), "anchor": "issue-resolution"}
        for r in (s.get("top_recommendations") or recs[:3])[:3]
    ]
    return Summary(
        status=status,
        sentence=s.get("sentence") or _default_sentence(sections),
        headline=[h for h in (s.get("headline") or []) if not isinstance(h, dict)],
        cards=cards,
        recommendations=top,
        comparison=_comparison(s.get("comparison")),
        sections=sections,
    )


def _headline_card(h: Mapping[str, Any], currency: str) -> Card:
    """A summary card from one of the resolution's headline numbers."""
    metric = str(h.get("metric") or "")
    anchors = {name: step.section for name, step in spec.STEPS.items()}
    anchors.update({"drifted_features": "univariate-drift", "data_quality_features": "data-quality"})
    anchor = anchors.get(str(h.get("step") or metric), anchors.get(metric, "estimated-performance"))
    ref, word = h.get("reference"), h.get("direction_word") or ""
    status = h.get("status", "ok")
    if metric in COUNT_HEADLINES:
        feats = h.get("features") or []
        unit = f"of {ref} features" if metric == "drifted_features" and ref is not None else "features"
        more = f" and {len(feats) - 4} more" if len(feats) > 4 else ""
        detail = ", ".join(str(f) for f in feats[:4]) + more if feats else "None"
        return Card(h["label"], "count", h.get("value"), status, anchor, detail, unit=unit)
    if metric == "business_value":
        cur = str(h.get("unit") or currency)
        detail = f"This period; at the reference rate {fmt.money(ref, cur)} ({word})"
        return Card(h["label"], "business_value", h.get("value"), status, anchor, detail)
    detail = f"Analysis period vs reference {fmt.num(ref)} ({word})"
    if h.get("alert_chunks"):
        detail += f"; {h['alert_chunks']} of {h.get('chunks', '?')} chunks alert"
    if h.get("latest") is not None:
        detail += f"; latest chunk {h.get('latest_chunk', '')}: {fmt.num(h.get('latest'))}"
    return Card(h["label"], metric, h.get("value"), status, anchor, detail)


def _result_cards(ctx: Context) -> list[Card]:
    """Cards read off the results when no resolution ran: primary metrics, business value, inputs."""
    idx, currency = ctx.idx, ctx.currency
    cards = []
    est = primary_metric(idx)
    est_last = None
    if est:
        method, metric = est
        f = idx.series("estimated_performance", method, metric)
        last, ref, row = last_and_ref(f)
        est_last = row
        detail = (
            f"Last chunk vs reference {fmt.num(ref)} ({fmt.change_word(metric, ref, last)}); "
            f"band {fmt.num(row['lower_confidence'])} to {fmt.num(row['upper_confidence'])}"
        )
        status = "alert" if alert_count(f) else "ok"
        title = f"Estimated {fmt.metric_label(metric)}"
        cards.append(Card(title, metric, last, status, "estimated-performance", detail, reference=ref))
    real = primary_metric(idx, "realized_performance")
    if real:
        cards.append(_realized_card(ctx, real, est[1] if est else None, est_last))
    bv = business_frames(idx)
    if bv:
        role, f = bv[0]  # estimated first, as in the business value section
        ana = f[f["period"] == "analysis"]["value"].dropna()
        ref_values = f[f["period"] == "reference"]["value"].dropna()
        total = float(ana.sum())
        pace = float(ref_values.mean()) * len(ana) if len(ref_values) else float("nan")
        worse = np.isfinite(pace) and total < pace
        cards.append(
            Card(
                f"Business value ({'realized' if role == 'realized' else 'estimated'})",
                "business_value",
                total,
                "warning" if worse and total < pace - abs(pace) * 0.05 else "ok",
                "business-value",
                f"This period; at the reference pace {fmt.money(pace, currency)}",
            )
        )
    feats = drifted_features(idx, ctx.model)
    dq = idx.step("data_quality")
    dq_alerts = alert_count(dq) if len(dq) else 0
    if feats is not None:
        drifted, total_features = feats
        cards.append(
            Card(
                "Inputs",
                "count",
                len(drifted),
                "alert" if drifted or dq_alerts else "ok",
                "univariate-drift",
                f"Data-quality alerts: {dq_alerts}",
                unit=f"of {total_features} features drifted",
            )
        )
    return cards


def _realized_card(ctx: Context, real: tuple[str, str], est_metric: str | None, est_last: pd.Series | None) -> Card:
    method, metric = real
    f = ctx.idx.series("realized_performance", method, metric)
    ana = f[(f["period"] == "analysis") & f["value"].notna()]
    if not len(ana):
        return Card(
            "Realized performance", None, None, "none", "estimated-vs-realized", "No labels for the analysis period yet"
        )
    last = float(ana.iloc[-1]["value"])
    agree = ""
    if est_last is not None and est_metric == metric:
        lo, hi = est_last["lower_confidence"], est_last["upper_confidence"]
        if pd.notna(lo) and pd.notna(hi):
            agree = (
                "agrees with the estimate"
                if lo <= last <= hi
                else f"differs from the estimate ({fmt.num(est_last['value'])})"
            )
    n_alert = int(ana["alert"].fillna(False).astype(bool).sum())
    return Card(
        f"Realized {fmt.metric_label(metric)}",
        metric,
        last,
        "alert" if n_alert else "ok",
        "estimated-vs-realized",
        f"Labelled chunks: {len(ana)}" + (f"; {agree}" if agree else ""),
    )


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


def _comparison(cmp: Any) -> Comparison | None:
    """The baseline comparison as lists of readable labels plus the headline deltas."""
    if not isinstance(cmp, dict):
        return None
    diag = cmp.get("diagnoses") if isinstance(cmp.get("diagnoses"), dict) else None
    groups = []
    for label, key in (("New", "new"), ("Continuing", "continuing"), ("Resolved", "resolved")):
        issues = [_alert_label(d) for d in (diag or {}).get(key, [])]
        alerts = [_alert_label(a) for a in cmp.get(key) or []]
        groups.append({"label": label, "issues": issues, "alerts": alerts})
    deltas = [d for d in cmp.get("headline") or [] if isinstance(d, dict)]
    return Comparison(
        previous_status=cmp.get("previous_status"),
        previous_generated_at=cmp.get("previous_generated_at"),
        groups=groups,
        deltas=ch.Table(
            columns=["Number", "Now", "Last report", "Change", "Direction"],
            formats=[ch.TEXT, ch.NUM, ch.NUM, ch.NUM, ch.TEXT],
            rows=[
                [d.get("label"), d.get("value"), d.get("previous"), d.get("change"), d.get("direction_word")]
                for d in deltas
            ],
        ),
    )


def _default_sentence(sections: Sequence[SectionView]) -> str:
    bad = [s.title for s in sections if s.status in ("alert", "warning")]
    if not bad:
        return "No alerts: the model and its inputs look like the reference period."
    return f"Alerts in {', '.join(bad)}; see the sections below for the evidence."
