"""Data quality (missing and unseen values) and summary statistics, per column and chunk, vectorised.

Steps:
- `data_quality`: methods `missing_values` (every monitored column except the target, whose absence
  is normal while labels are delayed) and `unseen_values` (categorical columns: values never seen in
  the reference); metrics `rate` (alerting) and `count`.
- `summary_stats`: method `summary_stats`; continuous columns get mean, std (ddof 1), median, min,
  max and rows (non-missing values); categorical columns rows and distinct (categories present,
  all unseen values counted as one).

Default alert rules (a configured `thresholds: data_quality[.method[.rate]]` rule replaces them):
- missing rate: above max(reference rate + 3 binomial standard errors at the chunk's size, mean + 3
  std of the reference-chunk rates) + 1 / rows, the binomial error using at least a rate of 1 / rows.
  So with a clean reference a chunk of 1,000 rows tolerates up to 3 missing values: one stray
  missing value never alerts, a broken feed always does.
- unseen rate: above what the reference's own chunks show when each is judged against the vocabulary
  of the others (leave one chunk out): the count alerts beyond the 3-sigma one-sided Poisson quantile
  (p < 0.00135) at that rate and the chunk's size, or beyond mean + 3 std of those chunk rates. A
  closed vocabulary (no reference chunk holds a level the others lack) keeps the strict rule: any unseen
  value alerts. A long tail of rare levels (a few flights of a small carrier) is sampling, not a fault.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import poisson

from reportgen.chunking import Chunk, chunk_starts
from reportgen.config import Config
from reportgen.dataset import Column, Dataset
from reportgen.drift.methods import chunk_order_stats
from reportgen.engine.views import local_chunk
from reportgen.parallel import chunk_threads, column_threads
from reportgen.results import concat_results, make_results
from reportgen.steps import STEPS, Step
from reportgen.thresholds import compute_thresholds, threshold_from_config

RANGE = (0.0, 1.0)
UNSEEN_ALPHA = 0.00135  # one-sided 3-sigma tail, as the missing-value rule's 3 standard errors


def leave_one_chunk_out_unseen(col: Column, chunks: tuple[Chunk, ...]) -> np.ndarray:
    """Rows of each reference chunk whose category occurs in no other reference chunk (unseen without it)."""
    if not chunks:
        return np.zeros(0, np.int64)
    levels = col.n_levels
    counts = np.stack(
        [np.bincount(col.values[c.start_row : c.end_row].astype(np.int64), minlength=levels) for c in chunks]
    )[:, : len(col.categories)]
    only_here = (counts > 0) & (counts == counts.sum(axis=0))
    return (counts * only_here).sum(axis=1)


def _chunk_sums(flags: np.ndarray, chunks: tuple[Chunk, ...]) -> np.ndarray:
    """Per-chunk sums of a 0/1 (or numeric) per-row array; chunks must be contiguous index ranges."""
    if not chunks:
        return np.zeros(0, np.int64)
    lo, hi = chunks[0].start_row, chunks[-1].end_row
    contiguous = all(a.end_row == b.start_row for a, b in zip(chunks, chunks[1:]))
    if contiguous and hi > lo and all(c.rows > 0 for c in chunks):
        return np.add.reduceat(flags[lo:hi], chunk_starts(chunks) - lo)
    return np.array([flags[c.start_row : c.end_row].sum() for c in chunks])


def _methods(kind: str) -> tuple[str, ...]:
    """Data-quality methods of a column kind: missing values, and unseen values for categoricals."""
    return ("missing_values", "unseen_values") if kind == "categorical" else ("missing_values",)


def _flagged(col: Column, kind: str) -> dict[str, np.ndarray]:
    """Per-row flags of each data-quality method: missing, and unseen (categoricals)."""
    flags = {"missing_values": col.missing_mask()}
    if kind == "categorical":
        flags["unseen_values"] = col.values == col.unseen_code
    return flags


class _Records:
    """Collects record series and builds the result frame with one make_results call."""

    def __init__(self, step: str, chunks: tuple[Chunk, ...]) -> None:
        self.step = step
        self.index = np.array([c.index for c in chunks], dtype=np.int64)
        self.period = np.array([c.period for c in chunks], dtype=object)
        self.parts: list[tuple] = []

    def add(
        self,
        method: str,
        metric: str,
        column: str,
        value: np.ndarray,
        upper: np.ndarray | None = None,
        alert: np.ndarray | None = None,
        note: np.ndarray | None = None,
    ) -> None:
        k = self.index.size
        none = np.full(k, None, dtype=object)
        self.parts.append(
            (
                method,
                metric,
                column,
                np.asarray(value, np.float64),
                np.full(k, np.nan) if upper is None else np.asarray(upper, np.float64),
                none if alert is None else np.asarray(alert, dtype=object),
                none if note is None else np.asarray(note, dtype=object),
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return concat_results([])
        k = self.index.size
        col = lambda i: np.concatenate([p[i] for p in self.parts])  # noqa: E731
        rep = lambda i: np.repeat(np.array([p[i] for p in self.parts], dtype=object), k)  # noqa: E731
        return make_results(
            step=self.step,
            method=rep(0),
            metric=rep(1),
            column=rep(2),
            chunk_index=np.tile(self.index, len(self.parts)),
            period=np.tile(self.period, len(self.parts)),
            value=col(3),
            upper_threshold=col(4),
            alert=col(5),
            note=col(6),
        )


@STEPS.register
class DataQuality(Step):
    """Missing-value and unseen-category rates per column and chunk, with reference-based thresholds."""

    name = "data_quality"
    step = "data_quality"

    def __init__(self) -> None:
        pass

    streams = True

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        self.config_ = config
        self.columns_: dict[str, str] = {}
        self.reference_rates_: dict[str, tuple[float, float, float]] = {}
        self.reference_counts_: dict[tuple[str, str], np.ndarray] = {}
        self.unseen_turnover_: dict[str, tuple[float, float, float]] = {}
        for name, col in reference.monitored_columns().items():
            if col.role == "target":
                continue
            self.columns_[name] = col.kind
            rates = _chunk_sums(col.missing_mask().astype(np.int64), reference_chunks) / np.array(
                [max(c.rows, 1) for c in reference_chunks]
            )
            overall = float(col.missing_mask().mean()) if reference.n_rows else 0.0
            std = float(rates.std(ddof=1)) if rates.size > 1 else 0.0
            self.reference_rates_[name] = (overall, float(rates.mean()) if rates.size else overall, std)
            for method, flags in _flagged(col, col.kind).items():
                self.reference_counts_[(name, method)] = _chunk_sums(flags.astype(np.int64), reference_chunks)
            if col.kind == "categorical":
                loo = leave_one_chunk_out_unseen(col, reference_chunks)
                sizes = np.array([max(c.rows, 1) for c in reference_chunks], dtype=np.float64)
                loo_rates = loo / sizes
                self.unseen_turnover_[name] = (
                    float(loo.sum() / sizes.sum()) if sizes.size else 0.0,
                    float(loo_rates.mean()) if loo_rates.size else 0.0,
                    float(loo_rates.std(ddof=1)) if loo_rates.size > 1 else 0.0,
                )

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> dict[tuple[str, str], int | None]:
        """Missing (and unseen) values per column in one chunk; None when the column is absent."""
        present = rows.monitored_columns()
        out: dict[tuple[str, str], int | None] = {}
        for name, kind in self.columns_.items():
            col = present.get(name)
            for method in _methods(kind):
                out[(name, method)] = None if col is None else int(_flagged(col, kind)[method].sum())
        return out

    def _finalize(self, stats: list[dict[tuple[str, str], int | None]]) -> pd.DataFrame:
        ref_chunks, ana_chunks = self.reference_chunks_, self.analysis_chunks_
        chunks = ref_chunks + ana_chunks
        records = _Records(self.step, chunks)
        rows = np.array([c.rows for c in chunks], dtype=np.float64)
        absent_note = np.array(
            [None] * len(ref_chunks) + ["column absent from the analysis data"] * len(ana_chunks), dtype=object
        )
        for name, kind in self.columns_.items():
            for method in _methods(kind):
                found = [s[(name, method)] for s in stats]
                absent = bool(found) and all(v is None for v in found)
                ana_counts = np.array([np.nan if v is None else v for v in found], dtype=np.float64)
                note = absent_note if absent else None
                counts = np.concatenate([self.reference_counts_[(name, method)].astype(np.float64), ana_counts])
                with np.errstate(invalid="ignore", divide="ignore"):
                    rate = np.where(rows > 0, counts / rows, np.nan)
                _, upper = self._bounds(name, method, rate[: len(ref_chunks)], rows)
                with np.errstate(invalid="ignore"):
                    alert = np.isfinite(rate) & (rate > upper)
                notes = note.copy() if note is not None else np.array([None] * len(chunks), dtype=object)
                for c in np.flatnonzero(alert):
                    notes[c] = (
                        f"{int(counts[c]):,} of {int(rows[c]):,} rows ({rate[c]:.2%}) above the limit of {upper[c]:.2%}"
                    )
                upper = np.where(np.isinf(upper), np.nan, upper)
                records.add(
                    method,
                    "rate",
                    name,
                    rate,
                    upper=upper,
                    alert=np.where(np.isfinite(rate), alert, None),  # type: ignore[call-overload]  # numpy stubs refuse None as a where() branch
                    note=notes,
                )
                records.add(method, "count", name, counts, note=note)
        return records.frame()

    def _bounds(self, name: str, method: str, ref_rates: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-chunk (lower, upper) bounds of the rate: the configured rule or the documented default."""
        rule = self.config_.threshold_for(self.step, method, "rate")
        n = rows.size
        if rule is not None:
            lo, hi = compute_thresholds(
                ref_rates, threshold_from_config(rule), direction="higher_is_worse", value_range=RANGE
            )
            return np.full(n, np.nan), np.full(n, np.inf if hi is None else hi)
        if method == "unseen_values":
            return np.full(n, np.nan), self._unseen_upper(name, rows)
        overall, mean, std = self.reference_rates_[name]
        m = np.maximum(rows, 1.0)
        p = np.maximum(overall, 1.0 / m)
        binomial = overall + 3.0 * np.sqrt(p * (1.0 - p) / m)
        upper = np.minimum(np.maximum(binomial, mean + 3.0 * std) + 1.0 / m, 1.0)
        return np.full(n, np.nan), upper

    def _unseen_upper(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Upper unseen rate per chunk: the reference's own turnover of rare levels at the chunk's size.

        0 for a closed vocabulary; otherwise the one-sided 3-sigma Poisson quantile of the count at the
        leave-one-chunk-out rate, or mean + 3 std of those chunk rates when they spread wider.
        """
        rate, mean, std = self.unseen_turnover_.get(name, (0.0, 0.0, 0.0))
        if rate <= 0.0:
            return np.zeros(rows.size)
        m = np.maximum(rows, 1.0)
        count = np.maximum(poisson.ppf(1.0 - UNSEEN_ALPHA, m * rate), m * (mean + 3.0 * std))
        return np.minimum(count / m, 1.0)

    def method_notes(self) -> list[dict[str, Any]]:
        """How missing and unseen rates are measured and judged."""
        return [
            {
                "step": self.step,
                "method": "missing_values",
                "title": "Missing values",
                "description": "Share of rows of the chunk without a value, per column (the target is left out: delayed labels are normal).",
                "thresholds": "Alert above max(reference rate + 3 binomial standard errors at the chunk's size, mean + 3 standard deviations of the reference-chunk rates) + 1 / rows, so a single stray missing value never alerts.",
            },
            {
                "step": self.step,
                "method": "unseen_values",
                "title": "Unseen categories",
                "description": "Share of rows of the chunk whose category never occurs in the reference, per categorical column.",
                "thresholds": "Alert above 0 when the reference's vocabulary is closed. When reference chunks themselves hold levels no other reference chunk has (a long tail of rare levels), alert only beyond that turnover at the chunk's size: the one-sided 3-sigma Poisson quantile of the count, or mean + 3 standard deviations of those chunk rates (configure thresholds.data_quality.unseen_values to replace the rule).",
            },
        ]


@STEPS.register
class SummaryStats(Step):
    """Mean, std, median, min, max and rows (continuous) or rows and distinct (categorical) per chunk."""

    name = "summary_stats"
    step = "summary_stats"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = column_threads(threads)

    streams = True

    def _fit(self, reference: Dataset, reference_chunks: tuple[Chunk, ...], config: Config) -> None:
        self.columns_ = {name: (col.kind, col.role) for name, col in reference.monitored_columns().items()}
        columns = reference.monitored_columns()
        self.reference_stats_ = self._each_column(
            lambda name, kind: self._stats(columns[name], reference_chunks, kind, reference.memo), reference.n_rows
        )

    def _each_column(self, work: Callable[[str, str], Any], rows: int) -> dict[str, Any]:
        """{column: work(column, kind)}, columns in threads for big periods or chunks (numpy releases
        the GIL in partition / reductions)."""
        items = list(self.columns_.items())
        threads = chunk_threads(self.threads, rows, len(items))
        with warnings.catch_warnings():  # restores the filters the per-column catch_warnings change
            warnings.simplefilter("ignore", RuntimeWarning)
            if threads > 1:
                with ThreadPoolExecutor(max_workers=threads) as pool:
                    results = list(pool.map(lambda item: work(item[0], item[1][0]), items))
            else:
                results = [work(name, kind) for name, (kind, _role) in items]
        return dict(zip(self.columns_, results))

    def _chunk_stats(self, rows: Dataset, meta: Chunk) -> dict[str, dict[str, float] | None]:
        """Each column's statistics over one chunk; None for a column absent from the analysis data."""
        present = rows.monitored_columns()
        whole = (local_chunk(meta, rows.n_rows),)

        def stats(name: str, kind: str) -> dict[str, float] | None:
            col = present.get(name)
            if col is None:
                return None
            return {metric: float(v[0]) for metric, v in self._stats(col, whole, kind, rows.memo).items()}

        return self._each_column(stats, rows.n_rows)

    def _finalize(self, stats: list[dict[str, dict[str, float] | None]]) -> pd.DataFrame:
        ref_chunks, ana_chunks = self.reference_chunks_, self.analysis_chunks_
        records = _Records(self.step, ref_chunks + ana_chunks)
        for name, (_kind, role) in self.columns_.items():
            ref_part = self.reference_stats_[name]
            found = [s[name] for s in stats]
            absent = bool(found) and all(v is None for v in found)
            reason = "no targets in the analysis data" if role == "target" else "column absent from the analysis data"
            for metric in ref_part:
                ana = np.array([np.nan if v is None else v[metric] for v in found], dtype=np.float64)
                values = np.concatenate([ref_part[metric], ana])
                notes = [None] * len(ref_chunks) + [reason if absent else None] * len(ana_chunks)
                notes = [
                    n if n is not None or np.isfinite(v) else "no non-missing values in this chunk"
                    for n, v in zip(notes, values)
                ]
                records.add("summary_stats", metric, name, values, note=np.array(notes, dtype=object))
        return records.frame()

    @staticmethod
    def _stats(col: Column, chunks: tuple[Chunk, ...], kind: str, memo: Mapping[Any, Any]) -> dict[str, np.ndarray]:
        """Per-chunk statistics of one period's column (NaN where a chunk has no values); `memo` is the
        Dataset's memo holding order statistics univariate drift read off the same chunks."""
        k = len(chunks)
        if kind == "categorical":
            levels = col.n_levels
            out_rows = np.zeros(k)
            distinct = np.zeros(k)
            if k:
                first, last = chunks[0].start_row, chunks[-1].end_row
                pos = np.full(last - first, k, np.int64)
                for i, c in enumerate(chunks):
                    pos[c.start_row - first : c.end_row - first] = i
                counts = np.bincount(
                    col.values[first:last].astype(np.int64) + pos * levels, minlength=(k + 1) * levels
                ).reshape(k + 1, levels)[:k, : levels - 1]
                out_rows = counts.sum(axis=1).astype(np.float64)
                distinct = (counts > 0).sum(axis=1).astype(np.float64)
            return {"rows": out_rows, "distinct": distinct}
        v = col.values
        present = ~np.isnan(v)
        n = _chunk_sums(present.astype(np.int64), chunks).astype(np.float64)
        filled = np.where(present, v, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = _chunk_sums(filled, chunks) / n
            row_mean = np.zeros_like(filled)
            for i, c in enumerate(chunks):
                row_mean[c.slice] = mean[i] if n[i] > 0 else 0.0
            dev = np.where(present, filled - row_mean, 0.0)
            ss = _chunk_sums(dev * dev, chunks)
            std = np.where(n > 1, np.sqrt(ss / np.maximum(n - 1, 1)), np.nan)
        known = chunk_order_stats(memo, col.name, [(c.start_row, c.end_row) for c in chunks]) if k else None
        if known is not None:  # univariate drift already sorted these chunks: no second pass
            mins, maxs, med = (a.copy() for a in known)
        elif k and _contiguous(chunks) and all(c.rows > 0 for c in chunks):
            lo = np.where(present, v, np.inf)
            hi = np.where(present, v, -np.inf)
            at = chunk_starts(chunks) - chunks[0].start_row
            span = slice(chunks[0].start_row, chunks[-1].end_row)
            mins, maxs = np.minimum.reduceat(lo[span], at), np.maximum.reduceat(hi[span], at)
        else:
            lo = np.where(present, v, np.inf)
            hi = np.where(present, v, -np.inf)
            mins = np.array([lo[c.slice].min() if c.rows else np.inf for c in chunks])
            maxs = np.array([hi[c.slice].max() if c.rows else -np.inf for c in chunks])
        if known is not None:
            pass
        elif k and _contiguous(chunks) and len({c.rows for c in chunks}) == 1 and chunks[0].rows > 0:
            block = v[chunks[0].start_row : chunks[-1].end_row].reshape(k, -1)
            with warnings.catch_warnings():  # an all-missing chunk: NaN, explained by a note
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.median(block, axis=1) if present.all() else np.nanmedian(block, axis=1)
            med = np.where(n > 0, med, np.nan)
        else:
            med = np.array(
                [np.median(v[c.slice][present[c.slice]]) if n[i] > 0 else np.nan for i, c in enumerate(chunks)],
                dtype=np.float64,
            )
        empty = n == 0
        mean[empty] = np.nan
        mins = np.where(empty, np.nan, mins)
        maxs = np.where(empty, np.nan, maxs)
        return {"mean": mean, "std": std, "median": med, "min": mins, "max": maxs, "rows": n}

    def method_notes(self) -> list[dict[str, Any]]:
        return [
            {
                "step": self.step,
                "method": "summary_stats",
                "title": "Summary statistics",
                "description": "Per chunk: mean, standard deviation (ddof 1), median, minimum, maximum and rows (non-missing values) of continuous columns; rows and distinct categories (unseen values counted as one) of categorical columns. Informational: no thresholds.",
                "thresholds": "none",
            }
        ]


def _contiguous(chunks: tuple[Chunk, ...]) -> bool:
    return all(a.end_row == b.start_row for a, b in zip(chunks, chunks[1:]))
