//! `GET /metrics` (issue 12, observability): after some traffic, the Prometheus text names the requests by
//! route template and status class, their latency histogram, the in-flight gauge, the pool's gauges and
//! the rejected requests. One test per binary: the recorder is process-wide.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use tower::ServiceExt;
use winserve_http::limits::LimitsConfig;

#[tokio::test]
async fn metrics_describe_requests_pool_and_rejections() {
    let handle = winserve::observability::install().unwrap();
    let app = TestApp::with_options(
        LimitsConfig {
            rate_per_minute: 2,
            ..LimitsConfig::default()
        },
        |ports| ports,
    )
    .await;
    let t = token("user_metrics");
    assert_eq!(app.get("/v1/me", &t).await.0, StatusCode::OK);
    assert_eq!(app.get("/v1/me", &t).await.0, StatusCode::OK);
    assert_eq!(app.get("/v1/me", &t).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.get("/v1/nowhere", &t).await.0, StatusCode::NOT_FOUND);

    let metrics = winserve::observability::router(handle, app.store.pool().clone());
    let response = metrics
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let has = |needle: &str| {
        assert!(
            text.lines()
                .any(|l| l.starts_with(needle) || l.contains(needle)),
            "no {needle} in:\n{text}"
        )
    };
    has(r#"winserve_http_requests_total{route="/v1/me",method="GET",status="2xx"} 2"#);
    has(r#"winserve_http_requests_total{route="/v1/me",method="GET",status="4xx"} 1"#);
    has(r#"winserve_http_requests_total{route="unmatched",method="GET",status="4xx"} 1"#);
    has("winserve_http_request_duration_seconds_bucket{");
    has("winserve_http_requests_in_flight");
    has("winserve_rate_limited_total 1");
    has("winserve_db_pool_max_connections");
    has("winserve_db_pool_connections");
    has("winserve_db_pool_idle_connections");
    has("winserve_db_pool_waiters");
    app.cleanup().await;
}
