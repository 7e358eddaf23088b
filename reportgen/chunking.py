"""Chunkers split a period's rows (sorted by timestamp) into index ranges: never row copies.

Policy for a short last chunk (size chunking): `incomplete: append` (default) merges it into the
previous chunk, `keep` keeps it as a smaller chunk, `drop` leaves its rows out; a warning names
what happened. Number chunking spreads the rows as evenly as possible (sizes differ by at most 1).
Period chunking makes one chunk per calendar period (D, W, M, Q, Y) that has rows; a last period
with less than half the usual rows (a week still in progress) is kept, with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from reportgen.config import ChunkingConfig
from reportgen.errors import DataError


class ChunkingWarning(UserWarning):
    """A chunking decision the user should know about (short last chunk, ...)."""


@dataclass(frozen=True)
class Chunk:
    """Rows [start_row, end_row) of one period's sorted data."""

    index: int
    key: str
    period: str
    start_row: int
    end_row: int
    start_time: datetime | None = None
    end_time: datetime | None = None

    @property
    def rows(self) -> int:
        return self.end_row - self.start_row

    @property
    def slice(self) -> slice:
        return slice(self.start_row, self.end_row)

    def to_dict(self) -> dict:
        """The results.json `chunks` record."""
        return {
            "index": self.index,
            "key": self.key,
            "period": self.period,
            "start_row": self.start_row,
            "end_row": self.end_row,
            "start_time": _iso(self.start_time),
            "end_time": _iso(self.end_time),
            "rows": self.rows,
        }


def _iso(t: datetime | None) -> str | None:
    return None if t is None else pd.Timestamp(t).isoformat()


class Chunker:
    """Base: `split(n_rows, timestamps, period, first_index)` -> list of Chunk."""

    def split(
        self,
        n_rows: int,
        timestamps: np.ndarray | None,
        *,
        period: str,
        first_index: int = 0,
        source: str | None = None,
    ) -> list[Chunk]:
        bounds, keys = self._bounds(n_rows, timestamps, period=period, source=source)
        chunks = []
        for i, ((start, end), key) in enumerate(zip(bounds, keys)):
            start_time = end_time = None
            if timestamps is not None and end > start:
                start_time = pd.Timestamp(timestamps[start]).to_pydatetime(warn=False)
                end_time = pd.Timestamp(timestamps[end - 1]).to_pydatetime(warn=False)
            chunks.append(Chunk(first_index + i, key, period, int(start), int(end), start_time, end_time))
        return chunks

    def _bounds(
        self, n_rows: int, timestamps: np.ndarray | None, *, period: str, source: str | None
    ) -> tuple[list[tuple[int, int]], list[str]]:
        raise NotImplementedError

    def describe(self) -> str:
        """Human words for the report header ("chunks of 5,000 rows")."""
        raise NotImplementedError


def _range_keys(bounds: Sequence[tuple[int, int]]) -> list[str]:
    return [f"[{s}:{e - 1}]" for s, e in bounds]


@dataclass(frozen=True)
class SizeChunker(Chunker):
    size: int
    incomplete: str = "append"

    def _bounds(self, n_rows, timestamps, *, period, source):
        if n_rows < self.size:
            raise DataError(
                f"the {period} data has {n_rows:,} rows, fewer than one chunk of {self.size:,}; "
                "lower chunking.size or use chunking.number",
                file=source,
            )
        full, rest = divmod(n_rows, self.size)
        bounds = [(i * self.size, (i + 1) * self.size) for i in range(full)]
        if rest:
            if self.incomplete == "append":
                bounds[-1] = (bounds[-1][0], n_rows)
                what = f"appended to the previous chunk (now {bounds[-1][1] - bounds[-1][0]:,} rows)"
            elif self.incomplete == "keep":
                bounds.append((full * self.size, n_rows))
                what = "kept as a smaller last chunk"
            else:
                what = "left out"
            warnings.warn(
                f"{period}: the last {rest:,} rows do not fill a chunk of {self.size:,}; {what} "
                "(chunking.incomplete: append | keep | drop)",
                ChunkingWarning,
                stacklevel=3,
            )
        return bounds, _range_keys(bounds)

    def describe(self) -> str:
        return f"chunks of {self.size:,} rows"


