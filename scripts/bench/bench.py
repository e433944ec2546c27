#!/usr/bin/env python3
"""The benchmark driver of scripts/bench.sh (see docs/benchmarks.md).

Steps, each a function below:

 1. seed_database / import_figure: time `winserve seed` into winserve_bench, and `winserve import voters`
    of the same data (written by `seed --out`) into winserve_bench_import; VACUUM ANALYZE.
    memory_figures: the CLI's peak RSS importing and refreshing a 5M-voter file (--memory-voters).
 2. Server: start `winserve serve` on 127.0.0.1:18080; RssSampler reads its RSS from /proc during every run.
 3. setup_orgs: one user and one Win organization per district (the city, a county near N/5, the
    statewide district) through the API, two custom segments per organization, keyset cursors at random
    depths and search terms taken from real contacts.
 4. capture_sql: every request path of every workload once, with PostgreSQL's statement log on
    (log_min_duration_statement = 0, cluster-wide, restored right after): the exact statements and
    parameters the server ran for that request, read back from the log. The harness holds no copy of the
    server's SQL. check_sql runs the captured statements through psql: same total and first contact as
    the server's answer.
 5. run_http: every workload through wrk (2 threads, 8 connections, 32 for /v1/organizations).
 6. run_exports: CSV exports with curl (rows/s, RSS).
 7. run_sql: the captured statements through pgbench at the same concurrency (per-transaction logs ->
    p50/p99): the handler's statements alone, and the whole request (with the user and organization
    lookups), with the session settings of the server's pool (SERVER_SESSION).
 8. explain_plans: EXPLAIN (ANALYZE, BUFFERS) of the captured page + total statements.
 9. partition_comparison: the captured page + total statement on the partitioned tables vs the same
    statement on unpartitioned copies.
10. write_report: docs/benchmarks.md.

PostgreSQL's log is read from $BENCH_PG_LOG, else pg_current_logfile(), else Debian's
/var/log/postgresql/postgresql-<version>-<cluster>.log; log_line_prefix must hold %m, [%p] and @%d.

Only the Python standard library is used. Every load run is bounded in time.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import statistics
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from churn import VOTER_CSV_COLUMNS, write_churned

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = ROOT / "target" / "release" / "winserve"
WORK = ROOT / "target" / "bench"
PG_BASE = "postgres://postgres@127.0.0.1:5432"
DB = "winserve_bench"
IMPORT_DB = "winserve_bench_import"
BASELINE_DB = "winserve_bench_baseline"
MEMORY_DB = "winserve_bench_memory"
HOST, PORT = "127.0.0.1", 18080
BASE = f"http://{HOST}:{PORT}"
JWT_SECRET = "winserve-bench-secret-not-for-production"
STATE = "WY"
RNG_SEED = 1

STARTED = time.monotonic()


class BenchError(Exception):
    """A failure with a message for the user."""


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.0f}s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- processes


def run(cmd: list[str], *, env: dict | None = None, timeout: float, what: str, cwd: Path | None = None,
        stderr_to: list | None = None) -> str:
    """Runs `cmd`, returns its stdout (its stderr lines are appended to `stderr_to`); fails with the tail of
    its output."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        p = subprocess.run(
            [str(c) for c in cmd], env=full_env, cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{what}: did not finish within {timeout:.0f} s ({shlex.join(map(str, cmd))})")
    except FileNotFoundError:
        raise BenchError(f"{what}: {cmd[0]} not found")
    if stderr_to is not None:
        stderr_to.extend(p.stderr.splitlines())
    if p.returncode != 0:
        tail = "\n".join((p.stderr or p.stdout).strip().splitlines()[-15:])
        raise BenchError(f"{what} failed (exit {p.returncode}): {shlex.join(map(str, cmd))}\n{tail}")
    return p.stdout


def db_url(db: str) -> str:
    return f"{PG_BASE}/{db}"


def psql(db: str, sql: str, *, timeout: float = 600, what: str = "psql") -> str:
    return run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", HOST, "-U", "postgres", "-d", db, "-c", sql],
        timeout=timeout,
        what=what,
    ).strip()


def database_exists(db: str) -> bool:
    return psql("postgres", f"SELECT count(*) FROM pg_database WHERE datname = '{db}'") == "1"


def drop_database(db: str) -> None:
    psql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', what=f"dropping {db}")


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def settle(what: str) -> None:
    """Starts a timed load from a quiet machine: a CHECKPOINT writes out what earlier steps left dirty in
    PostgreSQL's buffers and `sync` what they left in the kernel's page cache. Without it a load started a
    minute after a multi-GB one shares both cores and the disk with that one's writeback, and its time
    depends on how far behind the writeback is. Applied before every timed load (seed, import, replace,
    dry run, refresh, the baseline), so no ratio's numerator or denominator is favoured. Not timed."""
    t0 = time.monotonic()
    psql("postgres", "CHECKPOINT", timeout=1800, what=f"CHECKPOINT before {what}")
    os.sync()
    log(f"settled before {what}: {time.monotonic() - t0:.1f} s")


def winserve(args: list[str], db: str, *, timeout: float, what: str,
             phases: list | None = None, peak_rss: dict | None = None) -> tuple[str, float]:
    """Runs the winserve binary against `db`; returns (stdout, seconds). With `phases`, the import's
    per-phase timings (debug log of winserve_adapters_postgres) are appended to it; with `peak_rss`, the
    process's peak RSS in MB (GNU time's %M, when /usr/bin/time exists) is stored under "mb"."""
    t0 = time.monotonic()
    err: list[str] = []
    rust_log = "warn,winserve_adapters_postgres=debug" if phases is not None else "warn"
    timed = peak_rss is not None and Path("/usr/bin/time").exists()
    prefix = ["/usr/bin/time", "-f", "winserve-peak-rss-kb=%M"] if timed else []
    out = run([*prefix, BIN, *args], env={"DATABASE_URL": db_url(db), "WINSERVE_JWT_SECRET": JWT_SECRET,
                                  "RUST_LOG": rust_log, "NO_COLOR": "1"}, timeout=timeout, what=what,
              stderr_to=err)
    if timed:
        for line in err:
            m = re.fullmatch(r"winserve-peak-rss-kb=(\d+)", line.strip())
            if m:
                peak_rss["mb"] = int(m.group(1)) / 1024
    if phases is not None:
        for line in err:
            m = re.search(r"phase=\"?([^\"=]+?)\"? ms=(\d+)", ANSI.sub("", line))
            if m:
                phases.append((m.group(1).strip(), int(m.group(2))))
    return out, time.monotonic() - t0


# ------------------------------------------------------------------------------------------------- report


@dataclass
class Result:
    """One measured workload."""

    key: str
    label: str
    size: int | None = None
    p50: float | None = None  # ms
    p99: float | None = None  # ms
    rps: float | None = None
    errors: int = 0
    rss_max_mb: float | None = None
    sql_p50: float | None = None
    sql_p99: float | None = None
    sql_tps: float | None = None
    full_sql_p50: float | None = None
    full_sql_p99: float | None = None
    note: str = ""


@dataclass
class Report:
    voters: int
    args: argparse.Namespace
    machine: dict = field(default_factory=dict)
    seed: dict | None = None
    imported: dict | None = None
    baseline: dict | None = None
    load_reads: dict | None = None
    refresh: dict | None = None
    memory: dict | None = None
    refresh_reads: dict | None = None
    vacuum_s: float | None = None
    orgs: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    exports: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    partitioning: list = field(default_factory=list)
    partition_copy_s: float | None = None
    rss_idle_mb: float | None = None
    rss_peak_mb: float | None = None
    checks: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    first_requests: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    commands: list = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------- RSS


class RssSampler:
    """Samples the server's VmRSS every 50 ms; `phase(name)` records the maximum over a run."""

    def __init__(self, pid: int):
        self.pid = pid
        self.current: str | None = None
        self.maxima: dict[str, float] = {}
        self.overall = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            rss = self.rss_mb()
            self.overall = max(self.overall, rss)
            if self.current:
                self.maxima[self.current] = max(self.maxima.get(self.current, 0.0), rss)

    def start(self, name: str) -> None:
        self.current = name
        self.maxima[name] = self.rss_mb()

    def stop(self) -> float:
        name, self.current = self.current, None
        return self.maxima.get(name or "", 0.0)

    def close(self) -> None:
        self._stop.set()


# ------------------------------------------------------------------------------------------------- server


class Server:
    def __init__(self, db: str):
        self.db = db
        self.proc: subprocess.Popen | None = None
        self.log_path = WORK / "server.log"

    def start(self) -> None:
        try:
            urllib.request.urlopen(f"{BASE}/v1/health/live", timeout=1)
            raise BenchError(f"something already listens on {HOST}:{PORT}; stop it first")
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": db_url(self.db),
            "WINSERVE_BIND": f"{HOST}:{PORT}",
            "WINSERVE_JWT_SECRET": JWT_SECRET,
            # A load generator is one user sending thousands of requests a minute: the per-user rate
            # limit would measure itself, not the server.
            "WINSERVE_RATE_LIMIT": "0",
            "RUST_LOG": os.environ.get("RUST_LOG", "info"),
        })
        logf = open(self.log_path, "w")
        self.proc = subprocess.Popen([str(BIN), "serve", "--no-migrate"], env=env, stdout=logf, stderr=logf)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"winserve serve exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{BASE}/v1/health/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        raise BenchError(f"winserve serve was not ready within 60 s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-20:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


# ---------------------------------------------------------------------------------------------------- API


def api(method: str, path: str, token: str, org: str | None = None, body: dict | None = None,
        timeout: float = 60) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if org:
        headers["X-Organization-Slug"] = org
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        try:
            return e.code, json.loads(text)
        except json.JSONDecodeError:
            return e.code, {"raw": text}


def api_ok(method: str, path: str, token: str, org: str | None = None, body: dict | None = None,
           timeout: float = 60) -> dict:
    status, doc = api(method, path, token, org, body, timeout)
    if status >= 300:
        raise BenchError(f"{method} {path} answered {status}: {json.dumps(doc)[:500]}")
    return doc


def mint_token(sub: str) -> str:
    out, _ = winserve(["token", "--sub", sub, "--email", f"{sub}@example.test", "--ttl", "6h"], DB,
                      timeout=30, what="winserve token")
    return out.strip()


# ------------------------------------------------------------------------------------- the captured SQL
# The "SQL" figures run the statements the server itself ran: for every request path of a workload, the
# harness turns on PostgreSQL's statement log (log_min_duration_statement = 0), sends the request once,
# and reads the `execute` entries of the database DB and their bound parameters back from the log. Nothing
# of the server's SQL is written down here, so the figures follow the server's queries as they change.


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def fold(text: str) -> str:
    """Approximates winserve_domain::fold: lower case, accents removed, blanks collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(plain.split())


# The session settings of winserve's pool (crates/adapters-postgres/src/pool.rs sets them on every new
# connection): pgbench, psql and EXPLAIN run with the planner settings the server's statements run with.
# (statement_timeout and application_name are left out: they do not change how a statement runs.)
SERVER_SESSION = "-c jit=off"
SESSION_ENV = {"PGOPTIONS": SERVER_SESSION}

# A log entry starts with the timestamp of log_line_prefix (%m); its continuation lines start with a tab.
LOG_ENTRY_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
LOG_SEVERITY = re.compile(r"\b(DEBUG\d?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|CONTEXT|"
                          r"STATEMENT|QUERY|LOCATION):  ")
# `duration: 0.123 ms  execute <name>: <sql>` (the extended protocol also logs `parse` and `bind`, and
# `execute fetch from` for the next rows of a portal already counted). Without the duration when
# log_statement logged the statement instead.
LOG_EXECUTE = re.compile(r"^(?:duration: [\d.]+ ms  )?execute (?!fetch from )[^\s:]+: (.*)$", re.S)
LOG_PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
PLACEHOLDER = re.compile(r"\$(\d+)\b")

# What every authenticated request runs before its handler: the user lookup (upsert_from_claims), then,
# for an organization's resources, the organization lookup (find_by_slug) — or, in the common case, one
# statement that finds both (find_by_slug_for_claims).
USER_STATEMENT = re.compile(r"\b(?:FROM|INTO)\s+\"?users\b", re.I)
ORG_LOOKUP = re.compile(r"\bFROM\s+\"?organizations\"?\s+o\b", re.I)


@dataclass
class LogEntry:
    pid: str
    db: str | None
    severity: str
    message: str


def parse_log(text: str) -> list[LogEntry]:
    """The entries of a stretch of the server log (stderr format, log_line_prefix '%m [%p] %q%u@%d ')."""
    entries: list[LogEntry] = []
    current: LogEntry | None = None
    for line in text.split("\n"):
        if LOG_ENTRY_START.match(line):
            m = LOG_SEVERITY.search(line)
            if not m:
                current = None
                continue
            prefix = line[:m.start()]
            pid = re.search(r"\[(\d+)\]", prefix)
            db = re.search(r"@(\S*)\s*$", prefix)
            current = LogEntry(pid.group(1) if pid else "", db.group(1) if db else None, m.group(1),
                               line[m.end():])
            entries.append(current)
        elif line.startswith("\t") and current is not None:
            current.message += "\n" + line[1:]
        else:
            current = None
    return entries


def executed_statements(entries: list[LogEntry], db: str) -> list[str]:
    """The statements executed in `db`, in order, their parameters substituted as literals: PostgreSQL
    gives the untyped literals the parameter's type from their context (uuid, bigint, text[], …)."""
    found: list[list] = []  # [sql, {n: literal} or None]
    awaiting: dict[str, int] = {}  # pid -> index in found whose DETAIL may follow
    for e in entries:
        if e.db != db:
            continue
        if e.severity == "DETAIL":
            i = awaiting.pop(e.pid, None)
            if i is not None and e.message.startswith("parameters: "):
                found[i][1] = {int(n): v for n, v in LOG_PARAMETER.findall(e.message)}
            continue
        awaiting.pop(e.pid, None)
        if e.severity != "LOG":
            continue
        m = LOG_EXECUTE.match(e.message)
        if m:
            found.append([m.group(1).strip().rstrip(";"), None])
            awaiting[e.pid] = len(found) - 1
    out = []
    for sql, params in found:
        wanted = {int(n) for n in PLACEHOLDER.findall(sql)}
        if wanted and (params is None or not wanted <= params.keys()):
            raise BenchError(f"the parameters of a logged statement are missing from the log:\n{sql}")
        literal = PLACEHOLDER.sub(lambda m: params[int(m.group(1))], sql) if wanted else sql
        if wanted and all(params[n] != "NULL" for n in wanted):
            BOUND[literal] = (sql, {n: unquote(params[n]) for n in wanted})
        out.append(literal)
    return out


# The captured statements with their parameters kept apart: literal text -> (text with $n, {n: value}).
# pgbench sends them as bound parameters, as the server does, so PostgreSQL plans them as it plans the
# server's (a custom plan per execution where it chooses one) instead of once for literal constants.
BOUND: dict[str, tuple[str, dict[int, str]]] = {}


