"""Per-chunk performance series joined back into one series per metric, in chunk order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reportgen.performance.common import Series


def join_chunk_series(per_chunk: Sequence[Sequence[Series]]) -> list[Series]:
    """One Series per metric over all chunks, from each chunk's list of one-chunk Series (same order)."""
    if not per_chunk:
        return []
    joined = []
    for parts in zip(*per_chunk):
        first = parts[0]
        joined.append(
            Series(
                first.metric,
                first.column,
                np.concatenate([p.values for p in parts]),
                np.concatenate([p.sizes for p in parts]),
                [note for p in parts for note in p.notes],
                [t for p in parts for t in p.trust],
            )
        )
    return joined
