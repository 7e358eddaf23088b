"""Database URLs: read from the environment, shown only with the password masked.

Every message that names a SQL source goes through `describe`, and every driver message through
`scrub`, so a password read from the environment never reaches stderr, a log or a report.
"""

from __future__ import annotations

import os
from urllib.parse import quote, unquote

from reportgen.errors import ConfigError
from reportgen.sources.spec import ENV_PREFIX, URL_PASSWORD, SqlSource

MASK = "***"


def resolve_url(source: SqlSource) -> str:
    """The connection URL: the environment variable's value for `env:VAR`, else the URL as written."""
    if not source.url.startswith(ENV_PREFIX):
        return source.url
    name = source.url[len(ENV_PREFIX) :]
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"environment variable {name} is not set or empty; export the database URL in it "
            f"(e.g. {name}=postgresql://user:password@host:5432/db)",
            key=f"url: {source.url}",
        )
    return value


def password_of(url: str) -> str | None:
    """The URL's password, or None when it has none."""
    found = URL_PASSWORD.match(url)
    return found.group("password") if found and found.group("password") else None


def mask_url(url: str) -> str:
    """`postgresql://ana:s3cret@db/x` -> `postgresql://ana:***@db/x`; URLs without a password unchanged."""
    found = URL_PASSWORD.match(url)
    if not found or not found.group("password"):
        return url
    return f"{found.group('head')}:{MASK}@{url[found.end() :]}"


def scrub(text: str, url: str) -> str:
    """`text` with the URL's password (as written, decoded and encoded) replaced by ***."""
    password = password_of(url)
    if not password:
        return text
    for form in sorted({password, unquote(password), quote(unquote(password), safe="")}, key=len, reverse=True):
        if form:
            text = text.replace(form, MASK)
    return text


def describe(source: SqlSource) -> str:
    """How messages and reports name a source: masked URL plus the table or the query's first words."""
    try:
        shown = mask_url(resolve_url(source))
    except ConfigError:
        shown = source.url
    if source.url.startswith(ENV_PREFIX):
        shown = f"{shown} ({source.url})"
    if source.table is not None:
        return f"{shown} table {source.table}"
    query = " ".join((source.query or "").split())
    return f"{shown} query '{query if len(query) <= 60 else query[:57] + '...'}'"
