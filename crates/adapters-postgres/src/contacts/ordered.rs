//! Contacts in orders other than the contacts order, for Voter Outreach (issue 16): a filter's walk list
//! (street, house number as a number, unit, name — `outreach_walk_key`) and voters looked up by id for a
//! frozen audience. Both read through the party policy like every contacts read.

use super::query::{Sql, from_where_joined};
use super::row::{ContactRow, ContactSql, ContactTuple, voter_columns};
use crate::PgStore;
use crate::errors::db_error;
use crate::partitions;
use diesel_async::RunQueryDsl;
use winserve_application::{ContactFilter, ContactStream, StoreError};
use winserve_domain::{PartyPolicy, StateCode, Voter};

/// `ORDER BY` of a walk list: the walk key of the street line, then the contacts order.
pub(crate) const WALK_ORDER: &str = "outreach_walk_key(v.address_line1) COLLATE \"C\", \
                                     vd.last_name_key, vd.first_name_key, vd.voter_id";

fn voters(rows: Vec<ContactTuple>) -> Result<Vec<Voter>, StoreError> {
    rows.into_iter()
        .map(|row| ContactRow::from(row).into_voter())
        .collect()
}

/// `ORDER BY` of households: ZIP (5 digits), the walk key and the folded line, then the contacts order —
/// the contacts of a household next to one another, households in ZIP then walk order.
pub(crate) const HOUSEHOLD_ORDER: &str = "left(v.address_zip, 5) COLLATE \"C\", \
     outreach_walk_key(v.address_line1) COLLATE \"C\", \
     outreach_address_key(v.address_line1) COLLATE \"C\"";

impl PgStore {
    /// Every contact of `filter` in `order` (an `ORDER BY` list of this module), streamed.
    pub(crate) async fn export_in_order(
        &self,
        filter: &ContactFilter,
        order: &str,
    ) -> Result<ContactStream, StoreError> {
        let sql = from_where_joined(
            Sql::new("SELECT vd.last_name_key, vd.first_name_key, ")
                .push(voter_columns(filter.policy)),
            filter,
            true,
        )
        .push(" ORDER BY ")
        .push(order);
        self.stream_contacts(sql).await
    }

    /// `limit` contacts of `filter`'s walk list after the first `offset`.
    pub(crate) async fn walk_page(
        &self,
        filter: &ContactFilter,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<Voter>, StoreError> {
        let sql = from_where_joined(
            Sql::new("SELECT vd.last_name_key, vd.first_name_key, ")
                .push(voter_columns(filter.policy)),
            filter,
            true,
        )
        .push(" ORDER BY ")
        .push(WALK_ORDER)
        .push(" LIMIT ")
        .bigint(i64::from(limit))
        .push(" OFFSET ")
        .bigint(i64::try_from(offset).unwrap_or(i64::MAX));
        let rows: Vec<ContactTuple> = self
            .read_voters(async |conn| {
                sql.clone()
                    .typed::<ContactSql>()
                    .load(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        voters(rows)
    }

    /// The voters of `state` with these ids that are still in the voter file, in no order.
    pub(crate) async fn voters_by_id(
        &self,
        state: &StateCode,
        policy: PartyPolicy,
        ids: Vec<uuid::Uuid>,
    ) -> Result<Vec<Voter>, StoreError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        // The sort keys of a contact row are only for cursors, which these rows never make.
        let sql = Sql::new("SELECT ''::text, ''::text, ")
            .push(voter_columns(policy))
            .push(" FROM ")
            .push(partitions::of(state).voters)
            .push(" v WHERE v.state = ")
            .text(state.to_string())
            .push(" AND v.id = ANY(")
            .uuids(ids)
            .push(")");
        let rows: Vec<ContactTuple> = self
            .read_voters(async |conn| {
                sql.clone()
                    .typed::<ContactSql>()
                    .load(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        voters(rows)
    }
}
