//! [`SegmentService`]: an organization's custom segments — saved, named voter filters — and their live
//! counts. A segment of another organization is `NotFound` everywhere, exactly like a missing one; a
//! party criterion is refused where the mode hides party (product.md §5).

use super::contact_filter::{FilterRefused, contact_filter};
use super::{Clock, IdSource, OrgScope, Ports};
use crate::error::{SegmentError, StoreError};
use crate::ports::{ContactRepository, SegmentRepository};
use std::sync::Arc;
use winserve_domain::{
    Action, Forbidden, InvalidValue, PartyPolicy, Segment, SegmentCriteria, SegmentId, SegmentName,
};

/// A new custom segment, as the client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSegment {
    /// 1 to 100 characters.
    pub name: String,
    /// The filter (known keys and values; lists must not be empty).
    pub criteria: SegmentCriteria,
}

/// A change to a custom segment: absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new filter (replaces the old one).
    pub criteria: Option<SegmentCriteria>,
}

/// Why a segment was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateSegmentError {
    /// The organization is archived and read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// The name or a criterion is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A party criterion in a mode that hides party.
    #[error("filtering by political party is not allowed in this mode")]
    PartyFilterNotAllowed,
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// No segment of the organization has this id.
#[derive(Debug, thiserror::Error)]
pub enum FindSegmentError {
    /// Not found (another organization's segment included).
    #[error("segment not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a segment was not changed.
#[derive(Debug, thiserror::Error)]
pub enum UpdateSegmentError {
    /// No segment of the organization has this id.
    #[error("segment not found")]
    NotFound,
    /// The organization is archived and read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// The name or a criterion is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A party criterion in a mode that hides party.
    #[error("filtering by political party is not allowed in this mode")]
    PartyFilterNotAllowed,
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a segment was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteSegmentError {
    /// No segment of the organization has this id.
    #[error("segment not found")]
    NotFound,
    /// The organization is archived and read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// An outreach plan or a poll targets the segment.
    #[error("an outreach plan or a poll targets this segment")]
    InUse,
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a segment was not counted.
#[derive(Debug, thiserror::Error)]
pub enum CountSegmentError {
    /// The organization is archived: its contacts (and so its counts) are no longer served.
    #[error("the organization is archived")]
    Archived,
    /// No segment of the organization has this id.
    #[error("segment not found")]
    NotFound,
    /// A party criterion in a mode that hides party (a segment stored before the rule).
    #[error("filtering by political party is not allowed in this mode")]
    PartyFilterNotAllowed,
    /// The organization has no effective district.
    #[error("the organization has no district")]
    DistrictNotSet,
    /// A value is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

from_lookup_error!(FindSegmentError => UpdateSegmentError, DeleteSegmentError, CountSegmentError);

/// Custom segments of the organization a request acts in.
#[derive(Clone)]
pub struct SegmentService {
    segments: Arc<dyn SegmentRepository>,
    contacts: Arc<dyn ContactRepository>,
    clock: Clock,
    ids: IdSource,
}

/// Criteria from a client: the party policy, then known keys and values and no empty lists (normalised).
/// `Err(None)` is the party rule, `Err(Some(_))` an invalid value.
fn checked_criteria(
    criteria: SegmentCriteria,
    policy: PartyPolicy,
) -> Result<SegmentCriteria, Option<InvalidValue>> {
    // The party rule first: a party key where party is hidden is refused as such, even empty or null.
    policy.check_criteria(&criteria).map_err(|_| None)?;
    criteria.normalized().map_err(Some)
}

impl SegmentService {
    pub(super) fn new(ports: &Ports, clock: Clock, ids: IdSource) -> Self {
        Self {
            segments: ports.segments.clone(),
            contacts: ports.contacts.clone(),
            clock,
            ids,
        }
    }

    /// The organization's custom segments, by name.
    pub async fn list(&self, scope: &OrgScope) -> Result<Vec<Segment>, StoreError> {
        self.segments.list(scope.organization().id).await
    }

    /// One of the organization's segments; `id` is the client's text (not a UUID: not found).
    pub async fn get(&self, scope: &OrgScope, id: &str) -> Result<Segment, FindSegmentError> {
        let id = uuid::Uuid::parse_str(id)
            .map(SegmentId::from_uuid)
            .map_err(|_| FindSegmentError::NotFound)?;
        self.segments
            .find(scope.organization().id, id)
            .await?
            .ok_or(FindSegmentError::NotFound)
    }

    /// Creates a custom segment in the organization (refused when it is archived).
    pub async fn create(
        &self,
        scope: &OrgScope,
        input: NewSegment,
    ) -> Result<Segment, CreateSegmentError> {
        scope.require(Action::EditSegments)?;
        scope
            .organization()
            .ensure_writable()
            .map_err(|_| CreateSegmentError::Archived)?;
        let name = SegmentName::new(&input.name)?;
        let criteria = checked_criteria(input.criteria, scope.party_policy())
            .map_err(|e| e.map_or(CreateSegmentError::PartyFilterNotAllowed, Into::into))?;
        let now = (self.clock)();
        let segment = Segment {
            id: SegmentId::from_uuid((self.ids)()),
            organization_id: scope.organization().id,
            name,
            criteria,
            created_at: now,
            updated_at: now,
        };
        self.segments.create(&segment).await.map_err(|e| match e {
            SegmentError::NotFound | SegmentError::Archived | SegmentError::InUse => {
                CreateSegmentError::Archived
            }
            SegmentError::Store(e) => CreateSegmentError::Store(e),
        })
    }

    /// Renames or refilters one of the organization's segments.
    pub async fn update(
        &self,
        scope: &OrgScope,
        id: &str,
        changes: SegmentChanges,
    ) -> Result<Segment, UpdateSegmentError> {
        scope.require(Action::EditSegments)?;
        let current = self.get(scope, id).await?;
        scope
            .organization()
            .ensure_writable()
            .map_err(|_| UpdateSegmentError::Archived)?;
        let name = match changes.name {
            Some(n) => SegmentName::new(&n)?,
            None => current.name,
        };
        let criteria = match changes.criteria {
            Some(c) => checked_criteria(c, scope.party_policy())
                .map_err(|e| e.map_or(UpdateSegmentError::PartyFilterNotAllowed, Into::into))?,
            None => current.criteria,
        };
        self.segments
            .update(scope.organization().id, current.id, &name, &criteria)
            .await
            .map_err(|e| match e {
                SegmentError::NotFound | SegmentError::InUse => UpdateSegmentError::NotFound,
                SegmentError::Archived => UpdateSegmentError::Archived,
                SegmentError::Store(e) => UpdateSegmentError::Store(e),
            })
    }

    /// Deletes one of the organization's segments.
    pub async fn delete(&self, scope: &OrgScope, id: &str) -> Result<(), DeleteSegmentError> {
        scope.require(Action::EditSegments)?;
        let current = self.get(scope, id).await?;
        scope
            .organization()
            .ensure_writable()
            .map_err(|_| DeleteSegmentError::Archived)?;
        self.segments
            .delete(scope.organization().id, current.id)
            .await
            .map_err(|e| match e {
                SegmentError::NotFound => DeleteSegmentError::NotFound,
                SegmentError::Archived => DeleteSegmentError::Archived,
                SegmentError::InUse => DeleteSegmentError::InUse,
                SegmentError::Store(e) => DeleteSegmentError::Store(e),
            })
    }

    /// The number of contacts of the organization's district in one of its segments, counted now.
    pub async fn count(&self, scope: &OrgScope, id: &str) -> Result<u64, CountSegmentError> {
        let segment = self.get(scope, id).await?;
        if scope.organization().is_archived() {
            return Err(CountSegmentError::Archived);
        }
        let filter = contact_filter(scope, &segment.criteria, &SegmentCriteria::default(), None)
            .map_err(|e| match e {
                FilterRefused::PartyFilterNotAllowed => CountSegmentError::PartyFilterNotAllowed,
                FilterRefused::DistrictNotSet => CountSegmentError::DistrictNotSet,
                FilterRefused::Invalid(v) => CountSegmentError::Invalid(v),
            })?;
        match filter {
            Some(filter) => Ok(self.contacts.count(&filter).await?),
            None => Ok(0),
        }
    }
}
