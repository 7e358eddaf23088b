"""Read the input files, join targets, check columns and values, and prepare MonitoringData.

Every problem found becomes one DataError naming the file, the column, what was found and what to
do. Checks run once per column with vectorised pandas/numpy operations (a 10M-row file costs a few
passes over each column), before anything is computed or written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reportgen.chunking import Chunk, chunker_from_config
from reportgen.config import Config
from reportgen.dataset import (
    Dataset,
    Kind,
    MonitoringData,
    build_dataset,
    class_labels,
    encode_classes,
    feature_names,
    infer_kind,
    to_float,
    vocabulary,
)
from reportgen.errors import DataError
from reportgen.files import check_input_file, encoding_message

PathLike = str | Path
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


def read_table(path: PathLike) -> pd.DataFrame:
    """A CSV or Parquet file, chosen by extension (.csv, .csv.gz, .tsv, .parquet, .pq)."""
    path = Path(path)
    check_input_file(path, what="data file", error=DataError)
    name = path.name.lower()
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = read_parquet(path)
        elif suffix in CSV_SUFFIXES or name.endswith(tuple(s + ".gz" for s in CSV_SUFFIXES)):
            frame = pd.read_csv(path, sep="\t" if ".tsv" in name else ",", low_memory=False)
        else:
            raise DataError(f"unknown file type '{suffix}'; use .csv or .parquet", file=str(path))
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(
            "the file is empty; export the data again (a header row and at least one data row)", file=str(path)
        ) from None
    except UnicodeDecodeError as exc:
        raise DataError(encoding_message(exc), file=str(path)) from None
    except PermissionError:
        raise DataError(
            "permission denied; fix the file's permissions (chmod +r) or run as its owner", file=str(path)
        ) from None
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(
            f"cannot read the file ({first}); check that it is valid {_format_name(name)}", file=str(path)
        ) from None
    if len(frame) == 0:
        raise DataError("the file has a header but no rows; export the data again", file=str(path))
    check_separator(frame, path)
    return frame


def _format_name(name: str) -> str:
    """'gzip-compressed CSV', 'Parquet', 'CSV' for a file name (for messages)."""
    if name.endswith((".parquet", ".pq")):
        return "Parquet"
    kind = "TSV" if ".tsv" in name else "CSV"
    return f"gzip-compressed {kind}" if name.endswith(".gz") else kind


def check_separator(frame: pd.DataFrame, path: Path) -> None:
    """A one-column CSV whose header holds `;` (or tabs) was written with another separator: say so."""
    if frame.shape[1] != 1:
        return
    header = str(frame.columns[0])
    for sep, word in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
        if sep in header:
            fix = "save it with the .tsv extension" if sep == "\t" else "export it again with commas (,) between values"
            raise DataError(
                f"the file reads as one column {_show(header)}: it is {word}-separated ({sep!r}), reportgen reads "
                f"comma-separated CSV; {fix}",
                file=str(path),
            )


def read_parquet(path: Path) -> pd.DataFrame:
    """Parquet through pyarrow: text columns as categoricals, Arrow buffers freed while converting.

    Text read as dictionaries arrives as pandas categoricals (codes + a small vocabulary) instead of
    one string object per row: 2x faster and far smaller, and categorical encoding then works on
    the codes. `self_destruct` + `split_blocks` free each Arrow column as it becomes a pandas
    column; one thread without pre-buffering keeps the peak near one copy of the data (measured at
    10M rows x 30 columns: 3.1 GB peak instead of 6.3 GB with pd.read_parquet, 3 CPU s instead of 13).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    table = pq.read_table(path, read_dictionary=text or None, use_threads=False, pre_buffer=False)
    return table.to_pandas(split_blocks=True, self_destruct=True)


