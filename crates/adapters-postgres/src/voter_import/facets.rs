//! `district_facets` kept by the diff itself (ADR 0026): every membership write of the diff returns the
//! facet values of the rows it removed or added, their counts are collected in `stage_facets` (with a
//! sign), and the net change per facet is applied once, after the last write. The statement triggers of
//! `voter_districts` do the same work per statement — twice for an update (the old rows out, the new rows
//! in), each time a row update per touched facet — and are told to stand aside for the transaction
//! (`winserve.import_keeps_facets`, migration 000012). A status change moves a voter from one facet to
//! another: here that is one change of each facet for the whole import, whatever the number of statements.
//!
//! The data-version triggers stay on: they are cheap and every write must move the version.

use crate::errors::pg_error;
use tokio_postgres::Client;
use winserve_application::StoreError;

/// The key of `district_facets`: a district and the hot filter values.
const FACET_COLUMNS: &str =
    "district_id, has_cell_phone, has_landline, has_address, voter_status, party, age_range";

/// Switches the facet triggers off for the transaction and creates the table of pending changes.
pub(super) async fn keep_by_import(c: &Client) -> Result<(), StoreError> {
    c.batch_execute(&format!(
        "SET LOCAL winserve.import_keeps_facets = on;
         CREATE TEMPORARY TABLE IF NOT EXISTS stage_facets ON COMMIT DROP AS
             SELECT {FACET_COLUMNS}, voters AS n FROM district_facets WITH NO DATA"
    ))
    .await
    .map_err(pg_error)
}

/// The facet columns of the rows a write returns, qualified with `alias` (`vd.district_id, …`).
fn returning(alias: &str) -> String {
    FACET_COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `write` — a DELETE or INSERT on `voter_districts` aliased `alias`, without a RETURNING clause —
/// counting the rows it removed (`sign` -1) or added (+1) into `stage_facets`; the rows written.
pub(super) async fn counted_write(
    c: &Client,
    write: &str,
    alias: &str,
    sign: i64,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<u64, StoreError> {
    let returning = returning(alias);
    let row = c
        .query_one(
            &format!(
                "WITH written AS ({write} RETURNING {returning}),
                 counted AS (INSERT INTO stage_facets
                             SELECT {FACET_COLUMNS}, {sign} * count(*) FROM written GROUP BY {FACET_COLUMNS})
                 SELECT count(*) FROM written"
            ),
            params,
        )
        .await
        .map_err(pg_error)?;
    Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
}

/// Runs `update` — an UPDATE of `voter_districts vd` whose `FROM` item `x` carries the facet values of
/// each row before the update, as the columns `old_columns` name in [`FACET_COLUMNS`] order — counting
/// the new rows in and the old ones out; the rows updated. (The old values come with the update's own
/// rows: joining them back to another table would be planned with the lookups a small diff asks for.)
pub(super) async fn counted_update(
    c: &Client,
    update: &str,
    old_columns: &[&str; 7],
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<u64, StoreError> {
    let new_columns = returning("vd");
    let old: Vec<String> = old_columns
        .iter()
        .zip(FACET_COLUMNS.split(", "))
        .map(|(old, name)| format!("x.{old} AS old_{name}"))
        .collect();
    let old_names: Vec<String> = FACET_COLUMNS
        .split(", ")
        .map(|name| format!("old_{name}"))
        .collect();
    let (old, old_names) = (old.join(", "), old_names.join(", "));
    let row = c
        .query_one(
            &format!(
                "WITH written AS ({update} RETURNING {new_columns}, {old}),
                 counted AS (
                     INSERT INTO stage_facets
                     SELECT {FACET_COLUMNS}, sum(n) FROM (
                         SELECT {FACET_COLUMNS}, 1 AS n FROM written
                         UNION ALL
                         SELECT {old_names}, -1 FROM written
                     ) AS moved
                     GROUP BY {FACET_COLUMNS})
                 SELECT count(*) FROM written"
            ),
            params,
        )
        .await
        .map_err(pg_error)?;
    Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
}

/// Applies the net change of every facet collected so far and switches the triggers back on: existing
/// facets updated, new ones inserted in key order. A facet that would go below zero fails the import (the
/// CHECK of `district_facets`), as it would through the triggers.
pub(super) async fn apply(c: &Client) -> Result<(), StoreError> {
    let on = FACET_COLUMNS
        .split(", ")
        .map(|col| format!("f.{col} = d.{col}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    // The net change is summed once. Both parts of the statement see the facets as they were before it:
    // the new ones are those the table does not hold (a lookup of the table, not of the updated rows,
    // which would have to be returned and sorted). The updates find room on their pages (migration 000021).
    c.batch_execute(&format!(
        "WITH net AS MATERIALIZED (
             SELECT {FACET_COLUMNS}, sum(n) AS n FROM stage_facets
             GROUP BY {FACET_COLUMNS} HAVING sum(n) <> 0),
         updated AS (
             UPDATE district_facets f SET voters = f.voters + d.n FROM net d WHERE {on})
         INSERT INTO district_facets ({FACET_COLUMNS}, voters)
         SELECT {FACET_COLUMNS}, n FROM net d
         WHERE NOT EXISTS (SELECT 1 FROM district_facets f WHERE {on})
         ORDER BY {FACET_COLUMNS};
         TRUNCATE stage_facets;
         SET LOCAL winserve.import_keeps_facets = off"
    ))
    .await
    .map_err(pg_error)
}
