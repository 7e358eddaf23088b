"""Read 1M rows from PostgreSQL (ADBC and SQLAlchemy) and from Parquet into reportgen's DataFrame.

Starts a throwaway PostgreSQL cluster (tests/sources/pg_cluster.py; needs Debian's postgresql),
loads the same rows into a table and a Parquet file, and prints wall and client CPU seconds
(best of --repeat) per reader with the ratio to Parquet. The server's CPU is in another process,
so wall time is the fair comparison for a database read; "COPY bytes only" is the server sending
the rows with nothing done to them, the floor no client can go below.

    .venv/bin/python benchmarks/bench_sql_source.py --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sources"))

from pg_cluster import start

from reportgen.inputs import read_source
from reportgen.io import read_table
from reportgen.sources import SqlSource


def frame(rows: int) -> pd.DataFrame:
    """A monitoring table: id, timestamp, 6 float features, 1 text feature, prediction, probability, target."""
    rng = np.random.default_rng(0)
    data: dict[str, object] = {
        "id": np.arange(rows),
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(rows), unit="s"),
    }
    for i in range(6):
        data[f"x{i}"] = rng.normal(size=rows)
    data["segment"] = rng.choice(["retail", "business", "private", "public"], rows)
    proba = rng.random(rows)
    data.update(
        y_pred_proba=proba, y_pred=(proba > 0.5).astype(np.int64), y=(rng.random(rows) < proba).astype(np.int64)
    )
    return pd.DataFrame(data)


def best(read: object, repeat: int) -> tuple[float, float, int]:
    """(wall s, CPU s, rows) of the fastest of `repeat` reads."""
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        rows = len(read())  # type: ignore[operator]
        runs.append((time.perf_counter() - wall, time.process_time() - cpu, rows))
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = frame(args.rows)
    cluster = start()
    try:
        import adbc_driver_postgresql.dbapi as adbc

        with adbc.connect(cluster.url(scheme="postgresql")) as conn, conn.cursor() as cursor:
            cursor.adbc_ingest("predictions", pa.Table.from_pandas(data, preserve_index=False), mode="create")
            conn.commit()
        with tempfile.TemporaryDirectory() as folder:
            parquet = Path(folder) / "predictions.parquet"
            data.to_parquet(parquet, index=False)
            os.environ["BENCH_PG_URL"] = cluster.url()  # a URL with a password comes from the environment

            def sql(reader: str) -> pd.DataFrame:
                return read_source(SqlSource(url="env:BENCH_PG_URL", table="predictions", reader=reader))

            def copy_only() -> range:
                """The server's binary COPY of the table, bytes dropped: the floor for any PostgreSQL client."""
                import psycopg

                with (
                    psycopg.connect(cluster.url(scheme="postgresql")) as conn,
                    conn.cursor().copy("COPY predictions TO STDOUT (FORMAT binary)") as copy,
                ):
                    for _ in copy:
                        pass
                return range(args.rows)

            readers = {
                "parquet (read_table)": lambda: read_table(parquet),
                "postgresql, COPY bytes only": copy_only,
                "postgresql, ADBC": lambda: sql("adbc"),
                "postgresql, SQLAlchemy+psycopg": lambda: sql("sqlalchemy"),
            }
            results = {name: best(read, args.repeat) for name, read in readers.items()}
    finally:
        cluster.stop()
    base = results["parquet (read_table)"][0]
    print(f"{args.rows:,} rows x {data.shape[1]} columns, best of {args.repeat}")
    print(f"{'reader':34s} {'wall s':>8s} {'CPU s':>8s} {'x parquet':>10s}")
    for name, (wall, cpu, rows) in results.items():
        assert rows == args.rows, (name, rows)
        print(f"{name:34s} {wall:8.2f} {cpu:8.2f} {wall / base:10.2f}")


if __name__ == "__main__":
    main()
