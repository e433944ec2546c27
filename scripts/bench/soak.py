#!/usr/bin/env python3
"""Soak and slow-client runs of winserve (issue 12), in the benchmark harness rather than in CI.

  python3 scripts/bench/soak.py [--db winserve_bench] [--voters 200000] [--minutes 10]
                                [--capacity-seconds 30] [--slow-clients 500] [--out target/soak.json]

Steps:

 1. Database: uses --db as it is when it exists (any number of voters); otherwise seeds it with
    `winserve seed --voters N --state WY --rng-seed 1` and runs VACUUM ANALYZE.
 2. Server: `winserve serve --no-migrate` (the release binary: --bin, else $CARGO_TARGET_DIR/release/winserve,
    else target/release/winserve) on a free port of 127.0.0.1, with WINSERVE_RATE_LIMIT=0 and the harness's
    WINSERVE_JWT_SECRET; its stdout and stderr go to target/soak-server.log.
 3. The mix: bench.py's users, organizations and segments (setup_orgs) and every workload build_workloads
    yields (pages + totals with and without segments, keyset pages, page 100, searches,
    /v1/organizations), plus /v1/me and /v1/contacts/stats. Every request takes the next workload in turn
    (each thread starts at its own place) and a random path of it, with that workload's user and
    organization headers.
 4. Capacity: wrk -t2 -c8 with the mix for --capacity-seconds (after a short warm-up) -> requests/s.
 5. Soak: the mix for --minutes at --load (0.8) of that capacity, wrk -t2 -c16 (--soak-connections: more
    connections than the capacity run, so that a slow request does not hold the rate back). wrk has no rate
    option; the script's delay() hook paces each thread: every request takes the next slot of the thread's schedule
    (1 / per-thread target rate apart, clock_gettime through LuaJIT's ffi) and waits for it; a thread that
    fell behind may catch up by at most 250 ms worth of requests. The achieved rate and its ratio to the
    capacity are reported. Errors: wrk's socket errors (connect, read, write, timeout) and every response
    that is not 2xx (counted by status in the response() hook). The server's VmRSS is read from
    /proc/<pid>/status every second: RSS after the warm-up (the mean of the 5 s before --warmup-seconds,
    60 by default, at most half the soak) and at the end (the mean of the last 5 s), and the growth.
    Pass: 0 errors and RSS growth <= --max-rss-growth (10 %).
 6. Slow clients: a second server with WINSERVE_HEADER_TIMEOUT=--header-timeout (5 s) and a metrics
    listener (its winserve_connections_timed_out_total counts the connections it closed). One workload
    (--slow-workload, a page + total) through wrk -t2 -c8 for --slow-seconds (20) three times: alone;
    while --slow-clients connections each send one byte of a request every second (and reconnect when
    the server closes them); while as many idle keep-alive connections (one request answered, then
    nothing) are held open. p50/p99/req/s of each, and how many slow connections the server closed; with
    the server's own view of each run (winserve_http_request_duration_seconds: requests over 50 ms, 1 s).

wrk's latency histogram is not always consistent with its own request count: every run records
little_ratio = rate x mean latency / connections, which cannot exceed 1 in a closed loop; above 1 the
run's client-side latencies are too high (the summary flags it) and the server-side figures are the check.

Writes --out (JSON, default target/soak.json) and prints a summary; exits 1 when a check fails.
Only the Python standard library and wrk are used. The machine should otherwise be idle: the figures
are those of a 2-core machine shared with whatever else runs (the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import selectors
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench  # noqa: E402  (bench.py: the harness's helpers; its main() runs only as a script)

ROOT = bench.ROOT
WORK = ROOT / "target" / "soak"
SERVER_LOG = ROOT / "target" / "soak-server.log"
STARTED = time.monotonic()


class SoakError(Exception):
    """A failure with a message for the user."""


def log(message: str) -> None:
    print(f"[soak {time.monotonic() - STARTED:6.0f}s] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------- wrk lua

# The mix: SOAK_MIX names a file of blocks, one per workload: a line "W<TAB>name<TAB>token<TAB>org slug"
# followed by its paths, "P<TAB>path". SOAK_THREAD_RATE, when set and > 0, is the target of each thread in
# requests/s. done() prints one line "SOAK_RESULT {json}".
MIX_LUA = r"""
local workloads = {}

