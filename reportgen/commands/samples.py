"""`reportgen samples`: write seeded sample data with a known drift schedule, and its config."""

from __future__ import annotations

from pathlib import Path

import click

EXAMPLES = """
\b
Examples:
  reportgen samples --problem binary --rows 1500 --out samples-binary
  reportgen samples --problem regression --rows 500 --out stable --scenario stable
  reportgen run samples-binary/config.yaml --out report
"""


@click.command(name="samples", epilog=EXAMPLES)
@click.option(
    "--problem",
    required=True,
    type=click.Choice(["binary", "multiclass", "regression", "binary_classification", "multiclass_classification"]),
    help="Problem type of the simulated model.",
)
@click.option(
    "--rows",
    type=click.IntRange(min=10),
    default=1500,
    show_default=True,
    help="Rows per month (12 reference months, 10 analysis months).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the CSV files, config.yaml and truth.json.",
)
@click.option(
    "--scenario",
    type=click.Choice(["default", "stable"]),
    default="default",
    show_default=True,
    help="default: the documented drift schedule; stable: no drift.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same bytes).")
def command(problem: str, rows: int, out: Path, scenario: str, seed: int) -> None:
    """Simulate a car-loan model's reference year and ten analysis months, with planted drift."""
    from reportgen.samples.generator import generate

    sample = generate(problem, out, rows_per_month=rows, seed=seed, scenario=scenario)
    click.echo(f"wrote {', '.join(str(p) for p in sample.paths.values())}")
    click.echo(f"next: reportgen run {sample.config_path} --out {out / 'report'}")
