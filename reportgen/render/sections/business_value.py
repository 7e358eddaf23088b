"""Business value (templates/sections/business_value.html): money per chunk and cumulated, vs the reference pace."""

from __future__ import annotations

from collections.abc import Mapping

from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.render.sections.base import Context, SectionView, business_frames, headline_item, unavailable

ANCHOR = "business-value"
TITLE = "Business value"
STATUS_KEY = "business_value"
NEEDS: tuple[str, ...] = ()


def build(ctx: Context, views: Mapping[str, SectionView]) -> SectionView:
    idx = ctx.idx
    per_chunk = business_frames(idx)
    if not per_chunk:
        return unavailable("No business value was configured (business_value.matrix or costs in the config).")
    cur = ctx.currency
    cumulative = business_frames(idx, "cumulative_business_value")
    role, f = per_chunk[0]
    ana = f[f["period"] == "analysis"]["value"].dropna()
    ref = f[f["period"] == "reference"]["value"].dropna()
    total, pace = float(ana.sum()), float(ref.mean()) * len(ana) if len(ref) else float("nan")
    basis = "the reference pace"
    item = headline_item(ctx.model, "business_value")
    if item is not None and item.get("value") is not None and item.get("reference") is not None:
        # the same numbers as the summary card
        total, pace, basis = float(item["value"]), float(item["reference"]), "the reference rate"
    diff = total - pace
    finding = (
        f"{'Realized' if role == 'realized' else 'Estimated'} value this period {fmt.money(total, cur)}, "
        f"{fmt.money(abs(diff), cur)} {'below' if diff < 0 else 'above'} {basis} ({fmt.money(pace, cur)})."
    )
    charts = []
    if ctx.charts:
        charts.append(
            ch.bars_chart(
                "chart-business-value",
                per_chunk,
                ctx.chunks,
                metric="business_value",
                currency=cur,
                title=f"Business value per chunk: {fmt.money(total, cur)} this period vs {fmt.money(pace, cur)} "
                f"at {basis}",
                y_label=f"Business value ({cur})",
                section=ANCHOR,
            )
        )
        if cumulative:
            values = cumulative[0][1]["value"]
            last = float(values.dropna().iloc[-1]) if values.notna().any() else float("nan")
            charts.append(
                ch.bars_chart(
                    "chart-business-value-cumulative",
                    cumulative,
                    ctx.chunks,
                    metric="cumulative_business_value",
                    currency=cur,
                    title=f"Cumulative business value reaches {fmt.money(last, cur)}",
                    y_label=f"Cumulative value ({cur})",
                    section=ANCHOR,
                    kind="line",
                )
            )
    return SectionView(finding=finding, charts=charts, status_guess="warning" if diff < 0 else "ok")
