//! The changed voters' memberships compared on a second connection (ADR 0030).
//!
//! A refresh writes in one transaction on one connection, so PostgreSQL works on one core while the
//! other waits. Reading the changed voters' stored memberships and comparing them with their new ones
//! ([`compare_memberships`], ~1.5 s for 40k changed voters) needs nothing of the transaction but the
//! changed voters: a second connection does it while the import's connection writes the voters (several
//! seconds), and commits the comparison into the unlogged `voter_import_members` (migration 000020),
//! which the import then reads and empties in its transaction.
//!
//! What the second connection reads is what the import would have read: the import has not written
//! these voters' memberships yet, and no other writer can (imports hold the import lock; nothing else
//! writes memberships). The import checks that it sees every row the second connection wrote — it would
//! not under a snapshot older than the comparison, such as a `REPEATABLE READ` default — and otherwise
//! compares on its own connection, as it does when the second connection fails in any way.

use super::connect;
use super::stage::{MEMBER_COLUMNS, qualified_columns};
use crate::errors::pg_error;
use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, TryStreamExt, pin_mut};
use tokio::task::JoinHandle;
use tokio_postgres::Client;
use winserve_application::StoreError;

/// Where [`compare_memberships`] writes its comparison.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(in crate::voter_import) enum Compared {
    /// `stage_members`, a temporary table of the import's own transaction.
    Here,
    /// `voter_import_members` (migration 000020), committed by a second connection for the import to read
    /// ([`SideComparison`]).
    Scratch,
}

impl Compared {
    /// The table the comparison is in.
    pub(in crate::voter_import) fn table(self) -> &'static str {
        match self {
            Self::Here => "stage_members",
            Self::Scratch => "voter_import_members",
        }
    }
}

/// Compares the stored memberships of the changed voters of `stage_diff` (those with a `stored_id`) with
/// their desired ones, into `into`: a row with `tid` and without `voter_id` is a stored row to delete,
/// one with both an update, one without `tid` an insert. Returns the rows written.
///
/// The stored rows of these voters are read once, through the voters' index when `lookups` (a small diff,
/// see `diff`), with their physical addresses (`ctid`); compared with the desired rows in memory
/// (a hash join), they give the three sets.
pub(in crate::voter_import) async fn compare_memberships(
    c: &Client,
    states: &[&str],
    lookups: bool,
    into: Compared,
) -> Result<u64, StoreError> {
    let member_d = qualified_columns(&MEMBER_COLUMNS, "d");
    let member_vd = qualified_columns(&MEMBER_COLUMNS, "vd");
    let member_x = qualified_columns(&MEMBER_COLUMNS, "x");
    let member_cur = qualified_columns(&MEMBER_COLUMNS, "cur");
    if lookups {
        c.batch_execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
            .await
            .map_err(pg_error)?;
    }
    c.execute(
        &format!(
            "CREATE TEMPORARY TABLE stage_current ON COMMIT DROP AS
             SELECT vd.ctid AS tid, vd.state, vd.district_id, vd.voter_id, {member_vd}
             FROM stage_diff d JOIN voter_districts vd
                 ON vd.state = d.state AND vd.voter_id = d.stored_id AND vd.state = ANY($1::text[])
             WHERE d.stored_id IS NOT NULL"
        ),
        &[&states],
    )
    .await
    .map_err(pg_error)?;
    // Both sides are read whole: hashing them is right even when the writes look rows up by key.
    // `stage_current` is not analyzed: only joined whole, by hashing, to a table of about its size.
    c.batch_execute("SET LOCAL enable_hashjoin = on")
        .await
        .map_err(pg_error)?;
    let write = match into {
        Compared::Here => "CREATE TEMPORARY TABLE stage_members ON COMMIT DROP AS",
        Compared::Scratch => "INSERT INTO voter_import_members",
    };
    let rows = c
        .execute(
            &format!(
                "{write}
                 SELECT cur.tid, x.state, x.district_id, x.voter_id, {member_x},
                        cur.voter_id AS stored_voter_id, cur.district_id AS stored_district_id,
                        cur.has_cell_phone AS stored_has_cell_phone, cur.has_landline AS stored_has_landline,
                        cur.has_address AS stored_has_address, cur.voter_status AS stored_voter_status,
                        cur.party AS stored_party, cur.age_range AS stored_age_range
                 FROM stage_current cur
                 FULL JOIN (
                     SELECT d.state, m.district_id, d.stored_id AS voter_id, {member_d}
                     FROM stage_diff d CROSS JOIN LATERAL unnest(d.set_district_ids) AS m(district_id)
                     WHERE d.stored_id IS NOT NULL
                 ) AS x ON x.state = cur.state AND x.district_id = cur.district_id AND x.voter_id = cur.voter_id
                 WHERE cur.tid IS NULL OR x.voter_id IS NULL OR ({member_cur}) IS DISTINCT FROM ({member_x})"
            ),
            &[],
        )
        .await
        .map_err(pg_error)?;
    c.batch_execute(&format!(
        "ANALYZE {}; SET LOCAL enable_hashjoin = {}",
        into.table(),
        if lookups { "off" } else { "on" }
    ))
    .await
    .map_err(pg_error)?;
    Ok(rows)
}

