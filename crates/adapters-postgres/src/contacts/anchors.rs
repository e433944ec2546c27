//! Page anchors (ADR 0018): a page by number deep in the list starts after the nearest page anchor
//! remembered for the same filter and data version, and leaves one where it starts.

use super::query::{Sql, after, current_version, filter_key, from_where};
use crate::PgStore;
use crate::errors::db_error;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use winserve_application::{ContactCursor, ContactFilter, StoreError};
use winserve_domain::VoterId;

/// A page anchor (ADR 0018): the key of the row at `position` (1-based) of a filter's contacts at data
/// `version`.
pub(super) struct Anchor {
    /// The key of the row.
    pub(super) cursor: ContactCursor,
    /// The data version of the state it was remembered at.
    pub(super) version: i64,
    /// The row's position (1-based) in the filter's contacts.
    pub(super) position: i64,
}

/// [`after`] the anchor, while the anchor's data version is current — checked in the statement's own
/// snapshot, so that an import committed since the anchor was read empties the result rather than
/// misplacing it.
pub(super) fn after_anchor(sql: Sql, filter: &ContactFilter, anchor: &Anchor) -> Sql {
    current_version(
        after(sql, &anchor.cursor).push(" AND "),
        &filter.district.state,
    )
    .push(" = ")
    .bigint(anchor.version)
}

impl PgStore {
    /// The nearest page anchor at or before `offset` contacts of the filter, remembered for the state's
    /// current data version (ADR 0018).
    pub(super) async fn page_anchor(
        &self,
        filter: &ContactFilter,
        offset: i64,
    ) -> Result<Option<Anchor>, StoreError> {
        let sql = Sql::new(
            "SELECT a.last_name_key, a.first_name_key, a.voter_id, a.data_version, a.position \
             FROM page_anchors a WHERE a.district_id = ",
        )
        .uuid(filter.district.id.as_uuid())
        .push(" AND a.filter_key = ")
        .text(filter_key(&filter.criteria))
        .push(" AND a.position <= ")
        .bigint(offset)
        .push(" AND a.data_version = ");
        let sql =
            current_version(sql, &filter.district.state).push(" ORDER BY a.position DESC LIMIT 1");
        let rows: Vec<(String, String, uuid::Uuid, i64, i64)> = self
            .read_voters(async |conn| {
                sql.clone()
                    .typed::<(Text, Text, SqlUuid, BigInt, BigInt)>()
                    .load(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        Ok(rows.into_iter().next().map(
            |(last_name_key, first_name_key, voter_id, version, position)| Anchor {
                cursor: ContactCursor {
                    last_name_key,
                    first_name_key,
                    voter_id: VoterId::from_uuid(voter_id),
                },
                version,
                position,
            },
        ))
    }

    /// Remembers the anchor at `position` of the filter's contacts — the key of the row before a page
    /// that starts there — walking from `from` when given (ADR 0018). The key and the data version are
    /// read by one statement, hence from one snapshot; an anchor of a later version is never replaced.
    /// A failure (a read replica, say) is logged and costs the next request for that page its walk.
    pub(super) async fn remember_anchor(
        &self,
        filter: &ContactFilter,
        position: i64,
        from: Option<&Anchor>,
    ) {
        let sql = Sql::new(
            "INSERT INTO page_anchors AS a (district_id, filter_key, position, data_version, \
             last_name_key, first_name_key, voter_id) SELECT ",
        )
        .uuid(filter.district.id.as_uuid())
        .push(", ")
        .text(filter_key(&filter.criteria))
        .push(", ")
        .bigint(position)
        .push(", ");
        let sql = current_version(sql, &filter.district.state).push(
            ", k.last_name_key, k.first_name_key, k.voter_id \
             FROM (SELECT vd.last_name_key, vd.first_name_key, vd.voter_id",
        );
        let mut sql = from_where(sql, filter);
        let skip = match from {
            Some(anchor) => {
                sql = after_anchor(sql, filter, anchor);
                position - anchor.position - 1
            }
            None => position - 1,
        };
        let sql = sql
            .push(" ORDER BY vd.last_name_key, vd.first_name_key, vd.voter_id LIMIT 1 OFFSET ")
            .bigint(skip)
            .push(
                ") AS k ON CONFLICT ON CONSTRAINT page_anchors_pkey DO UPDATE \
                 SET data_version = excluded.data_version, last_name_key = excluded.last_name_key, \
                 first_name_key = excluded.first_name_key, voter_id = excluded.voter_id \
                 WHERE a.data_version < excluded.data_version",
            );
        let written = match self.conn().await {
            Ok(mut conn) => sql.build().execute(&mut conn).await.map_err(db_error),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not remember a page anchor");
        }
    }
}
