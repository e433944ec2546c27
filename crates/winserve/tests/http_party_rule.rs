//! The party rule (product.md §5): in Serve mode no political-party information about constituents leaves
//! the server — the raw bytes of every contacts, stats, export and segments answer are scanned for the
//! fixture's party descriptions and groups — and any party filter is 422 `party_filter_not_allowed`.
//! The same requests in the Win organization do carry party, so the scans are not vacuous.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::contacts_fixture::*;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// What must never appear in a Serve answer about constituents.
fn forbidden() -> Vec<&'static str> {
    let mut all: Vec<&str> = PARTY_DESCRIPTIONS.to_vec();
    all.extend(PARTY_GROUPS);
    // The contact's party key and the stats bucket key (also covers "political_party" in CSV).
    all.push("party");
    all
}

/// The answers of every party-bearing channel in `slug`: `(what, bytes)`.
async fn channels(w: &World, slug: &str, segment_ids: &[String]) -> Vec<(String, Vec<u8>)> {
    let mut paths: Vec<String> = vec![
        "/v1/contacts?per_page=100&page=1".into(),
        "/v1/contacts?per_page=100&page=2".into(),
        "/v1/contacts?per_page=100&page=3".into(),
        "/v1/contacts".into(),
        "/v1/contacts?segment=texting&per_page=100".into(),
        "/v1/contacts?search=smith&per_page=100".into(),
        "/v1/contacts?voter_status=super,likely&gender=female,male,unknown&per_page=100".into(),
        "/v1/contacts/stats".into(),
        "/v1/contacts/stats?segment=phone_banking".into(),
        "/v1/contacts/stats?gender=female".into(),
        "/v1/contacts/export".into(),
        "/v1/contacts/export?segment=door_knocking".into(),
        "/v1/segments".into(),
    ];
    // A detail for a voter of every party description.
    for (desc, _) in PARTIES {
        let i = (0..N)
            .find(|i| fixture_voter(*i).party_description.as_deref() == desc)
            .unwrap();
        paths.push(format!("/v1/contacts/{}", fixture_voter(i).id.as_uuid()));
    }
    for id in segment_ids {
        paths.push(format!("/v1/segments/{id}"));
        paths.push(format!("/v1/segments/{id}/count"));
        paths.push(format!("/v1/contacts?segment={id}&per_page=100"));
        paths.push(format!("/v1/contacts/export?segment={id}"));
        paths.push(format!("/v1/contacts/stats?segment={id}"));
    }
    // Cursor pages too.
    let first = w.get_ok("/v1/contacts?per_page=60", slug).await;
    let cursor = str_of(&first["meta"]["next_cursor"]);
    paths.push(format!("/v1/contacts?per_page=60&cursor={cursor}"));

    let mut out = Vec::new();
    for path in paths {
        let (status, _, body) = w.raw_get(&path, slug).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
        out.push((path, body));
    }
    out
}

