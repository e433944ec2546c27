//! A NUL byte (or any control character) in text a client sends never reaches PostgreSQL, which refuses
//! NUL in text (issue 12, finding 2): searches, reference-data queries and cursors answer 422
//! `validation_failed` naming the parameter; exports fail before their first byte.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn control_characters_in_queries_are_422_naming_the_parameter() {
    let app = TestApp::new().await;
    let t = token("user_nul_bytes");
    app.seed_reference().await;
    let created = app
        .create_campaign(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let slug = str_of(&created["organization"]["slug"]);

    for search in ["%00", "a%00b", "a%01b", "%1F"] {
        for path in ["/v1/contacts", "/v1/contacts/stats", "/v1/contacts/export"] {
            let r = app
                .get_in(&format!("{path}?search={search}"), &t, &slug)
                .await;
            assert_validation(&r, "search");
        }
    }
    for q in ["%00", "a%00b"] {
        for path in ["/v1/positions", "/v1/districts"] {
            let r = app.get(&format!("{path}?q={q}"), &t).await;
            assert_validation(&r, "q");
        }
    }
    // A cursor whose keys hold NUL: `\0` SEP `\0` SEP <uuid>, hex-encoded.
    let id = "6f9619ff-8b86-d011-b42d-00cf4fc964ff";
    let hex: String = format!("\u{0}\u{1f}\u{0}\u{1f}{id}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let r = app
        .get_in(&format!("/v1/contacts?cursor={hex}"), &t, &slug)
        .await;
    assert_validation(&r, "cursor");

    // The same requests without the control characters work.
    let r = app.get_in("/v1/contacts?search=ab", &t, &slug).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    let r = app.get("/v1/positions?q=council", &t).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    app.cleanup().await;
}
