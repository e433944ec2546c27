//! Search relevance over HTTP: WORD-START matching against a small file of hand-made voters, each
//! designed for one rule of `search` (prefix not infix, house numbers, accents, apostrophes, hyphens,
//! phone forms, ZIP, empty and over-long queries, party, segments, stats and export).
//!
//! Every check compares the server with the test's own oracle (`contacts_fixture::matches_search`) AND
//! the oracle with a hand-written expectation, so a wrong oracle cannot hide a wrong implementation.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode, header};
use common::contacts_fixture::*;
use common::*;
use serde_json::json;
use winserve_domain::{Address, PartyGroup, Voter, VoterId};

/// The seed of the hand-made voters' ids.
const SEED: u64 = 4242;

/// The hand-made voters living outside ward 1 (never a contact of the Win organization).
const WARD2_KEYS: [&str; 1] = ["ann_ward2"];

/// One hand-made voter: `key` (its LAL id is `SR-<key>`), names, and by default an address
/// `40kk Pine St, Cheyenne 82009`, no phones, no middle name or suffix, and a distinctive party.
fn person(k: usize, key: &str, first: Option<&str>, last: Option<&str>) -> Voter {
    let ward2 = WARD2_KEYS.contains(&key);
    // Fixture voter 0 lives in ward 1 (and the county), voter 2 in ward 2 (and the county).
    let mut v = fixture_voter(if ward2 { 2 } else { 0 });
    v.id = VoterId::from_uuid(voter_uuid(SEED, k));
    v.lal_voter_id = format!("SR-{key}");
    v.first_name = first.map(str::to_owned);
    v.middle_name = None;
    v.last_name = last.map(str::to_owned);
    v.name_suffix = None;
    v.address = Address {
        line1: Some(format!("{} Pine St", 4000 + k)),
        city: Some("Cheyenne".to_owned()),
        state: Some("WY".to_owned()),
        zip: Some("82009".to_owned()),
    };
    v.cell_phone = None;
    v.landline = None;
    let (description, party) = if k.is_multiple_of(2) {
        ("Republican", PartyGroup::Republican)
    } else {
        ("Democratic", PartyGroup::Democratic)
    };
    v.party_description = Some(description.to_owned());
    v.party = party;
    v
}

/// The hand-made voter file.
fn search_voters() -> Vec<Voter> {
    let mut all = Vec::new();
    let mut add =
        |key: &str, first: Option<&str>, last: Option<&str>, edit: &dyn Fn(&mut Voter)| {
            let mut v = person(all.len(), key, first, last);
            edit(&mut v);
            all.push(v);
        };
    let cell = |p: &'static str| move |v: &mut Voter| v.cell_phone = Some(p.to_owned());
    let line1 = |l: &'static str| move |v: &mut Voter| v.address.line1 = Some(l.to_owned());
    let none = |_: &mut Voter| {};
    // Prefix, not infix; two "Ann Smith"s for the id tie-break.
    add(
        "ann_smith",
        Some("Ann"),
        Some("Smith"),
        &cell("(307) 555-0100"),
    );
    add("ann_smith2", Some("Ann"), Some("Smith"), &none);
    add(
        "annette",
        Some("Annette"),
        Some("Baker"),
        &cell("(307) 555-0102"),
    );
    add(
        "joann",
        Some("Joann"),
        Some("Carter"),
        &cell("(307) 555-0103"),
    );
    add("annis", Some("Hanna"), Some("Annis"), &none);
    // Apostrophes and hyphens.
    add("neil", Some("Neil"), Some("Armstrong"), &none);
    add("oneil", Some("Sean"), Some("O'Neil"), &none);
    add("oneil_curly", Some("Ryan"), Some("O\u{2019}Neil"), &none);
    add("smith_jones", Some("Mary"), Some("Smith-Jones"), &none);
    // Accents.
    add("muller", Some("Hans"), Some("Müller"), &none);
    add("muller_plain", Some("Greta"), Some("Muller"), &none);
    add("nunez", Some("Ana"), Some("Núñez"), &none);
    // House numbers and streets.
    add("main101", Some("Pat"), Some("Doe"), &line1("101 Main St"));
    add("main1019", Some("Lee"), Some("Roe"), &line1("1019 Main St"));
    add("main2101", Some("Max"), Some("Moe"), &line1("2101 Main St"));
    add("elm5", Some("Kim"), Some("Poe"), &|v| {
        v.address.line1 = Some("5 Elm St".to_owned());
        v.cell_phone = Some("(307) 555-1019".to_owned());
    });
    add(
        "mainwaring",
        Some("Jo"),
        Some("Mainwaring"),
        &line1("101 Oak Ave"),
    );
    // Phones.
    add("cara", Some("Cara"), Some("Cell"), &cell("(307) 555-2855"));
    // Its digits 8285528551 contain 2855, but neither start, nor local-start, nor end with it.
    add("dan", Some("Dan"), Some("Decoy"), &|v| {
        v.landline = Some("(828) 552-8551".to_owned());
    });
    // A phone with the country code.
    add("eve", Some("Eve"), Some("Eleven"), &|v| {
        v.landline = Some("+1 307 555 7777".to_owned());
    });
    // ZIPs.
    add("zip1", Some("Zed"), Some("Zipper"), &|v| {
        v.address.zip = Some("82001".to_owned());
    });
    add("zip2", Some("Zelda"), Some("Zipper"), &|v| {
        v.address.zip = Some("82001-1234".to_owned());
    });
    // Middle name and suffix.
    add("robert", Some("Robert"), Some("Lee"), &|v| {
        v.middle_name = Some("Quinn".to_owned());
        v.name_suffix = Some("Jr".to_owned());
    });
    // No name at all.
    add("nameless", None, None, &line1("77 Birch Rd"));
    // Outside the organization's district.
    add(
        "ann_ward2",
        Some("Ann"),
        Some("Smith"),
        &cell("(307) 555-0199"),
    );
    all
}

