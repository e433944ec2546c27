//! The contact filter of a request: the party rule on criteria (product.md §5), the organization's
//! effective district, and the search — shared by the contacts and the segments' live counts.

use super::OrgScope;
use crate::ports::ContactFilter;
use winserve_domain::{InvalidValue, SearchQuery, SegmentCriteria};

/// Why a request's criteria make no filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FilterRefused {
    /// A party criterion in a mode that hides party.
    PartyFilterNotAllowed,
    /// The organization has no effective district.
    DistrictNotSet,
    /// The search is too long.
    Invalid(InvalidValue),
}

/// The filter of a contacts request in `scope`: the organization's effective district, the segment's and
/// ad-hoc criteria (ANDed), the folded search, and the party policy of the mode — which refuses any
/// party criterion where party is hidden. `None` when the criteria contradict each other (nothing
/// matches). The checks run in this order: party rule, district, search ([`SearchQuery::parse`]: no
/// control characters, at most 200 characters and 8 words; none without a word).
pub(super) fn contact_filter(
    scope: &OrgScope,
    segment: &SegmentCriteria,
    adhoc: &SegmentCriteria,
    search: Option<&str>,
) -> Result<Option<ContactFilter>, FilterRefused> {
    let policy = scope.party_policy();
    for criteria in [segment, adhoc] {
        policy
            .check_criteria(criteria)
            .map_err(|_| FilterRefused::PartyFilterNotAllowed)?;
    }
    let (district, _) = scope
        .organization()
        .effective_district()
        .ok_or(FilterRefused::DistrictNotSet)?;
    // PostgreSQL refuses a NUL in text, and no one searches for control characters: refused here too.
    let search = match search {
        Some(text) => SearchQuery::parse(text).map_err(FilterRefused::Invalid)?,
        None => None,
    };
    Ok(segment.and(adhoc).map(|criteria| ContactFilter {
        district: district.clone(),
        criteria,
        search,
        policy,
    }))
}
