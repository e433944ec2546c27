//! The schema holds the product's invariants against a buggy caller, and the adapter translates the
//! violations it can meet into business errors.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Utc;
use common::*;
use winserve_application::{
    LifecycleStore, LifecycleStoreError, OrganizationRepository, StoreError,
};
use winserve_domain::{
    CampaignOutcome, Change, CreateCampaign, LifecycleError, LifecycleEvent, LifecycleEventKind,
    OfficeDecided, Transition, UserLifecycle, decide_create_campaign,
};

/// The ids a raw-SQL test needs.
struct World {
    user: String,
    other_user: String,
    win_org: String,
    campaign: String,
    serve_org: String,
    office: String,
}

async fn world(store: &winserve_adapters_postgres::PgStore) -> World {
    let u = user(store, "user_constraints").await;
    let other = user(store, "user_other").await;
    let (campaign, win_org, office, serve_org) = win(store, u.id, custom_draft("Mayor")).await;
    World {
        user: u.id.to_string(),
        other_user: other.id.to_string(),
        win_org: win_org.to_string(),
        campaign: campaign.to_string(),
        serve_org: serve_org.to_string(),
        office: office.to_string(),
    }
}

/// An organization and its owner's membership, in one statement (the owner's row is required at commit).
fn new_org(id: &str, slug: &str, mode: &str, owner: &str) -> String {
    format!(
        "WITH o AS (INSERT INTO organizations (id, slug, mode, owner_id, created_at, updated_at)
                    VALUES ('{id}', '{slug}', '{mode}', '{owner}', now(), now()) RETURNING id, owner_id)
         INSERT INTO organization_members (organization_id, user_id, role, joined_at)
         SELECT id, owner_id, 'owner', now() FROM o"
    )
}

