//! Example-based tests of every lifecycle rule of product.md §4, through `decide` and
//! `UserLifecycle::apply`.

#![allow(clippy::unwrap_used, missing_docs)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;
use winserve_domain::{
    BallotReadyId, CampaignDetails, CampaignId, CampaignOutcome, CampaignStatus, Change,
    CreateCampaign, CustomPositionName, District, DistrictId, ElectedOfficeId, L2Name, L2Type,
    LifecycleCommand, LifecycleError, LifecycleEvent, LifecycleEventKind, Mode, OfficeStatus,
    Organization, OrganizationDraft, OrganizationId, Outcome, PartyGroup, Position, PositionLevel,
    RecordResult, Segment, SegmentCriteria, SegmentId, SegmentName, StateCode, Transition, UserId,
    UserLifecycle, VoterStatus, decide,
};

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

fn district(n: u32) -> District {
    District {
        id: DistrictId::from_uuid(Uuid::from_u128(0xD157_0000 + u128::from(n))),
        state: StateCode::new("WY").unwrap(),
        l2_type: L2Type::new("City_Ward").unwrap(),
        l2_name: L2Name::new(&format!("CHEYENNE CITY WARD {n}")).unwrap(),
    }
}

fn position(id: &str, natural: Option<District>) -> Position {
    Position {
        ballotready_position_id: BallotReadyId::new(id).unwrap(),
        name: format!("City Council {id}"),
        state: StateCode::new("WY").unwrap(),
        level: PositionLevel::City,
        district: natural,
    }
}

fn custom(name: &str) -> CustomPositionName {
    CustomPositionName::new(name).unwrap()
}

fn draft_for(p: &Position) -> OrganizationDraft {
    OrganizationDraft {
        position: Some(p.clone()),
        ..Default::default()
    }
}

fn create_cmd(organization: OrganizationDraft) -> LifecycleCommand {
    LifecycleCommand::CreateCampaign(CreateCampaign {
        organization,
        details: CampaignDetails {
            election_date: Some(NaiveDate::from_ymd_opt(2026, 11, 3).unwrap()),
            ..Default::default()
        },
        carry: None,
    })
}

fn result_cmd(
    campaign_id: CampaignId,
    outcome: CampaignOutcome,
    copy_segments: bool,
) -> LifecycleCommand {
    LifecycleCommand::RecordResult(RecordResult {
        campaign_id,
        outcome,
        sworn_in_date: Some(NaiveDate::from_ymd_opt(2027, 1, 2).unwrap()),
        copy_segments,
        carry_members: vec![],
    })
}

/// One user's lifecycle with a deterministic clock and id generator.
struct World {
    state: UserLifecycle,
    next_id: u128,
    now: DateTime<Utc>,
}

impl World {
    fn new() -> Self {
        Self {
            state: UserLifecycle::new(UserId::from_uuid(Uuid::from_u128(0xABCD))),
            next_id: 0x1000,
            now: Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap(),
        }
    }

    /// Decides `cmd` one minute after the previous step, without applying it.
    fn decide(&mut self, cmd: &LifecycleCommand) -> Result<Transition, LifecycleError> {
        self.now += Duration::minutes(1);
        let next = &mut self.next_id;
        decide(&self.state, cmd, self.now, &mut || {
            *next += 1;
            Uuid::from_u128(*next)
        })
    }

    /// Decides `cmd`, which must be accepted, and applies it.
    fn run(&mut self, cmd: &LifecycleCommand) -> Transition {
        let t = self.decide(cmd).unwrap();
        self.state.apply(&t.changes);
        t
    }

    fn create(&mut self, draft: OrganizationDraft) -> (CampaignId, OrganizationId) {
        match self.run(&create_cmd(draft)).outcome {
            Outcome::Campaign {
                campaign_id,
                organization_id,
            } => (campaign_id, organization_id),
            other => panic!("unexpected outcome {other:?}"),
        }
    }

    fn launch(&mut self, campaign_id: CampaignId) -> Transition {
        self.run(&LifecycleCommand::Launch { campaign_id })
    }

    /// Creates and launches a campaign.
    fn active(&mut self, draft: OrganizationDraft) -> (CampaignId, OrganizationId) {
        let ids = self.create(draft);
        self.launch(ids.0);
        ids
    }

