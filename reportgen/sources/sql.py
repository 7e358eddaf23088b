"""Read a SqlSource into the same pandas DataFrame a Parquet file gives, in Arrow batches.

PostgreSQL goes through ADBC (libpq's binary COPY straight into Arrow: no Python object per
value) when adbc-driver-postgresql is installed; every other database, and PostgreSQL without
it, through SQLAlchemy with a server-side cursor, `batch_rows` rows at a time, each batch turned
into an Arrow record batch at once. Measured at 1M rows in benchmarks/bench_sql_source.py.
Text columns become dictionaries (pandas categoricals) and decimals float64, as read_parquet does,
so a table gives the same Dataset as its Parquet export.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

from reportgen.errors import ConfigError, DataError
from reportgen.sources.spec import SqlSource
from reportgen.sources.url import describe, mask_url, resolve_url, scrub

# SQLAlchemy's rule for `:name` bind parameters in text() (not `::cast`, not `\:`).
BIND_PARAM = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")
SQL_EXTRA = "pip install 'reportgen[sql]'"


def read_sql(source: SqlSource) -> pd.DataFrame:
    """All rows of the source's table or query as a DataFrame; one DataError naming the source on failure."""
    url = resolve_url(source)
    name = describe(source)
    query = source.query if source.query is not None else f"SELECT * FROM {_quoted(source.table or '')}"
    unbound = [key for key in dict.fromkeys(BIND_PARAM.findall(query)) if key not in source.params]
    if unbound:
        raise ConfigError(
            f"the query uses :{unbound[0]} but no value is given; add params: {{{unbound[0]}: ...}} "
            f"to the source or pass --param {unbound[0]}=...",
            file=name,
        )
    try:
        if _use_adbc(source, url):
            table = _read_adbc(url, query, source.params)
        else:
            table = _read_sqlalchemy(url, query, source)
    except (ConfigError, DataError):
        raise
    except _ConnectFailed as exc:
        raise DataError(
            f"cannot connect ({_first_line(scrub(str(exc.__cause__ or exc), url))}); "
            "check the host, port, database, user and password in the URL",
            file=name,
        ) from None
    except Exception as exc:
        raise DataError(
            f"the query failed ({_first_line(scrub(str(exc), url))}); check the table name, the query and its params",
            file=name,
        ) from None
    if table.num_rows == 0:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(source.params.items()))
        raise DataError(
            "the query returned no rows" + (f" for {shown}" if shown else "") + "; check the query and its params",
            file=name,
        )
    return _like_parquet(table).to_pandas(split_blocks=True, self_destruct=True)


class _ConnectFailed(Exception):
    """Raised from the connect step, so connection and query failures get their own advice."""


def _read_adbc(url: str, query: str, params: dict[str, Any]) -> pa.Table:
    import adbc_driver_postgresql.dbapi as adbc

    try:
        conn = adbc.connect(_libpq_uri(url))
    except Exception as exc:
        raise _ConnectFailed(str(exc)) from exc
    with conn, conn.cursor() as cursor:
        text, values = _positional(query, params)
        cursor.execute(text, values or None)
        return cursor.fetch_arrow_table()


def _read_sqlalchemy(url: str, query: str, source: SqlSource) -> pa.Table:
    try:
        import sqlalchemy as sa
    except ImportError:
        raise ConfigError(f"SQL sources need SQLAlchemy and a database driver: {SQL_EXTRA}") from None
    try:
        engine = sa.create_engine(url)
    except Exception as exc:
        raise DataError(
            f"cannot use the URL {mask_url(url)} ({_first_line(scrub(str(exc), url))}); "
            f"install its driver ({SQL_EXTRA} covers PostgreSQL, SQLite and DuckDB)"
        ) from None
    try:
        try:
            conn = engine.connect()
        except Exception as exc:
            raise _ConnectFailed(str(exc)) from exc
        with conn:
            result = conn.execution_options(stream_results=True, yield_per=source.batch_rows).execute(
                sa.text(query), source.params
            )
            names = list(result.keys())
            pieces = list(_arrow_pieces(result.partitions(), names, source))
            if not pieces:
                return pa.table({n: pa.array([], pa.null()) for n in names})
            try:  # a batch may type a column null (all missing) or int where the next has floats: promote
                return pa.concat_tables(pieces, promote_options="permissive")
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise DataError(
                    f"a column holds values of different types ({_first_line(str(exc))}); "
                    "cast it to one type in the query (e.g. CAST(col AS TEXT))",
                    file=describe(source),
                ) from None
    finally:
        engine.dispose()


def _arrow_pieces(partitions: Iterator[Any], names: list[str], source: SqlSource) -> Iterator[pa.Table]:
    """One Arrow table per fetched partition of rows (columns built at once, the rows then freed)."""
    for rows in partitions:
        arrays = []
        for name, values in zip(names, zip(*rows)):
            try:
                arrays.append(pa.array(values, from_pandas=True))
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise DataError(
                    f"cannot read the values of this column ({_first_line(str(exc))}); "
                    "cast it to text or a number in the query (e.g. CAST(col AS TEXT))",
                    file=describe(source),
                    column=name,
                ) from None
        yield pa.table(arrays, names=names)


def _like_parquet(table: pa.Table) -> pa.Table:
    """Text as dictionaries, decimals (Arrow's or ADBC's opaque `numeric`) as float64: read_parquet's types."""
    columns = []
    for field, column in zip(table.schema, table.columns):
        if isinstance(field.type, pa.BaseExtensionType):  # ADBC: types Arrow lacks, as their text
            column = pa.chunked_array([chunk.storage for chunk in column.chunks], type=field.type.storage_type)
            if getattr(field.type, "type_name", "") == "numeric":
                column = column.cast(pa.float64())
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = column.dictionary_encode()
        elif pa.types.is_decimal(column.type):
            column = column.cast(pa.float64())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _positional(query: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """`:start` -> `$1` (libpq's placeholders) and the values in that order (read_sql checked every name)."""
    order: list[str] = []

    def number(found: re.Match[str]) -> str:
        key = found.group(1)
        if key not in order:
            order.append(key)
        return f"${order.index(key) + 1}"

    return BIND_PARAM.sub(number, query), [params[k] for k in order]


def _quoted(table: str) -> str:
    return ".".join(f'"{part}"' for part in table.split("."))


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].split("+", 1)[0].lower()


def _libpq_uri(url: str) -> str:
    """postgresql+psycopg://... -> postgresql://... (libpq reads the rest as SQLAlchemy writes it)."""
    return "postgresql://" + url.split("://", 1)[1]


def _use_adbc(source: SqlSource, url: str) -> bool:
    """ADBC for PostgreSQL when installed (reader: auto) or asked for (reader: adbc)."""
    if source.reader == "sqlalchemy":
        return False
    if _scheme(url) != "postgresql":
        if source.reader == "adbc":
            raise ConfigError(
                "reader: adbc reads PostgreSQL only; use reader: auto or sqlalchemy", file=describe(source)
            )
        return False
    try:
        import adbc_driver_postgresql.dbapi  # noqa: F401
    except ImportError:
        if source.reader == "adbc":
            raise ConfigError(
                f"reader: adbc needs adbc-driver-postgresql: {SQL_EXTRA}", file=describe(source)
            ) from None
        return False
    return True


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else "no message"
    return first if len(first) <= 200 else first[:197] + "..."
