//! Voter Outreach (issue 16), the worked example of a Win-only feature (ADR 0005): every handler takes
//! [`WinOrg`], so a Serve organization is 403 `wrong_mode`; a plan of another organization is 404.

use crate::contact_dto::ContactDto;
use crate::context::WinOrg;
use crate::dto::{date_field, patch_date_field, patch_field};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::outcome_upload::OutcomeUpload;
use crate::problem::ApiResult;
use crate::routes::contacts::{ContactsMeta, encode_cursor};
use crate::routes::contacts::{csv_export, paging_window};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::ContactWindow;
use winserve_application::{
    AudienceAnswer, AudienceView, NewPlan, OutreachActionError, OutreachSummary, Patch, PlanChanges,
};
use winserve_domain::{AudienceContact, Household, OutreachOutcome, PartyPolicy};
use winserve_domain::{OutreachChannel, OutreachPlan, OutreachStatus};

/// An outreach plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    /// Its id.
    pub id: Uuid,
    /// The campaign it belongs to.
    pub campaign_id: Uuid,
    /// Its name.
    pub name: String,
    /// How it reaches people.
    #[schema(value_type = crate::openapi_schemas::OutreachChannelValue)]
    pub channel: OutreachChannel,
    /// The custom segment it targets; null: the whole district.
    pub segment_id: Option<Uuid>,
    /// What volunteers say or send.
    pub script: String,
    /// When it is meant to happen.
    pub scheduled_for: Option<NaiveDate>,
    /// Where it stands.
    #[schema(value_type = crate::openapi_schemas::OutreachStatusValue)]
    pub status: OutreachStatus,
    /// When its audience was frozen (it went in progress); null: the audience is still live.
    pub audience_frozen_at: Option<DateTime<Utc>>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&OutreachPlan> for PlanDto {
    fn from(p: &OutreachPlan) -> Self {
        Self {
            id: p.id.as_uuid(),
            campaign_id: p.campaign_id.as_uuid(),
            name: p.name.as_str().to_owned(),
            channel: p.channel,
            segment_id: p.segment_id.map(|s| s.as_uuid()),
            script: p.script.clone(),
            scheduled_for: p.scheduled_for,
            status: p.status,
            audience_frozen_at: p.audience_frozen_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// `{plans: [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    /// Newest first.
    pub plans: Vec<PlanDto>,
}

/// The campaign's outreach plans (any member; also once the campaign is over).
#[utoipa::path(get, path = "/v1/outreach", tag = "outreach", security(("bearer" = [])),
    params(("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the plans, newest first", body = PlanList),
        (status = 403, description = "`wrong_mode`: the organization is a Serve organization")))]
pub async fn list_outreach(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
) -> ApiResult<Json<PlanList>> {
    let plans = state.services.outreach.list(&scope).await?;
    Ok(Json(PlanList {
        plans: plans.iter().map(PlanDto::from).collect(),
    }))
}

/// Body of `POST /v1/outreach`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanBody {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// How it reaches people.
    #[schema(value_type = crate::openapi_schemas::OutreachChannelValue)]
    pub channel: OutreachChannel,
    /// A custom segment of this organization; absent or null: the whole district.
    #[serde(default)]
    pub segment_id: Option<Uuid>,
    /// What volunteers say or send (at most 10 KB).
    #[serde(default)]
    pub script: String,
    /// When it is meant to happen.
    #[serde(default, deserialize_with = "date_field")]
    #[schema(pattern = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$")]
    pub scheduled_for: Option<NaiveDate>,
}

/// Creates a draft plan (owner and admins).
#[utoipa::path(post, path = "/v1/outreach", tag = "outreach", security(("bearer" = [])),
    params(("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = NewPlanBody,
    responses((status = 201, description = "the new draft plan", body = PlanDto),
        (status = 403, description = "`wrong_mode`: a Serve organization; or `forbidden`: members may not edit plans (`action`: `edit_outreach`)"),
        (status = 404, description = "`segment_not_found`: the segment is not one of this organization's"),
        (status = 409, description = "`organization_archived`: the campaign is over; its plans are read-only")))]