/// The bytes of COPY data passed on to the second connection at a time.
const PIPE_BLOCK: usize = 256 * 1024;

/// The comparison running on the second connection; dropped unfinished, it is stopped (its transaction
/// rolls back when the connection closes).
pub(in crate::voter_import) struct SideComparison {
    /// Resolves to the rows written into `voter_import_members`.
    task: Option<JoinHandle<Result<u64, StoreError>>>,
}

impl SideComparison {
    /// Opens the second connection to `url`, copies the changed voters of the import's `stage_diff` (on
    /// `c`) to it, and starts the comparison there. `None` when the second connection cannot take it
    /// (logged): the import then compares on its own connection. An error is one of the import's own
    /// connection, which fails the import.
    pub(in crate::voter_import) async fn start(
        c: &Client,
        url: &str,
        states: &[&str],
        lookups: bool,
    ) -> Result<Option<Self>, StoreError> {
        // The changed voters' rows travel as binary COPY data, unparsed, so both ends must have the same
        // column types: those of `voter_districts`, which both sides cast to.
        let types = member_types(c).await?;
        let side = match open_side(url, &types).await {
            Ok(side) => side,
            Err(e) => {
                fall_back(&e);
                return Ok(None);
            }
        };
        let sink = match side
            .copy_in::<_, Bytes>("COPY stage_diff FROM STDIN (FORMAT binary)")
            .await
        {
            Ok(sink) => sink,
            Err(e) => {
                fall_back(&pg_error(e));
                return Ok(None);
            }
        };
        let cast: Vec<String> = types
            .iter()
            .map(|(name, ty)| format!("d.{name}::{ty}"))
            .collect();
        let out = c
            .copy_out(&format!(
                "COPY (SELECT d.state::text, d.stored_id, {}, d.set_district_ids::uuid[]
                       FROM stage_diff d WHERE d.stored_id IS NOT NULL)
                 TO STDOUT (FORMAT binary)",
                cast.join(", ")
            ))
            .await
            .map_err(pg_error)?;
        pin_mut!(out, sink);
        // The import's side of the copy is read to its end whatever happens to the other side, so that
        // its connection is left ready for the next statement. The rows (one message each) are passed
        // on in blocks: a send per row waits for the other side once per row.
        let mut failed = None;
        let mut block = BytesMut::with_capacity(PIPE_BLOCK);
        while let Some(row) = out.try_next().await.map_err(pg_error)? {
            block.extend_from_slice(&row);
            if block.len() >= PIPE_BLOCK && failed.is_none() {
                failed = sink.send(block.split().freeze()).await.err();
            }
        }
        if failed.is_none() && !block.is_empty() {
            failed = sink.send(block.freeze()).await.err();
        }
        if failed.is_none() {
            failed = sink.as_mut().finish().await.err();
        }
        if let Some(e) = failed {
            fall_back(&pg_error(e));
            return Ok(None);
        }
        let states: Vec<String> = states.iter().map(|s| (*s).to_owned()).collect();
        let task = tokio::spawn(async move {
            let states: Vec<&str> = states.iter().map(String::as_str).collect();
            side.batch_execute("ANALYZE stage_diff; TRUNCATE voter_import_members")
                .await
                .map_err(pg_error)?;
            let rows = compare_memberships(&side, &states, lookups, Compared::Scratch).await?;
            side.batch_execute("COMMIT").await.map_err(pg_error)?;
            Ok(rows)
        });
        Ok(Some(Self { task: Some(task) }))
    }

    /// Waits for the comparison, and checks that the import's connection `c` sees all of it: whether
    /// the import can use it (when not, why is logged). An error is one of the import's own connection.
    pub(in crate::voter_import) async fn finish(mut self, c: &Client) -> Result<bool, StoreError> {
        let Some(task) = self.task.take() else {
            return Ok(false);
        };
        let written = match task.await {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => {
                fall_back(&e);
                return Ok(false);
            }
            Err(e) => {
                fall_back(&StoreError::internal(format!(
                    "the side comparison stopped: {e}"
                )));
                return Ok(false);
            }
        };
        let seen: i64 = c
            .query_one("SELECT count(*) FROM voter_import_members", &[])
            .await
            .map_err(pg_error)?
            .get(0);
        if u64::try_from(seen).ok() != Some(written) {
            let e = StoreError::internal(format!(
                "the import sees {seen} of the {written} compared memberships (an older snapshot?)"
            ));
            fall_back(&e);
            return Ok(false);
        }
        Ok(true)
    }
}

