"""Fuzzed inputs through the CLI and the Python API: a report that keeps the contract, or one clear error.

CI runs a fixed, small set of examples (derandomized, well under a minute). The long profile,
for a hand run of about ten minutes, draws fresh examples:

    REPORTGEN_FUZZ=long .venv/bin/python -m pytest tests/fuzz -q

Each case has a time limit, so a hang fails the case instead of the CI job.
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings

from reportgen.cli import main
from reportgen.errors import ReportgenError
from reportgen.monitor import Monitor
from tests.fuzz.promise import contract_problems, stray_files, time_limit, write_case
from tests.fuzz.strategies import FuzzCase, fuzz_cases

LONG = os.environ.get("REPORTGEN_FUZZ") == "long"
CASE_SECONDS = 60.0
settings.register_profile(
    "fuzz-ci",
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "fuzz-long",
    max_examples=int(os.environ.get("REPORTGEN_FUZZ_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
PROFILE = settings.get_profile("fuzz-long" if LONG else "fuzz-ci")


@PROFILE
@given(case=fuzz_cases())
def test_cli_run_keeps_its_promise(case: FuzzCase, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("fuzz-cli")
    config = write_case(case, folder / "in")
    out = folder / "out"
    with time_limit(CASE_SECONDS):
        result = CliRunner().invoke(
            main, ["run", str(config), "--out", str(out), "--format", "json", "--quiet", "--fail-on-alert"]
        )
    stderr = result.stderr
    event(f"cli exit {result.exit_code}")
    assert "Traceback" not in stderr + result.output, stderr
    assert result.exit_code in (0, 2, 3), (result.exit_code, stderr, repr(result.exception), case.notes)
    assert not stray_files(folder), stray_files(folder)
    if result.exit_code == 2:
        event(f"cli refused: {stderr.strip().splitlines()[-1].split(': ')[-1][:40]}")
        errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and stderr.splitlines()[-1] == errors[0], stderr
        assert not out.exists(), "a refused run wrote into --out"
        return
    payload = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert contract_problems(payload) == [], case.notes
    alerts = any(r["alert"] is True and r["period"] == "analysis" for r in payload["results"])
    assert (result.exit_code == 3) == alerts


@PROFILE
@given(case=fuzz_cases())
def test_python_api_keeps_its_promise(case: FuzzCase) -> None:
    with time_limit(CASE_SECONDS):
        try:
            report = Monitor(case.config).run(case.reference, case.analysis, case.targets)
        except ReportgenError as exc:
            event(f"api {type(exc).__name__}: {str(exc).split(': ')[-1][:40]}")
            assert exc.exit_code == 2, exc
            assert "\n" not in str(exc) and str(exc), exc
            return
        payload = json.loads(report.model.to_results_json())
    event("api report")
    assert contract_problems(payload) == [], case.notes
