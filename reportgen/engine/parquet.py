"""The local engine streaming a Parquet file or folder: the analysis period is read chunk by chunk.

Only the timestamp (and id) columns are read whole: they give the time order and the chunks. The
rows are then read in record batches, each row handed to its chunk; a chunk is turned into a Dataset
and its statistics computed as soon as its last row arrived, then dropped. With rows stored roughly
in time order (the usual log), memory holds a chunk or two plus a batch; rows stored in random order
hold back every chunk until the end (no worse than reading the whole file).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reportgen.chunking import Chunk, chunker_from_config
from reportgen.config import Config
from reportgen.dataset import Dataset
from reportgen.engine.schema import AnalysisSchema, encode_chunk
from reportgen.errors import DataError
from reportgen.io import check_chunk_count, check_chunk_plan, check_unique_ids, parse_timestamps

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as pads

    from reportgen.engine.local import ChunkStatistics
    from reportgen.engine.targets import ChunkTargets

BATCH_ROWS = 1 << 16


class ParquetEngine:
    """Streams the analysis rows of a Parquet file or folder; same chunks and statistics as in memory.

    Parameters
    ----------
    path:
        A Parquet file, or a folder of Parquet files (read in path order).
    config, schema:
        The run's config and what the reference fixed (features, kinds, vocabularies, classes).
    first_index:
        Index of the first analysis chunk (the number of reference chunks).
    targets:
        A targets file joined onto each chunk by id (its target replaces the files' own, if any).
    """

    def __init__(
        self,
        path: str | Path,
        config: Config,
        schema: AnalysisSchema,
        *,
        first_index: int,
        batch_rows: int = BATCH_ROWS,
        targets: ChunkTargets | None = None,
    ) -> None:
        self.path = Path(path)
        self.config = config
        self.schema = schema
        self.first_index = first_index
        self.batch_rows = batch_rows
        self.targets = targets
        self.source = str(path)
        self.chunks_in_memory = 0  # the most chunks held at once during the last pass
        self._chunks: tuple[Chunk, ...] | None = None
        self.n_rows = 0  # rows of the period, known once the chunks are made

    def _dataset(self) -> pads.Dataset:
        import pyarrow.dataset as pads

        if not self.path.exists():
            raise DataError("file not found; check the path in the config or on the command line", file=self.source)
        files = self._files()
        if not files:
            raise DataError("no .parquet files in this folder", file=self.source)
        dataset = pads.dataset(files, format="parquet")
        missing = [c for c in self.schema.columns(self.config) if c not in dataset.schema.names]
        target = self.config.columns.target
        missing = [c for c in missing if c != target]
        if missing:
            raise DataError(
                f"missing column(s) {', '.join(repr(m) for m in missing)}; the files have "
                f"{', '.join(dataset.schema.names[:20])}",
                file=self.source,
            )
        return dataset

    def _batches(self) -> Iterator[pa.RecordBatch]:
        """Record batches of every file in path order, read without pre-buffering: memory stays near
        one batch (the dataset scanner kept ~2 GB of a 10M-row file resident)."""
        import pyarrow.parquet as pq

        columns = self._read_columns()
        for path in self._files():
            reader = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
            yield from reader.iter_batches(batch_size=self.batch_rows, columns=columns, use_threads=False)

    def _files(self) -> list[str]:
        return sorted(str(p) for p in self.path.rglob("*.parquet")) if self.path.is_dir() else [str(self.path)]

    def _read_columns(self) -> list[str]:
        names = self._dataset().schema.names
        return [c for c in self.schema.columns(self.config) if c in names]

    def analysis_chunks(self) -> tuple[Chunk, ...]:
        """Chunks of the rows in time order, from the timestamp (and id) columns alone."""
        if self._chunks is None:
            self._order()
        assert self._chunks is not None
        return self._chunks

    def _order(self) -> None:
        cols = self.config.columns
        dataset = self._dataset()
        n_rows = dataset.count_rows()
        if n_rows == 0:
            raise DataError("the analysis data has no rows", file=self.source)
        if cols.id:
            ids = dataset.to_table(columns=[cols.id], use_threads=False).column(0).to_pandas()
            check_unique_ids(pd.DataFrame({cols.id: ids}), cols.id, source=self.source)
            del ids
        timestamps = None
        self._position = np.arange(n_rows, dtype=np.int64)  # row of the file -> row in time order
        if cols.timestamp:
            raw = dataset.to_table(columns=[cols.timestamp], use_threads=False).column(0).to_pandas()
            parsed = parse_timestamps(raw, source=self.source, column=cols.timestamp).to_numpy(dtype="datetime64[ns]")
            del raw
            order = np.argsort(parsed, kind="stable")
            timestamps = parsed[order]
            self._position[order] = np.arange(n_rows, dtype=np.int64)
        self._timestamps = timestamps
        self.n_rows = n_rows
        check_chunk_count(self.config, n_rows, period="analysis", source=self.source)
        chunker = chunker_from_config(self.config.chunking)
        chunks = chunker.split(n_rows, timestamps, period="analysis", first_index=self.first_index, source=self.source)
        check_chunk_plan(self.config, chunks, period="analysis", source=self.source)
        self._chunks = tuple(chunks)
        ends = np.array([c.end_row for c in chunks], dtype=np.int64)
        starts = np.array([c.start_row for c in chunks], dtype=np.int64)
        of_sorted = np.searchsorted(ends, np.arange(n_rows), side="right")
        of_sorted[(of_sorted >= len(chunks))] = -1
        inside = of_sorted >= 0
        of_sorted[inside & (np.arange(n_rows) < starts[np.clip(of_sorted, 0, None)])] = -1  # dropped rows
        self._chunk_of_row = of_sorted[self._position].astype(np.int32)

    def read_all(self) -> Dataset:
        """The whole period in memory, in time order (what the in-memory run prepares), for a part of
        the run that cannot stream (reportgen.engine.deferred)."""
        import pyarrow as pa

        self.analysis_chunks()
        self._check_fits_in_memory()
        table = pa.Table.from_batches(list(self._batches()))
        frame = table.take(np.argsort(self._position, kind="stable")).to_pandas()
        del table
        if self.targets is not None:
            frame = self.targets.join(frame)
        return encode_chunk(frame, self.config, self.schema, timestamps=self._timestamps, source=self.source)

    def _check_fits_in_memory(self) -> None:
        """DataError instead of exhausting the machine: the decoded columns, held about twice while read
        (Arrow, then numpy), must fit in half the memory available now (MemAvailable, Linux)."""
        import pyarrow.parquet as pq

        names = set(self._read_columns())
        need = 0
        for path in self._files():
            meta = pq.ParquetFile(path).metadata
            for g in range(meta.num_row_groups):
                group = meta.row_group(g)
                need += sum(
                    group.column(c).total_uncompressed_size
                    for c in range(group.num_columns)
                    if group.column(c).path_in_schema in names
                )
        free = available_memory()
        if free is not None and 2 * need > free / 2:
            raise DataError(
                f"a part of the report that does not stream yet needs the whole analysis period in memory "
                f"(~{2 * need / 1e9:.1f} GB), more than half the {free / 1e9:.1f} GB available; run it on a machine "
                "with more memory, or on Spark (engine.type: spark)",
                file=self.source,
            )

    def map_chunk_stats(self, steps: Sequence[ChunkStatistics]) -> dict[str, list[Any]]:
        """{step name: [chunk_stats of each analysis chunk]} in one pass over the files' record batches."""
        import pyarrow as pa

        chunks = self.analysis_chunks()
        remaining = np.array([c.rows for c in chunks], dtype=np.int64)
        pending: dict[int, list[tuple[np.ndarray, pa.Table]]] = {}
        out: dict[str, list[Any]] = {step.name: [None] * len(chunks) for step in steps}
        present = {name: 0 for name in self.schema.features}
        offset = 0
        self.chunks_in_memory = 0
        for batch in self._batches():
            n = batch.num_rows
            owner = self._chunk_of_row[offset : offset + n]
            table = pa.Table.from_batches([batch])
            for pos in np.unique(owner[owner >= 0]):
                take = np.flatnonzero(owner == pos)
                pending.setdefault(int(pos), []).append((self._position[offset + take], table.take(take)))
                remaining[pos] -= take.size
            self.chunks_in_memory = max(self.chunks_in_memory, len(pending))
            offset += n
            for pos in [p for p in pending if remaining[p] == 0]:
                rows = self._chunk_rows(chunks[pos], pending.pop(pos), present)
                for step in steps:
                    out[step.name][pos] = step.chunk_stats(rows, chunks[pos])
        self._check_features(present)
        return out

    def _chunk_rows(self, chunk: Chunk, parts: list[tuple[np.ndarray, pa.Table]], present: dict[str, int]) -> Any:
        import pyarrow as pa

        positions = np.concatenate([p for p, _ in parts])
        table = pa.concat_tables([t for _, t in parts])
        order = np.argsort(positions, kind="stable")
        frame = table.take(order).to_pandas()
        if self.targets is not None:
            frame = self.targets.join(frame)
        for name in present:
            present[name] += int(frame[name].notna().sum())
        ts = None if self._timestamps is None else self._timestamps[chunk.start_row : chunk.end_row]
        return encode_chunk(frame, self.config, self.schema, timestamps=ts, source=f"{self.source} (chunk {chunk.key})")

    def own_targets(self) -> int | None:
        """Values in the files' own target column (None when they have none), counted from the column alone."""
        target = self.config.columns.target
        dataset = self._dataset()
        if not target or target not in dataset.schema.names:
            return None
        column = dataset.to_table(columns=[target], use_threads=False).column(0)
        return len(column) - column.null_count

    def _check_features(self, present: dict[str, int]) -> None:
        """A feature without a single value in the analysis period (the whole-period check of io)."""
        for name, count in present.items():
            if count == 0:
                raise DataError(
                    "every value is missing; fix the export or leave the feature out (columns.features)",
                    file=self.source,
                    column=name,
                )


def available_memory() -> int | None:
    """Bytes of memory available now (Linux /proc/meminfo MemAvailable); None elsewhere."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
