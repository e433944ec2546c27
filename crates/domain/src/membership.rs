//! Members and roles: who may do what in an organization (issue 15, ADR 0027).
//!
//! Membership is per organization, so it follows the mode: a campaign's staff are members of the Win
//! organization only, and see a Serve organization's constituents only if the official brings them
//! along or invites them. [`Role::may`] is the one permission table; every organization-scoped service
//! asks it before touching a port. Features added later add their row (an [`Action`]) here.

use crate::InvalidValue;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How long an invitation can be accepted.
pub const INVITATION_TTL: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// An email address as invitations store and compare it: trimmed and lower-cased, one `@` with text on
/// both sides, at most 254 characters, no spaces or control characters. Refused otherwise (field `email`).
pub fn normalize_email(raw: &str) -> Result<String, InvalidValue> {
    let email = raw.trim().to_lowercase();
    let shaped = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    });
    if !shaped
        || email.chars().count() > 254
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(InvalidValue::new(
            "email",
            "must be an email address (name@domain, at most 254 characters)",
        ));
    }
    Ok(email)
}

/// A member's role in one organization. Exactly one member is the [`Role::Owner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The person whose campaign or office it is: the only one who drives the lifecycle.
    Owner,
    /// Staff who run the organization with the owner: segments, exports, the team.
    Admin,
    /// Staff who read: contacts (with the mode's party rule), segments, stats.
    Member,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Member];

    /// The snake_case name, as stored and served.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// The role a Clerk organization role maps to: `admin` (version-2 tokens) or `org:admin` (version 1)
    /// is [`Role::Admin`]; `member`, `org:member` and any custom role are [`Role::Member`]. Clerk never
    /// makes an owner: ownership is winserve's and moves only by a transfer.
    pub fn from_clerk(role: &str) -> Self {
        match role.strip_prefix("org:").unwrap_or(role) {
            "admin" => Role::Admin,
            _ => Role::Member,
        }
    }

    /// Whether this role may perform `action` — the permission table of issue 15.
    pub const fn may(self, action: Action) -> bool {
        match action {
            Action::Read => true,
            Action::EditSegments
            | Action::EditOrganization
            | Action::ExportContacts
            | Action::ManageMembers
            | Action::LinkClerkOrganization => matches!(self, Role::Owner | Role::Admin),
            Action::Lifecycle | Action::TransferOwnership => matches!(self, Role::Owner),
            // The owner must hand the organization over first: it never has no owner.
            Action::Leave => !matches!(self, Role::Owner),
        }
    }

    /// `Ok` when this role may perform `action`, else the [`Forbidden`] that names it.
    pub fn require(self, action: Action) -> Result<(), Forbidden> {
        if self.may(action) {
            Ok(())
        } else {
            Err(Forbidden { action, role: self })
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a member may or may not do in an organization: one row of the permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read the organization, its navigation, contacts, segments and stats.
    Read,
    /// Create, edit or delete segments.
    EditSegments,
    /// Edit the organization's details (position, district, campaign or office dates).
    EditOrganization,
    /// Export contacts as CSV.
    ExportContacts,
    /// Invite members, change their roles, remove them (an admin never touches the owner).
    ManageMembers,
    /// Drive the lifecycle: create a campaign from this organization's office, launch, record a result,
    /// withdraw, end an office.
    Lifecycle,
    /// Leave the organization.
    Leave,
    /// Hand ownership to another member.
    TransferOwnership,
    /// Link the organization to a Clerk organization (the token must also be that Clerk org's admin).
    LinkClerkOrganization,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 9] = [
        Action::Read,
        Action::EditSegments,
        Action::EditOrganization,
        Action::ExportContacts,
        Action::ManageMembers,
        Action::Lifecycle,
        Action::Leave,
        Action::TransferOwnership,
        Action::LinkClerkOrganization,
    ];

    /// The snake_case name, as served in a `forbidden` problem's `action` member.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::EditSegments => "edit_segments",
            Action::EditOrganization => "edit_organization",
            Action::ExportContacts => "export_contacts",
            Action::ManageMembers => "manage_members",
            Action::Lifecycle => "lifecycle",
            Action::Leave => "leave",
            Action::TransferOwnership => "transfer_ownership",
            Action::LinkClerkOrganization => "link_clerk_organization",
        }
    }

    /// What the action is, in words, for an error's detail.
    pub const fn describe(self) -> &'static str {
        match self {
            Action::Read => "read this organization",
            Action::EditSegments => "create, edit or delete segments",
            Action::EditOrganization => "edit the organization's details",
            Action::ExportContacts => "export contacts",
            Action::ManageMembers => "invite, change or remove members",
            Action::Lifecycle => {
                "change the campaign or office (launch, result, withdraw, end, run again)"
            }
            Action::Leave => "leave the organization (transfer ownership first)",
            Action::TransferOwnership => "transfer ownership",
            Action::LinkClerkOrganization => {
                "link this organization to a Clerk organization you are not an admin of"
            }
        }
    }
}

/// A member tried something their role does not allow (HTTP 403 `forbidden`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("your role ({role}) may not {}", action.describe())]
pub struct Forbidden {
    /// What was refused.
    pub action: Action,
    /// The caller's role.
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The issue's table, written out cell by cell: (action, owner, admin, member).
    const TABLE: [(Action, bool, bool, bool); 9] = [
        (Action::Read, true, true, true),
        (Action::EditSegments, true, true, false),
        (Action::EditOrganization, true, true, false),
        (Action::ExportContacts, true, true, false),
        (Action::ManageMembers, true, true, false),
        (Action::Lifecycle, true, false, false),
        (Action::Leave, false, true, true),
        (Action::TransferOwnership, true, false, false),
        (Action::LinkClerkOrganization, true, true, false),
    ];

    #[test]
    fn the_permission_table_is_the_issues() {
        assert_eq!(TABLE.len(), Action::ALL.len());
        for (action, owner, admin, member) in TABLE {
            assert_eq!(Role::Owner.may(action), owner, "owner {action:?}");
            assert_eq!(Role::Admin.may(action), admin, "admin {action:?}");
            assert_eq!(Role::Member.may(action), member, "member {action:?}");
        }
    }

    #[test]
    fn names_round_trip_and_forbidden_names_the_action() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        let err = Role::Member.require(Action::ExportContacts).unwrap_err();
        assert_eq!(
            err.to_string(),
            "your role (member) may not export contacts"
        );
        assert!(Role::Owner.require(Action::Lifecycle).is_ok());
    }

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "a b@example.com",
            "a@b@c",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clerk_roles_map_to_admin_or_member() {
        assert_eq!(Role::from_clerk("admin"), Role::Admin);
        assert_eq!(Role::from_clerk("org:admin"), Role::Admin);
        assert_eq!(Role::from_clerk("member"), Role::Member);
        assert_eq!(Role::from_clerk("org:member"), Role::Member);
        assert_eq!(Role::from_clerk("org:billing_manager"), Role::Member);
        assert_eq!(Role::from_clerk("owner"), Role::Member);
    }
}
