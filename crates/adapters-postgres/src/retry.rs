//! Idempotent reads retry once when the database went away.
//!
//! After a PostgreSQL restart (or a failover, or a proxy dropping idle connections) every pooled
//! connection is dead, and the first query on each fails even though the database is back. A read has no
//! effect, so running it again on a fresh connection is safe and turns that failure into an answer.
//! Writes and transactions never retry: whether a commit that lost its connection took effect is unknown.

use crate::PgStore;
use deadpool::managed::Object;
use diesel_async::AsyncPgConnection;
use winserve_application::StoreError;

/// `AsyncFn(T) -> R` whose future can be named (and required to be `Send`, as `async_trait` methods
/// need); every async closure that does not borrow from its own captures implements it. The same device
/// as diesel-async's `AsyncFunc` for `transaction`.
pub(crate) trait ReadFn<T, R>:
    AsyncFn(T) -> R + Fn(T) -> <Self as ReadFn<T, R>>::Fut
{
    /// The future of one call.
    type Fut: Future<Output = R>;
}

impl<F, T, Fut, R> ReadFn<T, R> for F
where
    F: AsyncFn(T) -> R + Fn(T) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}

impl PgStore {
    /// Runs `read` — SELECT statements only, no writes — on a pooled connection. When it fails with
    /// [`StoreError::Unavailable`] (the database went away, see `errors::classify`), the connection is
    /// detached from the pool and dropped, and `read` runs once more on a fresh connection; the second
    /// error, if any, is returned as it is.
    pub(crate) async fn read<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        for<'c> F: AsyncFn(&'c mut AsyncPgConnection) -> Result<T, StoreError>
            + ReadFn<&'c mut AsyncPgConnection, Result<T, StoreError>, Fut: Send>,
    {
        let mut conn = self.conn().await?;
        match read(&mut conn).await {
            Err(error) if error.is_unavailable() => {
                // diesel-async marks a closed connection broken and the pool's recycle check would drop
                // it, but only if its background task has already noticed; detaching is certain.
                drop(Object::take(conn));
                tracing::debug!(error = %error.chain(), "database went away during a read; retrying once");
                metrics::counter!("winserve_db_read_retries_total").increment(1);
                let mut conn = self.conn().await?;
                read(&mut conn).await
            }
            result => result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::db_error;
    use diesel_async::SimpleAsyncConnection;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// A store over the shared test server's maintenance database (these tests only run `SELECT`s).
    fn store() -> PgStore {
        let url = std::env::var("WINSERVE_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        PgStore::new(crate::build_pool(&url, 2, Duration::from_secs(5)).expect("pool"))
    }

    #[tokio::test]
    async fn a_read_whose_connection_dies_runs_again_on_a_fresh_one() {
        let store = store();
        let attempts = AtomicUsize::new(0);
        let answer = store
            .read(async |conn| {
                if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
                    // What a restart does to every backend: 57P01 on the running statement.
                    conn.batch_execute("SELECT pg_terminate_backend(pg_backend_pid())")
                        .await
                        .map_err(db_error)?;
                }
                conn.batch_execute("SELECT 1").await.map_err(db_error)?;
                Ok(42)
            })
            .await;
        assert_eq!(answer.expect("the retry succeeds"), 42);
        assert_eq!(attempts.load(Ordering::SeqCst), 2);
        // The dead connection left the pool; the fresh one is back in it.
        assert_eq!(store.pool().status().size, 1);
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let store = store();
        let attempts = AtomicUsize::new(0);
        let answer = store
            .read(async |conn| {
                attempts.fetch_add(1, Ordering::SeqCst);
                conn.batch_execute("SELECT 1/0").await.map_err(db_error)
            })
            .await;
        assert!(matches!(answer, Err(StoreError::Internal { .. })));
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_read_retries_once_only() {
        let store = store();
        let attempts = AtomicUsize::new(0);
        let answer = store
            .read(async |conn| {
                attempts.fetch_add(1, Ordering::SeqCst);
                conn.batch_execute("SELECT pg_terminate_backend(pg_backend_pid())")
                    .await
                    .map_err(db_error)
            })
            .await;
        assert!(matches!(answer, Err(StoreError::Unavailable { .. })));
        assert_eq!(attempts.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn readiness_follows_the_database() {
        use winserve_application::HealthCheck;
        assert!(store().ping().await.is_ok());
        // Nothing listens on port 1: not ready, quickly, and as "unavailable".
        let gone = PgStore::new(
            crate::build_pool(
                "postgres://postgres@127.0.0.1:1/postgres",
                2,
                Duration::from_secs(30),
            )
            .expect("pool"),
        );
        let started = std::time::Instant::now();
        assert!(matches!(
            gone.ping().await,
            Err(StoreError::Unavailable { .. })
        ));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
