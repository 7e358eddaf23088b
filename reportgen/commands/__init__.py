"""CLI commands, one module each (`reportgen.commands.<name>.command`), registered in reportgen.cli.

This package also holds what every command shares: the click group that turns a ReportgenError
into one line on stderr and its exit code (no traceback), one-line warnings, and helpers to turn
flags into config overrides.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from reportgen.errors import ConfigError, ReportgenError

# click >= 8.2 signals "no arguments: show the help" with an exception; older click prints it itself.
_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


class ReportgenGroup(click.Group):
    """A click group whose commands fail with one line (`error: ...`) and the error's exit code.

    Bad flags and arguments (click's usage errors) also print one line, with a pointer to --help,
    and exit 2, instead of click's usage block.
    """

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        from reportgen.staging import Terminated, terminate_as_exception

        try:
            with terminate_as_exception():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except Terminated:
            click.echo(
                "error: stopped by SIGTERM; temporary files removed, earlier reports left as they were", err=True
            )
            sys.exit(Terminated.exit_code)
        except _NO_ARGS_IS_HELP as exc:
            click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            sys.exit(0)
        except click.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"error: {one_line(exc.format_message())}{where}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        previous = warnings.showwarning
        warnings.showwarning = _one_line_warning
        try:
            return super().invoke(ctx)
        except ReportgenError as exc:
            click.echo(f"error: {one_line(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:  # SIGINT (Ctrl-C): cleanup ran while the exception unwound
            click.echo("error: interrupted; temporary files removed, earlier reports left as they were", err=True)
            ctx.exit(130)
        finally:
            warnings.showwarning = previous


def one_line(text: str) -> str:
    """Collapse a message onto one line (the CLI prints every error as exactly one line)."""
    return " ".join(text.split())


def _one_line_warning(
    message: Any, category: type, filename: str, lineno: int, file: Any = None, line: str | None = None
) -> None:
    click.echo(f"warning: {one_line(str(message))}", err=True)


def parse_formats(value: str | None) -> tuple[str, ...] | None:
    """`--format html,pdf` -> ("html", "pdf"); unknown names fail with the accepted ones."""
    if value is None:
        return None
    from reportgen.channels import CHANNELS
    from reportgen.registry import unknown_name_message

    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    if not formats:
        raise ConfigError(f"--format needs at least one of {', '.join(CHANNELS)}", key="output.formats")
    for fmt in formats:
        if fmt not in CHANNELS:
            raise ConfigError(f"--format: {unknown_name_message('format', fmt, list(CHANNELS))}", key="output.formats")
    return formats


def path_overrides(**paths: str | None) -> dict[str, Any]:
    """Config overrides for path flags, made absolute against the working folder (not the config's).

    A value written as a YAML mapping (`--analysis '{url: env:DB_URL, table: predictions}'`) is a SQL source.
    """
    from reportgen.sources import as_source

    out: dict[str, Any] = {}
    for key, value in paths.items():
        if value:
            source = as_source(value)
            out[key] = source if isinstance(source, dict) else str(Path(value).resolve())
    return out


def parse_params(values: tuple[str, ...]) -> dict[str, Any]:
    """`--param start=2024-11-25` (repeatable) -> {"start": date(2024, 11, 25)}: bound into SQL queries.

    Values read as YAML scalars, as under params: in the config file (dates, numbers, text).
    """
    import yaml

    params: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(
                f"--param expects NAME=VALUE (e.g. --param start=2024-11-25), found {item!r}", key="params"
            )
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            parsed = value
        params[key.strip()] = value if isinstance(parsed, (dict, list)) or parsed is None else parsed
    return params


def written_line(files: dict[str, Path]) -> str:
    """'wrote out/report.html, out/results.json'."""
    return "wrote " + ", ".join(str(p) for p in files.values())


def analysis_alerts(results: Any) -> int:
    """Number of alerting records in the analysis period (what --fail-on-alert reacts to)."""
    if results is None or len(results) == 0:
        return 0
    alert = results["alert"].fillna(False).astype(bool)
    return int((alert & (results["period"] == "analysis")).sum())


def check_out_dir(out: Path) -> None:
    """Fail before any work (nothing written) when the output folder cannot be created or written."""
    from reportgen.errors import OutputError

    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; choose another --out")
    parent = out if out.exists() else next((p for p in out.parents if p.exists()), Path("."))
    if not parent.is_dir():
        raise OutputError(f"{out}: {parent} is not a folder; choose another --out")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{parent}: not writable; choose another --out folder or fix its permissions")


def require_folder(path: Path, *, what: str) -> None:
    """One line (exit 2) when `path` is missing or not a folder, before a command looks inside it."""
    from reportgen.errors import OutputError

    if not path.exists():
        raise OutputError(f"{path}: no such folder; give {what}")
    if not path.is_dir():
        raise OutputError(f"{path}: is a file or device, not a folder; give {what}")
