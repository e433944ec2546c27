//! [`HealthService`]: whether the application can serve (its database answers).

use super::Ports;
use crate::error::StoreError;
use crate::ports::HealthCheck;
use std::sync::Arc;

/// Readiness.
#[derive(Clone)]
pub struct HealthService {
    health: Arc<dyn HealthCheck>,
}

impl HealthService {
    pub(super) fn new(ports: &Ports) -> Self {
        Self {
            health: ports.health.clone(),
        }
    }

    /// Succeeds when storage answers now: every call asks the store (a round trip to the database, with
    /// a short timeout, in the PostgreSQL adapter), never a remembered state, so readiness follows the
    /// database down and back up.
    pub async fn ready(&self) -> Result<(), StoreError> {
        self.health.ping().await
    }
}
