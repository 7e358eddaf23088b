"""Shared fixtures: small simulated datasets with known structure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.contract import check_results_json


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


def _written_results(root: Path) -> list[Path]:
    """results.json files reportgen wrote under `root` (hand-made baselines without a version are skipped)."""
    found = []
    for path in sorted(root.rglob("results.json")):
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            continue
        if isinstance(payload, dict) and "reportgen_version" in payload and "chunks" in payload:
            found.append(path)
    return found


@pytest.fixture(autouse=True)
def _results_json_invariants(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every results.json a test leaves in its tmp_path keeps the invariants of reportgen.contract."""
    root = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    for path in _written_results(root) if root is not None else []:
        check_results_json(path)


@pytest.fixture(scope="session", autouse=True)
def _session_results_json_invariants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The same for results.json files written into module- or session-scoped temporary folders."""
    yield
    for path in _written_results(tmp_path_factory.getbasetemp()):
        check_results_json(path)
