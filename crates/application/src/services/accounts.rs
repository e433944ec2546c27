//! [`AccountService`]: the caller — found or created from their token's claims — the organization a
//! request acts in, their default organization and their lifecycle history.

use super::{OrgScope, Ports};
use crate::error::StoreError;
use crate::ports::{
    ClerkSyncRepository, LifecycleStore, OrganizationDetails, OrganizationRepository,
    OrganizationSelector, UserRepository,
};
use std::sync::Arc;
use winserve_domain::{ClerkOrganizationId, LifecycleEvent, Slug, User, UserClaims};

/// How a request named the organization it acts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganizationNamed {
    /// By slug; `None` when the text cannot be a slug (answered exactly like an unknown slug).
    BySlug(Option<Slug>),
    /// Not by slug: by the token's active Clerk organization, when it carries one.
    ByClerkClaim(Option<ClerkOrganizationId>),
}

/// Why a request has no organization to act in.
#[derive(Debug, thiserror::Error)]
pub enum EnterOrganizationError {
    /// Nothing names an organization of the caller's (no slug, no matching Clerk claim).
    #[error("no organization was named")]
    OrganizationRequired,
    /// The slug names no organization of the caller's (another user's organization included).
    #[error("no organization of the caller has this slug")]
    OrganizationNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the default organization was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SetActiveOrganizationError {
    /// The slug names no organization of the caller's.
    #[error("no organization of the caller has this slug")]
    OrganizationNotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The caller, their organizations and their default organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    /// The caller.
    pub user: User,
    /// Their organizations, open ones first, newest first.
    pub organizations: Vec<OrganizationDetails>,
    /// The default organization: the saved choice while it exists, else the newest open organization,
    /// else the newest one.
    pub active_organization_slug: Option<Slug>,
}

/// The caller and their account.
#[derive(Clone)]
pub struct AccountService {
    users: Arc<dyn UserRepository>,
    clerk: Arc<dyn ClerkSyncRepository>,
    organizations: Arc<dyn OrganizationRepository>,
    lifecycle: Arc<dyn LifecycleStore>,
}

impl AccountService {
    pub(super) fn new(ports: &Ports) -> Self {
        Self {
            users: ports.users.clone(),
            clerk: ports.clerk.clone(),
            organizations: ports.organizations.clone(),
            lifecycle: ports.lifecycle.clone(),
        }
    }

    /// The user with these (verified) claims: created on their first request, email and names refreshed
    /// when the token carries new ones.
    pub async fn caller(&self, claims: &UserClaims) -> Result<User, StoreError> {
        let user = self.users.upsert_from_claims(claims).await?;
        self.sync_clerk(&user, claims).await?;
        Ok(user)
    }

    /// A token's Clerk membership claim makes its bearer a member of the linked organization with the
    /// claim's role (lazy sync; Clerk is the source of truth for linked organizations).
    async fn sync_clerk(&self, user: &User, claims: &UserClaims) -> Result<(), StoreError> {
        match &claims.clerk {
            Some(claim) => self.clerk.sync_claim(user.id, &claims.sub, claim).await,
            None => Ok(()),
        }
    }

    /// The caller acting in the organization the request named: one port call that also finds (or
    /// creates) the caller. An organization of another user is `OrganizationNotFound`, exactly like a
    /// missing one; a Clerk claim that matches none of the caller's organizations counts as absent.
    pub async fn enter_organization(
        &self,
        claims: &UserClaims,
        named: OrganizationNamed,
    ) -> Result<OrgScope, EnterOrganizationError> {
        if claims.clerk.is_some() {
            // The membership the token asserts must exist before the organization is looked up.
            let user = self.users.upsert_from_claims(claims).await?;
            self.sync_clerk(&user, claims).await?;
        }
        let (selector, missing) = match named {
            OrganizationNamed::BySlug(Some(slug)) => (
                OrganizationSelector::Slug(slug),
                EnterOrganizationError::OrganizationNotFound,
            ),
            OrganizationNamed::ByClerkClaim(Some(clerk)) => (
                OrganizationSelector::ClerkOrganization(clerk),
                EnterOrganizationError::OrganizationRequired,
            ),
            OrganizationNamed::BySlug(None) => {
                self.users.upsert_from_claims(claims).await?;
                return Err(EnterOrganizationError::OrganizationNotFound);
            }
            OrganizationNamed::ByClerkClaim(None) => {
                self.users.upsert_from_claims(claims).await?;
                return Err(EnterOrganizationError::OrganizationRequired);
            }
        };
        match self.users.caller_in_organization(claims, &selector).await? {
            (user, Some(org)) => Ok(OrgScope::new(user, org)),
            (_, None) => Err(missing),
        }
    }

    /// The caller, their organizations and their default organization.
    pub async fn me(&self, user: User) -> Result<Me, StoreError> {
        let organizations = self.organizations.list_for_member(user.id).await?;
        let saved = user
            .active_organization_id
            .and_then(|id| organizations.iter().find(|o| o.organization.id == id));
        // `organizations` is ordered open first, newest first.
        let active_organization_slug = saved
            .or_else(|| organizations.first())
            .map(|o| o.organization.slug.clone());
        Ok(Me {
            user,
            organizations,
            active_organization_slug,
        })
    }

    /// Saves the caller's default organization (any of theirs, archived ones included) and answers
    /// with [`Self::me`].
    pub async fn set_active_organization(
        &self,
        user: User,
        slug: &str,
    ) -> Result<Me, SetActiveOrganizationError> {
        let slug =
            Slug::new(slug.trim()).map_err(|_| SetActiveOrganizationError::OrganizationNotFound)?;
        let org = self
            .organizations
            .find_by_slug(user.id, &slug)
            .await?
            .ok_or(SetActiveOrganizationError::OrganizationNotFound)?;
        let id = org.organization.id;
        if !self.users.set_active_organization(user.id, id).await? {
            return Err(SetActiveOrganizationError::OrganizationNotFound);
        }
        let user = User {
            active_organization_id: Some(id),
            ..user
        };
        Ok(self.me(user).await?)
    }

    /// The caller's lifecycle log in the order it was appended, with each event's organization slug.
    pub async fn history(&self, user: &User) -> Result<Vec<(LifecycleEvent, Slug)>, StoreError> {
        self.lifecycle.history(user.id).await
    }
}
