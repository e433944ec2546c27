//! Who is calling and in which organization: the authenticated user, and the extractors for "an
//! organization in any mode", "a Win organization" and "a Serve organization" (product.md §8).

use crate::auth::Claims;
use crate::problem::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use winserve_application::{OrgScope, OrganizationNamed};
use winserve_domain::{
    ClerkMembershipClaim, ClerkOrganizationId, Mode, Role, Slug, Subject, User, UserClaims,
};

/// The header that names the organization a request acts in.
pub const ORGANIZATION_HEADER: &str = "x-organization-slug";

/// The authenticated caller, created on their first request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user.
    pub user: User,
    /// The token's claims.
    pub claims: Claims,
}

/// A profile claim worth storing: trimmed, 1 to 320 characters, no control characters (else ignored).
fn clean(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty() && v.chars().count() <= 320 && !v.chars().any(char::is_control))
        .map(str::to_owned)
}

/// The Clerk membership a verified token asserts: its active organization with a role, and when it was
/// issued (without `iat` a claim cannot be ordered against a webhook's removal, so it is not used).
fn clerk_membership(claims: &Claims) -> Option<ClerkMembershipClaim> {
    let (id, role) = claims.active_clerk_membership()?;
    Some(ClerkMembershipClaim {
        organization: ClerkOrganizationId::new(id).ok()?,
        role: Role::from_clerk(role?),
        issued_at: DateTime::<Utc>::from_timestamp(i64::try_from(claims.iat?).ok()?, 0)?,
    })
}

/// The bearer token's verified claims, and the user claims they carry.
async fn verified_claims(
    parts: &Parts,
    state: &AppState,
) -> Result<(Claims, UserClaims), ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <token>"))?;
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be 'Bearer <token>'")
        })?;
    let claims = state.auth.verify(token).await?;
    state.limits.check_rate(&claims.sub)?;
    let sub = Subject::new(&claims.sub)
        .map_err(|_| ApiError::unauthorized("the token's subject is not valid"))?;
    let user_claims = UserClaims {
        sub,
        email: clean(claims.email.as_ref()),
        first_name: clean(claims.first_name.as_ref()),
        last_name: clean(claims.last_name.as_ref()),
        clerk: clerk_membership(&claims),
    };
    Ok((claims, user_claims))
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(done) = parts.extensions.get::<AuthUser>() {
            return Ok(done.clone());
        }
        let (claims, user_claims) = verified_claims(parts, state).await?;
        AuthUser::remember(parts, state, claims, &user_claims).await
    }
}

impl AuthUser {
    /// Finds (or creates, or refreshes) the user of verified claims, and keeps them for the request's
    /// other extractors.
    async fn remember(
        parts: &mut Parts,
        state: &AppState,
        claims: Claims,
        user_claims: &UserClaims,
    ) -> Result<Self, ApiError> {
        let user = state.services.accounts.caller(user_claims).await?;
        let me = AuthUser { user, claims };
        parts.extensions.insert(me.clone());
        Ok(me)
    }
}

/// How the request names its organization: `X-Organization-Slug` (read once; text that cannot be a slug
/// is answered like an unknown slug), else the token's Clerk active-organization claim.
fn organization_named(parts: &Parts, claims: &Claims) -> OrganizationNamed {
    match parts.headers.get(ORGANIZATION_HEADER) {
        Some(value) => {
            OrganizationNamed::BySlug(value.to_str().ok().and_then(|v| Slug::new(v.trim()).ok()))
        }
        None => OrganizationNamed::ByClerkClaim(
            claims
                .active_clerk_organization()
                .and_then(|c| ClerkOrganizationId::new(c).ok()),
        ),
    }
}

/// The organization a request acts in, in any mode: named by `X-Organization-Slug`, else by the token's
/// Clerk active-organization claim, else 400 `organization_required`. Another user's organization is
/// 404 `organization_not_found`, exactly like a missing one. The caller and the organization are resolved
/// by one call of [`winserve_application::AccountService::enter_organization`].
#[derive(Debug, Clone)]
pub struct OrgContext(pub OrgScope);

impl FromRequestParts<AppState> for OrgContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (claims, user_claims) = verified_claims(parts, state).await?;
        let named = organization_named(parts, &claims);
        let scope = state
            .services
            .accounts
            .enter_organization(&user_claims, named)
            .await?;
        parts.extensions.insert(AuthUser {
            user: scope.user().clone(),
            claims,
        });
        Ok(Self(scope))
    }
}

/// A Win (campaign) organization; a Serve one is 403 `wrong_mode`.
#[derive(Debug, Clone)]
pub struct WinOrg(pub OrgScope);

impl FromRequestParts<AppState> for WinOrg {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let OrgContext(scope) = OrgContext::from_request_parts(parts, state).await?;
        Ok(Self(scope.require_mode(Mode::Win)?))
    }
}

/// A Serve (elected-official) organization; a Win one is 403 `wrong_mode`.
#[derive(Debug, Clone)]
pub struct ServeOrg(pub OrgScope);

impl FromRequestParts<AppState> for ServeOrg {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let OrgContext(scope) = OrgContext::from_request_parts(parts, state).await?;
        Ok(Self(scope.require_mode(Mode::Serve)?))
    }
}
