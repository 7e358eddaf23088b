"""Helpers for the performance tests: simulated data and running one step without the whole pipeline."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from reportgen.config import load_config
from reportgen.dataset import MonitoringData
from reportgen.io import prepare_data


def prepare(
    config: dict[str, Any], reference: pd.DataFrame, analysis: pd.DataFrame, targets: pd.DataFrame | None = None
) -> MonitoringData:
    """MonitoringData for a config dict and frames (chunking warnings silenced)."""
    cfg = load_config(data=config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare_data(cfg, reference, analysis, targets)


def run_step(cls: type, data: MonitoringData) -> pd.DataFrame:
    """Fit a step on the reference and run it over all chunks."""
    step = cls.from_config(data.config)
    assert step is not None
    step.fit(data.reference, data.reference_chunks, data.config)
    return step.run(data)


def values(
    results: pd.DataFrame, metric: str, method: str | None = None, period: str | None = None, column: str | None = None
) -> np.ndarray:
    """The value column of one metric's records, in chunk order."""
    sel = results[results["metric"] == metric]
    if method is not None:
        sel = sel[sel["method"] == method]
    if period is not None:
        sel = sel[sel["period"] == period]
    if column is not None:
        sel = sel[sel["column"] == column]
    return sel.sort_values("chunk_index")["value"].to_numpy(dtype=float)


def binary_config(size: int = 1000, **extra: Any) -> dict[str, Any]:
    cfg = {
        "problem_type": "binary_classification",
        "columns": {"prediction": "y_pred", "predicted_probability": "y_pred_proba", "target": "y"},
        "chunking": {"size": size, "min_rows": 1},  # unit tests use tiny chunks on purpose
    }
    cfg.update(extra)
    return cfg


def simulate_calibrated(n: int, seed: int, shift: float = 0.0, slope: float = 2.0) -> pd.DataFrame:
    """Binary model whose scores are the true probabilities: p = sigmoid(slope * x), y ~ Bernoulli(p)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=shift, size=n)
    p = 1.0 / (1.0 + np.exp(-slope * x))
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame({"x": x, "y_pred_proba": p, "y_pred": (p > 0.5).astype(int), "y": y})


def simulate_multiclass(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Three-class calibrated softmax model with string labels."""
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=shift, size=(n, 2))
    logits = np.column_stack([1.5 * x[:, 0], 1.5 * x[:, 1], np.zeros(n)])
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    labels = np.array(["cat", "dog", "eel"])
    y = labels[(rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)]
    return pd.DataFrame(
        {
            "x0": x[:, 0],
            "x1": x[:, 1],
            "p_cat": p[:, 0],
            "p_dog": p[:, 1],
            "p_eel": p[:, 2],
            "pred": labels[p.argmax(axis=1)],
            "y": y,
        }
    )


def multiclass_config(size: int = 1000, **extra: Any) -> dict[str, Any]:
    cfg = {
        "problem_type": "multiclass_classification",
        "columns": {
            "prediction": "pred",
            "predicted_probability": {"cat": "p_cat", "dog": "p_dog", "eel": "p_eel"},
            "target": "y",
        },
        "chunking": {"size": size, "min_rows": 1},  # unit tests use tiny chunks on purpose
    }
    cfg.update(extra)
    return cfg


def simulate_regression(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Heteroscedastic regression: the noise grows with |x1| and in category 'c'; prediction = true mean."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(shift, 1.0, n)
    x2 = rng.uniform(0, 1, n)
    c = rng.choice(["a", "b", "c"], n)
    sd = 0.2 + np.abs(x1) + (c == "c") * 1.0
    f = 3 * x1 + 2 * x2 + 10
    y = f + rng.normal(0, 1, n) * sd
    return pd.DataFrame({"x1": x1, "x2": x2, "c": c, "pred": f, "y": y})


def regression_config(size: int = 1000, **extra: Any) -> dict[str, Any]:
    cfg = {
        "problem_type": "regression",
        "columns": {"prediction": "pred", "target": "y"},
        "chunking": {"size": size, "min_rows": 1},
    }
    cfg.update(extra)
    return cfg