def unquote(literal: str) -> str:
    """The value of a single-quoted literal from the log ('' is a quote)."""
    return literal[1:-1].replace("''", "'")


def server_log_path() -> Path:
    """The file PostgreSQL writes its log to: $BENCH_PG_LOG, else pg_current_logfile() when the logging
    collector runs, else Debian's /var/log/postgresql/postgresql-<cluster_name with '-'>.log."""
    if os.environ.get("BENCH_PG_LOG"):
        path = Path(os.environ["BENCH_PG_LOG"])
    else:
        current = psql("postgres", "SELECT coalesce(pg_current_logfile('stderr'), '')")
        if current:
            path = Path(current)
            if not path.is_absolute():
                path = Path(psql("postgres", "SHOW data_directory")) / path
        else:
            cluster = psql("postgres", "SHOW cluster_name")
            if not re.fullmatch(r"\d+/[\w.-]+", cluster):
                raise BenchError("cannot tell where PostgreSQL writes its log (no logging collector, cluster_name "
                                 f"{cluster!r} is not Debian's <version>/<name>): set BENCH_PG_LOG to the file")
            path = Path("/var/log/postgresql") / f"postgresql-{cluster.replace('/', '-')}.log"
    if not path.is_file():
        raise BenchError(f"PostgreSQL's log {path} does not exist: set BENCH_PG_LOG to the file it writes")
    if not os.access(path, os.R_OK):
        raise BenchError(f"PostgreSQL's log {path} is not readable by this user (run as root or a member of "
                         "its group, e.g. adm)")
    return path


def pg_setting(name: str) -> tuple[str, str]:
    """(value, file it was set in, '' if none) of a server setting."""
    row = psql("postgres", "SELECT setting || '|' || coalesce(sourcefile, '') FROM pg_settings "
                           f"WHERE name = {lit(name)}")
    value, _, sourcefile = row.partition("|")
    return value, sourcefile


def reload_conf() -> None:
    psql("postgres", "SELECT pg_reload_conf()", what="pg_reload_conf()")
    time.sleep(0.5)  # the backends apply the SIGHUP before their next command


RESTORE_FILE = WORK / "log_min_duration_statement.restore"


def restore_statement_logging() -> None:
    """Puts log_min_duration_statement back as the marker file says it was (ALTER SYSTEM RESET when it was
    not set by ALTER SYSTEM) and removes the marker."""
    previous = RESTORE_FILE.read_text().strip() if RESTORE_FILE.exists() else ""
    if previous:
        psql("postgres", f"ALTER SYSTEM SET log_min_duration_statement = {int(previous)}",
             what="restoring log_min_duration_statement")
    else:
        psql("postgres", "ALTER SYSTEM RESET log_min_duration_statement", what="resetting log_min_duration_statement")
    reload_conf()
    RESTORE_FILE.unlink(missing_ok=True)


class StatementLog:
    """PostgreSQL's statement log, on (`ALTER SYSTEM SET log_min_duration_statement = 0`, cluster-wide)
    for the duration of a `with` block and restored after it, also on errors and interrupts. A marker file
    in target/bench/ holds the value to restore, so a run that was killed is cleaned up by the next."""

    def __enter__(self) -> "StatementLog":
        if RESTORE_FILE.exists():
            log("restoring log_min_duration_statement left on by an interrupted run")
            restore_statement_logging()
        self.path = server_log_path()
        prefix = psql("postgres", "SHOW log_line_prefix")
        if "[%p]" not in prefix or "@%d" not in prefix or not prefix.startswith(("%m", "%t")):
            raise BenchError(f"log_line_prefix {prefix!r} must start with %m or %t and contain [%p] and @%d "
                             "(Debian's default is '%m [%p] %q%u@%d ')")
        max_len, _ = pg_setting("log_parameter_max_length")
        if max_len != "-1":
            raise BenchError(f"log_parameter_max_length is {max_len}: the logged parameters would be cut; set it "
                             "to -1")
        if "stderr" not in pg_setting("log_destination")[0]:
            raise BenchError("log_destination must include stderr")
        value, sourcefile = pg_setting("log_min_duration_statement")
        # Only a value set by ALTER SYSTEM (postgresql.auto.conf) is put back; RESET restores any other.
        RESTORE_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESTORE_FILE.write_text(value if sourcefile.endswith("postgresql.auto.conf") else "")
        log(f"statement logging on (log_min_duration_statement = 0; reading {self.path})")
        try:
            psql("postgres", "ALTER SYSTEM SET log_min_duration_statement = 0", what="ALTER SYSTEM")
            reload_conf()
        except BaseException:
            restore_statement_logging()
            raise
        return self

    def __exit__(self, *exc) -> None:
        restore_statement_logging()
        log("statement logging restored")

    def capture(self, path: str, token: str, org: str | None) -> tuple[list[str], dict]:
        """Sends GET `path` once; returns the statements the server ran for it in DB, and the answer."""
        start = self.path.stat().st_size
        doc = api_ok("GET", path, token, org, timeout=120)
        statements: list[str] = []
        for wait in (0.3, 1.0):
            time.sleep(wait)
            with open(self.path, "rb") as f:
                if f.seek(0, os.SEEK_END) < start:  # the log was rotated
                    start = 0
                f.seek(start)
                data = f.read()
            text = data[:data.rfind(b"\n") + 1].decode(errors="replace")
            statements = executed_statements(parse_log(text), DB)
            if statements:
                break
        if not statements:
            raise BenchError(f"GET {path}: no statement of {DB} appeared in {self.path}; is it the log PostgreSQL "
                             "writes to (set BENCH_PG_LOG otherwise)?")
        return statements, doc


def handler_start(statements: list[str], *, in_org: bool, what: str) -> int:
    """Where the handler's statements start: after the user lookup and, `in_org`, the organization lookup."""
    first_org = next((i for i, s in enumerate(statements) if ORG_LOOKUP.search(s)), len(statements))
    if in_org and first_org < len(statements) and USER_STATEMENT.search(statements[first_org]):
        # The user and the organization found by one statement (the server's common case).
        if first_org + 1 >= len(statements):
            raise BenchError(f"{what}: no statement after the lookups:\n" + "\n".join(statements))
        return first_org + 1
    users = [i for i in range(first_org) if USER_STATEMENT.search(statements[i])]
    if not users:
        raise BenchError(f"{what}: no user lookup among the statements the server ran:\n" + "\n".join(statements))
    start = users[-1] + 1
    if in_org:
        if first_org != start:
            raise BenchError(f"{what}: the organization lookup does not follow the user lookup:\n"
                             + "\n".join(statements))
        start += 1
    if start >= len(statements):
        raise BenchError(f"{what}: no statement after the lookups:\n" + "\n".join(statements))
    return start


# ---------------------------------------------------------------------------------------- 1. seed, import


def count_voters(db: str) -> int:
    return int(psql(db, "SELECT count(*) FROM voters"))


def seed_database(args, report: Report) -> None:
    n = args.voters
    if args.reuse and database_exists(DB):
        have = count_voters(DB)
        if have != n:
            raise BenchError(f"--reuse: {DB} holds {have} voters, not {n}; run without --reuse to reseed")
        log(f"reusing {DB} ({have} voters): no seed timing")
        return
    drop_database(DB)
    cmd = ["seed", "--voters", str(n), "--state", STATE, "--rng-seed", str(RNG_SEED)]
    report.commands.append(f"DATABASE_URL={db_url(DB)} target/release/winserve {' '.join(cmd)}")
    settle("seed")
    log(f"seeding {n} voters into {DB}")
    phases: list = []
    peak: dict = {}
    out, secs = winserve(cmd, DB, timeout=1800, what="winserve seed", phases=phases, peak_rss=peak)
    report.seed = {"seconds": secs, "output": out.strip().splitlines(), "phases": phases,
                   "peak_rss_mb": peak.get("mb")}
    log(f"seed: {secs:.1f} s")


def import_figure(args, report: Report) -> None:
    if args.reuse or args.skip_import:
        return
    n = args.voters
    csv_dir = WORK / "csv"
    shutil.rmtree(csv_dir, ignore_errors=True)
    drop_database(IMPORT_DB)
    cmd = ["seed", "--voters", str(n), "--state", STATE, "--rng-seed", str(RNG_SEED), "--out", str(csv_dir)]
    log(f"writing voters.csv with seed --out (into {IMPORT_DB})")
    out, secs_out = winserve(cmd, IMPORT_DB, timeout=1800, what="winserve seed --out")
    size_mb = (csv_dir / "voters.csv").stat().st_size / 1e6
    # A fresh, migrated database: the import is timed alone.
    drop_database(IMPORT_DB)
    winserve(["migrate"], IMPORT_DB, timeout=300, what="winserve migrate")
    icmd = ["import", "voters", str(csv_dir / "voters.csv")]
    settle("import")
    log(f"importing voters.csv ({size_mb:.0f} MB) into an empty {IMPORT_DB}")
    phases: list = []
    peak: dict = {}
    out_i, secs = winserve(icmd, IMPORT_DB, timeout=1800, what="winserve import voters", phases=phases,
                           peak_rss=peak)
    imported = count_voters(IMPORT_DB)
    report.imported = {"seconds": secs, "seed_out_seconds": secs_out, "csv_mb": size_mb, "voters": imported,
                       "peak_rss_mb": peak.get("mb"),
                       "output": out_i.strip().splitlines(), "phases": phases}
    report.commands.append(f"DATABASE_URL={db_url(IMPORT_DB)} target/release/winserve {' '.join(cmd)}")
    report.commands.append(f"DATABASE_URL={db_url(IMPORT_DB)} target/release/winserve {' '.join(icmd)}"
                           "   # into a fresh, migrated database")
    if imported != n:
        report.notes.append(f"import voters stored {imported} voters, not {n}.")
    refresh_figures(csv_dir / "voters.csv", report)
    drop_database(IMPORT_DB)
    log("PostgreSQL alone on the same file (the load baseline)")
    load_baseline(csv_dir / "voters.csv", report)
    # The file stays for the reads during a load (main removes it at the end).
    log(f"import: {secs:.1f} s")




SUMMARY_LINE = re.compile(r"(\d+) voters in ([\d.]+) s .*?: (\d+) new, (\d+) updated, (\d+) unchanged"
                          r"(?:, (\d+) removed)?; (\d+) districts created; (\d+) memberships changed")


def import_summary(out: str) -> dict:
    """The figures of `winserve import voters`' summary line."""
    m = SUMMARY_LINE.search(out)
    if not m:
        raise BenchError(f"no import summary in: {out.strip()[-300:]}")
    g = m.groups()
    return {"received": int(g[0]), "inserted": int(g[2]), "updated": int(g[3]), "unchanged": int(g[4]),
            "removed": int(g[5] or 0), "memberships": int(g[7])}


CHURNED_CSV = "voters_next_month.csv"


def refresh_figures(csv_path: Path, report: Report) -> None:
    """Re-imports into the state `import_figure` just loaded (in IMPORT_DB): the same file again with
    `--replace` (an import over a stored state), then next month's file — 2% of the voters changed, 1% new,
    1% gone (`churn.py`) — first as a `--dry-run`, then for real. Each figure is checked against what the
    churn did, and the stored voters counted after each step."""
    n = report.imported["voters"]
    settle("replace")
    log("import voters --replace of the same file over the stored state")
    same_phases: list = []
    peak: dict = {}
    out, secs_same = winserve(["import", "voters", "--replace", str(csv_path)], IMPORT_DB, timeout=3600,
                              what="winserve import voters --replace (same file)", phases=same_phases,
                              peak_rss=peak)
    same = import_summary(out)
    churned = csv_path.parent / CHURNED_CSV
    log(f"writing {churned.name}: 2% changed, 1% new, 1% gone")
    expected = write_churned(csv_path, churned)
    settle("dry run")
    log("import voters --replace --dry-run of next month's file")
    out_d, secs_dry = winserve(["import", "voters", "--replace", "--dry-run", str(churned)], IMPORT_DB,
                               timeout=3600, what="winserve import voters --dry-run")
    dry = import_summary(out_d)
    after_dry = count_voters(IMPORT_DB)
    settle("refresh")
    log("import voters --replace of next month's file")
    phases: list = []
    peak_r: dict = {}
    out_r, secs_refresh = winserve(["import", "voters", "--replace", str(churned)], IMPORT_DB, timeout=3600,
                                   what="winserve import voters --replace (refresh)", phases=phases,
                                   peak_rss=peak_r)
    real = import_summary(out_r)
    after = count_voters(IMPORT_DB)
    want = {k: expected[k] for k in ("received", "inserted", "updated", "unchanged", "removed")}
    got = {k: real[k] for k in want}
    exact = (got == want and {k: dry[k] for k in want} == want and after == expected["received"]
             and after_dry == n and same["inserted"] + same["updated"] + same["removed"] == 0)
    report.refresh = {
        "same_seconds": secs_same, "same": same, "same_phases": same_phases, "same_peak_rss_mb": peak.get("mb"),
        "dry_seconds": secs_dry, "dry": dry, "voters_after_dry": after_dry,
        "seconds": secs_refresh, "figures": real, "phases": phases, "peak_rss_mb": peak_r.get("mb"),
        "expected": expected, "voters_before": n, "voters_after": after, "exact": exact,
    }
    log(f"refresh: same file {secs_same:.1f} s, dry run {secs_dry:.1f} s, refresh {secs_refresh:.1f} s; "
        f"{got} (expected {want}); voters {after}")
    if not exact:
        report.notes.append(f"The refresh's figures differ from the churn's: got {got}, dry run {dry}, expected "
                            f"{want}; voters after the dry run {after_dry} (before {n}), after {after}.")
    report.commands.append(f"DATABASE_URL=… target/release/winserve import voters --replace [--dry-run] "
                           f"target/bench/csv/{CHURNED_CSV}   # next month's file (scripts/bench/churn.py)")


def memory_figures(args, report: Report) -> None:
    """The CLI's peak RSS where the target is stated, a 5M-voter file (`--memory-voters`): the file written
    by `seed --out` (which also loads it, into MEMORY_DB), imported into an empty state of a fresh
    database, then next month's file (`churn.py`) imported over it as a refresh. Timed too, for the ratio
    at that size; every step bounded in time."""
    n = args.memory_voters
    if not n or args.reuse:
        return
    csv_dir = WORK / "csv-memory"
    shutil.rmtree(csv_dir, ignore_errors=True)
    drop_database(MEMORY_DB)
    log(f"memory at {n:,} voters: writing the file with seed --out (into {MEMORY_DB})")
    winserve(["seed", "--voters", str(n), "--state", STATE, "--rng-seed", str(RNG_SEED), "--out", str(csv_dir)],
             MEMORY_DB, timeout=3600, what="winserve seed --out (memory)")
    drop_database(MEMORY_DB)
    winserve(["migrate"], MEMORY_DB, timeout=300, what="winserve migrate")
    csv_path = csv_dir / "voters.csv"
    settle("memory import")
    log(f"memory at {n:,} voters: import into an empty state")
    peak_i: dict = {}
    _, secs_i = winserve(["import", "voters", str(csv_path)], MEMORY_DB, timeout=3600,
                         what="winserve import voters (memory)", peak_rss=peak_i)
    churned = csv_dir / CHURNED_CSV
    write_churned(csv_path, churned)
    settle("memory refresh")
    log(f"memory at {n:,} voters: refresh")
    peak_r: dict = {}
    out_r, secs_r = winserve(["import", "voters", "--replace", str(churned)], MEMORY_DB, timeout=3600,
                             what="winserve import voters --replace (memory)", peak_rss=peak_r)
    report.memory = {"voters": n, "import_seconds": secs_i, "import_peak_rss_mb": peak_i.get("mb"),
                     "refresh_seconds": secs_r, "refresh_peak_rss_mb": peak_r.get("mb"),
                     "refresh": import_summary(out_r)}
    log(f"memory at {n:,} voters: import {secs_i:.1f} s, {peak_i.get('mb') or 0:.0f} MB; refresh {secs_r:.1f} s, "
        f"{peak_r.get('mb') or 0:.0f} MB")
    drop_database(MEMORY_DB)
    shutil.rmtree(csv_dir, ignore_errors=True)


