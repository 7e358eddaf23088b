"""Univariate drift (templates/sections/univariate_drift.html): a status heatmap per method, the feature
ranking, the distributions of the top drifting features, and every alert (a fair sample in print)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.render.sections.base import (
    Context,
    Index,
    SectionView,
    drifted_features,
    headline_item,
    output_columns,
    slug,
    sorted_diagnoses,
    unavailable,
)
from reportgen.report import ReportModel

ANCHOR = "univariate-drift"
TITLE = "Univariate drift"
STATUS_KEY = "univariate_drift"
NEEDS: tuple[str, ...] = ()
TOP_DISTRIBUTIONS = 4
PRINT_ALERT_ROWS = 40  # univariate alerts listed in the PDF; the HTML report and results.json keep every one
ALERT_COLUMNS = ["Feature", "Method", "Chunk", "Value", "Lower threshold", "Upper threshold", "How unusual"]
ALERT_FORMATS = [ch.TEXT, ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.NUM, ch.TEXT]


@dataclass
class UnivariateView(SectionView):
    """The section plus the ids of the distribution charts it draws (the resolution links to them)."""

    heatmaps: list[ch.Chart] = field(default_factory=list)
    distributions: list[ch.Chart] = field(default_factory=list)
    ranking: ch.Table | None = None
    alerts: ch.Table | None = None
    alerts_print: ch.Table | None = None
    distribution_ids: frozenset[str] = frozenset()


def build(ctx: Context, views: Mapping[str, SectionView]) -> SectionView:
    idx, model = ctx.idx, ctx.model
    uni = idx.step("univariate_drift")
    if not len(uni):
        return unavailable("Univariate drift was not computed in this run.")
    order, ranked = _ranking(model)
    all_cols = sorted(uni["column"].dropna().unique().tolist())
    row_order = [c for c in order if c in all_cols] + [c for c in all_cols if c not in order]
    heatmaps = _heatmaps(ctx, uni, row_order)
    drifted = drifted_features(idx, model)
    n_all = drifted[1] if drifted else 0
    flagged = uni[(uni["period"] == "analysis") & uni["alert"].fillna(False).astype(bool)]
    flagged_cols = set(flagged["column"])
    dists = _distributions(ctx, flagged, row_order)
    outputs = output_columns(model)
    corroborated = (headline_item(model, "drifted_features") or {}).get("features")
    # the resolution's count (alerts agreeing across methods or chunks) when it ran, else every alerting input
    confirmed = set(corroborated) if corroborated is not None else {c for c in flagged_cols if c not in outputs}
    isolated = [c for c in row_order if c in flagged_cols and c not in outputs and c not in confirmed]
    most = [c for c in row_order if c in confirmed][:3]
    moved_outputs = [c for c in row_order if c in flagged_cols and c in outputs]
    finding = (
        f"{len(confirmed)} of {n_all} features drifted in the analysis period"
        + (f"; most: {', '.join(most)}." if most else ".")
        if confirmed
        else f"None of the {n_all} features drifted in the analysis period."
    )
    if isolated:
        finding += (
            " Weak, isolated alerts (not backed by the other methods or by neighbouring chunks; not counted): "
            + ", ".join(isolated[:3])
            + (f" and {len(isolated) - 3} more." if len(isolated) > 3 else ".")
        )
    if moved_outputs:
        finding += " Also moved: " + ", ".join(f"{c} ({outputs[c]})" for c in moved_outputs) + "."
    alert_rows = _alert_rows(ctx, flagged, row_order)
    printed = print_sample(alert_rows)
    return UnivariateView(
        finding=finding,
        charts=heatmaps + dists,
        heatmaps=heatmaps,
        distributions=dists,
        distribution_ids=frozenset(c.id for c in dists),
        ranking=ranked,
        alerts=ch.Table(
            columns=ALERT_COLUMNS,
            formats=ALERT_FORMATS,
            rows=alert_rows,
            caption="Every univariate drift alert of the analysis period, by feature rank",
        ),
        alerts_print=ch.Table(
            columns=ALERT_COLUMNS,
            formats=ALERT_FORMATS,
            rows=printed,
            caption=f"{len(printed)} of the {len(alert_rows):,} alerts, a few per feature in rank order; "
            "the HTML report and results.json list every one",
        ),
        status_guess="alert" if confirmed else "ok",
    )


def _heatmaps(ctx: Context, uni: pd.DataFrame, row_order: list[str]) -> list[ch.Chart]:
    """One status heatmap (feature x chunk) per method, on the method's alerting metric."""
    charts: list[ch.Chart] = []
    for method in sorted({k[1] for k in ctx.idx.keys("univariate_drift")}):
        metric = _alerting_metric(ctx.idx, method)
        sub = uni[(uni["method"] == method) & (uni["metric"] == metric)]
        if ctx.charts and len(sub):
            charts.append(
                ch.status_heatmap(
                    slug("chart", "heatmap", method),
                    sub,
                    ctx.chunks,
                    subject=fmt.method_label(method),
                    value_label=fmt.metric_label(metric),
                    row_order=[c for c in row_order if c in set(sub["column"])],
                    section=ANCHOR,
                )
            )
    return charts


