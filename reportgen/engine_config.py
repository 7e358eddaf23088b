"""The `engine:` config key: where the analysis period is read and its chunk statistics computed.

`{type: local}` (the default) runs in this process; `{type: spark, master, conf}` on Apache Spark
(the optional `reportgen[spark]` extra). Keys of the other type may stay in the file, so that
`reportgen run --engine local|spark` switches the type without editing it. The engines themselves live in reportgen.engine.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ENGINE_TYPES = ("local", "spark")
DEFAULT_BATCH_ROWS = 1 << 16  # Parquet rows read at a time when streaming
# Spark master URLs: local, local[N], local[*], local[N,F], spark://, yarn, k8s://, mesos://
SPARK_MASTER = re.compile(r"^(local(\[(\d+|\*)(,\d+)?\])?|yarn|(spark|k8s|mesos)://\S+)$")


class EngineConfig(BaseModel):
    """`type` selects the engine; `stream`/`batch_rows` are read by local, `master`/`conf` by spark."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["local", "spark"] = "local"
    # auto: stream when the analysis source is a Parquet file or folder; true: require it; false: never.
    stream: Literal["auto"] | bool = "auto"
    batch_rows: int = DEFAULT_BATCH_ROWS
    master: str | None = None  # spark: the master URL; None lets spark-submit / the cluster decide
    conf: dict[str, str | int | float | bool] = Field(default_factory=dict)  # spark: SparkConf entries

    @field_validator("stream", mode="before")
    @classmethod
    def _auto_or_bool(cls, v: Any) -> Any:
        if v == "auto" or isinstance(v, bool):
            return v
        raise ValueError(f"expected auto, true or false, found {v!r}")

    @field_validator("batch_rows")
    @classmethod
    def _positive(cls, v: int) -> int:
        if isinstance(v, bool) or v <= 0:
            raise ValueError(f"must be a positive whole number of rows, found {v}")
        return v

    @field_validator("master")
    @classmethod
    def _master(cls, v: str | None) -> str | None:
        if v is not None and not SPARK_MASTER.match(v):
            raise ValueError(
                f"found Spark master {v!r}, not a master URL; use local, local[N], local[*], spark://HOST:PORT, yarn or k8s://URL"
            )
        return v

    @field_validator("conf")
    @classmethod
    def _conf_keys(cls, v: dict[str, object]) -> dict[str, object]:
        bad = [k for k in v if not k.startswith("spark.")]
        if bad:
            raise ValueError(f"Spark settings start with 'spark.', found {bad[0]!r} (e.g. spark.driver.memory: 4g)")
        return v
