#!/usr/bin/env bash
# Install the application with its test tools, check the core's types (mypy) and run the whole
# test suite (every database test on SQLite and on the PostgreSQL server at 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh test
# The core's types first (configured in pyproject.toml): a type error fails the run early.
.venv/bin/mypy
# Two workers: the database tests wait on I/O, and each worker has its own databases.
exec .venv/bin/python -m pytest -n 2 --durations=15 "$@"