pub async fn create_outreach(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    ApiJson(body): ApiJson<NewPlanBody>,
) -> ApiResult<(StatusCode, Json<PlanDto>)> {
    let input = NewPlan {
        name: body.name,
        channel: body.channel,
        segment_id: body.segment_id.map(|s| s.to_string()),
        script: body.script,
        scheduled_for: body.scheduled_for,
    };
    let plan = state.services.outreach.create(&scope, input).await?;
    Ok((StatusCode::CREATED, Json(PlanDto::from(&plan))))
}

/// One of the campaign's plans.
#[utoipa::path(get, path = "/v1/outreach/{id}", tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the plan's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the plan", body = PlanDto),
        (status = 403, description = "`wrong_mode`: the organization is a Serve organization"),
        (status = 404, description = "`not_found`: no plan of this organization has this id")))]
pub async fn get_outreach(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<PlanDto>> {
    let plan = state.services.outreach.get(&scope, &id).await?;
    Ok(Json(PlanDto::from(&plan)))
}

/// Body of `PATCH /v1/outreach/{id}`: absent keys keep their value, `null` clears.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatchBody {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// How it reaches people (only while draft or scheduled).
    #[schema(value_type = Option<crate::openapi_schemas::OutreachChannelValue>)]
    pub channel: Option<OutreachChannel>,
    /// A custom segment; null: the whole district (only while draft or scheduled).
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Uuid>)]
    pub segment_id: Patch<Uuid>,
    /// What volunteers say or send (at most 10 KB).
    pub script: Option<String>,
    /// When it is meant to happen; null: no date.
    #[serde(default, deserialize_with = "patch_date_field")]
    #[schema(value_type = Option<NaiveDate>, pattern = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$")]
    pub scheduled_for: Patch<NaiveDate>,
}

fn patched<T>(patch: Patch<T>) -> Option<Option<T>> {
    match patch {
        Patch::Keep => None,
        Patch::Clear => Some(None),
        Patch::Set(v) => Some(Some(v)),
    }
}

/// Changes a plan (owner and admins). Its channel and segment — who it reaches — change only before it
/// is under way; a done or cancelled plan does not change.
#[utoipa::path(patch, path = "/v1/outreach/{id}", tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the plan's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = PlanPatchBody,
    responses((status = 200, description = "the plan", body = PlanDto),
        (status = 403, description = "`wrong_mode`; or `forbidden` (`action`: `edit_outreach`)"),
        (status = 404, description = "`not_found`: no such plan; or `segment_not_found`"),
        (status = 409, description = "`organization_archived`; or `conflict`: the plan is under way or finished")))]
pub async fn patch_outreach(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PlanPatchBody>,
) -> ApiResult<Json<PlanDto>> {
    let changes = PlanChanges {
        name: body.name,
        channel: body.channel,
        segment_id: patched(body.segment_id).map(|s| s.map(|id| id.to_string())),
        script: body.script,
        scheduled_for: patched(body.scheduled_for),
    };
    let plan = state.services.outreach.update(&scope, &id, changes).await?;
    Ok(Json(PlanDto::from(&plan)))
}

/// Deletes a plan that is not under way or done (owner and admins).
#[utoipa::path(delete, path = "/v1/outreach/{id}", tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the plan's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 204, description = "deleted"),
        (status = 403, description = "`wrong_mode`; or `forbidden` (`action`: `edit_outreach`)"),
        (status = 404, description = "`not_found`: no such plan"),
        (status = 409, description = "`organization_archived`; or `conflict`: a plan under way or done is kept (cancel it)")))]
