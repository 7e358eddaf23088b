"""`reportgen themes list`: the installed report themes."""

from __future__ import annotations

import click

EXAMPLES = """
\b
Examples:
  reportgen themes list
  reportgen run model.yaml --theme dark
"""


@click.group(name="themes", epilog=EXAMPLES)
def command() -> None:
    """Report themes (colours, fonts, logo, templates); choose one with output.theme or --theme."""


@command.command(name="list", epilog=EXAMPLES)
def list_command() -> None:
    """Print the installed themes, one a line, with what each extends."""
    from reportgen.render.templating import list_themes, load_theme

    for name in list_themes():
        theme = load_theme(name)
        parent = f" (extends {theme.chain[1]})" if len(theme.chain) > 1 else ""
        click.echo(f"{name}{parent}")
