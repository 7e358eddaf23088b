"""One SparkSession for every Spark test (local[2], UI off, few shuffle partitions): the JVM starts once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reportgen.engine.spark_session import spark_session


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    session = spark_session(
        "local[2]",
        {
            "spark.sql.shuffle.partitions": 4,
            "spark.default.parallelism": 2,
            "spark.driver.memory": "1g",
            "spark.sql.execution.arrow.maxRecordsPerBatch": 500,  # several Arrow batches per partition
        },
    )
    yield session
    session.stop()
