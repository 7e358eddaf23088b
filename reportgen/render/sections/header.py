"""The report header (templates/sections/header.html): title, model, periods, version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportgen.render import filters as fmt
from reportgen.report import ReportModel


@dataclass
class Meta:
    """What the header and the page title show."""

    title: str
    problem_type: str
    generated_at: str
    version: str
    reference: dict[str, Any] = field(default_factory=dict)
    analysis: dict[str, Any] = field(default_factory=dict)
    chunking: Any = ""
    logo: Any = None
    period_label: str = ""


def build_meta(model: ReportModel) -> Meta:
    md = model.metadata
    return Meta(
        title=model.title,
        problem_type=model.problem_type,
        generated_at=model.generated_at,
        version=model.reportgen_version,
        reference=md.get("reference") or {},
        analysis=md.get("analysis") or {},
        chunking=md.get("chunking") or "",
        logo=md.get("logo"),
        period_label=period_label(md.get("analysis") or {}),
    )


def period_label(period: dict[str, Any]) -> str:
    """'2024-01-01 to 2024-10-31', else '12,000 rows'."""
    start, end = period.get("start"), period.get("end")
    if start and end:
        return f"{fmt.date(start)} to {fmt.date(end)}"
    rows = period.get("rows")
    return f"{fmt.integer(rows)} rows" if rows is not None else ""
