"""A swapped model (outputs move, inputs and target hold) reads prediction_drift, not concept_drift."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from reportgen.config import validate_config
from reportgen.io import prepare_data
from reportgen.monitor import run_steps
from reportgen.resolution import resolve
from tests.resolution.synth import scenario
from tests.resolution.test_attribution_conditional import FEATURES, frames

PROBLEMS = ("binary_classification", "multiclass_classification", "regression")


@pytest.mark.parametrize("problem", PROBLEMS)
def test_outputs_that_explain_a_realized_drop_read_prediction_drift(problem: str) -> None:
    # realized performance leaves the estimate's band where the outputs moved and the inputs held
    res = resolve(*scenario(problem, outputs=[5, 6, 7], concept=[5, 6, 7]))
    diagnoses = [d.to_dict() for d in res.diagnoses]
    assert "concept_drift" not in [d["code"] for d in diagnoses]
    swap = next(d for d in diagnoses if d["code"] == "prediction_drift")
    assert swap["severity"] == "alert"
    assert "Realized performance dropped with them" in swap["summary"]
    assert any(e["step"] == "realized_performance" for e in swap["evidence"])


@pytest.mark.parametrize("problem", PROBLEMS)
def test_a_realized_drop_with_steady_outputs_stays_concept_drift(problem: str) -> None:
    res = resolve(*scenario(problem, concept=[5, 6, 7]))
    assert "concept_drift" in res.codes
    assert "prediction_drift" not in res.codes


def swapped(problem: str, seed: int) -> tuple:
    """Simulated rows: 6,000 reference, 6,000 analysis in chunks of 1,000; the last three scored by another model."""
    rng = np.random.default_rng(seed)
    cols: dict = {"id": "id", "prediction": "y_pred", "target": "y", "features": FEATURES}
    extra: dict = {}
    if problem == "binary_classification":
        cols["predicted_probability"] = "p"
        extra = {"positive_class": 1}
    elif problem == "multiclass_classification":
        cols["predicted_probability"] = {0: "p0", 1: "p1", 2: "p2"}
    config = validate_config({"problem_type": problem, "columns": cols, "chunking": {"size": 1000}, **extra})
    ref = frames(6000, rng, problem, {}, 0.0)
    ana = frames(6000, rng, problem, {}, 0.0)
    tail = np.arange(3000, 6000)
    if problem == "regression":
        ana.loc[tail, "y_pred"] += 0.8 * ref["y"].std()
    elif problem == "binary_classification":
        ana.loc[tail, "p"] = ana.loc[tail, "p"] * 0.5 + 0.45
        ana.loc[tail, "y_pred"] = (ana.loc[tail, "p"] > 0.5).astype(int)
    else:
        proba = ana[["p0", "p1", "p2"]].to_numpy()
        proba[tail] = np.roll(proba[tail], 1, axis=1) * 0.7 + 0.1
        ana[["p0", "p1", "p2"]] = proba
        ana["y_pred"] = proba.argmax(axis=1)
    ana["id"] = np.arange(6000, 12000)
    return config, prepare_data(config, ref, ana.drop(columns=["y"]), ana[["id", "y"]])


@pytest.mark.parametrize("problem", PROBLEMS)
def test_a_swapped_model_on_simulated_rows(problem: str) -> None:
    config, data = swapped(problem, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = run_steps(config, data)
    shifted = {c.key for c in data.analysis_chunks[3:]}
    touching = [d for d in report.model.diagnoses if set(d["chunk_keys"]) & shifted and d["severity"] != "info"]
    codes = {d["code"] for d in touching}
    assert "prediction_drift" in codes
    assert "concept_drift" not in codes
    assert next(d for d in touching if d["code"] == "prediction_drift")["severity"] == "alert"
    assert isinstance(report.results, pd.DataFrame)
