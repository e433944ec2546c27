#!/usr/bin/env bash
# The benchmark harness, in one command (see docs/benchmarks.md):
#
#   scripts/bench.sh [--quick] [--voters N] [--reuse] [--duration SECONDS] [--out FILE] [--loads-only]
#
# --quick is a CI-scale run (200k voters, short runs, report in target/bench/benchmarks-quick.md).
#
# Makes sure PostgreSQL runs, builds the release binary, installs wrk when it is missing, then runs
# scripts/bench/bench.py: seeds N voters (default 2,000,000) into the database winserve_bench with
# `winserve seed`, times `winserve import voters` of the same data into winserve_bench_import and
# PostgreSQL's own load of that file (COPY, memberships in SQL, the schema's indexes: the baseline that
# load figures are ratios to; then the CLI's peak RSS importing and refreshing a 5M-voter file,
# --memory-voters N to change the size, 0 to skip: ~12 minutes at 5M; --loads-only stops after it), starts
# `winserve serve` on 127.0.0.1:18080, drives every workload through HTTP with wrk and the statements
# the server ran for it (captured from PostgreSQL's statement log) through pgbench, and writes
# docs/benchmarks.md. --reuse keeps an already seeded winserve_bench (and
# skips the seed and import timings). Every load run is bounded in time; the whole run at 2M voters takes
# about 12 minutes on 2 cores when seed and import meet their targets (20 s, 30 s).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-postgres.sh

echo "== building the release binary" >&2
cargo build --release --bin winserve

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wrk
fi
command -v wrk >/dev/null 2>&1 || { echo "wrk is required (apt-get install -y wrk)" >&2; exit 1; }

if ! command -v pgbench >/dev/null 2>&1; then
  pgbench_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$pgbench_dir" ] && [ -x "$pgbench_dir/pgbench" ]; then
    export PATH="$pgbench_dir:$PATH"
  else
    echo "pgbench is required (part of the PostgreSQL client tools: apt-get install -y postgresql-client)" >&2
    exit 1
  fi
fi
for tool in psql curl python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is required" >&2; exit 1; }
done

exec python3 scripts/bench/bench.py "$@"