fn new_campaign(org: &str, owner: &str, status: &str) -> String {
    let launched = if status == "draft" { "NULL" } else { "now()" };
    format!(
        "INSERT INTO campaigns (id, organization_id, owner_id, status, launched_at, created_at, updated_at)
         VALUES ('{}', '{org}', '{owner}', '{status}', {launched}, now(), now())",
        uuid::Uuid::now_v7()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_open_campaign_is_a_unique_violation() {
    let (db, store) = setup().await;
    let w = world(&store).await;
    let mut conn = raw(&db).await;
    let org_a = uuid::Uuid::now_v7().to_string();
    let org_b = uuid::Uuid::now_v7().to_string();
    exec(
        &mut conn,
        &new_org(&org_a, "campaign-raw-a", "win", &w.user),
    )
    .await
    .unwrap();
    exec(
        &mut conn,
        &new_org(&org_b, "campaign-raw-b", "win", &w.user),
    )
    .await
    .unwrap();
    exec(&mut conn, &new_campaign(&org_a, &w.user, "draft"))
        .await
        .unwrap();
    let err = exec(&mut conn, &new_campaign(&org_b, &w.user, "active"))
        .await
        .unwrap_err();
    assert!(err.contains("campaigns_one_open_per_user"), "{err}");
    // Closed campaigns do not count: a user can run any number of times.
    exec(
        &mut conn,
        "UPDATE campaigns SET status = 'withdrawn', closed_at = now() WHERE status = 'draft'",
    )
    .await
    .unwrap();
    exec(&mut conn, &new_campaign(&org_b, &w.user, "active"))
        .await
        .unwrap();
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn campaigns_only_hang_off_win_orgs_of_the_same_owner_and_offices_off_serve_orgs() {
    let (db, store) = setup().await;
    let w = world(&store).await;
    let mut conn = raw(&db).await;
    let serve = uuid::Uuid::now_v7().to_string();
    exec(&mut conn, &new_org(&serve, "office-raw", "serve", &w.user))
        .await
        .unwrap();

    // A campaign in a Serve org: the composite foreign key refuses it…
    let err = exec(&mut conn, &new_campaign(&serve, &w.user, "draft"))
        .await
        .unwrap_err();
    assert!(err.contains("campaigns_organization_fkey"), "{err}");
    // …and so does the check if the caller lies about the mode.
    let err = exec(
        &mut conn,
        &format!(
            "INSERT INTO campaigns (id, organization_id, organization_mode, owner_id, status, created_at, updated_at)
             VALUES ('{}', '{serve}', 'serve', '{}', 'draft', now(), now())",
            uuid::Uuid::now_v7(),
            w.user
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("campaigns_win_only"), "{err}");
    // A campaign owned by someone else than its org's owner.
    let win = uuid::Uuid::now_v7().to_string();
    exec(&mut conn, &new_org(&win, "campaign-raw-c", "win", &w.user))
        .await
        .unwrap();
    let err = exec(&mut conn, &new_campaign(&win, &w.other_user, "draft"))
        .await
        .unwrap_err();
    assert!(err.contains("campaigns_organization_fkey"), "{err}");
    // An office in a Win org.
    let err = exec(
        &mut conn,
        &format!(
            "INSERT INTO elected_offices (id, organization_id, owner_id, status, created_at, updated_at)
             VALUES ('{}', '{win}', '{}', 'active', now(), now())",
            uuid::Uuid::now_v7(),
            w.user
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("elected_offices_organization_fkey"), "{err}");
    // A second campaign in the same org.
    let err = exec(&mut conn, &new_campaign(&w.win_org, &w.user, "draft"))
        .await
        .unwrap_err();
    assert!(err.contains("campaigns_one_per_organization"), "{err}");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_office_for_the_same_org_and_two_wins_for_one_campaign_are_refused() {
    let (db, store) = setup().await;
    let w = world(&store).await;
    let mut conn = raw(&db).await;
    let err = exec(
        &mut conn,
        &format!(
            "INSERT INTO elected_offices (id, organization_id, owner_id, status, created_at, updated_at)
             VALUES ('{}', '{}', '{}', 'active', now(), now())",
            uuid::Uuid::now_v7(),
            w.serve_org,
            w.user
        ),
    )
    .await
    .unwrap_err();
    assert!(
        err.contains("elected_offices_one_per_organization"),
        "{err}"
    );

    let err = exec(
        &mut conn,
        &format!(
            "INSERT INTO lifecycle_events (user_id, kind, at, organization_id, campaign_id, elected_office_id)
             VALUES ('{}', 'campaign_won', now(), '{}', '{}', '{}')",
            w.user, w.win_org, w.campaign, w.office
        ),
    )
    .await
    .unwrap_err();
    assert!(
        err.contains("lifecycle_events_one_office_per_won_campaign"),
        "{err}"
    );
    let err = exec(
        &mut conn,
        &format!(
            "INSERT INTO lifecycle_events (user_id, kind, at, organization_id, campaign_id)
             VALUES ('{}', 'campaign_lost', now(), '{}', '{}')",
            w.user, w.win_org, w.campaign
        ),
    )
    .await
    .unwrap_err();
    assert!(
        err.contains("lifecycle_events_one_result_per_campaign"),
        "{err}"
    );
    // Events name the ids their kind needs, in one of the user's organizations.
    let err = exec(
        &mut conn,
        &format!(
            "INSERT INTO lifecycle_events (user_id, kind, at, organization_id)
             VALUES ('{}', 'office_started', now(), '{}')",
            w.user, w.serve_org
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("lifecycle_events_ids_match_kind"), "{err}");
    let err = exec(
        &mut conn,
        &format!(
            "INSERT INTO lifecycle_events (user_id, kind, at, organization_id, campaign_id)
             VALUES ('{}', 'campaign_launched', now(), '{}', '{}')",
            w.other_user, w.win_org, w.campaign
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("lifecycle_events_organization_fkey"), "{err}");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_log_is_append_only_and_archived_orgs_and_slugs_are_read_only() {
    let (db, store) = setup().await;
    let w = world(&store).await;
    let mut conn = raw(&db).await;
    for sql in [
        "UPDATE lifecycle_events SET at = now()".to_owned(),
        "DELETE FROM lifecycle_events".to_owned(),
        "TRUNCATE lifecycle_events CASCADE".to_owned(),
    ] {
        let err = exec(&mut conn, &sql).await.unwrap_err();
        assert!(err.contains("append-only"), "{err}");
    }
    let err = exec(
        &mut conn,
        &format!(
            "UPDATE organizations SET custom_position_name = 'X' WHERE id = '{}'",
            w.win_org
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("archived"), "{err}");
    let err = exec(
        &mut conn,
        &format!(
            "UPDATE organizations SET slug = 'office-renamed' WHERE id = '{}'",
            w.serve_org
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("immutable"), "{err}");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_active_office_per_user_and_position() {
    let (db, store) = setup().await;
    let u = user(&store, "user_position").await;
    let d = district(&store, "WY", "City_Ward", "WARD 3").await;
    let pos = position(&store, "pos-3", "Council 3", Some(&d)).await;
    let (_, _, _, serve_org) = win(&store, u.id, draft(Some(pos.clone()), None)).await;
    let mut conn = raw(&db).await;
    let other = uuid::Uuid::now_v7().to_string();
    let insert = format!(
        "WITH o AS (INSERT INTO organizations (id, slug, mode, owner_id, position_id, created_at, updated_at)
                    VALUES ('{other}', 'office-raw-two', 'serve', '{}', 'pos-3', now(), now())
                    RETURNING id, owner_id)
         INSERT INTO organization_members (organization_id, user_id, role, joined_at)
         SELECT id, owner_id, 'owner', now() FROM o",
        u.id
    );
    let err = exec(&mut conn, &insert).await.unwrap_err();
    assert!(
        err.contains("organizations_one_active_office_per_position"),
        "{err}"
    );
    // Once the first office's org is archived (its office ended), the position is free again.
    exec(
        &mut conn,
        &format!("UPDATE organizations SET archived_at = now() WHERE id = '{serve_org}'"),
    )
    .await
    .unwrap();
    exec(&mut conn, &insert).await.unwrap();
    db.cleanup().await;
}

trait OrgsForTest {
    async fn organizations_for_test(&self, user: winserve_domain::UserId) -> usize;
}

impl OrgsForTest for winserve_adapters_postgres::PgStore {
    async fn organizations_for_test(&self, user: winserve_domain::UserId) -> usize {
        OrganizationRepository::list_for_member(self, user)
            .await
            .unwrap()
            .len()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unforeseen_unique_violations_are_translated_into_business_errors() {
    let (db, store) = setup().await;
    let u = user(&store, "user_stale").await;
    let (open, _) = create_campaign(&store, u.id, custom_draft("Mayor")).await;

    // A decision made on a stale snapshot (here: an empty one) tries to open a second campaign: the partial
    // unique index refuses it and the store reports OpenCampaignExists with the open campaign's id.
    let user_id = u.id;
    let err = store
        .transact_campaign(
            u.id,
            Box::new(move |_fresh| {
                let stale = UserLifecycle::new(user_id);
                let command = CreateCampaign {
                    organization: custom_draft("Clerk"),
                    details: Default::default(),
                    carry: None,
                };
                decide_create_campaign(&stale, &command, Utc::now(), &mut uuid::Uuid::now_v7)
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        LifecycleStoreError::Rejected(LifecycleError::OpenCampaignExists(open))
    );
    // Nothing of the refused transaction was written.
    assert_eq!(store.organizations_for_test(u.id).await, 1);

    // A second "won" event for a campaign that was won already.
    launch(&store, u.id, open).await;
    let (office, _) = result(&store, u.id, open, CampaignOutcome::Won)
        .await
        .unwrap();
    let history = store.history(u.id).await.unwrap();
    let won = history
        .iter()
        .find(|(e, _)| e.kind == LifecycleEventKind::CampaignWon)
        .unwrap()
        .0
        .clone();
    let err = store
        .transact_office(
            u.id,
            Box::new(move |_| {
                Ok(Transition {
                    changes: vec![Change::AppendEvent(LifecycleEvent {
                        at: Utc::now(),
                        ..won
                    })],
                    outcome: OfficeDecided {
                        elected_office_id: office.unwrap(),
                    },
                })
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        LifecycleStoreError::Rejected(LifecycleError::ResultAlreadyRecorded("won"))
    );

    // A change for another user is refused outright.
    let other = user(&store, "user_intruder").await;
    let err = store
        .transact_campaign(
            other.id,
            Box::new(move |_| {
                let stale = UserLifecycle::new(user_id);
                let command = CreateCampaign {
                    organization: custom_draft("Clerk"),
                    details: Default::default(),
                    carry: None,
                };
                decide_create_campaign(&stale, &command, Utc::now(), &mut uuid::Uuid::now_v7)
            }),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        LifecycleStoreError::Store(StoreError::Internal { .. })
    ));
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_organization_has_exactly_one_owner_and_archived_teams_are_frozen() {
    let (db, store) = setup().await;
    let w = world(&store).await;
    let mut conn = raw(&db).await;
    let member = |org: &str, user: &str, role: &str| {
        format!(
            "INSERT INTO organization_members (organization_id, user_id, role, joined_at)
             VALUES ('{org}', '{user}', '{role}', now())"
        )
    };
    // A second owner is refused at once.
    let err = exec(&mut conn, &member(&w.serve_org, &w.other_user, "owner"))
        .await
        .unwrap_err();
    assert!(err.contains("organization_members_one_owner"), "{err}");
    // An admin joins; demoting the owner (leaving no owner) or removing their row fails at commit.
    exec(&mut conn, &member(&w.serve_org, &w.other_user, "admin"))
        .await
        .unwrap();
    for sql in [
        format!(
            "UPDATE organization_members SET role = 'admin'
             WHERE organization_id = '{}' AND user_id = '{}'",
            w.serve_org, w.user
        ),
        format!(
            "DELETE FROM organization_members WHERE organization_id = '{}' AND user_id = '{}'",
            w.serve_org, w.user
        ),
    ] {
        let err = exec(&mut conn, &format!("BEGIN; {sql}; COMMIT"))
            .await
            .unwrap_err();
        assert!(err.contains("organizations_owner_membership_fkey"), "{err}");
        exec(&mut conn, "ROLLBACK").await.unwrap();
    }
    // A transfer in one transaction (demote, promote, move owner_id) holds, and the office follows.
    exec(
        &mut conn,
        &format!(
            "BEGIN;
             UPDATE organization_members SET role = 'admin' WHERE organization_id = '{org}' AND user_id = '{old}';
             UPDATE organization_members SET role = 'owner' WHERE organization_id = '{org}' AND user_id = '{new}';
             UPDATE organizations SET owner_id = '{new}' WHERE id = '{org}';
             COMMIT",
            org = w.serve_org,
            old = w.user,
            new = w.other_user
        ),
    )
    .await
    .unwrap();
    let owner: String = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(format!(
            "SELECT owner_id::text AS v FROM elected_offices WHERE id = '{}'",
            w.office
        )),
        &mut conn,
    )
    .await
    .map(|r: TextValue| r.v)
    .unwrap();
    assert_eq!(owner, w.other_user);
    // The archived Win organization's members are read-only.
    let err = exec(&mut conn, &member(&w.win_org, &w.other_user, "member"))
        .await
        .unwrap_err();
    assert!(err.contains("archived"), "{err}");
    let err = exec(
        &mut conn,
        &format!(
            "DELETE FROM organization_members WHERE organization_id = '{}'",
            w.win_org
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("archived"), "{err}");
    // A member_joined event needs the membership; a member_left event of a non-owner is history.
    let err = exec(
        &mut conn,
        &format!(
            "INSERT INTO lifecycle_events (user_id, kind, at, organization_id, role)
             VALUES ('{}', 'member_joined', now(), '{}', 'member')",
            w.other_user, w.win_org
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("lifecycle_events_organization_fkey"), "{err}");
    let err = exec(
        &mut conn,
        &format!(
            "INSERT INTO lifecycle_events (user_id, kind, at, organization_id)
             VALUES ('{}', 'member_left', now(), '{}')",
            w.other_user, w.win_org
        ),
    )
    .await
    .unwrap_err();
    assert!(err.contains("lifecycle_events_role_matches_kind"), "{err}");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leaving_an_organization_forgets_it_as_the_saved_default() {
    let (db, store) = setup().await;
    let w = world(&store).await;
    let mut conn = raw(&db).await;
    exec(
        &mut conn,
        &format!(
            "INSERT INTO organization_members (organization_id, user_id, role, joined_at)
             VALUES ('{org}', '{u}', 'member', now());
             UPDATE users SET active_organization_id = '{org}' WHERE id = '{u}';
             DELETE FROM organization_members WHERE organization_id = '{org}' AND user_id = '{u}'",
            org = w.serve_org,
            u = w.other_user
        ),
    )
    .await
    .unwrap();
    let active: Option<String> = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(format!(
            "SELECT active_organization_id::text AS v FROM users WHERE id = '{}'",
            w.other_user
        )),
        &mut conn,
    )
    .await
    .map(|r: NullableTextValue| r.v)
    .unwrap();
    assert_eq!(active, None);
    db.cleanup().await;
}

#[derive(diesel::QueryableByName)]
struct TextValue {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

#[derive(diesel::QueryableByName)]
struct NullableTextValue {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    v: Option<String>,
}
