//! Invitations to join an organization (issue 15): the owner or an admin invites an email address with a
//! role; the invitee, signed in with a token whose verified `email` claim is that address, accepts with
//! the secret token. The token appears once, in the creation's answer; only its SHA-256 is stored.

use crate::context::AuthUser;
use crate::dto::OrganizationDto;
use crate::extract::{ApiJson, ApiPath, NoBody};
use crate::problem::ApiResult;
use crate::routes::members::AssignableRole;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::PendingInvitation;

/// Body of `POST /v1/organizations/{slug}/invitations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationBody {
    /// The invitee's email address (compared case-insensitively with their token's `email` claim).
    #[schema(max_length = 254, example = "manager@example.com")]
    pub email: String,
    /// Their role once they accept.
    pub role: AssignableRole,
}

/// A new invitation with its secret token.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationCreatedDto {
    /// Its id (to revoke it).
    pub id: Uuid,
    /// The invitee's email, normalised (trimmed, lower case).
    pub email: String,
    /// Their role once they accept.
    #[schema(value_type = crate::openapi_schemas::RoleValue, example = "member")]
    pub role: String,
    /// After this it can no longer be accepted (7 days).
    pub expires_at: DateTime<Utc>,
    /// The secret to send the invitee (`POST /v1/invitations/{token}/accept`). Shown only here.
    pub token: String,
}

/// An open invitation (without its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationDto {
    /// Its id.
    pub id: Uuid,
    /// The invitee's email.
    pub email: String,
    /// Their role once they accept.
    #[schema(value_type = crate::openapi_schemas::RoleValue, example = "member")]
    pub role: String,
    /// Who invited (a user id).
    pub invited_by: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Until when it can be accepted.
    pub expires_at: DateTime<Utc>,
}

impl From<&PendingInvitation> for InvitationDto {
    fn from(i: &PendingInvitation) -> Self {
        Self {
            id: i.id.as_uuid(),
            email: i.email.clone(),
            role: i.role.as_str().to_owned(),
            invited_by: i.invited_by.as_uuid(),
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

/// `{invitations: [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationList {
    /// Open invitations, oldest first.
    pub invitations: Vec<InvitationDto>,
}

/// Invites an email address to join the organization with a role (owner and admins). Inviting the same
/// address again replaces the open invitation.
#[utoipa::path(post, path = "/v1/organizations/{slug}/invitations", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = InvitationBody,
    responses((status = 201, description = "the invitation, with its token (shown only here)", body = InvitationCreatedDto),
        (status = 403, description = "`forbidden`: only the owner and admins invite"),
        (status = 404, description = "`organization_not_found`"),
        (status = 409, description = "`organization_archived`: an archived organization takes no new members"),
        (status = 422, description = "`validation_failed`: not an email address")))]
pub async fn create_invitation(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<InvitationBody>,
) -> ApiResult<(StatusCode, Json<InvitationCreatedDto>)> {
    let created = state
        .services
        .team
        .invite(me.user.id, &slug, &body.email, body.role.into())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationCreatedDto {
            id: created.id.as_uuid(),
            email: created.email,
            role: created.role.as_str().to_owned(),
            expires_at: created.expires_at,
            token: created.token,
        }),
    ))
}

/// The organization's open invitations (owner and admins).
#[utoipa::path(get, path = "/v1/organizations/{slug}/invitations", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "invitations neither accepted, revoked nor expired", body = InvitationList),
        (status = 403, description = "`forbidden`: only the owner and admins see invitations"),
        (status = 404, description = "`organization_not_found`")))]
pub async fn list_invitations(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<InvitationList>> {
    let pending = state.services.team.invitations(me.user.id, &slug).await?;
    Ok(Json(InvitationList {
        invitations: pending.iter().map(InvitationDto::from).collect(),
    }))
}

/// Revokes an open invitation: its token stops working.
#[utoipa::path(delete, path = "/v1/organizations/{slug}/invitations/{id}", tag = "members", security(("bearer" = [])),
    params(("slug" = String, Path, description = "the organization's slug", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
        ("id" = Uuid, Path, description = "the invitation's id")),
    responses((status = 204, description = "revoked"),
        (status = 403, description = "`forbidden`: only the owner and admins revoke invitations"),
        (status = 404, description = "`organization_not_found`, or `not_found`: no open invitation has this id"),
        (status = 409, description = "`organization_archived`")))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath((slug, id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    state.services.team.revoke(me.user.id, &slug, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accepts an invitation: the caller joins the organization with the invitation's role. Their token's
/// `email` claim must be the invitation's address and not unverified.
#[utoipa::path(post, path = "/v1/invitations/{token}/accept", tag = "members", security(("bearer" = [])),
    params(("token" = String, Path, description = "the invitation's secret token", pattern = r"^[0-9a-fA-F]{64}$")),
    responses((status = 200, description = "the organization joined, with the caller's role", body = OrganizationDto),
        (status = 403, description = "`forbidden`: the token's email is missing, unverified or not the invitation's"),
        (status = 404, description = "`not_found`: no open invitation has this token (unknown, used, revoked or expired)"),
        (status = 409, description = "`organization_archived`")))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    me: AuthUser,
    ApiPath(token): ApiPath<String>,
    _body: NoBody,
) -> ApiResult<Json<OrganizationDto>> {
    let org = state
        .services
        .team
        .accept(
            &me.user,
            me.claims.email.as_deref(),
            me.claims.email_verified,
            &token,
        )
        .await?;
    Ok(Json(OrganizationDto::from(&org)))
}
