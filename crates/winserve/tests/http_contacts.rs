//! Contacts over HTTP against a known voter file (`common::contacts_fixture`): the effective district,
//! every criterion and built-in segment, the (folded last, folded first, id) order, paging by page and by
//! cursor (also during imports), search, detail, stats and CSV export.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode, header};
use common::contacts_fixture::*;
use common::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use winserve_application::VoterRepository;
use winserve_domain::{Gender, PartyGroup, Voter, VoterStatus};

fn ids(voters: &[&Voter], criteria: &Value) -> Vec<String> {
    ordered_ids(voters.iter().copied().filter(|v| matches(v, criteria)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_are_the_voters_of_the_effective_district() {
    let w = World::new().await;
    let ward = w.ward();
    assert_eq!(ward.len(), 120);

    // The position's district: ward 1, every one of its voters once, in order.
    let (total, contacts) = list_all(&w.app, &w.t, &w.win, "").await;
    assert_eq!(total, 120);
    assert_eq!(ids_of(&contacts), ordered_ids(ward.iter().copied()));

    // The override: the whole county.
    w.set_override(&w.win, &did(&w.r.county)).await;
    let (total, contacts) = list_all(&w.app, &w.t, &w.win, "").await;
    assert_eq!(total, 300);
    assert_eq!(ids_of(&contacts), ordered_ids(&w.voters));

    // Another override (ward 2), then back to the position's district.
    w.set_override(&w.win, &did(&w.r.ward2)).await;
    let (total, _) = list_all(&w.app, &w.t, &w.win, "").await;
    assert_eq!(total, 60);
    let r = w
        .app
        .patch(
            &format!("/v1/organizations/{}", w.win),
            &w.t,
            json!({ "override_district_id": null }),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["district_source"], "position");
    let (total, contacts) = list_all(&w.app, &w.t, &w.win, "").await;
    assert_eq!(total, 120);
    assert_eq!(ids_of(&contacts), ordered_ids(ward.iter().copied()));

    // The Serve organization of a win sees the same district.
    let (serve, _) = w.win_it(false).await;
    let (total, contacts) = list_all(&w.app, &w.t, &serve, "").await;
    assert_eq!(total, 120);
    assert_eq!(ids_of(&contacts), ordered_ids(ward.iter().copied()));
    w.app.cleanup().await;
}

/// Every key of the criteria table (several values each, lists ORed, keys ANDed).
fn criteria_cases() -> Vec<Value> {
    vec![
        json!({ "voter_status": ["super", "likely"] }),
        json!({ "voter_status": ["unreliable"] }),
        json!({ "voter_status": ["unlikely", "first_time"] }),
        json!({ "voter_status": ["unknown"] }),
        json!({ "party": ["democratic"] }),
        json!({ "party": ["republican", "independent"] }),
        json!({ "party": ["other"] }),
        json!({ "party": ["unknown"] }),
        json!({ "age_ranges": ["18_24"] }),
        json!({ "age_ranges": ["25_34", "35_49"] }),
        json!({ "age_ranges": ["50_plus"] }),
        json!({ "age_ranges": ["unknown"] }),
        json!({ "gender": ["male"] }),
        json!({ "gender": ["female", "unknown"] }),
        json!({ "has_cell_phone": true }),
        json!({ "has_cell_phone": false }),
        json!({ "has_landline": true }),
        json!({ "has_landline": false }),
        json!({ "has_address": true }),
        json!({ "has_address": false }),
        json!({ "languages": ["en"] }),
        json!({ "languages": ["es", "other"] }),
        json!({ "languages": ["unknown"] }),
        json!({ "marital_status": ["married", "likely_married"] }),
        json!({ "marital_status": ["single", "likely_single", "unknown"] }),
        json!({ "has_children": ["yes"] }),
        json!({ "has_children": ["no", "unknown"] }),
        json!({ "veteran": ["yes"] }),
        json!({ "veteran": ["unknown"] }),
        json!({ "homeowner": ["yes", "likely"] }),
        json!({ "homeowner": ["no"] }),
        json!({ "homeowner": ["unknown"] }),
        json!({ "business_owner": ["yes"] }),
        json!({ "business_owner": ["unknown"] }),
        json!({ "education": ["none", "high_school"] }),
        json!({ "education": ["technical_school", "some_college"] }),
        json!({ "education": ["college", "graduate"] }),
        json!({ "education": ["unknown"] }),
        json!({ "ethnicity": ["asian", "european"] }),
        json!({ "ethnicity": ["hispanic"] }),
        json!({ "ethnicity": ["african_american", "other"] }),
        json!({ "ethnicity": ["unknown"] }),
        json!({ "income_ranges": ["under_25k"] }),
        json!({ "income_ranges": ["25k_35k", "35k_50k"] }),
        json!({ "income_ranges": ["50k_75k", "75k_100k", "100k_125k"] }),
        json!({ "income_ranges": ["125k_150k", "150k_200k", "200k_plus"] }),
        json!({ "income_ranges": ["unknown"] }),
        // Hot criteria together (counted from the facets) and mixed with the voters' columns (live).
        json!({ "voter_status": ["super", "likely"], "has_cell_phone": true, "age_ranges": ["50_plus", "unknown"] }),
        json!({ "voter_status": ["super", "likely"], "gender": ["male", "female", "unknown"] }),
        json!({ "party": ["democratic", "republican"], "has_landline": false, "education": ["college", "graduate", "unknown"] }),
        json!({ "has_address": true, "income_ranges": ["unknown"], "languages": ["en", "unknown"] }),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_criterion_and_built_in_segment_gives_exactly_the_expected_contacts() {
    let w = World::new().await;
    w.set_override(&w.win, &did(&w.r.county)).await;
    let county = w.county();
    for criteria in criteria_cases() {
        let expected = ids(&county, &criteria);
        // No vacuous case: each one keeps some contacts and drops others.
        assert!(
            !expected.is_empty() && expected.len() < county.len(),
            "fixture gives a trivial answer for {criteria}"
        );
        let query = query_of(&criteria);
        let (total, contacts) = list_all(&w.app, &w.t, &w.win, &query).await;
        assert_eq!(total as usize, expected.len(), "total of {query}");
        assert_eq!(ids_of(&contacts), expected, "contacts of {query}");
        // The first page's total agrees (facets vs live counting).
        let first = w
            .get_ok(&format!("/v1/contacts?{query}&per_page=1"), &w.win)
            .await;
        assert_eq!(first["meta"]["total"].as_u64().unwrap(), total, "{query}");
    }
    for (key, criteria) in built_ins() {
        let expected = ids(&county, &criteria);
        let (total, contacts) = list_all(&w.app, &w.t, &w.win, &format!("segment={key}")).await;
        assert_eq!(total as usize, expected.len(), "total of segment {key}");
        assert_eq!(ids_of(&contacts), expected, "contacts of segment {key}");
        if key != "all" {
            assert!(
                expected.len() < county.len(),
                "{key} is trivial in the fixture"
            );
        }
        // A built-in segment ANDs with ad-hoc criteria.
        let extra = json!({ "voter_status": ["super", "unknown"] });
        let mut both = criteria.clone();
        both.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (total, contacts) = list_all(
            &w.app,
            &w.t,
            &w.win,
            &format!("segment={key}&{}", query_of(&extra)),
        )
        .await;
        assert_eq!(total as usize, ids(&county, &both).len(), "{key} + status");
        assert_eq!(ids_of(&contacts), ids(&county, &both));
    }
    // Contradicting ad-hoc and segment criteria: nothing, not an error.
    let none = w
        .get_ok("/v1/contacts?segment=texting&has_cell_phone=false", &w.win)
        .await;
    assert_eq!(none["meta"]["total"], 0);
    assert_eq!(none["contacts"], json!([]));

    // Unknown keys, values and empty lists are 422.
    for bad in [
        "shoe_size=9",
        "voter_status=sometimes",
        "voter_status=",
        "has_cell_phone=yes",
        "age_ranges=18-24",
        "income_ranges=rich",
        "education=phd",
        "language=en",
    ] {
        let r = w.get(&format!("/v1/contacts?{bad}"), &w.win).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    let r = w.get("/v1/contacts?segment=not_a_segment", &w.win).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "segment_not_found");
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_is_folded_last_name_then_folded_first_name_then_id() {
    let w = World::new().await;
    let (_, contacts) = list_all(&w.app, &w.t, &w.win, "").await;
    let names: Vec<(String, String, String)> = contacts
        .iter()
        .map(|c| {
            (
                c["last_name"].as_str().unwrap_or("").to_owned(),
                c["first_name"].as_str().unwrap_or("").to_owned(),
                str_of(&c["id"]),
            )
        })
        .collect();
    let pos = |last: &str| {
        names
            .iter()
            .position(|(l, _, _)| l == last)
            .unwrap_or_else(|| panic!("{last} is not in ward 1"))
    };
    // No last name sorts first; accents and case are folded, not byte-ordered.
    assert_eq!(names[0].0, "");
    assert!(pos("Davis") < pos("de la Cruz"));
    assert!(pos("Nowak") < pos("Núñez") && pos("Núñez") < pos("Nyberg"));
    assert!(pos("Naylor") > pos("Ñandú"), "ñandu < naylor");
    assert!(pos("Oakley") < pos("Öberg"), "oakley < oberg");
    assert!(pos("Åström") < pos("Baker") && pos("Abbott") < pos("Åström"));
    // Núñez, NUNEZ and Nunez are the same key: ordered by first name, then id.
    let nunez: Vec<&(String, String, String)> = names
        .iter()
        .filter(|(l, _, _)| fold_eq(l, "nunez"))
        .collect();
    assert!(nunez.len() >= 3, "{nunez:?}");
    let keys: Vec<(String, String)> = nunez
        .iter()
        .map(|(_, f, id)| (winserve_domain::fold(f), id.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // The "Smith, Ann" of the ward: ordered by id alone.
    let smiths: Vec<String> = names
        .iter()
        .filter(|(l, f, _)| l == "Smith" && f == "Ann")
        .map(|(_, _, id)| id.clone())
        .collect();
    assert_eq!(
        smiths.len(),
        w.ward()
            .iter()
            .filter(|v| v.last_name.as_deref() == Some("Smith")
                && v.first_name.as_deref() == Some("Ann"))
            .count()
    );
    assert!(smiths.len() >= 24);
    let mut by_id = smiths.clone();
    by_id.sort();
    assert_eq!(smiths, by_id);
    let mut by_insertion: Vec<String> = (0..N)
        .map(fixture_voter)
        .filter(|v| {
            v.last_name.as_deref() == Some("Smith") && v.first_name.as_deref() == Some("Ann")
        })
        .filter(|v| w.ward().iter().any(|x| x.id == v.id))
        .map(|v| v.id.as_uuid().to_string())
        .collect();
    assert_ne!(
        by_insertion, smiths,
        "the fixture's ids must not be in insertion order"
    );
    by_insertion.sort();
    assert_eq!(by_insertion, smiths);
    w.app.cleanup().await;
}

fn fold_eq(a: &str, folded: &str) -> bool {
    winserve_domain::fold(a) == folded
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_checked_and_visit_every_contact_exactly_once() {
    let w = World::new().await;
    let expected = ordered_ids(w.ward().iter().copied());

    // Default page size 50, page 1.
    let first = w.get_ok("/v1/contacts", &w.win).await;
    assert_eq!(first["meta"]["per_page"], 50);
    assert_eq!(first["meta"]["page"], 1);
    assert_eq!(first["meta"]["total"], 120);
    assert_eq!(first["meta"]["total_pages"], 3);
    assert_eq!(
        ids_of(first["contacts"].as_array().unwrap()),
        expected[..50]
    );
    let last = w.get_ok("/v1/contacts?page=3", &w.win).await;
    assert_eq!(
        ids_of(last["contacts"].as_array().unwrap()),
        expected[100..]
    );
    let past = w.get_ok("/v1/contacts?page=4", &w.win).await;
    assert_eq!(past["contacts"], json!([]));
    assert_eq!(past["meta"]["total"], 120);
    let max = w.get_ok("/v1/contacts?per_page=100", &w.win).await;
    assert_eq!(max["contacts"].as_array().unwrap().len(), 100);
    let one = w.get_ok("/v1/contacts?per_page=1&page=120", &w.win).await;
    assert_eq!(
        ids_of(one["contacts"].as_array().unwrap()),
        [expected[119].clone()]
    );

    // Out of range.
    for (q, field) in [
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("per_page=ten", "per_page"),
    ] {
        let r = w.get(&format!("/v1/contacts?{q}"), &w.win).await;
        assert_validation(&r, field);
    }
    let r = w.get("/v1/contacts?cursor=zz", &w.win).await;
    assert_validation(&r, "cursor");

    // Every page size visits everyone once, in order.
    for per_page in [7_u64, 13, 50, 100] {
        let mut seen = Vec::new();
        let pages = 120_u64.div_ceil(per_page);
        for page in 1..=pages {
            let body = w
                .get_ok(
                    &format!("/v1/contacts?page={page}&per_page={per_page}"),
                    &w.win,
                )
                .await;
            assert_eq!(body["meta"]["total_pages"], pages);
            assert_eq!(
                body["meta"]["next_cursor"].is_null(),
                page == pages,
                "page {page}"
            );
            seen.extend(ids_of(body["contacts"].as_array().unwrap()));
        }
        assert_unique(&seen);
        assert_eq!(seen, expected, "per_page={per_page}");
    }
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_visit_every_contact_exactly_once() {
    let w = World::new().await;
    let expected = ordered_ids(w.ward().iter().copied());
    for per_page in [1_u32, 7, 50, 100] {
        let seen = ids_of(&cursor_all(&w.app, &w.t, &w.win, "", per_page, |_| async {}).await);
        assert_unique(&seen);
        assert_eq!(seen, expected, "per_page={per_page}");
    }
    // With a filter, and a filter that needs the voters' columns.
    let ward = w.ward();
    for criteria in [
        json!({ "has_cell_phone": true }),
        json!({ "gender": ["female"], "voter_status": ["super", "likely", "unknown"] }),
    ] {
        let seen =
            ids_of(&cursor_all(&w.app, &w.t, &w.win, &query_of(&criteria), 9, |_| async {}).await);
        assert_eq!(seen, ids(&ward, &criteria));
    }
    // A cursor and a page together is a mistake.
    let first = w.get_ok("/v1/contacts?per_page=5", &w.win).await;
    let c = str_of(&first["meta"]["next_cursor"]);
    let r = w
        .get(
            &format!("/v1/contacts?per_page=5&page=2&cursor={c}"),
            &w.win,
        )
        .await;
    assert_validation(&r, "cursor");
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cursors_are_stable_while_another_district_is_imported() {
    let w = World::new().await;
    let expected = ordered_ids(w.ward().iter().copied());
    // A background import keeps adding voters to ward 2 while we page.
    let store = w.app.store.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let background = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut round = 100;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let batch = extra_voters(round, 25, WARD2);
                store.upsert_voters(&batch).await.unwrap();
                round += 1;
            }
            round - 100
        })
    };
    let seen = ids_of(
        &cursor_all(&w.app, &w.t, &w.win, "", 6, |k| {
            let store = store.clone();
            async move {
                // And one import between every two pages, whatever the background task does.
                let batch = extra_voters(10 + k as u64, 10, WARD2);
                store.upsert_voters(&batch).await.unwrap();
            }
        })
        .await,
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = background.await.unwrap();
    assert_unique(&seen);
    assert_eq!(seen, expected);
    // The imports did land (in ward 2), and ward 1 is unchanged.
    let ward2 = w.r.ward2.id;
    let in_ward2 = w.app.store.count_in_district(ward2).await.unwrap();
    assert!(in_ward2 >= 60 + 19 * 10 + rounds * 25, "{in_ward2}");
    let body = w.get_ok("/v1/contacts?per_page=1", &w.win).await;
    assert_eq!(body["meta"]["total"], 120);
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cursors_neither_repeat_nor_skip_while_the_same_district_grows() {
    let w = World::new().await;
    let initial: HashSet<String> = w
        .ward()
        .iter()
        .map(|v| v.id.as_uuid().to_string())
        .collect();
    let store = w.app.store.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let background = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut round = 100;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                store
                    .upsert_voters(&extra_voters(round, 5, WARD1))
                    .await
                    .unwrap();
                round += 1;
            }
        })
    };
    let contacts = cursor_all(&w.app, &w.t, &w.win, "", 8, |k| {
        let store = store.clone();
        async move {
            store
                .upsert_voters(&extra_voters(10 + k as u64, 7, WARD1))
                .await
                .unwrap();
        }
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    background.await.unwrap();
    let seen = ids_of(&contacts);
    assert_unique(&seen);
    let seen_set: HashSet<String> = seen.iter().cloned().collect();
    let missing: Vec<&String> = initial.difference(&seen_set).collect();
    assert!(missing.is_empty(), "skipped: {missing:?}");
    assert!(seen.len() > initial.len(), "the imports added nobody");
    // The order held across pages: (folded last, folded first, id) never goes back.
    let keys: Vec<(String, String, String)> = contacts
        .iter()
        .map(|c| {
            (
                winserve_domain::fold(c["last_name"].as_str().unwrap_or("")),
                winserve_domain::fold(c["first_name"].as_str().unwrap_or("")),
                str_of(&c["id"]),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|p| p[0] < p[1]), "order broken");
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_is_case_and_accent_insensitive_over_names_phones_and_addresses() {
    let w = World::new().await;
    let ward = w.ward();
    let with_cell = ward.iter().find(|v| v.cell_phone.is_some()).unwrap();
    let cell = with_cell.cell_phone.clone().unwrap(); // "(307) 555-01xx"
    let cell_tail = cell.trim_start_matches("(307) ").to_owned(); // "555-01xx"
    let cell_digits: String = cell.chars().filter(char::is_ascii_digit).collect();
    let with_landline = ward.iter().find(|v| v.landline.is_some()).unwrap();
    let landline = with_landline.landline.clone().unwrap();
    let with_address = ward.iter().find(|v| v.address.line1.is_some()).unwrap();
    let line1 = with_address.address.line1.clone().unwrap(); // "10xx Street Ave"
    let cases: Vec<(String, usize)> = vec![
        ("nunez".into(), 2),
        ("NÚÑEZ".into(), 2),
        ("Nuñez".into(), 2),
        ("JOSE".into(), 2),
        ("josé".into(), 2),
        ("jose nunez".into(), 2),
        ("zoe".into(), 1),
        ("ZOË".into(), 1),
        ("nandu".into(), 1),
        ("Ñandú".into(), 1),
        ("oberg".into(), 1),
        ("de la cruz".into(), 1),
        ("quinn".into(), 1),
        (cell_tail.clone(), 1),
        (cell_digits.clone(), 1),
        (cell.clone(), 1),
        (landline.clone(), 1),
        (line1.to_uppercase(), 1),
        (line1.split(' ').nth(1).unwrap().to_lowercase(), 1),
        ("cheyenne".into(), 1),
        ("82009".into(), 1),
        ("  smith   ann ".into(), 12),
    ];
    for (q, at_least) in &cases {
        let expected: Vec<String> =
            ordered_ids(ward.iter().copied().filter(|v| matches_search(v, q)));
        assert!(
            expected.len() >= *at_least,
            "fixture: {q} finds {}",
            expected.len()
        );
        assert!(expected.len() < ward.len(), "fixture: {q} finds everyone");
        let (total, contacts) = list_all(&w.app, &w.t, &w.win, &format!("search={}", enc(q))).await;
        assert_eq!(total as usize, expected.len(), "total of search {q:?}");
        assert_eq!(ids_of(&contacts), expected, "search {q:?}");
    }
    // The named ones are among the matches.
    let jose_nunez = fixture_voter(1).id.as_uuid().to_string();
    let jose_nunez_upper = fixture_voter(21).id.as_uuid().to_string();
    for q in ["nunez", "JOSE"] {
        let ids = found(&w, q).await;
        assert!(
            ids.contains(&jose_nunez) && ids.contains(&jose_nunez_upper),
            "{q}: {ids:?}"
        );
    }
    assert_eq!(
        found(&w, &cell_tail).await,
        [with_cell.id.as_uuid().to_string()]
    );
    assert_eq!(
        found(&w, &cell_digits).await,
        [with_cell.id.as_uuid().to_string()]
    );
    // Search ANDs with segments and criteria.
    let (total, contacts) = list_all(
        &w.app,
        &w.t,
        &w.win,
        "search=smith&segment=texting&voter_status=super,likely,unreliable",
    )
    .await;
    let expected = ordered_ids(ward.iter().copied().filter(|v| {
        matches_search(v, "smith")
            && matches(
                v,
                &json!({ "has_cell_phone": true, "voter_status": ["super", "likely", "unreliable"] }),
            )
    }));
    assert_eq!(total as usize, expected.len());
    assert_eq!(ids_of(&contacts), expected);
    // LIKE wildcards are word separators, never wildcards: alone they leave no words, and a search
    // without words (like an empty one) is no search; between letters they split words.
    for q in ["%", "_", "\\", "%%", "  "] {
        let body = w
            .get_ok(&format!("/v1/contacts?search={}", enc(q)), &w.win)
            .await;
        assert_eq!(body["meta"]["total"], 120, "search {q:?}");
    }
    for (q, same_as) in [("smi%", "smi"), ("a%b", "a b"), ("sm_th", "sm th")] {
        let expected: Vec<String> =
            ordered_ids(ward.iter().copied().filter(|v| matches_search(v, q)));
        assert_eq!(
            expected,
            ordered_ids(ward.iter().copied().filter(|v| matches_search(v, same_as))),
            "fixture: {q}"
        );
        let (total, contacts) = list_all(&w.app, &w.t, &w.win, &format!("search={}", enc(q))).await;
        assert_eq!(total as usize, expected.len(), "total of search {q:?}");
        assert_eq!(ids_of(&contacts), expected, "search {q:?}");
    }
    let smi = found(&w, "smi%").await;
    for i in (0..N).step_by(10) {
        assert!(
            smi.contains(&fixture_voter(i).id.as_uuid().to_string()),
            "Smith {i}"
        );
    }
    assert_eq!(
        found(&w, "sm_th").await,
        Vec::<String>::new(),
        "`_` is no wildcard"
    );
    let body = w
        .get_ok(&format!("/v1/contacts?search={}", "x".repeat(200)), &w.win)
        .await;
    assert_eq!(body["meta"]["total"], 0);
    let long = "x".repeat(201);
    let r = w.get(&format!("/v1/contacts?search={long}"), &w.win).await;
    assert_validation(&r, "search");

    // Party is not searchable, in either mode.
    for q in PARTY_DESCRIPTIONS.iter().chain(PARTY_GROUPS.iter()) {
        let body = w.get_ok(&format!("/v1/contacts?search={q}"), &w.win).await;
        assert_eq!(body["meta"]["total"], 0, "Win search {q}");
    }
    let (serve, _) = w.win_it(false).await;
    for q in PARTY_DESCRIPTIONS
        .iter()
        .chain(PARTY_GROUPS.iter())
        .chain(["non-partisan", "unaffiliated"].iter())
    {
        let body = w.get_ok(&format!("/v1/contacts?search={q}"), &serve).await;
        assert_eq!(body["meta"]["total"], 0, "Serve search {q}");
        assert_eq!(body["contacts"], json!([]));
        let stats = w
            .get_ok(&format!("/v1/contacts/stats?search={q}"), &serve)
            .await;
        assert_eq!(stats["total"], 0, "Serve stats search {q}");
    }
    // …while a name still is.
    let body = w.get_ok("/v1/contacts?search=nunez", &serve).await;
    assert!(body["meta"]["total"].as_u64().unwrap() >= 2);
    w.app.cleanup().await;
}

async fn found(w: &World, q: &str) -> Vec<String> {
    let (_, c) = list_all(&w.app, &w.t, &w.win, &format!("search={}", enc(q))).await;
    ids_of(&c)
}

fn contact_json_matches(c: &Value, v: &Voter, win: bool) {
    let opt = |o: &Option<String>| o.clone().map_or(Value::Null, Value::String);
    let cat = |s: &str| {
        if s == "unknown" {
            Value::Null
        } else {
            Value::String(s.to_owned())
        }
    };
    assert_eq!(c["id"], v.id.as_uuid().to_string());
    assert_eq!(c["lal_voter_id"], v.lal_voter_id);
    assert_eq!(c["first_name"], opt(&v.first_name));
    assert_eq!(c["middle_name"], opt(&v.middle_name));
    assert_eq!(c["last_name"], opt(&v.last_name));
    assert_eq!(c["name_suffix"], opt(&v.name_suffix));
    assert_eq!(c["age"], v.age.map_or(Value::Null, |a| json!(a)));
    assert_eq!(c["gender"], cat(v.gender.as_str()));
    assert_eq!(c["voter_status"], cat(v.voter_status.as_str()));
    assert_eq!(c["address"]["line1"], opt(&v.address.line1));
    assert_eq!(c["address"]["city"], opt(&v.address.city));
    assert_eq!(c["address"]["state"], opt(&v.address.state));
    assert_eq!(c["address"]["zip"], opt(&v.address.zip));
    assert_eq!(c["cell_phone"], opt(&v.cell_phone));
    assert_eq!(c["landline"], opt(&v.landline));
    assert_eq!(c["marital_status"], cat(v.marital_status.as_str()));
    assert_eq!(c["has_children"], cat(v.has_children.as_str()));
    assert_eq!(c["veteran"], cat(v.veteran.as_str()));
    assert_eq!(c["homeowner"], cat(v.homeowner.as_str()));
    assert_eq!(c["business_owner"], cat(v.business_owner.as_str()));
    assert_eq!(c["education"], cat(v.education.as_str()));
    assert_eq!(c["ethnicity"], cat(v.ethnicity.as_str()));
    assert_eq!(c["language"], cat(v.language.as_str()));
    assert_eq!(
        c["estimated_income"],
        v.estimated_income.map_or(Value::Null, |a| json!(a))
    );
    if win {
        assert_eq!(c["political_party"], opt(&v.party_description));
    } else {
        assert!(c.get("political_party").is_none(), "{c}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_is_found_only_in_its_district() {
    let w = World::new().await;
    // Every field of every listed contact is the voter's.
    let (_, contacts) = list_all(&w.app, &w.t, &w.win, "").await;
    for c in &contacts {
        let v = w
            .voters
            .iter()
            .find(|v| v.id.as_uuid().to_string() == c["id"])
            .unwrap();
        contact_json_matches(c, v, true);
    }
    let jose = fixture_voter(1);
    let body = w
        .get_ok(&format!("/v1/contacts/{}", jose.id.as_uuid()), &w.win)
        .await;
    contact_json_matches(&body, &jose, true);
    assert_eq!(body["first_name"], "José");
    assert_eq!(body["last_name"], "Núñez");

    // In the county, not in ward 1; and an id that exists nowhere.
    let outside = fixture_voter(2);
    assert!(!in_ward1(2));
    for id in [outside.id.as_uuid().to_string(), random_id()] {
        let r = w.get(&format!("/v1/contacts/{id}"), &w.win).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    }
    // Once the district is the county, the outsider is a contact.
    w.set_override(&w.win, &did(&w.r.county)).await;
    let body = w
        .get_ok(&format!("/v1/contacts/{}", outside.id.as_uuid()), &w.win)
        .await;
    contact_json_matches(&body, &outside, true);

    // Serve mode: the same contact, without the party.
    let (serve, _) = w.win_it(false).await;
    let body = w
        .get_ok(&format!("/v1/contacts/{}", jose.id.as_uuid()), &serve)
        .await;
    contact_json_matches(&body, &jose, false);
    // The Serve org copied the override (county): the outsider is found there too.
    let body = w
        .get_ok(&format!("/v1/contacts/{}", outside.id.as_uuid()), &serve)
        .await;
    contact_json_matches(&body, &outside, false);
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_without_a_district_has_no_contacts() {
    let w = World::new().await;
    let t = token("user_without_district");
    for body in [
        json!({}),
        json!({ "ballotready_position_id": "br-no-district" }),
    ] {
        let created = w.app.create_campaign(&t, body).await;
        let slug = str_of(&created["organization"]["slug"]);
        assert_eq!(created["organization"]["district"], Value::Null);
        let jose = fixture_voter(1).id.as_uuid().to_string();
        for path in [
            "/v1/contacts".to_owned(),
            "/v1/contacts?segment=texting".to_owned(),
            "/v1/contacts/stats".to_owned(),
            "/v1/contacts/export".to_owned(),
            format!("/v1/contacts/{jose}"),
        ] {
            let r = w.app.get_in(&path, &t, &slug).await;
            assert_problem(&r, StatusCode::CONFLICT, "district_not_set");
        }
        // A custom segment can be saved, but not counted.
        let r = w
            .app
            .request(
                Method::POST,
                "/v1/segments",
                Some(&t),
                Some(&slug),
                Some(json!({ "name": "Phones", "criteria": { "has_cell_phone": true } })),
            )
            .await;
        assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
        let id = str_of(&r.2["id"]);
        let r = w
            .app
            .get_in(&format!("/v1/segments/{id}/count"), &t, &slug)
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "district_not_set");
        let cid = str_of(&created["campaign"]["id"]);
        w.app.result(&t, &cid, "withdrawn").await;
    }
    w.app.cleanup().await;
}

fn bucket_map(buckets: &Value) -> BTreeMap<String, u64> {
    buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (str_of(&b["label"]), b["count"].as_u64().unwrap()))
        .collect()
}

fn expected_buckets(
    voters: &[&Voter],
    labels: &[&str],
    f: impl Fn(&Voter) -> String,
) -> BTreeMap<String, u64> {
    labels
        .iter()
        .map(|l| {
            (
                (*l).to_owned(),
                voters.iter().filter(|v| f(v) == *l).count() as u64,
            )
        })
        .collect()
}

fn check_stats(body: &Value, voters: &[&Voter], win: bool) {
    let count = |f: &dyn Fn(&Voter) -> bool| voters.iter().filter(|v| f(v)).count() as u64;
    assert_eq!(
        body["total"].as_u64().unwrap(),
        voters.len() as u64,
        "{body}"
    );
    assert_eq!(
        body["with_cell_phone"].as_u64().unwrap(),
        count(&|v| v.cell_phone.is_some())
    );
    assert_eq!(
        body["with_landline"].as_u64().unwrap(),
        count(&|v| v.landline.is_some())
    );
    let b = &body["buckets"];
    assert_eq!(
        bucket_map(&b["age"]),
        expected_buckets(
            voters,
            &["18_24", "25_34", "35_49", "50_plus", "unknown"],
            |v| value_of(v, "age_ranges").to_owned()
        )
    );
    let genders: Vec<&str> = Gender::ALL.iter().map(|g| g.as_str()).collect();
    assert_eq!(
        bucket_map(&b["gender"]),
        expected_buckets(voters, &genders, |v| v.gender.as_str().to_owned())
    );
    let statuses: Vec<&str> = VoterStatus::ALL.iter().map(|g| g.as_str()).collect();
    assert_eq!(
        bucket_map(&b["voter_status"]),
        expected_buckets(voters, &statuses, |v| v.voter_status.as_str().to_owned())
    );
    if win {
        let parties: Vec<&str> = PartyGroup::ALL.iter().map(|g| g.as_str()).collect();
        assert_eq!(
            bucket_map(&b["party"]),
            expected_buckets(voters, &parties, |v| v.party.as_str().to_owned())
        );
    } else {
        assert!(b.get("party").is_none(), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_match_the_voter_file() {
    let w = World::new().await;
    let ward = w.ward();
    check_stats(&w.get_ok("/v1/contacts/stats", &w.win).await, &ward, true);
    // Filters: a built-in segment (facets), ad-hoc criteria needing the voters' columns (live), search.
    for (query, criteria) in [
        ("segment=texting", json!({ "has_cell_phone": true })),
        ("segment=phone_banking", json!({ "has_landline": true })),
        (
            "voter_status=super,likely",
            json!({ "voter_status": ["super", "likely"] }),
        ),
        ("gender=female", json!({ "gender": ["female"] })),
        (
            "segment=door_knocking&income_ranges=unknown,200k_plus",
            json!({ "has_address": true, "income_ranges": ["unknown", "200k_plus"] }),
        ),
    ] {
        let subset: Vec<&Voter> = ward
            .iter()
            .copied()
            .filter(|v| matches(v, &criteria))
            .collect();
        let body = w
            .get_ok(&format!("/v1/contacts/stats?{query}"), &w.win)
            .await;
        check_stats(&body, &subset, true);
    }
    let subset: Vec<&Voter> = ward
        .iter()
        .copied()
        .filter(|v| matches_search(v, "smith"))
        .collect();
    check_stats(
        &w.get_ok("/v1/contacts/stats?search=smith", &w.win).await,
        &subset,
        true,
    );
    // Contradicting filters: zeros in every bucket.
    let none = w
        .get_ok(
            "/v1/contacts/stats?segment=texting&has_cell_phone=false",
            &w.win,
        )
        .await;
    check_stats(&none, &[], true);
    // Paging parameters are not stats parameters.
    let r = w.get("/v1/contacts/stats?page=2", &w.win).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // The county, and the Serve organization (no party bucket).
    w.set_override(&w.win, &did(&w.r.county)).await;
    check_stats(
        &w.get_ok("/v1/contacts/stats", &w.win).await,
        &w.county(),
        true,
    );
    let (serve, _) = w.win_it(false).await;
    check_stats(
        &w.get_ok("/v1/contacts/stats", &serve).await,
        &w.county(),
        false,
    );
    let subset: Vec<&Voter> = w
        .county()
        .into_iter()
        .filter(|v| matches(v, &json!({ "has_cell_phone": true })))
        .collect();
    check_stats(
        &w.get_ok("/v1/contacts/stats?segment=digital_ads", &serve)
            .await,
        &subset,
        false,
    );
    w.app.cleanup().await;
}

const EXPORT_COLUMNS: [&str; 24] = [
    "id",
    "lal_voter_id",
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "age",
    "gender",
    "political_party",
    "voter_status",
    "address_line1",
    "address_city",
    "address_state",
    "address_zip",
    "cell_phone",
    "landline",
    "marital_status",
    "has_children",
    "veteran",
    "homeowner",
    "business_owner",
    "education",
    "ethnicity",
    "language",
];

/// An export: header and rows, parsed with the csv crate.
async fn export(w: &World, slug: &str, query: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let (status, headers, body) = w
        .raw_get(&with_query("/v1/contacts/export", query), slug)
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let ct = headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap();
    assert!(ct.starts_with("text/csv"), "{ct}");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body.as_slice());
    let head: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    for row in &rows {
        assert_eq!(row.len(), head.len());
    }
    // One line per contact (no embedded newlines in the fixture) plus the header.
    let lines = body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(lines, rows.len() + 1);
    (head, rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_are_csv_with_a_header_and_one_line_per_contact() {
    let w = World::new().await;
    let ward = w.ward();
    let (head, rows) = export(&w, &w.win, "").await;
    let mut expected_head: Vec<String> = EXPORT_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    expected_head.push("estimated_income".into());
    assert_eq!(head, expected_head);
    assert_eq!(
        rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        ordered_ids(ward.iter().copied())
    );
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let jose = fixture_voter(1);
    let row = rows
        .iter()
        .find(|r| r[0] == jose.id.as_uuid().to_string())
        .unwrap();
    assert_eq!(row[col("first_name")], "José");
    assert_eq!(row[col("last_name")], "Núñez");
    assert_eq!(row[col("lal_voter_id")], jose.lal_voter_id);
    assert_eq!(
        row[col("political_party")],
        jose.party_description.clone().unwrap_or_default()
    );
    assert_eq!(
        row[col("cell_phone")],
        jose.cell_phone.clone().unwrap_or_default()
    );
    assert_eq!(
        row[col("address_line1")],
        jose.address.line1.clone().unwrap_or_default()
    );
    // Every row's party is the voter's, in Win mode.
    for r in &rows {
        let v = ward
            .iter()
            .find(|v| v.id.as_uuid().to_string() == r[0])
            .unwrap();
        assert_eq!(
            r[col("political_party")],
            v.party_description.clone().unwrap_or_default()
        );
        assert_eq!(
            r[col("age")],
            v.age.map(|a| a.to_string()).unwrap_or_default()
        );
        assert_eq!(
            r[col("estimated_income")],
            v.estimated_income
                .map(|a| a.to_string())
                .unwrap_or_default()
        );
    }

    // A segment, ad-hoc criteria and a search narrow it.
    for (key, criteria) in built_ins() {
        let (_, rows) = export(&w, &w.win, &format!("segment={key}")).await;
        assert_eq!(
            rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
            ids(&ward, &criteria),
            "export of {key}"
        );
    }
    let criteria =
        json!({ "voter_status": ["super"], "education": ["college", "graduate", "unknown"] });
    let (_, rows) = export(&w, &w.win, &query_of(&criteria)).await;
    assert_eq!(
        rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        ids(&ward, &criteria)
    );
    let (_, rows) = export(&w, &w.win, "search=nunez").await;
    assert_eq!(
        rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        ordered_ids(ward.iter().copied().filter(|v| matches_search(v, "nunez")))
    );
    // Nothing matches: the header alone.
    let (head, rows) = export(&w, &w.win, "segment=texting&has_cell_phone=false").await;
    assert_eq!(head, expected_head);
    assert!(rows.is_empty());
    // Paging parameters are not export parameters.
    let r = w.get("/v1/contacts/export?per_page=10", &w.win).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // The county (300 rows), and the Serve organization: no party column.
    w.set_override(&w.win, &did(&w.r.county)).await;
    let (_, rows) = export(&w, &w.win, "").await;
    assert_eq!(rows.len(), 300);
    let (serve, _) = w.win_it(false).await;
    let (head, rows) = export(&w, &serve, "").await;
    assert!(!head.iter().any(|h| h == "political_party"));
    assert_eq!(head.len(), expected_head.len() - 1);
    assert_eq!(
        rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        ordered_ids(&w.voters)
    );
    let (_, rows) = export(&w, &serve, "segment=phone_banking").await;
    assert_eq!(
        rows.len(),
        ids(&w.county(), &json!({ "has_landline": true })).len()
    );
    w.app.cleanup().await;
}
