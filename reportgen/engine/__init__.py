"""Engines: where the analysis period is read and each chunk's statistics are computed.

A step is fitted on the driver from the reference, then `prepare(analysis chunk metadata)` (driver),
`chunk_stats(state, one chunk's rows, meta)` (pure, runs wherever the rows are) and
`finalize(per-chunk stats)` (driver). An engine turns the analysis source into chunk metadata and
maps `chunk_stats` over the chunks; `LocalEngine` does it in this process.
"""

from __future__ import annotations

from reportgen.engine.local import Engine, LocalEngine

__all__ = ["Engine", "LocalEngine"]
