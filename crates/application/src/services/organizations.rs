//! [`OrganizationService`]: the caller's organizations — list, read, profile updates with the
//! effective-district rules (product.md §3), and the navigation of their mode.

use super::Ports;
use crate::error::StoreError;
use crate::ports::{
    OrganizationDetails, OrganizationRepository, ProfileUpdate, ReferenceRepository,
};
use std::sync::Arc;
use winserve_domain::{
    Action, BallotReadyId, ClerkOrganizationId, CustomPositionName, DistrictId, Forbidden,
    InvalidValue, Navigation, Slug, UserId, navigation_for, normalize_override,
};

/// A change to one optional field: keep it, clear it, or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// Leave the field as it is (the key was absent).
    #[default]
    Keep,
    /// Clear the field (the key was `null`).
    Clear,
    /// Set the field.
    Set(T),
}

impl<T: Clone> Patch<T> {
    /// The field's value after the patch, given its current value.
    pub fn apply(&self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v.clone()),
        }
    }
}

impl<T> Patch<T> {
    /// The patch with its value converted by `f` (which may refuse it).
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Patch<U>, E> {
        Ok(match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)?),
        })
    }
}

/// A partial update of an organization's profile, as the client sent it; the service validates the
/// values once it found the organization.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrganizationPatch {
    /// The BallotReady position id.
    pub position_id: Patch<String>,
    /// The override district.
    pub override_district_id: Patch<DistrictId>,
    /// The free-text position name.
    pub custom_position_name: Patch<String>,
    /// The linked Clerk organization id.
    pub clerk_organization_id: Patch<String>,
}

/// The organization is not one of the caller's.
#[derive(Debug, thiserror::Error)]
pub enum FindOrganizationError {
    /// No organization of the caller's has this slug (another user's organization included).
    #[error("organization not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an organization's profile was not updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateOrganizationError {
    /// No organization of the caller's has this slug.
    #[error("organization not found")]
    NotFound,
    /// The organization is archived and read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// A value is invalid, or names a position or district that does not exist.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A unique value is taken (a Clerk organization id linked elsewhere, an active office for the
    /// position).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

from_update_error!(UpdateOrganizationError);

from_lookup_error!(FindOrganizationError => UpdateOrganizationError);

/// Organizations, always among those the caller is a member of; edits need the owner or an admin.
#[derive(Clone)]
pub struct OrganizationService {
    organizations: Arc<dyn OrganizationRepository>,
    reference: Arc<dyn ReferenceRepository>,
}

impl OrganizationService {
    pub(super) fn new(ports: &Ports) -> Self {
        Self {
            organizations: ports.organizations.clone(),
            reference: ports.reference.clone(),
        }
    }

    /// The organizations the caller is a member of (with their role), open ones first, newest first.
    pub async fn list(&self, owner: UserId) -> Result<Vec<OrganizationDetails>, StoreError> {
        self.organizations.list_for_member(owner).await
    }

    /// The caller's organization with `slug`.
    pub async fn get(
        &self,
        owner: UserId,
        slug: &str,
    ) -> Result<OrganizationDetails, FindOrganizationError> {
        let slug = Slug::new(slug).map_err(|_| FindOrganizationError::NotFound)?;
        self.organizations
            .find_by_slug(owner, &slug)
            .await?
            .ok_or(FindOrganizationError::NotFound)
    }

    /// The navigation of the mode of the caller's organization `slug`.
    pub async fn navigation(
        &self,
        owner: UserId,
        slug: &str,
    ) -> Result<Navigation, FindOrganizationError> {
        let org = self.get(owner, slug).await?;
        Ok(navigation_for(org.organization.mode))
    }

    /// Applies a partial update to the profile of the caller's organization `slug`, with the
    /// effective-district rules: unknown ids are refused, and an override equal to the position's
    /// district is stored as none. An archived organization is read-only.
    ///
    /// Linking a Clerk organization also needs the caller's token to make them an admin of it
    /// (`clerk_admin_of`, its active organization with the admin role), so that nobody attaches their
    /// organization to someone else's Clerk organization.
    pub async fn update(
        &self,
        editor: UserId,
        slug: &str,
        patch: OrganizationPatch,
        clerk_admin_of: Option<&ClerkOrganizationId>,
    ) -> Result<OrganizationDetails, UpdateOrganizationError> {
        let current = self.get(editor, slug).await?;
        current.role.require(Action::EditOrganization)?;
        let position_patch = patch.position_id.try_map(|v| BallotReadyId::new(&v))?;
        let custom_patch = patch
            .custom_position_name
            .try_map(|v| CustomPositionName::new(&v))?;
        let clerk_patch = patch
            .clerk_organization_id
            .try_map(|v| ClerkOrganizationId::new(&v))?;
        if let Patch::Set(clerk) = &clerk_patch
            && current.organization.clerk_organization_id.as_ref() != Some(clerk)
            && clerk_admin_of != Some(clerk)
        {
            return Err(Forbidden {
                action: Action::LinkClerkOrganization,
                role: current.role,
            }
            .into());
        }
        let org = &current.organization;
        org.ensure_writable()
            .map_err(|_| UpdateOrganizationError::Archived)?;
        let profile = org.profile();
        let position_id = position_patch.apply(profile.position_id);
        let natural = match &position_id {
            Some(id) => {
                let position = self.reference.find_position(id).await?.ok_or_else(|| {
                    InvalidValue::new("ballotready_position_id", "no position has this id")
                })?;
                position.district.map(|d| d.id)
            }
            None => None,
        };
        let override_id = patch
            .override_district_id
            .apply(profile.override_district_id);
        if let (Patch::Set(id), true) = (&patch.override_district_id, override_id.is_some())
            && self.reference.find_district(*id).await?.is_none()
        {
            return Err(
                InvalidValue::new("override_district_id", "no district has this id").into(),
            );
        }
        let update = ProfileUpdate {
            position_id,
            override_district_id: normalize_override(natural, override_id),
            custom_position_name: custom_patch.apply(profile.custom_position_name),
            clerk_organization_id: clerk_patch.apply(org.clerk_organization_id.clone()),
        };
        self.organizations
            .update_profile(editor, org.id, &update)
            .await
            .map_err(Into::into)
    }
}