def join_targets(
    analysis: pd.DataFrame,
    targets: pd.DataFrame,
    config: Config,
    *,
    targets_source: str | None = None,
    analysis_source: str | None = None,
) -> pd.DataFrame:
    """Left-join the targets file onto analysis by the id column (rows without a target stay)."""
    id_col = config.columns.id
    target = config.columns.target
    if not id_col:
        raise DataError("a targets file needs columns.id to join on; set it in the config", file=targets_source)
    if not target:
        raise DataError(
            "a targets file needs columns.target (the target column's name); set it in the config", file=targets_source
        )
    missing = [c for c in (id_col, target) if c not in targets.columns]
    if missing:
        raise DataError(
            f"missing column(s) {_names(missing)}; the targets file needs '{id_col}' (columns.id) and '{target}' (columns.target), "
            f"it has {_names(list(targets.columns)[:20])}",
            file=targets_source,
        )
    check_unique_ids(targets, id_col, source=targets_source or "targets data")
    check_unique_ids(analysis, id_col, source=analysis_source or "analysis data")
    base = analysis.drop(columns=[target]) if target in analysis.columns else analysis
    keyed = targets[[id_col, target]]
    if keyed[id_col].dtype != base[id_col].dtype and (
        pd.api.types.is_numeric_dtype(keyed[id_col]) != pd.api.types.is_numeric_dtype(base[id_col])
    ):
        # ids read as numbers in one file and as text in the other: join on their text.
        keyed = keyed.assign(**{id_col: keyed[id_col].astype(str)})
        base = base.assign(**{id_col: base[id_col].astype(str)})
    return base.merge(keyed, on=id_col, how="left", validate="one_to_one")


def prepare_data(
    config: Config,
    reference: pd.DataFrame,
    analysis: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    *,
    sources: Mapping[str, str] | None = None,
) -> MonitoringData:
    """Check both periods, sort by timestamp, encode and chunk: the input of every step."""
    sources = dict(sources or {})
    ref_src, ana_src = sources.get("reference", "reference data"), sources.get("analysis", "analysis data")
    if targets is not None:
        check_columns(analysis, config, [], source=ana_src, need_target=False, only_id=True)
        analysis = join_targets(
            analysis, targets, config, targets_source=sources.get("targets", "targets data"), analysis_source=ana_src
        )
    ref_ds, ref_chunks = prepare_reference(config, reference, source=ref_src)
    features = list(ref_ds.features)
    kinds = {n: c.kind for n, c in ref_ds.features.items()}
    check_columns(analysis, config, features, source=ana_src, need_target=False)
    check_values(analysis, config, features, kinds, source=ana_src)
    analysis = sort_by_time(analysis, config, source=ana_src)
    if ref_ds.classes:
        check_classes(analysis, config, ref_ds.classes, source=ana_src, period="analysis")
    vocabularies = {n: c.categories for n, c in ref_ds.features.items() if c.is_categorical}
    ana_ds = build_dataset(
        analysis,
        config,
        period="analysis",
        features=features,
        kinds=kinds,
        vocabularies=vocabularies,
        classes=ref_ds.classes,
        source=ana_src,
    )
    check_chunk_count(config, ana_ds.n_rows, period="analysis", source=ana_src)
    ana_chunks = chunker_from_config(config.chunking).split(
        ana_ds.n_rows, ana_ds.timestamps, period="analysis", first_index=len(ref_chunks), source=ana_src
    )
    check_chunk_plan(config, ana_chunks, period="analysis", source=ana_src)
    return MonitoringData(config, ref_ds, ana_ds, tuple(ref_chunks), tuple(ana_chunks))


def prepare_reference(config: Config, reference: pd.DataFrame, *, source: str) -> tuple[Dataset, list[Chunk]]:
    """The reference checked, sorted, encoded and chunked; it fixes the features, kinds, vocabularies
    and classes the analysis period is encoded with (in memory, or chunk by chunk when streamed)."""
    features = feature_names(config, reference)
    if not features:
        raise DataError(
            "no feature columns: every column plays another role; list them under columns.features", file=source
        )
    check_columns(reference, config, features, source=source, need_target=True)
    kinds = feature_kinds(config, reference, features)
    check_values(reference, config, features, kinds, source=source)
    reference = sort_by_time(reference, config, source=source)
    vocabularies = {n: vocabulary(reference[n]) for n in features if kinds[n] == "categorical"}
    classes = () if config.problem_type == "regression" else class_labels(config, reference)
    if classes:
        check_classes(reference, config, classes, source=source, period="reference")
    ref_ds = build_dataset(
        reference,
        config,
        period="reference",
        features=features,
        kinds=kinds,
        vocabularies=vocabularies,
        classes=classes,
        source=source,
    )
    check_chunk_count(config, ref_ds.n_rows, period="reference", source=source)
    ref_chunks = chunker_from_config(config.chunking).split(
        ref_ds.n_rows, ref_ds.timestamps, period="reference", source=source
    )
    check_chunk_plan(config, ref_chunks, period="reference", source=source)
    return ref_ds, ref_chunks


