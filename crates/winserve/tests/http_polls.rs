//! Polls over HTTP (issue 16), the Serve-only convention at work: polls hang off the elected office, a
//! Win organization gets 403 `wrong_mode`, sending freezes the audience (cell phones, never party) into
//! an outbox, replies arrive by a Standard-Webhooks-signed SMS webhook and go to the most recently sent
//! open poll that messaged the number, STOP opts a number out of the office's later polls, and results
//! are k-anonymous breakdowns by non-party attributes.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};
use winserve_application::VoterRepository;

struct Office {
    app: TestApp,
    owner: String,
    serve: String,
    win: String,
    office: String,
}

impl Office {
    async fn new() -> Self {
        let app = TestApp::new().await;
        app.seed_reference().await;
        app.store
            .upsert_voters(&common::contacts_fixture::fixture_voters())
            .await
            .unwrap();
        let owner = token("user_polls");
        let (_, won) = app
            .win(
                &owner,
                json!({ "ballotready_position_id": "br-commission" }),
            )
            .await;
        let open = app
            .create_campaign(&owner, json!({ "ballotready_position_id": "br-council-1" }))
            .await;
        Self {
            serve: str_of(&won["organization"]["slug"]),
            office: str_of(&won["elected_office"]["id"]),
            win: str_of(&open["organization"]["slug"]),
            app,
            owner,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.app
            .request(method, path, Some(&self.owner), Some(&self.serve), body)
            .await
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let r = self.send(method, path, body).await;
        assert!(r.0.is_success(), "{path}: {} {}", r.0, r.2);
        r.2
    }

    async fn poll(&self, body: Value) -> String {
        let r = self.send(Method::POST, "/v1/polls", Some(body)).await;
        assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
        assert_eq!(r.2["status"], "draft");
        str_of(&r.2["id"])
    }

    /// Every message of a poll's outbox.
    async fn outbox(&self, id: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let r = self
                .ok(
                    Method::GET,
                    &format!("/v1/polls/{id}/outbox?per_page=100&page={page}"),
                    None,
                )
                .await;
            let messages = r["messages"].as_array().unwrap().clone();
            if messages.is_empty() {
                return all;
            }
            all.extend(messages);
            page += 1;
        }
    }
}

/// An inbound SMS signed with the tests' secret (or the given signature), sent `age` seconds ago.
async fn sms(app: &TestApp, id: &str, from: &str, text: &str, signature: Option<&str>) -> Resp {
    sms_at(app, id, from, text, signature, now() as i64).await
}

