//! The lifecycle of product.md §4 as pure transition functions.
//!
//! [`decide`] takes a snapshot of one user's campaigns, offices and log ([`UserLifecycle`]) and a
//! [`LifecycleCommand`], and returns the [`Transition`] — the changes to store and the outcome to report —
//! or a [`LifecycleError`]. It does no I/O: ids and the clock are passed in. A storage adapter loads the
//! snapshot under a per-user lock, calls `decide`, and applies the changes in the same transaction;
//! [`UserLifecycle::apply`] applies them in memory (for tests and mocks).

use crate::{
    Campaign, CampaignDetails, CampaignId, CampaignOutcome, CampaignStatus, ClerkOrganizationId,
    CustomPositionName, District, ElectedOffice, ElectedOfficeId, LifecycleEvent,
    LifecycleEventKind, Membership, Mode, OfficeDates, OfficeStatus, Organization, OrganizationId,
    PartyPolicy, Position, RemovedPartyCriteria, Segment, SegmentId, Slug, Team, UserId,
    normalize_override,
};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

/// A campaign with its organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRecord {
    /// The campaign.
    pub campaign: Campaign,
    /// Its Win organization.
    pub organization: Organization,
}

/// An office with its organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeRecord {
    /// The office.
    pub office: ElectedOffice,
    /// Its Serve organization.
    pub organization: Organization,
}

/// Everything [`decide`] needs to know about one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLifecycle {
    /// The user.
    pub user_id: UserId,
    /// All of the user's campaigns.
    pub campaigns: Vec<CampaignRecord>,
    /// All of the user's offices.
    pub offices: Vec<OfficeRecord>,
    /// The user's lifecycle log, in order.
    pub events: Vec<LifecycleEvent>,
    /// The custom segments of the organization the command acts on (needed to copy segments on a win);
    /// may be empty for other commands.
    pub segments: Vec<Segment>,
    /// The members (other than the user) of the organizations the user owns: whom a win or a new
    /// campaign from an office may carry along.
    pub members: Vec<Membership>,
}

/// The office a new campaign runs for, resolved against reference data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationDraft {
    /// The BallotReady position, with its natural district.
    pub position: Option<Position>,
    /// An override district.
    pub override_district: Option<District>,
    /// A free-text position name.
    pub custom_position_name: Option<CustomPositionName>,
}

/// Create a draft campaign and its Win organization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateCampaign {
    /// What the new organization is about. To start from an office, the caller copies the office
    /// organization's profile here (see [`OfficeRecord`]); it is copied, never shared.
    pub organization: OrganizationDraft,
    /// The campaign's details.
    pub details: CampaignDetails,
    /// Members of an organization the user owns (the office's, when running again) to bring into the
    /// new one, with their roles. `None`: the owner starts alone.
    pub carry: Option<Carry>,
}

/// Members to bring from one of the user's organizations into a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carry {
    /// Where they come from.
    pub from: OrganizationId,
    /// Who (each must be a member of `from` other than the owner).
    pub members: Vec<UserId>,
}

/// Record the result of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordResult {
    /// The campaign.
    pub campaign_id: CampaignId,
    /// The outcome.
    pub outcome: CampaignOutcome,
    /// On a win, the date the office's term started.
    pub sworn_in_date: Option<NaiveDate>,
    /// On a win, copy the campaign organization's custom segments into the new Serve organization (party
    /// criteria removed).
    pub copy_segments: bool,
    /// On a win, the campaign organization's members to bring into the Serve organization (with their
    /// roles); everyone else stays behind. Must be empty for other outcomes.
    pub carry_members: Vec<UserId>,
}

/// A change to one user's lifecycle.
// Commands are built once per request and moved, never stored in bulk: boxing the large variant would
// only make them clumsier to build.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifecycleCommand {
    /// Create a draft campaign.
    CreateCampaign(CreateCampaign),
    /// `draft → active`.
    Launch {
        /// The campaign.
        campaign_id: CampaignId,
    },
    /// `active → won | lost`, `draft | active → withdrawn`.
    RecordResult(RecordResult),
    /// `active → ended`.
    EndOffice {
        /// The office.
        office_id: ElectedOfficeId,
    },
}

