//! Health, the caller (`/v1/me`), organizations (list, read, PATCH with the effective-district rules,
//! the Clerk link and organization selection), navigation, reference-data search and the OpenAPI
//! document, through the router.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode, header};
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn health_live_and_ready_are_public_and_ready_fails_without_a_database() {
    let mut app = TestApp::new().await;
    let live = app
        .request(Method::GET, "/v1/health/live", None, None, None)
        .await;
    assert_eq!(live.0, StatusCode::OK);
    assert_eq!(live.2, json!({ "status": "ok" }));
    let ready = app
        .request(Method::GET, "/v1/health/ready", None, None, None)
        .await;
    assert_eq!(ready.0, StatusCode::OK);
    assert_eq!(ready.2, json!({ "status": "ok" }));

    app.drop_database().await;
    let ready = app
        .request(Method::GET, "/v1/health/ready", None, None, None)
        .await;
    assert_problem(&ready, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(
        ready.1.get(header::RETRY_AFTER).is_some(),
        "503 needs Retry-After"
    );
    // Liveness does not depend on the database.
    let live = app
        .request(Method::GET, "/v1/health/live", None, None, None)
        .await;
    assert_eq!(live.0, StatusCode::OK);
    app.cleanup().await;
}

#[tokio::test]
async fn me_creates_the_user_and_reports_the_default_organization() {
    let app = TestApp::new().await;
    let t = token_with(
        "user_me",
        json!({ "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace" }),
    );
    let me = app.get_ok("/v1/me", &t).await;
    assert_eq!(me["user"]["sub"], "user_me");
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert_eq!(me["user"]["first_name"], "Ada");
    assert_eq!(me["user"]["last_name"], "Lovelace");
    assert!(uuid::Uuid::parse_str(me["user"]["id"].as_str().unwrap()).is_ok());
    assert_eq!(me["organizations"], json!([]));
    assert_eq!(me["active_organization_slug"], Value::Null);
    // The same user on the next request.
    let again = app.get_ok("/v1/me", &t).await;
    assert_eq!(again["user"]["id"], me["user"]["id"]);

    // One campaign: its org is the default.
    let c1 = app
        .create_campaign(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    let win1 = str_of(&c1["organization"]["slug"]);
    let me = app.get_ok("/v1/me", &t).await;
    assert_eq!(me["active_organization_slug"], win1.as_str());
    assert_eq!(me["organizations"].as_array().unwrap().len(), 1);
    assert_eq!(me["organizations"][0]["slug"], win1.as_str());

    // Won: the Serve org is the newest open one and becomes the default.
    let c1_id = str_of(&c1["campaign"]["id"]);
    app.launch(&t, &c1_id).await;
    let won = app.result(&t, &c1_id, "won").await;
    let serve = str_of(&won["organization"]["slug"]);
    let me = app.get_ok("/v1/me", &t).await;
    assert_eq!(me["active_organization_slug"], serve.as_str());

    // A saved choice wins, even an archived organization; the answer is the /v1/me body.
    let put = app
        .put("/v1/me/active-organization", &t, json!({ "slug": win1 }))
        .await;
    assert_eq!(put.0, StatusCode::OK, "{}", put.2);
    assert_eq!(put.2["active_organization_slug"], win1.as_str());
    assert_eq!(put.2["user"]["sub"], "user_me");
    assert_eq!(put.2["organizations"].as_array().unwrap().len(), 2);
    let me = app.get_ok("/v1/me", &t).await;
    assert_eq!(me["active_organization_slug"], win1.as_str());
    assert_eq!(put.2, me);

    // Unknown slug and another user's slug are 404 and change nothing.
    let unknown = app
        .put(
            "/v1/me/active-organization",
            &t,
            json!({ "slug": "campaign-nosuchorg123" }),
        )
        .await;
    assert_problem(&unknown, StatusCode::NOT_FOUND, "organization_not_found");
    let other = token("user_other");
    let theirs = app.create_campaign(&other, json!({})).await;
    let foreign = app
        .put(
            "/v1/me/active-organization",
            &t,
            json!({ "slug": theirs["organization"]["slug"] }),
        )
        .await;
    assert_problem(&foreign, StatusCode::NOT_FOUND, "organization_not_found");
    assert_eq!(
        foreign.2, unknown.2,
        "another user's org must look like a missing one"
    );
    let garbage = app
        .put(
            "/v1/me/active-organization",
            &t,
            json!({ "slug": "Not A Slug!" }),
        )
        .await;
    assert_problem(&garbage, StatusCode::NOT_FOUND, "organization_not_found");
    let missing = app.put("/v1/me/active-organization", &t, json!({})).await;
    assert_validation(&missing, "slug");
    let me = app.get_ok("/v1/me", &t).await;
    assert_eq!(me["active_organization_slug"], win1.as_str());
    app.cleanup().await;
}

#[tokio::test]
async fn history_lists_the_log_of_the_caller() {
    let app = TestApp::new().await;
    let t = token("user_history");
    assert_eq!(
        app.get_ok("/v1/me/history", &t).await,
        json!({ "events": [] })
    );
    let c = app.create_campaign(&t, json!({})).await;
    let id = str_of(&c["campaign"]["id"]);
    let slug = str_of(&c["organization"]["slug"]);
    app.result(&t, &id, "withdrawn").await;
    let h = app.get_ok("/v1/me/history", &t).await;
    let events = h["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{h}");
    assert_eq!(events[0]["kind"], "campaign_created");
    assert_eq!(events[1]["kind"], "campaign_withdrawn");
    for e in events {
        assert_eq!(e["organization_slug"], slug.as_str());
        assert_eq!(e["campaign_id"], id.as_str());
        assert_eq!(e["elected_office_id"], Value::Null);
        assert!(chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).is_ok());
    }
    // Another user's log is separate.
    assert_eq!(
        app.get_ok("/v1/me/history", &token("user_else")).await,
        json!({ "events": [] })
    );
    app.cleanup().await;
}

#[tokio::test]
async fn organizations_are_listed_open_first_then_newest_first() {
    let app = TestApp::new().await;
    let t = token("user_list");
    let (c1, won) = app
        .win(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    let win1 = str_of(&c1["organization"]["slug"]);
    let serve1 = str_of(&won["organization"]["slug"]);
    let c2 = app
        .create_campaign(&t, json!({ "custom_position_name": "Governor" }))
        .await;
    let win2 = str_of(&c2["organization"]["slug"]);

    let list = app.get_ok("/v1/organizations", &t).await;
    let slugs: Vec<&str> = list["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, [win2.as_str(), serve1.as_str(), win1.as_str()]);
    let archived: Vec<bool> = list["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["archived"].as_bool().unwrap())
        .collect();
    assert_eq!(archived, [false, false, true]);

    // GET one: the same shape as in the list.
    let one = app.get_ok(&format!("/v1/organizations/{serve1}"), &t).await;
    assert_eq!(one, list["organizations"][1]);
    assert_eq!(one["mode"], "serve");
    assert_eq!(one["name"], "Mayor");
    assert_eq!(one["campaign"], Value::Null);
    assert_eq!(one["elected_office"]["status"], "active");
    let keys: Vec<&String> = one.as_object().unwrap().keys().collect();
    for k in [
        "id",
        "slug",
        "mode",
        "name",
        "position_name",
        "position",
        "district",
        "district_source",
        "clerk_organization_id",
        "archived",
        "campaign",
        "elected_office",
        "created_at",
        "updated_at",
    ] {
        assert!(one.get(k).is_some(), "organization lacks `{k}`: {keys:?}");
    }
    let missing = app.get("/v1/organizations/campaign-nosuchorg123", &t).await;
    assert_problem(&missing, StatusCode::NOT_FOUND, "organization_not_found");
    // Another user sees none of them.
    assert_eq!(
        app.get_ok("/v1/organizations", &token("user_nobody")).await,
        json!({ "organizations": [] })
    );
    app.cleanup().await;
}

fn org_path(slug: &str) -> String {
    format!("/v1/organizations/{slug}")
}

#[tokio::test]
async fn patch_organization_applies_the_effective_district_rules() {
    let app = TestApp::new().await;
    let r = app.seed_reference().await;
    let t = token("user_patch");
    let c = app.create_campaign(&t, json!({})).await;
    let slug = str_of(&c["organization"]["slug"]);
    let path = org_path(&slug);
    assert_eq!(c["organization"]["position"], Value::Null);
    assert_eq!(c["organization"]["district"], Value::Null);
    assert_eq!(c["organization"]["district_source"], Value::Null);
    assert_eq!(c["organization"]["position_name"], Value::Null);

    // Set the position: its district is the effective one.
    let p = app
        .patch(
            &path,
            &t,
            json!({ "ballotready_position_id": "br-council-1" }),
        )
        .await;
    assert_eq!(p.0, StatusCode::OK, "{}", p.2);
    assert_eq!(
        p.2["position"],
        json!({ "ballotready_position_id": "br-council-1", "name": "Cheyenne City Council Ward 1",
                "state": "WY", "level": "city" })
    );
    assert_eq!(
        p.2["district"],
        json!({ "id": did(&r.ward1), "state": "WY", "l2_type": "City_Ward",
                "l2_name": "CHEYENNE CITY WARD 1" })
    );
    assert_eq!(p.2["district_source"], "position");
    assert_eq!(p.2["position_name"], "Cheyenne City Council Ward 1");

    // An override equal to the position's district stores none.
    let p = app
        .patch(&path, &t, json!({ "override_district_id": did(&r.ward1) }))
        .await;
    assert_eq!(p.0, StatusCode::OK, "{}", p.2);
    assert_eq!(p.2["district_source"], "position");
    assert_eq!(p.2["district"]["id"], did(&r.ward1).as_str());
    // ...which shows when the position changes: no stale override follows it.
    let p = app
        .patch(
            &path,
            &t,
            json!({ "ballotready_position_id": "br-commission" }),
        )
        .await;
    assert_eq!(p.2["district"]["id"], did(&r.county).as_str());
    assert_eq!(p.2["district_source"], "position");

    // A real override.
    let p = app
        .patch(&path, &t, json!({ "override_district_id": did(&r.ward2) }))
        .await;
    assert_eq!(p.2["district"]["id"], did(&r.ward2).as_str());
    assert_eq!(p.2["district_source"], "override");
    assert_eq!(p.2["position"]["ballotready_position_id"], "br-commission");

    // Absent keys keep everything.
    let kept = app.patch(&path, &t, json!({})).await;
    assert_eq!(kept.0, StatusCode::OK);
    for k in [
        "position",
        "district",
        "district_source",
        "position_name",
        "clerk_organization_id",
    ] {
        assert_eq!(kept.2[k], p.2[k], "{k} changed on an empty PATCH");
    }

    // Changing the position clears an override equal to the new position's district.
    let p = app
        .patch(
            &path,
            &t,
            json!({ "ballotready_position_id": "br-council-2" }),
        )
        .await;
    assert_eq!(p.2["district"]["id"], did(&r.ward2).as_str());
    assert_eq!(p.2["district_source"], "position");
    // Proof the override is gone, not masked: back to ward 1's position, ward 1 is effective.
    let p = app
        .patch(
            &path,
            &t,
            json!({ "ballotready_position_id": "br-council-1" }),
        )
        .await;
    assert_eq!(p.2["district"]["id"], did(&r.ward1).as_str());
    assert_eq!(p.2["district_source"], "position");

    // Override, then null clears it.
    let p = app
        .patch(&path, &t, json!({ "override_district_id": did(&r.county) }))
        .await;
    assert_eq!(p.2["district_source"], "override");
    let p = app
        .patch(&path, &t, json!({ "override_district_id": null }))
        .await;
    assert_eq!(p.2["district_source"], "position");
    assert_eq!(p.2["district"]["id"], did(&r.ward1).as_str());

    // Custom position name: set, shown as position_name; null clears it.
    let p = app
        .patch(
            &path,
            &t,
            json!({ "custom_position_name": "  Council, Ward One  " }),
        )
        .await;
    assert_eq!(p.2["position_name"], "Council, Ward One");
    assert_eq!(p.2["position"]["name"], "Cheyenne City Council Ward 1");
    let p = app
        .patch(&path, &t, json!({ "custom_position_name": null }))
        .await;
    assert_eq!(p.2["position_name"], "Cheyenne City Council Ward 1");

    // An override without a position; clearing the position keeps the override.
    let p = app
        .patch(
            &path,
            &t,
            json!({ "ballotready_position_id": null, "override_district_id": did(&r.denver) }),
        )
        .await;
    assert_eq!(p.2["position"], Value::Null);
    assert_eq!(p.2["district"]["id"], did(&r.denver).as_str());
    assert_eq!(p.2["district_source"], "override");
    let p = app
        .patch(&path, &t, json!({ "override_district_id": null }))
        .await;
    assert_eq!(p.2["district"], Value::Null);
    assert_eq!(p.2["district_source"], Value::Null);

    // A position without a district.
    let p = app
        .patch(
            &path,
            &t,
            json!({ "ballotready_position_id": "br-no-district" }),
        )
        .await;
    assert_eq!(p.2["position_name"], "Cheyenne Town Crier");
    assert_eq!(p.2["district"], Value::Null);
    assert_eq!(p.2["district_source"], Value::Null);

    // GET agrees with the last PATCH answer.
    let got = app.get_ok(&path, &t).await;
    assert_eq!(got, p.2);
    app.cleanup().await;
}

#[tokio::test]
async fn patch_organization_rejects_unknown_reference_ids_and_archived_orgs() {
    let app = TestApp::new().await;
    app.seed_reference().await;
    let t = token("user_patch_bad");
    let c = app
        .create_campaign(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let slug = str_of(&c["organization"]["slug"]);
    let path = org_path(&slug);
    let before = app.get_ok(&path, &t).await;

    let r = app
        .patch(
            &path,
            &t,
            json!({ "ballotready_position_id": "br-does-not-exist" }),
        )
        .await;
    assert_validation(&r, "ballotready_position_id");
    let r = app
        .patch(&path, &t, json!({ "override_district_id": random_id() }))
        .await;
    assert_validation(&r, "override_district_id");
    let r = app
        .patch(&path, &t, json!({ "override_district_id": "not-a-uuid" }))
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = app
        .patch(
            &path,
            &t,
            json!({ "ballotready_position_id": "bad id with spaces" }),
        )
        .await;
    assert_validation(&r, "ballotready_position_id");
    let r = app
        .patch(&path, &t, json!({ "custom_position_name": "   " }))
        .await;
    assert_validation(&r, "custom_position_name");
    let r = app
        .patch(
            &path,
            &t,
            json!({ "clerk_organization_id": "org with spaces" }),
        )
        .await;
    assert_validation(&r, "clerk_organization_id");
    let r = app
        .patch(&path, &t, json!({ "slug": "campaign-new-slug" }))
        .await;
    assert_validation(&r, "slug");
    assert_eq!(
        app.get_ok(&path, &t).await,
        before,
        "rejected PATCHes changed the org"
    );

    let r = app
        .patch(&org_path("campaign-nosuchorg123"), &t, json!({}))
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");

    // Archived (withdrawn campaign): read-only.
    let id = str_of(&c["campaign"]["id"]);
    app.result(&t, &id, "withdrawn").await;
    let r = app
        .patch(&path, &t, json!({ "custom_position_name": "Too late" }))
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    let late_admin = token_with(
        "user_patch_bad",
        json!({ "o": { "id": "org_late", "rol": "admin" } }),
    );
    let r = app
        .patch(
            &path,
            &late_admin,
            json!({ "clerk_organization_id": "org_late" }),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    let after = app.get_ok(&path, &t).await;
    assert_eq!(after["archived"], true);
    assert_eq!(after["position_name"], before["position_name"]);
    assert_eq!(after["clerk_organization_id"], Value::Null);
    app.cleanup().await;
}

#[tokio::test]
async fn clerk_organization_claims_select_the_linked_organization() {
    let app = TestApp::new().await;
    let plain = token("user_clerk");
    let (_c1, won) = app
        .win(&plain, json!({ "custom_position_name": "Mayor" }))
        .await;
    let serve = str_of(&won["organization"]["slug"]);
    let c2 = app
        .create_campaign(&plain, json!({ "election_date": "2026-11-03" }))
        .await;
    let win = str_of(&c2["organization"]["slug"]);
    let c2_id = str_of(&c2["campaign"]["id"]);

    // Linking needs the token to make the caller an admin of that Clerk organization (v2 or v1 claim).
    let r = app
        .patch(
            &org_path(&win),
            &plain,
            json!({ "clerk_organization_id": "org_2win" }),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(r.2["action"], "link_clerk_organization");
    let member_of = token_with(
        "user_clerk",
        json!({ "o": { "id": "org_2win", "rol": "member" } }),
    );
    let r = app
        .patch(
            &org_path(&win),
            &member_of,
            json!({ "clerk_organization_id": "org_2win" }),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    let admin_2win = token_with(
        "user_clerk",
        json!({ "o": { "id": "org_2win", "rol": "admin" } }),
    );
    let p = app
        .patch(
            &org_path(&win),
            &admin_2win,
            json!({ "clerk_organization_id": "org_2win" }),
        )
        .await;
    assert_eq!(p.0, StatusCode::OK, "{}", p.2);
    assert_eq!(p.2["clerk_organization_id"], "org_2win");
    let admin_2serve = token_with(
        "user_clerk",
        json!({ "org_id": "org_2serve", "org_role": "org:admin" }),
    );
    let p = app
        .patch(
            &org_path(&serve),
            &admin_2serve,
            json!({ "clerk_organization_id": "org_2serve" }),
        )
        .await;
    assert_eq!(p.2["clerk_organization_id"], "org_2serve");

    // No header: the v2 claim `o.id` selects the org.
    let v2 = token_with(
        "user_clerk",
        json!({ "o": { "id": "org_2win", "rol": "admin" } }),
    );
    let cur = app.get("/v1/campaigns/current", &v2).await;
    assert_eq!(cur.0, StatusCode::OK, "{}", cur.2);
    assert_eq!(cur.2["id"], c2_id.as_str());
    assert_eq!(cur.2["organization_slug"], win.as_str());
    // The v1 claim `org_id`.
    let v1 = token_with("user_clerk", json!({ "org_id": "org_2win" }));
    let cur = app.get("/v1/campaigns/current", &v1).await;
    assert_eq!(cur.0, StatusCode::OK, "{}", cur.2);
    assert_eq!(cur.2["id"], c2_id.as_str());
    let v1_serve = token_with("user_clerk", json!({ "org_id": "org_2serve" }));
    let office = app.get("/v1/elected-offices/current", &v1_serve).await;
    assert_eq!(office.0, StatusCode::OK, "{}", office.2);
    assert_eq!(office.2["id"], won["elected_office"]["id"]);
    // The claim selects an org in its mode: a Serve org on a Win endpoint is wrong_mode.
    let r = app.get("/v1/campaigns/current", &v1_serve).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "wrong_mode");

    // The header wins over the claim.
    let cur = app.get_in("/v1/elected-offices/current", &v2, &serve).await;
    assert_eq!(cur.0, StatusCode::OK, "{}", cur.2);
    assert_eq!(cur.2["organization_slug"], serve.as_str());

    // A claim that matches none of the caller's orgs counts as absent.
    let nomatch = token_with("user_clerk", json!({ "o": { "id": "org_unknown" } }));
    let r = app.get("/v1/campaigns/current", &nomatch).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "organization_required");
    let r = app.get("/v1/campaigns/current", &plain).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "organization_required");
    // Another user's token with the same claim does not reach this user's org.
    let stranger = token_with("user_stranger", json!({ "o": { "id": "org_2win" } }));
    let r = app.get("/v1/campaigns/current", &stranger).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "organization_required");

    // A Clerk id links at most one organization (told only to that Clerk organization's admins).
    let r = app
        .patch(
            &org_path(&serve),
            &admin_2win,
            json!({ "clerk_organization_id": "org_2win" }),
        )
        .await;
    assert_eq!(r.0, StatusCode::CONFLICT, "{}", r.2);
    assert!(r.2["code"].is_string());
    assert_eq!(
        app.get_ok(&org_path(&serve), &plain).await["clerk_organization_id"],
        "org_2serve"
    );

    // null clears the link: the claim then selects nothing.
    let p = app
        .patch(
            &org_path(&win),
            &plain,
            json!({ "clerk_organization_id": null }),
        )
        .await;
    assert_eq!(p.2["clerk_organization_id"], Value::Null);
    let r = app.get("/v1/campaigns/current", &v2).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "organization_required");
    app.cleanup().await;
}

fn labels(items: &Value) -> Vec<(String, String)> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert!(
                i["key"].as_str().is_some_and(|k| !k.is_empty()),
                "item without key: {i}"
            );
            (str_of(&i["label"]), str_of(&i["path"]))
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn navigation_follows_the_mode_of_the_organization() {
    let app = TestApp::new().await;
    let t = token("user_nav");
    let (c, won) = app
        .win(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    let win = str_of(&c["organization"]["slug"]);
    let serve = str_of(&won["organization"]["slug"]);

    let nav = app
        .get_ok(&format!("/v1/organizations/{win}/nav"), &t)
        .await;
    assert_eq!(nav["mode"], "win");
    assert_eq!(nav["landing_path"], "/dashboard");
    assert_eq!(
        labels(&nav["items"]),
        pairs(&[
            ("Dashboard", "/dashboard"),
            ("Voter Outreach", "/dashboard/outreach"),
            ("Voter Data", "/dashboard/voter-records"),
            ("Website", "/dashboard/website"),
            ("AI Assistant", "/dashboard/campaign-assistant"),
            ("Content Builder", "/dashboard/content"),
        ])
    );
    let account: Vec<String> = labels(&nav["account_items"])
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(account, ["Profile", "Settings", "Account"]);

    let nav_s = app
        .get_ok(&format!("/v1/organizations/{serve}/nav"), &t)
        .await;
    assert_eq!(nav_s["mode"], "serve");
    assert_eq!(nav_s["landing_path"], "/dashboard/briefings");
    assert_eq!(
        labels(&nav_s["items"]),
        pairs(&[
            ("Briefings", "/dashboard/briefings"),
            ("Polls", "/dashboard/polls"),
            ("Constituents", "/dashboard/contacts"),
        ])
    );
    assert_eq!(nav_s["account_items"], nav["account_items"]);

    let r = app
        .get("/v1/organizations/campaign-nosuchorg123/nav", &t)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    app.cleanup().await;
}

#[tokio::test]
async fn positions_and_districts_are_searchable_and_paged() {
    let app = TestApp::new().await;
    let r = app.seed_reference().await;
    let t = token("user_ref");

    let all = app.get_ok("/v1/positions", &t).await;
    assert_eq!(all["meta"]["total"], 5);
    assert_eq!(all["meta"]["page"], 1);
    assert_eq!(all["meta"]["per_page"], 50);
    assert_eq!(all["meta"]["total_pages"], 1);

    let wy = app.get_ok("/v1/positions?state=WY", &t).await;
    assert_eq!(wy["meta"]["total"], 4);
    assert!(
        wy["positions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "WY")
    );
    let co = app.get_ok("/v1/positions?state=co", &t).await;
    assert_eq!(co["meta"]["total"], 1);
    assert_eq!(
        co["positions"][0],
        json!({ "ballotready_position_id": "br-denver-mayor", "name": "Mayor of Denver",
                "state": "CO", "level": "city",
                "district": { "id": did(&r.denver), "state": "CO", "l2_type": "City",
                              "l2_name": "DENVER CITY" } })
    );

    let council = app.get_ok("/v1/positions?q=CITY%20council", &t).await;
    let ids: Vec<&str> = council["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["ballotready_position_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"br-council-1") && ids.contains(&"br-council-2"));
    let none = app.get_ok("/v1/positions?state=CO&q=council", &t).await;
    assert_eq!(none["meta"]["total"], 0);
    assert_eq!(none["positions"], json!([]));
    let crier = app.get_ok("/v1/positions?q=crier", &t).await;
    assert_eq!(crier["positions"][0]["district"], Value::Null);

    // Paging: 5 positions, 2 per page.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let p = app
            .get_ok(&format!("/v1/positions?per_page=2&page={page}"), &t)
            .await;
        assert_eq!(p["meta"]["total"], 5);
        assert_eq!(p["meta"]["page"], page);
        assert_eq!(p["meta"]["per_page"], 2);
        assert_eq!(p["meta"]["total_pages"], 3);
        let n = p["positions"].as_array().unwrap().len();
        assert_eq!(n, if page == 3 { 1 } else { 2 });
        seen.extend(
            p["positions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| str_of(&p["ballotready_position_id"])),
        );
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "pages overlap or skip: {seen:?}");
    let past = app.get_ok("/v1/positions?per_page=2&page=4", &t).await;
    assert_eq!(past["positions"], json!([]));
    let max = app.get_ok("/v1/positions?per_page=100", &t).await;
    assert_eq!(max["meta"]["per_page"], 100);

    for bad in [
        "/v1/positions?per_page=0",
        "/v1/positions?per_page=101",
        "/v1/positions?page=0",
        "/v1/positions?page=-1",
        "/v1/positions?page=abc",
        "/v1/positions?state=XX",
        "/v1/positions?colour=blue",
        "/v1/districts?per_page=0",
        "/v1/districts?per_page=101",
        "/v1/districts?page=0",
    ] {
        let resp = app.get(bad, &t).await;
        assert_problem(&resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    assert_validation(&app.get("/v1/positions?per_page=0", &t).await, "per_page");
    assert_validation(&app.get("/v1/positions?page=0", &t).await, "page");

    // Districts.
    let d = app.get_ok("/v1/districts", &t).await;
    assert_eq!(d["meta"]["total"], 4);
    let wards = app
        .get_ok("/v1/districts?state=WY&l2_type=City_Ward", &t)
        .await;
    assert_eq!(wards["meta"]["total"], 2);
    for w in wards["districts"].as_array().unwrap() {
        assert_eq!(w["l2_type"], "City_Ward");
        assert_eq!(w["voter_count"], 0);
        assert!(w["id"].is_string() && w["l2_name"].is_string());
    }
    let ward2 = app.get_ok("/v1/districts?q=ward%202", &t).await;
    assert_eq!(ward2["meta"]["total"], 1);
    assert_eq!(
        ward2["districts"][0],
        json!({ "id": did(&r.ward2), "state": "WY", "l2_type": "City_Ward",
                "l2_name": "CHEYENNE CITY WARD 2", "voter_count": 0 })
    );
    let laramie = app.get_ok("/v1/districts?q=laramie", &t).await;
    assert_eq!(laramie["districts"][0]["id"], did(&r.county).as_str());
    let co = app.get_ok("/v1/districts?state=CO", &t).await;
    assert_eq!(co["meta"]["total"], 1);
    let paged = app.get_ok("/v1/districts?per_page=3&page=2", &t).await;
    assert_eq!(paged["districts"].as_array().unwrap().len(), 1);
    assert_eq!(paged["meta"]["total_pages"], 2);

    // Authentication is required.
    let anon = app
        .request(Method::GET, "/v1/positions", None, None, None)
        .await;
    assert_problem(&anon, StatusCode::UNAUTHORIZED, "unauthorized");
    app.cleanup().await;
}

/// Every path of interfaces.md except contacts and segments, with its methods.
pub const CONTRACT: &[(&str, &[&str])] = &[
    ("/v1/health/live", &["get"]),
    ("/v1/health/ready", &["get"]),
    ("/v1/me", &["get"]),
    ("/v1/me/active-organization", &["put"]),
    ("/v1/me/history", &["get"]),
    ("/v1/organizations", &["get"]),
    ("/v1/organizations/{slug}", &["get", "patch"]),
    ("/v1/organizations/{slug}/nav", &["get"]),
    ("/v1/campaigns", &["get", "post"]),
    ("/v1/campaigns/{id}", &["get", "patch"]),
    ("/v1/campaigns/{id}/launch", &["post"]),
    ("/v1/campaigns/{id}/result", &["post"]),
    ("/v1/campaigns/current", &["get"]),
    ("/v1/elected-offices", &["get"]),
    ("/v1/elected-offices/{id}", &["get", "patch"]),
    ("/v1/elected-offices/current", &["get"]),
    ("/v1/elected-offices/{id}/end", &["post"]),
    ("/v1/positions", &["get"]),
    ("/v1/districts", &["get"]),
];

#[tokio::test]
async fn openapi_document_is_public_and_describes_the_contract() {
    let app = TestApp::new().await;
    let r = app
        .request(Method::GET, "/v1/openapi.json", None, None, None)
        .await;
    assert_eq!(r.0, StatusCode::OK);
    let doc = r.2;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, methods) in CONTRACT {
        let item = &doc["paths"][*path];
        assert!(item.is_object(), "the document lacks {path}");
        for m in *methods {
            assert!(
                item[*m].is_object(),
                "the document lacks {} {path}",
                m.to_uppercase()
            );
        }
    }
    for schema in [
        "Problem",
        "OrganizationDto",
        "CampaignDto",
        "ElectedOfficeDto",
        "MeDto",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "the document lacks the schema {schema}"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // The served document is the generated one.
    let generated = serde_json::to_value(winserve_http::router::openapi()).unwrap();
    assert_eq!(doc, generated);
    app.cleanup().await;
}
