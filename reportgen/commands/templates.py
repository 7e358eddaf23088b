"""`reportgen templates export DIR`: copy the built-in templates for editing."""

from __future__ import annotations

from pathlib import Path

import click

EXAMPLES = """
\b
Examples:
  reportgen templates export mytemplates/
  # edit mytemplates/sections/..., keep only the files you change, then:
  reportgen run model.yaml --templates mytemplates/
"""


@click.group(name="templates", epilog=EXAMPLES)
def command() -> None:
    """Work with the report's Jinja templates (a folder of yours overrides any of them by name)."""


@command.command(name="export", epilog=EXAMPLES)
@click.argument("dest", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
def export(dest: Path) -> None:
    """Copy the built-in templates into DIR (refuses to overwrite existing files)."""
    from reportgen.errors import OutputError
    from reportgen.render.templating import export_templates

    try:
        written = export_templates(dest)
    except OSError as exc:
        hint = "free some disk space" if exc.errno == 28 else "choose another folder or fix its permissions"
        raise OutputError(f"{exc.filename or dest}: cannot write ({exc.strerror}); {hint}") from None
    click.echo(f"wrote {len(written)} templates into {dest}; pass --templates {dest} (or output.templates) to use them")
