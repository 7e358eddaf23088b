"""Realized performance: the metrics computed from targets, per reference and analysis chunk."""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd

from reportgen.chunking import Chunk
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.engine.series import join_chunk_series
from reportgen.engine.views import local_chunk
from reportgen.performance.common import (
    ReferenceProfile,
    Series,
    concat_series,
    realized_classification,
    realized_regression,
    require_reference_targets,
    selected_metrics,
    series_records,
    thresholds_for,
)
from reportgen.results import concat_results
from reportgen.steps import STEPS, Step

REALIZED_DESCRIPTION = (
    "Realized performance is computed from the targets of each chunk; rows without a target are left out "
    "and counted in the note. Classification metrics come from the chunk's confusion matrix (binary: the "
    "positive class; multiclass: macro averages over the classes where the metric is defined, one-vs-rest); "
    "ROC AUC and average precision from the chunk's scores in descending order with tied scores as one step "
    "(scikit-learn's definitions). Regression: mean absolute, squared, relative (MAPE) and squared-log errors, "
    "with root versions. Each value carries its sampling error at the chunk's size, derived from the reference "
    "(band = value +/- 3 SE). Undefined values (a single class for ROC AUC, negative values for MSLE, no "
    "targets) are left empty with the reason."
)


@STEPS.register
class RealizedPerformance(Step):
    """Realized metrics per chunk; thresholds from the reference chunks (shared with the estimates)."""

    name: ClassVar[str] = "realized_performance"
    step: ClassVar[str] = "realized_performance"
    streams: ClassVar[bool] = True

    @classmethod
    def from_config(cls, config: Config) -> RealizedPerformance | None:
        """Off when the config names no target column."""
        return cls() if config.columns.target else None

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        require_reference_targets(reference, config, "realized performance")
        self.config_ = config
        self.metrics_ = selected_metrics(config)
        self.profile_ = ReferenceProfile(reference, reference_chunks, config, self.metrics_)
        self.plans_: dict[Any, Any] = {}
        self.reference_series_ = self._series(reference, reference_chunks)

    def _series(self, ds: Dataset, chunks: tuple[Chunk, ...]):
        if self.config_.problem_type == "regression":
            return realized_regression(ds, chunks, self.metrics_)
        return realized_classification(ds, chunks, self.metrics_, self.profile_.binary)[0]

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> list[Series]:
        return self._series(rows, (local_chunk(meta, rows.n_rows),))

    def _finalize(self, stats: list[list[Series]]) -> pd.DataFrame:
        ref = self.reference_series_
        ana = join_chunk_series(stats)
        chunks = self.reference_chunks_ + self.analysis_chunks_
        frames = []
        keys = [
            ("realized_performance", "realized"),
            ("estimated_performance", "cbpe"),
            ("estimated_performance", "dle"),
        ]
        for a, b in zip(ref, ana):
            series = concat_series(a, b)
            plan = thresholds_for(self.config_, keys, self.profile_, series)
            if plan is not None:
                self.plans_[series.key] = plan
            frames.append(
                series_records(
                    "realized_performance", "realized", series, chunks, self.profile_.noise.get(series.key), plan
                )
            )
        return concat_results(frames)

    def method_notes(self) -> list[dict[str, Any]]:
        plans = getattr(self, "plans_", {})
        return [
            {
                "step": "realized_performance",
                "method": "realized",
                "title": "Realized performance",
                "description": REALIZED_DESCRIPTION,
                "thresholds": "\n".join(f"{m}: {p.explanation}" for (m, _), p in plans.items()),
            }
        ]
