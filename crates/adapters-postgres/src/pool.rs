//! The connection pool: deadpool over diesel-async's `AsyncPgConnection`.

use deadpool::Runtime;
use deadpool::managed::{HookError, Timeouts};
use diesel_async::pooled_connection::deadpool::{Hook, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolError as ManagerError, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use std::time::Duration;

/// The pool type the adapters use.
pub type PgPool = Pool<AsyncPgConnection>;

/// The `application_name` every pooled connection reports to PostgreSQL (visible in
/// `pg_stat_activity`).
pub const APPLICATION_NAME: &str = "winserve";

/// How to build a [`PgPool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// The most connections the pool opens.
    pub max_size: usize,
    /// How long a request waits for a free connection (and for a new one to be established) before the
    /// store reports `StoreError::Unavailable`.
    pub wait_timeout: Duration,
    /// The `statement_timeout` set on every connection: a runaway query is cancelled after it.
    pub statement_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// Why the pool could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the connection pool: {0}")]
pub struct PoolBuildError(#[from] deadpool::managed::BuildError);

/// Builds a pool of at most `max_size` connections to `database_url`, waiting at most `wait_timeout`
/// for a connection, with the default 30 s statement timeout. Connections are opened lazily: building
/// never touches the database.
pub fn build_pool(
    database_url: &str,
    max_size: usize,
    wait_timeout: Duration,
) -> Result<PgPool, PoolBuildError> {
    build_pool_with(
        database_url,
        PoolConfig {
            max_size,
            wait_timeout,
            ..PoolConfig::default()
        },
    )
}

/// Builds a pool with every setting of `config`. Each new connection gets `statement_timeout` and
/// `application_name = 'winserve'` from a `post_create` hook.
pub fn build_pool_with(database_url: &str, config: PoolConfig) -> Result<PgPool, PoolBuildError> {
    // `Fast` recycling: no `SELECT 1` round trip per checkout. A connection whose socket closed is still
    // dropped at checkout (diesel-async's `is_broken`); one that dies under a query fails it as
    // `Unavailable` (503), and reads then retry once on a fresh connection (`retry.rs`).
    let mut manager_config = ManagerConfig::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        database_url,
        manager_config,
    );
    // An integer, never user input: safe to format into the statement. JIT compilation is off: the API's
    // queries are short, and compiling them costs more than it saves.
    let setup = format!(
        "SET statement_timeout = {}; SET application_name = '{APPLICATION_NAME}'; SET jit = off",
        config.statement_timeout.as_millis().max(1)
    );
    let hook = Hook::async_fn(move |conn: &mut AsyncPgConnection, _| {
        let setup = setup.clone();
        Box::pin(async move {
            conn.batch_execute(&setup)
                .await
                .map_err(|e| HookError::Backend(ManagerError::QueryError(e)))
        })
    });
    let pool = Pool::builder(manager)
        .runtime(Runtime::Tokio1)
        .max_size(config.max_size.max(1))
        .timeouts(Timeouts {
            wait: Some(config.wait_timeout),
            create: Some(config.wait_timeout),
            recycle: Some(config.wait_timeout),
        })
        .post_create(hook)
        .build()?;
    Ok(pool)
}
