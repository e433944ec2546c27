//! RS256 tokens against a JWKS (Clerk): from a file, and from a URL with caching, refetch on an unknown
//! `kid` (rate-limited) and key rotation. The keys are test-only fixtures under `tests/fixtures/`
//! (`rsa_*.der`: PKCS#1 private keys; `jwks_*.json`: their public halves, kids `test-key-1`/`-2`).
#![allow(clippy::unwrap_used)]

mod common;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use winserve_http::auth::Authenticator;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// An RS256 token signed with the fixture key `key` (`key1`, `key2`, `other`) naming `kid`.
fn rs256(key: &str, kid: Option<&str>, claims: &Value) -> String {
    let der = std::fs::read(fixture(&format!("rsa_{key}.der"))).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(&der)).unwrap()
}

fn claims(sub: &str) -> Value {
    json!({ "sub": sub, "exp": now() + 3600, "iat": now() })
}

async fn status_of(app: &TestApp, token: &str) -> StatusCode {
    let r = app.get("/v1/me", token).await;
    if r.0 != StatusCode::OK {
        assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    r.0
}

#[tokio::test]
async fn a_jwks_file_accepts_its_keys_only() {
    let path = fixture("jwks_key1.json");
    let auth = Authenticator::new(None, Some(path.to_str().unwrap()), None, None).unwrap();
    let app = TestApp::with_auth(auth).await;

    let good = rs256("key1", Some("test-key-1"), &claims("user_rs"));
    let r = app.get("/v1/me", &good).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["user"]["sub"], "user_rs");

    // Unknown kid, a stranger's key under the right kid, no kid, expired, HS256 when only RS256 is on.
    for (what, t) in [
        (
            "unknown kid",
            rs256("key1", Some("test-key-9"), &claims("user_rs")),
        ),
        (
            "signed by another key",
            rs256("other", Some("test-key-1"), &claims("user_rs")),
        ),
        (
            "key 2 under kid 1",
            rs256("key2", Some("test-key-1"), &claims("user_rs")),
        ),
        ("no kid", rs256("key1", None, &claims("user_rs"))),
        (
            "expired",
            rs256(
                "key1",
                Some("test-key-1"),
                &json!({ "sub": "user_rs", "exp": now() - 600 }),
            ),
        ),
        ("HS256", token("user_rs")),
    ] {
        assert_eq!(
            status_of(&app, &t).await,
            StatusCode::UNAUTHORIZED,
            "{what}"
        );
    }
    // Both methods at once: either kind of token works.
    app.cleanup().await;
    let both = Authenticator::new(Some(SECRET), Some(path.to_str().unwrap()), None, None).unwrap();
    let app = TestApp::with_auth(both).await;
    assert_eq!(status_of(&app, &good).await, StatusCode::OK);
    assert_eq!(status_of(&app, &token("user_hs")).await, StatusCode::OK);
    app.cleanup().await;
}

#[test]
fn a_broken_jwks_file_or_no_method_is_a_configuration_error() {
    assert!(Authenticator::new(None, None, None, None).is_err());
    assert!(Authenticator::new(Some(""), Some(""), Some(""), None).is_err());
    assert!(Authenticator::new(None, Some("/nonexistent/jwks.json"), None, None).is_err());
    let not_json = fixture("rsa_key1.der");
    assert!(Authenticator::new(None, Some(not_json.to_str().unwrap()), None, None).is_err());
}

/// A tiny JWKS server on 127.0.0.1:0: serves `body` (or 503 while it is `None`) and counts requests.
#[derive(Clone, Default)]
struct JwksServer {
    body: Arc<Mutex<Option<String>>>,
    hits: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(initial: Option<String>) -> (Self, String) {
        let server = JwksServer::default();
        *server.body.lock().unwrap() = initial;
        let app = axum::Router::new()
            .route("/.well-known/jwks.json", axum::routing::get(serve_jwks))
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        (server, url)
    }

