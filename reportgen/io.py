"""Read the input files, join targets, check columns and dtypes, and prepare MonitoringData.

Every problem found becomes one DataError naming the file, the column and what to do.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd

from reportgen.chunking import chunker_from_config
from reportgen.config import Config
from reportgen.dataset import (
    Kind,
    MonitoringData,
    build_dataset,
    class_labels,
    feature_names,
    infer_kind,
    vocabulary,
)
from reportgen.errors import DataError

PathLike = Union[str, Path]


def read_table(path: PathLike) -> pd.DataFrame:
    """A CSV or Parquet file, chosen by extension."""
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found; check the path in the config or on the command line", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".csv", ".txt") or path.name.endswith(".csv.gz"):
            frame = pd.read_csv(path)
        else:
            raise DataError(f"unknown file type '{suffix}'; use .csv or .parquet", file=str(path))
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", file=str(path)) from None
    except Exception as exc:
        raise DataError(f"cannot read the file: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=str(path)) from None
    if len(frame) == 0:
        raise DataError("the file has a header but no rows", file=str(path))
    return frame


def join_targets(analysis: pd.DataFrame, targets: pd.DataFrame, config: Config, *, targets_source: Optional[str] = None) -> pd.DataFrame:
    """Left-join the targets file onto analysis by the id column."""
    id_col = config.columns.id
    target = config.columns.target
    if not id_col:
        raise DataError("a targets file needs columns.id to join on; set it in the config", file=targets_source)
    for name in (id_col, target):
        if name not in targets.columns:
            raise DataError(f"missing column; the targets file needs '{id_col}' and '{target}'", file=targets_source, column=name)
    if targets[id_col].duplicated().any():
        dup = targets.loc[targets[id_col].duplicated(), id_col].iloc[0]
        raise DataError(f"duplicate id {dup!r}; each id may have one target", file=targets_source, column=id_col)
    base = analysis.drop(columns=[target]) if target in analysis.columns else analysis
    return base.merge(targets[[id_col, target]], on=id_col, how="left", validate="one_to_one")


def prepare_data(
    config: Config,
    reference: pd.DataFrame,
    analysis: pd.DataFrame,
    targets: Optional[pd.DataFrame] = None,
    *,
    sources: Optional[dict[str, str]] = None,
) -> MonitoringData:
    """Check both periods, sort by timestamp, encode and chunk: the input of every step."""
    sources = sources or {}
    ref_src, ana_src = sources.get("reference", "reference data"), sources.get("analysis", "analysis data")
    cols = config.columns
    if targets is not None:
        analysis = join_targets(analysis, targets, config, targets_source=sources.get("targets", "targets data"))
    features = feature_names(config, reference)
    check_columns(reference, config, features, source=ref_src, need_target=True)
    check_columns(analysis, config, features, source=ana_src, need_target=False)
    reference = sort_by_time(reference, config, source=ref_src)
    analysis = sort_by_time(analysis, config, source=ana_src)
    kinds: dict[str, Kind] = {}
    for name in features:
        if name in cols.categorical:
            kinds[name] = "categorical"
        elif name in cols.continuous:
            kinds[name] = "continuous"
        else:
            kinds[name] = infer_kind(reference[name])
    vocabularies = {n: vocabulary(reference[n]) for n in features if kinds[n] == "categorical"}
    classes = () if config.problem_type == "regression" else class_labels(config, reference)
    ref_ds = build_dataset(reference, config, period="reference", features=features, kinds=kinds, vocabularies=vocabularies, classes=classes, source=ref_src)
    ana_ds = build_dataset(analysis, config, period="analysis", features=features, kinds=kinds, vocabularies=vocabularies, classes=classes, source=ana_src)
    chunker = chunker_from_config(config.chunking)
    ref_chunks = chunker.split(ref_ds.n_rows, ref_ds.timestamps, period="reference", source=ref_src)
    ana_chunks = chunker.split(ana_ds.n_rows, ana_ds.timestamps, period="analysis", first_index=len(ref_chunks), source=ana_src)
    return MonitoringData(config, ref_ds, ana_ds, tuple(ref_chunks), tuple(ana_chunks))


def check_columns(frame: pd.DataFrame, config: Config, features: list[str], *, source: str, need_target: bool) -> None:
    """Every configured column is present (all missing ones listed at once)."""
    cols = config.columns
    proba = cols.predicted_probability
    proba_cols = list(proba.values()) if isinstance(proba, dict) else ([proba] if proba else [])
    wanted = [c for c in (cols.id, cols.timestamp, cols.prediction, *proba_cols) if c] + features
    if need_target and cols.target:
        wanted.append(cols.target)
    missing = [c for c in dict.fromkeys(wanted) if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(repr(m) for m in missing)}; the file has {', '.join(map(repr, frame.columns[:20]))}"
            + (" ..." if len(frame.columns) > 20 else ""),
            file=source,
        )


def sort_by_time(frame: pd.DataFrame, config: Config, *, source: str) -> pd.DataFrame:
    """Stable sort by the timestamp column, which must parse."""
    ts = config.columns.timestamp
    if not ts:
        return frame.reset_index(drop=True)
    try:
        parsed = pd.to_datetime(frame[ts])
    except (ValueError, TypeError) as exc:
        raise DataError(f"cannot parse timestamps ({str(exc).splitlines()[0]}); use ISO 8601 such as 2024-11-27T10:00:00", file=source, column=ts) from None
    frame = frame.assign(**{ts: parsed})
    order = np.argsort(parsed.to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def load_inputs(config: Config) -> tuple[pd.DataFrame, pd.DataFrame, Optional[pd.DataFrame], dict[str, str]]:
    """Read the reference, analysis and (optional) targets files named in the config."""
    if not config.reference:
        raise DataError("no reference data: set `reference:` in the config or pass --reference")
    if not config.analysis:
        raise DataError("no analysis data: set `analysis:` in the config or pass --analysis")
    reference = read_table(config.reference)
    analysis = read_table(config.analysis)
    targets = read_table(config.targets) if config.targets else None
    sources = {"reference": config.reference, "analysis": config.analysis}
    if config.targets:
        sources["targets"] = config.targets
    return reference, analysis, targets, sources
