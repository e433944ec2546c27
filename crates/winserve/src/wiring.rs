//! The one place that picks the adapters: PostgreSQL behind every port of the application.

use winserve_adapters_postgres as pg;
use winserve_application::{Ports, Services};

/// Every port of the application, backed by `store`.
pub fn postgres_ports(store: pg::PgStore) -> Ports {
    store.ports()
}

/// The application's services over a PostgreSQL pool for `database_url` (voter imports open their own
/// connection to it), or why the pool cannot be configured.
pub fn postgres_services(database_url: &str) -> Result<Services, pg::PoolBuildError> {
    postgres_services_and_pool(database_url, None, 0).map(|(services, _)| services)
}

/// [`postgres_services`] answering searches from in-memory district indexes of at most `search_cache_mb`
/// MiB (0: off; ADR 0023), reading voter data from the standby at `read_database_url` when given (ADR
/// 0025), and the primary's pool (for its gauges in `/metrics`).
pub fn postgres_services_and_pool(
    database_url: &str,
    read_database_url: Option<&str>,
    search_cache_mb: u64,
) -> Result<(Services, pg::PgPool), pg::PoolBuildError> {
    let pool = pg::build_pool_with(database_url, pg::PoolConfig::default())?;
    let mut store = pg::PgStore::with_database_url(pool.clone(), database_url);
    if let Some(read_url) = read_database_url {
        store = store.with_read_replica(pg::build_pool_with(read_url, pg::PoolConfig::default())?);
    }
    let store = store.with_search_index(pg::SearchIndexSettings {
        budget_bytes: usize::try_from(search_cache_mb.saturating_mul(1 << 20))
            .unwrap_or(usize::MAX),
        build: pg::SearchIndexBuild::Background,
    });
    Ok((Services::new(postgres_ports(store)), pool))
}
