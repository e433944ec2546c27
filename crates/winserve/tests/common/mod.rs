//! Shared harness of the in-process HTTP tests: the router over a fresh PostgreSQL database, token
//! minting, one-shot requests, reference-data fixtures and problem+json assertions.
#![allow(dead_code, clippy::unwrap_used)]

pub mod contacts_fixture;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;
use winserve_adapters_postgres::test_support::{self, TestDatabase};
use winserve_adapters_postgres::{PgStore, SearchIndexBuild, SearchIndexSettings};
use winserve_application::{Ports, Services};
use winserve_domain::District;
use winserve_http::auth::Authenticator;
use winserve_http::limits::{Limits, LimitsConfig};
use winserve_http::router::router;
use winserve_http::state::AppState;

/// The HS256 secret of the test server.
pub const SECRET: &str = "winserve-test-secret-0123456789";

/// A response: status, headers and the body parsed as JSON (`Value::Null` when empty, a JSON string
/// holding the text when the body is not JSON).
pub type Resp = (StatusCode, HeaderMap, Value);

/// Seconds since the epoch.
pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// An HS256 token signed with `secret` over arbitrary claims.
pub fn sign_hs256(secret: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// The signing secret of the tests' Clerk webhook endpoint.
pub const WEBHOOK_SECRET: &str = "whsec_dGVzdHMtb2YtdGhlLWNsZXJrLXdlYmhvb2stZW5kcG9pbnQ=";

/// The signing secret of the SMS provider's webhook in tests (Standard Webhooks).
pub const SMS_WEBHOOK_SECRET: &str = "whsec_c21zLXdlYmhvb2stc2VjcmV0LW9mLXRoZS10ZXN0cw==";

/// The verifier of [`SMS_WEBHOOK_SECRET`].
pub fn sms_verifier() -> winserve_http::standard_webhooks::Verifier {
    winserve_http::standard_webhooks::Verifier::new(
        SMS_WEBHOOK_SECRET,
        winserve_http::standard_webhooks::HeaderNames::STANDARD,
    )
    .unwrap()
}

/// The verifier of [`WEBHOOK_SECRET`].
pub fn webhook_verifier() -> winserve_http::clerk_webhook::WebhookVerifier {
    winserve_http::clerk_webhook::WebhookVerifier::new(WEBHOOK_SECRET).unwrap()
}

/// A valid token for `sub`, one hour long.
pub fn token(sub: &str) -> String {
    token_with(sub, json!({}))
}

/// A valid token for `sub` with extra claims merged in (e.g. `{"o": {"id": "org_x"}}`, `{"org_id": …}`,
/// `{"email": …}`); a key in `extra` replaces the default (`exp`, `sub`, …).
pub fn token_with(sub: &str, extra: Value) -> String {
    let mut claims = json!({ "sub": sub, "exp": now() + 3600, "iat": now() });
    if let (Some(base), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    sign_hs256(SECRET, &claims)
}

/// A token that expired an hour ago.
pub fn expired_token(sub: &str) -> String {
    token_with(sub, json!({ "exp": now() - 3600, "iat": now() - 7200 }))
}

/// A token signed with another secret.
pub fn wrong_secret_token(sub: &str) -> String {
    sign_hs256(
        "not-the-server-secret-at-all-9876",
        &json!({ "sub": sub, "exp": now() + 3600 }),
    )
}

/// The app under test: the router over a fresh database.
pub struct TestApp {
    /// The router (cloned for each request).
    pub router: Router,
    /// The store over the same database, for fixtures.
    pub store: PgStore,
    db: Option<TestDatabase>,
}

impl TestApp {
    /// The router with HS256 tokens signed with [`SECRET`].
    pub async fn new() -> Self {
        Self::with_auth(Authenticator::new(Some(SECRET), None, None, None).unwrap()).await
    }

    /// The router with the given authenticator.
    pub async fn with_auth(auth: Authenticator) -> Self {
        Self::build(auth, LimitsConfig::without_rate_limit(), |ports| ports).await
    }

    /// The router with HS256 tokens, the given limits, and the PostgreSQL ports passed through `wrap`
    /// (to put a decorator in front of one, e.g. to inject failures).
    pub async fn with_options(limits: LimitsConfig, wrap: impl FnOnce(Ports) -> Ports) -> Self {
        let auth = Authenticator::new(Some(SECRET), None, None, None).unwrap();
        Self::build(auth, limits, wrap).await
    }

    async fn build(
        auth: Authenticator,
        limits: LimitsConfig,
        wrap: impl FnOnce(Ports) -> Ports,
    ) -> Self {
        let db = TestDatabase::create().await;
        let store = db.store();
        let state = AppState {
            services: Services::new(wrap(store.clone().ports())),
            auth: Arc::new(auth),
            limits: Arc::new(Limits::new(limits)),
            clerk_webhook: Some(Arc::new(webhook_verifier())),
            sms_webhook: Some(Arc::new(sms_verifier())),
        };
        Self {
            router: router(state),
            store,
            db: Some(db),
        }
    }

    /// The router over `store` (HS256 tokens, no rate limit); the store's databases belong to the caller.
    pub fn over_store(store: PgStore) -> TestApp {
        let state = AppState {
            services: Services::new(store.clone().ports()),
            auth: Arc::new(Authenticator::new(Some(SECRET), None, None, None).unwrap()),
            limits: Arc::new(Limits::new(LimitsConfig::without_rate_limit())),
            clerk_webhook: Some(Arc::new(webhook_verifier())),
            sms_webhook: Some(Arc::new(sms_verifier())),
        };
        TestApp {
            router: router(state),
            store,
            db: None,
        }
    }

    /// A second view of the same database whose searches are answered from in-memory district indexes,
    /// built before the first search that wants them (ADR 0023); the database stays owned by `self`.
    pub fn with_search_index(&self) -> TestApp {
        TestApp::over_store(self.store.clone().with_search_index(SearchIndexSettings {
            budget_bytes: 64 << 20,
            build: SearchIndexBuild::Inline,
        }))
    }

    /// Drops the database now (the router stays, e.g. to see readiness fail).
    pub async fn drop_database(&mut self) {
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }

    /// Drops the database.
    pub async fn cleanup(mut self) {
        self.drop_database().await;
    }

    /// Sends a raw request and reads the whole answer.
    pub async fn send(&self, request: Request<Body>) -> Resp {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, headers, body)
    }

    /// A request with an optional bearer token, organization slug and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        org_slug: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(s) = org_slug {
            builder = builder.header("x-organization-slug", s);
        }
        let request = match body {
            Some(b) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(serde_json::to_vec(&b).unwrap()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    /// A request with a raw body sent as `application/json`.
    pub async fn request_raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Vec<u8>,
    ) -> Resp {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.request(Method::GET, path, Some(token), None, None)
            .await
    }

    /// GET with a token in an organization.
    pub async fn get_in(&self, path: &str, token: &str, slug: &str) -> Resp {
        self.request(Method::GET, path, Some(token), Some(slug), None)
            .await
    }

    /// POST a JSON body.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.request(Method::POST, path, Some(token), None, Some(body))
            .await
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.request(Method::POST, path, Some(token), None, None)
            .await
    }

    /// PATCH a JSON body.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.request(Method::PATCH, path, Some(token), None, Some(body))
            .await
    }

    /// PUT a JSON body.
    pub async fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.request(Method::PUT, path, Some(token), None, Some(body))
            .await
    }

    /// GET that must answer 200; the body.
    pub async fn get_ok(&self, path: &str, token: &str) -> Value {
        let r = self.get(path, token).await;
        assert_eq!(r.0, StatusCode::OK, "GET {path}: {}", r.2);
        r.2
    }

    /// Creates a campaign (must answer 201); `{campaign, organization}`.
    pub async fn create_campaign(&self, token: &str, body: Value) -> Value {
        let r = self.post("/v1/campaigns", token, body).await;
        assert_eq!(r.0, StatusCode::CREATED, "create campaign: {}", r.2);
        r.2
    }

    /// Launches a campaign (must answer 200); the campaign.
    pub async fn launch(&self, token: &str, campaign_id: &str) -> Value {
        let r = self
            .post_empty(&format!("/v1/campaigns/{campaign_id}/launch"), token)
            .await;
        assert_eq!(r.0, StatusCode::OK, "launch: {}", r.2);
        r.2
    }

    /// Records a result (must answer 200); `{campaign, elected_office, organization, …}`.
    pub async fn result(&self, token: &str, campaign_id: &str, outcome: &str) -> Value {
        let r = self
            .post(
                &format!("/v1/campaigns/{campaign_id}/result"),
                token,
                json!({ "outcome": outcome }),
            )
            .await;
        assert_eq!(r.0, StatusCode::OK, "result {outcome}: {}", r.2);
        r.2
    }

    /// Creates, launches and wins a campaign; `(created, result)`.
    pub async fn win(&self, token: &str, body: Value) -> (Value, Value) {
        let created = self.create_campaign(token, body).await;
        let id = str_of(&created["campaign"]["id"]);
        self.launch(token, &id).await;
        let result = self.result(token, &id, "won").await;
        (created, result)
    }

    /// Reference data used across the tests.
    pub async fn seed_reference(&self) -> Reference {
        let s = &self.store;
        let ward1 = test_support::district(s, "WY", "City_Ward", "CHEYENNE CITY WARD 1").await;
        let ward2 = test_support::district(s, "WY", "City_Ward", "CHEYENNE CITY WARD 2").await;
        let county = test_support::district(s, "WY", "County", "LARAMIE COUNTY").await;
        let denver = test_support::district(s, "CO", "City", "DENVER CITY").await;
        test_support::position(
            s,
            "br-council-1",
            "Cheyenne City Council Ward 1",
            Some(&ward1),
        )
        .await;
        test_support::position(
            s,
            "br-council-2",
            "Cheyenne City Council Ward 2",
            Some(&ward2),
        )
        .await;
        test_support::position(
            s,
            "br-commission",
            "Laramie County Commission",
            Some(&county),
        )
        .await;
        test_support::position(s, "br-denver-mayor", "Mayor of Denver", Some(&denver)).await;
        test_support::position(s, "br-no-district", "Cheyenne Town Crier", None).await;
        Reference {
            ward1,
            ward2,
            county,
            denver,
        }
    }
}

