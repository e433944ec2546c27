//! `winserve import voters` killed with SIGKILL at many moments of its run — while the file is read and
//! staged, while new partitions are built, while a refresh writes its diff — leaves the stored voters as
//! they were (and readable meanwhile), and the next run succeeds with exact figures (issue 14).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_postgres::{Client, NoTls};
use winserve_adapters_postgres::test_support::TestDatabase;
use winserve_domain::StateCode;
use winserve_voter_file::seed::{self, SeedParams};

const BINARY: &str = env!("CARGO_BIN_EXE_winserve");

/// Where the moments to kill at fall, as shares of an uninterrupted run of the same import.
const KILL_AT: [f64; 7] = [0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.97];

struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "winserve-crash-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes the seeded voters of `params` as a voter file.
fn voter_file(dir: &Dir, name: &str, params: &SeedParams) -> PathBuf {
    let path = dir.0.join(name);
    let plan = seed::plan(params);
    seed::write_voters_csv(std::fs::File::create(&path).unwrap(), params, &plan).unwrap();
    path
}

fn params(voters: u64, rng_seed: u64) -> SeedParams {
    SeedParams {
        voters,
        state: StateCode::new("WY").unwrap(),
        rng_seed,
    }
}

fn start_import(db: &TestDatabase, file: &Path, replace: bool) -> Child {
    let mut cmd = Command::new(BINARY);
    cmd.args(["import", "voters"]).arg(file);
    if replace {
        cmd.arg("--replace");
    }
    cmd.env("DATABASE_URL", db.url())
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs an import to its end; returns its summary line and how long it took.
fn run_import(db: &TestDatabase, file: &Path, replace: bool) -> (String, Duration) {
    let started = Instant::now();
    let out = start_import(db, file, replace).wait_with_output().unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "import failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (stdout, took)
}

async fn client(db: &TestDatabase) -> Client {
    let (client, connection) = tokio_postgres::connect(db.url(), NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Everything an import writes, as one digest, with the number of voters.
async fn digest(c: &Client) -> (i64, String) {
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM voters),
                    md5(coalesce((SELECT string_agg(v::text, '|' ORDER BY v.state, v.id) FROM voters v), '')
                     || coalesce((SELECT string_agg(vd::text, '|' ORDER BY vd.state, vd.district_id, vd.voter_id)
                                  FROM voter_districts vd), '')
                     || coalesce((SELECT string_agg(f::text, '|' ORDER BY f::text)
                                  FROM district_facets f WHERE voters <> 0), ''))",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

/// Kills an import of `file` at each of [`KILL_AT`] of `full_run`, and checks after each kill that the
/// stored data is still `before` — or, for a kill that came after the COMMIT, the whole import
/// (`complete` voters) — and readable while nothing waits for the killed import.
async fn kill_at_every_moment(
    db: &TestDatabase,
    c: &Client,
    file: &Path,
    replace: bool,
    full_run: Duration,
    complete: i64,
) -> bool {
    let mut before = digest(c).await;
    let mut committed = false;
    for share in KILL_AT {
        let mut child = start_import(db, file, replace);
        std::thread::sleep(full_run.mul_f64(share));
        // SIGKILL: no destructor, no ROLLBACK; the server notices the closed connection.
        child.kill().unwrap();
        child.wait().unwrap();
        let after = digest(c).await;
        if after != before {
            assert_eq!(
                after.0, complete,
                "a kill at {share} of the run left a partial import"
            );
            before = after;
            committed = true;
        }
    }
    committed
}

/// One import of `file` over what `db` holds: timed once uninterrupted on a scratch database prepared
/// with `prepare` (the files imported before it), then killed at every moment on `db`, then run to its
/// end; returns its summary line, or `None` when a kill came after the COMMIT (the data is then already
/// the file's, which the last run confirms: nothing new, updated or removed).
async fn scenario(
    db: &TestDatabase,
    c: &Client,
    prepare: &[&Path],
    file: &Path,
    replace: bool,
    complete: i64,
) -> Option<String> {
    let scratch = TestDatabase::create().await;
    for earlier in prepare {
        run_import(&scratch, earlier, true);
    }
    let (_, full_run) = run_import(&scratch, file, replace);
    scratch.cleanup().await;
    let committed = kill_at_every_moment(db, c, file, replace, full_run, complete).await;
    let (summary, _) = run_import(db, file, replace);
    assert_eq!(digest(c).await.0, complete, "{summary}");
    if committed {
        assert!(summary.contains(": 0 new, 0 updated"), "{summary}");
        return None;
    }
    Some(summary)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_at_any_moment_leaves_the_previous_data_and_the_next_run_succeeds() {
    let db = TestDatabase::create().await;
    let c = client(&db).await;
    let dir = Dir::new();
    let first = voter_file(&dir, "first.csv", &params(6_000, 7));
    // Next month: the same voters and 300 more (a small diff, written by key lookups).
    let next = voter_file(&dir, "next.csv", &params(6_300, 7));
    // Another file altogether: every voter leaves, 6,000 others come (a diff as large as the state).
    let other = voter_file(&dir, "other.csv", &params(6_000, 8));

    // Into an empty state: new partitions built and swapped in.
    if let Some(summary) = scenario(&db, &c, &[], &first, false, 6_000).await {
        assert!(summary.contains(": 6000 new"), "{summary}");
    }
    if let Some(summary) = scenario(&db, &c, &[&first], &next, true, 6_300).await {
        // (The seed's plan for 6,300 voters places a voter or two differently.)
        assert!(
            summary.contains(": 300 new,") && summary.contains(", 0 removed;"),
            "{summary}"
        );
    }
    if let Some(summary) = scenario(&db, &c, &[&first, &next], &other, true, 6_000).await {
        assert!(
            summary.contains(": 6000 new, 0 updated, 0 unchanged, 6300 removed;"),
            "{summary}"
        );
    }
    db.cleanup().await;
}
