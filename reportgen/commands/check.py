"""`reportgen check CONFIG`: validate the config and the data without computing anything.

Runs the same loading and preparation `run` does (reportgen.config.load_config,
reportgen.inputs.load_inputs and io.prepare_data), so every error `run` would raise on its input shows up
here first, in seconds, with the same one-line message and exit code 2.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import click

EXAMPLES = """
\b
Examples:
  reportgen check model.yaml
  reportgen check model.yaml --analysis data/2024-W48.parquet
"""


@click.command(name="check", epilog=EXAMPLES)
@click.argument("config_path", metavar="CONFIG", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--reference", type=click.Path(dir_okay=False), default=None, help="Reference data file (overrides the config)."
)
@click.option(
    "--analysis", type=click.Path(dir_okay=False), default=None, help="Analysis data file (overrides the config)."
)
@click.option(
    "--targets", type=click.Path(dir_okay=False), default=None, help="Analysis targets file (overrides the config)."
)
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Bind a value into SQL queries (:NAME).")
def command(
    config_path: Path, reference: str | None, analysis: str | None, targets: str | None, params: tuple[str, ...]
) -> None:
    """Validate CONFIG and its data files; compute nothing.

    Exit 0 when `reportgen run CONFIG` would start, 2 with one line naming the file, key or column
    and the fix otherwise.
    """
    from reportgen.chunking import chunker_from_config
    from reportgen.commands import parse_params, path_overrides
    from reportgen.config import load_config
    from reportgen.inputs import load_inputs
    from reportgen.io import prepare_data
    from reportgen.pipeline_steps import applicable_steps
    from reportgen.sources import with_params

    overrides = path_overrides(reference=reference, analysis=analysis, targets=targets)
    config = with_params(load_config(config_path, overrides), parse_params(params))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ref, ana, tgt, sources = load_inputs(config)
        data = prepare_data(config, ref, ana, tgt, sources=sources)
    steps = [s.name for s in applicable_steps(config)]
    features = data.reference.features
    n_cat = sum(1 for c in features.values() if c.is_categorical)
    click.echo(f"{config_path}: OK ({config.problem_type})")
    click.echo(
        f"  reference: {data.reference.n_rows:,} rows in {len(data.reference_chunks)} chunks ({sources['reference']})"
    )
    click.echo(
        f"  analysis:  {data.analysis.n_rows:,} rows in {len(data.analysis_chunks)} chunks ({sources['analysis']})"
    )
    click.echo(f"  chunking:  {chunker_from_config(config.chunking).describe()}")
    click.echo(f"  features:  {len(features)} ({n_cat} categorical, {len(features) - n_cat} continuous)")
    click.echo(
        f"  targets in analysis: {'yes' if data.analysis.has_targets else 'no (no realized performance section)'}"
    )
    click.echo(f"  steps: {', '.join(steps) if steps else 'none registered'}")
    for w in caught:
        click.echo(f"  warning: {w.message}")
