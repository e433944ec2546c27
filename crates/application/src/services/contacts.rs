//! [`ContactService`]: the voters of the organization's effective district — pages with exact totals,
//! one contact, the CSV export stream and statistics — always seen through the party policy of the
//! organization's mode, and never for an archived organization.

use super::contact_filter::{FilterRefused, contact_filter};
use super::{OrgScope, Ports};
use crate::error::StoreError;
use crate::ports::{
    Bucket, ContactFilter, ContactPage, ContactRepository, ContactStats, ContactStream,
    ContactWindow, SegmentRepository,
};
use std::sync::Arc;
use winserve_domain::{
    Action, BuiltInSegment, Forbidden, InvalidValue, PartyPolicy, SegmentCriteria, SegmentId,
    Voter, VoterId,
};

/// Which contacts a request asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    /// A built-in segment key or a custom segment id of the organization.
    pub segment: Option<String>,
    /// Free text (the search rules of product.md §6).
    pub search: Option<String>,
    /// Ad-hoc criteria, ANDed with the segment's (already checked for known keys and values).
    pub criteria: SegmentCriteria,
}

/// Why contacts were not served.
#[derive(Debug, thiserror::Error)]
pub enum ContactsError {
    /// The organization is archived: its contacts are no longer served (a closed campaign is no back
    /// door to party data).
    #[error("the organization is archived")]
    Archived,
    /// The segment is neither built in nor one of the organization's.
    #[error("segment not found")]
    SegmentNotFound,
    /// A party criterion in a mode that hides party.
    #[error("filtering by political party is not allowed in this mode")]
    PartyFilterNotAllowed,
    /// The organization has no effective district.
    #[error("the organization has no district")]
    DistrictNotSet,
    /// A value of the query is invalid (a search that is too long).
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FilterRefused> for ContactsError {
    fn from(e: FilterRefused) -> Self {
        match e {
            FilterRefused::PartyFilterNotAllowed => Self::PartyFilterNotAllowed,
            FilterRefused::DistrictNotSet => Self::DistrictNotSet,
            FilterRefused::Invalid(v) => Self::Invalid(v),
        }
    }
}

/// Why one contact was not served.
#[derive(Debug, thiserror::Error)]
pub enum FindContactError {
    /// The organization is archived: its contacts are no longer served.
    #[error("the organization is archived")]
    Archived,
    /// The organization has no effective district.
    #[error("the organization has no district")]
    DistrictNotSet,
    /// The voter is not in the organization's district.
    #[error("contact not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A contacts export: the rows, or none when the criteria contradict each other.
pub struct ContactExport {
    /// What the mode may see of party (the export's columns follow it).
    pub policy: PartyPolicy,
    /// The matching contacts in order, streamed; `None` when nothing can match.
    pub rows: Option<ContactStream>,
}

/// Contacts of the organization a request acts in.
#[derive(Clone)]
pub struct ContactService {
    contacts: Arc<dyn ContactRepository>,
    segments: Arc<dyn SegmentRepository>,
}

impl ContactService {
    pub(super) fn new(ports: &Ports) -> Self {
        Self {
            contacts: ports.contacts.clone(),
            segments: ports.segments.clone(),
        }
    }

    /// One page of the matching contacts, in (last name, first name, id) order, with the exact total.
    pub async fn list(
        &self,
        scope: &OrgScope,
        query: &ContactQuery,
        window: &ContactWindow,
    ) -> Result<ContactPage, ContactsError> {
        match self.filter(scope, query).await? {
            Some(filter) => Ok(self.contacts.list(&filter, window).await?),
            None => Ok(ContactPage {
                contacts: vec![],
                total: 0,
                next: None,
            }),
        }
    }

