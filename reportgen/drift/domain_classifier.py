"""Domain classifier: how well can LightGBM tell a chunk's rows from reference rows? (ROC AUC)

Definition (NannyML's "domain classifier"): label reference rows 0 and the chunk's rows 1, train a
gradient-boosted classifier with stratified k-fold cross-validation and report the ROC AUC of the
held-out predictions. 0.5 means the chunk is indistinguishable from reference; 1 means every row can
be told apart. Here each fold's AUC is computed on its held-out rows and the chunk value is their
mean (so fold-to-fold score offsets cannot leak into the AUC).

Everything that depends on the reference is built once at fit, so a chunk's AUC needs only that
chunk's rows (the step streams, reportgen.steps):
- the reference pool: a seeded sample of POOL_ROWS reference rows, stratified over the reference
  chunks (the whole reference when it is smaller, or when `reference_rows` is None). Each chunk is
  compared with a fresh stratified draw of `reference_rows` pool rows (at least the chunk's size);
  balanced classes also give the most precise AUC for a given number of rows;
- the bin edges: LightGBM's bin mappers (63 bins) found once on the pool, so bins come from the
  reference only, and every task bins its rows with them (`reference=`) instead of finding its own
  edges (over half of a task's time at 10M rows). A shift beyond the reference range lands in the
  outer bins and an unseen category in LightGBM's "other" bin, where the trees still find it;
- chunks above MAX_CHUNK_ROWS rows (25k) are scored on a seeded sample of that size, against as many
  reference rows; the null draws of that size are capped alike and the thresholds' Mann-Whitney
  scaling uses the scored size, so the calibrated thresholds hold;
- two stratified folds, the rows binned once and each fold a row subset; the first fold stops
  boosting when the AUC of a validation fifth of its training rows has not risen for 10 rounds (at
  most 200 trees, learning rate 0.2; never on the held-out rows, which would bias the AUC upward)
  and the other fold trains as many trees on all its training rows (no validation, no patience
  rounds); every tree sees a seeded half of the features (feature_fraction 0.5: half the histogram
  work, same AUC on the benchmarks); on stable data it stops after a few trees;
- small trees (15 leaves), one LightGBM thread per model; a batch of AUCs (reference chunks, null
  draws) runs on parallel threads (LightGBM releases the GIL); results do not depend on the threads.
The shared tree count and the feature half cut a 50k-row chunk's CPU time by about a third
(benchmarks/bench_multivariate.py) with drifted AUCs within 0.002 on average.
Measured (tests/drift/test_domain_classifier.py and benchmarks/bench_multivariate.py): AUCs within
0.02 of the same procedure on the whole reference, for mean shifts and for a correlation flip.
Determinism: every task draws from its own seeded generator (seed, task kind, chunk index) and
LightGBM runs with `deterministic=True`, `force_col_wise=True` and a fixed seed.
Continuous features are fed as float64 (NaN = missing, LightGBM's own handling); categorical codes
(reference categories, unseen, missing) as LightGBM categorical features.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from reportgen.dataset import Column
from reportgen.parallel import available_cpus

MAX_CHUNK_ROWS = 25_000  # bigger chunks: a seeded sample this size is scored (AUC null SD 0.0026 at 25k + 25k); 0 = all
POOL_ROWS = 200_000  # reference rows kept at fit: the bin edges and every comparison draw come from them


def evenly_spaced(n: int, k: int | None) -> np.ndarray:
    """Indices of at most `k` of `n` items, evenly spaced and including the first and the last (all when k is None or >= n)."""
    if k is None or n <= k:
        return np.arange(n)
    if k <= 1:
        return np.zeros(min(n, 1), dtype=np.int64)
    return np.unique(np.round(np.linspace(0.0, n - 1.0, int(k))).astype(np.int64))


def mann_whitney_null_sd(n_reference: float, n_chunk: float) -> float:
    """Standard deviation of the ROC AUC of an uninformative score (Mann-Whitney null)."""
    if n_reference <= 0 or n_chunk <= 0:
        return float("nan")
    return float(np.sqrt((n_reference + n_chunk + 1.0) / (12.0 * n_reference * n_chunk)))


def auc_score(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC via the rank-sum (Mann-Whitney U) formula with average ranks for ties."""
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=bool)
    n1 = int(y.sum())
    n0 = y.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def stratified_sample(
    bounds: Sequence[tuple[int, int]], size: int, rng: np.random.Generator, excluded: np.ndarray | None = None
) -> np.ndarray:
    """`size` sorted positions, each [start, end) block contributing in proportion to its rows left
    after `excluded` (bool mask); every available position when `size` covers them all."""
    pools = []
    for s, e in bounds:
        pools.append((s, None if excluded is None else np.flatnonzero(~excluded[s:e])))
    avail = np.array(
        [(e - s) if keep is None else keep.size for (s, e), (_, keep) in zip(bounds, pools)], dtype=np.int64
    )
    if size >= int(avail.sum()):
        return np.concatenate(
            [np.arange(s, e) if keep is None else keep + s for (s, e), (_, keep) in zip(bounds, pools)]
        ).astype(np.int64)
    quota = _largest_remainder(avail, size)
    parts = []
    for (s, keep), n_avail, q in zip(pools, avail, quota):
        if q == 0:
            continue
        pick = np.sort(rng.choice(int(n_avail), size=int(q), replace=False))
        parts.append(pick + s if keep is None else keep[pick] + s)
    return np.concatenate(parts).astype(np.int64)


