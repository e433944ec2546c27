//! Searches answered from the district's in-memory index ([`super::search_index`], ADR 0023): the index
//! gives the exact total and the page's voters; one statement fetches their rows and the state's data
//! version. When that version is not the index's, the index is forgotten and `None` sends the request to
//! the SQL search, so no answer ever mixes two versions of the data.

use super::page::PageStart;
use super::query::{Sql, current_version, district_members};
use super::row::{ContactRow, PageSql, PageTuple, voter_columns};
use super::search_index::DistrictIndex;
use crate::PgStore;
use crate::errors::db_error;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use std::sync::Arc;
use uuid::Uuid;
use winserve_application::{ContactFilter, StoreError};

/// A page read through the index: the exact total and up to `per_page + 1` rows in contacts order.
pub(super) struct IndexedPage {
    pub(super) total: u64,
    pub(super) rows: Vec<ContactRow>,
}

impl PgStore {
    /// The district's index, when the filter is a search and the index is ready.
    async fn search_index(&self, filter: &ContactFilter) -> Option<Arc<DistrictIndex>> {
        filter.search.as_ref()?;
        let indexes = self.search_indexes.as_ref()?;
        indexes.index(self.voter_pool(), &filter.district).await
    }

    /// Whether the index's version is the current one; forgets the index when it is not.
    fn still_current(&self, filter: &ContactFilter, index: &DistrictIndex, version: i64) -> bool {
        if version == index.version() {
            return true;
        }
        if let Some(indexes) = &self.search_indexes {
            indexes.forget(&filter.district, index.version());
        }
        false
    }

    /// The state's current data version.
    async fn data_version(&self, filter: &ContactFilter) -> Result<i64, StoreError> {
        let versions: Vec<i64> = self
            .read_voters(async |conn| {
                current_version(Sql::new("SELECT "), &filter.district.state)
                    .push("::bigint")
                    .typed::<BigInt>()
                    .load(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        Ok(versions.into_iter().next().unwrap_or_default())
    }

    /// The exact number of contacts a search matches, from the index; `None` when the index is not
    /// ready or not current.
    pub(super) async fn indexed_count(
        &self,
        filter: &ContactFilter,
    ) -> Result<Option<u64>, StoreError> {
        let (Some(index), Some(search)) = (self.search_index(filter).await, &filter.search) else {
            return Ok(None);
        };
        let total = index.select(search, &filter.criteria).count() as u64;
        let version = self.data_version(filter).await?;
        Ok(self.still_current(filter, &index, version).then_some(total))
    }

    /// A page of a search from the index; `None` when the index is not ready, not current, or cannot
    /// place the cursor.
    pub(super) async fn indexed_page(
        &self,
        filter: &ContactFilter,
        per_page: u32,
        start: &PageStart<'_>,
    ) -> Result<Option<IndexedPage>, StoreError> {
        let (Some(index), Some(search)) = (self.search_index(filter).await, &filter.search) else {
            return Ok(None);
        };
        let matched = index.select(search, &filter.criteria);
        let take = per_page as usize + 1;
        let ranks: Vec<usize> = match start {
            PageStart::Offset(offset) => matched
                .iter_skipping(usize::try_from(*offset).unwrap_or(usize::MAX))
                .take(take)
                .collect(),
            PageStart::After(cursor) => match index.rank_after(cursor) {
                Some(rank) => matched.iter_from(rank).take(take).collect(),
                None => return Ok(None),
            },
            PageStart::Anchor { .. } => return Ok(None),
        };
        let ids: Vec<Uuid> = ranks.iter().map(|&r| index.voter(r)).collect();
        let (version, rows) = if ids.is_empty() {
            (self.data_version(filter).await?, Vec::new())
        } else {
            self.rows_of(filter, &ids).await?
        };
        if !self.still_current(filter, &index, version) || rows.len() != ids.len() {
            return Ok(None);
        }
        // The rows in the order of the index's ranks: the contacts order.
        let mut rows: Vec<Option<ContactRow>> = rows.into_iter().map(Some).collect();
        let mut ordered = Vec::with_capacity(ids.len());
        for id in &ids {
            let Some(row) = rows
                .iter_mut()
                .find(|r| r.as_ref().is_some_and(|r| r.voter_id() == *id))
                .and_then(Option::take)
            else {
                return Ok(None);
            };
            ordered.push(row);
        }
        Ok(Some(IndexedPage {
            total: matched.count() as u64,
            rows: ordered,
        }))
    }

    /// The contact rows of `ids` (members of the filter's district), with the state's data version in
    /// the same statement.
    async fn rows_of(
        &self,
        filter: &ContactFilter,
        ids: &[Uuid],
    ) -> Result<(i64, Vec<ContactRow>), StoreError> {
        let sql = current_version(Sql::new("SELECT "), &filter.district.state)
            .push("::bigint AS data_version, NULL::bigint, vd.last_name_key, vd.first_name_key, ")
            .push(voter_columns(filter.policy));
        let sql = district_members(sql, &filter.district)
            .push(" AND vd.voter_id = ANY(")
            .uuids(ids.to_vec())
            .push(")");
        let rows: Vec<PageTuple> = self
            .read_voters(async |conn| {
                sql.clone()
                    .typed::<PageSql>()
                    .load(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        let version = <[PageTuple]>::first(&rows).map(|r| r.0);
        let rows: Vec<ContactRow> = rows
            .into_iter()
            .map(|(_, _, last, first, voter)| ContactRow::from((last, first, voter)))
            .collect();
        match version {
            Some(version) => Ok((version, rows)),
            // None of the voters is a member any more: an import committed since the index was read.
            None => Ok((self.data_version(filter).await?, rows)),
        }
    }
}
