//! [`HealthCheck`]: does the database answer?

use crate::PgStore;
use async_trait::async_trait;
use diesel_async::SimpleAsyncConnection;
use winserve_application::{HealthCheck, StoreError};

#[async_trait]
impl HealthCheck for PgStore {
    async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        // Readiness: any failure to answer means "not ready", never an internal error.
        conn.batch_execute("SELECT 1")
            .await
            .map_err(|e| StoreError::unavailable(format!("the database does not answer: {e}")))
    }
}
