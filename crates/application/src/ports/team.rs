//! The ports of an organization's team: its members with their roles, and invitations to join it.

use crate::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use winserve_domain::{
    ClerkEvent, ClerkMembershipClaim, InvitationId, OrganizationId, Role, Slug, Subject, UserId,
};

#[cfg(feature = "mock")]
use mockall::automock;

/// A member of an organization, as the team listing shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The user's id (the `id` of `GET /v1/me`'s `user`).
    pub user_id: UserId,
    /// Their email, when a token ever carried one.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// Why a change to an organization's team did not happen.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TeamError {
    /// The user named is not a member of the organization.
    #[error("the user is not a member of this organization")]
    NotAMember,
    /// The organization is archived: its team is read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// A rule of the new owner's own lifecycle stands in the way (they already have an open campaign,
    /// or already serve in this position).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The members of organizations. Every method names the organization; the services checked the caller's
/// role in it first. Writes serialize with the owner's lifecycle transactions (which archive
/// organizations and carry members into new ones).
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait MembershipRepository: Send + Sync {
    /// The organization's members: the owner first, then by joining time.
    async fn list(&self, organization: OrganizationId) -> Result<Vec<Member>, StoreError>;

    /// Gives a member (never the owner) a new role: `admin` or `member`.
    async fn set_role(
        &self,
        organization: OrganizationId,
        user: UserId,
        role: Role,
    ) -> Result<Member, TeamError>;

    /// Removes a member (never the owner) and appends `member_left` with the role they had to their
    /// history.
    async fn remove(
        &self,
        organization: OrganizationId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<Role, TeamError>;

    /// Makes member `to` the owner and the owner `from` an admin, in one transaction: the
    /// organization's campaign or office follows its owner.
    async fn transfer(
        &self,
        organization: OrganizationId,
        from: UserId,
        to: UserId,
    ) -> Result<(), TeamError>;
}

/// An invitation to store: only the token's hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// Its id.
    pub id: InvitationId,
    /// The organization.
    pub organization_id: OrganizationId,
    /// The invitee's email, normalised.
    pub email: String,
    /// `admin` or `member`.
    pub role: Role,
    /// SHA-256 of the token.
    pub token_hash: [u8; 32],
    /// Who invited.
    pub invited_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Until when it can be accepted.
    pub expires_at: DateTime<Utc>,
}

/// An invitation that was neither accepted nor revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingInvitation {
    /// Its id.
    pub id: InvitationId,
    /// The invitee's email.
    pub email: String,
    /// The role they will have.
    pub role: Role,
    /// Who invited.
    pub invited_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Until when it can be accepted.
    pub expires_at: DateTime<Utc>,
}

/// Why an invitation was not accepted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    /// No open invitation has this token (unknown, used, revoked or expired).
    #[error("invitation not found")]
    NotFound,
    /// The invitation is for another email address.
    #[error("this invitation is for another email address")]
    EmailMismatch,
    /// The organization is archived.
    #[error("the organization is archived and read-only")]
    Archived,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Invitations to join organizations.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait InvitationRepository: Send + Sync {
    /// Stores an invitation, revoking any open one for the same email in the organization.
    async fn create(&self, invitation: &NewInvitation) -> Result<(), TeamError>;

    /// The organization's invitations that are neither accepted, revoked nor expired at `now`.
    async fn list_pending(
        &self,
        organization: OrganizationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingInvitation>, StoreError>;

    /// Revokes an open invitation of the organization; `false` when there is none with this id.
    async fn revoke(
        &self,
        organization: OrganizationId,
        id: InvitationId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Accepts the open invitation whose token has this hash for `user`, whose verified email is
    /// `email` (compared normalised): marks it used (once, even under concurrent calls), makes the user
    /// a member with its role (a member already keeps their role) and appends `member_joined`.
    /// Answers the organization's slug.
    async fn accept(
        &self,
        token_hash: [u8; 32],
        user: UserId,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<Slug, AcceptError>;
}

/// Memberships of organizations linked to Clerk organizations, kept in step with what Clerk says. An
/// older word (a token issued, or a change made, before the newest one applied) never overrides a newer
/// one; the owner's membership is winserve's and never touched.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait ClerkSyncRepository: Send + Sync {
    /// Lazy sync from a verified token: makes `user` (subject `sub`) a member of the open organization
    /// linked to the claim's Clerk organization with the claim's role, or updates their role — unless
    /// Clerk removed them after the token was issued. Reads first; writes only on change.
    async fn sync_claim(
        &self,
        user: UserId,
        sub: &Subject,
        claim: &ClerkMembershipClaim,
    ) -> Result<(), StoreError>;

    /// Applies a webhook delivery once: `false` when the delivery id was applied before (nothing
    /// changes), `true` otherwise — also when the event concerns no linked organization.
    async fn apply_webhook(
        &self,
        delivery_id: &str,
        event_type: &str,
        event: &ClerkEvent,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}
