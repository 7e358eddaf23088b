"""Fixtures for the SQL source tests: a real PostgreSQL cluster (session) and a SQLite file with the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import simulate_binary

from .pg_cluster import Cluster, start

CONFIG = """
problem_type: binary_classification
reference: {reference}
analysis: {analysis}
columns: {{id: id, timestamp: timestamp, prediction: y_pred, predicted_probability: y_pred_proba, target: y}}
chunking: {{size: 500}}
output: {{formats: [json]}}
"""


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and a shifted analysis period (drift alerts make the comparison meaningful)."""
    return simulate_binary(3000, seed=1), simulate_binary(3000, start=3000, seed=2, shift=0.5)


def write_config(folder: Path, reference: str, analysis: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.yaml"
    path.write_text(CONFIG.format(reference=reference, analysis=analysis), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def pg() -> Iterator[Cluster]:
    """A PostgreSQL cluster holding tables `reference` and `analysis`; the test fails (no skip) if it cannot start."""
    try:
        cluster = start()
    except Exception as exc:  # the reason goes into the failure, never a silent skip
        pytest.fail(f"cannot start a PostgreSQL cluster for the SQL source tests: {exc}", pytrace=False)
    try:
        import adbc_driver_postgresql.dbapi as adbc
        import pyarrow as pa

        with adbc.connect(cluster.url(scheme="postgresql")) as conn, conn.cursor() as cursor:
            for name, frame in zip(("reference", "analysis"), frames()):
                cursor.adbc_ingest(name, pa.Table.from_pandas(frame, preserve_index=False), mode="create")
            conn.commit()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the same `reference` and `analysis` tables."""
    import sqlalchemy as sa

    path = tmp_path_factory.mktemp("sqlite") / "data.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    for name, frame in zip(("reference", "analysis"), frames()):
        frame.to_sql(name, engine, index=False)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def parquet_results(tmp_path_factory: pytest.TempPathFactory, parquet_files: tuple[Path, Path]) -> dict:
    """results.json of the run from the Parquet files: what every SQL run must equal."""
    import json

    from click.testing import CliRunner

    from reportgen.cli import main

    folder = tmp_path_factory.mktemp("parquet_run")
    config = write_config(folder / "cfg", str(parquet_files[0]), str(parquet_files[1]))
    result = CliRunner().invoke(main, ["run", str(config), "--out", str(folder / "out"), "--quiet"])
    assert result.exit_code == 0, result.stderr
    return json.loads((folder / "out" / "results.json").read_text())


@pytest.fixture(scope="session")
def parquet_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("parquet")
    paths = (folder / "reference.parquet", folder / "analysis.parquet")
    for path, frame in zip(paths, frames()):
        frame.to_parquet(path, index=False)
    return paths
