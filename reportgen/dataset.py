"""Dataset: every column of one period as a numpy array, prepared once and shared by every step.

Continuous columns are float64 (NaN = missing). Categorical columns are integer codes against the
reference vocabulary: 0..K-1 for the K reference categories, K for a value never seen in
reference ("unseen"), K+1 for missing; so `np.bincount(codes, minlength=K + 2)` counts everything.
Classification outputs are class codes into `classes`; probabilities are an (n, n_classes) matrix.
Rows are sorted by timestamp (stable) when there is one, so chunks are contiguous index ranges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from reportgen.chunking import Chunk
from reportgen.config import Config
from reportgen.errors import ConfigError

Kind = Literal["continuous", "categorical"]


@dataclass(frozen=True, eq=False)
class Column:
    """One monitored column: values plus, for categoricals, the reference vocabulary."""

    name: str
    kind: Kind
    values: np.ndarray
    categories: tuple = ()
    role: str = "feature"  # feature | prediction | probability | target

    @property
    def is_categorical(self) -> bool:
        return self.kind == "categorical"

    @property
    def unseen_code(self) -> int:
        return len(self.categories)

    @property
    def missing_code(self) -> int:
        return len(self.categories) + 1

    @property
    def n_levels(self) -> int:
        """Reference categories + unseen + missing (bincount length)."""
        return len(self.categories) + 2

    def missing_mask(self) -> np.ndarray:
        if self.is_categorical:
            return self.values == self.missing_code
        return np.isnan(self.values)


@dataclass(frozen=True, eq=False)
class Dataset:
    """One period (reference or analysis) of prepared arrays."""

    period: str
    n_rows: int
    features: Mapping[str, Column]
    y_pred: np.ndarray
    y_proba: np.ndarray | None = None
    y_true: np.ndarray | None = None
    timestamps: np.ndarray | None = None
    ids: np.ndarray | None = None
    classes: tuple = ()
    outputs: Mapping[str, Column] = field(default_factory=dict)
    source: str | None = None
    # What one step computed from these rows for a later step (e.g. per-chunk order statistics that
    # univariate drift reads off its sorted chunks for summary statistics); a chunk's rows get a fresh
    # memo (dataclasses.replace does not copy it), so it lives and dies with those rows.
    memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def has_targets(self) -> bool:
        """True when at least one row has a target."""
        if self.y_true is None:
            return False
        if self.y_true.dtype.kind == "f":
            return bool(np.isfinite(self.y_true).any())
        return bool((self.y_true >= 0).any())

    @property
    def positive_proba(self) -> np.ndarray:
        """Binary classification: the probability of the positive class (classes[1])."""
        return self.probabilities[:, 1]

    @property
    def probabilities(self) -> np.ndarray:
        """The predicted probabilities (rows x classes); classification data only."""
        if self.y_proba is None:
            raise ValueError(f"the {self.period} data has no predicted probabilities (regression data)")
        return self.y_proba

    @property
    def targets(self) -> np.ndarray:
        """The targets (NaN, or -1 for classes, where a row has none); only when the data has a target column."""
        if self.y_true is None:
            raise ValueError(f"the {self.period} data has no target column")
        return self.y_true

    def monitored_columns(self) -> dict[str, Column]:
        """Features, then model outputs (prediction, probabilities, target): what drift steps watch."""
        return {**self.features, **self.outputs}


@dataclass(frozen=True, eq=False)
class MonitoringData:
    """Both periods, their chunks and the config: the one input every step's run() takes."""

    config: Config
    reference: Dataset
    analysis: Dataset
    reference_chunks: tuple[Chunk, ...]
    analysis_chunks: tuple[Chunk, ...]
    notices: tuple[dict[str, Any], ...] = ()  # facts found while reading (reportgen.cautions turns them into warnings)
    facts: Any = None  # PeriodFacts of the analysis chunks (reportgen.engine.facts), set by the run's one pass

    @property
    def chunks(self) -> tuple[Chunk, ...]:
        return self.reference_chunks + self.analysis_chunks

    @property
    def problem_type(self) -> str:
        return self.config.problem_type

    def dataset(self, period: str) -> Dataset:
        return self.reference if period == "reference" else self.analysis

    def chunks_of(self, period: str) -> tuple[Chunk, ...]:
        return self.reference_chunks if period == "reference" else self.analysis_chunks


