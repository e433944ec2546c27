//! Exports that fail, and the bounds on expensive work (issue 12, findings 3 and 8):
//!
//! - an export whose query fails before its first row answers a problem, never `200 text/csv`;
//! - one that fails later aborts the chunked transfer, so the client sees a truncated body;
//! - exports are capped per organization (429 `too_many_requests` with `Retry-After`), a slot is freed
//!   when its body is dropped;
//! - the per-user request rate limit answers 429 with `Retry-After`, per user.
//!
//! The failures come from a decorator in front of the real PostgreSQL contacts port, so everything else
//! (membership, the organization's district, the query) is the production path.
#![allow(clippy::unwrap_used)]

mod common;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::contacts_fixture::fixture_voters;
use common::*;
use futures_util::StreamExt;
use http_body_util::BodyExt;
use serde_json::json;
use std::sync::Arc;
use tower::ServiceExt;
use winserve_application::{
    ContactFilter, ContactPage, ContactRepository, ContactStats, ContactStream, ContactWindow,
    Ports, StoreError, VoterRepository,
};
use winserve_domain::{District, PartyPolicy, Voter, VoterId};
use winserve_http::limits::LimitsConfig;

/// How the decorated export fails.
#[derive(Clone, Copy)]
enum Failure {
    /// Its first item is an error of this kind (`true`: the database is unavailable).
    AtStart { unavailable: bool },
    /// After this many rows.
    After(usize),
}

/// The real contacts port, with an export that fails as told.
struct FailingExport {
    inner: Arc<dyn ContactRepository>,
    failure: Failure,
}

#[async_trait]
impl ContactRepository for FailingExport {
    async fn list(
        &self,
        filter: &ContactFilter,
        window: &ContactWindow,
    ) -> Result<ContactPage, StoreError> {
        self.inner.list(filter, window).await
    }

    async fn find(
        &self,
        district: &District,
        policy: PartyPolicy,
        id: VoterId,
    ) -> Result<Option<Voter>, StoreError> {
        self.inner.find(district, policy, id).await
    }

    async fn count(&self, filter: &ContactFilter) -> Result<u64, StoreError> {
        self.inner.count(filter).await
    }

    async fn stats(&self, filter: &ContactFilter) -> Result<ContactStats, StoreError> {
        self.inner.stats(filter).await
    }

    async fn export(&self, filter: &ContactFilter) -> Result<ContactStream, StoreError> {
        let rows = self.inner.export(filter).await?;
        Ok(match self.failure {
            Failure::AtStart { unavailable } => {
                let error = if unavailable {
                    StoreError::unavailable("terminating connection due to administrator command")
                } else {
                    StoreError::internal("relation \"voters\" does not exist")
                };
                Box::pin(futures_util::stream::once(async move { Err(error) }))
            }
            // The failure comes a moment after the rows, as a lost connection would: the rows before
            // it are ready (and sent) first. Were it ready with them, nothing would have been sent yet
            // and the answer would be a problem instead.
            Failure::After(n) => Box::pin(rows.take(n).chain(futures_util::stream::once(async {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                Err(StoreError::internal("connection reset mid-export"))
            }))),
        })
    }
}

fn failing(failure: Failure) -> impl FnOnce(Ports) -> Ports {
    move |mut ports| {
        ports.contacts = Arc::new(FailingExport {
            inner: ports.contacts.clone(),
            failure,
        });
        ports
    }
}

