#!/usr/bin/env bash
# End-to-end tests of the web console in headless Chromium (issue 17).
#
#   scripts/browser-tests.sh                      # screenshots into docs/console/
#   scripts/browser-tests.sh --screenshots DIR    # screenshots elsewhere
#
# Installs what it needs when missing: Debian's `chromium` and `chromium-driver` (apt-get), selenium and
# its dependencies pinned in tests/browser/requirements.txt (into .venv-browser/), and axe-core, pinned,
# from the npm registry (`npm pack` into .cache/axe-core/). No browser or driver is downloaded at run time:
# selenium is given Debian's binaries.
#
# Builds the debug binary (`cargo build -p winserve`, honouring CARGO_TARGET_DIR), starts `winserve serve
# --demo` on a fresh database (dropped afterwards) and a free port with the rate limit off and a known
# JWT secret, and runs tests/browser/console_test.py as the demo user (a fresh database: no organization
# yet): sign in, start a campaign, launch and win it, the Serve office, run again, switching, reload;
# screenshots of the Win and Serve views at desktop and phone width; an axe-core check of every view.
# Exits non-zero when any step or any serious/critical accessibility violation fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

AXE_VERSION=4.10.3
screenshots="$root/docs/console"
while [ $# -gt 0 ]; do
  case "$1" in
    --screenshots) screenshots=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$screenshots"
screenshots=$(cd "$screenshots" && pwd)

started=$(date +%s)
scripts/ensure-postgres.sh

# 1. Debian's chromium and its driver (and, where the machine lacks them, venv and npm).
apt_updated=""
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing $* (apt-get)" >&2
  if [ -z "$apt_updated" ]; then
    $sudo apt-get update -q >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null
}
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  apt_install chromium chromium-driver
fi
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  apt_install python3-venv
fi
if ! command -v npm >/dev/null 2>&1 && [ ! -s "$root/.cache/axe-core/$AXE_VERSION/axe.min.js" ]; then
  apt_install npm
fi
chromium_bin=$(command -v chromium)
chromedriver_bin=$(command -v chromedriver)

# 2. selenium, pinned, in a venv of its own (reinstalled when requirements.txt changes).
venv="$root/.venv-browser"
requirements="$root/tests/browser/requirements.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing the browser tests' Python packages into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" >"$stamp"
fi

# 3. axe-core, pinned, from the npm registry.
axe_dir="$root/.cache/axe-core/$AXE_VERSION"
axe="$axe_dir/axe.min.js"
if [ ! -s "$axe" ]; then
  echo "fetching axe-core $AXE_VERSION (npm pack)" >&2
  pack=$(mktemp -d)
  (cd "$pack" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)
  mkdir -p "$axe_dir"
  tar -xzf "$pack/axe-core-$AXE_VERSION.tgz" -C "$pack"
  cp "$pack/package/axe.min.js" "$axe.tmp"
  mv "$axe.tmp" "$axe"
  rm -rf "$pack"
fi

# 4. The server: debug binary, fresh database, free port, known secret.
cargo build -p winserve --quiet
binary="${CARGO_TARGET_DIR:-$root/target}/debug/winserve"
work=$(mktemp -d)
db="winserve_browser_$$"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export WINSERVE_JWT_SECRET="browser-tests-secret-$$-$RANDOM$RANDOM"
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
if [ -z "$token" ] || ! curl -fsS "$base/v1/health/ready" >/dev/null 2>&1; then
  echo "the demo was not ready within 150 s" >&2
  cat "$work/server.err" >&2
  exit 1
fi
echo "browser tests against $base (chromium $("$chromium_bin" --version 2>/dev/null | awk '{print $2}'), axe-core $AXE_VERSION); ready after $(( $(date +%s) - started )) s" >&2

# 5. The journey.
set +e
# SE_OFFLINE: selenium is given both binaries; its manager must never look for (or fetch) others.
BROWSER_TEST_TOKEN="$token" SE_OFFLINE=true SE_AVOID_STATS=true "$venv/bin/python" "$root/tests/browser/console_test.py" \
  --base "$base" \
  --screenshots "$screenshots" \
  --axe "$axe" \
  --chromium "$chromium_bin" \
  --chromedriver "$chromedriver_bin"
status=$?
set -e
elapsed=$(( $(date +%s) - started ))
if [ "$status" -ne 0 ]; then
  log="${CARGO_TARGET_DIR:-$root/target}/browser-tests-server.log"
  cp "$work/server.err" "$log"
  echo "browser tests: FAILED after ${elapsed} s (the server's log: $log)" >&2
  exit 1
fi
echo "browser tests: passed in ${elapsed} s; screenshots in ${screenshots#"$root"/}"
