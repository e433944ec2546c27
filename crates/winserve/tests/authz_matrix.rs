//! The authorization matrix: every route the router serves (read from the OpenAPI document, so a new
//! route without an expectation here fails) × callers {owner, admin, member, another user, no token,
//! expired token} × targets {the owner's open Win organization, an archived one, a Serve one, another
//! user's}, each cell with the status written in [`TABLE`]. Another user gets 404 (never 403, never
//! data); a missing or expired token gets 401; the owner gets what the contract says for the target's
//! state; an admin or member (invited into each of the owner's organizations) gets the owner's answer
//! where their role may do the row's [`Action`] (`Role::may`, the table of issue 15) and 403 `forbidden`
//! where it may not — checked before the archived 409 and before the input.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{Method, StatusCode, header};
use common::contacts_fixture::fixture_voters;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use winserve_application::VoterRepository;
use winserve_domain::Action::{
    self, EditOrganization, EditOutreach, EditPolls, EditSegments, ExportContacts, Lifecycle,
    ManageMembers, Read, RecordOutreachResults, TransferOwnership,
};
use winserve_domain::Role;

/// What a cell acts on: a resource of the owner in some state, or one of another user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The owner's open Win organization (a draft campaign on ward 1) and its resources.
    Open,
    /// The owner's Win organization whose campaign was lost (archived) and its resources.
    Archived,
    /// The owner's Serve organization (a won campaign) and its office.
    Serve,
    /// A resource of another user (a stranger's organization, campaign, office or segment).
    Foreign,
}

use Target::{Archived, Foreign, Open, Serve};

/// How a route is scoped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// No token needed: every caller gets the owner's answer.
    Public,
    /// The caller's own data, no target: another user gets their own (empty) data.
    User,
    /// Names an organization or a resource: one cell per target.
    Targeted,
}

use Scope::{Public, Targeted, User};

/// One route: `METHOD /path` as in the OpenAPI document, its scope, and the owner's expected status per
/// target (for `Public` and `User` routes, the single entry's target is ignored).
struct Row {
    route: &'static str,
    scope: Scope,
    /// The row of the permission table the route belongs to (issue 15): an admin or a member whose role
    /// may not do it gets 403 `forbidden`, else the owner's answer.
    action: Action,
    owner: &'static [(Target, u16)],
}

const fn row(route: &'static str, scope: Scope, owner: &'static [(Target, u16)]) -> Row {
    Row {
        route,
        scope,
        action: Read,
        owner,
    }
}

const fn guarded(route: &'static str, action: Action, owner: &'static [(Target, u16)]) -> Row {
    Row {
        route,
        scope: Targeted,
        action,
        owner,
    }
}

