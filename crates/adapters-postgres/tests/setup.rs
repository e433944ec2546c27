//! Database creation, migrations, the pool and health.
#![allow(clippy::unwrap_used)]

mod common;

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use std::time::Duration;
use winserve_adapters_postgres::test_support::{TestDatabase, base_url};
use winserve_adapters_postgres::{
    DatabaseUrl, PgStore, PoolConfig, build_pool, build_pool_with, create_database_if_missing,
    run_migrations,
};
use winserve_application::{HealthCheck, StoreError, UserRepository};

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

async fn drop_db(name: &str) {
    let base = DatabaseUrl::parse(&base_url()).unwrap();
    let mut conn = AsyncPgConnection::establish(&base.with_database(&base.database))
        .await
        .unwrap();
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn creates_a_missing_database_once_even_when_racing_and_migrates_it() {
    let base = DatabaseUrl::parse(&base_url()).unwrap();
    let name = format!("t_create_{}", uuid::Uuid::new_v4().simple());
    let url = base.with_database(&name);

    // Six processes starting at once: exactly one creates it, none fails.
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { create_database_if_missing(&url).await })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        if t.await.unwrap().unwrap() {
            created += 1;
        }
    }
    assert_eq!(created, 1);
    assert!(!create_database_if_missing(&url).await.unwrap());

    // Concurrent migrations apply each migration once; running again applies nothing.
    let (a, b) = tokio::join!(run_migrations(&url), run_migrations(&url));
    let applied = a.unwrap().len() + b.unwrap().len();
    let in_repository = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("up.sql").exists())
        .count();
    assert_eq!(applied, in_repository);
    assert!(run_migrations(&url).await.unwrap().is_empty());

    let pool = build_pool(&url, 2, Duration::from_secs(5)).unwrap();
    PgStore::new(pool).ping().await.unwrap();
    drop_db(&name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pooled_connections_get_statement_timeout_and_application_name() {
    let db = TestDatabase::create().await;
    let config = PoolConfig {
        max_size: 2,
        wait_timeout: Duration::from_secs(5),
        statement_timeout: Duration::from_millis(1500),
    };
    let pool = build_pool_with(db.url(), config).unwrap();
    let mut conn = pool.get().await.unwrap();
    let timeout: Setting =
        diesel::sql_query("SELECT current_setting('statement_timeout') AS value")
            .get_result(&mut conn)
            .await
            .unwrap();
    assert_eq!(timeout.value, "1500ms");
    let app: Setting = diesel::sql_query("SELECT current_setting('application_name') AS value")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(app.value, "winserve");
    // A runaway statement is cancelled.
    let slow = conn.batch_execute("SELECT pg_sleep(5)").await;
    assert!(slow.is_err());
    drop(conn);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_database_is_unavailable() {
    // Nothing listens on port 1.
    let pool = build_pool(
        "postgres://postgres@127.0.0.1:1/winserve",
        2,
        Duration::from_millis(500),
    )
    .unwrap();
    let store = PgStore::new(pool);
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable { .. })
    ));
    let claims = winserve_domain::UserClaims {
        sub: winserve_domain::Subject::new("user_x").unwrap(),
        email: None,
        first_name: None,
        last_name: None,
        clerk: None,
    };
    assert!(matches!(
        store.upsert_from_claims(&claims).await,
        Err(StoreError::Unavailable { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pool_wait_timeout_is_unavailable() {
    let db = TestDatabase::create().await;
    let pool = build_pool(db.url(), 1, Duration::from_millis(200)).unwrap();
    let store = PgStore::new(pool.clone());
    let held = pool.get().await.unwrap();
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable { .. })
    ));
    drop(held);
    store.ping().await.unwrap();
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn test_databases_are_dropped_by_cleanup_and_by_drop() {
    let db = TestDatabase::create().await;
    let name = db.name().to_owned();
    let base = DatabaseUrl::parse(&base_url()).unwrap();
    let exists = async |name: &str| {
        let mut conn = AsyncPgConnection::establish(&base.with_database(&base.database))
            .await
            .unwrap();
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: N = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(name)
            .get_result(&mut conn)
            .await
            .unwrap();
        n.n == 1
    };
    assert!(exists(&name).await);
    db.cleanup().await;
    assert!(!exists(&name).await);

    let db = TestDatabase::create().await;
    let name = db.name().to_owned();
    let store = db.store();
    store.ping().await.unwrap();
    drop(db); // with the pool still holding a connection
    assert!(!exists(&name).await);
}

/// The contacts statements name a state's partitions `voters_<code>` and `voter_districts_<code>`
/// (docs/adr/0015): every state code the domain accepts has both, holding that state's rows only.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_state_code_has_its_named_partitions() {
    let db = TestDatabase::create().await;
    let pool = build_pool(db.url(), 1, Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().await.unwrap();
    for code in winserve_domain::STATE_CODES {
        for parent in ["voters", "voter_districts"] {
            let bound: Setting = diesel::sql_query(
                "SELECT pg_get_expr(c.relpartbound, c.oid) AS value FROM pg_class c \
                 JOIN pg_inherits i ON i.inhrelid = c.oid \
                 WHERE c.relname = $1 AND i.inhparent = $2::regclass",
            )
            .bind::<Text, _>(format!("{parent}_{}", code.to_ascii_lowercase()))
            .bind::<Text, _>(parent)
            .get_result(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("no partition of {parent} for {code}: {e}"));
            assert_eq!(bound.value, format!("FOR VALUES IN ('{code}')"));
        }
    }
    drop(conn);
    db.cleanup().await;
}
