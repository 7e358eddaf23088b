"""Realized metrics equal scikit-learn's, per chunk, to 1e-9 (binary with string labels, multiclass, regression)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from reportgen.performance.metrics import confusion_matrices, curve_metrics, ratio_metric
from reportgen.performance.realized import RealizedPerformance
from tests.performance.helpers import binary_config, multiclass_config, prepare, regression_config, run_step, values


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=4, max_value=200),
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from([3, 10, 1000]),
)
def test_curve_metrics_equal_sklearn_with_ties(n, seed, levels):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    score = rng.integers(0, levels, n) / levels  # few levels: many ties
    auc, ap = curve_metrics(score, (y == 1).astype(float), (y == 0).astype(float))
    assert auc == pytest.approx(skm.roc_auc_score(y, score), abs=1e-9)
    assert ap == pytest.approx(skm.average_precision_score(y, score), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=300),
    st.integers(min_value=2, max_value=5),
    st.integers(min_value=0, max_value=10_000),
)
def test_confusion_ratio_metrics_equal_sklearn(n, k, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    yhat = rng.integers(0, k, n)
    m = confusion_matrices(y, yhat, np.zeros(n, dtype=np.int64), 1, k)
    labels = list(range(k))
    binary = k == 2
    kw = {"pos_label": 1, "average": "binary"} if binary else {"labels": labels, "average": "macro"}
    assert ratio_metric(m, "accuracy", binary)[0] == pytest.approx(skm.accuracy_score(y, yhat), abs=1e-12)
    for name, fn in (("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)):
        expected = fn(y, yhat, zero_division=np.nan, **kw)
        got = ratio_metric(m, name, binary)[0]
        if np.isnan(expected):
            assert np.isnan(got)
        else:
            assert got == pytest.approx(expected, abs=1e-9), name


def _binary_strings(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(n), 2)  # ties
    y = np.where(rng.random(n) < p, "yes", "no").astype(object)
    pred = np.where(p > 0.4, "yes", "no")
    return pd.DataFrame({"x": rng.normal(size=n), "y_pred_proba": p, "y_pred": pred, "y": y})


def test_binary_string_labels_equal_sklearn_per_chunk():
    ref, ana = _binary_strings(3000, 1), _binary_strings(3000, 2)
    ana.loc[5:24, "y"] = None  # 20 missing targets in the first analysis chunk
    data = prepare(binary_config(1000, positive_class="yes"), ref, ana)
    res = run_step(RealizedPerformance, data)
    for period, frame in (("reference", ref), ("analysis", ana)):
        for i in range(3):
            part = frame.iloc[i * 1000 : (i + 1) * 1000].dropna(subset=["y"])
            y = (part["y"] == "yes").astype(int).to_numpy()
            yhat = (part["y_pred"] == "yes").astype(int).to_numpy()
            p = part["y_pred_proba"].to_numpy()
            tn, fp, fn, tp = skm.confusion_matrix(y, yhat, labels=[0, 1]).ravel()
            expected = {
                "roc_auc": skm.roc_auc_score(y, p),
                "average_precision": skm.average_precision_score(y, p),
                "f1": skm.f1_score(y, yhat),
                "precision": skm.precision_score(y, yhat),
                "recall": skm.recall_score(y, yhat),
                "specificity": skm.recall_score(y, yhat, pos_label=0),
                "accuracy": skm.accuracy_score(y, yhat),
                "true_positive": tp,
                "false_positive": fp,
                "false_negative": fn,
                "true_negative": tn,
            }
            for metric, exp in expected.items():
                got = values(res, metric, period=period)[i]
                assert got == pytest.approx(exp, abs=1e-9), (period, i, metric)
    notes = res[(res["period"] == "analysis") & (res["metric"] == "f1")].sort_values("chunk_index")["note"].tolist()
    assert notes[0] == "20 rows without target left out" and notes[1] is None


def test_multiclass_string_labels_equal_sklearn():
    from tests.performance.helpers import simulate_multiclass

    ref, ana = simulate_multiclass(2000, 1), simulate_multiclass(2000, 2, shift=0.5)
    data = prepare(multiclass_config(1000), ref, ana)
    res = run_step(RealizedPerformance, data)
    labels = ["cat", "dog", "eel"]
    for i in range(2):
        part = ana.iloc[i * 1000 : (i + 1) * 1000]
        y, yhat = part["y"].to_numpy(), part["pred"].to_numpy()
        proba = part[["p_cat", "p_dog", "p_eel"]].to_numpy()
        expected = {
            "roc_auc": skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=labels),
            "f1": skm.f1_score(y, yhat, labels=labels, average="macro"),
            "precision": skm.precision_score(y, yhat, labels=labels, average="macro"),
            "recall": skm.recall_score(y, yhat, labels=labels, average="macro"),
            "accuracy": skm.accuracy_score(y, yhat),
        }
        cm = skm.confusion_matrix(y, yhat, labels=labels)
        spec = [(cm.sum() - cm[k].sum() - cm[:, k].sum() + cm[k, k]) / (cm.sum() - cm[k].sum()) for k in range(3)]
        expected["specificity"] = float(np.mean(spec))
        for metric, exp in expected.items():
            assert values(res, metric, period="analysis")[i] == pytest.approx(exp, abs=1e-9), metric
        for k, label in enumerate(labels):
            assert values(res, "true_positive", period="analysis", column=label)[i] == cm[k, k]
            assert values(res, "false_positive", period="analysis", column=label)[i] == cm[:, k].sum() - cm[k, k]


def test_regression_equal_sklearn():
    rng = np.random.default_rng(3)
    n = 4000
    y = rng.gamma(2.0, 2.0, n)
    pred = np.abs(y + rng.normal(0, 1, n))
    frame = pd.DataFrame({"x": rng.normal(size=n), "pred": pred, "y": y})
    data = prepare(regression_config(1000), frame.iloc[:2000].copy(), frame.iloc[2000:].reset_index(drop=True))
    res = run_step(RealizedPerformance, data)
    part = frame.iloc[2000:3000]
    yt, yp = part["y"].to_numpy(), part["pred"].to_numpy()
    expected = {
        "mae": skm.mean_absolute_error(yt, yp),
        "mse": skm.mean_squared_error(yt, yp),
        "rmse": np.sqrt(skm.mean_squared_error(yt, yp)),
        "mape": skm.mean_absolute_percentage_error(yt, yp),
        "msle": skm.mean_squared_log_error(yt, yp),
        "rmsle": np.sqrt(skm.mean_squared_log_error(yt, yp)),
    }
    for metric, exp in expected.items():
        assert values(res, metric, period="analysis")[0] == pytest.approx(exp, rel=1e-9), metric
