"""The inputs a config names, read: reference, analysis and targets (files or SQL sources), and the
baseline results.json a run compares with. Data layer, above io (tables) and sources (SQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from reportgen.config import Config
from reportgen.errors import ConfigError, DataError
from reportgen.io import read_table
from reportgen.sources.spec import SparkSource, SqlSource


def load_inputs(config: Config) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    """Read the reference, analysis and (optional) targets data named in the config (files or SQL sources)."""
    reference_path = reference_source(config)
    if not config.analysis:
        raise DataError(
            f"{config.source or 'config'}: no analysis data; set `analysis:` in the config or pass --analysis"
        )
    reference = read_source(reference_path)
    analysis = read_source(config.analysis)
    targets = read_source(config.targets) if config.targets else None
    return reference, analysis, targets, source_names(config)


def reference_source(config: Config) -> str | SqlSource | SparkSource:
    """The reference data the config names; DataError when it names none."""
    if not config.reference:
        raise DataError(
            f"{config.source or 'config'}: no reference data; set `reference:` in the config or pass --reference"
        )
    return config.reference


def read_reference(config: Config) -> pd.DataFrame:
    """The reference rows the config names; a Spark source ({table} / {sql}) is read through Spark."""
    value = reference_source(config)
    if isinstance(value, SparkSource) and config.engine.type == "spark":
        from reportgen.engine.spark import read_reference as read_through_spark

        return read_through_spark(config)
    return read_source(value)


def source_names(config: Config) -> dict[str, str]:
    """{role: file path or masked SQL source} of the reference, analysis and targets data a config names."""
    roles = {"reference": config.reference, "analysis": config.analysis, "targets": config.targets}
    return {role: source_name(value) for role, value in roles.items() if value}


def read_source(value: str | SqlSource | SparkSource) -> pd.DataFrame:
    """The rows of a data file or a SQL source."""
    if isinstance(value, SparkSource):
        raise ConfigError(
            "{table: ...} / {sql: ...} without url is read through Spark: set engine.type: spark "
            "(or run with --engine spark), or give url: for a database"
        )
    if isinstance(value, SqlSource):
        from reportgen.sources.sql import read_sql

        return read_sql(value)
    if Path(value).is_dir() and any(Path(value).rglob("*.parquet")):
        return read_parquet_folder(Path(value))
    return read_table(value)


def read_parquet_folder(path: Path) -> pd.DataFrame:
    """Every .parquet file under a folder, in path order (the order a streamed run reads them in)."""
    import pyarrow as pa

    from reportgen.io import read_parquet

    files = sorted(str(p) for p in path.rglob("*.parquet"))
    frames = [read_parquet(Path(f)) for f in files]
    try:
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    except (TypeError, ValueError, pa.ArrowException) as exc:
        raise DataError(f"the Parquet files do not share one schema ({exc})", file=str(path)) from None


def source_name(value: str | SqlSource | SparkSource) -> str:
    """The file path, or the SQL source's masked description (used in messages and the report)."""
    if isinstance(value, SparkSource):
        return value.describe()
    from reportgen.sources.url import describe

    return describe(value) if isinstance(value, SqlSource) else str(value)


def read_baseline(config: Config) -> dict[str, Any] | None:
    """The previous run's results.json named by `baseline` (None when not set); DataError when unreadable."""
    if not getattr(config, "baseline", None):
        return None
    path = Path(str(config.baseline))
    if not path.is_file():
        raise DataError("baseline results.json not found; give the results.json of a previous run", file=str(path))
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as exc:
        raise DataError(
            f"baseline is not valid JSON ({exc}); give the results.json of a previous run", file=str(path)
        ) from None
