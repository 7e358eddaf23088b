"""Library errors: each says which file, which column or key, what is wrong and what to do.

The CLI prints `str(error)` on one line of stderr and exits 2 for every ReportgenError raised
while reading the config or the data; nothing is written in that case.
"""

from __future__ import annotations


class ReportgenError(Exception):
    """Base class for every error reportgen raises on purpose."""

    exit_code = 2


class ConfigError(ReportgenError):
    """The configuration file or a CLI flag is invalid."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        self.file = file
        self.key = key
        where = []
        if file:
            where.append(str(file))
        if key:
            where.append(f"key '{key}'")
        super().__init__(f"{': '.join(where)}: {message}" if where else message)


class DataError(ReportgenError):
    """An input data file is unreadable or its content breaks an assumption."""

    def __init__(self, message: str, *, file: str | None = None, column: str | None = None) -> None:
        self.file = file
        self.column = column
        where = []
        if file:
            where.append(str(file))
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{': '.join(where)}: {message}" if where else message)


class NotFittedError(ReportgenError):
    """A step was asked to run before it was fitted on the reference data."""

    exit_code = 1


class StepError(ReportgenError):
    """A monitoring step failed unexpectedly; names the step and column."""

    exit_code = 1


class OutputError(ReportgenError):
    """An output could not be written (unwritable path, full disk, ...)."""
