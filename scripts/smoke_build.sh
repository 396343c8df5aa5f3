#!/usr/bin/env bash
# Build the frozen application from this checkout and smoke-test it (scripts/smoke_build.py):
# installs the app and PyInstaller into .venv if needed. Arguments go to smoke_build.py,
# e.g. --keep dist to keep the bundle, --require-pg to insist on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh app
if ! .venv/bin/python -c 'import PyInstaller' 2>/dev/null; then
    printf '\033[1m==> %s\033[0m\n' "Installing PyInstaller into .venv" >&2
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[build]"
fi
exec .venv/bin/python scripts/smoke_build.py "$@"
