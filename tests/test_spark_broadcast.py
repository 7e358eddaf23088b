"""What the Spark engine broadcasts: fitted steps pickle small and compute the same chunk statistics
after the round trip (no JVM needed: the broadcast is a pickle)."""

from __future__ import annotations

import pickle
import warnings

import numpy as np

from reportgen.config import load_config
from reportgen.engine.views import chunk_view
from reportgen.io import prepare_data
from reportgen.performance.density_ratio import EVAL_ROWS
from reportgen.pipeline_steps import applicable_steps
from tests.conftest import simulate_binary

COLUMNS = {
    "id": "id",
    "timestamp": "timestamp",
    "prediction": "y_pred",
    "predicted_probability": "y_pred_proba",
    "target": "y",
}


def test_fitted_steps_ship_small_and_give_the_same_chunk_stats() -> None:
    n_ref = 40_000
    config = load_config(data={"problem_type": "binary_classification", "columns": COLUMNS, "chunking": {"number": 4}})
    analysis = simulate_binary(4000, n_ref, seed=2, shift=0.3)
    analysis.loc[::5, "x"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare_data(config, simulate_binary(n_ref, 0, seed=1), analysis)
    steps = [s for s in applicable_steps(config) if s.streams]
    for step in steps:
        step.fit(data.reference, data.reference_chunks, config)
        step.prepare(data.analysis_chunks)
    shipped = pickle.dumps(steps)
    # Per reference row, 8 bytes each: the sorted values of the two continuous monitored columns
    # (x, y_pred_proba: exact KS / Wasserstein), PCA's reconstruction error, and the domain
    # classifier's pool (capped at POOL_ROWS: row position + two features); the rest is small.
    # Tie runs, prefix sums and per-size templates are rebuilt on the worker, not shipped.
    # Two parts do not grow with the reference beyond their cap: the density ratio's held-out
    # reference rows behind CBPE's weighted estimate and trust (EVAL_ROWS rows, about 12 values
    # each), and the residual_bins step's int16 bin codes (one per reference row and feature).
    per_reference_row = 8 * n_ref * (2 + 1 + 3) + 2 * n_ref * 2
    density_ratio_rows = 8 * EVAL_ROWS * 12
    assert len(shipped) < per_reference_row + density_ratio_rows + 400_000
    copies = pickle.loads(shipped)
    for meta in data.analysis_chunks:
        rows = chunk_view(data.analysis, meta)
        for step, copy in zip(steps, copies):
            assert pickle.dumps(copy.chunk_stats(rows, meta)) == pickle.dumps(step.chunk_stats(rows, meta)), step.name
