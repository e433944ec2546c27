//! Reference data: BallotReady positions and L2 districts.

use crate::context::AuthUser;
use crate::dto::{DistrictDto, PageMeta};
use crate::extract::ApiQuery;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use winserve_application::PageRequest;
use winserve_domain::{L2Type, Position, StateCode};

/// The default page size of lists.
pub const DEFAULT_PER_PAGE: u32 = 50;
/// The largest page size.
pub const MAX_PER_PAGE: u32 = 100;

/// Checks `page` (≥ 1) and `per_page` (1..=100); out of range is 422 `validation_failed`.
pub fn page_request(page: Option<u32>, per_page: Option<u32>) -> Result<PageRequest, ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page == 0 {
        return Err(ApiError::validation("page", "must be 1 or more"));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(ApiError::validation(
            "per_page",
            "must be between 1 and 100",
        ));
    }
    Ok(PageRequest { page, per_page })
}

fn state_code(value: Option<&str>) -> Result<Option<StateCode>, ApiError> {
    value
        .filter(|s| !s.trim().is_empty())
        .map(StateCode::new)
        .transpose()
        .map_err(ApiError::from)
}

fn query_text(value: Option<String>) -> Result<Option<String>, ApiError> {
    let q = value.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::validation("q", "must be at most 100 characters"));
    }
    // PostgreSQL refuses a NUL in text, and no name holds control characters.
    if q.as_ref().is_some_and(|q| q.chars().any(char::is_control)) {
        return Err(ApiError::validation(
            "q",
            "must not contain control characters",
        ));
    }
    Ok(q)
}

/// Query of `GET /v1/positions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PositionQuery {
    /// Two-letter state code, any case (empty means any state).
    #[param(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[Aa][Ll]|[Aa][Kk]|[Aa][Zz]|[Aa][Rr]|[Cc][Aa]|[Cc][Oo]|[Cc][Tt]|[Dd][Ee]|[Ff][Ll]|[Gg][Aa]|[Hh][Ii]|[Ii][Dd]|[Ii][Ll]|[Ii][Nn]|[Ii][Aa]|[Kk][Ss]|[Kk][Yy]|[Ll][Aa]|[Mm][Ee]|[Mm][Dd]|[Mm][Aa]|[Mm][Ii]|[Mm][Nn]|[Mm][Ss]|[Mm][Oo]|[Mm][Tt]|[Nn][Ee]|[Nn][Vv]|[Nn][Hh]|[Nn][Jj]|[Nn][Mm]|[Nn][Yy]|[Nn][Cc]|[Nn][Dd]|[Oo][Hh]|[Oo][Kk]|[Oo][Rr]|[Pp][Aa]|[Rr][Ii]|[Ss][Cc]|[Ss][Dd]|[Tt][Nn]|[Tt][Xx]|[Uu][Tt]|[Vv][Tt]|[Vv][Aa]|[Ww][Aa]|[Ww][Vv]|[Ww][Ii]|[Ww][Yy]|[Dd][Cc]|[Pp][Rr]|[Gg][Uu]|[Vv][Ii]|[Aa][Ss]|[Mm][Pp])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub state: Option<String>,
    /// Case-insensitive name fragment: at most 100 printable characters once trimmed.
    #[param(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,98}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?)?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub q: Option<String>,
    /// 1-based page.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 4294967295_f64)]
    pub page: Option<u32>,
    /// Page size, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A position with its natural district.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionDto {
    /// BallotReady global id.
    pub ballotready_position_id: String,
    /// Name.
    pub name: String,
    /// State.
    pub state: String,
    /// Level.
    pub level: String,
    /// Natural district.
    pub district: Option<DistrictDto>,
}

impl From<&Position> for PositionDto {
    fn from(p: &Position) -> Self {
        Self {
            ballotready_position_id: p.ballotready_position_id.to_string(),
            name: p.name.clone(),
            state: p.state.to_string(),
            level: p.level.as_str().to_owned(),
            district: p.district.as_ref().map(DistrictDto::from),
        }
    }
}

/// `{positions, meta}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionList {
    /// By name.
    pub positions: Vec<PositionDto>,
    /// Paging.
    pub meta: PageMeta,
}

/// Searches BallotReady positions.
#[utoipa::path(get, path = "/v1/positions", tag = "reference data", security(("bearer" = [])),
    params(PositionQuery),
    responses((status = 200, description = "a page of positions", body = PositionList),
        (status = 422, description = "`validation_failed`: an unknown parameter, or one out of range")))]
