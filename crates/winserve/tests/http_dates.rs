//! Dates are `YYYY-MM-DD` within 1900–2199 on every channel that takes one (issue 12, finding 1): out-of-
//! range or oddly written dates are 422 naming the field, never a 500; and a campaign that already
//! carries such a date (stored before the check) can still be closed.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

/// Dates chrono would read but nobody means: signed, five-digit, short or outside 1900–2199 years.
const BAD_DATES: [&str; 7] = [
    "-0001-01-01",
    "0000-01-01",
    "+10000-01-01",
    "1-01-01",
    "1899-12-31",
    "2200-01-01",
    "2026-1-5",
];

#[tokio::test]
async fn campaign_dates_out_of_range_or_oddly_written_are_422_naming_the_field() {
    let app = TestApp::new().await;
    let t = token("user_dates_campaign");
    app.seed_reference().await;
    let pos = "br-council-1";

    for bad in BAD_DATES {
        for field in ["election_date", "primary_election_date"] {
            let r = app
                .post(
                    "/v1/campaigns",
                    &t,
                    json!({ "ballotready_position_id": pos, field: bad }),
                )
                .await;
            assert_validation(&r, field);
        }
    }
    // The edges are accepted.
    let created = app
        .create_campaign(
            &t,
            json!({ "ballotready_position_id": pos, "election_date": "2199-12-31",
                    "primary_election_date": "1900-01-01" }),
        )
        .await;
    let id = str_of(&created["campaign"]["id"]);
    for bad in BAD_DATES {
        let r = app
            .patch(
                &format!("/v1/campaigns/{id}"),
                &t,
                json!({ "election_date": bad }),
            )
            .await;
        assert_validation(&r, "election_date");
    }
    app.launch(&t, &id).await;
    for bad in BAD_DATES {
        let r = app
            .post(
                &format!("/v1/campaigns/{id}/result"),
                &t,
                json!({ "outcome": "won", "sworn_in_date": bad }),
            )
            .await;
        assert_validation(&r, "sworn_in_date");
    }
    // Nothing was changed by the refused requests.
    let campaign = app.get_ok(&format!("/v1/campaigns/{id}"), &t).await;
    assert_eq!(campaign["election_date"], "2199-12-31");
    assert_eq!(campaign["status"], "active");
    app.cleanup().await;
}

#[tokio::test]
async fn office_dates_out_of_range_or_oddly_written_are_422_naming_the_field() {
    let app = TestApp::new().await;
    let t = token("user_dates_office");
    app.seed_reference().await;
    let (_, won) = app
        .win(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let office = str_of(&won["elected_office"]["id"]);
    for bad in BAD_DATES {
        for field in ["sworn_in_date", "term_end_date"] {
            let r = app
                .patch(
                    &format!("/v1/elected-offices/{office}"),
                    &t,
                    json!({ field: bad }),
                )
                .await;
            assert_validation(&r, field);
        }
    }
    let r = app
        .patch(
            &format!("/v1/elected-offices/{office}"),
            &t,
            json!({ "sworn_in_date": "2027-01-06", "term_end_date": "2031-01-06" }),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    app.cleanup().await;
}

#[tokio::test]
async fn a_campaign_stored_with_a_bad_date_can_still_be_closed() {
    let app = TestApp::new().await;
    let t = token("user_dates_wedged");
    app.seed_reference().await;
    let created = app
        .create_campaign(&t, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let id = str_of(&created["campaign"]["id"]);
    app.launch(&t, &id).await;

    // A date stored before dates were checked.
    let url = app.store.database_url().unwrap().to_owned();
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .execute(
            "UPDATE campaigns SET election_date = '0001-01-01 BC'::date WHERE id = $1::text::uuid",
            &[&id],
        )
        .await
        .unwrap();

    let won = app.result(&t, &id, "won").await;
    assert_eq!(won["campaign"]["status"], "won");
    let slug = str_of(&won["organization"]["slug"]);
    assert!(
        slug.starts_with("office-") && !slug.contains("--"),
        "{slug}"
    );
    app.cleanup().await;
}
