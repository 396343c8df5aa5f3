#!/usr/bin/env bash
# Install the application and open it on the demo database.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh app
exec .venv/bin/python -m desktop --demo "$@"
