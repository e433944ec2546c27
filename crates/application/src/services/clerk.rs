//! [`ClerkService`]: applies Clerk's webhook events to the memberships of linked organizations, each
//! delivery once (Clerk is the source of truth for linked organizations; ADR 0027).

use super::{Clock, Ports};
use crate::error::StoreError;
use crate::ports::ClerkSyncRepository;
use std::sync::Arc;
use winserve_domain::ClerkEvent;

/// Clerk webhook deliveries.
#[derive(Clone)]
pub struct ClerkService {
    clerk: Arc<dyn ClerkSyncRepository>,
    clock: Clock,
}

impl ClerkService {
    pub(super) fn new(ports: &Ports, clock: Clock) -> Self {
        Self {
            clerk: ports.clerk.clone(),
            clock,
        }
    }

    /// Applies a verified delivery's event unless delivery `id` was applied before; `false` for a
    /// redelivery (nothing changed).
    pub async fn apply_delivery(
        &self,
        id: &str,
        event_type: &str,
        event: &ClerkEvent,
    ) -> Result<bool, StoreError> {
        self.clerk
            .apply_webhook(id, event_type, event, (self.clock)())
            .await
    }
}
