"""`reportgen run CONFIG`: read the data, run every monitoring step and write the report."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.commands import (
    analysis_alerts,
    check_out_dir,
    parse_formats,
    parse_params,
    path_overrides,
    written_line,
)

EXAMPLES = """
\b
Examples:
  reportgen run model.yaml                                  # formats from output.formats
  reportgen run model.yaml --analysis data/2024-W48.parquet --out reports/2024-W48
  reportgen run model.yaml --format html,json --fail-on-alert   # exit 3 when an alert fires
  reportgen run model.yaml --baseline reports/2024-W47/results.json
  reportgen run model.yaml --analysis week48.csv --archive archive/ --quiet   # weekly, into the audit archive
  reportgen run model.yaml --param start=2024-11-25 --param end=2024-12-02    # bound into SQL sources' queries
  reportgen run model.yaml --engine spark                   # chunk statistics on Spark (engine.master, engine.conf)
\b
Exit codes: 0 done, 2 bad config or data (one line on stderr, nothing written),
3 with --fail-on-alert when any alert fires, 4 (output.notify_failure_exit) when a
chat notification (output.notify) failed after its retries; the report is written either way.
"""


@click.command(name="run", epilog=EXAMPLES)
@click.argument("config_path", metavar="CONFIG", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--reference",
    type=click.Path(dir_okay=False),
    default=None,
    help="Reference data file, or a SQL source as {url: env:VAR, table: T} (overrides the config).",
)
@click.option(
    "--analysis",
    type=click.Path(),
    default=None,
    help="Analysis data file, a folder of Parquet files, or a SQL source as {url: env:VAR, query: ...} (overrides the config).",
)
@click.option(
    "--targets",
    type=click.Path(dir_okay=False),
    default=None,
    help="Analysis targets file, joined on columns.id (overrides the config).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for report.html, report.pdf, report.eml, results.json [default: report_out, or none with --archive].",
)
@click.option(
    "--format",
    "formats",
    metavar="LIST",
    default=None,
    help="Comma-separated: html,pdf,json,email (default: output.formats).",
)
@click.option("--theme", default=None, help="Report theme (overrides output.theme).")
@click.option(
    "--templates",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of templates overriding the built-in ones by name.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="A previous results.json: alerts are marked new, continuing or resolved.",
)
@click.option(
    "--archive",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Store the run in this audit archive (ARCHIVE/<model>/<period>/, hash-chained; see `reportgen verify`).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a value into the SQL sources' queries (:NAME); repeatable, wins over params: in the config.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default=None,
    help="Where the analysis chunks are computed (overrides engine.type): local (this process) or spark.",
)
@click.option("--fail-on-alert", is_flag=True, help="Exit 3 when any alert fires in the analysis period.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--log-json", is_flag=True, help="One JSON line per finished step on stderr (for pipelines).")
def command(
    config_path: Path,
    reference: str | None,
    analysis: str | None,
    targets: str | None,
    out: Path | None,
    formats: str | None,
    theme: str | None,
    templates: str | None,
    baseline: str | None,
    archive: Path | None,
    params: tuple[str, ...],
    engine: str | None,
    fail_on_alert: bool,
    quiet: bool,
    log_json: bool,
) -> None:
    """Monitor the model CONFIG describes and write its report into --out."""
    from reportgen.config import load_config
    from reportgen.engine import check_engine_available
    from reportgen.engine.streamed import streamed_run
    from reportgen.inputs import load_inputs, read_reference, source_names
    from reportgen.monitor import Monitor
    from reportgen.progress import Progress, StepHook
    from reportgen.sources import with_params

    overrides: dict[str, object] = path_overrides(
        reference=reference, analysis=analysis, targets=targets, baseline=baseline
    )
    chosen = parse_formats(formats)
    if chosen is not None:
        overrides["output.formats"] = list(chosen)
    if theme:
        overrides["output.theme"] = theme
    if templates:
        overrides["output.templates"] = str(Path(templates).resolve())
    if engine:
        overrides["engine.type"] = engine
    config = with_params(load_config(config_path, overrides), parse_params(params))
    check_engine_available(config)
    if out is None and archive is None:
        out = Path("report_out")
    for folder in (out, archive):
        if folder is not None:
            check_out_dir(folder)
    streamed = streamed_run(config)
    with Progress(quiet=quiet, log_json=log_json) as progress:
        if streamed:  # only the reference is read here; the engine streams the analysis chunk by chunk
            with progress.step("read inputs"):
                ref, sources = read_reference(config), source_names(config)
            report = Monitor(config).run_streamed(ref, sources=sources, progress=StepHook(progress))
        else:
            with progress.step("read inputs"):
                ref, ana, tgt, sources = load_inputs(config)
            report = Monitor(config).run(ref, ana, tgt, sources=sources, progress=StepHook(progress))
        with progress.step("write report"):
            files = report.save(out, config.output.formats) if out is not None else {}
            stored = None
            if archive is not None:
                from reportgen.delivery.archive import archive_report

                inputs = {**sources, "config": str(config_path)}
                stored = archive_report(report, archive, formats=config.output.formats, inputs=inputs, written=files)
    alerts = analysis_alerts(report.results)
    if files:
        click.echo(written_line(files))
    if stored is not None:
        click.echo(f"archived {stored.path}" + (" (replaced the last run of this period)" if stored.replaced else ""))
    click.echo(f"status: {report.status} ({alerts} alert{'s' if alerts != 1 else ''} in the analysis period)")
    if config.output.notify:
        from reportgen.delivery.notify import notify_all, report_location

        where = report_location(files, stored.path if stored is not None else None, archive)
        failures = notify_all(config.output.notify, report.model, where)
        for failure in failures:
            click.echo(f"error: {failure}", err=True)
        if failures and config.output.notify_failure_exit:
            raise SystemExit(config.output.notify_failure_exit)
    if fail_on_alert and alerts:
        raise SystemExit(3)
