//! # winserve-adapters-postgres
//!
//! PostgreSQL implementations of every port of `winserve-application`, on diesel + diesel-async with a deadpool
//! connection pool.
//!
//! Start-up, in order:
//!
//! 1. [`create_database_if_missing`] — connects to the `postgres` maintenance database of the same server
//!    and creates the database named in the URL;
//! 2. [`run_migrations`] — applies the embedded migrations of `migrations/`;
//! 3. [`build_pool`] (or [`build_pool_with`]) — the connection pool;
//! 4. [`PgStore::with_database_url`] (or [`PgStore::new`], without voter imports) — one value implementing every repository trait; [`PgStore::ports`] wraps it into
//!    the application's [`winserve_application::Ports`].
//!
//! ```no_run
//! # async fn start() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! let url = "postgres://postgres@localhost:5432/winserve";
//! winserve_adapters_postgres::create_database_if_missing(url).await?;
//! winserve_adapters_postgres::run_migrations(url).await?;
//! let pool = winserve_adapters_postgres::build_pool(url, 16, Duration::from_secs(5))?;
//! let ports = winserve_adapters_postgres::PgStore::with_database_url(pool, url).ports();
//! # let _ = ports; Ok(()) }
//! ```
//!
//! Every organization-scoped query filters by the owner (or the organization), so another owner's record
//! is reported exactly like a missing one. Invariants of the product (one open campaign per user, one
//! office per won campaign, one active office per position, campaigns only in Win organizations, …) are
//! also enforced by constraints in the schema; their violations are translated back into the ports'
//! business errors.

mod campaigns;
mod clerk_sync;
mod contacts;
mod data_upgrades;
mod errors;
mod health;
mod lifecycle;
mod migrate;
mod offices;
mod organizations;
mod outreach;
mod outreach_audience;
mod partitions;
mod polls;
mod pool;
mod reference;
mod replica;
mod retry;
mod rows;
mod schema;
mod segments;
mod sql;
mod team;
mod users;
mod voter_import;
mod voters;

#[cfg(feature = "test-support")]
pub mod test_support;

pub use contacts::search_index::{SearchIndexBuild, SearchIndexSettings};
pub use data_upgrades::run_data_upgrades;
pub use migrate::{
    DatabaseUrl, MIGRATIONS, SetupError, create_database_if_missing, run_migrations,
};
pub use pool::{APPLICATION_NAME, PgPool, PoolBuildError, PoolConfig, build_pool, build_pool_with};
pub use replica::{RETRY_AFTER as READ_REPLICA_RETRY_AFTER, wait_for_replay};
pub use voter_import::VOTER_IMPORT_LOCK;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Object;
use std::sync::Arc;
use winserve_application::{Ports, StoreError};

/// The PostgreSQL store: holds the pool and implements every repository trait of `winserve-application`
/// ([`winserve_application::UserRepository`], [`winserve_application::OrganizationRepository`],
/// [`winserve_application::CampaignRepository`], [`winserve_application::OfficeRepository`],
/// [`winserve_application::ReferenceRepository`], [`winserve_application::VoterRepository`],
/// [`winserve_application::SegmentRepository`], [`winserve_application::LifecycleStore`],
/// [`winserve_application::HealthCheck`]). Cheap to clone (the pool is reference-counted).
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The database URL, for the dedicated connections of voter imports (`COPY`).
    database_url: Option<Arc<str>>,
    /// Pages by number starting at least this many contacts in use page anchors (ADR 0018).
    anchors_from: i64,
    /// The in-memory search indexes of districts (ADR 0023); `None`: searches run in SQL.
    search_indexes: Option<Arc<contacts::search_index::SearchIndexes>>,
    /// The streaming standby that voter data is read from (ADR 0025); `None`: the primary.
    replica: Option<Arc<replica::ReadReplica>>,
}

/// By default, pages by number that start at least this many contacts in use page anchors (ADR 0018);
/// shallower pages walk the index from the start, which costs about as much as an anchor lookup.
pub const PAGE_ANCHORS_FROM: u32 = 1000;

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl PgStore {
    /// A store over `pool`.
    ///
    /// Voter imports ([`winserve_application::VoterRepository::begin_import`]) need a connection of their own
    /// outside the pool: build the store with [`PgStore::with_database_url`] to enable them.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            database_url: None,
            anchors_from: i64::from(PAGE_ANCHORS_FROM),
            search_indexes: None,
            replica: None,
        }
    }

    /// A store over `pool` whose voter imports open their own connection to `database_url` (the URL the
    /// pool was built with).
    pub fn with_database_url(pool: PgPool, database_url: &str) -> Self {
        Self {
            pool,
            database_url: Some(Arc::from(database_url)),
            anchors_from: i64::from(PAGE_ANCHORS_FROM),
            search_indexes: None,
            replica: None,
        }
    }

    /// The store with page anchors for pages starting at least `rows` contacts in (at least 1) instead
    /// of [`PAGE_ANCHORS_FROM`]; tests use small districts.
    #[must_use]
    pub fn with_page_anchors_from(mut self, rows: u32) -> Self {
        self.anchors_from = i64::from(rows.max(1));
        self
    }

    /// The store answering searches from in-memory district indexes (ADR 0023) within `settings`;
    /// without it (or with a budget of 0) every search runs in SQL.
    #[must_use]
    pub fn with_search_index(mut self, settings: SearchIndexSettings) -> Self {
        self.search_indexes = contacts::search_index::SearchIndexes::new(settings);
        self
    }

    /// The store reading voter data — contacts, searches, counts, statistics, exports — from a streaming
    /// standby through `pool`, and everything else from the primary (ADR 0025). When the standby cannot
    /// answer, those reads go to the primary for a while ([`READ_REPLICA_RETRY_AFTER`]), counted.
    #[must_use]
    pub fn with_read_replica(mut self, pool: PgPool) -> Self {
        self.replica = Some(Arc::new(replica::ReadReplica::new(pool)));
        self
    }

    /// Reads of voter data that went to the primary because the read replica was failing (0 without one).
    pub fn read_replica_fallbacks(&self) -> u64 {
        self.replica.as_ref().map_or(0, |r| r.fallbacks())
    }

    /// The districts whose search indexes are ready, and the bytes they hold (0, 0 without the cache).
    pub fn search_index_usage(&self) -> (usize, usize) {
        self.search_indexes
            .as_ref()
            .map_or((0, 0), |indexes| indexes.usage())
    }

    /// The database URL given to [`PgStore::with_database_url`].
    pub fn database_url(&self) -> Option<&str> {
        self.database_url.as_deref()
    }

    /// The pool, e.g. for the command-line importers or to close it on shutdown.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Every port of the application, backed by this store.
    pub fn ports(self) -> Ports {
        let store = Arc::new(self);
        Ports {
            users: store.clone(),
            organizations: store.clone(),
            members: store.clone(),
            invitations: store.clone(),
            clerk: store.clone(),
            outreach: store.clone(),
            outreach_audience: store.clone(),
            polls: store.clone(),
            sms: Arc::new(winserve_application::LoggingSmsSender),
            campaigns: store.clone(),
            offices: store.clone(),
            reference: store.clone(),
            voters: store.clone(),
            segments: store.clone(),
            contacts: store.clone(),
            lifecycle: store.clone(),
            health: store,
        }
    }

    /// A pooled connection; pool timeouts and connection failures are `StoreError::Unavailable`.
    pub(crate) async fn conn(&self) -> Result<Object<AsyncPgConnection>, StoreError> {
        self.pool.get().await.map_err(errors::pool_error)
    }
}
