"""business_value_drop: Business value fell below its threshold, linked to the findings that explain it."""

from __future__ import annotations

from typing import Any

from reportgen.resolution.alerts import episodes
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import (
    Context,
    bridge,
    diagnosis,
    span,
)
from reportgen.resolution.text import (
    fmt_money,
)

CODE = "business_value_drop"
ANCHOR = "business-value"  # the report section that shows the evidence


def find(ctx: Context) -> list[dict[str, Any]]:
    """Business value below its threshold, with the money at stake and the diagnoses that explain it."""
    ev = ctx.ev
    out = []

    def links(run: list[int]) -> list[dict[str, Any]]:
        chunks = set(ev.chunk_indices(run))
        return [d for d in ctx.diagnoses if set(d["chunks"]) & chunks and d["code"] != "business_value_drop"]

    grouped: list[tuple[list[int], list[dict[str, Any]]]] = []
    for run in episodes(ev.bv_pos, bridge(ev)):  # runs explained by the same findings are one loss
        linked = links(run)
        if grouped and linked and [id(d) for d in grouped[-1][1]] == [id(d) for d in linked]:
            grouped[-1] = (grouped[-1][0] + run, linked)
        else:
            grouped.append((run, linked))
    for run, linked in grouped:
        alerts = ev.alerts_in(ev.bv_alerts, run)
        chunks = ev.chunk_indices(run)
        money = ev.money_at_stake(chunks)
        when = span(ev, run)
        because = (
            f" It coincides with: {'; '.join(d['title'] for d in linked)}."
            if linked
            else " No drift or performance alert explains it: check prices, volumes and the value matrix."
        )
        summary = (
            f"Business value fell below its threshold {when}."
            + (f" About {fmt_money(money, ev.currency)} less than at the reference rate." if money else "")
            + because
        )
        actions = (
            [f"Act on the linked finding first ({linked[0]['title']}); it drives the lost value."]
            if linked
            else [
                "Review the business value inputs (prices, volumes, the value matrix) and the decisions the model drives."
            ]
        )
        out.append(
            diagnosis(
                ctx,
                "business_value_drop",
                "alert",
                "Business value dropped" + (f": about {fmt_money(money, ev.currency)} at stake" if money else ""),
                summary,
                run,
                sorted({f for d in linked for f in d["features"]}),
                alerts,
                actions,
                0.8 if linked else 0.6,
                linked_diagnoses=[d["code"] for d in linked],
            )
        )
    return out


def sentence(d: dict[str, Any], ev: Evidence, all_d: list[dict[str, Any]]) -> str:
    when = span(ev, ev.positions(d["chunks"]))
    money = d.get("value_at_stake")
    amount = f": about {fmt_money(money, ev.currency)} below the reference rate" if money else ""
    return f"Business value fell {when}{amount}. Review what drives it."
