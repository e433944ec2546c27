//! Voter data read from a real streaming standby (ADR 0025): a primary and a standby made with
//! `pg_basebackup` on this machine, voters loaded on the primary and read through winserve from the
//! standby once replayed; a caller's own write (a new segment) answered right away while the standby
//! lags; and the primary answering, counted, when the standby is down.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::contacts_fixture::extra_voters;
use common::{TestApp, str_of, token};
use serde_json::json;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use tokio_postgres::{Client, NoTls};
use winserve::local_pg::{PrivateCluster, find_server_binaries};
use winserve_adapters_postgres::{self as pg, PgStore};
use winserve_application::VoterRepository;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A primary and its streaming standby in a temporary directory, stopped and removed on drop.
struct Pair {
    root: PathBuf,
    primary: Option<PrivateCluster>,
    standby: Option<PrivateCluster>,
}

impl Pair {
    /// Starts a primary, creates and migrates its `winserve` database, and makes a standby of it with
    /// `pg_basebackup -R` (streaming replication, `standby.signal` written).
    async fn start() -> Self {
        let root = std::env::temp_dir().join(format!(
            "winserve-replica-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&root).unwrap();
        let primary = PrivateCluster::start_on(&root.join("primary"), free_port())
            .unwrap_or_else(|e| panic!("cannot start the primary: {e}"));
        let url = primary.database_url();
        pg::create_database_if_missing(&url).await.unwrap();
        pg::run_migrations(&url).await.unwrap();
        let standby_dir = root.join("standby");
        base_backup(primary.port(), &standby_dir);
        let standby = PrivateCluster::start_on(&standby_dir, free_port())
            .unwrap_or_else(|e| panic!("cannot start the standby: {e}"));
        Self {
            root,
            primary: Some(primary),
            standby: Some(standby),
        }
    }

    fn primary_url(&self) -> String {
        self.primary.as_ref().unwrap().database_url()
    }

    fn standby_url(&self) -> String {
        self.standby.as_ref().unwrap().database_url()
    }

    fn stop_standby(&mut self) {
        if let Some(standby) = self.standby.take() {
            standby.stop();
        }
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for pg in [self.standby.take(), self.primary.take()]
            .into_iter()
            .flatten()
        {
            pg.stop();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// `pg_basebackup` of the primary on `port` into `target`, as the `postgres` OS user when running as root
/// (the server refuses to run from a directory root owns).
fn base_backup(port: u16, target: &Path) {
    let bin = find_server_binaries().unwrap().join("pg_basebackup");
    let args = [
        "-h".to_owned(),
        "127.0.0.1".to_owned(),
        "-p".to_owned(),
        port.to_string(),
        "-U".to_owned(),
        "postgres".to_owned(),
        "-D".to_owned(),
        target.to_string_lossy().into_owned(),
        "-R".to_owned(),
        "-X".to_owned(),
        "stream".to_owned(),
        "-c".to_owned(),
        "fast".to_owned(),
    ];
    let out = if is_root() {
        let parent = target.parent().unwrap();
        Command::new("chown")
            .args(["postgres:postgres", &parent.to_string_lossy()])
            .status()
            .unwrap();
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&bin)
            .args(&args)
            .output()
            .unwrap()
    } else {
        Command::new(&bin).args(&args).output().unwrap()
    };
    assert!(
        out.status.success(),
        "pg_basebackup failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn client(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Waits until the standby has replayed everything the primary wrote so far (the adapter's own wait,
/// which imports use).
async fn wait_replayed(primary_url: &str, standby_url: &str) {
    let replayed = pg::wait_for_replay(primary_url, standby_url, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(replayed, "the standby did not catch up");
}

async fn total(app: &TestApp, t: &str, slug: &str) -> u64 {
    app.get_in("/v1/contacts?per_page=1", t, slug).await.2["meta"]["total"]
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voter_data_is_read_from_the_standby_and_from_the_primary_when_it_is_down() {
    let mut pair = Pair::start().await;
    let (primary_url, standby_url) = (pair.primary_url(), pair.standby_url());
    let standby = client(&standby_url).await;
    let store = PgStore::with_database_url(
        pg::build_pool_with(&primary_url, pg::PoolConfig::default()).unwrap(),
        &primary_url,
    )
    .with_read_replica(pg::build_pool_with(&standby_url, pg::PoolConfig::default()).unwrap());
    let app = TestApp::over_store(store.clone());
    let reference = app.seed_reference().await;
    let ward = ("City_Ward", reference.ward1.l2_name.as_str());
    store
        .upsert_voters(&extra_voters(1, 40, ward))
        .await
        .unwrap();
    let t = token("user_replica");
    let campaign = app
        .create_campaign(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let slug = str_of(&campaign["organization"]["slug"]);

    // Loaded on the primary, read from the standby once replayed.
    wait_replayed(&primary_url, &standby_url).await;
    assert_eq!(total(&app, &t, &slug).await, 40);
    let reading: i64 = standby
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            &[&pg::APPLICATION_NAME],
        )
        .await
        .unwrap()
        .get(0);
    assert!(reading > 0, "winserve holds connections to the standby");

    // The standby stops replaying: winserve keeps answering from it, with the data it has.
    standby
        .execute("SELECT pg_wal_replay_pause()", &[])
        .await
        .unwrap();
    store
        .upsert_voters(&extra_voters(2, 5, ward))
        .await
        .unwrap();
    assert_eq!(total(&app, &t, &slug).await, 40, "read from the standby");

    // The caller's own write is answered at once: the segment is read from the primary, the voters it
    // counts from the standby (the API never writes voter data).
    let created = app
        .request(
            Method::POST,
            "/v1/segments",
            Some(&t),
            Some(&slug),
            Some(json!({ "name": "Everyone", "criteria": {} })),
        )
        .await;
    assert_eq!(created.0, StatusCode::CREATED, "{}", created.2);
    let id = str_of(&created.2["id"]);
    let count = app
        .get_in(&format!("/v1/segments/{id}/count"), &t, &slug)
        .await;
    assert_eq!(count.0, StatusCode::OK, "{}", count.2);
    assert_eq!(count.2, json!({ "count": 40 }));

    // Replayed again: the new voters appear.
    standby
        .execute("SELECT pg_wal_replay_resume()", &[])
        .await
        .unwrap();
    wait_replayed(&primary_url, &standby_url).await;
    assert_eq!(total(&app, &t, &slug).await, 45);
    assert_eq!(store.read_replica_fallbacks(), 0);

    // The standby goes away: the same reads answer from the primary, counted.
    drop(standby);
    pair.stop_standby();
    assert_eq!(total(&app, &t, &slug).await, 45);
    let export = app.get_in("/v1/contacts/export", &t, &slug).await;
    assert_eq!(export.0, StatusCode::OK);
    assert!(store.read_replica_fallbacks() > 0);
}
