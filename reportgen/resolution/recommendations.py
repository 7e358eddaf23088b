"""Recommendations: one per kind of finding, in words a manager understands, details for the analyst.

Diagnoses of the same code (several episodes) merge into one recommendation naming all their
features and chunks, worded by that code's module (`recommendation`). Ordered by severity, then
money at stake, then the contract's code order.
"""

from __future__ import annotations

from typing import Any

from reportgen.resolution.diagnoses import RECOMMENDATIONS
from reportgen.resolution.diagnoses.business_value_drop import ValueDrop
from reportgen.resolution.diagnosis import Diagnosis
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import CODES, SEVERITY_RANK
from reportgen.resolution.text import unique


def _links(d: Diagnosis[Any]) -> tuple[str, ...]:
    """The codes a business-value drop is linked to (none for other diagnoses)."""
    return d.detail.linked_diagnoses if isinstance(d.detail, ValueDrop) else ()


def recommend(diagnoses: list[Diagnosis[Any]], ev: Evidence) -> list[dict[str, Any]]:
    """Recommendations from diagnoses, merged per code and ordered by severity then money."""
    by_code: dict[str, list[Diagnosis[Any]]] = {}
    for d in diagnoses:
        if _links(d):
            continue  # the linked finding's recommendation carries this money
        by_code.setdefault(d.code, []).append(d)
    recs: list[dict[str, Any]] = []
    for code, group in by_code.items():
        title, detail = RECOMMENDATIONS[code](group, ev, diagnoses)
        chunks = sorted({c for d in group for c in d.chunks})
        keys = {c: k for d in group for c, k in zip(d.chunks, d.chunk_keys)}
        money = [d.value_at_stake for d in group if d.value_at_stake]
        if code == "performance_drop_covariate_shift" or code == "concept_drift":
            linked_bv = [d.value_at_stake for d in diagnoses if code in _links(d) and d.value_at_stake]
            money = money or linked_bv
        recs.append(
            {
                "title": title,
                "detail": detail,
                "severity": max((d.severity for d in group), key=SEVERITY_RANK.__getitem__),
                "diagnosis": code,
                "features": unique(f for d in group for f in d.features),
                "chunks": chunks,
                "chunk_keys": [keys[c] for c in chunks],
                "value_at_stake": round(sum(money), 2) if money else None,
                "currency": ev.currency,
            }
        )
    code_rank = {c: i for i, c in enumerate(CODES)}
    recs.sort(
        key=lambda r: (
            -SEVERITY_RANK[r["severity"]],
            -(r["value_at_stake"] or 0.0),
            code_rank.get(r["diagnosis"], 99),
            r["chunks"][:1] or [-1],
        )
    )
    return recs
