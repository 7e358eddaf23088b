"""Domain classifier: how well can LightGBM tell a chunk's rows from reference rows? (ROC AUC)

Definition (NannyML's "domain classifier"): label reference rows 0 and the chunk's rows 1, train a
gradient-boosted classifier with stratified k-fold cross-validation and report the ROC AUC of the
held-out predictions. 0.5 means the chunk is indistinguishable from reference; 1 means every row can
be told apart. Here each fold's AUC is computed on its held-out rows and the chunk value is their
mean (so fold-to-fold score offsets cannot leak into the AUC).

What keeps it fast (NannyML trains on the whole reference for every chunk: ~340 s for 1M rows):
- a reference subsample of `reference_rows` rows (at least the chunk's size), stratified over the
  reference chunks (each contributes in proportion to its size, so the whole reference period is
  represented); balanced classes also give the most precise AUC for a given number of rows;
- two stratified folds and early stopping (10 rounds without AUC gain, at most 200 trees, learning
  rate 0.2) on a validation fifth of the training fold (never on the held-out fold, which would
  bias the AUC upward); on stable data it stops after a few trees;
- both periods binned once (LightGBM Dataset, 63 bins; up to GLOBAL_BIN_ROWS rows) and every fold
  trained on a row subset of it, instead of re-binning per model (a quarter of the time); above
  that, the bin edges (LightGBM's bin mappers) are found once on a seeded sample of
  SHARED_BIN_SAMPLE_ROWS rows of both periods (LightGBM's own default sample for bin edges) and
  every task's matrix is binned with them (`reference=`), instead of every task finding its own
  edges (over half of a task's time at 10M rows);
- chunks above MAX_CHUNK_ROWS rows (25k) are scored on a seeded sample of that size, against as many
  reference rows; the null draws of that size are capped alike and the thresholds' Mann-Whitney
  scaling uses the scored size, so the calibrated thresholds hold. benchmarks/bench_multivariate.py
  at 10M analysis rows (200 chunks of 50k, half drifted): run 182 -> 95 CPU s (loaded machine;
  19.2 -> 10.1 for 20 of those chunks back to back), the same alerts (0 of 100 stable, 100 of 100
  drifted), stable AUCs within 0.009, drifted AUCs 0.005 lower on average (92% within 0.01);
- small trees (15 leaves), one LightGBM thread per model and chunks trained in parallel on a
  thread pool (LightGBM releases the GIL), so results do not depend on the worker count.
Measured (tests/drift/test_domain_classifier.py and benchmarks): AUCs within 0.017 of the same
procedure on the whole reference, for mean shifts and for a correlation flip.
Shared bin edges (benchmarks/bench_multivariate.py, 10M analysis + 1M reference rows, 200 chunks):
run 190.9 -> 149.4 CPU s; AUCs within 0.003 of per-task bin edges on 50k-row chunks, within 0.02
of whole-data binning in the tests. The step (multivariate.py) scores at most 40 evenly spaced
reference chunks for the reference band: fit at 1M reference rows in 200 chunks 16.0 -> 5.1 CPU s.
Determinism: every task draws from its own seeded generator (seed, task kind, chunk index) and
LightGBM runs with `deterministic=True`, `force_col_wise=True` and a fixed seed.
Continuous features are fed as float64 (NaN = missing, LightGBM's own handling); categorical codes
(reference categories, unseen, missing) as LightGBM categorical features.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from reportgen.dataset import Column
from reportgen.parallel import available_cpus

MAX_CHUNK_ROWS = 25_000  # bigger chunks: a seeded sample this size is scored (AUC null SD 0.0026 at 25k + 25k); 0 = all
GLOBAL_BIN_ROWS = 4_000_000  # bin both periods once up to this many rows (~0.8 GB of float64 while binning)
SHARED_BIN_SAMPLE_ROWS = (
    200_000  # above GLOBAL_BIN_ROWS: bin edges from a seeded sample this size, shared by every task (0 = per task)
)


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


@dataclass(frozen=True)
class Task:
    """One AUC to compute: the scored rows (reference or analysis) and the reference rows excluded."""

    key: tuple[int, int]  # (kind, index) -> seeds the task's generator
    period: str  # where the scored rows live: "reference" or "analysis"
    rows: np.ndarray | slice  # the scored rows
    excluded: np.ndarray | None = None  # reference rows the comparison subsample must avoid (bool mask)


class DomainClassifier:
    """Cross-validated ROC AUC of LightGBM separating reference rows from a chunk's rows.

    Parameters
    ----------
    reference_rows:
        Rows drawn from the reference for each chunk (at least the chunk's size); None = all of it.
    folds:
        Stratified cross-validation folds.
    max_rounds, learning_rate, num_leaves, min_data_in_leaf, max_bin, early_stopping_rounds:
        LightGBM settings (early stopping on the AUC of a validation slice of the training folds).
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
        self.seed = seed
        self.n_jobs = n_jobs

    # --- layout -------------------------------------------------------------------------------

    def fit(self, columns: Mapping[str, Column], chunk_bounds: Sequence[tuple[int, int]]) -> DomainClassifier:
        """Remember the feature layout and the reference chunks the subsample is stratified over."""
        if not columns:
            raise ValueError("the domain classifier needs at least one feature")
        self.names_ = tuple(columns)
        self.categorical_ = tuple(j for j, c in enumerate(columns.values()) if c.is_categorical)
        n = len(next(iter(columns.values())).values)
        self.n_reference_ = n
        self.reference_bounds_ = tuple((int(s), int(e)) for s, e in chunk_bounds) or ((0, n),)
        return self

    def params(self) -> dict:
        """The LightGBM parameters (fixed threads and seeds: deterministic)."""
        return {
            "objective": "binary",
            "metric": "auc",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "max_bin": self.max_bin,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": 1,
            "seed": self.seed,
            "verbose": -1,
        }

    def _matrix(self, columns: Mapping[str, Column], rows: np.ndarray | slice) -> np.ndarray:
        first = columns[self.names_[0]].values[rows]
        out = np.empty((len(first), len(self.names_)), dtype=np.float64)
        for j, name in enumerate(self.names_):
            out[:, j] = first if j == 0 else columns[name].values[rows]
        return out

    def reference_sample(self, size: int, rng: np.random.Generator, excluded: np.ndarray | None = None) -> np.ndarray:
        """`size` reference rows, stratified over the reference chunks, avoiding `excluded` rows."""
        pools = []
        for s, e in self.reference_bounds_:
            if excluded is None:
                pools.append((s, e, None))
            else:
                keep = np.flatnonzero(~excluded[s:e])
                pools.append((s, e, keep))
        avail = np.array([(e - s) if keep is None else keep.size for s, e, keep in pools], dtype=np.int64)
        total = int(avail.sum())
        if size >= total:
            return np.concatenate([np.arange(s, e) if keep is None else keep + s for s, e, keep in pools])
        quota = _largest_remainder(avail, size)
        parts = []
        for (s, _e, keep), n_avail, q in zip(pools, avail, quota):
            if q == 0:
                continue
            pick = np.sort(rng.choice(int(n_avail), size=int(q), replace=False))
            parts.append(pick + s if keep is None else keep[pick] + s)
        return np.concatenate(parts)

    # --- scoring ------------------------------------------------------------------------------

    def task_auc(
        self,
        task: Task,
        reference: Mapping[str, Column],
        analysis: Mapping[str, Column] | None,
        binned: _Binned | _Mappers | None = None,
    ) -> float:
        """The cross-validated AUC of one task (a chunk, or a random reference sample)."""
        rng = np.random.default_rng([self.seed, *task.key])
        rows = np.arange(task.rows.start, task.rows.stop) if isinstance(task.rows, slice) else np.asarray(task.rows)
        if self.max_chunk_rows is not None and rows.size > self.max_chunk_rows:  # a seeded sample of a big chunk
            rows = np.sort(rng.choice(rows, size=int(self.max_chunk_rows), replace=False))
        scored = self._matrix(reference if task.period == "reference" else analysis, rows)  # type: ignore[arg-type]
        m = scored.shape[0]
        if m < 2 * self.folds:
            return float("nan")
        excluded = task.excluded
        if task.period == "reference" and excluded is None:
            excluded = np.zeros(self.n_reference_, dtype=bool)
            excluded[task.rows] = True
        size = self.n_reference_ if self.reference_rows is None else max(int(self.reference_rows), m)
        ref_rows = self.reference_sample(size, rng, excluded)
        if ref_rows.size < 2 * self.folds:
            return float("nan")
        X = np.concatenate([self._matrix(reference, ref_rows), scored])
        y = np.concatenate([np.zeros(ref_rows.size), np.ones(m)])
        positions = None
        if isinstance(binned, _Binned):
            offset = 0 if task.period == "reference" else self.n_reference_
            positions = np.concatenate([ref_rows, rows + offset])
        return self._cv_auc(X, y, rng, binned, positions)

    def _cv_auc(
        self,
        X: np.ndarray,
        y: np.ndarray,
        rng: np.random.Generator,
        binned: _Binned | _Mappers | None = None,
        positions: np.ndarray | None = None,
    ) -> float:
        import lightgbm as lgb

        k = self.folds
        slot = np.empty(y.size, dtype=np.int64)
        for label in (0.0, 1.0):
            idx = np.flatnonzero(y == label)
            slot[idx[rng.permutation(idx.size)]] = np.arange(idx.size)
        fold = slot % k
        valid_slice = (slot // k) % 5 == 0  # a stratified fifth of each training part stops the boosting
        params = self.params()
        local = None
        if isinstance(binned, _Mappers):  # bin once per task with the shared bin edges; folds are row subsets
            local = lgb.Dataset(
                X, y, reference=binned.data, params=self._dataset_params(), free_raw_data=False
            ).construct()
            binned = None
        elif binned is None:  # bin once per task; the folds are row subsets of the binned data
            local = lgb.Dataset(
                X, y, categorical_feature=list(self.categorical_), params=self._dataset_params(), free_raw_data=False
            ).construct()
        aucs = []
        for f in range(k):
            test = fold == f
            train = np.flatnonzero(~test & ~valid_slice)
            valid = np.flatnonzero(~test & valid_slice)
            if binned is not None:
                dtrain, dvalid = binned.subset(positions[train], y[train]), binned.subset(positions[valid], y[valid])
            else:
                dtrain, dvalid = local.subset(train), local.subset(valid)
            booster = lgb.train(
                params,
                dtrain,
                num_boost_round=self.max_rounds,
                valid_sets=[dvalid],
                callbacks=[lgb.early_stopping(self.early_stopping_rounds, first_metric_only=True, verbose=False)],
            )
            # num_threads=1: predict otherwise ignores the booster's setting and spins up every OpenMP thread (3x the CPU)
            pred = booster.predict(X[test], num_iteration=booster.best_iteration or None, num_threads=1)
            aucs.append(auc_score(y[test], pred))
        return float(np.nanmean(aucs)) if np.isfinite(aucs).any() else float("nan")

    def _dataset_params(self) -> dict:
        return {
            "max_bin": self.max_bin,
            "verbose": -1,
            "seed": self.seed,
            "data_random_seed": self.seed,
            "num_threads": 1,
        }

    def score(
        self, tasks: Sequence[Task], reference: Mapping[str, Column], analysis: Mapping[str, Column] | None = None
    ) -> np.ndarray:
        """AUC of every task, computed in parallel (results independent of the worker count).

        When reference and analysis together have at most `GLOBAL_BIN_ROWS` rows, LightGBM bins them
        once (bin edges from a seeded sample of both periods) and every fold trains on a row subset
        of that binned data: binning per model was a quarter of the time. Above that, the bin edges
        come from one seeded sample of both periods and every task bins its own rows with them.
        """
        workers = self.n_jobs or available_cpus()
        binned = self._bin_all(reference, analysis, workers) if len(tasks) > 1 else None
        run = lambda t: self.task_auc(t, reference, analysis, binned)  # noqa: E731
        if workers <= 1 or len(tasks) <= 1:
            return np.array([run(t) for t in tasks], dtype=float)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return np.array(list(pool.map(run, tasks)), dtype=float)

    def _bin_all(
        self, reference: Mapping[str, Column], analysis: Mapping[str, Column] | None, workers: int
    ) -> _Binned | _Mappers | None:
        import lightgbm as lgb

        n_ana = 0 if analysis is None else len(analysis[self.names_[0]].values)
        total = self.n_reference_ + n_ana
        if total > GLOBAL_BIN_ROWS:
            return self._shared_mappers(reference, analysis, total)
        X = np.empty((total, len(self.names_)), dtype=np.float64)
        for j, name in enumerate(self.names_):
            X[: self.n_reference_, j] = reference[name].values
            if n_ana:
                X[self.n_reference_ :, j] = analysis[name].values  # type: ignore[index]
        params = {**self._dataset_params(), "num_threads": workers}
        data = lgb.Dataset(
            X, np.zeros(total), categorical_feature=list(self.categorical_), params=params, free_raw_data=True
        ).construct()
        del X
        return _Binned(data)

    def _shared_mappers(
        self, reference: Mapping[str, Column], analysis: Mapping[str, Column] | None, total: int
    ) -> _Mappers | None:
        """Bin edges found once on a seeded sample of both periods (None when SHARED_BIN_SAMPLE_ROWS is 0)."""
        import lightgbm as lgb

        size = min(int(SHARED_BIN_SAMPLE_ROWS), total)
        if size <= 0:
            return None
        rng = np.random.default_rng([self.seed, 3])
        rows = np.sort(rng.choice(total, size=size, replace=False))
        cut = int(np.searchsorted(rows, self.n_reference_))
        X = self._matrix(reference, rows[:cut])
        if cut < rows.size:
            X = np.concatenate([X, self._matrix(analysis, rows[cut:] - self.n_reference_)])  # type: ignore[arg-type]
        params = self._dataset_params()
        data = lgb.Dataset(
            X, np.zeros(size), categorical_feature=list(self.categorical_), params=params, free_raw_data=True
        ).construct()
        return _Mappers(data)

    def scored_size(self, chunk_rows: int) -> int:
        """Rows of a chunk of `chunk_rows` rows that are scored (all, or the `max_chunk_rows` sample)."""
        return int(chunk_rows) if self.max_chunk_rows is None else min(int(chunk_rows), int(self.max_chunk_rows))

    def reference_size(self, chunk_rows: int, excluded_rows: int = 0) -> int:
        """Reference rows compared with a chunk of `chunk_rows` rows (`excluded_rows` unavailable)."""
        available = self.n_reference_ - int(excluded_rows)
        if self.reference_rows is None:
            return available
        return min(available, max(int(self.reference_rows), self.scored_size(chunk_rows)))


class _Binned:
    """One LightGBM Dataset binned once; thread-safe row subsets with their own labels."""

    def __init__(self, data) -> None:
        self.data = data
        self.lock = threading.Lock()

    def subset(self, positions: np.ndarray, labels: np.ndarray):
        order = np.argsort(positions, kind="stable")
        # num_threads=1: the parent was binned with every core, and LightGBM keeps the thread count of
        # its last call in a process-wide variable that sizes per-thread buffers; a subset built with
        # the parent's count while another worker predicts overran those buffers (segfault)
        params = {**(self.data.params or {}), "num_threads": 1}
        with self.lock:
            sub = self.data.subset(positions[order].astype(np.int32), params=params).construct()
            sub.set_label(labels[order])
        return sub


class _Mappers:
    """A constructed LightGBM Dataset whose bin mappers every task reuses (read-only, thread-safe)."""

    def __init__(self, data) -> None:
        self.data = data


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
