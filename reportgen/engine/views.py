"""One chunk's rows of a prepared Dataset, as views (no copy), and the chunk re-based to those rows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reportgen.chunking import Chunk
from reportgen.dataset import Column, Dataset


def chunk_view(dataset: Dataset, chunk: Chunk) -> Dataset:
    """The rows [chunk.start_row, chunk.end_row) of `dataset`: what a step sees of one chunk."""
    rows = chunk.slice
    return replace(
        dataset,
        n_rows=chunk.rows,
        features={name: _column_rows(col, rows) for name, col in dataset.features.items()},
        y_pred=dataset.y_pred[rows],
        y_proba=_rows(dataset.y_proba, rows),
        y_true=_rows(dataset.y_true, rows),
        timestamps=_rows(dataset.timestamps, rows),
        ids=_rows(dataset.ids, rows),
        outputs={name: _column_rows(col, rows) for name, col in dataset.outputs.items()},
    )


def local_chunk(chunk: Chunk, rows: int | None = None) -> Chunk:
    """The chunk re-based to the first row of its own rows (start_row 0), for per-chunk arrays."""
    return replace(chunk, start_row=0, end_row=chunk.rows if rows is None else rows)


def _column_rows(column: Column, rows: slice) -> Column:
    return replace(column, values=column.values[rows])


def _rows(values: np.ndarray | None, rows: slice) -> np.ndarray | None:
    return None if values is None else values[rows]
