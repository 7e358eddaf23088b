"""The typed Diagnosis: immutable, its results.json record in contract order, rules run in declared order."""

from __future__ import annotations

import dataclasses
import json

import pytest

from reportgen.resolution import diagnoses, resolve
from reportgen.resolution.diagnoses.business_value_drop import ValueDrop
from reportgen.resolution.diagnoses.no_issue import NoIssue
from reportgen.resolution.diagnosis import Diagnosis, MetricNumbers
from reportgen.resolution.rules import CODES
from tests.resolution.synth import scenario

CORE = (
    "code",
    "severity",
    "title",
    "summary",
    "chunks",
    "chunk_keys",
    "features",
    "evidence",
    "evidence_count",
    "actions",
    "confidence",
    "confidence_label",
    "value_at_stake",
    "currency",
)


def _diagnosis(confidence: float = 0.8, detail: object = None) -> Diagnosis:
    return Diagnosis(
        code="business_value_drop",
        severity="alert",
        title="Business value dropped",
        summary="s",
        chunks=(3, 4),
        chunk_keys=("2024-03", "2024-04"),
        features=("car_value",),
        evidence=({"step": "business_value", "value": 1.0},),
        evidence_count=3,
        actions=("a",),
        confidence=confidence,
        value_at_stake=120.5,
        currency="EUR",
        detail=detail or ValueDrop(linked_diagnoses=("concept_drift",)),
    )


def test_record_lists_core_fields_then_detail_then_baseline() -> None:
    d = _diagnosis()
    assert list(d.to_dict()) == [*CORE, "linked_diagnoses"]
    marked = d.replace(baseline="new").to_dict()
    assert list(marked) == [*CORE, "linked_diagnoses", "baseline"] and marked["baseline"] == "new"
    rec = d.to_dict()
    assert rec["chunks"] == [3, 4] and rec["linked_diagnoses"] == ["concept_drift"]
    assert json.loads(json.dumps(rec)) == rec  # plain JSON data: lists, not tuples


def test_diagnosis_is_immutable() -> None:
    d = _diagnosis()
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.title = "other"  # type: ignore[misc]
    assert d.replace(title="other").title == "other" and d.title == "Business value dropped"


@pytest.mark.parametrize(("confidence", "label"), [(0.75, "high"), (0.74, "medium"), (0.5, "medium"), (0.49, "low")])
def test_confidence_label(confidence: float, label: str) -> None:
    assert _diagnosis(confidence).confidence_label == label


def test_numbers_leave_out_what_could_not_be_computed() -> None:
    nums = MetricNumbers(reference=0.9, value=0.8, change=-0.1, realized=0.7)
    d = _diagnosis(detail=NoIssue(metric="roc_auc", numbers=nums)).to_dict()
    assert d["numbers"] == {"reference": 0.9, "value": 0.8, "change": -0.1, "realized": 0.7}
    assert list(d)[-2:] == ["metric", "numbers"]


def test_every_code_has_one_module_and_rules_run_in_declared_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert sorted(m.CODE for m in diagnoses.ORDER) == sorted(CODES)
    for m in diagnoses.ORDER:
        assert callable(m.find) and callable(m.sentence) and callable(m.recommendation) and m.ANCHOR
    seen: list[str] = []
    rules = [(code, lambda ctx, code=code, fn=fn: seen.append(code) or fn(ctx)) for code, fn in diagnoses.RULES]
    monkeypatch.setattr(diagnoses, "RULES", rules)
    resolve(*scenario("binary_classification", drop=[8, 9], drift={"car_value": [8, 9]}))
    assert seen == [m.CODE for m in diagnoses.ORDER]


def test_resolution_records_match_the_typed_diagnoses() -> None:
    res = resolve(*scenario("regression", drop=[6, 7], drift={"car_value": [6, 7]}, concept=[9]))
    records = res.to_dict()["diagnoses"]
    assert [r["code"] for r in records] == res.codes
    top = res.diagnoses[0]
    assert records[0]["features"] == list(top.features) and records[0]["numbers"] == top.detail.numbers.to_dict()
