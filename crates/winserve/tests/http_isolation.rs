//! Tenant isolation: another user can neither read, change, select nor act on someone's organizations,
//! campaigns or offices, and cannot even tell them apart from ids and slugs that do not exist.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{Value, json};

/// Everything user A can see about themselves.
async fn snapshot(app: &TestApp, t: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for path in [
        "/v1/me",
        "/v1/organizations",
        "/v1/campaigns",
        "/v1/elected-offices",
        "/v1/me/history",
    ] {
        all.push(app.get_ok(path, t).await);
    }
    all
}

fn random_slug(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &hex[..12])
}

/// One request, as B against A's resource and as B against one that does not exist.
struct Probe {
    what: String,
    method: Method,
    theirs: String,
    missing: String,
    org_header: Option<(String, String)>,
    body: Option<(Value, Value)>,
}

impl Probe {
    fn path(what: &str, method: Method, theirs: String, missing: String) -> Self {
        Self {
            what: what.to_owned(),
            method,
            theirs,
            missing,
            org_header: None,
            body: None,
        }
    }

    fn with_body(mut self, body: Value) -> Self {
        self.body = Some((body.clone(), body));
        self
    }
}

#[tokio::test]
async fn another_user_cannot_tell_someone_elses_records_from_missing_ones() {
    let app = TestApp::new().await;
    app.seed_reference().await;
    let alice = token("user_alice");
    let bob = token("user_bob");

    // Alice: a won campaign (archived Win org + Serve org and office), and a draft campaign linked to a
    // Clerk organization.
    let (c1, won) = app
        .win(&alice, json!({ "ballotready_position_id": "br-council-1" }))
        .await;
    let campaign_won = str_of(&c1["campaign"]["id"]);
    let win_archived = str_of(&c1["organization"]["slug"]);
    let office = str_of(&won["elected_office"]["id"]);
    let serve = str_of(&won["organization"]["slug"]);
    let c2 = app
        .create_campaign(&alice, json!({ "custom_position_name": "Mayor" }))
        .await;
    let campaign_draft = str_of(&c2["campaign"]["id"]);
    let win_open = str_of(&c2["organization"]["slug"]);
    // Linking needs a token that makes Alice an admin of that Clerk organization.
    let alice_admin = token_with(
        "user_alice",
        json!({ "o": { "id": "org_alice", "rol": "admin" } }),
    );
    let linked = app
        .patch(
            &format!("/v1/organizations/{win_open}"),
            &alice_admin,
            json!({ "clerk_organization_id": "org_alice" }),
        )
        .await;
    assert_eq!(linked.0, StatusCode::OK);
    let before = snapshot(&app, &alice).await;

    let mut probes = Vec::new();
    for slug in [&win_archived, &win_open, &serve] {
        let prefix = if slug.starts_with("office") {
            "office"
        } else {
            "campaign"
        };
        let missing = random_slug(prefix);
        probes.push(Probe::path(
            "GET organization",
            Method::GET,
            format!("/v1/organizations/{slug}"),
            format!("/v1/organizations/{missing}"),
        ));
        probes.push(
            Probe::path(
                "PATCH organization",
                Method::PATCH,
                format!("/v1/organizations/{slug}"),
                format!("/v1/organizations/{missing}"),
            )
            .with_body(
                json!({ "custom_position_name": "Hijacked", "clerk_organization_id": "org_bob" }),
            ),
        );
        probes.push(Probe::path(
            "GET nav",
            Method::GET,
            format!("/v1/organizations/{slug}/nav"),
            format!("/v1/organizations/{missing}/nav"),
        ));
        probes.push(Probe {
            what: "PUT active-organization".into(),
            method: Method::PUT,
            theirs: "/v1/me/active-organization".into(),
            missing: "/v1/me/active-organization".into(),
            org_header: None,
            body: Some((json!({ "slug": slug }), json!({ "slug": missing }))),
        });
        for path in ["/v1/campaigns/current", "/v1/elected-offices/current"] {
            probes.push(Probe {
                what: format!("select with X-Organization-Slug on {path}"),
                method: Method::GET,
                theirs: path.into(),
                missing: path.into(),
                org_header: Some((slug.clone(), missing.clone())),
                body: None,
            });
        }
    }
    for id in [&campaign_won, &campaign_draft] {
        let missing = random_id();
        probes.push(Probe::path(
            "GET campaign",
            Method::GET,
            format!("/v1/campaigns/{id}"),
            format!("/v1/campaigns/{missing}"),
        ));
        probes.push(
            Probe::path(
                "PATCH campaign",
                Method::PATCH,
                format!("/v1/campaigns/{id}"),
                format!("/v1/campaigns/{missing}"),
            )
            .with_body(json!({ "party": "Hijacked" })),
        );
        probes.push(Probe::path(
            "launch",
            Method::POST,
            format!("/v1/campaigns/{id}/launch"),
            format!("/v1/campaigns/{missing}/launch"),
        ));
        for outcome in ["won", "lost", "withdrawn"] {
            probes.push(
                Probe::path(
                    "result",
                    Method::POST,
                    format!("/v1/campaigns/{id}/result"),
                    format!("/v1/campaigns/{missing}/result"),
                )
                .with_body(json!({ "outcome": outcome })),
            );
        }
    }
    let missing = random_id();
    probes.push(Probe::path(
        "GET office",
        Method::GET,
        format!("/v1/elected-offices/{office}"),
        format!("/v1/elected-offices/{missing}"),
    ));
    probes.push(
        Probe::path(
            "PATCH office",
            Method::PATCH,
            format!("/v1/elected-offices/{office}"),
            format!("/v1/elected-offices/{missing}"),
        )
        .with_body(json!({ "term_end_date": "2030-01-01" })),
    );
    probes.push(Probe::path(
        "end office",
        Method::POST,
        format!("/v1/elected-offices/{office}/end"),
        format!("/v1/elected-offices/{missing}/end"),
    ));
    probes.push(Probe {
        what: "campaign from another user's office".into(),
        method: Method::POST,
        theirs: "/v1/campaigns".into(),
        missing: "/v1/campaigns".into(),
        org_header: None,
        body: Some((
            json!({ "from_elected_office_id": office }),
            json!({ "from_elected_office_id": missing }),
        )),
    });

    for p in &probes {
        let (h_theirs, h_missing) = match &p.org_header {
            Some((a, b)) => (Some(a.as_str()), Some(b.as_str())),
            None => (None, None),
        };
        let (b_theirs, b_missing) = match &p.body {
            Some((a, b)) => (Some(a.clone()), Some(b.clone())),
            None => (None, None),
        };
        let theirs = app
            .request(p.method.clone(), &p.theirs, Some(&bob), h_theirs, b_theirs)
            .await;
        let missing = app
            .request(
                p.method.clone(),
                &p.missing,
                Some(&bob),
                h_missing,
                b_missing,
            )
            .await;
        assert!(
            theirs.0 == StatusCode::NOT_FOUND,
            "{} {}: Bob got {} {}",
            p.what,
            p.theirs,
            theirs.0,
            theirs.2
        );
        let code = if p.theirs.starts_with("/v1/organizations")
            || p.org_header.is_some()
            || p.theirs == "/v1/me/active-organization"
        {
            "organization_not_found"
        } else {
            "not_found"
        };
        assert_problem(&theirs, StatusCode::NOT_FOUND, code);
        assert_eq!(
            (theirs.0, &theirs.2),
            (missing.0, &missing.2),
            "{}: another user's record answers differently from a missing one",
            p.what
        );
    }

    // A Clerk claim naming Alice's organization selects nothing for Bob.
    let bob_claim = token_with("user_bob", json!({ "o": { "id": "org_alice" } }));
    let bob_nothing = token_with("user_bob", json!({ "o": { "id": "org_nothing" } }));
    for path in ["/v1/campaigns/current", "/v1/elected-offices/current"] {
        let theirs = app.get(path, &bob_claim).await;
        let missing = app.get(path, &bob_nothing).await;
        assert_problem(&theirs, StatusCode::BAD_REQUEST, "organization_required");
        assert_eq!(theirs.2, missing.2);
    }
    let bob_v1 = token_with("user_bob", json!({ "org_id": "org_alice" }));
    let r = app.get("/v1/campaigns/current", &bob_v1).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "organization_required");

    // Bob has nothing, and Alice's data did not change.
    assert_eq!(
        app.get_ok("/v1/organizations", &bob).await,
        json!({ "organizations": [] })
    );
    assert_eq!(
        app.get_ok("/v1/campaigns", &bob).await,
        json!({ "campaigns": [] })
    );
    assert_eq!(
        app.get_ok("/v1/elected-offices", &bob).await,
        json!({ "elected_offices": [] })
    );
    assert_eq!(
        app.get_ok("/v1/me/history", &bob).await,
        json!({ "events": [] })
    );
    assert_eq!(
        app.get_ok("/v1/me", &bob).await["active_organization_slug"],
        Value::Null
    );
    assert_eq!(snapshot(&app, &alice).await, before, "Alice's data changed");

    // Bob's own records stay his: Alice cannot see them either, and Bob can link the same Clerk id to
    // nothing of Alice's.
    let bobs = app
        .create_campaign(&bob, json!({ "custom_position_name": "Sheriff" }))
        .await;
    let bob_slug = str_of(&bobs["organization"]["slug"]);
    let r = app
        .get(&format!("/v1/organizations/{bob_slug}"), &alice)
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    let r = app
        .get(
            &format!("/v1/campaigns/{}", str_of(&bobs["campaign"]["id"])),
            &alice,
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        app.get_ok("/v1/campaigns", &bob).await["campaigns"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(snapshot(&app, &alice).await, before, "Alice's data changed");
    app.cleanup().await;
}
