"""The `reportgen` command: a click group that only registers the commands of reportgen.commands."""

from __future__ import annotations

import click

from reportgen.commands import (  # delivery commands
    ReportgenGroup,
    check,
    demo,
    index,
    init,
    run,
    samples,
    send,
    templates,
    themes,
    verify,
)
from reportgen.version import __version__

EXAMPLES = """
\b
Examples:
  reportgen demo --out demo-report            # a full report from bundled sample data
  reportgen run model.yaml --out reports/2024-W48 --format html,pdf,json
  reportgen samples --problem binary --rows 1500 --out samples-binary
\b
Exit codes: 0 ok, 2 bad config or data (one line on stderr), 3 alert with --fail-on-alert.
"""


@click.group(cls=ReportgenGroup, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="reportgen")
def main() -> None:
    """reportgen: an offline, print-ready monitoring report for a machine-learning model."""


main.add_command(run.command)
main.add_command(demo.command)
main.add_command(samples.command)
main.add_command(init.command)
main.add_command(check.command)
main.add_command(send.command)
main.add_command(verify.command)
main.add_command(index.command)
main.add_command(templates.command)
main.add_command(themes.command)
