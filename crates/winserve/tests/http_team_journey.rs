//! The team's journey (issue 15): a candidate, a campaign manager and a volunteer work a campaign; the
//! candidate wins carrying the manager only; the volunteer loses the constituents, the manager sees them
//! without party; the official runs again and starts with a new team. Membership follows the mode.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::contacts_fixture::fixture_voters;
use common::*;
use serde_json::{Value, json};
use winserve_application::VoterRepository;

async fn join(app: &TestApp, owner: &str, slug: &str, who: &str, email: &str, role: &str) {
    let inv = app
        .post(
            &format!("/v1/organizations/{slug}/invitations"),
            owner,
            json!({ "email": email, "role": role }),
        )
        .await;
    assert_eq!(inv.0, StatusCode::CREATED, "{}", inv.2);
    let r = app
        .post_empty(
            &format!("/v1/invitations/{}/accept", str_of(&inv.2["token"])),
            who,
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["role"], role);
}

async fn contacts(app: &TestApp, token: &str, slug: &str) -> crate::common::Resp {
    app.request(
        Method::GET,
        "/v1/contacts?per_page=50",
        Some(token),
        Some(slug),
        None,
    )
    .await
}

fn member_events(history: &Value) -> Vec<(String, String, String)> {
    history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                str_of(&e["kind"]),
                str_of(&e["role"]),
                str_of(&e["organization_slug"]),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_candidate_wins_with_the_manager_and_runs_again_with_a_new_team() {
    let app = TestApp::new().await;
    app.seed_reference().await;
    app.store.upsert_voters(&fixture_voters()).await.unwrap();
    let candidate = token("user_candidate");
    let manager = token_with("user_manager", json!({ "email": "manager@campaign.test" }));
    let volunteer = token_with(
        "user_volunteer",
        json!({ "email": "volunteer@campaign.test" }),
    );
    let manager_id = str_of(&app.get_ok("/v1/me", &manager).await["user"]["id"]);
    let volunteer_id = str_of(&app.get_ok("/v1/me", &volunteer).await["user"]["id"]);

    // The campaign and its staff.
    let created = app
        .create_campaign(
            &candidate,
            json!({ "ballotready_position_id": "br-council-1", "election_date": "2026-11-03" }),
        )
        .await;
    let win_slug = str_of(&created["organization"]["slug"]);
    let campaign = str_of(&created["campaign"]["id"]);
    join(
        &app,
        &candidate,
        &win_slug,
        &manager,
        "manager@campaign.test",
        "admin",
    )
    .await;
    join(
        &app,
        &candidate,
        &win_slug,
        &volunteer,
        "volunteer@campaign.test",
        "member",
    )
    .await;

    // They work it: both see voters with their party (Win); the manager builds a segment; the volunteer
    // may not export.
    for t in [&manager, &volunteer] {
        let r = contacts(&app, t, &win_slug).await;
        assert_eq!(r.0, StatusCode::OK, "{}", r.2);
        let first = &r.2["contacts"][0];
        assert!(first.get("political_party").is_some(), "{first}");
    }
    let r = app
        .request(
            Method::POST,
            "/v1/segments",
            Some(&manager),
            Some(&win_slug),
            Some(json!({ "name": "Cell phones", "criteria": { "has_cell_phone": true } })),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
    let r = app
        .request(
            Method::GET,
            "/v1/contacts/export",
            Some(&volunteer),
            Some(&win_slug),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    app.launch(&candidate, &campaign).await;

    // Carrying someone who is not on the team is refused, and changes nothing.
    let stranger_id = str_of(&app.get_ok("/v1/me", &token("user_stranger")).await["user"]["id"]);
    let r = app
        .post(
            &format!("/v1/campaigns/{campaign}/result"),
            &candidate,
            json!({ "outcome": "won", "carry_members": [stranger_id] }),
        )
        .await;
    assert_validation(&r, "carry_members");
    let r = app
        .get_ok(&format!("/v1/campaigns/{campaign}"), &candidate)
        .await;
    assert_eq!(r["status"], "active");

    // The win carries the manager only.
    let win = app
        .post(
            &format!("/v1/campaigns/{campaign}/result"),
            &candidate,
            json!({ "outcome": "won", "copy_segments": true, "carry_members": [manager_id] }),
        )
        .await;
    assert_eq!(win.0, StatusCode::OK, "{}", win.2);
    assert_eq!(
        win.2["carried_members"],
        json!([{ "user_id": manager_id, "role": "admin" }])
    );
    assert_eq!(win.2["left_behind"], json!([volunteer_id]));
    let serve_slug = str_of(&win.2["organization"]["slug"]);
    // Recording it again answers the same team, whatever this call asks for.
    let again = app
        .post(
            &format!("/v1/campaigns/{campaign}/result"),
            &candidate,
            json!({ "outcome": "won", "carry_members": [] }),
        )
        .await;
    assert_eq!(again.0, StatusCode::OK, "{}", again.2);
    assert_eq!(again.2["carried_members"], win.2["carried_members"]);
    assert_eq!(again.2["left_behind"], win.2["left_behind"]);

    // The volunteer keeps the archived campaign (read-only) and never sees the constituents.
    let r = contacts(&app, &volunteer, &serve_slug).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    let orgs = app.get_ok("/v1/organizations", &volunteer).await;
    assert_eq!(orgs["organizations"].as_array().unwrap().len(), 1);
    assert_eq!(orgs["organizations"][0]["slug"], win_slug.as_str());
    assert_eq!(orgs["organizations"][0]["archived"], true);
    let r = contacts(&app, &volunteer, &win_slug).await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");

    // The manager sees the constituents, without party, and the copied segment.
    let r = contacts(&app, &manager, &serve_slug).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    let listed = r.2["contacts"].as_array().unwrap();
    assert!(!listed.is_empty());
    for c in listed {
        assert!(c.get("political_party").is_none(), "{c}");
    }
    let serve_org = app
        .get_ok(&format!("/v1/organizations/{serve_slug}"), &manager)
        .await;
    assert_eq!(serve_org["role"], "admin");
    let members = app
        .get_ok(
            &format!("/v1/organizations/{serve_slug}/members"),
            &candidate,
        )
        .await;
    assert_eq!(members["members"].as_array().unwrap().len(), 2);
    assert_eq!(
        member_events(&app.get_ok("/v1/me/history", &manager).await),
        [
            (
                "member_joined".to_owned(),
                "admin".to_owned(),
                win_slug.clone()
            ),
            (
                "member_joined".to_owned(),
                "admin".to_owned(),
                serve_slug.clone()
            ),
        ]
    );

    // The official runs again: the new campaign starts with the owner alone (the manager stays with the
    // office), and a new team is invited.
    let office = str_of(&win.2["elected_office"]["id"]);
    let next = app
        .post(
            "/v1/campaigns",
            &candidate,
            json!({ "from_elected_office_id": office }),
        )
        .await;
    assert_eq!(next.0, StatusCode::CREATED, "{}", next.2);
    assert_eq!(next.2["carried_members"], json!([]));
    assert_eq!(next.2["left_behind"], json!([manager_id]));
    let next_slug = str_of(&next.2["organization"]["slug"]);
    let r = app
        .get(&format!("/v1/organizations/{next_slug}"), &manager)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    let organizer = token_with(
        "user_organizer",
        json!({ "email": "organizer@campaign.test" }),
    );
    join(
        &app,
        &candidate,
        &next_slug,
        &organizer,
        "organizer@campaign.test",
        "admin",
    )
    .await;
    let r = contacts(&app, &organizer, &next_slug).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    let r = contacts(&app, &organizer, &serve_slug).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_again_can_bring_the_office_staff_along() {
    let app = TestApp::new().await;
    app.seed_reference().await;
    let official = token("user_official");
    let aide = token_with("user_aide", json!({ "email": "aide@office.test" }));
    let aide_id = str_of(&app.get_ok("/v1/me", &aide).await["user"]["id"]);
    let (_, won) = app
        .win(
            &official,
            json!({ "ballotready_position_id": "br-council-1" }),
        )
        .await;
    let serve_slug = str_of(&won["organization"]["slug"]);
    join(
        &app,
        &official,
        &serve_slug,
        &aide,
        "aide@office.test",
        "member",
    )
    .await;
    let office = str_of(&won["elected_office"]["id"]);
    // Without an office there is nowhere to carry from.
    let r = app
        .post(
            "/v1/campaigns",
            &official,
            json!({ "custom_position_name": "Mayor", "carry_members": [aide_id] }),
        )
        .await;
    assert_validation(&r, "carry_members");
    let next = app
        .post(
            "/v1/campaigns",
            &official,
            json!({ "from_elected_office_id": office, "carry_members": [aide_id] }),
        )
        .await;
    assert_eq!(next.0, StatusCode::CREATED, "{}", next.2);
    assert_eq!(
        next.2["carried_members"],
        json!([{ "user_id": aide_id, "role": "member" }])
    );
    let next_slug = str_of(&next.2["organization"]["slug"]);
    let org = app
        .get_ok(&format!("/v1/organizations/{next_slug}"), &aide)
        .await;
    assert_eq!(org["role"], "member");
    app.cleanup().await;
}
