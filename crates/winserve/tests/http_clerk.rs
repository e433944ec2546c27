//! Clerk keeps the members of a linked organization in step (issue 15): verified token claims (lazy
//! sync) and Svix-signed webhook deliveries, signed here the way Clerk signs them.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};

const CLERK_ORG: &str = "org_clerk_campaign";

/// An owner whose Win organization is linked to [`CLERK_ORG`]; its slug.
async fn linked(app: &TestApp) -> (String, String) {
    let owner = token("user_clerk_owner");
    let created = app
        .create_campaign(&owner, json!({ "custom_position_name": "Mayor" }))
        .await;
    let slug = str_of(&created["organization"]["slug"]);
    let admin = token_with(
        "user_clerk_owner",
        json!({ "o": { "id": CLERK_ORG, "rol": "admin" } }),
    );
    let r = app
        .patch(
            &format!("/v1/organizations/{slug}"),
            &admin,
            json!({ "clerk_organization_id": CLERK_ORG }),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    (owner, slug)
}

/// A token for `sub` whose active organization is [`CLERK_ORG`] with `role`, issued at `iat`.
fn claim(sub: &str, claims: Value, iat: u64) -> String {
    let mut extra = claims;
    extra["iat"] = json!(iat);
    token_with(sub, extra)
}

fn v2(role: &str) -> Value {
    json!({ "o": { "id": CLERK_ORG, "rol": role } })
}

async fn role_of(app: &TestApp, owner: &str, slug: &str, sub_token: &str) -> Option<String> {
    let id = str_of(&app.get_ok("/v1/me", sub_token).await["user"]["id"]);
    let members = app
        .get_ok(&format!("/v1/organizations/{slug}/members"), owner)
        .await;
    members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["id"] == id.as_str())
        .map(|m| str_of(&m["role"]))
}

/// Sends a delivery signed with the tests' secret (or the given signature).
async fn deliver(
    app: &TestApp,
    id: &str,
    timestamp: i64,
    body: &Value,
    signature: Option<&str>,
) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap();
    let signature = signature
        .map(str::to_owned)
        .unwrap_or_else(|| webhook_verifier().sign(id, timestamp, &bytes));
    let request = Request::builder()
        .method("POST")
        .uri("/v1/webhooks/clerk")
        .header(header::CONTENT_TYPE, "application/json")
        .header("svix-id", id)
        .header("svix-timestamp", timestamp.to_string())
        .header("svix-signature", signature)
        .body(Body::from(bytes))
        .unwrap();
    app.send(request).await
}

fn membership(kind: &str, sub: &str, role: &str, at_ms: i64) -> Value {
    json!({
        "type": format!("organizationMembership.{kind}"),
        "object": "event",
        "timestamp": at_ms,
        "data": {
            "id": "orgmem_1",
            "role": role,
            "organization": { "id": CLERK_ORG, "name": "Campaign" },
            "public_user_data": {
                "user_id": sub, "identifier": format!("{sub}@clerk.test"),
                "first_name": "Cleo", "last_name": "Clerk"
            },
            "updated_at": at_ms
        }
    })
}

