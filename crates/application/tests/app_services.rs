//! Unit tests of the application services ([`Services`]) over the mockall mocks of the ports. A mock with
//! no expectation panics when called, so "never calls X" is checked by leaving X's mock bare (or with an
//! explicit `.never()`).

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use chrono::{NaiveDate, Utc};
use common::{
    Mocks, br, custom, district, org_details, organization, owner, position, stored_campaign,
    stored_office,
};
use mockall::predicate::eq;
use std::sync::{Arc, Mutex};
use uuid::Uuid;
use winserve_application::{
    CampaignCreated, CampaignPatch, CreateCampaignError, LaunchCampaignError, LifecycleStoreError,
    NewCampaign, NewResult, OfficePatch, OrganizationDetails, OrganizationPatch, Patch,
    ProfileUpdate, RecordResultError, StoreError, UpdateCampaignError, UpdateError,
    UpdateOfficeError, UpdateOrganizationError,
};
use winserve_domain::{
    Campaign, CampaignDetails, CampaignId, CampaignOutcome, CampaignStatus, Change,
    ClerkOrganizationId, CreateCampaign, District, DistrictId, ElectedOffice, ElectedOfficeId,
    InvalidValue, LifecycleCommand, LifecycleError, Mode, OfficeDates, OfficeStatus, Organization,
    OrganizationDraft, OrganizationId, Outcome, PartyGroup, Position, RecordResult, Role, Segment,
    SegmentCriteria, SegmentId, SegmentName, Transition, UserLifecycle, decide,
};

// ---------------------------------------------------------------------------------------------------------
// Lifecycle snapshots and the mocked transaction boundary
// ---------------------------------------------------------------------------------------------------------

/// Runs `cmd` on `state` with the domain, as a storage adapter would, and applies it.
fn step(state: &mut UserLifecycle, cmd: LifecycleCommand) -> Transition {
    let t = decide(state, &cmd, Utc::now(), &mut Uuid::now_v7).unwrap();
    state.apply(&t.changes);
    t
}

fn create(draft: OrganizationDraft) -> LifecycleCommand {
    LifecycleCommand::CreateCampaign(CreateCampaign {
        organization: draft,
        details: CampaignDetails::default(),
        carry: None,
    })
}

/// A user with one campaign in `status` (draft or active) whose organization runs for `draft`.
fn snapshot_with_campaign(draft: OrganizationDraft, launched: bool) -> (UserLifecycle, CampaignId) {
    let mut state = UserLifecycle::new(owner());
    let Outcome::Campaign { campaign_id, .. } = step(&mut state, create(draft)).outcome else {
        panic!("create did not report a campaign");
    };
    if launched {
        step(&mut state, LifecycleCommand::Launch { campaign_id });
    }
    (state, campaign_id)
}

/// The transition a mocked `transact_*` produced (as the untyped [`Transition`]), shared with later read
/// mocks.
type Slot = Arc<Mutex<Option<Transition>>>;

/// `transact_campaign` runs the decision it is given on `snapshot`, as the real store does, and records
/// the result in the returned slot.
fn transact_campaign_on(m: &mut Mocks, snapshot: UserLifecycle) -> Slot {
    let slot: Slot = Arc::default();
    let out = slot.clone();
    m.lifecycle
        .expect_transact_campaign()
        .withf(|user, _| *user == owner())
        .times(1)
        .returning(move |_, decision| {
            let t = decision(&snapshot)?;
            *out.lock().unwrap() = Some(t.clone().into_untyped());
            Ok(t)
        });
    slot
}

/// `transact_result` (loading the segments of `segments_of`) runs the decision it is given on
/// `snapshot` and records the result in the returned slot.
fn transact_result_on(
    m: &mut Mocks,
    snapshot: UserLifecycle,
    segments_of: Option<OrganizationId>,
) -> Slot {
    let slot: Slot = Arc::default();
    let out = slot.clone();
    m.lifecycle
        .expect_transact_result()
        .withf(move |user, segs, _| *user == owner() && *segs == segments_of)
        .times(1)
        .returning(move |_, _, decision| {
            let t = decision(&snapshot)?;
            *out.lock().unwrap() = Some(t.clone().into_untyped());
            Ok(t)
        });
    slot
}

/// `transact_office` runs the decision it is given on `snapshot` and records the result in the returned
/// slot.
fn transact_office_on(m: &mut Mocks, snapshot: UserLifecycle) -> Slot {
    let slot: Slot = Arc::default();
    let out = slot.clone();
    m.lifecycle
        .expect_transact_office()
        .withf(|user, _| *user == owner())
        .times(1)
        .returning(move |_, decision| {
            let t = decision(&snapshot)?;
            *out.lock().unwrap() = Some(t.clone().into_untyped());
            Ok(t)
        });
    slot
}

fn inserted_org(slot: &Slot) -> Organization {
    slot.lock()
        .unwrap()
        .as_ref()
        .unwrap()
        .changes
        .iter()
        .find_map(|c| match c {
            Change::InsertOrganization(o) => Some(o.clone()),
            _ => None,
        })
        .unwrap()
}

