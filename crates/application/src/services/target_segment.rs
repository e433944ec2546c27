//! The segment a feature targets (an outreach plan's, a poll's): a custom segment of the organization the
//! request acts in, or none (the whole district). Shared by the mode-only features so that they refuse a
//! foreign or malformed id the same way.

use super::OrgScope;
use crate::error::StoreError;
use crate::ports::SegmentRepository;
use winserve_domain::SegmentId;

/// Why a target segment was refused.
#[derive(Debug)]
pub(super) enum TargetSegmentError {
    /// Not a segment of the organization (or not an id at all).
    NotFound,
    /// Storage failed.
    Store(StoreError),
}

/// `id` checked to be one of the organization's segments; `None` stays `None` (the whole district).
pub(super) async fn target_segment(
    segments: &dyn SegmentRepository,
    scope: &OrgScope,
    id: Option<&str>,
) -> Result<Option<SegmentId>, TargetSegmentError> {
    let Some(id) = id else { return Ok(None) };
    let id = uuid::Uuid::parse_str(id)
        .map(SegmentId::from_uuid)
        .map_err(|_| TargetSegmentError::NotFound)?;
    segments
        .find(scope.organization().id, id)
        .await
        .map_err(TargetSegmentError::Store)?
        .map(|s| Some(s.id))
        .ok_or(TargetSegmentError::NotFound)
}
