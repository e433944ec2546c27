//! The party policy: the one place that decides what a mode may see, filter, sort, export and aggregate by
//! when it comes to constituents' political party (product.md §5).

use crate::{Mode, PartyGroup, Segment, SegmentCriteria, SegmentId};
use serde::{Deserialize, Serialize};

/// What a mode may do with constituents' party. Build it with [`PartyPolicy::for_mode`]; every query
/// builder and serializer that touches party asks it.
///
/// ```
/// use winserve_domain::{Mode, PartyPolicy};
/// assert!(PartyPolicy::for_mode(Mode::Win).may_view());
/// assert!(!PartyPolicy::for_mode(Mode::Serve).may_view());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartyPolicy {
    visible: bool,
}

/// A party criterion was used where party is hidden (Serve mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("filtering by political party is not allowed in elected-official mode")]
pub struct PartyFilterNotAllowed;

/// A party criterion removed from a segment when it was copied into a Serve organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedPartyCriteria {
    /// The segment (its id in the organization it was copied into).
    pub segment_id: SegmentId,
    /// The segment's name.
    pub name: String,
    /// The party values that were removed.
    pub party: Vec<PartyGroup>,
}

impl PartyPolicy {
    /// The policy of `mode`: Win shows party everywhere; Serve nowhere.
    pub const fn for_mode(mode: Mode) -> Self {
        Self {
            visible: matches!(mode, Mode::Win),
        }
    }

    /// Whether the party field may appear in list and detail payloads.
    pub const fn may_view(self) -> bool {
        self.visible
    }

    /// Whether exports may carry a party column.
    pub const fn may_export(self) -> bool {
        self.visible
    }

    /// Whether statistics may include a party breakdown.
    pub const fn may_aggregate(self) -> bool {
        self.visible
    }

    /// Whether free-text search may match party text.
    pub const fn may_search(self) -> bool {
        self.visible
    }

    /// Whether results may be sorted by party.
    pub const fn may_sort(self) -> bool {
        self.visible
    }

    /// Checks a filter: a party criterion where party is hidden is refused, because the filter's results
    /// would reveal it.
    pub fn check_criteria(self, criteria: &SegmentCriteria) -> Result<(), PartyFilterNotAllowed> {
        if !self.visible && criteria.party.is_some() {
            Err(PartyFilterNotAllowed)
        } else {
            Ok(())
        }
    }

    /// Makes `segment` fit this policy: where party is hidden, its party criterion is removed and
    /// reported; otherwise it is left as is.
    pub fn strip(self, mut segment: Segment) -> (Segment, Option<RemovedPartyCriteria>) {
        if self.visible {
            return (segment, None);
        }
        match segment.criteria.party.take() {
            Some(party) => {
                let removed = RemovedPartyCriteria {
                    segment_id: segment.id,
                    name: segment.name.as_str().to_owned(),
                    party,
                };
                (segment, Some(removed))
            }
            None => (segment, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OrganizationId, SegmentName};
    use chrono::Utc;

    fn segment(party: Option<Vec<PartyGroup>>) -> Segment {
        Segment {
            id: SegmentId::generate(),
            organization_id: OrganizationId::generate(),
            name: SegmentName::new("Base").unwrap(),
            criteria: SegmentCriteria {
                party,
                has_cell_phone: Some(true),
                ..Default::default()
            },
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn serve_hides_party_on_every_channel() {
        let p = PartyPolicy::for_mode(Mode::Serve);
        assert!(
            !p.may_view()
                && !p.may_export()
                && !p.may_aggregate()
                && !p.may_search()
                && !p.may_sort()
        );
        let w = PartyPolicy::for_mode(Mode::Win);
        assert!(
            w.may_view() && w.may_export() && w.may_aggregate() && w.may_search() && w.may_sort()
        );
    }

    #[test]
    fn party_filters_are_refused_in_serve_only() {
        let with_party = segment(Some(vec![PartyGroup::Democratic])).criteria;
        let without = segment(None).criteria;
        assert_eq!(
            PartyPolicy::for_mode(Mode::Serve).check_criteria(&with_party),
            Err(PartyFilterNotAllowed)
        );
        assert!(
            PartyPolicy::for_mode(Mode::Serve)
                .check_criteria(&without)
                .is_ok()
        );
        assert!(
            PartyPolicy::for_mode(Mode::Win)
                .check_criteria(&with_party)
                .is_ok()
        );
    }

    #[test]
    fn strip_removes_and_reports_party_criteria() {
        let s = segment(Some(vec![PartyGroup::Republican, PartyGroup::Other]));
        let (kept, removed) = PartyPolicy::for_mode(Mode::Serve).strip(s.clone());
        assert_eq!(kept.criteria.party, None);
        assert_eq!(kept.criteria.has_cell_phone, Some(true));
        let removed = removed.unwrap();
        assert_eq!(removed.segment_id, s.id);
        assert_eq!(
            removed.party,
            vec![PartyGroup::Republican, PartyGroup::Other]
        );

        let (kept, removed) = PartyPolicy::for_mode(Mode::Serve).strip(segment(None));
        assert!(removed.is_none());
        assert_eq!(kept.criteria.has_cell_phone, Some(true));

        let (kept, removed) = PartyPolicy::for_mode(Mode::Win).strip(s.clone());
        assert!(removed.is_none());
        assert_eq!(kept, s);
    }
}