def _distributions(ctx: Context, flagged: pd.DataFrame, row_order: list[str]) -> list[ch.Chart]:
    """Reference vs worst chunks for the top drifting features (the diagnoses' features first)."""
    if not ctx.charts:
        return []
    artifacts = ctx.model.distributions or {}
    flagged_cols = set(flagged["column"])
    diagnosed = [f for d in sorted_diagnoses(ctx.model) for f in (d.get("features") or [])]
    candidates = list(
        dict.fromkeys([c for c in diagnosed if c in flagged_cols] + [c for c in row_order if c in flagged_cols])
    )
    dists = []
    for col in [c for c in candidates if c in artifacts][:TOP_DISTRIBUTIONS]:
        hits = (
            flagged[flagged["column"] == col].groupby("chunk_index").size().sort_values(ascending=False, kind="stable")
        )
        worst = hits.index.tolist()[:3]
        keys = ", ".join(ctx.key(i) for i in worst)
        dists.append(
            ch.distribution_chart(
                slug("chart", "distribution", col),
                col,
                artifacts[col],
                ctx.chunks,
                worst,
                section=ANCHOR,
                finding=f"{col} shifted: reference vs chunk{'s' if len(worst) > 1 else ''} {keys}",
            )
        )
    return dists


def _alert_rows(ctx: Context, flagged: pd.DataFrame, row_order: list[str]) -> list[list[Any]]:
    rank = {c: i for i, c in enumerate(row_order)}
    return [
        [
            r.column,
            fmt.method_label(r.method),
            ctx.key(r.chunk_index),
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


def _alerting_metric(idx: Index, method: str) -> str | None:
    """The metric a method alerts on: the one with thresholds (KS: p_value, distances: distance)."""
    metrics = sorted({k[2] for k in idx.keys("univariate_drift") if k[1] == method})
    best = None
    for m in metrics:
        sub = idx.step("univariate_drift")
        sub = sub[(sub["method"] == method) & (sub["metric"] == m)]
        has_bands = sub[["lower_threshold", "upper_threshold"]].notna().any().any()
        if sub["alert"].notna().any() and (best is None or has_bands):
            best = m
    return best or (metrics[0] if metrics else None)


def _ranking(model: ReportModel) -> tuple[list[str], ch.Table]:
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
    table = ch.Table(
        columns=[
            "Rank",
            "Feature",
            "Alerts",
            "Chunks with alerts",
            "Methods alerting",
            "Drift score",
            f"Correlation with {perf_text} loss",
            "Status",
        ],
        formats=[ch.INTEGER, ch.TEXT, ch.INTEGER, ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.STATUS],
        rows=rows,
        caption="Features ranked by drift alerts in the analysis period; drift score 1 = at the threshold; correlation "
        "over chunks between the feature's drift and the performance loss",
    )
    return order, table


def print_sample(rows: list[list[Any]]) -> list[list[Any]]:
    """At most PRINT_ALERT_ROWS alert rows for print, shared fairly between the alerting features
    (in their rank order), so one strongly drifting column does not fill the page on its own."""
    if len(rows) <= PRINT_ALERT_ROWS:
        return list(rows)
    by_feature: dict[Any, list[list[Any]]] = {}
    for r in rows:
        by_feature.setdefault(r[0], []).append(r)
    per = max(3, -(-PRINT_ALERT_ROWS // len(by_feature)))
    return [r for group in by_feature.values() for r in group[:per]][:PRINT_ALERT_ROWS]
