//! [`OutreachService`]: Voter Outreach, the worked example of a Win-only feature (issue 16, ADR 0005).
//!
//! The guards, in order: the organization is a Win one (`WrongMode`, 403), the caller's role allows the
//! action (`Forbidden`, 403), the plan and its segment are the organization's (404), the organization is
//! not archived (409), then the input (422) and the status rules (409).

use super::{
    Clock, ContactQuery, ContactService, ContactsError, IdSource, OrgScope, Ports, WrongMode,
};
use crate::error::StoreError;
use crate::ports::{
    ContactPage, ContactWindow, OutreachError, OutreachRepository, SegmentRepository,
};
use chrono::NaiveDate;
use std::sync::Arc;
use winserve_domain::{
    Action, CampaignId, Forbidden, InvalidValue, Mode, OutreachChannel, OutreachPlan,
    OutreachPlanId, OutreachStatus, PlanName, SegmentId, check_date, check_script,
};

/// A new plan, as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    /// 1 to 100 characters.
    pub name: String,
    /// How it reaches people.
    pub channel: OutreachChannel,
    /// A custom segment of the organization; `None`: the whole district.
    pub segment_id: Option<String>,
    /// Up to 10 KB.
    pub script: String,
    /// When it is meant to happen.
    pub scheduled_for: Option<NaiveDate>,
}

/// A change to a plan: absent fields keep their value. The channel and the segment (who is reached)
/// change only while the plan is a draft or scheduled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new channel.
    pub channel: Option<OutreachChannel>,
    /// A new segment (`Some(None)`: the whole district).
    pub segment_id: Option<Option<String>>,
    /// A new script.
    pub script: Option<String>,
    /// A new date (`Some(None)`: none).
    pub scheduled_for: Option<Option<NaiveDate>>,
}

/// Why an outreach operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum OutreachActionError {
    /// The organization is a Serve one.
    #[error(transparent)]
    WrongMode(#[from] WrongMode),
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No plan of the organization has this id.
    #[error("outreach plan not found")]
    NotFound,
    /// The segment is not one of the organization's.
    #[error("segment not found")]
    SegmentNotFound,
    /// The organization is archived (the campaign was won, lost or withdrawn): plans are read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// A value is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The plan's status does not allow it (a status change out of order, an edit of who is reached
    /// once it is under way, a change to a finished plan).
    #[error("{0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<OutreachError> for OutreachActionError {
    fn from(e: OutreachError) -> Self {
        match e {
            OutreachError::NotFound => Self::NotFound,
            OutreachError::Archived => Self::Archived,
            OutreachError::SegmentNotFound => Self::SegmentNotFound,
            OutreachError::Changed => {
                Self::Conflict("the plan changed meanwhile; read it again".into())
            }
            OutreachError::Store(e) => Self::Store(e),
        }
    }
}

/// A campaign's outreach plans.
#[derive(Clone)]
pub struct OutreachService {
    plans: Arc<dyn OutreachRepository>,
    segments: Arc<dyn SegmentRepository>,
    contacts: ContactService,
    clock: Clock,
    ids: IdSource,
}

fn parse_id(id: &str) -> Result<OutreachPlanId, OutreachActionError> {
    uuid::Uuid::parse_str(id)
        .map(OutreachPlanId::from_uuid)
        .map_err(|_| OutreachActionError::NotFound)
}

impl OutreachService {
    pub(super) fn new(ports: &Ports, clock: Clock, ids: IdSource) -> Self {
        Self {
            plans: ports.outreach.clone(),
            segments: ports.segments.clone(),
            contacts: ContactService::new(ports),
            clock,
            ids,
        }
    }

    /// The campaign of a Win organization, once the caller may do `action` there.
    fn campaign(scope: &OrgScope, action: Action) -> Result<CampaignId, OutreachActionError> {
        let scope = scope.clone().require_mode(Mode::Win)?;
        scope.require(action)?;
        scope
            .details()
            .campaign
            .as_ref()
            .map(|c| c.id)
            .ok_or(OutreachActionError::NotFound)
    }

    fn writable(scope: &OrgScope) -> Result<CampaignId, OutreachActionError> {
        let campaign = Self::campaign(scope, Action::EditOutreach)?;
        scope
            .organization()
            .ensure_writable()
            .map_err(|_| OutreachActionError::Archived)?;
        Ok(campaign)
    }

    /// A segment id from a client, checked to be one of the organization's.
    async fn segment(
        &self,
        scope: &OrgScope,
        id: Option<&str>,
    ) -> Result<Option<SegmentId>, OutreachActionError> {
        let Some(id) = id else { return Ok(None) };
        let id = uuid::Uuid::parse_str(id)
            .map(SegmentId::from_uuid)
            .map_err(|_| OutreachActionError::SegmentNotFound)?;
        self.segments
            .find(scope.organization().id, id)
            .await?
            .map(|s| Some(s.id))
            .ok_or(OutreachActionError::SegmentNotFound)
    }

    /// The campaign's plans, newest first (any member; also once the campaign is over).
    pub async fn list(&self, scope: &OrgScope) -> Result<Vec<OutreachPlan>, OutreachActionError> {
        Self::campaign(scope, Action::Read)?;
        Ok(self.plans.list(scope.organization().id).await?)
    }

    /// One of the campaign's plans.
    pub async fn get(
        &self,
        scope: &OrgScope,
        id: &str,
    ) -> Result<OutreachPlan, OutreachActionError> {
        Self::campaign(scope, Action::Read)?;
        self.plans
            .find(scope.organization().id, parse_id(id)?)
            .await?
            .ok_or(OutreachActionError::NotFound)
    }

