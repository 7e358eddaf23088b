"""What the reference fixes about the analysis data (features, kinds, vocabularies, classes), and one
analysis chunk's rows turned into a Dataset with it, wherever those rows are read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.config import Config
from reportgen.dataset import Dataset, Kind, MonitoringData, build_dataset
from reportgen.io import _numeric, check_classes, check_probabilities


@dataclass(frozen=True)
class AnalysisSchema:
    """Features in order, their kinds, the categorical vocabularies and the class labels."""

    features: tuple[str, ...]
    kinds: dict[str, Kind]
    vocabularies: dict[str, tuple]
    classes: tuple

    @classmethod
    def of(cls, data: MonitoringData) -> AnalysisSchema:
        """The schema the prepared reference period was encoded with."""
        return cls.of_reference(data.reference)

    @classmethod
    def of_reference(cls, ref: Dataset) -> AnalysisSchema:
        """The schema a prepared reference Dataset was encoded with."""
        return cls(
            features=tuple(ref.features),
            kinds={name: col.kind for name, col in ref.features.items()},
            vocabularies={name: col.categories for name, col in ref.features.items() if col.is_categorical},
            classes=tuple(ref.classes),
        )

    def columns(self, config: Config) -> list[str]:
        """Every input column an analysis chunk needs (id, timestamp, outputs, target, features)."""
        cols = config.columns
        proba = cols.predicted_probability
        proba_cols = list(proba.values()) if isinstance(proba, dict) else ([proba] if proba else [])
        wanted = [cols.id, cols.timestamp, cols.prediction, *proba_cols, cols.target, *self.features]
        return [c for c in dict.fromkeys(wanted) if c]


def encode_chunk(
    frame: pd.DataFrame, config: Config, schema: AnalysisSchema, *, timestamps: np.ndarray | None, source: str
) -> Dataset:
    """One analysis chunk's rows (already in time order) as a Dataset, after the row-level checks.

    `timestamps` are the chunk's parsed times (datetime64[ns], parsed once for the whole period).
    Whole-period checks (unique ids, a feature missing everywhere) belong to the engine.
    """
    for name in schema.features:
        if schema.kinds[name] == "continuous":
            _numeric(
                frame[name],
                source=source,
                column=name,
                what="values of a continuous feature",
                fix="list the column under columns.categorical or fix the values",
            )
    cols = config.columns
    if config.problem_type == "regression":
        _numeric(
            frame[cols.prediction],
            source=source,
            column=cols.prediction,
            what="regression predictions",
            fix="predictions must be numbers",
            allow_missing=False,
        )
    else:
        proba = cols.predicted_probability
        for name in list(proba.values()) if isinstance(proba, dict) else [proba] if proba else []:
            check_probabilities(frame[name], source=source, column=name)
        check_classes(frame, config, schema.classes, source=source, period="analysis")
    if timestamps is not None and cols.timestamp:
        frame = frame.assign(**{cols.timestamp: timestamps})
    return build_dataset(
        frame.reset_index(drop=True),
        config,
        period="analysis",
        features=list(schema.features),
        kinds=schema.kinds,
        vocabularies=schema.vocabularies,
        classes=schema.classes,
        source=source,
    )
