"""Density ratio between one chunk and the reference, from a classifier that tells them apart.

Importance weighting (Shimodaira 2000; Sugiyama et al., "Density ratio estimation in machine
learning", 2012; Bickel et al., "Discriminative learning under covariate shift", JMLR 2009): with a
probabilistic classifier c(x) = P(chunk | x) trained on reference rows (label 0) and a chunk's rows
(label 1), the density ratio is p_chunk(x) / p_reference(x) = c / (1 - c) * n_reference / n_chunk.
Weighting held-out reference rows by it makes their averages estimate the chunk's averages (under
covariate shift). The classifier is a small LightGBM model (seeded, deterministic, one thread) on the
features and the model's outputs; reference rows are split once into a training part (A) and an
evaluation part (B) whose weights are never in-sample; the chunk's own rows are scored by two-fold
cross-fitting. `fit` also runs the classifier on reference chunks (their rows outside A), so the
trust cut-offs come from chunks known to be like the reference: a chunk like the reference gets
weights near 1, an effective sample size near the evaluation part's size and few high-ratio rows.
A flexible classifier also finds patterns in noise (small references, chunks unlike each other),
so the log ratio is tempered: the largest power in POWERS whose reference chunks keep a median
effective sample share of TARGET_ESS is used for every chunk (power 0: no weighting at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reportgen.chunking import Chunk
from reportgen.dataset import Dataset

TRAIN_ROWS = 2_000  # reference rows the classifier sees (part A)
EVAL_ROWS = 10_000  # held-out reference rows that carry the weights (part B)
ROUNDS = 30
LEAVES = 8
LEARNING_RATE = 0.1
MAX_WEIGHT = 50.0  # ratios are clipped here (a few rows must not carry a whole chunk)
SPARSE_RATIO = 10.0  # a chunk row whose ratio exceeds this lies where the reference is sparse
CALIBRATION_CHUNKS = 6  # reference chunks used to learn what "like the reference" looks like
TARGET_ESS = 0.9  # the weights are tempered (w ** power) until reference chunks keep this effective share
POWERS = (1.0, 0.75, 0.5, 0.35, 0.25, 0.15, 0.1, 0.0)


def model_matrix(ds: Dataset) -> tuple[np.ndarray, list[int]]:
    """float64 (n, columns): features (categorical codes, missing -> NaN) then the model outputs."""
    cols, cats = [], []
    for i, (_name, col) in enumerate(ds.features.items()):
        if col.is_categorical:
            v = col.values.astype(np.float64)
            v[col.values == col.missing_code] = np.nan
            cats.append(i)
        else:
            v = np.asarray(col.values, dtype=np.float64)
        cols.append(v)
    if ds.y_proba is not None:
        cols.extend(np.asarray(ds.y_proba[:, k], dtype=np.float64) for k in range(ds.y_proba.shape[1]))
    else:
        cols.append(np.asarray(ds.y_pred, dtype=np.float64))
    return np.column_stack(cols), cats


@dataclass(frozen=True)
class ChunkRatio:
    """One chunk against the reference: weights of the held-out reference rows and overlap measures."""

    weights: np.ndarray  # per evaluation row (part B), mean 1
    ess_share: float  # effective sample size of the weights / evaluation rows (1 = like the reference)
    sparse_share: float  # share of the chunk's rows whose ratio exceeds SPARSE_RATIO


def effective_sample_share(w: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2, as a share of the rows."""
    if w.size == 0 or not np.any(w > 0):
        return float("nan")
    return float(w.sum() ** 2 / (w.size * np.sum(w * w)))


