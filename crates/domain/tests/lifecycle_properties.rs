//! Property tests of the lifecycle (product.md §4): random command sequences through `decide` and
//! `UserLifecycle::apply`, checking the invariants after every step and comparing refusals with a small
//! reference model.

#![allow(clippy::unwrap_used, missing_docs)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;
use winserve_domain::{
    BallotReadyId, CampaignDetails, CampaignId, CampaignOutcome, CampaignStatus, Change,
    CreateCampaign, CustomPositionName, District, DistrictId, ElectedOfficeId, L2Name, L2Type,
    LifecycleCommand, LifecycleError, LifecycleEventKind, Mode, OfficeStatus, OrganizationDraft,
    OrganizationId, Outcome, PartyGroup, Position, PositionLevel, RecordResult, Segment,
    SegmentCriteria, SegmentId, SegmentName, StateCode, Transition, UserId, UserLifecycle, decide,
};

// ---------------------------------------------------------------------------------------------------------
// Generated steps
// ---------------------------------------------------------------------------------------------------------

/// Which record a command targets: the newest one, an existing one by index (modulo the count), or an
/// unknown id.
#[derive(Debug, Clone, Copy)]
enum Target {
    Newest,
    Existing(usize),
    Unknown(u16),
}

#[derive(Debug, Clone)]
enum Step {
    Create {
        position: Option<usize>,
        custom_name: bool,
        with_override: bool,
        /// Segments the user saves in the new campaign org (0..=2), with or without party criteria.
        segments: Vec<bool>,
    },
    Launch(Target),
    Record {
        target: Target,
        outcome: CampaignOutcome,
        copy_segments: bool,
    },
    End(Target),
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        5 => Just(Target::Newest),
        3 => (0usize..8).prop_map(Target::Existing),
        1 => any::<u16>().prop_map(Target::Unknown),
    ]
}

