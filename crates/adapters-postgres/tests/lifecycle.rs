//! The lifecycle through `LifecycleStore::transact` with the domain's `decide`, and the log.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use winserve_application::{
    CampaignCreated, LifecycleStore, LifecycleStoreError, NewCampaign, NewResult, Services,
};
use winserve_domain::{
    CampaignOutcome, CampaignStatus, CreateCampaign, LifecycleCommand, LifecycleError,
    LifecycleEventKind, Mode, OfficeStatus, Outcome, PartyGroup, RecordResult, Segment,
    SegmentCriteria, SegmentId, SegmentName,
};

fn kinds(events: &[(winserve_domain::LifecycleEvent, winserve_domain::Slug)]) -> Vec<&'static str> {
    events.iter().map(|(e, _)| e.kind.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_launch_win_creates_the_office_and_serve_org_and_archives_the_campaign_org() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_win").await;
    let ward = district(&store, "WY", "City_Ward", "CHEYENNE CITY WARD 1").await;
    let other = district(&store, "WY", "County", "LARAMIE").await;
    let council = position(
        &store,
        "pos-council-1",
        "City Council - Ward 1",
        Some(&ward),
    )
    .await;

    let (campaign, campaign_org) = create_campaign(
        &store,
        u.id,
        draft(Some(council.clone()), Some(other.clone())),
    )
    .await;
    let (c, slug, role) = p.campaigns.find(u.id, campaign).await.unwrap().unwrap();
    assert_eq!(c.status, CampaignStatus::Draft);
    assert!(slug.as_str().starts_with("campaign-2026-"));
    assert_eq!(
        role,
        winserve_domain::Role::Owner,
        "the lifecycle makes its user the owner"
    );

    launch(&store, u.id, campaign).await;
    let (office, serve_org) = result(&store, u.id, campaign, CampaignOutcome::Won)
        .await
        .unwrap();
    let office = office.unwrap();

    let (c, _, _) = p.campaigns.find(u.id, campaign).await.unwrap().unwrap();
    assert_eq!(c.status, CampaignStatus::Won);
    assert!(c.launched_at.is_some() && c.closed_at.is_some());

    let (o, office_slug, _) = p.offices.find(u.id, office).await.unwrap().unwrap();
    assert_eq!(o.status, OfficeStatus::Active);
    assert_eq!(o.organization_id, serve_org);

    let orgs = p.organizations.list_for_member(u.id).await.unwrap();
    assert_eq!(orgs.len(), 2);
    // Open first: the new Serve org, then the archived campaign org.
    let serve = &orgs[0];
    assert_eq!(serve.organization.id, serve_org);
    assert_eq!(serve.organization.mode, Mode::Serve);
    assert_eq!(serve.organization.slug, office_slug);
    assert!(!serve.organization.is_archived());
    assert_eq!(serve.elected_office.as_ref().map(|o| o.id), Some(office));
    assert!(serve.campaign.is_none());
    // Position, natural district and override are copied.
    assert_eq!(serve.organization.position, Some(council.clone()));
    assert_eq!(
        serve.organization.position.as_ref().unwrap().district,
        Some(ward.clone())
    );
    assert_eq!(serve.organization.override_district, Some(other.clone()));
    let win = &orgs[1];
    assert_eq!(win.organization.id, campaign_org);
    assert!(win.organization.is_archived());
    assert_eq!(win.campaign.as_ref().map(|c| c.id), Some(campaign));

    let history = store.history(u.id).await.unwrap();
    assert_eq!(
        kinds(&history),
        [
            "campaign_created",
            "campaign_launched",
            "campaign_won",
            "office_started"
        ]
    );
    let won = &history[2].0;
    assert_eq!(
        (won.campaign_id, won.elected_office_id),
        (Some(campaign), Some(office))
    );
    assert_eq!(history[2].1, win.organization.slug);
    assert_eq!(history[3].1, serve.organization.slug);

    // The same result again changes nothing and reports the same office.
    let (again, org) = result(&store, u.id, campaign, CampaignOutcome::Won)
        .await
        .unwrap();
    assert_eq!((again, org), (Some(office), serve_org));
    assert_eq!(store.history(u.id).await.unwrap().len(), 4);
    // A different result is refused.
    assert_eq!(
        result(&store, u.id, campaign, CampaignOutcome::Lost)
            .await
            .unwrap_err(),
        LifecycleStoreError::Rejected(LifecycleError::ResultAlreadyRecorded("won"))
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn re_election_ends_the_previous_office_in_the_same_transaction() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_reelect").await;
    let ward = district(&store, "WY", "City_Ward", "WARD 2").await;
    let council = position(
        &store,
        "pos-council-2",
        "City Council - Ward 2",
        Some(&ward),
    )
    .await;

    let (_, _, first_office, first_org) =
        win(&store, u.id, draft(Some(council.clone()), None)).await;
    // Running again while serving is allowed.
    let (second_campaign, _, second_office, second_org) =
        win(&store, u.id, draft(Some(council.clone()), None)).await;
    assert_ne!(first_office, second_office);

    let (first, _, _) = p.offices.find(u.id, first_office).await.unwrap().unwrap();
    assert_eq!(first.status, OfficeStatus::Ended);
    assert!(first.ended_at.is_some());
    let (second, _, _) = p.offices.find(u.id, second_office).await.unwrap().unwrap();
    assert_eq!(second.status, OfficeStatus::Active);

    let orgs = p.organizations.list_for_member(u.id).await.unwrap();
    let open: Vec<_> = orgs
        .iter()
        .filter(|o| !o.organization.is_archived())
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].organization.id, second_org);
    assert!(
        orgs.iter()
            .any(|o| o.organization.id == first_org && o.organization.is_archived())
    );

    let history = store.history(u.id).await.unwrap();
    assert_eq!(
        kinds(&history)[4..],
        [
            "campaign_created",
            "campaign_launched",
            "campaign_won",
            "office_ended",
            "office_started"
        ]
    );
    let ended = &history[7].0;
    assert_eq!(ended.kind, LifecycleEventKind::OfficeEnded);
    assert_eq!(ended.elected_office_id, Some(first_office));
    assert_eq!(history[8].0.campaign_id, Some(second_campaign));

    // Offices newest first.
    let offices = p.offices.list_for_member(u.id).await.unwrap();
    assert_eq!(
        offices.iter().map(|(o, _)| o.id).collect::<Vec<_>>(),
        [second_office, first_office]
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lost_and_withdrawn_close_the_campaign_and_archive_its_org() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_lose").await;

    let (lost, lost_org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    launch(&store, u.id, lost).await;
    let (office, org) = result(&store, u.id, lost, CampaignOutcome::Lost)
        .await
        .unwrap();
    assert_eq!((office, org), (None, lost_org));

    // A draft can be withdrawn; a draft cannot be won.
    let (draft_campaign, draft_org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    assert!(matches!(
        result(&store, u.id, draft_campaign, CampaignOutcome::Won).await,
        Err(LifecycleStoreError::Rejected(
            LifecycleError::InvalidTransition { .. }
        ))
    ));
    let (office, org) = result(&store, u.id, draft_campaign, CampaignOutcome::Withdrawn)
        .await
        .unwrap();
    assert_eq!((office, org), (None, draft_org));

    let campaigns = p.campaigns.list_for_member(u.id).await.unwrap();
    assert_eq!(
        campaigns
            .iter()
            .map(|(c, _)| (c.id, c.status))
            .collect::<Vec<_>>(),
        [
            (draft_campaign, CampaignStatus::Withdrawn),
            (lost, CampaignStatus::Lost)
        ]
    );
    let orgs = p.organizations.list_for_member(u.id).await.unwrap();
    assert!(orgs.iter().all(|o| o.organization.is_archived()));
    assert!(p.offices.list_for_member(u.id).await.unwrap().is_empty());
    assert_eq!(
        kinds(&store.history(u.id).await.unwrap()),
        [
            "campaign_created",
            "campaign_launched",
            "campaign_lost",
            "campaign_created",
            "campaign_withdrawn"
        ]
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ending_an_office_archives_its_org_and_is_idempotent() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_end").await;
    let (_, _, office, serve_org) = win(&store, u.id, custom_draft("Sheriff")).await;
    let t = run(
        &store,
        u.id,
        None,
        LifecycleCommand::EndOffice { office_id: office },
    )
    .await
    .unwrap();
    assert_eq!(
        t.outcome,
        Outcome::Office {
            elected_office_id: office
        }
    );
    let (o, _, _) = p.offices.find(u.id, office).await.unwrap().unwrap();
    assert_eq!(o.status, OfficeStatus::Ended);
    let orgs = p.organizations.list_for_member(u.id).await.unwrap();
    assert!(
        orgs.iter()
            .any(|d| d.organization.id == serve_org && d.organization.is_archived())
    );
    // Again: nothing changes.
    let t = run(
        &store,
        u.id,
        None,
        LifecycleCommand::EndOffice { office_id: office },
    )
    .await
    .unwrap();
    assert!(t.changes.is_empty());
    assert_eq!(
        kinds(&store.history(u.id).await.unwrap()).last(),
        Some(&"office_ended")
    );
    assert_eq!(store.history(u.id).await.unwrap().len(), 5);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refusals_write_nothing_and_other_users_records_are_not_found() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let a = user(&store, "user_a").await;
    let b = user(&store, "user_b").await;
    let (campaign, _) = create_campaign(&store, a.id, custom_draft("Mayor")).await;

    // A second open campaign is refused, with the open one's id.
    let err = run(
        &store,
        a.id,
        None,
        LifecycleCommand::CreateCampaign(CreateCampaign {
            organization: custom_draft("Clerk"),
            details: Default::default(),
            carry: None,
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        LifecycleStoreError::Rejected(LifecycleError::OpenCampaignExists(campaign))
    );
    assert_eq!(
        p.organizations.list_for_member(a.id).await.unwrap().len(),
        1
    );

    // Launch without an office is refused.
    let c = user(&store, "user_c").await;
    let (bare, _) = create_campaign(&store, c.id, draft(None, None)).await;
    assert_eq!(
        run(
            &store,
            c.id,
            None,
            LifecycleCommand::Launch { campaign_id: bare }
        )
        .await
        .unwrap_err(),
        LifecycleStoreError::Rejected(LifecycleError::OfficeNotSet)
    );

    // B cannot act on A's campaign: it does not exist for B.
    assert_eq!(
        run(
            &store,
            b.id,
            None,
            LifecycleCommand::Launch {
                campaign_id: campaign
            }
        )
        .await
        .unwrap_err(),
        LifecycleStoreError::Rejected(LifecycleError::CampaignNotFound)
    );
    assert!(p.campaigns.find(b.id, campaign).await.unwrap().is_none());
    assert!(store.history(b.id).await.unwrap().is_empty());
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_win_copies_segments_without_party_criteria() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_segments").await;
    let (campaign, campaign_org) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    let now = chrono::Utc::now();
    let with_party = Segment {
        id: SegmentId::generate(),
        organization_id: campaign_org,
        name: SegmentName::new("Base").unwrap(),
        criteria: SegmentCriteria {
            party: Some(vec![PartyGroup::Democratic]),
            has_cell_phone: Some(true),
            ..Default::default()
        },
        created_at: now,
        updated_at: now,
    };
    let with_party = p.segments.create(&with_party).await.unwrap();
    launch(&store, u.id, campaign).await;
    let t = run(
        &store,
        u.id,
        Some(campaign_org),
        LifecycleCommand::RecordResult(RecordResult {
            campaign_id: campaign,
            outcome: CampaignOutcome::Won,
            sworn_in_date: Some("2027-01-01".parse().unwrap()),
            copy_segments: true,
            carry_members: vec![],
        }),
    )
    .await
    .unwrap();
    let Outcome::Result {
        organization_id,
        removed_party_criteria,
        elected_office_id,
        ..
    } = t.outcome
    else {
        panic!("unexpected outcome");
    };
    assert_eq!(removed_party_criteria.len(), 1);
    assert_eq!(
        removed_party_criteria[0].party,
        vec![PartyGroup::Democratic]
    );
    let copied = p.segments.list(organization_id).await.unwrap();
    assert_eq!(copied.len(), 1);
    assert_eq!(copied[0].name.as_str(), "Base");
    assert_eq!(copied[0].criteria.party, None);
    assert_eq!(copied[0].criteria.has_cell_phone, Some(true));
    assert_ne!(copied[0].id, with_party.id);
    // The campaign org keeps its own segment, untouched.
    assert_eq!(
        p.segments.list(campaign_org).await.unwrap(),
        vec![with_party]
    );
    let (office, _, _) = p
        .offices
        .find(u.id, elected_office_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        office.dates.sworn_in_date,
        Some("2027-01-01".parse().unwrap())
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_make_exactly_one_campaign() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_race_create").await;
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                run(
                    &store,
                    u.id,
                    None,
                    LifecycleCommand::CreateCampaign(CreateCampaign {
                        organization: custom_draft(&format!("Office {i}")),
                        details: Default::default(),
                        carry: None,
                    }),
                )
                .await
            })
        })
        .collect();
    let mut created = Vec::new();
    let mut refused = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(t) => created.push(t),
            Err(LifecycleStoreError::Rejected(LifecycleError::OpenCampaignExists(id))) => {
                refused.push(id)
            }
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
    assert_eq!(created.len(), 1);
    assert_eq!(refused.len(), 5);
    let campaigns = p.campaigns.list_for_member(u.id).await.unwrap();
    assert_eq!(campaigns.len(), 1);
    assert!(refused.iter().all(|id| *id == campaigns[0].0.id));
    assert_eq!(
        p.organizations.list_for_member(u.id).await.unwrap().len(),
        1
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wins_make_exactly_one_office() {
    let (db, store) = setup().await;
    let p = store.clone().ports();
    let u = user(&store, "user_race_win").await;
    let (campaign, _) = create_campaign(&store, u.id, custom_draft("Mayor")).await;
    launch(&store, u.id, campaign).await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { result(&store, u.id, campaign, CampaignOutcome::Won).await })
        })
        .collect();
    let mut offices = Vec::new();
    for t in tasks {
        let (office, _) = t.await.unwrap().unwrap();
        offices.push(office.unwrap());
    }
    offices.dedup();
    assert_eq!(offices.len(), 1, "all eight calls report the same office");
    assert_eq!(p.offices.list_for_member(u.id).await.unwrap().len(), 1);
    let won = store
        .history(u.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|(e, _)| e.kind == LifecycleEventKind::CampaignWon)
        .count();
    assert_eq!(won, 1);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_application_services_work_end_to_end_on_postgres() {
    let (db, store) = setup().await;
    let u = user(&store, "user_app").await;
    let ward = district(&store, "WY", "City_Ward", "WARD 9").await;
    let council = position(
        &store,
        "pos-council-9",
        "City Council - Ward 9",
        Some(&ward),
    )
    .await;
    let app = Services::new(store.clone().ports());

    let CampaignCreated {
        campaign,
        organization: org,
        ..
    } = app
        .campaigns
        .create(
            u.id,
            NewCampaign {
                position_id: Some(council.ballotready_position_id.clone()),
                // Equal to the position's district: stored as no override.
                override_district_id: Some(ward.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(org.organization.override_district, None);
    assert_eq!(org.campaign.as_ref().map(|c| c.id), Some(campaign.id));
    app.campaigns.launch(u.id, campaign.id).await.unwrap();
    let won = app
        .campaigns
        .record_result(
            u.id,
            campaign.id,
            NewResult {
                outcome: CampaignOutcome::Won,
                sworn_in_date: None,
                copy_segments: false,
                carry_members: vec![],
            },
        )
        .await
        .unwrap();
    let (office, slug) = won.elected_office.unwrap();
    assert_eq!(won.organization.organization.slug, slug);

    // Run again from the office: position copied.
    let CampaignCreated {
        campaign: next,
        organization: next_org,
        ..
    } = app
        .campaigns
        .create(
            u.id,
            NewCampaign {
                from_elected_office_id: Some(office.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(next.status, CampaignStatus::Draft);
    assert_eq!(next_org.organization.position, Some(council));
    let (ended, _) = app.offices.end(u.id, office.id).await.unwrap();
    assert_eq!(ended.status, OfficeStatus::Ended);
    db.cleanup().await;
}