class DensityRatio:
    """Reference parts learned once; per chunk a classifier reference vs chunk gives the weights."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, reference: Dataset, chunks: Sequence[Chunk], evaluation: np.ndarray | None = None) -> DensityRatio:
        """Split the reference into the classifier's part A and the evaluation part B; calibrate on reference chunks.

        `evaluation` (reference row positions) fixes part B, e.g. rows a loss model never saw.
        """
        x, self.categorical_ = model_matrix(reference)
        n = x.shape[0]
        rng = np.random.default_rng(self.seed)
        if evaluation is None:
            order = rng.permutation(n)
            n_train = min(TRAIN_ROWS, n // 2)
            train, evaluation = order[:n_train], order[n_train : n_train + EVAL_ROWS]
        else:
            rest = np.setdiff1d(np.arange(n), evaluation)
            train = rng.permutation(rest)[:TRAIN_ROWS]
            evaluation = rng.permutation(np.asarray(evaluation))[:EVAL_ROWS]
        in_train = np.zeros(n, dtype=bool)
        in_train[train] = True
        self.train_x_ = x[np.sort(train)]
        self.eval_rows_ = np.sort(evaluation)  # positions in the reference, for callers' per-row values
        self.eval_x_ = x[self.eval_rows_]
        picked = np.linspace(0, len(chunks) - 1, min(CALIBRATION_CHUNKS, len(chunks))).round().astype(int)
        self.power_ = 1.0
        raw: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for i in sorted(set(picked.tolist())):
            c = chunks[i]
            rows = np.arange(c.start_row, c.end_row)
            rows = rows[~in_train[rows]]
            if rows.size >= 20:
                kept = ~np.isin(self.eval_rows_, rows)  # rows scored in-sample for this chunk are left out
                raw.append((*self._log_ratios(x[rows]), kept))
        for power in POWERS:
            self.power_ = power
            shares = [effective_sample_share(self._weights(e)[k]) for e, _, k in raw if k.any()]
            if not shares or np.median(shares) >= TARGET_ESS:
                break
        self.reference_ratios_ = [self._summary(e, c, k) for e, c, k in raw]
        return self

    def _classifier(self, x: np.ndarray, y: np.ndarray) -> Any:
        import lightgbm as lgb

        params = {
            "objective": "binary",
            "learning_rate": LEARNING_RATE,
            "num_leaves": LEAVES,
            "min_data_in_leaf": max(20, x.shape[0] // 100),
            "lambda_l2": 1.0,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": 1,
            "verbose": -1,
        }
        data = lgb.Dataset(x, label=y, categorical_feature=self.categorical_ or "auto", free_raw_data=True)
        return lgb.train(params, data, num_boost_round=ROUNDS)

    def _log_ratios(self, chunk_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log ratio of every evaluation row, cross-fitted log ratio of every chunk row)."""
        m = chunk_x.shape[0]
        n_a = self.train_x_.shape[0]
        if m < 10 or n_a < 10:
            return np.zeros(self.eval_x_.shape[0]), np.zeros(m)
        halves = np.arange(m) % 2 == 0
        eval_logit = np.zeros(self.eval_x_.shape[0])
        chunk_logit = np.zeros(m)
        for part in (halves, ~halves):
            x = np.vstack([self.train_x_, chunk_x[part]])
            y = np.concatenate([np.zeros(n_a), np.ones(int(part.sum()))])
            model = self._classifier(x, y)
            prior = np.log(part.sum() / n_a)  # the logit of a row that is equally likely in both
            eval_logit += 0.5 * (model.predict(self.eval_x_, raw_score=True) - prior)
            chunk_logit[~part] = model.predict(chunk_x[~part], raw_score=True) - prior
        return eval_logit, chunk_logit

    def _weights(self, log_ratio: np.ndarray) -> np.ndarray:
        w = np.minimum(np.exp(self.power_ * log_ratio), MAX_WEIGHT)
        return w / w.mean()

    def _summary(self, eval_log: np.ndarray, chunk_log: np.ndarray, kept: np.ndarray | None = None) -> ChunkRatio:
        w = self._weights(eval_log)
        sparse = float(np.mean(chunk_log > np.log(SPARSE_RATIO))) if chunk_log.size else 0.0
        return ChunkRatio(w, effective_sample_share(w if kept is None or not kept.any() else w[kept]), sparse)

    def ratio(self, chunk_x: np.ndarray) -> ChunkRatio:
        """Weights of the evaluation rows and the overlap measures of one chunk (its model matrix)."""
        return self._summary(*self._log_ratios(chunk_x))

    def chunk_ratio(self, ds: Dataset) -> ChunkRatio:
        """The ratio of one chunk's rows (a Dataset holding that chunk only)."""
        return self.ratio(model_matrix(ds)[0])

    def reference_levels(self) -> tuple[np.ndarray, np.ndarray]:
        """(ESS shares, sparse shares) of the reference chunks: what a chunk like the reference shows."""
        return (
            np.array([r.ess_share for r in self.reference_ratios_]),
            np.array([r.sparse_share for r in self.reference_ratios_]),
        )
