//! Elected offices: list, read, update the dates, end, and the current one (Serve only).

use crate::context::{AuthUser, ServeOrg};
use crate::dto::{ElectedOfficeDto, patch_date_field};
use crate::extract::{ApiJson, ApiPath, NoBody};
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::{OfficePatch, Patch};
use winserve_domain::ElectedOfficeId;

/// `{elected_offices: [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ElectedOfficeList {
    /// Newest first.
    pub elected_offices: Vec<ElectedOfficeDto>,
}

/// All of the caller's offices, newest first.
#[utoipa::path(get, path = "/v1/elected-offices", tag = "elected offices", security(("bearer" = [])),
    responses((status = 200, description = "the caller's offices", body = ElectedOfficeList)))]
pub async fn list_elected_offices(
    State(state): State<AppState>,
    me: AuthUser,
) -> ApiResult<Json<ElectedOfficeList>> {
    let offices = state.services.offices.list(me.user.id).await?;
    Ok(Json(ElectedOfficeList {
        elected_offices: offices
            .iter()
            .map(|(o, s)| ElectedOfficeDto::new(o, s))
            .collect(),
    }))
}

/// The office of the selected organization; a Win organization is 403 `wrong_mode`.
#[utoipa::path(get, path = "/v1/elected-offices/current", tag = "elected offices", security(("bearer" = [])),
    params(("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the office of the selected organization", body = ElectedOfficeDto),
        (status = 403, description = "`wrong_mode`: the selected organization is a Win organization"),
        (status = 404, description = "`not_found`: the organization has no office")))]
pub async fn get_current_elected_office(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
) -> ApiResult<Json<ElectedOfficeDto>> {
    let (office, slug) = state.services.offices.current(&scope)?;
    Ok(Json(ElectedOfficeDto::new(&office, &slug)))
}

/// One of the caller's offices.
#[utoipa::path(get, path = "/v1/elected-offices/{id}", tag = "elected offices", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the office's id")),
    responses((status = 200, description = "the office", body = ElectedOfficeDto),
        (status = 404, description = "`not_found`: the caller has no office with this id"), (status = 422, description = "`validation_failed`: the id is not a UUID")))]
pub async fn get_elected_office(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ElectedOfficeDto>> {
    let (o, slug) = state
        .services
        .offices
        .get(me.user.id, ElectedOfficeId::from_uuid(id))
        .await?;
    Ok(Json(ElectedOfficeDto::new(&o, &slug)))
}

/// Body of `PATCH /v1/elected-offices/{id}`: `null` clears, absent keeps.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElectedOfficePatchBody {
    /// Sworn-in date.
    #[serde(default, deserialize_with = "patch_date_field")]
    #[schema(value_type = Option<NaiveDate>, pattern = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$")]
    pub sworn_in_date: Patch<NaiveDate>,
    /// Term end date.
    #[serde(default, deserialize_with = "patch_date_field")]
    #[schema(value_type = Option<NaiveDate>, pattern = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$")]
    pub term_end_date: Patch<NaiveDate>,
}

/// Updates an office's dates. 409 `organization_archived` once it ended.
#[utoipa::path(patch, path = "/v1/elected-offices/{id}", tag = "elected offices", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the office's id")), request_body = ElectedOfficePatchBody,
    responses((status = 200, description = "the updated office", body = ElectedOfficeDto),
        (status = 403, description = "`forbidden`: members may not edit office dates (`action`: `edit_organization`)"),
        (status = 404, description = "`not_found`: the caller has no office with this id"),
        (status = 409, description = "`organization_archived`: the office ended"),
        (status = 422, description = "`validation_failed`: also a malformed id, or a term ending before it starts")))]
pub async fn patch_elected_office(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ElectedOfficePatchBody>,
) -> ApiResult<Json<ElectedOfficeDto>> {
    let patch = OfficePatch {
        sworn_in_date: body.sworn_in_date,
        term_end_date: body.term_end_date,
    };
    let (o, slug) = state
        .services
        .offices
        .update(me.user.id, ElectedOfficeId::from_uuid(id), patch)
        .await?;
    Ok(Json(ElectedOfficeDto::new(&o, &slug)))
}

/// Ends an office (`active → ended`); its organization is archived and stays readable.
#[utoipa::path(post, path = "/v1/elected-offices/{id}/end", tag = "elected offices", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the office's id")),
    responses((status = 200, description = "the ended office", body = ElectedOfficeDto),
        (status = 403, description = "`forbidden`: only the owner ends an office (`action`: `lifecycle`)"),
        (status = 404, description = "`not_found`: the caller has no office with this id"),
        (status = 409, description = "`invalid_transition`: the office already ended"),
        (status = 422, description = "`validation_failed`: a malformed id, or a body other than empty or `{}`"),
        (status = 400, description = "`bad_request`: the body is not JSON"), (status = 408, description = "`request_timeout`: the client did not send the whole body in time"), (status = 413, description = "`payload_too_large`: the body is over 1 MiB")))]
pub async fn end_elected_office(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    _: NoBody,
) -> ApiResult<Json<ElectedOfficeDto>> {
    let (o, slug) = state
        .services
        .offices
        .end(me.user.id, ElectedOfficeId::from_uuid(id))
        .await?;
    Ok(Json(ElectedOfficeDto::new(&o, &slug)))
}
