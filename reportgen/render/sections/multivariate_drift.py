"""Multivariate drift (templates/sections/multivariate_drift.html): one chart per method."""

from __future__ import annotations

from collections.abc import Mapping

from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.render.sections.base import Context, SectionView, alert_count, slug, unavailable

ANCHOR = "multivariate-drift"
TITLE = "Multivariate drift"
STATUS_KEY = "multivariate_drift"
NEEDS: tuple[str, ...] = ()


def build(ctx: Context, views: Mapping[str, SectionView]) -> SectionView:
    idx = ctx.idx
    keys = [k for k in idx.keys("multivariate_drift") if k[3] == ""]
    if not keys:
        return unavailable("Multivariate drift was not computed in this run.")
    charts: list[ch.Chart] = []
    alerting = []
    for _, method, metric, _c in keys:
        f = idx.series("multivariate_drift", method, metric)
        n = alert_count(f)
        if n:
            alerting.append((method, n))
        if ctx.charts:
            charts.append(
                ch.metric_chart(
                    slug("chart", "multivariate", method),
                    [(f"series{len(charts)}", f)],
                    ctx.chunks,
                    metric=metric,
                    subject=fmt.method_label(method),
                    section=ANCHOR,
                )
            )
    if alerting:
        finding = (
            "; ".join(f"{fmt.method_label(m)} alerts in {fmt.plural(n, 'chunk')}" for m, n in alerting)
            + ": the joint distribution of the inputs changed."
        )
    else:
        finding = "The inputs' joint distribution matches the reference (no multivariate alert)."
    return SectionView(finding=finding, charts=charts, status_guess="alert" if alerting else "ok")