/// A change for storage to make, in order, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Insert an organization (its position and districts are referenced by id).
    InsertOrganization(Organization),
    /// Archive an organization.
    ArchiveOrganization {
        /// The organization.
        id: OrganizationId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Insert a campaign.
    InsertCampaign(Campaign),
    /// Store a campaign's new status and timestamps.
    UpdateCampaign(Campaign),
    /// Insert an office.
    InsertOffice(ElectedOffice),
    /// Store an office's new status and timestamps.
    UpdateOffice(ElectedOffice),
    /// Insert a custom segment.
    InsertSegment(Segment),
    /// Make a user a member of a new organization of the locked user.
    InsertMember {
        /// The organization.
        organization_id: OrganizationId,
        /// The member.
        user_id: UserId,
        /// Their role.
        role: crate::Role,
        /// When they joined.
        at: DateTime<Utc>,
    },
    /// Append to the lifecycle log.
    AppendEvent(LifecycleEvent),
}

/// What creating or launching a campaign did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDecided {
    /// The campaign.
    pub campaign_id: CampaignId,
    /// Its organization.
    pub organization_id: OrganizationId,
    /// On creation from an office: who came along and who stayed behind.
    pub team: Team,
}

/// What recording a campaign's result did (or had done, with the same outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultDecided {
    /// The campaign.
    pub campaign_id: CampaignId,
    /// The office that started, on a win.
    pub elected_office_id: Option<ElectedOfficeId>,
    /// The new Serve organization on a win, else the campaign's.
    pub organization_id: OrganizationId,
    /// Party criteria removed from copied segments.
    pub removed_party_criteria: Vec<RemovedPartyCriteria>,
    /// On a win: who came along into the Serve organization and who stayed behind.
    pub team: Team,
}

/// What ending an office did (or had done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeDecided {
    /// The office.
    pub elected_office_id: ElectedOfficeId,
}

/// What a command did, for the caller to report: one of the typed outcomes, for [`decide`], which takes
/// any command. The typed deciders ([`decide_create_campaign`], …) return the typed outcome itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A campaign was created or launched.
    Campaign {
        /// The campaign.
        campaign_id: CampaignId,
        /// Its organization.
        organization_id: OrganizationId,
    },
    /// A campaign's result was recorded (or had been, with the same outcome).
    Result {
        /// The campaign.
        campaign_id: CampaignId,
        /// The office that started, on a win.
        elected_office_id: Option<ElectedOfficeId>,
        /// The new Serve organization on a win, else the campaign's.
        organization_id: OrganizationId,
        /// Party criteria removed from copied segments.
        removed_party_criteria: Vec<RemovedPartyCriteria>,
    },
    /// An office ended (or had).
    Office {
        /// The office.
        elected_office_id: ElectedOfficeId,
    },
}

impl From<CampaignDecided> for Outcome {
    fn from(o: CampaignDecided) -> Self {
        Outcome::Campaign {
            campaign_id: o.campaign_id,
            organization_id: o.organization_id,
        }
    }
}

impl From<ResultDecided> for Outcome {
    fn from(o: ResultDecided) -> Self {
        Outcome::Result {
            campaign_id: o.campaign_id,
            elected_office_id: o.elected_office_id,
            organization_id: o.organization_id,
            removed_party_criteria: o.removed_party_criteria,
        }
    }
}

impl From<OfficeDecided> for Outcome {
    fn from(o: OfficeDecided) -> Self {
        Outcome::Office {
            elected_office_id: o.elected_office_id,
        }
    }
}

/// The result of a decision: the changes to store and what to report, typed by the command
/// (`Transition<CampaignDecided>`, …) or as the [`Outcome`] enum of [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition<O = Outcome> {
    /// What to store; empty when the command repeats an earlier one.
    pub changes: Vec<Change>,
    /// What to report.
    pub outcome: O,
}

impl<O: Into<Outcome>> Transition<O> {
    /// The same transition with its outcome as the [`Outcome`] enum.
    pub fn into_untyped(self) -> Transition {
        Transition {
            changes: self.changes,
            outcome: self.outcome.into(),
        }
    }
}