def check_chunk_count(config: Config, n_rows: int, *, period: str, source: str) -> None:
    """Refuse size chunking that would make more than chunking.max_chunks chunks, before building them."""
    size, limit = config.chunking.size, config.chunking.max_chunks
    if size is not None and n_rows // size > limit:
        raise DataError(
            f"the {period} data has {n_rows:,} rows: chunks of {size:,} make {n_rows // size:,} chunks, more than "
            f"chunking.max_chunks ({limit:,}); use a larger chunking.size (at least {-(-n_rows // limit):,}) "
            "or raise chunking.max_chunks",
            file=source,
        )


def check_chunk_plan(config: Config, chunks: list[Chunk], *, period: str, source: str) -> None:
    """At most chunking.max_chunks chunks, typically holding at least chunking.min_rows rows.

    The floor applies to the median chunk: one stray row in a later period is a small chunk to
    flag in the report, while a chunking whose usual chunk is a handful of rows gives only noise.
    """
    cfg = config.chunking
    if len(chunks) > cfg.max_chunks:
        raise DataError(
            f"the {period} data splits into {len(chunks):,} chunks, more than chunking.max_chunks ({cfg.max_chunks:,}); "
            "use longer chunks (chunking.size, chunking.number or a longer chunking.period) or raise chunking.max_chunks",
            file=source,
        )
    if not chunks:
        return
    typical = float(np.median([c.rows for c in chunks]))
    if typical < cfg.min_rows:
        n_rows = sum(c.rows for c in chunks)
        fewer = max(1, n_rows // cfg.min_rows)
        raise DataError(
            f"the {period} data's {len(chunks):,} chunks hold {typical:g} rows each (median), below the floor "
            f"chunking.min_rows ({cfg.min_rows}): statistics of so few rows are noise; use fewer, larger chunks "
            f"(e.g. chunking.number: {fewer}) or lower chunking.min_rows",
            file=source,
        )


def feature_kinds(config: Config, reference: pd.DataFrame, features: list[str]) -> dict[str, Kind]:
    """Continuous or categorical per feature: the config's lists first, else the reference dtype."""
    cols = config.columns
    kinds: dict[str, Kind] = {}
    for name in features:
        if name in cols.categorical:
            kinds[name] = "categorical"
        elif name in cols.continuous:
            kinds[name] = "continuous"
        else:
            kinds[name] = infer_kind(reference[name])
    return kinds


def roles(config: Config, features: list[str]) -> dict[str, str]:
    """Column name -> the config key that names it (for messages: 'y_pred' -> 'columns.prediction')."""
    cols = config.columns
    out: dict[str, str] = {}
    for key in ("id", "timestamp", "prediction", "target"):
        name = getattr(cols, key)
        if name:
            out[name] = f"columns.{key}"
    proba = cols.predicted_probability
    if isinstance(proba, dict):
        for label, name in proba.items():
            out[name] = f"columns.predicted_probability.{label}"
    elif proba:
        out[proba] = "columns.predicted_probability"
    for name in features:
        out.setdefault(name, "columns.features" if cols.features is not None else "a feature")
    return out


def check_columns(
    frame: pd.DataFrame, config: Config, features: list[str], *, source: str, need_target: bool, only_id: bool = False
) -> None:
    """Every configured column is present; all missing ones are listed at once, with their config key."""
    cols = config.columns
    proba = cols.predicted_probability
    proba_cols = list(proba.values()) if isinstance(proba, dict) else ([proba] if proba else [])
    wanted = (
        [cols.id] if only_id else [c for c in (cols.id, cols.timestamp, cols.prediction, *proba_cols) if c] + features
    )
    if need_target and cols.target and not only_id:
        wanted.append(cols.target)
    wanted = [c for c in wanted if c]
    role = roles(config, features)
    missing = [c for c in dict.fromkeys(wanted) if c not in frame.columns]
    if missing:
        listed = ", ".join(f"'{m}' ({role.get(m, 'config')})" for m in missing)
        have = _names(list(frame.columns)[:20]) + (" ..." if len(frame.columns) > 20 else "")
        raise DataError(
            f"missing column(s) {listed}; the file has {have}; fix the names under columns: in the config or in the file",
            file=source,
        )


def check_unique_ids(frame: pd.DataFrame, id_col: str, *, source: str) -> None:
    """Ids are unique (they join targets and identify rows in the report)."""
    ids = frame[id_col]
    if isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iu" and len(ids) > 1:
        values = ids.to_numpy()
        if bool((values[1:] > values[:-1]).all()):
            return  # strictly increasing integers (the usual export): unique without hashing
    dup = ids.duplicated(keep=False)
    if dup.any():
        first = ids[dup].iloc[0]
        rows = np.flatnonzero((ids == first).to_numpy())[:2] + 1
        n_ids = int(ids[dup].nunique())
        raise DataError(
            f"duplicate id {_show(first)} (data rows {rows[0]} and {rows[1]}; {n_ids:,} id(s) repeated); "
            "each row needs its own id: remove the duplicates or point columns.id at a unique column",
            file=source,
            column=id_col,
        )
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0]) + 1
        raise DataError(
            f"missing id at data row {row} ({int(ids.isna().sum()):,} rows); give every row an id",
            file=source,
            column=id_col,
        )


