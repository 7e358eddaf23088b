"""Estimated performance (templates/sections/estimated_performance.html): a chart per metric and the metrics table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from reportgen import spec
from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.render.sections.base import (
    Context,
    SectionView,
    TableSection,
    alert_count,
    last_and_ref,
    slug,
    unavailable,
)

ANCHOR = "estimated-performance"
TITLE = "Estimated performance"
STATUS_KEY = "estimated_performance"
NEEDS: tuple[str, ...] = ()


def low_trust_chunks(records: pd.DataFrame) -> int:
    """Analysis chunks whose estimate has trust 'low' (results written before the field count none)."""
    if "trust" not in records.columns:
        return 0
    return int(((records["period"] == "analysis") & (records["trust"] == "low")).sum())


def build(ctx: Context, views: Mapping[str, SectionView]) -> SectionView:
    idx = ctx.idx
    keys = sorted((k for k in idx.keys("estimated_performance") if k[3] == ""), key=lambda k: spec.table_order(k[2]))
    if not keys:
        return unavailable("Performance was not estimated in this run.")
    charts: list[ch.Chart] = []
    rows: list[list[Any]] = []
    low_trust: list[str] = []
    for _, method, metric, _c in keys:
        f = idx.series("estimated_performance", method, metric)
        n_low = low_trust_chunks(f)
        if n_low:
            low_trust.append(f"{fmt.metric_label(metric)} ({method}) in {n_low} chunk{'s' if n_low > 1 else ''}")
        subject = f"Estimated {fmt.metric_label(metric)}"
        if ctx.charts:
            charts.append(
                ch.metric_chart(
                    slug("chart", "estimated", method, metric),
                    [("estimated", f)],
                    ctx.chunks,
                    metric=metric,
                    subject=subject,
                    currency=ctx.currency,
                    section=ANCHOR,
                )
            )
        last, ref, _ = last_and_ref(f)
        n_alert = alert_count(f)
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
    if low_trust:
        finding += (
            f" Low trust: {'; '.join(low_trust)}, where many rows lie outside the reference's support and the"
            " estimate extrapolates (the chart's notes say which columns)."
        )
    table = ch.Table(
        columns=["Metric", "Method", "Reference", "Last chunk", "Change", "Alerts", "Status"],
        formats=[ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.TEXT, ch.INTEGER, ch.STATUS],
        rows=sorted(rows, key=lambda r: -r[5]),
    )
    return TableSection(finding=finding, charts=charts, table=table, status_guess="alert" if alerting else "ok")
