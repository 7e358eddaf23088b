"""Analysis (or reference) rows as a Spark DataFrame, with the two keys that order them.

A source is a Parquet file or folder, `{table: db.name}` or `{sql: "select ..."}`. Every row gets
`_rg_ts` (its time as nanoseconds since the epoch, UTC, as the local engine parses it) and `_rg_tb`
(the tie-break between equal times: columns.id, else a hash of the row's values), so that the
order (time, tie-break) is total and does not depend on how Spark partitions the rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reportgen.config import Config
from reportgen.errors import ConfigError, DataError
from reportgen.sources.spec import SparkSource

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

KEY_TS = "_rg_ts"  # time of the row, ns since the epoch (UTC)
KEY_TB = "_rg_tb"  # tie-break between rows of the same time
KEY_CHUNK = "_rg_chunk"  # position of the row's chunk among the analysis chunks; -1: in none
KEYS = (KEY_TS, KEY_TB, KEY_CHUNK)
NANOS_AS_LONG = "spark.sql.legacy.parquet.nanosAsLong"


def describe_source(value: str | SparkSource) -> str:
    """How messages and the report name a Spark source."""
    return value.describe() if isinstance(value, SparkSource) else str(value)


def read_spark_source(spark: SparkSession, value: Any) -> DataFrame:
    """The rows of a Parquet path, a table or a query, as a (lazy) Spark DataFrame."""
    if isinstance(value, SparkSource):
        try:
            return spark.table(value.table) if value.table else spark.sql(str(value.sql))
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            raise DataError(f"Spark cannot read it: {first}", file=describe_source(value)) from None
    if not isinstance(value, str):
        raise ConfigError(
            "the Spark engine reads a Parquet file or folder, {table: db.name} or {sql: 'select ...'}; "
            "a {url, ...} SQL source is read by the local engine (engine.type: local)",
            key="analysis",
        )
    if value.lower().endswith((".csv", ".tsv", ".json", ".jsonl", ".xlsx", ".feather", ".arrow")):
        raise DataError(
            "the Spark engine reads Parquet (a file or a folder of .parquet files); convert the file or use the "
            "local engine (engine.type: local)",
            file=value,
        )
    try:
        return spark.read.parquet(value)
    except Exception as exc:
        text = str(exc)
        if "TIMESTAMP(NANOS" in text:
            # pandas writes nanosecond timestamps, which Spark reads only as longs (ns since the epoch)
            spark.conf.set(NANOS_AS_LONG, "true")
            return read_spark_source(spark, value)
        first = (text.strip().splitlines() or [type(exc).__name__])[0][:300]
        if "PATH_NOT_FOUND" in text or "does not exist" in text:
            first = "file or folder not found; check the path in the config or on the command line"
        raise DataError(first, file=value) from None


def check_columns(frame: DataFrame, wanted: list[str], *, target: str | None, source: str) -> None:
    """Every column an analysis chunk needs (the target may be absent) is in the Spark DataFrame."""
    have = frame.columns
    missing = [c for c in wanted if c not in have and c != target]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(repr(m) for m in missing)}; the data has {', '.join(have[:20])}",
            file=source,
        )


def with_order_keys(frame: DataFrame, config: Config, *, source: str) -> DataFrame:
    """`frame` plus `_rg_ts` (ns, UTC; 0 without columns.timestamp) and `_rg_tb` (the tie-break)."""
    from pyspark.sql import functions as F

    cols = config.columns
    ts = time_ns(frame, cols.timestamp, source=source) if cols.timestamp else F.lit(0).cast("long")
    tb = F.col(cols.id) if cols.id else F.xxhash64(*[F.col(c) for c in frame.columns])
    return frame.withColumn(KEY_TS, ts).withColumn(KEY_TB, tb)


def time_ns(frame: DataFrame, column: str, *, source: str) -> Any:
    """A Spark column: the timestamp column as ns since the epoch in UTC, parsed like io.parse_timestamps."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    dtype = frame.schema[column].dataType
    col = F.col(column)
    if isinstance(dtype, (T.TimestampType, T.TimestampNTZType, T.DateType)):
        # the session time zone is UTC (spark_session): a zone-less time is read as UTC, as pandas does
        return F.unix_micros(col.cast("timestamp")) * 1000
    if isinstance(dtype, T.LongType) and frame.sparkSession.conf.get(NANOS_AS_LONG, "false") == "true":
        return col  # a nanosecond Parquet timestamp read as a long
    if isinstance(dtype, T.StringType):
        return _parse_text_times(col)
    raise DataError(
        f"timestamps must be dates and times, found {dtype.simpleString()} values; use a timestamp column "
        "or ISO 8601 text such as 2024-11-27T10:00:00",
        file=source,
        column=column,
    )


