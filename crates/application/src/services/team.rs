//! [`TeamService`]: an organization's team — its members and roles, leaving, transferring ownership,
//! and invitations (issue 15). Membership is per organization, so it follows the mode: nothing here
//! reaches another organization of the same owner.
//!
//! Every method finds the organization among the caller's (another's is `OrganizationNotFound`, 404),
//! then checks the caller's role ([`Role::may`]; 403 `Forbidden` naming the action), then the archived
//! rule (409), then the input — in that order, so a member learns nothing about an input they may not
//! send.

use super::{Clock, IdSource, Ports};
use crate::error::StoreError;
use crate::ports::{
    AcceptError, InvitationRepository, Member, MembershipRepository, NewInvitation,
    OrganizationDetails, OrganizationRepository, PendingInvitation, TeamError,
};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use winserve_domain::{
    Action, Forbidden, INVITATION_TTL, InvalidValue, InvitationId, Role, Slug, User, UserId,
    normalize_email,
};

/// Why a team operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TeamActionError {
    /// No organization of the caller's has this slug.
    #[error("organization not found")]
    OrganizationNotFound,
    /// The user named is not a member of the organization.
    #[error("member not found")]
    MemberNotFound,
    /// No open invitation of the organization has this id.
    #[error("invitation not found")]
    InvitationNotFound,
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The organization is archived: its team is read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// A value is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The new owner's own lifecycle stands in the way of a transfer.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<TeamError> for TeamActionError {
    fn from(e: TeamError) -> Self {
        match e {
            TeamError::NotAMember => Self::MemberNotFound,
            TeamError::Archived => Self::Archived,
            TeamError::Conflict(m) => Self::Conflict(m),
            TeamError::Store(e) => Self::Store(e),
        }
    }
}

