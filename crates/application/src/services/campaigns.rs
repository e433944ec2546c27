//! [`CampaignService`]: the caller's campaigns and the Win side of the lifecycle — create (optionally
//! from an office's position and district), update, launch, record the result.

use super::{Clock, IdSource, OrgScope, Patch, Ports, WrongMode};
use crate::error::StoreError;
use crate::ports::{
    CampaignRepository, Decision, LifecycleStore, OfficeRepository, OrganizationDetails,
    OrganizationRepository, ReferenceRepository,
};
use chrono::NaiveDate;
use std::sync::Arc;
use winserve_domain::{
    Action, BallotReadyId, Campaign, CampaignDetails, CampaignId, CampaignOutcome, Carry,
    CreateCampaign, CustomPositionName, DistrictId, ElectedOffice, ElectedOfficeId, Forbidden,
    InvalidValue, LifecycleError, Mode, OrganizationDraft, OrganizationId, RecordResult,
    RemovedPartyCriteria, Slug, Team, UserId, check_date, decide_create_campaign, decide_launch,
    decide_result,
};

/// What a new campaign runs for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewCampaign {
    /// The position; unknown ids are refused.
    pub position_id: Option<BallotReadyId>,
    /// A free-text position name.
    pub custom_position_name: Option<CustomPositionName>,
    /// An override district; unknown ids are refused.
    pub override_district_id: Option<DistrictId>,
    /// Start from this office's position, override district and custom name (copied); fields given
    /// above take precedence, and a new position drops the office's override.
    pub from_elected_office_id: Option<ElectedOfficeId>,
    /// Dates, race ids and party.
    pub details: CampaignDetails,
    /// With `from_elected_office_id`: members of the office's organization to bring along, with their
    /// roles (anyone else is refused). Otherwise must be empty: the owner starts alone.
    pub carry_members: Vec<UserId>,
}

/// A partial update of a campaign's details: absent keys keep their value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CampaignPatch {
    /// Election day.
    pub election_date: Patch<NaiveDate>,
    /// Primary election day.
    pub primary_election_date: Patch<NaiveDate>,
    /// BallotReady race id.
    pub ballotready_race_id: Patch<String>,
    /// BallotReady election id.
    pub ballotready_election_id: Patch<String>,
    /// The candidate's party.
    pub party: Patch<String>,
}

/// The result to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResult {
    /// Won, lost or withdrawn.
    pub outcome: CampaignOutcome,
    /// On a win: when the term starts.
    pub sworn_in_date: Option<NaiveDate>,
    /// On a win: copy the campaign's custom segments into the new Serve organization (without party
    /// criteria).
    pub copy_segments: bool,
    /// On a win: members of the campaign's organization to bring into the Serve organization, with
    /// their roles (anyone else is refused).
    pub carry_members: Vec<UserId>,
}

/// The result of recording a campaign's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRecorded {
    /// The campaign, closed, with its organization's slug.
    pub campaign: (Campaign, Slug),
    /// The office that started, on a win, with its organization's slug.
    pub elected_office: Option<(ElectedOffice, Slug)>,
    /// The new Serve organization on a win, else the campaign's.
    pub organization: OrganizationDetails,
    /// Party criteria removed from copied segments.
    pub removed_party_criteria: Vec<RemovedPartyCriteria>,
    /// On a win: who came along and who stayed behind.
    pub team: Team,
}

/// A new campaign with its organization and the team carried into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignCreated {
    /// The draft campaign.
    pub campaign: Campaign,
    /// Its new Win organization.
    pub organization: OrganizationDetails,
    /// Who came along from the office's organization, and who stayed behind.
    pub team: Team,
}