fn outcome() -> impl Strategy<Value = CampaignOutcome> {
    // Wins are the interesting case (offices, re-elections, copied segments): favour them.
    prop_oneof![
        3 => Just(CampaignOutcome::Won),
        1 => Just(CampaignOutcome::Lost),
        1 => Just(CampaignOutcome::Withdrawn),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (
            // Position 0 is favoured so that the same position is won again (re-elections).
            proptest::option::weighted(0.8, prop_oneof![3 => Just(0usize), 1 => Just(1), 1 => Just(2)]),
            any::<bool>(),
            any::<bool>(),
            proptest::collection::vec(any::<bool>(), 0..=2),
        )
            .prop_map(|(position, custom_name, with_override, segments)| Step::Create {
                position,
                custom_name,
                with_override,
                segments,
            }),
        3 => target().prop_map(Step::Launch),
        4 => (target(), outcome(), any::<bool>()).prop_map(|(target, outcome, copy_segments)| Step::Record {
            target,
            outcome,
            copy_segments,
        }),
        1 => target().prop_map(Step::End),
    ]
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

fn district(n: u32) -> District {
    District {
        id: DistrictId::from_uuid(Uuid::from_u128(0xD157_0000 + u128::from(n))),
        state: StateCode::new("WY").unwrap(),
        l2_type: L2Type::new("City_Ward").unwrap(),
        l2_name: L2Name::new(&format!("WARD {n}")).unwrap(),
    }
}

/// A pool of three positions; position 2 has no natural district.
fn positions() -> [Position; 3] {
    let p = |i: u32, d: Option<District>| Position {
        ballotready_position_id: BallotReadyId::new(&format!("pos{i}")).unwrap(),
        name: format!("Position {i}"),
        state: StateCode::new("WY").unwrap(),
        level: PositionLevel::City,
        district: d,
    };
    [p(0, Some(district(0))), p(1, Some(district(1))), p(2, None)]
}

/// The id `t` designates among `ids`, or (as `Err`) a UUID that is none of the user's.
fn pick<T: Copy>(ids: &[T], t: Target) -> Result<T, Uuid> {
    match t {
        Target::Newest if !ids.is_empty() => Ok(ids[ids.len() - 1]),
        Target::Existing(i) if !ids.is_empty() => Ok(ids[i % ids.len()]),
        Target::Newest | Target::Existing(_) => Err(Uuid::from_u128(0xEEEE_0000)),
        Target::Unknown(n) => Err(Uuid::from_u128(0xFFFF_0000 + u128::from(n))),
    }
}

struct Sim {
    state: UserLifecycle,
    positions: [Position; 3],
    next_id: u128,
    now: DateTime<Utc>,
}

impl Sim {
    fn new() -> Self {
        Self {
            state: UserLifecycle::new(UserId::from_uuid(Uuid::from_u128(0xABCD))),
            positions: positions(),
            next_id: 0x10_0000,
            now: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn fresh(&mut self) -> Uuid {
        self.next_id += 1;
        Uuid::from_u128(self.next_id)
    }

    fn campaign_id(&self, t: Target) -> CampaignId {
        let ids: Vec<_> = self.state.campaigns.iter().map(|c| c.campaign.id).collect();
        pick(&ids, t).unwrap_or_else(CampaignId::from_uuid)
    }

    fn office_id(&self, t: Target) -> ElectedOfficeId {
        let ids: Vec<_> = self.state.offices.iter().map(|o| o.office.id).collect();
        pick(&ids, t).unwrap_or_else(ElectedOfficeId::from_uuid)
    }

    fn command(&self, step: &Step) -> LifecycleCommand {
        match step {
            Step::Create {
                position,
                custom_name,
                with_override,
                ..
            } => LifecycleCommand::CreateCampaign(CreateCampaign {
                organization: OrganizationDraft {
                    position: position.map(|i| self.positions[i].clone()),
                    // Sometimes equal to a natural district (then dropped), sometimes another one.
                    override_district: with_override.then(|| district((self.next_id % 3) as u32)),
                    custom_position_name: custom_name
                        .then(|| CustomPositionName::new("Custom").unwrap()),
                },
                details: CampaignDetails::default(),
                carry: None,
            }),
            Step::Launch(t) => LifecycleCommand::Launch {
                campaign_id: self.campaign_id(*t),
            },
            Step::Record {
                target,
                outcome,
                copy_segments,
            } => LifecycleCommand::RecordResult(RecordResult {
                campaign_id: self.campaign_id(*target),
                outcome: *outcome,
                sworn_in_date: None,
                copy_segments: *copy_segments,
                carry_members: vec![],
            }),
            Step::End(t) => LifecycleCommand::EndOffice {
                office_id: self.office_id(*t),
            },
        }
    }

    /// The user saves custom segments in a campaign org (as storage would hold them for the snapshot).
    fn save_segments(&mut self, org: OrganizationId, party: &[bool]) {
        for (i, with_party) in party.iter().enumerate() {
            let id = SegmentId::from_uuid(self.fresh());
            self.state.segments.push(Segment {
                id,
                organization_id: org,
                name: SegmentName::new(&format!("Segment {i}")).unwrap(),
                criteria: SegmentCriteria {
                    party: with_party.then(|| vec![PartyGroup::Republican]),
                    has_landline: Some(true),
                    ..Default::default()
                },
                created_at: self.now,
                updated_at: self.now,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The reference model of refusals and repeats
// ---------------------------------------------------------------------------------------------------------

/// What the rules of §4 say a command does: `Err` with the refusal, or `Ok(repeat)` where `repeat` means
/// the command repeats an earlier one and must change nothing.
fn expected(state: &UserLifecycle, cmd: &LifecycleCommand) -> Result<bool, LifecycleError> {
    match cmd {
        LifecycleCommand::CreateCampaign(_) => {
            match state.campaigns.iter().find(|c| c.campaign.status.is_open()) {
                Some(open) => Err(LifecycleError::OpenCampaignExists(open.campaign.id)),
                None => Ok(false),
            }
        }
        LifecycleCommand::Launch { campaign_id } => {
            let rec = state
                .campaigns
                .iter()
                .find(|c| c.campaign.id == *campaign_id)
                .ok_or(LifecycleError::CampaignNotFound)?;
            match rec.campaign.status {
                CampaignStatus::Active => Ok(true),
                CampaignStatus::Draft
                    if rec.organization.position.is_none()
                        && rec.organization.custom_position_name.is_none() =>
                {
                    Err(LifecycleError::OfficeNotSet)
                }
                CampaignStatus::Draft => Ok(false),
                s => Err(LifecycleError::InvalidTransition {
                    action: "launch",
                    status: s.as_str(),
                }),
            }
        }
        LifecycleCommand::RecordResult(r) => {
            let rec = state
                .campaigns
                .iter()
                .find(|c| c.campaign.id == r.campaign_id)
                .ok_or(LifecycleError::CampaignNotFound)?;
            let status = rec.campaign.status;
            if !status.is_open() {
                return if status == r.outcome.status() {
                    Ok(true)
                } else {
                    Err(LifecycleError::ResultAlreadyRecorded(status.as_str()))
                };
            }
            if status == CampaignStatus::Draft && r.outcome != CampaignOutcome::Withdrawn {
                return Err(LifecycleError::InvalidTransition {
                    action: "record a win or loss for",
                    status: "draft",
                });
            }
            Ok(false)
        }
        LifecycleCommand::EndOffice { office_id } => {
            let rec = state
                .offices
                .iter()
                .find(|o| o.office.id == *office_id)
                .ok_or(LifecycleError::OfficeNotFound)?;
            Ok(rec.office.status == OfficeStatus::Ended)
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------------------

fn archived_orgs(state: &UserLifecycle) -> BTreeMap<OrganizationId, DateTime<Utc>> {
    state
        .campaigns
        .iter()
        .map(|c| &c.organization)
        .chain(state.offices.iter().map(|o| &o.organization))
        .filter_map(|o| o.archived_at.map(|at| (o.id, at)))
        .collect()
}

/// Nothing in `t` touches an organization that was archived before the step, and nothing archives one
/// twice.
fn check_transition_respects_archives(
    before: &UserLifecycle,
    t: &Transition,
) -> Result<(), TestCaseError> {
    let archived = archived_orgs(before);
    let campaign_org: BTreeMap<CampaignId, OrganizationId> = before
        .campaigns
        .iter()
        .map(|c| (c.campaign.id, c.organization.id))
        .collect();
    let office_org: BTreeMap<ElectedOfficeId, OrganizationId> = before
        .offices
        .iter()
        .map(|o| (o.office.id, o.organization.id))
        .collect();
    let mut archived_now = BTreeSet::new();
    for change in &t.changes {
        match change {
            Change::UpdateCampaign(c) => {
                let org = campaign_org.get(&c.id);
                prop_assert!(org.is_some(), "update of an unknown campaign {:?}", c.id);
                prop_assert!(
                    !archived.contains_key(org.unwrap()),
                    "campaign of an archived org updated"
                );
                prop_assert_eq!(c.organization_id, *org.unwrap());
            }
            Change::UpdateOffice(o) => {
                let org = office_org.get(&o.id);
                prop_assert!(org.is_some(), "update of an unknown office {:?}", o.id);
                prop_assert!(
                    !archived.contains_key(org.unwrap()),
                    "office of an archived org updated"
                );
                prop_assert_eq!(o.organization_id, *org.unwrap());
            }
            Change::ArchiveOrganization { id, .. } => {
                prop_assert!(
                    !archived.contains_key(id),
                    "archived org {id} archived again"
                );
                prop_assert!(
                    archived_now.insert(*id),
                    "org {id} archived twice in one transition"
                );
            }
            Change::InsertSegment(s) => {
                prop_assert!(
                    !archived.contains_key(&s.organization_id),
                    "segment inserted into an archived org"
                );
                prop_assert!(
                    !archived_now.contains(&s.organization_id),
                    "segment inserted into an org archived by the same transition"
                );
            }
            Change::InsertOrganization(o) => {
                prop_assert!(!o.is_archived());
                prop_assert_eq!(o.owner_id, before.user_id);
            }
            Change::InsertMember {
                organization_id, ..
            } => {
                prop_assert!(
                    !archived.contains_key(organization_id)
                        && !archived_now.contains(organization_id),
                    "member inserted into an archived org"
                );
            }
            Change::InsertCampaign(_) | Change::InsertOffice(_) | Change::AppendEvent(_) => {}
        }
    }
    Ok(())
}

/// A first win copies exactly the campaign org's segments (when asked) into the new Serve org, without
/// party criteria, and reports every removal; any other transition inserts no segment.
fn check_copied_segments(
    before: &UserLifecycle,
    cmd: &LifecycleCommand,
    t: &Transition,
) -> Result<(), TestCaseError> {
    let inserted: Vec<&Segment> = t
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::InsertSegment(s) => Some(s),
            _ => None,
        })
        .collect();
    let (
        LifecycleCommand::RecordResult(r),
        Outcome::Result {
            elected_office_id: Some(_),
            organization_id: serve_org,
            removed_party_criteria,
            ..
        },
    ) = (cmd, &t.outcome)
    else {
        prop_assert!(inserted.is_empty(), "segments inserted outside a win");
        return Ok(());
    };
    if t.changes.is_empty() {
        prop_assert!(inserted.is_empty(), "segments copied on a repeat");
        // A repeat answers the first win's removals, as recorded with its `campaign_won` event.
        let first = before.won_event(r.campaign_id).unwrap();
        prop_assert_eq!(removed_party_criteria, &first.removed_party_criteria);
        return Ok(());
    }
    // The first win records its removals with its `campaign_won` event, for repeats to answer.
    let won = t.changes.iter().find_map(|c| match c {
        Change::AppendEvent(e) if e.kind == LifecycleEventKind::CampaignWon => Some(e),
        _ => None,
    });
    prop_assert_eq!(
        won.map(|e| &e.removed_party_criteria),
        Some(removed_party_criteria)
    );
    if !r.copy_segments {
        prop_assert!(inserted.is_empty(), "segments copied without copy_segments");
        prop_assert!(removed_party_criteria.is_empty());
        return Ok(());
    }
    let campaign_org = before.campaign(r.campaign_id).unwrap().organization.id;
    let originals: Vec<&Segment> = before
        .segments
        .iter()
        .filter(|s| s.organization_id == campaign_org)
        .collect();
    prop_assert_eq!(
        inserted.len(),
        originals.len(),
        "not exactly the campaign org's segments copied"
    );
    let mut expected_removed = 0;
    for (copy, original) in inserted.iter().zip(&originals) {
        prop_assert_eq!(copy.organization_id, *serve_org);
        prop_assert_ne!(copy.id, original.id);
        prop_assert_eq!(&copy.name, &original.name);
        let mut without_party = original.criteria.clone();
        without_party.party = None;
        prop_assert_eq!(&copy.criteria, &without_party);
        if original.criteria.party.is_some() {
            expected_removed += 1;
            prop_assert!(
                removed_party_criteria
                    .iter()
                    .any(|r| r.segment_id == copy.id
                        && Some(&r.party) == original.criteria.party.as_ref()),
                "removal of {:?} not reported",
                original.name
            );
        }
    }
    prop_assert_eq!(removed_party_criteria.len(), expected_removed);
    Ok(())
}

/// The offices a transition ends are exactly the ones §4 names: the office itself for an end, and on a
/// first win the user's active offices in the won position (a re-election); nothing else.
fn check_ended_offices(
    before: &UserLifecycle,
    cmd: &LifecycleCommand,
    t: &Transition,
) -> Result<(), TestCaseError> {
    let ended: BTreeSet<ElectedOfficeId> = t
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::UpdateOffice(o) => Some(o.id),
            _ => None,
        })
        .collect();
    let expected: BTreeSet<ElectedOfficeId> = match cmd {
        _ if t.changes.is_empty() => BTreeSet::new(),
        LifecycleCommand::EndOffice { office_id } => [*office_id].into(),
        LifecycleCommand::RecordResult(r) if r.outcome == CampaignOutcome::Won => {
            let won = before.campaign(r.campaign_id).unwrap();
            let position = won
                .organization
                .position
                .as_ref()
                .map(|p| &p.ballotready_position_id);
            before
                .offices
                .iter()
                .filter(|o| o.office.status == OfficeStatus::Active)
                .filter(|o| {
                    position.is_some()
                        && o.organization
                            .position
                            .as_ref()
                            .map(|p| &p.ballotready_position_id)
                            == position
                })
                .map(|o| o.office.id)
                .collect()
        }
        _ => BTreeSet::new(),
    };
    prop_assert_eq!(ended, expected, "wrong offices ended by {:?}", cmd);
    Ok(())
}

fn check_state(state: &UserLifecycle) -> Result<(), TestCaseError> {
    // Never two open campaigns.
    let open = state
        .campaigns
        .iter()
        .filter(|c| c.campaign.status.is_open())
        .count();
    prop_assert!(open <= 1, "{open} open campaigns");

    // Unique ids.
    let office_ids: BTreeSet<_> = state.offices.iter().map(|o| o.office.id).collect();
    prop_assert_eq!(
        office_ids.len(),
        state.offices.len(),
        "duplicate office ids"
    );
    let campaign_ids: BTreeSet<_> = state.campaigns.iter().map(|c| c.campaign.id).collect();
    prop_assert_eq!(
        campaign_ids.len(),
        state.campaigns.len(),
        "duplicate campaign ids"
    );
    let org_ids: BTreeSet<_> = state
        .campaigns
        .iter()
        .map(|c| c.organization.id)
        .chain(state.offices.iter().map(|o| o.organization.id))
        .collect();
    prop_assert_eq!(
        org_ids.len(),
        state.campaigns.len() + state.offices.len(),
        "an organization is shared"
    );

    // At most one campaign_won per campaign, and each names a distinct office.
    let mut won_events: BTreeMap<CampaignId, ElectedOfficeId> = BTreeMap::new();
    for e in state
        .events
        .iter()
        .filter(|e| e.kind == LifecycleEventKind::CampaignWon)
    {
        let campaign = e.campaign_id;
        prop_assert!(campaign.is_some(), "campaign_won without a campaign");
        prop_assert!(
            e.elected_office_id.is_some(),
            "campaign_won without an office"
        );
        prop_assert!(
            won_events
                .insert(campaign.unwrap(), e.elected_office_id.unwrap())
                .is_none(),
            "two campaign_won events for one campaign"
        );
    }
    let won_offices: BTreeSet<_> = won_events.values().copied().collect();
    prop_assert_eq!(
        won_offices.len(),
        won_events.len(),
        "one office won by two campaigns"
    );

    // Every office has a campaign_won naming it, whose campaign is won; no campaign has two offices.
    for o in &state.offices {
        let from: Vec<_> = won_events
            .iter()
            .filter(|(_, off)| **off == o.office.id)
            .collect();
        prop_assert_eq!(
            from.len(),
            1,
            "office {} has no (or several) campaign_won",
            o.office.id
        );
        let campaign = state.campaign(*from[0].0);
        prop_assert!(campaign.is_some(), "office won by an unknown campaign");
        prop_assert_eq!(campaign.unwrap().campaign.status, CampaignStatus::Won);
        prop_assert_eq!(o.office.organization_id, o.organization.id);
        prop_assert_eq!(o.organization.mode, Mode::Serve);
        prop_assert_eq!(
            o.organization.is_archived(),
            o.office.status == OfficeStatus::Ended,
            "an office's org is archived exactly when it ended"
        );
    }
    // Every won campaign produced exactly one office, and each office_won_by names an existing office.
    for c in &state.campaigns {
        prop_assert_eq!(c.campaign.organization_id, c.organization.id);
        prop_assert_eq!(c.organization.mode, Mode::Win);
        prop_assert_eq!(
            c.organization.is_archived(),
            !c.campaign.status.is_open(),
            "a campaign's org is archived exactly when it closed"
        );
        let won = c.campaign.status == CampaignStatus::Won;
        let office = state.office_won_by(c.campaign.id);
        prop_assert_eq!(
            won,
            office.is_some(),
            "won campaign without office, or office from a non-won one"
        );
        if let Some(office) = office {
            prop_assert!(
                state.office(office).is_some(),
                "campaign_won names a missing office"
            );
        }
    }
    prop_assert_eq!(state.offices.len(), won_events.len());

    // Never two active offices for the same position.
    let mut active_positions = BTreeSet::new();
    for o in state
        .offices
        .iter()
        .filter(|o| o.office.status == OfficeStatus::Active)
    {
        if let Some(p) = &o.organization.position {
            prop_assert!(
                active_positions.insert(p.ballotready_position_id.clone()),
                "two active offices for {}",
                p.ballotready_position_id
            );
        }
    }

    // Overrides never equal the position's natural district.
    for org in state
        .campaigns
        .iter()
        .map(|c| &c.organization)
        .chain(state.offices.iter().map(|o| &o.organization))
    {
        if let (Some(o), Some(natural)) = (
            &org.override_district,
            org.position.as_ref().and_then(|p| p.district.as_ref()),
        ) {
            prop_assert_ne!(
                o.id,
                natural.id,
                "override equal to the natural district stored"
            );
        }
    }

    // No segment lives in a Serve org with a party criterion.
    let serve_orgs: BTreeSet<_> = state.offices.iter().map(|o| o.organization.id).collect();
    for s in &state.segments {
        if serve_orgs.contains(&s.organization_id) {
            prop_assert!(
                s.criteria.party.is_none(),
                "party criterion in a Serve org's segment"
            );
        }
    }
    Ok(())
}

/// What only grows: events are appended, records are never removed, an archive date never changes.
fn check_append_only(
    before: &UserLifecycle,
    after: &UserLifecycle,
    t: &Transition,
) -> Result<(), TestCaseError> {
    prop_assert!(after.events.len() >= before.events.len());
    prop_assert_eq!(
        &after.events[..before.events.len()],
        &before.events[..],
        "events rewritten"
    );
    let appended = t
        .changes
        .iter()
        .filter(|c| matches!(c, Change::AppendEvent(_)))
        .count();
    prop_assert_eq!(after.events.len() - before.events.len(), appended);
    prop_assert!(after.campaigns.len() >= before.campaigns.len());
    prop_assert!(after.offices.len() >= before.offices.len());
    for (b, a) in before.campaigns.iter().zip(&after.campaigns) {
        prop_assert_eq!(b.campaign.id, a.campaign.id);
        // A closed campaign never changes again.
        if !b.campaign.status.is_open() {
            prop_assert_eq!(b, a);
        }
    }
    for (b, a) in before.offices.iter().zip(&after.offices) {
        prop_assert_eq!(b.office.id, a.office.id);
        if b.office.status == OfficeStatus::Ended {
            prop_assert_eq!(b, a);
        }
    }
    let after_archived = archived_orgs(after);
    for (id, at) in archived_orgs(before) {
        prop_assert_eq!(
            after_archived.get(&id),
            Some(&at),
            "an archived org changed its archive date"
        );
    }
    Ok(())
}

fn run_steps(steps: &[Step]) -> Result<UserLifecycle, TestCaseError> {
    let mut sim = Sim::new();
    for step in steps {
        sim.now += Duration::seconds(1);
        let cmd = sim.command(step);
        let before = sim.state.clone();
        let want = expected(&before, &cmd);
        let now = sim.now;
        let next = &mut sim.next_id;
        let got = decide(&before, &cmd, now, &mut || {
            *next += 1;
            Uuid::from_u128(*next)
        });
        match (got, want) {
            (Err(got), Err(want)) => {
                // A refusal carries no changes (nothing is applied); it must be the refusal §4 names.
                prop_assert_eq!(got, want, "wrong refusal for {:?}", cmd);
            }
            (Err(got), Ok(_)) => prop_assert!(false, "{:?} refused with {:?}", cmd, got),
            (Ok(t), Err(want)) => {
                prop_assert!(false, "{:?} accepted ({:?}), expected {:?}", cmd, t, want)
            }
            (Ok(t), Ok(repeat)) => {
                prop_assert_eq!(
                    t.changes.is_empty(),
                    repeat,
                    "{:?}: changes {:?}",
                    cmd,
                    t.changes
                );
                check_transition_respects_archives(&before, &t)?;
                check_copied_segments(&before, &cmd, &t)?;
                check_ended_offices(&before, &cmd, &t)?;
                sim.state.apply(&t.changes);
                check_append_only(&before, &sim.state, &t)?;
                if let Step::Create { segments, .. } = step {
                    let Outcome::Campaign {
                        organization_id, ..
                    } = t.outcome
                    else {
                        return Err(TestCaseError::fail("create did not report a campaign"));
                    };
                    sim.save_segments(organization_id, segments);
                }
            }
        }
        check_state(&sim.state)?;
    }
    Ok(sim.state)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn lifecycle_invariants_hold_for_any_command_sequence(
        steps in proptest::collection::vec(step(), 5..=30)
    ) {
        run_steps(&steps)?;
    }
}

/// A fixed sequence that reaches every kind of transition, so the invariants above are known to be
/// exercised on re-elections, copied segments and repeats (not only on refusals).
#[test]
fn invariants_hold_on_a_scripted_career() {
    let create = |position: Option<usize>, segments: Vec<bool>| Step::Create {
        position,
        custom_name: false,
        with_override: true,
        segments,
    };
    let record = |campaign: usize, outcome, copy_segments| Step::Record {
        target: Target::Existing(campaign),
        outcome,
        copy_segments,
    };
    let steps = vec![
        create(Some(0), vec![true, false]),
        Step::Launch(Target::Existing(0)),
        record(0, CampaignOutcome::Won, true),
        create(Some(0), vec![true]),
        Step::Launch(Target::Existing(1)),
        record(1, CampaignOutcome::Won, true),   // re-election
        record(1, CampaignOutcome::Won, false),  // repeat
        record(1, CampaignOutcome::Lost, false), // refused
        Step::End(Target::Existing(1)),
        Step::End(Target::Existing(1)), // repeat
        create(None, vec![]),
        Step::Launch(Target::Existing(2)), // refused: office not set
        record(2, CampaignOutcome::Withdrawn, false),
        Step::End(Target::Unknown(7)), // refused
    ];
    let state = run_steps(&steps).unwrap();
    let statuses: Vec<_> = state.campaigns.iter().map(|c| c.campaign.status).collect();
    assert_eq!(
        statuses,
        [
            CampaignStatus::Won,
            CampaignStatus::Won,
            CampaignStatus::Withdrawn
        ]
    );
    let offices: Vec<_> = state.offices.iter().map(|o| o.office.status).collect();
    assert_eq!(offices, [OfficeStatus::Ended, OfficeStatus::Ended]);
    // Three segments saved in campaign orgs, three copies (party removed) in the two Serve orgs.
    let serve: Vec<_> = state.offices.iter().map(|o| o.organization.id).collect();
    let copies: Vec<_> = state
        .segments
        .iter()
        .filter(|s| serve.contains(&s.organization_id))
        .collect();
    assert_eq!((state.segments.len(), copies.len()), (6, 3));
    assert!(copies.iter().all(|s| s.criteria.party.is_none()));
    let ended = state
        .events
        .iter()
        .filter(|e| e.kind == LifecycleEventKind::OfficeEnded)
        .count();
    assert_eq!(ended, 2);
}