/// Why a lifecycle command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// The campaign is not one of the user's.
    #[error("campaign not found")]
    CampaignNotFound,
    /// The office is not one of the user's.
    #[error("elected office not found")]
    OfficeNotFound,
    /// The user already has a draft or active campaign.
    #[error("the user already has an open campaign ({0})")]
    OpenCampaignExists(CampaignId),
    /// Launch needs a position or a custom position name.
    #[error("set a position or a custom position name before launching")]
    OfficeNotSet,
    /// A different result was already recorded.
    #[error("the campaign's result was already recorded as {0}")]
    ResultAlreadyRecorded(&'static str),
    /// `carry_members` names someone who is not a member of the organization they would come from, or
    /// is given for an outcome that creates no organization.
    #[error("carry_members: {0}")]
    CannotCarry(String),
    /// The command does not apply in the current status.
    #[error("cannot {action} a campaign or office that is {status}")]
    InvalidTransition {
        /// What was attempted.
        action: &'static str,
        /// The current status.
        status: &'static str,
    },
    /// The organization is archived.
    #[error("the organization is archived and read-only")]
    OrganizationArchived,
}

impl UserLifecycle {
    /// An empty lifecycle for a user with no campaigns yet.
    pub fn new(user_id: UserId) -> Self {
        Self {
            user_id,
            campaigns: Vec::new(),
            offices: Vec::new(),
            events: Vec::new(),
            segments: Vec::new(),
            members: Vec::new(),
        }
    }

    /// The user's open (draft or active) campaign, if any.
    pub fn open_campaign(&self) -> Option<&CampaignRecord> {
        self.campaigns.iter().find(|c| c.campaign.status.is_open())
    }

    /// One of the user's campaigns.
    pub fn campaign(&self, id: CampaignId) -> Option<&CampaignRecord> {
        self.campaigns.iter().find(|c| c.campaign.id == id)
    }

    /// One of the user's offices.
    pub fn office(&self, id: ElectedOfficeId) -> Option<&OfficeRecord> {
        self.offices.iter().find(|o| o.office.id == id)
    }

    /// The office that came from `campaign` (its provenance, from the log).
    pub fn office_won_by(&self, campaign: CampaignId) -> Option<ElectedOfficeId> {
        self.won_event(campaign).and_then(|e| e.elected_office_id)
    }

    /// The `campaign_won` event of `campaign`, if it was won.
    pub fn won_event(&self, campaign: CampaignId) -> Option<&LifecycleEvent> {
        self.events
            .iter()
            .find(|e| e.kind == LifecycleEventKind::CampaignWon && e.campaign_id == Some(campaign))
    }

    /// Applies `changes` in memory, as storage would.
    pub fn apply(&mut self, changes: &[Change]) {
        for change in changes {
            match change {
                Change::InsertOrganization(_) => {}
                Change::ArchiveOrganization { id, at } => {
                    let orgs = self
                        .campaigns
                        .iter_mut()
                        .map(|c| &mut c.organization)
                        .chain(self.offices.iter_mut().map(|o| &mut o.organization));
                    for org in orgs.filter(|o| o.id == *id) {
                        org.archived_at = Some(*at);
                    }
                }
                Change::InsertCampaign(c) => {
                    let organization = pending_org(changes, c.organization_id);
                    self.campaigns.push(CampaignRecord {
                        campaign: c.clone(),
                        organization,
                    });
                }
                Change::UpdateCampaign(c) => {
                    if let Some(r) = self.campaigns.iter_mut().find(|r| r.campaign.id == c.id) {
                        r.campaign = c.clone();
                    }
                }
                Change::InsertOffice(o) => {
                    let organization = pending_org(changes, o.organization_id);
                    self.offices.push(OfficeRecord {
                        office: o.clone(),
                        organization,
                    });
                }
                Change::UpdateOffice(o) => {
                    if let Some(r) = self.offices.iter_mut().find(|r| r.office.id == o.id) {
                        r.office = o.clone();
                    }
                }
                Change::InsertSegment(s) => self.segments.push(s.clone()),
                Change::InsertMember {
                    organization_id,
                    user_id,
                    role,
                    ..
                } => self.members.push(Membership {
                    organization_id: *organization_id,
                    user_id: *user_id,
                    role: *role,
                }),
                Change::AppendEvent(e) => self.events.push(e.clone()),
            }
        }
    }
}

fn pending_org(changes: &[Change], id: OrganizationId) -> Organization {
    changes
        .iter()
        .find_map(|c| match c {
            Change::InsertOrganization(o) if o.id == id => Some(o.clone()),
            _ => None,
        })
        .expect("a campaign or office is inserted together with its organization")
}

