"""SqlSource: a table or query in a database, accepted wherever a data file path is.

`url: env:VAR` takes the URL (with its password) from the environment when the data is read, so
the config file, the resolved config in the report's appendix and the archive hold only the
variable's name. A literal URL may not carry a password for the same reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

ENV_PREFIX = "env:"
# SQL identifiers, optionally schema-qualified: `predictions`, `monitoring.predictions`.
TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
# `scheme://user:password@host`: the password is whatever sits between the first ':' after '//' and '@'.
URL_PASSWORD = re.compile(r"^(?P<head>[^:/]+(\+[^:/]+)?://[^:/@]*):(?P<password>[^@]*)@")
FILE_DATABASES = ("sqlite", "duckdb")


class SqlSource(BaseModel):
    """`{url, table}` or `{url, query}` with optional bound `params`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    table: str | None = None
    query: str | None = None
    params: dict[str, Any] = {}
    batch_rows: int = 100_000
    # auto: ADBC for PostgreSQL when adbc-driver-postgresql is installed, SQLAlchemy otherwise.
    reader: Literal["auto", "adbc", "sqlalchemy"] = "auto"

    @model_validator(mode="before")
    @classmethod
    def _file_url_beside_config(cls, data: Any) -> Any:
        """`base` (the config file's folder, set by load_config) anchors a relative sqlite/duckdb file URL."""
        if not isinstance(data, dict) or "base" not in data:
            return data
        data = dict(data)
        base = Path(data.pop("base"))
        url = data.get("url")
        if isinstance(url, str):
            scheme, sep, rest = url.partition(":///")
            if sep and scheme.split("+")[0] in FILE_DATABASES and rest and not rest.startswith(("/", ":memory:")):
                data["url"] = f"{scheme}:///{(base / rest).resolve()}"
        return data

    @field_validator("url")
    @classmethod
    def _no_password_in_file(cls, v: str) -> str:
        if not v.startswith(ENV_PREFIX) and URL_PASSWORD.match(v):
            raise ValueError(
                "found a password in the URL; put the URL in an environment variable and write url: env:VARIABLE"
            )
        if v.startswith(ENV_PREFIX) and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v[len(ENV_PREFIX) :]):
            raise ValueError(f"expected env: followed by a variable name such as env:REPORTGEN_DB_URL, found {v!r}")
        return v

    @field_validator("table")
    @classmethod
    def _table_name(cls, v: str | None) -> str | None:
        if v is not None and not TABLE_NAME.match(v):
            raise ValueError(f"expected a table name such as predictions or schema.predictions, found {v!r}")
        return v

    @field_validator("batch_rows")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v <= 0:
            raise ValueError(f"must be a positive whole number, found {v}")
        return v

    @model_validator(mode="after")
    def _table_or_query(self) -> SqlSource:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of table or query beside url")
        return self

    def with_params(self, params: dict[str, Any]) -> SqlSource:
        """This source with `params` winning over its own (the CLI's --param)."""
        return self.model_copy(update={"params": {**self.params, **params}})


def source_model(raw: Any, loc: tuple[Any, ...]) -> str:
    """Which source model a config error at `loc` is about: a mapping with `url` is a SqlSource, else Spark's."""
    given = raw.get(loc[0]) if isinstance(raw, dict) and loc else None
    return "SparkSource" if isinstance(given, dict) and "url" not in given else "SqlSource"


def as_source(value: Any) -> Any:
    """A mapping given as YAML flow text on the command line (`{url: env:DB, table: t}`) as a dict."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        import yaml

        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        return parsed if isinstance(parsed, dict) else value
    return value


class SparkSource(BaseModel):
    """`{table: db.name}` or `{sql: "select ..."}`: rows read through Spark (engine.type: spark)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str | None = None
    sql: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_base(cls, data: Any) -> Any:
        """load_config adds the config file's folder to every mapping source; a Spark source has no file."""
        if isinstance(data, dict) and "base" in data:
            data = {k: v for k, v in data.items() if k != "base"}
        return data

    @field_validator("table")
    @classmethod
    def _table_name(cls, v: str | None) -> str | None:
        if v is not None and not TABLE_NAME.match(v):
            raise ValueError(f"expected a table name such as predictions or db.predictions, found {v!r}")
        return v

    def describe(self) -> str:
        """How messages and the report name it: the table, or the query's first characters."""
        if self.table:
            return f"table {self.table}"
        text = " ".join(str(self.sql).split())
        return f"Spark SQL ({text if len(text) <= 60 else text[:57] + '...'})"

    @model_validator(mode="after")
    def _table_or_sql(self) -> SparkSource:
        if (self.table is None) == (self.sql is None):
            raise ValueError("give exactly one of table or sql (a Spark source); a database needs url too")
        return self
