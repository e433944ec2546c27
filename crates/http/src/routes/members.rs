//! An organization's team: its members and their roles, leaving, and transferring ownership (issue 15).
//! Any member sees the team; the owner and admins manage it (an admin never touches the owner); only the
//! owner hands the organization over. A non-member gets 404 `organization_not_found`.

use crate::context::AuthUser;
use crate::dto::OrganizationDto;
use crate::extract::{ApiJson, ApiPath};
use crate::problem::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::Member;
use winserve_domain::{Role, UserId};

/// The user behind a membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberUserDto {
    /// The user's id (the `id` of `GET /v1/me`'s `user`).
    pub id: Uuid,
    /// Email, when their token ever carried one.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
}

/// A member and their role.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    /// Who.
    pub user: MemberUserDto,
    /// Their role.
    #[schema(value_type = crate::openapi_schemas::RoleValue, example = "member")]
    pub role: String,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

impl From<&Member> for MemberDto {
    fn from(m: &Member) -> Self {
        Self {
            user: MemberUserDto {
                id: m.user_id.as_uuid(),
                email: m.email.clone(),
                first_name: m.first_name.clone(),
                last_name: m.last_name.clone(),
            },
            role: m.role.as_str().to_owned(),
            joined_at: m.joined_at,
        }
    }
}

/// `{members: [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    /// The owner first, then by joining time.
    pub members: Vec<MemberDto>,
}

/// A role a member can be given: `admin` or `member` (ownership moves by transfer).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignableRole {
    /// Runs the organization with the owner.
    Admin,
    /// Reads the organization.
    Member,
}

impl From<AssignableRole> for Role {
    fn from(r: AssignableRole) -> Self {
        match r {
            AssignableRole::Admin => Role::Admin,
            AssignableRole::Member => Role::Member,
        }
    }
}

/// The members of one of the caller's organizations, with their roles.
#[utoipa::path(get, path = "/v1/organizations/{slug}/members", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the team (also of an archived organization)", body = MemberList),
        (status = 404, description = "`organization_not_found`: the caller is not a member of an organization with this slug")))]
pub async fn list_members(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<MemberList>> {
    let members = state.services.team.members(me.user.id, &slug).await?;
    Ok(Json(MemberList {
        members: members.iter().map(MemberDto::from).collect(),
    }))
}

/// Body of `PATCH /v1/organizations/{slug}/members/{user_id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatchBody {
    /// The new role.
    pub role: AssignableRole,
}

/// Changes a member's role (owner and admins; never the owner's).
#[utoipa::path(patch, path = "/v1/organizations/{slug}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
        ("user_id" = Uuid, Path, description = "the member's user id")),
    request_body = MemberPatchBody,
    responses((status = 200, description = "the member with their new role", body = MemberDto),
        (status = 403, description = "`forbidden`: only the owner and admins manage members, and an admin never changes the owner"),
        (status = 404, description = "`organization_not_found`, or `not_found`: no member has this user id"),
        (status = 409, description = "`organization_archived`: the team of an archived organization is read-only"),
        (status = 422, description = "`validation_failed`: the owner's role changes only by a transfer")))]
pub async fn patch_member(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath((slug, user_id)): ApiPath<(String, Uuid)>,
    ApiJson(body): ApiJson<MemberPatchBody>,
) -> ApiResult<Json<MemberDto>> {
    let member = state
        .services
        .team
        .change_role(
            me.user.id,
            &slug,
            UserId::from_uuid(user_id),
            body.role.into(),
        )
        .await?;
    Ok(Json(MemberDto::from(&member)))
}

/// Removes a member; removing yourself is leaving (the owner transfers ownership first).
#[utoipa::path(delete, path = "/v1/organizations/{slug}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
        ("user_id" = Uuid, Path, description = "the member's user id (your own to leave)")),
    responses((status = 204, description = "removed; `member_left` is in their history"),
        (status = 403, description = "`forbidden`: only the owner and admins remove others, nobody removes the owner, and the owner cannot leave"),
        (status = 404, description = "`organization_not_found`, or `not_found`: no member has this user id"),
        (status = 409, description = "`organization_archived`: the team of an archived organization is read-only"),
        (status = 422, description = "`validation_failed`: `user_id` is not a UUID")))]
pub async fn delete_member(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath((slug, user_id)): ApiPath<(String, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .services
        .team
        .remove(me.user.id, &slug, UserId::from_uuid(user_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /v1/organizations/{slug}/transfer-ownership`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// The member who becomes the owner.
    pub user_id: Uuid,
}

/// Makes another member the owner; the caller (the owner) becomes an admin. The organization's campaign
/// or office moves with it.
#[utoipa::path(post, path = "/v1/organizations/{slug}/transfer-ownership", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = TransferBody,
    responses((status = 200, description = "the organization, with the caller's new role (admin)", body = OrganizationDto),
        (status = 403, description = "`forbidden`: only the owner transfers ownership"),
        (status = 404, description = "`organization_not_found`"),
        (status = 409, description = "`organization_archived`, or `conflict`: the new owner already has an open campaign or an active office in this position"),
        (status = 422, description = "`validation_failed`: `user_id` is not another member")))]
pub async fn transfer_ownership(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<TransferBody>,
) -> ApiResult<Json<OrganizationDto>> {
    let org = state
        .services
        .team
        .transfer_ownership(me.user.id, &slug, UserId::from_uuid(body.user_id))
        .await?;
    Ok(Json(OrganizationDto::from(&org)))
}
