//! Segments: the built-in ones and an organization's custom ones. A segment id of another organization is
//! 404 `segment_not_found` everywhere, exactly like a missing one.

use crate::context::OrgContext;
use crate::extract::ApiJson;
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::{NewSegment, SegmentChanges};
use winserve_domain::{BuiltInSegment, Segment, SegmentCriteria};

/// A built-in segment.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuiltInSegmentDto {
    /// The key to pass as `segment=`.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its filter.
    #[schema(value_type = crate::openapi_schemas::SegmentCriteriaSchema)]
    pub criteria: SegmentCriteria,
}

/// A custom segment.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentDto {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its filter (keys of the segment criteria table; AND across keys, OR within a list).
    #[schema(value_type = crate::openapi_schemas::SegmentCriteriaSchema)]
    pub criteria: SegmentCriteria,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Segment> for SegmentDto {
    fn from(s: &Segment) -> Self {
        Self {
            id: s.id.as_uuid(),
            name: s.name.as_str().to_owned(),
            criteria: s.criteria.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// `{built_in, custom}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentList {
    /// The built-in segments, the same in both modes.
    pub built_in: Vec<BuiltInSegmentDto>,
    /// This organization's custom segments, by name.
    pub custom: Vec<SegmentDto>,
}

/// The built-in segments and this organization's custom segments.
#[utoipa::path(get, path = "/v1/segments", tag = "segments", security(("bearer" = [])),
    params(("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the built-in segments and the organization's own (also when archived)", body = SegmentList)))]
pub async fn list_segments(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
) -> ApiResult<Json<SegmentList>> {
    let custom = state.services.segments.list(&scope).await?;
    Ok(Json(SegmentList {
        built_in: BuiltInSegment::ALL
            .iter()
            .map(|b| BuiltInSegmentDto {
                key: b.key().to_owned(),
                name: b.name().to_owned(),
                criteria: b.criteria(),
            })
            .collect(),
        custom: custom.iter().map(SegmentDto::from).collect(),
    }))
}

/// Body of `POST /v1/segments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSegmentBody {
    /// 1 to 100 characters.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,98}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub name: String,
    /// The filter; unknown keys or values are 422, a party criterion in a Serve organization is 422
    /// `party_filter_not_allowed`.
    #[serde(default)]
    #[schema(value_type = crate::openapi_schemas::SegmentCriteriaSchema)]
    pub criteria: SegmentCriteria,
}

/// Creates a custom segment in this organization.
#[utoipa::path(post, path = "/v1/segments", tag = "segments", security(("bearer" = [])),
    params(("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = CreateSegmentBody,
    responses((status = 201, description = "the new segment", body = SegmentDto),
        (status = 403, description = "`forbidden`: members may not create segments (`action`: `edit_segments`)"),
        (status = 409, description = "`organization_archived`: the organization is read-only"),
        (status = 422, description = "`party_filter_not_allowed`: a party criterion in a Serve organization")))]
pub async fn create_segment(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
    ApiJson(body): ApiJson<CreateSegmentBody>,
) -> ApiResult<(StatusCode, Json<SegmentDto>)> {
    let input = NewSegment {
        name: body.name,
        criteria: body.criteria,
    };
    let created = state.services.segments.create(&scope, input).await?;
    Ok((StatusCode::CREATED, Json(SegmentDto::from(&created))))
}

/// One of this organization's segments.
#[utoipa::path(get, path = "/v1/segments/{id}", tag = "segments", security(("bearer" = [])),
    params(("id" = String, Path, description = "the segment's id (any other text is `segment_not_found`)"), ("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the segment (also when the organization is archived)", body = SegmentDto),
        (status = 404, description = "`segment_not_found`: the organization has no segment with this id")))]
pub async fn get_segment(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
    Path(id): Path<String>,
) -> ApiResult<Json<SegmentDto>> {
    let segment = state.services.segments.get(&scope, &id).await?;
    Ok(Json(SegmentDto::from(&segment)))
}

/// Body of `PATCH /v1/segments/{id}`: absent keys keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentPatchBody {
    /// A new name.
    #[schema(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,98}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub name: Option<String>,
    /// A new filter (replaces the old one).
    #[schema(value_type = Option<crate::openapi_schemas::SegmentCriteriaSchema>)]
    pub criteria: Option<SegmentCriteria>,
}

/// Renames or refilters one of this organization's segments.
#[utoipa::path(patch, path = "/v1/segments/{id}", tag = "segments", security(("bearer" = [])),
    params(("id" = String, Path, description = "the segment's id (any other text is `segment_not_found`)"), ("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = SegmentPatchBody,
    responses((status = 200, description = "the updated segment", body = SegmentDto),
        (status = 403, description = "`forbidden`: members may not edit segments (`action`: `edit_segments`)"),
        (status = 404, description = "`segment_not_found`: the organization has no segment with this id"),
        (status = 409, description = "`organization_archived`: the organization is read-only"),
        (status = 422, description = "`party_filter_not_allowed`: a party criterion in a Serve organization")))]
pub async fn patch_segment(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SegmentPatchBody>,
) -> ApiResult<Json<SegmentDto>> {
    let changes = SegmentChanges {
        name: body.name,
        criteria: body.criteria,
    };
    let updated = state.services.segments.update(&scope, &id, changes).await?;
    Ok(Json(SegmentDto::from(&updated)))
}

/// Deletes one of this organization's segments.
#[utoipa::path(delete, path = "/v1/segments/{id}", tag = "segments", security(("bearer" = [])),
    params(("id" = String, Path, description = "the segment's id (any other text is `segment_not_found`)"), ("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 204, description = "deleted"),
        (status = 403, description = "`forbidden`: members may not delete segments (`action`: `edit_segments`)"),
        (status = 404, description = "`segment_not_found`: the organization has no segment with this id"),
        (status = 409, description = "`organization_archived`: the organization is read-only; or `conflict`: an outreach plan targets the segment")))]
pub async fn delete_segment(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.services.segments.delete(&scope, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{count}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentCount {
    /// Contacts of the organization's district in the segment, counted now.
    pub count: u64,
}

/// The live count of one of this organization's segments.
#[utoipa::path(get, path = "/v1/segments/{id}/count", tag = "segments", security(("bearer" = [])),
    params(("id" = String, Path, description = "the segment's id (any other text is `segment_not_found`)"), ("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the live count", body = SegmentCount),
        (status = 404, description = "`segment_not_found`: the organization has no segment with this id"),
        (status = 409, description = "`organization_archived`: the organization is archived; or `district_not_set`: it has no district"),
        (status = 422, description = "`party_filter_not_allowed`: a party criterion in a Serve organization")))]
pub async fn count_segment(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
    Path(id): Path<String>,
) -> ApiResult<Json<SegmentCount>> {
    let count = state.services.segments.count(&scope, &id).await?;
    Ok(Json(SegmentCount { count }))
}
