//! Voter Outreach over HTTP (issue 16), the Win-only convention at work: plans hang off the campaign,
//! a Serve organization gets 403 `wrong_mode`, another organization's plan or segment is 404, the
//! status moves one step at a time, the audience is the plan's segment intersected with its channel's
//! built-in segment, and a campaign that is over leaves its plans read-only.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::contacts_fixture::{fixture_voters, in_ward1, matches};
use common::*;
use serde_json::{Value, json};
use winserve_application::VoterRepository;

struct Campaign {
    app: TestApp,
    owner: String,
    slug: String,
    campaign: String,
}

impl Campaign {
    async fn new() -> Self {
        let app = TestApp::new().await;
        app.seed_reference().await;
        app.store.upsert_voters(&fixture_voters()).await.unwrap();
        let owner = token("user_outreach");
        let created = app
            .create_campaign(&owner, json!({ "ballotready_position_id": "br-council-1" }))
            .await;
        Self {
            slug: str_of(&created["organization"]["slug"]),
            campaign: str_of(&created["campaign"]["id"]),
            app,
            owner,
        }
    }

    async fn send(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Resp {
        self.app
            .request(method, path, Some(token), Some(&self.slug), body)
            .await
    }

    async fn plan(&self, body: Value) -> Value {
        let r = self
            .send(Method::POST, "/v1/outreach", &self.owner, Some(body))
            .await;
        assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
        r.2
    }

    async fn status(&self, id: &str, status: &str) -> Resp {
        self.send(
            Method::POST,
            &format!("/v1/outreach/{id}/status"),
            &self.owner,
            Some(json!({ "status": status })),
        )
        .await
    }
}

/// How many fixture voters of ward 1 match `criteria`.
fn expected_total(criteria: &Value) -> u64 {
    fixture_voters()
        .iter()
        .enumerate()
        .filter(|(i, v)| in_ward1(*i) && matches(v, criteria))
        .count() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plans_audience_is_its_segment_through_its_channel() {
    let c = Campaign::new().await;
    let seg = c
        .send(
            Method::POST,
            "/v1/segments",
            &c.owner,
            Some(json!({ "name": "Supers", "criteria": { "voter_status": ["super"] } })),
        )
        .await;
    assert_eq!(seg.0, StatusCode::CREATED, "{}", seg.2);
    let seg_id = str_of(&seg.2["id"]);
    let texting = c
        .plan(
            json!({ "name": "Text the supers", "channel": "text", "segment_id": seg_id,
                      "script": "Hi {first_name}!\nVote Tuesday.", "scheduled_for": "2026-10-20" }),
        )
        .await;
    assert_eq!(texting["status"], "draft");
    assert_eq!(texting["campaign_id"], c.campaign.as_str());
    let id = str_of(&texting["id"]);
    let r = c
        .send(
            Method::GET,
            &format!("/v1/outreach/{id}/audience?per_page=100"),
            &c.owner,
            None,
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    let want = expected_total(&json!({ "voter_status": ["super"], "has_cell_phone": true }));
    assert!(want > 0);
    assert_eq!(r.2["meta"]["total"], want);
    assert_eq!(
        r.2["contacts"].as_array().unwrap().len() as u64,
        want.min(100)
    );
    assert!(
        r.2["contacts"][0].get("political_party").is_some(),
        "Win shows party"
    );
    // The same audience as CSV for a vendor: a header row and one line per contact.
    let csv = c
        .send(
            Method::GET,
            &format!("/v1/outreach/{id}/audience/export"),
            &c.owner,
            None,
        )
        .await;
    assert_eq!(csv.0, StatusCode::OK, "{}", csv.2);
    let text = csv.2.as_str().unwrap().to_owned();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().contains("political_party"));
    assert_eq!(lines.count() as u64, want);
    // The whole district, door to door: everyone with an address.
    let doors = c
        .plan(json!({ "name": "Knock", "channel": "door_knocking" }))
        .await;
    let r = c
        .send(
            Method::GET,
            &format!("/v1/outreach/{}/audience?per_page=5", str_of(&doors["id"])),
            &c.owner,
            None,
        )
        .await;
    assert_eq!(
        r.2["meta"]["total"],
        expected_total(&json!({ "has_address": true }))
    );
    // Only paging parameters.
    let r = c
        .send(
            Method::GET,
            &format!("/v1/outreach/{id}/audience?segment=all"),
            &c.owner,
            None,
        )
        .await;
    assert_validation(&r, "segment");
    // A segment a plan targets cannot be deleted.
    let r = c
        .send(
            Method::DELETE,
            &format!("/v1/segments/{seg_id}"),
            &c.owner,
            None,
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "conflict");
    c.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_move_one_step_at_a_time_and_keep_their_record() {
    let c = Campaign::new().await;
    let p = c
        .plan(json!({ "name": "Calls", "channel": "phone_banking" }))
        .await;
    let id = str_of(&p["id"]);
    assert_problem(
        &c.status(&id, "in_progress").await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_eq!(c.status(&id, "scheduled").await.2["status"], "scheduled");
    // The same status again answers the plan unchanged.
    assert_eq!(c.status(&id, "scheduled").await.0, StatusCode::OK);
    assert_eq!(
        c.status(&id, "in_progress").await.2["status"],
        "in_progress"
    );
    // Under way: who it reaches is fixed, the script is not; it is kept, not deleted.
    let path = format!("/v1/outreach/{id}");
    let r = c
        .send(
            Method::PATCH,
            &path,
            &c.owner,
            Some(json!({ "channel": "text" })),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "conflict");
    let r = c
        .send(
            Method::PATCH,
            &path,
            &c.owner,
            Some(json!({ "script": "New script", "scheduled_for": null })),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["script"], "New script");
    assert_problem(
        &c.send(Method::DELETE, &path, &c.owner, None).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_eq!(c.status(&id, "done").await.2["status"], "done");
    let r = c
        .send(
            Method::PATCH,
            &path,
            &c.owner,
            Some(json!({ "name": "Later" })),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "conflict");
    assert_problem(
        &c.status(&id, "cancelled").await,
        StatusCode::CONFLICT,
        "conflict",
    );
    // A cancelled draft can be deleted.
    let q = c
        .plan(json!({ "name": "Mail", "channel": "direct_mail" }))
        .await;
    let qid = str_of(&q["id"]);
    assert_eq!(c.status(&qid, "cancelled").await.2["status"], "cancelled");
    let r = c
        .send(
            Method::DELETE,
            &format!("/v1/outreach/{qid}"),
            &c.owner,
            None,
        )
        .await;
    assert_eq!(r.0, StatusCode::NO_CONTENT);
    let list = c.send(Method::GET, "/v1/outreach", &c.owner, None).await;
    assert_eq!(list.2["plans"].as_array().unwrap().len(), 1);
    // Bad input.
    for (body, field) in [
        (json!({ "name": " ", "channel": "text" }), "name"),
        (
            json!({ "name": "X", "channel": "carrier_pigeon" }),
            "channel",
        ),
        (
            json!({ "name": "X", "channel": "text", "script": "x".repeat(10 * 1024 + 1) }),
            "script",
        ),
    ] {
        let r = c
            .send(Method::POST, "/v1/outreach", &c.owner, Some(body))
            .await;
        assert_validation(&r, field);
    }
    c.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_stay_with_their_campaign_and_its_organization() {
    let c = Campaign::new().await;
    let p = c
        .plan(json!({ "name": "Knock", "channel": "door_knocking" }))
        .await;
    let id = str_of(&p["id"]);
    // Another user's segment and plan are 404; their organization too.
    let stranger = token("user_outreach_stranger");
    let theirs = c
        .app
        .create_campaign(&stranger, json!({ "custom_position_name": "Sheriff" }))
        .await;
    let their_slug = str_of(&theirs["organization"]["slug"]);
    let their_seg = c
        .app
        .request(
            Method::POST,
            "/v1/segments",
            Some(&stranger),
            Some(&their_slug),
            Some(json!({ "name": "Theirs", "criteria": {} })),
        )
        .await;
    let r = c
        .send(
            Method::POST,
            "/v1/outreach",
            &c.owner,
            Some(json!({ "name": "X", "channel": "text", "segment_id": their_seg.2["id"] })),
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "segment_not_found");
    let r = c
        .app
        .request(
            Method::GET,
            &format!("/v1/outreach/{id}"),
            Some(&stranger),
            Some(&their_slug),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    let r = c
        .app
        .request(
            Method::GET,
            "/v1/outreach",
            Some(&stranger),
            Some(&c.slug),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    // A member reads plans and audiences but does not edit them.
    let inv = c
        .app
        .post(
            &format!("/v1/organizations/{}/invitations", c.slug),
            &c.owner,
            json!({ "email": "vol@outreach.test", "role": "member" }),
        )
        .await;
    let volunteer = token_with("user_outreach_vol", json!({ "email": "vol@outreach.test" }));
    let r = c
        .app
        .post_empty(
            &format!("/v1/invitations/{}/accept", str_of(&inv.2["token"])),
            &volunteer,
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(
        c.send(
            Method::GET,
            &format!("/v1/outreach/{id}/audience"),
            &volunteer,
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    let r = c
        .send(
            Method::POST,
            "/v1/outreach",
            &volunteer,
            Some(json!({ "name": "Mine", "channel": "text" })),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(r.2["action"], "edit_outreach");
    let r = c
        .send(
            Method::GET,
            &format!("/v1/outreach/{id}/audience/export"),
            &volunteer,
            None,
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(r.2["action"], "export_contacts");
    // The campaign is won: its plans are read-only, their audience is no longer served, and the Serve
    // organization has no outreach at all.
    c.app.launch(&c.owner, &c.campaign).await;
    let won = c.app.result(&c.owner, &c.campaign, "won").await;
    let serve = str_of(&won["organization"]["slug"]);
    let r = c
        .send(
            Method::PATCH,
            &format!("/v1/outreach/{id}"),
            &c.owner,
            Some(json!({ "name": "Y" })),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    for path in [
        format!("/v1/outreach/{id}/audience"),
        format!("/v1/outreach/{id}/audience/export"),
    ] {
        assert_problem(
            &c.send(Method::GET, &path, &c.owner, None).await,
            StatusCode::CONFLICT,
            "organization_archived",
        );
    }
    assert_eq!(
        c.send(Method::GET, "/v1/outreach", &c.owner, None).await.2["plans"][0]["id"],
        id.as_str()
    );
    let r = c
        .app
        .request(
            Method::GET,
            "/v1/outreach",
            Some(&c.owner),
            Some(&serve),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "wrong_mode");
    c.app.cleanup().await;
}
