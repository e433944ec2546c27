#!/usr/bin/env bash
# The project's test command: makes sure PostgreSQL runs, then runs every test of the workspace.
# Each test creates (and drops) its own database from a migrated template, so nothing else is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh
exec cargo test --workspace --all-features "$@"
