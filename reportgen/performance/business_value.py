"""Business value: money per chunk and cumulative, estimated (CBPE / DLE) and realized.

Classification: the config gives a value per confusion-matrix cell (binary `matrix`, multiclass
`value_matrix` with rows = true class and columns = predicted class); a chunk's value is
sum over cells of value x count, with CBPE's expected counts for the estimate. Regression: the
config prices a unit of over-prediction and of under-prediction apart; a chunk's value is
-(over_prediction_cost x sum of over-prediction + under_prediction_cost x sum of under-prediction),
a cost, so lower is worse as for classification. The estimate uses two DLE models, one for the
positive part of the error (prediction - target) and one for the negative part. Cumulative value
is the running sum over the analysis chunks (over the reference chunks for the reference).
With `business_value.normalize: per_prediction` the per-chunk value is divided by the chunk's rows
(money per prediction, comparable across chunks of different sizes; thresholds and sampling error
follow); the cumulative value stays the total money.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from reportgen.chunking import Chunk
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.engine.series import join_chunk_series
from reportgen.engine.views import local_chunk
from reportgen.errors import ConfigError
from reportgen.performance import metrics as K
from reportgen.performance.bands import plan_thresholds
from reportgen.performance.cbpe import expected_matrices, fit_calibrator
from reportgen.performance.common import (
    Series,
    _base_notes,
    concat_series,
    regression_costs,
    require_reference_targets,
    series_records,
    value_matrix,
)
from reportgen.performance.dle import LossModels, feature_matrix, loss_targets
from reportgen.performance.sampling_error import Noise, sum_noise
from reportgen.results import concat_results
from reportgen.steps import STEPS, Step


class BusinessValue(Step):
    """Business value per chunk and cumulative; thresholds on the per-chunk realized reference values."""

    name: ClassVar[str] = "business_value"
    step: ClassVar[str] = "business_value"
    streams: ClassVar[bool] = True

    @classmethod
    def from_config(cls, config: Config) -> BusinessValue | None:
        """Off without a business_value section, without targets, or when performance.metrics leaves it out."""
        if config.business_value is None or not config.columns.target:
            return None
        if (
            config.problem_type != "regression"
            and config.performance.metrics is not None
            and "business_value" not in config.performance.metrics
        ):
            return None
        return cls()

    @property
    def regression(self) -> bool:
        return self.config_.problem_type == "regression"

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        require_reference_targets(reference, config, "business value")
        self.config_ = config
        bv = config.business_value
        if bv is None:  # from_config makes this step only with the section
            raise ConfigError("business value needs a business_value section", file=config.source, key="business_value")
        self.currency_ = bv.currency
        if self.regression:
            self.costs_ = regression_costs(config, bv)
            targets = loss_targets(reference, ["over", "under"])
            x, cats, _ = feature_matrix(reference)
            self.models_ = LossModels(config.seed, config.performance.threads).fit(x, cats, targets)
            ok = np.isfinite(targets["over"])
            self.noise_ = sum_noise(self._row_value(targets["over"][ok], targets["under"][ok]))
            self.estimator_ = "dle"
        else:
            self.matrix_ = value_matrix(config, bv, reference.classes)
            self.calibrator_ = fit_calibrator(reference, config)
            y = reference.targets
            ok = (y >= 0) & (reference.y_pred >= 0)
            self.noise_ = sum_noise(self.matrix_[y[ok], reference.y_pred[ok]])
            self.estimator_ = "cbpe"
        self.per_prediction_ = bv.normalize == "per_prediction"
        self.reference_realized_ = self.realized(reference, reference_chunks)
        self.reference_estimated_ = self.estimated(reference, reference_chunks)
        self.reference_values_ = self._normalized(self.reference_realized_).values

    def _normalized(self, series: Series) -> Series:
        """Value per prediction (sum / rows) when configured, the sum otherwise."""
        if not self.per_prediction_:
            return series
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(series.sizes > 0, series.values / np.where(series.sizes > 0, series.sizes, 1.0), np.nan)
        return Series(series.metric, series.column, values, series.sizes, series.notes)

    def _chunk_noise(self) -> Noise:
        """Sampling error of the per-chunk value: a sum, or a mean per prediction."""
        if self.per_prediction_:
            return Noise(self.noise_.per_row, self.noise_.sd, self.noise_.n_reference, kind="mean")
        return self.noise_

    def _row_value(self, over: np.ndarray, under: np.ndarray) -> np.ndarray:
        co, cu = self.costs_
        return -(co * over + cu * under)

    def realized(self, ds: Dataset, chunks: Sequence[Chunk]) -> Series:
        """Realized business value per chunk from targets (rows without a target left out)."""
        starts, ends = K.chunk_bounds(chunks)
        rows = (ends - starts).astype(float)
        if self.regression:
            y = ds.y_true if ds.y_true is not None else np.full(ds.n_rows, np.nan)
            t = loss_targets(Dataset(ds.period, ds.n_rows, {}, ds.y_pred, y_true=y), ["over", "under"])
            valid = np.isfinite(t["over"])
            value = np.where(valid, self._row_value(np.nan_to_num(t["over"]), np.nan_to_num(t["under"])), 0.0)
            sizes = K.chunk_sum(valid, starts, ends).astype(float)
            sums = K.chunk_sum(value, starts, ends)
        else:
            y = ds.y_true if ds.y_true is not None else np.full(ds.n_rows, -1, dtype=np.int64)
            ids = K.chunk_ids(ds.n_rows, starts, ends)
            m = K.confusion_matrices(y, ds.y_pred, ids, len(chunks), len(ds.classes))
            sizes = m.sum(axis=(1, 2))
            sums = (m * self.matrix_).sum(axis=(1, 2))
        values = np.where(sizes > 0, sums, np.nan)
        return Series("business_value", None, values, sizes, _base_notes(sizes, rows))

    def estimated(self, ds: Dataset, chunks: Sequence[Chunk]) -> Series:
        """Estimated business value per chunk (CBPE expected counts or DLE error parts)."""
        starts, ends = K.chunk_bounds(chunks)
        rows = (ends - starts).astype(float)
        if self.regression:
            x, _, _ = feature_matrix(ds)
            valid = np.isfinite(ds.y_pred)
            value = self._row_value(self.models_.predict(x, "over"), self.models_.predict(x, "under"))
            sizes = K.chunk_sum(valid, starts, ends).astype(float)
            sums = K.chunk_sum(np.where(valid, value, 0.0), starts, ends)
        else:
            m, _, _, sizes = expected_matrices(ds, chunks, self.calibrator_)
            sums = (m * self.matrix_).sum(axis=(1, 2))
        values = np.where(sizes > 0, sums, np.nan)
        return Series("business_value", None, values, sizes, _base_notes(sizes, rows, what="prediction"))

    def _records(self, method: str, ref: Series, ana: Series) -> list[pd.DataFrame]:
        chunks = self.reference_chunks_ + self.analysis_chunks_
        series = self._normalized(concat_series(ref, ana))
        keys = [("business_value", method), ("business_value", "realized"), ("business_value", self.estimator_)]
        plan = plan_thresholds(
            self.config_, keys, "business_value", self.reference_values_, self._chunk_noise(), series.sizes
        )
        self.plans_[method] = plan
        cumulative = Series(
            "cumulative_business_value",
            None,
            np.concatenate([np.cumsum(ref.values), np.cumsum(ana.values)]),
            np.concatenate([np.cumsum(ref.sizes), np.cumsum(ana.sizes)]),
            series.notes,
        )
        return [
            series_records("business_value", method, series, chunks, self._chunk_noise(), plan),
            series_records("business_value", method, cumulative, chunks, self.noise_, None),
        ]

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> tuple[Series, Series]:
        """Estimated and realized value of one chunk (sums; normalised and accumulated in finalize)."""
        whole = (local_chunk(meta, rows.n_rows),)
        return self.estimated(rows, whole), self.realized(rows, whole)

    def _finalize(self, stats: list[tuple[Series, Series]]) -> pd.DataFrame:
        self.plans_: dict[str, Any] = {}
        estimated, realized = join_chunk_series([list(s) for s in stats])
        frames = self._records(self.estimator_, self.reference_estimated_, estimated)
        frames += self._records("realized", self.reference_realized_, realized)
        return concat_results(frames)

    def method_notes(self) -> list[dict[str, Any]]:
        if not hasattr(self, "config_"):
            return []
        currency = self.currency_
        if self.regression:
            co, cu = self.costs_
            how = (
                f"Each unit of over-prediction costs {co:g} {currency} and each unit of under-prediction {cu:g} {currency}; "
                "a chunk's value is minus the sum of these costs. The estimate uses two DLE models, one for the "
                "over-prediction part and one for the under-prediction part of each row's error."
            )
        else:
            how = (
                f"Each confusion-matrix cell carries a value in {currency} (rows = true class, columns = predicted class: "
                f"{self.matrix_.tolist()}); a chunk's value is the sum over cells of value x count, with CBPE's expected "
                "counts for the estimate."
            )
        plans = getattr(self, "plans_", {})
        return [
            {
                "step": "business_value",
                "method": method,
                "title": f"Business value ({'realized' if method == 'realized' else 'estimated, ' + method.upper()})",
                "description": how
                + (
                    " Per-chunk values are per prediction (the chunk's value divided by its rows)."
                    if self.per_prediction_
                    else ""
                )
                + " Cumulative value is the running sum of money over the analysis chunks. The band is +/- 3 sampling errors of the chunk's value.",
                "thresholds": plan.explanation,
            }
            for method, plan in plans.items()
        ]


STEPS.register(BusinessValue)
