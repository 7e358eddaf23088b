"""The analysis chunks computed in Spark, and the Spark column that gives each row its chunk.

Period chunks are calendar periods in UTC (`date_trunc`; Spark's week starts on Monday, the ISO
week the local engine keys as 2024-W48): one aggregation gives each period's rows and first and
last time. Size and number chunks cut the global order (time, tie-break) at row ranks; the ranks
come from a range-partitioned, partition-sorted copy of the two keys: per-partition counts give
each partition's first rank, then one pass picks the rows at the cut ranks (never a
single-partition window). A row's chunk is then the number of cuts at or before its keys.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reportgen.chunking import Chunk, PeriodChunker, chunker_from_config, warn_short_last_period
from reportgen.config import Config
from reportgen.engine.spark_source import KEY_TB, KEY_TS
from reportgen.io import check_chunk_count, check_chunk_plan

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

ROWS_PER_RANGE = 1_000_000  # rows per range partition when ranking (a partition's keys sort in one task)
TRUNC_UNITS = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


@dataclass(frozen=True)
class ChunkPlan:
    """The analysis chunks and how a row finds its own: period starts (micros) or cut keys."""

    chunks: tuple[Chunk, ...]
    period_starts: tuple[int, ...] = ()  # period chunking: each chunk's period start, micros since the epoch
    cuts: tuple[tuple[int, Any], ...] = ()  # size/number: (time, tie-break) of each chunk's first row
    drop_from: tuple[int, Any] | None = None  # size chunking with incomplete: drop: the first row left out

    def chunk_column(self, config: Config) -> Column:
        """A Spark column: the position of each row's chunk in `chunks`, -1 for a row in none."""
        from pyspark.sql import functions as F

        if config.chunking.period is not None:
            start = F.unix_micros(_period_start(config.chunking.period))
            mapping = F.create_map(*[F.lit(v) for i, s in enumerate(self.period_starts) for v in (s, i)])
            return F.coalesce(mapping[start], F.lit(-1)).cast("int")
        return _cut_positions(self.cuts, self.drop_from)(F.col(KEY_TS), F.col(KEY_TB))


def _period_start(alias: str) -> Column:
    from pyspark.sql import functions as F

    # ns -> micros rounded down (toward earlier times, as for negative epochs)
    micros = F.floor(F.col(KEY_TS) / F.lit(1000)).cast("long")
    return F.date_trunc(TRUNC_UNITS[alias], F.timestamp_micros(micros))


def plan_chunks(keyed: DataFrame, config: Config, n_rows: int, *, first_index: int, source: str) -> ChunkPlan:
    """The analysis chunks of `keyed` (a frame with `_rg_ts` and `_rg_tb`), as the local chunker makes them."""
    if config.chunking.period is not None:
        plan = _period_plan(keyed, config.chunking.period, first_index=first_index)
    else:
        check_chunk_count(config, n_rows, period="analysis", source=source)
        plan = _rank_plan(keyed, config, n_rows, first_index=first_index, source=source)
    check_chunk_plan(config, list(plan.chunks), period="analysis", source=source)
    return plan


def _period_plan(keyed: DataFrame, alias: str, *, first_index: int) -> ChunkPlan:
    from pyspark.sql import functions as F

    rows = (
        keyed.groupBy(F.unix_micros(_period_start(alias)).alias("start"))
        .agg(F.count(F.lit(1)).alias("n"), F.min(KEY_TS).alias("first"), F.max(KEY_TS).alias("last"))
        .orderBy("start")
        .collect()
    )
    chunker = PeriodChunker(alias)
    keys = [chunker.key_of(pd.Timestamp(int(r["start"]), unit="us")) for r in rows]
    sizes = np.array([int(r["n"]) for r in rows], dtype=np.int64)
    ends = np.cumsum(sizes)
    chunks = tuple(
        Chunk(
            first_index + i,
            keys[i],
            "analysis",
            int(ends[i] - sizes[i]),
            int(ends[i]),
            _time(r["first"]),
            _time(r["last"]),
        )
        for i, r in enumerate(rows)
    )
    warn_short_last_period(keys, sizes, period="analysis")
    return ChunkPlan(chunks, period_starts=tuple(int(r["start"]) for r in rows))


def _time(ns: int) -> Any:
    return pd.Timestamp(int(ns), unit="ns").to_pydatetime(warn=False)