local function load()
  local file = assert(os.getenv("SOAK_MIX"), "SOAK_MIX is not set")
  for line in io.lines(file) do
    local kind, a, b, c = line:match("^(%u)\t([^\t]*)\t?([^\t]*)\t?([^\t]*)$")
    if kind == "W" then
      local headers = { ["Authorization"] = "Bearer " .. b, ["Accept"] = "application/json" }
      if #c > 0 then headers["X-Organization-Slug"] = c end
      workloads[#workloads + 1] = { name = a, headers = headers, paths = {} }
    elseif kind == "P" then
      local w = assert(workloads[#workloads], "a path before its workload in " .. file)
      w.paths[#w.paths + 1] = a
    end
  end
  assert(#workloads > 0, "no workload in " .. file)
end
load()

local ffi_ok, ffi = pcall(require, "ffi")
local now_ms = nil
if ffi_ok then
  local ok = pcall(ffi.cdef, [[
    typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
    int clock_gettime(int clk_id, soak_timespec *tp);
  ]])
  if ok then
    local ts = ffi.new("soak_timespec")
    now_ms = function()
      ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
      return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
    end
  end
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

local rate = tonumber(os.getenv("SOAK_THREAD_RATE") or "0") or 0
local interval = nil -- ms between two requests of this thread
local conns = tonumber(os.getenv("SOAK_THREAD_CONNECTIONS") or "1") or 1
local next_at = nil
local turn = 0
statuses = {}
paced = 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  turn = math.random(#workloads) - 1
  if rate > 0 then interval = 1000 / rate end
end

if rate > 0 then
  function delay()
    if not now_ms then
      return conns * interval -- no clock: each connection waits its share (latency not deducted)
    end
    local now = now_ms()
    if not next_at or next_at < now - 250 then
      next_at = (next_at and (now - 250)) or now
    end
    next_at = next_at + interval
    local d = next_at - now
    if d < 0 then d = 0 end
    paced = paced + 1
    return d
  end
end

function request()
  turn = turn % #workloads + 1
  local w = workloads[turn]
  return wrk.format("GET", w.paths[math.random(#w.paths)], w.headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function json_map(t)
  local parts = {}
  for k, v in pairs(t) do parts[#parts + 1] = string.format('"%s": %d', tostring(k), v) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses") or {}
    for k, v in pairs(s) do all[k] = (all[k] or 0) + v end
  end
  local e = summary.errors
  local out = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_us": %d', summary.duration),
    string.format('"bytes": %d', summary.bytes),
    string.format('"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
                  e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}',
                  latency:percentile(50), latency:percentile(90), latency:percentile(99),
                  latency:percentile(99.9), latency.max, latency.mean),
    '"statuses": ' .. json_map(all),
    string.format('"clock": %s', now_ms and "true" or "false"),
  }
  io.write("SOAK_RESULT {" .. table.concat(out, ", ") .. "}\n")
end
"""


def run_wrk(mix_file: Path, *, base: str, seconds: int, connections: int = 8, threads: int = 2,
            rate: float = 0.0, what: str) -> dict:
    """wrk with the mix; `rate` > 0 paces it to that many requests/s overall. Returns the SOAK_RESULT of
    the lua script plus p50/p99 in ms, requests/s and the error total."""
    lua = WORK / "mix.lua"
    if not lua.exists() or lua.read_text() != MIX_LUA:
        lua.write_text(MIX_LUA)
    threads = max(1, min(threads, connections))
    env = dict(os.environ, SOAK_MIX=str(mix_file), SOAK_THREAD_RATE=f"{rate / threads:.6f}" if rate > 0 else "0",
               SOAK_THREAD_CONNECTIONS=str(max(1, connections // threads)))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
           "-s", str(lua), base]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 120)
    except subprocess.TimeoutExpired:
        raise SoakError(f"{what}: wrk did not finish within {seconds + 120} s")
    if p.returncode != 0:
        raise SoakError(f"{what}: wrk failed (exit {p.returncode}): {shlex.join(cmd)}\n{p.stderr[-2000:]}")
    m = re.search(r"^SOAK_RESULT (\{.*\})$", p.stdout, re.M)
    if not m:
        raise SoakError(f"{what}: no SOAK_RESULT in the wrk output:\n{p.stdout[-3000:]}\n{p.stderr[-2000:]}")
    r = json.loads(m.group(1))
    secs = r["duration_us"] / 1e6 or 1
    non2xx = sum(v for k, v in r["statuses"].items() if not 200 <= int(k) < 300)
    socket_errors = sum(r["errors"][k] for k in ("connect", "read", "write", "timeout"))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", p.stdout)
    r.update({
        "command": shlex.join(cmd),
        "rate_target": rate or None,
        "rps": r["requests"] / secs,
        "p50_ms": r["latency_us"]["p50"] / 1000,
        "p99_ms": r["latency_us"]["p99"] / 1000,
        "max_ms": r["latency_us"]["max"] / 1000,
        "non_2xx": non2xx,
        "wrk_non_2xx_or_3xx": int(m.group(1)) if m else 0,
        "socket_errors": socket_errors,
        "error_total": non2xx + socket_errors,
        # Little's law: a closed loop of C connections cannot have more than C requests in flight, so
        # rate x mean latency / C must stay <= 1. wrk's histogram breaks it at times (its latencies
        # too high): a figure above 1 flags that run's client-side latencies as suspect.
        "little_ratio": r["requests"] / secs * r["latency_us"]["mean"] / 1e6 / connections,
        "wrk_output": "\n".join(line for line in p.stdout.splitlines() if not line.startswith("SOAK_RESULT")),
    })
    return r


def describe(r: dict) -> str:
    suspect = f"  [wrk latencies suspect: rate x mean / connections = {r['little_ratio']:.1f}]" \
        if r["little_ratio"] > 1.1 else ""
    return (f"{r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:8.2f} ms  max {r['max_ms']:8.1f} ms"
            f"  errors {r['error_total']} (non-2xx {r['non_2xx']}, socket {r['socket_errors']}){suspect}")


# --------------------------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((bench.HOST, 0))
        return s.getsockname()[1]


class Server:
    """`winserve serve --no-migrate` on a free port, its output appended to target/soak-server.log."""

    def __init__(self, db: str, extra_env: dict[str, str], label: str):
        self.db, self.extra_env, self.label = db, extra_env, label
        self.port = free_port()
        self.base = f"http://{bench.HOST}:{self.port}"
        self.metrics_port = free_port() if "WINSERVE_METRICS_BIND" in extra_env else None
        if self.metrics_port:
            self.extra_env = dict(extra_env, WINSERVE_METRICS_BIND=f"{bench.HOST}:{self.metrics_port}")
        self.proc: subprocess.Popen | None = None
        self.log_start = 0

    def start(self) -> None:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": bench.db_url(self.db),
            "WINSERVE_BIND": f"{bench.HOST}:{self.port}",
            "WINSERVE_JWT_SECRET": bench.JWT_SECRET,
            "WINSERVE_RATE_LIMIT": "0",
            "RUST_LOG": os.environ.get("RUST_LOG", "info"),
            "NO_COLOR": "1",
        })
        env.update(self.extra_env)
        SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
        with open(SERVER_LOG, "a") as f:
            self.log_start = f.tell()
            settings = " ".join(f"{k}={v}" for k, v in sorted(self.extra_env.items()))
            f.write(f"==== soak.py: {self.label}: winserve serve on {self.base} (WINSERVE_RATE_LIMIT=0 {settings}) "
                    f"at {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        logf = open(SERVER_LOG, "a")
        self.proc = subprocess.Popen([str(bench.BIN), "serve", "--no-migrate"], env=env, stdout=logf,
                                     stderr=subprocess.STDOUT)
        logf.close()
        bench.BASE = self.base  # bench.api() and friends talk to this server
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SoakError(f"winserve serve exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/v1/health/ready", timeout=2) as r:
                    if r.status == 200:
                        log(f"{self.label}: winserve serve (pid {self.proc.pid}) ready on {self.base}")
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        raise SoakError(f"winserve serve was not ready within 60 s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        try:
            with open(SERVER_LOG, errors="replace") as f:
                f.seek(self.log_start)
                return f.read()
        except OSError:
            return ""

    def log_tail(self) -> str:
        return "\n".join(self.log_text().splitlines()[-20:])

    def metrics(self) -> dict[str, float]:
        """The server's Prometheus metrics (name{labels} -> value), when it has a metrics listener."""
        if not self.metrics_port:
            return {}
        try:
            with urllib.request.urlopen(f"http://{bench.HOST}:{self.metrics_port}/metrics", timeout=5) as r:
                text = r.read().decode()
        except (urllib.error.URLError, ConnectionError, OSError):
            return {}
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    out[name] = float(value)
                except ValueError:
                    pass
        return out

    def stop(self) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode if self.proc else None


def log_findings(text: str) -> dict:
    """WARN/ERROR lines of a stretch of the server log: counts by message (timestamps dropped), samples."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if re.search(r"\b(WARN|ERROR)\b", line) or "panicked" in line:
            key = re.sub(r"^\S+\s+", "", bench.ANSI.sub("", line))[:200]
            key = re.sub(r"\d+(\.\d+)?(ms|s|µs)?", "N", key)
            counts[key] = counts.get(key, 0) + 1
    return {"lines": sum(counts.values()), "by_message": dict(sorted(counts.items(), key=lambda kv: -kv[1])[:20])}


# ------------------------------------------------------------------------------------------------ sampling


class ProcSampler:
    """The server's VmRSS (MB), open file descriptors and CPU seconds, every `every` seconds."""

    def __init__(self, pid: int, every: float = 1.0):
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float, int, float]] = []  # (t, rss MB, fds, cpu s)
        self.t0 = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def read(self) -> tuple[float, int, float]:
        rss = 0.0
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) / 1024
                        break
            fds = len(os.listdir(f"/proc/{self.pid}/fd"))
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return rss, 0, 0.0
        return rss, fds, cpu

    def _loop(self) -> None:
        next_at = time.monotonic()
        while True:
            rss, fds, cpu = self.read()
            self.samples.append((time.monotonic() - self.t0, rss, fds, cpu))
            next_at += self.every
            if self._stop.wait(max(0.0, next_at - time.monotonic())):
                return

    def mark(self) -> float:
        return time.monotonic() - self.t0

    def between(self, a: float, b: float) -> list[tuple[float, float, int, float]]:
        return [s for s in self.samples if a <= s[0] <= b]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


# -------------------------------------------------------------------------------------------------- the mix


def build_mix(args, report: dict) -> tuple[list, dict]:
    """bench.py's organizations and workloads (and /v1/me, /v1/contacts/stats); returns (workloads,
    {key: workload})."""
    voters = bench.count_voters(args.db)
    ns = argparse.Namespace(voters=voters, cursors=args.cursors, only=None, skip_partitioning=True)
    breport = bench.Report(voters=voters, args=ns)
    orgs = bench.setup_orgs(ns, breport)
    workloads, _ = bench.build_workloads(ns, orgs)
    report["orgs"] = breport.orgs
    extra = [
        bench.Workload("me", "GET /v1/me", orgs["city"], ["/v1/me"], "me", in_org=False),
        bench.Workload("stats_city", f"contact stats ({orgs['city'].district_name})", orgs["city"],
                       ["/v1/contacts/stats"], "stats"),
        bench.Workload("stats_county", f"contact stats ({orgs['county'].district_name})", orgs["county"],
                       ["/v1/contacts/stats"], "stats"),
    ]
    for wl in extra:
        status, doc = bench.api("GET", wl.paths[0], wl.org.token, wl.org.slug if wl.in_org else None, timeout=120)
        if 200 <= status < 300:
            workloads.append(wl)
        else:
            report["notes"].append(f"{wl.key} left out of the mix: GET {wl.paths[0]} answered {status} "
                                   f"{json.dumps(doc)[:200]}")
            log(f"WARNING: {wl.key} left out of the mix ({status})")
    # Every path answers 2xx before the load starts (and the totals are remembered).
    for wl in workloads:
        for path in wl.paths:
            status, doc = bench.api("GET", path, wl.org.token, wl.org.slug if wl.in_org else None, timeout=120)
            if not 200 <= status < 300:
                raise SoakError(f"{wl.key}: GET {path} answered {status}: {json.dumps(doc)[:300]}")
    report["mix"] = [{"key": wl.key, "label": wl.label, "paths": len(wl.paths)} for wl in workloads]
    log(f"mix: {len(workloads)} workloads: {', '.join(wl.key for wl in workloads)}")
    return workloads, {wl.key: wl for wl in workloads}


def write_mix(workloads: list, path: Path) -> Path:
    lines = []
    for wl in workloads:
        lines.append(f"W\t{wl.key}\t{wl.org.token}\t{wl.org.slug if wl.in_org else ''}")
        lines.extend(f"P\t{p}" for p in wl.paths)
    path.write_text("\n".join(lines) + "\n")
    return path


# -------------------------------------------------------------------------------------------- slow clients

SLOW_REQUEST = b"GET /v1/health/live HTTP/1.1\r\nHost: soak\r\nX-Slow: "
IDLE_REQUEST = b"GET /v1/health/live HTTP/1.1\r\nHost: soak\r\n\r\n"


class SlowClients:
    """`n` connections to the server on one thread (epoll). mode "slowloris": each sends the next byte of
    a request that never ends, one a second, and reconnects when the server closes it. mode "idle": each
    sends one whole request, reads the answer, then holds the connection open and silent (and reconnects
    when the server closes it). Counts the closes by the server."""

    def __init__(self, host: str, port: int, n: int, mode: str):
        self.host, self.port, self.n, self.mode = host, port, n, mode
        self.sel = selectors.DefaultSelector()
        self.conns: dict[socket.socket, dict] = {}
        self.closed_by_server = 0
        self.connect_failures = 0
        self.bytes_sent = 0
        self.responses = 0  # idle mode: answers read; slowloris: anything the server sent (e.g. a 408)
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.lifetimes: list[float] = []  # seconds from connect to the server's close

    def open_count(self) -> int:
        return len(self.conns)

    def _connect(self, stagger: float = 0.0) -> None:
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect((self.host, self.port))
        except OSError:
            self.connect_failures += 1
            s.close()
            return
        s.setblocking(False)
        now = time.monotonic()
        state = {"opened": now, "next_send": now + stagger, "sent": 0, "buf": b"", "answered": False}
        if self.mode == "idle":
            try:
                s.send(IDLE_REQUEST)
                self.bytes_sent += len(IDLE_REQUEST)
            except OSError:
                self.connect_failures += 1
                s.close()
                return
        self.conns[s] = state
        self.sel.register(s, selectors.EVENT_READ)

    def _closed(self, s: socket.socket) -> None:
        st = self.conns.pop(s)
        self.sel.unregister(s)
        s.close()
        self.closed_by_server += 1
        self.lifetimes.append(time.monotonic() - st["opened"])

    def start(self) -> None:
        for i in range(self.n):
            self._connect(stagger=random.random())
        self._thread.start()

    def _loop(self) -> None:
        ready_at = None
        while not self._stop.is_set():
            for key, _ in self.sel.select(timeout=0.05):
                s = key.fileobj
                try:
                    data = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._closed(s)
                    continue
                st = self.conns[s]
                if self.mode == "idle" and not st["answered"]:
                    st["buf"] += data
                    head, sep, body = st["buf"].partition(b"\r\n\r\n")
                    m = re.search(rb"content-length:\s*(\d+)", head, re.I)
                    if sep and (not m or len(body) >= int(m.group(1))):
                        st["answered"], st["buf"] = True, b""
                        self.responses += 1
                else:
                    self.responses += 1
            now = time.monotonic()
            if self.mode == "slowloris":
                for s, st in list(self.conns.items()):
                    if st["next_send"] <= now:
                        i = st["sent"]
                        byte = SLOW_REQUEST[i:i + 1] or b"a"
                        try:
                            s.send(byte)
                            st["sent"] += 1
                            self.bytes_sent += 1
                        except BlockingIOError:
                            pass
                        except OSError:
                            self._closed(s)
                            continue
                        st["next_send"] += 1.0
            # Keep n connections open: reconnect those the server closed (a few per pass).
            missing = self.n - len(self.conns)
            for _ in range(min(missing, 50)):
                self._connect()
            if ready_at is None and len(self.conns) >= self.n:
                ready_at = now
                self.ready.set()
        for s in list(self.conns):
            self.sel.unregister(s)
            s.close()
        self.conns.clear()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def timed_out(server: Server) -> dict[str, float]:
    m = server.metrics()
    return {re.search(r'reason="([^"]+)"', k).group(1) if "reason=" in k else k: v
            for k, v in m.items() if k.startswith("winserve_connections_timed_out_total")}


def server_latency(server: Server) -> dict[str, float]:
    """winserve_http_request_duration_seconds buckets summed over their labels: le -> requests (cumulative)."""
    out: dict[str, float] = {}
    for k, v in server.metrics().items():
        if k.startswith("winserve_http_request_duration_seconds_bucket{"):
            le = re.search(r'le="([^"]+)"', k)
            if le:
                out[le.group(1)] = out.get(le.group(1), 0) + v
    return out


def latency_delta(before: dict[str, float], after: dict[str, float]) -> dict:
    """The server-side view of a run: requests, and how many took longer than 50 ms, 250 ms, 1 s."""
    d = {le: after.get(le, 0) - before.get(le, 0) for le in after}
    total = d.get("+Inf", 0)
    return {"requests": total, **{f"over_{le}s": total - d.get(le, 0) for le in ("0.05", "0.25", "1")}}


def open_connections(server: Server) -> float | None:
    return server.metrics().get("winserve_open_connections")


def slow_phase(args, server: Server, workload, report: dict) -> dict:
    mix = write_mix([workload], WORK / "slow-mix.txt")
    out: dict = {"workload": workload.key, "label": workload.label, "clients": args.slow_clients,
                 "header_timeout_s": args.header_timeout, "seconds": args.slow_seconds}
    sampler = ProcSampler(server.proc.pid)
    try:
        run_wrk(mix, base=server.base, seconds=3, what="slow-client warm-up")
        runs = []
        for mode in ("alone", "slowloris", "idle"):
            clients = None
            before = timed_out(server)
            if mode != "alone":
                clients = SlowClients(bench.HOST, server.port, args.slow_clients, mode)
                clients.start()
                if not clients.ready.wait(30):
                    log(f"WARNING: only {clients.open_count()} of {args.slow_clients} {mode} connections open")
                time.sleep(2)
            t0 = sampler.mark()
            closed0 = clients.closed_by_server if clients else 0
            lat0 = server_latency(server)
            gauge: list = []  # the server's open connections, read halfway through the wrk run
            halfway = threading.Timer(args.slow_seconds / 2, lambda: gauge.append(open_connections(server)))
            halfway.start()
            r = run_wrk(mix, base=server.base, seconds=args.slow_seconds, what=f"wrk {mode}")
            halfway.cancel()
            open_during = gauge[0] if gauge else None
            closed = (clients.closed_by_server - closed0) if clients else 0
            server_side = latency_delta(lat0, server_latency(server))
            after = timed_out(server)
            samples = sampler.between(t0, sampler.mark())
            entry = {
                "mode": mode, "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "max_ms": r["max_ms"], "rps": r["rps"],
                "errors": r["error_total"], "statuses": r["statuses"], "requests": r["requests"],
                "little_ratio": r["little_ratio"],
                "latency_us": r["latency_us"], "wrk_output": r["wrk_output"],
                "server_open_connections": open_during,
                "server_side_latency": server_side,
                "loadavg": os.getloadavg(),
                "server_timed_out": {k: after.get(k, 0) - before.get(k, 0) for k in after},
                "rss_max_mb": max((s[1] for s in samples), default=None),
                "fds_max": max((s[2] for s in samples), default=None),
            }
            if clients:
                clients.stop()
                entry.update({
                    "slow_open_at_start": args.slow_clients,
                    "closed_by_server_during_wrk": closed,
                    "closed_by_server_total": clients.closed_by_server,
                    "connect_failures": clients.connect_failures,
                    "bytes_sent": clients.bytes_sent,
                    "server_answers_read": clients.responses,
                    "median_lifetime_s": statistics.median(clients.lifetimes) if clients.lifetimes else None,
                })
                after = timed_out(server)
                entry["server_timed_out_whole_phase"] = {k: after.get(k, 0) - before.get(k, 0) for k in after}
                time.sleep(1)
            runs.append(entry)
            extra = ""
            if clients:
                extra = (f"  closed by the server: {closed} during wrk, {clients.closed_by_server} in all "
                         f"(server: {entry['server_timed_out_whole_phase']})")
            log(f"  {mode:9} {describe(r)}{extra}")
            log(f"            server side: {server_side}; load {os.getloadavg()[0]:.2f}")
        out["runs"] = runs
    finally:
        sampler.close()
    return out


# ------------------------------------------------------------------------------------------------- soak


def soak_phase(args, server: Server, mix: Path, report: dict) -> dict:
    sampler = ProcSampler(server.proc.pid)
    out: dict = {}
    try:
        log(f"capacity: warm-up {args.capacity_warmup} s, then wrk -t2 -c8 -d{args.capacity_seconds}s with the mix")
        run_wrk(mix, base=server.base, seconds=args.capacity_warmup, what="capacity warm-up")
        cap = run_wrk(mix, base=server.base, seconds=args.capacity_seconds, what="capacity")
        log(f"  capacity {describe(cap)}")
        out["capacity"] = {k: cap[k] for k in ("rps", "requests", "p50_ms", "p99_ms", "max_ms", "little_ratio", "error_total",
                                                "non_2xx", "socket_errors", "statuses", "command")}
        target = cap["rps"] * args.load
        seconds = int(args.minutes * 60)
        warm = min(args.warmup_seconds, seconds / 2)
        out["target_rps"] = target
        load0 = os.getloadavg()
        log(f"soak: {seconds} s at {args.load:.0%} of capacity = {target:.1f} req/s "
            f"(wrk -t2 -c{args.soak_connections}, paced); RSS after {warm:.0f} s and at the end")
        t0 = sampler.mark()
        done = threading.Event()
        progress = threading.Thread(target=soak_progress, args=(sampler, t0, seconds, server, done), daemon=True)
        progress.start()
        r = run_wrk(mix, base=server.base, seconds=seconds, connections=args.soak_connections, rate=target,
                    what="soak")
        done.set()
        t1 = sampler.mark()
        load1 = os.getloadavg()
        samples = sampler.between(t0, t1)
        if not samples:
            raise SoakError("no RSS sample during the soak")

        def mean_rss(a: float, b: float) -> float:
            xs = [s[1] for s in samples if a <= s[0] - t0 <= b]
            return statistics.mean(xs) if xs else samples[-1][1]

        rss_warm = mean_rss(warm - 5, warm)
        after = [(s[0] - t0, s[1]) for s in samples if s[0] - t0 >= warm]
        slope = None  # least-squares trend of the RSS after the warm-up, MB per minute
        if len(after) >= 3:
            mx, my = statistics.mean(x for x, _ in after), statistics.mean(y for _, y in after)
            sxx = sum((x - mx) ** 2 for x, _ in after)
            slope = sum((x - mx) * (y - my) for x, y in after) / sxx * 60 if sxx else None
        rss_end = mean_rss((t1 - t0) - 5, t1 - t0)
        growth = (rss_end / rss_warm - 1) * 100 if rss_warm else float("nan")
        series = [{"t": round(s[0] - t0), "rss_mb": round(s[1], 1), "fds": s[2], "cpu_s": round(s[3], 1)}
                  for s in samples[::10]]
        cpu = (samples[-1][3] - samples[0][3]) / max(1e-9, samples[-1][0] - samples[0][0])
        out["soak"] = {
            "seconds": seconds, "connections": args.soak_connections, "target_rps": target,
            "achieved_rps": r["rps"], "ratio_to_capacity": r["rps"] / cap["rps"] if cap["rps"] else None,
            "requests": r["requests"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "max_ms": r["max_ms"],
            "latency_us": r["latency_us"], "little_ratio": r["little_ratio"], "errors": r["error_total"],
            "non_2xx": r["non_2xx"],
            "socket_errors": r["errors"], "statuses": r["statuses"], "paced_with_clock": r["clock"],
            "rss_warm_mb": rss_warm, "rss_end_mb": rss_end, "rss_growth_pct": growth,
            "rss_max_mb": max(s[1] for s in samples), "rss_min_mb": min(s[1] for s in samples),
            "rss_trend_mb_per_min_after_warmup": slope,
            "warmup_seconds": warm, "fds_start": samples[0][2], "fds_end": samples[-1][2],
            "server_cpu_cores": cpu, "loadavg_start": load0, "loadavg_end": load1,
            "server_alive": server.alive(), "command": r["command"], "wrk_output": r["wrk_output"],
            "series_every_10s": series,
        }
        log(f"  soak     {describe(r)}")
        log(f"  achieved {r['rps']:.1f} req/s = {r['rps'] / cap['rps']:.0%} of capacity; RSS {rss_warm:.1f} MB after "
            f"the warm-up -> {rss_end:.1f} MB at the end ({growth:+.1f} %), max {out['soak']['rss_max_mb']:.1f} MB")
    finally:
        sampler.close()
    return out


def soak_progress(sampler: ProcSampler, t0: float, seconds: int, server: Server, done: threading.Event) -> None:
    while not done.wait(60):
        s = sampler.samples[-1] if sampler.samples else None
        if s:
            log(f"  … {s[0] - t0:4.0f}/{seconds} s  RSS {s[1]:.1f} MB  fds {s[2]}  server "
                f"{'up' if server.alive() else 'DOWN'}  load {os.getloadavg()[0]:.2f}")


# ---------------------------------------------------------------------------------------------------- main


def default_bin() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else ROOT / "target"
    if not base.is_absolute():
        base = ROOT / base
    return base / "release" / "winserve"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default=bench.DB, help=f"the seeded database (default {bench.DB}); seeded when missing")
    p.add_argument("--voters", type=int, default=200_000, help="voters to seed when --db is missing (default 200000)")
    p.add_argument("--bin", type=Path, default=None,
                   help="the winserve binary (default $CARGO_TARGET_DIR/release/winserve, else target/release/winserve)")
    p.add_argument("--minutes", type=float, default=10, help="soak duration in minutes (default 10)")
    p.add_argument("--load", type=float, default=0.8, help="soak rate as a fraction of capacity (default 0.8)")
    p.add_argument("--capacity-seconds", type=int, default=30, help="capacity run length (default 30)")
    p.add_argument("--capacity-warmup", type=int, default=5, help="warm-up before the capacity run (default 5)")
    p.add_argument("--warmup-seconds", type=float, default=60,
                   help="the soak's warm-up: RSS growth is counted from its end (default 60, at most half the soak)")
    p.add_argument("--soak-connections", type=int, default=16,
                   help="wrk connections of the paced soak (default 16: headroom for the pacing)")
    p.add_argument("--max-rss-growth", type=float, default=10.0, help="pass: RSS growth at most this %% (default 10)")
    p.add_argument("--cursors", type=int, default=20, help="cursors / search terms per workload (default 20)")
    p.add_argument("--slow-clients", type=int, default=500, help="slow / idle connections (default 500; 0 skips)")
    p.add_argument("--slow-seconds", type=int, default=20, help="each slow-client wrk run (default 20)")
    p.add_argument("--slow-workload", default="plain_county", help="the workload of the slow-client runs "
                                                                      "(default plain_county: a page + total)")
    p.add_argument("--header-timeout", type=int, default=5, help="WINSERVE_HEADER_TIMEOUT of the slow-client "
                                                                  "server in seconds (default 5)")
    p.add_argument("--skip-soak", action="store_true", help="only the slow-client runs")
    p.add_argument("--out", type=Path, default=ROOT / "target" / "soak.json", help="the JSON (target/soak.json)")
    a = p.parse_args()
    a.bin = (a.bin or default_bin()).resolve()
    return a


def interrupted(signum, frame):
    raise KeyboardInterrupt


def machine() -> dict:
    def sh(cmd: str) -> str:
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
        except subprocess.SubprocessError:
            return ""
    model = sh("lscpu | grep 'Model name'").split(":", 1)[-1].strip()
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": sh("uname -r"),
            "mem": sh("free -m | awk '/Mem:/ {print $2\" MB\"}'"), "loadavg": os.getloadavg(),
            "postgres": sh("psql -X -At -h 127.0.0.1 -U postgres -c 'SHOW server_version'"),
            "wrk": sh("wrk --version 2>&1 | head -1")}


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    bench.BIN = args.bin
    bench.DB = args.db
    bench.log = log  # bench.py's progress lines in this script's format
    if not args.bin.exists():
        raise SoakError(f"{args.bin} is missing: CARGO_TARGET_DIR=… cargo build --release -p winserve, or --bin")
    if not shutil.which("wrk"):
        raise SoakError("wrk is not installed (apt-get install -y wrk)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2 * args.slow_clients + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 2 * args.slow_clients + 1000), hard))
    WORK.mkdir(parents=True, exist_ok=True)
    report: dict = {"command": shlex.join([sys.executable, *sys.argv]), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                    "binary": str(args.bin), "machine": machine(), "db": args.db, "notes": []}
    log(f"machine: {report['machine']['nproc']} cores, {report['machine']['cpu']}, load {report['machine']['loadavg']}")

    if not bench.database_exists(args.db):
        cmd = ["seed", "--voters", str(args.voters), "--state", bench.STATE, "--rng-seed", str(bench.RNG_SEED)]
        log(f"{args.db} is missing: seeding {args.voters} voters ({shlex.join(cmd)})")
        _, secs = bench.winserve(cmd, args.db, timeout=3600, what="winserve seed")
        log(f"seeded in {secs:.0f} s; VACUUM ANALYZE")
        bench.psql(args.db, "VACUUM (ANALYZE)", timeout=1800, what="VACUUM ANALYZE")
        report["seeded"] = {"voters": args.voters, "seconds": secs,
                            "command": f"DATABASE_URL={bench.db_url(args.db)} {args.bin} {shlex.join(cmd)}"}
    report["voters"] = bench.count_voters(args.db)
    log(f"{args.db}: {report['voters']} voters")
    SERVER_LOG.unlink(missing_ok=True)

    checks: list[tuple[str, bool]] = []
    server = None
    try:
        if not args.skip_soak:
            server = Server(args.db, {}, "soak")
            server.start()
            workloads, by_key = build_mix(args, report)
            mix = write_mix(workloads, WORK / "mix.txt")
            report.update(soak_phase(args, server, mix, report))
            report["soak_server_log"] = log_findings(server.log_text())
            code = server.stop()
            report["soak_server_exit"] = code
            server = None
            s = report["soak"]
            checks.append((f"soak errors: {s['errors']} (0 allowed)", s["errors"] == 0))
            checks.append((f"soak RSS growth: {s['rss_growth_pct']:+.1f} % (at most {args.max_rss_growth:g} %)",
                           s["rss_growth_pct"] <= args.max_rss_growth))
            checks.append((f"server alive through the soak", s["server_alive"]))
        if args.slow_clients > 0:
            server = Server(args.db, {"WINSERVE_HEADER_TIMEOUT": str(args.header_timeout),
                                      "WINSERVE_METRICS_BIND": "x"}, "slow clients")
            server.start()
            if args.skip_soak:
                workloads, by_key = build_mix(args, report)
            if args.slow_workload not in by_key:
                raise SoakError(f"--slow-workload {args.slow_workload}: not among {', '.join(by_key)}")
            log(f"slow clients: {args.slow_clients} connections, WINSERVE_HEADER_TIMEOUT={args.header_timeout}, "
                f"wrk -t2 -c8 -d{args.slow_seconds}s on {args.slow_workload}")
            report["slow_clients"] = slow_phase(args, server, by_key[args.slow_workload], report)
            report["slow_server_log"] = log_findings(server.log_text())
            server.stop()
            server = None
            runs = {r["mode"]: r for r in report["slow_clients"]["runs"]}
            checks.append(("slow-client runs without errors",
                           all(r["errors"] == 0 for r in runs.values())))
    finally:
        if server:
            server.stop()
    report["checks"] = [{"check": c, "ok": ok} for c, ok in checks]
    report["pass"] = all(ok for _, ok in checks)
    report["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    summary(report)
    log(f"wrote {args.out}; server log {SERVER_LOG}")
    return 0 if report["pass"] else 1


def summary(report: dict) -> None:
    m = report["machine"]
    print(f"\n== soak.py summary ({m['nproc']} cores, {m['cpu']}; {report['db']}: {report['voters']} voters)")
    if "soak" in report:
        c, s = report["capacity"], report["soak"]
        print(f"capacity (wrk -t2 -c8, mix):  {c['rps']:.1f} req/s, p50 {c['p50_ms']:.2f} ms, p99 {c['p99_ms']:.2f} ms, "
              f"errors {c['error_total']}")
        print(f"soak {s['seconds']} s, target {s['target_rps']:.1f} req/s: achieved {s['achieved_rps']:.1f} req/s "
              f"({s['ratio_to_capacity']:.0%} of capacity), {s['requests']} requests, p50 {s['p50_ms']:.2f} ms, "
              f"p99 {s['p99_ms']:.2f} ms, max {s['max_ms']:.0f} ms")
        print(f"  errors {s['errors']} (non-2xx {s['non_2xx']}, socket {s['socket_errors']}); statuses {s['statuses']}")
        print(f"  RSS {s['rss_warm_mb']:.1f} MB after {s['warmup_seconds']:.0f} s -> {s['rss_end_mb']:.1f} MB at the end "
              f"({s['rss_growth_pct']:+.1f} %), min {s['rss_min_mb']:.1f}, max {s['rss_max_mb']:.1f} MB, trend after the "
              f"warm-up {s['rss_trend_mb_per_min_after_warmup'] or 0:+.2f} MB/min; fds "
              f"{s['fds_start']} -> {s['fds_end']}; server CPU {s['server_cpu_cores']:.2f} cores; load "
              f"{s['loadavg_start'][0]:.2f} -> {s['loadavg_end'][0]:.2f}")
        lg = report.get("soak_server_log", {})
        print(f"  server log: {lg.get('lines', 0)} WARN/ERROR lines {lg.get('by_message') or ''}")
    if "slow_clients" in report:
        sc = report["slow_clients"]
        print(f"slow clients: {sc['clients']} connections, header timeout {sc['header_timeout_s']} s, "
              f"{sc['workload']} ({sc['label']}), wrk -t2 -c8 -d{sc['seconds']}s")
        for r in sc["runs"]:
            line = (f"  {r['mode']:9} p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:8.2f} ms  {r['rps']:7.1f} req/s  "
                    f"errors {r['errors']}")
            ss = r.get("server_side_latency") or {}
            line += (f"  [server side: {ss.get('over_0.05s', 0):.0f} / {ss.get('requests', 0):.0f} over 50 ms, "
                     f"{ss.get('over_1s', 0):.0f} over 1 s; wrk rate x mean / connections {r['little_ratio']:.1f}]")
            if r["mode"] != "alone":
                line += (f"  closed by the server: {r['closed_by_server_during_wrk']} during wrk, "
                         f"{r['closed_by_server_total']} in all (server counter {r['server_timed_out_whole_phase']})")
            print(line)
        lg = report.get("slow_server_log", {})
        print(f"  server log: {lg.get('lines', 0)} WARN/ERROR lines {lg.get('by_message') or ''}")
    for c in report["checks"]:
        print(f"  [{'ok' if c['ok'] else 'FAIL'}] {c['check']}")
    print("PASS" if report["pass"] else "FAIL")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (SoakError, bench.BenchError) as e:
        print(f"soak: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("soak: interrupted", file=sys.stderr)
        sys.exit(130)
