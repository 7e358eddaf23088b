"""Contract of the performance steps: registry, fit returns self, run before fit fails, schema, no mutation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.errors import DataError, NotFittedError
from reportgen.performance.business_value import BusinessValue
from reportgen.performance.cbpe import CBPE
from reportgen.performance.dle import DLE
from reportgen.performance.metrics import confusion_matrices, expected_confusion_matrices
from reportgen.performance.realized import RealizedPerformance
from reportgen.steps import STEPS
from tests.performance.helpers import (
    binary_config,
    prepare,
    regression_config,
    run_step,
    simulate_calibrated,
    simulate_regression,
)


def test_steps_are_registered_in_pipeline_order():
    import reportgen.pipeline_steps  # noqa: F401
    from reportgen import spec

    for cls in (RealizedPerformance, CBPE, DLE, BusinessValue):
        assert STEPS.get(cls.name) is cls
    runs = [spec.step(cls.step).run_order for cls in (RealizedPerformance, CBPE, BusinessValue)]
    assert runs == sorted(runs) and spec.step(DLE.step).run_order == spec.step(CBPE.step).run_order


@pytest.mark.parametrize("cls", [RealizedPerformance, CBPE, BusinessValue])
def test_classification_step_contract(cls):
    ref, ana = simulate_calibrated(3000, 1), simulate_calibrated(2000, 2)
    cfg = binary_config(1000, business_value={"matrix": {"true_positive": 1, "false_positive": -1}})
    data = prepare(cfg, ref, ana)
    before = (data.analysis.y_proba.copy(), data.analysis.y_pred.copy(), data.analysis.y_true.copy())
    step = cls.from_config(data.config)
    with pytest.raises(NotFittedError):
        step.run(data)
    assert step.fit(data.reference, data.reference_chunks, data.config) is step
    res = step.run(data)
    assert sorted(res["chunk_index"].unique()) == list(range(5))
    assert np.array_equal(before[0], data.analysis.y_proba) and np.array_equal(before[1], data.analysis.y_pred)
    assert np.array_equal(before[2], data.analysis.y_true)
    notes = step.method_notes()
    assert notes and all({"step", "method", "title", "description", "thresholds"} <= set(n) for n in notes)


def test_dle_contract_and_off_without_target():
    from reportgen.config import load_config

    cfg = regression_config(1000)
    data = prepare(cfg, simulate_regression(3000, 1), simulate_regression(1000, 2))
    step = DLE.from_config(data.config)
    assert step.fit(data.reference, data.reference_chunks, data.config) is step
    assert len(step.run(data)) > 0
    no_target = {**cfg, "columns": {"prediction": "pred"}}
    assert DLE.from_config(load_config(data=no_target)) is None


def test_reference_without_targets_is_a_clear_error():
    ref = simulate_calibrated(2000, 1)
    ref["y"] = np.nan
    data = prepare(binary_config(1000), ref, simulate_calibrated(1000, 2))
    with pytest.raises(DataError, match="needs targets in the reference"):
        CBPE.from_config(data.config).fit(data.reference, data.reference_chunks, data.config)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=1, max_value=200),
    st.integers(min_value=2, max_value=4),
    st.integers(min_value=0, max_value=9999),
)
def test_expected_matrix_of_certain_probabilities_is_the_realized_matrix(n, k, seed):
    rng = np.random.default_rng(seed)
    y, yhat = rng.integers(0, k, n), rng.integers(0, k, n)
    ids = rng.integers(0, 3, n)
    ids.sort()
    onehot = np.eye(k)[y]
    assert np.allclose(expected_confusion_matrices(onehot, yhat, ids, 3), confusion_matrices(y, yhat, ids, 3, k))


def test_one_row_chunks_and_constant_predictions_do_not_crash():
    from reportgen.performance.realized import RealizedPerformance as R

    ref, ana = simulate_calibrated(200, 1), simulate_calibrated(7, 2)
    ana["y_pred"] = 0  # constant prediction
    cfg = binary_config(1, business_value={"matrix": {"true_positive": 1.0}})
    cfg["chunking"] = {"number": 7, "min_rows": 1}  # one-row chunks on purpose
    data = prepare(cfg, ref, ana)
    for cls in (R, CBPE, BusinessValue):
        res = run_step(cls, data)
        assert set(res["chunk_index"]) == set(range(14))
    real = run_step(R, data)
    prec = real[(real["metric"] == "precision") & (real["period"] == "analysis")]
    assert prec["value"].isna().all() and prec["note"].str.contains("no positive predictions").all()
