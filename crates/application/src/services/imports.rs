//! [`ImportService`]: loading reference data — districts, positions, and voter files through one
//! all-or-nothing import — for the command line, the demo and batch jobs.

use super::Ports;
use crate::error::StoreError;
use crate::ports::{ImportOptions, NewPosition, ReferenceRepository, VoterImport, VoterRepository};
use std::sync::Arc;
use winserve_domain::{District, L2Name, L2Type, Position, StateCode};

/// Loading reference data.
#[derive(Clone)]
pub struct ImportService {
    reference: Arc<dyn ReferenceRepository>,
    voters: Arc<dyn VoterRepository>,
}

impl ImportService {
    pub(super) fn new(ports: &Ports) -> Self {
        Self {
            reference: ports.reference.clone(),
            voters: ports.voters.clone(),
        }
    }

    /// The district (state, type, name), created if missing. Idempotent.
    pub async fn upsert_district(
        &self,
        state: &StateCode,
        l2_type: &L2Type,
        l2_name: &L2Name,
    ) -> Result<District, StoreError> {
        self.reference
            .upsert_district(state, l2_type, l2_name)
            .await
    }

    /// Creates or updates a position by its BallotReady id.
    pub async fn upsert_position(&self, position: &NewPosition) -> Result<Position, StoreError> {
        self.reference.upsert_position(position).await
    }

    /// Starts a voter import: batches written to it are stored all or nothing when it commits.
    /// Imports run one at a time.
    pub async fn begin_voter_import(
        &self,
        options: ImportOptions,
    ) -> Result<Box<dyn VoterImport>, StoreError> {
        self.voters.begin_import(options).await
    }
}
