//! Faults: the real `winserve` binary against a private PostgreSQL cluster that each test starts on a
//! port of its own (never the shared server), restarted, killed and signalled on purpose.
//!
//! - `postgres_restart_under_load_answers_503_never_500`: `pg_ctl restart -m fast` under four clients;
//! - `readiness_follows_the_database`: `/v1/health/ready` while the database is down and back;
//! - `kill_9_during_a_win_never_half_applies_it`: `kill -9` of the server during `POST …/result`;
//! - `kill_9_during_a_voter_import_keeps_the_previous_data`: `kill -9` of `winserve import voters`;
//! - `sigterm_drains_in_flight_requests_and_refuses_new_ones`: SIGTERM with requests in flight.
//!
//! Figures (failures by status, recovery time) are printed with `eprintln!` for `docs/reliability.md`:
//! `cargo test -p winserve --test faults -- --nocapture`.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use winserve::local_pg::{PrivateCluster, find_server_binaries};

const SECRET: &str = "faults-test-secret";
const BINARY: &str = env!("CARGO_BIN_EXE_winserve");

/// A port nothing listens on right now (the kernel's choice).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private cluster in a temporary directory, stopped and removed on drop.
struct Cluster {
    pg: Option<PrivateCluster>,
    root: PathBuf,
    port: u16,
}

