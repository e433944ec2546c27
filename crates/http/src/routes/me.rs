//! The caller: profile, default organization and lifecycle history.

use crate::context::AuthUser;
use crate::dto::{EventDto, HistoryDto, MeDto, OrganizationDto, UserDto};
use crate::extract::ApiJson;
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use winserve_application::OrganizationDetails;
use winserve_domain::{Slug, User};

/// The default organization: the saved choice while it exists, else the newest open organization, else
/// the newest one.
fn default_slug(user: &User, orgs: &[OrganizationDetails]) -> Option<String> {
    let saved = user
        .active_organization_id
        .and_then(|id| orgs.iter().find(|o| o.organization.id == id));
    // `orgs` is ordered open first, newest first.
    saved
        .or_else(|| orgs.first())
        .map(|o| o.organization.slug.to_string())
}

async fn me_body(state: &AppState, user: &User) -> ApiResult<MeDto> {
    let orgs = state
        .app
        .ports
        .organizations
        .list_for_owner(user.id)
        .await?;
    Ok(MeDto {
        user: UserDto::from(user),
        active_organization_slug: default_slug(user, &orgs),
        organizations: orgs.iter().map(OrganizationDto::from).collect(),
    })
}

/// The caller, their organizations and their default organization.
#[utoipa::path(get, path = "/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = MeDto), (status = 401, body = Problem)))]
pub async fn get_me(State(state): State<AppState>, me: AuthUser) -> ApiResult<Json<MeDto>> {
    Ok(Json(me_body(&state, &me.user).await?))
}

/// Body of `PUT /v1/me/active-organization`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveOrganizationBody {
    /// The organization to make the default.
    pub slug: String,
}

/// Saves the caller's default organization.
#[utoipa::path(put, path = "/v1/me/active-organization", tag = "me", security(("bearer" = [])),
    request_body = ActiveOrganizationBody,
    responses((status = 200, body = MeDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_active_organization(
    State(state): State<AppState>,
    me: AuthUser,
    ApiJson(body): ApiJson<ActiveOrganizationBody>,
) -> ApiResult<Json<MeDto>> {
    let slug = Slug::new(body.slug.trim()).map_err(|_| ApiError::organization_not_found())?;
    let org = state
        .app
        .ports
        .organizations
        .find_by_slug(me.user.id, &slug)
        .await?
        .ok_or_else(ApiError::organization_not_found)?;
    let saved = state
        .app
        .ports
        .users
        .set_active_organization(me.user.id, org.organization.id)
        .await?;
    if !saved {
        return Err(ApiError::organization_not_found());
    }
    let user = User {
        active_organization_id: Some(org.organization.id),
        ..me.user
    };
    Ok(Json(me_body(&state, &user).await?))
}

/// The caller's lifecycle log, in the order it was appended.
#[utoipa::path(get, path = "/v1/me/history", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = HistoryDto), (status = 401, body = Problem)))]
pub async fn get_history(
    State(state): State<AppState>,
    me: AuthUser,
) -> ApiResult<Json<HistoryDto>> {
    let events = state.app.ports.lifecycle.history(me.user.id).await?;
    Ok(Json(HistoryDto {
        events: events
            .iter()
            .map(|(e, slug)| EventDto::new(e, slug))
            .collect(),
    }))
}