/// The hand-made voter's key.
fn key_of(v: &Voter) -> &str {
    v.lal_voter_id.trim_start_matches("SR-")
}

/// The world: the hand-made voters and a launched Win campaign over ward 1.
async fn world() -> World {
    World::with_voters(search_voters(), "user_search_owner").await
}

/// The contacts of the organization: the hand-made voters of ward 1.
fn ward(w: &World) -> Vec<&Voter> {
    w.voters
        .iter()
        .filter(|v| !WARD2_KEYS.contains(&key_of(v)))
        .collect()
}

/// Every key of ward 1.
fn everyone(w: &World) -> Vec<&str> {
    ward(w).into_iter().map(key_of).collect()
}

/// Ids (as the server answers them) as keys, in order; an unknown id shows as `?<id>`.
fn keys_of(w: &World, ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            w.voters
                .iter()
                .find(|v| v.id.as_uuid().to_string() == *id)
                .map_or_else(|| format!("?{id}"), |v| key_of(v).to_owned())
        })
        .collect()
}

/// The oracle's answer to `q` among the voters of ward 1 passing `extra`, in the contacts order.
fn oracle(w: &World, q: &str, extra: impl Fn(&Voter) -> bool) -> Vec<String> {
    assert!(!search_rejected(q), "oracle: {q:?} is refused");
    ordered_ids(
        ward(w)
            .into_iter()
            .filter(|v| matches_search(v, q) && extra(v)),
    )
}

/// The hand-written expectation as ordered ids.
fn hand(w: &World, keys: &[&str]) -> Vec<String> {
    for k in keys {
        assert!(w.voters.iter().any(|v| key_of(v) == *k), "unknown key {k}");
    }
    ordered_ids(w.voters.iter().filter(|v| keys.contains(&key_of(v))))
}

/// `search=q` (plus `extra_query`, e.g. `segment=texting`) in `slug`: the oracle must give exactly
/// `expect`, and the server exactly the oracle's answer, with the exact total.
async fn check_with(
    w: &World,
    slug: &str,
    q: &str,
    extra_query: &str,
    extra: impl Fn(&Voter) -> bool,
    expect: &[&str],
) -> Vec<String> {
    let want = oracle(w, q, extra);
    assert_eq!(
        keys_of(w, &want),
        keys_of(w, &hand(w, expect)),
        "ORACLE disagrees with the hand-written expectation for {q:?} ({extra_query})"
    );
    let query = if extra_query.is_empty() {
        format!("search={}", enc(q))
    } else {
        format!("search={}&{extra_query}", enc(q))
    };
    // Both ways of answering: SQL, and the district's in-memory index (ADR 0023).
    let indexed = w.app.with_search_index();
    for (app, how) in [(&w.app, "SQL"), (&indexed, "index")] {
        let (total, contacts) = list_all(app, &w.t, slug, &query).await;
        let got = ids_of(&contacts);
        assert_eq!(
            keys_of(w, &got),
            keys_of(w, &want),
            "server answer to {query:?} ({how})"
        );
        assert_eq!(
            total as usize,
            want.len(),
            "meta.total of {query:?} ({how})"
        );
    }
    want
}

