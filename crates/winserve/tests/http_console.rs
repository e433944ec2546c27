//! The console (issue 17) is served by the binary: the page at `/`, its assets at `/console/{file}`,
//! each with the strict Content-Security-Policy; an unknown asset is a 404 problem. The browser tests
//! (`scripts/browser-tests.sh`) drive it in Chromium.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;

async fn get(app: &TestApp, path: &str) -> Resp {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_served_with_a_strict_policy() {
    let app = TestApp::new().await;
    let page = get(&app, "/").await;
    assert_eq!(page.0, StatusCode::OK);
    assert!(
        page.1[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page.1[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert!(page.2.as_str().unwrap().contains("/console/app.js"));
    let script = get(&app, "/console/app.js").await;
    assert_eq!(script.0, StatusCode::OK);
    assert!(
        script.1[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(script.1[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(script.1.contains_key(header::CONTENT_SECURITY_POLICY));
    let style = get(&app, "/console/style.css").await;
    assert_eq!(style.0, StatusCode::OK);
    for missing in [
        "/console/nope.js",
        "/console/index.html",
        "/console/..%2FCargo.toml",
    ] {
        assert_problem(
            &get(&app, missing).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
    }
    // The API is untouched: the console is a client of it.
    assert_eq!(get(&app, "/v1/health/live").await.0, StatusCode::OK);
    app.cleanup().await;
}
