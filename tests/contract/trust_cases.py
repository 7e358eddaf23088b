"""Held-out style inputs for the warning, sample-size and baseline tests (own columns and chunkings)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from reportgen import Monitor, Report


def loan_frame(
    n: int, first_id: int, start: str, seed: int, *, minutes: int = 30, level: Callable | None = None
) -> pd.DataFrame:
    """A binary model on 'amount' and 'kind' with a spread 'lvl' column (or `level(rng, n)`); ids in 'rid'."""
    rng = np.random.default_rng(seed)
    amount = rng.normal(size=n)
    proba = 1.0 / (1.0 + np.exp(-1.5 * amount))
    return pd.DataFrame(
        {
            "rid": np.arange(first_id, first_id + n),
            "when": pd.Timestamp(start) + pd.to_timedelta(np.arange(n) * minutes, unit="min"),
            "amount": amount,
            "kind": rng.choice(["u", "v"], n),
            "lvl": rng.gamma(2.0, 1.0, n) if level is None else level(rng, n),
            "score": proba,
            "label_hat": (proba > 0.5).astype(int),
            "outcome": (rng.random(n) < proba).astype(int),
        }
    )


def loan_config(chunking: dict, title: str = "held-out loan model") -> dict:
    return {
        "title": title,
        "problem_type": "binary_classification",
        "columns": {
            "id": "rid",
            "timestamp": "when",
            "prediction": "label_hat",
            "predicted_probability": "score",
            "target": "outcome",
        },
        "chunking": chunking,
        "drift": {"multivariate": ["pca_reconstruction"]},
    }


def run_quiet(config: dict, reference: pd.DataFrame, analysis: pd.DataFrame, targets=None) -> Report:
    """Monitor.run without the chunking warnings on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Monitor(config).run(reference, analysis, targets)


def constant(value: float) -> Callable:
    """A `level` for loan_frame: every row the same value."""
    return lambda rng, n: np.full(n, value)