# --- building -----------------------------------------------------------------------------------


def infer_kind(series: pd.Series) -> Kind:
    """Categorical for strings, booleans and pandas categoricals; continuous for numbers."""
    if isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(series):
        return "categorical"
    if pd.api.types.is_numeric_dtype(series):
        return "continuous"
    return "categorical"


def vocabulary(series: pd.Series) -> tuple:
    """Sorted distinct non-missing values (sorted as strings when types are mixed)."""
    values = pd.unique(series.dropna())
    try:
        return tuple(sorted(values.tolist()))
    except TypeError:
        return tuple(sorted(values.tolist(), key=str))


def encode_categorical(series: pd.Series, categories: tuple) -> np.ndarray:
    """Codes against `categories`: K for unseen, K+1 for missing (int32).

    Factorizes once (hashing each row) and maps the few distinct values to their reference
    positions, so the cost is one pass over the rows whatever the number of categories.
    """
    k = len(categories)
    row_codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = _positions(uniques, categories)
    lookup[lookup < 0] = k
    table = np.append(lookup, k + 1).astype(np.int32)  # row code -1 (missing) -> K + 1
    return table[row_codes]


def _positions(uniques: Any, labels: tuple) -> np.ndarray:
    """Position of each distinct value in `labels` (-1 when absent); matches by text as a fallback."""
    values = np.asarray(uniques, dtype=object)
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    positions = pd.Index(list(labels), dtype=object).get_indexer(values).astype(np.int64)
    absent = positions < 0
    if absent.any():
        # Labels may arrive as strings in one file and ints in another (1 vs "1"), or as floats
        # when a column has missing values (1.0 vs "1"): match on text.
        by_str = {_label_text(c): i for i, c in enumerate(labels)}
        positions[absent] = [by_str.get(_label_text(v), -1) for v in values[absent]]
    return positions


def _label_text(value: Any) -> str:
    """A label as text, whole floats without their '.0' (an int column with gaps reads as float)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_float(series: pd.Series) -> np.ndarray:
    """float64 array, NaN for missing; raises ValueError on non-numeric values.

    A float64 column comes back as a read-only view of the DataFrame's memory (no copy: at 10M
    rows x 20 features a copy costs 1.6 GB); steps never write into prepared arrays.
    """
    if isinstance(series.dtype, np.dtype):
        if series.dtype == np.float64:
            values = series.to_numpy(copy=False)
            if values.flags.writeable and values.base is not None:
                values = values.view()
                values.flags.writeable = False
            return values
        if series.dtype.kind in "iub" or series.dtype.kind == "f":
            return series.to_numpy(dtype=np.float64)
    return pd.to_numeric(series, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)


class FeatureWarning(UserWarning):
    """A column left out of the default features (the user can list it under columns.features)."""


def identifier_like(series: pd.Series) -> bool:
    """Text whose values are almost all distinct (names, ticket numbers, free text): as a category,
    every new value would read as 'unseen' in every chunk."""
    if (
        pd.api.types.is_bool_dtype(series)
        or pd.api.types.is_numeric_dtype(series)
        or isinstance(series.dtype, pd.CategoricalDtype)
    ):
        return False
    return int(series.nunique()) > max(50, len(series) // 2)


def feature_names(config: Config, frame: pd.DataFrame) -> list[str]:
    """Configured features, or every column that plays no other role except identifier-like text
    (left out with a warning; declared categorical columns are always kept)."""
    cols = config.columns
    if cols.features is not None:
        return list(cols.features)
    proba = cols.predicted_probability
    proba_cols = list(proba.values()) if isinstance(proba, dict) else ([proba] if proba else [])
    taken = {cols.id, cols.timestamp, cols.prediction, cols.target, *proba_cols}
    declared = set(cols.categorical or ())
    names = [c for c in frame.columns if c not in taken]
    dropped = [c for c in names if c not in declared and identifier_like(frame[c])]
    if dropped and len(dropped) < len(names):
        import warnings

        warnings.warn(
            f"left out of the features: {', '.join(map(str, dropped))} (text with almost every value distinct, "
            "such as names or identifiers, would read as unseen categories in every chunk); "
            "list them under columns.features to monitor them",
            FeatureWarning,
            stacklevel=2,
        )
        names = [c for c in names if c not in dropped]
    return names


def class_labels(config: Config, reference: pd.DataFrame) -> tuple:
    """Class labels in code order. Binary: (negative, positive); multiclass: the probability map's keys."""
    cols = config.columns
    if config.problem_type == "multiclass_classification":
        assert isinstance(cols.predicted_probability, dict)
        keys = list(cols.predicted_probability)
        seen = pd.concat([reference[cols.prediction]] + ([reference[cols.target]] if cols.target in reference else []))
        # Config keys are strings (YAML/TOML); map them back to the data's label type.
        by_str = {str(v): v for v in pd.unique(seen.dropna())}
        return tuple(by_str.get(str(k), k) for k in keys)
    labels = vocabulary(
        pd.concat([reference[cols.prediction]] + ([reference[cols.target]] if cols.target in reference else []))
    )
    if config.positive_class is not None:
        pos = next((v for v in labels if _label_text(v) == _label_text(config.positive_class)), config.positive_class)
        if len(labels) >= 2 and pos not in labels:
            raise ConfigError(
                f"positive_class {config.positive_class!r} is not one of the labels in the reference ({', '.join(map(repr, labels[:10]))}); "
                "set it to the label of the positive class",
                file=config.source,
                key="positive_class",
            )
    elif len(labels) == 2:
        pos = labels[1]
    elif len(labels) == 1:
        pos = labels[0]
        labels = (pos,)
    else:
        pos = labels[-1]
    negatives = [v for v in labels if v != pos]
    neg = negatives[0] if negatives else (0 if pos != 0 else 1)
    return (neg, pos)


