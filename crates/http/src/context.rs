//! Who is calling and in which organization: the authenticated user, and the extractors for "an
//! organization in any mode", "a Win organization" and "a Serve organization" (product.md §8).

use crate::auth::Claims;
use crate::problem::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use winserve_application::OrganizationDetails;
use winserve_domain::{ClerkOrganizationId, Mode, Slug, Subject, User, UserClaims};

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

fn clean(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty() && v.chars().count() <= 320)
        .map(str::to_owned)
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
    let sub = Subject::new(&claims.sub)
        .map_err(|_| ApiError::unauthorized("the token's subject is not valid"))?;
    let user_claims = UserClaims {
        sub,
        email: clean(claims.email.as_ref()),
        first_name: clean(claims.first_name.as_ref()),
        last_name: clean(claims.last_name.as_ref()),
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
        let user = state
            .app
            .ports
            .users
            .upsert_from_claims(user_claims)
            .await?;
        let me = AuthUser { user, claims };
        parts.extensions.insert(me.clone());
        Ok(me)
    }
}

/// The slug of `X-Organization-Slug`, when the header is present; one that cannot exist is reported like
/// one that does not.
fn slug_header(parts: &Parts) -> Option<Result<Slug, ApiError>> {
    parts.headers.get(ORGANIZATION_HEADER).map(|value| {
        value
            .to_str()
            .ok()
            .and_then(|v| Slug::new(v.trim()).ok())
            .ok_or_else(ApiError::organization_not_found)
    })
}

/// The organization a request acts in, in any mode: named by `X-Organization-Slug`, else by the token's
/// Clerk active-organization claim, else 400 `organization_required`. Another user's organization is
/// 404 `organization_not_found`, exactly like a missing one.
#[derive(Debug, Clone)]
pub struct OrgContext {
    /// The caller.
    pub user: User,
    /// The organization, with its campaign or office.
    pub org: OrganizationDetails,
}

impl OrgContext {
    /// Fails with 409 `organization_archived` when the organization is read-only.
    pub fn ensure_writable(&self) -> Result<(), ApiError> {
        self.org
            .organization
            .ensure_writable()
            .map_err(|_| ApiError::organization_archived())
    }

    /// The organization's mode.
    pub fn mode(&self) -> Mode {
        self.org.organization.mode
    }
}

impl FromRequestParts<AppState> for OrgContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let orgs = &state.app.ports.organizations;
        let AuthUser { user, claims } = match parts.extensions.get::<AuthUser>() {
            Some(done) => done.clone(),
            None => {
                let (claims, user_claims) = verified_claims(parts, state).await?;
                // The common case — a known user, nothing new in the token, an organization named by
                // slug — is one statement: the user and the organization together. Anything else (a
                // first request, new claims, an organization not found) takes the two steps below,
                // which create or refresh the user and answer.
                if let Some(Ok(slug)) = slug_header(parts)
                    && let Some((user, org)) =
                        orgs.find_by_slug_for_claims(&user_claims, &slug).await?
                {
                    parts.extensions.insert(AuthUser {
                        user: user.clone(),
                        claims,
                    });
                    return Ok(Self { user, org });
                }
                AuthUser::remember(parts, state, claims, &user_claims).await?
            }
        };
        if let Some(slug) = slug_header(parts) {
            let org = orgs
                .find_by_slug(user.id, &slug?)
                .await?
                .ok_or_else(ApiError::organization_not_found)?;
            return Ok(Self { user, org });
        }
        if let Some(clerk) = claims
            .active_clerk_organization()
            .and_then(|c| ClerkOrganizationId::new(c).ok())
            && let Some(org) = orgs.find_by_clerk_id(user.id, &clerk).await?
        {
            return Ok(Self { user, org });
        }
        Err(ApiError::organization_required())
    }
}

/// A Win (campaign) organization; a Serve one is 403 `wrong_mode`.
#[derive(Debug, Clone)]
pub struct WinOrg(pub OrgContext);

impl FromRequestParts<AppState> for WinOrg {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ctx = OrgContext::from_request_parts(parts, state).await?;
        match ctx.mode() {
            Mode::Win => Ok(Self(ctx)),
            Mode::Serve => Err(ApiError::wrong_mode("campaign (win)")),
        }
    }
}

/// A Serve (elected-official) organization; a Win one is 403 `wrong_mode`.
#[derive(Debug, Clone)]
pub struct ServeOrg(pub OrgContext);

impl FromRequestParts<AppState> for ServeOrg {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ctx = OrgContext::from_request_parts(parts, state).await?;
        match ctx.mode() {
            Mode::Serve => Ok(Self(ctx)),
            Mode::Win => Err(ApiError::wrong_mode("elected-office (serve)")),
        }
    }
}