/// An app whose Win organization (over ward 1, 120 voters) is ready; `(app, token, slug)`.
async fn world(
    limits: LimitsConfig,
    wrap: impl FnOnce(Ports) -> Ports,
) -> (TestApp, String, String) {
    let app = TestApp::with_options(limits, wrap).await;
    app.seed_reference().await;
    app.store.upsert_voters(&fixture_voters()).await.unwrap();
    let t = token("user_export_limits");
    let created = app
        .create_campaign(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let slug = str_of(&created["organization"]["slug"]);
    (app, t, slug)
}

/// An export whose body is not read yet (it holds its slot until read to the end or dropped).
async fn open_export(app: &TestApp, t: &str, slug: &str) -> axum::response::Response {
    app.router
        .clone()
        .oneshot(export_request(t, slug))
        .await
        .unwrap()
}

/// The `Retry-After` seconds of a refusal.
fn retry_after(refused: &Resp) -> u32 {
    refused.1[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn export_request(t: &str, slug: &str) -> Request<Body> {
    Request::get("/v1/contacts/export")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header("x-organization-slug", slug)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn an_export_failing_before_its_first_row_is_a_problem_not_a_csv() {
    for (unavailable, status, code) in [
        (false, StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        (true, StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
    ] {
        let (app, t, slug) = world(
            LimitsConfig::without_rate_limit(),
            failing(Failure::AtStart { unavailable }),
        )
        .await;
        let r = app.get_in("/v1/contacts/export", &t, &slug).await;
        assert_problem(&r, status, code);
        assert!(r.1.contains_key("x-request-id"));
        assert_eq!(
            r.1.contains_key(header::RETRY_AFTER),
            unavailable,
            "Retry-After with 503 only"
        );
        // The slot of a failed export is free again.
        let again = app.get_in("/v1/contacts/export", &t, &slug).await;
        assert_problem(&again, status, code);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn an_export_failing_mid_stream_aborts_the_transfer() {
    let (app, t, slug) = world(
        LimitsConfig::without_rate_limit(),
        failing(Failure::After(100)),
    )
    .await;
    let response = open_export(&app, &t, &slug).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut received = Vec::new();
    let error = loop {
        match body.frame().await {
            Some(Ok(frame)) => received.extend_from_slice(frame.data_ref().unwrap()),
            Some(Err(e)) => break e,
            None => panic!("the body ended normally after a failure"),
        }
    };
    assert!(
        error.to_string().contains("connection reset mid-export"),
        "{error}"
    );
    let text = String::from_utf8(received).unwrap();
    assert!(text.starts_with("id,"), "the header row went out first");
    assert!(
        text.lines().count() > 1,
        "the rows before the failure went out"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn exports_are_capped_per_organization_and_a_dropped_body_frees_its_slot() {
    let limits = LimitsConfig {
        exports_per_organization: 2,
        ..LimitsConfig::without_rate_limit()
    };
    let (app, t, slug) = world(limits, |ports| ports).await;
    // Two exports whose bodies are not read yet hold both slots.
    let first = open_export(&app, &t, &slug).await;
    let second = open_export(&app, &t, &slug).await;
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );

    let refused = app.get_in("/v1/contacts/export", &t, &slug).await;
    assert_problem(&refused, StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let retry = retry_after(&refused);
    assert!(retry >= 1);
    // Lists, counts and stats are not exports: they still answer.
    assert_eq!(
        app.get_in("/v1/contacts", &t, &slug).await.0,
        StatusCode::OK
    );

    // A body read to its end frees its slot; so does one dropped half-way (the client went away).
    let csv = first.into_body().collect().await.unwrap().to_bytes();
    assert!(csv.starts_with(b"id,"));
    drop(second);
    let a = open_export(&app, &t, &slug).await;
    let b = open_export(&app, &t, &slug).await;
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    app.cleanup().await;
}

#[tokio::test]
async fn the_rate_limit_answers_429_per_user() {
    let limits = LimitsConfig {
        rate_per_minute: 5,
        ..LimitsConfig::default()
    };
    let (app, _, _) = world(limits, |ports| ports).await;
    // `world` spent one request of user_export_limits's bucket; a fresh user has a full one.
    let alice = token("user_rate_alice");
    for _ in 0..5 {
        assert_eq!(app.get("/v1/me", &alice).await.0, StatusCode::OK);
    }
    let refused = app.get("/v1/me", &alice).await;
    assert_problem(&refused, StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let retry = retry_after(&refused);
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    // Another user is not slowed down by alice.
    assert_eq!(
        app.get("/v1/me", &token("user_rate_bob")).await.0,
        StatusCode::OK
    );
    // Health checks carry no token and are never limited.
    for _ in 0..10 {
        assert_eq!(app.get("/v1/health/live", "").await.0, StatusCode::OK);
    }
    app.cleanup().await;
}
