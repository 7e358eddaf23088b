#!/usr/bin/env bash
# Install reportgen into .venv and write the demo report into ./demo-report (or $1).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup_env.sh"
OUT="${1:-demo-report}"
reportgen demo --out "$OUT"
echo "open $OUT/report.html (or $OUT/report.pdf)"
