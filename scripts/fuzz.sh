#!/usr/bin/env bash
# Schema-driven fuzzing of the HTTP API with schemathesis, against the served OpenAPI document.
#
#   scripts/fuzz.sh     # --max-examples N (default 25), --max-time SECONDS (150), --seed S (7), --workers N (1)
#
# Builds the debug binary (`cargo build -p winserve`, honouring CARGO_TARGET_DIR), starts `winserve serve
# --demo` on a fresh database (dropped afterwards) and a free port with the rate limit off, creates a Win
# organization for the demo user, and runs schemathesis (pinned, installed into .venv-fuzz/) with every
# check, a fixed seed and a time bound, authenticated as the demo user in that organization. Fails on any
# 5xx, any answer the document does not describe (status, content type, schema, headers), any error
# answer that is not problem+json with a `code`, valid input refused or invalid input accepted. Prints
# the number of requests made, the 5xx count and the run time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

SCHEMATHESIS_VERSION=4.32.5
max_examples=25
max_time=150
seed=7
workers=1
while [ $# -gt 0 ]; do
  case "$1" in
    --max-examples) max_examples=$2; shift 2 ;;
    --max-time) max_time=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

scripts/ensure-postgres.sh

# 1. schemathesis, pinned, in a venv of its own.
venv="$root/.venv-fuzz"
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# 2. The server: debug binary, fresh database, free port.
cargo build -p winserve --quiet
binary="${CARGO_TARGET_DIR:-$root/target}/debug/winserve"
work=$(mktemp -d)
db="winserve_fuzz_$$"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" WINSERVE_BIND="127.0.0.1:$port" WINSERVE_RATE_LIMIT=0 \
  RUST_LOG="${RUST_LOG:-info}" "$binary" serve --demo >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
token=""
for _ in $(seq 1 300); do
  token=$(sed -n 's/^export TOKEN=//p' "$work/server.out" | head -n 1)
  if [ -n "$token" ] && curl -fsS "$base/v1/health/ready" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited:" >&2
    cat "$work/server.err" >&2
    exit 1
  fi
  sleep 0.5
done
if [ -z "$token" ]; then
  echo "the demo printed no token within 150 s" >&2
  cat "$work/server.err" >&2
  exit 1
fi

# The demo user's Win organization: a draft campaign for the ward 1 seat.
created=$(curl -fsS -X POST "$base/v1/campaigns" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d '{"ballotready_position_id":"demo-cheyenne-ward-1","election_date":"2026-11-03"}')
slug=$(printf '%s' "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["organization"]["slug"])')
echo "fuzzing $base as the demo user in $slug (seed $seed, at most $max_examples examples per operation, $max_time s)" >&2

# 3. The checks of our own: every error is problem+json with a `code`; every request is counted.
cat >"$work/fuzz_hooks.py" <<'PY'
import json
import os

import schemathesis

COUNTS = os.environ["FUZZ_COUNTS"]


@schemathesis.hook
def after_call(context, case, response):
    with open(COUNTS, "a") as f:
        f.write(f"{response.status_code} {case.method} {case.path}\n")


@schemathesis.hook
def filter_case(context, case):
    # Stateful testing follows links from response fields that may be null (a lost campaign's
    # `elected_office`, a history event's `elected_office_id`) and then sends the text "None" as a UUID
    # path parameter: a request the document does not describe, so not one to judge the server by.
    return not any(v is None or v == "None" for v in (case.path_parameters or {}).values())


@schemathesis.check
def errors_are_problems_with_a_code(ctx, response, case):
    """Every 4xx and 5xx is application/problem+json with a string `code` (RFC 9457 + the contract)."""
    if response.status_code < 400:
        return None
    media = response.headers.get("content-type", [""])
    media = (media[0] if isinstance(media, list) else media).split(";")[0].strip()
    if media != "application/problem+json":
        raise AssertionError(f"error {response.status_code} sent as {media!r}, not application/problem+json")
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(f"error {response.status_code} body is not JSON: {e}") from e
    if not isinstance(body, dict) or not isinstance(body.get("code"), str) or not body["code"]:
        raise AssertionError(f"error {response.status_code} has no problem `code`: {body!r}")
    return None
PY

# 4. The run. Every check runs on every operation; the one relaxation is narrow and explained here:
# `positive_data_acceptance` also accepts 422 on the operations below, whose 422 depends on more than the
# shape of one value, which a JSON Schema cannot state:
#  - GET /v1/contacts: `cursor` is an opaque token of a previous page; other text is refused, and so are
#    `page` and `cursor` together;
#  - GET /v1/contacts, /v1/contacts/stats, /v1/contacts/export: `search` has at most 8 words and 200
#    characters counted after folding (accents, ligatures) and splitting at every character that is not a
#    Unicode letter or digit, which no pattern of the document can state;
#  - POST /v1/campaigns, PATCH /v1/organizations/{slug}: a position or district id must exist in the
#    reference data; the primary may not fall after the general election;
#  - PATCH /v1/campaigns/{id}: the primary may not fall after the general election;
#  - PATCH /v1/elected-offices/{id}: a term may not end before it starts;
#  - POST /v1/campaigns/{id}/launch: 422 `office_not_set` depends on the stored campaign, not the request.
# Both data checks also take 414 `uri_too_long`, which every operation documents: the request target is
# limited to 8 KiB as a whole, which no single parameter's schema can state.
cat >"$work/schemathesis.toml" <<'TOML'
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "429", "5xx"]

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "414", "415", "422", "428", "429", "5xx"]

