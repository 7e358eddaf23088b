"""Multivariate drift: the PCA reconstruction error step and the threshold rules both multivariate
steps share (the domain classifier's step is reportgen.drift.domain_classifier_drift).

Both steps score every chunk (reference chunks out of sample: each against the reference without
it) and set their alert threshold, by default, on the null distribution of the reference's own
sampling noise (the `reference_quantile` threshold, alpha 0.01): random reference samples of the
chunk's size are scored like a chunk and the threshold is the (1 - alpha) quantile of those
scores. A `thresholds:` entry for `multivariate_drift[.method[.metric]]` overrides the rule
(`standard_deviation` and `constant` then use the reference-chunk values).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from reportgen.chunking import Chunk
from reportgen.config import Config, ThresholdConfig
from reportgen.dataset import Dataset
from reportgen.drift.calibration import MAX_SAMPLE_SIZE, NullDistribution, size_key
from reportgen.drift.pca import PCAReconstructor
from reportgen.results import empty_results, make_results
from reportgen.steps import STEPS, Step
from reportgen.thresholds import THRESHOLDS, compute_thresholds, threshold_from_config

STEP = "multivariate_drift"
DEFAULT_ALPHA = 0.01
CONFIDENCE_Z = 3.0  # band = value ± 3 sampling errors (NannyML's convention)
PCA_NULL_DRAWS = 1000


def resolve_rule(config: Config, method: str, metric: str) -> ThresholdConfig:
    """The configured rule; else the calibrated default (alpha 0.01), or mean + 3 std of the
    reference chunks (NannyML's rule) when `drift.default_threshold` is `method_default`."""
    rule = config.threshold_for(STEP, method, metric)
    if rule is not None:
        return rule
    if getattr(config.drift, "default_threshold", "reference_quantile") == "method_default":
        return ThresholdConfig(type="standard_deviation")
    return ThresholdConfig(type="reference_quantile", alpha=DEFAULT_ALPHA)


def is_calibrated(rule: ThresholdConfig) -> bool:
    """True when the rule needs a null distribution (reference_quantile)."""
    return (
        bool(getattr(THRESHOLDS.get(rule.type), "needs_null_distribution", False))
        if rule.type in THRESHOLDS
        else rule.type == "reference_quantile"
    )


def size_groups(sizes: Sequence[int] | np.ndarray) -> dict[int, int]:
    """Each chunk size mapped to its calibration size: the smallest size in its 2% grid cell.

    Cells are reportgen.drift.calibration.size_key's; calibrating at the smallest actual size of a
    cell is exact when all chunks have one size and slightly conservative otherwise.
    """
    distinct = sorted(set(int(x) for x in sizes if x > 0))
    smallest: dict[int, int] = {}
    for s in distinct:
        smallest.setdefault(size_key(s), s)
    return {s: smallest[size_key(s)] for s in distinct}


def bootstrap_mean_null(row_errors: np.ndarray, size: int, draws: int, seed: Sequence[int]) -> np.ndarray:
    """Means of `draws` random samples (with replacement) of `size` out-of-sample reference row errors.

    With replacement, because a new chunk is a fresh sample of the distribution, not a part of the
    finite reference: sampling without replacement would understate its variance by 1 - size/n.
    """
    rng = np.random.default_rng(list(seed))
    n = row_errors.size
    out = np.empty(draws)
    batch = max(1, (1 << 22) // max(size, 1))
    for start in range(0, draws, batch):
        stop = min(draws, start + batch)
        idx = rng.integers(0, n, size=(stop - start, size))
        out[start:stop] = row_errors[idx].mean(axis=1)
    return out


class _MultivariateStep(Step):
    step: ClassVar[str] = STEP
    metric: ClassVar[str]
    rule_: ThresholdConfig  # set by fit
    rule_text_: str

    @classmethod
    def from_config(cls, config: Config) -> _MultivariateStep | None:
        """The step when `drift.multivariate` selects it (default: both methods)."""
        selected = config.drift.multivariate
        if selected is not None and cls.name not in selected:
            return None
        return cls._from_config(config)

    @classmethod
    def _from_config(cls, config: Config) -> _MultivariateStep:
        return cls()

    def _thresholds(
        self, values_ref: np.ndarray, sizes: np.ndarray, null_upper: np.ndarray | None, value_range: tuple
    ) -> tuple[np.ndarray, str]:
        """Per-chunk upper thresholds and the sentence that explains them."""
        rule = self.rule_
        if is_calibrated(rule):
            assert null_upper is not None
            return null_upper, ""
        threshold = threshold_from_config(rule)
        lower, upper = compute_thresholds(values_ref, threshold, direction="higher_is_worse", value_range=value_range)
        self.rule_text_ = threshold.explain(lower, upper)
        return np.full(sizes.size, np.nan if upper is None else upper), self.rule_text_


@STEPS.register
class PCAReconstructionDrift(_MultivariateStep):
    """Mean PCA reconstruction error per chunk (NannyML's data reconstruction drift); higher is worse.

    Parameters
    ----------
    variance:
        Share of the standardised reference variance the kept components explain (config
        `drift.pca_variance`, default 0.65).
    seed:
        Seed of the null-distribution draws (config `seed`).
    """

    name: ClassVar[str] = "pca_reconstruction"
    metric: ClassVar[str] = "reconstruction_error"
    streams: ClassVar[bool] = True

    def __init__(self, variance: float | None = None, seed: int | None = None) -> None:
        self.variance = variance
        self.seed = seed

    @classmethod
    def _from_config(cls, config: Config) -> PCAReconstructionDrift:
        return cls(variance=config.drift.pca_variance, seed=config.seed)

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        variance = config.drift.pca_variance if self.variance is None else self.variance
        seed = config.seed if self.seed is None else self.seed
        self.seed_ = int(seed)
        self.variance_ = float(variance)
        self.rule_ = resolve_rule(config, self.name, self.metric)
        self.features_ = tuple(reference.features)
        self.calibration_: dict[int, NullDistribution] = {}
        self.calibration_seconds_ = 0.0
        if not self.features_:
            self.reconstructor_ = None
            return
        bounds = [(c.start_row, c.end_row) for c in reference_chunks]
        rec = PCAReconstructor(variance).fit(reference.features, bounds)
        self.reconstructor_ = rec
        # the reference rows' out-of-sample errors, in reference-chunk order (see pca.py)
        sizes = np.array([e - s for s, e in bounds], dtype=np.int64)
        csum = np.concatenate([[0.0], np.cumsum(rec.reference_errors_)])
        ends = np.cumsum(sizes)
        self.reference_values_ = np.where(sizes > 0, (csum[ends] - csum[ends - sizes]) / np.maximum(sizes, 1), np.nan)

    def _null_thresholds(self, rec: PCAReconstructor, sizes: np.ndarray) -> np.ndarray:
        alpha = self.rule_.alpha if self.rule_.alpha is not None else DEFAULT_ALPHA
        draws = int(self.rule_.samples or PCA_NULL_DRAWS)
        groups = size_groups(sizes)
        start = time.process_time()
        for base in sorted(set(groups.values())):
            if base not in self.calibration_:
                # above MAX_SAMPLE_SIZE rows the mean is normal to within rounding (CLT): draw at that
                # size and shrink the deviations from the reference mean by sqrt(drawn / base)
                drawn = min(base, MAX_SAMPLE_SIZE)
                null = bootstrap_mean_null(rec.reference_errors_, drawn, draws, (self.seed_, 1, drawn))
                if drawn < base:
                    center = rec.reference_error_mean_
                    null = center + (null - center) * np.sqrt(drawn / base)
                self.calibration_[base] = NullDistribution.of(null, "higher_is_worse", base)
        self.calibration_seconds_ += time.process_time() - start
        self.alpha_ = alpha
        bound = {base: null.bounds(alpha)[1] for base, null in self.calibration_.items()}
        return np.array(
            [np.nan if s <= 0 or bound[groups[int(s)]] is None else bound[groups[int(s)]] for s in sizes], dtype=float
        )

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> float:
        """The chunk's mean reconstruction error."""
        if self.reconstructor_ is None:
            return float("nan")
        return float(self.reconstructor_.chunk_means(rows.features, [(0, rows.n_rows)])[0])

    def _finalize(self, stats: list[float]) -> pd.DataFrame:
        rec = self.reconstructor_
        if rec is None:
            return empty_results()
        chunks = self.reference_chunks_ + self.analysis_chunks_
        ref_values = np.asarray(self.reference_values_, dtype=float)
        ana_values = np.array(stats, dtype=float)
        values = np.concatenate([ref_values, ana_values])
        sizes = np.array([c.rows for c in chunks], dtype=np.int64)
        discarded = float(rec.explained_variance_ratio_[rec.n_components_ :].sum())
        degenerate = discarded < 1e-9
        if degenerate:  # the kept components span all reference variance: errors are rounding noise
            values = np.full(values.size, np.nan)
        se = rec.reference_error_std_ / np.sqrt(np.maximum(sizes, 1))
        null_upper = self._null_thresholds(rec, sizes) if is_calibrated(self.rule_) else None
        upper, _ = self._thresholds(ref_values, sizes, null_upper, (0.0, None))
        if degenerate:
            upper = np.full(values.size, np.nan)
        with np.errstate(invalid="ignore"):
            flags = np.isfinite(values) & np.isfinite(upper) & (values > upper)
        notes: list[str | None] = [None] * len(chunks)
        groups = size_groups(sizes) if null_upper is not None else {}
        for i, (v, s) in enumerate(zip(values, sizes)):
            if degenerate:
                notes[i] = (
                    f"the {rec.n_components_} component(s) kept at drift.pca_variance {self.variance_:g} explain all the reference "
                    f"variance of the {rec.n_features_} feature(s): reconstruction is exact, the error zero by construction"
                )
            elif not np.isfinite(v):
                notes[i] = "empty chunk"
            elif flags[i] and null_upper is not None:
                notes[i] = self.calibration_[groups[int(s)]].describe(float(v))
        return make_results(
            step=STEP,
            method=self.name,
            metric=self.metric,
            column=None,
            chunk_index=[c.index for c in chunks],
            period=[c.period for c in chunks],
            value=values,
            sampling_error=se,
            lower_confidence=np.maximum(values - CONFIDENCE_Z * se, 0.0),
            upper_confidence=values + CONFIDENCE_Z * se,
            lower_threshold=None,
            upper_threshold=np.where(np.isfinite(upper), upper, np.nan),
            alert=flags,
            note=notes,
        )

    def method_notes(self) -> list[dict[str, Any]]:
        """How the error is computed and how its threshold was set, with the numbers."""
        rec = getattr(self, "reconstructor_", None)
        if rec is None:
            return [
                {
                    "step": STEP,
                    "method": self.name,
                    "title": "PCA reconstruction error",
                    "description": "No features to monitor: PCA reconstruction error was not computed.",
                    "thresholds": "",
                }
            ]
        kept = float(rec.explained_variance_ratio_[: rec.n_components_].sum())
        description = (
            f"Missing values are imputed (mean for continuous, most frequent category for categorical features), "
            f"categories are replaced by their reference frequency (unseen categories by 0), every feature is "
            f"standardised with the reference mean and standard deviation, and PCA keeps {rec.n_components_} of "
            f"{rec.n_features_} components ({kept:.1%} of the variance; target {self.variance_:.0%}). "
            f"A chunk's value is the mean Euclidean distance between each standardised row and its reconstruction. "
            f"Reference chunks are scored with a PCA fitted on the reference without them, so their errors are not "
            f"biased low. Sampling error: standard deviation of the reference row errors ({rec.reference_error_std_:.4g}) "
            f"divided by the square root of the chunk size; the band is ±{CONFIDENCE_Z:g} sampling errors."
        )
        return [
            {
                "step": STEP,
                "method": self.name,
                "title": "PCA reconstruction error",
                "description": description,
                "thresholds": self._threshold_text(),
            }
        ]

    def _threshold_text(self) -> str:
        if not is_calibrated(self.rule_):
            return getattr(self, "rule_text_", f"Threshold rule '{self.rule_.type}' on the reference-chunk values.")
        alpha = self.rule_.alpha if self.rule_.alpha is not None else DEFAULT_ALPHA
        if not self.calibration_ or self.reconstructor_ is None:
            return f"Upper threshold: the {1 - alpha:.1%} quantile of the mean error of random reference samples of the chunk's size."
        parts = []
        for base, null in sorted(self.calibration_.items()):
            hi = null.bounds(alpha)[1]
            parts.append(f"{base:,} rows: {hi:.4g}" if hi is not None else f"{base:,} rows: none")
        return (
            f"Upper threshold: the {1 - alpha:.1%} quantile (alpha {alpha:g}) of the mean reconstruction error of "
            f"{next(iter(self.calibration_.values())).n:,} random samples (with replacement) of the chunk's size drawn "
            f"from the reference rows' out-of-sample errors (mean {self.reconstructor_.reference_error_mean_:.4g}; chunks above "
            f"{MAX_SAMPLE_SIZE:,} rows: samples of {MAX_SAMPLE_SIZE:,} with their spread scaled by the square root of the size ratio). "
            f"Thresholds by chunk size: " + "; ".join(parts[:8]) + ("; ..." if len(parts) > 8 else "") + "."
        )
