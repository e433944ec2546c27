//! [`ContactRepository`]: the voters of a district, read through the party policy.
//!
//! - A page ([`page`]) is an index range scan of `voter_districts_contacts_order` for one district
//!   (covering the hot filter columns), then primary-key lookups of the page's voters.
//! - The exact total of a filter is remembered in `filter_counts` for the state's current data version
//!   ([`totals`], ADR 0016); a search always counts live.
//! - A page by number deep in the list starts after the nearest page anchor remembered for the same
//!   filter and data version, and leaves one where it starts ([`anchors`], ADR 0018).
//! - Statements name the state's partitions (`voters_wy`, …) so that PostgreSQL reuses their generic
//!   plans ([`query`], ADR 0015).
//! - A contact row's voter columns are the registry's ([`row`]); when the policy hides party, the party
//!   columns are never selected: the value cannot leak.
//! - Statistics ([`stats`]) are summed from the district's facets where the filter allows.
//! - Every read here goes through `read_voters` / `voter_conn` / `voter_pool`: the read replica when one
//!   is configured and answering (ADR 0025), else the primary; what reads remember (totals, anchors) is
//!   written to the primary.
//!
//! The modules depend on one another one way only: `page` on `anchors`, `query` and `row`; `anchors` and
//! `totals` on `query`; `query` on `row`; `stats` on `query` and `totals`.

mod anchors;
mod indexed;
pub(crate) mod ordered;
mod page;
pub(crate) mod query;
mod row;
pub(crate) mod search_index;
mod stats;
mod totals;

use crate::PgStore;
use crate::errors::db_error;
use crate::sql::Sql;
use async_trait::async_trait;
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;
use page::PageStart;
use query::{export_sql, find_sql, total_remembered};
use row::{ContactRow, ContactSql, ContactTuple};
use totals::{Total, count_u64};
use winserve_application::{
    ContactFilter, ContactPage, ContactRepository, ContactStats, ContactStream, ContactWindow,
    StoreError,
};
use winserve_domain::{District, PartyPolicy, Voter, VoterId};

/// A party criterion that reached the adapter under a policy that hides party is a bug upstream;
/// refuse it rather than answer.
fn check_policy(filter: &ContactFilter) -> Result<(), StoreError> {
    filter.policy.check_criteria(&filter.criteria).map_err(|e| {
        StoreError::internal(format!("contact filter refused by the party policy: {e}"))
    })
}

/// The page of `rows` (up to `per_page + 1` in contacts order: one more tells that a next page exists).
fn page_of(
    mut rows: Vec<ContactRow>,
    total: u64,
    per_page: u32,
) -> Result<ContactPage, StoreError> {
    let more = rows.len() > per_page as usize;
    rows.truncate(per_page as usize);
    let next = if more {
        rows.last().map(ContactRow::cursor)
    } else {
        None
    };
    let contacts = rows
        .into_iter()
        .map(ContactRow::into_voter)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ContactPage {
        contacts,
        total,
        next,
    })
}

#[async_trait]
impl ContactRepository for PgStore {
    async fn list(
        &self,
        filter: &ContactFilter,
        window: &ContactWindow,
    ) -> Result<ContactPage, StoreError> {
        check_policy(filter)?;
        let (per_page, start) = match window {
            ContactWindow::Page { page, per_page } => (
                *per_page,
                PageStart::Offset((i64::from(*page) - 1).max(0) * i64::from(*per_page)),
            ),
            ContactWindow::After { cursor, per_page } => (
                *per_page,
                cursor
                    .as_ref()
                    .map_or(PageStart::Offset(0), PageStart::After),
            ),
        };
        if let Some(found) = self.indexed_page(filter, per_page, &start).await? {
            metrics::counter!("winserve_search_answers_total", "from" => "index").increment(1);
            return page_of(found.rows, found.total, per_page);
        }
        if filter.search.is_some() {
            metrics::counter!("winserve_search_answers_total", "from" => "sql").increment(1);
        }
        let page = match start {
            // Anchors follow the remembered totals: filters without a search.
            PageStart::Offset(offset)
                if offset >= self.anchors_from && total_remembered(filter) =>
            {
                self.load_deep_page(filter, per_page, offset, &start)
                    .await?
            }
            _ => self.load_page(filter, per_page, &start).await?,
        };
        // Every row carries the total; an empty page (past the end) counts on its own.
        let total = match <[_]>::first(&page) {
            Some(&(total, counted_version, _)) => {
                self.remember_total(
                    filter,
                    &Total {
                        total,
                        counted_version,
                    },
                )
                .await;
                count_u64(total)
            }
            None => self.count_filter(filter).await?,
        };
        let rows: Vec<ContactRow> = page.into_iter().map(|(_, _, row)| row).collect();
        page_of(rows, total, per_page)
    }

    async fn find(
        &self,
        district: &District,
        policy: PartyPolicy,
        id: VoterId,
    ) -> Result<Option<Voter>, StoreError> {
        let rows: Vec<ContactTuple> = self
            .read_voters(async |conn| {
                find_sql(district, policy, id)
                    .typed::<ContactSql>()
                    .load(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        rows.into_iter()
            .next()
            .map(|row| ContactRow::from(row).into_voter())
            .transpose()
    }

    async fn count(&self, filter: &ContactFilter) -> Result<u64, StoreError> {
        check_policy(filter)?;
        if let Some(total) = self.indexed_count(filter).await? {
            return Ok(total);
        }
        self.count_filter(filter).await
    }

    async fn stats(&self, filter: &ContactFilter) -> Result<ContactStats, StoreError> {
        check_policy(filter)?;
        self.contact_stats(filter).await
    }

    async fn export(&self, filter: &ContactFilter) -> Result<ContactStream, StoreError> {
        check_policy(filter)?;
        self.stream_contacts(export_sql(filter)).await
    }
}

impl PgStore {
    /// The contacts of `sql` (a contact row per result row), streamed from a voter-data connection.
    pub(crate) async fn stream_contacts(&self, sql: Sql) -> Result<ContactStream, StoreError> {
        let query = sql.typed::<ContactSql>();
        let (mut conn, _) = self.voter_conn().await?;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Voter, StoreError>>(512);
        // The rows stream from the server as the client reads them; the bounded channel passes the HTTP
        // client's pace back to the database, so memory stays flat whatever the row count.
        tokio::spawn(async move {
            let mut rows = match query.load_stream::<ContactTuple>(&mut conn).await {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(db_error(e))).await;
                    return;
                }
            };
            while let Some(row) = rows.next().await {
                let item = row
                    .map_err(db_error)
                    .and_then(|row| ContactRow::from(row).into_voter());
                if tx.send(item).await.is_err() {
                    break;
                }
            }
        });
        Ok(Box::pin(futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|item| (item, rx)) },
        )))
    }
}
