"""Doubly robust correction of a label-free estimate with importance-weighted reference residuals.

CBPE and DLE predict, per row, what the chunk's metric averages: a calibrated probability of every
class, or a loss. Both are learned on the whole reference, so in the reference's sub-region where a
chunk now lies they can be off (calibration that holds globally but not per region). Held-out
reference rows carry labels: reweighted by the chunk's density ratio they show the predictor's
residual (label minus prediction) where the chunk lies. The doubly robust estimate (Robins,
Rotnitzky and Zhao 1994: outcome model plus importance-weighted residual) adds that weighted residual
to the per-row prediction, per bin of the prediction itself (so the correction also reaches ranking
metrics): with weights of 1 (a chunk like the reference) the weighted and the unweighted residual
cancel and the estimate is CBPE's / DLE's exactly. A bin's correction d is shrunk towards zero by
d^2 / (d^2 + v) (James-Stein style), v = the weighted residual variance over the bin's effective
sample size (Kish): a correction within its own noise is mostly dropped, a clear one is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BINS = 10


@dataclass(frozen=True)
class BinnedResidual:
    """Held-out reference rows of one predictor: its per-row prediction, residual and bin."""

    edges: np.ndarray  # inner bin edges of the prediction (quantiles of the held-out rows)
    bins: np.ndarray  # bin of every held-out row
    residual: np.ndarray  # label (or loss) minus prediction, per held-out row
    baseline: np.ndarray  # unweighted mean residual per bin

    @classmethod
    def fit(cls, prediction: np.ndarray, residual: np.ndarray) -> BinnedResidual:
        """Bins from the held-out rows' predictions; rows with an undefined residual count as zero residual."""
        finite = np.isfinite(prediction)
        cuts = np.quantile(prediction[finite], np.linspace(0, 1, BINS + 1)[1:-1]) if finite.any() else np.empty(0)
        edges = np.unique(np.asarray(cuts, dtype=float))
        bins = np.searchsorted(edges, np.where(finite, prediction, 0.0), side="right")
        residual = np.where(np.isfinite(residual), residual, 0.0)
        counts = np.bincount(bins, minlength=edges.size + 1).astype(float)
        sums = np.bincount(bins, weights=residual, minlength=edges.size + 1)
        baseline = np.where(counts > 0, sums / np.maximum(counts, 1.0), 0.0)
        return cls(edges, bins, residual, baseline)

    def correction(self, weights: np.ndarray) -> np.ndarray:
        """Per bin: weighted minus unweighted mean residual, shrunk by its signal-to-noise ratio."""
        n_bins = self.edges.size + 1
        sw = np.bincount(self.bins, weights=weights, minlength=n_bins)
        sw2 = np.bincount(self.bins, weights=weights * weights, minlength=n_bins)
        swr = np.bincount(self.bins, weights=weights * self.residual, minlength=n_bins)
        swrr = np.bincount(self.bins, weights=weights * self.residual**2, minlength=n_bins)
        safe = np.where(sw > 0, sw, 1.0)
        weighted = np.where(sw > 0, swr / safe, self.baseline)
        variance = np.maximum(np.where(sw > 0, swrr / safe - weighted**2, 0.0), 0.0)
        n_eff = np.where(sw2 > 0, sw * sw / np.where(sw2 > 0, sw2, 1.0), 0.0)
        noise = np.where(n_eff > 0, variance / np.maximum(n_eff, 1e-12), np.inf)
        gap = weighted - self.baseline
        with np.errstate(invalid="ignore"):
            keep = np.where(gap * gap + noise > 0, gap * gap / (gap * gap + noise), 0.0)
        return gap * np.nan_to_num(keep)

    def apply(self, prediction: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The chunk rows' predictions plus their bin's correction."""
        shift = self.correction(weights)
        bins = np.searchsorted(self.edges, np.where(np.isfinite(prediction), prediction, 0.0), side="right")
        return prediction + shift[bins]


def probability_residuals(calibrated: np.ndarray, y: np.ndarray, binary: bool) -> list[BinnedResidual]:
    """Per class (binary: the positive class) the binned residual 1{y = k} - p_k of held-out rows (y < 0: no target)."""
    classes = [1] if binary else range(calibrated.shape[1])
    return [
        BinnedResidual.fit(calibrated[:, k], np.where(y >= 0, (y == k) - calibrated[:, k], np.nan)) for k in classes
    ]


class CorrectedProbabilities:
    """Calibrated probabilities plus one chunk's doubly robust correction (a drop-in for CBPE's calibrator)."""

    def __init__(self, calibrator: Any, residuals: list[BinnedResidual], weights: np.ndarray) -> None:
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
