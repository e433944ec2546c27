//! Teams over HTTP (issue 15): invitations, the members list, roles and what each may do, leaving, and
//! transferring ownership.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{Value, json};

/// An owner with a draft campaign, and the tokens of two invitees (verified emails).
struct Team {
    app: TestApp,
    owner: String,
    manager: String,
    volunteer: String,
    slug: String,
    campaign: String,
}

async fn user_id(app: &TestApp, token: &str) -> String {
    str_of(&app.get_ok("/v1/me", token).await["user"]["id"])
}

async fn invite(app: &TestApp, token: &str, slug: &str, email: &str, role: &str) -> Value {
    let r = app
        .post(
            &format!("/v1/organizations/{slug}/invitations"),
            token,
            json!({ "email": email, "role": role }),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "invite {email}: {}", r.2);
    r.2
}

async fn accept(app: &TestApp, token: &str, invitation: &Value) -> crate::common::Resp {
    app.post_empty(
        &format!("/v1/invitations/{}/accept", str_of(&invitation["token"])),
        token,
    )
    .await
}

impl Team {
    async fn new() -> Self {
        let app = TestApp::new().await;
        let owner = token("user_owner");
        let created = app
            .create_campaign(&owner, json!({ "custom_position_name": "Mayor" }))
            .await;
        let slug = str_of(&created["organization"]["slug"]);
        assert_eq!(created["organization"]["role"], "owner");
        let manager = token_with(
            "user_manager",
            json!({ "email": "manager@example.com", "email_verified": true }),
        );
        let volunteer = token_with("user_volunteer", json!({ "email": "vol@example.com" }));
        let m = invite(&app, &owner, &slug, " Manager@Example.com ", "admin").await;
        assert_eq!(m["email"], "manager@example.com");
        assert_eq!(m["role"], "admin");
        assert_eq!(str_of(&m["token"]).len(), 64);
        let v = invite(&app, &owner, &slug, "vol@example.com", "member").await;
        let joined = accept(&app, &manager, &m).await;
        assert_eq!(joined.0, StatusCode::OK, "{}", joined.2);
        assert_eq!(joined.2["slug"], slug.as_str());
        assert_eq!(joined.2["role"], "admin");
        let joined = accept(&app, &volunteer, &v).await;
        assert_eq!(joined.0, StatusCode::OK, "{}", joined.2);
        assert_eq!(joined.2["role"], "member");
        Self {
            campaign: str_of(&created["campaign"]["id"]),
            app,
            owner,
            manager,
            volunteer,
            slug,
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/v1/organizations/{}{rest}", self.slug)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitees_join_with_their_roles_and_see_the_team() {
    let t = Team::new().await;
    let app = &t.app;
    let members = app.get_ok(&t.path("/members"), &t.volunteer).await;
    let roles: Vec<(String, String)> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let email = m["user"]["email"].as_str().unwrap_or("-").to_owned();
            (str_of(&m["role"]), email)
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("owner".to_owned(), "-".to_owned()),
            ("admin".to_owned(), "manager@example.com".to_owned()),
            ("member".to_owned(), "vol@example.com".to_owned()),
        ]
    );
    assert_eq!(
        str_of(&members["members"][1]["user"]["id"]),
        user_id(app, &t.manager).await
    );
    // Each member lists the organization with their own role; the history shows their join.
    let orgs = app.get_ok("/v1/organizations", &t.volunteer).await;
    assert_eq!(orgs["organizations"][0]["slug"], t.slug.as_str());
    assert_eq!(orgs["organizations"][0]["role"], "member");
    let history = app.get_ok("/v1/me/history", &t.manager).await;
    assert_eq!(history["events"][0]["kind"], "member_joined");
    assert_eq!(history["events"][0]["role"], "admin");
    assert_eq!(history["events"][0]["organization_slug"], t.slug.as_str());
    // The owner and admins see no open invitation left.
    let open = app.get_ok(&t.path("/invitations"), &t.manager).await;
    assert_eq!(open["invitations"], json!([]));
    let r = app.get(&t.path("/invitations"), &t.volunteer).await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(r.2["action"], "manage_members");
    // A stranger learns nothing.
    let r = app.get(&t.path("/members"), &token("user_stranger")).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    t.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_single_use_for_its_own_verified_email() {
    let t = Team::new().await;
    let app = &t.app;
    let inv = invite(app, &t.owner, &t.slug, "aide@example.com", "member").await;
    // Another address, an unverified one, or no email at all: refused, and the invitation still works.
    for (sub, claims) in [
        ("user_other", json!({ "email": "other@example.com" })),
        (
            "user_aide",
            json!({ "email": "aide@example.com", "email_verified": false }),
        ),
        ("user_aide", json!({})),
    ] {
        let r = accept(app, &token_with(sub, claims), &inv).await;
        assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    }
    let aide = token_with("user_aide", json!({ "email": "AIDE@example.com" }));
    assert_eq!(accept(app, &aide, &inv).await.0, StatusCode::OK);
    // Used: gone, for anyone.
    assert_problem(
        &accept(app, &aide, &inv).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Unknown and malformed tokens are answered the same way.
    for bad in ["0".repeat(64), "nope".to_owned()] {
        let r = app
            .post_empty(&format!("/v1/invitations/{bad}/accept"), &aide)
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    }
    // Revoked, and replaced by a new invitation of the same address: the old token dies.
    let first = invite(app, &t.owner, &t.slug, "late@example.com", "member").await;
    let second = invite(app, &t.owner, &t.slug, "late@example.com", "admin").await;
    let late = token_with("user_late", json!({ "email": "late@example.com" }));
    assert_problem(
        &accept(app, &late, &first).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let r = app
        .request(
            Method::DELETE,
            &t.path(&format!("/invitations/{}", str_of(&second["id"]))),
            Some(&t.manager),
            None,
            None,
        )
        .await;
    assert_eq!(r.0, StatusCode::NO_CONTENT, "{}", r.2);
    assert_problem(
        &accept(app, &late, &second).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Inviting as owner, or a non-address, is invalid; a member may not invite.
    let r = app
        .post(
            &t.path("/invitations"),
            &t.owner,
            json!({ "email": "x@example.com", "role": "owner" }),
        )
        .await;
    assert_validation(&r, "role");
    let r = app
        .post(
            &t.path("/invitations"),
            &t.owner,
            json!({ "email": "not an address", "role": "member" }),
        )
        .await;
    assert_validation(&r, "email");
    let r = app
        .post(
            &t.path("/invitations"),
            &t.volunteer,
            json!({ "email": "x@example.com", "role": "member" }),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    t.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_does_what_the_table_allows() {
    let t = Team::new().await;
    let app = &t.app;
    let segment = json!({ "name": "Phones", "criteria": { "has_cell_phone": true } });
    // Members read; they do not edit segments, export, edit details or drive the lifecycle.
    let r = app
        .request(
            Method::GET,
            "/v1/segments",
            Some(&t.volunteer),
            Some(&t.slug),
            None,
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    let r = app
        .request(
            Method::POST,
            "/v1/segments",
            Some(&t.volunteer),
            Some(&t.slug),
            Some(segment.clone()),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(r.2["action"], "edit_segments");
    let r = app
        .request(
            Method::GET,
            "/v1/contacts/export",
            Some(&t.volunteer),
            Some(&t.slug),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(r.2["action"], "export_contacts");
    let r = app
        .patch(
            &t.path(""),
            &t.volunteer,
            json!({ "custom_position_name": "Mayor!" }),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(r.2["action"], "edit_organization");
    // Admins edit segments and details, but the lifecycle stays the owner's.
    let r = app
        .request(
            Method::POST,
            "/v1/segments",
            Some(&t.manager),
            Some(&t.slug),
            Some(segment),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.2);
    let r = app
        .patch(
            &format!("/v1/campaigns/{}", t.campaign),
            &t.manager,
            json!({ "election_date": "2026-11-03" }),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    for token in [&t.manager, &t.volunteer] {
        let r = app
            .post_empty(&format!("/v1/campaigns/{}/launch", t.campaign), token)
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(r.2["action"], "lifecycle");
    }
    // Campaigns of organizations one is a member of are listed; a stranger's id stays 404.
    let listed = app.get_ok("/v1/campaigns", &t.volunteer).await;
    assert_eq!(str_of(&listed["campaigns"][0]["id"]), t.campaign);
    let r = app
        .get(
            &format!("/v1/campaigns/{}", t.campaign),
            &token("user_stranger"),
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    app.launch(&t.owner, &t.campaign).await;
    t.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_change_members_leave_and_the_owner_hands_over() {
    let t = Team::new().await;
    let app = &t.app;
    let owner_id = user_id(app, &t.owner).await;
    let manager_id = user_id(app, &t.manager).await;
    let volunteer_id = user_id(app, &t.volunteer).await;
    let member = |id: &str| t.path(&format!("/members/{id}"));
    // An admin never touches the owner; a member manages nobody; the owner's role moves by transfer.
    let r = app
        .patch(&member(&owner_id), &t.manager, json!({ "role": "member" }))
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    let r = app
        .patch(
            &member(&manager_id),
            &t.volunteer,
            json!({ "role": "member" }),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    let r = app
        .patch(&member(&owner_id), &t.owner, json!({ "role": "admin" }))
        .await;
    assert_validation(&r, "user_id");
    let r = app
        .patch(&member(&volunteer_id), &t.owner, json!({ "role": "owner" }))
        .await;
    assert_validation(&r, "role");
    let r = app
        .patch(&member(&random_id()), &t.owner, json!({ "role": "admin" }))
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    // Promote, then demote again.
    let r = app
        .patch(
            &member(&volunteer_id),
            &t.manager,
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["role"], "admin");
    let r = app
        .patch(
            &member(&volunteer_id),
            &t.owner,
            json!({ "role": "member" }),
        )
        .await;
    assert_eq!(r.2["role"], "member");
    // The owner cannot leave; a member can, and then the organization is gone for them.
    let r = app
        .request(
            Method::DELETE,
            &member(&owner_id),
            Some(&t.owner),
            None,
            None,
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(r.2["action"], "leave");
    let r = app
        .request(
            Method::DELETE,
            &member(&volunteer_id),
            Some(&t.volunteer),
            None,
            None,
        )
        .await;
    assert_eq!(r.0, StatusCode::NO_CONTENT, "{}", r.2);
    let r = app.get(&t.path(""), &t.volunteer).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "organization_not_found");
    let history = app.get_ok("/v1/me/history", &t.volunteer).await;
    let kinds: Vec<(String, String)> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (str_of(&e["kind"]), str_of(&e["role"])))
        .collect();
    assert_eq!(
        kinds,
        [
            ("member_joined".to_owned(), "member".to_owned()),
            ("member_left".to_owned(), "member".to_owned())
        ]
    );
    // Only the owner transfers, and only to a member; the old owner becomes an admin.
    let r = app
        .post(
            &t.path("/transfer-ownership"),
            &t.manager,
            json!({ "user_id": manager_id }),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    let r = app
        .post(
            &t.path("/transfer-ownership"),
            &t.owner,
            json!({ "user_id": volunteer_id }),
        )
        .await;
    assert_validation(&r, "user_id");
    let r = app
        .post(
            &t.path("/transfer-ownership"),
            &t.owner,
            json!({ "user_id": manager_id }),
        )
        .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.2);
    assert_eq!(r.2["role"], "admin");
    let org = app.get_ok(&t.path(""), &t.manager).await;
    assert_eq!(org["role"], "owner");
    assert_eq!(org["campaign"]["id"], t.campaign.as_str());
    // The campaign is the new owner's to launch now, not the old owner's.
    let r = app
        .post_empty(&format!("/v1/campaigns/{}/launch", t.campaign), &t.owner)
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "forbidden");
    app.launch(&t.manager, &t.campaign).await;
    t.app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_respects_the_new_owners_own_lifecycle() {
    let t = Team::new().await;
    let app = &t.app;
    // The manager runs their own campaign: a person has one open campaign at a time, so the open
    // campaign organization cannot become theirs.
    app.create_campaign(&t.manager, json!({ "custom_position_name": "Sheriff" }))
        .await;
    let manager_id = user_id(app, &t.manager).await;
    let r = app
        .post(
            &t.path("/transfer-ownership"),
            &t.owner,
            json!({ "user_id": manager_id }),
        )
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "conflict");
    // Nothing changed.
    let org = app.get_ok(&t.path(""), &t.owner).await;
    assert_eq!(org["role"], "owner");
    let members = app.get_ok(&t.path("/members"), &t.owner).await;
    assert_eq!(members["members"][0]["role"], "owner");
    assert_eq!(members["members"][1]["role"], "admin");
    t.app.cleanup().await;
}
