//! [`HealthCheck`]: does the database answer?

use crate::PgStore;
use crate::errors::db_error;
use async_trait::async_trait;
use diesel_async::SimpleAsyncConnection;
use std::time::Duration;
use winserve_application::{HealthCheck, StoreError};

/// How long readiness waits for the database: a probe must answer quickly, and a database that takes
/// longer than this to answer `SELECT 1` is not ready to serve.
const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

#[async_trait]
impl HealthCheck for PgStore {
    async fn ping(&self) -> Result<(), StoreError> {
        // A round trip on a real connection every time, never a remembered state. A pooled connection
        // that died with the database is dropped and the check retried on a fresh one (`read`), so
        // readiness comes back as soon as the database does.
        let check = self.read(async |conn| conn.batch_execute("SELECT 1").await.map_err(db_error));
        match tokio::time::timeout(READINESS_TIMEOUT, check).await {
            Ok(Ok(())) => Ok(()),
            // Readiness: any failure to answer means "not ready", never an internal error.
            Ok(Err(e)) => Err(StoreError::unavailable(format!(
                "the database does not answer: {e}"
            ))
            .caused_by(e)),
            Err(_) => Err(StoreError::unavailable(format!(
                "the database did not answer within {READINESS_TIMEOUT:?}"
            ))),
        }
    }
}
