//! Users, organizations, campaigns, offices and segments: every method, owner isolation and the
//! translation of constraint violations.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Utc;
use common::*;
use winserve_application::{OrganizationSelector, ProfileUpdate, SegmentError, UpdateError};
use winserve_domain::{
    BallotReadyId, CampaignDetails, CampaignId, CampaignOutcome, ClerkOrganizationId,
    CustomPositionName, DistrictId, ElectedOfficeId, Gender, InvalidValue, LifecycleCommand,
    OfficeDates, OrganizationId, Segment, SegmentCriteria, SegmentId, SegmentName, Slug, Subject,
    UserClaims,
};

fn claims(sub: &str, email: Option<&str>, first: Option<&str>) -> UserClaims {
    UserClaims {
        sub: Subject::new(sub).unwrap(),
        email: email.map(str::to_owned),
        first_name: first.map(str::to_owned),
        last_name: None,
        clerk: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_are_created_once_refreshed_and_remember_their_default_org() {
    let (db, store) = setup().await;
    let p = store.clone().ports();

    // Concurrent first requests make one user.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let users = p.users.clone();
            tokio::spawn(async move {
                users
                    .upsert_from_claims(&claims("user_first", None, None))
                    .await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);

    let u = p
        .users
        .upsert_from_claims(&claims("user_first", Some("a@example.org"), Some("Ada")))
        .await
        .unwrap();
    assert_eq!(u.id, ids[0]);
    assert_eq!(u.email.as_deref(), Some("a@example.org"));
    assert_eq!(u.first_name.as_deref(), Some("Ada"));
    // A token without the claims keeps them.
    let again = p
        .users
        .upsert_from_claims(&claims("user_first", None, None))
        .await
        .unwrap();
    assert_eq!(again, u);
    // New values replace old ones.
    let changed = p
        .users
        .upsert_from_claims(&claims("user_first", Some("b@example.org"), None))
        .await
        .unwrap();
    assert_eq!(changed.email.as_deref(), Some("b@example.org"));
    assert_eq!(changed.first_name.as_deref(), Some("Ada"));

    let (_, org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    let other = user(&store, "user_other").await;
    let (_, others_org) = create_campaign(&store, other.id, custom_draft("Mayor")).await;
    assert!(p.users.set_active_organization(u.id, org).await.unwrap());
    assert!(
        !p.users
            .set_active_organization(u.id, others_org)
            .await
            .unwrap()
    );
    assert!(
        !p.users
            .set_active_organization(u.id, OrganizationId::generate())
            .await
            .unwrap()
    );
    let reloaded = p
        .users
        .upsert_from_claims(&claims("user_first", None, None))
        .await
        .unwrap();
    assert_eq!(reloaded.active_organization_id, Some(org));
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn organizations_are_listed_open_first_newest_first_and_found_by_slug_and_clerk_id() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_orgs").await;
    let other = user(&store, "user_orgs_other").await;
    let (first, first_org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    result(&store, u.id, first, CampaignOutcome::Withdrawn)
        .await
        .unwrap();
    let (_, second_org) = create_campaign(&store, u.id, custom_draft("Clerk")).await;
    // A third, older-than-nothing but open: the order is open first, then newest first.
    let listed = p.organizations.list_for_member(u.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|d| d.organization.id).collect::<Vec<_>>(),
        [second_org, first_org]
    );
    assert!(
        p.organizations
            .list_for_member(other.id)
            .await
            .unwrap()
            .is_empty()
    );

    let second = &listed[0];
    let slug = second.organization.slug.clone();
    assert_eq!(
        p.organizations
            .find_by_slug(u.id, &slug)
            .await
            .unwrap()
            .as_ref(),
        Some(second)
    );
    // Another owner's org is not found.
    assert_eq!(
        p.organizations.find_by_slug(other.id, &slug).await.unwrap(),
        None
    );
    assert_eq!(
        p.organizations
            .find_by_slug(u.id, &Slug::new("campaign-nope").unwrap())
            .await
            .unwrap(),
        None
    );

    let clerk = ClerkOrganizationId::new("org_2abc").unwrap();
    let update = ProfileUpdate {
        custom_position_name: Some(CustomPositionName::new("Clerk").unwrap()),
        clerk_organization_id: Some(clerk.clone()),
        ..Default::default()
    };
    let updated = p
        .organizations
        .update_profile(u.id, second_org, &update)
        .await
        .unwrap();
    assert_eq!(
        updated.organization.clerk_organization_id,
        Some(clerk.clone())
    );
    let found = store.find_by_clerk_id(u.id, &clerk).await.unwrap().unwrap();
    assert_eq!(found.organization.id, second_org);
    assert!(found.campaign.is_some());
    assert_eq!(
        store.find_by_clerk_id(other.id, &clerk).await.unwrap(),
        None
    );
    db.cleanup().await;
}

/// The one-statement lookup of the request path: the user and their organization together, only when
/// the user exists, the claims change nothing, and the organization is theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_user_and_their_organization_are_found_together_only_when_nothing_changes() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_together").await;
    let other = user(&store, "user_together_other").await;
    let (_, org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    let details = p
        .organizations
        .list_for_member(u.id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(details.organization.id, org);
    let slug = details.organization.slug.clone();
    let claims = |sub: &str, email: Option<&str>| UserClaims {
        sub: Subject::new(sub).unwrap(),
        email: email.map(str::to_owned),
        first_name: None,
        last_name: None,
        clerk: None,
    };

    let (found_user, found_org) = store
        .find_by_slug_for_claims(&claims("user_together", None), &slug)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found_user, u);
    assert_eq!(found_org, details);
    // Another user's organization, an unknown slug, an unknown user: nothing.
    for (sub, slug) in [
        ("user_together_other", slug.clone()),
        ("user_together", Slug::new("campaign-nope").unwrap()),
        ("user_nobody", slug.clone()),
    ] {
        assert_eq!(
            store
                .find_by_slug_for_claims(&claims(sub, None), &slug)
                .await
                .unwrap(),
            None,
            "{sub} {slug}"
        );
    }
    assert!(
        p.organizations
            .list_for_member(other.id)
            .await
            .unwrap()
            .is_empty()
    );
    // Claims that would refresh the user: nothing, so the caller takes the upsert.
    assert_eq!(
        store
            .find_by_slug_for_claims(&claims("user_together", Some("new@example.test")), &slug)
            .await
            .unwrap(),
        None
    );
    db.cleanup().await;
}

/// The port's one call of the request path: the caller (created on first sight, refreshed when the claims
/// change) and their organization by slug or Clerk id; another user's organization is none.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_caller_and_their_organization_come_from_one_port_call() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_one_call").await;
    let (_, org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    let details = p
        .organizations
        .list_for_member(u.id)
        .await
        .unwrap()
        .remove(0);
    let slug = details.organization.slug.clone();
    let claims = |sub: &str, email: Option<&str>| UserClaims {
        sub: Subject::new(sub).unwrap(),
        email: email.map(str::to_owned),
        first_name: None,
        last_name: None,
        clerk: None,
    };
    let by_slug = OrganizationSelector::Slug(slug.clone());

    // The fast path and the slow path (new claims) answer the same organization.
    let (found, in_org) = p
        .users
        .caller_in_organization(&claims("user_one_call", None), &by_slug)
        .await
        .unwrap();
    assert_eq!(found, u);
    assert_eq!(in_org.unwrap().organization.id, org);
    let (refreshed, in_org) = p
        .users
        .caller_in_organization(&claims("user_one_call", Some("new@example.test")), &by_slug)
        .await
        .unwrap();
    assert_eq!(refreshed.email.as_deref(), Some("new@example.test"));
    assert_eq!(in_org.unwrap().organization.id, org);

    // A new user is created, and another user's organization is none.
    let (stranger, none) = p
        .users
        .caller_in_organization(&claims("user_one_call_stranger", None), &by_slug)
        .await
        .unwrap();
    assert_eq!(stranger.sub.as_str(), "user_one_call_stranger");
    assert_eq!(none, None);

    // By Clerk organization id, once linked.
    let clerk = ClerkOrganizationId::new("org_one_call").unwrap();
    let by_clerk = OrganizationSelector::ClerkOrganization(clerk.clone());
    let (_, none) = p
        .users
        .caller_in_organization(&claims("user_one_call", None), &by_clerk)
        .await
        .unwrap();
    assert_eq!(none, None);
    let update = ProfileUpdate {
        custom_position_name: details.organization.custom_position_name.clone(),
        clerk_organization_id: Some(clerk),
        ..Default::default()
    };
    p.organizations
        .update_profile(u.id, org, &update)
        .await
        .unwrap();
    let (_, linked) = p
        .users
        .caller_in_organization(&claims("user_one_call", None), &by_clerk)
        .await
        .unwrap();
    assert_eq!(linked.unwrap().organization.id, org);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn profile_updates_check_owner_archive_reference_data_and_uniqueness() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_profile").await;
    let other = user(&store, "user_profile_other").await;
    let ward = district(&store, "WY", "City_Ward", "WARD 4").await;
    let county = district(&store, "WY", "County", "LARAMIE").await;
    let pos = position(&store, "pos-4", "Council 4", Some(&ward)).await;
    let (campaign, org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;

    let update = ProfileUpdate {
        position_id: Some(pos.ballotready_position_id.clone()),
        override_district_id: Some(county.id),
        custom_position_name: None,
        clerk_organization_id: None,
    };
    let d = p
        .organizations
        .update_profile(u.id, org, &update)
        .await
        .unwrap();
    assert_eq!(d.organization.position, Some(pos.clone()));
    assert_eq!(d.organization.override_district, Some(county.clone()));
    assert_eq!(d.organization.custom_position_name, None);
    assert!(d.organization.updated_at >= d.organization.created_at);

    // Another owner's org is not found, and is left alone.
    assert_eq!(
        p.organizations
            .update_profile(other.id, org, &ProfileUpdate::default())
            .await,
        Err(UpdateError::NotFound)
    );
    assert_eq!(
        p.organizations
            .update_profile(u.id, OrganizationId::generate(), &ProfileUpdate::default())
            .await,
        Err(UpdateError::NotFound)
    );
    // Unknown reference data is invalid, never stored.
    let bad_position = ProfileUpdate {
        position_id: Some(BallotReadyId::new("no-such-position").unwrap()),
        ..Default::default()
    };
    assert_eq!(
        p.organizations
            .update_profile(u.id, org, &bad_position)
            .await,
        Err(UpdateError::Invalid(InvalidValue::new(
            "ballotready_position_id",
            "no position has this id"
        )))
    );
    let bad_district = ProfileUpdate {
        override_district_id: Some(DistrictId::generate()),
        ..Default::default()
    };
    assert!(matches!(
        p.organizations
            .update_profile(u.id, org, &bad_district)
            .await,
        Err(UpdateError::Invalid(InvalidValue {
            field: "override_district_id",
            ..
        }))
    ));
    // A Clerk id linked elsewhere conflicts (even another user's org).
    let (_, others_org) = create_campaign(&store, other.id, custom_draft("Mayor")).await;
    let clerk = ProfileUpdate {
        clerk_organization_id: Some(ClerkOrganizationId::new("org_taken").unwrap()),
        ..Default::default()
    };
    p.organizations
        .update_profile(other.id, others_org, &clerk)
        .await
        .unwrap();
    assert!(matches!(
        p.organizations.update_profile(u.id, org, &clerk).await,
        Err(UpdateError::Conflict(_))
    ));
    let unchanged = p.organizations.list_for_member(u.id).await.unwrap();
    assert_eq!(unchanged[0].organization.position, Some(pos.clone()));

    // Archived orgs are read-only.
    result(&store, u.id, campaign, CampaignOutcome::Withdrawn)
        .await
        .unwrap();
    assert_eq!(
        p.organizations
            .update_profile(u.id, org, &ProfileUpdate::default())
            .await,
        Err(UpdateError::Archived)
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_office_org_cannot_take_a_position_the_user_already_serves_in() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_two_offices").await;
    let pos_a = position(&store, "pos-a", "Council A", None).await;
    let pos_b = position(&store, "pos-b", "Council B", None).await;
    let (_, _, _, serve_a) = win(&store, u.id, draft(Some(pos_a.clone()), None)).await;
    let (_, _, _, serve_b) = win(&store, u.id, draft(Some(pos_b.clone()), None)).await;
    let _ = serve_a;
    let to_a = ProfileUpdate {
        position_id: Some(pos_a.ballotready_position_id.clone()),
        ..Default::default()
    };
    assert!(matches!(
        p.organizations.update_profile(u.id, serve_b, &to_a).await,
        Err(UpdateError::Conflict(_))
    ));
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn campaigns_are_listed_found_and_updated_by_their_owner_only() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_campaigns").await;
    let other = user(&store, "user_campaigns_other").await;
    let (old, old_org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    result(&store, u.id, old, CampaignOutcome::Withdrawn)
        .await
        .unwrap();
    let (new, _) = create_campaign(&store, u.id, custom_draft("Mayor")).await;

    let listed = p.campaigns.list_for_member(u.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|(c, _)| c.id).collect::<Vec<_>>(),
        [new, old]
    );
    let old_slug = &listed[1].1;
    let old_details = p
        .organizations
        .find_by_slug(u.id, old_slug)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old_details.organization.id, old_org);
    assert!(
        p.campaigns
            .list_for_member(other.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(p.campaigns.find(other.id, new).await.unwrap().is_none());
    assert!(
        p.campaigns
            .find(u.id, CampaignId::generate())
            .await
            .unwrap()
            .is_none()
    );

    let details = CampaignDetails {
        election_date: Some("2028-11-07".parse().unwrap()),
        primary_election_date: Some("2028-06-01".parse().unwrap()),
        ballotready_race_id: Some("race-1".into()),
        ballotready_election_id: Some("election-1".into()),
        party: Some("Independent".into()),
    };
    let (updated, _) = p
        .campaigns
        .update_details(u.id, new, &details)
        .await
        .unwrap();
    assert_eq!(updated.details, details);
    assert_eq!(
        p.campaigns
            .find(u.id, new)
            .await
            .unwrap()
            .unwrap()
            .0
            .details,
        details
    );
    assert_eq!(
        p.campaigns.update_details(other.id, new, &details).await,
        Err(UpdateError::NotFound)
    );
    assert_eq!(
        p.campaigns.update_details(u.id, old, &details).await,
        Err(UpdateError::Archived)
    );
    // The database refuses a primary after the general election even if a caller forgot to check.
    let backwards = CampaignDetails {
        primary_election_date: Some("2029-01-01".parse().unwrap()),
        ..details.clone()
    };
    assert!(matches!(
        p.campaigns.update_details(u.id, new, &backwards).await,
        Err(UpdateError::Invalid(InvalidValue {
            field: "primary_election_date",
            ..
        }))
    ));
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn offices_are_listed_found_and_updated_by_their_owner_only() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_offices").await;
    let other = user(&store, "user_offices_other").await;
    let (_, _, office, serve_org) = win(&store, u.id, custom_draft("Mayor")).await;

    let listed = p.offices.list_for_member(u.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    let serve = p
        .organizations
        .find_by_slug(u.id, &listed[0].1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(serve.organization.id, serve_org);
    assert!(
        p.offices
            .list_for_member(other.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(p.offices.find(other.id, office).await.unwrap().is_none());
    assert!(
        p.offices
            .find(u.id, ElectedOfficeId::generate())
            .await
            .unwrap()
            .is_none()
    );

    let dates = OfficeDates {
        sworn_in_date: Some("2027-01-02".parse().unwrap()),
        term_end_date: Some("2031-01-01".parse().unwrap()),
    };
    let (updated, _) = p.offices.update_dates(u.id, office, &dates).await.unwrap();
    assert_eq!(updated.dates, dates);
    assert_eq!(
        p.offices.update_dates(other.id, office, &dates).await,
        Err(UpdateError::NotFound)
    );
    let backwards = OfficeDates {
        sworn_in_date: Some("2032-01-01".parse().unwrap()),
        ..dates.clone()
    };
    assert!(matches!(
        p.offices.update_dates(u.id, office, &backwards).await,
        Err(UpdateError::Invalid(_))
    ));
    run(
        &store,
        u.id,
        None,
        LifecycleCommand::EndOffice { office_id: office },
    )
    .await
    .unwrap();
    assert_eq!(
        p.offices.update_dates(u.id, office, &dates).await,
        Err(UpdateError::Archived)
    );
    db.cleanup().await;
}

fn segment(org: OrganizationId, name: &str) -> Segment {
    let now = Utc::now();
    Segment {
        id: SegmentId::generate(),
        organization_id: org,
        name: SegmentName::new(name).unwrap(),
        criteria: SegmentCriteria {
            gender: Some(vec![Gender::Female]),
            has_landline: Some(false),
            ..Default::default()
        },
        created_at: now,
        updated_at: now,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn segments_belong_to_one_org_and_archived_orgs_are_read_only() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_segs").await;
    let other = user(&store, "user_segs_other").await;
    let (campaign, org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    let (_, others_org) = create_campaign(&store, other.id, custom_draft("Mayor")).await;

    let b = p.segments.create(&segment(org, "Seniors")).await.unwrap();
    let a = p.segments.create(&segment(org, "Adults")).await.unwrap();
    let foreign = p
        .segments
        .create(&segment(others_org, "Theirs"))
        .await
        .unwrap();
    assert_eq!(b.criteria.gender, Some(vec![Gender::Female]));
    // By name.
    assert_eq!(
        p.segments.list(org).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(p.segments.find(org, a.id).await.unwrap(), Some(a.clone()));
    // Another org's segment is not found, not updated, not deleted.
    assert_eq!(p.segments.find(org, foreign.id).await.unwrap(), None);
    let name = SegmentName::new("Renamed").unwrap();
    let criteria = SegmentCriteria {
        has_cell_phone: Some(true),
        ..Default::default()
    };
    assert_eq!(
        p.segments.update(org, foreign.id, &name, &criteria).await,
        Err(SegmentError::NotFound)
    );
    assert_eq!(
        p.segments.delete(org, foreign.id).await,
        Err(SegmentError::NotFound)
    );
    assert_eq!(
        p.segments.find(others_org, foreign.id).await.unwrap(),
        Some(foreign)
    );

    let updated = p
        .segments
        .update(org, a.id, &name, &criteria)
        .await
        .unwrap();
    assert_eq!(updated.name, name);
    assert_eq!(updated.criteria, criteria);
    assert!(updated.updated_at >= a.updated_at);
    assert_eq!(updated.created_at, a.created_at);
    p.segments.delete(org, a.id).await.unwrap();
    assert_eq!(
        p.segments.delete(org, a.id).await,
        Err(SegmentError::NotFound)
    );
    assert_eq!(p.segments.list(org).await.unwrap(), vec![b.clone()]);

    result(&store, u.id, campaign, CampaignOutcome::Withdrawn)
        .await
        .unwrap();
    assert_eq!(
        p.segments.create(&segment(org, "Late")).await,
        Err(SegmentError::Archived)
    );
    assert_eq!(
        p.segments.update(org, b.id, &name, &criteria).await,
        Err(SegmentError::Archived)
    );
    assert_eq!(
        p.segments.delete(org, b.id).await,
        Err(SegmentError::Archived)
    );
    // Still readable.
    assert_eq!(p.segments.list(org).await.unwrap(), vec![b]);
    db.cleanup().await;
}
