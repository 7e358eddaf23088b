#!/usr/bin/env bash
# Shared by demo.sh and test.sh: make .venv (a virtualenv beside the checkout) with reportgen in it.
# Usage: [EXTRAS=test] [SYSTEM_PACKAGES="chromium ..."] source scripts/setup_env.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

apt_install() {
  # Install Debian/Ubuntu packages that are not there yet (quietly; needs root or sudo).
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing system packages: ${missing[*]}" >&2
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# weasyprint needs pango (it pulls fontconfig, harfbuzz and DejaVu fonts); venv may be separate on Debian.
if command -v dpkg >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core ${SYSTEM_PACKAGES:-}
  "$PY" -m venv --help >/dev/null 2>&1 && "$PY" -c "import ensurepip" >/dev/null 2>&1 || apt_install python3-venv
fi

if [ ! -x "$ROOT/.venv/bin/python" ]; then
  "$PY" -m venv "$ROOT/.venv"
fi
VENV_PY="$ROOT/.venv/bin/python"
"$VENV_PY" -m pip install -q --upgrade pip >/dev/null
if [ -n "${EXTRAS:-}" ]; then
  "$VENV_PY" -m pip install -q -e "$ROOT[$EXTRAS]"
else
  "$VENV_PY" -m pip install -q "$ROOT"
fi
export PATH="$ROOT/.venv/bin:$PATH"