    /// One contact of the organization's district; any other voter is `NotFound`.
    pub async fn get(&self, scope: &OrgScope, id: VoterId) -> Result<Voter, FindContactError> {
        if scope.organization().is_archived() {
            return Err(FindContactError::Archived);
        }
        let (district, _) = scope
            .organization()
            .effective_district()
            .ok_or(FindContactError::DistrictNotSet)?;
        self.contacts
            .find(district, scope.party_policy(), id)
            .await?
            .ok_or(FindContactError::NotFound)
    }

    /// Every matching contact, streamed from storage (memory flat in the row count).
    pub async fn export(
        &self,
        scope: &OrgScope,
        query: &ContactQuery,
    ) -> Result<ContactExport, ContactsError> {
        scope.require(Action::ExportContacts)?;
        let rows = match self.filter(scope, query).await? {
            Some(filter) => Some(self.contacts.export(&filter).await?),
            None => None,
        };
        Ok(ContactExport {
            policy: scope.party_policy(),
            rows,
        })
    }

    /// Totals and breakdowns of the matching contacts; no party breakdown where party is hidden.
    pub async fn stats(
        &self,
        scope: &OrgScope,
        query: &ContactQuery,
    ) -> Result<ContactStats, ContactsError> {
        match self.filter(scope, query).await? {
            Some(filter) => Ok(self.contacts.stats(&filter).await?),
            None => Ok(empty_stats(scope.party_policy())),
        }
    }

    /// The exact number of matching contacts.
    pub(super) async fn count(
        &self,
        scope: &OrgScope,
        query: &ContactQuery,
    ) -> Result<u64, ContactsError> {
        match self.filter(scope, query).await? {
            Some(filter) => Ok(self.contacts.count(&filter).await?),
            None => Ok(0),
        }
    }

    /// The filter of `query` in `scope`; `None` when its criteria contradict each other.
    pub(super) async fn filter(
        &self,
        scope: &OrgScope,
        query: &ContactQuery,
    ) -> Result<Option<ContactFilter>, ContactsError> {
        // A segment that is not the organization's is not found, archived or not; then an archived
        // organization serves no contacts.
        let segment = self
            .segment_criteria(scope, query.segment.as_deref())
            .await?;
        if scope.organization().is_archived() {
            return Err(ContactsError::Archived);
        }
        Ok(contact_filter(
            scope,
            &segment,
            &query.criteria,
            query.search.as_deref(),
        )?)
    }

    /// The criteria of a built-in segment key or of one of the organization's custom segments.
    async fn segment_criteria(
        &self,
        scope: &OrgScope,
        segment: Option<&str>,
    ) -> Result<SegmentCriteria, ContactsError> {
        let key = match segment {
            None | Some("") => return Ok(SegmentCriteria::default()),
            Some(key) => key,
        };
        if let Some(built_in) = BuiltInSegment::from_key(key) {
            return Ok(built_in.criteria());
        }
        let id = uuid::Uuid::parse_str(key)
            .map(SegmentId::from_uuid)
            .map_err(|_| ContactsError::SegmentNotFound)?;
        self.segments
            .find(scope.organization().id, id)
            .await?
            .map(|s| s.criteria)
            .ok_or(ContactsError::SegmentNotFound)
    }
}

/// The statistics of no contacts: every bucket present with a zero count.
fn empty_stats(policy: PartyPolicy) -> ContactStats {
    let empty = |all: &[&str]| {
        all.iter()
            .map(|l| Bucket {
                label: (*l).to_owned(),
                count: 0,
            })
            .collect::<Vec<_>>()
    };
    ContactStats {
        total: 0,
        with_cell_phone: 0,
        with_landline: 0,
        age: empty(&["18_24", "25_34", "35_49", "50_plus", "unknown"]),
        gender: empty(&["male", "female", "unknown"]),
        voter_status: empty(&[
            "super",
            "likely",
            "unreliable",
            "unlikely",
            "first_time",
            "unknown",
        ]),
        party: policy.may_aggregate().then(|| {
            empty(&[
                "democratic",
                "republican",
                "independent",
                "other",
                "unknown",
            ])
        }),
    }
}