def check_values(
    frame: pd.DataFrame, config: Config, features: list[str], kinds: Mapping[str, Kind], *, source: str
) -> None:
    """Ids unique, model outputs numeric and in range, no feature entirely missing."""
    cols = config.columns
    if cols.id:
        check_unique_ids(frame, cols.id, source=source)
    for name in features:
        series = frame[name]
        if series.isna().all():
            raise DataError(
                f"every value is missing ({len(series):,} rows); fix the export or leave the feature out (columns.features)",
                file=source,
                column=name,
            )
        if kinds[name] == "continuous":
            _numeric(
                series,
                source=source,
                column=name,
                what="values of a continuous feature",
                fix="list the column under columns.categorical or fix the values",
            )
    if config.problem_type == "regression":
        _numeric(
            frame[cols.prediction],
            source=source,
            column=cols.prediction,
            what="regression predictions",
            fix="predictions must be numbers",
            allow_missing=False,
        )
        if cols.target and cols.target in frame:
            _numeric(
                frame[cols.target],
                source=source,
                column=cols.target,
                what="regression targets",
                fix="targets must be numbers (leave unknown targets empty)",
            )
        return
    proba = cols.predicted_probability
    for name in list(proba.values()) if isinstance(proba, dict) else [proba] if proba else []:
        check_probabilities(frame[name], source=source, column=name)
    pred = frame[cols.prediction]
    if pred.isna().any():
        row = int(np.flatnonzero(pred.isna().to_numpy())[0]) + 1
        raise DataError(
            f"{int(pred.isna().sum()):,} rows have no predicted class (first at data row {row}); every row needs the model's prediction",
            file=source,
            column=cols.prediction,
        )


def _numeric(
    series: pd.Series, *, source: str, column: str, what: str, fix: str, allow_missing: bool = True
) -> np.ndarray:
    """float64 values; a DataError naming the first non-numeric value (and missing ones if not allowed)."""
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        values = to_float(series)  # a view for float64 columns: no copy
    else:
        coerced = pd.to_numeric(series, errors="coerce")
        bad = coerced.isna() & series.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{what} must be numeric, found {_show(series.iloc[row])} at data row {row + 1} ({int(bad.sum()):,} such rows); {fix}",
                file=source,
                column=column,
            )
        values = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
    inf = np.isinf(values)
    if inf.any():  # binning, means and PCA cannot use infinities; they are never a real measurement
        row = int(np.flatnonzero(inf)[0])
        raise DataError(
            f"{what} must be finite, found {values[row]} at data row {row + 1} ({int(inf.sum()):,} such rows); "
            "replace infinities with a number or leave the cells empty (counted as missing)",
            file=source,
            column=column,
        )
    check_magnitude(values, what=what, source=source, column=column)
    if not allow_missing:
        nan = np.isnan(values)
        if nan.any():
            raise DataError(
                f"{int(nan.sum()):,} rows have no value (first at data row {int(np.flatnonzero(nan)[0]) + 1}); {fix}",
                file=source,
                column=column,
            )
    return values


MAX_MAGNITUDE = 1e150  # squares and sums of squares of 1e8 such values stay below float64's 1.8e308


def check_magnitude(values: np.ndarray, *, what: str, source: str, column: str) -> None:
    """Refuse values so large that variances, squared errors or their sums would overflow float64."""
    with np.errstate(invalid="ignore"):
        huge = np.abs(values) > MAX_MAGNITUDE
    if huge.any():
        row = int(np.flatnonzero(huge)[0])
        raise DataError(
            f"{what} reach {values[row]:.3g} at data row {row + 1} ({int(huge.sum()):,} rows beyond ±{MAX_MAGNITUDE:.0e}): "
            "variances and squared errors of such values overflow; rescale the column (e.g. log or a smaller unit) "
            "or leave it out of columns.features",
            file=source,
            column=column,
        )


