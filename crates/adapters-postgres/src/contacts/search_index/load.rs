//! Reading a district's [`DistrictIndex`] from the database: one statement lists the members in contacts
//! order with their search documents and the state's data version (read in the statement's snapshot, so
//! the index is exactly that version's data). The rows stream into a builder on a blocking thread, so a
//! large district's tokenizing never holds up the request handlers.

use super::district::{DistrictIndex, DistrictIndexBuilder, Member};
use crate::PgPool;
use crate::contacts::query::{Sql, current_version, district_members};
use crate::errors::{db_error, pool_error};
use diesel::sql_types::{BigInt, Bool, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;
use winserve_application::StoreError;
use winserve_domain::District;

type MemberSql = (
    SqlUuid,
    Text,
    Text,
    Bool,
    Bool,
    Bool,
    Text,
    Text,
    Text,
    BigInt,
    Text,
    BigInt,
);

type MemberTuple = (
    uuid::Uuid,
    String,
    String,
    bool,
    bool,
    bool,
    String,
    String,
    String,
    i64,
    String,
    i64,
);

/// Members are handed to the builder in batches of this many rows.
const BATCH: usize = 1024;

fn members_sql(district: &District) -> Sql {
    let sql = Sql::new(
        "SELECT vd.voter_id, vd.last_name_key, vd.first_name_key, vd.has_cell_phone, \
         vd.has_landline, vd.has_address, vd.voter_status, vd.party, vd.age_range, vd.attributes, \
         v.search_text, ",
    );
    district_members(
        current_version(sql, &district.state).push("::bigint"),
        district,
    )
    .push(" ORDER BY vd.last_name_key, vd.first_name_key, vd.voter_id")
}

fn member(t: MemberTuple) -> (Member, i64) {
    let (
        voter_id,
        last,
        first,
        cell,
        landline,
        address,
        status,
        party,
        age,
        attributes,
        text,
        version,
    ) = t;
    (
        Member {
            voter_id,
            last_name_key: last,
            first_name_key: first,
            has_cell_phone: cell,
            has_landline: landline,
            has_address: address,
            voter_status: status,
            party,
            age_range: age,
            attributes,
            search_text: text,
        },
        version,
    )
}

/// Reads the district's index. A district without members has no version to read: it is refused (its
/// searches are cheap in SQL).
pub(super) async fn load(pool: &PgPool, district: &District) -> Result<DistrictIndex, StoreError> {
    let mut conn = pool.get().await.map_err(pool_error)?;
    let query = members_sql(district).typed::<MemberSql>();
    let mut rows = query
        .load_stream::<MemberTuple>(&mut conn)
        .await
        .map_err(db_error)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<(Member, i64)>>(4);
    let builder = tokio::task::spawn_blocking(move || {
        let mut builder: Option<DistrictIndexBuilder> = None;
        while let Some(batch) = rx.blocking_recv() {
            for (m, version) in batch {
                let b = builder.get_or_insert_with(|| DistrictIndexBuilder::new(version));
                b.push(&m)
                    .map_err(|e| StoreError::internal(e.to_string()))?;
            }
        }
        builder
            .ok_or_else(|| StoreError::internal("the district has no members"))?
            .finish()
            .map_err(|e| StoreError::internal(e.to_string()))
    });
    let mut batch = Vec::with_capacity(BATCH);
    let mut streamed = Ok(());
    while let Some(row) = rows.next().await {
        match row {
            Ok(row) => batch.push(member(row)),
            Err(e) => {
                streamed = Err(db_error(e));
                break;
            }
        }
        if batch.len() == BATCH
            && tx
                .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                .await
                .is_err()
        {
            break;
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(batch).await;
    }
    drop(tx);
    let built = builder
        .await
        .map_err(|e| StoreError::internal(format!("search index builder: {e}")))?;
    streamed?;
    built
}
