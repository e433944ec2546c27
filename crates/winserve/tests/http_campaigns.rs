//! Campaigns and elected offices through the router: create, list, read, PATCH, launch, result,
//! current, end.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn campaign_path(id: &str) -> String {
    format!("/v1/campaigns/{id}")
}

fn office_path(id: &str) -> String {
    format!("/v1/elected-offices/{id}")
}

#[tokio::test]
async fn create_campaign_answers_201_with_the_campaign_and_its_win_org() {
    let app = TestApp::new().await;
    let r = app.seed_reference().await;
    let t = token("user_create");

    // No election date: "Campaign".
    let created = app.post("/v1/campaigns", &t, json!({})).await;
    assert_eq!(created.0, StatusCode::CREATED, "{}", created.2);
    let c = &created.2["campaign"];
    let o = &created.2["organization"];
    assert_eq!(c["status"], "draft");
    assert_eq!(c["organization_slug"], o["slug"]);
    for k in [
        "election_date",
        "primary_election_date",
        "ballotready_race_id",
        "ballotready_election_id",
        "party",
        "launched_at",
        "closed_at",
    ] {
        assert_eq!(c[k], Value::Null, "{k}");
    }
    assert!(c["created_at"].is_string());
    assert_eq!(o["mode"], "win");
    assert_eq!(o["name"], "Campaign");
    assert_eq!(o["archived"], false);
    assert_eq!(o["elected_office"], Value::Null);
    assert_eq!(o["campaign"], *c);
    assert!(o["slug"].as_str().unwrap().starts_with("campaign-"));
    let id = str_of(&c["id"]);
    app.result(&t, &id, "withdrawn").await;

    // With an election date: "<year> Campaign"; every field is stored.
    let created = app
        .create_campaign(
            &t,
            json!({
                "ballotready_position_id": "br-council-1",
                "override_district_id": did(&r.county),
                "custom_position_name": "City Council, Ward 1",
                "election_date": "2026-11-03",
                "primary_election_date": "2026-08-18",
                "ballotready_race_id": "race-123",
                "ballotready_election_id": "election-456",
                "party": "Independent",
            }),
        )
        .await;
    let c = &created["campaign"];
    let o = &created["organization"];
    assert_eq!(o["name"], "2026 Campaign");
    assert_eq!(c["election_date"], "2026-11-03");
    assert_eq!(c["primary_election_date"], "2026-08-18");
    assert_eq!(c["ballotready_race_id"], "race-123");
    assert_eq!(c["ballotready_election_id"], "election-456");
    assert_eq!(c["party"], "Independent");
    assert_eq!(o["position"]["ballotready_position_id"], "br-council-1");
    assert_eq!(o["position_name"], "City Council, Ward 1");
    assert_eq!(o["district"]["id"], did(&r.county).as_str());
    assert_eq!(o["district_source"], "override");
    let id2 = str_of(&c["id"]);

    // One open campaign at a time.
    let again = app.post("/v1/campaigns", &t, json!({})).await;
    assert_problem(&again, StatusCode::CONFLICT, "open_campaign_exists");
    app.result(&t, &id2, "withdrawn").await;

    // An override equal to the position's district stores none.
    let created = app
        .create_campaign(
            &t,
            json!({ "ballotready_position_id": "br-council-2", "override_district_id": did(&r.ward2) }),
        )
        .await;
    assert_eq!(created["organization"]["district_source"], "position");
    let id3 = str_of(&created["campaign"]["id"]);
    app.result(&t, &id3, "withdrawn").await;

    // Invalid input.
    let bad = app
        .post(
            "/v1/campaigns",
            &t,
            json!({ "ballotready_position_id": "br-nope" }),
        )
        .await;
    assert_validation(&bad, "ballotready_position_id");
    let bad = app
        .post(
            "/v1/campaigns",
            &t,
            json!({ "override_district_id": random_id() }),
        )
        .await;
    assert_validation(&bad, "override_district_id");
    let bad = app
        .post(
            "/v1/campaigns",
            &t,
            json!({ "election_date": "2026-11-03", "primary_election_date": "2026-12-01" }),
        )
        .await;
    assert_validation(&bad, "primary_election_date");
    let bad = app
        .post(
            "/v1/campaigns",
            &t,
            json!({ "election_date": "2026-02-30" }),
        )
        .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let bad = app.post("/v1/campaigns", &t, json!({ "party": "" })).await;
    assert_validation(&bad, "party");
    let bad = app
        .post(
            "/v1/campaigns",
            &t,
            json!({ "from_elected_office_id": random_id() }),
        )
        .await;
    assert_problem(&bad, StatusCode::NOT_FOUND, "not_found");

    // Nothing of the rejected ones was stored.
    let list = app.get_ok("/v1/campaigns", &t).await;
    assert_eq!(list["campaigns"].as_array().unwrap().len(), 3);
    app.cleanup().await;
}

