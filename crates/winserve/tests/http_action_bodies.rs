//! Actions that take no input — launching a campaign, ending an office — refuse a body rather than
//! ignore it (issue 12, finding 7): text that is not JSON is 400 `bad_request`, JSON with fields is 422
//! `validation_failed`, a body over 1 MiB is 413 `payload_too_large`; empty and `{}` are accepted, and a
//! refused request changes nothing.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

/// Sends each refused body to `path`, then checks that nothing happened to `check`'s status.
async fn refused_bodies(app: &TestApp, t: &str, path: &str) {
    let r = app
        .request_raw(Method::POST, path, t, b"{not json".to_vec())
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "bad_request");
    let r = app
        .request_raw(Method::POST, path, t, br#"{"outcome":"won"}"#.to_vec())
        .await;
    assert_validation(&r, "outcome");
    let r = app
        .request_raw(Method::POST, path, t, b"[1]".to_vec())
        .await;
    assert_validation(&r, "body");
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = app
        .request_raw(Method::POST, path, t, big.into_bytes())
        .await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn launch_and_end_refuse_a_body_and_accept_empty_or_an_empty_object() {
    let app = TestApp::new().await;
    let t = token("user_action_bodies");
    app.seed_reference().await;

    let created = app
        .create_campaign(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let id = str_of(&created["campaign"]["id"]);
    let launch = format!("/v1/campaigns/{id}/launch");
    refused_bodies(&app, &t, &launch).await;
    let campaign = app.get_ok(&format!("/v1/campaigns/{id}"), &t).await;
    assert_eq!(
        campaign["status"], "draft",
        "a refused launch changes nothing"
    );
    let r = app
        .request_raw(Method::POST, &launch, &t, b"{}".to_vec())
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["status"], "active");

    let won = app.result(&t, &id, "won").await;
    let office = str_of(&won["elected_office"]["id"]);
    let end = format!("/v1/elected-offices/{office}/end");
    refused_bodies(&app, &t, &end).await;
    let o = app
        .get_ok(&format!("/v1/elected-offices/{office}"), &t)
        .await;
    assert_eq!(o["status"], "active", "a refused end changes nothing");
    let r = app.post_empty(&end, &t).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["status"], "ended");
    app.cleanup().await;
}
