//! Segments over HTTP: CRUD, criteria validation, live counts against the known voter file, isolation
//! between a user's organizations and between users, and read-only archived organizations.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::contacts_fixture::*;
use common::*;
use serde_json::{Value, json};
use winserve_application::VoterRepository;

async fn create(w: &World, slug: &str, name: &str, criteria: Value) -> Value {
    let r = w
        .send(
            Method::POST,
            "/v1/segments",
            slug,
            Some(json!({ "name": name, "criteria": criteria })),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "create {name}: {}", r.2);
    r.2
}

fn custom_names(list: &Value) -> Vec<String> {
    list["custom"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| str_of(&s["name"]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_are_created_listed_read_changed_and_deleted() {
    let w = World::new().await;
    let list = w.get_ok("/v1/segments", &w.win).await;
    let built_in: Vec<(String, Value)> = list["built_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert!(b["name"].as_str().is_some_and(|n| !n.is_empty()));
            (str_of(&b["key"]), b["criteria"].clone())
        })
        .collect();
    let expected: Vec<(String, Value)> = built_ins()
        .into_iter()
        .map(|(k, c)| (k.to_owned(), c))
        .collect();
    assert_eq!(built_in, expected);
    assert_eq!(list["custom"], json!([]));

    // Create: 201 with the normalized criteria (duplicates removed).
    let zeta = create(
        &w,
        &w.win,
        "Zeta phones",
        json!({ "has_cell_phone": true, "voter_status": ["super", "likely", "super"] }),
    )
    .await;
    assert_eq!(zeta["name"], "Zeta phones");
    let zc = zeta["criteria"].as_object().unwrap();
    assert_eq!(zc.len(), 2, "{zeta}");
    assert_eq!(zc["has_cell_phone"], true);
    let mut statuses: Vec<String> = zc["voter_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["likely", "super"]);
    assert!(zeta["created_at"].is_string() && zeta["updated_at"].is_string());
    let zeta_id = str_of(&zeta["id"]);
    uuid::Uuid::parse_str(&zeta_id).unwrap();
    let alpha = create(
        &w,
        &w.win,
        "  Alpha seniors ",
        json!({ "age_ranges": ["50_plus"] }),
    )
    .await;
    assert_eq!(alpha["name"], "Alpha seniors", "names are trimmed");
    let everyone = w
        .send(
            Method::POST,
            "/v1/segments",
            &w.win,
            Some(json!({ "name": "Middle everyone" })),
        )
        .await;
    assert_eq!(everyone.0, StatusCode::CREATED, "{}", everyone.2);
    assert_eq!(everyone.2["criteria"], json!({}));

    // Listed by name.
    let list = w.get_ok("/v1/segments", &w.win).await;
    assert_eq!(
        custom_names(&list),
        ["Alpha seniors", "Middle everyone", "Zeta phones"]
    );
    assert_eq!(list["custom"][2], zeta);
    assert_eq!(
        w.get_ok(&format!("/v1/segments/{zeta_id}"), &w.win).await,
        zeta
    );

    // PATCH the name only: the criteria stay.
    let path = format!("/v1/segments/{zeta_id}");
    let r = w
        .send(
            Method::PATCH,
            &path,
            &w.win,
            Some(json!({ "name": "Aardvark phones" })),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["name"], "Aardvark phones");
    assert_eq!(r.2["criteria"], zeta["criteria"]);
    assert_eq!(r.2["id"], zeta["id"]);
    assert_eq!(r.2["created_at"], zeta["created_at"]);
    // PATCH the criteria only: replaced, not merged.
    let r = w
        .send(
            Method::PATCH,
            &path,
            &w.win,
            Some(json!({ "criteria": { "gender": ["female"] } })),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["name"], "Aardvark phones");
    assert_eq!(r.2["criteria"], json!({ "gender": ["female"] }));
    let got = w.get_ok(&path, &w.win).await;
    assert_eq!(got, r.2);
    let list = w.get_ok("/v1/segments", &w.win).await;
    assert_eq!(
        custom_names(&list),
        ["Aardvark phones", "Alpha seniors", "Middle everyone"]
    );
    // Bad PATCH bodies change nothing.
    for body in [
        json!({ "name": "" }),
        json!({ "name": "x".repeat(101) }),
        json!({ "colour": "red" }),
        json!({ "criteria": { "gender": [] } }),
    ] {
        let r = w.send(Method::PATCH, &path, &w.win, Some(body)).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    assert_eq!(w.get_ok(&path, &w.win).await, got);

    // DELETE: 204, then gone everywhere.
    let r = w.send(Method::DELETE, &path, &w.win, None).await;
    assert_eq!(r.0, StatusCode::NO_CONTENT, "{}", r.2);
    assert_eq!(r.2, Value::Null);
    for (method, p, body) in [
        (Method::GET, path.clone(), None),
        (Method::GET, format!("{path}/count"), None),
        (Method::PATCH, path.clone(), Some(json!({ "name": "Back" }))),
        (Method::DELETE, path.clone(), None),
        (Method::GET, format!("/v1/contacts?segment={zeta_id}"), None),
    ] {
        let r = w.send(method.clone(), &p, &w.win, body).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "segment_not_found");
    }
    let list = w.get_ok("/v1/segments", &w.win).await;
    assert_eq!(custom_names(&list), ["Alpha seniors", "Middle everyone"]);
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn criteria_with_unknown_keys_or_values_or_empty_lists_are_refused() {
    let w = World::new().await;
    let ok = create(&w, &w.win, "Fine", json!({ "veteran": ["yes"] })).await;
    let path = format!("/v1/segments/{}", str_of(&ok["id"]));
    for criteria in [
        json!({ "shoe_size": ["9"] }),
        json!({ "language": ["en"] }),
        json!({ "voter_status": ["sometimes"] }),
        json!({ "voter_status": ["Super"] }),
        json!({ "party": ["whig"] }),
        json!({ "age_ranges": ["18-24"] }),
        json!({ "age_ranges": "18_24" }),
        json!({ "gender": [] }),
        json!({ "income_ranges": [] }),
        json!({ "education": ["phd"] }),
        json!({ "ethnicity": ["martian"] }),
        json!({ "income_ranges": ["a_lot"] }),
        json!({ "veteran": ["no"] }),
        json!({ "has_cell_phone": "yes" }),
        json!({ "has_landline": ["true"] }),
        json!(["has_cell_phone"]),
        json!("all"),
    ] {
        let r = w
            .send(
                Method::POST,
                "/v1/segments",
                &w.win,
                Some(json!({ "name": "Bad", "criteria": criteria })),
            )
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let r = w
            .send(
                Method::PATCH,
                &path,
                &w.win,
                Some(json!({ "criteria": criteria })),
            )
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    for body in [
        json!({ "criteria": {} }),
        json!({ "name": "", "criteria": {} }),
        json!({ "name": "   ", "criteria": {} }),
        json!({ "name": "x".repeat(101), "criteria": {} }),
        json!({ "name": "Extra", "criteria": {}, "owner": "me" }),
    ] {
        let r = w
            .send(Method::POST, "/v1/segments", &w.win, Some(body))
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    // Nothing was stored by the refused requests.
    let list = w.get_ok("/v1/segments", &w.win).await;
    assert_eq!(custom_names(&list), ["Fine"]);
    assert_eq!(w.get_ok(&path, &w.win).await, ok);
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_segments_count_is_live_and_equals_its_contacts_total() {
    let w = World::new().await;
    let cases = [
        json!({}),
        json!({ "has_cell_phone": true }),
        json!({ "voter_status": ["super", "likely"], "has_landline": false }),
        json!({ "party": ["democratic", "other"] }),
        json!({ "age_ranges": ["unknown", "18_24"], "gender": ["male"] }),
        json!({ "income_ranges": ["unknown", "under_25k"], "has_address": true }),
        json!({ "education": ["college"], "ethnicity": ["hispanic", "european"], "languages": ["en", "es"] }),
        json!({ "marital_status": ["married"], "has_children": ["yes"], "veteran": ["unknown"], "homeowner": ["yes", "no"], "business_owner": ["unknown"] }),
    ];
    let mut ids = Vec::new();
    for (k, criteria) in cases.iter().enumerate() {
        let s = create(&w, &w.win, &format!("Case {k}"), criteria.clone()).await;
        ids.push(str_of(&s["id"]));
    }
    let check = |voters: Vec<winserve_domain::Voter>| {
        let w = &w;
        let ids = ids.clone();
        let cases = cases.clone();
        async move {
            for (id, criteria) in ids.iter().zip(cases.iter()) {
                let expected = voters.iter().filter(|v| matches(v, criteria)).count() as u64;
                let count = w.get_ok(&format!("/v1/segments/{id}/count"), &w.win).await;
                assert_eq!(count, json!({ "count": expected }), "{criteria}");
                let list = w
                    .get_ok(&format!("/v1/contacts?segment={id}&per_page=1"), &w.win)
                    .await;
                assert_eq!(list["meta"]["total"], expected, "{criteria}");
                let stats = w
                    .get_ok(&format!("/v1/contacts/stats?segment={id}"), &w.win)
                    .await;
                assert_eq!(stats["total"], expected, "{criteria}");
            }
        }
    };
    let ward: Vec<winserve_domain::Voter> = w.ward().into_iter().cloned().collect();
    check(ward.clone()).await;
    // More voters in the ward: the counts follow at once.
    let extra = extra_voters(7, 40, WARD1);
    w.app.store.upsert_voters(&extra).await.unwrap();
    let mut grown = ward;
    grown.extend(extra);
    check(grown).await;
    // Another district: the counts follow the organization's district.
    w.set_override(&w.win, &did(&w.r.ward2)).await;
    let ward2: Vec<winserve_domain::Voter> =
        (0..N).filter(|i| i % 5 == 2).map(fixture_voter).collect();
    check(ward2).await;
    w.app.cleanup().await;
}

/// A value of the wrong JSON type inside a criteria list (`null`, a number, a boolean) is an unknown
/// value like any other: 422 `validation_failed`, not 400 — the body is valid JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn criteria_values_of_the_wrong_json_type_are_validation_errors() {
    let w = World::new().await;
    let ok = create(&w, &w.win, "Fine", json!({ "veteran": ["yes"] })).await;
    let path = format!("/v1/segments/{}", str_of(&ok["id"]));
    let mut wrong = Vec::new();
    for criteria in [
        json!({ "homeowner": [null] }),
        json!({ "gender": [1] }),
        json!({ "voter_status": [true] }),
        json!({ "age_ranges": [["18_24"]] }),
        json!({ "education": [{ "college": true }] }),
    ] {
        for (method, path, body) in [
            (
                Method::POST,
                "/v1/segments",
                json!({ "name": "Bad", "criteria": criteria }),
            ),
            (
                Method::PATCH,
                path.as_str(),
                json!({ "criteria": criteria }),
            ),
        ] {
            let r = w.send(method.clone(), path, &w.win, Some(body)).await;
            if r.0 != StatusCode::UNPROCESSABLE_ENTITY || r.2["code"] != "validation_failed" {
                wrong.push(format!("{method} {criteria} -> {} {}", r.0, r.2["code"]));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "expected 422 validation_failed:\n{}",
        wrong.join("\n")
    );
    w.app.cleanup().await;
}

/// Every endpoint that takes a segment id, for `id`: all must be 404 `segment_not_found`.
async fn assert_segment_not_found_everywhere(app: &TestApp, t: &str, slug: &str, id: &str) {
    let probes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/segments/{id}"), None),
        (
            Method::PATCH,
            format!("/v1/segments/{id}"),
            Some(json!({ "name": "Mine now" })),
        ),
        (
            Method::PATCH,
            format!("/v1/segments/{id}"),
            Some(json!({ "criteria": { "has_cell_phone": true } })),
        ),
        (Method::DELETE, format!("/v1/segments/{id}"), None),
        (Method::GET, format!("/v1/segments/{id}/count"), None),
        (Method::GET, format!("/v1/contacts?segment={id}"), None),
        (
            Method::GET,
            format!("/v1/contacts?segment={id}&per_page=5"),
            None,
        ),
        (
            Method::GET,
            format!("/v1/contacts/export?segment={id}"),
            None,
        ),
        (
            Method::GET,
            format!("/v1/contacts/stats?segment={id}"),
            None,
        ),
    ];
    for (method, path, body) in probes {
        let r = app
            .request(method.clone(), &path, Some(t), Some(slug), body)
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "segment_not_found");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_segment_is_exactly_like_a_missing_one() {
    let w = World::new().await;
    let mine = create(&w, &w.win, "Mine", json!({ "has_cell_phone": true })).await;
    let mine_id = str_of(&mine["id"]);
    // Another user, with an organization over the very same district.
    let other = token("user_segment_thief");
    let created = w
        .app
        .create_campaign(&other, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let other_slug = str_of(&created["organization"]["slug"]);
    for id in [mine_id.clone(), random_id(), "not-a-uuid".to_owned()] {
        assert_segment_not_found_everywhere(&w.app, &other, &other_slug, &id).await;
    }
    // The same answers for theirs and for a random id.
    let theirs = w
        .app
        .get_in(&format!("/v1/segments/{mine_id}"), &other, &other_slug)
        .await;
    let rid = random_id();
    let random = w
        .app
        .get_in(&format!("/v1/segments/{rid}"), &other, &other_slug)
        .await;
    let scrub = |v: &Value, id: &str| v.to_string().replace(id, "ID");
    assert_eq!(
        scrub(&theirs.2, &mine_id),
        scrub(&random.2, &rid),
        "theirs vs missing"
    );
    let list = w.app.get_in("/v1/segments", &other, &other_slug).await;
    assert_eq!(list.2["custom"], json!([]));
    // The owner's segment is untouched.
    assert_eq!(
        w.get_ok(&format!("/v1/segments/{mine_id}"), &w.win).await,
        mine
    );
    // And the owner cannot use it through the other user's organization either.
    let r = w
        .app
        .get_in(&format!("/v1/segments/{mine_id}"), &w.t, &other_slug)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_campaign_and_office_organizations_never_share_segments() {
    let w = World::new().await;
    let campaign_seg = create(
        &w,
        &w.win,
        "Campaign list",
        json!({ "has_cell_phone": true }),
    )
    .await;
    let (serve, _) = w.win_it(false).await;
    // Running again while serving: a new campaign org.
    let created = w
        .app
        .create_campaign(&w.t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let rerun = str_of(&created["organization"]["slug"]);
    let office_seg = create(&w, &serve, "Office list", json!({ "has_landline": true })).await;
    let rerun_seg = create(&w, &rerun, "Rerun list", json!({ "has_address": true })).await;

    let names = |slug: String| {
        let w = &w;
        async move { custom_names(&w.get_ok("/v1/segments", &slug).await) }
    };
    assert_eq!(names(w.win.clone()).await, ["Campaign list"]);
    assert_eq!(names(serve.clone()).await, ["Office list"]);
    assert_eq!(names(rerun.clone()).await, ["Rerun list"]);
    // Not copied without copy_segments.
    for (slug, foreign) in [
        (&serve, &campaign_seg),
        (&serve, &rerun_seg),
        (&rerun, &office_seg),
        (&rerun, &campaign_seg),
        (&w.win, &office_seg),
        (&w.win, &rerun_seg),
    ] {
        let id = str_of(&foreign["id"]);
        // In the archived campaign org too, a foreign segment is not found, before anything else.
        assert_segment_not_found_everywhere(&w.app, &w.t, slug, &id).await;
    }
    // Each still works at home; the archived campaign org keeps its segment readable but serves no
    // contacts, so no count (issue 12).
    let id = str_of(&campaign_seg["id"]);
    assert_eq!(
        w.get_ok(&format!("/v1/segments/{id}"), &w.win).await,
        campaign_seg
    );
    for path in [
        format!("/v1/segments/{id}/count"),
        format!("/v1/contacts?segment={id}&per_page=1"),
    ] {
        let r = w.get(&path, &w.win).await;
        assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    }
    for (slug, seg) in [(&serve, &office_seg), (&rerun, &rerun_seg)] {
        let id = str_of(&seg["id"]);
        assert_eq!(w.get_ok(&format!("/v1/segments/{id}"), slug).await, *seg);
        let count = w.get_ok(&format!("/v1/segments/{id}/count"), slug).await;
        let total = w
            .get_ok(&format!("/v1/contacts?segment={id}&per_page=1"), slug)
            .await;
        assert_eq!(count["count"], total["meta"]["total"]);
    }
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archived_organizations_segments_are_read_only() {
    let w = World::new().await;
    let seg = create(&w, &w.win, "Kept", json!({ "has_cell_phone": true })).await;
    let id = str_of(&seg["id"]);
    let (serve, _) = w.win_it(false).await;
    // The campaign org is archived: its segments can be read, writes are 409.
    let org = w
        .get_ok(&format!("/v1/organizations/{}", w.win), &w.win)
        .await;
    assert_eq!(org["archived"], true);
    let path = format!("/v1/segments/{id}");
    let r = w
        .send(
            Method::POST,
            "/v1/segments",
            &w.win,
            Some(json!({ "name": "New", "criteria": {} })),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    let r = w
        .send(
            Method::PATCH,
            &path,
            &w.win,
            Some(json!({ "name": "Renamed" })),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    let r = w.send(Method::DELETE, &path, &w.win, None).await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    assert_eq!(w.get_ok(&path, &w.win).await, seg);
    assert_eq!(
        custom_names(&w.get_ok("/v1/segments", &w.win).await),
        ["Kept"]
    );
    // Its contacts, and so its segments' counts, are no longer served (issue 12).
    let r = w.get(&format!("{path}/count"), &w.win).await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");

    // An ended office's org too.
    let office_seg = create(&w, &serve, "Office", json!({ "has_landline": true })).await;
    let office_id = str_of(&w.get_ok("/v1/elected-offices/current", &serve).await["id"]);
    let r = w
        .app
        .post_empty(&format!("/v1/elected-offices/{office_id}/end"), &w.t)
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    let office_path = format!("/v1/segments/{}", str_of(&office_seg["id"]));
    let r = w
        .send(
            Method::POST,
            "/v1/segments",
            &serve,
            Some(json!({ "name": "New", "criteria": {} })),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    let r = w
        .send(
            Method::PATCH,
            &office_path,
            &serve,
            Some(json!({ "criteria": { "has_landline": false } })),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    let r = w.send(Method::DELETE, &office_path, &serve, None).await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    assert_eq!(w.get_ok(&office_path, &serve).await, office_seg);
    w.app.cleanup().await;
}

/// A party key in a Serve organization is refused as the party rule, whatever its value — a list, an
/// empty list or `null` (which was once stored as `{}` without a word, issue 12) — and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_key_in_a_serve_organization_is_refused_even_null_or_empty() {
    let w = World::new().await;
    let (serve, _) = w.win_it(false).await;
    let kept = create(&w, &serve, "Kept", json!({ "has_cell_phone": true })).await;
    let path = format!("/v1/segments/{}", str_of(&kept["id"]));
    for criteria in [
        json!({ "party": null }),
        json!({ "party": [] }),
        json!({ "party": ["democratic"] }),
        json!({ "has_cell_phone": true, "party": null }),
    ] {
        let r = w
            .send(
                Method::POST,
                "/v1/segments",
                &serve,
                Some(json!({ "name": "Sneaky", "criteria": criteria })),
            )
            .await;
        assert_problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "party_filter_not_allowed",
        );
        let r = w
            .send(
                Method::PATCH,
                &path,
                &serve,
                Some(json!({ "criteria": criteria })),
            )
            .await;
        assert_problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "party_filter_not_allowed",
        );
    }
    assert_eq!(
        custom_names(&w.get_ok("/v1/segments", &serve).await),
        ["Kept"]
    );
    assert_eq!(w.get_ok(&path, &serve).await, kept);
    w.app.cleanup().await;
}