def ident(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise BenchError(f"unexpected CSV column name {name!r}")
    return f'"{name}"'


def load_baseline(csv_path: Path, report: Report) -> None:
    """What PostgreSQL alone needs for the same voters file, on the same machine in the same run: COPY into an
    ordinary (logged) index-free table, the membership rows derived in SQL (one per non-empty district cell,
    plus the statewide district), then the indexes the schema has on the state's partitions (ADR 0012): the
    voters' two keys and their trigram search index, the memberships' key (led by the voter, migration
    000011) and their sorted covering index. Same `maintenance_work_mem` as the import's index builds."""
    header = csv_path.open(encoding="utf-8").readline().strip().split(",")
    missing = [c for c in VOTER_CSV_COLUMNS if c not in header]
    if missing:
        raise BenchError(f"voters.csv lacks {missing}")
    districts = [c for c in header if c not in VOTER_CSV_COLUMNS]
    drop_database(BASELINE_DB)
    psql("postgres", f'CREATE DATABASE "{BASELINE_DB}"', what="creating the baseline database")
    psql(BASELINE_DB, "CREATE EXTENSION IF NOT EXISTS pg_trgm", what="pg_trgm")
    cols = ", ".join(f"{ident(c)} text" for c in header)
    # Voters get their uuid as the import gives it, by the database while copying.
    psql(BASELINE_DB, f"CREATE TABLE voters_copy (id uuid NOT NULL DEFAULT gen_random_uuid(), {cols})",
         what="baseline table")
    steps: list[tuple[str, float]] = []
    session = "SET maintenance_work_mem = '1GB'; "
    settle("baseline")

    def step(name: str, sql: str) -> None:
        started = time.monotonic()
        psql(BASELINE_DB, session + sql, timeout=3600, what=f"baseline: {name}")
        steps.append((name, time.monotonic() - started))
        log(f"  baseline {name}: {steps[-1][1]:.1f} s")

    started = time.monotonic()
    psql(BASELINE_DB, f"\\copy voters_copy ({', '.join(ident(c) for c in header)}) FROM '{csv_path}' "
         "WITH (FORMAT csv, HEADER true)", timeout=3600, what="baseline: COPY")
    steps.append(("COPY of voters.csv into a logged, index-free table", time.monotonic() - started))
    log(f"  baseline COPY: {steps[-1][1]:.1f} s")
    cells = ", ".join(f"('{c}', v.{ident(c)})" for c in districts)
    distinct = " UNION ALL ".join(f"SELECT DISTINCT '{c}', {ident(c)} FROM voters_copy" for c in ["State", *districts])
    step("districts and membership rows derived in SQL (`CREATE TABLE … AS`)", f"""
        CREATE TABLE districts AS
        SELECT gen_random_uuid() AS id, l2_type, l2_name FROM ({distinct}) AS d(l2_type, l2_name)
        WHERE l2_name <> '';
        ANALYZE districts;
        CREATE TABLE memberships AS
        SELECT v."State" AS state, k.id AS district_id, v.id AS voter_id,
               lower(v."LastName") AS last_name_key, lower(v."FirstName") AS first_name_key,
               v."VoterTelephones_CellPhoneFormatted" <> '' AS has_cell_phone,
               v."VoterTelephones_LandlineFormatted" <> '' AS has_landline,
               v."Residence_Addresses_AddressLine" <> '' AS has_address,
               lower(v."Voter_Status") AS voter_status, lower(v."Parties_Description") AS party,
               CASE WHEN v."Age_Int" = '' THEN 'unknown' WHEN v."Age_Int"::int < 35 THEN 'young'
                    WHEN v."Age_Int"::int < 50 THEN 'middle' ELSE 'older' END AS age_range,
               length(v."Education_Of_Person")::bigint AS attributes
        FROM voters_copy v
        CROSS JOIN LATERAL (VALUES ('State', v."State"), {cells}) AS d(l2_type, l2_name)
        JOIN districts k ON k.l2_type = d.l2_type AND k.l2_name = d.l2_name""")
    search_text = " || ' ' || ".join(
        f"coalesce({ident(c)}, '')" for c in ("FirstName", "MiddleName", "LastName", "NameSuffix",
                                               "Residence_Addresses_AddressLine", "Residence_Addresses_City",
                                               "Residence_Addresses_Zip"))
    step("voters' primary key", 'CREATE UNIQUE INDEX ON voters_copy ("State", id)')
    step("voters' LALVOTERID key", 'CREATE UNIQUE INDEX ON voters_copy ("State", "LALVOTERID")')
    step("voters' trigram search index", f"CREATE INDEX ON voters_copy USING gin (lower({search_text}) gin_trgm_ops)")
    step("memberships' key (by voter)", "CREATE UNIQUE INDEX ON memberships (state, voter_id, district_id)")
    step("memberships' sorted covering index",
         "CREATE INDEX ON memberships (district_id, last_name_key, first_name_key, voter_id) "
         "INCLUDE (state, has_cell_phone, has_landline, has_address, voter_status, party, age_range, attributes)")
    rows = psql(BASELINE_DB, "SELECT (SELECT count(*) FROM voters_copy) || ' ' || (SELECT count(*) FROM memberships)")
    voters, memberships = (int(x) for x in rows.split())
    report.baseline = {"steps": steps, "seconds": sum(t for _, t in steps), "voters": voters,
                       "memberships": memberships}
    log(f"baseline: {report.baseline['seconds']:.1f} s for {voters} voters, {memberships} memberships")
    drop_database(BASELINE_DB)


def vacuum_analyze(report: Report) -> None:
    log("VACUUM ANALYZE")
    t0 = time.monotonic()
    psql(DB, "VACUUM (ANALYZE)", timeout=1800, what="VACUUM ANALYZE")
    report.vacuum_s = time.monotonic() - t0


# ---------------------------------------------------------------------------------------------- 3. setup


@dataclass
class Org:
    role: str
    sub: str
    token: str
    slug: str
    district_id: str
    district_name: str
    total: int
    hot_segment: str = ""
    other_segment: str = ""


HOT_SEGMENT = {"has_cell_phone": True, "voter_status": ["super", "likely"], "age_ranges": ["35_49", "50_plus"]}
OTHER_SEGMENT = {"education": ["college", "graduate"], "income_ranges": ["50k_75k", "75k_100k"]}


def find_positions(token: str, n: int) -> dict[str, dict]:
    """The positions of the three benchmark districts: the city, the county nearest N/5, the state."""
    def search(q: str) -> list[dict]:
        doc = api_ok("GET", f"/v1/positions?state={STATE}&per_page=100&q={urllib.parse.quote(q)}", token)
        return [p for p in doc["positions"] if p.get("district")]

    def pick(q: str, l2_type: str, district_id: str | None = None) -> dict:
        for p in search(q):
            d = p["district"]
            if d["l2_type"] == l2_type and (district_id is None or d["id"] == district_id):
                return p
        raise BenchError(f"no seeded position found for q={q!r} ({l2_type}); was the database seeded with "
                         "`winserve seed`?")

    counties = api_ok("GET", f"/v1/districts?state={STATE}&l2_type=County&per_page=100", token, timeout=300)
    if not counties["districts"]:
        raise BenchError("no County districts: was the database seeded with `winserve seed`?")
    county = min(counties["districts"], key=lambda d: abs(d["voter_count"] - n / 5))
    return {
        "city": pick("Mayor of", "City"),
        "county": pick("County Commission", "County", county["id"]),
        "state": pick("Governor of", "State"),
    }


def ensure_org(role: str, position: dict, token: str, sub: str) -> Org:
    pid = position["ballotready_position_id"]
    orgs = api_ok("GET", "/v1/organizations", token)["organizations"]
    mine = [o for o in orgs if o.get("mode") == "win" and not o.get("archived")
            and (o.get("position") or {}).get("ballotready_position_id") == pid]
    if mine:
        org = mine[0]
    else:
        created = api_ok("POST", "/v1/campaigns", token,
                         body={"ballotready_position_id": pid, "election_date": "2030-11-05"})
        org = created["organization"]
    d = org.get("district") or position["district"]
    meta = api_ok("GET", "/v1/contacts?per_page=1", token, org["slug"])["meta"]
    return Org(role=role, sub=sub, token=token, slug=org["slug"], district_id=d["id"], district_name=d["l2_name"],
               total=meta["total"])


def ensure_segment(o: Org, name: str, criteria: dict) -> str:
    listed = api_ok("GET", "/v1/segments", o.token, o.slug)["custom"]
    for s in listed:
        if s["name"] == name:
            return s["id"]
    return api_ok("POST", "/v1/segments", o.token, o.slug, {"name": name, "criteria": criteria})["id"]


def setup_orgs(args, report: Report) -> dict[str, Org]:
    log("creating users, organizations and segments through the API")
    tokens = {role: mint_token(f"bench-{role}") for role in ("city", "county", "state")}
    positions = find_positions(tokens["city"], args.voters)
    orgs = {}
    for role in ("city", "county", "state"):
        o = ensure_org(role, positions[role], tokens[role], f"bench-{role}")
        o.hot_segment = ensure_segment(o, "bench hot columns", HOT_SEGMENT)
        o.other_segment = ensure_segment(o, "bench other criteria", OTHER_SEGMENT)
        orgs[role] = o
        report.orgs[role] = {"slug": o.slug, "district": o.district_name, "total": o.total,
                             "position": positions[role]["name"]}
        log(f"  {role}: {o.district_name} ({o.total} contacts) -> {o.slug}")
    return orgs


def collect_cursors(o: Org, count: int, rnd: random.Random) -> list[str]:
    """Keyset cursors at random depths: GET page=k&per_page=100 for random k, keep next_cursor."""
    pages = max(1, math.ceil(o.total / 100) - 1)
    ks = sorted(rnd.sample(range(1, pages + 1), min(count, pages)))
    cursors = []
    for k in ks:
        meta = api_ok("GET", f"/v1/contacts?page={k}&per_page=100", o.token, o.slug, timeout=120)["meta"]
        if meta.get("next_cursor"):
            cursors.append(meta["next_cursor"])
    if not cursors:
        raise BenchError(f"no cursor collected in {o.district_name}")
    return cursors


def collect_search_terms(o: Org, count: int, rnd: random.Random) -> dict[str, list[str]]:
    """Search terms taken from real contacts: a last-name prefix, a phone fragment, an address fragment."""
    pages = max(1, math.ceil(o.total / 100))
    names, phones, addresses = [], [], []
    for k in rnd.sample(range(1, pages + 1), min(pages, 6)):
        for c in api_ok("GET", f"/v1/contacts?page={k}&per_page=100", o.token, o.slug)["contacts"]:
            last = fold(c.get("last_name") or "")
            if len(last) >= 4 and last[:4].isalpha():
                names.append(last[:4])
            phone = "".join(ch for ch in (c.get("cell_phone") or c.get("landline") or "") if ch.isdigit())
            if len(phone) >= 10:
                phones.append(f"{phone[-7:-4]}-{phone[-4:]}")
            line = (c.get("address") or {}).get("line1") or ""
            words = line.split()
            if len(words) >= 2 and words[0].isdigit():
                addresses.append(f"{words[0]} {words[1]}")
    out = {}
    for kind, terms in (("name", names), ("phone", phones), ("address", addresses)):
        uniq = sorted(set(terms))
        if not uniq:
            raise BenchError(f"no {kind} search terms found among the contacts of {o.district_name}")
        out[kind] = rnd.sample(uniq, min(count, len(uniq)))
    return out


def collect_mix_terms(o: Org, count: int, rnd: random.Random) -> list[str]:
    """The search mix of issue 13, from real contacts: a 3-letter last-name start (`smi`), a whole first
    name (`john`), a street name (`main`), a house number's first 3 digits (`307`), a house number and
    its street (`101 main`), a 7-digit local number and a 4-digit last four."""
    pages = max(1, math.ceil(o.total / 100))
    kinds: dict[str, list[str]] = {k: [] for k in ("last3", "first", "street", "num3", "num_street", "phone7",
                                                     "phone4")}
    for k in rnd.sample(range(1, pages + 1), min(pages, 6)):
        for c in api_ok("GET", f"/v1/contacts?page={k}&per_page=100", o.token, o.slug)["contacts"]:
            last, first = fold(c.get("last_name") or ""), fold(c.get("first_name") or "")
            if len(last) >= 3 and last[:3].isalpha():
                kinds["last3"].append(last[:3])
            if first.isalpha():
                kinds["first"].append(first)
            words = ((c.get("address") or {}).get("line1") or "").split()
            if len(words) >= 2 and words[0].isdigit() and words[1].isalpha():
                kinds["street"].append(words[1].lower())
                kinds["num_street"].append(f"{words[0]} {words[1]}")
                if len(words[0]) >= 3:
                    kinds["num3"].append(words[0][:3])
            phone = "".join(ch for ch in (c.get("cell_phone") or c.get("landline") or "") if ch.isdigit())
            if len(phone) >= 10:
                kinds["phone7"].append(f"{phone[-7:-4]}-{phone[-4:]}")
                kinds["phone4"].append(phone[-4:])
    per_kind = max(1, count // len(kinds))
    terms = []
    for kind, found in kinds.items():
        uniq = sorted(set(found))
        if not uniq:
            raise BenchError(f"no {kind} search terms found among the contacts of {o.district_name}")
        terms += rnd.sample(uniq, min(per_kind, len(uniq)))
    return terms


def typing_paths(o: Org, typists: int, rnd: random.Random) -> list[str]:
    """What `typists` people type to find a contact by name, one keystroke per request: `j`, `jo`, …,
    `john`, `john s`, … (first name, a blank, the start of the last name)."""
    pages = max(1, math.ceil(o.total / 100))
    names = []
    for k in rnd.sample(range(1, pages + 1), min(pages, 3)):
        for c in api_ok("GET", f"/v1/contacts?page={k}&per_page=100", o.token, o.slug)["contacts"]:
            first, last = fold(c.get("first_name") or ""), fold(c.get("last_name") or "")
            if first.isalpha() and last.isalpha():
                names.append(f"{first} {last[:5]}")
    paths = []
    for name in rnd.sample(sorted(set(names)), min(typists, len(set(names)))):
        paths += [f"/v1/contacts?{q(search=name[:i])}" for i in range(1, len(name) + 1) if name[i - 1] != " "]
    return paths


def search_sql_count(o: Org, term: str, segment: dict | None = None) -> int:
    """The exact number of contacts of `o` that `term` finds, counted by PostgreSQL over the stored search
    documents with the word-start rule (winserve_domain::search), to check the server's total."""
    words = re.findall(r"[^\W_]+", fold(term).replace("'", ""))
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    phone_like = all(ch.isdigit() or ch in " ()-.+" for ch in term) and 4 <= len(digits) <= 10
    conds = ["(" + " AND ".join(f"strpos(v.search_text, ' {w}') > 0" for w in words) + ")"]
    if phone_like:
        needles = [f" #p{digits}"] + ([f" #l{digits}"] if len(digits) <= 7 else []) + \
            ([f" #x{digits} "] if len(digits) == 4 else [])
        conds.append("(" + " OR ".join(f"strpos(v.search_text, '{n}') > 0" for n in needles) + ")")
    extra = ""
    if segment:
        extra = (f" AND vd.has_cell_phone = {str(segment['has_cell_phone']).lower()}"
                 f" AND vd.voter_status = ANY(ARRAY{segment['voter_status']!r})"
                 f" AND vd.age_range = ANY(ARRAY{segment['age_ranges']!r})")
    sql = ("SELECT count(*) FROM voter_districts vd JOIN voters v ON v.state = vd.state AND v.id = vd.voter_id "
           f"WHERE vd.district_id = '{o.district_id}'{extra} AND ({' OR '.join(conds)})")
    return int(psql(DB, sql).strip())


# ------------------------------------------------------------------------------------------- workloads


@dataclass
class Workload:
    key: str
    label: str
    org: Org
    paths: list[str]  # request paths; wrk picks one at random per request
    group: str
    connections: int = 8
    size: int | None = None
    in_org: bool = True  # a resource of the organization: its lookup runs before the handler
    # Captured from the statement log (capture_sql), per path:
    sql: list[list[str]] = field(default_factory=list)  # the handler's statements
    full_sql: list[list[str]] = field(default_factory=list)  # every statement of the request
    answer: dict | None = None  # the server's answer to the first path, when its statements were captured
    page: int | None = None  # which handler statement returns the page (and the total): found by check_sql
    script: str = "paths.lua"  # the wrk script: random paths, or typing.lua (each thread types in order)
    segment: dict | None = None  # the segment's criteria, for the SQL check of a search's total


def q(**params) -> str:
    return urllib.parse.urlencode(params)


def build_workloads(args, orgs: dict[str, Org]) -> tuple[list[Workload], list[Workload]]:
    """The workloads to run (--only), and the workloads whose SQL is needed: those, plus the plain and
    hot-segment workloads whose statements the partitioning comparison runs."""
    rnd = random.Random(20251126)
    keep = set(args.only.split(",")) if args.only else None

    def chosen(key: str, group: str) -> bool:
        return keep is None or key in keep or group in keep

    w: list[Workload] = []
    for role in ("city", "county", "state"):
        o = orgs[role]
        w.append(Workload(f"plain_{role}", f"page + total, no segment ({o.district_name})", o,
                          ["/v1/contacts?page=1"], "plain", size=o.total))
    for role in ("city", "county", "state"):
        o = orgs[role]
        w.append(Workload(f"hot_{role}", f"page + total, segment over hot columns ({o.district_name})", o,
                          [f"/v1/contacts?{q(segment=o.hot_segment)}"], "hot", size=o.total))
    for role in ("city", "county"):
        o = orgs[role]
        w.append(Workload(f"other_{role}", f"page + total, segment over education + income ({o.district_name})",
                          o, [f"/v1/contacts?{q(segment=o.other_segment)}"], "other", size=o.total))
    for role in ("city", "county", "state"):
        o = orgs[role]
        if not chosen(f"cursor_{role}", "cursor"):
            continue
        log(f"collecting {args.cursors} cursors at random depths in {o.district_name}")
        cursors = collect_cursors(o, args.cursors, rnd)
        w.append(Workload(f"cursor_{role}", f"keyset page at a random depth ({o.district_name})", o,
                          [f"/v1/contacts?{q(cursor=c)}" for c in cursors], "cursor", size=o.total))
    for role in ("city", "state"):
        o = orgs[role]
        w.append(Workload(f"single_{role}", f"page + total, no segment, 1 client ({o.district_name})", o,
                          ["/v1/contacts?page=1"], "single", connections=1, size=o.total))
    o = orgs["state"]
    w.append(Workload("page100_state", f"page 100 by number ({o.district_name})", o, ["/v1/contacts?page=100"],
                      "page100", size=o.total))
    o = orgs["city"]
    if any(chosen(f"search_{kind}", "search") for kind in ("name", "phone", "address")):
        terms = collect_search_terms(o, args.cursors, rnd)
        for kind in ("name", "phone", "address"):
            w.append(Workload(f"search_{kind}", f"{kind} search ({o.district_name}), e.g. “{terms[kind][0]}”", o,
                              [f"/v1/contacts?{q(search=t)}" for t in terms[kind]], "search", size=o.total))
    for role in ("city", "county", "state"):
        if not chosen(f"search_mix_{role}", "search"):
            continue
        o = orgs[role]
        terms = collect_mix_terms(o, 28, rnd)
        w.append(Workload(f"search_mix_{role}", f"search mix ({o.district_name}): “{'”, “'.join(terms[::4])}”, …",
                          o, [f"/v1/contacts?{q(search=t)}" for t in terms], "search", size=o.total))
    o = orgs["city"]
    if chosen("search_hot_city", "search"):
        terms = collect_mix_terms(o, 28, rnd)
        w.append(Workload("search_hot_city", f"search mix in a segment over hot columns ({o.district_name})", o,
                          [f"/v1/contacts?{q(search=t, segment=o.hot_segment)}" for t in terms], "search",
                          size=o.total, segment=HOT_SEGMENT))
    o = orgs["state"]
    if chosen("typing_state", "search"):
        w.append(Workload("typing_state", f"typing simulation, 20 typists ({o.district_name})", o,
                          typing_paths(o, 20, rnd), "search", connections=20, size=o.total, script="typing.lua"))
    o = orgs["city"]
    w.append(Workload("orgs", "GET /v1/organizations (auth + database)", o, ["/v1/organizations"], "orgs",
                      connections=32, in_org=False))
    selected = [x for x in w if chosen(x.key, x.group)]
    needed = [x for x in w if chosen(x.key, x.group)
              or (not args.skip_partitioning and x.group in ("plain", "hot"))]
    return selected, needed


def wait_for_search_indexes(workloads: list[Workload], timeout: float = 300) -> None:
    """Searches are answered from a district's in-memory index once it is built, in the background, on
    the district's first search (ADR 0023): one search per district, then wait until the server logs that
    each index is built, so that every run measures the steady state."""
    orgs = {wl.org.district_id: wl for wl in workloads if wl.group == "search"}
    if not orgs:
        return
    log_path = WORK / "server.log"
    start = log_path.stat().st_size if log_path.exists() else 0
    for wl in orgs.values():
        api_ok("GET", wl.paths[0], wl.org.token, wl.org.slug, timeout=120)
    deadline = time.time() + timeout
    while True:
        with open(log_path, "rb") as f:
            f.seek(start)
            text = ANSI.sub("", f.read().decode("utf-8", "replace"))
        built = {d for d in orgs if re.search(rf"search index built district={d}\b", text)}
        if built == set(orgs):
            for line in text.splitlines():
                if "search index built" in line:
                    log("  " + line.split("search index built", 1)[1].strip())
            return
        if time.time() > deadline:
            raise BenchError(f"search indexes not built after {timeout:.0f} s: {sorted(set(orgs) - built)}")
        time.sleep(0.5)


def capture_sql(workloads: list[Workload]) -> None:
    """Every request path once with the statement log on: the statements the server ran for it. Each path
    is requested once before, so what is captured is the steady state the load runs measure (a total
    already remembered, ADR 0016), not the first request's count and its write."""
    for wl in workloads:
        for path in wl.paths:
            api_ok("GET", path, wl.org.token, wl.org.slug)
    with StatementLog() as statement_log:
        for wl in workloads:
            for path in wl.paths:
                statements, doc = statement_log.capture(path, wl.org.token, wl.org.slug)
                start = handler_start(statements, in_org=wl.in_org, what=f"{wl.key}: GET {path}")
                wl.full_sql.append(statements)
                wl.sql.append(statements[start:])
                if wl.answer is None:
                    wl.answer = doc
            log(f"  captured {wl.key:16} {len(wl.paths)} path(s), {len(wl.full_sql[0])} statements per request, "
                f"{len(wl.sql[0])} in the handler")
    out = WORK / "captured"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for wl in workloads:
        (out / f"{wl.key}.sql").write_text("".join(
            f"-- GET {path}\n" + "".join(s + ";\n" for s in statements[:len(statements) - len(handler)])
            + "-- the handler:\n" + "".join(s + ";\n" for s in handler) + "\n"
            for path, statements, handler in zip(wl.paths, wl.full_sql, wl.sql)))
    # Checked after the log is off again: every statement, parameters substituted, must run as it is.
    for wl in workloads:
        for path, statements in zip(wl.paths, wl.full_sql):
            commands = [a for s in statements for a in ("-c", s)]
            run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-h", HOST, "-U", "postgres",
                 "-d", DB, *commands], env=SESSION_ENV, timeout=600,
                what=f"running the captured statements of {wl.key} (GET {path}) through psql")