/// The expectations. Reading the organization itself and segments' definitions works in an archived
/// organization; contacts, counts and every change answer 409 `organization_archived`; the mode guards
/// answer 403 `wrong_mode`; another user's resource is 404 for the owner too.
const TABLE: &[Row] = &[
    row("GET /v1/health/live", Public, &[(Open, 200)]),
    row("GET /v1/health/ready", Public, &[(Open, 200)]),
    row("GET /v1/me", User, &[(Open, 200)]),
    row("GET /v1/me/history", User, &[(Open, 200)]),
    row("GET /v1/organizations", User, &[(Open, 200)]),
    row("GET /v1/campaigns", User, &[(Open, 200)]),
    // The owner already has an open (draft) campaign.
    row("POST /v1/campaigns", User, &[(Open, 409)]),
    row("GET /v1/elected-offices", User, &[(Open, 200)]),
    row("GET /v1/positions", User, &[(Open, 200)]),
    row("GET /v1/districts", User, &[(Open, 200)]),
    guarded(
        "PUT /v1/me/active-organization",
        Read,
        &[(Open, 200), (Archived, 200), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/organizations/{slug}",
        Read,
        &[(Open, 200), (Archived, 200), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "PATCH /v1/organizations/{slug}",
        EditOrganization,
        &[(Open, 200), (Archived, 409), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/organizations/{slug}/nav",
        Read,
        &[(Open, 200), (Archived, 200), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/campaigns/current",
        Read,
        &[(Open, 200), (Archived, 200), (Serve, 403), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/campaigns/{id}",
        Read,
        &[(Open, 200), (Archived, 200), (Foreign, 404)],
    ),
    guarded(
        "PATCH /v1/campaigns/{id}",
        EditOrganization,
        &[(Open, 200), (Archived, 409), (Foreign, 404)],
    ),
    // Launching the open draft is harmless to the other cells; the lost campaign is closed.
    guarded(
        "POST /v1/campaigns/{id}/launch",
        Lifecycle,
        &[(Open, 200), (Archived, 409), (Foreign, 404)],
    ),
    // The same result again answers the same outcome (a different one would be 409); the open campaign
    // is left alone so that it stays open for the other cells.
    guarded(
        "POST /v1/campaigns/{id}/result",
        Lifecycle,
        &[(Archived, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/elected-offices/current",
        Read,
        &[(Open, 403), (Archived, 403), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/elected-offices/{id}",
        Read,
        &[(Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "PATCH /v1/elected-offices/{id}",
        EditOrganization,
        &[(Serve, 200), (Foreign, 404)],
    ),
    // Run last: ending the office archives the Serve organization.
    guarded(
        "POST /v1/elected-offices/{id}/end",
        Lifecycle,
        &[(Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/contacts",
        Read,
        &[(Open, 200), (Archived, 409), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/contacts/export",
        ExportContacts,
        &[(Open, 200), (Archived, 409), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/contacts/stats",
        Read,
        &[(Open, 200), (Archived, 409), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/contacts/{id}",
        Read,
        &[(Open, 200), (Archived, 409), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/segments",
        Read,
        &[(Open, 200), (Archived, 200), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "POST /v1/segments",
        EditSegments,
        &[(Open, 201), (Archived, 409), (Serve, 201), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/segments/{id}",
        Read,
        &[(Open, 200), (Archived, 200), (Foreign, 404)],
    ),
    guarded(
        "PATCH /v1/segments/{id}",
        EditSegments,
        &[(Open, 200), (Archived, 409), (Foreign, 404)],
    ),
    guarded(
        "DELETE /v1/segments/{id}",
        EditSegments,
        &[(Open, 204), (Archived, 409), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/segments/{id}/count",
        Read,
        &[(Open, 200), (Archived, 409), (Foreign, 404)],
    ),
    // The team. Changes name a random user or invitation id (or set the member's role to what it is), so
    // an allowed caller passes the role and archived checks and meets 404 / 422 without changing the
    // world; a transfer to a random id is 422.
    guarded(
        "GET /v1/organizations/{slug}/members",
        Read,
        &[(Open, 200), (Archived, 200), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "PATCH /v1/organizations/{slug}/members/{user_id}",
        ManageMembers,
        &[(Open, 200), (Archived, 409), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "DELETE /v1/organizations/{slug}/members/{user_id}",
        ManageMembers,
        &[(Open, 404), (Archived, 409), (Serve, 404), (Foreign, 404)],
    ),
    guarded(
        "POST /v1/organizations/{slug}/transfer-ownership",
        TransferOwnership,
        &[(Open, 422), (Archived, 409), (Serve, 422), (Foreign, 404)],
    ),
    guarded(
        "POST /v1/organizations/{slug}/invitations",
        ManageMembers,
        &[(Open, 201), (Archived, 409), (Serve, 201), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/organizations/{slug}/invitations",
        ManageMembers,
        &[(Open, 200), (Archived, 200), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "DELETE /v1/organizations/{slug}/invitations/{id}",
        ManageMembers,
        &[(Open, 404), (Archived, 409), (Serve, 404), (Foreign, 404)],
    ),
    // No invitation has a random token: 404 for the staff (whose tokens carry emails); a token without an
    // email is refused before any lookup (403).
    row("POST /v1/invitations/{token}/accept", User, &[(Open, 403)]),
    // Voter Outreach (Win only): a Serve organization is 403 `wrong_mode` before anything else. A status
    // change asks for the status the plan has (answered unchanged); each caller deletes its own plan.
    guarded(
        "GET /v1/outreach",
        Read,
        &[(Open, 200), (Archived, 200), (Serve, 403), (Foreign, 404)],
    ),
    guarded(
        "POST /v1/outreach",
        EditOutreach,
        &[(Open, 201), (Archived, 409), (Serve, 403), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/outreach/{id}",
        Read,
        &[(Open, 200), (Archived, 200), (Serve, 403), (Foreign, 404)],
    ),
    guarded(
        "PATCH /v1/outreach/{id}",
        EditOutreach,
        &[(Open, 200), (Archived, 409), (Serve, 403), (Foreign, 404)],
    ),
    guarded(
        "DELETE /v1/outreach/{id}",
        EditOutreach,
        &[(Open, 204), (Archived, 409), (Serve, 403), (Foreign, 404)],
    ),
    guarded(
        "POST /v1/outreach/{id}/status",
        EditOutreach,
        &[(Open, 200), (Archived, 409), (Serve, 403), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/outreach/{id}/audience",
        Read,
        &[(Open, 200), (Archived, 409), (Serve, 403), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/outreach/{id}/audience/export",
        ExportContacts,
        &[(Open, 200), (Archived, 409), (Serve, 403), (Foreign, 404)],
    ),
    // The open plan is a draft: it takes no results yet (409 `conflict`), whoever records them.
    guarded(
        "POST /v1/outreach/{id}/results",
        RecordOutreachResults,
        &[(Open, 409), (Archived, 409), (Serve, 403), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/outreach/{id}/summary",
        Read,
        &[(Open, 200), (Archived, 200), (Serve, 403), (Foreign, 404)],
    ),
    // Polls (Serve only): a Win organization is 403 `wrong_mode`. The draft is edited; the sent poll
    // is sent again (409) and closed (then closed again, answered unchanged); each caller deletes its own
    // draft.
    guarded(
        "GET /v1/polls",
        Read,
        &[(Open, 403), (Archived, 403), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "POST /v1/polls",
        EditPolls,
        &[(Open, 403), (Archived, 403), (Serve, 201), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/polls/{id}",
        Read,
        &[(Open, 403), (Archived, 403), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "PATCH /v1/polls/{id}",
        EditPolls,
        &[(Open, 403), (Archived, 403), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "DELETE /v1/polls/{id}",
        EditPolls,
        &[(Open, 403), (Archived, 403), (Serve, 204), (Foreign, 404)],
    ),
    guarded(
        "POST /v1/polls/{id}/send",
        EditPolls,
        &[(Open, 403), (Archived, 403), (Serve, 409), (Foreign, 404)],
    ),
    guarded(
        "POST /v1/polls/{id}/close",
        EditPolls,
        &[(Open, 403), (Archived, 403), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/polls/{id}/outbox",
        Read,
        &[(Open, 403), (Archived, 403), (Serve, 200), (Foreign, 404)],
    ),
    guarded(
        "GET /v1/polls/{id}/results",
        Read,
        &[(Open, 403), (Archived, 403), (Serve, 200), (Foreign, 404)],
    ),
    // Authenticated by Svix signature, not by bearer token: unsigned is 401 for everyone.
    row("POST /v1/webhooks/clerk", Public, &[(Open, 401)]),
    // Authenticated by Standard Webhooks signature: unsigned is 401 for everyone.
    row("POST /v1/webhooks/sms", Public, &[(Open, 401)]),
];

/// Routes whose owner cells change what other cells see; they run after all the others.
const LAST: &[&str] = &["POST /v1/elected-offices/{id}/end"];

/// The world the cells act on.
struct World {
    owner: String,
    /// An admin and a member of the owner's three organizations (invited into each).
    admin: String,
    member: String,
    /// The member's user id.
    member_id: String,
    /// Slugs of the owner's open Win, archived Win and Serve organizations, and of a stranger's.
    open: String,
    archived: String,
    serve: String,
    foreign: String,
    /// Campaigns: the owner's open draft, the owner's lost one, a stranger's.
    c_open: String,
    c_lost: String,
    c_foreign: String,
    /// Offices: the owner's, a stranger's.
    office: String,
    office_foreign: String,
    /// Segments: in the open org (one more to delete), in the archived org, a stranger's.
    seg_open: String,
    seg_delete: String,
    /// A second segment to delete, for the admin (who deletes before the owner does).
    seg_delete_admin: String,
    seg_archived: String,
    seg_foreign: String,
    /// A voter of ward 1 (so of the county too).
    voter: String,
    /// Outreach plans: in the open org (and one to delete for the owner and one for the admin), and in
    /// the archived org.
    plan_open: String,
    plan_delete: String,
    plan_delete_admin: String,
    plan_archived: String,
    /// Polls of the Serve organization: a draft, one to delete for the owner and one for the admin, and
    /// a sent one.
    poll_draft: String,
    poll_delete: String,
    poll_delete_admin: String,
    poll_sent: String,
}

async fn poll(app: &TestApp, t: &str, slug: &str, question: &str) -> String {
    let r = app
        .request(
            Method::POST,
            "/v1/polls",
            Some(t),
            Some(slug),
            Some(json!({ "question": question, "options": ["Yes", "No"] })),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "poll {question}: {}", r.2);
    str_of(&r.2["id"])
}

async fn plan(app: &TestApp, t: &str, slug: &str, name: &str) -> String {
    let r = app
        .request(
            Method::POST,
            "/v1/outreach",
            Some(t),
            Some(slug),
            Some(json!({ "name": name, "channel": "door_knocking" })),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "plan {name}: {}", r.2);
    str_of(&r.2["id"])
}

async fn segment(app: &TestApp, t: &str, slug: &str, name: &str) -> String {
    let r = app
        .request(
            Method::POST,
            "/v1/segments",
            Some(t),
            Some(slug),
            Some(json!({ "name": name, "criteria": { "has_cell_phone": true } })),
        )
        .await;
    assert_eq!(r.0, StatusCode::CREATED, "segment {name}: {}", r.2);
    str_of(&r.2["id"])
}

/// Invites `admin` and `member` (by their emails) into the organization `slug` and accepts.
async fn staff(app: &TestApp, owner: &str, slug: &str, admin: &str, member: &str) {
    for (email, role, t) in [
        ("admin@matrix.test", "admin", admin),
        ("member@matrix.test", "member", member),
    ] {
        let inv = app
            .post(
                &format!("/v1/organizations/{slug}/invitations"),
                owner,
                json!({ "email": email, "role": role }),
            )
            .await;
        assert_eq!(inv.0, StatusCode::CREATED, "invite {email}: {}", inv.2);
        let token = str_of(&inv.2["token"]);
        let r = app
            .post_empty(&format!("/v1/invitations/{token}/accept"), t)
            .await;
        assert_eq!(r.0, StatusCode::OK, "accept {email}: {}", r.2);
    }
}

impl World {
    async fn new(app: &TestApp) -> Self {
        app.seed_reference().await;
        let voters = fixture_voters();
        app.store.upsert_voters(&voters).await.unwrap();
        let voter = voters[0].id.as_uuid().to_string();
        let owner = token("user_matrix_owner");
        let stranger = token("user_matrix_stranger");
        let admin = token_with("user_matrix_admin", json!({ "email": "admin@matrix.test" }));
        let member = token_with(
            "user_matrix_member",
            json!({ "email": "member@matrix.test" }),
        );
        let member_id = str_of(&app.get_ok("/v1/me", &member).await["user"]["id"]);

        // Owner: a lost campaign (archived Win org with a segment), a won one (Serve org and office),
        // then an open draft with two segments.
        let lost = app
            .create_campaign(&owner, json!({ "ballotready_position_id": "br-council-2" }))
            .await;
        let archived = str_of(&lost["organization"]["slug"]);
        let c_lost = str_of(&lost["campaign"]["id"]);
        let seg_archived = segment(app, &owner, &archived, "Archived cells").await;
        let plan_archived = plan(app, &owner, &archived, "Archived plan").await;
        staff(app, &owner, &archived, &admin, &member).await;
        app.launch(&owner, &c_lost).await;
        app.result(&owner, &c_lost, "lost").await;
        let (_, won) = app
            .win(
                &owner,
                json!({ "ballotready_position_id": "br-commission" }),
            )
            .await;
        let serve = str_of(&won["organization"]["slug"]);
        staff(app, &owner, &serve, &admin, &member).await;
        let office = str_of(&won["elected_office"]["id"]);
        let poll_draft = poll(app, &owner, &serve, "Open late?").await;
        let poll_delete = poll(app, &owner, &serve, "Delete me?").await;
        let poll_delete_admin = poll(app, &owner, &serve, "Delete me too?").await;
        let poll_sent = poll(app, &owner, &serve, "Sent already?").await;
        let r = app
            .request(
                Method::POST,
                &format!("/v1/polls/{poll_sent}/send"),
                Some(&owner),
                Some(&serve),
                None,
            )
            .await;
        assert_eq!(r.0, StatusCode::OK, "send: {}", r.2);
        let open = app
            .create_campaign(&owner, json!({ "ballotready_position_id": "br-council-1" }))
            .await;
        let open_slug = str_of(&open["organization"]["slug"]);
        let c_open = str_of(&open["campaign"]["id"]);
        let seg_open = segment(app, &owner, &open_slug, "Open cells").await;
        let seg_delete = segment(app, &owner, &open_slug, "To delete").await;
        let seg_delete_admin = segment(app, &owner, &open_slug, "To delete too").await;
        let plan_open = plan(app, &owner, &open_slug, "Open plan").await;
        let plan_delete = plan(app, &owner, &open_slug, "Plan to delete").await;
        let plan_delete_admin = plan(app, &owner, &open_slug, "Plan to delete too").await;
        staff(app, &owner, &open_slug, &admin, &member).await;

        // A stranger: an office and an open draft with a segment.
        let (_, s_won) = app
            .win(
                &stranger,
                json!({ "ballotready_position_id": "br-commission" }),
            )
            .await;
        let office_foreign = str_of(&s_won["elected_office"]["id"]);
        let s_open = app
            .create_campaign(
                &stranger,
                json!({ "ballotready_position_id": "br-council-1" }),
            )
            .await;
        let foreign = str_of(&s_open["organization"]["slug"]);
        let c_foreign = str_of(&s_open["campaign"]["id"]);
        let seg_foreign = segment(app, &stranger, &foreign, "Stranger's").await;

        Self {
            owner,
            admin,
            member,
            member_id,
            open: open_slug,
            archived,
            serve,
            foreign,
            c_open,
            c_lost,
            c_foreign,
            office,
            office_foreign,
            seg_open,
            seg_delete,
            seg_delete_admin,
            seg_archived,
            seg_foreign,
            voter,
            plan_open,
            plan_delete,
            plan_delete_admin,
            plan_archived,
            poll_draft,
            poll_delete,
            poll_delete_admin,
            poll_sent,
        }
    }

    fn slug(&self, target: Target) -> &str {
        match target {
            Open => &self.open,
            Archived => &self.archived,
            Serve => &self.serve,
            Foreign => &self.foreign,
        }
    }

    /// Every id and slug of the owner: none may appear in another user's answer.
    fn owner_marks(&self) -> Vec<&str> {
        vec![
            &self.open,
            &self.archived,
            &self.serve,
            &self.c_open,
            &self.c_lost,
            &self.office,
            &self.seg_open,
            &self.seg_delete,
            &self.seg_delete_admin,
            &self.seg_archived,
            &self.plan_open,
            &self.plan_delete,
            &self.plan_delete_admin,
            &self.plan_archived,
            &self.poll_draft,
            &self.poll_delete,
            &self.poll_delete_admin,
            &self.poll_sent,
        ]
    }
}

/// One request of a cell.
struct Req {
    method: Method,
    path: String,
    org: Option<String>,
    body: Option<Value>,
}

fn req(method: Method, path: impl Into<String>) -> Req {
    Req {
        method,
        path: path.into(),
        org: None,
        body: None,
    }
}

impl Req {
    fn org(mut self, slug: &str) -> Self {
        self.org = Some(slug.to_owned());
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// The request of `route` on `target` by `caller`.
fn request(route: &str, w: &World, target: Target, caller: Caller) -> Req {
    let slug = w.slug(target);
    let campaign = match target {
        Open => &w.c_open,
        Archived => &w.c_lost,
        Serve | Foreign => &w.c_foreign,
    };
    let office = match target {
        Foreign => &w.office_foreign,
        _ => &w.office,
    };
    // A segment route on a foreign target names the stranger's segment in the owner's open organization.
    let (seg_org, seg) = match target {
        Open if route.starts_with("DELETE") && caller == Caller::Admin => {
            (w.open.as_str(), &w.seg_delete_admin)
        }
        Open if route.starts_with("DELETE") => (w.open.as_str(), &w.seg_delete),
        Open => (w.open.as_str(), &w.seg_open),
        Archived => (w.archived.as_str(), &w.seg_archived),
        Serve | Foreign => (w.open.as_str(), &w.seg_foreign),
    };
    let plan = match target {
        Archived => &w.plan_archived,
        _ => &w.plan_open,
    };
    let plan_delete = match (target, caller) {
        (Archived, _) => &w.plan_archived,
        (_, Caller::Admin) => &w.plan_delete_admin,
        _ => &w.plan_delete,
    };
    match route {
        "GET /v1/health/live" => req(Method::GET, "/v1/health/live"),
        "GET /v1/health/ready" => req(Method::GET, "/v1/health/ready"),
        "GET /v1/me" => req(Method::GET, "/v1/me"),
        "GET /v1/me/history" => req(Method::GET, "/v1/me/history"),
        "GET /v1/organizations" => req(Method::GET, "/v1/organizations"),
        "GET /v1/campaigns" => req(Method::GET, "/v1/campaigns"),
        "POST /v1/campaigns" => {
            req(Method::POST, "/v1/campaigns").body(json!({ "custom_position_name": "Sheriff" }))
        }
        "GET /v1/elected-offices" => req(Method::GET, "/v1/elected-offices"),
        "GET /v1/positions" => req(Method::GET, "/v1/positions?state=WY"),
        "GET /v1/districts" => req(Method::GET, "/v1/districts?state=WY"),
        "PUT /v1/me/active-organization" => {
            req(Method::PUT, "/v1/me/active-organization").body(json!({ "slug": slug }))
        }
        "GET /v1/organizations/{slug}" => req(Method::GET, format!("/v1/organizations/{slug}")),
        "PATCH /v1/organizations/{slug}" => req(Method::PATCH, format!("/v1/organizations/{slug}"))
            .body(json!({ "custom_position_name": "Matrix seat" })),
        "GET /v1/organizations/{slug}/nav" => {
            req(Method::GET, format!("/v1/organizations/{slug}/nav"))
        }
        "GET /v1/campaigns/current" => req(Method::GET, "/v1/campaigns/current").org(slug),
        "GET /v1/campaigns/{id}" => req(Method::GET, format!("/v1/campaigns/{campaign}")),
        "PATCH /v1/campaigns/{id}" => req(Method::PATCH, format!("/v1/campaigns/{campaign}"))
            .body(json!({ "party": "Matrix" })),
        "POST /v1/campaigns/{id}/launch" => {
            req(Method::POST, format!("/v1/campaigns/{campaign}/launch"))
        }
        "POST /v1/campaigns/{id}/result" => {
            req(Method::POST, format!("/v1/campaigns/{campaign}/result"))
                .body(json!({ "outcome": "lost" }))
        }
        "GET /v1/elected-offices/current" => {
            req(Method::GET, "/v1/elected-offices/current").org(slug)
        }
        "GET /v1/elected-offices/{id}" => req(Method::GET, format!("/v1/elected-offices/{office}")),
        "PATCH /v1/elected-offices/{id}" => {
            req(Method::PATCH, format!("/v1/elected-offices/{office}"))
                .body(json!({ "term_end_date": "2031-01-01" }))
        }
        "POST /v1/elected-offices/{id}/end" => {
            req(Method::POST, format!("/v1/elected-offices/{office}/end"))
        }
        "GET /v1/contacts" => req(Method::GET, "/v1/contacts?per_page=5").org(slug),
        "GET /v1/contacts/export" => req(Method::GET, "/v1/contacts/export").org(slug),
        "GET /v1/contacts/stats" => req(Method::GET, "/v1/contacts/stats").org(slug),
        "GET /v1/contacts/{id}" => req(Method::GET, format!("/v1/contacts/{}", w.voter)).org(slug),
        "GET /v1/segments" => req(Method::GET, "/v1/segments").org(slug),
        "POST /v1/segments" => req(Method::POST, "/v1/segments")
            .org(slug)
            .body(json!({ "name": "Matrix", "criteria": {} })),
        "GET /v1/segments/{id}" => req(Method::GET, format!("/v1/segments/{seg}")).org(seg_org),
        "PATCH /v1/segments/{id}" => req(Method::PATCH, format!("/v1/segments/{seg}"))
            .org(seg_org)
            .body(json!({ "name": "Renamed" })),
        "DELETE /v1/segments/{id}" => {
            req(Method::DELETE, format!("/v1/segments/{seg}")).org(seg_org)
        }
        "GET /v1/segments/{id}/count" => {
            req(Method::GET, format!("/v1/segments/{seg}/count")).org(seg_org)
        }
        "GET /v1/organizations/{slug}/members" => {
            req(Method::GET, format!("/v1/organizations/{slug}/members"))
        }
        "PATCH /v1/organizations/{slug}/members/{user_id}" => req(
            Method::PATCH,
            format!("/v1/organizations/{slug}/members/{}", w.member_id),
        )
        .body(json!({ "role": "member" })),
        "DELETE /v1/organizations/{slug}/members/{user_id}" => req(
            Method::DELETE,
            format!("/v1/organizations/{slug}/members/{}", random_id()),
        ),
        "POST /v1/organizations/{slug}/transfer-ownership" => req(
            Method::POST,
            format!("/v1/organizations/{slug}/transfer-ownership"),
        )
        .body(json!({ "user_id": random_id() })),
        "POST /v1/organizations/{slug}/invitations" => req(
            Method::POST,
            format!("/v1/organizations/{slug}/invitations"),
        )
        .body(json!({ "email": "invitee@matrix.test", "role": "member" })),
        "GET /v1/organizations/{slug}/invitations" => {
            req(Method::GET, format!("/v1/organizations/{slug}/invitations"))
        }
        "DELETE /v1/organizations/{slug}/invitations/{id}" => req(
            Method::DELETE,
            format!("/v1/organizations/{slug}/invitations/{}", random_id()),
        ),
        "GET /v1/outreach" => req(Method::GET, "/v1/outreach").org(slug),
        "POST /v1/outreach" => req(Method::POST, "/v1/outreach")
            .org(slug)
            .body(json!({ "name": "Matrix plan", "channel": "text" })),
        "GET /v1/outreach/{id}" => req(Method::GET, format!("/v1/outreach/{plan}")).org(slug),
        "PATCH /v1/outreach/{id}" => req(Method::PATCH, format!("/v1/outreach/{plan}"))
            .org(slug)
            .body(json!({ "name": "Renamed plan" })),
        "DELETE /v1/outreach/{id}" => {
            req(Method::DELETE, format!("/v1/outreach/{plan_delete}")).org(slug)
        }
        "POST /v1/outreach/{id}/status" => req(Method::POST, format!("/v1/outreach/{plan}/status"))
            .org(slug)
            .body(json!({ "status": "draft" })),
        "GET /v1/outreach/{id}/audience" => {
            req(Method::GET, format!("/v1/outreach/{plan}/audience")).org(slug)
        }
        "GET /v1/outreach/{id}/audience/export" => {
            req(Method::GET, format!("/v1/outreach/{plan}/audience/export")).org(slug)
        }
        "POST /v1/outreach/{id}/results" => {
            req(Method::POST, format!("/v1/outreach/{plan}/results"))
                .org(slug)
                .body(json!({ "results": [{ "contact_id": w.voter, "outcome": "contacted" }] }))
        }
        "GET /v1/outreach/{id}/summary" => {
            req(Method::GET, format!("/v1/outreach/{plan}/summary")).org(slug)
        }
        "GET /v1/polls" => req(Method::GET, "/v1/polls").org(slug),
        "POST /v1/polls" => req(Method::POST, "/v1/polls")
            .org(slug)
            .body(json!({ "question": "Matrix?", "options": ["A", "B"] })),
        "GET /v1/polls/{id}" => req(Method::GET, format!("/v1/polls/{}", w.poll_draft)).org(slug),
        "PATCH /v1/polls/{id}" => req(Method::PATCH, format!("/v1/polls/{}", w.poll_draft))
            .org(slug)
            .body(json!({ "question": "Renamed?" })),
        "DELETE /v1/polls/{id}" => {
            let poll = if caller == Caller::Admin {
                &w.poll_delete_admin
            } else {
                &w.poll_delete
            };
            req(Method::DELETE, format!("/v1/polls/{poll}")).org(slug)
        }
        "POST /v1/polls/{id}/send" => {
            req(Method::POST, format!("/v1/polls/{}/send", w.poll_sent)).org(slug)
        }
        "POST /v1/polls/{id}/close" => {
            req(Method::POST, format!("/v1/polls/{}/close", w.poll_sent)).org(slug)
        }
        "GET /v1/polls/{id}/outbox" => {
            req(Method::GET, format!("/v1/polls/{}/outbox", w.poll_sent)).org(slug)
        }
        "GET /v1/polls/{id}/results" => {
            req(Method::GET, format!("/v1/polls/{}/results", w.poll_sent)).org(slug)
        }
        "POST /v1/webhooks/sms" => req(Method::POST, "/v1/webhooks/sms").body(
            json!({ "from": "+13075550100", "body": "1", "received_at": "2026-12-04T00:00:00Z" }),
        ),
        "POST /v1/webhooks/clerk" => {
            req(Method::POST, "/v1/webhooks/clerk").body(json!({ "type": "user.created" }))
        }
        "POST /v1/invitations/{token}/accept" => req(
            Method::POST,
            format!("/v1/invitations/{}/accept", "a".repeat(64)),
        ),
        other => panic!("no request written for {other}"),
    }
}

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Owner,
    Admin,
    Member,
    Intruder,
    NoToken,
    Expired,
}

impl Caller {
    /// The role of a caller who is a member of the owner's organizations.
    fn role(self) -> Option<Role> {
        match self {
            Caller::Owner => Some(Role::Owner),
            Caller::Admin => Some(Role::Admin),
            Caller::Member => Some(Role::Member),
            _ => None,
        }
    }
}

/// Segment routes on a foreign target name a stranger's segment inside the owner's open organization,
/// which the staff are members of: their role is checked before the segment is looked up.
fn foreign_inside_own_org(route: &str) -> bool {
    route.contains("/v1/segments/{id}")
}

/// Every `METHOD /path` of the OpenAPI document.
fn documented_routes() -> BTreeSet<String> {
    let doc = serde_json::to_value(winserve_http::router::openapi()).unwrap();
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in [
            "get", "put", "post", "delete", "patch", "head", "options", "trace",
        ] {
            if item.get(method).is_some() {
                routes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    routes
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let documented = documented_routes();
    let written: BTreeSet<String> = TABLE.iter().map(|r| r.route.to_owned()).collect();
    let unexpected: Vec<_> = documented.difference(&written).collect();
    assert!(
        unexpected.is_empty(),
        "routes without a row in the authorization matrix: {unexpected:?}"
    );
    let stale: Vec<_> = written.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );

    let app = TestApp::new().await;
    let w = World::new(&app).await;
    let intruder = token("user_matrix_intruder");
    let expired = expired_token("user_matrix_owner");
    let marks = w.owner_marks();

    let mut rows: Vec<&Row> = TABLE.iter().filter(|r| !LAST.contains(&r.route)).collect();
    rows.extend(TABLE.iter().filter(|r| LAST.contains(&r.route)));
    let mut cells = 0usize;
    let mut failures = Vec::new();
    for row in rows {
        let targets: Vec<(Target, u16)> = match row.scope {
            Public | User => vec![(Open, row.owner[0].1)],
            Targeted => row.owner.to_vec(),
        };
        // The owner last, so that a change the owner makes cannot hide what the others would get.
        for caller in [
            Caller::NoToken,
            Caller::Expired,
            Caller::Intruder,
            Caller::Member,
            Caller::Admin,
            Caller::Owner,
        ] {
            for &(target, owner_status) in &targets {
                let expected = match (row.scope, caller) {
                    (Public, _) => owner_status,
                    (_, Caller::NoToken | Caller::Expired) => 401,
                    (_, Caller::Owner) => owner_status,
                    (User, Caller::Admin | Caller::Member)
                        if row.route == "POST /v1/invitations/{token}/accept" =>
                    {
                        404
                    }
                    (User, _) => match owner_status {
                        // Only the owner has an open campaign: the others' create succeeds.
                        409 => 201,
                        s => s,
                    },
                    (Targeted, Caller::Intruder) => 404,
                    (Targeted, staff) => {
                        let role = staff.role().unwrap();
                        if target == Foreign && !foreign_inside_own_org(row.route) {
                            404
                        } else if !role.may(row.action) {
                            403
                        } else {
                            owner_status
                        }
                    }
                };
                let r = request(row.route, &w, target, caller);
                let t = match caller {
                    Caller::Owner => Some(w.owner.as_str()),
                    Caller::Admin => Some(w.admin.as_str()),
                    Caller::Member => Some(w.member.as_str()),
                    Caller::Intruder => Some(intruder.as_str()),
                    Caller::Expired => Some(expired.as_str()),
                    Caller::NoToken => None,
                };
                let resp = app
                    .request(
                        r.method.clone(),
                        &r.path,
                        t,
                        r.org.as_deref(),
                        r.body.clone(),
                    )
                    .await;
                cells += 1;
                let cell = format!("{} as {caller:?} on {target:?}", row.route);
                if resp.0.as_u16() != expected {
                    failures.push(format!(
                        "{cell}: expected {expected}, got {} {}",
                        resp.0, resp.2
                    ));
                    continue;
                }
                if resp.0.is_client_error() || resp.0.is_server_error() {
                    let content_type = resp
                        .1
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    if content_type != "application/problem+json"
                        || resp.2["code"].as_str().is_none_or(str::is_empty)
                    {
                        failures.push(format!("{cell}: not a problem with a code: {}", resp.2));
                    }
                }
                if caller == Caller::Intruder {
                    let text = resp.2.to_string();
                    if let Some(leak) = marks.iter().find(|m| text.contains(**m)) {
                        failures.push(format!("{cell}: the answer names the owner's {leak}"));
                    }
                }
            }
        }
    }
    println!(
        "authorization matrix: {cells} cells over {} routes",
        TABLE.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {cells} cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    app.cleanup().await;
}