def encode_classes(series: pd.Series, classes: tuple) -> np.ndarray:
    """Class codes 0..n_classes-1; -1 for missing; -2 for a label outside `classes`."""
    row_codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = _positions(uniques, classes)
    lookup[lookup < 0] = -2
    table = np.append(lookup, -1)  # row code -1 (missing) -> -1
    return table[row_codes]


def build_dataset(
    frame: pd.DataFrame,
    config: Config,
    *,
    period: str,
    features: list[str],
    kinds: Mapping[str, Kind],
    vocabularies: Mapping[str, tuple],
    classes: tuple,
    source: str | None = None,
) -> Dataset:
    """Arrays for one period; `frame` must already be sorted and checked (see reportgen.io)."""
    cols = config.columns
    feats: dict[str, Column] = {}
    for name in features:
        if kinds[name] == "categorical":
            feats[name] = Column(
                name, "categorical", encode_categorical(frame[name], vocabularies[name]), vocabularies[name]
            )
        else:
            feats[name] = Column(name, "continuous", to_float(frame[name]))
    outputs: dict[str, Column] = {}
    y_proba = None
    y_true = None
    if config.problem_type == "regression":
        y_pred = to_float(frame[cols.prediction])
        outputs[cols.prediction] = Column(cols.prediction, "continuous", y_pred, role="prediction")
        if cols.target and cols.target in frame:
            y_true = to_float(frame[cols.target])
            outputs[cols.target] = Column(cols.target, "continuous", y_true, role="target")
    else:
        y_pred = encode_classes(frame[cols.prediction], classes)
        label_cats = tuple(classes)
        pred_codes = np.where(y_pred >= 0, y_pred, len(classes) + 1).astype(np.int32)
        outputs[cols.prediction] = Column(cols.prediction, "categorical", pred_codes, label_cats, role="prediction")
        proba = cols.predicted_probability
        if isinstance(proba, dict):
            y_proba = np.column_stack([to_float(frame[proba[k]]) for k in proba])
            for k, colname in proba.items():
                outputs[colname] = Column(colname, "continuous", y_proba[:, list(proba).index(k)], role="probability")
        elif proba is not None:  # config validation requires it for classification
            p = to_float(frame[proba])
            y_proba = np.column_stack([1.0 - p, p])
            outputs[proba] = Column(proba, "continuous", p, role="probability")
        if cols.target and cols.target in frame:
            y_true = encode_classes(frame[cols.target], classes)
            t_codes = np.where(y_true >= 0, y_true, np.where(y_true == -1, len(classes) + 1, len(classes))).astype(
                np.int32
            )
            outputs[cols.target] = Column(cols.target, "categorical", t_codes, label_cats, role="target")
    timestamps = None
    if cols.timestamp and cols.timestamp in frame:
        timestamps = pd.to_datetime(frame[cols.timestamp]).to_numpy(dtype="datetime64[ns]")
    ids = frame[cols.id].to_numpy() if cols.id and cols.id in frame else None
    return Dataset(
        period=period,
        n_rows=len(frame),
        features=feats,
        y_pred=y_pred,
        y_proba=y_proba,
        y_true=y_true,
        timestamps=timestamps,
        ids=ids,
        classes=tuple(classes),
        outputs=outputs,
        source=source,
    )


