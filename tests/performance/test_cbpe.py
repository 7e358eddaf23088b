"""CBPE: estimates within the band around realized values on calibrated data, shift tracking, calibration rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.performance.calibration import Calibrator, expected_calibration_error
from reportgen.performance.cbpe import CBPE
from reportgen.performance.realized import RealizedPerformance
from tests.performance.helpers import (
    binary_config,
    multiclass_config,
    prepare,
    run_step,
    simulate_calibrated,
    simulate_multiclass,
    values,
)

METRICS = ("roc_auc", "f1", "precision", "recall", "specificity", "accuracy", "average_precision")


@pytest.fixture(scope="module")
def calibrated_run():
    ref = simulate_calibrated(20_000, seed=11)
    ana = pd.concat(
        [simulate_calibrated(20_000, seed=12), simulate_calibrated(20_000, seed=13, shift=-0.7)], ignore_index=True
    )
    data = prepare(binary_config(1000), ref, ana)
    return run_step(CBPE, data), run_step(RealizedPerformance, data)


@pytest.mark.parametrize("metric", METRICS)
def test_estimate_inside_band_around_realized(calibrated_run, metric):
    est, real = calibrated_run
    e = values(est, metric, period="analysis")
    r = real[(real["metric"] == metric) & (real["period"] == "analysis")].sort_values("chunk_index")
    inside = (e >= r["lower_confidence"].to_numpy()) & (e <= r["upper_confidence"].to_numpy())
    assert inside.mean() >= 0.95, (metric, inside.mean())


def test_estimated_counts_sum_to_chunk_rows(calibrated_run):
    est, _ = calibrated_run
    total = sum(values(est, c) for c in ("true_positive", "false_positive", "false_negative", "true_negative"))
    assert np.allclose(total, 1000)


def test_cbpe_tracks_covariate_shift_that_lowers_performance():
    ref = simulate_calibrated(10_000, seed=1)
    ana = pd.concat(
        [simulate_calibrated(5_000, seed=2), simulate_calibrated(5_000, seed=3, shift=-1.2)], ignore_index=True
    )
    data = prepare(binary_config(1000), ref, ana)
    est, real = run_step(CBPE, data), run_step(RealizedPerformance, data)
    for metric in ("f1", "recall", "average_precision"):
        e, r = values(est, metric, period="analysis"), values(real, metric, period="analysis")
        assert e[5:].mean() < e[:5].mean() - 0.1, metric  # the estimate sees the drop
        assert np.abs(e - r).mean() < 0.03, metric  # and follows the realized value
    f1 = est[(est["metric"] == "f1") & (est["period"] == "analysis")].sort_values("chunk_index")
    assert not f1["alert"].iloc[:5].any() and f1["alert"].iloc[5:].all()


def test_calibration_applied_only_when_it_helps():
    rng = np.random.default_rng(0)
    x = rng.normal(size=20_000)
    p_true = 1 / (1 + np.exp(-2 * x))
    y = (rng.random(x.size) < p_true).astype(int)
    calibrated = np.column_stack([1 - p_true, p_true])
    assert not Calibrator("auto").fit(calibrated, y).applied_
    p_bad = 1 / (1 + np.exp(-0.5 * x))  # under-confident: badly calibrated, same ranking
    bad = np.column_stack([1 - p_bad, p_bad])
    cal = Calibrator("auto").fit(bad, y)
    assert cal.applied_
    assert expected_calibration_error(cal.transform(bad)[:, 1], y) < 0.5 * expected_calibration_error(p_bad, y)
    assert Calibrator("always").fit(calibrated, y).applied_ and not Calibrator("never").fit(bad, y).applied_


def test_miscalibrated_model_is_estimated_well_after_calibration():
    def sim(n, seed, shift=0.0):
        frame = simulate_calibrated(n, seed, shift)
        frame["y_pred_proba"] = 1 / (1 + np.exp(-0.5 * frame["x"]))
        return frame

    ref, ana = sim(10_000, 5), sim(10_000, 6, shift=-0.8)
    est_auto = run_step(CBPE, prepare(binary_config(1000), ref, ana))
    est_raw = run_step(CBPE, prepare(binary_config(1000, performance={"calibration": "never"}), ref, ana))
    real = run_step(RealizedPerformance, prepare(binary_config(1000), ref, ana))
    r = values(real, "accuracy", period="analysis")
    gap_auto = np.abs(values(est_auto, "accuracy", period="analysis") - r).mean()
    gap_raw = np.abs(values(est_raw, "accuracy", period="analysis") - r).mean()
    assert gap_auto < 0.02 < gap_raw


def test_multiclass_cbpe_tracks_realized():
    ref, ana = simulate_multiclass(6000, 1), simulate_multiclass(6000, 2, shift=0.6)
    data = prepare(multiclass_config(1000), ref, ana)
    est, real = run_step(CBPE, data), run_step(RealizedPerformance, data)
    for metric in ("roc_auc", "f1", "precision", "recall", "specificity", "accuracy"):
        e = values(est, metric, period="analysis")
        r = real[(real["metric"] == metric) & (real["period"] == "analysis")].sort_values("chunk_index")
        assert np.abs(e - r["value"].to_numpy()).mean() < r["sampling_error"].mean() * 2, metric
        assert ((e >= r["lower_confidence"].to_numpy()) & (e <= r["upper_confidence"].to_numpy())).mean() >= 0.8, metric
    for label in ("cat", "dog", "eel"):
        assert np.isfinite(values(est, "true_positive", column=label)).all()


def test_cbpe_is_deterministic():
    ref, ana = simulate_calibrated(4000, 1), simulate_calibrated(4000, 2, shift=-0.5)
    a = run_step(CBPE, prepare(binary_config(1000, performance={"calibration": "always"}), ref, ana))
    b = run_step(CBPE, prepare(binary_config(1000, performance={"calibration": "always"}), ref, ana))
    pd.testing.assert_frame_equal(a, b)
