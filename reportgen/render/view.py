"""The view: what each part of the report shows, derived from a ReportModel (no statistics, no HTML).

HTML, PDF, notebook and e-mail templates all render this one structure, so they agree. The
sections are built by reportgen.render.sections (one module per section, in reading order); a
section without data says why instead of staying empty. See ARCHITECTURE.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reportgen.render import charts as ch
from reportgen.render.cautions_view import cautions_view
from reportgen.render.sections import SECTIONS
from reportgen.render.sections.appendix import Appendix, build_appendix
from reportgen.render.sections.base import SEVERITY_ORDER, Context, Index, SectionView, slug
from reportgen.render.sections.header import Meta, build_meta
from reportgen.render.sections.summary import Summary, build_summary
from reportgen.render.sections.univariate_drift import PRINT_ALERT_ROWS, print_sample
from reportgen.report import ReportModel

__all__ = ["PRINT_ALERT_ROWS", "SECTIONS", "ReportView", "TocItem", "build_view", "print_sample", "slug"]


@dataclass
class TocItem:
    id: str
    title: str
    status: str | None


@dataclass
class ReportView:
    """Everything the templates show, in reading order."""

    meta: Meta
    summary: Summary
    sections: list[SectionView]
    appendix: Appendix
    toc: list[TocItem]
    currency: str
    charts: list[ch.Chart] = field(default_factory=list)
    cautions: dict[str, Any] = field(default_factory=dict)  # "Read with care": {items, by_section}

    @property
    def alert_charts(self) -> list[ch.Chart]:
        return [c for c in self.charts if c.status == "alert"]

    def section(self, anchor: str) -> SectionView:
        return next(s for s in self.sections if s.id == anchor)


def build_view(model: ReportModel, *, charts: bool = True) -> ReportView:
    """Everything the templates show, in reading order (charts=False: text and tables only)."""
    frame = model.results_frame()
    currency = str(model.metadata.get("currency") or "EUR")
    ctx = Context(model=model, idx=Index(frame), currency=currency, charts=charts)
    statuses = dict(model.summary.get("sections") or {})
    built: dict[str, SectionView] = {}
    for spec in SECTIONS:
        missing = [a for a in spec.needs if a not in built]
        if missing:  # a section reads only views built before it: SECTIONS order must say so
            raise RuntimeError(f"section {spec.anchor} needs {missing}, listed after it in SECTIONS")
        body = spec.build(ctx, {a: built[a] for a in spec.needs})
        built[spec.anchor] = replace(
            body,
            id=spec.anchor,
            title=spec.title,
            status=_section_status(statuses, spec.status_key, body, model),
            partial=spec.partial,
        )
    sections = list(built.values())
    summary = build_summary(ctx, sections)
    toc = [TocItem("summary", "Executive summary", summary.status)]
    toc += [TocItem(s.id, s.title, s.status) for s in sections]
    toc.append(TocItem("appendix", "Appendix: methods and data", None))
    return ReportView(
        meta=build_meta(model),
        summary=summary,
        sections=sections,
        appendix=build_appendix(model, frame),
        toc=toc,
        currency=currency,
        charts=[c for s in sections for c in s.charts],
        cautions=cautions_view(model.warnings, model.chunks),
    )


def _section_status(statuses: dict[str, str], key: str, body: SectionView, model: ReportModel) -> str | None:
    """The resolution's status for the section, else its own reading (None: no data)."""
    if key == "issue_resolution":
        if key in statuses:
            return statuses[key]
        if not model.diagnoses:
            return None
        sev = [d.get("severity", "info") for d in model.diagnoses if d.get("code") != "no_issue"]
        worst = min(sev, key=lambda s: SEVERITY_ORDER.get(s, 9)) if sev else "ok"
        return "ok" if worst == "info" else worst
    if not body.available:
        return None
    if key in statuses:
        return statuses[key]
    return body.status_guess
