//! A page of contacts: one index range scan of `voter_districts_contacts_order` for one district
//! (covering the hot filter columns), then primary-key lookups of the page's voters — with the filter's
//! total in the same statement. A page starts at an offset, after a cursor or after a page anchor; a page
//! by number deep in the list starts from the nearest anchor ([`super::anchors`], ADR 0018).

use super::anchors::{Anchor, after_anchor};
use super::query::{
    Sql, after, count_sql, from_where, join_voters, search_from_where, search_only,
};
use super::row::{ContactRow, PageSql, PageTuple, voter_columns};
use crate::PgStore;
use crate::errors::db_error;
use crate::partitions;
use diesel_async::RunQueryDsl;
use winserve_application::{ContactCursor, ContactFilter, StoreError};

/// The largest page size written into the page statement as a constant (the API allows 100); a larger
/// one is bound.
const MAX_CONSTANT_LIMIT: u32 = 1000;

/// Where a page starts in a filter's contacts order.
pub(super) enum PageStart<'a> {
    /// After this many contacts from the start.
    Offset(i64),
    /// After a cursor.
    After(&'a ContactCursor),
    /// After a page anchor, then `offset` more contacts (ADR 0018); the page is empty if the anchor's
    /// data version is no longer current.
    Anchor { anchor: &'a Anchor, offset: i64 },
}

impl PgStore {
    /// The page query: keys of the window from the index, then the voters.
    fn page_query(filter: &ContactFilter, per_page: u32, start: &PageStart<'_>) -> Sql {
        // The total and the page in one statement: one round trip, and both from the same snapshot, so
        // the total always matches the rows even while an import commits.
        let mut sql = if filter.search.is_some() {
            // A search's matches are few and found through the search index, not in contacts order:
            // collect them once, then count them and sort them (walking the district in order and
            // testing each voter would read most of the district before the first page is full).
            let matched = if search_only(filter) {
                search_from_where(
                    Sql::new(
                        "WITH matched AS MATERIALIZED \
                         (SELECT v.id AS voter_id, v.last_name_key, v.first_name_key",
                    ),
                    filter,
                )
            } else {
                from_where(
                    Sql::new(
                        "WITH matched AS MATERIALIZED \
                         (SELECT vd.voter_id, vd.last_name_key, vd.first_name_key",
                    ),
                    filter,
                )
            };
            matched.push(
                "), total AS (SELECT count(*)::bigint AS total, NULL::bigint AS counted_version \
                 FROM matched), \
                 page AS (SELECT vd.voter_id, vd.last_name_key, vd.first_name_key FROM matched vd \
                 WHERE true",
            )
        } else {
            let sql = count_sql(Sql::new("WITH total AS ("), filter).push("), ");
            from_where(
                sql.push("page AS (SELECT vd.voter_id, vd.last_name_key, vd.first_name_key"),
                filter,
            )
        };
        match start {
            PageStart::After(c) => sql = after(sql, c),
            PageStart::Anchor { anchor, .. } => sql = after_anchor(sql, filter, anchor),
            PageStart::Offset(_) => {}
        }
        // One row more than the page tells whether a next page exists.
        sql = sql.push(" ORDER BY vd.last_name_key, vd.first_name_key, vd.voter_id LIMIT ");
        // The LIMIT is written as a constant, and a first page has no OFFSET: with a bound LIMIT or
        // OFFSET PostgreSQL's generic plan assumes 10% of the district, so it is never chosen and every
        // execution is planned anew (ADR 0015). Page sizes are few, so are the statement texts; offsets
        // are not, so they stay bound.
        let limit = u64::from(per_page) + 1;
        sql = if per_page <= MAX_CONSTANT_LIMIT {
            sql.push(&limit.to_string())
        } else {
            sql.bigint(i64::from(per_page) + 1)
        };
        if let PageStart::Offset(offset) | PageStart::Anchor { offset, .. } = start
            && *offset > 0
        {
            sql = sql.push(" OFFSET ").bigint(*offset);
        }
        sql = sql
            .push(
                ") SELECT (SELECT total FROM total) AS total, \
                 (SELECT counted_version FROM total) AS counted_version, \
                 page.last_name_key, page.first_name_key, ",
            )
            .push(voter_columns(filter.policy))
            .push(" FROM page JOIN ");
        join_voters(
            sql,
            partitions::of(&filter.district.state),
            &filter.district.state,
            "page",
        )
        .push(" ORDER BY page.last_name_key, page.first_name_key, page.voter_id")
    }

    /// Runs the page query: rows of `(total, counted_version, contact)`, `per_page + 1` at most.
    pub(super) async fn load_page(
        &self,
        filter: &ContactFilter,
        per_page: u32,
        start: &PageStart<'_>,
    ) -> Result<Vec<(i64, Option<i64>, ContactRow)>, StoreError> {
        let rows: Vec<PageTuple> = self
            .read_voters(async |conn| {
                Self::page_query(filter, per_page, start)
                    .typed::<PageSql>()
                    .load(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(total, counted_version, last_name_key, first_name_key, voter)| {
                    (
                        total,
                        counted_version,
                        ContactRow::from((last_name_key, first_name_key, voter)),
                    )
                },
            )
            .collect())
    }

    /// A page by number deep in the list (`start`, `offset` contacts in): after the nearest page anchor
    /// instead of walking every contact before it, leaving an anchor where it starts (ADR 0018).
    pub(super) async fn load_deep_page(
        &self,
        filter: &ContactFilter,
        per_page: u32,
        offset: i64,
        start: &PageStart<'_>,
    ) -> Result<Vec<(i64, Option<i64>, ContactRow)>, StoreError> {
        let mut walked_from = self.page_anchor(filter, offset).await?;
        let mut page = match &walked_from {
            Some(anchor) => {
                let anchored = PageStart::Anchor {
                    anchor,
                    offset: offset - anchor.position,
                };
                self.load_page(filter, per_page, &anchored).await?
            }
            None => Vec::new(),
        };
        if page.is_empty() {
            // No anchor; or past the end, or an import committed since the anchor was read: the long way.
            walked_from = None;
            page = self.load_page(filter, per_page, start).await?;
        }
        if !page.is_empty() && walked_from.as_ref().is_none_or(|a| a.position < offset) {
            self.remember_anchor(filter, offset, walked_from.as_ref())
                .await;
        }
        Ok(page)
    }
}
