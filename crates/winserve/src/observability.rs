//! `GET /metrics` in the Prometheus text format, on its own listener (`WINSERVE_METRICS_BIND`).
//!
//! The code everywhere else records through the `metrics` facade (`winserve_http_*`, `winserve_db_*`,
//! `winserve_*_total`); until [`install`] runs those calls do nothing, so a server without a metrics
//! address pays nothing for them. The listener has no authentication: bind it to a private address.

use crate::error::CliError;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::Arc;
use std::time::Duration;
use winserve_adapters_postgres::PgPool;

/// Latency buckets in seconds: the API's requests take a few milliseconds; exports take seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Installs the process-wide Prometheus recorder and starts its upkeep (histogram draining).
pub fn install() -> Result<PrometheusHandle, CliError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), LATENCY_BUCKETS)
        .map_err(|e| CliError::Metrics(e.to_string()))?
        .install_recorder()
        .map_err(|e| CliError::Metrics(e.to_string()))?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// Sets the connection pool's gauges from its current status (sampled at each scrape).
fn sample_pool(pool: &PgPool) {
    let status = pool.status();
    metrics::gauge!("winserve_db_pool_max_connections").set(status.max_size as f64);
    metrics::gauge!("winserve_db_pool_connections").set(status.size as f64);
    metrics::gauge!("winserve_db_pool_idle_connections").set(status.available as f64);
    metrics::gauge!("winserve_db_pool_waiters").set(status.waiting as f64);
}

/// The `/metrics` router: the pool is sampled, then everything recorded is rendered.
pub fn router(handle: PrometheusHandle, pool: PgPool) -> axum::Router {
    let state = Arc::new((handle, pool));
    axum::Router::new().route(
        "/metrics",
        get(move || {
            let state = state.clone();
            async move {
                sample_pool(&state.1);
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    state.0.render(),
                )
            }
        }),
    )
}

/// Serves `/metrics` on `bind` until the process ends.
pub async fn serve(bind: &str, handle: PrometheusHandle, pool: PgPool) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|source| CliError::Listen {
            address: bind.to_owned(),
            source,
        })?;
    tracing::info!(address = %bind, "metrics are served at /metrics");
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router(handle, pool)).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    Ok(())
}