def _rank_plan(keyed: DataFrame, config: Config, n_rows: int, *, first_index: int, source: str) -> ChunkPlan:
    from pyspark import StorageLevel

    bounds = chunker_from_config(config.chunking).split(
        n_rows, None, period="analysis", first_index=first_index, source=source
    )
    wanted = sorted({c.start_row for c in bounds} | {c.end_row - 1 for c in bounds} | {bounds[-1].end_row})
    wanted = [r for r in wanted if r < n_rows]
    parts = max(2, math.ceil(n_rows / ROWS_PER_RANGE))
    ordered = (
        keyed.select(KEY_TS, KEY_TB)
        .repartitionByRange(parts, KEY_TS, KEY_TB)
        .sortWithinPartitions(KEY_TS, KEY_TB)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        counts = ordered.mapInPandas(_partition_rows, "part int, n long").collect()
        sizes = np.zeros(max(int(r["part"]) for r in counts) + 1, dtype=np.int64)
        for r in counts:
            sizes[int(r["part"])] += int(r["n"])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        tb_type = ordered.schema[KEY_TB].dataType.simpleString()
        picked = ordered.mapInPandas(
            _RankPicker(offsets.tolist(), wanted), f"rank long, ts long, tb {tb_type}"
        ).collect()
    finally:
        ordered.unpersist()
    at = {int(r["rank"]): (int(r["ts"]), r["tb"]) for r in picked}
    chunks = tuple(
        Chunk(c.index, c.key, c.period, c.start_row, c.end_row, _time(at[c.start_row][0]), _time(at[c.end_row - 1][0]))
        for c in bounds
    )
    end = bounds[-1].end_row
    return ChunkPlan(
        chunks,
        cuts=tuple(at[c.start_row] for c in bounds),
        drop_from=at[end] if end < n_rows else None,
    )


def _partition_rows(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """(partition index, rows) of one partition of the ordered keys."""
    from pyspark import TaskContext

    n = sum(len(b) for b in batches)
    yield pd.DataFrame({"part": [_partition_index(TaskContext.get())], "n": [n]})


def _partition_index(context: Any) -> int:
    """The running task's partition (mapInPandas is narrow: the partition of the ordered keys)."""
    if context is None:
        raise RuntimeError("a Spark task's partition is asked for outside a Spark task")
    return int(context.partitionId())


class _RankPicker:
    """The rows at the wanted global ranks, from one sorted range partition and its first rank."""

    def __init__(self, offsets: list[int], wanted: list[int]) -> None:
        self.offsets = offsets
        self.wanted = np.asarray(wanted, dtype=np.int64)

    def __call__(self, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from pyspark import TaskContext

        part = _partition_index(TaskContext.get())
        rank = self.offsets[part] if part < len(self.offsets) else 0
        for batch in batches:
            ranks = rank + np.arange(len(batch), dtype=np.int64)
            hit = np.isin(ranks, self.wanted)
            if hit.any():
                yield pd.DataFrame({"rank": ranks[hit], "ts": batch[KEY_TS].to_numpy()[hit], "tb": batch[KEY_TB][hit]})
            rank += len(batch)


def chunk_positions(ts: np.ndarray, tb: np.ndarray, cuts: Sequence[tuple[int, Any]], drop_from: Any) -> np.ndarray:
    """Per row: the number of cuts at or before its (time, tie-break), minus one; -1 from `drop_from` on.

    Cuts are sorted (they are the first rows of consecutive chunks); only rows whose time equals a
    cut's time need the tie-break compared.
    """
    bounds = list(cuts) + ([drop_from] if drop_from is not None else [])
    cut_ts = np.array([c[0] for c in bounds], dtype=np.int64)
    lo = np.searchsorted(cut_ts, ts, side="left")
    hi = np.searchsorted(cut_ts, ts, side="right")
    count = lo.copy()
    for row in np.flatnonzero(hi > lo):
        count[row] += sum(1 for k in range(lo[row], hi[row]) if bounds[k][1] <= tb[row])
    pos = count - 1
    pos[pos >= len(cuts)] = -1
    return pos.astype(np.int32)


def _cut_positions(cuts: Sequence[tuple[int, Any]], drop_from: Any) -> Any:
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("int")  # type: ignore[call-overload]
    def position(ts: pd.Series, tb: pd.Series) -> pd.Series:
        return pd.Series(chunk_positions(ts.to_numpy(dtype=np.int64), tb.to_numpy(), cuts, drop_from))

    return position
