//! Helpers for tests against a real PostgreSQL (feature `test-support`).
//!
//! The first call in a process creates — or finds — a migrated *template* database named after a hash of
//! the `migrations/` directory (`winserve_template_<hash>`); an advisory lock makes concurrent test
//! binaries wait for each other instead of building it twice. Every test then gets its own database,
//! `CREATE DATABASE t_<random> TEMPLATE winserve_template_<hash>`, dropped again (`DROP DATABASE … WITH
//! (FORCE)`) by [`TestDatabase::cleanup`] or, as a fallback, when the guard is dropped — also when the
//! test panics.
//!
//! The server comes from `WINSERVE_TEST_DATABASE_URL` (any database on it; default
//! `postgres://postgres@127.0.0.1:5432/postgres`); the user must be allowed to create databases.
//!
//! ```no_run
//! # async fn t() {
//! use winserve_adapters_postgres::test_support::TestDatabase;
//! let db = TestDatabase::create().await;
//! let store = db.store();
//! // … use store …
//! db.cleanup().await;
//! # }
//! ```

use crate::migrate::{DatabaseUrl, SetupError, database_exists, quote_ident, run_migrations};
use crate::{PgPool, PgStore, PoolConfig, build_pool_with};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use std::path::Path;
use std::time::Duration;
use tokio::sync::OnceCell;
use winserve_application::{NewPosition, ReferenceRepository, UserRepository};
use winserve_domain::{
    BallotReadyId, District, L2Name, L2Type, Position, PositionLevel, StateCode, Subject, User,
    UserClaims,
};

/// The environment variable naming the test server.
pub const TEST_DATABASE_URL_VAR: &str = "WINSERVE_TEST_DATABASE_URL";

/// The test server when the variable is unset.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The URL of the test server (see [`TEST_DATABASE_URL_VAR`]).
pub fn base_url() -> String {
    std::env::var(TEST_DATABASE_URL_VAR).unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// 64-bit FNV-1a: stable across processes and toolchains (unlike `DefaultHasher`'s contract).
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A hash of every file under `migrations/` (names and contents), so a changed migration gets a fresh
/// template.
fn migrations_hash() -> u64 {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files = Vec::new();
    let mut pending = vec![dir.clone()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let name = file
            .strip_prefix(&dir)
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        hash = fnv1a(hash, name.as_bytes());
        hash = fnv1a(hash, &std::fs::read(&file).unwrap_or_default());
    }
    // Also the embedded migrations' names, in case the directory is not where the sources were.
    for m in diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(&crate::MIGRATIONS)
        .unwrap_or_default()
    {
        hash = fnv1a(hash, m.name().to_string().as_bytes());
    }
    hash
}

/// The name of this build's template database.
pub fn template_name() -> String {
    format!("winserve_template_{:016x}", migrations_hash())
}

async fn admin(base: &DatabaseUrl) -> Result<AsyncPgConnection, SetupError> {
    Ok(AsyncPgConnection::establish(&base.with_database(&base.database)).await?)
}

/// Runs `sql` (CREATE/ALTER DATABASE), retrying while another session is still leaving a database it
/// names (a just-closed connection can linger for a moment).
async fn retry_busy(conn: &mut AsyncPgConnection, sql: &str) -> Result<(), SetupError> {
    let mut attempt = 0;
    loop {
        match conn.batch_execute(sql).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 50 && e.to_string().contains("being accessed by other users") => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn build_template(base: &DatabaseUrl) -> Result<String, SetupError> {
    let name = template_name();
    let lock_key = i64::from_ne_bytes(migrations_hash().to_ne_bytes());
    let mut conn = admin(base).await?;
    conn.batch_execute(&format!("SELECT pg_advisory_lock({lock_key})"))
        .await?;
    let result = async {
        if database_exists(&mut conn, &name).await? {
            return Ok(());
        }
        // Built under another name and renamed at the end, so a half-built template is never used.
        let building = format!("{name}_build");
        conn.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&building)
        ))
        .await?;
        conn.batch_execute(&format!("CREATE DATABASE {}", quote_ident(&building)))
            .await?;
        run_migrations(&base.with_database(&building)).await?;
        retry_busy(
            &mut conn,
            &format!(
                "ALTER DATABASE {} RENAME TO {}",
                quote_ident(&building),
                quote_ident(&name)
            ),
        )
        .await
    }
    .await;
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({lock_key})"))
        .await?;
    result.map(|()| name)
}

/// The migrated template database of this build, created on first use (once per process, and once per
/// migration set across processes).
pub async fn template_database() -> Result<String, SetupError> {
    let base = DatabaseUrl::parse(&base_url())?;
    TEMPLATE
        .get_or_try_init(|| build_template(&base))
        .await
        .cloned()
}

