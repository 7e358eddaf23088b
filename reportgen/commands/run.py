"""`reportgen run CONFIG`: read the data, run every monitoring step and write the report."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from reportgen.commands import analysis_alerts, check_out_dir, parse_formats, path_overrides, written_line

EXAMPLES = """
\b
Examples:
  reportgen run model.yaml                                  # formats from output.formats
  reportgen run model.yaml --analysis data/2024-W48.parquet --out reports/2024-W48
  reportgen run model.yaml --format html,json --fail-on-alert   # exit 3 when an alert fires
  reportgen run model.yaml --baseline reports/2024-W47/results.json
\b
Exit codes: 0 done, 2 bad config or data (one line on stderr, nothing written),
3 with --fail-on-alert when any alert fires.
"""


@click.command(name="run", epilog=EXAMPLES)
@click.argument("config_path", metavar="CONFIG", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reference", type=click.Path(dir_okay=False), default=None, help="Reference data file (overrides the config).")
@click.option("--analysis", type=click.Path(dir_okay=False), default=None, help="Analysis data file (overrides the config).")
@click.option("--targets", type=click.Path(dir_okay=False), default=None, help="Analysis targets file, joined on columns.id (overrides the config).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("report_out"), show_default=True, help="Folder for report.html, report.pdf, report.eml, results.json.")
@click.option("--format", "formats", metavar="LIST", default=None, help="Comma-separated: html,pdf,json,email (default: output.formats).")
@click.option("--theme", default=None, help="Report theme (overrides output.theme).")
@click.option("--templates", type=click.Path(file_okay=False), default=None, help="Folder of templates overriding the built-in ones by name.")
@click.option("--baseline", type=click.Path(dir_okay=False), default=None, help="A previous results.json: alerts are marked new, continuing or resolved.")
@click.option("--fail-on-alert", is_flag=True, help="Exit 3 when any alert fires in the analysis period.")
def command(
    config_path: Path,
    reference: Optional[str],
    analysis: Optional[str],
    targets: Optional[str],
    out: Path,
    formats: Optional[str],
    theme: Optional[str],
    templates: Optional[str],
    baseline: Optional[str],
    fail_on_alert: bool,
) -> None:
    """Monitor the model CONFIG describes and write its report into --out."""
    from reportgen.config import load_config
    from reportgen.io import load_inputs
    from reportgen.monitor import Monitor

    overrides: dict[str, object] = path_overrides(reference=reference, analysis=analysis, targets=targets, baseline=baseline)
    chosen = parse_formats(formats)
    if chosen is not None:
        overrides["output.formats"] = list(chosen)
    if theme:
        overrides["output.theme"] = theme
    if templates:
        overrides["output.templates"] = str(Path(templates).resolve())
    config = load_config(config_path, overrides)
    check_out_dir(out, config.output.formats)
    ref, ana, tgt, sources = load_inputs(config)
    report = Monitor(config).run(ref, ana, tgt, sources=sources)
    files = report.save(out, config.output.formats)
    alerts = analysis_alerts(report.results)
    click.echo(written_line(files))
    click.echo(f"status: {report.status} ({alerts} alert{'s' if alerts != 1 else ''} in the analysis period)")
    if fail_on_alert and alerts:
        raise SystemExit(3)
