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
    postgres_services_and_pool(database_url).map(|(services, _)| services)
}

/// [`postgres_services`], and the pool behind them (for its gauges in `/metrics`).
pub fn postgres_services_and_pool(
    database_url: &str,
) -> Result<(Services, pg::PgPool), pg::PoolBuildError> {
    let pool = pg::build_pool_with(database_url, pg::PoolConfig::default())?;
    let store = pg::PgStore::with_database_url(pool.clone(), database_url);
    Ok((Services::new(postgres_ports(store)), pool))
}
