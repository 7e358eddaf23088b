"""Sampling errors match simulated spread; threshold rules (std vs sampling-error band), direction, undefined values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.performance.bands import MIN_CHUNKS_FOR_STD
from reportgen.performance.cbpe import CBPE
from reportgen.performance.metrics import confusion_matrices, curve_metrics, ratio_metric
from reportgen.performance.realized import RealizedPerformance
from reportgen.performance.sampling_error import classification_noise, regression_noise
from tests.performance.helpers import (
    binary_config,
    prepare,
    regression_config,
    run_step,
    simulate_calibrated,
    values,
)


@pytest.mark.parametrize(
    "metric", ["roc_auc", "average_precision", "f1", "precision", "recall", "specificity", "accuracy"]
)
def test_classification_sampling_error_matches_simulated_spread(metric):
    ref = simulate_calibrated(40_000, seed=0)
    y, yhat, p = ref["y"].to_numpy(), ref["y_pred"].to_numpy(), ref["y_pred_proba"].to_numpy()
    noise = classification_noise(y, yhat, np.column_stack([1 - p, p]), metric, binary=True)
    sims = []
    for seed in range(1, 301):
        c = simulate_calibrated(500, seed=seed)
        cy, cyhat, cp = c["y"].to_numpy(), c["y_pred"].to_numpy(), c["y_pred_proba"].to_numpy()
        if metric in ("roc_auc", "average_precision"):
            auc, ap = curve_metrics(cp, (cy == 1).astype(float), (cy == 0).astype(float))
            sims.append(auc if metric == "roc_auc" else ap)
        else:
            m = confusion_matrices(cy, cyhat, np.zeros(cy.size, dtype=np.int64), 1, 2)
            sims.append(ratio_metric(m, metric, True)[0])
    ratio = float(noise.se(500)) / np.std(sims, ddof=1)
    assert 0.8 < ratio < 1.25, (metric, ratio)


@pytest.mark.parametrize("metric", ["mae", "mse", "rmse"])
def test_regression_sampling_error_matches_simulated_spread(metric):
    rng = np.random.default_rng(0)

    def sim(n):
        y = rng.normal(10, 2, n)
        return y, y + rng.standard_t(5, n)

    noise = regression_noise(*sim(50_000), metric)
    stats = []
    for _ in range(300):
        y, yhat = sim(400)
        e = yhat - y
        v = {"mae": np.mean(np.abs(e)), "mse": np.mean(e**2), "rmse": np.sqrt(np.mean(e**2))}[metric]
        stats.append(v)
    ratio = float(noise.se(400)) / np.std(stats, ddof=1)
    assert 0.8 < ratio < 1.25, (metric, ratio)


def _f1_records(results):
    return results[results["metric"] == "f1"].sort_values("chunk_index")


def test_few_reference_chunks_use_sampling_error_band_scaled_by_chunk_size():
    ref = simulate_calibrated(5000, 1)
    ana = simulate_calibrated(2500, 2)
    data = prepare(binary_config(1000, chunking={"size": 1000, "incomplete": "keep"}), ref, ana)
    step = RealizedPerformance.from_config(data.config).fit(data.reference, data.reference_chunks, data.config)
    rec = _f1_records(step.run(data))
    lower = rec["lower_threshold"].to_numpy()
    assert rec["upper_threshold"].isna().all()  # only degradation alerts
    assert lower[-1] < lower[-2]  # the 500-row last chunk gets a wider band
    assert step.plans_[("f1", None)].rule == "sampling_error"
    assert "fewer than 10" in step.method_notes()[0]["thresholds"]
    assert not rec["alert"].any()


def test_enough_reference_chunks_use_mean_minus_three_std():
    ref, ana = simulate_calibrated(12_000, 1), simulate_calibrated(3000, 2)
    data = prepare(binary_config(1000), ref, ana)
    res = run_step(RealizedPerformance, data)
    ref_f1 = values(res, "f1", period="reference")
    assert ref_f1.size >= MIN_CHUNKS_FOR_STD
    expected = ref_f1.mean() - 3 * ref_f1.std(ddof=1)
    assert np.allclose(_f1_records(res)["lower_threshold"], expected)


def test_configured_threshold_is_shared_by_estimated_and_realized():
    ref, ana = simulate_calibrated(5000, 1), simulate_calibrated(3000, 2)
    cfg = binary_config(1000, thresholds={"estimated_performance.cbpe.f1": {"type": "constant", "lower": 0.9}})
    data = prepare(cfg, ref, ana)
    est, real = run_step(CBPE, data), run_step(RealizedPerformance, data)
    assert np.allclose(_f1_records(est)["lower_threshold"], 0.9)
    assert np.allclose(_f1_records(real)["lower_threshold"], 0.9)
    assert _f1_records(real)["alert"].all()


def test_regression_alerts_only_upwards():
    rng = np.random.default_rng(0)
    y = rng.normal(10, 1, 8000)
    pred = y + rng.normal(0, 1, 8000)
    pred[6000:7000] = y[6000:7000]  # a perfect chunk: better, never an alert
    pred[7000:] = y[7000:] + rng.normal(0, 3, 1000)  # a bad chunk
    frame = pd.DataFrame({"x": rng.normal(size=8000), "pred": pred, "y": y})
    data = prepare(
        regression_config(1000, performance={"metrics": ["mae"]}),
        frame.iloc[:5000],
        frame.iloc[5000:].reset_index(drop=True),
    )
    rec = run_step(RealizedPerformance, data).sort_values("chunk_index")
    ana = rec[rec["period"] == "analysis"]
    assert ana["lower_threshold"].isna().all() and ana["upper_threshold"].notna().all()
    assert ana["alert"].tolist() == [False, False, True]


def test_stable_data_with_few_reference_chunks_rarely_alerts():
    ref = simulate_calibrated(5 * 2000, 1)
    ana = simulate_calibrated(60 * 2000, 2)
    data = prepare(binary_config(2000), ref, ana)
    est, real = run_step(CBPE, data), run_step(RealizedPerformance, data)
    for res in (est, real):
        rec = res[
            (res["period"] == "analysis") & res["metric"].isin(["roc_auc", "f1", "accuracy", "precision", "recall"])
        ]
        assert rec["alert"].fillna(False).mean() <= 0.02


def test_undefined_values_are_nan_with_reason():
    ref = simulate_calibrated(3000, 1)
    ana = simulate_calibrated(3000, 2)
    ana.loc[:999, "y"] = 1  # single class in the first analysis chunk
    ana.loc[2000:, "y"] = np.nan  # no targets in the last one
    res = run_step(RealizedPerformance, prepare(binary_config(1000), ref, ana))
    auc = res[(res["metric"] == "roc_auc") & (res["period"] == "analysis")].sort_values("chunk_index")
    assert np.isnan(auc["value"].iloc[0]) and "single class" in auc["note"].iloc[0]
    assert pd.isna(auc["alert"].iloc[0])
    assert np.isnan(auc["value"].iloc[2]) and auc["note"].iloc[2] == "no targets in chunk"
    spec = res[(res["metric"] == "specificity") & (res["period"] == "analysis")].sort_values("chunk_index")
    assert "no negative targets" in spec["note"].iloc[0]


def test_realized_msle_negative_values_nan_with_note():
    rng = np.random.default_rng(1)
    y = rng.gamma(2, 2, 4000)
    frame = pd.DataFrame({"x": rng.normal(size=4000), "pred": y + rng.normal(0, 0.5, 4000) ** 2, "y": y})
    frame.loc[3500, "y"] = -1.0
    data = prepare(
        regression_config(1000, performance={"metrics": ["msle", "mae"]}),
        frame.iloc[:2000],
        frame.iloc[2000:].reset_index(drop=True),
    )
    res = run_step(RealizedPerformance, data)
    msle = res[(res["metric"] == "msle") & (res["period"] == "analysis")].sort_values("chunk_index")
    assert np.isfinite(msle["value"].iloc[0]) and np.isnan(msle["value"].iloc[1])
    assert "negative values" in msle["note"].iloc[1]
    assert np.isfinite(values(res, "mae", period="analysis")).all()


def test_no_targets_in_analysis_at_all():
    ref, ana = simulate_calibrated(3000, 1), simulate_calibrated(2000, 2).drop(columns=["y"])
    res = run_step(RealizedPerformance, prepare(binary_config(1000), ref, ana))
    rec = res[res["period"] == "analysis"]
    assert rec["value"].isna().all() and (rec["note"] == "no targets in chunk").all()
    est = run_step(CBPE, prepare(binary_config(1000), ref, ana))
    assert np.isfinite(values(est, "roc_auc", period="analysis")).all()


@pytest.mark.parametrize("metric", ["roc_auc", "f1", "precision", "specificity"])
def test_multiclass_macro_sampling_error_matches_simulated_spread(metric):
    from tests.performance.helpers import simulate_multiclass

    labels = np.array(["cat", "dog", "eel"])

    def enc(df):
        return (
            np.searchsorted(labels, df["y"].to_numpy()),
            np.searchsorted(labels, df["pred"].to_numpy()),
            df[["p_cat", "p_dog", "p_eel"]].to_numpy(),
        )

    y, yhat, p = enc(simulate_multiclass(40_000, 0))
    noise = classification_noise(y, yhat, p, metric, binary=False)
    sims = []
    for seed in range(1, 251):
        cy, cyhat, cp = enc(simulate_multiclass(500, seed))
        if metric == "roc_auc":
            sims.append(
                np.mean(
                    [curve_metrics(cp[:, k], (cy == k).astype(float), (cy != k).astype(float))[0] for k in range(3)]
                )
            )
        else:
            m = confusion_matrices(cy, cyhat, np.zeros(cy.size, dtype=np.int64), 1, 3)
            sims.append(ratio_metric(m, metric, False)[0])
    ratio = float(noise.se(500)) / np.std(sims, ddof=1)
    assert 0.8 < ratio < 1.25, (metric, ratio)
