//! The search index's pending list merged on a connection of its own while the import writes voters
//! (ADR 0031). Every new version of a voter's row adds its trigram and district entries to the pending
//! list of its partition's `voters_search` index (GIN with `fastupdate`); each time the list outgrows
//! `gin_pending_list_limit`, the writing backend stops to merge it into the index. About a second of a
//! 4%-churn refresh at 2M voters went to those merges, on the import's one core.
//!
//! A writing backend skips the merge when another backend is merging the same index (it would wait for
//! nothing but the same work), and `gin_clean_pending_list` merges from any connection: what is merged is
//! index entries, whose visibility is the heap's business, as when autovacuum merges during any write.
//! So a second connection calls it over and over while the voters are written, on the core the import
//! leaves idle, and the import's backend only appends to the list.
//!
//! It is an optimisation only: any failure on the second connection (none to be had, the role does not
//! own the index, a lock not granted at once) ends it, and the import merges as it always did.

use super::connect;
use crate::errors::pg_error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_postgres::Client;
use winserve_application::StoreError;

/// How long the merging connection waits before looking again at an empty pending list.
const IDLE_WAIT: Duration = Duration::from_millis(10);

/// A merge of the search indexes' pending lists running on a second connection; [`Self::finish`] stops it.
pub(super) struct PendingListMerge {
    stop: Arc<AtomicBool>,
    task: JoinHandle<Result<i64, StoreError>>,
}

impl PendingListMerge {
    /// Starts merging the pending lists of the search indexes of `states`' partitions on a new connection
    /// to `url`. Returns at once: the connection is opened by the task.
    pub(super) fn start(url: &str, states: &[&str]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (url, states) = (
            url.to_owned(),
            states.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        );
        let flag = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let c = connect(&url, "winserve-import-search-merge").await?;
            let indexes = search_indexes(&c, &states).await?;
            merge_until(&c, &indexes, &flag).await
        });
        Self { stop, task }
    }

    /// Stops the merging after the call in progress and waits for it; the pending pages it merged. A
    /// failure is logged, not returned (`None`): the import's backend merged whatever was left to it.
    pub(super) async fn finish(self) -> Option<i64> {
        self.stop.store(true, Ordering::Relaxed);
        match self.task.await {
            Ok(Ok(pages)) => {
                tracing::debug!(
                    pages,
                    "voter import: search index pending list merged aside"
                );
                Some(pages)
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "voter import: search index pending list not merged aside");
                None
            }
            Err(e) => {
                tracing::debug!(error = %e, "voter import: the search index merge task failed");
                None
            }
        }
    }
}

/// The oids of the `voters_search` partitions that index `states`' partitions (a state without a stored
/// voter has none to look at: nothing of it is merged).
async fn search_indexes(c: &Client, states: &[String]) -> Result<Vec<u32>, StoreError> {
    // The merge's lock on an index conflicts with none the import takes; a schema change elsewhere may
    // hold a stronger one, and the merge gives way rather than queue behind it.
    c.batch_execute("SET lock_timeout = '100ms'")
        .await
        .map_err(pg_error)?;
    let rows = c
        .query(
            "SELECT x.indexrelid
             FROM unnest($1::text[]) AS s(state)
             CROSS JOIN LATERAL (SELECT tableoid FROM voters v WHERE v.state = s.state LIMIT 1) AS p
             JOIN pg_index x ON x.indrelid = p.tableoid
             JOIN pg_inherits i ON i.inhrelid = x.indexrelid
             WHERE i.inhparent = 'voters_search'::regclass",
            &[&states],
        )
        .await
        .map_err(pg_error)?;
    Ok(rows.iter().map(|r| r.get::<_, u32>(0)).collect())
}

/// Merges the pending lists of `indexes` until `stop` is set; the pages merged.
async fn merge_until(c: &Client, indexes: &[u32], stop: &AtomicBool) -> Result<i64, StoreError> {
    let merge = c
        .prepare("SELECT gin_clean_pending_list($1::oid::regclass)")
        .await
        .map_err(pg_error)?;
    let mut merged = 0;
    while !indexes.is_empty() && !stop.load(Ordering::Relaxed) {
        let mut pages = 0;
        for index in indexes {
            pages += c
                .query_one(&merge, &[index])
                .await
                .map_err(pg_error)?
                .get::<_, i64>(0);
        }
        merged += pages;
        if pages == 0 {
            tokio::time::sleep(IDLE_WAIT).await;
        }
    }
    Ok(merged)
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{PendingListMerge, connect, search_indexes};
    use crate::test_support::TestDatabase;
    use std::time::Duration;

    /// Inserts WY voters `from..=to` whose search text is `zebulon<n> main street`.
    const INSERT_VOTERS: &str = "
        INSERT INTO voters (id, state, lal_voter_id, gender, party, voter_status, marital_status,
                            has_children, veteran, homeowner, business_owner, education, ethnicity,
                            language, search_text)
        SELECT gen_random_uuid(), 'WY', 'LALWY' || g, 'female', 'democratic', 'likely', 'likely_married',
               'yes', 'unknown', 'yes', 'unknown', 'none', 'european', 'en', 'zebulon' || g || ' main street'
        FROM generate_series($1::int, $2::int) AS g";

    #[tokio::test]
    async fn entries_of_an_open_transaction_are_merged_aside_and_found_after_its_commit() {
        let db = TestDatabase::create().await;
        let c = connect(db.url(), "test").await.unwrap();
        c.execute(INSERT_VOTERS, &[&1i32, &1i32]).await.unwrap();
        let wy: u32 = c
            .query_one(
                "SELECT 'voters_wy_search_text_district_ids_idx'::regclass::oid",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        let states = ["WY".to_owned(), "MT".to_owned()];
        assert_eq!(search_indexes(&c, &states).await.unwrap(), vec![wy]);

        // The writer's entries wait in the pending list (under its limit, the writer never merges).
        let merge = PendingListMerge::start(db.url(), &["WY"]);
        let writer = connect(db.url(), "writer").await.unwrap();
        writer.batch_execute("BEGIN").await.unwrap();
        writer
            .execute(INSERT_VOTERS, &[&2i32, &2000i32])
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let merged = merge.finish().await.unwrap();
        assert!(merged > 0, "nothing merged aside");
        writer.batch_execute("COMMIT").await.unwrap();

        c.batch_execute("SET enable_seqscan = off").await.unwrap();
        let found: i64 = c
            .query_one(
                "SELECT count(*) FROM voters WHERE state = 'WY' AND search_text LIKE '%zebulon1%'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        // zebulon1, zebulon10–19, zebulon100–199, zebulon1000–1999.
        assert_eq!(found, 1 + 10 + 100 + 1000);
        db.cleanup().await;
    }

    #[tokio::test]
    async fn without_a_connection_the_merge_ends_quietly() {
        let merge = PendingListMerge::start("postgres://nobody@127.0.0.1:1/none", &["WY"]);
        assert_eq!(merge.finish().await, None);
    }
}
