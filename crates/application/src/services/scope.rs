//! [`OrgScope`]: a caller acting in one of their organizations. Only [`super::AccountService`] makes
//! one, after finding the organization among the caller's, so a service that receives a scope knows the
//! membership was checked.

use crate::ports::OrganizationDetails;
use winserve_domain::{Action, Forbidden, Mode, Organization, PartyPolicy, Role, User};

/// The caller and the organization a request acts in, checked to be one they are a member of, with
/// their role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgScope {
    user: User,
    org: OrganizationDetails,
}

/// The endpoint needs an organization of the other mode (403 `wrong_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this needs a {needed:?} organization")]
pub struct WrongMode {
    /// The mode that was needed.
    pub needed: Mode,
}

impl OrgScope {
    /// A scope for `user` in `org`; only the account service (and tests of the application) make them.
    pub(crate) fn new(user: User, org: OrganizationDetails) -> Self {
        Self { user, org }
    }

    /// A scope without the membership check, for unit tests of code that receives one.
    #[cfg(feature = "mock")]
    pub fn for_tests(user: User, org: OrganizationDetails) -> Self {
        Self::new(user, org)
    }

    /// A scope in which the caller has `role` (a test's org details carry the role).
    #[cfg(feature = "mock")]
    pub fn for_tests_as(user: User, mut org: OrganizationDetails, role: Role) -> Self {
        org.role = role;
        Self::new(user, org)
    }

    /// The caller's role in the organization.
    pub fn role(&self) -> Role {
        self.org.role
    }

    /// `Ok` when the caller's role allows `action` here, else the [`Forbidden`] naming it: the check
    /// every service method makes before it reads or writes anything for the request.
    pub fn require(&self, action: Action) -> Result<(), Forbidden> {
        self.org.role.require(action)
    }

    /// The caller.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The organization, with its campaign or office.
    pub fn details(&self) -> &OrganizationDetails {
        &self.org
    }

    /// The organization.
    pub fn organization(&self) -> &Organization {
        &self.org.organization
    }

    /// The organization's mode: the mode of the request.
    pub fn mode(&self) -> Mode {
        self.org.organization.mode
    }

    /// What the mode may see of party.
    pub fn party_policy(&self) -> PartyPolicy {
        PartyPolicy::for_mode(self.mode())
    }

    /// The scope when the organization is of mode `needed`, else [`WrongMode`]: the guard of every
    /// Win-only and Serve-only feature.
    pub fn require_mode(self, needed: Mode) -> Result<Self, WrongMode> {
        if self.mode() == needed {
            Ok(self)
        } else {
            Err(WrongMode { needed })
        }
    }
}