async fn drop_database(base: &DatabaseUrl, name: &str) -> Result<(), SetupError> {
    let mut conn = admin(base).await?;
    conn.batch_execute(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(name)
    ))
    .await?;
    Ok(())
}

/// A fresh, migrated database for one test, dropped by [`TestDatabase::cleanup`] or when the guard is
/// dropped.
#[derive(Debug)]
pub struct TestDatabase {
    base: DatabaseUrl,
    name: String,
    url: String,
    dropped: bool,
}

impl TestDatabase {
    /// Creates the database; panics with the reason when the test server is unusable.
    pub async fn create() -> Self {
        match Self::try_create().await {
            Ok(db) => db,
            Err(e) => panic!("cannot create a test database on {}: {e}", base_url()),
        }
    }

    /// Creates the database.
    pub async fn try_create() -> Result<Self, SetupError> {
        let template = template_database().await?;
        let base = DatabaseUrl::parse(&base_url())?;
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = admin(&base).await?;
        retry_busy(
            &mut conn,
            &format!(
                "CREATE DATABASE {} TEMPLATE {}",
                quote_ident(&name),
                quote_ident(&template)
            ),
        )
        .await?;
        Ok(Self {
            url: base.with_database(&name),
            base,
            name,
            dropped: false,
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new pool of up to 12 connections to the database.
    pub fn pool(&self) -> PgPool {
        let config = PoolConfig {
            max_size: 12,
            wait_timeout: Duration::from_secs(30),
            statement_timeout: Duration::from_secs(30),
        };
        match build_pool_with(&self.url, config) {
            Ok(pool) => pool,
            Err(e) => panic!("cannot build a pool for {}: {e}", self.url),
        }
    }

    /// A store over a new pool.
    pub fn store(&self) -> PgStore {
        PgStore::with_database_url(self.pool(), &self.url)
    }

    /// Drops the database now.
    pub async fn cleanup(mut self) {
        self.dropped = true;
        if let Err(e) = drop_database(&self.base, &self.name).await {
            eprintln!("warning: cannot drop test database {}: {e}", self.name);
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Drop may run inside an async runtime (or while unwinding from a panic): do the async work on a
        // thread of its own with its own small runtime, and wait for it.
        let base = self.base.clone();
        let name = std::mem::take(&mut self.name);
        let handle = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => {
                    if let Err(e) = rt.block_on(drop_database(&base, &name)) {
                        eprintln!("warning: cannot drop test database {name}: {e}");
                    }
                }
                Err(e) => eprintln!("warning: cannot drop test database {name}: {e}"),
            }
        });
        let _ = handle.join();
    }
}

/// Test fixture: the user with subject `sub`, created on first use.
pub async fn user(store: &PgStore, sub: &str) -> User {
    let sub = match Subject::new(sub) {
        Ok(s) => s,
        Err(e) => panic!("bad subject {sub}: {e}"),
    };
    let claims = UserClaims {
        sub,
        email: None,
        first_name: None,
        last_name: None,
        clerk: None,
    };
    match store.upsert_from_claims(&claims).await {
        Ok(u) => u,
        Err(e) => panic!("cannot create user: {e}"),
    }
}

/// Test fixture: the district `(state, l2_type, l2_name)`, created on first use.
pub async fn district(store: &PgStore, state: &str, l2_type: &str, l2_name: &str) -> District {
    let (Ok(state), Ok(l2_type), Ok(l2_name)) = (
        StateCode::new(state),
        L2Type::new(l2_type),
        L2Name::new(l2_name),
    ) else {
        panic!("bad district {state}/{l2_type}/{l2_name}");
    };
    match store.upsert_district(&state, &l2_type, &l2_name).await {
        Ok(d) => d,
        Err(e) => panic!("cannot create district: {e}"),
    }
}

/// Test fixture: a city-level position `id` named `name` in `district`'s state (WY without one).
pub async fn position(
    store: &PgStore,
    id: &str,
    name: &str,
    district: Option<&District>,
) -> Position {
    let (Ok(ballotready_position_id), Ok(wy)) = (BallotReadyId::new(id), StateCode::new("WY"))
    else {
        panic!("bad position id {id}");
    };
    let new = NewPosition {
        ballotready_position_id,
        name: name.to_owned(),
        state: district.map_or(wy, |d| d.state.clone()),
        level: PositionLevel::City,
        district_id: district.map(|d| d.id),
    };
    match store.upsert_position(&new).await {
        Ok(p) => p,
        Err(e) => panic!("cannot create position: {e}"),
    }
}

/// The key under which a filter's total and page anchors are remembered (`filter_counts`,
/// `page_anchors`), for tests that read those tables.
pub fn filter_key(criteria: &winserve_domain::SegmentCriteria) -> String {
    crate::contacts::query::filter_key(criteria)
}
