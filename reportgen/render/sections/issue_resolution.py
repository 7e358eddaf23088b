"""Issue resolution (templates/sections/issue_resolution.html): each diagnosis with its evidence,
recommendations and links to the section and distribution charts that show it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reportgen.render import charts as ch
from reportgen.render import filters as fmt
from reportgen.render.sections import univariate_drift
from reportgen.render.sections.base import Context, SectionView, slug, sorted_diagnoses, unavailable
from reportgen.resolution.diagnoses import ANCHORS

ANCHOR = "issue-resolution"
TITLE = "Issue resolution"
STATUS_KEY = "issue_resolution"
NEEDS: tuple[str, ...] = (univariate_drift.ANCHOR,)  # links to its distribution charts
MAX_EVIDENCE_ROWS = 12
PRINT_EVIDENCE_ROWS = 6  # per diagnosis in the PDF; the HTML report shows MAX_EVIDENCE_ROWS, results.json every record
EVIDENCE_COLUMNS = [
    "Chunk",
    "Measure",
    "Column",
    "Value",
    "Band low",
    "Band high",
    "Lower threshold",
    "Upper threshold",
    "Status",
    "Note",
]
EVIDENCE_FORMATS = [ch.TEXT, ch.TEXT, ch.TEXT, ch.NUM, ch.NUM, ch.NUM, ch.NUM, ch.NUM, ch.STATUS, ch.TEXT]


@dataclass
class ResolutionView(SectionView):
    """The diagnoses, most severe first; each a diagnosis record plus anchors, evidence and its recommendations."""

    diagnoses: list[dict[str, Any]] = field(default_factory=list)


def build(ctx: Context, views: Mapping[str, SectionView]) -> SectionView:
    model = ctx.model
    if not model.diagnoses:
        return unavailable("No diagnosis was made in this run.")
    uni = views.get(univariate_drift.ANCHOR)
    distribution_ids = uni.distribution_ids if isinstance(uni, univariate_drift.UnivariateView) else frozenset()
    keys = {int(c["index"]): str(c["key"]) for c in model.chunks}
    items = []
    for i, d in enumerate(sorted_diagnoses(model)):
        chunk_keys = d.get("chunk_keys") or [keys.get(int(c), str(c)) for c in (d.get("chunks") or [])]
        evidence = d.get("evidence") or []
        items.append(
            {
                **d,
                "anchor": slug("diag", i, d.get("code")),
                "chunk_keys": chunk_keys,
                "evidence_items": [_evidence(e) for e in evidence if not _is_record(e)],
                "evidence_table": _evidence_table([e for e in evidence if _is_record(e)], keys, ctx.currency),
                "evidence_print": _evidence_table(
                    [e for e in evidence if _is_record(e)], keys, ctx.currency, PRINT_EVIDENCE_ROWS
                ),
                "section_anchor": ANCHORS.get(str(d.get("code")), "estimated-performance"),
                "feature_links": [
                    {
                        "name": f,
                        "anchor": slug("fig", "chart", "distribution", f)
                        if slug("chart", "distribution", f) in distribution_ids
                        else None,
                    }
                    for f in (d.get("features") or [])
                ],
                "recommendations": [r for r in model.recommendations if r.get("diagnosis") == d.get("code")],
            }
        )
    real = [d for d in items if d.get("code") != "no_issue"]
    finding = (
        f"{fmt.plural(len(real), 'issue')} found; the most severe: {real[0].get('title', real[0].get('code'))}."
        if real
        else "No issue needs action."
    )
    return ResolutionView(finding=finding, diagnoses=items)


def _measure(r: dict[str, Any]) -> str:
    """'Estimated ROC AUC', 'Realized F1', 'Jensen-Shannon distance'."""
    step, method, metric = r.get("step"), r.get("method"), r.get("metric")
    if step == "estimated_performance":
        return f"Estimated {fmt.metric_label(metric)}"
    if step == "realized_performance":
        return f"Realized {fmt.metric_label(metric)}"
    return f"{fmt.method_label(method) or fmt.step_label(step)} {fmt.metric_label(metric).lower()}"


def _is_record(e: Any) -> bool:
    return isinstance(e, dict) and "step" in e and "value" in e and "chunk_index" in e


def _evidence_table(
    records: list[dict[str, Any]], keys: dict[int, str], currency: str, limit: int = MAX_EVIDENCE_ROWS
) -> ch.Table | None:
    """Result records behind a diagnosis, one row each (the first `limit`): chunk, what, value, band, thresholds, alert."""
    if not records:
        return None
    rows = [
        [
            keys.get(int(r["chunk_index"]), str(r["chunk_index"])),
            _measure(r),
            r.get("column") or "",
            r.get("value"),
            r.get("lower_confidence"),
            r.get("upper_confidence"),
            r.get("lower_threshold"),
            r.get("upper_threshold"),
            "alert" if r.get("alert") else "ok",
            r.get("note"),
        ]
        for r in records
    ]
    shown = rows[:limit]
    caption = ""
    if len(rows) > len(shown):
        if limit >= MAX_EVIDENCE_ROWS:
            where = "all are in results.json"
        elif len(rows) <= MAX_EVIDENCE_ROWS:
            where = f"the HTML report and results.json list all {len(rows)}"
        else:
            where = f"the HTML report lists {MAX_EVIDENCE_ROWS}, results.json all {len(rows)}"
        caption = f"The first {len(shown)} of {len(rows)} records ({where})"
    columns, formats = EVIDENCE_COLUMNS, EVIDENCE_FORMATS
    if not any(r[-1] for r in shown):
        columns, formats, shown = columns[:-1], formats[:-1], [r[:-1] for r in shown]
    return ch.Table(columns=columns, formats=formats, rows=shown, currency=currency, caption=caption)


def _evidence(e: Any) -> dict[str, Any]:
    if isinstance(e, dict):
        text = e.get("text") or e.get("summary") or e.get("label") or ""
        pairs = [
            (fmt.step_label(k), v)
            for k, v in sorted(e.items())
            if k not in ("text", "summary", "label") and not isinstance(v, (dict, list))
        ]
        return {"text": str(text), "pairs": pairs}
    return {"text": str(e), "pairs": []}