def _parse_text_times(col: Any) -> Any:
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("long")  # type: ignore[call-overload]
    def parse(text: pd.Series) -> pd.Series:
        from reportgen.io import _to_datetime

        parsed = _to_datetime(text, None)
        if (parsed.isna() & text.notna()).any():
            parsed = _to_datetime(text, "mixed")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        values = parsed.astype("datetime64[ns]")
        return pd.Series(pd.array(np.where(values.isna(), None, values.to_numpy().view("int64")), dtype="Int64"))

    return parse(col)


def check_order_keys(frame: DataFrame, config: Config, *, source: str) -> int:
    """Rows, after checking that each has a time and (with columns.id) a unique id; returns the row count."""
    from pyspark.sql import functions as F

    cols = config.columns
    counts = frame.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count_if(F.col(KEY_TS).isNull()).alias("no_time"),
        F.count_if(F.col(cols.id).isNull() if cols.id else F.lit(False)).alias("no_id"),
    ).collect()[0]
    if counts["rows"] == 0:
        raise DataError("the analysis data has no rows", file=source)
    if counts["no_time"]:
        _bad_time(frame, str(cols.timestamp), int(counts["no_time"]), source=source)
    if counts["no_id"]:
        raise DataError(
            f"missing id ({int(counts['no_id']):,} rows); give every row an id", file=source, column=cols.id
        )
    if cols.id:
        dup = frame.groupBy(cols.id).count().filter(F.col("count") > 1).limit(1).collect()
        if dup:
            raise DataError(
                f"duplicate id {dup[0][0]!r}; each row needs its own id: remove the duplicates or point columns.id "
                "at a unique column",
                file=source,
                column=cols.id,
            )
    return int(counts["rows"])


def _bad_time(frame: DataFrame, column: str, n_bad: int, *, source: str) -> None:
    """The DataError for rows without a time: the first text that does not parse, or the missing count."""
    from pyspark.sql import functions as F

    unparsed = frame.filter(F.col(KEY_TS).isNull() & F.col(column).isNotNull()).select(column).limit(1).collect()
    if unparsed:
        raise DataError(
            f"cannot parse timestamp {unparsed[0][0]!r}; use ISO 8601 such as 2024-11-27T10:00:00",
            file=source,
            column=column,
        )
    raise DataError(
        f"{n_bad:,} rows have no timestamp; give every row a time or remove columns.timestamp",
        file=source,
        column=column,
    )


def read_spark_table(spark: SparkSession, value: Any, config: Config) -> pd.DataFrame:
    """A whole source read through Spark into pandas on the driver (the reference of a Spark run)."""
    from pyspark.sql import types as T

    frame = read_spark_source(spark, value)
    ts = config.columns.timestamp
    nanos = ts in frame.columns and isinstance(frame.schema[ts].dataType, T.LongType)
    nanos = nanos and spark.conf.get(NANOS_AS_LONG, "false") == "true"
    out: pd.DataFrame = frame.toPandas()
    if nanos:
        out[ts] = pd.to_datetime(out[ts], unit="ns")
    return out


def join_spark_targets(frame: DataFrame, value: Any, config: Config, *, source: str) -> DataFrame:
    """The analysis rows with the target column of a targets source left-joined on columns.id."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    id_col, target = config.columns.id, config.columns.target
    where = describe_source(value)
    if not id_col or not target:
        raise DataError("a targets file needs columns.id and columns.target to join on; set them", file=where)
    spark = frame.sparkSession
    if isinstance(value, SparkSource) or (isinstance(value, str) and not _local_table(value)):
        targets = read_spark_source(spark, value)
    else:
        targets = spark.createDataFrame(_read_locally(value)[[id_col, target]])
    missing = [c for c in (id_col, target) if c not in targets.columns]
    if missing:
        raise DataError(f"missing column(s) {', '.join(map(repr, missing))} in the targets data", file=where)
    targets = targets.select(id_col, target)
    dup = targets.groupBy(id_col).count().filter(F.col("count") > 1).limit(1).collect()
    if dup:
        raise DataError(
            f"duplicate id {dup[0][0]!r} in the targets data; keep one row per id", file=where, column=id_col
        )
    base = frame.drop(target) if target in frame.columns else frame
    numeric = (isinstance(t.dataType, T.NumericType) for t in (base.schema[id_col], targets.schema[id_col]))
    if len(set(numeric)) > 1:  # ids read as numbers on one side and text on the other: join on their text
        base = base.withColumn(id_col, F.col(id_col).cast("string"))
        targets = targets.withColumn(id_col, F.col(id_col).cast("string"))
    return base.join(targets, on=id_col, how="left")


def _read_locally(value: Any) -> pd.DataFrame:
    """A targets file (CSV, ...) or a database source, read on the driver."""
    from reportgen.sources.spec import SqlSource

    if isinstance(value, SqlSource):
        from reportgen.sources.sql import read_sql

        return read_sql(value)
    from reportgen.io import read_table

    return read_table(value)


def _local_table(path: str) -> bool:
    """A file the local reader handles better than Spark (CSV and the other non-Parquet formats)."""
    return not path.lower().endswith((".parquet", ".pq")) and "." in path.rsplit("/", 1)[-1]