# --- data summary (report appendix) -------------------------------------------------------------

LOW_CARDINALITY = 12  # an integer column with at most this many distinct values may be a category


def data_summary(data: MonitoringData) -> list[dict[str, Any]]:
    """One row per monitored column for the report's appendix: what reportgen made of the data.

    Keys: name, kind, role, rows, missing, distinct (reference period), analysis_rows,
    analysis_missing (over the analysis chunks: a dropped short last chunk is not counted), and note: why a column deserves a look (a low-cardinality integer treated
    as continuous, a constant column, a categorical with very many levels, unseen categories).
    """
    config = data.config
    declared = set(config.columns.continuous) | set(config.columns.categorical)
    missing, unseen = _analysis_counts(data)
    rows = []
    for name, ref_col in data.reference.monitored_columns().items():
        distinct = _distinct(ref_col)
        rows.append(
            {
                "name": name,
                "kind": ref_col.kind,
                "role": ref_col.role,
                "rows": data.reference.n_rows,
                "missing": int(ref_col.missing_mask().sum()),
                "distinct": distinct,
                "analysis_rows": data.analysis.n_rows,
                "analysis_missing": missing.get(name),
                "note": _summary_note(ref_col, unseen.get(name, 0), distinct, declared),
            }
        )
    return rows


def _analysis_counts(data: MonitoringData) -> tuple[dict[str, int], dict[str, int]]:
    """({column: missing}, {categorical column: unseen values}) over the analysis chunks: from the run's
    per-chunk facts when set (a streamed run has no analysis rows in memory), else from the arrays."""
    if data.facts is not None:
        names = data.reference.monitored_columns()
        missing = {n: m for n in names if (m := data.facts.missing(n)) is not None}
        return missing, {n: data.facts.unseen(n) for n in names}
    rows = np.zeros(data.analysis.n_rows, dtype=bool)
    for chunk in data.analysis_chunks:
        rows[chunk.slice] = True
    columns = data.analysis.monitored_columns().items()
    missing = {n: int((c.missing_mask() & rows).sum()) for n, c in columns}
    unseen = {n: int(((c.values == c.unseen_code) & rows).sum()) for n, c in columns if c.is_categorical}
    return missing, unseen


def _distinct(column: Column) -> int:
    if column.is_categorical:
        present = np.bincount(column.values, minlength=column.n_levels)[: len(column.categories)]
        return int((present > 0).sum())
    values = column.values[~np.isnan(column.values)]
    return int(np.unique(values).size)


def _summary_note(ref: Column, unseen: int, distinct: int, declared: set[str]) -> str:
    notes = []
    if ref.kind == "continuous":
        values = ref.values[~np.isnan(ref.values)]
        whole = values.size > 0 and bool(np.all(values == np.round(values)))
        if distinct <= 1:
            notes.append("constant in the reference: drift on it is meaningless")
        elif whole and distinct <= LOW_CARDINALITY and ref.role == "feature" and ref.name not in declared:
            notes.append(
                f"whole numbers with only {distinct} distinct values, treated as continuous; "
                "if they are codes of categories, list the column under columns.categorical"
            )
    else:
        if distinct > 50 and ref.role == "feature":
            notes.append(f"{distinct} categories: drift on rare categories is noisy; consider grouping them")
        if unseen:
            notes.append(f"{unseen:,} analysis values never seen in the reference")
    return "; ".join(notes)
