"""business_value_drop: Business value fell below its threshold, linked to the findings that explain it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.resolution.alerts import episodes
from reportgen.resolution.diagnosis import Detail, Diagnosis
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import (
    Context,
    bridge,
    chunk_range,
    diagnosis,
    money_note,
    span,
)
from reportgen.resolution.text import (
    fmt_money,
)

CODE = "business_value_drop"
ANCHOR = "business-value"  # the report section that shows the evidence


@dataclass(frozen=True)
class ValueDrop(Detail):
    """The codes of the earlier findings in the same chunks that explain the lost value."""

    linked_diagnoses: tuple[str, ...]


def find(ctx: Context) -> list[Diagnosis[ValueDrop]]:
    """Business value below its threshold, with the money at stake and the diagnoses that explain it."""
    ev = ctx.ev
    out = []

    def links(run: list[int]) -> list[Diagnosis[Any]]:
        chunks = set(ev.chunk_indices(run))
        return [d for d in ctx.diagnoses if set(d.chunks) & chunks and d.code != CODE]

    grouped: list[tuple[list[int], list[Diagnosis[Any]]]] = []
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
            f" It coincides with: {'; '.join(d.title for d in linked)}."
            if linked
            else " No drift or performance alert explains it: check prices, volumes and the value matrix."
        )
        summary = (
            f"Business value fell below its threshold {when}."
            + (f" About {fmt_money(money, ev.currency)} less than at the reference rate." if money else "")
            + because
        )
        actions = (
            [f"Act on the linked finding first ({linked[0].title}); it drives the lost value."]
            if linked
            else [
                "Review the business value inputs (prices, volumes, the value matrix) and the decisions the model drives."
            ]
        )
        out.append(
            diagnosis(
                ctx,
                CODE,
                "alert",
                "Business value dropped" + (f": about {fmt_money(money, ev.currency)} at stake" if money else ""),
                summary,
                run,
                sorted({f for d in linked for f in d.features}),
                alerts,
                actions,
                0.8 if linked else 0.6,
                ValueDrop(linked_diagnoses=tuple(d.code for d in linked)),
            )
        )
    return out


def sentence(d: Diagnosis[ValueDrop], ev: Evidence, all_d: list[Diagnosis[Any]]) -> str:
    when = span(ev, ev.positions(d.chunks))
    money = d.value_at_stake
    amount = f": about {fmt_money(money, ev.currency)} below the reference rate" if money else ""
    return f"Business value fell {when}{amount}. Review what drives it."


def recommendation(group: list[Diagnosis[ValueDrop]], ev: Evidence, all_d: list[Diagnosis[Any]]) -> tuple[str, str]:
    """Review the value's drivers (a loss a finding explains is carried by that finding's recommendation)."""
    title = "Review what drives the lost business value"
    detail = (
        f"Business value fell below its threshold in chunks {chunk_range(group)} while no drift or performance alert explains it.{money_note(group, ev)} "
        "Check volumes, prices, the value matrix and the decisions taken on the model's output."
    )
    return title, detail
