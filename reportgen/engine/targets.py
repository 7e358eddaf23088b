"""A targets file joined onto each streamed chunk by id: what io.join_targets does for the whole
period, with the targets indexed once so that a chunk's join costs a lookup per row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen.config import Config
from reportgen.errors import DataError
from reportgen.io import check_unique_ids


class ChunkTargets:
    """The targets file's `columns.target` values keyed by `columns.id`, checked once (ids unique)."""

    def __init__(self, targets: pd.DataFrame, config: Config, *, source: str) -> None:
        id_col, target = config.columns.id, config.columns.target
        if not id_col:
            raise DataError("a targets file needs columns.id to join on; set it in the config", file=source)
        if not target:
            raise DataError(
                "a targets file needs columns.target (the target column's name); set it in the config", file=source
            )
        missing = [c for c in (id_col, target) if c not in targets.columns]
        if missing:
            raise DataError(
                f"missing column(s) {', '.join(repr(m) for m in missing)}; the targets file needs '{id_col}' "
                f"(columns.id) and '{target}' (columns.target), it has {', '.join(map(str, list(targets.columns)[:20]))}",
                file=source,
            )
        check_unique_ids(targets, id_col, source=source)
        self.id_col, self.target = id_col, target
        self.values = targets[target].reset_index(drop=True)
        self.keys = pd.Index(targets[id_col])
        self.numeric = pd.api.types.is_numeric_dtype(targets[id_col])
        self._text_keys: pd.Index | None = None

    def join(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The chunk's rows with the target column taken from the targets file (missing where no id matches)."""
        base = frame.drop(columns=[self.target]) if self.target in frame.columns else frame
        ids = base[self.id_col]
        keys = self.keys
        if pd.api.types.is_numeric_dtype(ids) != self.numeric:  # numbers in one file, text in the other
            if self._text_keys is None:
                self._text_keys = pd.Index(self.keys.astype(str))
            keys, ids = self._text_keys, ids.astype(str)
            base = base.assign(**{self.id_col: ids})  # as io.join_targets: the ids become text
        pos = keys.get_indexer(ids)
        found = pos >= 0
        values = self.values.take(np.where(found, pos, 0))
        if not found.all():
            values = values.where(pd.Series(found, index=values.index))
        return base.assign(**{self.target: values.to_numpy()})