async fn sms_at(
    app: &TestApp,
    id: &str,
    from: &str,
    text: &str,
    signature: Option<&str>,
    timestamp: i64,
) -> Resp {
    let bytes = serde_json::to_vec(
        &json!({ "from": from, "body": text, "received_at": chrono::Utc::now().to_rfc3339() }),
    )
    .unwrap();
    let signature = signature
        .map(str::to_owned)
        .unwrap_or_else(|| sms_verifier().sign(id, timestamp, &bytes));
    let request = Request::builder()
        .method("POST")
        .uri("/v1/webhooks/sms")
        .header(header::CONTENT_TYPE, "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(Body::from(bytes))
        .unwrap();
    app.send(request).await
}

async fn reply(app: &TestApp, id: &str, from: &str, text: &str) -> String {
    let r = sms(app, id, from, text, None).await;
    assert_eq!(r.0, StatusCode::OK, "{id}: {}", r.2);
    str_of(&r.2["result"])
}

/// Whether a JSON document mentions party anywhere (key or value).
fn mentions_party(v: &Value) -> bool {
    v.to_string().to_lowercase().contains("party")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_asks_by_text_and_counts_replies_without_party() {
    let o = Office::new().await;
    // Serve only: the campaign organization has no polls.
    let r = o
        .app
        .request(Method::GET, "/v1/polls", Some(&o.owner), Some(&o.win), None)
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "wrong_mode");
    // The question and the choices are checked.
    for (body, field) in [
        (json!({ "question": "" }), "question"),
        (json!({ "question": "x".repeat(321) }), "question"),
        (
            json!({ "question": "Q?", "options": ["Only one"] }),
            "options",
        ),
        (
            json!({ "question": "Q?", "options": ["Yes", "yes"] }),
            "options",
        ),
    ] {
        let r = o.send(Method::POST, "/v1/polls", Some(body)).await;
        assert_validation(&r, field);
    }
    let id = o
        .poll(json!({ "question": "Should the library open on Sundays?",
                      "options": ["Yes", "No", "Not sure"] }))
        .await;
    let sent = o
        .ok(Method::POST, &format!("/v1/polls/{id}/send"), None)
        .await;
    assert_eq!(sent["status"], "sent");
    assert!(sent["sent_at"].is_string());
    let r = o
        .send(Method::POST, &format!("/v1/polls/{id}/send"), None)
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "conflict");
    let r = o
        .send(
            Method::PATCH,
            &format!("/v1/polls/{id}"),
            Some(json!({ "question": "Changed?" })),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "conflict");

    // The outbox: one message per district contact with a cell phone, never party.
    let texting = o
        .ok(Method::GET, "/v1/contacts?segment=texting&per_page=1", None)
        .await;
    let outbox = o.outbox(&id).await;
    assert_eq!(
        outbox.len() as u64,
        texting["meta"]["total"].as_u64().unwrap()
    );
    assert!(outbox.len() > 100);
    assert_eq!(
        outbox[0]["message"],
        "Should the library open on Sundays?\n1) Yes\n2) No\n3) Not sure\nReply STOP to opt out."
    );
    assert!(outbox.iter().all(|m| m["status"] == "queued"));
    assert!(
        outbox
            .iter()
            .all(|m| str_of(&m["phone"]).starts_with("+1307555"))
    );
    assert!(!mentions_party(&json!(outbox)));

    // Replies: by number, letter or text (case and accents ignored), one per recipient (the latest
    // recognized one), a redelivery ignored, an unrecognized reply kept apart.
    let phone = |k: usize| str_of(&outbox[k]["phone"]);
    let answers = [
        "1",
        "a",
        "YES",
        "Yes!",
        "2",
        "b)",
        "no",
        "3",
        "NOT SURE",
        "nöt süre",
    ];
    for (k, text) in answers.iter().enumerate() {
        assert_eq!(
            reply(&o.app, &format!("msg_{k}"), &phone(k), text).await,
            "answered"
        );
    }
    assert_eq!(reply(&o.app, "msg_0", &phone(0), "2").await, "duplicate");
    assert_eq!(
        reply(&o.app, "msg_u", &phone(20), "what is this?").await,
        "answered"
    );
    // Person 4 changes their mind.
    assert_eq!(reply(&o.app, "msg_4b", &phone(4), "1").await, "answered");
    // A number no poll messaged.
    assert_eq!(reply(&o.app, "msg_x", "+12025550143", "1").await, "ignored");
    let results = o
        .ok(Method::GET, &format!("/v1/polls/{id}/results"), None)
        .await;
    assert_eq!(
        results["options"],
        json!([{ "option": "Yes", "count": 5 }, { "option": "No", "count": 2 },
               { "option": "Not sure", "count": 3 }])
    );
    assert_eq!(results["respondents"], 10);
    assert_eq!(results["unrecognized"], 1);
    assert_eq!(results["recipients"], outbox.len());
    let rate = results["response_rate"].as_f64().unwrap();
    assert!((rate - 10.0 / outbox.len() as f64).abs() < 1e-9);
    assert!(!mentions_party(&results));
    // k-anonymous: no bucket under 5, so with 5, 2 and 3 respondents only "Yes" may show a bucket.
    for attribute in results["breakdown"].as_array().unwrap() {
        for answer in attribute["answers"].as_array().unwrap() {
            let buckets = answer["buckets"].as_array().unwrap();
            assert!(
                buckets.iter().all(|b| b["count"].as_u64().unwrap() >= 5),
                "{answer}"
            );
            let sum: u64 = buckets.iter().map(|b| b["count"].as_u64().unwrap()).sum();
            let chosen = results["options"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["option"] == answer["option"])
                .unwrap()["count"]
                .as_u64()
                .unwrap();
            assert!(sum <= chosen);
            if chosen < 5 {
                assert!(buckets.is_empty(), "{answer}");
            }
        }
    }
    let attributes: Vec<String> = results["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| str_of(&b["attribute"]))
        .collect();
    assert_eq!(attributes, ["age_range", "gender", "voter_status"]);
    // Closed: later replies are not recorded.
    let closed = o
        .ok(Method::POST, &format!("/v1/polls/{id}/close"), None)
        .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(reply(&o.app, "msg_late", &phone(30), "1").await, "ignored");
    assert_eq!(
        o.ok(Method::GET, &format!("/v1/polls/{id}/results"), None)
            .await["respondents"],
        10
    );
    o.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_go_to_the_latest_open_poll_and_stop_is_honoured_at_the_next_send() {
    let o = Office::new().await;
    let first = o
        .poll(json!({ "question": "Bike lanes on Main?", "options": ["Yes", "No"] }))
        .await;
    o.ok(Method::POST, &format!("/v1/polls/{first}/send"), None)
        .await;
    let outbox = o.outbox(&first).await;
    let phone = |k: usize| str_of(&outbox[k]["phone"]);
    assert_eq!(reply(&o.app, "s1", &phone(0), "STOP").await, "opted_out");
    // A free-text poll sent later: its recipients leave out the opted-out number.
    let second = o
        .poll(json!({ "question": "What should the council fix first?" }))
        .await;
    o.ok(Method::POST, &format!("/v1/polls/{second}/send"), None)
        .await;
    let outbox2 = o.outbox(&second).await;
    assert_eq!(outbox2.len(), outbox.len() - 1);
    assert!(outbox2.iter().all(|m| m["phone"] != phone(0).as_str()));
    assert!(!str_of(&outbox2[0]["message"]).contains("1)"));
    // A reply goes to the most recently sent open poll that messaged the number.
    assert_eq!(
        reply(&o.app, "s2", &phone(1), "Potholes on 5th").await,
        "answered"
    );
    o.ok(Method::POST, &format!("/v1/polls/{second}/close"), None)
        .await;
    assert_eq!(reply(&o.app, "s3", &phone(1), "2").await, "answered");
    let r1 = o
        .ok(Method::GET, &format!("/v1/polls/{first}/results"), None)
        .await;
    assert_eq!(r1["options"][1]["count"], 1);
    let r2 = o
        .ok(Method::GET, &format!("/v1/polls/{second}/results"), None)
        .await;
    assert_eq!(r2["free_text"], json!(["Potholes on 5th"]));
    assert_eq!(r2["options"], json!([]));
    assert_eq!(r2["respondents"], 1);
    // Signatures: tampered, stale, missing → 401, nothing applied.
    let r = sms(&o.app, "s4", &phone(2), "1", Some("v1,AAAA")).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    let r = sms_at(&o.app, "s5", &phone(2), "1", None, now() as i64 - 600).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    let r = o
        .app
        .request(
            Method::POST,
            "/v1/webhooks/sms",
            None,
            None,
            Some(json!({ "from": phone(2), "body": "1", "received_at": "2026-12-04T00:00:00Z" })),
        )
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(
        o.ok(Method::GET, &format!("/v1/polls/{first}/results"), None)
            .await["respondents"],
        1
    );
    // A signed body that is not an inbound SMS.
    let bytes = b"{\"from\":\"\"}".to_vec();
    let ts = now() as i64;
    let request = Request::builder()
        .method("POST")
        .uri("/v1/webhooks/sms")
        .header(header::CONTENT_TYPE, "application/json")
        .header("webhook-id", "s6")
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sms_verifier().sign("s6", ts, &bytes))
        .body(Body::from(bytes))
        .unwrap();
    assert_problem(
        &o.app.send(request).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );

    // The office ends: polls are read-only, replies ignored, results still readable.
    o.app
        .post_empty(&format!("/v1/elected-offices/{}/end", o.office), &o.owner)
        .await;
    let r = o
        .send(
            Method::POST,
            "/v1/polls",
            Some(json!({ "question": "Late?" })),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "organization_archived");
    assert_eq!(reply(&o.app, "s7", &phone(3), "1").await, "ignored");
    assert_eq!(
        o.ok(Method::GET, &format!("/v1/polls/{first}/results"), None)
            .await["respondents"],
        1
    );
    o.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivery_worker_hands_the_outbox_to_the_sms_provider() {
    let o = Office::new().await;
    // A poll of a segment asks its contacts with a cell phone; the segment cannot go while it is used.
    let seg = o
        .ok(
            Method::POST,
            "/v1/segments",
            Some(json!({ "name": "Supers", "criteria": { "voter_status": ["super"] } })),
        )
        .await;
    let seg = str_of(&seg["id"]);
    let id = o
        .poll(json!({ "question": "Snow routes?", "options": ["Yes", "No"], "segment_id": seg }))
        .await;
    let r = o
        .send(Method::DELETE, &format!("/v1/segments/{seg}"), None)
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "conflict");
    o.ok(Method::POST, &format!("/v1/polls/{id}/send"), None)
        .await;
    let total = o.outbox(&id).await.len();
    let expected = o
        .ok(
            Method::GET,
            &format!("/v1/contacts?segment={seg}&has_cell_phone=true&per_page=1"),
            None,
        )
        .await;
    assert_eq!(total as u64, expected["meta"]["total"].as_u64().unwrap());
    assert!(total > 0);
    let services = winserve_application::Services::new(o.app.store.clone().ports());
    let mut handed = 0;
    loop {
        let n = services.polls.deliver(50).await.unwrap();
        if n == 0 {
            break;
        }
        handed += n;
    }
    assert_eq!(handed, total);
    // Another office's poll and segment are not found from this one.
    let stranger = token("user_polls_stranger");
    let (_, theirs) = o
        .app
        .win(
            &stranger,
            json!({ "ballotready_position_id": "br-commission" }),
        )
        .await;
    let their_slug = str_of(&theirs["organization"]["slug"]);
    let their_seg = o
        .app
        .request(
            Method::POST,
            "/v1/segments",
            Some(&stranger),
            Some(&their_slug),
            Some(json!({ "name": "Theirs", "criteria": {} })),
        )
        .await;
    let r = o
        .send(
            Method::POST,
            "/v1/polls",
            Some(json!({ "question": "Q?", "segment_id": their_seg.2["id"] })),
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "segment_not_found");
    let r = o
        .app
        .request(
            Method::GET,
            &format!("/v1/polls/{id}/results"),
            Some(&stranger),
            Some(&their_slug),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    let outbox = o.outbox(&id).await;
    assert!(
        outbox
            .iter()
            .all(|m| m["status"] == "sent" && m["sent_at"].is_string())
    );
    o.app.cleanup().await;
}
