//! The one place that picks the adapters: PostgreSQL behind every port of the application.

use winserve_adapters_postgres as pg;
use winserve_application::Ports;

/// The database pool and the PostgreSQL store for `database_url`, or why the pool cannot be configured.
pub fn postgres_store(database_url: &str) -> Result<pg::PgStore, pg::PoolBuildError> {
    let pool = pg::build_pool_with(database_url, pg::PoolConfig::default())?;
    Ok(pg::PgStore::with_database_url(pool, database_url))
}

/// Every port of the application, backed by `store`.
pub fn postgres_ports(store: pg::PgStore) -> Ports {
    store.ports()
}