@dataclass(frozen=True)
class NumberChunker(Chunker):
    number: int

    def _bounds(self, n_rows, timestamps, *, period, source):
        if n_rows < self.number:
            raise DataError(
                f"the {period} data has {n_rows:,} rows, fewer than the {self.number} chunks asked for; lower chunking.number",
                file=source,
            )
        edges = np.linspace(0, n_rows, self.number + 1).round().astype(np.int64)
        bounds = [(int(edges[i]), int(edges[i + 1])) for i in range(self.number)]
        return bounds, _range_keys(bounds)

    def describe(self) -> str:
        return f"{self.number} chunks of equal size"


PERIOD_WORDS = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "Y": "yearly"}


@dataclass(frozen=True)
class PeriodChunker(Chunker):
    period_alias: str

    def _bounds(self, n_rows, timestamps, *, period, source):
        if timestamps is None:
            raise DataError("period chunking needs a timestamp column (columns.timestamp)", file=source)
        if n_rows == 0:
            raise DataError(f"the {period} data has no rows", file=source)
        freq = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}[self.period_alias]
        periods = pd.PeriodIndex(pd.DatetimeIndex(timestamps), freq=freq)
        codes = periods.asi8  # sorted because timestamps are sorted
        change = np.flatnonzero(np.diff(codes)) + 1
        starts = np.concatenate([[0], change])
        ends = np.concatenate([change, [n_rows]])
        bounds = [(int(s), int(e)) for s, e in zip(starts, ends)]
        keys = [self._key(periods[s]) for s in starts]
        warn_short_last_period(keys, ends - starts, period=period)
        return bounds, keys

    def key_of(self, start: pd.Timestamp) -> str:
        """The chunk key of the calendar period that starts at `start` (2024-W48, 2024-11, ...)."""
        freq = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}[self.period_alias]
        return self._key(pd.Period(start, freq=freq))

    def _key(self, p: pd.Period) -> str:
        if self.period_alias == "W":
            iso = p.start_time.isocalendar()
            return f"{iso[0]}-W{iso[1]:02d}"
        if self.period_alias == "D":
            return p.strftime("%Y-%m-%d")
        if self.period_alias == "M":
            return p.strftime("%Y-%m")
        if self.period_alias == "Q":
            return f"{p.year}-Q{p.quarter}"
        return str(p.year)

    def describe(self) -> str:
        return f"{PERIOD_WORDS[self.period_alias]} chunks"


def warn_short_last_period(keys: Sequence[str], sizes: np.ndarray, *, period: str) -> None:
    """A last period with less than half the usual rows is kept, with a warning (a week in progress)."""
    if len(sizes) > 2 and sizes[-1] < 0.5 * np.median(sizes[:-1]):
        warnings.warn(
            f"{period}: the last chunk ({keys[-1]}) has {int(sizes[-1]):,} rows, less than half the usual "
            f"{int(np.median(sizes[:-1])):,}: a period still in progress? Its numbers are noisier; kept as it is",
            ChunkingWarning,
            stacklevel=4,
        )


def chunker_from_config(cfg: ChunkingConfig) -> Chunker:
    """The Chunker a config's `chunking` section names."""
    if cfg.size is not None:
        return SizeChunker(cfg.size, cfg.incomplete)
    if cfg.period is not None:
        return PeriodChunker(cfg.period)
    return NumberChunker(cfg.number if cfg.number is not None else 10)


def chunk_starts(chunks: Sequence[Chunk]) -> np.ndarray:
    """Start rows of contiguous chunks, for np.add.reduceat-style per-chunk reductions."""
    return np.array([c.start_row for c in chunks], dtype=np.int64)


def row_chunk_ids(n_rows: int, chunks: Sequence[Chunk]) -> np.ndarray:
    """Per-row position (0..len(chunks)-1) of the chunk holding it; -1 for rows in no chunk."""
    ids = np.full(n_rows, -1, dtype=np.int64)
    for pos, c in enumerate(chunks):
        ids[c.start_row : c.end_row] = pos
    return ids
