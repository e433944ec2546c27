//! The caller: profile, default organization and lifecycle history.

use crate::context::AuthUser;
use crate::dto::{EventDto, HistoryDto, MeDto, OrganizationDto, UserDto};
use crate::extract::ApiJson;
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use winserve_application::Me;

fn me_dto(me: Me) -> MeDto {
    MeDto {
        user: UserDto::from(&me.user),
        active_organization_slug: me.active_organization_slug.map(|s| s.to_string()),
        organizations: me.organizations.iter().map(OrganizationDto::from).collect(),
    }
}

/// The caller, their organizations and their default organization.
#[utoipa::path(get, path = "/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "the caller", body = MeDto)))]
pub async fn get_me(State(state): State<AppState>, me: AuthUser) -> ApiResult<Json<MeDto>> {
    Ok(Json(me_dto(state.services.accounts.me(me.user).await?)))
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
    responses((status = 200, description = "the caller, with the new default", body = MeDto),
        (status = 404, description = "`organization_not_found`: the caller has no organization with this slug")))]
pub async fn put_active_organization(
    State(state): State<AppState>,
    me: AuthUser,
    ApiJson(body): ApiJson<ActiveOrganizationBody>,
) -> ApiResult<Json<MeDto>> {
    let updated = state
        .services
        .accounts
        .set_active_organization(me.user, &body.slug)
        .await?;
    Ok(Json(me_dto(updated)))
}

/// The caller's lifecycle log, in the order it was appended.
#[utoipa::path(get, path = "/v1/me/history", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "the lifecycle log", body = HistoryDto)))]
pub async fn get_history(
    State(state): State<AppState>,
    me: AuthUser,
) -> ApiResult<Json<HistoryDto>> {
    let events = state.services.accounts.history(&me.user).await?;
    Ok(Json(HistoryDto {
        events: events
            .iter()
            .map(|(e, slug)| EventDto::new(e, slug))
            .collect(),
    }))
}