impl Drop for SideComparison {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Logs why the second connection cannot compare; the import compares on its own connection.
fn fall_back(e: &StoreError) {
    tracing::warn!(error = %e, "voter import: memberships compared on the import's connection");
}

/// Opens the second connection and its transaction, with the table the changed voters are copied into
/// (`types`: the [`MEMBER_COLUMNS`] with their types).
async fn open_side(url: &str, types: &[(&str, String)]) -> Result<Client, StoreError> {
    let side = connect(url, "winserve-import-side").await?;
    let columns: Vec<String> = types
        .iter()
        .map(|(name, ty)| format!("{name} {ty}"))
        .collect();
    // Nothing else takes the scratch table while the import lock is held; should something hold it
    // anyway, this connection gives up rather than keep the import waiting.
    side.batch_execute(&format!(
        "BEGIN ISOLATION LEVEL READ COMMITTED;
         SET LOCAL work_mem = '256MB'; SET LOCAL jit = off; SET LOCAL lock_timeout = '1s';
         CREATE TEMPORARY TABLE stage_diff (
             state text, stored_id uuid, {}, set_district_ids uuid[]
         ) ON COMMIT DROP",
        columns.join(", ")
    ))
    .await
    .map_err(pg_error)?;
    Ok(side)
}

/// The [`MEMBER_COLUMNS`] with their SQL types in `voter_districts`, in their order.
async fn member_types(c: &Client) -> Result<Vec<(&'static str, String)>, StoreError> {
    let rows = c
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)
             FROM pg_attribute a
             WHERE a.attrelid = 'voter_districts'::regclass AND a.attname = ANY($1::text[])
               AND NOT a.attisdropped",
            &[&MEMBER_COLUMNS.as_slice()],
        )
        .await
        .map_err(pg_error)?;
    MEMBER_COLUMNS
        .iter()
        .map(|name| {
            rows.iter()
                .find(|r| r.get::<_, &str>(0) == *name)
                .map(|r| (*name, r.get::<_, String>(1)))
                .ok_or_else(|| {
                    StoreError::internal(format!("voter_districts has no column {name}"))
                })
        })
        .collect()
}