def query_rows(sql: str, what: str) -> tuple[list[str], list[list[str]]]:
    """The column names and rows of a statement, through psql."""
    out = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-h", HOST, "-U", "postgres", "-d", DB,
               "-c", sql], env=SESSION_ENV, timeout=600, what=what)
    rows = list(csv.reader(io.StringIO(out)))
    return (rows[0], rows[1:]) if rows else ([], [])


def check_sql(workloads: list[Workload], report: Report) -> None:
    """The captured handler statements, run through psql, must give what the server answered to the same
    request: the page statement (rows of `total`, then the contact) has the same total and first contact.
    (On an empty page the server counts with a statement of its own, whose one column is `total`.)"""
    for wl in workloads:
        if wl.group == "orgs" or not wl.sql:
            continue
        doc = wl.answer or {}
        http_total = doc["meta"]["total"]
        http_first = doc["contacts"][0]["id"] if doc["contacts"] else ""
        total, first = None, ""
        for j, statement in enumerate(wl.sql[0]):
            header, rows = query_rows(statement, f"the captured statements of {wl.key}")
            if header[:1] == ["total"] and "id" in header:
                wl.page = j
                if rows:
                    total, first = int(rows[0][0]), rows[0][header.index("id")]
            elif header[:1] == ["data_version"] and "id" in header:
                # A search answered from the district's in-memory index (ADR 0023): the statement fetches
                # the page's rows; the total is counted here by PostgreSQL with the same rule.
                wl.page = j
                # The rows come in no order (the server orders them by the index's ranks): the server's
                # first contact must be among them.
                ids = [r[header.index("id")] for r in rows]
                first = http_first if http_first in ids else (ids[0] if ids else "")
                term = urllib.parse.parse_qs(urllib.parse.urlsplit(wl.paths[0]).query)["search"][0]
                total = search_sql_count(wl.org, term, wl.segment)
            elif header == ["total"] and wl.page is not None and total is None and rows:
                total = int(rows[0][0])
        if wl.group == "search" and http_total == 0:
            report.notes.append(f"{wl.key}: the server found no contact for “{urllib.parse.unquote_plus(wl.paths[0])}”"
                                ", although the search terms are taken from the district's contacts.")
            log(f"WARNING: {wl.key}: the search found nothing")
        ok = wl.page is not None and total == http_total and first == http_first
        report.checks.append((wl.key, ok, http_total, total))
        if not ok:
            if wl.page is None:
                report.notes.append(f"SQL check of {wl.key}: no captured handler statement returns the page "
                                    "(columns `total`, …, `id`): " + " / ".join(wl.sql[0]))
            else:
                report.notes.append(f"SQL check of {wl.key}: HTTP total {http_total} / first {http_first}, "
                                    f"captured SQL total {total} / first {first}.")
            log(f"WARNING: SQL check failed for {wl.key}")


