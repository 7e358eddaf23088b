"""Importance-weighted CBPE and DLE (`cbpe_iw`, `dle_iw`): the estimate corrected where the chunk lies.

Each is its NannyML-compatible counterpart plus the doubly robust correction of
reportgen.performance.reweighted: per chunk, a classifier reference vs chunk
(reportgen.performance.density_ratio) weights held-out reference rows, whose residuals (label minus
calibrated probability for CBPE, loss minus predicted loss for DLE) then correct the chunk's per-row
predictions bin by bin. A chunk like the reference gets weights near 1 and the counterpart's estimate.
Reference chunks keep the counterpart's estimate (they are the reference).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from reportgen.chunking import Chunk
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.performance.calibration import Calibrator
from reportgen.performance.cbpe import CBPE, estimate_classification
from reportgen.performance.common import Series
from reportgen.performance.density_ratio import ChunkRatio
from reportgen.performance.dle import DLE, loss_targets
from reportgen.performance.reweighted import BinnedResidual
from reportgen.steps import STEPS

WEIGHTED_NOTE = (
    " Importance-weighted variant: per chunk, a small gradient-boosted classifier separating reference rows from "
    "the chunk's rows gives each held-out reference row a density ratio (tempered until chunks of the reference "
    "itself keep 90% of their effective sample size); the reference rows' residuals, weighted so, correct the "
    "per-row predictions bin by bin (doubly robust estimate). A chunk like the reference gets its unweighted "
    "estimate."
)


class CorrectedProbabilities:
    """A calibrator whose calibrated probabilities get one chunk's doubly robust correction."""

    def __init__(self, calibrator: Calibrator, residuals: list[BinnedResidual], weights: np.ndarray) -> None:
        self.calibrator = calibrator
        self.residuals = residuals
        self.weights = weights

    def transform(self, proba: np.ndarray) -> np.ndarray:
        p = self.calibrator.transform(proba)
        if len(self.residuals) == 1:  # binary: the positive class
            c = np.clip(self.residuals[0].apply(p[:, 1], self.weights), 0.0, 1.0)
            return np.column_stack([1.0 - c, c])
        out = np.column_stack([np.clip(r.apply(p[:, k], self.weights), 0.0, 1.0) for k, r in enumerate(self.residuals)])
        total = out.sum(axis=1, keepdims=True)
        return np.where(total > 0, out / np.where(total > 0, total, 1.0), p)


@STEPS.register
class WeightedCBPE(CBPE):
    """CBPE with importance-weighted, per-region correction of the calibrated probabilities."""

    name: ClassVar[str] = "cbpe_iw"

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        super()._fit(reference, reference_chunks, config)
        rows = self.ratio_.eval_rows_
        p = self.calibrator_.transform(reference.y_proba[rows])
        y = reference.y_true[rows]
        classes = [1] if self.binary_ else range(p.shape[1])
        self.residuals_ = [BinnedResidual.fit(p[:, k], np.where(y >= 0, (y == k) - p[:, k], np.nan)) for k in classes]

    def estimate_chunk(self, rows: Dataset, chunks: tuple[Chunk, ...], ratio: ChunkRatio) -> list[Series]:
        corrected = CorrectedProbabilities(self.calibrator_, self.residuals_, ratio.weights)
        return estimate_classification(rows, chunks, corrected, self.metrics_, self.binary_)  # type: ignore[arg-type]

    def method_notes(self) -> list[dict[str, Any]]:
        notes = super().method_notes()
        for n in notes:
            n["title"] = "Estimated performance (CBPE, importance-weighted)"
            n["description"] += WEIGHTED_NOTE
        return notes


@STEPS.register
class WeightedDLE(DLE):
    """DLE with the importance-weighted residual of its loss models on held-out reference rows."""

    name: ClassVar[str] = "dle_iw"

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        super()._fit(reference, reference_chunks, config)
        models = self.models_
        rows = self.ratio_.eval_rows_
        position = np.searchsorted(models.holdout_, rows)
        names = sorted(models.holdout_predictions_)
        targets = loss_targets(reference, names)
        self.residuals_ = {}
        for n in names:
            held_out = models.holdout_predictions_[n][position]
            self.residuals_[n] = BinnedResidual.fit(held_out, targets[n][rows] - held_out)

    def row_losses(self, x: np.ndarray, loss: str, weights: np.ndarray | None = None) -> np.ndarray:
        predicted = super().row_losses(x, loss)
        if weights is None or loss not in self.residuals_:
            return predicted
        return np.maximum(self.residuals_[loss].apply(predicted, weights), 0.0)

    def estimate_chunk(self, rows: Dataset, chunks: tuple[Chunk, ...], ratio: ChunkRatio) -> list[Series]:
        return self.estimate(rows, chunks, ratio.weights)

    def method_notes(self) -> list[dict[str, Any]]:
        notes = super().method_notes()
        for n in notes:
            n["title"] = "Estimated performance (DLE, importance-weighted)"
            n["description"] += WEIGHTED_NOTE
        return notes
