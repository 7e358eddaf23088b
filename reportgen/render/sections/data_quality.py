"""Data quality (templates/sections/data_quality.html): missing / unseen value heatmaps and summary statistics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.render.sections.base import Context, SectionView, TableSection, alert_count, slug, unavailable

ANCHOR = "data-quality"
TITLE = "Data quality"
STATUS_KEY = "data_quality"
NEEDS: tuple[str, ...] = ()
STATS = ("mean", "std", "min", "max")


def build(ctx: Context, views: Mapping[str, SectionView]) -> SectionView:
    dq = ctx.idx.step("data_quality")
    stats = ctx.idx.step("summary_stats")
    if not len(dq) and not len(stats):
        return unavailable("Data quality was not computed in this run.")
    charts, parts = [], []
    for method in ("missing_values", "unseen_values"):
        sub = dq[(dq["method"] == method) & (dq["metric"] == "rate")]
        if not len(sub):
            continue
        n = alert_count(sub)
        ana = sub[(sub["period"] == "analysis") & sub["alert"].fillna(False).astype(bool)]
        cols = sorted(ana["column"].dropna().unique().tolist())
        parts.append(
            f"{fmt.method_label(method).lower()}: {fmt.plural(n, 'alert')}"
            + (f" ({', '.join(cols[:5])})" if cols else "")
        )
        if ctx.charts:
            charts.append(
                ch.status_heatmap(
                    slug("chart", "quality", method),
                    sub,
                    ctx.chunks,
                    subject=fmt.method_label(method),
                    value_label="Rate",
                    value_format=ch.PCT,
                    section=ANCHOR,
                    verb="with alerts",
                )
            )
    any_alert = any(c.status == "alert" for c in charts)
    finding = (
        ("Data-quality alerts: " + "; ".join(parts) + ".")
        if any_alert
        else "No data-quality alert: missing and unseen values stay at reference levels."
    )
    return TableSection(
        finding=finding,
        charts=charts,
        table=_stats_table(stats) if len(stats) else None,
        status_guess="alert" if any_alert else "ok",
    )


def _stats_table(stats: pd.DataFrame) -> ch.Table:
    """Per numeric feature: each statistic's average over the reference chunks and over the analysis chunks."""
    rows = []
    # one grouping pass instead of a boolean mask per column, metric and period; each group keeps
    # its rows in frame order, so every mean is computed from the same values as before
    groups = {key: g["value"] for key, g in stats.groupby(["column", "metric", "period"], sort=False)}
    empty = pd.Series([], dtype=float)
    for col in sorted(stats["column"].dropna().unique().tolist()):
        vals: list[Any] = [col]
        for metric in STATS:
            vals.append(_opt_mean(groups.get((col, metric, "reference"), empty)))
            vals.append(_opt_mean(groups.get((col, metric, "analysis"), empty)))
        if any(v is not None for v in vals[1:]):  # categorical columns have no mean/std/min/max
            rows.append(vals)
    columns = ["Feature"]
    for metric in STATS:
        label = fmt.metric_label(metric)
        columns += [f"{label} (reference)", f"{label} (analysis)"]
    return ch.Table(
        columns=columns,
        formats=[ch.TEXT] + [ch.NUM] * 2 * len(STATS),
        rows=rows,
        caption="Summary statistics: the average over each period's chunks",
    )


def _opt_mean(values: pd.Series) -> float | None:
    v = values.dropna()
    return float(v.mean()) if len(v) else None
