//! [`ReferenceService`]: BallotReady positions and L2 districts, searched by any signed-in user.

use super::Ports;
use crate::error::StoreError;
use crate::ports::{DistrictSummary, Page, PageRequest, ReferenceRepository};
use std::sync::Arc;
use winserve_domain::{L2Type, Position, StateCode};

/// Positions and districts (read-only here; [`super::ImportService`] loads them).
#[derive(Clone)]
pub struct ReferenceService {
    reference: Arc<dyn ReferenceRepository>,
}

impl ReferenceService {
    pub(super) fn new(ports: &Ports) -> Self {
        Self {
            reference: ports.reference.clone(),
        }
    }

    /// Positions filtered by state and a case-insensitive name fragment, by name.
    pub async fn search_positions(
        &self,
        state: Option<&StateCode>,
        query: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Position>, StoreError> {
        self.reference.search_positions(state, query, page).await
    }

    /// Districts filtered by state, type and a case-insensitive name fragment, by name, with voter counts.
    pub async fn search_districts(
        &self,
        state: Option<&StateCode>,
        l2_type: Option<&L2Type>,
        query: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<DistrictSummary>, StoreError> {
        self.reference
            .search_districts(state, l2_type, query, page)
            .await
    }
}
