"""The Spark engine: the analysis period's chunk statistics computed where the rows are.

Chunks are planned in Spark (reportgen.engine.spark_chunks). Each chunk's rows then go through
`groupBy(chunk).applyInPandas`: sorted by (time, tie-break) inside the group, so nothing depends on
partition order, encoded with the reference's schema, and every streaming step's `chunk_stats`
run on them. The fitted steps travel once, as a broadcast; only the small pickled statistics come
back to the driver, which finalizes, resolves and renders as with the local engine.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reportgen.chunking import Chunk
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.engine.schema import AnalysisSchema, encode_chunk
from reportgen.engine.spark_chunks import ChunkPlan, plan_chunks
from reportgen.engine.spark_session import spark_session
from reportgen.engine.spark_source import (
    KEY_CHUNK,
    KEY_TB,
    KEY_TS,
    KEYS,
    check_columns,
    check_order_keys,
    describe_source,
    join_spark_targets,
    read_spark_source,
    read_spark_table,
    with_order_keys,
)
from reportgen.errors import DataError, ReportgenError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from reportgen.steps import Step

OUT_SCHEMA = "chunk int, step string, payload binary"
ERROR = "__error__"  # a ReportgenError raised on a worker, pickled, raised again on the driver
PRESENT = "__present__"  # per feature: the chunk's non-missing values (a feature missing everywhere is an error)


class SparkEngine:
    """Analysis rows in a Spark DataFrame; chunk plan and chunk statistics computed by Spark.

    Parameters
    ----------
    config, schema:
        The run's config and what the reference fixed (features, kinds, vocabularies, classes).
    first_index:
        Index of the first analysis chunk (the number of reference chunks).
    frame:
        The analysis rows; by default `config.analysis` (a Parquet path, `{table}` or `{sql}`) read
        in the session `engine.master` / `engine.conf` describe (or the active one).
    source:
        How messages name the data (default: the path, `table db.name`, ...).
    """

    def __init__(
        self,
        config: Config,
        schema: AnalysisSchema,
        *,
        first_index: int,
        frame: DataFrame | None = None,
        source: str | None = None,
    ) -> None:
        self.config = config
        self.schema = schema
        self.first_index = first_index
        if frame is None:
            spark = spark_session(config.engine.master, dict(config.engine.conf))
            frame = read_spark_source(spark, config.analysis)
        self.source = source or describe_source(config.analysis)  # type: ignore[arg-type]
        if config.targets:
            frame = join_spark_targets(frame, config.targets, config, source=self.source)
        check_columns(frame, schema.columns(config), target=config.columns.target, source=self.source)
        wanted = [c for c in schema.columns(config) if c in frame.columns]
        self.frame = with_order_keys(frame.select(*wanted), config, source=self.source)
        self._plan: ChunkPlan | None = None

    def analysis_chunks(self) -> tuple[Chunk, ...]:
        """Chunks of the rows in (time, tie-break) order, planned in Spark."""
        return self.plan().chunks

    @property
    def n_rows(self) -> int:
        """Analysis rows (chunked or not)."""
        self.plan()
        return self._n_rows

    def plan(self) -> ChunkPlan:
        """The chunks and how Spark finds a row's chunk (computed once: a few Spark jobs)."""
        if self._plan is None:
            self._n_rows = check_order_keys(self.frame, self.config, source=self.source)
            self._plan = plan_chunks(
                self.frame, self.config, self._n_rows, first_index=self.first_index, source=self.source
            )
        return self._plan

    def read_all(self) -> Dataset:
        """Every analysis row on the driver, in (time, tie-break) order: for a part of the report that
        cannot use per-chunk statistics yet (a step that does not stream, the concept-drift attribution)."""
        rows: pd.DataFrame = self.frame.toPandas()
        frame = rows.sort_values([KEY_TS, KEY_TB], kind="stable").reset_index(drop=True)
        times = frame[KEY_TS].to_numpy(dtype=np.int64).view("datetime64[ns]")
        return encode_chunk(
            frame.drop(columns=[KEY_TS, KEY_TB]),
            self.config,
            self.schema,
            timestamps=times if self.config.columns.timestamp else None,
            source=self.source,
        )

    def map_chunk_stats(self, steps: Sequence[Step]) -> dict[str, list[Any]]:
        """{step name: [chunk_stats of each analysis chunk, in chunk order]}, computed by Spark."""
        plan = self.plan()
        spark = self.frame.sparkSession
        task = ChunkTask(self.config, self.schema, plan.chunks, tuple(steps), self.source)
        shared = spark.sparkContext.broadcast(task)
        try:
            rows = (
                self.frame.withColumn(KEY_CHUNK, plan.chunk_column(self.config))
                .filter(f"{KEY_CHUNK} >= 0")
                .groupBy(KEY_CHUNK)
                .applyInPandas(_statistics_of(shared), OUT_SCHEMA)
                .collect()
            )
        finally:
            shared.unpersist()
        return self._gather(rows, steps, plan.chunks)

    def _gather(self, rows: list[Any], steps: Sequence[Step], chunks: tuple[Chunk, ...]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {step.name: [None] * len(chunks) for step in steps}
        present = dict.fromkeys(self.schema.features, 0)
        errors = []
        for row in rows:
            value = pickle.loads(row["payload"])
            if row["step"] == ERROR:
                errors.append((int(row["chunk"]), value))
            elif row["step"] == PRESENT:
                for name, count in value.items():
                    present[name] += count
            else:
                out[row["step"]][int(row["chunk"])] = value
        if errors:
            raise min(errors, key=lambda e: e[0])[1]  # the first chunk's problem, as the local engine would
        missing = [chunks[i].key for i in range(len(chunks)) if out[steps[0].name][i] is None] if steps else []
        if missing:
            raise DataError(f"Spark returned no rows for chunk(s) {', '.join(missing[:5])}", file=self.source)
        for name, count in present.items():
            if count == 0:
                raise DataError(
                    "every value is missing; fix the export or leave the feature out (columns.features)",
                    file=self.source,
                    column=name,
                )
        return out


def read_reference(config: Config) -> pd.DataFrame:
    """The reference rows on the driver, read through Spark (`reference:` a table, a query or Parquet)."""
    spark = spark_session(config.engine.master, dict(config.engine.conf))
    return read_spark_table(spark, config.reference, config)


@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs for a chunk's statistics: broadcast once, read per chunk."""

    config: Config
    schema: AnalysisSchema
    chunks: tuple[Chunk, ...]
    steps: tuple[Step, ...]
    source: str

    def run(self, pos: int, frame: pd.DataFrame) -> list[tuple[str, Any]]:
        """[(step name, stats)] of chunk `pos` from its rows (any order), plus the features' value counts."""
        from threadpoolctl import threadpool_limits

        meta = self.chunks[pos]
        where = f"{self.source} (chunk {meta.key})"
        frame = frame.sort_values([KEY_TS, KEY_TB], kind="stable").reset_index(drop=True)
        if len(frame) != meta.rows:
            raise DataError(
                f"{len(frame):,} rows fell into this chunk where {meta.rows:,} were planned: rows with the same time "
                "and the same values straddle a chunk edge; set columns.id to a unique row id",
                file=where,
            )
        times = frame[KEY_TS].to_numpy(dtype=np.int64).view("datetime64[ns]")
        data = frame.drop(columns=[k for k in KEYS if k in frame.columns])
        rows = encode_chunk(
            data, self.config, self.schema, timestamps=times if self.config.columns.timestamp else None, source=where
        )
        out: list[tuple[str, Any]] = [(PRESENT, {n: int(data[n].notna().sum()) for n in self.schema.features})]
        with threadpool_limits(limits=1, user_api="blas"):
            out.extend((step.name, step.chunk_stats(rows, meta)) for step in self.steps)
        return out


def _statistics_of(shared: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def statistics(frame: pd.DataFrame) -> pd.DataFrame:
        return chunk_statistics(shared, frame)

    return statistics


def chunk_statistics(shared: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """applyInPandas: one chunk's rows in, one row per step (its pickled stats) out."""
    from reportgen.engine.spark_session import quiet_pyspark

    quiet_pyspark()
    task: ChunkTask = shared.value
    pos = int(frame[KEY_CHUNK].iloc[0])
    try:
        out = task.run(pos, frame)
    except ReportgenError as exc:
        out = [(ERROR, exc)]
    return pd.DataFrame(
        {
            "chunk": np.full(len(out), pos, dtype=np.int32),
            "step": [name for name, _ in out],
            "payload": [pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) for _, value in out],
        }
    )