/// [`check_with`] without other filters, in the Win organization.
async fn check(w: &World, q: &str, expect: &[&str]) -> Vec<String> {
    check_with(w, &w.win, q, "", |_| true, expect).await
}

/// Every query of `cases` finds exactly its keys.
async fn check_all(w: &World, cases: &[(&str, &[&str])]) {
    for (q, expect) in cases {
        check(w, q, expect).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_word_matches_the_start_of_a_word_never_its_inside() {
    let w = world().await;
    check_all(
        &w,
        &[
            // Ann and Annette (and the last name Annis), never Joann nor Hanna.
            ("ann", &["ann_smith", "ann_smith2", "annette", "annis"]),
            ("ANN", &["ann_smith", "ann_smith2", "annette", "annis"]),
            ("annette", &["annette"]),
            ("joann", &["joann"]),
            ("jo", &["joann", "mainwaring", "smith_jones"]),
            ("oann", &[]),
            ("nette", &[]),
            ("anna", &[]),
            // Every word must start some word, in any field and any order.
            ("ann smith", &["ann_smith", "ann_smith2"]),
            ("smith ann", &["ann_smith", "ann_smith2"]),
            ("ann baker", &["annette"]),
            ("ann carter", &[]),
            ("ann ann", &["ann_smith", "ann_smith2", "annette", "annis"]),
            ("lee", &["main1019", "robert"]),
            // Middle name, suffix, city.
            ("quinn", &["robert"]),
            ("jr", &["robert"]),
            ("robert quinn lee jr", &["robert"]),
            ("birch", &["nameless"]),
        ],
    )
    .await;
    // Everyone lives in Cheyenne.
    let all = everyone(&w);
    check(&w, "cheyenne", &all).await;
    check(&w, "chey", &all).await;
    check(&w, "heyenne", &[]).await;
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_house_number_and_street_match_word_starts() {
    let w = world().await;
    check_all(
        &w,
        &[
            // 101 and 1019 Main St, and 101 Oak Ave of Mr Mainwaring; not 2101 Main St, and not the
            // voter at 5 Elm St whose cell is 555-1019.
            ("101 main", &["main101", "main1019", "mainwaring"]),
            ("101 Main St", &["main101", "main1019"]),
            ("101", &["main101", "main1019", "mainwaring"]),
            ("2101 main", &["main2101"]),
            ("main st", &["main101", "main1019", "main2101"]),
            ("main", &["main101", "main1019", "main2101", "mainwaring"]),
            ("5 elm", &["elm5"]),
            ("elm", &["elm5"]),
            ("ain", &[]),
            // Phone-like: the house number 1019 (a word start) and the cell ending in 1019.
            ("1019", &["main1019", "elm5"]),
            ("555-1019", &["elm5"]),
            ("019", &[]),
        ],
    )
    .await;
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accents_apostrophes_and_hyphens() {
    let w = world().await;
    check_all(
        &w,
        &[
            ("muller", &["muller", "muller_plain"]),
            ("Müller", &["muller", "muller_plain"]),
            ("MÜLLER", &["muller", "muller_plain"]),
            ("mull", &["muller", "muller_plain"]),
            ("hans muller", &["muller"]),
            ("nunez", &["nunez"]),
            ("Núñez", &["nunez"]),
            ("NUÑEZ ana", &["nunez"]),
            ("unez", &[]),
            // Apostrophes (straight, curly, modifier letter, backtick) are deleted.
            ("o'neil", &["oneil", "oneil_curly"]),
            ("oneil", &["oneil", "oneil_curly"]),
            ("O\u{2019}Neil", &["oneil", "oneil_curly"]),
            ("o\u{2bc}neil", &["oneil", "oneil_curly"]),
            ("o`neil", &["oneil", "oneil_curly"]),
            ("o'n", &["oneil", "oneil_curly"]),
            ("sean o'neil", &["oneil"]),
            // "neil" starts Neil's first name, not the word "oneil".
            ("neil", &["neil"]),
            // Hyphens separate words, in names and in queries.
            ("jones", &["smith_jones"]),
            ("smith", &["ann_smith", "ann_smith2", "smith_jones"]),
            ("smith-jones", &["smith_jones"]),
            ("jones smith", &["smith_jones"]),
            ("mary jones", &["smith_jones"]),
            ("smithjones", &[]),
            ("ones", &[]),
        ],
    )
    .await;
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_queries_match_the_number_its_local_part_or_its_last_four_digits() {
    let w = world().await;
    let cara: &[&str] = &["cara"];
    check_all(
        &w,
        &[
            ("(307) 555-2855", cara),
            ("307-555-2855", cara),
            ("307.555.2855", cara),
            ("3075552855", cara),
            ("+1 307 555 2855", cara),
            ("1 (307) 555-2855", cara),
            ("13075552855", cara),
            ("555-2855", cara),
            ("5552855", cara),
            ("2855", cara),
            // The start of the local number.
            ("55285", &["dan"]),
            ("5552", cara),
            ("55528", cara),
            ("555-28", cara),
            // The start of the whole number.
            (
                "3075",
                &["ann_smith", "annette", "joann", "elm5", "cara", "eve"],
            ),
            ("8285", &["dan"]),
            ("(828) 552-8551", &["dan"]),
            ("552-8551", &["dan"]),
            ("8551", &["dan"]),
            // Digits inside a number match nothing: 8285528551 contains 2855 and 28552, 3075552855
            // contains 07555285 and 0755.
            ("28552", &[]),
            ("07555285", &[]),
            ("0755", &[]),
            ("23075552855", &[]),
            // Fewer than 4 digits is not a phone query, and phones are not words.
            ("307", &[]),
            ("555", &[]),
            ("285", &[]),
            ("(307)", &[]),
            // A query with letters is not a phone query.
            ("2855 cara", &[]),
            ("cara 2855", &[]),
            // A stored country code is dropped too.
            ("3075557777", &["eve"]),
            ("(307) 555-7777", &["eve"]),
            ("+1 307 555 7777", &["eve"]),
            ("555-7777", &["eve"]),
            ("7777", &["eve"]),
            ("555-0100", &["ann_smith"]),
            ("5550", &["ann_smith", "annette", "joann"]),
        ],
    )
    .await;
    // The same in the Serve organization, stats and export included.
    let (serve, _) = w.win_it(false).await;
    for q in ["2855", "(307) 555-2855", "8285", "28552", "5550"] {
        let want = oracle(&w, q, |_| true);
        check_with(&w, &serve, q, "", |_| true, &keys_str(&w, &want)).await;
        let stats = w
            .get_ok(&format!("/v1/contacts/stats?search={}", enc(q)), &serve)
            .await;
        assert_eq!(stats["total"], want.len(), "Serve stats {q}");
        assert_eq!(export_ids(&w, &serve, q).await, want, "Serve export {q}");
    }
    w.app.cleanup().await;
}

/// Ids as the keys a hand-written expectation uses (for checks repeated in another organization).
fn keys_str<'a>(w: &'a World, ids: &[String]) -> Vec<&'a str> {
    ids.iter()
        .map(|id| {
            w.voters
                .iter()
                .find(|v| v.id.as_uuid().to_string() == *id)
                .map(key_of)
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_codes_are_words() {
    let w = world().await;
    let all = everyone(&w);
    check_all(
        &w,
        &[
            ("82001", &["zip1", "zip2"]),
            ("82001-1234", &["zip2"]),
            ("1234", &["zip2"]),
            ("zipper 1234", &["zip2"]),
            ("001", &[]),
            ("2001", &[]),
        ],
    )
    .await;
    // 82009 is everyone else's ZIP; 8200 starts every ZIP.
    let others: Vec<&str> = all
        .iter()
        .copied()
        .filter(|k| !["zip1", "zip2"].contains(k))
        .collect();
    check(&w, "82009", &others).await;
    check(&w, "8200", &all).await;
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_without_words_is_no_search_and_long_queries_are_refused() {
    let w = world().await;
    let all = everyone(&w);
    assert_eq!(all.len(), 24);
    for q in [
        "-- '",
        "'",
        "...",
        "()",
        "+",
        "-",
        "%",
        "_",
        "\u{2019}",
        "  ",
        "( ) - . +",
        "",
    ] {
        check(&w, q, &all).await;
        let stats = w
            .get_ok(&format!("/v1/contacts/stats?search={}", enc(q)), &w.win)
            .await;
        assert_eq!(stats["total"], 24, "stats {q:?}");
    }
    // 8 words are fine, 9 are refused — also when hyphens make the words.
    check(
        &w,
        "ann smith a s ann smith a s",
        &["ann_smith", "ann_smith2"],
    )
    .await;
    check(
        &w,
        "ann-smith-a-s-ann-smith-a-s",
        &["ann_smith", "ann_smith2"],
    )
    .await;
    // 200 characters once folded are fine: blanks collapse, an accent is one character.
    check(&w, &"a".repeat(200), &[]).await;
    check(&w, &"é".repeat(200), &[]).await;
    check(
        &w,
        &format!("ann{}smith", " ".repeat(250)),
        &["ann_smith", "ann_smith2"],
    )
    .await;
    let refused = [
        "ann smith a s ann smith a s ann".to_owned(),
        "ann-smith-a-s-ann-smith-a-s-ann".to_owned(),
        "a b c d e f g h i j".to_owned(),
        "a".repeat(201),
        format!("ann {}", "x".repeat(197)),
        // ß folds to ss: 101 of them are 202 characters.
        "ß".repeat(101),
    ];
    for q in &refused {
        assert!(search_rejected(q), "oracle: {q:?} must be refused");
        for path in ["/v1/contacts", "/v1/contacts/stats", "/v1/contacts/export"] {
            let r = w.get(&format!("{path}?search={}", enc(q)), &w.win).await;
            assert_validation(&r, "search");
        }
    }
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn party_never_matches_in_win_or_serve() {
    let w = world().await;
    let queries = [
        "republican",
        "Republican",
        "democrat",
        "democratic",
        "rep",
        "dem",
        "repub",
        "democ",
    ];
    // Every voter has a distinctive party, so a leak would find someone.
    assert!(w.voters.iter().all(|v| v.party_description.is_some()));
    for q in queries {
        check(&w, q, &[]).await;
        let stats = w
            .get_ok(&format!("/v1/contacts/stats?search={q}"), &w.win)
            .await;
        assert_eq!(stats["total"], 0, "Win stats {q}");
    }
    let (serve, _) = w.win_it(false).await;
    let all = everyone(&w);
    check_with(&w, &serve, "", "", |_| true, &all).await;
    for q in queries {
        check_with(&w, &serve, q, "", |_| true, &[]).await;
        let stats = w
            .get_ok(&format!("/v1/contacts/stats?search={q}"), &serve)
            .await;
        assert_eq!(stats["total"], 0, "Serve stats {q}");
        assert!(
            export_ids(&w, &serve, q).await.is_empty(),
            "Serve export {q}"
        );
    }
    // …while names still are.
    check_with(
        &w,
        &serve,
        "ann",
        "",
        |_| true,
        &["ann_smith", "ann_smith2", "annette", "annis"],
    )
    .await;
    w.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_intersects_segments_and_criteria() {
    let w = world().await;
    let texting = json!({ "has_cell_phone": true });
    let landline = json!({ "has_landline": true });
    let has_cell = |v: &Voter| matches(v, &texting);
    let has_landline = |v: &Voter| matches(v, &landline);
    let s = "segment=texting";
    check_with(&w, &w.win, "ann", s, has_cell, &["ann_smith", "annette"]).await;
    check_with(&w, &w.win, "2855", s, has_cell, &["cara"]).await;
    check_with(&w, &w.win, "smith", s, has_cell, &["ann_smith"]).await;
    check_with(&w, &w.win, "1019", s, has_cell, &["elm5"]).await;
    let p = "segment=phone_banking";
    check_with(&w, &w.win, "2855", p, has_landline, &[]).await;
    check_with(&w, &w.win, "8285", p, has_landline, &["dan"]).await;
    check_with(&w, &w.win, "", p, has_landline, &["dan", "eve"]).await;
    // Ad-hoc criteria.
    check_with(
        &w,
        &w.win,
        "3075",
        "has_landline=true",
        has_landline,
        &["eve"],
    )
    .await;
    check_with(
        &w,
        &w.win,
        "3075",
        "has_cell_phone=false",
        |v| !has_cell(v),
        &["eve"],
    )
    .await;
    // A custom segment: its live count, and a search inside it.
    let r = w
        .send(
            Method::POST,
            "/v1/segments",
            &w.win,
            Some(json!({ "name": "Landlines", "criteria": landline })),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
    let id = str_of(&r.2["id"]);
    let count = w.get_ok(&format!("/v1/segments/{id}/count"), &w.win).await;
    assert_eq!(count, json!({ "count": 2 }));
    let seg = format!("segment={id}");
    check_with(&w, &w.win, "eleven", &seg, has_landline, &["eve"]).await;
    check_with(&w, &w.win, "2855", &seg, has_landline, &[]).await;
    check_with(&w, &w.win, "5528551", &seg, has_landline, &["dan"]).await;
    let stats = w
        .get_ok(&format!("/v1/contacts/stats?{seg}&search=eleven"), &w.win)
        .await;
    assert_eq!(stats["total"], 1);
    w.app.cleanup().await;
}

/// The ids of `/v1/contacts/export?search=q` in `slug`, in order.
async fn export_ids(w: &World, slug: &str, q: &str) -> Vec<String> {
    let (status, headers, body) = w
        .raw_get(&format!("/v1/contacts/export?search={}", enc(q)), slug)
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let ct = headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap();
    assert!(ct.starts_with("text/csv"), "{ct}");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body.as_slice());
    assert_eq!(&reader.headers().unwrap()[0], "id");
    reader.records().map(|r| r.unwrap()[0].to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totals_stats_export_and_cursor_pages_agree_with_the_list() {
    let w = world().await;
    let cases: [(&str, &[&str]); 8] = [
        ("ann", &["ann_smith", "ann_smith2", "annette", "annis"]),
        ("101 main", &["main101", "main1019", "mainwaring"]),
        ("o'neil", &["oneil", "oneil_curly"]),
        ("muller", &["muller", "muller_plain"]),
        ("2855", &["cara"]),
        ("82001", &["zip1", "zip2"]),
        ("1019", &["main1019", "elm5"]),
        ("zzz", &[]),
    ];
    for (q, expect) in cases {
        let want = check(&w, q, expect).await;
        // One item per page: the total is still exact.
        let page = w
            .get_ok(
                &format!("/v1/contacts?search={}&per_page=1", enc(q)),
                &w.win,
            )
            .await;
        assert_eq!(page["meta"]["total"], want.len(), "total of {q}");
        assert_eq!(
            ids_of(page["contacts"].as_array().unwrap()),
            want.iter().take(1).cloned().collect::<Vec<_>>(),
            "first page of {q}"
        );
        // Stats count the same contacts.
        let stats = w
            .get_ok(&format!("/v1/contacts/stats?search={}", enc(q)), &w.win)
            .await;
        assert_eq!(stats["total"], want.len(), "stats of {q}");
        // The export has the same rows in the same order.
        assert_eq!(
            keys_of(&w, &export_ids(&w, &w.win, q).await),
            keys_of(&w, &want),
            "export of {q}"
        );
        // Cursor pages of 1 walk the same list, in SQL and from the index.
        let indexed = w.app.with_search_index();
        for app in [&w.app, &indexed] {
            let walked = cursor_all(
                app,
                &w.t,
                &w.win,
                &format!("search={}", enc(q)),
                1,
                |_| async {},
            )
            .await;
            assert_eq!(
                keys_of(&w, &ids_of(&walked)),
                keys_of(&w, &want),
                "cursor walk of {q}"
            );
        }
    }
    // The stats of a search break its contacts down like the list.
    let stats = w.get_ok("/v1/contacts/stats?search=ann", &w.win).await;
    let list = w.get_ok("/v1/contacts?search=ann", &w.win).await;
    assert_eq!(stats["total"], list["meta"]["total"]);
    w.app.cleanup().await;
}