    /// Records a win; returns the office and its organization.
    fn win(&mut self, campaign_id: CampaignId) -> (ElectedOfficeId, OrganizationId) {
        match self
            .run(&result_cmd(campaign_id, CampaignOutcome::Won, false))
            .outcome
        {
            Outcome::Result {
                elected_office_id: Some(office),
                organization_id,
                ..
            } => (office, organization_id),
            other => panic!("unexpected outcome {other:?}"),
        }
    }

    fn campaign_status(&self, id: CampaignId) -> CampaignStatus {
        self.state.campaign(id).unwrap().campaign.status
    }

    fn org(&self, id: OrganizationId) -> &Organization {
        self.state
            .campaigns
            .iter()
            .map(|c| &c.organization)
            .chain(self.state.offices.iter().map(|o| &o.organization))
            .find(|o| o.id == id)
            .unwrap()
    }
}

fn events(t: &Transition) -> Vec<&LifecycleEvent> {
    t.changes
        .iter()
        .filter_map(|c| match c {
            Change::AppendEvent(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn event_kinds(t: &Transition) -> Vec<LifecycleEventKind> {
    events(t).iter().map(|e| e.kind).collect()
}

fn inserted_orgs(t: &Transition) -> Vec<&Organization> {
    t.changes
        .iter()
        .filter_map(|c| match c {
            Change::InsertOrganization(o) => Some(o),
            _ => None,
        })
        .collect()
}

fn archived_ids(t: &Transition) -> Vec<OrganizationId> {
    t.changes
        .iter()
        .filter_map(|c| match c {
            Change::ArchiveOrganization { id, .. } => Some(*id),
            _ => None,
        })
        .collect()
}

fn inserted_segments(t: &Transition) -> Vec<&Segment> {
    t.changes
        .iter()
        .filter_map(|c| match c {
            Change::InsertSegment(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn removed_criteria(t: &Transition) -> &[winserve_domain::RemovedPartyCriteria] {
    match &t.outcome {
        Outcome::Result {
            removed_party_criteria,
            ..
        } => removed_party_criteria,
        other => panic!("unexpected outcome {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Create a campaign
// ---------------------------------------------------------------------------------------------------------

#[test]
fn create_campaign_with_no_campaign_inserts_a_draft_with_its_own_win_org() {
    let mut w = World::new();
    let p = position("pos1", Some(district(1)));
    let t = w.decide(&create_cmd(draft_for(&p))).unwrap();
    let Outcome::Campaign {
        campaign_id,
        organization_id,
    } = t.outcome.clone()
    else {
        panic!("unexpected outcome {:?}", t.outcome);
    };
    assert_eq!(t.changes.len(), 3);
    let Change::InsertOrganization(org) = &t.changes[0] else {
        panic!(
            "first change must insert the organization: {:?}",
            t.changes[0]
        );
    };
    assert_eq!(org.id, organization_id);
    assert_eq!(org.mode, Mode::Win);
    assert_eq!(org.owner_id, w.state.user_id);
    assert_eq!(org.position.as_ref(), Some(&p));
    assert!(!org.is_archived());
    let Change::InsertCampaign(c) = &t.changes[1] else {
        panic!("second change must insert the campaign: {:?}", t.changes[1]);
    };
    assert_eq!(c.id, campaign_id);
    assert_eq!(c.organization_id, organization_id);
    assert_eq!(c.status, CampaignStatus::Draft);
    assert_eq!(c.owner_id, w.state.user_id);
    assert_eq!((c.launched_at, c.closed_at), (None, None));
    let evs = events(&t);
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].kind, LifecycleEventKind::CampaignCreated);
    assert_eq!(evs[0].campaign_id, Some(campaign_id));
    assert_eq!(evs[0].organization_id, organization_id);
    assert_eq!(evs[0].elected_office_id, None);
    assert_eq!(evs[0].user_id, w.state.user_id);

    w.state.apply(&t.changes);
    assert_eq!(w.state.campaigns.len(), 1);
    assert_eq!(w.state.open_campaign().unwrap().campaign.id, campaign_id);
    assert_eq!(w.state.campaigns[0].organization.id, organization_id);
}

#[test]
fn create_campaign_is_allowed_while_serving_with_a_new_org_that_may_differ() {
    let mut w = World::new();
    let p1 = position("pos1", Some(district(1)));
    let p2 = position("pos2", Some(district(2)));
    let (c1, win_org1) = w.active(draft_for(&p1));
    let (office, serve_org) = w.win(c1);

    // An official runs again, for another position.
    let (c2, win_org2) = w.create(draft_for(&p2));
    assert_ne!(c2, c1);
    assert_ne!(win_org2, win_org1);
    assert_ne!(win_org2, serve_org);
    assert_eq!(w.campaign_status(c2), CampaignStatus::Draft);
    assert_eq!(w.org(win_org2).position.as_ref(), Some(&p2));
    assert_eq!(w.org(win_org2).mode, Mode::Win);
    // Serving goes on.
    assert_eq!(
        w.state.office(office).unwrap().office.status,
        OfficeStatus::Active
    );
    assert!(!w.org(serve_org).is_archived());
}

#[test]
fn create_campaign_is_allowed_after_a_lost_or_withdrawn_campaign() {
    let mut w = World::new();
    let p = position("pos1", None);
    let (c1, _) = w.active(draft_for(&p));
    w.run(&result_cmd(c1, CampaignOutcome::Lost, false));
    let (c2, _) = w.create(draft_for(&p));
    w.run(&result_cmd(c2, CampaignOutcome::Withdrawn, false));
    let (c3, _) = w.create(draft_for(&p));
    assert_eq!(w.state.campaigns.len(), 3);
    assert_eq!(w.state.open_campaign().unwrap().campaign.id, c3);
}

#[test]
fn create_campaign_is_refused_while_a_draft_campaign_is_open() {
    let mut w = World::new();
    let (draft, _) = w.create(OrganizationDraft::default());
    assert_eq!(
        w.decide(&create_cmd(OrganizationDraft::default())),
        Err(LifecycleError::OpenCampaignExists(draft))
    );
}

#[test]
fn create_campaign_is_refused_while_an_active_campaign_is_open() {
    let mut w = World::new();
    let p = position("pos1", None);
    let (active, _) = w.active(draft_for(&p));
    assert_eq!(w.campaign_status(active), CampaignStatus::Active);
    assert_eq!(
        w.decide(&create_cmd(draft_for(&p))),
        Err(LifecycleError::OpenCampaignExists(active))
    );
}

#[test]
fn create_campaign_is_refused_while_serving_and_running_again() {
    let mut w = World::new();
    let p = position("pos1", None);
    let (c1, _) = w.active(draft_for(&p));
    w.win(c1);
    let (c2, _) = w.create(draft_for(&p));
    assert_eq!(
        w.decide(&create_cmd(draft_for(&p))),
        Err(LifecycleError::OpenCampaignExists(c2))
    );
}

#[test]
fn override_equal_to_the_positions_district_is_dropped_at_creation() {
    let mut w = World::new();
    let natural = district(1);
    let p = position("pos1", Some(natural.clone()));
    let (_, org) = w.create(OrganizationDraft {
        position: Some(p.clone()),
        override_district: Some(natural.clone()),
        custom_position_name: None,
    });
    assert_eq!(w.org(org).override_district, None);
    assert_eq!(
        w.org(org).effective_district().map(|(d, _)| d.id),
        Some(natural.id)
    );
}

#[test]
fn override_different_from_the_positions_district_is_kept_at_creation() {
    let mut w = World::new();
    let p = position("pos1", Some(district(1)));
    let other = district(2);
    let (_, org) = w.create(OrganizationDraft {
        position: Some(p),
        override_district: Some(other.clone()),
        custom_position_name: None,
    });
    assert_eq!(w.org(org).override_district.as_ref(), Some(&other));
}

// ---------------------------------------------------------------------------------------------------------
// Launch
// ---------------------------------------------------------------------------------------------------------

#[test]
fn launch_without_position_or_custom_name_is_office_not_set() {
    let mut w = World::new();
    let (c, _) = w.create(OrganizationDraft::default());
    assert_eq!(
        w.decide(&LifecycleCommand::Launch { campaign_id: c }),
        Err(LifecycleError::OfficeNotSet)
    );
    // An override district alone names no office either.
    let mut w = World::new();
    let (c, _) = w.create(OrganizationDraft {
        override_district: Some(district(3)),
        ..Default::default()
    });
    assert_eq!(
        w.decide(&LifecycleCommand::Launch { campaign_id: c }),
        Err(LifecycleError::OfficeNotSet)
    );
}

#[test]
fn launch_with_a_position_activates_the_campaign() {
    let mut w = World::new();
    let (c, org) = w.create(draft_for(&position("pos1", None)));
    let t = w.launch(c);
    let now = w.now;
    assert_eq!(
        t.outcome,
        Outcome::Campaign {
            campaign_id: c,
            organization_id: org
        }
    );
    assert_eq!(t.changes.len(), 2);
    let Change::UpdateCampaign(updated) = &t.changes[0] else {
        panic!("expected UpdateCampaign, got {:?}", t.changes[0]);
    };
    assert_eq!(updated.id, c);
    assert_eq!(updated.status, CampaignStatus::Active);
    assert_eq!(updated.launched_at, Some(now));
    assert_eq!(event_kinds(&t), [LifecycleEventKind::CampaignLaunched]);
    assert_eq!(events(&t)[0].campaign_id, Some(c));
    assert_eq!(events(&t)[0].organization_id, org);
    assert_eq!(w.campaign_status(c), CampaignStatus::Active);
    assert!(!w.org(org).is_archived());
}

#[test]
fn launch_with_only_a_custom_position_name_activates_the_campaign() {
    let mut w = World::new();
    let (c, _) = w.create(OrganizationDraft {
        custom_position_name: Some(custom("Dogcatcher")),
        ..Default::default()
    });
    w.launch(c);
    assert_eq!(w.campaign_status(c), CampaignStatus::Active);
}

#[test]
fn launching_an_active_campaign_is_a_no_op() {
    let mut w = World::new();
    let (c, org) = w.active(draft_for(&position("pos1", None)));
    let before = w.state.clone();
    let t = w
        .decide(&LifecycleCommand::Launch { campaign_id: c })
        .unwrap();
    assert!(t.changes.is_empty(), "{:?}", t.changes);
    assert_eq!(
        t.outcome,
        Outcome::Campaign {
            campaign_id: c,
            organization_id: org
        }
    );
    w.state.apply(&t.changes);
    assert_eq!(w.state, before);
}

#[test]
fn launching_a_closed_campaign_is_an_invalid_transition() {
    for outcome in [
        CampaignOutcome::Won,
        CampaignOutcome::Lost,
        CampaignOutcome::Withdrawn,
    ] {
        let mut w = World::new();
        let (c, _) = w.active(draft_for(&position("pos1", None)));
        w.run(&result_cmd(c, outcome, false));
        assert!(
            matches!(
                w.decide(&LifecycleCommand::Launch { campaign_id: c }),
                Err(LifecycleError::InvalidTransition {
                    action: "launch",
                    ..
                })
            ),
            "{outcome:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// Record the result
// ---------------------------------------------------------------------------------------------------------

#[test]
fn won_and_lost_need_an_active_campaign() {
    for outcome in [CampaignOutcome::Won, CampaignOutcome::Lost] {
        let mut w = World::new();
        let (c, _) = w.create(draft_for(&position("pos1", None)));
        let err = w.decide(&result_cmd(c, outcome, false)).unwrap_err();
        assert!(
            matches!(
                err,
                LifecycleError::InvalidTransition {
                    status: "draft",
                    ..
                }
            ),
            "{outcome:?}: {err:?}"
        );
        assert_eq!(w.campaign_status(c), CampaignStatus::Draft);
    }
}

#[test]
fn a_draft_campaign_may_be_withdrawn() {
    let mut w = World::new();
    let (c, org) = w.create(OrganizationDraft::default());
    let t = w.run(&result_cmd(c, CampaignOutcome::Withdrawn, false));
    assert_eq!(
        t.outcome,
        Outcome::Result {
            campaign_id: c,
            elected_office_id: None,
            organization_id: org,
            removed_party_criteria: vec![],
        }
    );
    assert_eq!(w.campaign_status(c), CampaignStatus::Withdrawn);
    assert_eq!(w.state.campaign(c).unwrap().campaign.closed_at, Some(w.now));
    assert!(w.org(org).is_archived());
    assert_eq!(event_kinds(&t), [LifecycleEventKind::CampaignWithdrawn]);
    assert!(w.state.offices.is_empty());
    assert!(w.state.open_campaign().is_none());
}

#[test]
fn an_active_campaign_may_be_lost_or_withdrawn_without_an_office() {
    for (outcome, kind, status) in [
        (
            CampaignOutcome::Lost,
            LifecycleEventKind::CampaignLost,
            CampaignStatus::Lost,
        ),
        (
            CampaignOutcome::Withdrawn,
            LifecycleEventKind::CampaignWithdrawn,
            CampaignStatus::Withdrawn,
        ),
    ] {
        let mut w = World::new();
        let (c, org) = w.active(draft_for(&position("pos1", Some(district(1)))));
        let t = w.run(&result_cmd(c, outcome, true));
        assert_eq!(w.campaign_status(c), status);
        assert!(w.org(org).is_archived());
        assert_eq!(archived_ids(&t), [org]);
        assert_eq!(event_kinds(&t), [kind]);
        assert_eq!(events(&t)[0].campaign_id, Some(c));
        assert!(inserted_orgs(&t).is_empty());
        assert!(w.state.offices.is_empty());
    }
}

#[test]
fn won_creates_a_serve_org_copying_the_campaign_profile_and_an_active_office() {
    let mut w = World::new();
    let p = position("pos1", Some(district(1)));
    let over = district(2);
    let (c, win_org) = w.active(OrganizationDraft {
        position: Some(p.clone()),
        override_district: Some(over.clone()),
        custom_position_name: Some(custom("Ward 1 Council Member")),
    });
    let t = w.run(&result_cmd(c, CampaignOutcome::Won, false));
    let now = w.now;

    let Outcome::Result {
        campaign_id,
        elected_office_id: Some(office_id),
        organization_id: serve_org_id,
        removed_party_criteria,
    } = t.outcome.clone()
    else {
        panic!("unexpected outcome {:?}", t.outcome);
    };
    assert_eq!(campaign_id, c);
    assert!(removed_party_criteria.is_empty());

    // The new Serve organization copies position, override and custom name.
    let orgs = inserted_orgs(&t);
    assert_eq!(orgs.len(), 1);
    let serve = orgs[0];
    assert_eq!(serve.id, serve_org_id);
    assert_ne!(serve.id, win_org);
    assert_eq!(serve.mode, Mode::Serve);
    assert_eq!(serve.owner_id, w.state.user_id);
    assert_eq!(serve.position.as_ref(), Some(&p));
    assert_eq!(serve.override_district.as_ref(), Some(&over));
    assert_eq!(
        serve.custom_position_name,
        Some(custom("Ward 1 Council Member"))
    );
    assert!(!serve.is_archived());

    // The office is active, belongs to the Serve org and carries the sworn-in date.
    let office = &w.state.office(office_id).unwrap().office;
    assert_eq!(office.status, OfficeStatus::Active);
    assert_eq!(office.organization_id, serve_org_id);
    assert_eq!(
        office.dates.sworn_in_date,
        Some(NaiveDate::from_ymd_opt(2027, 1, 2).unwrap())
    );
    assert_eq!(office.ended_at, None);

    // The campaign is won and its org archived; the Serve org is not.
    assert_eq!(w.campaign_status(c), CampaignStatus::Won);
    assert_eq!(w.state.campaign(c).unwrap().campaign.closed_at, Some(now));
    assert_eq!(archived_ids(&t), [win_org]);
    assert!(w.org(win_org).is_archived());
    assert!(!w.org(serve_org_id).is_archived());

    // campaign_won then office_started, naming the right ids.
    let evs = events(&t);
    assert_eq!(
        evs.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [
            LifecycleEventKind::CampaignWon,
            LifecycleEventKind::OfficeStarted
        ]
    );
    assert_eq!(evs[0].organization_id, win_org);
    assert_eq!(evs[0].campaign_id, Some(c));
    assert_eq!(evs[0].elected_office_id, Some(office_id));
    assert_eq!(evs[1].organization_id, serve_org_id);
    assert_eq!(evs[1].campaign_id, Some(c));
    assert_eq!(evs[1].elected_office_id, Some(office_id));
    assert_eq!(w.state.office_won_by(c), Some(office_id));
}

#[test]
fn won_without_a_position_copies_the_custom_name_only() {
    let mut w = World::new();
    let (c, _) = w.active(OrganizationDraft {
        custom_position_name: Some(custom("Dogcatcher")),
        ..Default::default()
    });
    let (_, serve) = w.win(c);
    let org = w.org(serve);
    assert_eq!(org.position, None);
    assert_eq!(org.override_district, None);
    assert_eq!(org.custom_position_name, Some(custom("Dogcatcher")));
}

#[test]
fn re_election_ends_the_previous_office_of_the_same_position() {
    let mut w = World::new();
    let p = position("pos1", Some(district(1)));
    let (c1, _) = w.active(draft_for(&p));
    let (old_office, old_org) = w.win(c1);
    let (c2, win_org2) = w.active(draft_for(&p));
    let t = w.run(&result_cmd(c2, CampaignOutcome::Won, false));
    let now = w.now;
    let Outcome::Result {
        elected_office_id: Some(new_office),
        organization_id: new_org,
        ..
    } = t.outcome
    else {
        panic!("unexpected outcome {:?}", t.outcome);
    };
    assert_ne!(new_office, old_office);
    assert_ne!(new_org, old_org);

    // The old office ended, its org archived.
    let updated: Vec<_> = t
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::UpdateOffice(o) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0].id, old_office);
    assert_eq!(updated[0].status, OfficeStatus::Ended);
    assert_eq!(updated[0].ended_at, Some(now));
    let mut archived = archived_ids(&t);
    archived.sort();
    let mut expected = vec![win_org2, old_org];
    expected.sort();
    assert_eq!(archived, expected);

    let old = w.state.office(old_office).unwrap();
    assert_eq!(old.office.status, OfficeStatus::Ended);
    assert!(old.organization.is_archived());
    let new = w.state.office(new_office).unwrap();
    assert_eq!(new.office.status, OfficeStatus::Active);
    assert!(!new.organization.is_archived());

    // office_ended is logged between campaign_won and office_started.
    let evs = events(&t);
    assert_eq!(
        evs.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [
            LifecycleEventKind::CampaignWon,
            LifecycleEventKind::OfficeEnded,
            LifecycleEventKind::OfficeStarted
        ]
    );
    assert_eq!(evs[1].elected_office_id, Some(old_office));
    assert_eq!(evs[1].organization_id, old_org);
    assert_eq!(evs[2].elected_office_id, Some(new_office));

    // One active office for the position.
    let active_for_p = w
        .state
        .offices
        .iter()
        .filter(|o| o.office.status == OfficeStatus::Active)
        .filter(|o| o.organization.position.as_ref() == Some(&p))
        .count();
    assert_eq!(active_for_p, 1);
}

#[test]
fn winning_another_position_keeps_the_current_office() {
    let mut w = World::new();
    let p1 = position("pos1", Some(district(1)));
    let p2 = position("pos2", Some(district(2)));
    let (c1, _) = w.active(draft_for(&p1));
    let (office1, org1) = w.win(c1);
    let (c2, _) = w.active(draft_for(&p2));
    let t = w.run(&result_cmd(c2, CampaignOutcome::Won, false));
    assert!(
        !t.changes
            .iter()
            .any(|c| matches!(c, Change::UpdateOffice(_)))
    );
    assert!(!event_kinds(&t).contains(&LifecycleEventKind::OfficeEnded));
    assert_eq!(
        w.state.office(office1).unwrap().office.status,
        OfficeStatus::Active
    );
    assert!(!w.org(org1).is_archived());
    assert_eq!(
        w.state
            .offices
            .iter()
            .filter(|o| o.office.status == OfficeStatus::Active)
            .count(),
        2
    );
}

#[test]
fn recording_the_same_result_again_changes_nothing_and_reports_the_same_office() {
    let mut w = World::new();
    let (c, _) = w.active(draft_for(&position("pos1", None)));
    let first = w.run(&result_cmd(c, CampaignOutcome::Won, true));
    let before = w.state.clone();
    // Copying segments or not, the repeat is the same.
    for copy in [true, false] {
        let again = w
            .decide(&result_cmd(c, CampaignOutcome::Won, copy))
            .unwrap();
        assert!(again.changes.is_empty(), "{:?}", again.changes);
        let (
            Outcome::Result {
                elected_office_id: a_office,
                organization_id: a_org,
                ..
            },
            Outcome::Result {
                elected_office_id: f_office,
                organization_id: f_org,
                ..
            },
        ) = (&again.outcome, &first.outcome)
        else {
            panic!("unexpected outcomes");
        };
        assert!(a_office.is_some());
        assert_eq!(a_office, f_office);
        assert_eq!(a_org, f_org);
        w.state.apply(&again.changes);
    }
    assert_eq!(w.state, before);
    assert_eq!(w.state.offices.len(), 1);
}

#[test]
fn recording_the_same_loss_again_reports_the_campaign_org() {
    let mut w = World::new();
    let (c, org) = w.active(draft_for(&position("pos1", None)));
    w.run(&result_cmd(c, CampaignOutcome::Lost, false));
    let again = w
        .decide(&result_cmd(c, CampaignOutcome::Lost, false))
        .unwrap();
    assert!(again.changes.is_empty());
    assert_eq!(
        again.outcome,
        Outcome::Result {
            campaign_id: c,
            elected_office_id: None,
            organization_id: org,
            removed_party_criteria: vec![],
        }
    );
}

#[test]
fn a_different_result_on_a_closed_campaign_is_result_already_recorded() {
    let cases = [
        (CampaignOutcome::Won, CampaignOutcome::Lost, "won"),
        (CampaignOutcome::Won, CampaignOutcome::Withdrawn, "won"),
        (CampaignOutcome::Lost, CampaignOutcome::Won, "lost"),
        (CampaignOutcome::Lost, CampaignOutcome::Withdrawn, "lost"),
        (
            CampaignOutcome::Withdrawn,
            CampaignOutcome::Won,
            "withdrawn",
        ),
        (
            CampaignOutcome::Withdrawn,
            CampaignOutcome::Lost,
            "withdrawn",
        ),
    ];
    for (first, second, recorded) in cases {
        let mut w = World::new();
        let (c, _) = w.active(draft_for(&position("pos1", None)));
        w.run(&result_cmd(c, first, false));
        assert_eq!(
            w.decide(&result_cmd(c, second, false)),
            Err(LifecycleError::ResultAlreadyRecorded(recorded)),
            "{first:?} then {second:?}"
        );
    }
}

#[test]
fn a_withdrawn_draft_refuses_a_later_win() {
    let mut w = World::new();
    let (c, _) = w.create(draft_for(&position("pos1", None)));
    w.run(&result_cmd(c, CampaignOutcome::Withdrawn, false));
    assert_eq!(
        w.decide(&result_cmd(c, CampaignOutcome::Won, false)),
        Err(LifecycleError::ResultAlreadyRecorded("withdrawn"))
    );
    assert!(w.state.offices.is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// Segments on a win
// ---------------------------------------------------------------------------------------------------------

fn segment(org: OrganizationId, n: u128, name: &str, party: Option<Vec<PartyGroup>>) -> Segment {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    Segment {
        id: SegmentId::from_uuid(Uuid::from_u128(0x5E6_0000 + n)),
        organization_id: org,
        name: SegmentName::new(name).unwrap(),
        criteria: SegmentCriteria {
            party,
            voter_status: Some(vec![VoterStatus::Super]),
            has_cell_phone: Some(true),
            ..Default::default()
        },
        created_at: at,
        updated_at: at,
    }
}

#[test]
fn copy_segments_copies_the_campaign_segments_without_party_and_reports_the_removal() {
    let mut w = World::new();
    let (c, win_org) = w.active(draft_for(&position("pos1", Some(district(1)))));
    let partisan = segment(
        win_org,
        1,
        "Base",
        Some(vec![PartyGroup::Democratic, PartyGroup::Other]),
    );
    let plain = segment(win_org, 2, "Seniors", None);
    let foreign = segment(
        OrganizationId::from_uuid(Uuid::from_u128(0xF00)),
        3,
        "Not mine",
        None,
    );
    w.state.segments = vec![partisan.clone(), plain.clone(), foreign.clone()];

    let t = w.run(&result_cmd(c, CampaignOutcome::Won, true));
    let Outcome::Result {
        organization_id: serve_org,
        ..
    } = t.outcome
    else {
        panic!("unexpected outcome {:?}", t.outcome);
    };
    let copies = inserted_segments(&t);
    assert_eq!(
        copies.len(),
        2,
        "only the campaign org's segments are copied: {copies:?}"
    );
    for copy in &copies {
        assert_eq!(copy.organization_id, serve_org);
        assert_eq!(copy.criteria.party, None);
        assert_eq!(copy.criteria.voter_status, Some(vec![VoterStatus::Super]));
        assert_eq!(copy.criteria.has_cell_phone, Some(true));
        assert!(
            ![partisan.id, plain.id, foreign.id].contains(&copy.id),
            "copies get new ids"
        );
    }
    let base = copies.iter().find(|s| s.name.as_str() == "Base").unwrap();
    assert!(copies.iter().any(|s| s.name.as_str() == "Seniors"));

    let removed = removed_criteria(&t);
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0].segment_id, base.id);
    assert_eq!(removed[0].name, "Base");
    assert_eq!(
        removed[0].party,
        vec![PartyGroup::Democratic, PartyGroup::Other]
    );

    // The campaign org keeps its originals untouched.
    assert!(w.state.segments.contains(&partisan));
    assert!(w.state.segments.contains(&plain));
}

#[test]
fn copy_segments_without_party_criteria_reports_nothing() {
    let mut w = World::new();
    let (c, win_org) = w.active(draft_for(&position("pos1", None)));
    w.state.segments = vec![segment(win_org, 1, "Seniors", None)];
    let t = w.run(&result_cmd(c, CampaignOutcome::Won, true));
    assert_eq!(inserted_segments(&t).len(), 1);
    assert!(removed_criteria(&t).is_empty());
}

#[test]
fn without_copy_segments_nothing_is_copied() {
    let mut w = World::new();
    let (c, win_org) = w.active(draft_for(&position("pos1", None)));
    w.state.segments = vec![segment(
        win_org,
        1,
        "Base",
        Some(vec![PartyGroup::Republican]),
    )];
    let t = w.run(&result_cmd(c, CampaignOutcome::Won, false));
    assert!(inserted_segments(&t).is_empty());
    assert!(removed_criteria(&t).is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// End an office
// ---------------------------------------------------------------------------------------------------------

#[test]
fn ending_an_office_archives_its_org_and_a_second_end_is_a_no_op() {
    let mut w = World::new();
    let (c, _) = w.active(draft_for(&position("pos1", None)));
    let (office, org) = w.win(c);
    let t = w.run(&LifecycleCommand::EndOffice { office_id: office });
    let now = w.now;
    assert_eq!(
        t.outcome,
        Outcome::Office {
            elected_office_id: office
        }
    );
    let rec = w.state.office(office).unwrap();
    assert_eq!(rec.office.status, OfficeStatus::Ended);
    assert_eq!(rec.office.ended_at, Some(now));
    assert_eq!(rec.organization.archived_at, Some(now));
    assert_eq!(archived_ids(&t), [org]);
    assert_eq!(event_kinds(&t), [LifecycleEventKind::OfficeEnded]);
    assert_eq!(events(&t)[0].elected_office_id, Some(office));
    assert_eq!(events(&t)[0].organization_id, org);

    let before = w.state.clone();
    let again = w
        .decide(&LifecycleCommand::EndOffice { office_id: office })
        .unwrap();
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert_eq!(again.outcome, t.outcome);
    w.state.apply(&again.changes);
    assert_eq!(w.state, before);
    // The org stays readable (still in the snapshot), archived at the first end only.
    assert!(w.now > now);
    assert_eq!(w.org(org).archived_at, Some(now));
}

// ---------------------------------------------------------------------------------------------------------
// Unknown ids
// ---------------------------------------------------------------------------------------------------------

#[test]
fn unknown_campaign_and_office_ids_are_not_found() {
    let mut w = World::new();
    let (c, _) = w.active(draft_for(&position("pos1", None)));
    w.win(c);
    let unknown_campaign = CampaignId::from_uuid(Uuid::from_u128(0xDEAD));
    let unknown_office = ElectedOfficeId::from_uuid(Uuid::from_u128(0xBEEF));
    assert_eq!(
        w.decide(&LifecycleCommand::Launch {
            campaign_id: unknown_campaign
        }),
        Err(LifecycleError::CampaignNotFound)
    );
    for outcome in [
        CampaignOutcome::Won,
        CampaignOutcome::Lost,
        CampaignOutcome::Withdrawn,
    ] {
        assert_eq!(
            w.decide(&result_cmd(unknown_campaign, outcome, false)),
            Err(LifecycleError::CampaignNotFound)
        );
    }
    assert_eq!(
        w.decide(&LifecycleCommand::EndOffice {
            office_id: unknown_office
        }),
        Err(LifecycleError::OfficeNotFound)
    );
    // A campaign id is not an office id, even with the same UUID.
    let as_office = ElectedOfficeId::from_uuid(c.as_uuid());
    assert_eq!(
        w.decide(&LifecycleCommand::EndOffice {
            office_id: as_office
        }),
        Err(LifecycleError::OfficeNotFound)
    );
}
