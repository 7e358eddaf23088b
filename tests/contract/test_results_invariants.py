"""reportgen.contract: each invariant is caught on a hand-broken results.json, and a real run keeps them."""

from __future__ import annotations

import copy
import json

import pytest
from trust_cases import loan_config, loan_frame, run_quiet

from reportgen.contract import ContractError, check_results_json, problems


@pytest.fixture(scope="module")
def good() -> dict:
    reference = loan_frame(1200, 0, "2024-01-01", 21)
    analysis = loan_frame(1200, 9_000, "2024-04-01", 22)
    return json.loads(run_quiet(loan_config({"number": 4}), reference, analysis).model.to_results_json())


def first(payload: dict, **match) -> dict:
    return next(r for r in payload["results"] if all(r.get(k) == v for k, v in match.items()))


def test_a_real_run_keeps_every_invariant(good):
    assert problems(good) == []
    assert isinstance(good["warnings"], list)


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda p: first(p, step="univariate_drift").update(value=float("nan")), "neither a finite number nor null"),
        (lambda p: first(p, step="estimated_performance").update(value=None, alert=True), "alerts without a finite"),
        (
            lambda p: first(p, step="estimated_performance").update(lower_threshold=0.9, upper_threshold=0.1),
            "lower threshold 0.9 above upper threshold 0.1",
        ),
        (lambda p: first(p, step="data_quality").update(chunk_index=99), "names a chunk that does not exist"),
        (
            lambda p: p["warnings"].append({"code": "small_chunk", "message": "m", "chunks": [77], "columns": []}),
            "[77]",
        ),
        (lambda p: p["warnings"].append({"code": "oops", "message": "m", "chunks": [], "columns": []}), "'oops'"),
        (lambda p: p["warnings"].append({"code": "small_chunk", "message": "m"}), "is not {code, message"),
        (lambda p: p["chunks"][-1].update(targets=p["chunks"][-1]["rows"] + 1), "outside 0.."),
        (lambda p: p["chunks"][-1].pop("targets"), "no 'targets' key"),
        (lambda p: p["summary"]["sections"].update(realized_performance="grey"), "'grey'"),
        (lambda p: p.update(warnings=None), "'warnings' is not a list"),
        (lambda p: p["summary"].update(extra=float("inf")), "$.summary.extra"),
    ],
)
def test_each_broken_invariant_is_named(good, breakage, expected):
    broken = copy.deepcopy(good)
    breakage(broken)
    found = problems(broken)
    assert any(expected in p for p in found), found
    with pytest.raises(ContractError, match="invariant"):
        check_results_json(broken)


def test_a_diagnosis_naming_a_missing_chunk_is_caught(good):
    broken = copy.deepcopy(good)
    broken["diagnoses"].append({"code": "no_issue", "chunks": [123]})
    assert any("diagnosis no_issue" in p for p in problems(broken))


def test_reads_a_folder_or_a_file(good, tmp_path):
    (tmp_path / "results.json").write_text(json.dumps(good), encoding="utf-8")
    assert check_results_json(tmp_path)["title"] == good["title"]
    assert check_results_json(tmp_path / "results.json")["title"] == good["title"]