class DomainClassifier:
    """Cross-validated ROC AUC of LightGBM separating reference rows from a chunk's rows.

    Parameters
    ----------
    reference_rows:
        Pool rows drawn for each chunk (at least the chunk's size); None = the whole reference.
    folds:
        Stratified cross-validation folds.
    max_rounds, learning_rate, num_leaves, min_data_in_leaf, max_bin, early_stopping_rounds, feature_fraction:
        LightGBM settings (early stopping on the AUC of a validation slice of the first fold's training
        rows; the other folds train as many trees).
    seed:
        Base seed of every random choice.
    n_jobs:
        Parallel models (each single-threaded); None = the CPUs available to this process.
    max_chunk_rows:
        Chunks above this many rows are scored on a seeded sample of this size; None = MAX_CHUNK_ROWS,
        0 = every row.
    """

    def __init__(
        self,
        reference_rows: int | None = 10_000,
        folds: int = 2,
        max_rounds: int = 200,
        learning_rate: float = 0.2,
        num_leaves: int = 15,
        min_data_in_leaf: int = 20,
        max_bin: int = 63,
        early_stopping_rounds: int = 10,
        feature_fraction: float = 0.5,
        seed: int = 0,
        n_jobs: int | None = None,
        max_chunk_rows: int | None = None,
    ) -> None:
        self.reference_rows = reference_rows
        cap = MAX_CHUNK_ROWS if max_chunk_rows is None else max_chunk_rows
        self.max_chunk_rows = int(cap) if cap and cap > 0 else None
        self.folds = folds
        self.max_rounds = max_rounds
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.max_bin = max_bin
        self.early_stopping_rounds = early_stopping_rounds
        self.feature_fraction = feature_fraction
        self.seed = seed
        self.n_jobs = n_jobs

    # --- the reference state (driver side, once) ------------------------------------------------

    def fit(self, columns: Mapping[str, Column], chunk_bounds: Sequence[tuple[int, int]]) -> DomainClassifier:
        """Keep the feature layout and the reference pool (stratified over the reference chunks)."""
        if not columns:
            raise ValueError("the domain classifier needs at least one feature")
        self.names_ = tuple(columns)
        self.categorical_ = tuple(j for j, c in enumerate(columns.values()) if c.is_categorical)
        n = len(next(iter(columns.values())).values)
        self.n_reference_ = n
        self.reference_bounds_ = tuple((int(s), int(e)) for s, e in chunk_bounds) or ((0, n),)
        if self.reference_rows is None or n <= POOL_ROWS:
            rows = np.arange(n, dtype=np.int64)
        else:
            rows = stratified_sample(self.reference_bounds_, POOL_ROWS, np.random.default_rng([self.seed, 4]))
        self.pool_rows_ = rows
        self.pool_ = self.matrix(columns, rows)
        self.pool_bounds_ = tuple(
            (int(np.searchsorted(rows, s)), int(np.searchsorted(rows, e))) for s, e in self.reference_bounds_
        )
        self._template: Any = None
        self._lock = threading.Lock()
        return self

    def __getstate__(self) -> dict[str, Any]:
        """Picklable: the LightGBM bin template is rebuilt from the pool where the state lands."""
        state = self.__dict__.copy()
        state["_template"] = None
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def template(self) -> Any:
        """The LightGBM Dataset of the pool whose bin mappers every task reuses (built once, thread-safe)."""
        import lightgbm as lgb

        with self._lock:
            if self._template is None:
                self._template = lgb.Dataset(
                    self.pool_,
                    np.zeros(self.pool_.shape[0]),
                    categorical_feature=list(self.categorical_),
                    params=self._dataset_params(),
                    free_raw_data=True,
                ).construct()
            return self._template

    def params(self) -> dict:
        """The LightGBM parameters (fixed threads and seeds: deterministic)."""
        return {
            "objective": "binary",
            "metric": "auc",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "max_bin": self.max_bin,
            "feature_fraction": self.feature_fraction,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": 1,
            "seed": self.seed,
            "verbose": -1,
        }

    def _dataset_params(self) -> dict:
        return {
            "max_bin": self.max_bin,
            "verbose": -1,
            "seed": self.seed,
            "data_random_seed": self.seed,
            "num_threads": 1,
        }

    def matrix(self, columns: Mapping[str, Column], rows: np.ndarray | None = None) -> np.ndarray:
        """The features of `rows` (all when None) as one float64 matrix in the fitted column order."""
        first = columns[self.names_[0]].values
        first = first if rows is None else first[rows]
        out = np.empty((len(first), len(self.names_)), dtype=np.float64)
        for j, name in enumerate(self.names_):
            values = columns[name].values
            out[:, j] = first if j == 0 else (values if rows is None else values[rows])
        return out

    def reference_sample(self, size: int, rng: np.random.Generator, excluded: np.ndarray | None = None) -> np.ndarray:
        """`size` pool positions, stratified over the reference chunks, avoiding `excluded` positions."""
        return stratified_sample(self.pool_bounds_, size, rng, excluded)

    # --- one AUC each ------------------------------------------------------------------------

    def chunk_auc(self, columns: Mapping[str, Column], key: tuple[int, int]) -> float:
        """The AUC of one analysis chunk: every row of `columns` (a seeded sample above max_chunk_rows)."""
        rng = np.random.default_rng([self.seed, *key])
        rows = self._capped(len(columns[self.names_[0]].values), rng)
        return self._auc(self.matrix(columns, rows), rng, None)

    def reference_chunk_auc(self, reference: Mapping[str, Column], index: int, key: tuple[int, int]) -> float:
        """The AUC of reference chunk `index` against the pool without that chunk's rows."""
        rng = np.random.default_rng([self.seed, *key])
        start, end = self.reference_bounds_[index]
        rows = start + self._capped(end - start, rng)
        excluded = np.zeros(self.pool_.shape[0], dtype=bool)
        excluded[slice(*self.pool_bounds_[index])] = True
        return self._auc(self.matrix(reference, rows), rng, excluded)

    def null_auc(self, positions: np.ndarray, key: tuple[int, int]) -> float:
        """The AUC of the pool rows at `positions` (a random reference sample) against the rest of the pool."""
        rng = np.random.default_rng([self.seed, *key])
        excluded = np.zeros(self.pool_.shape[0], dtype=bool)
        excluded[positions] = True
        return self._auc(self.pool_[positions], rng, excluded)

    def null_positions(self, chunk_rows: int, draws: int) -> list[np.ndarray]:
        """`draws` seeded random samples of the pool, each the scored size of a `chunk_rows`-row chunk."""
        rng = np.random.default_rng([self.seed, 2])
        size = min(self.scored_size(chunk_rows), self.pool_.shape[0])
        return [np.sort(rng.choice(self.pool_.shape[0], size=size, replace=False)) for _ in range(draws)]

    def pool_chunk_rows(self, index: int) -> int:
        """Pool rows of reference chunk `index` (left out when that chunk is scored)."""
        start, end = self.pool_bounds_[index]
        return end - start

    def scored_size(self, chunk_rows: int) -> int:
        """Rows of a chunk of `chunk_rows` rows that are scored (all, or the `max_chunk_rows` sample)."""
        return int(chunk_rows) if self.max_chunk_rows is None else min(int(chunk_rows), int(self.max_chunk_rows))

    def reference_size(self, chunk_rows: int, excluded_rows: int = 0) -> int:
        """Pool rows compared with a chunk of `chunk_rows` rows (`excluded_rows` of the pool unavailable)."""
        available = self.pool_.shape[0] - int(excluded_rows)
        if self.reference_rows is None:
            return available
        return min(available, max(int(self.reference_rows), self.scored_size(chunk_rows)))

    def run_all(self, jobs: Sequence[Callable[[], float]]) -> np.ndarray:
        """Run AUC jobs (each single-threaded) on `n_jobs` threads; results in order, independent of threads."""
        workers = min(self.n_jobs or available_cpus(), max(1, len(jobs)))
        if workers <= 1:
            return np.array([job() for job in jobs], dtype=float)
        self.template()  # build it once before the threads start
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return np.array(list(pool.map(lambda job: job(), jobs)), dtype=float)

    # --- cross-validation ----------------------------------------------------------------------

    def _capped(self, n: int, rng: np.random.Generator) -> np.ndarray:
        rows = np.arange(n, dtype=np.int64)
        if self.max_chunk_rows is not None and n > self.max_chunk_rows:
            rows = np.sort(rng.choice(rows, size=int(self.max_chunk_rows), replace=False))
        return rows

    def _auc(self, scored: np.ndarray, rng: np.random.Generator, excluded: np.ndarray | None) -> float:
        m = scored.shape[0]
        if m < 2 * self.folds:
            return float("nan")
        available = self.pool_.shape[0] - (0 if excluded is None else int(excluded.sum()))
        size = available if self.reference_rows is None else max(int(self.reference_rows), m)
        ref = self.reference_sample(size, rng, excluded)
        if ref.size < 2 * self.folds:
            return float("nan")
        X = np.concatenate([self.pool_[ref], scored])
        y = np.concatenate([np.zeros(ref.size), np.ones(m)])
        return self._cv_auc(X, y, rng)

    def _cv_auc(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> float:
        """Mean held-out AUC over stratified folds, the data binned once and every fold a row subset."""
        import lightgbm as lgb

        k = self.folds
        slot = np.empty(y.size, dtype=np.int64)
        for label in (0.0, 1.0):
            idx = np.flatnonzero(y == label)
            slot[idx[rng.permutation(idx.size)]] = np.arange(idx.size)
        fold = slot % k
        valid_slice = (slot // k) % 5 == 0  # a stratified fifth of each training part stops the boosting
        data = lgb.Dataset(X, y, reference=self.template(), params=self._dataset_params(), free_raw_data=False)
        data.construct()
        params = self.params()
        aucs, rounds = [], 0
        for f in range(k):
            test = fold == f
            if f == 0:  # the first fold finds the number of trees: early stopping on its validation slice
                train = np.flatnonzero(~test & ~valid_slice).astype(np.int32)
                valid = np.flatnonzero(~test & valid_slice).astype(np.int32)
                # lightgbm's annotations say list[int]; Dataset.subset takes any integer index array
                booster = lgb.train(
                    params,
                    data.subset(train),  # type: ignore[arg-type]
                    num_boost_round=self.max_rounds,
                    valid_sets=[data.subset(valid)],  # type: ignore[arg-type]
                    callbacks=[lgb.early_stopping(self.early_stopping_rounds, first_metric_only=True, verbose=False)],
                )
                rounds = max(1, booster.best_iteration or booster.current_iteration())
            else:  # the others train that many trees on all their training rows: no validation, no patience rounds
                booster = lgb.train(
                    {**params, "metric": "None"},
                    data.subset(np.flatnonzero(~test).astype(np.int32)),  # type: ignore[arg-type]
                    num_boost_round=rounds,
                )
            # num_threads=1: predict otherwise ignores the booster's setting and spins up every OpenMP thread (3x the CPU)
            pred = booster.predict(X[test], num_iteration=rounds, num_threads=1)
            aucs.append(auc_score(y[test], np.asarray(pred)))
        return float(np.nanmean(aucs)) if np.isfinite(aucs).any() else float("nan")


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integer quotas proportional to `weights` summing to `total` (never above a weight)."""
    weights = np.asarray(weights, dtype=np.float64)
    exact = weights / weights.sum() * total
    quota = np.minimum(np.floor(exact).astype(np.int64), weights.astype(np.int64))
    rest = total - int(quota.sum())
    if rest > 0:
        order = np.lexsort((np.arange(weights.size), -(exact - quota)))
        for i in order:
            if rest == 0:
                break
            if quota[i] < weights[i]:
                quota[i] += 1
                rest -= 1
    return quota