#[tokio::test]
async fn campaigns_are_listed_newest_first_and_read_by_id() {
    let app = TestApp::new().await;
    let t = token("user_camp_list");
    let mut ids = Vec::new();
    for _ in 0..3 {
        let c = app.create_campaign(&t, json!({})).await;
        let id = str_of(&c["campaign"]["id"]);
        app.result(&t, &id, "withdrawn").await;
        ids.push(id);
    }
    let c = app
        .create_campaign(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    ids.push(str_of(&c["campaign"]["id"]));
    ids.reverse();

    let list = app.get_ok("/v1/campaigns", &t).await;
    let listed: Vec<String> = list["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| str_of(&c["id"]))
        .collect();
    assert_eq!(listed, ids);
    let statuses: Vec<&str> = list["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["draft", "withdrawn", "withdrawn", "withdrawn"]);

    for (i, id) in ids.iter().enumerate() {
        let one = app.get_ok(&campaign_path(id), &t).await;
        assert_eq!(one, list["campaigns"][i]);
    }
    let missing = app.get(&campaign_path(&random_id()), &t).await;
    assert_problem(&missing, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        app.get_ok("/v1/campaigns", &token("user_no_campaigns"))
            .await,
        json!({ "campaigns": [] })
    );
    app.cleanup().await;
}

#[tokio::test]
async fn patch_campaign_updates_dates_race_ids_and_party_until_closed() {
    let app = TestApp::new().await;
    let t = token("user_camp_patch");
    let c = app
        .create_campaign(
            &t,
            json!({ "custom_position_name": "Mayor", "party": "Green" }),
        )
        .await;
    let id = str_of(&c["campaign"]["id"]);
    let slug = str_of(&c["organization"]["slug"]);
    let path = campaign_path(&id);

    let p = app
        .patch(
            &path,
            &t,
            json!({
                "election_date": "2028-11-07",
                "primary_election_date": "2028-06-06",
                "ballotready_race_id": "race-9",
                "ballotready_election_id": "el-9",
            }),
        )
        .await;
    assert_eq!(p.0, StatusCode::OK, "{}", p.2);
    assert_eq!(p.2["election_date"], "2028-11-07");
    assert_eq!(p.2["primary_election_date"], "2028-06-06");
    assert_eq!(p.2["ballotready_race_id"], "race-9");
    assert_eq!(p.2["ballotready_election_id"], "el-9");
    assert_eq!(p.2["party"], "Green", "an absent key keeps the value");
    assert_eq!(p.2["id"], id.as_str());
    assert_eq!(p.2["organization_slug"], slug.as_str());
    // The org's name follows the election year.
    assert_eq!(
        app.get_ok(&format!("/v1/organizations/{slug}"), &t).await["name"],
        "2028 Campaign"
    );

    let p = app
        .patch(
            &path,
            &t,
            json!({ "party": "Libertarian", "ballotready_race_id": null }),
        )
        .await;
    assert_eq!(p.2["party"], "Libertarian");
    assert_eq!(p.2["ballotready_race_id"], Value::Null);
    assert_eq!(p.2["election_date"], "2028-11-07");
    let p = app
        .patch(
            &path,
            &t,
            json!({ "election_date": null, "primary_election_date": null }),
        )
        .await;
    assert_eq!(p.2["election_date"], Value::Null);
    assert_eq!(
        app.get_ok(&format!("/v1/organizations/{slug}"), &t).await["name"],
        "Campaign"
    );
    assert_eq!(app.get_ok(&path, &t).await, p.2);

    // Invalid values.
    let bad = app
        .patch(
            &path,
            &t,
            json!({ "election_date": "2028-01-01", "primary_election_date": "2028-02-01" }),
        )
        .await;
    assert_validation(&bad, "primary_election_date");
    let bad = app.patch(&path, &t, json!({ "status": "won" })).await;
    assert_validation(&bad, "status");
    let bad = app.patch(&path, &t, json!({ "party": 7 })).await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(app.get_ok(&path, &t).await, p.2);
    let missing = app.patch(&campaign_path(&random_id()), &t, json!({})).await;
    assert_problem(&missing, StatusCode::NOT_FOUND, "not_found");

    // Active: still editable.
    app.launch(&t, &id).await;
    let p = app.patch(&path, &t, json!({ "party": "Whig" })).await;
    assert_eq!(p.0, StatusCode::OK, "{}", p.2);
    // Closed: 409.
    app.result(&t, &id, "lost").await;
    let closed = app.patch(&path, &t, json!({ "party": "Tory" })).await;
    assert_problem(&closed, StatusCode::CONFLICT, "organization_archived");
    assert_eq!(app.get_ok(&path, &t).await["party"], "Whig");
    app.cleanup().await;
}

#[tokio::test]
async fn launch_needs_a_position_or_a_custom_name() {
    let app = TestApp::new().await;
    app.seed_reference().await;
    let t = token("user_launch");
    let c = app.create_campaign(&t, json!({})).await;
    let id = str_of(&c["campaign"]["id"]);
    let slug = str_of(&c["organization"]["slug"]);
    let launch_path = format!("/v1/campaigns/{id}/launch");

    let r = app.post_empty(&launch_path, &t).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "office_not_set");
    assert_eq!(app.get_ok(&campaign_path(&id), &t).await["status"], "draft");

    // A custom position name is enough.
    let p = app
        .patch(
            &format!("/v1/organizations/{slug}"),
            &t,
            json!({ "custom_position_name": "Dog Catcher" }),
        )
        .await;
    assert_eq!(p.0, StatusCode::OK);
    let launched = app.launch(&t, &id).await;
    assert_eq!(launched["status"], "active");
    assert_eq!(launched["id"], id.as_str());
    assert!(launched["launched_at"].is_string());
    assert_eq!(launched["closed_at"], Value::Null);
    // Launching again is a harmless retry.
    let again = app.launch(&t, &id).await;
    assert_eq!(again["launched_at"], launched["launched_at"]);
    // A closed campaign cannot be launched.
    app.result(&t, &id, "lost").await;
    let r = app.post_empty(&launch_path, &t).await;
    assert_problem(&r, StatusCode::CONFLICT, "invalid_transition");

    // A position is enough too.
    let c = app
        .create_campaign(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let launched = app.launch(&t, &str_of(&c["campaign"]["id"])).await;
    assert_eq!(launched["status"], "active");

    let r = app
        .post_empty(&format!("/v1/campaigns/{}/launch", random_id()), &t)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    app.cleanup().await;
}

#[tokio::test]
async fn winning_starts_an_office_in_a_new_serve_org_copying_the_profile() {
    let app = TestApp::new().await;
    let r = app.seed_reference().await;
    let t = token("user_win");
    let c = app
        .create_campaign(
            &t,
            json!({
                "ballotready_position_id": "br-council-1",
                "override_district_id": did(&r.county),
                "custom_position_name": "Council Member, Ward 1",
                "election_date": "2026-11-03",
            }),
        )
        .await;
    let id = str_of(&c["campaign"]["id"]);
    let win_slug = str_of(&c["organization"]["slug"]);
    app.launch(&t, &id).await;

    let result_path = format!("/v1/campaigns/{id}/result");
    let won = app
        .post(
            &result_path,
            &t,
            json!({ "outcome": "won", "sworn_in_date": "2027-01-06" }),
        )
        .await;
    assert_eq!(won.0, StatusCode::OK, "{}", won.2);
    let body = &won.2;
    assert_eq!(body["campaign"]["status"], "won");
    assert!(body["campaign"]["closed_at"].is_string());
    assert_eq!(body["campaign"]["organization_slug"], win_slug.as_str());
    assert_eq!(body["removed_party_criteria"], json!([]));
    let office = &body["elected_office"];
    assert_eq!(office["status"], "active");
    assert_eq!(office["sworn_in_date"], "2027-01-06");
    assert_eq!(office["term_end_date"], Value::Null);
    assert_eq!(office["ended_at"], Value::Null);
    let org = &body["organization"];
    assert_eq!(org["mode"], "serve");
    assert_ne!(org["slug"], win_slug.as_str());
    assert!(org["slug"].as_str().unwrap().starts_with("office-"));
    assert_eq!(office["organization_slug"], org["slug"]);
    assert_eq!(org["position"]["ballotready_position_id"], "br-council-1");
    assert_eq!(org["district"]["id"], did(&r.county).as_str());
    assert_eq!(org["district_source"], "override");
    assert_eq!(org["position_name"], "Council Member, Ward 1");
    assert_eq!(org["name"], "Council Member, Ward 1");
    assert_eq!(org["archived"], false);
    assert_eq!(org["campaign"], Value::Null);
    assert_eq!(org["elected_office"], *office);

    // The campaign org is archived and stays readable.
    let win_org = app
        .get_ok(&format!("/v1/organizations/{win_slug}"), &t)
        .await;
    assert_eq!(win_org["archived"], true);
    assert_eq!(win_org["campaign"]["status"], "won");

    // The same result again: the same outcome, nothing new.
    let again = app
        .post(&result_path, &t, json!({ "outcome": "won" }))
        .await;
    assert_eq!(again.0, StatusCode::OK, "{}", again.2);
    assert_eq!(again.2["elected_office"]["id"], office["id"]);
    assert_eq!(again.2["organization"]["slug"], org["slug"]);
    assert_eq!(
        again.2["campaign"]["closed_at"],
        body["campaign"]["closed_at"]
    );
    // A different one: 409.
    for other in ["lost", "withdrawn"] {
        let r = app
            .post(&result_path, &t, json!({ "outcome": other }))
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "result_already_recorded");
    }
    let offices = app.get_ok("/v1/elected-offices", &t).await;
    assert_eq!(offices["elected_offices"].as_array().unwrap().len(), 1);
    assert_eq!(app.get_ok(&campaign_path(&id), &t).await["status"], "won");

    // Bad bodies.
    let r = app
        .post(&result_path, &t, json!({ "outcome": "tied" }))
        .await;
    assert_validation(&r, "outcome");
    let r = app.post(&result_path, &t, json!({})).await;
    assert_validation(&r, "outcome");
    let r = app
        .post(
            &format!("/v1/campaigns/{}/result", random_id()),
            &t,
            json!({ "outcome": "won" }),
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    app.cleanup().await;
}

#[tokio::test]
async fn losing_and_withdrawing_close_the_campaign_without_an_office() {
    let app = TestApp::new().await;
    let t = token("user_lose");

    // Lost: the campaign's org, archived.
    let c = app
        .create_campaign(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    let id = str_of(&c["campaign"]["id"]);
    let slug = str_of(&c["organization"]["slug"]);
    app.launch(&t, &id).await;
    let lost = app.result(&t, &id, "lost").await;
    assert_eq!(lost["campaign"]["status"], "lost");
    assert_eq!(lost["elected_office"], Value::Null);
    assert_eq!(lost["organization"]["slug"], slug.as_str());
    assert_eq!(lost["organization"]["archived"], true);
    assert_eq!(lost["removed_party_criteria"], json!([]));
    let again = app.result(&t, &id, "lost").await;
    assert_eq!(again["campaign"], lost["campaign"]);
    let r = app
        .post(
            &format!("/v1/campaigns/{id}/result"),
            &t,
            json!({ "outcome": "won" }),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "result_already_recorded");

    // Draft: withdrawn is allowed, won and lost are not.
    let c = app.create_campaign(&t, json!({})).await;
    let id = str_of(&c["campaign"]["id"]);
    let path = format!("/v1/campaigns/{id}/result");
    for outcome in ["won", "lost"] {
        let r = app.post(&path, &t, json!({ "outcome": outcome })).await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_transition");
    }
    assert_eq!(app.get_ok(&campaign_path(&id), &t).await["status"], "draft");
    let w = app.result(&t, &id, "withdrawn").await;
    assert_eq!(w["campaign"]["status"], "withdrawn");
    assert_eq!(w["elected_office"], Value::Null);
    assert_eq!(w["organization"]["archived"], true);

    // Active: withdrawn is allowed.
    let c = app
        .create_campaign(&t, json!({ "custom_position_name": "Sheriff" }))
        .await;
    let id = str_of(&c["campaign"]["id"]);
    app.launch(&t, &id).await;
    let w = app.result(&t, &id, "withdrawn").await;
    assert_eq!(w["campaign"]["status"], "withdrawn");
    assert_eq!(
        app.get_ok("/v1/elected-offices", &t).await,
        json!({ "elected_offices": [] })
    );
    app.cleanup().await;
}

#[tokio::test]
async fn current_campaign_and_office_need_an_org_of_the_right_mode() {
    let app = TestApp::new().await;
    let t = token("user_current");
    let (c, won) = app
        .win(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    let serve = str_of(&won["organization"]["slug"]);
    let old_win = str_of(&c["organization"]["slug"]);
    let c2 = app
        .create_campaign(&t, json!({ "custom_position_name": "Governor" }))
        .await;
    let win = str_of(&c2["organization"]["slug"]);

    let cur = app.get_in("/v1/campaigns/current", &t, &win).await;
    assert_eq!(cur.0, StatusCode::OK, "{}", cur.2);
    assert_eq!(cur.2, c2["campaign"]);
    // An archived Win org still answers with its (closed) campaign.
    let cur = app.get_in("/v1/campaigns/current", &t, &old_win).await;
    assert_eq!(cur.0, StatusCode::OK, "{}", cur.2);
    assert_eq!(cur.2["status"], "won");
    let r = app.get_in("/v1/campaigns/current", &t, &serve).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "wrong_mode");
    let r = app.get("/v1/campaigns/current", &t).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "organization_required");
    let r = app
        .get_in("/v1/campaigns/current", &t, "campaign-nosuchorg123")
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    let r = app.get_in("/v1/campaigns/current", &t, "NOT A SLUG").await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");

    let cur = app.get_in("/v1/elected-offices/current", &t, &serve).await;
    assert_eq!(cur.0, StatusCode::OK, "{}", cur.2);
    assert_eq!(cur.2, won["elected_office"]);
    let r = app.get_in("/v1/elected-offices/current", &t, &win).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "wrong_mode");
    let r = app.get("/v1/elected-offices/current", &t).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "organization_required");
    let r = app
        .get_in("/v1/elected-offices/current", &t, "office-nosuchorg123")
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    app.cleanup().await;
}

#[tokio::test]
async fn elected_offices_are_listed_read_patched_and_ended() {
    let app = TestApp::new().await;
    app.seed_reference().await;
    let t = token("user_offices");
    let (_, won1) = app
        .win(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let (_, won2) = app
        .win(&t, json!({ "ballotready_position_id": "br-commission" }))
        .await;
    let o1 = str_of(&won1["elected_office"]["id"]);
    let o2 = str_of(&won2["elected_office"]["id"]);
    let serve1 = str_of(&won1["organization"]["slug"]);

    let list = app.get_ok("/v1/elected-offices", &t).await;
    let ids: Vec<String> = list["elected_offices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| str_of(&o["id"]))
        .collect();
    assert_eq!(ids, [o2.clone(), o1.clone()], "newest first");
    let one = app.get_ok(&office_path(&o1), &t).await;
    assert_eq!(one, list["elected_offices"][1]);
    assert_eq!(one["organization_slug"], serve1.as_str());
    for k in [
        "id",
        "organization_slug",
        "status",
        "sworn_in_date",
        "term_end_date",
        "ended_at",
        "created_at",
    ] {
        assert!(one.get(k).is_some(), "office lacks {k}");
    }
    let missing = app.get(&office_path(&random_id()), &t).await;
    assert_problem(&missing, StatusCode::NOT_FOUND, "not_found");

    // PATCH: dates; null clears; absent keeps.
    let p = app
        .patch(
            &office_path(&o1),
            &t,
            json!({ "sworn_in_date": "2027-01-06", "term_end_date": "2031-01-05" }),
        )
        .await;
    assert_eq!(p.0, StatusCode::OK, "{}", p.2);
    assert_eq!(p.2["sworn_in_date"], "2027-01-06");
    assert_eq!(p.2["term_end_date"], "2031-01-05");
    let p = app
        .patch(&office_path(&o1), &t, json!({ "term_end_date": null }))
        .await;
    assert_eq!(p.2["sworn_in_date"], "2027-01-06");
    assert_eq!(p.2["term_end_date"], Value::Null);
    let bad = app
        .patch(
            &office_path(&o1),
            &t,
            json!({ "term_end_date": "2026-01-01" }),
        )
        .await;
    assert_validation(&bad, "term_end_date");
    let bad = app
        .patch(&office_path(&o1), &t, json!({ "status": "ended" }))
        .await;
    assert_validation(&bad, "status");
    let bad = app.patch(&office_path(&random_id()), &t, json!({})).await;
    assert_problem(&bad, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(app.get_ok(&office_path(&o1), &t).await, p.2);

    // End: the org is archived and stays readable.
    let ended = app
        .post_empty(&format!("/v1/elected-offices/{o1}/end"), &t)
        .await;
    assert_eq!(ended.0, StatusCode::OK, "{}", ended.2);
    assert_eq!(ended.2["status"], "ended");
    assert!(ended.2["ended_at"].is_string());
    assert_eq!(ended.2["sworn_in_date"], "2027-01-06");
    let org = app.get_ok(&format!("/v1/organizations/{serve1}"), &t).await;
    assert_eq!(org["archived"], true);
    assert_eq!(org["elected_office"]["status"], "ended");
    // Its current office still reads.
    let cur = app.get_in("/v1/elected-offices/current", &t, &serve1).await;
    assert_eq!(cur.0, StatusCode::OK);
    assert_eq!(cur.2["status"], "ended");
    // Ending again is a harmless retry; PATCH is refused.
    let again = app
        .post_empty(&format!("/v1/elected-offices/{o1}/end"), &t)
        .await;
    assert_eq!(again.0, StatusCode::OK, "{}", again.2);
    assert_eq!(again.2["ended_at"], ended.2["ended_at"]);
    let late = app
        .patch(
            &office_path(&o1),
            &t,
            json!({ "sworn_in_date": "2027-01-07" }),
        )
        .await;
    assert_problem(&late, StatusCode::CONFLICT, "organization_archived");
    let r = app
        .patch(
            &format!("/v1/organizations/{serve1}"),
            &t,
            json!({ "custom_position_name": "x" }),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    // The other office is untouched.
    assert_eq!(app.get_ok(&office_path(&o2), &t).await["status"], "active");
    let r = app
        .post_empty(&format!("/v1/elected-offices/{}/end", random_id()), &t)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    app.cleanup().await;
}
