//! Bad input never breaks the server: malformed or oversized bodies, wrong types, unknown fields, bad
//! path ids, bad tokens and unknown routes all answer a 4xx problem+json, and the next request works.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::json;
use winserve_http::auth::Authenticator;

/// The server still answers a valid request.
async fn still_up(app: &TestApp) {
    let r = app.get("/v1/me", &token("user_still_up")).await;
    assert_eq!(r.0, StatusCode::OK, "the server stopped answering: {}", r.2);
}

#[track_caller]
fn assert_client_error(r: &Resp, what: &str) {
    assert!(
        r.0.is_client_error(),
        "{what}: expected 4xx, got {}: {}",
        r.0,
        r.2
    );
    assert_eq!(
        r.1.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{what}"
    );
    assert_eq!(
        r.2["status"].as_u64(),
        Some(u64::from(r.0.as_u16())),
        "{what}: {}",
        r.2
    );
}

#[tokio::test]
async fn malformed_and_mistyped_bodies_are_problems() {
    let app = TestApp::new().await;
    let t = token("user_bodies");

    for raw in ["{not json", "", "{\"party\": \"x\"", "nul", "{\"a\":1}}"] {
        let r = app
            .request_raw(Method::POST, "/v1/campaigns", &t, raw.as_bytes().to_vec())
            .await;
        assert_client_error(&r, raw);
        if raw == "{not json" {
            assert_problem(&r, StatusCode::BAD_REQUEST, "bad_request");
        }
        still_up(&app).await;
    }

    // Wrong types name the field.
    let cases = [
        (json!({ "election_date": 20261103 }), "election_date"),
        (json!({ "election_date": "next tuesday" }), "election_date"),
        (json!({ "custom_position_name": 5 }), "custom_position_name"),
        (
            json!({ "override_district_id": "not-a-uuid" }),
            "override_district_id",
        ),
        (
            json!({ "from_elected_office_id": [1, 2] }),
            "from_elected_office_id",
        ),
        (json!({ "party": { "name": "x" } }), "party"),
    ];
    for (body, field) in cases {
        let r = app.post("/v1/campaigns", &t, body.clone()).await;
        assert_validation(&r, field);
        still_up(&app).await;
    }
    // A body of the wrong shape altogether.
    for body in [json!([]), json!("text"), json!(42), json!(null)] {
        let r = app.post("/v1/campaigns", &t, body.clone()).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }

    // Unknown fields are rejected and named.
    let r = app
        .post(
            "/v1/campaigns",
            &t,
            json!({ "custom_position_name": "Mayor", "colour": "red" }),
        )
        .await;
    assert_validation(&r, "colour");
    let c = app
        .create_campaign(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    let id = str_of(&c["campaign"]["id"]);
    let slug = str_of(&c["organization"]["slug"]);
    let r = app
        .patch(
            &format!("/v1/campaigns/{id}"),
            &t,
            json!({ "statuss": "won" }),
        )
        .await;
    assert_validation(&r, "statuss");
    let r = app
        .patch(
            &format!("/v1/organizations/{slug}"),
            &t,
            json!({ "mode": "serve" }),
        )
        .await;
    assert_validation(&r, "mode");
    let r = app
        .post(
            &format!("/v1/campaigns/{id}/result"),
            &t,
            json!({ "outcome": "withdrawn", "force": true }),
        )
        .await;
    assert_validation(&r, "force");
    let r = app
        .put(
            "/v1/me/active-organization",
            &t,
            json!({ "slug": slug, "pin": 1 }),
        )
        .await;
    assert_validation(&r, "pin");
    let r = app
        .post(
            &format!("/v1/campaigns/{id}/result"),
            &t,
            json!({ "outcome": "won", "copy_segments": "yes" }),
        )
        .await;
    assert_validation(&r, "copy_segments");
    // Nothing was changed by the rejected requests.
    assert_eq!(
        app.get_ok(&format!("/v1/campaigns/{id}"), &t).await["status"],
        "draft"
    );

    // A JSON body without a JSON content type.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/campaigns")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .body(Body::from("{}"))
        .unwrap();
    let r = app.send(request).await;
    assert_client_error(&r, "no content type");
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/campaigns")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let r = app.send(request).await;
    assert_client_error(&r, "text/plain");
    still_up(&app).await;
    app.cleanup().await;
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::new().await;
    let t = token("user_big");
    let big = format!("{{\"party\": \"{}\"}}", "x".repeat(1024 * 1024 + 16));
    for path in ["/v1/campaigns", "/v1/me/active-organization"] {
        let method = if path == "/v1/campaigns" {
            Method::POST
        } else {
            Method::PUT
        };
        let r = app
            .request_raw(method, path, &t, big.clone().into_bytes())
            .await;
        assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
        still_up(&app).await;
    }
    // Without a Content-Length (a stream), too.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/v1/campaigns")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let r = app.send(request).await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // Just under the limit is read (and rejected for its content only).
    let fits = format!("{{\"party\": \"{}\"}}", "x".repeat(1000 * 1024));
    let r = app
        .request_raw(Method::POST, "/v1/campaigns", &t, fits.into_bytes())
        .await;
    assert_validation(&r, "party");
    still_up(&app).await;
    app.cleanup().await;
}

#[tokio::test]
async fn invalid_path_ids_and_unknown_routes_are_problems() {
    let app = TestApp::new().await;
    let t = token("user_paths");
    for (method, path) in [
        (Method::GET, "/v1/campaigns/not-a-uuid"),
        (Method::PATCH, "/v1/campaigns/123"),
        (Method::POST, "/v1/campaigns/zzz/launch"),
        (Method::POST, "/v1/campaigns/%00/result"),
        (Method::GET, "/v1/elected-offices/1.5"),
        (Method::POST, "/v1/elected-offices/nope/end"),
    ] {
        let body = (method != Method::GET).then(|| json!({}));
        let r = app
            .request(method.clone(), path, Some(&t), None, body)
            .await;
        assert_client_error(&r, path);
        still_up(&app).await;
    }
    let r = app.get("/v1/campaigns/not-a-uuid", &t).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for slug in ["UPPER", "a", "with%20space", "-dash", &"x".repeat(200)] {
        let r = app.get(&format!("/v1/organizations/{slug}"), &t).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    }
    // `/` is the console (issue 17); anything else outside the API is a 404 problem.
    for path in [
        "/v1/nothing-here",
        "/console",
        "/v2/me",
        "/v1/campaigns/a/b/c",
    ] {
        let r = app.get(path, &t).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let anon = app.request(Method::GET, path, None, None, None).await;
        assert_problem(&anon, StatusCode::NOT_FOUND, "not_found");
    }
    still_up(&app).await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_wrong_method_is_a_consistent_405_problem() {
    let app = TestApp::new().await;
    let t = token("user_methods");
    for (method, path) in [
        (Method::DELETE, "/v1/me"),
        (Method::POST, "/v1/organizations"),
        (Method::PUT, "/v1/campaigns"),
    ] {
        let r = app.request(method, path, Some(&t), None, None).await;
        assert_eq!(r.0, StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_client_error(&r, path);
        assert!(r.2["code"].is_string());
    }
    still_up(&app).await;
    app.cleanup().await;
}

#[tokio::test]
async fn bad_tokens_are_401_problems() {
    let app = TestApp::new().await;
    let sub = "user_tokens";
    let now = now();
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("garbage", Some("Bearer garbage".into())),
        ("three garbage parts", Some("Bearer a.b.c".into())),
        ("empty bearer", Some("Bearer ".into())),
        ("basic scheme", Some("Basic dXNlcjpwYXNz".into())),
        ("no scheme", Some(token(sub))),
        ("expired", Some(format!("Bearer {}", expired_token(sub)))),
        (
            "not yet valid",
            Some(format!(
                "Bearer {}",
                token_with(sub, json!({ "nbf": now + 3600 }))
            )),
        ),
        (
            "wrong secret",
            Some(format!("Bearer {}", wrong_secret_token(sub))),
        ),
        (
            "empty sub",
            Some(format!("Bearer {}", token_with("", json!({})))),
        ),
        (
            "blank sub",
            Some(format!(
                "Bearer {}",
                token_with("user with spaces", json!({}))
            )),
        ),
        (
            "no sub",
            Some(format!(
                "Bearer {}",
                sign_hs256(SECRET, &json!({ "exp": now + 3600 }))
            )),
        ),
        (
            "no exp",
            Some(format!(
                "Bearer {}",
                sign_hs256(SECRET, &json!({ "sub": sub }))
            )),
        ),
        (
            "sub of the wrong type",
            Some(format!(
                "Bearer {}",
                sign_hs256(SECRET, &json!({ "sub": 42, "exp": now + 3600 }))
            )),
        ),
        ("alg none", Some(format!("Bearer {}", alg_none_token(sub)))),
        ("HS384", Some(format!("Bearer {}", hs384_token(sub)))),
        (
            "RS256 without JWKS",
            Some(format!("Bearer {}", rs256_header_token(sub))),
        ),
        (
            "tampered payload",
            Some(format!("Bearer {}", tampered(&token(sub)))),
        ),
    ];
    for (what, auth) in cases {
        let mut builder = Request::builder().method(Method::GET).uri("/v1/me");
        if let Some(a) = auth {
            builder = builder.header(header::AUTHORIZATION, a);
        }
        let r = app.send(builder.body(Body::empty()).unwrap()).await;
        assert_eq!(r.0, StatusCode::UNAUTHORIZED, "{what}: {}", r.2);
        assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
        still_up(&app).await;
    }
    // Org-scoped and write endpoints check the token first, too.
    let r = app
        .request(
            Method::GET,
            "/v1/campaigns/current",
            None,
            Some("campaign-abc"),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    let r = app
        .request(
            Method::POST,
            "/v1/campaigns",
            Some(&expired_token(sub)),
            None,
            Some(json!({})),
        )
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    // None of them created a user or a campaign.
    let me = app.get_ok("/v1/me", &token(sub)).await;
    assert_eq!(me["organizations"], json!([]));
    app.cleanup().await;
}

fn b64(bytes: &[u8]) -> String {
    // base64url without padding, by hand (no extra dependency).
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn unsigned(header: &serde_json::Value, claims: &serde_json::Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

fn alg_none_token(sub: &str) -> String {
    unsigned(
        &json!({ "alg": "none", "typ": "JWT" }),
        &json!({ "sub": sub, "exp": now() + 3600 }),
        "",
    )
}

fn hs384_token(sub: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS384),
        &json!({ "sub": sub, "exp": now() + 3600 }),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn rs256_header_token(sub: &str) -> String {
    unsigned(
        &json!({ "alg": "RS256", "typ": "JWT", "kid": "test-key-1" }),
        &json!({ "sub": sub, "exp": now() + 3600 }),
        "c2lnbmF0dXJl",
    )
}

/// The token with its payload replaced (another subject), the signature kept.
fn tampered(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let payload = b64(json!({ "sub": "user_admin", "exp": now() + 3600 })
        .to_string()
        .as_bytes());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn a_configured_issuer_must_match() {
    let issuer = "https://clerk.winserve.example";
    let auth = Authenticator::new(Some(SECRET), None, None, Some(issuer)).unwrap();
    let app = TestApp::with_auth(auth).await;
    let sub = "user_issuer";
    for (what, t) in [
        ("no iss", token(sub)),
        (
            "wrong iss",
            token_with(sub, json!({ "iss": "https://evil.example" })),
        ),
        (
            "iss with a trailing slash",
            token_with(sub, json!({ "iss": format!("{issuer}/") })),
        ),
    ] {
        let r = app.get("/v1/me", &t).await;
        assert_eq!(r.0, StatusCode::UNAUTHORIZED, "{what}: {}", r.2);
        assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let good = token_with(sub, json!({ "iss": issuer }));
    let r = app.get("/v1/me", &good).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["user"]["sub"], sub);
    app.cleanup().await;
}
