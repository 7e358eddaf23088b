"""Diagnosis rules, recommendations and summary on synthetic result tables (one per scenario)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from reportgen.resolution import CODES, Resolution, resolve
from reportgen.results import empty_results
from tests.resolution.synth import N_REF, chunks_list, config_for, scenario

PROBLEMS = ("binary_classification", "multiclass_classification", "regression")


def codes(res: Resolution) -> list[str]:
    return [d.code for d in res.diagnoses]


def first(res: Resolution, code: str) -> dict:
    return next(d for d in res.diagnoses if d.code == code)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_stable_data_reads_no_issue_and_ok(problem: str) -> None:
    res = resolve(*scenario(problem))
    assert codes(res) == ["no_issue"]
    assert res.summary["status"] == "ok"
    assert set(res.summary["sections"].values()) == {"ok"}
    assert res.summary["sentence"].startswith("All clear")
    assert res.recommendations[0]["title"].startswith("No action needed")


@pytest.mark.parametrize("problem", PROBLEMS)
def test_isolated_alert_is_info_not_warning(problem: str) -> None:
    res = resolve(*scenario(problem, isolated=[("car_value", 3)]))
    assert codes(res) == ["no_issue"]
    assert res.summary["status"] == "ok"
    assert res.summary["sections"]["univariate_drift"] == "info"
    assert "1 isolated alert" in res.diagnoses[0].summary
    assert res.diagnoses[0].evidence[0]["column"] == "car_value"


@pytest.mark.parametrize("problem", PROBLEMS)
def test_performance_drop_with_covariate_shift_names_features_by_tracking(problem: str) -> None:
    res = resolve(
        *scenario(
            problem, drop=[6, 7, 8, 9], drift={"car_value": [6, 7, 8, 9], "loan_length": [8, 9], "tenure": [1, 2]}
        )
    )
    top = res.diagnoses[0]
    assert top.code == "performance_drop_covariate_shift"
    assert top.severity == "alert"
    assert list(top.chunks) == [N_REF + p for p in (6, 7, 8, 9)]
    # car_value drifts exactly when performance drops; loan_length only half of the time
    assert list(top.features) == ["car_value", "loan_length"]
    assert top.value_at_stake > 0
    assert "tenure" in first(res, "covariate_shift_no_impact").features
    assert res.summary["status"] == "alert"
    sentence = res.summary["sentence"]
    assert "most likely because car_value and loan_length shifted" in sentence
    assert "over the last four weeks" in sentence
    word = "rose" if problem == "regression" else "fell"
    assert f" {word} from " in sentence
    assert "Retrain on recent data." in sentence
    assert res.recommendations[0]["diagnosis"] == "performance_drop_covariate_shift"


@pytest.mark.parametrize("problem", PROBLEMS)
def test_concept_drift_flags_the_estimate(problem: str) -> None:
    res = resolve(*scenario(problem, concept=[3, 4, 5]))
    d = first(res, "concept_drift")
    assert res.diagnoses[0].code in ("concept_drift", "business_value_drop")
    assert d.severity == "alert"
    assert list(d.chunks) == [N_REF + 3, N_REF + 4, N_REF + 5]
    assert d.detail.untrusted_estimate_chunks == d.chunks
    assert d.features == ()
    assert "performance_drop_covariate_shift" not in codes(res)
    assert "concept drift" in res.summary["sentence"]
    assert any(r["title"].startswith("Collect fresh labels") for r in res.recommendations)


@pytest.mark.parametrize("problem", PROBLEMS)
def test_covariate_shift_without_impact_says_keep_monitoring(problem: str) -> None:
    res = resolve(*scenario(problem, drift={"tenure": [2, 3], "debt_ratio": [3]}))
    assert codes(res) == ["covariate_shift_no_impact"]
    d = res.diagnoses[0]
    assert list(d.features) == ["tenure", "debt_ratio"]
    assert list(d.chunks) == [N_REF + 2, N_REF + 3]
    assert d.severity == "warning"
    assert res.summary["status"] == "warning"
    assert res.summary["sections"]["estimated_performance"] == "ok"
    assert res.recommendations[0]["title"].startswith("Keep monitoring")


@pytest.mark.parametrize("problem", PROBLEMS)
def test_data_quality_sets_drift_aside_as_artefact(problem: str) -> None:
    res = resolve(*scenario(problem, dq={"salary_range": [4, 5]}, drift={"salary_range": [4, 5]}))
    assert codes(res) == ["data_quality"]
    d = res.diagnoses[0]
    assert list(d.features) == ["salary_range"]
    assert list(d.detail.artefact_features) == ["salary_range"]
    assert "artefact" in d.summary
    assert res.recommendations[0]["title"].startswith("Fix the upstream data pipeline for salary_range")


@pytest.mark.parametrize("problem", PROBLEMS)
def test_prediction_drift_without_input_drift(problem: str) -> None:
    res = resolve(*scenario(problem, outputs=[5, 6]))
    assert codes(res) == ["prediction_drift"]
    assert "y_pred" in res.diagnoses[0].features
    assert res.diagnoses[0].value_at_stake is None  # business value within its noise


@pytest.mark.parametrize("problem", PROBLEMS)
def test_business_value_drop_carries_money(problem: str) -> None:
    res = resolve(*scenario(problem, drop=[8, 9], drift={"car_value": [8, 9]}))
    bv = first(res, "business_value_drop")
    # 30% of 100 per row x 1000 rows in two chunks, within the noise of the synthetic values
    assert bv.value_at_stake == pytest.approx(60_000, rel=0.05)
    assert list(bv.detail.linked_diagnoses) == ["performance_drop_covariate_shift"]
    assert "EUR 60,000" in res.summary["sentence"]
    assert res.recommendations[0]["value_at_stake"] == pytest.approx(bv.value_at_stake)


def test_unexplained_business_value_drop_gets_its_own_recommendation() -> None:
    results, chunks, config = scenario("binary_classification")
    mask = (results["step"] == "business_value") & results["chunk_index"].isin([N_REF + 2, N_REF + 3])
    results.loc[mask, "value"] -= 40_000
    results.loc[mask, "alert"] = True
    res = resolve(results, chunks, config)
    assert codes(res) == ["business_value_drop"]
    assert res.recommendations[0]["diagnosis"] == "business_value_drop"
    assert res.diagnoses[0].value_at_stake == pytest.approx(80_000, rel=0.05)


def test_diagnosis_and_recommendation_fields_follow_the_contract() -> None:
    res = resolve(
        *scenario(
            "binary_classification",
            drop=[6, 7, 8, 9],
            drift={"car_value": [6, 7, 8, 9]},
            dq={"debt_ratio": [2, 3]},
            concept=[0, 1],
        )
    )
    keys = {
        "code",
        "severity",
        "title",
        "summary",
        "chunks",
        "chunk_keys",
        "features",
        "evidence",
        "actions",
        "confidence",
        "value_at_stake",
    }
    for d in res.diagnoses:
        assert keys <= set(d.to_dict())
        assert d.code in CODES and d.severity in ("info", "warning", "alert")
        assert len(d.chunks) == len(d.chunk_keys)
        assert d.actions and all(isinstance(a, str) for a in d.actions)
        assert 0 <= d.confidence <= 1
    sev = [{"alert": 2, "warning": 1, "info": 0}[r["severity"]] for r in res.recommendations]
    assert sev == sorted(sev, reverse=True)
    for r in res.recommendations:
        assert {
            "title",
            "detail",
            "severity",
            "diagnosis",
            "features",
            "chunks",
            "chunk_keys",
            "value_at_stake",
        } <= set(r)
    assert res.summary["top_recommendations"] == res.recommendations[:3]
    retrain = next(r for r in res.recommendations if r["diagnosis"] == "performance_drop_covariate_shift")
    assert retrain["title"].startswith("Retrain the model on recent data")
    assert "data-quality fault (2024-03-11 and 2024-03-18)" in retrain["detail"]
    assert "issue_resolution" in res.summary["sections"]
    json.dumps(res.to_dict(), allow_nan=False)


def test_output_is_deterministic_and_order_independent() -> None:
    results, chunks, config = scenario(
        "regression", drop=[6, 7], drift={"car_value": [6, 7]}, dq={"tenure": [1]}, outputs=[3]
    )
    a = resolve(results, chunks, config).to_dict()
    shuffled = results.sample(frac=1.0, random_state=3).reset_index(drop=True)
    b = resolve(shuffled, list(reversed(chunks)), config).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_headline_numbers_and_direction_words() -> None:
    res = resolve(*scenario("regression", drop=[7, 8, 9], drift={"car_value": [7, 8, 9]}))
    head = {h["label"]: h for h in res.summary["headline"]}
    mae = head["Estimated MAE"]
    assert mae["value"] > mae["reference"]
    assert mae["direction_word"] == "worse"
    assert mae["relative_change"] == pytest.approx((mae["value"] - mae["reference"]) / mae["reference"], abs=1e-6)
    assert head["Drifted inputs"]["value"] == 1 and head["Drifted inputs"]["reference"] == 5
    assert head["Estimated business value"]["direction_word"] == "worse"
    assert head["Estimated business value"]["unit"] == "EUR"
    assert "Estimated MAE rose from 2.00 to 2.1" in res.summary["sentence"]


def test_without_business_value_or_targets() -> None:
    res = resolve(
        *scenario(
            "binary_classification", drop=[8, 9], drift={"car_value": [8, 9]}, business_value=False, realized=False
        )
    )
    assert codes(res) == ["performance_drop_covariate_shift"]
    assert res.diagnoses[0].value_at_stake is None
    assert "less value" not in res.summary["sentence"]
    assert [h["label"] for h in res.summary["headline"]] == [
        "Estimated ROC AUC",
        "Drifted inputs",
        "Data-quality alerts",
    ]


def test_empty_results_still_resolve() -> None:
    res = resolve(empty_results(), chunks_list(), config_for("binary_classification"))
    assert codes(res) == ["no_issue"]
    assert res.summary["status"] == "ok"


def test_ranking_correlation_orders_features_when_given() -> None:
    results, chunks, config = scenario(
        "binary_classification", drop=[6, 7, 8, 9], drift={"car_value": [6, 7, 8, 9], "loan_length": [6, 7, 8, 9]}
    )
    ranking = pd.DataFrame(
        {"column": ["loan_length", "car_value"], "alert_count": [8, 8], "correlation": [0.9, 0.2], "rank": [1, 2]}
    )
    res = resolve(results, chunks, config, ranking=ranking)
    # car_value tracks the drop less than half as well as loan_length: drifted, but not the cause
    assert list(res.diagnoses[0].features) == ["loan_length"]
    assert list(res.diagnoses[0].detail.other_drifted_features) == ["car_value"]
    ranking["correlation"] = [0.7, 0.9]
    res = resolve(results, chunks, config, ranking=ranking)
    assert list(res.diagnoses[0].features) == ["car_value", "loan_length"]


def test_drift_that_starts_before_the_drop_joins_its_episode() -> None:
    res = resolve(*scenario("binary_classification", drop=[6, 7, 8], drift={"car_value": [4, 5, 6, 7, 8]}))
    assert codes(res)[0] == "performance_drop_covariate_shift"
    assert "covariate_shift_no_impact" not in codes(res)
    d = res.diagnoses[0]
    assert list(d.chunks) == [N_REF + p for p in (4, 5, 6, 7, 8)]
    assert "The shift in car_value began in the two weeks from" in d.summary


def test_row_range_chunks_are_named_by_their_dates_in_sentences() -> None:
    results, chunks, config = scenario("regression", drift={"tenure": [2, 3]})
    for c in chunks:
        c["key"] = f"[{c['start_row']}:{c['end_row'] - 1}]"
    res = resolve(results, chunks, config)
    assert list(res.diagnoses[0].chunk_keys) == ["[2000:2999]", "[3000:3999]"]
    assert "from 2024-03-11 to 2024-03-25" in res.summary["sentence"]


def test_drift_only_results_say_the_impact_is_unknown() -> None:
    results, chunks, config = scenario("binary_classification", drift={"car_value": [3, 4]})
    drift_only = results[results["step"].isin(["univariate_drift", "multivariate_drift"])]
    res = resolve(drift_only, chunks, config)
    assert codes(res) == ["covariate_shift_no_impact"]
    assert "impact is unknown" in res.diagnoses[0].summary
    assert res.diagnoses[0].value_at_stake is None
    assert [h["label"] for h in res.summary["headline"]] == ["Drifted inputs"]


def test_chunk_objects_are_accepted() -> None:
    from reportgen.chunking import Chunk

    results, chunks, config = scenario("regression", drift={"car_value": [3, 4]})
    objects = [
        Chunk(
            c["index"],
            c["key"],
            c["period"],
            c["start_row"],
            c["end_row"],
            pd.Timestamp(c["start_time"]).to_pydatetime(),
            pd.Timestamp(c["end_time"]).to_pydatetime(),
        )
        for c in chunks
    ]
    a, b = resolve(results, chunks, config).to_dict(), resolve(results, objects, config).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_reference_only_run_has_nothing_to_diagnose() -> None:
    results, chunks, config = scenario("binary_classification")
    ref_chunks = [c for c in chunks if c["period"] == "reference"]
    res = resolve(results[results["period"] == "reference"], ref_chunks, config)
    assert codes(res) == ["no_issue"] and list(res.diagnoses[0].chunks) == []
    assert res.summary["status"] == "ok"


@pytest.mark.parametrize("problem", PROBLEMS)
def test_without_estimation_realized_drops_are_diagnosed(problem: str) -> None:
    results, chunks, config = scenario(problem, drop=[2, 3], drift={"car_value": [2, 3]}, concept=[7, 8])
    no_estimate = results[results["step"] != "estimated_performance"]
    res = resolve(no_estimate, chunks, config)
    by_code = {d.code: d for d in res.diagnoses}
    assert list(by_code["performance_drop_covariate_shift"].chunks) == [N_REF + 2, N_REF + 3]
    assert list(by_code["performance_drop_covariate_shift"].features) == ["car_value"]
    assert list(by_code["concept_drift"].chunks) == [N_REF + 7, N_REF + 8]
    assert "Realized" in by_code["performance_drop_covariate_shift"].summary
    assert res.summary["sentence"].startswith("Realized ")


def test_business_value_per_prediction_is_scaled_to_chunk_totals() -> None:
    results, chunks, config = scenario("binary_classification", drop=[8, 9], drift={"car_value": [8, 9]})
    total = resolve(results, chunks, config)
    per_row = results.copy()
    mask = per_row["step"] == "business_value"
    per_row.loc[mask, "value"] = per_row.loc[mask, "value"] / 1000
    per_row.loc[mask, ["lower_threshold", "upper_threshold"]] = (
        per_row.loc[mask, ["lower_threshold", "upper_threshold"]] / 1000
    )
    normalized = config.model_copy(
        update={"business_value": config.business_value.model_copy(update={"normalize": "per_prediction"})}
    )
    res = resolve(per_row, chunks, normalized)
    assert res.diagnoses[0].value_at_stake == pytest.approx(total.diagnoses[0].value_at_stake, rel=1e-9)
    bv = {h["label"]: h for h in res.summary["headline"]}["Estimated business value"]
    assert bv["value"] == pytest.approx(
        {h["label"]: h for h in total.summary["headline"]}["Estimated business value"]["value"]
    )


def test_method_notes_explain_the_rules_for_the_appendix() -> None:
    res = resolve(*scenario("regression"))
    assert {n["method"] for n in res.method_notes} == {"corroboration", "diagnosis_rules"}
    text = " ".join(n["description"] for n in res.method_notes)
    for code in CODES:
        assert code in text


def test_ratio_and_log_errors_alone_never_make_a_finding() -> None:
    """MAPE and MSLE explode on targets near zero: far outside the band in one chunk, still no concept drift."""
    from reportgen.results import concat_results, make_results

    results, chunks, config = scenario("regression")
    idx = np.array([c["index"] for c in chunks])
    period = np.array([c["period"] for c in chunks])
    extra = []
    for metric, level in (("mape", 0.15), ("msle", 0.04)):
        est = np.full(len(idx), level)
        real = est.copy()
        real[N_REF + 4] = level * 1e6  # one chunk with a target near zero
        extra.append(
            make_results(
                step="estimated_performance",
                method="dle",
                metric=metric,
                column=None,
                chunk_index=idx,
                period=period,
                value=est,
                sampling_error=level / 20,
                lower_confidence=est - level / 7,
                upper_confidence=est + level / 7,
                upper_threshold=level * 1.2,
                alert=est > level * 1.2,
            )
        )
        extra.append(
            make_results(
                step="realized_performance",
                method="realized",
                metric=metric,
                column=None,
                chunk_index=idx,
                period=period,
                value=real,
                upper_threshold=level * 1.2,
                alert=real > level * 1.2,
            )
        )
    res = resolve(concat_results([results, *extra]), chunks, config)
    assert codes(res) == ["no_issue"]
    assert res.summary["sections"]["realized_performance"] == "info"