    /// Creates a draft plan.
    pub async fn create(
        &self,
        scope: &OrgScope,
        input: NewPlan,
    ) -> Result<OutreachPlan, OutreachActionError> {
        let campaign_id = Self::writable(scope)?;
        let segment_id = self.segment(scope, input.segment_id.as_deref()).await?;
        let name = PlanName::new(&input.name)?;
        check_script(&input.script)?;
        check_date("scheduled_for", input.scheduled_for)?;
        let now = (self.clock)();
        let plan = OutreachPlan {
            id: OutreachPlanId::from_uuid((self.ids)()),
            campaign_id,
            organization_id: scope.organization().id,
            name,
            channel: input.channel,
            segment_id,
            script: input.script,
            scheduled_for: input.scheduled_for,
            status: OutreachStatus::Draft,
            created_at: now,
            updated_at: now,
        };
        self.plans.insert(&plan).await?;
        Ok(plan)
    }

    /// Changes a plan's fields. Who it reaches (channel, segment) changes only before it is under way,
    /// and a finished plan does not change.
    pub async fn update(
        &self,
        scope: &OrgScope,
        id: &str,
        changes: PlanChanges,
    ) -> Result<OutreachPlan, OutreachActionError> {
        Self::writable(scope)?;
        let current = self.get(scope, id).await?;
        if current.status.is_final() {
            return Err(OutreachActionError::Conflict(format!(
                "the plan is {} and no longer changes",
                current.status.as_str()
            )));
        }
        let reach_changes = changes.channel.is_some() || changes.segment_id.is_some();
        if reach_changes && current.status == OutreachStatus::InProgress {
            return Err(OutreachActionError::Conflict(
                "the plan is in progress: its channel and segment (its audience) are fixed".into(),
            ));
        }
        let segment_id = match &changes.segment_id {
            Some(segment) => self.segment(scope, segment.as_deref()).await?,
            None => current.segment_id,
        };
        let name = match &changes.name {
            Some(n) => PlanName::new(n)?,
            None => current.name.clone(),
        };
        if let Some(script) = &changes.script {
            check_script(script)?;
        }
        if let Some(date) = changes.scheduled_for {
            check_date("scheduled_for", date)?;
        }
        let plan = OutreachPlan {
            name,
            channel: changes.channel.unwrap_or(current.channel),
            segment_id,
            script: changes.script.unwrap_or_else(|| current.script.clone()),
            scheduled_for: changes.scheduled_for.unwrap_or(current.scheduled_for),
            updated_at: (self.clock)(),
            ..current.clone()
        };
        self.plans.update(&plan, current.status).await?;
        Ok(plan)
    }

    /// Moves a plan to `status`: one step forward (`draft → scheduled → in_progress → done`) or
    /// `cancelled` before it is done. Asking for the status it has answers the plan unchanged.
    pub async fn set_status(
        &self,
        scope: &OrgScope,
        id: &str,
        status: OutreachStatus,
    ) -> Result<OutreachPlan, OutreachActionError> {
        Self::writable(scope)?;
        let current = self.get(scope, id).await?;
        if current.status == status {
            return Ok(current);
        }
        if !current.status.may_become(status) {
            return Err(OutreachActionError::Conflict(format!(
                "a plan that is {} cannot become {}",
                current.status.as_str(),
                status.as_str()
            )));
        }
        let plan = OutreachPlan {
            status,
            updated_at: (self.clock)(),
            ..current.clone()
        };
        self.plans.update(&plan, current.status).await?;
        Ok(plan)
    }

    /// Deletes a plan that is not under way or done (those keep the record of who was contacted).
    pub async fn delete(&self, scope: &OrgScope, id: &str) -> Result<(), OutreachActionError> {
        Self::writable(scope)?;
        let current = self.get(scope, id).await?;
        if matches!(
            current.status,
            OutreachStatus::InProgress | OutreachStatus::Done
        ) {
            return Err(OutreachActionError::Conflict(format!(
                "a plan that is {} is kept; cancel it instead",
                current.status.as_str()
            )));
        }
        Ok(self
            .plans
            .delete(scope.organization().id, current.id)
            .await?)
    }

    /// The plan's audience, paged like the contacts (party per the mode: Win shows it): its segment (or
    /// the whole district) intersected with the built-in segment of its channel, with the exact total.
    pub async fn audience(
        &self,
        scope: &OrgScope,
        id: &str,
        window: &ContactWindow,
    ) -> Result<ContactPage, AudienceError> {
        let query = self.audience_query(scope, id).await?;
        Ok(self.contacts.list(scope, &query, window).await?)
    }

    /// Which contacts make the plan's audience: its segment (or the whole district) and its channel's
    /// built-in segment. Its export goes through [`ContactService::export`], so it needs the export
    /// role and stops with the organization like every contacts channel.
    pub async fn audience_query(
        &self,
        scope: &OrgScope,
        id: &str,
    ) -> Result<ContactQuery, OutreachActionError> {
        let plan = self.get(scope, id).await?;
        Ok(ContactQuery {
            segment: plan.segment_id.map(|s| s.to_string()),
            search: None,
            criteria: plan.channel.reachable().criteria(),
        })
    }
}

/// Why a plan's audience was not served.
#[derive(Debug, thiserror::Error)]
pub enum AudienceError {
    /// The plan could not be read.
    #[error(transparent)]
    Plan(#[from] OutreachActionError),
    /// The contacts could not be served (an archived organization: no back door to party data).
    #[error(transparent)]
    Contacts(#[from] ContactsError),
}
