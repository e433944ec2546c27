//! Remembered totals (ADR 0016): the exact total of a filter is remembered in `filter_counts` for the
//! state's current data version; when it is not, a filter over the hot columns is summed from
//! `district_facets` (at most 1200 rows per district), one over other criteria is counted live, and the
//! total is remembered. A search always counts live.

use super::query::{Sql, count_sql, filter_key};
use crate::PgStore;
use crate::errors::db_error;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable};
use diesel_async::RunQueryDsl;
use winserve_application::{ContactFilter, StoreError};

/// A filter's exact total, and the data version it was counted live at when it should be remembered.
#[derive(QueryableByName)]
pub(super) struct Total {
    /// The total.
    #[diesel(sql_type = BigInt)]
    pub(super) total: i64,
    /// The data version it was counted live at, when it should be remembered.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) counted_version: Option<i64>,
}

/// A count from the database (never negative) as a `u64`.
pub(super) fn count_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl PgStore {
    /// The exact number of contacts matching `filter`, remembered when counted.
    pub(super) async fn count_filter(&self, filter: &ContactFilter) -> Result<u64, StoreError> {
        let row: Total = self
            .read_voters(async |conn| {
                count_sql(Sql::new(""), filter)
                    .build()
                    .get_result(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        self.remember_total(filter, &row).await;
        Ok(count_u64(row.total))
    }

    /// Remembers a total counted at data version `counted_version` (ADR 0016). Never replaces a total
    /// of a later version: a reader whose snapshot predates an import may finish after it. A failure only
    /// costs the next request a live count (on a read replica, say), so it is logged, not returned.
    pub(super) async fn remember_total(&self, filter: &ContactFilter, total: &Total) {
        let Some(version) = total.counted_version else {
            return;
        };
        let sql = Sql::new(
            "INSERT INTO filter_counts AS c (district_id, filter_key, data_version, voters) VALUES (",
        )
        .uuid(filter.district.id.as_uuid())
        .push(", ")
        .text(filter_key(&filter.criteria))
        .push(", ")
        .bigint(version)
        .push(", ")
        .bigint(total.total)
        .push(
            ") ON CONFLICT ON CONSTRAINT filter_counts_pkey DO UPDATE \
             SET data_version = excluded.data_version, voters = excluded.voters \
             WHERE c.data_version < excluded.data_version",
        );
        let written = match self.conn().await {
            Ok(mut conn) => sql.build().execute(&mut conn).await.map_err(db_error),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not remember a segment total");
        }
    }
}
