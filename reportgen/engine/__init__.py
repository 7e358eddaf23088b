"""Engines: where the analysis period is read and each chunk's statistics are computed.

A step is fitted on the driver from the reference, then `prepare(analysis chunk metadata)` (driver),
`chunk_stats(state, one chunk's rows, meta)` (pure, runs wherever the rows are) and
`finalize(per-chunk stats)` (driver). An engine turns the analysis source into chunk metadata and
maps `chunk_stats` over the chunks: `LocalEngine` over arrays in this process, `ParquetEngine`
over a Parquet file or folder read chunk by chunk, and the Spark engine (module
`reportgen.engine.spark`, the `reportgen[spark]` extra) on a cluster. `make_engine` picks one from
the `engine:` config key (validated by reportgen.engine_config).
"""

from __future__ import annotations

from reportgen.engine.choice import check_engine_available, make_engine, streams_analysis
from reportgen.engine.local import Engine, LocalEngine

__all__ = ["Engine", "LocalEngine", "check_engine_available", "make_engine", "streams_analysis"]
