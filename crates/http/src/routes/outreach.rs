//! Voter Outreach (issue 16), the worked example of a Win-only feature (ADR 0005): every handler takes
//! [`WinOrg`], so a Serve organization is 403 `wrong_mode`; a plan of another organization is 404.

use crate::context::WinOrg;
use crate::dto::{date_field, patch_date_field, patch_field};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::{ApiError, ApiResult};
use crate::routes::contacts::{ContactList, csv_export, paging_window};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::{AudienceError, NewPlan, Patch, PlanChanges};
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

/// The plan's audience as CSV for a vendor (the columns of `/v1/contacts/export`), streamed; owner and
/// admins, like every contacts export.
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
    let query = state.services.outreach.audience_query(&scope, &id).await?;
    csv_export(&state, &scope, &headers, &query, "outreach-audience").await
}

/// The plan's audience, paged like `/v1/contacts` (party visible: Win) with the exact total: its segment
/// (or the whole district) intersected with the built-in segment of its channel.
#[utoipa::path(get, path = "/v1/outreach/{id}/audience", tag = "outreach", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the plan's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = "the Win organization to act in (else the token's Clerk active-organization claim)", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
        ("page" = Option<u64>, Query, description = "1-based page (not with `cursor`)", minimum = 1, maximum = 4294967295_f64),
        ("per_page" = Option<u32>, Query, description = "page size, default 50", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "the `next_cursor` of the previous page (not with `page`)", pattern = r"^(?:[0-9A-Fa-f]{2}){0,1024}$")),
    responses((status = 200, description = "a page of the audience", body = ContactList),
        (status = 403, description = "`wrong_mode`: the organization is a Serve organization"),
        (status = 404, description = "`not_found`: no such plan"),
        (status = 409, description = "`organization_archived`: the campaign is over (no back door to party data); or `district_not_set`"),
        (status = 422, description = "`validation_failed`: a parameter out of range or unknown")))]
pub async fn get_outreach_audience(
    State(state): State<AppState>,
    WinOrg(scope): WinOrg,
    ApiPath(id): ApiPath<String>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<ContactList>> {
    let window = paging_window(pairs)?;
    let found = state
        .services
        .outreach
        .audience(&scope, &id, &window)
        .await
        .map_err(|e| match e {
            AudienceError::Plan(e) => ApiError::from(e),
            AudienceError::Contacts(e) => ApiError::from(e),
        })?;
    Ok(Json(ContactList::new(found, &window, scope.party_policy())))
}