pub async fn delete_outreach(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state.services.outreach.delete(&scope, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /v1/outreach/{id}/status`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// The new status.
    #[schema(value_type = crate::openapi_schemas::OutreachStatusValue)]
    pub status: OutreachStatus,
}

/// Moves a plan on: `draft → scheduled → in_progress → done`, or `cancelled` before it is done (owner
/// and admins). The status it already has answers the plan unchanged.
#[utoipa::path(post, path = "/v1/outreach/{id}/status", tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the plan's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = StatusBody,
    responses((status = 200, description = "the plan", body = PlanDto),
        (status = 403, description = "`wrong_mode`; or `forbidden` (`action`: `edit_outreach`)"),
        (status = 404, description = "`not_found`: no such plan"),
        (status = 409, description = "`organization_archived`; or `conflict`: not the next step")))]
pub async fn set_outreach_status(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Json<PlanDto>> {
    let plan = state
        .services
        .outreach
        .set_status(&scope, &id, body.status)
        .await?;
    Ok(Json(PlanDto::from(&plan)))
}

/// The plan's audience as CSV for a vendor (the columns of `/v1/contacts/export`) in the audience's
/// order, streamed — the frozen audience once the plan went in progress; owner and admins, like every
/// contacts export.
#[utoipa::path(get, path = "/v1/outreach/{id}/audience/export", tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the plan's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the audience as CSV with a header row", content_type = "text/csv", body = String),
        (status = 403, description = "`wrong_mode`: a Serve organization; or `forbidden`: members may not export contacts (`action`: `export_contacts`)"),
        (status = 404, description = "`not_found`: no such plan"),
        (status = 409, description = "`organization_archived`: the campaign is over (no back door to party data); or `district_not_set`"),
        (status = 429, description = "`too_many_requests`: the organization or the server already runs as many exports as allowed")))]
pub async fn export_outreach_audience(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let export = async { Ok(state.services.outreach.audience_export(&scope, &id).await?) };
    csv_export(&state, &scope, &headers, export, "outreach-audience").await
}

/// A contact of a plan's audience: a contact as `/v1/contacts` serves it, and whether the voter is still
/// in the voter file (a voter who left it after the audience was frozen keeps the names and address of
/// then; everything else is null).
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceContactDto {
    /// The contact.
    #[serde(flatten)]
    pub contact: ContactDto,
    /// `false`: the voter left the voter file after the audience was frozen.
    pub in_voter_file: bool,
}

impl AudienceContactDto {
    fn new(c: AudienceContact, policy: PartyPolicy) -> Self {
        Self {
            contact: ContactDto::new(c.voter, policy),
            in_voter_file: c.in_voter_file,
        }
    }
}

/// Paging of an audience.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceMeta {
    /// The paging of `/v1/contacts`; `total` counts contacts, or households for direct mail.
    #[serde(flatten)]
    pub paging: ContactsMeta,
    /// Whether the audience is the frozen one (taken when the plan went in progress).
    pub frozen: bool,
    /// `contacts` (last name, first name), `walk_list` (street, house number, unit, name) or
    /// `households` (ZIP, then walk order).
    #[schema(pattern = "^(contacts|walk_list|households)$")]
    pub order: &'static str,
    /// For households: the contacts in all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<u64>,
}

/// `{contacts, meta}`: an audience of people (every channel but direct mail).
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceList {
    /// In the audience's order.
    pub contacts: Vec<AudienceContactDto>,
    /// Paging.
    pub meta: AudienceMeta,
}

/// A household's address.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdAddressDto {
    /// Street line.
    pub line1: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ZIP code.
    pub zip: Option<String>,
}

/// A contact as a household lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdContactDto {
    /// The contact's id.
    pub id: Uuid,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// `false`: the voter left the voter file after the audience was frozen.
    pub in_voter_file: bool,
}

/// One household: an address line and ZIP, and who lives there.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDto {
    /// Where the mail goes.
    pub address: HouseholdAddressDto,
    /// Who lives there, by last name, first name.
    pub contacts: Vec<HouseholdContactDto>,
}

impl From<Household> for HouseholdDto {
    fn from(h: Household) -> Self {
        Self {
            address: HouseholdAddressDto {
                line1: h.line1,
                city: h.city,
                zip: h.zip,
            },
            contacts: h
                .contacts
                .into_iter()
                .map(|c| HouseholdContactDto {
                    id: c.id.as_uuid(),
                    first_name: c.first_name,
                    last_name: c.last_name,
                    in_voter_file: c.in_voter_file,
                })
                .collect(),
        }
    }
}

/// `{households, meta}`: a direct-mail audience, one entry per household.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdList {
    /// In ZIP, then walk order.
    pub households: Vec<HouseholdDto>,
    /// Paging (`total`: households; `contacts`: the people in them).
    pub meta: AudienceMeta,
}

/// A page of a plan's audience: people, or households for direct mail.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum AudienceBody {
    /// Every channel but direct mail.
    Contacts(AudienceList),
    /// Direct mail.
    Households(HouseholdList),
}

impl AudienceBody {
    fn new(
        found: AudienceAnswer,
        window: &ContactWindow,
        policy: PartyPolicy,
        order: &'static str,
    ) -> Self {
        let (page, per_page) = match window {
            ContactWindow::Page { page, per_page } => (Some(*page), *per_page),
            ContactWindow::After { per_page, .. } => (None, *per_page),
        };
        let paging = |total: u64| ContactsMeta {
            total,
            page,
            per_page,
            total_pages: total.div_ceil(u64::from(per_page)),
            next_cursor: found.next.as_ref().map(encode_cursor),
        };
        match found.view {
            AudienceView::Contacts(p) => AudienceBody::Contacts(AudienceList {
                meta: AudienceMeta {
                    paging: paging(p.total),
                    frozen: found.frozen,
                    order,
                    contacts: None,
                },
                contacts: p
                    .contacts
                    .into_iter()
                    .map(|c| AudienceContactDto::new(c, policy))
                    .collect(),
            }),
            AudienceView::Households(p) => AudienceBody::Households(HouseholdList {
                meta: AudienceMeta {
                    paging: paging(p.total_households),
                    frozen: found.frozen,
                    order,
                    contacts: Some(p.total_contacts),
                },
                households: p.households.into_iter().map(HouseholdDto::from).collect(),
            }),
        }
    }
}

/// A page of the plan's audience (party visible: Win), with the exact total: its segment (or the whole
/// district) intersected with the built-in segment of its channel; once the plan is in progress, the
/// audience frozen then. Door knocking is a walk list (street, house number as a number, unit, name);
/// direct mail is one entry per household (`{households, meta}`); the other channels are in the
/// contacts order.
#[utoipa::path(get, path = "/v1/outreach/{id}/audience", tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the plan's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
        ("page" = Option<u64>, Query, description = "1-based page (not with `cursor`)", minimum = 1, maximum = 4294967295_f64),
        ("per_page" = Option<u32>, Query, description = "page size, default 50", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "the `next_cursor` of the previous page (not with `page`)", pattern = r"^(?:[0-9A-Fa-f]{2}){0,1024}$")),
    responses((status = 200, description = "a page of the audience", body = AudienceBody),
        (status = 403, description = "`wrong_mode`: the organization is a Serve organization"),
        (status = 404, description = "`not_found`: no such plan"),
        (status = 409, description = "`organization_archived`: the campaign is over (no back door to party data); or `district_not_set`"),
        (status = 422, description = "`validation_failed`: a parameter out of range or unknown, or a cursor of another audience")))]
pub async fn get_outreach_audience(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    ApiPath(id): ApiPath<String>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<AudienceBody>> {
    let window = paging_window(pairs)?;
    let found = state
        .services
        .outreach
        .audience(&scope, &id, &window)
        .await?;
    let order = match found.layout {
        winserve_domain::AudienceLayout::Contacts => "contacts",
        winserve_domain::AudienceLayout::WalkList => "walk_list",
        winserve_domain::AudienceLayout::Households => "households",
    };
    Ok(Json(AudienceBody::new(
        found,
        &window,
        scope.party_policy(),
        order,
    )))
}

/// Body of `POST /v1/outreach/{id}/results` (JSON form).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResultsBody {
    /// 1 to 100,000 outcomes, each contact once.
    pub results: Vec<ResultRow>,
}

/// One contact's outcome.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResultRow {
    /// The contact's `id` (a voter of the plan's frozen audience).
    pub contact_id: Uuid,
    /// What happened.
    #[schema(value_type = crate::openapi_schemas::OutreachOutcomeValue)]
    pub outcome: OutreachOutcome,
}

/// What an upload stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsRecorded {
    /// Contacts that had no outcome before.
    pub recorded: u64,
    /// Contacts whose earlier outcome was replaced.
    pub replaced: u64,
}

/// Records outcomes of contacts of the plan's frozen audience in bulk (any member, while the plan is in
/// progress or done): JSON `{results: [{contact_id, outcome}]}` or `text/csv` with the header
/// `contact_id,outcome`, up to 100,000 rows and 8 MiB. All or nothing: every refused row is named
/// (`results[i].field`, or `line N` of the CSV) and nothing is stored. Recording a contact again
/// replaces its outcome.
#[utoipa::path(post, path = "/v1/outreach/{id}/results", tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the plan's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body(content(
        (ResultsBody = "application/json"),
        (String = "text/csv", example = "contact_id,outcome\n0190b3c4-0000-7000-8000-000000000001,contacted\n"))),
    responses((status = 200, description = "the outcomes are stored", body = ResultsRecorded),
        (status = 400, description = "`bad_request`: neither JSON nor CSV, or JSON that does not parse"),
        (status = 403, description = "`wrong_mode`: a Serve organization"),
        (status = 404, description = "`not_found`: no such plan"),
        (status = 409, description = "`organization_archived`: the campaign is over; or `conflict`: the plan is not in progress or done"),
        (status = 413, description = "`payload_too_large`: over 8 MiB"),
        (status = 422, description = "`validation_failed`: rows refused (unknown contact or outcome, a contact twice, a contact outside the audience, over 100,000 rows), each named")))]
pub async fn record_outreach_results(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    ApiPath(id): ApiPath<String>,
    upload: OutcomeUpload,
) -> ApiResult<Json<ResultsRecorded>> {
    let records = upload.records.clone();
    match state
        .services
        .outreach
        .record_results(&scope, &id, records)
        .await
    {
        Ok(done) => Ok(Json(ResultsRecorded {
            recorded: done.recorded,
            replaced: done.replaced,
        })),
        Err(OutreachActionError::Rows(rows)) => Err(upload.refused(rows)),
        Err(e) => Err(e.into()),
    }
}

/// Contacts per outcome (every outcome listed).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeCounts {
    /// Reached.
    pub contacted: u64,
    /// Nobody answered.
    pub no_answer: u64,
    /// Declined.
    pub refused: u64,
    /// Not their number.
    pub wrong_number: u64,
    /// No longer there.
    pub moved: u64,
}

/// A plan's results so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutreachSummaryDto {
    /// Contacts in the audience (the frozen one once in progress, else the live count; null once the
    /// campaign is over for a plan that never started).
    pub audience: Option<u64>,
    /// Whether the audience is frozen.
    pub frozen: bool,
    /// Contacts per outcome.
    pub outcomes: OutcomeCounts,
    /// Contacts with any outcome.
    pub attempted: u64,
    /// Contacts reached (`contacted`).
    pub reached: u64,
    /// `reached / audience`, 0 to 1 (0 for an empty audience).
    pub reached_share: f64,
}

impl From<OutreachSummary> for OutreachSummaryDto {
    fn from(s: OutreachSummary) -> Self {
        let n = |o: OutreachOutcome| {
            s.outcomes
                .iter()
                .find(|(x, _)| *x == o)
                .map_or(0, |(_, n)| *n)
        };
        Self {
            audience: s.audience,
            frozen: s.frozen,
            outcomes: OutcomeCounts {
                contacted: n(OutreachOutcome::Contacted),
                no_answer: n(OutreachOutcome::NoAnswer),
                refused: n(OutreachOutcome::Refused),
                wrong_number: n(OutreachOutcome::WrongNumber),
                moved: n(OutreachOutcome::Moved),
            },
            attempted: s.attempted,
            reached: s.reached,
            reached_share: s.reached_share,
        }
    }
}

/// Counts per outcome and the share of the audience reached (any member; also once the campaign is
/// over: counts name no one).
#[utoipa::path(get, path = "/v1/outreach/{id}/summary", tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the plan's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the plan's results", body = OutreachSummaryDto),
        (status = 403, description = "`wrong_mode`: the organization is a Serve organization"),
        (status = 404, description = "`not_found`: no such plan"),
        (status = 409, description = "`district_not_set`: no district to count a live audience in")))]
pub async fn get_outreach_summary(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<OutreachSummaryDto>> {
    let summary = state.services.outreach.summary(&scope, &id).await?;
    Ok(Json(summary.into()))
}
