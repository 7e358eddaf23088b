"""Small builders of prepared monitoring data (arrays, no files) for the univariate drift tests."""

from __future__ import annotations

import numpy as np

from reportgen.chunking import SizeChunker
from reportgen.config import load_config
from reportgen.dataset import Column, Dataset, MonitoringData


def make_data(
    ref: dict[str, np.ndarray],
    ana: dict[str, np.ndarray],
    chunk_size: int,
    *,
    categories: dict[str, tuple] | None = None,
    config: dict | None = None,
    ref_chunk_size: int | None = None,
) -> MonitoringData:
    """MonitoringData from per-column arrays (float64 continuous, int32 codes for `categories`)."""
    categories = categories or {}
    raw = {
        "problem_type": "binary_classification",
        "columns": {"prediction": "p", "predicted_probability": "q"},
        "chunking": {"size": chunk_size, "min_rows": 1},  # unit tests use tiny chunks on purpose
    }
    raw.update(config or {})
    cfg = load_config(data=raw)

    def dataset(cols: dict[str, np.ndarray], period: str) -> Dataset:
        n = len(next(iter(cols.values())))
        feats = {}
        for name, v in cols.items():
            if name in categories:
                feats[name] = Column(name, "categorical", np.asarray(v, np.int32), categories[name])
            else:
                feats[name] = Column(name, "continuous", np.asarray(v, np.float64))
        return Dataset(period=period, n_rows=n, features=feats, y_pred=np.zeros(n, np.int64))

    r, a = dataset(ref, "reference"), dataset(ana, "analysis")
    rc = SizeChunker(ref_chunk_size or chunk_size, "keep").split(r.n_rows, None, period="reference")
    ac = SizeChunker(chunk_size, "keep").split(a.n_rows, None, period="analysis", first_index=len(rc))
    return MonitoringData(cfg, r, a, tuple(rc), tuple(ac))


def run_step(data: MonitoringData, **params):
    """Fit the univariate step on the reference and run it over every chunk."""
    from reportgen.drift.univariate import UnivariateDrift

    step = UnivariateDrift.from_config(data.config)
    for key, value in params.items():
        setattr(step, key, value)
    step.fit(data.reference, data.reference_chunks, data.config)
    return step, step.run(data)


def alerting(results, analysis_only: bool = True):
    """Records of each method's alerting metric (those with thresholds)."""
    from reportgen.drift.methods import UNIVARIATE_METHODS

    keep = results["metric"] == results["method"].map(lambda m: UNIVARIATE_METHODS.get(m).metric)
    out = results[keep]
    if analysis_only:
        out = out[out["period"] == "analysis"]
    return out
