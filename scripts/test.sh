#!/usr/bin/env bash
# Install everything the tests need (system packages too) into .venv and run the whole suite.
# Debian's chromium serves the browser tests (never `playwright install`); poppler-utils gives pdftoppm;
# postgresql gives initdb/pg_ctl for the SQL source tests (they start their own cluster on a loopback port);
# default-jre-headless (Java 17 on Debian 12) and the spark extra serve the Spark tests, a separate step
# after the main suite (marked `spark`, deselected by default so the main run starts no JVM).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS=test,spark SYSTEM_PACKAGES="chromium poppler-utils postgresql default-jre-headless" source "$ROOT/scripts/setup_env.sh"
cd "$ROOT"
# quality gate: lint, format and types (config in pyproject.toml), then the suite
ruff check reportgen tests benchmarks
ruff format --check reportgen tests benchmarks
mypy reportgen
python -m pytest -q "$@"
python -m pytest -q -m spark tests/spark
