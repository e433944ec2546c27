//! [`OutreachService`]: Voter Outreach, the worked example of a Win-only feature (issue 16, ADR 0005).
//!
//! The guards, in order: the organization is a Win one (`WrongMode`, 403), the caller's role allows the
//! action (`Forbidden`, 403), the plan and its segment are the organization's (404), the organization is
//! not archived (409), then the input (422) and the status rules (409).

use super::target_segment::{TargetSegmentError, target_segment};
use super::{
    Clock, ContactExport, ContactQuery, ContactService, ContactsError, IdSource, OrgScope, Ports,
    WrongMode,
};
use crate::error::StoreError;
use crate::ports::{
    AudiencePage, AudienceSlice, ContactCursor, ContactWindow, HouseholdPage,
    OutreachAudienceRepository, OutreachError, OutreachRepository, RecordedResults, ResultsError,
    SegmentRepository,
};
use chrono::NaiveDate;
use std::sync::Arc;
use winserve_domain::{
    Action, AudienceContact, AudienceLayout, CampaignId, Forbidden, InvalidValue,
    MAX_RESULTS_PER_UPLOAD, Mode, OutcomeRecord, OutreachChannel, OutreachOutcome, OutreachPlan,
    OutreachPlanId, OutreachStatus, PlanName, SegmentId, VoterId, check_date, check_script,
    repeated_contacts,
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
    /// The contacts could not be served or frozen (an archived organization: no back door to party
    /// data; no district).
    #[error(transparent)]
    Contacts(#[from] ContactsError),
    /// Rows of an upload of outcomes are refused (nothing of it is stored).
    #[error("{} rows of the upload are refused", .0.len())]
    Rows(Vec<RowProblem>),
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

impl From<ResultsError> for OutreachActionError {
    fn from(e: ResultsError) -> Self {
        match e {
            ResultsError::NotFound => Self::NotFound,
            ResultsError::Archived => Self::Archived,
            ResultsError::NotTakingResults(status) => not_taking_results(status),
            ResultsError::NotInAudience(rows) => Self::Rows(
                rows.into_iter()
                    .map(|index| RowProblem {
                        index,
                        field: "contact_id",
                        message: "not a contact of the plan's audience".into(),
                    })
                    .collect(),
            ),
            ResultsError::Store(e) => Self::Store(e),
        }
    }
}

fn not_taking_results(status: OutreachStatus) -> OutreachActionError {
    OutreachActionError::Conflict(format!(
        "a plan that is {} takes no results: outcomes are recorded once it is in progress (its \
         audience is frozen then) and until it is done",
        status.as_str()
    ))
}

/// A refused row of an upload of outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The row's 0-based index in the upload (the transport names it as a line or an index).
    pub index: usize,
    /// `contact_id` or `outcome`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// A page of a plan's audience, laid out as its channel needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudienceView {
    /// Contacts, in the contacts order or as a walk list.
    Contacts(AudiencePage),
    /// Households (direct mail).
    Households(HouseholdPage),
}

/// A page of a plan's audience and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceAnswer {
    /// The page.
    pub view: AudienceView,
    /// Where the next page starts (`cursor=`), when there is one.
    pub next: Option<ContactCursor>,
    /// Whether the audience is the frozen one (taken when the plan went in progress).
    pub frozen: bool,
    /// How it is laid out (the plan's channel decides).
    pub layout: AudienceLayout,
}

/// Counts of a plan's outcomes.
#[derive(Debug, Clone, PartialEq)]
pub struct OutreachSummary {
    /// Contacts in the audience: the frozen one, or the live count before the plan is under way
    /// (`None` once the organization is archived, when no live count is served).
    pub audience: Option<u64>,
    /// Whether the audience is frozen.
    pub frozen: bool,
    /// Contacts per outcome, every outcome listed.
    pub outcomes: Vec<(OutreachOutcome, u64)>,
    /// Contacts with any outcome.
    pub attempted: u64,
    /// Contacts reached (`contacted`).
    pub reached: u64,
    /// `reached / audience` (0 for an empty audience).
    pub reached_share: f64,
}

/// The marker of a position cursor: pages of walk lists, households and frozen audiences are slices
/// by position, so their cursor carries the position where the next page starts, not a contact's
/// sort keys.
const POSITION_CURSOR: &str = "@position";

fn position_cursor(offset: u64) -> ContactCursor {
    ContactCursor {
        last_name_key: POSITION_CURSOR.into(),
        first_name_key: offset.to_string(),
        voter_id: VoterId::from_uuid(uuid::Uuid::nil()),
    }
}