    fn set(&self, body: Option<String>) {
        *self.body.lock().unwrap() = body;
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn serve_jwks(State(server): State<JwksServer>) -> axum::response::Response {
    server.hits.fetch_add(1, Ordering::SeqCst);
    let body = server.body.lock().unwrap().clone();
    match body {
        Some(b) => ([("content-type", "application/json")], b).into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// A JWKS with the keys of both fixture files.
fn both_keys() -> String {
    let mut one: Value = serde_json::from_str(&fixture_text("jwks_key1.json")).unwrap();
    let two: Value = serde_json::from_str(&fixture_text("jwks_key2.json")).unwrap();
    one["keys"]
        .as_array_mut()
        .unwrap()
        .push(two["keys"][0].clone());
    one.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwks_url_is_fetched_once_and_cached() {
    let (server, url) = JwksServer::start(Some(fixture_text("jwks_key1.json"))).await;
    let auth = Authenticator::new(None, None, Some(&url), None).unwrap();
    let app = TestApp::with_auth(auth).await;
    assert_eq!(server.hits(), 0, "keys are fetched lazily");

    let good = rs256("key1", Some("test-key-1"), &claims("user_url"));
    let r = app.get("/v1/me", &good).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["user"]["sub"], "user_url");
    assert_eq!(server.hits(), 1);
    for _ in 0..3 {
        assert_eq!(status_of(&app, &good).await, StatusCode::OK);
    }
    assert_eq!(server.hits(), 1, "known keys are served from the cache");

    // A stranger's signature under a known kid: rejected, and no refetch.
    let forged = rs256("other", Some("test-key-1"), &claims("user_url"));
    assert_eq!(status_of(&app, &forged).await, StatusCode::UNAUTHORIZED);
    assert_eq!(server.hits(), 1);

    // The server rotates to key 2. An unknown kid right after a fetch does not refetch (at most one
    // fetch per JWKS_MIN_REFRESH = 30 s, so unknown kids cannot flood the JWKS endpoint): the new key
    // is not known yet, and the cached key 1 keeps working.
    server.set(Some(fixture_text("jwks_key2.json")));
    let rotated = rs256("key2", Some("test-key-2"), &claims("user_url"));
    for _ in 0..5 {
        assert_eq!(status_of(&app, &rotated).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        server.hits(),
        1,
        "unknown kids must not flood the JWKS endpoint"
    );
    assert_eq!(status_of(&app, &good).await, StatusCode::OK);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fetch_rejects_and_the_next_request_fetches_again() {
    // The JWKS endpoint is down at first.
    let (server, url) = JwksServer::start(None).await;
    let auth = Authenticator::new(None, None, Some(&url), None)
        .unwrap()
        .with_jwks_min_refresh(std::time::Duration::from_millis(300));
    let app = TestApp::with_auth(auth).await;
    let t1 = rs256("key1", Some("test-key-1"), &claims("user_outage"));
    assert_eq!(status_of(&app, &t1).await, StatusCode::UNAUTHORIZED);
    assert_eq!(server.hits(), 1);
    // While it is down, requests within the refresh interval do not hammer it.
    assert_eq!(status_of(&app, &t1).await, StatusCode::UNAUTHORIZED);
    assert_eq!(server.hits(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;

    // It comes back with both keys (a rotation in progress): the next request fetches them, and a
    // token of either key is accepted.
    server.set(Some(both_keys()));
    assert_eq!(status_of(&app, &t1).await, StatusCode::OK);
    assert_eq!(server.hits(), 2);
    let t2 = rs256("key2", Some("test-key-2"), &claims("user_outage"));
    assert_eq!(status_of(&app, &t2).await, StatusCode::OK);
    assert_eq!(server.hits(), 2);

    // It goes down again: the cached keys keep everyone logged in.
    server.set(None);
    assert_eq!(status_of(&app, &t1).await, StatusCode::OK);
    assert_eq!(status_of(&app, &t2).await, StatusCode::OK);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kid_unknown_at_the_first_fetch_is_rejected_not_retried_at_once() {
    // The first token names a kid the JWKS does not publish yet.
    let (server, url) = JwksServer::start(Some(fixture_text("jwks_key1.json"))).await;
    let auth = Authenticator::new(None, None, Some(&url), None).unwrap();
    let app = TestApp::with_auth(auth).await;
    let t2 = rs256("key2", Some("test-key-2"), &claims("user_early"));
    assert_eq!(status_of(&app, &t2).await, StatusCode::UNAUTHORIZED);
    assert_eq!(server.hits(), 1, "an unknown kid triggers a fetch");
    // The fetch that answered the unknown kid also cached key 1.
    let t1 = rs256("key1", Some("test-key-1"), &claims("user_early"));
    assert_eq!(status_of(&app, &t1).await, StatusCode::OK);
    assert_eq!(server.hits(), 1);
    app.cleanup().await;
}

/// Rotation end to end: after the minimum refresh interval (30 s) an unknown kid refetches the JWKS and
/// the new key is accepted (the interval is shortened to keep the test fast).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_is_picked_up_after_the_minimum_refresh_interval() {
    let (server, url) = JwksServer::start(Some(fixture_text("jwks_key1.json"))).await;
    let auth = Authenticator::new(None, None, Some(&url), None)
        .unwrap()
        .with_jwks_min_refresh(std::time::Duration::from_millis(500));
    let app = TestApp::with_auth(auth).await;
    let t1 = rs256("key1", Some("test-key-1"), &claims("user_rotate"));
    let t2 = rs256("key2", Some("test-key-2"), &claims("user_rotate"));
    assert_eq!(status_of(&app, &t1).await, StatusCode::OK);
    server.set(Some(fixture_text("jwks_key2.json")));
    assert_eq!(status_of(&app, &t2).await, StatusCode::UNAUTHORIZED);
    assert_eq!(server.hits(), 1);

    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(status_of(&app, &t2).await, StatusCode::OK);
    assert_eq!(server.hits(), 2);
    // The rotated-out key is gone with the refetch.
    assert_eq!(status_of(&app, &t1).await, StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}
