//! Replays of a campaign's result answer exactly the first answer (ADR 0004): sixteen simultaneous wins
//! that copy segments get sixteen identical replies — the party criteria stripped from the copies
//! included — and so do later replays, whatever their `sworn_in_date` or `copy_segments`.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Barrier;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_and_later_replays_of_a_win_answer_the_first_reply() {
    let app = Arc::new(TestApp::new().await);
    let t = token("user_result_replay");
    let created = app
        .create_campaign(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    let id = str_of(&created["campaign"]["id"]);
    let win_org = str_of(&created["organization"]["slug"]);
    for (name, criteria) in [
        (
            "Base",
            json!({ "party": ["republican"], "has_cell_phone": true }),
        ),
        ("Phones", json!({ "has_cell_phone": true })),
    ] {
        let r = app
            .request(
                Method::POST,
                "/v1/segments",
                Some(&t),
                Some(&win_org),
                Some(json!({ "name": name, "criteria": criteria })),
            )
            .await;
        assert_eq!(r.0, StatusCode::CREATED, "segment {name}: {}", r.2);
    }
    app.launch(&t, &id).await;

    let path = format!("/v1/campaigns/{id}/result");
    let win = json!({ "outcome": "won", "sworn_in_date": "2027-01-02", "copy_segments": true });
    let n = 16;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (app, t, barrier, path, win) = (
                app.clone(),
                t.clone(),
                barrier.clone(),
                path.clone(),
                win.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                let (status, _, body) = app.post(&path, &t, win).await;
                (status, body)
            })
        })
        .collect();
    let mut replies = Vec::new();
    for h in handles {
        replies.push(h.await.unwrap());
    }

    let first = replies[0].clone();
    assert_eq!(first.0, StatusCode::OK, "{}", first.1);
    for (i, reply) in replies.iter().enumerate() {
        assert_eq!(reply, &first, "reply {i} differs from reply 0");
    }

    // The reply names the copied segment whose party criterion was stripped, by its id in the Serve org.
    let serve = str_of(&first.1["organization"]["slug"]);
    let copies = app.get_in("/v1/segments", &t, &serve).await;
    assert_eq!(copies.0, StatusCode::OK, "{}", copies.2);
    let base = copies.2["custom"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Base")
        .unwrap()
        .clone();
    assert_eq!(
        first.1["removed_party_criteria"],
        json!([{ "segment_id": base["id"], "name": "Base", "party": ["republican"] }])
    );
    assert_eq!(first.1["elected_office"]["sworn_in_date"], "2027-01-02");

    // Later replays answer the first reply too, whatever their options (only the outcome is the command's
    // identity); another outcome is refused.
    for body in [
        win.clone(),
        json!({ "outcome": "won" }),
        json!({ "outcome": "won", "copy_segments": false }),
        json!({ "outcome": "won", "sworn_in_date": "2027-03-04", "copy_segments": true }),
    ] {
        let (status, _, again) = app.post(&path, &t, body.clone()).await;
        assert_eq!((status, again), first, "replay with {body}");
    }
    let lost = app.post(&path, &t, json!({ "outcome": "lost" })).await;
    assert_problem(&lost, StatusCode::CONFLICT, "result_already_recorded");

    // One win happened: one office, and the copies were made once.
    let offices = app.get_ok("/v1/elected-offices", &t).await;
    assert_eq!(offices["elected_offices"].as_array().unwrap().len(), 1);
    let copies = app.get_in("/v1/segments", &t, &serve).await;
    assert_eq!(copies.2["custom"].as_array().unwrap().len(), 2);
    Arc::into_inner(app).unwrap().cleanup().await;
}

/// A win that copies no segment with a party criterion answers `[]`, and so do its replays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_win_without_stripped_criteria_still_answers_none() {
    let app = TestApp::new().await;
    let t = token("user_result_replay_plain");
    let created = app
        .create_campaign(&t, json!({ "custom_position_name": "Mayor" }))
        .await;
    let id = str_of(&created["campaign"]["id"]);
    app.launch(&t, &id).await;
    let path = format!("/v1/campaigns/{id}/result");
    let first = app
        .post(
            &path,
            &t,
            json!({ "outcome": "won", "copy_segments": true }),
        )
        .await;
    assert_eq!(first.0, StatusCode::OK, "{}", first.2);
    assert_eq!(first.2["removed_party_criteria"], json!([]));
    let again = app.post(&path, &t, json!({ "outcome": "won" })).await;
    assert_eq!((again.0, &again.2), (first.0, &first.2));
    app.cleanup().await;
}
