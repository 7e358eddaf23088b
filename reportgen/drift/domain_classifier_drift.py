"""The domain classifier step: per chunk, the cross-validated ROC AUC of LightGBM telling the chunk
from the reference (reportgen.drift.domain_classifier), streamed chunk by chunk.

fit (driver): the reference pool, its bin edges and the reference chunks' own AUCs (the band);
prepare (driver): the null draws at the analysis chunks' calibration size; chunk_stats: one chunk's
AUC from its rows only; finalize (driver): sampling errors, thresholds, alerts and notes.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm

from reportgen.chunking import Chunk
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.drift.domain_classifier import DomainClassifier, evenly_spaced, mann_whitney_null_sd
from reportgen.drift.multivariate import (
    CONFIDENCE_Z,
    DEFAULT_ALPHA,
    STEP,
    _MultivariateStep,
    is_calibrated,
    resolve_rule,
)
from reportgen.results import empty_results, make_results
from reportgen.steps import STEPS

DC_NULL_DRAWS = 30
DC_REFERENCE_CHUNKS = 40  # reference chunks scored for the domain classifier's reference band


@STEPS.register
class DomainClassifierDrift(_MultivariateStep):
    """Cross-validated ROC AUC of LightGBM telling each chunk from the reference; higher is worse.

    Parameters
    ----------
    reference_rows:
        Reference rows compared with each chunk (stratified over reference chunks; at least the
        chunk's size); None compares with the whole reference (slow, NannyML's way).
    folds:
        Cross-validation folds.
    seed:
        Base seed (config `seed`).
    n_jobs:
        Models trained in parallel; None = CPUs available. Results do not depend on it.
    reference_chunks:
        At most this many reference chunks, evenly spaced (first and last included), are scored
        leave-one-chunk-out for the reference band; the others keep their record with a NaN value and
        a note. None scores them all. The band only needs a stable spread estimate, and each scored
        chunk costs a chunk's cross-validation (at 200 reference chunks that was half the step).
    """

    name: ClassVar[str] = "domain_classifier"
    metric: ClassVar[str] = "roc_auc"
    streams: ClassVar[bool] = True

    def __init__(
        self,
        reference_rows: int | None = 10_000,
        folds: int = 2,
        seed: int | None = None,
        n_jobs: int | None = None,
        reference_chunks: int | None = DC_REFERENCE_CHUNKS,
    ) -> None:
        self.reference_rows = reference_rows
        self.folds = folds
        self.seed = seed
        self.n_jobs = n_jobs
        self.reference_chunks = reference_chunks

    @classmethod
    def _from_config(cls, config: Config) -> DomainClassifierDrift:
        return cls(seed=config.seed)

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        seed = config.seed if self.seed is None else self.seed
        self.seed_ = int(seed)
        self.rule_ = resolve_rule(config, self.name, self.metric)
        self.features_ = tuple(reference.features)
        self.null_: np.ndarray | None = None
        self.calibration_seconds_ = 0.0
        if not self.features_:
            self.classifier_ = None
            return
        bounds = [(c.start_row, c.end_row) for c in reference_chunks]
        clf = DomainClassifier(
            reference_rows=self.reference_rows, folds=self.folds, seed=self.seed_, n_jobs=self.n_jobs
        )
        clf.fit(reference.features, bounds)
        self.classifier_ = clf
        self.reference_values_ = np.full(len(reference_chunks), np.nan)
        self.reference_scored_ = np.zeros(len(reference_chunks), dtype=bool)
        if len(reference_chunks) > 1:  # one reference chunk: there is no rest of the reference to compare it with
            picked = evenly_spaced(len(reference_chunks), self.reference_chunks)
            self.reference_scored_[picked] = True
            features = reference.features
            jobs = [
                lambda i=int(i): clf.reference_chunk_auc(features, i, (0, reference_chunks[i].index)) for i in picked
            ]
            self.reference_values_[picked] = clf.run_all(jobs)

    def _prepare(self, analysis_chunks: tuple[Chunk, ...]) -> None:
        """The null draws: random pool samples of the chunks' calibration size, each scored like a chunk."""
        clf = self.classifier_
        self.null_ = None
        if clf is None:
            return
        sizes = [c.rows for c in analysis_chunks] or [c.rows for c in self.reference_chunks_]
        self.calibration_size_ = int(min(int(np.median(sizes)), clf.n_reference_ // 2))
        if not is_calibrated(self.rule_) or self.calibration_size_ < 2 * clf.folds:
            return
        draws = int(self.rule_.samples or DC_NULL_DRAWS)
        start = time.process_time()
        samples = clf.null_positions(self.calibration_size_, draws)
        self.null_ = clf.run_all([partial(clf.null_auc, rows, (2, j)) for j, rows in enumerate(samples)])
        self.calibration_seconds_ = time.process_time() - start

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> float:
        """The chunk's cross-validated AUC against a draw of the reference pool."""
        if self.classifier_ is None:
            return float("nan")
        return self.classifier_.chunk_auc(rows.features, (1, meta.index))

    def _finalize(self, stats: list[float]) -> pd.DataFrame:
        clf = self.classifier_
        if clf is None:
            return empty_results()
        chunks = self.reference_chunks_ + self.analysis_chunks_
        calibrate = is_calibrated(self.rule_)
        ref_values = np.asarray(self.reference_values_, dtype=float)
        values = np.concatenate([ref_values, np.array(stats, dtype=float)])
        sizes = np.array([c.rows for c in chunks], dtype=np.int64)
        n_ref_chunks = len(ref_values)
        se = np.array(
            [
                mann_whitney_null_sd(
                    clf.reference_size(s, clf.pool_chunk_rows(i) if i < n_ref_chunks else 0), clf.scored_size(s)
                )
                for i, s in enumerate(sizes)
            ]
        )
        null_upper = self._null_thresholds(clf, sizes, se) if calibrate else None
        upper, _ = self._thresholds(ref_values, sizes, null_upper, (0.0, 1.0))
        flags = np.array([bool(np.isfinite(u) and np.isfinite(v) and v > u) for v, u in zip(values, upper)], dtype=bool)
        notes: list[str | None] = [None] * len(chunks)
        for i, v in enumerate(values):
            if not np.isfinite(v):
                if i < n_ref_chunks and n_ref_chunks == 1:
                    notes[i] = "a single reference chunk: no rest of the reference to compare it with"
                elif i < n_ref_chunks and not self.reference_scored_[i]:
                    notes[i] = (
                        f"not scored: the reference band uses {int(self.reference_scored_.sum())} evenly spaced reference chunks"
                    )
                elif sizes[i] < 2 * clf.folds:
                    notes[i] = f"too few rows ({sizes[i]}) to cross-validate with {clf.folds} folds"
                else:
                    notes[i] = "not enough reference rows left to compare with"
            elif flags[i] and calibrate and self.null_ is not None:
                z = (v - self.null_center_) / self.null_scale_[i] if self.null_scale_[i] > 0 else np.inf
                notes[i] = (
                    f"above {norm.cdf(z) * 100:.2f}% of same-size reference samples (normal fit to {self.null_.size} draws)"
                )
        return make_results(
            step=STEP,
            method=self.name,
            metric=self.metric,
            column=None,
            chunk_index=[c.index for c in chunks],
            period=[c.period for c in chunks],
            value=values,
            sampling_error=se,
            lower_confidence=np.clip(values - CONFIDENCE_Z * se, 0.0, 1.0),
            upper_confidence=np.clip(values + CONFIDENCE_Z * se, 0.0, 1.0),
            lower_threshold=None,
            upper_threshold=upper,
            alert=flags,
            note=notes,
        )

    def _null_thresholds(self, clf: DomainClassifier, sizes: np.ndarray, null_sd: np.ndarray) -> np.ndarray:
        """mean + z(1-alpha)·sd of the null AUCs, the spread rescaled to each chunk's size.

        A modest number of draws (each costs one chunk's cross-validation) estimates a 99% quantile
        poorly, so a normal distribution is fitted to them; its spread is rescaled from the
        calibration size to each chunk's size by the ratio of the Mann-Whitney null deviations.
        The spread is never taken below the Mann-Whitney null deviation.
        """
        alpha = self.rule_.alpha if self.rule_.alpha is not None else DEFAULT_ALPHA
        self.alpha_ = alpha
        m0 = self.calibration_size_
        if self.null_ is None or not np.isfinite(self.null_).any():
            self.null_center_, self.null_scale_ = 0.5, np.asarray(null_sd, dtype=float)
        else:
            null = self.null_[np.isfinite(self.null_)]
            self.null_center_ = float(null.mean())
            ref_sd0 = mann_whitney_null_sd(clf.reference_size(m0, clf.scored_size(m0)), clf.scored_size(m0))
            # a few dozen draws estimate the spread within ~15%; never go below the spread of the AUC of
            # an uninformative score (Mann-Whitney), which keeps an unlucky low estimate from crying wolf
            sd0 = max(float(null.std(ddof=1)) if null.size > 1 else 0.0, ref_sd0)
            self.null_sd_ = sd0
            self.null_scale_ = sd0 * np.asarray(null_sd, dtype=float) / ref_sd0
        z = float(norm.ppf(1.0 - alpha))
        return np.minimum(self.null_center_ + z * self.null_scale_, 1.0)

    def method_notes(self) -> list[dict[str, Any]]:
        """How the AUC is computed and how its threshold was set, with the numbers."""
        clf = getattr(self, "classifier_", None)
        title = "Domain classifier (ROC AUC)"
        if clf is None:
            return [
                {
                    "step": STEP,
                    "method": self.name,
                    "title": title,
                    "description": "No features to monitor: the domain classifier was not run.",
                    "thresholds": "",
                }
            ]
        pool = clf.pool_.shape[0]
        ref_rows = (
            "the whole reference"
            if clf.reference_rows is None
            else f"{clf.reference_rows:,} reference rows (or the chunk's size if larger), stratified over the reference chunks"
            + (
                ""
                if pool >= clf.n_reference_
                else f" and drawn from a fixed stratified sample of {pool:,} reference rows"
            )
        )
        description = (
            f"LightGBM ({clf.num_leaves} leaves, learning rate {clf.learning_rate:g}, {clf.feature_fraction:.0%} of the features "
            f"per tree, at most {clf.max_rounds} trees: the first fold stops after {clf.early_stopping_rounds} rounds without "
            f"gain on a validation slice of its training rows and the other folds train as many trees) "
            f"learns to tell the chunk's rows from {ref_rows}; features are binned ({clf.max_bin} bins) with edges found on "
            f"the reference only, so a chunk's value depends on its own rows alone. The value is the mean ROC AUC over {clf.folds} stratified "
            f"cross-validation folds: 0.5 = indistinguishable from reference, 1 = fully separable. Reference chunks are "
            f"compared with the rest of the reference{self._reference_subset_text()}. Sampling error: the AUC's standard deviation under no drift "
            f"(Mann-Whitney); the band is ±{CONFIDENCE_Z:g} sampling errors. Deterministic (fixed seeds, single-threaded models)."
        )
        return [
            {
                "step": STEP,
                "method": self.name,
                "title": title,
                "description": description,
                "thresholds": self._threshold_text(),
            }
        ]

    def _reference_subset_text(self) -> str:
        scored = getattr(self, "reference_scored_", None)
        if scored is None or scored.all() or scored.size <= 1:
            return ""
        return (
            f"; to save time only {int(scored.sum())} of the {scored.size} reference chunks, evenly spaced (first and last "
            f"included), are scored (the others are shown without a value): the reference band and a threshold set on "
            f"reference chunks only need a stable spread estimate"
        )

    def _threshold_text(self) -> str:
        if not is_calibrated(self.rule_):
            return getattr(self, "rule_text_", f"Threshold rule '{self.rule_.type}' on the reference-chunk values.")
        alpha = self.rule_.alpha if self.rule_.alpha is not None else DEFAULT_ALPHA
        if self.null_ is None:
            return f"Upper threshold: mean + {norm.ppf(1 - alpha):.3f} standard deviations of the AUC of random reference samples of the chunk's size (alpha {alpha:g})."
        m0 = self.calibration_size_
        thr = self.null_center_ + norm.ppf(1 - alpha) * getattr(self, "null_sd_", 0.0)
        return (
            f"Upper threshold from {self.null_.size} random reference samples of {m0:,} rows, each scored like a chunk against "
            f"the reference without it: their AUCs have mean {self.null_center_:.4f} and standard deviation "
            f"{getattr(self, 'null_sd_', float('nan')):.4f}; a normal fit gives the {1 - alpha:.1%} quantile {thr:.4f} at "
            f"{m0:,} rows (alpha {alpha:g}), rescaled to other chunk sizes by the Mann-Whitney null deviation."
        )
