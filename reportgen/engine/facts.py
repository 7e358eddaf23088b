"""Per-chunk facts about the analysis rows that the report needs after the steps, gathered in the same
one pass as the steps' statistics so that nothing after the steps reads analysis rows.

Per analysis chunk: rows, missing values per monitored column, values outside a categorical's
reference vocabulary, rows with a label, features constant in the reference that move, and the
counts against the reference support (reportgen.resolution.support). Integer counts and sums:
they merge by addition and do not depend on where the chunk was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from reportgen.chunking import Chunk
from reportgen.dataset import Column, Dataset
from reportgen.resolution.support import ChunkSupport, SupportModel, chunk_support, fit_support_model


@dataclass(frozen=True)
class ChunkFacts:
    """One analysis chunk's facts."""

    rows: int
    missing: dict[str, int]  # monitored column -> missing values
    unseen: dict[str, int]  # categorical monitored column -> values never seen in the reference
    labelled: int | None  # rows with a target; None without a target column
    moved: tuple[str, ...]  # features constant in the reference holding another value here
    support: ChunkSupport


@dataclass(frozen=True)
class PeriodFacts:
    """The analysis period's facts: one ChunkFacts per analysis chunk (chunk order) and the support model."""

    chunk_indices: tuple[int, ...]
    chunks: tuple[ChunkFacts, ...]
    support_model: SupportModel

    @property
    def support(self) -> list[ChunkSupport]:
        return [c.support for c in self.chunks]

    def missing(self, column: str) -> int | None:
        """Missing values of a column over the analysis chunks; None when the analysis lacks the column."""
        if not self.chunks or column not in self.chunks[0].missing:
            return None
        return sum(c.missing[column] for c in self.chunks)

    def unseen(self, column: str) -> int:
        return sum(c.unseen.get(column, 0) for c in self.chunks)

    def labelled(self) -> dict[int, int | None]:
        return {i: c.labelled for i, c in zip(self.chunk_indices, self.chunks)}

    def moved(self, column: str) -> list[int]:
        """Analysis chunks where a feature constant in the reference holds another value."""
        return [i for i, c in zip(self.chunk_indices, self.chunks) if column in c.moved]


def constant_features(reference: Dataset) -> dict[str, Any]:
    """{feature: its single reference value (code for a categorical)} for features constant in the reference."""
    out: dict[str, Any] = {}
    for name, col in reference.features.items():
        if col.is_categorical:
            present = np.flatnonzero(np.bincount(col.values, minlength=col.n_levels)[: len(col.categories)])
            if present.size == 1:
                out[name] = int(present[0])
        else:
            v = col.values[np.isfinite(col.values)]
            if v.size and float(v.min()) == float(v.max()):
                out[name] = float(v[0])
    return out


def moves(column: Column, single: Any) -> bool:
    """Whether the rows hold a non-missing value other than the reference's single value."""
    if column.is_categorical:
        codes = column.values
        return bool(((codes != single) & (codes != column.missing_code)).any())
    v = column.values[np.isfinite(column.values)]
    return bool(v.size and (v != single).any())


def labelled_rows(rows: Dataset) -> int | None:
    """Rows with a target (None without a target column)."""
    if rows.y_true is None:
        return None
    if rows.y_true.dtype.kind == "f":
        return int(np.isfinite(rows.y_true).sum())
    return int((rows.y_true >= 0).sum())


class FactsCollector:
    """Fitted on the reference; passed to an engine beside the streaming steps (same chunk_stats call)."""

    name: ClassVar[str] = "(analysis facts)"

    def __init__(self, reference: Dataset, reference_chunks: Sequence[Chunk]) -> None:
        self.constant = constant_features(reference)
        self.support_model = fit_support_model(reference, reference_chunks)

    def chunk_stats(self, rows: Dataset, meta: Chunk) -> ChunkFacts:
        columns = rows.monitored_columns()
        return ChunkFacts(
            rows=rows.n_rows,
            missing={name: int(col.missing_mask().sum()) for name, col in columns.items()},
            unseen={
                name: int((col.values == col.unseen_code).sum()) for name, col in columns.items() if col.is_categorical
            },
            labelled=labelled_rows(rows),
            moved=tuple(n for n, single in self.constant.items() if moves(rows.features[n], single)),
            support=chunk_support(self.support_model, rows),
        )

    def finalize(self, chunks: Sequence[Chunk], stats: Sequence[ChunkFacts]) -> PeriodFacts:
        return PeriodFacts(tuple(c.index for c in chunks), tuple(stats), self.support_model)
