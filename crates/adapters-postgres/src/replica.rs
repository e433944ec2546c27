//! Reads of voter data from a streaming standby (ADR 0025): contacts pages, searches and their index
//! builds, counts, statistics and exports run on the read replica's pool when one is configured and
//! answering; everything else — and every write, including the totals and page anchors that reads
//! remember — stays on the primary.
//!
//! A replica that cannot give a connection, or whose connection fails during a read, is set aside for
//! [`RETRY_AFTER`]: reads go to the primary meanwhile, each one counted in
//! `winserve_read_replica_fallbacks_total`, and the replica is tried again after that.

use crate::PgStore;
use crate::errors::pool_error;
use crate::pool::PgPool;
use crate::retry::ReadFn;
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Object;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use winserve_application::StoreError;

/// How long a failing replica is left alone before reads try it again.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

/// The read replica's pool and its health.
pub(crate) struct ReadReplica {
    pool: PgPool,
    /// Until when the replica is set aside after a failure.
    down_until: Mutex<Option<Instant>>,
    /// Reads that went to the primary because the replica was set aside or failed.
    fallbacks: AtomicU64,
}

impl ReadReplica {
    pub(crate) fn new(pool: PgPool) -> Self {
        Self {
            pool,
            down_until: Mutex::new(None),
            fallbacks: AtomicU64::new(0),
        }
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Whether reads should try the replica now.
    fn available(&self) -> bool {
        let mut down = self
            .down_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match *down {
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                *down = None;
                true
            }
            None => true,
        }
    }

    /// Sets the replica aside for [`RETRY_AFTER`] after `error`.
    fn set_aside(&self, error: &StoreError) {
        let mut down = self
            .down_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if down.is_none() {
            tracing::warn!(error = %error.chain(), retry_after_s = RETRY_AFTER.as_secs(),
                "read replica failed; reading voter data from the primary meanwhile");
        }
        *down = Some(Instant::now() + RETRY_AFTER);
    }

    fn fell_back(&self) {
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("winserve_read_replica_fallbacks_total").increment(1);
    }

    pub(crate) fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }
}

impl PgStore {
    /// The pool that voter data is read from now: the replica's when one is configured and not set aside,
    /// else the primary's.
    pub(crate) fn voter_pool(&self) -> &PgPool {
        match &self.replica {
            Some(replica) if replica.available() => replica.pool(),
            _ => &self.pool,
        }
    }

    /// A connection to read voter data on, and whether it is the replica's; the primary's when the
    /// replica is set aside or cannot give one (a fallback, counted).
    pub(crate) async fn voter_conn(&self) -> Result<(Object<AsyncPgConnection>, bool), StoreError> {
        if let Some(replica) = &self.replica {
            if replica.available() {
                match replica.pool().get().await {
                    Ok(conn) => return Ok((conn, true)),
                    Err(e) => replica.set_aside(&pool_error(e)),
                }
            }
            replica.fell_back();
        }
        Ok((self.conn().await?, false))
    }

    /// Runs `read` on a connection for voter data ([`PgStore::voter_conn`]). When that connection goes
    /// away during the read, the read runs once more: on the primary if it was the replica's (which is
    /// then set aside), else on a fresh connection of the primary.
    pub(crate) async fn read_voters<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        for<'c> F: AsyncFn(&'c mut AsyncPgConnection) -> Result<T, StoreError>
            + ReadFn<&'c mut AsyncPgConnection, Result<T, StoreError>, Fut: Send>,
    {
        let (mut conn, from_replica) = self.voter_conn().await?;
        match read(&mut conn).await {
            Err(error) if error.is_unavailable() => {
                drop(deadpool::managed::Object::take(conn));
                match (&self.replica, from_replica) {
                    (Some(replica), true) => {
                        replica.set_aside(&error);
                        replica.fell_back();
                    }
                    _ => {
                        tracing::debug!(error = %error.chain(), "database went away during a read; retrying once");
                        metrics::counter!("winserve_db_read_retries_total").increment(1);
                    }
                }
                let mut conn = self.conn().await?;
                read(&mut conn).await
            }
            result => result,
        }
    }
}

/// Waits until the standby at `standby_url` has replayed everything the primary at `primary_url` has
/// written so far (its current WAL position), checking every 50 ms for at most `timeout`. Returns whether
/// it did; an unreachable standby is an error. A voter import calls it after its COMMIT, so that once the
/// import has returned, reads from the standby see what it stored.
pub async fn wait_for_replay(
    primary_url: &str,
    standby_url: &str,
    timeout: Duration,
) -> Result<bool, StoreError> {
    let connect = async |url: &str| {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| StoreError::unavailable(format!("cannot connect: {e}")))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok::<_, StoreError>(client)
    };
    let primary = connect(primary_url).await?;
    let lsn: String = primary
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .await
        .map_err(crate::errors::pg_error)?
        .get(0);
    let standby = connect(standby_url).await?;
    let started = Instant::now();
    loop {
        let replayed: bool = standby
            .query_one(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false)",
                &[&lsn],
            )
            .await
            .map_err(crate::errors::pg_error)?
            .get(0);
        if replayed {
            return Ok(true);
        }
        if started.elapsed() >= timeout {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
