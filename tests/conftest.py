"""Shared fixtures: small simulated datasets with known structure."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from reportgen.contract import check_results_json
from reportgen.report import ReportModel


def simulate_binary(n: int, start: int = 0, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    """A calibrated binary model: p = sigmoid(2x), y ~ Bernoulli(p); `shift` moves x's mean."""
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=shift, size=n)
    cat = rng.choice(["a", "b", "c"], n)
    p = 1.0 / (1.0 + np.exp(-2.0 * x))
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame(
        {
            "id": np.arange(start, start + n),
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(start, start + n), unit="h"),
            "x": x,
            "cat": cat,
            "y_pred_proba": p,
            "y_pred": (p > 0.5).astype(int),
            "y": y,
        }
    )


@pytest.fixture
def binary_config() -> dict:
    return {
        "title": "Test model",
        "problem_type": "binary_classification",
        "columns": {
            "id": "id",
            "timestamp": "timestamp",
            "prediction": "y_pred",
            "predicted_probability": "y_pred_proba",
            "target": "y",
        },
        "chunking": {"size": 1000},
    }


@pytest.fixture
def binary_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_binary(5000, 0, seed=1), simulate_binary(5000, 5000, seed=2)


@pytest.fixture(scope="session", autouse=True)
def _results_json_invariants() -> Iterator[None]:
    """Every results.json reportgen writes during the tests keeps the invariants of reportgen.contract
    (checked as it is written, so files a test tampers with on purpose are not judged)."""
    original = ReportModel.to_results_json

    def checked(self: ReportModel, files: list[dict[str, str]] | None = None) -> str:
        text = original(self, files)
        check_results_json(json.loads(text))
        return text

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ReportModel, "to_results_json", checked)
        yield