impl Cluster {
    fn start() -> Self {
        let root = std::env::temp_dir().join(format!(
            "winserve-faults-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&root).unwrap();
        let port = free_port();
        let pg = PrivateCluster::start_on(&root.join("pg"), port)
            .unwrap_or_else(|e| panic!("cannot start a private PostgreSQL: {e}"));
        Self {
            pg: Some(pg),
            root,
            port,
        }
    }

    fn pg(&self) -> &PrivateCluster {
        self.pg.as_ref().unwrap()
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the cluster (fast shutdown); [`Cluster::resume`] starts it again with the same data.
    fn pause(&mut self) {
        if let Some(pg) = self.pg.take() {
            pg.stop();
        }
    }

    fn resume(&mut self) {
        self.pg = Some(PrivateCluster::start_on(&self.root.join("pg"), self.port).unwrap());
    }

    /// `SELECT` one value with `psql` (the server binaries' own client).
    fn query(&self, database: &str, sql: &str) -> String {
        let psql = find_server_binaries().unwrap().join("psql");
        let out = Command::new(psql)
            .args(["-X", "-A", "-t", "-h", "127.0.0.1", "-U", "postgres"])
            .args(["-p", &self.port.to_string(), "-d", database, "-c", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(pg) = self.pg.take() {
            pg.stop();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// `winserve <args>` against `database_url`, with the test's token secret.
fn winserve(database_url: &str) -> Command {
    let mut cmd = Command::new(BINARY);
    cmd.env("DATABASE_URL", database_url)
        .env("WINSERVE_JWT_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .env_remove("WINSERVE_JWKS_URL")
        .env_remove("WINSERVE_JWKS_FILE")
        .env_remove("WINSERVE_JWT_ISSUER")
        .env_remove("WINSERVE_METRICS_BIND");
    cmd
}

/// Runs `winserve <args>` to completion and returns its stdout; panics with its output on failure.
fn run(database_url: &str, args: &[&str]) -> String {
    let out = winserve(database_url).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "winserve {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn token(sub: &str) -> String {
    run("postgres://unused", &["token", "--sub", sub])
        .trim()
        .to_owned()
}

/// A running `winserve serve`, killed on drop.
struct Server {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Server {
    fn start(cluster: &Cluster, env: &[(&str, &str)]) -> Self {
        let addr = format!("127.0.0.1:{}", free_port());
        let log = cluster.path(&format!("server-{}.log", uuid::Uuid::new_v4().simple()));
        let file = std::fs::File::create(&log).unwrap();
        let child = winserve(&cluster.url("winserve"))
            .arg("serve")
            .env("WINSERVE_BIND", &addr)
            .env("WINSERVE_RATE_LIMIT", "0")
            .envs(env.iter().copied())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let mut server = Self { child, addr, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = get(&server.addr, "/v1/health/live", None, None)
                && r.status == 200
            {
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("winserve exited ({status}): {}", server.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "winserve did not start: {}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `kill -9`.
    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// An HTTP response.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request on a connection of its own (`Connection: close`).
fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    slug: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(40)))?;
    send_head(&mut stream, method, path, token, slug, body)?;
    read_response(&mut stream)
}

fn get(
    addr: &str,
    path: &str,
    token: Option<&str>,
    slug: Option<&str>,
) -> std::io::Result<Response> {
    request(addr, "GET", path, token, slug, None)
}

fn send_head(
    stream: &mut TcpStream,
    method: &str,
    path: &str,
    token: Option<&str>,
    slug: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<()> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(s) = slug {
        head.push_str(&format!("X-Organization-Slug: {s}\r\n"));
    }
    let body = body.unwrap_or("");
    if method != "GET" {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    head.push_str(body);
    stream.write_all(head.as_bytes())
}

fn read_response(stream: &mut TcpStream) -> std::io::Result<Response> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let mut raw = Vec::new();
    reader.read_to_end(&mut raw)?;
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(&raw)? } else { raw };
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Decodes a chunked body; a body cut short (no last chunk) is an error.
fn dechunk(mut raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let cut = || std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
    let mut body = Vec::new();
    loop {
        let end = raw.windows(2).position(|w| w == b"\r\n").ok_or_else(cut)?;
        let size = std::str::from_utf8(&raw[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .ok_or_else(|| std::io::Error::other("bad chunk size"))?;
        raw = &raw[end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if raw.len() < size + 2 {
            return Err(cut());
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// A user with a Win organization for a seeded position (with a district, so contacts exist).
struct World {
    token: String,
    campaign: String,
    slug: String,
}

/// Seeds `voters` WY voters (districts and positions too) into the cluster's `winserve` database.
fn seed(cluster: &Cluster, voters: u32) {
    run(
        &cluster.url("winserve"),
        &["seed", "--voters", &voters.to_string(), "--state", "WY"],
    );
}

fn ok(r: std::io::Result<Response>, what: &str) -> Value {
    let r = r.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        (200..300).contains(&r.status),
        "{what}: {} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

/// A position of the seed whose district has voters.
fn position_id(server: &Server, token: &str) -> String {
    let positions = ok(
        get(
            &server.addr,
            "/v1/positions?state=WY&per_page=100",
            Some(token),
            None,
        ),
        "positions",
    );
    let districts = ok(
        get(
            &server.addr,
            "/v1/districts?state=WY&per_page=100",
            Some(token),
            None,
        ),
        "districts",
    );
    let populated = |district: &Value| {
        districts["districts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == district["id"] && d["voter_count"].as_u64().unwrap_or(0) > 0)
    };
    positions["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| !p["district"].is_null() && populated(&p["district"]))
        .or_else(|| positions["positions"].as_array().unwrap().first())
        .expect("the seed made positions")["ballotready_position_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Creates the user `sub` and a draft campaign (with its Win organization) through the API.
fn world(server: &Server, sub: &str) -> World {
    let token = token(sub);
    ok(
        get(&server.addr, "/v1/me", Some(&token), None),
        "GET /v1/me",
    );
    let position = position_id(server, &token);
    let body =
        format!(r#"{{"ballotready_position_id":"{position}","election_date":"2026-11-03"}}"#);
    let created = ok(
        request(
            &server.addr,
            "POST",
            "/v1/campaigns",
            Some(&token),
            None,
            Some(&body),
        ),
        "POST /v1/campaigns",
    );
    World {
        token,
        campaign: created["campaign"]["id"].as_str().unwrap().to_owned(),
        slug: created["organization"]["slug"].as_str().unwrap().to_owned(),
    }
}

/// What one client request of the load saw.
#[derive(Debug, Clone)]
struct Outcome {
    started: Instant,
    finished: Instant,
    /// The HTTP status, or 0 when the connection failed.
    status: u16,
    retry_after: bool,
    code: Option<String>,
    path: &'static str,
}

#[test]
fn postgres_restart_under_load_answers_503_never_500() {
    let cluster = Cluster::start();
    seed(&cluster, 5_000);
    let server = Server::start(&cluster, &[]);
    let world = world(&server, "faults-restart");
    let outcomes = Arc::new(Mutex::new(Vec::<Outcome>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    // A search counts live: a statement long enough to be running when the backends are terminated.
    let paths: [&'static str; 4] = [
        "/v1/me",
        "/v1/organizations",
        "/v1/contacts?per_page=20",
        "/v1/contacts?per_page=20&search=an",
    ];
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (addr, token, slug) =
                (server.addr.clone(), world.token.clone(), world.slug.clone());
            let (outcomes, stop) = (outcomes.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = c;
                while !stop.load(Ordering::Relaxed) {
                    let path = paths[i % paths.len()];
                    i += 1;
                    let started = Instant::now();
                    let r = get(&addr, path, Some(&token), Some(&slug));
                    let outcome = match r {
                        Ok(r) => Outcome {
                            started,
                            finished: Instant::now(),
                            status: r.status,
                            retry_after: r.header("retry-after").is_some(),
                            code: r.json()["code"].as_str().map(str::to_owned),
                            path,
                        },
                        Err(_) => Outcome {
                            started,
                            finished: Instant::now(),
                            status: 0,
                            retry_after: false,
                            code: None,
                            path,
                        },
                    };
                    let outcome_failed = outcome.status != 200;
                    outcomes.lock().unwrap().push(outcome);
                    if outcome_failed {
                        // While the database is down, answers come at once: don't spin.
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let restart_started = Instant::now();
    cluster.pg().restart().unwrap();
    let restart_took = restart_started.elapsed();
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let outcomes = outcomes.lock().unwrap().clone();

    let mut by_status = BTreeMap::<u16, usize>::new();
    for o in &outcomes {
        *by_status.entry(o.status).or_default() += 1;
    }
    let failures: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !(200..300).contains(&o.status))
        .collect();
    let last_failure = failures.iter().map(|o| o.finished).max();
    // Recovered: the first success of a request that started after the last failure ended (or, with no
    // failure at all, the first success after the restart began).
    let since = last_failure.unwrap_or(restart_started).max(restart_started);
    let recovered = outcomes
        .iter()
        .filter(|o| (200..300).contains(&o.status) && o.started >= since)
        .map(|o| o.finished)
        .min();
    eprintln!(
        "faults: postgres restart (pg_ctl restart -m fast, {:.2} s) under 4 clients: {} requests, \
         by status {by_status:?}; recovery (restart start → first success after the last failure): {}",
        restart_took.as_secs_f64(),
        outcomes.len(),
        recovered.map_or("never".to_owned(), |t| format!(
            "{:.2} s",
            (t - restart_started).as_secs_f64()
        )),
    );
    for o in &failures {
        assert_eq!(
            o.status, 503,
            "{} answered {} during the restart (code {:?})",
            o.path, o.status, o.code
        );
        assert!(o.retry_after, "a 503 without Retry-After: {o:?}");
        assert_eq!(o.code.as_deref(), Some("unavailable"), "{o:?}");
    }
    assert!(recovered.is_some(), "no success after the restart");
    // Without restarting winserve, everything answers again.
    for path in paths {
        ok(
            get(&server.addr, path, Some(&world.token), Some(&world.slug)),
            path,
        );
    }
    ok(get(&server.addr, "/v1/health/ready", None, None), "ready");
}

#[test]
fn readiness_follows_the_database() {
    let mut cluster = Cluster::start();
    seed(&cluster, 20);
    let server = Server::start(&cluster, &[]);
    let world = world(&server, "faults-ready");
    ok(get(&server.addr, "/v1/health/ready", None, None), "ready");
    cluster.pause();
    let started = Instant::now();
    let r = get(&server.addr, "/v1/health/ready", None, None).unwrap();
    assert_eq!(r.status, 503, "ready while the database is down");
    assert!(r.header("retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "readiness took {:?}",
        started.elapsed()
    );
    let r = get(&server.addr, "/v1/me", Some(&world.token), None).unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["code"], "unavailable");
    // Still down on a second look: nothing is cached.
    assert_eq!(
        get(&server.addr, "/v1/health/ready", None, None)
            .unwrap()
            .status,
        503
    );
    cluster.resume();
    let back = Instant::now();
    loop {
        let r = get(&server.addr, "/v1/health/ready", None, None).unwrap();
        if r.status == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "not ready 10 s after the database came back"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "faults: readiness back {:.2} s after the database",
        back.elapsed().as_secs_f64()
    );
    ok(get(&server.addr, "/v1/me", Some(&world.token), None), "me");
}

/// The Serve organizations and elected offices of the caller, and the campaign's status.
fn win_state(server: &Server, world: &World) -> (String, usize, usize) {
    let campaign = ok(
        get(
            &server.addr,
            &format!("/v1/campaigns/{}", world.campaign),
            Some(&world.token),
            None,
        ),
        "campaign",
    );
    let status = campaign["status"]
        .as_str()
        .or_else(|| campaign["campaign"]["status"].as_str())
        .unwrap()
        .to_owned();
    let offices = ok(
        get(
            &server.addr,
            "/v1/elected-offices",
            Some(&world.token),
            None,
        ),
        "offices",
    )["elected_offices"]
        .as_array()
        .unwrap()
        .len();
    let serve_orgs = ok(
        get(&server.addr, "/v1/organizations", Some(&world.token), None),
        "organizations",
    )["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["mode"] == "serve")
        .count();
    (status, offices, serve_orgs)
}

#[test]
fn kill_9_during_a_win_never_half_applies_it() {
    let cluster = Cluster::start();
    seed(&cluster, 20);
    let mut outcomes = Vec::new();
    let mut server = Server::start(&cluster, &[]);
    // From before the request arrives to after it committed (a debug build answers in about 5 ms).
    for (i, delay_ms) in [0u64, 2, 3, 4, 5, 6, 7, 9, 50].into_iter().enumerate() {
        let world = world(&server, &format!("faults-kill-win-{i}"));
        let path = format!("/v1/campaigns/{}/result", world.campaign);
        ok(
            request(
                &server.addr,
                "POST",
                &format!("/v1/campaigns/{}/launch", world.campaign),
                Some(&world.token),
                None,
                Some(""),
            ),
            "launch",
        );
        let in_flight = {
            let (addr, token, path) = (server.addr.clone(), world.token.clone(), path.clone());
            std::thread::spawn(move || {
                request(
                    &addr,
                    "POST",
                    &path,
                    Some(&token),
                    None,
                    Some(r#"{"outcome":"won"}"#),
                )
                .map(|r| r.status)
                .ok()
            })
        };
        std::thread::sleep(Duration::from_millis(delay_ms));
        server.kill9();
        let answered = in_flight.join().unwrap();
        drop(server);

        server = Server::start(&cluster, &[]);
        let (status, offices, serve_orgs) = win_state(&server, &world);
        match status.as_str() {
            "active" => assert_eq!((offices, serve_orgs), (0, 0), "half-applied win"),
            "won" => assert_eq!((offices, serve_orgs), (1, 1), "half-applied win"),
            other => panic!("campaign {other} after the kill"),
        }
        outcomes.push(format!("{delay_ms} ms: {status} (client saw {answered:?})"));
        // The retry succeeds.
        let retry = request(
            &server.addr,
            "POST",
            &path,
            Some(&world.token),
            None,
            Some(r#"{"outcome":"won"}"#),
        )
        .unwrap();
        if status == "active" {
            assert_eq!(
                retry.status,
                200,
                "{}",
                String::from_utf8_lossy(&retry.body)
            );
        } else {
            // Already won: the retry answers the recorded result (or says it is recorded) and adds
            // nothing.
            assert!(
                retry.status == 200
                    || (retry.status == 409 && retry.json()["code"] == "result_already_recorded"),
                "retry of a recorded win: {} {}",
                retry.status,
                String::from_utf8_lossy(&retry.body)
            );
        }
        assert_eq!(
            win_state(&server, &world),
            ("won".to_owned(), 1, 1),
            "after the retry"
        );
    }
    eprintln!(
        "faults: kill -9 during POST …/result: {}",
        outcomes.join("; ")
    );
}

#[test]
fn kill_9_during_a_voter_import_keeps_the_previous_data() {
    const VOTERS: usize = 40_000;
    const FIRST: usize = 1_000;
    let cluster = Cluster::start();
    // The file: a seed written out from a database of its own.
    let dir = cluster.path("seed");
    run(
        &cluster.url("seedsrc"),
        &[
            "seed",
            "--voters",
            &VOTERS.to_string(),
            "--state",
            "WY",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    let full = dir.join("voters.csv");
    let first = dir.join("first.csv");
    let text = std::fs::read_to_string(&full).unwrap();
    let head: Vec<&str> = text.lines().take(FIRST + 1).collect();
    std::fs::write(&first, head.join("\n") + "\n").unwrap();
    let url = cluster.url("winserve");
    run(&url, &["migrate"]);
    run(&url, &["import", "voters", first.to_str().unwrap()]);
    let count = || cluster.query("winserve", "SELECT count(*) FROM voters");
    assert_eq!(count(), FIRST.to_string());

    let mut killed_at = Vec::new();
    for delay_ms in [300u64, 1000, 2500] {
        let mut child = winserve(&url)
            .args(["import", "voters", full.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap();
        let _ = child.kill();
        let _ = child.wait();
        if let Some(status) = finished {
            // Too fast to be killed: then it must have imported everything.
            assert!(status.success());
            assert_eq!(count(), VOTERS.to_string());
            killed_at.push(format!("{delay_ms} ms: finished first"));
            continue;
        }
        killed_at.push(format!("{delay_ms} ms: killed"));
        assert_eq!(count(), FIRST.to_string(), "killed after {delay_ms} ms");
    }
    // The next run completes, with exact counts (the first rows are in the full file too).
    let started = Instant::now();
    run(&url, &["import", "voters", full.to_str().unwrap()]);
    assert_eq!(count(), VOTERS.to_string());
    assert_eq!(
        cluster
            .query(
                "winserve",
                "SELECT count(DISTINCT voter_id) FROM voter_districts"
            )
            .parse::<usize>()
            .unwrap_or(VOTERS),
        VOTERS
    );
    eprintln!(
        "faults: kill -9 during `import voters` ({VOTERS} rows): {}; the next run took {:.1} s",
        killed_at.join(", "),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn sigterm_drains_in_flight_requests_and_refuses_new_ones() {
    const DRAIN: Duration = Duration::from_secs(5);
    let cluster = Cluster::start();
    seed(&cluster, 2_000);
    let server = Server::start(&cluster, &[("WINSERVE_DRAIN_TIMEOUT", "5")]);
    let world = world(&server, "faults-sigterm");
    // Requests in flight: exports read slowly by their clients, and plain pages.
    let in_flight: Vec<_> = (0..6)
        .map(|i| {
            let (addr, token, slug) =
                (server.addr.clone(), world.token.clone(), world.slug.clone());
            std::thread::spawn(move || {
                // Two exports: the default concurrency limit per organization.
                let path = if i % 3 == 0 {
                    "/v1/contacts/export"
                } else {
                    "/v1/contacts?per_page=100"
                };
                let mut stream = TcpStream::connect(&addr).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(20)))
                    .unwrap();
                send_head(&mut stream, "GET", path, Some(&token), Some(&slug), None).unwrap();
                // Slow reader: the response is still being written when the signal arrives.
                std::thread::sleep(Duration::from_millis(700));
                read_response(&mut stream)
            })
        })
        .collect();
    // A request that never completes (its body never comes): only the drain timeout ends it.
    let mut stalled = TcpStream::connect(&server.addr).unwrap();
    stalled
        .write_all(
            format!(
                "POST /v1/segments HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {}\r\n\
                 X-Organization-Slug: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{",
                world.token, world.slug
            )
            .as_bytes(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    server.sigterm();
    // New connections are refused once the listener is closed (within a moment of the signal).
    let refused_by = Instant::now() + Duration::from_secs(2);
    loop {
        if TcpStream::connect(&server.addr).is_err() {
            break;
        }
        assert!(
            Instant::now() < refused_by,
            "still accepting connections 2 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let refused_after = signalled.elapsed();
    for (i, t) in in_flight.into_iter().enumerate() {
        let r = t
            .join()
            .unwrap()
            .unwrap_or_else(|e| panic!("in-flight request {i} cut: {e}"));
        assert_eq!(r.status, 200, "in-flight request {i}");
        assert!(!r.body.is_empty());
    }
    assert!(TcpStream::connect(&server.addr).is_err(), "accepting again");
    // The process exits within the drain timeout (plus a margin for the exit itself).
    let mut server = server;
    let deadline = signalled + DRAIN + Duration::from_secs(3);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running {:?} after SIGTERM: {}",
            signalled.elapsed(),
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let exited_after = signalled.elapsed();
    eprintln!(
        "faults: SIGTERM: new connections refused after {:.2} s, exit ({status}) after {:.2} s \
         (drain timeout {} s, one request stalled)",
        refused_after.as_secs_f64(),
        exited_after.as_secs_f64(),
        DRAIN.as_secs()
    );
    // The stalled request was dropped, not answered.
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
}
