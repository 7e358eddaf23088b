"""The "Read with care" box: the run's warnings for the top of the HTML, PDF and e-mail, and per section."""

from __future__ import annotations

from typing import Any

# warning code -> the report sections (anchor ids) it touches
SECTIONS_TOUCHED: dict[str, tuple[str, ...]] = {
    "targets_unmatched": ("estimated-vs-realized", "business-value"),
    "small_chunk": (
        "estimated-performance",
        "estimated-vs-realized",
        "business-value",
        "multivariate-drift",
        "univariate-drift",
        "data-quality",
        "issue-resolution",
    ),
    "missing_period": ("estimated-performance",),
    "constant_in_reference": ("univariate-drift",),
    "baseline_mismatch": ("issue-resolution",),
    "target_overwritten": ("estimated-vs-realized",),
}
TITLES = {
    "targets_unmatched": "Labels",
    "small_chunk": "Small chunks",
    "missing_period": "Missing periods",
    "constant_in_reference": "Constant in the reference",
    "baseline_mismatch": "Baseline from another model",
    "target_overwritten": "Target overwritten",
}


def cautions_view(warnings: list[dict[str, Any]], chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """{items: [{code, title, message, chunk_keys, columns}], by_section: {anchor: [message]}} (plain text)."""
    keys = {c.get("index"): str(c.get("key")) for c in chunks}
    items = []
    by_section: dict[str, list[str]] = {}
    for w in warnings:
        code = str(w.get("code"))
        text = str(w.get("message") or "")  # case kept: a message may start with a column name
        items.append(
            {
                "code": code,
                "title": TITLES.get(code, code.replace("_", " ").capitalize()),
                "message": text,
                "chunk_keys": [keys.get(i, str(i)) for i in w.get("chunks") or []],
                "columns": [str(c) for c in w.get("columns") or []],
            }
        )
        for anchor in SECTIONS_TOUCHED.get(code, ()):
            by_section.setdefault(anchor, []).append(text)
    return {"items": items, "by_section": by_section}
