"""Business value: realized equals hand computation, estimate tracks it, cumulative sums, regression costs."""

from __future__ import annotations

import numpy as np
import pytest

from reportgen.errors import ConfigError
from reportgen.performance.business_value import BusinessValue
from tests.performance.helpers import (
    binary_config,
    multiclass_config,
    prepare,
    regression_config,
    run_step,
    simulate_calibrated,
    simulate_multiclass,
    simulate_regression,
    values,
)

MATRIX = {"true_positive": 100.0, "false_positive": -20.0, "false_negative": -50.0, "true_negative": 1.0}


def test_binary_business_value_realized_and_estimated():
    ref, ana = simulate_calibrated(5000, 1), simulate_calibrated(3000, 2, shift=-0.5)
    res = run_step(BusinessValue, prepare(binary_config(1000, business_value={"matrix": MATRIX}), ref, ana))
    part = ana.iloc[:1000]
    y, yhat = part["y"].to_numpy(), part["y_pred"].to_numpy()
    hand = (
        100 * np.sum((y == 1) & (yhat == 1))
        - 20 * np.sum((y == 0) & (yhat == 1))
        - 50 * np.sum((y == 1) & (yhat == 0))
        + np.sum((y == 0) & (yhat == 0))
    )
    realized = values(res, "business_value", method="realized", period="analysis")
    assert realized[0] == pytest.approx(hand)
    cumulative = values(res, "cumulative_business_value", method="realized", period="analysis")
    assert np.allclose(cumulative, np.cumsum(realized))
    assert (
        values(res, "cumulative_business_value", method="realized", period="reference")[0]
        == values(res, "business_value", method="realized", period="reference")[0]
    )
    est = values(res, "business_value", method="cbpe", period="analysis")
    se = res[(res["metric"] == "business_value") & (res["method"] == "realized") & (res["period"] == "analysis")][
        "sampling_error"
    ].to_numpy()
    assert (np.abs(est - realized) < 3 * se).all()


def test_multiclass_value_matrix():
    ref, ana = simulate_multiclass(3000, 1), simulate_multiclass(2000, 2)
    vm = [[10, -1, -2], [-3, 20, -4], [-5, -6, 30]]
    res = run_step(BusinessValue, prepare(multiclass_config(1000, business_value={"value_matrix": vm}), ref, ana))
    part = ana.iloc[1000:2000]
    labels = {"cat": 0, "dog": 1, "eel": 2}
    y, yhat = part["y"].map(labels).to_numpy(), part["pred"].map(labels).to_numpy()
    hand = np.asarray(vm, dtype=float)[y, yhat].sum()
    assert values(res, "business_value", method="realized", period="analysis")[1] == pytest.approx(hand)


def test_multiclass_value_matrix_wrong_shape_is_a_config_error():
    ref, ana = simulate_multiclass(2000, 1), simulate_multiclass(2000, 2)
    data = prepare(multiclass_config(1000, business_value={"value_matrix": [[1, 0], [0, 1]]}), ref, ana)
    with pytest.raises(ConfigError, match="value_matrix must be 3 x 3"):
        run_step(BusinessValue, data)


def test_regression_over_and_under_prediction_priced_apart():
    ref = simulate_regression(6000, 1)
    ana = simulate_regression(3000, 2)
    ana["pred"] = ana["pred"] + 1.0  # systematic over-prediction in analysis
    cfg = regression_config(
        1000, business_value={"over_prediction_cost": 2.0, "under_prediction_cost": 5.0, "currency": "USD"}
    )
    res = run_step(BusinessValue, prepare(cfg, ref, ana))
    part = ana.iloc[:1000]
    err = part["pred"].to_numpy() - part["y"].to_numpy()
    hand = -(2.0 * np.clip(err, 0, None).sum() + 5.0 * np.clip(-err, 0, None).sum())
    assert values(res, "business_value", method="realized", period="analysis")[0] == pytest.approx(hand)
    ref_est = values(res, "business_value", method="dle", period="reference")
    ref_real = values(res, "business_value", method="realized", period="reference")
    assert np.abs(ref_est - ref_real).mean() < 0.05 * np.abs(ref_real).mean()


def test_no_business_value_section_no_step():
    from reportgen.config import load_config

    assert BusinessValue.from_config(load_config(data=binary_config())) is None


def test_per_prediction_normalisation():
    ref, ana = simulate_calibrated(5000, 1), simulate_calibrated(3000, 2)
    plain = run_step(BusinessValue, prepare(binary_config(1000, business_value={"matrix": MATRIX}), ref, ana))
    per = run_step(
        BusinessValue,
        prepare(binary_config(1000, business_value={"matrix": MATRIX, "normalize": "per_prediction"}), ref, ana),
    )
    for method in ("cbpe", "realized"):
        assert np.allclose(
            values(per, "business_value", method=method), values(plain, "business_value", method=method) / 1000
        )
        assert np.allclose(
            values(per, "cumulative_business_value", method=method),
            values(plain, "cumulative_business_value", method=method),
        )
    se_plain = plain[plain["metric"] == "business_value"]["sampling_error"].to_numpy()
    se_per = per[per["metric"] == "business_value"]["sampling_error"].to_numpy()
    assert np.allclose(se_per, se_plain / 1000)