fn found_in(answers: &[(String, Vec<u8>)], needle: &str) -> Vec<String> {
    answers
        .iter()
        .filter(|(_, body)| contains(body, needle))
        .map(|(p, _)| p.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_never_carry_party_and_win_answers_do() {
    let w = World::new().await;
    // The whole county: every party description of the fixture is among the contacts.
    w.set_override(&w.win, &did(&w.r.county)).await;
    let mut win_segments = Vec::new();
    for (name, criteria) in [
        (
            "Base",
            json!({ "voter_status": ["super"], "party": ["democratic", "republican"] }),
        ),
        ("Only one", json!({ "party": ["democratic"] })),
        ("Phones", json!({ "has_cell_phone": true })),
    ] {
        let r = w
            .send(
                Method::POST,
                "/v1/segments",
                &w.win,
                Some(json!({ "name": name, "criteria": criteria })),
            )
            .await;
        assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
        win_segments.push((name, str_of(&r.2["id"])));
    }

    // The same channels in the Win org while the campaign runs: party everywhere (checked below).
    let win_ids: Vec<String> = win_segments.iter().map(|(_, id)| id.clone()).collect();
    let win_answers = channels(&w, &w.win, &win_ids).await;

    // The win: the copied segments lose their party criteria, and the removal is reported.
    let (serve, result) = w.win_it(true).await;
    let removed: BTreeSet<(String, Vec<String>)> = result["removed_party_criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                str_of(&r["name"]),
                r["party"].as_array().unwrap().iter().map(str_of).collect(),
            )
        })
        .collect();
    assert_eq!(
        removed,
        BTreeSet::from([
            (
                "Base".to_owned(),
                vec!["democratic".to_owned(), "republican".to_owned()]
            ),
            ("Only one".to_owned(), vec!["democratic".to_owned()]),
        ])
    );
    let serve_list = w.get_ok("/v1/segments", &serve).await;
    let copies: Vec<Value> = serve_list["custom"].as_array().unwrap().clone();
    assert_eq!(
        copies
            .iter()
            .map(|s| str_of(&s["name"]))
            .collect::<Vec<_>>(),
        ["Base", "Only one", "Phones"]
    );
    for r in result["removed_party_criteria"].as_array().unwrap() {
        let copy = copies.iter().find(|s| s["name"] == r["name"]).unwrap();
        assert_eq!(copy["id"], r["segment_id"], "the reported id is the copy's");
    }
    let by_name = |n: &str| copies.iter().find(|s| s["name"] == n).unwrap().clone();
    assert_eq!(
        by_name("Base")["criteria"],
        json!({ "voter_status": ["super"] })
    );
    assert_eq!(by_name("Only one")["criteria"], json!({}));
    assert_eq!(
        by_name("Phones")["criteria"],
        json!({ "has_cell_phone": true })
    );
    for (_, id) in &win_segments {
        assert!(
            copies.iter().all(|c| c["id"] != id.as_str()),
            "copies get new ids"
        );
    }
    // The win answer says nothing about constituents' party (the removed criteria are the campaign's
    // own filters, reported on purpose).
    let mut rest = result.clone();
    rest.as_object_mut()
        .unwrap()
        .remove("removed_party_criteria");
    let rest = rest.to_string();
    for needle in PARTY_DESCRIPTIONS.iter().chain(PARTY_GROUPS.iter()) {
        assert!(
            !rest.contains(needle),
            "the win answer carries {needle}: {rest}"
        );
    }

    // Every channel of the Serve org: nothing.
    let serve_ids: Vec<String> = copies.iter().map(|s| str_of(&s["id"])).collect();
    let serve_answers = channels(&w, &serve, &serve_ids).await;
    for needle in forbidden() {
        let leaks = found_in(&serve_answers, needle);
        assert!(leaks.is_empty(), "Serve leaks {needle:?} in {leaks:?}");
    }
    // (The Serve answers are real answers: contacts and rows are there.)
    let exported = &serve_answers
        .iter()
        .find(|(p, _)| p == "/v1/contacts/export")
        .unwrap()
        .1;
    assert_eq!(
        exported.iter().filter(|b| **b == b'\n').count(),
        N + 1,
        "header and one line per contact"
    );

    // The Win org's answers from before the win: party everywhere.
    for needle in PARTY_DESCRIPTIONS {
        let lists = found_in(&win_answers, needle);
        assert!(
            lists.iter().any(|p| p.starts_with("/v1/contacts?")),
            "Win lists lack {needle}"
        );
        assert!(
            lists.iter().any(|p| p.starts_with("/v1/contacts/export")),
            "Win exports lack {needle}"
        );
        assert!(
            lists.iter().any(|p| p.starts_with("/v1/contacts/")
                && !p.contains('?')
                && !p.ends_with("export")
                && !p.ends_with("stats")),
            "Win details lack {needle}"
        );
    }
    for (path, body) in &win_answers {
        let is_contacts = path.starts_with("/v1/contacts?")
            || path.starts_with("/v1/contacts/export")
            || (path.starts_with("/v1/contacts/") && !path.contains("stats"));
        if is_contacts {
            assert!(
                contains(body, "political_party"),
                "Win {path} lacks political_party"
            );
        }
        if path.starts_with("/v1/contacts/stats") {
            for needle in ["\"party\"", "democratic", "republican"] {
                assert!(contains(body, needle), "Win {path} lacks {needle}");
            }
        }
    }
    let seg_list = found_in(&win_answers, "democratic");
    assert!(seg_list.contains(&"/v1/segments".to_owned()));
    assert!(seg_list.contains(&format!("/v1/segments/{}", win_ids[0])));

    // Once archived, the Win org serves no contacts on any channel (no back door to party data for the
    // official, issue 12), while its segments' definitions stay readable.
    let mut archived = vec![
        "/v1/contacts".to_owned(),
        "/v1/contacts?search=smith".to_owned(),
        "/v1/contacts/stats".to_owned(),
        "/v1/contacts/export".to_owned(),
        format!("/v1/contacts/{}", fixture_voter(0).id.as_uuid()),
    ];
    for id in &win_ids {
        archived.push(format!("/v1/segments/{id}/count"));
        archived.push(format!("/v1/contacts?segment={id}"));
        archived.push(format!("/v1/contacts/export?segment={id}"));
        archived.push(format!("/v1/contacts/stats?segment={id}"));
    }
    for path in &archived {
        let r = w.app.get_in(path, &w.t, &w.win).await;
        assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    }
    w.get_ok("/v1/segments", &w.win).await;
    w.get_ok(&format!("/v1/segments/{}", win_ids[0]), &w.win)
        .await;
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_win_without_copies_says_nothing_about_party() {
    let w = World::new().await;
    let r = w
        .send(
            Method::POST,
            "/v1/segments",
            &w.win,
            Some(json!({ "name": "Base", "criteria": { "party": ["republican"] } })),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
    let (status, _, body) = w
        .post_raw_json(
            &format!("/v1/campaigns/{}/result", w.campaign_id),
            None,
            json!({ "outcome": "won" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for needle in PARTY_DESCRIPTIONS.iter().chain(PARTY_GROUPS.iter()) {
        assert!(!contains(&body, needle), "{needle}");
    }
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["removed_party_criteria"], json!([]));
    let serve = str_of(&v["organization"]["slug"]);
    assert_eq!(w.get_ok("/v1/segments", &serve).await["custom"], json!([]));
    // Recording the win again is the same outcome, still without party.
    let (status, _, again) = w
        .post_raw_json(
            &format!("/v1/campaigns/{}/result", w.campaign_id),
            None,
            json!({ "outcome": "won" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for needle in PARTY_DESCRIPTIONS.iter().chain(PARTY_GROUPS.iter()) {
        assert!(!contains(&again, needle), "{needle}");
    }
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn party_filters_are_refused_in_serve_mode_everywhere() {
    let w = World::new().await;
    // Win: allowed.
    let win_seg = w
        .send(
            Method::POST,
            "/v1/segments",
            &w.win,
            Some(json!({ "name": "Dems", "criteria": { "party": ["democratic"] } })),
        )
        .await;
    assert_eq!(win_seg.0, StatusCode::CREATED, "{}", win_seg.2);
    let queries = [
        "party=democratic",
        "party=unknown",
        "party=independent,other",
        "party=republican&has_cell_phone=true",
        "segment=texting&party=democratic",
        "search=smith&party=republican",
    ];
    for q in queries {
        for base in ["/v1/contacts", "/v1/contacts/export", "/v1/contacts/stats"] {
            let r = w.get(&format!("{base}?{q}"), &w.win).await;
            assert_eq!(r.0, StatusCode::OK, "Win {base}?{q}: {}", r.2);
        }
    }
    let dem_total = w.get_ok("/v1/contacts?party=democratic", &w.win).await["meta"]["total"]
        .as_u64()
        .unwrap();
    let expected = w
        .ward()
        .iter()
        .filter(|v| v.party_description.as_deref() == Some("Democratic"))
        .count() as u64;
    assert_eq!(dem_total, expected);

    let (serve, _) = w.win_it(false).await;
    for q in queries {
        for base in ["/v1/contacts", "/v1/contacts/export", "/v1/contacts/stats"] {
            let r = w.get(&format!("{base}?{q}"), &serve).await;
            assert_problem(
                &r,
                StatusCode::UNPROCESSABLE_ENTITY,
                "party_filter_not_allowed",
            );
        }
    }
    // Cursor paging with a party filter too.
    let first = w.get_ok("/v1/contacts?per_page=10", &serve).await;
    let cursor = str_of(&first["meta"]["next_cursor"]);
    let r = w
        .get(
            &format!("/v1/contacts?per_page=10&cursor={cursor}&party=democratic"),
            &serve,
        )
        .await;
    assert_problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "party_filter_not_allowed",
    );

    // Saving a party filter: refused, nothing stored.
    for criteria in [
        json!({ "party": ["democratic"] }),
        json!({ "party": ["unknown"] }),
        json!({ "has_cell_phone": true, "party": ["republican", "independent"] }),
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
    }
    assert_eq!(w.get_ok("/v1/segments", &serve).await["custom"], json!([]));
    let r = w
        .send(
            Method::POST,
            "/v1/segments",
            &serve,
            Some(json!({ "name": "Phones", "criteria": { "has_cell_phone": true } })),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
    let seg = r.2;
    let path = format!("/v1/segments/{}", str_of(&seg["id"]));
    for body in [
        json!({ "criteria": { "has_cell_phone": true, "party": ["democratic"] } }),
        json!({ "name": "Renamed", "criteria": { "party": ["other"] } }),
    ] {
        let r = w.send(Method::PATCH, &path, &serve, Some(body)).await;
        assert_problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "party_filter_not_allowed",
        );
    }
    assert_eq!(
        w.get_ok(&path, &serve).await,
        seg,
        "a refused PATCH changes nothing"
    );
    // A Win segment cannot be used in the Serve org (other org), party or not.
    let r = w
        .get(
            &format!("/v1/contacts?segment={}", str_of(&win_seg.2["id"])),
            &serve,
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "segment_not_found");
    w.app.cleanup().await;
}