/// The slice a window asks for, when the audience is sliced by position.
pub(super) fn slice_of(window: &ContactWindow) -> Result<AudienceSlice, InvalidValue> {
    match window {
        ContactWindow::Page { page, per_page } => Ok(AudienceSlice {
            offset: u64::from(page.saturating_sub(1)) * u64::from(*per_page),
            limit: *per_page,
        }),
        ContactWindow::After { cursor, per_page } => {
            let offset = match cursor {
                None => 0,
                Some(c) if c.last_name_key == POSITION_CURSOR => c
                    .first_name_key
                    .parse::<u64>()
                    .map_err(|_| InvalidValue::new("cursor", "not a cursor of this list"))?,
                Some(_) => {
                    return Err(InvalidValue::new(
                        "cursor",
                        "not a cursor of this list (pass the next_cursor of its previous page)",
                    ));
                }
            };
            Ok(AudienceSlice {
                offset,
                limit: *per_page,
            })
        }
    }
}

/// The cursor after `slice`, when `total` entries go past it.
pub(super) fn next_after(
    slice: AudienceSlice,
    returned: usize,
    total: u64,
) -> Option<ContactCursor> {
    let end = slice.offset + returned as u64;
    (returned > 0 && end < total).then(|| position_cursor(end))
}

/// A campaign's outreach plans.
#[derive(Clone)]
pub struct OutreachService {
    plans: Arc<dyn OutreachRepository>,
    audiences: Arc<dyn OutreachAudienceRepository>,
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
            audiences: ports.outreach_audience.clone(),
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
        target_segment(self.segments.as_ref(), scope, id)
            .await
            .map_err(|e| match e {
                TargetSegmentError::NotFound => OutreachActionError::SegmentNotFound,
                TargetSegmentError::Store(e) => OutreachActionError::Store(e),
            })
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
            audience_frozen_at: None,
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
    /// `cancelled` before it is done. Asking for the status it has answers the plan unchanged. Going
    /// in progress freezes the audience in the same transaction: a later refresh of the voter file does
    /// not change who the plan contacts.
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
        let now = (self.clock)();
        let mut plan = OutreachPlan {
            status,
            updated_at: now,
            ..current.clone()
        };
        if status == OutreachStatus::InProgress && current.audience_frozen_at.is_none() {
            plan.audience_frozen_at = Some(now);
            let filter = self
                .contacts
                .filter(scope, &Self::query_of(&current))
                .await?;
            self.audiences.freeze(&plan, current.status, filter).await?;
        } else {
            self.plans.update(&plan, current.status).await?;
        }
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

    /// Which contacts make a plan's live audience: its segment (or the whole district) and its
    /// channel's built-in segment.
    fn query_of(plan: &OutreachPlan) -> ContactQuery {
        ContactQuery {
            segment: plan.segment_id.map(|s| s.to_string()),
            search: None,
            criteria: plan.channel.reachable().criteria(),
        }
    }

    /// A plan whose audience may be served: the organization's, which must not be archived (no back
    /// door to party data once the campaign is over).
    async fn served(
        &self,
        scope: &OrgScope,
        id: &str,
    ) -> Result<OutreachPlan, OutreachActionError> {
        let plan = self.get(scope, id).await?;
        if scope.organization().is_archived() {
            return Err(ContactsError::Archived.into());
        }
        Ok(plan)
    }

    /// A page of the plan's audience (party per the mode: Win shows it), with the exact total: its
    /// segment (or the whole district) intersected with the built-in segment of its channel — the frozen
    /// audience once the plan went in progress. Door knocking is a walk list, direct mail a list of
    /// households, the other channels the contacts order.
    pub async fn audience(
        &self,
        scope: &OrgScope,
        id: &str,
        window: &ContactWindow,
    ) -> Result<AudienceAnswer, OutreachActionError> {
        let plan = self.served(scope, id).await?;
        let layout = plan.channel.layout();
        if plan.audience_frozen_at.is_some() {
            let slice = slice_of(window)?;
            let view = match layout {
                AudienceLayout::Households => AudienceView::Households(
                    self.audiences.frozen_households(plan.id, slice).await?,
                ),
                _ => AudienceView::Contacts(
                    self.audiences
                        .frozen(plan.id, scope.party_policy(), slice)
                        .await?,
                ),
            };
            return Ok(answer(view, slice, true, layout));
        }
        let query = Self::query_of(&plan);
        if layout == AudienceLayout::Contacts {
            let page = self.contacts.list(scope, &query, window).await?;
            return Ok(AudienceAnswer {
                view: AudienceView::Contacts(AudiencePage {
                    contacts: page
                        .contacts
                        .into_iter()
                        .map(|voter| AudienceContact {
                            voter,
                            in_voter_file: true,
                        })
                        .collect(),
                    total: page.total,
                }),
                next: page.next,
                frozen: false,
                layout,
            });
        }
        let slice = slice_of(window)?;
        let view = match self.contacts.filter(scope, &query).await? {
            None if layout == AudienceLayout::Households => {
                AudienceView::Households(HouseholdPage {
                    households: vec![],
                    total_households: 0,
                    total_contacts: 0,
                })
            }
            None => AudienceView::Contacts(AudiencePage {
                contacts: vec![],
                total: 0,
            }),
            Some(filter) if layout == AudienceLayout::Households => {
                AudienceView::Households(self.audiences.households(&filter, slice).await?)
            }
            Some(filter) => AudienceView::Contacts(self.audiences.walk_list(&filter, slice).await?),
        };
        Ok(answer(view, slice, false, layout))
    }

