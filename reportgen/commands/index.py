"""`reportgen index ROOT`: (re)write the archive's history page ROOT/index.html."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.commands import require_folder

EXAMPLES = """
\b
Examples:
  reportgen index archive/                     # then open archive/index.html
  reportgen index archive/ --templates mytpl/  # with your own templates/index.html
"""


@click.command(name="index", epilog=EXAMPLES)
@click.argument("root", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--templates",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder whose index.html overrides the built-in template.",
)
def command(root: Path, templates: str | None) -> None:
    """Write ROOT/index.html: every archived run with its status and headline numbers, trend charts, links.

    One self-contained file (no script, no network); `run --archive` refreshes it after each run.
    """
    from reportgen.delivery.history import write_index
    from reportgen.delivery.ledger import archived_runs

    require_folder(root, what="the folder passed to `run --archive`")
    path = write_index(root, templates=templates)
    click.echo(f"wrote {path} ({len(archived_runs(root))} runs)")
