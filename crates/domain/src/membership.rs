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
            Action::Read | Action::RecordOutreachResults => true,
            Action::EditSegments
            | Action::EditOrganization
            | Action::ExportContacts
            | Action::ManageMembers
            | Action::LinkClerkOrganization
            | Action::EditOutreach
            | Action::EditPolls => matches!(self, Role::Owner | Role::Admin),
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
    /// Voter Outreach (issue 16): create, edit, change the status of and delete outreach plans.
    EditOutreach,
    /// Voter Outreach: record the outcome of contacts of a plan under way (every member canvasses).
    RecordOutreachResults,
    /// Polls (issue 16): create, edit, send, close and delete an office's polls.
    EditPolls,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 12] = [
        Action::Read,
        Action::EditSegments,
        Action::EditOrganization,
        Action::ExportContacts,
        Action::ManageMembers,
        Action::Lifecycle,
        Action::Leave,
        Action::TransferOwnership,
        Action::LinkClerkOrganization,
        Action::EditOutreach,
        Action::RecordOutreachResults,
        Action::EditPolls,
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
            Action::EditOutreach => "edit_outreach",
            Action::RecordOutreachResults => "record_outreach_results",
            Action::EditPolls => "edit_polls",
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
            Action::EditOutreach => "create, edit or delete outreach plans, or change their status",
            Action::RecordOutreachResults => "record the outcomes of an outreach plan",
            Action::EditPolls => "create, edit, send, close or delete polls",
        }
    }
}

/// One member of an organization the user owns, as the lifecycle snapshot holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The organization.
    pub organization_id: crate::OrganizationId,
    /// The member.
    pub user_id: crate::UserId,
    /// Their role there.
    pub role: Role,
}

/// A member brought into a new organization, with the role they had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedMember {
    /// The member.
    pub user_id: crate::UserId,
    /// Their role, the same as in the organization they came from.
    pub role: Role,
}

/// Who came along into a new organization (a won campaign's Serve organization, or a campaign started
/// from an office) and who stayed behind. Membership follows the mode: nobody comes unless named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// The members named in `carry_members`, with their roles.
    pub carried_members: Vec<CarriedMember>,
    /// The source organization's other members (the owner aside).
    pub left_behind: Vec<crate::UserId>,
}

impl Team {
    /// The team to carry from organization `source` of the lifecycle's `members`: every id of `carry` must
    /// be a member of it other than the owner (duplicates count once). Refused with the first id that
    /// is not, so nobody joins an organization they were never part of.
    pub fn plan(
        members: &[Membership],
        source: crate::OrganizationId,
        carry: &[crate::UserId],
    ) -> Result<Self, crate::UserId> {
        let of_source: Vec<&Membership> = members
            .iter()
            .filter(|m| m.organization_id == source && m.role != Role::Owner)
            .collect();
        let mut carried_members: Vec<CarriedMember> = Vec::new();
        for &user_id in carry {
            let member = of_source
                .iter()
                .find(|m| m.user_id == user_id)
                .ok_or(user_id)?;
            if carried_members.iter().all(|c| c.user_id != user_id) {
                carried_members.push(CarriedMember {
                    user_id,
                    role: member.role,
                });
            }
        }
        let left_behind = of_source
            .iter()
            .map(|m| m.user_id)
            .filter(|u| carried_members.iter().all(|c| c.user_id != *u))
            .collect();
        Ok(Self {
            carried_members,
            left_behind,
        })
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
    const TABLE: [(Action, bool, bool, bool); 12] = [
        (Action::Read, true, true, true),
        (Action::EditSegments, true, true, false),
        (Action::EditOrganization, true, true, false),
        (Action::ExportContacts, true, true, false),
        (Action::ManageMembers, true, true, false),
        (Action::Lifecycle, true, false, false),
        (Action::Leave, false, true, true),
        (Action::TransferOwnership, true, false, false),
        (Action::LinkClerkOrganization, true, true, false),
        (Action::EditOutreach, true, true, false),
        (Action::RecordOutreachResults, true, true, true),
        (Action::EditPolls, true, true, false),
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
    fn a_team_carries_named_members_only() {
        use crate::{OrganizationId, UserId};
        let (org, other) = (OrganizationId::generate(), OrganizationId::generate());
        let (owner, a, b, c) = (
            UserId::generate(),
            UserId::generate(),
            UserId::generate(),
            UserId::generate(),
        );
        let m = |organization_id, user_id, role| Membership {
            organization_id,
            user_id,
            role,
        };
        let members = [
            m(org, owner, Role::Owner),
            m(org, a, Role::Admin),
            m(org, b, Role::Member),
            m(other, c, Role::Member),
        ];
        let team = Team::plan(&members, org, &[a, a]).unwrap();
        assert_eq!(
            team.carried_members,
            [CarriedMember {
                user_id: a,
                role: Role::Admin
            }]
        );
        assert_eq!(team.left_behind, [b]);
        assert_eq!(Team::plan(&members, org, &[c]), Err(c));
        assert_eq!(Team::plan(&members, org, &[owner]), Err(owner));
        assert_eq!(Team::plan(&members, org, &[]).unwrap().left_behind, [a, b]);
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
