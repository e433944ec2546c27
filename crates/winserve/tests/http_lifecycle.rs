//! The whole journey of one account through HTTP — campaign → serve → campaign again → a second office →
//! re-election — with the lifecycle log, and the lifecycle's guarantees under concurrent requests.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::Barrier;

/// `(kind, organization_slug, campaign_id, elected_office_id)` of one expected event.
type Ev<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>);

#[track_caller]
fn assert_history(history: &Value, expected: &[Ev<'_>]) {
    let events = history["events"].as_array().unwrap();
    let got: Vec<(String, String, Option<String>, Option<String>)> = events
        .iter()
        .map(|e| {
            (
                str_of(&e["kind"]),
                str_of(&e["organization_slug"]),
                e["campaign_id"].as_str().map(str::to_owned),
                e["elected_office_id"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let want: Vec<(String, String, Option<String>, Option<String>)> = expected
        .iter()
        .map(|(k, s, c, o)| {
            (
                (*k).to_owned(),
                (*s).to_owned(),
                c.map(str::to_owned),
                o.map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(got, want, "history differs");
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> = events
        .iter()
        .map(|e| chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "times go backwards: {times:?}"
    );
}

struct Step {
    campaign: String,
    win_org: String,
}

async fn start(app: &TestApp, t: &str, body: Value) -> Step {
    let c = app.create_campaign(t, body).await;
    let step = Step {
        campaign: str_of(&c["campaign"]["id"]),
        win_org: str_of(&c["organization"]["slug"]),
    };
    app.launch(t, &step.campaign).await;
    step
}

#[tokio::test]
async fn one_account_goes_from_campaign_to_office_and_back_again() {
    let app = TestApp::new().await;
    let r = app.seed_reference().await;
    let t = token("user_journey");

    // 1. First campaign, won.
    let s1 = start(
        &app,
        &t,
        json!({ "ballotready_position_id": "br-council-1", "election_date": "2026-11-03" }),
    )
    .await;
    let won1 = app.result(&t, &s1.campaign, "won").await;
    let o1 = str_of(&won1["elected_office"]["id"]);
    let serve1 = str_of(&won1["organization"]["slug"]);
    assert_eq!(won1["organization"]["name"], "Cheyenne City Council Ward 1");
    let nav = app
        .get_ok(&format!("/v1/organizations/{serve1}/nav"), &t)
        .await;
    assert_eq!(nav["mode"], "serve");
    assert_eq!(nav["landing_path"], "/dashboard/briefings");
    let paths: Vec<&str> = nav["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "/dashboard/briefings",
            "/dashboard/polls",
            "/dashboard/contacts"
        ]
    );
    let me = app.get_ok("/v1/me", &t).await;
    assert_eq!(me["active_organization_slug"], serve1.as_str());

    // 2. While serving, a campaign in another district: allowed; lost.
    let s2 = start(
        &app,
        &t,
        json!({ "ballotready_position_id": "br-council-2" }),
    )
    .await;
    let w2 = app
        .get_ok(&format!("/v1/organizations/{}", s2.win_org), &t)
        .await;
    assert_eq!(w2["district"]["id"], did(&r.ward2).as_str());
    let serving = app.get_ok(&format!("/v1/organizations/{serve1}"), &t).await;
    assert_eq!(serving["district"]["id"], did(&r.ward1).as_str());
    assert_eq!(serving["archived"], false);
    let lost = app.result(&t, &s2.campaign, "lost").await;
    assert_eq!(lost["elected_office"], Value::Null);

    // 3. Another campaign for a different position, won: a second office; the first stays active.
    let s3 = start(
        &app,
        &t,
        json!({ "ballotready_position_id": "br-commission" }),
    )
    .await;
    let won3 = app.result(&t, &s3.campaign, "won").await;
    let o2 = str_of(&won3["elected_office"]["id"]);
    let serve2 = str_of(&won3["organization"]["slug"]);
    let offices = app.get_ok("/v1/elected-offices", &t).await;
    let listed: Vec<(String, String)> = offices["elected_offices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (str_of(&o["id"]), str_of(&o["status"])))
        .collect();
    assert_eq!(
        listed,
        [
            (o2.clone(), "active".to_owned()),
            (o1.clone(), "active".to_owned())
        ]
    );

    // 4. Re-election to the first position: the first term ends in the same step.
    let s4 = start(
        &app,
        &t,
        json!({ "ballotready_position_id": "br-council-1" }),
    )
    .await;
    let won4 = app.result(&t, &s4.campaign, "won").await;
    let o3 = str_of(&won4["elected_office"]["id"]);
    let serve3 = str_of(&won4["organization"]["slug"]);
    assert_ne!(o3, o1);
    let first = app.get_ok(&format!("/v1/elected-offices/{o1}"), &t).await;
    assert_eq!(first["status"], "ended");
    assert!(first["ended_at"].is_string());
    assert_eq!(
        app.get_ok(&format!("/v1/organizations/{serve1}"), &t).await["archived"],
        true
    );
    assert_eq!(
        app.get_ok(&format!("/v1/elected-offices/{o2}"), &t).await["status"],
        "active"
    );
    assert_eq!(
        app.get_ok(&format!("/v1/elected-offices/{o3}"), &t).await["status"],
        "active"
    );

    // Everything is listed.
    let campaigns = app.get_ok("/v1/campaigns", &t).await;
    let statuses: Vec<(String, String)> = campaigns["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (str_of(&c["id"]), str_of(&c["status"])))
        .collect();
    let st = |id: &str, s: &str| (id.to_owned(), s.to_owned());
    assert_eq!(
        statuses,
        [
            st(&s4.campaign, "won"),
            st(&s3.campaign, "won"),
            st(&s2.campaign, "lost"),
            st(&s1.campaign, "won"),
        ]
    );
    let orgs = app.get_ok("/v1/organizations", &t).await;
    let slugs: Vec<&str> = orgs["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap())
        .collect();
    // Open first (newest first), then archived (newest first).
    assert_eq!(
        slugs,
        [
            serve3.as_str(),
            serve2.as_str(),
            s4.win_org.as_str(),
            s3.win_org.as_str(),
            s2.win_org.as_str(),
            serve1.as_str(),
            s1.win_org.as_str(),
        ]
    );
    let me = app.get_ok("/v1/me", &t).await;
    assert_eq!(me["active_organization_slug"], serve3.as_str());

    // The log, in order.
    let history = app.get_ok("/v1/me/history", &t).await;
    let (c1, c2, c3, c4) = (
        Some(s1.campaign.as_str()),
        Some(s2.campaign.as_str()),
        Some(s3.campaign.as_str()),
        Some(s4.campaign.as_str()),
    );
    let (w1, w2, w3, w4) = (
        s1.win_org.as_str(),
        s2.win_org.as_str(),
        s3.win_org.as_str(),
        s4.win_org.as_str(),
    );
    assert_history(
        &history,
        &[
            ("campaign_created", w1, c1, None),
            ("campaign_launched", w1, c1, None),
            ("campaign_won", w1, c1, Some(&o1)),
            ("office_started", &serve1, c1, Some(&o1)),
            ("campaign_created", w2, c2, None),
            ("campaign_launched", w2, c2, None),
            ("campaign_lost", w2, c2, None),
            ("campaign_created", w3, c3, None),
            ("campaign_launched", w3, c3, None),
            ("campaign_won", w3, c3, Some(&o2)),
            ("office_started", &serve2, c3, Some(&o2)),
            ("campaign_created", w4, c4, None),
            ("campaign_launched", w4, c4, None),
            ("campaign_won", w4, c4, Some(&o3)),
            ("office_ended", &serve1, None, Some(&o1)),
            ("office_started", &serve3, c4, Some(&o3)),
        ],
    );

    // Ending an office appends office_ended.
    let ended = app
        .post_empty(&format!("/v1/elected-offices/{o2}/end"), &t)
        .await;
    assert_eq!(ended.0, StatusCode::OK);
    let history = app.get_ok("/v1/me/history", &t).await;
    let last = history["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["kind"], "office_ended");
    assert_eq!(last["organization_slug"], serve2.as_str());
    assert_eq!(last["elected_office_id"], o2.as_str());
    assert_eq!(last["campaign_id"], Value::Null);
    assert_eq!(history["events"].as_array().unwrap().len(), 17);
    app.cleanup().await;
}

#[tokio::test]
async fn re_election_ends_the_previous_term_of_the_same_position() {
    let app = TestApp::new().await;
    app.seed_reference().await;
    let t = token("user_reelect");
    let (first, won1) = app
        .win(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let o1 = str_of(&won1["elected_office"]["id"]);
    let serve1 = str_of(&won1["organization"]["slug"]);
    let (second, won2) = app
        .win(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let o2 = str_of(&won2["elected_office"]["id"]);
    let serve2 = str_of(&won2["organization"]["slug"]);

    let offices = app.get_ok("/v1/elected-offices", &t).await;
    let listed: Vec<(String, String)> = offices["elected_offices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (str_of(&o["id"]), str_of(&o["status"])))
        .collect();
    assert_eq!(
        listed,
        [
            (o2.clone(), "active".to_owned()),
            (o1.clone(), "ended".to_owned())
        ]
    );
    let org1 = app.get_ok(&format!("/v1/organizations/{serve1}"), &t).await;
    assert_eq!(org1["archived"], true);
    assert_eq!(org1["elected_office"]["status"], "ended");

    let history = app.get_ok("/v1/me/history", &t).await;
    let c1 = str_of(&first["campaign"]["id"]);
    let c2 = str_of(&second["campaign"]["id"]);
    let w1 = str_of(&first["organization"]["slug"]);
    let w2 = str_of(&second["organization"]["slug"]);
    assert_history(
        &history,
        &[
            ("campaign_created", &w1, Some(&c1), None),
            ("campaign_launched", &w1, Some(&c1), None),
            ("campaign_won", &w1, Some(&c1), Some(&o1)),
            ("office_started", &serve1, Some(&c1), Some(&o1)),
            ("campaign_created", &w2, Some(&c2), None),
            ("campaign_launched", &w2, Some(&c2), None),
            ("campaign_won", &w2, Some(&c2), Some(&o2)),
            ("office_ended", &serve1, None, Some(&o1)),
            ("office_started", &serve2, Some(&c2), Some(&o2)),
        ],
    );
    // Recording the win again changes nothing.
    let again = app.result(&t, &c2, "won").await;
    assert_eq!(again["elected_office"]["id"], o2.as_str());
    assert_eq!(
        app.get_ok("/v1/me/history", &t).await["events"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_campaign_can_start_from_an_office_and_copies_its_profile() {
    let app = TestApp::new().await;
    let r = app.seed_reference().await;
    let t = token("user_from_office");
    let (_, won) = app
        .win(
            &t,
            json!({
                "ballotready_position_id": "br-council-1",
                "override_district_id": did(&r.county),
                "custom_position_name": "Council Member",
            }),
        )
        .await;
    let office = str_of(&won["elected_office"]["id"]);
    let serve = str_of(&won["organization"]["slug"]);
    let serve_before = app.get_ok(&format!("/v1/organizations/{serve}"), &t).await;

    let c = app
        .create_campaign(
            &t,
            json!({ "from_elected_office_id": office, "election_date": "2030-11-05" }),
        )
        .await;
    let win = str_of(&c["organization"]["slug"]);
    let org = &c["organization"];
    assert_eq!(org["mode"], "win");
    assert_eq!(org["name"], "2030 Campaign");
    assert_ne!(org["id"], serve_before["id"]);
    assert_eq!(org["position"], serve_before["position"]);
    assert_eq!(org["district"], serve_before["district"]);
    assert_eq!(org["district_source"], "override");
    assert_eq!(org["position_name"], "Council Member");

    // Copied, not shared: changing the campaign org leaves the office org alone, and back.
    let p = app
        .patch(
            &format!("/v1/organizations/{win}"),
            &t,
            json!({ "override_district_id": did(&r.ward2), "custom_position_name": "Mayor" }),
        )
        .await;
    assert_eq!(p.0, StatusCode::OK, "{}", p.2);
    assert_eq!(p.2["district"]["id"], did(&r.ward2).as_str());
    assert_eq!(
        app.get_ok(&format!("/v1/organizations/{serve}"), &t).await,
        serve_before
    );
    let p = app
        .patch(
            &format!("/v1/organizations/{serve}"),
            &t,
            json!({ "override_district_id": null }),
        )
        .await;
    assert_eq!(p.2["district"]["id"], did(&r.ward1).as_str());
    let win_org = app.get_ok(&format!("/v1/organizations/{win}"), &t).await;
    assert_eq!(win_org["district"]["id"], did(&r.ward2).as_str());
    assert_eq!(win_org["district_source"], "override");

    // The office is still active while the campaign runs.
    assert_eq!(
        app.get_ok(&format!("/v1/elected-offices/{office}"), &t)
            .await["status"],
        "active"
    );
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_make_exactly_one_open_campaign() {
    let app = Arc::new(TestApp::new().await);
    let t = token("user_race_create");
    let n = 6;
    let barrier = Arc::new(Barrier::new(n));
    let mut handles = Vec::new();
    for i in 0..n {
        let (app, t, barrier) = (app.clone(), t.clone(), barrier.clone());
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            app.post(
                "/v1/campaigns",
                &t,
                json!({ "custom_position_name": format!("Seat {i}") }),
            )
            .await
        }));
    }
    let mut created = 0;
    for h in handles {
        let resp = h.await.unwrap();
        if resp.0 == StatusCode::CREATED {
            created += 1;
        } else {
            assert_problem(&resp, StatusCode::CONFLICT, "open_campaign_exists");
        }
    }
    assert_eq!(created, 1);
    let list = app.get_ok("/v1/campaigns", &t).await;
    assert_eq!(list["campaigns"].as_array().unwrap().len(), 1);
    let orgs = app.get_ok("/v1/organizations", &t).await;
    assert_eq!(
        orgs["organizations"].as_array().unwrap().len(),
        1,
        "no orphan orgs"
    );
    let history = app.get_ok("/v1/me/history", &t).await;
    assert_eq!(history["events"].as_array().unwrap().len(), 1);
    Arc::into_inner(app).unwrap().cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wins_start_exactly_one_office() {
    let app = Arc::new(TestApp::new().await);
    let t = token("user_race_win");
    let c = app
        .create_campaign(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    let id = str_of(&c["campaign"]["id"]);
    app.launch(&t, &id).await;

    let n = 8;
    let barrier = Arc::new(Barrier::new(n));
    let mut handles = Vec::new();
    for _ in 0..n {
        let (app, t, barrier, id) = (app.clone(), t.clone(), barrier.clone(), id.clone());
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            app.post(
                &format!("/v1/campaigns/{id}/result"),
                &t,
                json!({ "outcome": "won" }),
            )
            .await
        }));
    }
    let mut office_ids = Vec::new();
    let mut org_slugs = Vec::new();
    for h in handles {
        let resp = h.await.unwrap();
        assert_eq!(resp.0, StatusCode::OK, "{}", resp.2);
        office_ids.push(str_of(&resp.2["elected_office"]["id"]));
        org_slugs.push(str_of(&resp.2["organization"]["slug"]));
    }
    office_ids.dedup();
    org_slugs.dedup();
    assert_eq!(office_ids.len(), 1, "different offices: {office_ids:?}");
    assert_eq!(org_slugs.len(), 1, "different orgs: {org_slugs:?}");
    let offices = app.get_ok("/v1/elected-offices", &t).await;
    let listed = offices["elected_offices"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], office_ids[0].as_str());
    let orgs = app.get_ok("/v1/organizations", &t).await;
    assert_eq!(orgs["organizations"].as_array().unwrap().len(), 2);
    let history = app.get_ok("/v1/me/history", &t).await;
    let kinds: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "campaign_created",
            "campaign_launched",
            "campaign_won",
            "office_started"
        ]
    );
    Arc::into_inner(app).unwrap().cleanup().await;
}