/// Why a campaign was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateCampaignError {
    /// `from_elected_office_id` names no office of the caller's.
    #[error("elected office not found")]
    ElectedOfficeNotFound,
    /// A value is invalid, or names a position or district that does not exist.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The lifecycle refused it (an open campaign exists).
    #[error(transparent)]
    Refused(#[from] LifecycleError),
    /// A record the transaction wrote could not be read back.
    #[error("campaign not found")]
    CampaignNotFound,
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a campaign was not launched.
#[derive(Debug, thiserror::Error)]
pub enum LaunchCampaignError {
    /// The lifecycle refused it (not the caller's, not a draft, no office set).
    #[error(transparent)]
    Refused(#[from] LifecycleError),
    /// The campaign or its organization is not (or no longer) the caller's.
    #[error("campaign not found")]
    CampaignNotFound,
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a result was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordResultError {
    /// The sworn-in date is out of range.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// No campaign of the caller's has this id.
    #[error("campaign not found")]
    CampaignNotFound,
    /// The lifecycle refused it (another result recorded, a draft that cannot win, …).
    #[error(transparent)]
    Refused(#[from] LifecycleError),
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// No campaign of the caller's has this id.
#[derive(Debug, thiserror::Error)]
pub enum FindCampaignError {
    /// Not found (another user's campaign included).
    #[error("campaign not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a campaign's details were not updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateCampaignError {
    /// No campaign of the caller's has this id.
    #[error("campaign not found")]
    NotFound,
    /// Its organization is archived (the campaign is closed).
    #[error("the organization is archived and read-only")]
    Archived,
    /// A value is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A unique value is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

from_update_error!(UpdateCampaignError);

/// Why the organization has no current campaign to show.
#[derive(Debug, thiserror::Error)]
pub enum CurrentCampaignError {
    /// A Serve organization has offices, not campaigns.
    #[error(transparent)]
    WrongMode(#[from] WrongMode),
    /// The Win organization has no campaign (never the case for organizations the lifecycle made).
    #[error("campaign not found")]
    NotFound,
}

from_lifecycle_store_error!(CreateCampaignError, LaunchCampaignError, RecordResultError);

/// Campaigns, scoped by owner.
#[derive(Clone)]
pub struct CampaignService {
    campaigns: Arc<dyn CampaignRepository>,
    offices: Arc<dyn OfficeRepository>,
    organizations: Arc<dyn OrganizationRepository>,
    reference: Arc<dyn ReferenceRepository>,
    lifecycle: Arc<dyn LifecycleStore>,
    clock: Clock,
    ids: IdSource,
}

impl CampaignService {
    pub(super) fn new(ports: &Ports, clock: Clock, ids: IdSource) -> Self {
        Self {
            campaigns: ports.campaigns.clone(),
            offices: ports.offices.clone(),
            organizations: ports.organizations.clone(),
            reference: ports.reference.clone(),
            lifecycle: ports.lifecycle.clone(),
            clock,
            ids,
        }
    }

    /// All of the caller's campaigns, newest first, with their organizations' slugs.
    pub async fn list(&self, owner: UserId) -> Result<Vec<(Campaign, Slug)>, StoreError> {
        self.campaigns.list_for_member(owner).await
    }

    /// One of the caller's campaigns.
    pub async fn get(
        &self,
        owner: UserId,
        id: CampaignId,
    ) -> Result<(Campaign, Slug), FindCampaignError> {
        let (campaign, slug, _) = self
            .campaigns
            .find(owner, id)
            .await?
            .ok_or(FindCampaignError::NotFound)?;
        Ok((campaign, slug))
    }

    /// The campaign of the Win organization the request acts in.
    pub fn current(&self, scope: &OrgScope) -> Result<(Campaign, Slug), CurrentCampaignError> {
        let scope = scope.clone().require_mode(Mode::Win)?;
        let campaign = scope
            .details()
            .campaign
            .clone()
            .ok_or(CurrentCampaignError::NotFound)?;
        Ok((campaign, scope.organization().slug.clone()))
    }

    /// Creates a draft campaign and its Win organization. Refused with
    /// [`LifecycleError::OpenCampaignExists`] while the user has a draft or active campaign.
    pub async fn create(
        &self,
        owner: UserId,
        input: NewCampaign,
    ) -> Result<CampaignCreated, CreateCampaignError> {
        input.details.validate()?;
        let (organization, office_org) = self.resolve_draft(&input, owner).await?;
        // From an office, the answer names who came along and who stayed (maybe everyone).
        let carry = match (office_org, input.carry_members.is_empty()) {
            (Some(from), _) => Some(Carry {
                from,
                members: input.carry_members,
            }),
            (None, true) => None,
            (None, false) => {
                return Err(InvalidValue::new(
                    "carry_members",
                    "members come along only from an office (from_elected_office_id)",
                )
                .into());
            }
        };
        let command = CreateCampaign {
            organization,
            details: input.details,
            carry,
        };
        let (now, ids) = ((self.clock)(), self.ids.clone());
        let decision: Decision<_> =
            Box::new(move |state| decide_create_campaign(state, &command, now, &mut || (ids)()));
        let created = self.lifecycle.transact_campaign(owner, decision).await?;
        let (campaign, organization) = self
            .campaign_with_org(owner, created.outcome.campaign_id)
            .await?
            .ok_or(CreateCampaignError::CampaignNotFound)?;
        Ok(CampaignCreated {
            campaign,
            organization,
            team: created.outcome.team,
        })
    }

    /// `draft → active`; needs a position or a custom position name.
    pub async fn launch(
        &self,
        owner: UserId,
        id: CampaignId,
    ) -> Result<(Campaign, OrganizationDetails), LaunchCampaignError> {
        let (_, _, role) = self
            .campaigns
            .find(owner, id)
            .await?
            .ok_or(LaunchCampaignError::CampaignNotFound)?;
        role.require(Action::Lifecycle)?;
        let now = (self.clock)();
        let decision: Decision<_> = Box::new(move |state| decide_launch(state, id, now));
        self.lifecycle.transact_campaign(owner, decision).await?;
        self.campaign_with_org(owner, id)
            .await?
            .ok_or(LaunchCampaignError::CampaignNotFound)
    }

    /// Records a campaign's outcome; on a win the office and its Serve organization start. Recording
    /// the same outcome again changes nothing and answers what the first call answered, whatever its
    /// `sworn_in_date` or `copy_segments` (the removed party criteria come from the log; ADR 0004).
    pub async fn record_result(
        &self,
        owner: UserId,
        id: CampaignId,
        result: NewResult,
    ) -> Result<ResultRecorded, RecordResultError> {
        let (campaign, _, role) = self
            .campaigns
            .find(owner, id)
            .await?
            .ok_or(RecordResultError::CampaignNotFound)?;
        role.require(Action::Lifecycle)?;
        check_date("sworn_in_date", result.sworn_in_date)?;
        let segments_of = result.copy_segments.then_some(campaign.organization_id);
        let command = RecordResult {
            campaign_id: id,
            outcome: result.outcome,
            sworn_in_date: result.sworn_in_date,
            copy_segments: result.copy_segments,
            carry_members: result.carry_members,
        };
        let (now, ids) = ((self.clock)(), self.ids.clone());
        let decision: Decision<_> =
            Box::new(move |state| decide_result(state, &command, now, &mut || (ids)()));
        let decided = self
            .lifecycle
            .transact_result(owner, segments_of, decision)
            .await?
            .outcome;
        let (campaign, campaign_slug, _) = self
            .campaigns
            .find(owner, id)
            .await?
            .ok_or(RecordResultError::CampaignNotFound)?;
        let campaign = (campaign, campaign_slug);
        let elected_office = match decided.elected_office_id {
            Some(office) => self
                .offices
                .find(owner, office)
                .await?
                .map(|(office, slug, _)| (office, slug)),
            None => None,
        };
        let org_slug = elected_office
            .as_ref()
            .map_or(&campaign.1, |(_, slug)| slug);
        let organization = self
            .organizations
            .find_by_slug(owner, org_slug)
            .await?
            .ok_or(RecordResultError::CampaignNotFound)?;
        Ok(ResultRecorded {
            campaign,
            elected_office,
            organization,
            removed_party_criteria: decided.removed_party_criteria,
            team: decided.team,
        })
    }

    /// Applies a partial update to one of the caller's campaigns' details (dates checked).
    pub async fn update(
        &self,
        editor: UserId,
        id: CampaignId,
        patch: CampaignPatch,
    ) -> Result<(Campaign, Slug), UpdateCampaignError> {
        let (current, _, role) = self
            .campaigns
            .find(editor, id)
            .await?
            .ok_or(UpdateCampaignError::NotFound)?;
        role.require(Action::EditOrganization)?;
        let d = current.details;
        let details = CampaignDetails {
            election_date: patch.election_date.apply(d.election_date),
            primary_election_date: patch.primary_election_date.apply(d.primary_election_date),
            ballotready_race_id: patch.ballotready_race_id.apply(d.ballotready_race_id),
            ballotready_election_id: patch
                .ballotready_election_id
                .apply(d.ballotready_election_id),
            party: patch.party.apply(d.party),
        };
        details.validate()?;
        self.campaigns
            .update_details(editor, id, &details)
            .await
            .map_err(Into::into)
    }

    /// The new campaign's organization profile: the office's (when starting from one) overridden by the
    /// input, every reference checked; and the office's organization, when starting from one.
    async fn resolve_draft(
        &self,
        input: &NewCampaign,
        owner: UserId,
    ) -> Result<(OrganizationDraft, Option<OrganizationId>), CreateCampaignError> {
        let mut office_org_id = None;
        let mut position_id = input.position_id.clone();
        let mut override_id = input.override_district_id;
        let mut custom = input.custom_position_name.clone();
        if let Some(office_id) = input.from_elected_office_id {
            let (_, slug, role) = self
                .offices
                .find(owner, office_id)
                .await?
                .ok_or(CreateCampaignError::ElectedOfficeNotFound)?;
            // Running again from an office is the office owner's lifecycle, not an aide's.
            role.require(Action::Lifecycle)?;
            let office_org = self
                .organizations
                .find_by_slug(owner, &slug)
                .await?
                .ok_or(CreateCampaignError::ElectedOfficeNotFound)?
                .organization;
            office_org_id = Some(office_org.id);
            let office_org = office_org.profile();
            // The office's override was chosen for the office's position: inherit it only with it.
            if position_id.is_none() {
                position_id = office_org.position_id;
                override_id = override_id.or(office_org.override_district_id);
            }
            custom = custom.or(office_org.custom_position_name);
        }
        let position = match &position_id {
            Some(id) => Some(self.reference.find_position(id).await?.ok_or_else(|| {
                InvalidValue::new("ballotready_position_id", "no position has this id")
            })?),
            None => None,
        };
        let override_district = match override_id {
            Some(id) => Some(self.reference.find_district(id).await?.ok_or_else(|| {
                InvalidValue::new("override_district_id", "no district has this id")
            })?),
            None => None,
        };
        Ok((
            OrganizationDraft {
                position,
                override_district,
                custom_position_name: custom,
            },
            office_org_id,
        ))
    }

    async fn campaign_with_org(
        &self,
        owner: UserId,
        id: CampaignId,
    ) -> Result<Option<(Campaign, OrganizationDetails)>, StoreError> {
        let Some((campaign, slug, _)) = self.campaigns.find(owner, id).await? else {
            return Ok(None);
        };
        let org = self.organizations.find_by_slug(owner, &slug).await?;
        Ok(org.map(|org| (campaign, org)))
    }
}
