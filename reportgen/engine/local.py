"""The in-process engine: analysis arrays in this process, each chunk a view of its rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from reportgen.chunking import Chunk
from reportgen.dataset import Dataset
from reportgen.engine.views import chunk_view


class ChunkStatistics(Protocol):
    """What an engine maps over the chunks: a step, or the run's per-chunk facts (reportgen.engine.facts)."""

    @property
    def name(self) -> str: ...

    def chunk_stats(self, rows: Dataset, meta: Chunk) -> Any:
        """Pure: small picklable statistics of one chunk's rows."""
        ...


class Engine(Protocol):
    """Turns the analysis source into chunk metadata and maps each step's chunk_stats over the chunks."""

    def analysis_chunks(self) -> tuple[Chunk, ...]:
        """Metadata of every analysis chunk (index, key, rows, times), in order."""
        ...

    def map_chunk_stats(self, steps: Sequence[ChunkStatistics]) -> dict[str, list[Any]]:
        """{step name: [chunk_stats of each analysis chunk, in chunk order]} in one pass over the data."""
        ...


@runtime_checkable
class StreamingEngine(Engine, Protocol):
    """An engine that reads the analysis source itself (streamed Parquet, Spark)."""

    n_rows: int  # rows of the analysis period, once analysis_chunks() ran

    def read_all(self) -> Dataset:
        """The whole period in memory, for a part of the run that cannot stream (reportgen.engine.deferred)."""
        ...


class LocalEngine:
    """Today's path: the prepared analysis Dataset in memory, one chunk view at a time."""

    def __init__(self, analysis: Dataset, chunks: Sequence[Chunk]) -> None:
        self.analysis = analysis
        self.chunks = tuple(chunks)

    def analysis_chunks(self) -> tuple[Chunk, ...]:
        return self.chunks

    def map_chunk_stats(self, steps: Sequence[ChunkStatistics]) -> dict[str, list[Any]]:
        from threadpoolctl import threadpool_limits

        out: dict[str, list[Any]] = {step.name: [] for step in steps}
        with threadpool_limits(limits=1, user_api="blas"):  # BLAS threads spin on chunk-sized products
            for meta in self.chunks:
                rows = chunk_view(self.analysis, meta)
                for step in steps:
                    out[step.name].append(step.chunk_stats(rows, meta))
        return out