fn ms(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap() * 1000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_claim_grants_exactly_its_role_and_a_later_token_changes_it() {
    let app = TestApp::new().await;
    let (owner, slug) = linked(&app).await;
    let t0 = now() - 100;
    // v2 member: a member, who may read but not edit segments.
    let member = claim("user_clerk_staff", v2("member"), t0);
    let org = app
        .get_ok(&format!("/v1/organizations/{slug}"), &member)
        .await;
    assert_eq!(org["role"], "member");
    let r = app.get("/v1/segments", &member).await;
    assert_eq!(
        r.0,
        StatusCode::OK,
        "the claim selects the organization: {}",
        r.2
    );
    assert_eq!(
        role_of(&app, &owner, &slug, &member).await.as_deref(),
        Some("member")
    );
    // A later token says admin: it takes effect. An older token saying member changes nothing.
    let admin = claim("user_clerk_staff", v2("admin"), t0 + 10);
    assert_eq!(
        app.get_ok("/v1/segments", &admin).await["custom"],
        json!([])
    );
    assert_eq!(
        role_of(&app, &owner, &slug, &admin).await.as_deref(),
        Some("admin")
    );
    let stale = claim("user_clerk_staff", v2("member"), t0 + 5);
    app.get_ok("/v1/me", &stale).await;
    assert_eq!(
        role_of(&app, &owner, &slug, &admin).await.as_deref(),
        Some("admin")
    );
    // v1 claims and custom roles: a custom role is a member.
    let custom = claim(
        "user_clerk_other",
        json!({ "org_id": CLERK_ORG, "org_role": "org:billing" }),
        t0,
    );
    app.get_ok("/v1/me", &custom).await;
    assert_eq!(
        role_of(&app, &owner, &slug, &custom).await.as_deref(),
        Some("member")
    );
    // The owner stays owner whatever their token says.
    let owner_as_member = claim("user_clerk_owner", v2("member"), t0 + 20);
    let org = app
        .get_ok(&format!("/v1/organizations/{slug}"), &owner_as_member)
        .await;
    assert_eq!(org["role"], "owner");
    // A claim without a role only selects; it makes nobody a member.
    let no_role = claim("user_clerk_none", json!({ "o": { "id": CLERK_ORG } }), t0);
    let r = app
        .get(&format!("/v1/organizations/{slug}"), &no_role)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_removal_only_a_token_issued_later_brings_the_member_back() {
    let app = TestApp::new().await;
    let (owner, slug) = linked(&app).await;
    let t0 = now() - 1000;
    let before = claim("user_clerk_staff", v2("member"), t0);
    assert_eq!(
        app.get_ok(&format!("/v1/organizations/{slug}"), &before)
            .await["role"],
        "member"
    );
    // Clerk removes the member at t0 + 100.
    let r = deliver(
        &app,
        "msg_removed",
        now_i64(),
        &membership("deleted", "user_clerk_staff", "org:member", ms(t0 + 100)),
        None,
    )
    .await;
    assert_eq!(r.0, StatusCode::NO_CONTENT, "{}", r.2);
    let r = app.get(&format!("/v1/organizations/{slug}"), &before).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    // A token issued before the removal cannot bring the membership back...
    let r = app.get(&format!("/v1/organizations/{slug}"), &before).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    // ...one issued after it (Clerk re-added them) can.
    let after = claim("user_clerk_staff", v2("member"), t0 + 200);
    assert_eq!(
        app.get_ok(&format!("/v1/organizations/{slug}"), &after)
            .await["role"],
        "member"
    );
    let history = app.get_ok("/v1/me/history", &after).await;
    let kinds: Vec<String> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(&e["kind"]))
        .collect();
    assert_eq!(kinds, ["member_joined", "member_left", "member_joined"]);
    assert_eq!(
        role_of(&app, &owner, &slug, &after).await.as_deref(),
        Some("member")
    );
    app.cleanup().await;
}

fn now_i64() -> i64 {
    i64::try_from(now()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_deliveries_are_verified_applied_once_and_in_clerk_order() {
    let app = TestApp::new().await;
    let (owner, slug) = linked(&app).await;
    let staff = token_with("user_hook", json!({ "email": "user_hook@clerk.test" }));
    let t0 = now() - 500;
    let created = membership("created", "user_hook", "org:member", ms(t0));

    // Tampered, stale, unsigned: 401, nothing stored.
    let bytes = serde_json::to_vec(&created).unwrap();
    let good = webhook_verifier().sign("msg_1", now_i64(), &bytes);
    let mut tampered = created.clone();
    tampered["data"]["role"] = json!("org:admin");
    let r = deliver(&app, "msg_1", now_i64(), &tampered, Some(&good)).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    let old = now_i64() - 301;
    let stale_sig = webhook_verifier().sign("msg_1", old, &bytes);
    let r = deliver(&app, "msg_1", old, &created, Some(&stale_sig)).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    let r = app
        .request(
            axum::http::Method::POST,
            "/v1/webhooks/clerk",
            None,
            None,
            Some(created.clone()),
        )
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(role_of(&app, &owner, &slug, &staff).await, None);

    // Valid: the member exists (the user is created from the payload if needed).
    let r = deliver(&app, "msg_1", now_i64(), &created, None).await;
    assert_eq!(r.0, StatusCode::NO_CONTENT, "{}", r.2);
    assert_eq!(
        role_of(&app, &owner, &slug, &staff).await.as_deref(),
        Some("member")
    );
    // Replayed (same svix-id, even with another body): ignored.
    let promoted = membership("updated", "user_hook", "org:admin", ms(t0 + 10));
    let r = deliver(&app, "msg_1", now_i64(), &promoted, None).await;
    assert_eq!(r.0, StatusCode::NO_CONTENT);
    assert_eq!(
        role_of(&app, &owner, &slug, &staff).await.as_deref(),
        Some("member")
    );
    // Out of order: the newer update first, then an older update, then an older delete.
    let r = deliver(&app, "msg_2", now_i64(), &promoted, None).await;
    assert_eq!(r.0, StatusCode::NO_CONTENT);
    assert_eq!(
        role_of(&app, &owner, &slug, &staff).await.as_deref(),
        Some("admin")
    );
    let older = membership("updated", "user_hook", "org:member", ms(t0 + 5));
    deliver(&app, "msg_3", now_i64(), &older, None).await;
    assert_eq!(
        role_of(&app, &owner, &slug, &staff).await.as_deref(),
        Some("admin")
    );
    let older_delete = membership("deleted", "user_hook", "org:member", ms(t0 + 7));
    deliver(&app, "msg_4", now_i64(), &older_delete, None).await;
    assert_eq!(
        role_of(&app, &owner, &slug, &staff).await.as_deref(),
        Some("admin")
    );
    // A newer delete removes them; an update older than it, arriving late, does not bring them back.
    let delete = membership("deleted", "user_hook", "org:admin", ms(t0 + 20));
    deliver(&app, "msg_5", now_i64(), &delete, None).await;
    assert_eq!(role_of(&app, &owner, &slug, &staff).await, None);
    let late = membership("updated", "user_hook", "org:admin", ms(t0 + 15));
    deliver(&app, "msg_6", now_i64(), &late, None).await;
    assert_eq!(role_of(&app, &owner, &slug, &staff).await, None);
    // The owner is never touched; unknown events are acknowledged.
    let owner_delete = membership("deleted", "user_clerk_owner", "org:admin", ms(t0 + 30));
    deliver(&app, "msg_7", now_i64(), &owner_delete, None).await;
    assert_eq!(
        app.get_ok(&format!("/v1/organizations/{slug}"), &owner)
            .await["role"],
        "owner"
    );
    let r = deliver(
        &app,
        "msg_8",
        now_i64(),
        &json!({ "type": "user.created", "data": {} }),
        None,
    )
    .await;
    assert_eq!(r.0, StatusCode::NO_CONTENT);
    // organization.deleted: the link and the synced members go.
    deliver(
        &app,
        "msg_9",
        now_i64(),
        &membership("created", "user_hook", "org:member", ms(t0 + 40)),
        None,
    )
    .await;
    assert_eq!(
        role_of(&app, &owner, &slug, &staff).await.as_deref(),
        Some("member")
    );
    let gone = json!({ "type": "organization.deleted", "timestamp": ms(t0 + 50),
                       "data": { "id": CLERK_ORG, "deleted": true, "object": "organization" } });
    deliver(&app, "msg_10", now_i64(), &gone, None).await;
    assert_eq!(role_of(&app, &owner, &slug, &staff).await, None);
    let org = app
        .get_ok(&format!("/v1/organizations/{slug}"), &owner)
        .await;
    assert_eq!(org["clerk_organization_id"], Value::Null);
    app.cleanup().await;
}
