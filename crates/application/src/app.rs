//! Application services: the use cases of the API, written against the ports only. They resolve
//! reference data, apply the domain's rules and hand multi-step changes to the [`LifecycleStore`]
//! transaction boundary. See docs/adr/0002 for why they live here.

use crate::{
    CampaignRepository, HealthCheck, LifecycleStore, LifecycleStoreError, OfficeRepository,
    OrganizationDetails, OrganizationRepository, ProfileUpdate, ReferenceRepository,
    SegmentRepository, StoreError, UpdateError, UserRepository, VoterRepository,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use winserve_domain::{
    BallotReadyId, Campaign, CampaignDetails, CampaignId, CampaignOutcome, ClerkOrganizationId,
    CreateCampaign, CustomPositionName, DistrictId, ElectedOffice, ElectedOfficeId, InvalidValue,
    LifecycleCommand, LifecycleError, OrganizationDraft, Outcome, RecordResult,
    RemovedPartyCriteria, Slug, UserId, decide, normalize_override,
};

/// Every port the application uses, as shared trait objects. The binary fills it with the PostgreSQL
/// adapters; tests fill it with mocks.
#[derive(Clone)]
pub struct Ports {
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Organizations.
    pub organizations: Arc<dyn OrganizationRepository>,
    /// Campaigns.
    pub campaigns: Arc<dyn CampaignRepository>,
    /// Elected offices.
    pub offices: Arc<dyn OfficeRepository>,
    /// Positions and districts.
    pub reference: Arc<dyn ReferenceRepository>,
    /// Voters.
    pub voters: Arc<dyn VoterRepository>,
    /// Segments.
    pub segments: Arc<dyn SegmentRepository>,
    /// Contacts (read side of the voter file).
    pub contacts: Arc<dyn crate::ContactRepository>,
    /// The lifecycle transaction boundary and log.
    pub lifecycle: Arc<dyn LifecycleStore>,
    /// Database health.
    pub health: Arc<dyn HealthCheck>,
}

/// Why a use case failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// The named record does not exist among the caller's.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The domain refused a lifecycle change.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// Bad input, including ids of reference data that does not exist.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The organization is archived.
    #[error("the organization is archived and read-only")]
    Archived,
    /// A unique value is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<LifecycleStoreError> for AppError {
    fn from(e: LifecycleStoreError) -> Self {
        match e {
            LifecycleStoreError::Rejected(e) => AppError::Lifecycle(e),
            LifecycleStoreError::Store(e) => AppError::Store(e),
        }
    }
}

impl AppError {
    fn from_update(e: UpdateError, what: &'static str) -> Self {
        match e {
            UpdateError::NotFound => AppError::NotFound(what),
            UpdateError::Archived => AppError::Archived,
            UpdateError::Invalid(v) => AppError::Invalid(v),
            UpdateError::Conflict(m) => AppError::Conflict(m),
            UpdateError::Store(s) => AppError::Store(s),
        }
    }
}

/// A change to one optional field: keep it, clear it, or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// Leave the field as it is (the key was absent).
    #[default]
    Keep,
    /// Clear the field (the key was `null`).
    Clear,
    /// Set the field.
    Set(T),
}

impl<T: Clone> Patch<T> {
    /// The field's value after the patch, given its current value.
    pub fn apply(&self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v.clone()),
        }
    }
}

/// A partial update of an organization's profile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrganizationPatch {
    /// The BallotReady position.
    pub position_id: Patch<BallotReadyId>,
    /// The override district.
    pub override_district_id: Patch<DistrictId>,
    /// The free-text position name.
    pub custom_position_name: Patch<CustomPositionName>,
    /// The linked Clerk organization.
    pub clerk_organization_id: Patch<ClerkOrganizationId>,
}

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
}

/// The result of recording a campaign's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRecorded {
    /// The campaign, closed.
    pub campaign: (Campaign, Slug),
    /// The office that started, on a win.
    pub elected_office: Option<(ElectedOffice, Slug)>,
    /// The new Serve organization on a win, else the campaign's.
    pub organization: OrganizationDetails,
    /// Party criteria removed from copied segments.
    pub removed_party_criteria: Vec<RemovedPartyCriteria>,
}