pub async fn list_positions(
    State(state): State<AppState>,
    _me: AuthUser,
    ApiQuery(query): ApiQuery<PositionQuery>,
) -> ApiResult<Json<PositionList>> {
    let page = page_request(query.page, query.per_page)?;
    let st = state_code(query.state.as_deref())?;
    let q = query_text(query.q)?;
    let found = state
        .services
        .reference
        .search_positions(st.as_ref(), q.as_deref(), page)
        .await?;
    Ok(Json(PositionList {
        positions: found.items.iter().map(PositionDto::from).collect(),
        meta: PageMeta::new(found.total, page.page, page.per_page),
    }))
}

/// Query of `GET /v1/districts`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DistrictQuery {
    /// Two-letter state code, any case (empty means any state).
    #[param(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[Aa][Ll]|[Aa][Kk]|[Aa][Zz]|[Aa][Rr]|[Cc][Aa]|[Cc][Oo]|[Cc][Tt]|[Dd][Ee]|[Ff][Ll]|[Gg][Aa]|[Hh][Ii]|[Ii][Dd]|[Ii][Ll]|[Ii][Nn]|[Ii][Aa]|[Kk][Ss]|[Kk][Yy]|[Ll][Aa]|[Mm][Ee]|[Mm][Dd]|[Mm][Aa]|[Mm][Ii]|[Mm][Nn]|[Mm][Ss]|[Mm][Oo]|[Mm][Tt]|[Nn][Ee]|[Nn][Vv]|[Nn][Hh]|[Nn][Jj]|[Nn][Mm]|[Nn][Yy]|[Nn][Cc]|[Nn][Dd]|[Oo][Hh]|[Oo][Kk]|[Oo][Rr]|[Pp][Aa]|[Rr][Ii]|[Ss][Cc]|[Ss][Dd]|[Tt][Nn]|[Tt][Xx]|[Uu][Tt]|[Vv][Tt]|[Vv][Aa]|[Ww][Aa]|[Ww][Vv]|[Ww][Ii]|[Ww][Yy]|[Dd][Cc]|[Pp][Rr]|[Gg][Uu]|[Vv][Ii]|[Aa][Ss]|[Mm][Pp])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub state: Option<String>,
    /// L2 type, e.g. `City_Ward` (empty means any type).
    #[param(pattern = r"^(?:[A-Za-z][A-Za-z0-9_]{0,63})?$")]
    pub l2_type: Option<String>,
    /// Case-insensitive name fragment: at most 100 printable characters once trimmed.
    #[param(
        pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,98}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?)?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub q: Option<String>,
    /// 1-based page.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 4294967295_f64)]
    pub page: Option<u32>,
    /// Page size, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A district with its voter count.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictSummaryDto {
    /// Its id.
    pub id: Uuid,
    /// State.
    pub state: String,
    /// L2 type.
    pub l2_type: String,
    /// L2 name.
    pub l2_name: String,
    /// Voters in it.
    pub voter_count: u64,
}

/// `{districts, meta}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictList {
    /// By name.
    pub districts: Vec<DistrictSummaryDto>,
    /// Paging.
    pub meta: PageMeta,
}

/// Searches L2 districts.
#[utoipa::path(get, path = "/v1/districts", tag = "reference data", security(("bearer" = [])),
    params(DistrictQuery),
    responses((status = 200, description = "a page of districts", body = DistrictList),
        (status = 422, description = "`validation_failed`: an unknown parameter, or one out of range")))]
pub async fn list_districts(
    State(state): State<AppState>,
    _me: AuthUser,
    ApiQuery(query): ApiQuery<DistrictQuery>,
) -> ApiResult<Json<DistrictList>> {
    let page = page_request(query.page, query.per_page)?;
    let st = state_code(query.state.as_deref())?;
    let l2_type = query
        .l2_type
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(L2Type::new)
        .transpose()?;
    let q = query_text(query.q)?;
    let found = state
        .services
        .reference
        .search_districts(st.as_ref(), l2_type.as_ref(), q.as_deref(), page)
        .await?;
    Ok(Json(DistrictList {
        districts: found
            .items
            .iter()
            .map(|d| DistrictSummaryDto {
                id: d.district.id.as_uuid(),
                state: d.district.state.to_string(),
                l2_type: d.district.l2_type.to_string(),
                l2_name: d.district.l2_name.to_string(),
                voter_count: d.voter_count,
            })
            .collect(),
        meta: PageMeta::new(found.total, page.page, page.per_page),
    }))
}