/// Why an invitation was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AcceptInvitationError {
    /// No open invitation has this token (unknown, already used, revoked or expired).
    #[error("invitation not found")]
    NotFound,
    /// The token carries no email, the email is not verified, or it is not the invitation's.
    #[error("{0}")]
    Refused(&'static str),
    /// The organization is archived.
    #[error("the organization is archived and read-only")]
    Archived,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new invitation, with its token — shown only in this answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationCreated {
    /// Its id.
    pub id: InvitationId,
    /// The invitee's email, normalised.
    pub email: String,
    /// Their role once they accept.
    pub role: Role,
    /// Until when it can be accepted.
    pub expires_at: DateTime<Utc>,
    /// The secret the invitee accepts with (64 hex characters). Only its SHA-256 is stored.
    pub token: String,
}

/// The SHA-256 of an invitation token: what the store keeps and looks up.
pub fn invitation_token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A fresh token: 64 hex characters from the operating system's random source (two v4 UUIDs, 244
/// random bits).
fn new_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Members, roles, ownership and invitations of the caller's organizations.
#[derive(Clone)]
pub struct TeamService {
    organizations: Arc<dyn OrganizationRepository>,
    members: Arc<dyn MembershipRepository>,
    invitations: Arc<dyn InvitationRepository>,
    clock: Clock,
    ids: IdSource,
}

impl TeamService {
    pub(super) fn new(ports: &Ports, clock: Clock, ids: IdSource) -> Self {
        Self {
            organizations: ports.organizations.clone(),
            members: ports.members.clone(),
            invitations: ports.invitations.clone(),
            clock,
            ids,
        }
    }

    /// The caller's organization `slug` with their role, once `action` is allowed for it.
    async fn organization(
        &self,
        caller: UserId,
        slug: &str,
        action: Action,
    ) -> Result<OrganizationDetails, TeamActionError> {
        let slug = Slug::new(slug).map_err(|_| TeamActionError::OrganizationNotFound)?;
        let org = self
            .organizations
            .find_by_slug(caller, &slug)
            .await?
            .ok_or(TeamActionError::OrganizationNotFound)?;
        org.role.require(action)?;
        Ok(org)
    }

    /// The organization `slug` for a change to its team: `action` allowed, and not archived.
    async fn writable(
        &self,
        caller: UserId,
        slug: &str,
        action: Action,
    ) -> Result<OrganizationDetails, TeamActionError> {
        let org = self.organization(caller, slug, action).await?;
        org.organization
            .ensure_writable()
            .map_err(|_| TeamActionError::Archived)?;
        Ok(org)
    }

    /// The members of the caller's organization `slug` (any member may see the team; an archived
    /// organization keeps its members, read-only).
    pub async fn members(
        &self,
        caller: UserId,
        slug: &str,
    ) -> Result<Vec<Member>, TeamActionError> {
        let org = self.organization(caller, slug, Action::Read).await?;
        Ok(self.members.list(org.organization.id).await?)
    }

    /// Gives member `user` the role `role` (`admin` or `member`). The owner's role changes only by a
    /// transfer, and an admin never touches the owner.
    pub async fn change_role(
        &self,
        caller: UserId,
        slug: &str,
        user: UserId,
        role: Role,
    ) -> Result<Member, TeamActionError> {
        let org = self.writable(caller, slug, Action::ManageMembers).await?;
        let owner = org.organization.owner_id;
        if user == owner && org.role != Role::Owner {
            return Err(Forbidden {
                action: Action::ManageMembers,
                role: org.role,
            }
            .into());
        }
        if role == Role::Owner {
            return Err(InvalidValue::new(
                "role",
                "must be admin or member: ownership moves with POST …/transfer-ownership",
            )
            .into());
        }
        if user == owner {
            return Err(InvalidValue::new(
                "user_id",
                "the owner's role changes only by a transfer of ownership",
            )
            .into());
        }
        Ok(self
            .members
            .set_role(org.organization.id, user, role)
            .await?)
    }

    /// Removes member `user`; removing yourself is leaving (which the owner may not: transfer first).
    pub async fn remove(
        &self,
        caller: UserId,
        slug: &str,
        user: UserId,
    ) -> Result<(), TeamActionError> {
        let action = if user == caller {
            Action::Leave
        } else {
            Action::ManageMembers
        };
        let org = self.writable(caller, slug, action).await?;
        if user == org.organization.owner_id {
            // Only an admin gets here (the owner removing themselves is a refused Leave).
            return Err(Forbidden {
                action,
                role: org.role,
            }
            .into());
        }
        self.members
            .remove(org.organization.id, user, (self.clock)())
            .await?;
        Ok(())
    }

    /// Makes member `user` the owner; the caller (the owner) becomes an admin. Answers the organization
    /// as the caller now sees it.
    pub async fn transfer_ownership(
        &self,
        caller: UserId,
        slug: &str,
        user: UserId,
    ) -> Result<OrganizationDetails, TeamActionError> {
        let org = self
            .writable(caller, slug, Action::TransferOwnership)
            .await?;
        if user == caller {
            return Err(InvalidValue::new("user_id", "you already own this organization").into());
        }
        self.members
            .transfer(org.organization.id, caller, user)
            .await
            .map_err(|e| match e {
                TeamError::NotAMember => {
                    InvalidValue::new("user_id", "must be a member of the organization").into()
                }
                e => TeamActionError::from(e),
            })?;
        self.organizations
            .find_by_slug(caller, &org.organization.slug)
            .await?
            .ok_or(TeamActionError::OrganizationNotFound)
    }

    /// Invites `email` to join with `role` (`admin` or `member`) for 7 days; inviting the same email
    /// again replaces the open invitation.
    pub async fn invite(
        &self,
        caller: UserId,
        slug: &str,
        email: &str,
        role: Role,
    ) -> Result<InvitationCreated, TeamActionError> {
        let org = self.writable(caller, slug, Action::ManageMembers).await?;
        if role == Role::Owner {
            return Err(InvalidValue::new(
                "role",
                "must be admin or member: ownership moves with POST …/transfer-ownership",
            )
            .into());
        }
        let email = normalize_email(email)?;
        let token = new_token();
        let now = (self.clock)();
        let invitation = NewInvitation {
            id: InvitationId::from_uuid((self.ids)()),
            organization_id: org.organization.id,
            email: email.clone(),
            role,
            token_hash: invitation_token_hash(&token),
            invited_by: caller,
            created_at: now,
            expires_at: now + INVITATION_TTL,
        };
        self.invitations.create(&invitation).await?;
        Ok(InvitationCreated {
            id: invitation.id,
            email,
            role,
            expires_at: invitation.expires_at,
            token,
        })
    }

    /// The organization's open invitations (those who manage members see them).
    pub async fn invitations(
        &self,
        caller: UserId,
        slug: &str,
    ) -> Result<Vec<PendingInvitation>, TeamActionError> {
        let org = self
            .organization(caller, slug, Action::ManageMembers)
            .await?;
        Ok(self
            .invitations
            .list_pending(org.organization.id, (self.clock)())
            .await?)
    }

    /// Revokes an open invitation: its token no longer works.
    pub async fn revoke(
        &self,
        caller: UserId,
        slug: &str,
        id: &str,
    ) -> Result<(), TeamActionError> {
        let org = self.writable(caller, slug, Action::ManageMembers).await?;
        let id = uuid::Uuid::parse_str(id)
            .map(InvitationId::from_uuid)
            .map_err(|_| TeamActionError::InvitationNotFound)?;
        if self
            .invitations
            .revoke(org.organization.id, id, (self.clock)())
            .await?
        {
            Ok(())
        } else {
            Err(TeamActionError::InvitationNotFound)
        }
    }

    /// Accepts an invitation for the signed-in `user`, whose token says `email` (and whether it is
    /// verified): the invitation's email must be theirs. Answers the organization they joined.
    pub async fn accept(
        &self,
        user: &User,
        email: Option<&str>,
        email_verified: Option<bool>,
        token: &str,
    ) -> Result<OrganizationDetails, AcceptInvitationError> {
        // A token of another shape cannot have been issued: answered like a used one.
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AcceptInvitationError::NotFound);
        }
        if email_verified == Some(false) {
            return Err(AcceptInvitationError::Refused(
                "your email address is not verified",
            ));
        }
        let email =
            email
                .and_then(|e| normalize_email(e).ok())
                .ok_or(AcceptInvitationError::Refused(
                    "your token carries no email address to match the invitation",
                ))?;
        let slug = self
            .invitations
            .accept(
                invitation_token_hash(&token.to_ascii_lowercase()),
                user.id,
                &email,
                (self.clock)(),
            )
            .await
            .map_err(|e| match e {
                AcceptError::NotFound => AcceptInvitationError::NotFound,
                AcceptError::EmailMismatch => {
                    AcceptInvitationError::Refused("this invitation is for another email address")
                }
                AcceptError::Archived => AcceptInvitationError::Archived,
                AcceptError::Store(e) => AcceptInvitationError::Store(e),
            })?;
        self.organizations
            .find_by_slug(user.id, &slug)
            .await?
            .ok_or(AcceptInvitationError::NotFound)
    }
}