/// The application: use cases over [`Ports`].
#[derive(Clone)]
pub struct App {
    /// The ports.
    pub ports: Ports,
    clock: fn() -> DateTime<Utc>,
}

impl App {
    /// An application over `ports` with the system clock.
    pub fn new(ports: Ports) -> Self {
        Self {
            ports,
            clock: Utc::now,
        }
    }

    async fn owned_organization(
        &self,
        owner: UserId,
        slug: &Slug,
    ) -> Result<OrganizationDetails, AppError> {
        self.ports
            .organizations
            .find_by_slug(owner, slug)
            .await?
            .ok_or(AppError::NotFound("organization"))
    }

    async fn resolve_draft(
        &self,
        input: &NewCampaign,
        owner: UserId,
    ) -> Result<OrganizationDraft, AppError> {
        let mut position_id = input.position_id.clone();
        let mut override_id = input.override_district_id;
        let mut custom = input.custom_position_name.clone();
        if let Some(office_id) = input.from_elected_office_id {
            let (_, slug) = self
                .ports
                .offices
                .find(owner, office_id)
                .await?
                .ok_or(AppError::NotFound("elected office"))?;
            let office_org = self
                .owned_organization(owner, &slug)
                .await?
                .organization
                .profile();
            // The office's override was chosen for the office's position: inherit it only with it.
            if position_id.is_none() {
                position_id = office_org.position_id;
                override_id = override_id.or(office_org.override_district_id);
            }
            custom = custom.or(office_org.custom_position_name);
        }
        let position =
            match &position_id {
                Some(id) => Some(self.ports.reference.find_position(id).await?.ok_or_else(
                    || InvalidValue::new("ballotready_position_id", "no position has this id"),
                )?),
                None => None,
            };
        let override_district =
            match override_id {
                Some(id) => Some(self.ports.reference.find_district(id).await?.ok_or_else(
                    || InvalidValue::new("override_district_id", "no district has this id"),
                )?),
                None => None,
            };
        Ok(OrganizationDraft {
            position,
            override_district,
            custom_position_name: custom,
        })
    }

    /// Creates a draft campaign and its Win organization. Refused with
    /// [`LifecycleError::OpenCampaignExists`] while the user has a draft or active campaign.
    pub async fn create_campaign(
        &self,
        owner: UserId,
        input: NewCampaign,
    ) -> Result<(Campaign, OrganizationDetails), AppError> {
        input.details.validate()?;
        let organization = self.resolve_draft(&input, owner).await?;
        let command = LifecycleCommand::CreateCampaign(CreateCampaign {
            organization,
            details: input.details,
        });
        let transition = self.run(owner, None, command).await?;
        let Outcome::Campaign { campaign_id, .. } = transition.outcome else {
            return Err(AppError::Store(StoreError::internal("unexpected outcome")));
        };
        self.campaign_with_org(owner, campaign_id).await
    }

    /// `draft → active`; needs a position or a custom position name.
    pub async fn launch_campaign(
        &self,
        owner: UserId,
        id: CampaignId,
    ) -> Result<(Campaign, OrganizationDetails), AppError> {
        self.run(owner, None, LifecycleCommand::Launch { campaign_id: id })
            .await?;
        self.campaign_with_org(owner, id).await
    }