fn inserted_campaign(slot: &Slot) -> Campaign {
    slot.lock()
        .unwrap()
        .as_ref()
        .unwrap()
        .changes
        .iter()
        .find_map(|c| match c {
            Change::InsertCampaign(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap()
}

/// After a create, the reads of the new campaign and organization come from what the transaction
/// inserted.
fn read_back_created_campaign(m: &mut Mocks, slot: &Slot) {
    let s = slot.clone();
    m.campaigns
        .expect_find()
        .times(1)
        .returning(move |user, id| {
            assert_eq!(user, owner());
            let c = inserted_campaign(&s);
            assert_eq!(
                id, c.id,
                "the service reads back the campaign the transaction created"
            );
            Ok(Some((c, inserted_org(&s).slug, Role::Owner)))
        });
    let s = slot.clone();
    m.organizations
        .expect_find_by_slug()
        .withf(|user, _| *user == owner())
        .times(1)
        .returning(move |_, slug| {
            let o = inserted_org(&s);
            assert_eq!(slug, &o.slug);
            Ok(Some(org_details(o)))
        });
}

// ---------------------------------------------------------------------------------------------------------
// CampaignService::create
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_campaign_resolves_the_position_and_district_and_creates_through_the_store() {
    let mut m = Mocks::default();
    let p = position("pos1", Some(district(1)));
    let over = district(2);
    let (p2, over2) = (p.clone(), over.clone());
    m.reference
        .expect_find_position()
        .with(eq(br("pos1")))
        .times(1)
        .returning(move |_| Ok(Some(p2.clone())));
    m.reference
        .expect_find_district()
        .with(eq(over.id))
        .times(1)
        .returning(move |_| Ok(Some(over2.clone())));
    let slot = transact_campaign_on(&mut m, UserLifecycle::new(owner()));
    read_back_created_campaign(&mut m, &slot);

    let details = CampaignDetails {
        election_date: NaiveDate::from_ymd_opt(2026, 11, 3),
        ..Default::default()
    };
    let CampaignCreated {
        campaign,
        organization: org,
        ..
    } = m
        .services()
        .campaigns
        .create(
            owner(),
            NewCampaign {
                position_id: Some(br("pos1")),
                override_district_id: Some(over.id),
                custom_position_name: Some(custom("Ward 1")),
                details: details.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(campaign.status, CampaignStatus::Draft);
    assert_eq!(campaign.details, details);
    assert_eq!(org.organization.mode, Mode::Win);
    assert_eq!(org.organization.position.as_ref(), Some(&p));
    assert_eq!(org.organization.override_district.as_ref(), Some(&over));
    assert_eq!(
        org.organization.custom_position_name,
        Some(custom("Ward 1"))
    );
}

#[tokio::test]
async fn create_campaign_rejects_an_unknown_position_without_touching_the_lifecycle() {
    let mut m = Mocks::default();
    m.reference
        .expect_find_position()
        .with(eq(br("nope")))
        .times(1)
        .returning(|_| Ok(None));
    m.lifecycle.expect_transact_campaign().never();
    let err = m
        .services()
        .campaigns
        .create(
            owner(),
            NewCampaign {
                position_id: Some(br("nope")),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CreateCampaignError::Invalid(v) if v.field == "ballotready_position_id"),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_campaign_rejects_an_unknown_district_without_touching_the_lifecycle() {
    let mut m = Mocks::default();
    let unknown = DistrictId::from_uuid(Uuid::from_u128(0xBAD));
    m.reference
        .expect_find_district()
        .with(eq(unknown))
        .times(1)
        .returning(|_| Ok(None));
    m.lifecycle.expect_transact_campaign().never();
    let err = m
        .services()
        .campaigns
        .create(
            owner(),
            NewCampaign {
                custom_position_name: Some(custom("Mayor")),
                override_district_id: Some(unknown),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CreateCampaignError::Invalid(v) if v.field == "override_district_id"),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_campaign_rejects_invalid_details_before_any_port_call() {
    let mut m = Mocks::default();
    m.lifecycle.expect_transact_campaign().never();
    let err = m
        .services()
        .campaigns
        .create(
            owner(),
            NewCampaign {
                details: CampaignDetails {
                    primary_election_date: NaiveDate::from_ymd_opt(2026, 12, 1),
                    election_date: NaiveDate::from_ymd_opt(2026, 11, 3),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CreateCampaignError::Invalid(v) if v.field == "primary_election_date"),
        "{err:?}"
    );
}

/// An office whose Serve organization runs for `pos1` (natural district 1) with override district 2 and
/// the custom name "Mayor"; `offices.find` and `find_by_slug` answer for it.
fn office_to_start_from(m: &mut Mocks) -> (ElectedOfficeId, Organization) {
    let office_org = organization(
        Mode::Serve,
        Some(position("pos1", Some(district(1)))),
        Some(district(2)),
        Some(custom("Mayor")),
    );
    let office = ElectedOffice {
        id: ElectedOfficeId::from_uuid(Uuid::from_u128(0x0FF1CE)),
        organization_id: office_org.id,
        owner_id: owner(),
        status: OfficeStatus::Active,
        dates: OfficeDates::default(),
        ended_at: None,
        created_at: office_org.created_at,
        updated_at: office_org.created_at,
    };
    let (office_id, slug) = (office.id, office_org.slug.clone());
    m.offices
        .expect_find()
        .with(eq(owner()), eq(office_id))
        .times(1)
        .returning(move |_, _| Ok(Some((office.clone(), slug.clone(), Role::Owner))));
    let details = org_details(office_org.clone());
    m.organizations
        .expect_find_by_slug()
        .withf({
            let slug = office_org.slug.clone();
            move |user, s| *user == owner() && *s == slug
        })
        .times(1)
        .returning(move |_, _| Ok(Some(details.clone())));
    (office_id, office_org)
}

#[tokio::test]
async fn create_campaign_from_an_office_copies_its_position_override_and_custom_name() {
    let mut m = Mocks::default();
    let (office_id, office_org) = office_to_start_from(&mut m);
    let p1 = office_org.position.clone().unwrap();
    let d2 = district(2);
    m.reference
        .expect_find_position()
        .with(eq(br("pos1")))
        .times(1)
        .returning(move |_| Ok(Some(p1.clone())));
    m.reference
        .expect_find_district()
        .with(eq(d2.id))
        .times(1)
        .returning(move |_| Ok(Some(d2.clone())));
    let slot = transact_campaign_on(&mut m, UserLifecycle::new(owner()));
    read_back_created_campaign(&mut m, &slot);

    let CampaignCreated {
        organization: org, ..
    } = m
        .services()
        .campaigns
        .create(
            owner(),
            NewCampaign {
                from_elected_office_id: Some(office_id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let new = org.organization;
    assert_ne!(new.id, office_org.id, "copied, never shared");
    assert_eq!(new.mode, Mode::Win);
    assert_eq!(new.position, office_org.position);
    assert_eq!(new.override_district, Some(district(2)));
    assert_eq!(new.custom_position_name, Some(custom("Mayor")));
}

#[tokio::test]
async fn create_campaign_from_an_office_lets_request_fields_take_precedence() {
    let mut m = Mocks::default();
    let (office_id, _) = office_to_start_from(&mut m);
    let p2 = position("pos2", Some(district(3)));
    let p2c = p2.clone();
    // Only the requested position is looked up, never the office's.
    m.reference
        .expect_find_position()
        .with(eq(br("pos2")))
        .times(1)
        .returning(move |_| Ok(Some(p2c.clone())));
    // A new position drops the office's override (it was chosen for the office's position).
    m.reference.expect_find_district().never();
    let slot = transact_campaign_on(&mut m, UserLifecycle::new(owner()));
    read_back_created_campaign(&mut m, &slot);

    let CampaignCreated {
        organization: org, ..
    } = m
        .services()
        .campaigns
        .create(
            owner(),
            NewCampaign {
                from_elected_office_id: Some(office_id),
                position_id: Some(br("pos2")),
                custom_position_name: Some(custom("Council")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let new = org.organization;
    assert_eq!(new.position, Some(p2));
    assert_eq!(new.custom_position_name, Some(custom("Council")));
    assert_eq!(new.override_district, None);
}

#[tokio::test]
async fn create_campaign_from_an_unknown_office_is_not_found() {
    let mut m = Mocks::default();
    m.offices.expect_find().times(1).returning(|_, _| Ok(None));
    m.lifecycle.expect_transact_campaign().never();
    let err = m
        .services()
        .campaigns
        .create(
            owner(),
            NewCampaign {
                from_elected_office_id: Some(ElectedOfficeId::from_uuid(Uuid::from_u128(1))),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateCampaignError::ElectedOfficeNotFound),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_campaign_maps_a_rejection_to_a_lifecycle_error() {
    let open = CampaignId::from_uuid(Uuid::from_u128(0xC0));
    let mut m = Mocks::default();
    m.lifecycle
        .expect_transact_campaign()
        .times(1)
        .returning(move |_, _| {
            Err(LifecycleStoreError::Rejected(
                LifecycleError::OpenCampaignExists(open),
            ))
        });
    let err = m
        .services()
        .campaigns
        .create(owner(), NewCampaign::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CreateCampaignError::Refused(LifecycleError::OpenCampaignExists(id)) if id == open
        ),
        "{err:?}"
    );

    let mut m = Mocks::default();
    m.lifecycle
        .expect_transact_campaign()
        .times(1)
        .returning(|_, _| Err(LifecycleStoreError::Store(StoreError::unavailable("down"))));
    let err = m
        .services()
        .campaigns
        .create(owner(), NewCampaign::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CreateCampaignError::Store(e) if *e == StoreError::unavailable("down")),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_campaign_decision_is_refused_by_the_domain_while_a_campaign_is_open() {
    // The decision the service hands to the store is the domain's create: run on a snapshot with an
    // open campaign, it refuses, and the refusal reaches the caller.
    let (snapshot, open) = snapshot_with_campaign(OrganizationDraft::default(), false);
    let mut m = Mocks::default();
    transact_campaign_on(&mut m, snapshot);
    let err = m
        .services()
        .campaigns
        .create(owner(), NewCampaign::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CreateCampaignError::Refused(LifecycleError::OpenCampaignExists(id)) if id == open
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// CampaignService::launch, OfficeService::end
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn launch_campaign_hands_the_store_a_launch_of_that_campaign() {
    let draft = OrganizationDraft {
        custom_position_name: Some(custom("Dogcatcher")),
        ..Default::default()
    };
    let (snapshot, id) = snapshot_with_campaign(draft, false);
    let mut m = Mocks::default();
    let slot = transact_campaign_on(&mut m, snapshot.clone());
    let record = snapshot.campaign(id).unwrap().clone();
    let s = slot.clone();
    // Once before the transaction (the caller's role), once after it (the launched campaign).
    m.campaigns
        .expect_find()
        .with(eq(owner()), eq(id))
        .times(2)
        .returning(move |_, _| {
            let slug = record.organization.slug.clone();
            let Some(t) = s.lock().unwrap().clone() else {
                return Ok(Some((record.campaign.clone(), slug, Role::Owner)));
            };
            let Some(Change::UpdateCampaign(c)) = t.changes.first() else {
                panic!("launch must update the campaign: {:?}", t.changes);
            };
            Ok(Some((c.clone(), slug, Role::Owner)))
        });
    let org = snapshot.campaign(id).unwrap().organization.clone();
    m.organizations
        .expect_find_by_slug()
        .times(1)
        .returning(move |_, _| Ok(Some(org_details(org.clone()))));

    let (campaign, _) = m.services().campaigns.launch(owner(), id).await.unwrap();
    assert_eq!(campaign.id, id);
    assert_eq!(campaign.status, CampaignStatus::Active);
    assert!(campaign.launched_at.is_some());
}

#[tokio::test]
async fn launch_campaign_without_an_office_is_refused_by_the_decision() {
    let (snapshot, id) = snapshot_with_campaign(OrganizationDraft::default(), false);
    let mut m = Mocks::default();
    let record = snapshot.campaign(id).unwrap().clone();
    m.campaigns.expect_find().times(1).returning(move |_, _| {
        let slug = record.organization.slug.clone();
        Ok(Some((record.campaign.clone(), slug, Role::Owner)))
    });
    transact_campaign_on(&mut m, snapshot);
    let err = m
        .services()
        .campaigns
        .launch(owner(), id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LaunchCampaignError::Refused(LifecycleError::OfficeNotSet)
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn end_office_hands_the_store_an_end_of_that_office() {
    let draft = OrganizationDraft {
        position: Some(position("pos1", None)),
        ..Default::default()
    };
    let (mut snapshot, campaign) = snapshot_with_campaign(draft, true);
    let won = step(
        &mut snapshot,
        LifecycleCommand::RecordResult(RecordResult {
            campaign_id: campaign,
            outcome: CampaignOutcome::Won,
            sworn_in_date: None,
            copy_segments: false,
            carry_members: vec![],
        }),
    );
    let Outcome::Result {
        elected_office_id: Some(office_id),
        ..
    } = won.outcome
    else {
        panic!("no office");
    };
    let mut m = Mocks::default();
    let slot = transact_office_on(&mut m, snapshot.clone());
    let slug = snapshot
        .office(office_id)
        .unwrap()
        .organization
        .slug
        .clone();
    let s = slot.clone();
    let before = snapshot.office(office_id).unwrap().office.clone();
    // Once before the transaction (the caller's role), once after it (the ended office).
    m.offices
        .expect_find()
        .with(eq(owner()), eq(office_id))
        .times(2)
        .returning(move |_, _| {
            let Some(t) = s.lock().unwrap().clone() else {
                return Ok(Some((before.clone(), slug.clone(), Role::Owner)));
            };
            let Some(Change::UpdateOffice(o)) = t.changes.first() else {
                panic!("end must update the office: {:?}", t.changes);
            };
            Ok(Some((o.clone(), slug.clone(), Role::Owner)))
        });
    let (office, _) = m.services().offices.end(owner(), office_id).await.unwrap();
    assert_eq!(office.id, office_id);
    assert_eq!(office.status, OfficeStatus::Ended);
}

// ---------------------------------------------------------------------------------------------------------
// CampaignService::record_result
// ---------------------------------------------------------------------------------------------------------

fn segment(org: OrganizationId, name: &str, party: Option<Vec<PartyGroup>>) -> Segment {
    Segment {
        id: SegmentId::generate(),
        organization_id: org,
        name: SegmentName::new(name).unwrap(),
        criteria: SegmentCriteria {
            party,
            has_cell_phone: Some(true),
            ..Default::default()
        },
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

/// A win, with the sworn-in date and whether to copy the segments.
fn won(sworn_in_date: Option<NaiveDate>, copy_segments: bool) -> NewResult {
    NewResult {
        outcome: CampaignOutcome::Won,
        sworn_in_date,
        copy_segments,
        carry_members: vec![],
    }
}

/// `campaigns.find` answers with the snapshot's campaign before the transaction and with the closed one
/// after it.
fn campaign_reads(
    m: &mut Mocks,
    snapshot: &UserLifecycle,
    id: CampaignId,
    slot: &Slot,
    times: usize,
) {
    let record = snapshot.campaign(id).unwrap().clone();
    let s = slot.clone();
    m.campaigns
        .expect_find()
        .with(eq(owner()), eq(id))
        .times(times)
        .returning(move |_, _| {
            let updated = s.lock().unwrap().as_ref().and_then(|t| {
                t.changes.iter().find_map(|c| match c {
                    Change::UpdateCampaign(c) => Some(c.clone()),
                    _ => None,
                })
            });
            let campaign = updated.unwrap_or_else(|| record.campaign.clone());
            Ok(Some((
                campaign,
                record.organization.slug.clone(),
                Role::Owner,
            )))
        });
}

#[tokio::test]
async fn record_result_with_copy_segments_loads_the_campaign_orgs_segments_and_reports_removals() {
    let draft = OrganizationDraft {
        position: Some(position("pos1", Some(district(1)))),
        ..Default::default()
    };
    let (mut snapshot, id) = snapshot_with_campaign(draft, true);
    let win_org = snapshot.campaign(id).unwrap().organization.id;
    snapshot.segments = vec![
        segment(win_org, "Base", Some(vec![PartyGroup::Independent])),
        segment(win_org, "Cells", None),
    ];
    let mut m = Mocks::default();
    let slot = transact_result_on(&mut m, snapshot.clone(), Some(win_org));
    campaign_reads(&mut m, &snapshot, id, &slot, 2);
    let s = slot.clone();
    m.offices
        .expect_find()
        .times(1)
        .returning(move |user, office_id| {
            assert_eq!(user, owner());
            let t = s.lock().unwrap().clone().unwrap();
            let office = t
                .changes
                .iter()
                .find_map(|c| match c {
                    Change::InsertOffice(o) => Some(o.clone()),
                    _ => None,
                })
                .unwrap();
            assert_eq!(office.id, office_id);
            Ok(Some((office, inserted_org(&s).slug, Role::Owner)))
        });
    let s = slot.clone();
    m.organizations
        .expect_find_by_slug()
        .times(1)
        .returning(move |_, slug| {
            let serve = inserted_org(&s);
            assert_eq!(slug, &serve.slug, "a win reports the new Serve org");
            Ok(Some(org_details(serve)))
        });

    let r = m
        .services()
        .campaigns
        .record_result(owner(), id, won(None, true))
        .await
        .unwrap();
    assert_eq!(r.campaign.0.status, CampaignStatus::Won);
    let (office, _) = r.elected_office.unwrap();
    assert_eq!(office.status, OfficeStatus::Active);
    assert_eq!(r.organization.organization.mode, Mode::Serve);
    assert_eq!(r.organization.organization.id, office.organization_id);
    assert_eq!(r.removed_party_criteria.len(), 1);
    assert_eq!(r.removed_party_criteria[0].name, "Base");
    assert_eq!(
        r.removed_party_criteria[0].party,
        vec![PartyGroup::Independent]
    );
    let copied = slot
        .lock()
        .unwrap()
        .as_ref()
        .unwrap()
        .changes
        .iter()
        .filter(|c| matches!(c, Change::InsertSegment(_)))
        .count();
    assert_eq!(copied, 2);
}

#[tokio::test]
async fn record_result_without_copy_segments_loads_no_segments() {
    let draft = OrganizationDraft {
        position: Some(position("pos1", None)),
        ..Default::default()
    };
    let (snapshot, id) = snapshot_with_campaign(draft, true);
    let campaign_org = snapshot.campaign(id).unwrap().organization.clone();
    let mut m = Mocks::default();
    // segments_of must be None.
    let slot = transact_result_on(&mut m, snapshot.clone(), None);
    campaign_reads(&mut m, &snapshot, id, &slot, 2);
    let org = campaign_org.clone();
    m.organizations
        .expect_find_by_slug()
        .times(1)
        .returning(move |_, slug| {
            assert_eq!(slug, &org.slug, "a loss reports the campaign's org");
            Ok(Some(org_details(org.clone())))
        });

    let r = m
        .services()
        .campaigns
        .record_result(
            owner(),
            id,
            NewResult {
                outcome: CampaignOutcome::Lost,
                sworn_in_date: None,
                copy_segments: false,
                carry_members: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(r.campaign.0.status, CampaignStatus::Lost);
    assert_eq!(r.elected_office, None);
    assert_eq!(r.organization.organization.id, campaign_org.id);
    assert!(r.removed_party_criteria.is_empty());
}

#[tokio::test]
async fn record_result_passes_the_sworn_in_date_to_the_decision() {
    let draft = OrganizationDraft {
        position: Some(position("pos1", None)),
        ..Default::default()
    };
    let (snapshot, id) = snapshot_with_campaign(draft, true);
    let mut m = Mocks::default();
    let slot = transact_result_on(&mut m, snapshot.clone(), None);
    campaign_reads(&mut m, &snapshot, id, &slot, 2);
    let s = slot.clone();
    m.offices.expect_find().times(1).returning(move |_, _| {
        let t = s.lock().unwrap().clone().unwrap();
        let office = t
            .changes
            .iter()
            .find_map(|c| match c {
                Change::InsertOffice(o) => Some(o.clone()),
                _ => None,
            })
            .unwrap();
        Ok(Some((office, inserted_org(&s).slug, Role::Owner)))
    });
    let s = slot.clone();
    m.organizations
        .expect_find_by_slug()
        .times(1)
        .returning(move |_, _| Ok(Some(org_details(inserted_org(&s)))));
    let sworn = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
    let r = m
        .services()
        .campaigns
        .record_result(owner(), id, won(Some(sworn), false))
        .await
        .unwrap();
    assert_eq!(r.elected_office.unwrap().0.dates.sworn_in_date, Some(sworn));
}

#[tokio::test]
async fn record_result_for_an_unknown_campaign_is_not_found_without_a_transaction() {
    let mut m = Mocks::default();
    m.campaigns
        .expect_find()
        .times(1)
        .returning(|_, _| Ok(None));
    m.lifecycle.expect_transact_result().never();
    let err = m
        .services()
        .campaigns
        .record_result(
            owner(),
            CampaignId::from_uuid(Uuid::from_u128(5)),
            won(None, true),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, RecordResultError::CampaignNotFound),
        "{err:?}"
    );
}

#[tokio::test]
async fn record_result_maps_a_rejected_decision_to_a_lifecycle_error() {
    // A draft cannot be won: the decision refuses and nothing else is read.
    let (snapshot, id) = snapshot_with_campaign(OrganizationDraft::default(), false);
    let mut m = Mocks::default();
    let slot = transact_result_on(&mut m, snapshot.clone(), None);
    campaign_reads(&mut m, &snapshot, id, &slot, 1);
    let err = m
        .services()
        .campaigns
        .record_result(owner(), id, won(None, false))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RecordResultError::Refused(LifecycleError::InvalidTransition {
                status: "draft",
                ..
            })
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// OrganizationService::update
// ---------------------------------------------------------------------------------------------------------

/// A Win org running for `pos1` (natural district 1) with override district 2, a custom name and a Clerk
/// id.
fn current_org() -> OrganizationDetails {
    let mut o = organization(
        Mode::Win,
        Some(position("pos1", Some(district(1)))),
        Some(district(2)),
        Some(custom("Ward 1")),
    );
    o.clerk_organization_id = Some(ClerkOrganizationId::new("org_1").unwrap());
    org_details(o)
}

fn positions_known(m: &mut Mocks, known: Vec<Position>) {
    m.reference.expect_find_position().returning(move |id| {
        Ok(known
            .iter()
            .find(|p| &p.ballotready_position_id == id)
            .cloned())
    });
}

fn districts_known(m: &mut Mocks, known: Vec<District>) {
    m.reference
        .expect_find_district()
        .returning(move |id| Ok(known.iter().find(|d| d.id == id).cloned()));
}

/// `update_profile` expects exactly `expected` for the current org and answers with the current org.
fn expect_profile(m: &mut Mocks, current: &OrganizationDetails, expected: ProfileUpdate) {
    let answer = current.clone();
    let id = current.organization.id;
    m.organizations
        .expect_update_profile()
        .times(1)
        .returning(move |user, org, profile| {
            assert_eq!(user, owner());
            assert_eq!(org, id);
            assert_eq!(profile, &expected);
            Ok(answer.clone())
        });
}

/// The service finds `current` by its slug (once), then applies `patch` to it.
async fn update(
    mut m: Mocks,
    current: &OrganizationDetails,
    patch: OrganizationPatch,
) -> Result<OrganizationDetails, UpdateOrganizationError> {
    let answer = current.clone();
    let slug = current.organization.slug.clone();
    // The caller's token makes them an admin of whatever Clerk organization the patch links.
    let admin_of = match &patch.clerk_organization_id {
        Patch::Set(id) => ClerkOrganizationId::new(id).ok(),
        _ => None,
    };
    m.organizations
        .expect_find_by_slug()
        .withf(move |user, s| *user == owner() && *s == slug)
        .times(1)
        .returning(move |_, _| Ok(Some(answer.clone())));
    m.services()
        .organizations
        .update(
            owner(),
            current.organization.slug.as_str(),
            patch,
            admin_of.as_ref(),
        )
        .await
}

#[tokio::test]
async fn update_organization_keep_everywhere_stores_the_current_profile() {
    let current = current_org();
    let mut m = Mocks::default();
    positions_known(&mut m, vec![position("pos1", Some(district(1)))]);
    m.reference.expect_find_district().never();
    expect_profile(
        &mut m,
        &current,
        ProfileUpdate {
            position_id: Some(br("pos1")),
            override_district_id: Some(district(2).id),
            custom_position_name: Some(custom("Ward 1")),
            clerk_organization_id: Some(ClerkOrganizationId::new("org_1").unwrap()),
        },
    );
    update(m, &current, OrganizationPatch::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn update_organization_clear_and_set_apply_field_by_field() {
    let current = current_org();
    let mut m = Mocks::default();
    // The position is cleared: nothing to look up.
    m.reference.expect_find_position().never();
    m.reference.expect_find_district().never();
    expect_profile(
        &mut m,
        &current,
        ProfileUpdate {
            position_id: None,
            override_district_id: None,
            custom_position_name: Some(custom("Dogcatcher")),
            clerk_organization_id: Some(ClerkOrganizationId::new("org_2").unwrap()),
        },
    );
    update(
        m,
        &current,
        OrganizationPatch {
            position_id: Patch::Clear,
            override_district_id: Patch::Clear,
            custom_position_name: Patch::Set("Dogcatcher".into()),
            clerk_organization_id: Patch::Set("org_2".into()),
        },
    )
    .await
    .unwrap();

    let mut m = Mocks::default();
    positions_known(&mut m, vec![position("pos1", Some(district(1)))]);
    expect_profile(
        &mut m,
        &current,
        ProfileUpdate {
            position_id: Some(br("pos1")),
            override_district_id: Some(district(2).id),
            custom_position_name: None,
            clerk_organization_id: None,
        },
    );
    update(
        m,
        &current,
        OrganizationPatch {
            custom_position_name: Patch::Clear,
            clerk_organization_id: Patch::Clear,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn update_organization_sets_a_known_override_district() {
    let current = current_org();
    let mut m = Mocks::default();
    positions_known(&mut m, vec![position("pos1", Some(district(1)))]);
    districts_known(&mut m, vec![district(1), district(2), district(5)]);
    expect_profile(
        &mut m,
        &current,
        ProfileUpdate {
            position_id: Some(br("pos1")),
            override_district_id: Some(district(5).id),
            custom_position_name: Some(custom("Ward 1")),
            clerk_organization_id: Some(ClerkOrganizationId::new("org_1").unwrap()),
        },
    );
    update(
        m,
        &current,
        OrganizationPatch {
            override_district_id: Patch::Set(district(5).id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn update_organization_drops_an_override_equal_to_the_positions_district() {
    let current = current_org();
    let mut m = Mocks::default();
    positions_known(&mut m, vec![position("pos1", Some(district(1)))]);
    districts_known(&mut m, vec![district(1), district(2)]);
    expect_profile(
        &mut m,
        &current,
        ProfileUpdate {
            position_id: Some(br("pos1")),
            override_district_id: None,
            custom_position_name: Some(custom("Ward 1")),
            clerk_organization_id: Some(ClerkOrganizationId::new("org_1").unwrap()),
        },
    );
    update(
        m,
        &current,
        OrganizationPatch {
            override_district_id: Patch::Set(district(1).id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn update_organization_drops_an_override_equal_to_a_newly_set_positions_district() {
    // Both set in one patch: the new position's district is district 3, the override too.
    let current = current_org();
    let mut m = Mocks::default();
    positions_known(&mut m, vec![position("pos3", Some(district(3)))]);
    districts_known(&mut m, vec![district(3)]);
    expect_profile(
        &mut m,
        &current,
        ProfileUpdate {
            position_id: Some(br("pos3")),
            override_district_id: None,
            custom_position_name: Some(custom("Ward 1")),
            clerk_organization_id: Some(ClerkOrganizationId::new("org_1").unwrap()),
        },
    );
    update(
        m,
        &current,
        OrganizationPatch {
            position_id: Patch::Set("pos3".into()),
            override_district_id: Patch::Set(district(3).id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn update_organization_changing_the_position_clears_an_override_that_now_equals_its_district()
{
    // The current override is district 2; the new position's natural district is district 2.
    let current = current_org();
    let mut m = Mocks::default();
    positions_known(&mut m, vec![position("pos2", Some(district(2)))]);
    m.reference.expect_find_district().never();
    expect_profile(
        &mut m,
        &current,
        ProfileUpdate {
            position_id: Some(br("pos2")),
            override_district_id: None,
            custom_position_name: Some(custom("Ward 1")),
            clerk_organization_id: Some(ClerkOrganizationId::new("org_1").unwrap()),
        },
    );
    update(
        m,
        &current,
        OrganizationPatch {
            position_id: Patch::Set("pos2".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn update_organization_changing_the_position_keeps_an_override_that_differs() {
    let current = current_org();
    let mut m = Mocks::default();
    positions_known(&mut m, vec![position("pos3", Some(district(3)))]);
    expect_profile(
        &mut m,
        &current,
        ProfileUpdate {
            position_id: Some(br("pos3")),
            override_district_id: Some(district(2).id),
            custom_position_name: Some(custom("Ward 1")),
            clerk_organization_id: Some(ClerkOrganizationId::new("org_1").unwrap()),
        },
    );
    update(
        m,
        &current,
        OrganizationPatch {
            position_id: Patch::Set("pos3".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn update_organization_refuses_an_archived_org_without_calling_any_other_port() {
    let mut current = current_org();
    current.organization.archived_at = Some(Utc::now());
    let mut m = Mocks::default();
    m.organizations.expect_update_profile().never();
    m.reference.expect_find_position().never();
    m.reference.expect_find_district().never();
    let err = update(
        m,
        &current,
        OrganizationPatch {
            custom_position_name: Patch::Set("Anything".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, UpdateOrganizationError::Archived), "{err:?}");
}

#[tokio::test]
async fn update_organization_rejects_unknown_position_and_district_ids() {
    let current = current_org();
    let mut m = Mocks::default();
    positions_known(&mut m, vec![]);
    m.organizations.expect_update_profile().never();
    let err = update(
        m,
        &current,
        OrganizationPatch {
            position_id: Patch::Set("unknown".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, UpdateOrganizationError::Invalid(v) if v.field == "ballotready_position_id"),
        "{err:?}"
    );

    let mut m = Mocks::default();
    positions_known(&mut m, vec![position("pos1", Some(district(1)))]);
    districts_known(&mut m, vec![district(1)]);
    m.organizations.expect_update_profile().never();
    let err = update(
        m,
        &current,
        OrganizationPatch {
            override_district_id: Patch::Set(DistrictId::from_uuid(Uuid::from_u128(0xBAD))),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, UpdateOrganizationError::Invalid(v) if v.field == "override_district_id"),
        "{err:?}"
    );
}

/// How an [`UpdateError`] of a port must come back from a service: a check of the service's error.
type Expect<E> = fn(&E) -> bool;

#[tokio::test]
async fn update_organization_maps_update_errors() {
    let cases: [(UpdateError, Expect<UpdateOrganizationError>); 5] = [
        (UpdateError::NotFound, |e| {
            matches!(e, UpdateOrganizationError::NotFound)
        }),
        (UpdateError::Archived, |e| {
            matches!(e, UpdateOrganizationError::Archived)
        }),
        (
            UpdateError::Invalid(InvalidValue::new("clerk_organization_id", "bad")),
            |e| {
                matches!(e, UpdateOrganizationError::Invalid(v)
                    if *v == InvalidValue::new("clerk_organization_id", "bad"))
            },
        ),
        (
            UpdateError::Conflict("clerk id taken".into()),
            |e| matches!(e, UpdateOrganizationError::Conflict(m) if m == "clerk id taken"),
        ),
        (
            UpdateError::Store(StoreError::internal("boom")),
            |e| matches!(e, UpdateOrganizationError::Store(s) if *s == StoreError::internal("boom")),
        ),
    ];
    let current = current_org();
    for (from, expected) in cases {
        let mut m = Mocks::default();
        positions_known(&mut m, vec![position("pos1", Some(district(1)))]);
        let label = format!("{from:?}");
        let e = Mutex::new(Some(from));
        m.organizations
            .expect_update_profile()
            .times(1)
            .returning(move |_, _, _| Err(e.lock().unwrap().take().unwrap()));
        let err = update(m, &current, OrganizationPatch::default())
            .await
            .unwrap_err();
        assert!(expected(&err), "{label} became {err:?}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// CampaignService::update, OfficeService::update
// ---------------------------------------------------------------------------------------------------------

fn campaign_found(m: &mut Mocks, id: CampaignId) {
    let found = stored_campaign(id);
    m.campaigns
        .expect_find()
        .with(eq(owner()), eq(id))
        .times(1)
        .returning(move |_, _| {
            let (record, slug) = found.clone();
            Ok(Some((record, slug, Role::Owner)))
        });
}

fn office_found(m: &mut Mocks, id: ElectedOfficeId) {
    let found = stored_office(id);
    m.offices
        .expect_find()
        .with(eq(owner()), eq(id))
        .times(1)
        .returning(move |_, _| {
            let (record, slug) = found.clone();
            Ok(Some((record, slug, Role::Owner)))
        });
}

#[tokio::test]
async fn update_campaign_validates_details_before_storing_and_maps_errors() {
    let id = CampaignId::from_uuid(Uuid::from_u128(9));
    let mut m = Mocks::default();
    campaign_found(&mut m, id);
    m.campaigns.expect_update_details().never();
    let err = m
        .services()
        .campaigns
        .update(
            owner(),
            id,
            CampaignPatch {
                party: Patch::Set("   ".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, UpdateCampaignError::Invalid(v) if v.field == "party"),
        "{err:?}"
    );

    let mut m = Mocks::default();
    campaign_found(&mut m, id);
    m.campaigns
        .expect_update_details()
        .times(1)
        .returning(|_, _, _| Err(UpdateError::NotFound));
    let err = m
        .services()
        .campaigns
        .update(owner(), id, CampaignPatch::default())
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateCampaignError::NotFound), "{err:?}");
}

#[tokio::test]
async fn update_office_validates_dates_before_storing_and_maps_errors() {
    let id = ElectedOfficeId::from_uuid(Uuid::from_u128(9));
    let bad = OfficePatch {
        sworn_in_date: Patch::Set(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
        term_end_date: Patch::Set(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
    };
    let mut m = Mocks::default();
    office_found(&mut m, id);
    m.offices.expect_update_dates().never();
    let err = m
        .services()
        .offices
        .update(owner(), id, bad)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, UpdateOfficeError::Invalid(v) if v.field == "term_end_date"),
        "{err:?}"
    );

    let cases: [(UpdateError, Expect<UpdateOfficeError>); 2] = [
        (UpdateError::NotFound, |e| {
            matches!(e, UpdateOfficeError::NotFound)
        }),
        (UpdateError::Archived, |e| {
            matches!(e, UpdateOfficeError::Archived)
        }),
    ];
    for (from, expected) in cases {
        let mut m = Mocks::default();
        office_found(&mut m, id);
        let label = format!("{from:?}");
        let e = Mutex::new(Some(from));
        m.offices
            .expect_update_dates()
            .times(1)
            .returning(move |_, _, _| Err(e.lock().unwrap().take().unwrap()));
        let err = m
            .services()
            .offices
            .update(owner(), id, OfficePatch::default())
            .await
            .unwrap_err();
        assert!(expected(&err), "{label} became {err:?}");
    }
}
