//! Voter Outreach audiences and results over HTTP (issue 16): door knocking as a walk list, direct mail
//! by household, the audience frozen when a plan goes in progress (a voter who leaves the file stays in
//! it, marked), and outcomes recorded in bulk against the frozen audience, all or nothing.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::contacts_fixture::{WARD1, WARD2, extra_voters, fixture_voters, in_ward1};
use common::*;
use serde_json::{Value, json};
use winserve_application::{ImportOptions, VoterRepository};
use winserve_domain::{Address, Voter};

struct Campaign {
    app: TestApp,
    owner: String,
    slug: String,
    campaign: String,
}

impl Campaign {
    async fn new(extra: Vec<Voter>) -> Self {
        let app = TestApp::new().await;
        app.seed_reference().await;
        let mut voters = fixture_voters();
        voters.extend(extra);
        app.store.upsert_voters(&voters).await.unwrap();
        let owner = token("user_audience");
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

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.app
            .request(method, path, Some(&self.owner), Some(&self.slug), body)
            .await
    }

    async fn get(&self, path: &str) -> Value {
        let r = self.send(Method::GET, path, None).await;
        assert_eq!(r.0, StatusCode::OK, "GET {path}: {}", r.2);
        r.2
    }

    async fn plan(&self, channel: &str) -> String {
        let r = self
            .send(
                Method::POST,
                "/v1/outreach",
                Some(json!({ "name": format!("{channel} plan"), "channel": channel })),
            )
            .await;
        assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
        str_of(&r.2["id"])
    }

    async fn start(&self, id: &str) -> Value {
        let mut plan = Value::Null;
        for status in ["scheduled", "in_progress"] {
            let r = self
                .send(
                    Method::POST,
                    &format!("/v1/outreach/{id}/status"),
                    Some(json!({ "status": status })),
                )
                .await;
            assert_eq!(r.0, StatusCode::OK, "{status}: {}", r.2);
            plan = r.2;
        }
        plan
    }

    /// Every page of a plan's audience by cursor: `(meta of the first page, entries)`.
    async fn all(&self, id: &str, key: &str) -> (Value, Vec<Value>) {
        let first = self
            .get(&format!("/v1/outreach/{id}/audience?per_page=7"))
            .await;
        let meta = first["meta"].clone();
        let mut entries: Vec<Value> = first[key].as_array().unwrap().clone();
        let mut next = first["meta"]["next_cursor"].clone();
        while let Some(cursor) = next.as_str() {
            let page = self
                .get(&format!(
                    "/v1/outreach/{id}/audience?per_page=7&cursor={cursor}"
                ))
                .await;
            entries.extend(page[key].as_array().unwrap().iter().cloned());
            next = page["meta"]["next_cursor"].clone();
        }
        (meta, entries)
    }

    /// Posts outcomes as `content_type`.
    async fn results(&self, id: &str, content_type: &str, body: Vec<u8>) -> Resp {
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("/v1/outreach/{id}/results"))
            .header(header::AUTHORIZATION, format!("Bearer {}", self.owner))
            .header("x-organization-slug", &self.slug)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        self.app.send(request).await
    }
}

/// Ward-1 voters at chosen addresses (ZIP 82001), named so that the contacts order is not the walk order.
fn at_addresses(seed: u64, lines: &[&str]) -> Vec<Voter> {
    extra_voters(seed, lines.len(), WARD1)
        .into_iter()
        .zip(lines)
        .enumerate()
        .map(|(k, (mut v, line))| {
            v.address = Address {
                line1: Some((*line).to_owned()),
                city: Some("Cheyenne".into()),
                state: Some("WY".into()),
                zip: Some("82001".into()),
            };
            v.last_name = Some(format!("Walker{}", lines.len() - k));
            v.first_name = Some("Pat".into());
            v.cell_phone = Some(format!("(307) 555-9{k:03}"));
            v
        })
        .collect()
}