    /// Records a campaign's outcome; on a win the office and its Serve organization start.
    pub async fn record_result(
        &self,
        owner: UserId,
        id: CampaignId,
        outcome: CampaignOutcome,
        sworn_in_date: Option<NaiveDate>,
        copy_segments: bool,
    ) -> Result<ResultRecorded, AppError> {
        let (campaign, _) = self
            .ports
            .campaigns
            .find(owner, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let segments_of = copy_segments.then_some(campaign.organization_id);
        let command = LifecycleCommand::RecordResult(RecordResult {
            campaign_id: id,
            outcome,
            sworn_in_date,
            copy_segments,
        });
        let transition = self.run(owner, segments_of, command).await?;
        let Outcome::Result {
            elected_office_id,
            removed_party_criteria,
            ..
        } = transition.outcome
        else {
            return Err(AppError::Store(StoreError::internal("unexpected outcome")));
        };
        let campaign = self
            .ports
            .campaigns
            .find(owner, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let elected_office = match elected_office_id {
            Some(office) => self.ports.offices.find(owner, office).await?,
            None => None,
        };
        let org_slug = elected_office
            .as_ref()
            .map_or(&campaign.1, |(_, slug)| slug);
        let organization = self.owned_organization(owner, org_slug).await?;
        Ok(ResultRecorded {
            campaign,
            elected_office,
            organization,
            removed_party_criteria,
        })
    }

    /// `active → ended`; the office's organization is archived.
    pub async fn end_office(
        &self,
        owner: UserId,
        id: ElectedOfficeId,
    ) -> Result<(ElectedOffice, Slug), AppError> {
        self.run(owner, None, LifecycleCommand::EndOffice { office_id: id })
            .await?;
        self.ports
            .offices
            .find(owner, id)
            .await?
            .ok_or(AppError::NotFound("elected office"))
    }

    /// Applies a partial update to an organization's profile, with the effective-district rules:
    /// unknown ids are refused, and an override equal to the position's district is stored as none.
    pub async fn update_organization(
        &self,
        owner: UserId,
        current: &OrganizationDetails,
        patch: &OrganizationPatch,
    ) -> Result<OrganizationDetails, AppError> {
        let org = &current.organization;
        org.ensure_writable().map_err(|_| AppError::Archived)?;
        let profile = org.profile();
        let position_id = patch.position_id.apply(profile.position_id);
        let natural = match &position_id {
            Some(id) => {
                let position = self
                    .ports
                    .reference
                    .find_position(id)
                    .await?
                    .ok_or_else(|| {
                        InvalidValue::new("ballotready_position_id", "no position has this id")
                    })?;
                position.district.map(|d| d.id)
            }
            None => None,
        };
        let override_id = patch
            .override_district_id
            .apply(profile.override_district_id);
        if let (Patch::Set(id), true) = (&patch.override_district_id, override_id.is_some())
            && self.ports.reference.find_district(*id).await?.is_none()
        {
            return Err(
                InvalidValue::new("override_district_id", "no district has this id").into(),
            );
        }
        let update = ProfileUpdate {
            position_id,
            override_district_id: normalize_override(natural, override_id),
            custom_position_name: patch
                .custom_position_name
                .apply(profile.custom_position_name),
            clerk_organization_id: patch
                .clerk_organization_id
                .apply(org.clerk_organization_id.clone()),
        };
        self.ports
            .organizations
            .update_profile(owner, org.id, &update)
            .await
            .map_err(|e| AppError::from_update(e, "organization"))
    }

    /// Replaces a campaign's details.
    pub async fn update_campaign(
        &self,
        owner: UserId,
        id: CampaignId,
        details: &CampaignDetails,
    ) -> Result<(Campaign, Slug), AppError> {
        details.validate()?;
        self.ports
            .campaigns
            .update_details(owner, id, details)
            .await
            .map_err(|e| AppError::from_update(e, "campaign"))
    }

    /// Replaces an office's dates.
    pub async fn update_office(
        &self,
        owner: UserId,
        id: ElectedOfficeId,
        dates: &winserve_domain::OfficeDates,
    ) -> Result<(ElectedOffice, Slug), AppError> {
        dates.validate()?;
        self.ports
            .offices
            .update_dates(owner, id, dates)
            .await
            .map_err(|e| AppError::from_update(e, "elected office"))
    }

    async fn run(
        &self,
        owner: UserId,
        segments_of: Option<winserve_domain::OrganizationId>,
        command: LifecycleCommand,
    ) -> Result<winserve_domain::Transition, AppError> {
        let now = (self.clock)();
        let transition = self
            .ports
            .lifecycle
            .transact(
                owner,
                segments_of,
                Box::new(move |state| decide(state, &command, now, &mut uuid::Uuid::now_v7)),
            )
            .await?;
        Ok(transition)
    }

    async fn campaign_with_org(
        &self,
        owner: UserId,
        id: CampaignId,
    ) -> Result<(Campaign, OrganizationDetails), AppError> {
        let (campaign, slug) = self
            .ports
            .campaigns
            .find(owner, id)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let org = self.owned_organization(owner, &slug).await?;
        Ok((campaign, org))
    }
}