[[operations]]
include-method = "GET"
include-path = "/v1/contacts"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "422", "429", "5xx"]

[[operations]]
include-method = "GET"
include-path = "/v1/contacts/stats"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "422", "429", "5xx"]

[[operations]]
include-method = "GET"
include-path = "/v1/contacts/export"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "422", "429", "5xx"]

[[operations]]
include-method = "POST"
include-path = "/v1/campaigns"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "422", "429", "5xx"]

[[operations]]
include-method = "PATCH"
include-path = "/v1/organizations/{slug}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "422", "429", "5xx"]

[[operations]]
include-method = "PATCH"
include-path = "/v1/campaigns/{id}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "422", "429", "5xx"]

[[operations]]
include-method = "PATCH"
include-path = "/v1/elected-offices/{id}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "422", "429", "5xx"]

[[operations]]
include-method = "POST"
include-path = "/v1/campaigns/{id}/launch"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "414", "422", "429", "5xx"]
TOML
start=$(date +%s)
set +e
# From the scratch directory, so that schemathesis's own cache stays out of the work tree.
(cd "$work" && FUZZ_COUNTS="$work/counts" SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="$work" \
  "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$base/v1/openapi.json" \
  --checks all \
  --seed "$seed" \
  --max-examples "$max_examples" \
  --max-time "$max_time" \
  --request-timeout 20 \
  --workers "$workers" \
  --no-color \
  --generation-database none \
  --suppress-health-check too_slow,filter_too_much \
  -H "Authorization: Bearer $token" \
  -H "X-Organization-Slug: $slug")
status=$?
set -e
elapsed=$(( $(date +%s) - start ))

# 5. The figures.
requests=$(wc -l <"$work/counts" 2>/dev/null || echo 0)
server_errors=$(awk '$1 >= 500' "$work/counts" 2>/dev/null | wc -l)
echo
echo "fuzz: $requests requests, $server_errors answered 5xx, ${elapsed} s (schemathesis $SCHEMATHESIS_VERSION, seed $seed, --max-examples $max_examples)"
if [ "$server_errors" -gt 0 ]; then
  awk '$1 >= 500' "$work/counts" | sort | uniq -c | sort -rn | head -n 20 >&2
fi
if [ "$status" -ne 0 ] || [ "$server_errors" -gt 0 ]; then
  echo "fuzz: FAILED (schemathesis exit $status)" >&2
  log="${CARGO_TARGET_DIR:-$root/target}/fuzz-server.log"
  cp "$work/server.err" "$log"
  echo "the server's log: $log" >&2
  exit 1
fi
echo "fuzz: passed"
