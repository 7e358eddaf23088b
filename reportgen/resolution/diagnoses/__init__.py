"""The diagnosis rules, one module per code (its rule, sentence, actions and report section), run in ORDER.

Each module defines CODE, ANCHOR (the section of the report showing its evidence), its Detail
dataclass (the fields it adds to results.json), `find(ctx)` returning that code's Diagnosis objects
given the ones found so far, `sentence(d, ev, all_d)` for the executive summary and
`recommendation(group, ev, all_d)` -> (title, detail) for its diagnoses merged into one recommendation. Later rules read earlier findings: a drop explained by a data-quality fault is
not reported twice, covariate shift without impact leaves out the chunks a performance drop claims,
and business value links the findings that explain its loss, so the order is part of the logic.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from reportgen.resolution.diagnoses import (
    business_value_drop,
    concept_drift,
    covariate_shift_no_impact,
    data_quality,
    no_issue,
    performance_drop_covariate_shift,
    prediction_drift,
)
from reportgen.resolution.diagnosis import Diagnosis
from reportgen.resolution.evidence import Evidence
from reportgen.resolution.rules import CODES, Context, Rule, sort_diagnoses

ORDER: tuple[ModuleType, ...] = (
    performance_drop_covariate_shift,
    concept_drift,
    data_quality,
    prediction_drift,
    covariate_shift_no_impact,
    business_value_drop,
    no_issue,
)
RULES: list[tuple[str, Rule]] = [(m.CODE, m.find) for m in ORDER]
SENTENCES: dict[str, Callable[..., str]] = {m.CODE: m.sentence for m in ORDER}
ANCHORS: dict[str, str] = {m.CODE: m.ANCHOR for m in ORDER}
RECOMMENDATIONS: dict[str, Callable[..., tuple[str, str]]] = {m.CODE: m.recommendation for m in ORDER}

if sorted(RULES_CODES := [c for c, _ in RULES]) != sorted(CODES):  # every code has exactly one rule module
    raise ImportError(f"diagnosis rule modules {RULES_CODES} do not match CODES {list(CODES)}")

__all__ = ["ORDER", "RULES", "SENTENCES", "ANCHORS", "RECOMMENDATIONS", "run_rules"]


def run_rules(ev: Evidence) -> list[Diagnosis[Any]]:
    """Every rule in its declared order; diagnoses sorted by severity, money at stake, code and first chunk."""
    ctx = Context(ev)
    for _, fn in RULES:
        ctx.diagnoses.extend(fn(ctx))
    return sort_diagnoses(ctx.diagnoses)
