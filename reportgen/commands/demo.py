"""`reportgen demo`: a full report from the bundled sample data, with no other input."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.commands import analysis_alerts, check_out_dir, parse_formats, written_line

EXAMPLES = """
\b
Examples:
  reportgen demo                          # writes demo-report/report.html, report.pdf, results.json
  reportgen demo --out /tmp/demo --problem regression
"""
PROBLEMS = ("binary", "multiclass", "regression")


@click.command(name="demo", epilog=EXAMPLES)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-report"),
    show_default=True,
    help="Folder for the report.",
)
@click.option(
    "--problem",
    type=click.Choice(PROBLEMS),
    default="binary",
    show_default=True,
    help="Which sample model to report on.",
)
@click.option(
    "--format",
    "formats",
    metavar="LIST",
    default="html,pdf,json",
    show_default=True,
    help="Comma-separated: html,pdf,json,email.",
)
def command(out: Path, problem: str, formats: str) -> None:
    """Report on the bundled car-loan sample (a year of reference, ten months with planted drift)."""
    from reportgen.config import load_config
    from reportgen.inputs import load_inputs
    from reportgen.monitor import Monitor
    from reportgen.samples.generator import committed_sample

    chosen = parse_formats(formats) or ()
    config = load_config(committed_sample(problem), {"output.formats": list(chosen)})
    check_out_dir(out)
    ref, ana, tgt, sources = load_inputs(config)
    report = Monitor(config).run(ref, ana, tgt, sources=sources)
    files = report.save(out, chosen)
    click.echo(f"sample data: {Path(config.source or '').parent} (drift schedule: truth.json there)")
    click.echo(written_line(files))
    click.echo(f"status: {report.status} ({analysis_alerts(report.results)} alerts in the analysis period)")