def check_probabilities(series: pd.Series, *, source: str, column: str) -> None:
    """Predicted probabilities are numbers in [0, 1], never missing."""
    values = _numeric(
        series,
        source=source,
        column=column,
        what="predicted probabilities",
        fix="write the model's probabilities as numbers in [0, 1]",
    )
    nan = np.isnan(values)
    if nan.any():
        row = int(np.flatnonzero(nan)[0]) + 1
        raise DataError(
            f"predicted probabilities are missing (NaN) in {int(nan.sum()):,} rows, first at data row {row}; every row needs a probability in [0, 1]",
            file=source,
            column=column,
        )
    outside = (values < 0.0) | (values > 1.0)
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise DataError(
            f"predicted probabilities must lie in [0, 1], found {values[row]:g} at data row {row + 1} ({int(outside.sum()):,} such rows); "
            "use the model's probabilities (e.g. predict_proba), not scores or logits",
            file=source,
            column=column,
        )


def check_classes(frame: pd.DataFrame, config: Config, classes: tuple, *, source: str, period: str) -> None:
    """Predicted (and true) classes are among the model's classes: known in the reference."""
    cols = config.columns
    if period == "reference" and config.problem_type == "binary_classification":
        labels = vocabulary(
            pd.concat([frame[cols.prediction]] + ([frame[cols.target]] if cols.target in frame else []))
        )
        if len(labels) > 2:
            raise DataError(
                f"binary_classification needs two classes, found {len(labels)}: {_names(list(labels)[:10])}; "
                "use problem_type multiclass_classification or fix the labels",
                file=source,
                column=cols.prediction,
            )
    where = "the reference" if config.problem_type == "binary_classification" else "columns.predicted_probability"
    for name, role in ((cols.prediction, "predicted class"), (cols.target, "target class")):
        if not name or name not in frame:
            continue
        codes = encode_classes(frame[name], classes)
        unknown = codes == -2
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            value = frame[name].iloc[row]
            raise DataError(
                f"{role} {_show(value)} (data row {row + 1}, {int(unknown.sum()):,} rows) is not one of the model's classes "
                f"{_names(list(classes))} known from {where}; retrain or map the label to a known class",
                file=source,
                column=name,
            )


def sort_by_time(frame: pd.DataFrame, config: Config, *, source: str) -> pd.DataFrame:
    """Stable sort by the timestamp column, which must parse (ISO 8601 recommended)."""
    ts = config.columns.timestamp
    if not ts:
        return frame.reset_index(drop=True)
    parsed = parse_timestamps(frame[ts], source=source, column=ts)
    values = parsed.to_numpy(dtype="datetime64[ns]")
    if len(values) > 1 and not (values[1:] >= values[:-1]).all():
        order = np.argsort(values, kind="stable")
        frame = frame.iloc[order]
        parsed = parsed.iloc[order]
    frame = frame.reset_index(drop=True)
    frame[ts] = parsed.to_numpy(dtype="datetime64[ns]")
    return frame


def parse_timestamps(series: pd.Series, *, source: str, column: str) -> pd.Series:
    """datetime64 (time zones converted to UTC); a DataError naming the first value that does not parse."""
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
    else:
        if pd.api.types.is_numeric_dtype(series):
            raise DataError(
                f"timestamps must be dates and times, found the number {_show(series.dropna().iloc[0])}; use ISO 8601 such as 2024-11-27T10:00:00",
                file=source,
                column=column,
            )
        parsed = _to_datetime(series, None)
        bad = parsed.isna() & series.notna()
        if bad.any():
            parsed = _to_datetime(series, "mixed")
            bad = parsed.isna() & series.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"cannot parse timestamp {_show(series.iloc[row])} at data row {row + 1} ({int(bad.sum()):,} such rows); "
                "use ISO 8601 such as 2024-11-27T10:00:00",
                file=source,
                column=column,
            )
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    missing = parsed.isna()
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0]) + 1
        raise DataError(
            f"{int(missing.sum()):,} rows have no timestamp (first at data row {row}); give every row a time or remove columns.timestamp",
            file=source,
            column=column,
        )
    return parsed


def _to_datetime(series: pd.Series, fmt: str | None) -> pd.Series:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not infer format": we retry with format="mixed"
        try:
            return pd.to_datetime(series, errors="coerce", format=fmt)
        except (ValueError, TypeError):
            # Mixed time zones: everything to UTC.
            return pd.to_datetime(series, errors="coerce", format=fmt, utc=True)


def _show(value: Any) -> str:
    """A value as the user wrote it: numpy scalars as plain numbers, text quoted, long text cut."""
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _names(values: list[Any]) -> str:
    return ", ".join(_show(v) for v in values)
