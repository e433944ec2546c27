//! Organizations: list, read, update the profile, and the navigation of their mode.

use crate::auth::Claims;
use crate::context::AuthUser;
use crate::dto::{NavDto, OrganizationDto, OrganizationList, patch_field};
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::{OrganizationPatch, Patch};
use winserve_domain::{ClerkOrganizationId, DistrictId, Role};

/// The caller's organizations, open ones first, newest first.
#[utoipa::path(get, path = "/v1/organizations", tag = "organizations", security(("bearer" = [])),
    responses((status = 200, description = "the caller's organizations", body = OrganizationList)))]
pub async fn list_organizations(
    State(state): State<AppState>,
    me: AuthUser,
) -> ApiResult<Json<OrganizationList>> {
    let orgs = state.services.organizations.list(me.user.id).await?;
    Ok(Json(OrganizationList {
        organizations: orgs.iter().map(OrganizationDto::from).collect(),
    }))
}

/// One of the caller's organizations.
#[utoipa::path(get, path = "/v1/organizations/{slug}", tag = "organizations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the organization (also when archived)", body = OrganizationDto),
        (status = 404, description = "`organization_not_found`: the caller has no organization with this slug")))]
pub async fn get_organization(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<OrganizationDto>> {
    let org = state.services.organizations.get(me.user.id, &slug).await?;
    Ok(Json(OrganizationDto::from(&org)))
}

/// Body of `PATCH /v1/organizations/{slug}`: `null` clears a field, an absent key keeps it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatchBody {
    /// A BallotReady position id; unknown ids are 422.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z0-9+/=_:-]{1,128}$")]
    pub ballotready_position_id: Patch<String>,
    /// An L2 district id to use instead of the position's; unknown ids are 422.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Uuid>)]
    pub override_district_id: Patch<Uuid>,
    /// A free-text position name.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, pattern = r"^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]{0,198}[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000-\u001f\u007f-\u009f])?[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub custom_position_name: Patch<String>,
    /// The Clerk organization to link 1:1.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z0-9_]{1,64}$")]
    pub clerk_organization_id: Patch<String>,
}

impl OrganizationPatchBody {
    fn into_patch(self) -> OrganizationPatch {
        OrganizationPatch {
            position_id: self.ballotready_position_id,
            override_district_id: match self.override_district_id {
                Patch::Keep => Patch::Keep,
                Patch::Clear => Patch::Clear,
                Patch::Set(id) => Patch::Set(DistrictId::from_uuid(id)),
            },
            custom_position_name: self.custom_position_name,
            clerk_organization_id: self.clerk_organization_id,
        }
    }
}

/// Updates an organization's position, override district, custom position name or Clerk link. An
/// archived organization is 409 `organization_archived`.
#[utoipa::path(patch, path = "/v1/organizations/{slug}", tag = "organizations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = OrganizationPatchBody,
    responses((status = 200, description = "the updated organization", body = OrganizationDto),
        (status = 403, description = "`forbidden`: the caller's role may not edit the organization (members), or the token does not make them an admin of the Clerk organization to link (`action`: `edit_organization`, `link_clerk_organization`)"),
        (status = 404, description = "`organization_not_found`: the caller has no organization with this slug"),
        (status = 409, description = "`organization_archived`: the organization is read-only; or `conflict`: the Clerk organization is linked to another organization"),
        (status = 422, description = "`validation_failed`: also an unknown position or district")))]
pub async fn patch_organization(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<OrganizationPatchBody>,
) -> ApiResult<Json<OrganizationDto>> {
    let updated = state
        .services
        .organizations
        .update(
            me.user.id,
            &slug,
            body.into_patch(),
            clerk_admin_of(&me.claims).as_ref(),
        )
        .await?;
    Ok(Json(OrganizationDto::from(&updated)))
}

/// The Clerk organization the token makes its bearer an admin of: its active organization, with the
/// admin role (`o.rol: admin`, or `org_role: org:admin`).
fn clerk_admin_of(claims: &Claims) -> Option<ClerkOrganizationId> {
    match claims.active_clerk_membership()? {
        (id, Some(role)) if Role::from_clerk(role) == Role::Admin => {
            ClerkOrganizationId::new(id).ok()
        }
        _ => None,
    }
}

/// The navigation of the organization's mode and its landing path.
#[utoipa::path(get, path = "/v1/organizations/{slug}/nav", tag = "organizations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the navigation of the organization's mode", body = NavDto),
        (status = 404, description = "`organization_not_found`: the caller has no organization with this slug")))]
pub async fn get_organization_nav(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<NavDto>> {
    let nav = state
        .services
        .organizations
        .navigation(me.user.id, &slug)
        .await?;
    Ok(Json(NavDto::from(&nav)))
}
