//! What Clerk says about the members of a linked organization (issue 15, ADR 0027): a session token's
//! active-organization claim, or a webhook event. Each carries the time Clerk said it, so that an older
//! word never overrides a newer one.

use crate::{ClerkOrganizationId, Role, Subject};
use chrono::{DateTime, Utc};

/// A verified token's active-organization membership: its Clerk organization, the mapped role
/// ([`Role::from_clerk`]) and when the token was issued (`iat`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClerkMembershipClaim {
    /// The Clerk organization (`o.id` or `org_id`).
    pub organization: ClerkOrganizationId,
    /// The role (`o.rol` or `org_role`, mapped; never [`Role::Owner`]).
    pub role: Role,
    /// When the token was issued.
    pub issued_at: DateTime<Utc>,
}

/// A Clerk user as a webhook describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClerkUser {
    /// The Clerk user id (a token's `sub`).
    pub sub: Subject,
    /// Their email (the membership's `public_user_data.identifier`), when it is one.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
}

/// A webhook event winserve acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClerkEvent {
    /// `organizationMembership.created` or `.updated`: the user is a member with this role.
    MembershipSet {
        /// The Clerk organization.
        organization: ClerkOrganizationId,
        /// The member.
        user: ClerkUser,
        /// Their role (mapped).
        role: Role,
        /// When Clerk made the change.
        at: DateTime<Utc>,
    },
    /// `organizationMembership.deleted`: the user left or was removed.
    MembershipDeleted {
        /// The Clerk organization.
        organization: ClerkOrganizationId,
        /// The Clerk user id.
        user_sub: Subject,
        /// When.
        at: DateTime<Utc>,
    },
    /// `organization.deleted`: the Clerk organization is gone; the link and its synced members go.
    OrganizationDeleted {
        /// The Clerk organization.
        organization: ClerkOrganizationId,
        /// When.
        at: DateTime<Utc>,
    },
}