# ------------------------------------------------------------------------------------------------ 4. wrk


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_duration_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise BenchError(f"cannot read the wrk duration {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(out: str) -> dict:
    res = {}
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        if not m:
            raise BenchError(f"no {pct}% latency in the wrk output:\n{out}")
        res[key] = parse_duration_ms(m.group(1))
    m = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M)
    res["max"] = parse_duration_ms(m.group(1)) if m else None
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["errors"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["errors"] += sum(int(x) for x in m.groups())
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else 0
    return res


def wrk(wl: Workload, duration: int, paths_file: Path) -> dict:
    env = {"BENCH_PATHS": str(paths_file), "BENCH_TOKEN": wl.org.token, "BENCH_ORG": wl.org.slug}
    cmd = ["wrk", f"-t{min(2, wl.connections)}", f"-c{wl.connections}", f"-d{duration}s", "--timeout", "10s", "--latency",
           "-s", str(HERE / wl.script), BASE]
    out = run(cmd, env=env, timeout=duration + 60, what=f"wrk {wl.key}")
    return parse_wrk(out)


LOAD_STATE = "MT"  # the state a load during reads fills, then empties again


def empty_state(state: str) -> None:
    """Removes every voter, membership and district of `state` (its partitions stay, as the migration made
    them), so that a reused benchmark database holds the seeded state alone."""
    low = state.lower()
    psql(DB, f"""
        BEGIN;
        TRUNCATE voters_{low}, voter_districts_{low};
        DELETE FROM district_facets WHERE district_id IN (SELECT id FROM districts WHERE state = '{state}');
        DELETE FROM filter_counts WHERE district_id IN (SELECT id FROM districts WHERE state = '{state}');
        DELETE FROM page_anchors WHERE district_id IN (SELECT id FROM districts WHERE state = '{state}');
        DELETE FROM districts WHERE state = '{state}';
        DELETE FROM voter_data_versions WHERE state = '{state}';
        COMMIT;""", timeout=600, what=f"emptying {state}")


# Readers during a load wait this long between requests (per connection): people paging through contacts
# while a load runs, about 45 requests/s from two connections. Back-to-back readers would measure how the
# CPU is shared between them and the load (2 cores, both busy) rather than how long one request waits.
READ_DELAY_MS = 40


def reads_during_load(args, orgs: dict[str, Org], csv_path: Path, report: Report) -> None:
    """Page + total of the city district (2 paced clients, `READ_DELAY_MS`) while `winserve import voters`
    loads another state of the same size, against the same requests on an idle machine: the latency ratio,
    the errors, and the total right after the load's commit."""
    o = orgs["city"]
    paths = WORK / "paths" / "load_reads.txt"
    paths.parent.mkdir(parents=True, exist_ok=True)
    paths.write_text("/v1/contacts?page=1\n")
    other = WORK / "csv" / f"voters_{LOAD_STATE.lower()}.csv"
    log(f"writing {other.name}: the same voters in {LOAD_STATE}")
    with open(other, "w") as out:
        subprocess.run(["sed", f"s/,{STATE},/,{LOAD_STATE},/g", str(csv_path)], stdout=out, check=True, timeout=600)
    empty_state(LOAD_STATE)
    env = dict(os.environ, BENCH_PATHS=str(paths), BENCH_TOKEN=o.token, BENCH_ORG=o.slug,
               BENCH_DELAY_MS=str(READ_DELAY_MS))
    wrk_cmd = ["wrk", "-t2", "-c2", "--timeout", "10s", "--latency", "-s", str(HERE / "paths.lua"), BASE]
    idle = parse_wrk(run([*wrk_cmd[:3], f"-d{args.duration}s", *wrk_cmd[3:]], env=env,
                         timeout=args.duration + 60, what="wrk idle"))
    log(f"  idle: p50 {idle['p50']:.2f} ms, p99 {idle['p99']:.2f} ms")
    log(f"  importing {other.name} while reading {o.district_name}")
    during, load_s, total_after = read_while_importing(o, wrk_cmd, env, [str(other)],
                                                       "winserve import voters (other state)")
    report.load_reads = {"idle": idle, "during": during, "load_s": load_s, "district": o.district_name,
                         "total_before": o.total, "total_after": total_after, "state": LOAD_STATE}
    log(f"  during the load ({load_s:.0f} s): p50 {during['p50']:.2f} ms, p99 {during['p99']:.2f} ms, "
        f"{during['errors']} errors; total after {total_after} (before {o.total})")
    log(f"  emptying {LOAD_STATE} again")
    empty_state(LOAD_STATE)
    other.unlink(missing_ok=True)
    churned = csv_path.parent / CHURNED_CSV
    if churned.exists():
        report.refresh_reads = reads_during_refresh(o, wrk_cmd, env, idle, csv_path, churned)


def read_while_importing(o: Org, wrk_cmd: list, env: dict, import_args: list, what: str) -> tuple:
    """Runs `wrk_cmd` (page + total of `o`'s district) for as long as `winserve import voters <import_args>`
    runs; returns wrk's figures, the import's seconds, and the total the API gives right after it."""
    reader = subprocess.Popen([*wrk_cmd[:3], "-d3600s", *wrk_cmd[3:]], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        started = time.monotonic()
        winserve(["import", "voters", *import_args], DB, timeout=3600, what=what)
        load_s = time.monotonic() - started
    finally:
        # wrk prints its statistics when interrupted.
        reader.send_signal(signal.SIGINT)
        out, _ = reader.communicate(timeout=60)
    status, body = api("GET", "/v1/contacts?page=1", o.token, o.slug)
    total_after = body.get("meta", {}).get("total") if status == 200 else None
    return parse_wrk(out), load_s, total_after


def reads_during_refresh(o: Org, wrk_cmd: list, env: dict, idle: dict, csv_path: Path, churned: Path) -> dict:
    """The same reads while next month's file refreshes the state they read (`--replace`), then the total
    the API gives right after the commit against a count in SQL; the state's file is then imported again
    (`--replace`) so the database is as seeded."""
    log(f"  refreshing {STATE} with {churned.name} while reading {o.district_name}")
    during, load_s, total_after = read_while_importing(o, wrk_cmd, env, ["--replace", str(churned)],
                                                       "winserve import voters --replace (refresh of the read state)")
    sql_total = int(psql(DB, f"SELECT count(*) FROM voter_districts WHERE state = '{STATE}' "
                             f"AND district_id = '{o.district_id}'", what="the district's count").strip())
    log(f"  during the refresh ({load_s:.0f} s): p50 {during['p50']:.2f} ms, p99 {during['p99']:.2f} ms, "
        f"{during['errors']} errors; total after {total_after} (SQL {sql_total}, before {o.total})")
    log(f"  restoring {STATE} from {csv_path.name}")
    winserve(["import", "voters", "--replace", str(csv_path)], DB, timeout=3600,
             what="winserve import voters --replace (restore)")
    return {"idle": idle, "during": during, "load_s": load_s, "district": o.district_name,
            "total_before": o.total, "total_after": total_after, "sql_total": sql_total}


def first_requests(workloads: list[Workload], report: Report, repeats: int = 5) -> None:
    """The first request after a change of the state's voter data, single client: the server counts the
    total (facet sum or live count) and remembers it, and a deep page walks to its offset and leaves a page
    anchor; the next request reuses both (ADR 0016, ADR 0018). The change is simulated by bumping the data
    version, as every import does; at the end one more request per workload remembers the totals and
    anchors again for the runs that follow (each bump forgets those of every workload)."""
    chosen = [wl for wl in workloads if wl.group in ("plain", "other", "page100")]
    for wl in chosen:
        cold, warm = [], []
        for _ in range(repeats):
            psql(DB, f"SELECT voter_data_changed(ARRAY['{STATE}'])", what="bumping the data version")
            for times in (cold, warm):
                t0 = time.perf_counter()
                api_ok("GET", wl.paths[0], wl.org.token, wl.org.slug)
                times.append((time.perf_counter() - t0) * 1000)
        report.first_requests.append({"label": wl.label, "size": wl.size, "cold": sorted(cold),
                                      "warm": sorted(warm)})
        log(f"  first request after a change {wl.key:16} median {statistics.median(cold):7.2f} ms, "
            f"then {statistics.median(warm):6.2f} ms")
    for wl in chosen:
        api_ok("GET", wl.paths[0], wl.org.token, wl.org.slug)


def run_http(args, workloads: list[Workload], sampler: RssSampler, report: Report) -> None:
    paths_dir = WORK / "paths"
    paths_dir.mkdir(parents=True, exist_ok=True)
    for wl in workloads:
        pf = paths_dir / f"{wl.key}.txt"
        pf.write_text("\n".join(wl.paths) + "\n")
        wrk(wl, args.warmup, pf)  # warm the caches and the pool
        sampler.start(wl.key)
        r = wrk(wl, args.duration, pf)
        rss = sampler.stop()
        res = report.results.setdefault(wl.key, Result(wl.key, wl.label, wl.size))
        res.p50, res.p99, res.rps, res.errors, res.rss_max_mb = r["p50"], r["p99"], r["rps"], r["errors"], rss
        log(f"  wrk {wl.key:16} p50 {r['p50']:8.2f} ms  p99 {r['p99']:8.2f} ms  {r['rps']:8.0f} req/s"
            f"  errors {r['errors']}  rss {rss:.0f} MB")
        if r["errors"]:
            report.notes.append(f"{wl.key}: {r['errors']} of {r['requests']} HTTP requests failed (non-2xx or "
                                "socket errors); see target/bench/server.log.")
    cmd = (f"BENCH_PATHS=target/bench/paths/<workload>.txt BENCH_TOKEN=<token> BENCH_ORG=<slug> "
           f"wrk -t2 -c8 -d{args.duration}s --timeout 10s --latency -s scripts/bench/paths.lua {BASE}"
           "   # -c32 for /v1/organizations; each run after a "
           f"{args.warmup} s warm-up")
    report.commands.append(cmd)


# --------------------------------------------------------------------------------------------- 5. export


def export_once(o: Org, sampler: RssSampler, name: str) -> dict:
    out_file = WORK / f"export-{o.role}.csv"
    cmd = ["curl", "-sS", "-o", str(out_file), "-w", "%{http_code} %{size_download} %{time_total}",
           "-H", f"Authorization: Bearer {o.token}", "-H", f"X-Organization-Slug: {o.slug}",
           f"{BASE}/v1/contacts/export"]
    before = sampler.rss_mb()
    sampler.start(name)
    out = run(cmd, timeout=600, what=f"CSV export of {o.district_name}")
    peak = sampler.stop()
    code, size, secs = out.split()
    if code != "200":
        raise BenchError(f"CSV export of {o.district_name} answered {code}")
    with open(out_file, "rb") as f:
        rows = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1
    out_file.unlink()
    return {"district": o.district_name, "rows": rows, "seconds": float(secs), "mb": int(size) / 1e6,
            "rows_per_s": rows / max(float(secs), 1e-6), "rss_before_mb": before, "rss_peak_mb": peak}


# The columns of a Win export (the registry's exported columns, crates/domain/src/voter_columns.rs), as
# PostgreSQL itself would write them: unknown criteria values empty, like the server's CSV.
EXPORT_COLUMNS = ("v.id, v.lal_voter_id, v.first_name, v.middle_name, v.last_name, v.name_suffix, v.age, "
                  "nullif(v.gender, 'unknown'), v.party_description, nullif(v.voter_status, 'unknown'), "
                  "v.address_line1, v.address_city, v.address_state, v.address_zip, v.cell_phone, v.landline, "
                  "nullif(v.marital_status, 'unknown'), nullif(v.has_children, 'unknown'), "
                  "nullif(v.veteran, 'unknown'), nullif(v.homeowner, 'unknown'), "
                  "nullif(v.business_owner, 'unknown'), nullif(v.education, 'unknown'), "
                  "nullif(v.ethnicity, 'unknown'), nullif(v.language, 'unknown'), v.estimated_income")


def copy_once(o: Org) -> dict:
    """`psql \\copy` of the same rows as the export (same columns, same order) to a file: what PostgreSQL
    alone needs to produce the CSV, for the export's ratio to it (issue 13)."""
    out_file = WORK / f"copy-{o.role}.csv"
    # The server's own statement shape (the state's partitions, the state bound), so that PostgreSQL runs
    # the plan the export runs.
    st = STATE.lower()
    sql = (f"\\copy (SELECT {EXPORT_COLUMNS} FROM voter_districts_{st} vd JOIN voters_{st} v "
           f"ON v.state = '{STATE}' AND v.id = vd.voter_id WHERE vd.state = '{STATE}' "
           f"AND vd.district_id = '{o.district_id}' "
           f"ORDER BY vd.last_name_key, vd.first_name_key, vd.voter_id) TO '{out_file}' CSV HEADER")
    started = time.monotonic()
    psql(DB, sql, what=f"psql \\copy of {o.district_name}")
    secs = time.monotonic() - started
    with open(out_file, "rb") as f:
        rows = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1
    out_file.unlink()
    return {"rows": rows, "seconds": secs, "rows_per_s": rows / max(secs, 1e-6)}


def run_exports(orgs: dict[str, Org], sampler: RssSampler, report: Report) -> None:
    for role in ("city", "county"):
        o = orgs[role]
        export_once(o, sampler, f"export_warm_{role}")  # warm-up
        copy_once(o)  # warm-up
        # Interleaved, best of two of each: the host's speed drifts within a run.
        runs = [export_once(o, sampler, f"export_{role}") for _ in range(2)]
        copies = [copy_once(o) for _ in range(2)]
        e = max(runs, key=lambda r: r["rows_per_s"])
        c = max(copies, key=lambda r: r["rows_per_s"])
        e["copy_rows_per_s"] = c["rows_per_s"]
        e["copy_rows"] = c["rows"]
        report.exports.append(e)
        log(f"  export {o.district_name}: {e['rows']} rows in {e['seconds']:.2f} s = {e['rows_per_s']:.0f} rows/s, "
            f"RSS {e['rss_before_mb']:.0f} -> {e['rss_peak_mb']:.0f} MB; psql \\copy {c['rows_per_s']:.0f} rows/s "
            f"(export at {e['rows_per_s'] / c['rows_per_s']:.0%} of it)")
    report.commands.append("curl -sS -o export.csv -w '%{http_code} %{size_download} %{time_total}' "
                           "-H 'Authorization: Bearer <token>' -H 'X-Organization-Slug: <slug>' "
                           f"{BASE}/v1/contacts/export")


# -------------------------------------------------------------------------------------------- 6. pgbench


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


# pgbench's protocol (--pgbench-mode). `prepared`: each connection parses a statement once and then binds
# and executes it, as the server does with its per-connection statement cache (crates/adapters-postgres/
# src/sql.rs); the captured parameters are sent as bound parameters (pgbench variables, BOUND), so
# PostgreSQL chooses between custom and generic plans exactly as for the server's statements.
# `extended` parses and plans every statement at every execution, with the parameters as literals.
PGBENCH_MODE = "prepared"


def pgbench(name: str, variants: list[list[str]], clients: int, duration: int, db: str = DB) -> dict:
    # pgbench takes at most 128 scripts: a workload of more paths (the typing simulation) is sampled evenly.
    if len(variants) > 128:
        step = len(variants) / 128
        variants = [variants[int(k * step)] for k in range(128)]
    d = WORK / "pgbench" / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    files, defines = [], []
    for i, stmts in enumerate(variants):
        p = d / f"script{i:02d}.sql"
        lines = []
        for j, stmt in enumerate(stmts):
            stmt = stmt.strip().rstrip(";")
            bound = BOUND.get(stmt) if PGBENCH_MODE == "prepared" else None
            if bound:
                text, values = bound
                stmt = PLACEHOLDER.sub(lambda m: f":v{i}_{j}_{m.group(1)}", text)
                defines += [arg for n, v in values.items() for arg in ("-D", f"v{i}_{j}_{n}={v}")]
            lines.append(stmt + ";\n")
        p.write_text("".join(lines))
        files += ["-f", f"{p.name}@1"]
    cmd = ["pgbench", "-n", "-M", PGBENCH_MODE, "-c", str(clients), "-j", str(min(2, clients)), "-T", str(duration), "-l",
           "--log-prefix=txlog", "-h", HOST, "-U", "postgres", *defines, *files, db]
    out = run(cmd, cwd=d, env=SESSION_ENV, timeout=duration + 120, what=f"pgbench {name}")
    lat = []
    for logf in d.glob("txlog*"):
        for line in logf.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[2].isdigit():
                lat.append(int(parts[2]) / 1000.0)
    lat.sort()
    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    if not lat:
        raise BenchError(f"pgbench {name}: no transaction logged\n{out[-2000:]}")
    if failed and int(failed.group(1)):
        raise BenchError(f"pgbench {name}: {failed.group(1)} transactions failed\n{out[-2000:]}")
    return {"p50": percentile(lat, 50), "p99": percentile(lat, 99), "tps": float(m.group(1)) if m else 0.0,
            "n": len(lat)}


def run_sql(args, workloads: list[Workload], report: Report) -> None:
    for wl in workloads:
        r = pgbench(wl.key, wl.sql, wl.connections, args.duration)
        res = report.results.setdefault(wl.key, Result(wl.key, wl.label, wl.size))
        res.sql_p50, res.sql_p99, res.sql_tps = r["p50"], r["p99"], r["tps"]
        msg = f"  pgbench {wl.key:16} p50 {r['p50']:8.2f} ms  p99 {r['p99']:8.2f} ms  {r['tps']:8.0f} tps"
        f = pgbench(wl.key + "_full", wl.full_sql, wl.connections, args.duration)
        res.full_sql_p50, res.full_sql_p99 = f["p50"], f["p99"]
        msg += f"   (full request SQL p50 {f['p50']:.2f} ms, p99 {f['p99']:.2f} ms)"
        if wl.group == "orgs":
            # Where the time of an authenticated request goes: the user lookup alone, the listing alone.
            lookups = [full[:len(full) - len(handler)] for full, handler in zip(wl.full_sql, wl.sql)]
            up = pgbench("orgs_user_lookup", lookups, wl.connections, args.duration)
            report.diagnostics.append(("user lookup alone (`upsert_from_claims`)", up))
            report.diagnostics.append(("organization listing alone (`list_for_owner`)", r))
            report.diagnostics.append(("both (what the endpoint runs)", f))
            msg += f"   (user lookup alone {up['tps']:.0f} tps p50 {up['p50']:.2f} ms)"
        log(msg)
    report.commands.append(f"PGOPTIONS='{SERVER_SESSION}' pgbench -n -M {PGBENCH_MODE} -c 8 -j 2 -T {args.duration} -l "
                           f"-h {HOST} -U postgres -f target/bench/pgbench/<workload>/scriptNN.sql@1 ... {DB}"
                           "   # -c 32 for organizations; <workload>_full/ for the whole request")


# -------------------------------------------------------------------------------------------- 7. explain


def explain(sql: str, db: str = DB) -> str:
    """EXPLAIN (ANALYZE, BUFFERS), run twice in one session: the second plan is kept, so planning time is
    that of a warm connection (as in the server's pool), not of a new backend filling its catalog cache."""
    marker = "-----8<-----"
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", HOST, "-U", "postgres", "-d", db,
           "-c", "EXPLAIN (ANALYZE, BUFFERS) " + sql, "-c", f"SELECT '{marker}'",
           "-c", "EXPLAIN (ANALYZE, BUFFERS) " + sql]
    return run(cmd, env=SESSION_ENV, timeout=600, what="EXPLAIN").split(marker, 1)[1].strip()


def explain_plans(workloads: list[Workload], report: Report) -> None:
    wanted = ["plain_state", "hot_state", "other_county", "cursor_state", "page100_state", "search_name",
              "search_phone"]
    by_key = {w.key: w for w in workloads}
    for key in wanted:
        wl = by_key.get(key)
        if not wl or wl.page is None:
            continue
        page = wl.sql[0][wl.page]
        report.plans.append((wl.label, "page + total", page, explain(page)))


# --------------------------------------------------------------------------------------- 8. partitioning

PARTITIONED = ("voters", "voter_districts")
FLAT = {t: f"bench_flat_{t}" for t in PARTITIONED}
# The parents, or a state's partition named directly (`voters_wy`), as the contacts statements do.
TABLE_REFERENCE = re.compile(r"\b(FROM|JOIN)(\s+)(voters|voter_districts)(?:_[a-z]{2})?\b", re.I)
LEFTOVER_REFERENCE = re.compile(r"(?<![.\w])(voters|voter_districts)(?:_[a-z]{2})?\b")


def flatten(sql: str) -> str:
    """A captured statement on the unpartitioned copies: its FROM / JOIN of the partitioned tables
    replaced (column references such as `f.voters` are left alone)."""
    out, n = TABLE_REFERENCE.subn(lambda m: m.group(1) + m.group(2) + FLAT[m.group(3).lower()], sql)
    left = LEFTOVER_REFERENCE.search(out)
    if n == 0 or left:
        raise BenchError("cannot point this statement at the unpartitioned copies"
                         + (f" (a reference to {left.group(1)} remains)" if left else "") + f":\n{sql}")
    if sql in BOUND:
        # The copy runs with bound parameters too, so both sides are planned alike.
        text, values = BOUND[sql]
        BOUND[out] = (TABLE_REFERENCE.sub(lambda m: m.group(1) + m.group(2) + FLAT[m.group(3).lower()], text),
                      values)
    return out


def copy_partitions() -> None:
    """Unpartitioned copies of the state's partitions: the tables' columns and constraints (LIKE), the
    primary keys, and every index of voter_districts, all as the catalog defines them on the partitioned
    tables. The other indexes of voters (search, L2 id) serve no statement compared here."""
    suffix = STATE.lower()
    ddl = [f"DROP TABLE IF EXISTS {FLAT['voter_districts']}, {FLAT['voters']}"]
    for table in PARTITIONED:
        ddl.append(f"CREATE TABLE {FLAT[table]} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        ddl.append(f"INSERT INTO {FLAT[table]} SELECT * FROM {table}_{suffix}")
        pkey = psql(DB, f"SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '{table}'::regclass "
                        "AND contype = 'p'")
        if not pkey:
            raise BenchError(f"{table} has no primary key")
        ddl.append(f"ALTER TABLE {FLAT[table]} ADD {pkey}")
    indexes = psql(DB, "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = "
                       "'voter_districts'::regclass AND NOT indisprimary ORDER BY indexrelid::regclass::text")
    for indexdef in indexes.splitlines():
        m = re.fullmatch(r"CREATE (UNIQUE )?INDEX (\S+) ON (?:ONLY )?(?:\S+\.)?voter_districts (USING .*)", indexdef)
        if not m:
            raise BenchError(f"cannot copy the index definition {indexdef!r}")
        ddl.append(f"CREATE {m.group(1) or ''}INDEX bench_flat_{m.group(2)} ON {FLAT['voter_districts']} {m.group(3)}")
    psql(DB, ";\n".join(ddl), timeout=3600, what="copying the partitions")
    psql(DB, f"VACUUM (ANALYZE) {FLAT['voters']}, {FLAT['voter_districts']}", timeout=3600,
         what="VACUUM ANALYZE of the copies")


def partition_comparison(args, workloads: list[Workload], report: Report) -> None:
    """The captured page + total statement of the plain and hot-segment workloads, on the partitioned
    tables vs the same statement on unpartitioned copies of the state's partitions."""
    by_key = {w.key: w for w in workloads}
    log(f"copying the {STATE} partitions into unpartitioned tables (same keys and indexes)")
    t0 = time.monotonic()
    copy_partitions()
    report.partition_copy_s = time.monotonic() - t0
    for role in ("city", "county", "state"):
        for kind, key in (("no segment", f"plain_{role}"), ("hot segment", f"hot_{role}")):
            wl = by_key.get(key)
            if not wl or wl.page is None:
                report.notes.append(f"Partitioning: {key} has no captured page statement; skipped.")
                continue
            page = wl.sql[0][wl.page]
            flat = flatten(page)
            a = query_rows(page, f"{key} on the partitioned tables")
            b = query_rows(flat, f"{key} on the unpartitioned copies")
            if a != b:
                report.notes.append(f"Partitioning: {key} answers differently on the unpartitioned copies.")
            part = pgbench(f"part_{role}_{kind[:3]}", [[page]], 8, args.part_duration)
            flat_r = pgbench(f"flat_{role}_{kind[:3]}", [[flat]], 8, args.part_duration)
            report.partitioning.append({"district": wl.org.district_name, "size": wl.org.total, "kind": kind,
                                        "part": part, "flat": flat_r})
            log(f"  {wl.org.district_name} {kind}: partitioned p50 {part['p50']:.2f} / p99 {part['p99']:.2f} ms, "
                f"{part['tps']:.0f} tps; unpartitioned p50 {flat_r['p50']:.2f} / p99 {flat_r['p99']:.2f} ms, "
                f"{flat_r['tps']:.0f} tps")
    wl = by_key.get("plain_state")
    if wl and wl.page is not None:
        flat = flatten(wl.sql[0][wl.page])
        report.plans.append((f"unpartitioned copy, page + total, no segment ({wl.org.district_name})",
                             "page + total", flat, explain(flat)))
    if not args.keep_copies:
        psql(DB, f"DROP TABLE IF EXISTS {FLAT['voter_districts']}, {FLAT['voters']}")


# ------------------------------------------------------------------------------------------------ machine

# A fixed, CPU-bound statement: its time says how fast this machine is at the moment, so that runs on
# machines (or shared hosts at moments) of different speed can be compared (the same code has measured
# up to twice as slow from one session's machine to the next).
YARDSTICK_SQL = ("SET jit = off; EXPLAIN (ANALYZE, TIMING OFF) "
                 "SELECT count(*) FROM generate_series(1, 2000000) g WHERE g % 7 = 3")


# The search issue's own yardstick: its millisecond targets hold when this statement takes 650 ms (psql's
# \timing, as the issue measured it) and scale with its time.
ISSUE_YARDSTICK_SQL = "SELECT sum(i) FROM generate_series(1, 3000000) i"
ISSUE_YARDSTICK_MS = 650.0


def issue_yardstick(runs: int = 5) -> float:
    """The median time (ms, psql's \\timing) of ISSUE_YARDSTICK_SQL over `runs` runs."""
    cmd = ["psql", "-h", HOST, "-U", "postgres", "-d", "postgres", "-X", "-c", "\\timing on"]
    for _ in range(runs):
        cmd += ["-c", ISSUE_YARDSTICK_SQL]
    out = run(cmd, env=SESSION_ENV, timeout=120, what="issue yardstick")
    times = sorted(float(t) for t in re.findall(r"Time: ([\d.]+) ms", out))
    if len(times) != runs:
        raise BenchError(f"no timing in the issue yardstick's output:\n{out}")
    return statistics.median(times)


def cpu_yardstick(runs: int = 5) -> float:
    """The median execution time (ms) of YARDSTICK_SQL in PostgreSQL over `runs` runs; lower is faster."""
    times = []
    for _ in range(runs):
        out = psql("postgres", YARDSTICK_SQL, what="CPU yardstick")
        m = re.search(r"Execution Time: ([\d.]+) ms", out)
        if not m:
            raise BenchError(f"no execution time in the yardstick's plan:\n{out}")
        times.append(float(m.group(1)))
    return statistics.median(times)


def machine_info() -> dict:
    def sh(cmd: str) -> str:
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
        except subprocess.TimeoutExpired:
            return "?"
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    dirty = sh(f"git -C {ROOT} status --porcelain --untracked-files=no | head -1")
    return {
        "cpu": sh("lscpu | sed -n 's/^Model name:[ \\t]*//p'") or "?",
        "cores": os.cpu_count(),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "kernel": sh("uname -sr"),
        "postgres": psql("postgres", "SELECT version()"),
        "pg_settings": psql("postgres", "SELECT string_agg(name || '=' || current_setting(name), ', ' "
                            "ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'jit', "
                            "'max_connections', 'effective_cache_size', 'synchronous_commit', 'random_page_cost')"),
        "commit": sh(f"git -C {ROOT} rev-parse --short HEAD") + (" (with uncommitted changes)" if dirty else ""),
        "wrk": sh("wrk -v 2>&1 | head -1"),
        "pgbench": sh("pgbench --version"),
        "rustc": sh("rustc --version"),
        "yardstick_start": cpu_yardstick(),
    }


# ------------------------------------------------------------------------------------------------- report


def fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def size_label(n: int | None) -> str:
    if n is None:
        return ""
    return f"{n / 1e6:.1f}M" if n >= 1_000_000 else f"{n / 1e3:.0f}k"


def write_report(args, report: Report, path: Path) -> None:
    r = report.results
    m = report.machine
    n = report.voters
    L: list[str] = []
    add = L.append
    add("# Benchmarks")
    add("")
    add("Generated by the benchmark harness — do not edit by hand. To reproduce (at 2M voters about 8 minutes "
        "of load runs, plus seeding twice and one import — 12 minutes in all when seed and import meet their "
        "targets):")
    add("")
    add("```sh")
    add("scripts/bench.sh            # --voters N (default 2000000), --reuse to keep the seeded database")
    add("```")
    add("")
    add("It makes sure PostgreSQL runs, builds `target/release/winserve`, installs `wrk` if missing, seeds "
        f"`--voters N` voters with `winserve seed` into the database `{DB}`, times `winserve import voters` of "
        f"the same data into `{IMPORT_DB}` (then drops it) and PostgreSQL's own load of the same file (the "
        "baseline of the load figures; `--loads-only` stops there), starts `winserve serve` on "
        f"{HOST}:{PORT}, creates "
        "one user and campaign per benchmark district (a 100k city, a ~400k county, the statewide district) "
        "through the API, captures the exact statements the server runs for every request path from "
        "PostgreSQL's statement log, runs every workload through HTTP with `wrk` and the captured statements "
        "through `pgbench` at the same concurrency, exports CSVs with `curl`, samples the server's RSS from "
        "`/proc` throughout, compares the partitioned tables with unpartitioned copies, and writes this file. Sources: "
        "`scripts/bench.sh`, `scripts/bench/bench.py`, `scripts/bench/paths.lua`; the generated paths, the "
        "captured statements (`captured/`) and the pgbench scripts stay in `target/bench/`.")
    add("")
    if n != 2_000_000:
        add(f"> **This run used {n:,} voters, not the 2,000,000 of the targets**: district sizes are smaller "
            "than the targets' 100k / 400k / 2M, and seed / import times are not comparable to the targets.")
        add("")
    add("## Machine")
    add("")
    add(f"- CPU: {m.get('cpu')}, {m.get('cores')} cores; memory {m.get('memory')}; kernel {m.get('kernel')}")
    add(f"- {m.get('postgres')}")
    add(f"- PostgreSQL settings: {m.get('pg_settings')}")
    add(f"- git commit {m.get('commit')}; {m.get('rustc')}; {m.get('wrk')}; {m.get('pgbench')}")
    add(f"- run at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; whole run "
        f"{(time.monotonic() - STARTED) / 60:.1f} min; load tools and server share the same 2 cores")
    if "yardstick_start" in m:
        http = m.get("yardstick_http")
        add(f"- CPU yardstick (PostgreSQL counting 2M generated rows, median of 5; lower is faster — compare "
            f"runs by it): {m['yardstick_start']:.0f} ms at the start"
            + (f", {http:.0f} ms before the HTTP runs" if http is not None else ""))
    if "issue_yardstick" in m:
        add(f"- Search issue's yardstick (`{ISSUE_YARDSTICK_SQL}`, psql `\\timing`, median of 5) before the HTTP "
            f"runs: {m['issue_yardstick']:.0f} ms. Its targets (marked “scaled”) hold at "
            f"{ISSUE_YARDSTICK_MS:.0f} ms and are scaled by ×{m['issue_yardstick'] / ISSUE_YARDSTICK_MS:.2f} here")
    add("")
    add("## Dataset")
    add("")
    add(f"`winserve seed --voters {n} --state {STATE} --rng-seed {RNG_SEED}`. Benchmark organizations "
        "(one Win campaign each, created through `POST /v1/campaigns`):")
    add("")
    add("| role | position | district | contacts |")
    add("|---|---|---|---|")
    for role, o in report.orgs.items():
        add(f"| {role} | {o['position']} | {o['district']} | {o['total']:,} |")
    add("")
    add(f"Custom segments per organization: hot columns `{json.dumps(HOT_SEGMENT)}`, other criteria "
        f"`{json.dumps(OTHER_SEGMENT)}`.")
    add("")
    add("## Results against the targets")
    add("")
    add("Latencies in ms, measured by wrk through HTTP (2 threads, 8 connections, "
        f"{args.duration} s after a {args.warmup} s warm-up; 32 connections for `/v1/organizations`). "
        "“SQL” is the handler's statements through pgbench at the same concurrency, captured from "
        "PostgreSQL's statement log: the exact statements and parameters the server ran for that request "
        "(see “API overhead”).")
    add("")
    add("| workload | target | measured (HTTP) | SQL (pgbench) | met? |")
    add("|---|---|---|---|---|")

    scale = report.machine.get("issue_yardstick", ISSUE_YARDSTICK_MS) / ISSUE_YARDSTICK_MS

    def lat_row(key: str, target: str, p50_max: float | None, p99_max: float | None, rps_min: float | None = None,
                scaled: bool = False, sql_ratio: float | None = None):
        x = r.get(key)
        if not x or x.p50 is None:
            return
        if scaled:
            # The search issue's targets scale with its yardstick (this machine's speed at the moment).
            p99_max = p99_max * scale if p99_max is not None else None
            target += f" (scaled: {fmt(p99_max)})"
        # A run in which no request completed (each took longer than the run) reports 0 ms: not a pass.
        ok = x.errors == 0 and x.rps > 0 and x.p50 > 0
        if p50_max is not None:
            ok = ok and x.p50 <= p50_max
        if p99_max is not None:
            ok = ok and x.p99 <= p99_max
        if rps_min is not None:
            ok = ok and x.rps >= rps_min
        meas = f"p50 {fmt(x.p50)}, p99 {fmt(x.p99)}, {x.rps:,.0f} req/s"
        if sql_ratio is not None and x.sql_p99:
            ratio = x.p99 / x.sql_p99
            ok = ok and ratio <= sql_ratio
            meas += f"; p99 ×{ratio:.2f} the statement's"
        if x.errors:
            meas += f", {x.errors} errors"
        sql = f"p50 {fmt(x.sql_p50)}, p99 {fmt(x.sql_p99)}" if x.sql_p50 is not None else "–"
        size = f" [{size_label(x.size)}]" if x.size else ""
        add(f"| {x.label}{size} | {target} | {meas} | {sql} | {verdict(ok)} |")

    for role in ("city", "county", "state"):
        lat_row(f"plain_{role}", "p50 ≤ 3, p99 ≤ 10, ≥ 1,500 req/s", 3, 10, 1500)
    for role in ("city", "county", "state"):
        lat_row(f"hot_{role}", "p50 ≤ 5, p99 ≤ 15", 5, 15)
    lat_row("other_city", "p99 ≤ 40 (at 100k)", None, 40)
    lat_row("other_county", "p99 ≤ 120 (at 400k)", None, 120)
    for role in ("city", "county", "state"):
        lat_row(f"cursor_{role}", "p99 ≤ 5 and ≤ 1.5× its statement's p99", None, 5, scaled=True, sql_ratio=1.5)
    lat_row("page100_state", "p99 ≤ 10", None, 10)
    for role in ("city", "state"):
        # The issue's one-client ratio: HTTP against the statements the whole request runs, in the same run.
        x = r.get(f"single_{role}")
        if x and x.p50 is not None and x.full_sql_p50:
            ratio = x.p50 / x.full_sql_p50
            add(f"| {x.label} [{size_label(x.size)}] | HTTP p50 ≤ 1.3× the request's SQL p50 | "
                f"p50 {fmt(x.p50)}, p99 {fmt(x.p99)}, {x.rps:,.0f} req/s (×{ratio:.2f}) | "
                f"p50 {fmt(x.full_sql_p50)}, p99 {fmt(x.full_sql_p99)} | {verdict(x.errors == 0 and ratio <= 1.3)} |")
    for kind in ("name", "phone", "address"):
        lat_row(f"search_{kind}", "p99 ≤ 10 (100k district)", None, 10, scaled=True)
    lat_row("search_mix_city", "p99 ≤ 10 (100k district)", None, 10, scaled=True)
    lat_row("search_mix_county", "p99 ≤ 25 (400k)", None, 25, scaled=True)
    lat_row("search_mix_state", "p99 ≤ 25 (2M)", None, 25, scaled=True)
    lat_row("search_hot_city", "p99 ≤ 15 (100k)", None, 15, scaled=True)
    lat_row("typing_state", "p99 ≤ 25 (2M, 20 typists)", None, 25, scaled=True)
    for e in report.exports:
        ok = e["rows_per_s"] >= 150_000
        copy = e.get("copy_rows_per_s")
        copy_text = "psql \\copy " + f"{copy:,.0f} rows/s" if copy else "–"
        add(f"| CSV export ({e['district']}) [{size_label(e['rows'])}] | ≥ 150,000 rows/s | "
            f"{e['rows']:,} rows in {e['seconds']:.2f} s = {e['rows_per_s']:,.0f} rows/s ({e['mb']:.0f} MB) | "
            f"{copy_text} | {verdict(ok)} |")
        if copy:
            ratio = e["rows_per_s"] / copy
            add(f"| CSV export ({e['district']}) against `psql \\copy` of the same rows | ≥ 80% | {ratio:.0%} | "
                f"{copy:,.0f} rows/s | {verdict(ratio >= 0.8)} |")
    if len(report.exports) >= 2:
        a, b = report.exports[0], report.exports[1]
        da, db_ = a["rss_peak_mb"] - a["rss_before_mb"], b["rss_peak_mb"] - b["rss_before_mb"]
        flat = db_ <= max(da, 0) + 16
        add(f"| export memory flat in the row count | RSS growth independent of rows | "
            f"+{da:.0f} MB for {a['rows']:,} rows, +{db_:.0f} MB for {b['rows']:,} rows | – | {verdict(flat)} |")
    if report.seed:
        add(f"| `winserve seed --voters {n}` | ≤ 20 s (2M) | {report.seed['seconds']:.1f} s "
            f"({n / report.seed['seconds']:,.0f} voters/s) | – | "
            f"{verdict(report.seed['seconds'] <= 20 * n / 2_000_000)}{' (scaled)' if n != 2_000_000 else ''} |")
    if report.imported:
        s = report.imported["seconds"]
        add(f"| `winserve import voters` ({report.imported['csv_mb']:.0f} MB CSV) | ≤ 30 s (2M) | {s:.1f} s "
            f"({n / s:,.0f} voters/s) | – | {verdict(s <= 30 * n / 2_000_000)}"
            f"{' (scaled)' if n != 2_000_000 else ''} |")
    b = report.baseline
    if b:
        # The load issue's targets: ratios to PostgreSQL alone on the same file in the same run.
        for what, figure, limit in (("`winserve seed` into an empty state", report.seed, 1.5),
                                    ("`winserve import voters` into an empty state", report.imported, 2.0)):
            if figure:
                ratio = figure["seconds"] / b["seconds"]
                add(f"| {what} against PostgreSQL alone | ≤ {limit}× baseline | {figure['seconds']:.1f} s = "
                    f"×{ratio:.2f} | baseline {b['seconds']:.1f} s | {verdict(ratio <= limit)} |")
    rf = report.refresh
    if rf and b:
        ratio = rf["same_seconds"] / b["seconds"]
        add(f"| `import voters --replace` of the same file over the stored state | ≤ 2.5× baseline | "
            f"{rf['same_seconds']:.1f} s = ×{ratio:.2f} | baseline {b['seconds']:.1f} s | {verdict(ratio <= 2.5)} |")
    if rf and report.imported:
        share = rf["seconds"] / report.imported["seconds"]
        e = rf["expected"]
        add(f"| refresh, 4% churn (`--replace`), only changed rows written | ≤ 15% of the full import | "
            f"{rf['seconds']:.1f} s = {share:.1%}; {e['inserted']:,} new, {e['updated']:,} updated, "
            f"{e['removed']:,} removed: {'exact' if rf['exact'] else 'NOT exact'} | full import "
            f"{report.imported['seconds']:.1f} s | {verdict(share <= 0.15 and rf['exact'])} |")
        add(f"| refresh `--dry-run`: the same report, nothing stored | same figures, no change | "
            f"{rf['dry_seconds']:.1f} s; voters {rf['voters_after_dry']:,} after it | – | "
            f"{verdict(rf['exact'])} |")
    for what, figure in (("`winserve seed`", report.seed), ("`winserve import voters`", report.imported),
                         ("`winserve import voters --replace` (refresh)", rf)):
        if figure and figure.get("peak_rss_mb") is not None:
            add(f"| {what}: peak RSS of the CLI process ({n:,} voters) | ≤ 500 MB (at 5M) | "
                f"{figure['peak_rss_mb']:.0f} MB | – | {verdict(figure['peak_rss_mb'] <= 500)} |")
    mem = report.memory
    if mem:
        for what, key in (("`winserve import voters` into an empty state", "import"),
                          ("`winserve import voters --replace` (refresh, 4% churn)", "refresh")):
            peak = mem.get(f"{key}_peak_rss_mb")
            if peak is not None:
                add(f"| {what}: peak RSS of the CLI process ({mem['voters']:,} voters) | ≤ 500 MB | "
                    f"{peak:.0f} MB ({mem[f'{key}_seconds']:.0f} s) | – | {verdict(peak <= 500)} |")
    lat_row("orgs", "≥ 5,000 req/s with 32 connections", None, None, 5000)
    over = [(k, x) for k, x in r.items() if k.startswith("plain_") and x.p50 is not None and x.sql_p50 is not None]
    for k, x in over:
        d = x.p50 - x.sql_p50
        add(f"| API overhead, {x.label} | HTTP p50 − SQL p50 ≤ 0.5 | {x.p50:.2f} − {x.sql_p50:.2f} = {d:.2f} ms "
            f"(×{x.p50 / x.sql_p50:.2f}) | – | {verdict(d <= 0.5)} |")
    if report.rss_peak_mb is not None:
        add(f"| server memory under load | ≤ 150 MB RSS | peak {report.rss_peak_mb:.0f} MB (idle "
            f"{fmt(report.rss_idle_mb, 0)} MB) | – | {verdict(report.rss_peak_mb <= 150)} |")
    add("")
    add("Seed and import targets are stated for 2M voters; at another N the check scales them linearly "
        "(marked “scaled”).")
    add("")
    add("For every target marked **no**, `docs/performance-status.md` (written by hand after each run) gives "
        "the measured gap, its cause, and what to try next.")
    add("")

    if report.baseline:
        b = report.baseline
        add("## Voter file loads against PostgreSQL alone")
        add("")
        add(f"The same `voters.csv` ({b['voters']:,} voters) loaded by PostgreSQL alone, in this run: `psql \\copy` "
            "into an ordinary (logged) table without indexes, the membership rows derived in SQL (one per "
            f"non-empty district cell plus the statewide district: {b['memberships']:,} rows, as many as the "
            "import stores), then the indexes the state's partitions have, with the import's "
            "`maintenance_work_mem` (1 GB). The search index is the trigram GIN over the names and address; "
            "the real one also carries the voter's district ids. Source: `load_baseline` in `scripts/bench/bench.py`. "
            "Every timed load here and below (seed, import, replace, dry run, refresh, the baseline) starts from a "
            "quiet machine: a `CHECKPOINT` and a `sync` right before it (`settle`, not timed), so that no load "
            "shares the disk with the writeback of the one before.")
        add("")
        add("| step | seconds |")
        add("|---|---|")
        for name, secs in b["steps"]:
            add(f"| {name} | {secs:.1f} |")
        add(f"| **PostgreSQL alone** | **{b['seconds']:.1f}** |")
        for what, figure in (("`winserve seed`", report.seed), ("`winserve import voters`", report.imported)):
            if figure:
                add(f"| {what} (×{figure['seconds'] / b['seconds']:.2f}) | {figure['seconds']:.1f} |")
        add("")

    if report.refresh:
        rf = report.refresh
        e, f = rf["expected"], rf["figures"]
        add("## Monthly refresh")
        add("")
        add(f"Into the state `import voters` just loaded ({rf['voters_before']:,} voters): first the same file "
            "again with `--replace` (nothing differs, so nothing is written), then next month's file written by "
            f"`scripts/bench/churn.py` — {e['updated']:,} voters changed ({', '.join(f'{v:,} {k}' for k, v in e['kinds'].items())}), "
            f"{e['inserted']:,} new, {e['removed']:,} gone — as a `--dry-run`, then for real.")
        add("")
        add("| step | seconds | new | updated | unchanged | removed | memberships changed |")
        add("|---|---|---|---|---|---|---|")
        for name, secs, x in (("same file, `--replace`", rf["same_seconds"], rf["same"]),
                              ("next month, `--replace --dry-run`", rf["dry_seconds"], rf["dry"]),
                              ("next month, `--replace`", rf["seconds"], f)):
            add(f"| {name} | {secs:.1f} | {x['inserted']:,} | {x['updated']:,} | {x['unchanged']:,} | "
                f"{x['removed']:,} | {x['memberships']:,} |")
        add(f"| expected from the churn | | {e['inserted']:,} | {e['updated']:,} | {e['unchanged']:,} | "
            f"{e['removed']:,} | |")
        add("")
        if rf["phases"]:
            add("Phases of the refresh (ms): " + ", ".join(f"{k} {v:,}" for k, v in rf["phases"]) + ".")
            add("")

    if report.load_reads:
        lr = report.load_reads
        idle, during = lr["idle"], lr["during"]
        ratio = during["p99"] / idle["p99"] if idle["p99"] else float("inf")
        fresh = lr["total_after"] == lr["total_before"]
        add("## Reads during a load")
        add("")
        add(f"Page + total of {lr['district']} (2 connections, wrk, each waiting {READ_DELAY_MS} ms between "
            f"requests: paced readers, not back-to-back ones) on an idle server, then while `winserve import "
            f"voters` loads the same {n:,} voters into another state ({lr['state']}, {lr['load_s']:.0f} s, both "
            "cores), then the state is emptied again. Target: p99 during the load ≤ 3× idle, no error, the "
            "right total after the commit.")
        add("")
        add("| | p50 (ms) | p99 (ms) | max (ms) | req/s | errors |")
        add("|---|---|---|---|---|---|")
        for name, x in (("idle", idle), ("during the load", during)):
            add(f"| {name} | {fmt(x['p50'])} | {fmt(x['p99'])} | {fmt(x.get('max'))} | {x['rps']:,.0f} | "
                f"{x['errors']} |")
        add("")
        add(f"p99 during the load ×{ratio:.2f} idle: {verdict(ratio <= 3 and during['errors'] == 0)}; total "
            f"after the commit {lr['total_after']} (before {lr['total_before']}): {verdict(fresh)}.")
        add("")

    if report.refresh_reads:
        rr = report.refresh_reads
        idle, during = rr["idle"], rr["during"]
        ratio = during["p99"] / idle["p99"] if idle["p99"] else float("inf")
        add("## Reads during a refresh of the same state")
        add("")
        add(f"The same page + total of {rr['district']} while next month's file refreshes {STATE} itself "
            f"(`import voters --replace`, {rr['load_s']:.0f} s); the total the API gives right after the commit "
            "is compared with a count in SQL. The state's file is imported again afterwards.")
        add("")
        add("| | p50 (ms) | p99 (ms) | max (ms) | req/s | errors |")
        add("|---|---|---|---|---|---|")
        for name, x in (("idle", idle), ("during the refresh", during)):
            add(f"| {name} | {fmt(x['p50'])} | {fmt(x['p99'])} | {fmt(x.get('max'))} | {x['rps']:,.0f} | "
                f"{x['errors']} |")
        add("")
        add(f"p99 during the refresh ×{ratio:.2f} idle: {verdict(ratio <= 3 and during['errors'] == 0)}; total "
            f"after the commit {rr['total_after']} (SQL {rr['sql_total']}, before {rr['total_before']}): "
            f"{verdict(rr['total_after'] == rr['sql_total'])}.")
        add("")

    if report.first_requests:
        add("## First request after a data change")
        add("")
        add("First request after a change of the state's voter data (an import bumps its data version), "
            "single client, 5 times each: the server counts the total — summed from the facets, or live over "
            "the district's memberships for criteria outside the hot columns — and remembers it; a deep page "
            "by number walks the index to its offset, then walks again to leave its page anchor; the next "
            "request reuses both (ADR 0016, ADR 0018). The load runs above measure the steady state.")
        add("")
        add("| workload | first request median / max (ms) | next request median (ms) |")
        add("|---|---|---|")
        for f in report.first_requests:
            size = f" [{size_label(f['size'])}]" if f["size"] else ""
            add(f"| {f['label']}{size} | {statistics.median(f['cold']):.2f} / {max(f['cold']):.2f} | "
                f"{statistics.median(f['warm']):.2f} |")
        add("")

    add("## API overhead")
    add("")
    add(f"HTTP p50 (wrk) against the p50 of the server's own SQL through pgbench (`-M {PGBENCH_MODE}`, 8 clients, "
        f"2 threads, session settings of the server's pool: `PGOPTIONS='{SERVER_SESSION}'`"
        + ("; like the server's statement cache, each connection parses a statement once and binds its "
           "parameters at every execution, so PostgreSQL plans it as it plans the server's (the contacts statements "
           "name the state's partitions and reuse a generic plan, ADR 0015)"
           if PGBENCH_MODE == "prepared" else "; every statement is parsed and planned at every execution, "
           "with its parameters as literals, which the server's statement cache avoids") + "). The statements are "
        "captured from PostgreSQL's statement log (`log_min_duration_statement = 0` while the harness sends "
        "each request path once): the exact statements and parameters the server ran for that request; "
        "every captured statement is run once through psql (parameters as literals), and the page "
        "statement must give the server's total and first contact. “handler” is what the handler ran (for "
        "contacts the one page + total statement, after the segment lookup when a custom segment is "
        "used; for `/v1/organizations` the listing); “full request” adds what ran before it: for contacts the "
        "one statement that finds the user and the organization together (`find_by_slug_for_claims`), for "
        "`/v1/organizations` the user lookup (`upsert_from_claims`).")
    add("")
    add("| workload | HTTP p50 / p99 | SQL handler p50 / p99 | overhead (ratio) | SQL full request p50 / p99 "
        "| overhead vs full (ratio) |")
    add("|---|---|---|---|---|---|")
    for k, x in r.items():
        if x.p50 is None or x.sql_p50 is None:
            continue
        full = "–"
        if x.full_sql_p50 is not None:
            full = (f"{fmt(x.full_sql_p50)} / {fmt(x.full_sql_p99)} | {x.p50 - x.full_sql_p50:+.2f} ms "
                    f"(×{x.p50 / x.full_sql_p50:.2f})")
        else:
            full += " | –"
        add(f"| {x.label} | {fmt(x.p50)} / {fmt(x.p99)} | {fmt(x.sql_p50)} / {fmt(x.sql_p99)} | "
            f"{x.p50 - x.sql_p50:+.2f} ms (×{x.p50 / x.sql_p50:.2f}) | {full} |")
    add("")

    if report.diagnostics:
        add("Where the time of `GET /v1/organizations` goes (pgbench, 32 clients, the captured statements): "
            "every authenticated request first looks its user up (`upsert_from_claims`), then runs the "
            "handler's query.")
        add("")
        add("| statements | p50 / p99 (ms) | tps |")
        add("|---|---|---|")
        for label, d in report.diagnostics:
            add(f"| {label} | {d['p50']:.2f} / {d['p99']:.2f} | {d['tps']:,.0f} |")
        add("")

    add("## Server memory")
    add("")
    add(f"RSS of `winserve serve` sampled every 50 ms from `/proc/PID/status`: idle after start "
        f"{fmt(report.rss_idle_mb, 0)} MB, peak over the whole run {fmt(report.rss_peak_mb, 0)} MB.")
    add("")
    add("| run | peak RSS (MB) |")
    add("|---|---|")
    for k, x in r.items():
        if x.rss_max_mb is not None:
            add(f"| {x.label} | {x.rss_max_mb:.0f} |")
    for e in report.exports:
        add(f"| CSV export {e['district']} ({e['rows']:,} rows) | {e['rss_before_mb']:.0f} before, "
            f"{e['rss_peak_mb']:.0f} peak |")
    add("")

    if report.partitioning:
        add("## Partitioning by state")
        add("")
        add("`voters` and `voter_districts` are LIST-partitioned by state. The captured page + total statement "
            f"of each workload ran through pgbench (8 clients, {args.part_duration} s each) on the partitioned "
            f"tables (the server names the state's partitions, `voters_wy` / `voter_districts_wy`, ADR 0015), and "
            f"the same statement with those replaced by unpartitioned copies "
            f"of the {STATE} partitions (`CREATE TABLE … (LIKE …)`, the same primary keys and indexes of "
            "`voter_districts` as the catalog defines them, VACUUM ANALYZE; copying took "
            f"{fmt(report.partition_copy_s, 0)} s).")
        add("")
        add("| district | filter | partitioned p50 / p99 (ms), tps | unpartitioned p50 / p99 (ms), tps | "
            "p50 difference |")
        add("|---|---|---|---|---|")
        for p in report.partitioning:
            a, b = p["part"], p["flat"]
            add(f"| {p['district']} [{size_label(p['size'])}] | {p['kind']} | {a['p50']:.2f} / {a['p99']:.2f}, "
                f"{a['tps']:,.0f} | {b['p50']:.2f} / {b['p99']:.2f}, {b['tps']:,.0f} | "
                f"{a['p50'] - b['p50']:+.2f} ms |")
        add("")

    add("## Query plans")
    add("")
    add("`EXPLAIN (ANALYZE, BUFFERS)` (warm cache) of the page + total statement the server ran, captured "
        "from PostgreSQL's statement log: the exact statement and parameters of the workload's first request "
        "path, parameters written in as literals. Run through psql, each gives the server's answer (same total "
        "and first contact for every workload: "
        + ("all checks passed" if report.checks and all(c[1] for c in report.checks) else "see the notes")
        + ").")
    add("")
    for label, kind, sql, plan in report.plans:
        add(f"### {label} — {kind}")
        add("")
        add("```sql")
        add(sql)
        add("```")
        add("")
        add("```")
        add(plan)
        add("```")
        add("")

    add("## Commands")
    add("")
    add("```sh")
    for c in report.commands:
        add(c)
    add("```")
    add("")
    for title, d in (("winserve seed", report.seed), ("winserve import voters", report.imported)):
        if not d:
            continue
        add(f"`{title}` printed:")
        add("")
        add("```")
        add("\n".join(d["output"][-4:]))
        add("```")
        add("")
        if d.get("phases"):
            add(f"Phases of the load (`RUST_LOG=winserve_adapters_postgres=debug`), total {d['seconds']:.1f} s:")
            add("")
            add("| phase | ms |")
            add("|---|---|")
            for name, ms in d["phases"]:
                add(f"| {name} | {ms:,} |")
            add("")
    add("## Notes")
    add("")
    notes = list(report.notes)
    notes.append("The load generator (wrk, pgbench) and the server run on the same 2 cores, so throughput "
                 "figures are lower bounds for a dedicated server; latencies are closed-loop (wrk) per request.")
    notes.append("“Warm cache”: every HTTP run is preceded by a warm-up run of the same requests; the dataset "
                 "was just written and vacuumed, so it sits in the OS page cache.")
    notes.append("The server runs with its default settings (pool of 16 connections) and `RUST_LOG=info`.")
    for note in notes:
        add(f"- {note}")
    add("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L))
    log(f"wrote {path}")


# ---------------------------------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--voters", type=int, default=None, help="voters to seed (default 2000000)")
    p.add_argument("--quick", action="store_true",
                   help="a CI-scale run: 200,000 voters, 3 s per run, 5 cursors, report in "
                        "target/bench/benchmarks-quick.md (explicit options still win)")
    p.add_argument("--reuse", action="store_true", help=f"keep an already seeded {DB} (no seed/import timing)")
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk / pgbench run (default 10)")
    p.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each wrk run (default 2)")
    p.add_argument("--part-duration", type=int, default=None, help="seconds per partitioning run (default: --duration)")
    p.add_argument("--cursors", type=int, default=20, help="cursors / search terms per workload (default 20)")
    p.add_argument("--skip-import", action="store_true", help="do not time `import voters`")
    p.add_argument("--memory-voters", type=int, default=None,
                   help="voters of the file whose import and refresh give the CLI's peak RSS (default 5000000, "
                        "0 skips; --quick: 0)")
    p.add_argument("--skip-load-reads", action="store_true",
                   help="skip the contacts reads during a load of another state (they need the import's file)")
    p.add_argument("--loads-only", action="store_true",
                   help="time seed, import and PostgreSQL's own load of the same file, then write the report")
    p.add_argument("--skip-partitioning", action="store_true", help="skip the partitioned vs unpartitioned runs")
    p.add_argument("--pgbench-mode", choices=("prepared", "extended"), default=PGBENCH_MODE,
                   help="pgbench's -M protocol (default prepared: parse and plan once per connection, like the "
                        "server's statement cache)")
    p.add_argument("--only", help="comma-separated workload keys or groups (plain, hot, other, cursor, page100, "
                                  "search, orgs)")
    p.add_argument("--keep-csv", action="store_true", help="keep target/bench/csv/voters.csv")
    p.add_argument("--load-reads-only", action="store_true",
                   help="with --reuse and a kept CSV: only the reads during a load of another state and during "
                        "a refresh of the read state")
    p.add_argument("--keep-copies", action="store_true", help="keep the unpartitioned copies")
    p.add_argument("--out", default=None, help="the report (docs/benchmarks.md)")
    a = p.parse_args()
    given = {arg.split("=")[0] for arg in sys.argv[1:]}
    if a.quick:
        # Ratios to the same run's baseline keep their meaning at any size; absolute figures do not.
        for option, value in (("--duration", 3), ("--warmup", 1), ("--cursors", 5)):
            if option not in given:
                setattr(a, option[2:], value)
    if a.voters is None:
        a.voters = 200_000 if a.quick else 2_000_000
    if a.memory_voters is None:
        a.memory_voters = 0 if a.quick or a.skip_import else 5_000_000
    if a.out is None:
        a.out = str(WORK / "benchmarks-quick.md") if a.quick else str(ROOT / "docs" / "benchmarks.md")
    if a.part_duration is None:
        a.part_duration = a.duration
    if a.voters < 1000:
        p.error("--voters must be at least 1000")
    return a


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    global PGBENCH_MODE
    args = parse_args()
    PGBENCH_MODE = args.pgbench_mode
    # A TERM unwinds like Ctrl-C: the server is stopped and the statement log setting restored.
    signal.signal(signal.SIGTERM, interrupted)
    if not BIN.exists():
        raise BenchError(f"{BIN} is missing: run `cargo build --release --bin winserve` (scripts/bench.sh does)")
    help_text = run([BIN, "--help"], timeout=30, what="winserve --help")
    if "seed" not in help_text:
        raise BenchError("this winserve has no `seed` command")
    for tool in ("wrk", "pgbench", "psql", "curl"):
        if not shutil.which(tool):
            raise BenchError(f"{tool} is not installed (scripts/bench.sh installs wrk)")
    WORK.mkdir(parents=True, exist_ok=True)
    report = Report(voters=args.voters, args=args)
    report.machine = machine_info()

    seed_database(args, report)
    import_figure(args, report)
    memory_figures(args, report)
    if args.loads_only:
        if not args.keep_csv:
            shutil.rmtree(WORK / "csv", ignore_errors=True)
        write_report(args, report, Path(args.out))
        return 0
    vacuum_analyze(report)

    server = Server(DB)
    sampler = None
    try:
        log(f"starting winserve serve on {HOST}:{PORT}")
        server.start()
        sampler = RssSampler(server.proc.pid)
        time.sleep(0.5)
        report.rss_idle_mb = sampler.rss_mb()
        orgs = setup_orgs(args, report)
        if args.load_reads_only:
            csv_path = WORK / "csv" / "voters.csv"
            if not csv_path.exists():
                raise BenchError(f"--load-reads-only needs {csv_path} (a run with --keep-csv leaves it)")
            log(f"reads during a load of {LOAD_STATE}")
            reads_during_load(args, orgs, csv_path, report)
            write_report(args, report, Path(args.out))
            return 0
        workloads, captured = build_workloads(args, orgs)
        wait_for_search_indexes(captured)
        capture_sql(captured)
        check_sql(captured, report)
        if not args.only or "export" in args.only:
            log("CSV exports")
            run_exports(orgs, sampler, report)
        report.machine["yardstick_http"] = cpu_yardstick()
        report.machine["issue_yardstick"] = issue_yardstick()
        load = os.getloadavg()[0]
        report.notes.append(f"Load average (1 min) when the HTTP runs started: {load:.2f} on {os.cpu_count()} cores"
                            + (" — other processes were competing for the CPU, figures are pessimistic."
                               if load > 1.5 * (os.cpu_count() or 1) else "."))
        if load > 1.5 * (os.cpu_count() or 1):
            log(f"WARNING: load average {load:.1f}: other processes compete for the CPU")
        log(f"HTTP workloads ({len(workloads)} × {args.duration} s)")
        run_http(args, workloads, sampler, report)
        report.rss_peak_mb = sampler.overall
        log("first requests after a data change")
        first_requests(workloads, report)
        log("the captured SQL through pgbench")
        run_sql(args, workloads, report)
        explain_plans(workloads, report)
        if not args.skip_partitioning:
            partition_comparison(args, captured, report)
        csv_path = WORK / "csv" / "voters.csv"
        if csv_path.exists() and not args.skip_load_reads and not args.only:
            log(f"reads during a load of {LOAD_STATE}")
            reads_during_load(args, orgs, csv_path, report)
    finally:
        if sampler:
            sampler.close()
        server.stop()
        if not args.keep_csv:
            shutil.rmtree(WORK / "csv", ignore_errors=True)
    write_report(args, report, Path(args.out))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
