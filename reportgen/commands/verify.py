"""`reportgen verify ROOT`: recompute every hash of an archive and check the chain between runs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reportgen.commands import require_folder

EXAMPLES = """
\b
Examples:
  reportgen verify archive/              # exit 0: chain intact; exit 1: lists each problem
  reportgen verify archive/ --inputs     # also re-hash the input files at their recorded paths
  reportgen verify archive/ --json       # one JSON object for pipelines
  reportgen verify archive/ --rebuild    # rerun every run from its inputs: same bytes?
"""


@click.command(name="verify", epilog=EXAMPLES)
@click.argument("root", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--inputs",
    "check_inputs",
    is_flag=True,
    help="Also re-hash each run's input files (they must still be at their recorded paths).",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Also rerun each run from its recorded inputs and config and compare the report bytes (slow).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
def command(root: Path, check_inputs: bool, rebuild: bool, as_json: bool) -> None:
    """Verify the archive at ROOT: every file's sha256, each manifest, the ledger and the hash chain.

    Names every ALTERED, MISSING, ADDED or REORDERED record and exits 1; exits 0 when the whole
    chain checks out; 2 when ROOT is not an archive.
    """
    import tempfile

    from reportgen.delivery.ledger import archived_runs
    from reportgen.delivery.verify import rebuild_run, verify_archive
    from reportgen.errors import ReportgenError

    try:
        require_folder(root, what="the folder passed to `run --archive`")
        outcome = verify_archive(root, check_inputs=check_inputs)
        if rebuild:
            for run in archived_runs(root):
                with tempfile.TemporaryDirectory(prefix="reportgen-rebuild-") as scratch:
                    outcome.findings.extend(rebuild_run(root / run["dir"], scratch))
    except ReportgenError as exc:
        if as_json:  # pipelines parse stdout: the refusal is JSON there too (and one line on stderr)
            click.echo(json.dumps({"root": str(root), "ok": False, "error": str(exc), "findings": []}, indent=1))
        raise
    if as_json:
        click.echo(
            json.dumps(
                {
                    "root": str(root),
                    "ok": outcome.ok,
                    "models": outcome.models,
                    "records": outcome.records,
                    "files": outcome.files,
                    "findings": [{"kind": f.kind, "path": f.path, "detail": f.detail} for f in outcome.findings],
                },
                indent=1,
            )
        )
    else:
        for finding in outcome.findings:
            click.echo(str(finding))
        if outcome.ok:
            click.echo(
                f"{root}: OK: {outcome.records} runs of {len(outcome.models)} model(s), {outcome.files} files, hash chain intact"
            )
        else:
            click.echo(f"{root}: FAILED: {len(outcome.findings)} problem(s) in {outcome.records} runs", err=True)
    if not outcome.ok:
        click.get_current_context().exit(1)
