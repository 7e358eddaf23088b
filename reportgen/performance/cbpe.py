"""CBPE: confidence-based performance estimation for binary and multiclass classification.

Published method (NannyML documentation, "Confidence-based Performance Estimation"): with
calibrated probabilities p_ik = P(y_i = k), the expected confusion matrix of a chunk is
E[C_kj] = sum over rows predicted j of p_ik; precision, recall, f1, specificity, accuracy and
business value are computed from it as from a realized matrix. ROC AUC and average precision come
from the expected TP/FP curve: rows sorted by the model's score (descending, ties as one step),
expected TP = cumulative sum of p, expected FP = cumulative sum of 1 - p. Multiclass uses one-vs-rest
calibration with renormalised rows and macro averages. Written from the published description.
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
from reportgen.performance import metrics as K
from reportgen.performance.calibration import Calibrator
from reportgen.performance.common import (
    ReferenceProfile,
    Series,
    _base_notes,
    classification_series,
    estimated_records,
    estimator_selected,
    require_reference_targets,
    selected_metrics,
    with_trust,
)
from reportgen.performance.density_ratio import DensityRatio
from reportgen.performance.overlap import Overlap
from reportgen.performance.reweighted import CorrectedProbabilities, probability_residuals
from reportgen.performance.trust import RatioCutoffs, per_metric
from reportgen.steps import STEPS, Step

CBPE_DESCRIPTION = (
    "CBPE (confidence-based performance estimation) estimates performance without targets. The model's "
    "probabilities are calibrated on the reference (isotonic regression, kept only when it measurably improves "
    "held-out calibration); each row then contributes its probability of every class to an expected confusion "
    "matrix per chunk, from which precision, recall, F1, specificity, accuracy and business value follow. ROC AUC "
    "and average precision come from the expected true/false positive curve over the chunk's scores in "
    "descending order. Multiclass models use one-vs-rest calibration and macro averages. The band around the "
    "estimate is +/- 3 sampling errors at the chunk's size. The estimate is reliable while the relation between "
    "features and target (concept) stays as in the reference; a gap to the realized value points to concept drift."
)


def fit_calibrator(reference: Dataset, config: Config) -> Calibrator:
    """Calibrator fitted on the reference rows that have a target, a prediction and probabilities."""
    y = reference.targets
    ok = (y >= 0) & np.isfinite(reference.probabilities).all(axis=1)
    return Calibrator(config.performance.calibration, seed=config.seed).fit(reference.probabilities[ok], y[ok])


def expected_matrices(
    ds: Dataset, chunks: Sequence[Chunk], calibrator: Calibrator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(expected confusion matrices, calibrated probabilities, valid-row mask, rows per chunk)."""
    starts, ends = K.chunk_bounds(chunks)
    ids = K.chunk_ids(ds.n_rows, starts, ends)
    proba = calibrator.transform(ds.probabilities)
    valid = (ds.y_pred >= 0) & np.isfinite(proba).all(axis=1)
    matrices = K.expected_confusion_matrices(proba, ds.y_pred, ids, len(chunks))
    sizes = K.chunk_sum(valid, starts, ends).astype(float)
    return matrices, proba, valid, sizes


def estimate_classification(
    ds: Dataset, chunks: Sequence[Chunk], calibrator: Calibrator, metrics: Sequence[str], binary: bool
) -> list[Series]:
    """CBPE series of every selected metric over `chunks` of one period."""
    starts, ends = K.chunk_bounds(chunks)
    matrices, proba, valid, sizes = expected_matrices(ds, chunks, calibrator)
    notes = _base_notes(sizes, (ends - starts).astype(float), what="prediction")
    raw = ds.probabilities

    def ranking(k: int) -> tuple[np.ndarray, np.ndarray]:
        p = np.where(valid, proba[:, k], 0.0)
        return K.ranking_metrics(raw[:, k], p, np.where(valid, 1.0 - p, 0.0), starts, ends, valid)

    return classification_series(matrices, ranking, metrics, ds.classes, binary, sizes, notes)


@STEPS.register
class CBPE(Step):
    """Estimated classification performance per chunk, with sampling-error band and thresholds."""

    name: ClassVar[str] = "cbpe"
    step: ClassVar[str] = "estimated_performance"
    problem_types: ClassVar[tuple[str, ...]] = ("binary_classification", "multiclass_classification")
    streams: ClassVar[bool] = True
    weighted: ClassVar[bool] = False  # report the importance-weighted estimate (cbpe_iw)

    @classmethod
    def from_config(cls, config: Config) -> CBPE | None:
        """Off without a target column (calibration and thresholds need reference targets) or when not selected."""
        return cls() if config.columns.target and estimator_selected(config, cls.name) else None

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        require_reference_targets(reference, config, "CBPE")
        self.config_ = config
        self.metrics_ = selected_metrics(config)
        self.binary_ = config.problem_type == "binary_classification"
        self.profile_ = ReferenceProfile(reference, reference_chunks, config, self.metrics_)
        self.calibrator_ = fit_calibrator(reference, config)
        self.plans_: dict[Any, Any] = {}
        self.overlap_ = Overlap().fit(reference)
        self.ratio_ = DensityRatio(config.seed).fit(reference, reference_chunks)
        self.cutoffs_ = RatioCutoffs.from_reference(*self.ratio_.reference_levels())
        rows = self.ratio_.eval_rows_
        assert reference.y_proba is not None and reference.y_true is not None  # classification with targets
        calibrated = self.calibrator_.transform(reference.y_proba[rows])
        self.residuals_ = probability_residuals(calibrated, reference.y_true[rows], self.binary_)
        self.reference_series_ = with_trust(
            estimate_classification(reference, reference_chunks, self.calibrator_, self.metrics_, self.binary_),
            self.overlap_.assess(reference, reference_chunks),
        )

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> list[Series]:
        """Plain and importance-weighted estimates of the chunk: one is reported, their gap sets the trust."""
        chunks = (local_chunk(meta, rows.n_rows),)
        ratio = self.ratio_.chunk_ratio(rows)
        corrected = CorrectedProbabilities(self.calibrator_, self.residuals_, ratio.weights)
        plain = estimate_classification(rows, chunks, self.calibrator_, self.metrics_, self.binary_)
        weighted = estimate_classification(rows, chunks, corrected, self.metrics_, self.binary_)  # type: ignore[arg-type]
        overlap, ratio_trust = self.overlap_.assess(rows, chunks)[0], self.cutoffs_.assess(ratio)
        return per_metric(
            weighted if self.weighted else plain, plain, weighted, overlap, ratio_trust, self.profile_.noise
        )

    def _finalize(self, stats: list[list[Series]]) -> pd.DataFrame:
        chunks = self.reference_chunks_ + self.analysis_chunks_
        ana = join_chunk_series(stats)
        return estimated_records(
            self.name, self.reference_series_, ana, chunks, self.config_, self.profile_, self.plans_
        )

    def method_notes(self) -> list[dict[str, Any]]:
        plans = getattr(self, "plans_", {})
        calib = self.calibrator_.describe() if hasattr(self, "calibrator_") else ""
        return [
            {
                "step": "estimated_performance",
                "method": self.name,
                "title": "Estimated performance (CBPE)",
                "description": CBPE_DESCRIPTION + " " + calib,
                "thresholds": "\n".join(f"{m}: {p.explanation}" for (m, _), p in plans.items()),
            }
        ]
