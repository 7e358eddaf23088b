"""Estimated vs realized performance (templates/sections/estimated_vs_realized.html): both series per
metric where labels exist, and the chunks where the realized value leaves the estimate's band."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from reportgen import spec
from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.render.sections.base import Context, SectionView, TableSection, slug, unavailable

ANCHOR = "estimated-vs-realized"
TITLE = "Estimated vs realized performance"
STATUS_KEY = "realized_performance"
NEEDS: tuple[str, ...] = ()


def build(ctx: Context, views: Mapping[str, SectionView]) -> SectionView:
    idx = ctx.idx
    keys = sorted((k for k in idx.keys("realized_performance") if k[3] == ""), key=lambda k: spec.table_order(k[2]))
    if not keys:
        return unavailable("No targets were given for the analysis period, so realized performance is unknown.")
    est_keys = {k[2]: k[1] for k in idx.keys("estimated_performance") if k[3] == ""}
    charts: list[ch.Chart] = []
    gap_rows: list[list[Any]] = []
    parted: list[tuple[str, Any]] = []
    for _, method, metric, _c in keys:
        real = idx.series("realized_performance", method, metric)
        if not real[real["period"] == "analysis"]["value"].notna().any():
            continue
        frames = [("realized", real)]
        est = idx.get("estimated_performance", est_keys[metric], metric) if metric in est_keys else None
        if est is not None:
            frames = [("estimated", est), ("realized", real)]
        if ctx.charts and metric not in spec.CONFUSION_COUNTS:  # counts stay in the table: their charts repeat 3.1
            chart = ch.metric_chart(
                slug("chart", "realized", metric),
                frames,
                ctx.chunks,
                metric=metric,
                subject=f"{fmt.metric_label(metric)}, estimated and realized",
                currency=ctx.currency,
                section=ANCHOR,
            )
            charts.append(chart)
        if est is not None:
            _gaps(ctx, metric, est, real, gap_rows, parted)
    if not charts and not gap_rows:
        return unavailable("The analysis period has no labelled rows yet, so realized performance is unknown.")
    primary = next(
        (m for m in spec.primary_metrics() if any(r[0] == fmt.metric_label(m) for r in gap_rows)),
        None,
    )
    primary_label = fmt.metric_label(primary) if primary else None
    all_rows = len(gap_rows)
    gap_rows = [r for r in gap_rows if r[0] == primary_label or r[5] != "ok"]
    caption = (
        (
            f"Gap per labelled chunk for {primary_label}, and every chunk where another metric's realized value "
            f"is outside the estimate's band ({len(gap_rows)} of {all_rows} rows; all are in results.json)"
        )
        if primary_label
        else ""
    )
    if parted:
        finding = (
            f"Realized and estimated performance part in {fmt.plural(len(parted), 'chunk-metric pair')}: "
            "the realized value is outside the estimate's band, which points to concept drift."
        )
    else:
        finding = "Realized performance agrees with the estimate (inside its confidence band) in every labelled chunk."
    table = ch.Table(
        columns=["Metric", "Chunk", "Estimated", "Realized", "Gap (realized - estimated)", "Status"],
        formats=[ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.NUM, ch.STATUS],
        rows=gap_rows,
        caption=caption,
    )
    return TableSection(finding=finding, charts=charts, table=table, status_guess="warning" if parted else "ok")


def _gaps(
    ctx: Context,
    metric: str,
    est: pd.DataFrame,
    real: pd.DataFrame,
    gap_rows: list[list[Any]],
    parted: list[tuple[str, Any]],
) -> None:
    """Appends one row per labelled analysis chunk: estimate, realized value, gap, outside the band or not."""
    # plain dicts by chunk (one record per chunk and metric): a .loc per value costs more than the rest
    e = dict(zip(est["chunk_index"], zip(est["value"], est["lower_confidence"], est["upper_confidence"])))
    for i, period, value in zip(real["chunk_index"], real["period"], real["value"]):
        if period != "analysis" or pd.isna(value) or i not in e:
            continue
        ev, rv = float(e[i][0]), float(value)
        lo, hi = e[i][1], e[i][2]
        outside = bool(pd.notna(lo) and pd.notna(hi) and not lo <= rv <= hi)
        if outside:
            parted.append((metric, i))
        gap_rows.append([fmt.metric_label(metric), ctx.key(i), ev, rv, rv - ev, "warning" if outside else "ok"])
