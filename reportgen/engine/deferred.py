"""The analysis period of a streamed run as a Dataset whose rows are read only if something asks.

A streamed run keeps no analysis rows: the steps and the report read per-chunk statistics. A part
that does not (a plug-in reading `data.analysis`) still finds
`data.analysis` a Dataset: touching its row arrays reads the whole period into memory once, with a
warning, and gives the same numbers as an in-memory run.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from reportgen.dataset import Dataset

ROW_FIELDS = frozenset({"features", "y_pred", "y_proba", "y_true", "timestamps", "ids", "outputs"})


class StreamingFallbackWarning(UserWarning):
    """A streamed run read the whole analysis period into memory for a part that cannot stream."""


class DeferredDataset(Dataset):
    """n_rows, classes and source at hand; the row arrays (ROW_FIELDS) come from `load` on first use."""

    def __init__(self, *, n_rows: int, classes: tuple, source: str, load: Callable[[], Dataset]) -> None:
        super().__init__(
            period="analysis", n_rows=n_rows, features={}, y_pred=np.zeros(0), classes=classes, source=source
        )
        object.__setattr__(self, "_load", load)
        object.__setattr__(self, "_rows", None)

    def __getattribute__(self, name: str) -> Any:
        if name in ROW_FIELDS:
            return getattr(object.__getattribute__(self, "rows")(), name)
        return object.__getattribute__(self, name)

    @property
    def loaded(self) -> bool:
        """Whether the rows were read (a part of the run could not stream)."""
        return object.__getattribute__(self, "_rows") is not None

    def rows(self) -> Dataset:
        """The whole period in memory, read once."""
        rows = object.__getattribute__(self, "_rows")
        if rows is None:
            warnings.warn(
                f"{self.source}: reading the whole analysis period into memory ({self.n_rows:,} rows) for a part "
                "of the run that reads analysis rows instead of per-chunk statistics; see README 'Engines'",
                StreamingFallbackWarning,
                stacklevel=3,
            )
            rows = object.__getattribute__(self, "_load")()
            object.__setattr__(self, "_rows", rows)
        return rows