    /// The plan's audience for a vendor, streamed in its order (the frozen one once the plan is under
    /// way): owner and admins, like every contacts export, and never once the campaign is over.
    pub async fn audience_export(
        &self,
        scope: &OrgScope,
        id: &str,
    ) -> Result<ContactExport, OutreachActionError> {
        Self::campaign(scope, Action::ExportContacts)?;
        let plan = self.served(scope, id).await?;
        if plan.audience_frozen_at.is_some() {
            return Ok(ContactExport {
                policy: scope.party_policy(),
                rows: Some(
                    self.audiences
                        .frozen_export(plan.id, scope.party_policy())
                        .await?,
                ),
            });
        }
        let layout = plan.channel.layout();
        if layout == AudienceLayout::Contacts {
            return Ok(self.contacts.export(scope, &Self::query_of(&plan)).await?);
        }
        scope.require(Action::ExportContacts)?;
        let rows = match self.contacts.filter(scope, &Self::query_of(&plan)).await? {
            Some(filter) => Some(self.audiences.live_export(&filter, layout).await?),
            None => None,
        };
        Ok(ContactExport {
            policy: scope.party_policy(),
            rows,
        })
    }

    /// Records outcomes against the plan's frozen audience, all or nothing (any member, while the plan
    /// is in progress or done and the campaign is not over). Each contact once per upload, every one in
    /// the audience; a contact's earlier outcome is replaced.
    pub async fn record_results(
        &self,
        scope: &OrgScope,
        id: &str,
        records: Vec<OutcomeRecord>,
    ) -> Result<RecordedResults, OutreachActionError> {
        Self::campaign(scope, Action::RecordOutreachResults)?;
        let plan = self.get(scope, id).await?;
        scope
            .organization()
            .ensure_writable()
            .map_err(|_| OutreachActionError::Archived)?;
        if !plan.status.takes_results() {
            return Err(not_taking_results(plan.status));
        }
        if records.is_empty() {
            return Err(InvalidValue::new("results", "must hold at least one outcome").into());
        }
        if records.len() > MAX_RESULTS_PER_UPLOAD {
            return Err(InvalidValue::new(
                "results",
                format!("at most {MAX_RESULTS_PER_UPLOAD} outcomes per upload"),
            )
            .into());
        }
        let repeats = repeated_contacts(&records);
        if !repeats.is_empty() {
            return Err(OutreachActionError::Rows(
                repeats
                    .into_iter()
                    .take(100)
                    .map(|(index, earlier)| RowProblem {
                        index,
                        field: "contact_id",
                        message: format!("the same contact as row {}", earlier + 1),
                    })
                    .collect(),
            ));
        }
        let now = (self.clock)();
        Ok(self
            .audiences
            .record_results(
                scope.organization().id,
                plan.id,
                &records,
                scope.user().id,
                now,
            )
            .await?)
    }

    /// Counts per outcome and the share of the audience reached (any member; also once the campaign is
    /// over: counts reveal no one).
    pub async fn summary(
        &self,
        scope: &OrgScope,
        id: &str,
    ) -> Result<OutreachSummary, OutreachActionError> {
        let plan = self.get(scope, id).await?;
        let (audience, counts) = if plan.audience_frozen_at.is_some() {
            let (size, counts) = self.audiences.outcome_counts(plan.id).await?;
            (Some(size), counts)
        } else if scope.organization().is_archived() {
            (None, vec![])
        } else {
            let size = self.contacts.count(scope, &Self::query_of(&plan)).await?;
            (Some(size), vec![])
        };
        let outcomes: Vec<(OutreachOutcome, u64)> = OutreachOutcome::ALL
            .into_iter()
            .map(|o| {
                let n = counts.iter().find(|(c, _)| *c == o).map_or(0, |(_, n)| *n);
                (o, n)
            })
            .collect();
        let attempted = outcomes.iter().map(|(_, n)| n).sum();
        let reached = outcomes
            .iter()
            .find(|(o, _)| *o == OutreachOutcome::Contacted)
            .map_or(0, |(_, n)| *n);
        let reached_share = match audience {
            Some(size) if size > 0 => reached as f64 / size as f64,
            _ => 0.0,
        };
        Ok(OutreachSummary {
            audience,
            frozen: plan.audience_frozen_at.is_some(),
            outcomes,
            attempted,
            reached,
            reached_share,
        })
    }
}

/// The answer of a page sliced by position.
fn answer(
    view: AudienceView,
    slice: AudienceSlice,
    frozen: bool,
    layout: AudienceLayout,
) -> AudienceAnswer {
    let next = match &view {
        AudienceView::Contacts(page) => next_after(slice, page.contacts.len(), page.total),
        AudienceView::Households(page) => {
            next_after(slice, page.households.len(), page.total_households)
        }
    };
    AudienceAnswer {
        view,
        next,
        frozen,
        layout,
    }
}