/// The seeded reference data: positions `br-council-1` (ward 1), `br-council-2` (ward 2),
/// `br-commission` (county), `br-denver-mayor` (Denver, CO) and `br-no-district` (none, WY).
pub struct Reference {
    /// CHEYENNE CITY WARD 1.
    pub ward1: District,
    /// CHEYENNE CITY WARD 2.
    pub ward2: District,
    /// LARAMIE COUNTY.
    pub county: District,
    /// DENVER CITY (CO).
    pub denver: District,
}

/// A district's id as a string.
pub fn did(d: &District) -> String {
    d.id.as_uuid().to_string()
}

/// A JSON string value as an owned string (panics on anything else).
pub fn str_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_owned()
}

/// A random UUID as a string (an id that exists nowhere).
pub fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Checks an RFC 9457 problem answer: status, `application/problem+json`, `type`, `title`, `status`,
/// `detail`, `code`, and `errors: [{field, message}]` exactly for `validation_failed`.
#[track_caller]
pub fn assert_problem(resp: &Resp, expected_status: StatusCode, expected_code: &str) {
    let (status, headers, body) = resp;
    assert_eq!(
        *status, expected_status,
        "expected {expected_status} {expected_code}, got {status}: {body}"
    );
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert_eq!(
        content_type, "application/problem+json",
        "content type of {body}"
    );
    assert_eq!(body["code"], expected_code, "code of {body}");
    assert_eq!(
        body["status"].as_u64(),
        Some(u64::from(expected_status.as_u16())),
        "status member of {body}"
    );
    for key in ["type", "title", "detail"] {
        assert!(
            body[key].as_str().is_some_and(|s| !s.is_empty()),
            "`{key}` must be a non-empty string in {body}"
        );
    }
    if expected_code == "validation_failed" {
        let errors = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors in {body}"));
        assert!(!errors.is_empty(), "empty errors in {body}");
        for e in errors {
            assert!(
                e["field"].is_string() && e["message"].is_string(),
                "bad error item {e}"
            );
        }
    } else {
        assert!(body.get("errors").is_none(), "unexpected errors in {body}");
    }
}

/// Like [`assert_problem`], and the `errors` name `field`.
#[track_caller]
pub fn assert_validation(resp: &Resp, field: &str) {
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let errors = resp.2["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["field"] == field),
        "expected an error for `{field}` in {}",
        resp.2
    );
}

/// The status of a response is 2xx.
#[track_caller]
pub fn assert_ok(resp: &Resp) {
    assert!(
        resp.0.is_success(),
        "expected success, got {}: {}",
        resp.0,
        resp.2
    );
}
