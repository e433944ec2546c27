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

    /// Succeeds when storage answers.
    pub async fn ready(&self) -> Result<(), StoreError> {
        self.health.ping().await
    }
}