/// Decides the effect of `command` on the user's lifecycle `state`. `now` is the clock; `new_id` yields
/// fresh UUIDs (v7 in production) for the records it creates.
pub fn decide(
    state: &UserLifecycle,
    command: &LifecycleCommand,
    now: DateTime<Utc>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<Transition, LifecycleError> {
    match command {
        LifecycleCommand::CreateCampaign(cmd) => {
            decide_create_campaign(state, cmd, now, new_id).map(Transition::into_untyped)
        }
        LifecycleCommand::Launch { campaign_id } => {
            decide_launch(state, *campaign_id, now).map(Transition::into_untyped)
        }
        LifecycleCommand::RecordResult(cmd) => {
            decide_result(state, cmd, now, new_id).map(Transition::into_untyped)
        }
        LifecycleCommand::EndOffice { office_id } => {
            decide_end_office(state, *office_id, now).map(Transition::into_untyped)
        }
    }
}

fn event(
    kind: LifecycleEventKind,
    state: &UserLifecycle,
    at: DateTime<Utc>,
    organization_id: OrganizationId,
    campaign_id: Option<CampaignId>,
    elected_office_id: Option<ElectedOfficeId>,
) -> Change {
    Change::AppendEvent(log_entry(
        kind,
        state,
        at,
        organization_id,
        campaign_id,
        elected_office_id,
    ))
}

fn log_entry(
    kind: LifecycleEventKind,
    state: &UserLifecycle,
    at: DateTime<Utc>,
    organization_id: OrganizationId,
    campaign_id: Option<CampaignId>,
    elected_office_id: Option<ElectedOfficeId>,
) -> LifecycleEvent {
    LifecycleEvent {
        kind,
        at,
        user_id: state.user_id,
        organization_id,
        campaign_id,
        elected_office_id,
        removed_party_criteria: Vec::new(),
        role: None,
        team: None,
    }
}

/// The changes that bring `team`'s members into the new organization `org`: each one's membership and
/// `member_joined` in their own history.
fn join_changes(team: &Team, org: OrganizationId, now: DateTime<Utc>) -> Vec<Change> {
    team.carried_members
        .iter()
        .flat_map(|m| {
            [
                Change::InsertMember {
                    organization_id: org,
                    user_id: m.user_id,
                    role: m.role,
                    at: now,
                },
                Change::AppendEvent(LifecycleEvent {
                    kind: LifecycleEventKind::MemberJoined,
                    at: now,
                    user_id: m.user_id,
                    organization_id: org,
                    campaign_id: None,
                    elected_office_id: None,
                    removed_party_criteria: Vec::new(),
                    role: Some(m.role),
                    team: None,
                }),
            ]
        })
        .collect()
}

/// The team `carry` names from one of the user's organizations.
fn plan_team(
    state: &UserLifecycle,
    from: OrganizationId,
    carry: &[UserId],
) -> Result<Team, LifecycleError> {
    Team::plan(&state.members, from, carry).map_err(|user| {
        LifecycleError::CannotCarry(format!(
            "{user} is not a member (other than the owner) of the organization they would come from"
        ))
    })
}

fn new_organization(
    state: &UserLifecycle,
    mode: Mode,
    year: Option<i32>,
    draft: OrganizationDraft,
    clerk_organization_id: Option<ClerkOrganizationId>,
    now: DateTime<Utc>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Organization {
    let id = OrganizationId::from_uuid(new_id());
    let simple = id.as_uuid().simple().to_string();
    // The tail of a v7 UUID is random; 12 hex digits make a collision practically impossible.
    let slug = Slug::generate(mode, year, &simple[simple.len() - 12..]);
    let natural = draft
        .position
        .as_ref()
        .and_then(|p| p.district.as_ref())
        .map(|d| d.id);
    let override_id = normalize_override(natural, draft.override_district.as_ref().map(|d| d.id));
    Organization {
        id,
        slug,
        mode,
        owner_id: state.user_id,
        position: draft.position,
        override_district: draft
            .override_district
            .filter(|d| Some(d.id) == override_id),
        custom_position_name: draft.custom_position_name,
        clerk_organization_id,
        created_at: now,
        updated_at: now,
        archived_at: None,
    }
}

/// Decides creating a draft campaign and its Win organization.
pub fn decide_create_campaign(
    state: &UserLifecycle,
    cmd: &CreateCampaign,
    now: DateTime<Utc>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<Transition<CampaignDecided>, LifecycleError> {
    if let Some(open) = state.open_campaign() {
        return Err(LifecycleError::OpenCampaignExists(open.campaign.id));
    }
    let team = match &cmd.carry {
        Some(carry) => plan_team(state, carry.from, &carry.members)?,
        None => Team::default(),
    };
    let year = cmd.details.election_date.map(|d| d.year());
    let org = new_organization(
        state,
        Mode::Win,
        year,
        cmd.organization.clone(),
        None,
        now,
        new_id,
    );
    let campaign = Campaign {
        id: CampaignId::from_uuid(new_id()),
        organization_id: org.id,
        owner_id: state.user_id,
        status: CampaignStatus::Draft,
        details: cmd.details.clone(),
        launched_at: None,
        closed_at: None,
        created_at: now,
        updated_at: now,
    };
    let created = LifecycleEvent {
        // Only a campaign started with a carry records its team.
        team: cmd.carry.as_ref().map(|_| team.clone()),
        ..log_entry(
            LifecycleEventKind::CampaignCreated,
            state,
            now,
            org.id,
            Some(campaign.id),
            None,
        )
    };
    let joins = join_changes(&team, org.id, now);
    let outcome = CampaignDecided {
        campaign_id: campaign.id,
        organization_id: org.id,
        team,
    };
    let mut changes = vec![
        Change::InsertOrganization(org),
        Change::InsertCampaign(campaign),
        Change::AppendEvent(created),
    ];
    changes.extend(joins);
    Ok(Transition { changes, outcome })
}

/// Decides launching a campaign (`draft → active`).
pub fn decide_launch(
    state: &UserLifecycle,
    id: CampaignId,
    now: DateTime<Utc>,
) -> Result<Transition<CampaignDecided>, LifecycleError> {
    let record = state.campaign(id).ok_or(LifecycleError::CampaignNotFound)?;
    let outcome = CampaignDecided {
        campaign_id: id,
        organization_id: record.organization.id,
        team: Team::default(),
    };
    match record.campaign.status {
        // Launching twice is a harmless retry.
        CampaignStatus::Active => Ok(Transition {
            changes: vec![],
            outcome,
        }),
        CampaignStatus::Draft => {
            if record.organization.is_archived() {
                return Err(LifecycleError::OrganizationArchived);
            }
            if !record.organization.has_office() {
                return Err(LifecycleError::OfficeNotSet);
            }
            let campaign = Campaign {
                status: CampaignStatus::Active,
                launched_at: Some(now),
                updated_at: now,
                ..record.campaign.clone()
            };
            let launched = event(
                LifecycleEventKind::CampaignLaunched,
                state,
                now,
                record.organization.id,
                Some(id),
                None,
            );
            Ok(Transition {
                changes: vec![Change::UpdateCampaign(campaign), launched],
                outcome,
            })
        }
        status => Err(LifecycleError::InvalidTransition {
            action: "launch",
            status: status.as_str(),
        }),
    }
}

/// Decides recording a campaign's result; on a win, the office and its Serve organization.
pub fn decide_result(
    state: &UserLifecycle,
    cmd: &RecordResult,
    now: DateTime<Utc>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<Transition<ResultDecided>, LifecycleError> {
    let record = state
        .campaign(cmd.campaign_id)
        .ok_or(LifecycleError::CampaignNotFound)?;
    let campaign = &record.campaign;
    let wanted = cmd.outcome.status();

    if !campaign.status.is_open() {
        if campaign.status != wanted {
            return Err(LifecycleError::ResultAlreadyRecorded(
                campaign.status.as_str(),
            ));
        }
        // The same result again: report what happened the first time — read from the log, whatever
        // this call's `sworn_in_date` or `copy_segments` say — and change nothing (ADR 0004).
        let won = state.won_event(campaign.id);
        let office = won.and_then(|e| e.elected_office_id);
        let organization_id = office
            .and_then(|o| state.office(o))
            .map_or(record.organization.id, |o| o.organization.id);
        return Ok(Transition {
            changes: vec![],
            outcome: ResultDecided {
                campaign_id: campaign.id,
                elected_office_id: office,
                organization_id,
                removed_party_criteria: won
                    .map(|e| e.removed_party_criteria.clone())
                    .unwrap_or_default(),
                team: won.and_then(|e| e.team.clone()).unwrap_or_default(),
            },
        });
    }
    if campaign.status == CampaignStatus::Draft && cmd.outcome != CampaignOutcome::Withdrawn {
        return Err(LifecycleError::InvalidTransition {
            action: "record a win or loss for",
            status: "draft",
        });
    }

    let closed = Campaign {
        status: wanted,
        closed_at: Some(now),
        updated_at: now,
        ..campaign.clone()
    };
    let campaign_org = record.organization.id;
    let mut changes = vec![
        Change::UpdateCampaign(closed),
        Change::ArchiveOrganization {
            id: campaign_org,
            at: now,
        },
    ];
    let kind = match cmd.outcome {
        CampaignOutcome::Won => LifecycleEventKind::CampaignWon,
        CampaignOutcome::Lost => LifecycleEventKind::CampaignLost,
        CampaignOutcome::Withdrawn => LifecycleEventKind::CampaignWithdrawn,
    };
    if cmd.outcome != CampaignOutcome::Won {
        if !cmd.carry_members.is_empty() {
            return Err(LifecycleError::CannotCarry(
                "only a win creates an organization to carry members into".into(),
            ));
        }
        changes.push(event(
            kind,
            state,
            now,
            campaign_org,
            Some(campaign.id),
            None,
        ));
        return Ok(Transition {
            changes,
            outcome: ResultDecided {
                campaign_id: campaign.id,
                elected_office_id: None,
                organization_id: campaign_org,
                removed_party_criteria: vec![],
                team: Team::default(),
            },
        });
    }
    let team = plan_team(state, campaign_org, &cmd.carry_members)?;

    // Won: a new Serve organization copying the campaign org's profile, and its office.
    let source = &record.organization;
    let draft = OrganizationDraft {
        position: source.position.clone(),
        override_district: source.override_district.clone(),
        custom_position_name: source.custom_position_name.clone(),
    };
    let serve_org = new_organization(
        state,
        Mode::Serve,
        campaign.details.election_date.map(|d| d.year()),
        draft,
        None,
        now,
        new_id,
    );
    let office = ElectedOffice {
        id: ElectedOfficeId::from_uuid(new_id()),
        organization_id: serve_org.id,
        owner_id: state.user_id,
        status: OfficeStatus::Active,
        dates: OfficeDates {
            sworn_in_date: cmd.sworn_in_date,
            term_end_date: None,
        },
        ended_at: None,
        created_at: now,
        updated_at: now,
    };

    let mut removed_party_criteria = vec![];
    let mut copies = vec![];
    if cmd.copy_segments {
        let policy = PartyPolicy::for_mode(Mode::Serve);
        for segment in state
            .segments
            .iter()
            .filter(|s| s.organization_id == campaign_org)
        {
            let copy = Segment {
                id: SegmentId::from_uuid(new_id()),
                organization_id: serve_org.id,
                created_at: now,
                updated_at: now,
                ..segment.clone()
            };
            let (copy, removed) = policy.strip(copy);
            removed_party_criteria.extend(removed);
            copies.push(Change::InsertSegment(copy));
        }
    }

    // The win's event records the removed criteria and the team: a repeated result answers them from
    // the log.
    let won = LifecycleEvent {
        removed_party_criteria: removed_party_criteria.clone(),
        team: Some(team.clone()),
        ..log_entry(
            kind,
            state,
            now,
            campaign_org,
            Some(campaign.id),
            Some(office.id),
        )
    };
    let mut events = vec![Change::AppendEvent(won)];

    // Re-election: the previous term in the same position ends in the same transaction, before the new
    // one starts (storage allows one active office per user and position).
    if let Some(position) = &source.position {
        let previous = state.offices.iter().filter(|o| {
            o.office.status == OfficeStatus::Active
                && o.organization
                    .position
                    .as_ref()
                    .is_some_and(|p| p.ballotready_position_id == position.ballotready_position_id)
        });
        for prev in previous {
            changes.push(Change::UpdateOffice(ended(&prev.office, now)));
            changes.push(Change::ArchiveOrganization {
                id: prev.organization.id,
                at: now,
            });
            events.push(event(
                LifecycleEventKind::OfficeEnded,
                state,
                now,
                prev.organization.id,
                None,
                Some(prev.office.id),
            ));
        }
    }

    events.push(event(
        LifecycleEventKind::OfficeStarted,
        state,
        now,
        serve_org.id,
        Some(campaign.id),
        Some(office.id),
    ));
    let joins = join_changes(&team, serve_org.id, now);
    let outcome = ResultDecided {
        campaign_id: campaign.id,
        elected_office_id: Some(office.id),
        organization_id: serve_org.id,
        removed_party_criteria,
        team,
    };
    changes.push(Change::InsertOrganization(serve_org));
    changes.push(Change::InsertOffice(office));
    changes.extend(copies);
    changes.extend(events);
    changes.extend(joins);
    Ok(Transition { changes, outcome })
}

fn ended(office: &ElectedOffice, now: DateTime<Utc>) -> ElectedOffice {
    ElectedOffice {
        status: OfficeStatus::Ended,
        ended_at: Some(now),
        updated_at: now,
        ..office.clone()
    }
}

/// Decides ending an office (`active → ended`).
pub fn decide_end_office(
    state: &UserLifecycle,
    id: ElectedOfficeId,
    now: DateTime<Utc>,
) -> Result<Transition<OfficeDecided>, LifecycleError> {
    let record = state.office(id).ok_or(LifecycleError::OfficeNotFound)?;
    let outcome = OfficeDecided {
        elected_office_id: id,
    };
    if record.office.status == OfficeStatus::Ended {
        return Ok(Transition {
            changes: vec![],
            outcome,
        });
    }
    let org = record.organization.id;
    Ok(Transition {
        changes: vec![
            Change::UpdateOffice(ended(&record.office, now)),
            Change::ArchiveOrganization { id: org, at: now },
            event(
                LifecycleEventKind::OfficeEnded,
                state,
                now,
                org,
                None,
                Some(id),
            ),
        ],
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PartyGroup, SegmentCriteria, SegmentName};
    use chrono::TimeZone;

    /// A user with an active campaign whose organization has a segment with a party criterion.
    fn launched_with_partisan_segment(
        now: DateTime<Utc>,
        ids: &mut dyn FnMut() -> Uuid,
    ) -> (UserLifecycle, CampaignId) {
        let mut state = UserLifecycle::new(UserId::from_uuid(Uuid::from_u128(1)));
        let create = CreateCampaign {
            organization: OrganizationDraft {
                custom_position_name: Some(CustomPositionName::new("Mayor").unwrap()),
                ..Default::default()
            },
            details: CampaignDetails::default(),
            carry: None,
        };
        let created = decide_create_campaign(&state, &create, now, ids).unwrap();
        state.apply(&created.changes);
        let CampaignDecided {
            campaign_id,
            organization_id,
            ..
        } = created.outcome;
        state.apply(&decide_launch(&state, campaign_id, now).unwrap().changes);
        state.segments.push(Segment {
            id: SegmentId::from_uuid(ids()),
            organization_id,
            name: SegmentName::new("Base").unwrap(),
            criteria: SegmentCriteria {
                party: Some(vec![PartyGroup::Republican]),
                ..Default::default()
            },
            created_at: now,
            updated_at: now,
        });
        (state, campaign_id)
    }

    #[test]
    fn a_repeated_win_answers_exactly_the_first_answer_whatever_its_options() {
        let now = Utc.with_ymd_and_hms(2026, 11, 4, 12, 0, 0).unwrap();
        let mut next = 0x100_u128;
        let mut ids = move || {
            next += 1;
            Uuid::from_u128(next)
        };
        let (mut state, campaign_id) = launched_with_partisan_segment(now, &mut ids);
        let win = RecordResult {
            campaign_id,
            outcome: CampaignOutcome::Won,
            sworn_in_date: NaiveDate::from_ymd_opt(2027, 1, 2),
            copy_segments: true,
            carry_members: vec![],
        };
        let first = decide_result(&state, &win, now, &mut ids).unwrap();
        assert_eq!(first.outcome.removed_party_criteria.len(), 1);
        assert_eq!(first.outcome.removed_party_criteria[0].name, "Base");
        state.apply(&first.changes);

        let later = now + chrono::Duration::minutes(5);
        let replays = [
            win.clone(),
            RecordResult {
                copy_segments: false,
                ..win.clone()
            },
            RecordResult {
                sworn_in_date: NaiveDate::from_ymd_opt(2027, 2, 3),
                ..win.clone()
            },
            RecordResult {
                sworn_in_date: None,
                copy_segments: false,
                ..win
            },
        ];
        for replay in replays {
            let again = decide_result(&state, &replay, later, &mut ids).unwrap();
            assert!(again.changes.is_empty(), "{:?}", again.changes);
            assert_eq!(again.outcome, first.outcome, "replay of {replay:?}");
        }
    }
}
