"""Which engine a run uses (the `engine:` config key), whether it can run here, and building it.

`local` streams a Parquet analysis file or folder chunk by chunk when `engine.stream` is true, or
when it is `auto` (the default) and the Parquet data holds more than STREAM_ROWS rows; otherwise
the analysis period is read into memory. `spark` needs pyspark and Java, checked before any data
is read so that a missing piece is one line and exit 2.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from reportgen.chunking import Chunk
    from reportgen.config import Config
    from reportgen.dataset import Dataset, MonitoringData
    from reportgen.engine.local import Engine
    from reportgen.engine.targets import ChunkTargets

# Above this many analysis rows a Parquet source streams under `stream: auto`: in memory, 2M rows x
# 25 features already peak near 2.5 GB, while streaming costs ~20% more CPU (benchmarks/bench_engine.py).
STREAM_ROWS = 2_000_000
PARQUET_SUFFIXES = (".parquet", ".pq")
SPARK_MODULE = "reportgen.engine.spark"


def is_parquet_source(value: object) -> bool:
    """A Parquet file (.parquet/.pq) or a folder holding Parquet files."""
    if not isinstance(value, str):
        return False
    path = Path(value)
    if path.is_dir():
        return any(path.rglob("*.parquet"))
    return path.suffix.lower() in PARQUET_SUFFIXES


def parquet_rows(path: str | Path) -> int:
    """Rows of a Parquet file or folder, from the files' footers (no data read)."""
    import pyarrow.parquet as pq

    path = Path(path)
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def streams_analysis(config: Config) -> bool:
    """Whether a local run reads the analysis period chunk by chunk (see the module docstring)."""
    settings = config.engine
    if settings.type != "local" or settings.stream is False:
        return False
    parquet = is_parquet_source(config.analysis)
    if settings.stream is True:
        if not parquet:
            raise ConfigError(
                f"stream: true reads a Parquet file or folder chunk by chunk, found analysis {config.analysis!r}; "
                "give a .parquet file or a folder of them, or set engine.stream to auto",
                file=config.source,
                key="engine.stream",
            )
        return True
    if not parquet or not Path(str(config.analysis)).exists():
        return False
    return parquet_rows(str(config.analysis)) > STREAM_ROWS


def check_engine_available(config: Config) -> None:
    """ConfigError (exit 2, one line) when the chosen engine cannot run on this machine."""
    if config.engine.type != "spark":
        return
    where = {"file": config.source, "key": "engine.type"}
    if not module_available("pyspark"):
        raise ConfigError(
            'the Spark engine needs pyspark: pip install "reportgen[spark]" (or set engine.type: local)', **where
        )
    if not java_available():
        raise ConfigError(
            "the Spark engine needs Java (a JDK 17): install one (apt-get install openjdk-17-jre-headless) "
            "or set JAVA_HOME to its folder",
            **where,
        )
    if not module_available(SPARK_MODULE):
        raise ConfigError("this reportgen build has no Spark engine; set engine.type: local", **where)


def module_available(name: str) -> bool:
    """Whether `name` can be imported here (found on the path; not imported)."""
    return importlib.util.find_spec(name) is not None


def java_available() -> bool:
    """A `java` executable under $JAVA_HOME/bin, or on the PATH when JAVA_HOME is not set."""
    home = os.environ.get("JAVA_HOME")
    if home:
        return (Path(home) / "bin" / "java").is_file()
    return shutil.which("java") is not None


def make_engine(
    config: Config,
    reference: Dataset,
    reference_chunks: Sequence[Chunk],
    analysis: MonitoringData | None = None,
    *,
    targets: ChunkTargets | None = None,
) -> Engine:
    """The engine of `config.engine` for the analysis source of `config`.

    `reference` fixes the analysis schema; `analysis` (prepared in memory) is read only by the
    in-memory engine: streamed and Spark runs read `config.analysis` and make the chunks themselves.
    `targets` (a targets file) is joined onto each chunk by the streaming Parquet engine.
    """
    from reportgen.engine.schema import AnalysisSchema

    check_engine_available(config)
    schema = AnalysisSchema.of_reference(reference)
    first_index = len(reference_chunks)
    if config.engine.type == "spark":
        import importlib

        spark = importlib.import_module(SPARK_MODULE)
        engine: Engine = spark.SparkEngine(config, schema, first_index=first_index)
        return engine
    if streams_analysis(config):
        from reportgen.engine.parquet import ParquetEngine

        return ParquetEngine(
            str(config.analysis),
            config,
            schema,
            first_index=first_index,
            batch_rows=config.engine.batch_rows,
            targets=targets,
        )
    if analysis is None:
        raise ValueError("the in-memory engine needs the prepared analysis data")
    from reportgen.engine.local import LocalEngine

    return LocalEngine(analysis.analysis, analysis.analysis_chunks)