fn ids(entries: &[Value]) -> Vec<String> {
    entries.iter().map(|c| str_of(&c["id"])).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn door_knocking_walks_the_street_and_direct_mail_writes_to_households() {
    // Street first, then the house number as a number (9 before 10 before 100), then the unit.
    let walk = [
        "100 Zephyr St",
        "10 Zephyr St Apt 10",
        "9 Zephyr St",
        "10 Zephyr St #3",
        "11 Zephyr St",
        "10 Zephyr St Apt 2",
    ];
    let household = ["77 Quail Ln", "77  quail ln", "77 QUAIL LN"];
    let mut extra = at_addresses(71, &walk);
    extra.extend(at_addresses(72, &household));
    let c = Campaign::new(extra.clone()).await;

    let doors = c.plan("door_knocking").await;
    let (meta, contacts) = c.all(&doors, "contacts").await;
    assert_eq!(meta["order"], "walk_list");
    assert_eq!(meta["frozen"], false);
    assert_eq!(contacts.len() as u64, meta["total"].as_u64().unwrap());
    let mine: Vec<String> = contacts
        .iter()
        .filter(|c| str_of(&c["address"]["line1"]).contains("Zephyr"))
        .map(|c| str_of(&c["address"]["line1"]))
        .collect();
    assert_eq!(
        mine,
        [
            "9 Zephyr St",
            "10 Zephyr St Apt 2",
            "10 Zephyr St #3",
            "10 Zephyr St Apt 10",
            "11 Zephyr St",
            "100 Zephyr St"
        ]
    );
    assert!(contacts.iter().all(|c| c["in_voter_file"] == true));
    // The vendor's CSV is the same walk list.
    let csv = c
        .send(
            Method::GET,
            &format!("/v1/outreach/{doors}/audience/export"),
            None,
        )
        .await;
    assert_eq!(csv.0, StatusCode::OK);
    let text = csv.2.as_str().unwrap().to_owned();
    assert_eq!(text.lines().count(), contacts.len() + 1);
    let in_csv: Vec<&str> = text
        .lines()
        .filter_map(|l| mine.iter().find(|m| l.contains(&format!(",{m},"))))
        .map(String::as_str)
        .collect();
    assert_eq!(in_csv, mine);
    assert!(
        contacts[0].get("political_party").is_some(),
        "Win shows party"
    );

    let mail = c.plan("direct_mail").await;
    let (meta, households) = c.all(&mail, "households").await;
    assert_eq!(meta["order"], "households");
    assert_eq!(households.len() as u64, meta["total"].as_u64().unwrap());
    let people: usize = households
        .iter()
        .map(|h| h["contacts"].as_array().unwrap().len())
        .sum();
    assert_eq!(people as u64, meta["contacts"].as_u64().unwrap());
    // The three spellings of one address line are one household; every fixture address is its own.
    assert_eq!(people - households.len(), 2);
    let quail = households
        .iter()
        .find(|h| {
            str_of(&h["address"]["line1"])
                .to_lowercase()
                .contains("quail")
        })
        .unwrap();
    assert_eq!(quail["address"]["zip"], "82001");
    let names: Vec<String> = quail["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| str_of(&p["last_name"]))
        .collect();
    assert_eq!(names, ["Walker1", "Walker2", "Walker3"]);
    // Households come in ZIP order.
    let zips: Vec<String> = households
        .iter()
        .map(|h| str_of(&h["address"]["zip"]))
        .collect();
    let mut sorted = zips.clone();
    sorted.sort();
    assert_eq!(zips, sorted);

    // Frozen, the same orders hold, served from the snapshot.
    c.start(&doors).await;
    let (meta, frozen) = c.all(&doors, "contacts").await;
    assert_eq!(meta["frozen"], true);
    assert_eq!(ids(&frozen), ids(&contacts));
    c.start(&mail).await;
    let (meta, frozen) = c.all(&mail, "households").await;
    assert_eq!(meta["frozen"], true);
    let frozen_ids: Vec<Vec<String>> = frozen
        .iter()
        .map(|h| ids(h["contacts"].as_array().unwrap()))
        .collect();
    let live_ids: Vec<Vec<String>> = households
        .iter()
        .map(|h| ids(h["contacts"].as_array().unwrap()))
        .collect();
    assert_eq!(frozen_ids, live_ids);
    // A contacts cursor is not a cursor of a walk list.
    let r = c
        .send(
            Method::GET,
            &format!("/v1/outreach/{doors}/audience?cursor=6162"),
            None,
        )
        .await;
    assert_validation(&r, "cursor");
    c.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_audience_keeps_who_was_contacted_through_a_refresh() {
    let c = Campaign::new(vec![]).await;
    let texting = c.plan("text").await;
    let live = c
        .get(&format!("/v1/outreach/{texting}/audience?per_page=100"))
        .await;
    let total = live["meta"]["total"].as_u64().unwrap();
    assert!(total > 10);
    let plan = c.start(&texting).await;
    assert_eq!(plan["status"], "in_progress");
    assert!(plan["audience_frozen_at"].is_string());
    let (meta, before) = c.all(&texting, "contacts").await;
    assert_eq!(meta["frozen"], true);
    assert_eq!(meta["total"], total);
    assert_eq!(ids(&before), ids(live["contacts"].as_array().unwrap()));

    // A monthly refresh: one voter of the audience is gone, one new texting voter arrives in ward 1.
    let gone = before[3].clone();
    let mut file: Vec<Voter> = fixture_voters()
        .into_iter()
        .filter(|v| v.id.as_uuid().to_string() != str_of(&gone["id"]))
        .collect();
    let newcomer = at_addresses(73, &["5 New St"]);
    file.extend(newcomer.clone());
    let mut import = c
        .app
        .store
        .begin_import(ImportOptions {
            replace_states: true,
            dry_run: false,
        })
        .await
        .unwrap();
    import.write(file).await.unwrap();
    let summary = import.commit().await.unwrap();
    assert_eq!(summary.voters_removed, 1);

    let (meta, after) = c.all(&texting, "contacts").await;
    assert_eq!(meta["total"], total, "the frozen audience does not change");
    assert_eq!(ids(&after), ids(&before));
    let kept = after.iter().find(|x| x["id"] == gone["id"]).unwrap();
    assert_eq!(kept["in_voter_file"], false);
    assert_eq!(kept["last_name"], gone["last_name"]);
    assert_eq!(kept["address"]["line1"], gone["address"]["line1"]);
    assert!(kept["political_party"].is_null());
    assert!(
        after
            .iter()
            .filter(|x| x["id"] != gone["id"])
            .all(|x| x["in_voter_file"] == true)
    );
    assert!(!ids(&after).contains(&newcomer[0].id.as_uuid().to_string()));
    // A plan still in draft sees the refreshed file.
    let draft = c.plan("text").await;
    let fresh = c
        .get(&format!("/v1/outreach/{draft}/audience?per_page=1"))
        .await;
    assert_eq!(fresh["meta"]["total"], total);
    assert_eq!(fresh["meta"]["frozen"], false);
    // The vendor export is the frozen audience, the departed voter included.
    let csv = c
        .send(
            Method::GET,
            &format!("/v1/outreach/{texting}/audience/export"),
            None,
        )
        .await;
    assert_eq!(csv.0, StatusCode::OK);
    let text = csv.2.as_str().unwrap().to_owned();
    assert_eq!(text.lines().count() as u64, total + 1);
    assert!(text.contains(&str_of(&gone["id"])));
    c.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_are_recorded_against_the_frozen_audience_all_or_nothing() {
    let c = Campaign::new(vec![]).await;
    let calls = c.plan("phone_banking").await;
    // A draft takes no results: its audience is not frozen yet.
    let one = |id: &str, outcome: &str| json!({ "contact_id": id, "outcome": outcome });
    let audience_of = |v: &Value| ids(v["contacts"].as_array().unwrap());
    let live = c
        .get(&format!("/v1/outreach/{calls}/audience?per_page=100"))
        .await;
    let people = audience_of(&live);
    let body = |rows: Vec<Value>| serde_json::to_vec(&json!({ "results": rows })).unwrap();
    let r = c
        .results(
            &calls,
            "application/json",
            body(vec![one(&people[0], "contacted")]),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "conflict");
    c.start(&calls).await;
    let total = live["meta"]["total"].as_u64().unwrap();

    // JSON: two outcomes recorded.
    let r = c
        .results(
            &calls,
            "application/json",
            body(vec![
                one(&people[0], "contacted"),
                one(&people[1], "no_answer"),
            ]),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2, json!({ "recorded": 2, "replaced": 0 }));
    // CSV: one replaced, two new.
    let csv = format!(
        "contact_id,outcome\r\n{},contacted\r\n{},refused\r\n{},wrong_number\r\n",
        people[1], people[2], people[3]
    );
    let r = c
        .results(&calls, "text/csv; charset=utf-8", csv.into_bytes())
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2, json!({ "recorded": 2, "replaced": 1 }));
    let summary = c.get(&format!("/v1/outreach/{calls}/summary")).await;
    assert_eq!(summary["audience"], total);
    assert_eq!(summary["frozen"], true);
    assert_eq!(
        summary["outcomes"],
        json!({ "contacted": 2, "no_answer": 0, "refused": 1, "wrong_number": 1, "moved": 0 })
    );
    assert_eq!(summary["attempted"], 4);
    assert_eq!(summary["reached"], 2);
    let share = summary["reached_share"].as_f64().unwrap();
    assert!((share - 2.0 / total as f64).abs() < 1e-9);

    // Refused uploads name their rows and store nothing.
    let outsider = fixture_voters()
        .iter()
        .enumerate()
        .find(|(i, v)| !in_ward1(*i) && v.districts.iter().any(|(_, n)| n.as_str() == WARD2.1))
        .map(|(_, v)| v.id.as_uuid().to_string())
        .unwrap();
    let r = c
        .results(
            &calls,
            "application/json",
            body(vec![one(&people[4], "moved"), one(&outsider, "contacted")]),
        )
        .await;
    assert_validation(&r, "results[1].contact_id");
    let csv = format!(
        "contact_id,outcome\n{},moved\nnot-an-id,contacted\n{},maybe\n{},moved\n",
        people[4], people[5], people[4]
    );
    let r = c.results(&calls, "text/csv", csv.into_bytes()).await;
    assert_eq!(r.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.2);
    let fields: Vec<String> = r.2["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(&e["field"]))
        .collect();
    assert_eq!(fields, ["line 3", "line 4"]);
    // The same contact twice in one upload.
    let csv = format!(
        "contact_id,outcome\n{},moved\n{},contacted\n",
        people[4], people[4]
    );
    let r = c.results(&calls, "text/csv", csv.into_bytes()).await;
    assert_validation(&r, "line 3");
    let r = c.results(&calls, "text/csv", b"id,result\n".to_vec()).await;
    assert_validation(&r, "line 1");
    let r = c
        .results(&calls, "text/plain", b"contact_id,outcome\n".to_vec())
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(
        c.get(&format!("/v1/outreach/{calls}/summary")).await["attempted"],
        4
    );

    // This endpoint alone takes bodies over 1 MiB (up to 8 MiB): 40k rows are read (and refused: not in
    // the audience), 9 MiB are not.
    let mut big = String::from("contact_id,outcome\n");
    for k in 0..40_000_u128 {
        big.push_str(&format!("{},contacted\n", uuid::Uuid::from_u128(k + 1)));
    }
    assert!(big.len() > 1024 * 1024);
    let r = c.results(&calls, "text/csv", big.into_bytes()).await;
    assert_eq!(r.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.2);
    assert_eq!(r.2["errors"].as_array().unwrap().len(), 100);
    let r = c
        .results(&calls, "text/csv", vec![b'x'; 9 * 1024 * 1024])
        .await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // Once the campaign is over, results are read-only and the summary stays readable.
    c.app.launch(&c.owner, &c.campaign).await;
    c.app.result(&c.owner, &c.campaign, "lost").await;
    let r = c
        .results(
            &calls,
            "application/json",
            body(vec![one(&people[5], "moved")]),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    assert_eq!(
        c.get(&format!("/v1/outreach/{calls}/summary")).await["attempted"],
        4
    );
    c.app.cleanup().await;
}
