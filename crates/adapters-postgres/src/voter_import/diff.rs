//! The merge of staged voters into states that hold voters already, written as a diff: the staged voters
//! are compared with the stored ones in one pass (a hash join on `(state, lal_voter_id)` comparing the
//! voters' fingerprints, `row_hash`: a change in any stored column or district moves it), and only the
//! voters that are new, changed or — when the import replaces its states — gone are written. A monthly
//! refresh of a state in which a few percent of the voters changed writes a few percent of the rows; an
//! identical re-import writes none. Stored voters keep their ids (contact ids that clients hold).
//!
//! A voter's memberships are copies of its district set and of some of its columns (`MEMBER_COLUMNS`),
//! so a voter whose columns and `district_ids` are unchanged has unchanged memberships: only the
//! memberships of new, changed and removed voters are looked at. The diff keeps `district_facets` exact
//! itself, with one net change per facet (`facets`); the statement-level triggers of `voter_districts`
//! move the state's data version.
//!
//! The diff's voters are copied out of the staging table (`stage_diff`, `stage_removed`), so the writes
//! that follow join small tables to the stored ones. When the diff is small next to the stored state, the
//! planner is told to look the stored rows up by key (nested loops over their indexes): its estimates
//! would otherwise favour reading every membership of the state for a few thousand changes.

use super::facets;
use super::member_comparison::{Compared, SideComparison, compare_memberships};
use super::pending_list::PendingListMerge;
use super::phases::Clock;
use super::stage::{DATA_COLUMNS, JOIN_SET, MEMBER_COLUMNS, qualified_columns};
use super::unchanged::StoredFingerprints;
use crate::errors::pg_error;
use std::collections::{HashMap, HashSet};
use tokio_postgres::Client;
use winserve_application::{ImportSummary, StoreError};

/// Copies of the staged voters that are new (`stored_id` null) or changed (`stored_id` is the stored
/// voter's id, which it keeps), with their district set's ids; and the stored voters the file no longer
/// has (only when the import replaces its states). Keyed like the stored rows, for the lookups below.
const CREATE_DIFF: &str = "
CREATE TEMPORARY TABLE stage_keys
    (n integer, stored_state text, stored_id uuid, stored_hash bigint, stored_tid tid) ON COMMIT DROP;
CREATE TEMPORARY TABLE stage_diff ON COMMIT DROP AS
    SELECT s.*, t.district_ids AS set_district_ids, NULL::uuid AS stored_id
    FROM stage_voters s JOIN stage_sets t ON t.no = s.set_no WITH NO DATA;
CREATE TEMPORARY TABLE stage_removed (state text NOT NULL, id uuid NOT NULL, tid tid) ON COMMIT DROP";

/// A diff at most this share of the stored voters is written with key lookups (see the module docs).
const LOOKUP_SHARE: f64 = 0.15;

/// Which stored voters [`any_stored`] looks for.
pub(super) enum StoredVoters {
    /// Any voter.
    Any,
    /// A voter stored before fingerprints existed (found through the partial index of migration 000010).
    WithoutFingerprint,
}

/// Whether any voter of `states` is stored, or any of them still without a fingerprint.
pub(super) async fn any_stored(
    c: &Client,
    states: &[&str],
    which: StoredVoters,
) -> Result<bool, StoreError> {
    let sql = match which {
        StoredVoters::Any => "SELECT EXISTS (SELECT 1 FROM voters WHERE state = ANY($1::text[]))",
        StoredVoters::WithoutFingerprint => {
            "SELECT EXISTS (SELECT 1 FROM voters WHERE state = ANY($1::text[]) AND row_hash IS NULL)"
        }
    };
    Ok(c.query_one(sql, &[&states]).await.map_err(pg_error)?.get(0))
}

/// Merges the staged voters of `states` into the stored ones; adds what it changed to `summary`. With
/// `replace`, stored voters of `states` that the file does not have are removed. The states in `filters`
/// were staged without their unchanged voters (`unchanged`); the others were staged whole.
///
/// `side`, when given, is where a second connection to the database can be opened: the comparison of
/// the changed voters' memberships then runs there while `c` writes the voters ([`SideComparison`]).
/// With `dry_run`, the diff is counted instead of written ([`count_diff`]).
#[allow(clippy::too_many_arguments)] // the merge's inputs, each a different thing
pub(super) async fn merge_into_stored(
    c: &Client,
    side: Option<&str>,
    states: &[&str],
    filters: &HashMap<&str, &StoredFingerprints>,
    replace: bool,
    dry_run: bool,
    summary: &mut ImportSummary,
    clock: &mut Clock,
) -> Result<(), StoreError> {
    if !any_stored(c, states, StoredVoters::Any).await? {
        return insert_all(c, states, summary, clock).await;
    }

    c.batch_execute(CREATE_DIFF).await.map_err(pg_error)?;
    let (filtered, whole): (Vec<&str>, Vec<&str>) =
        states.iter().partition(|s| filters.contains_key(*s));
    if !whole.is_empty() {
        diff_whole_states(c, &whole, replace, clock).await?;
    }
    if !filtered.is_empty() {
        diff_filtered_states(c, &filtered, filters, replace).await?;
    }
    // The stored voters of the filtered states were counted when their fingerprints were read.
    let known: u64 = filtered
        .iter()
        .filter_map(|s| filters.get(s))
        .map(|f| f.len() as u64)
        .sum();
    let written = Written {
        count_stored: &whole,
        stored: known,
        dry_run,
    };
    write_diff(c, side, states, written, summary, clock).await
}

/// The diff (`stage_keys`) of states staged whole: every staged voter compared with the stored ones.
async fn diff_whole_states(
    c: &Client,
    states: &[&str],
    replace: bool,
    clock: &mut Clock,
) -> Result<(), StoreError> {
    fingerprint_unchanged_old_rows(c, states).await?;
    clock.phase("fingerprints of old rows");
    // Voters are compared by their fingerprints (`row_hash`, ADR 0024): the join carries four narrow
    // columns per voter instead of every column. A full join also finds the stored voters the file does
    // not have; without `replace` they stay, and a left join lets a small import look its voters up by
    // key instead of reading the whole state.
    let join = if replace { "FULL JOIN" } else { "LEFT JOIN" };
    c.execute(
        &format!(
            "INSERT INTO stage_keys (n, stored_state, stored_id)
             SELECT s.n, v.state, v.id
             FROM (SELECT n, state, lal_voter_id, row_hash FROM stage_voters
                   WHERE state = ANY($1::text[])) AS s
             {join} (SELECT state, id, lal_voter_id, row_hash FROM voters
                     WHERE state = ANY($1::text[])) AS v
                 ON v.state = s.state AND v.lal_voter_id = s.lal_voter_id
             WHERE v.id IS NULL OR s.n IS NULL OR v.row_hash IS DISTINCT FROM s.row_hash"
        ),
        &[&states],
    )
    .await
    .map_err(pg_error)?;
    Ok(())
}

/// The diff (`stage_keys`) of states staged without their unchanged voters: every staged voter is new or
/// changed. A changed voter whose stored row some later row of the file repeated exactly keeps its stored
/// data (the last row wins, as for repeated rows staged whole). With `replace`, the departed voters are
/// those whose fingerprint no row matched and that no staged voter changed.
///
/// The fingerprints kept the stored voters' addresses, not their ids (`unchanged`): the lookup of the
/// staged voters gives the changed ones' addresses, and only the departed ones are read by address.
async fn diff_filtered_states(
    c: &Client,
    states: &[&str],
    filters: &HashMap<&str, &StoredFingerprints>,
    replace: bool,
) -> Result<(), StoreError> {
    let staged: i64 = c
        .query_one(
            "SELECT count(*) FROM stage_voters WHERE state = ANY($1::text[])",
            &[&states],
        )
        .await
        .map_err(pg_error)?
        .get(0);
    let stored: usize = states
        .iter()
        .filter_map(|s| filters.get(s))
        .map(|f| f.len())
        .sum();
    // The few staged voters are looked up by key rather than the state's voters read whole.
    let lookups = (staged as f64) <= LOOKUP_SHARE * stored as f64;
    if lookups {
        // Compiling the lookups (JIT) costs more than it saves, as for the writes of `write_diff`.
        c.batch_execute(
            "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off",
        )
        .await
        .map_err(pg_error)?;
    }
    c.execute(
        "INSERT INTO stage_keys (n, stored_state, stored_id, stored_hash, stored_tid)
         SELECT s.n, v.state, v.id, v.row_hash, v.ctid
         FROM stage_voters s
         LEFT JOIN voters v ON v.state = s.state AND v.lal_voter_id = s.lal_voter_id
             AND v.state = ANY($1::text[])
         WHERE s.state = ANY($1::text[]) AND (v.id IS NULL OR v.row_hash IS DISTINCT FROM s.row_hash)",
        &[&states],
    )
    .await
    .map_err(pg_error)?;
    if lookups {
        c.batch_execute(
            "SET LOCAL enable_hashjoin = DEFAULT; SET LOCAL enable_mergejoin = DEFAULT",
        )
        .await
        .map_err(pg_error)?;
    }
    let changed = c
        .query(
            "SELECT n, stored_state, stored_hash, stored_tid::text FROM stage_keys
             WHERE stored_state = ANY($1::text[]) AND n IS NOT NULL AND stored_hash IS NOT NULL",
            &[&states],
        )
        .await
        .map_err(pg_error)?;
    let superseded: Vec<i32> = changed
        .iter()
        .filter_map(|row| {
            let (n, state, hash): (i32, &str, i64) = (row.get(0), row.get(1), row.get(2));
            let later = filters.get(state)?.matching_row(hash)?;
            (i64::from(later) > i64::from(n)).then_some(n)
        })
        .collect();
    if !superseded.is_empty() {
        c.execute(
            "DELETE FROM stage_keys WHERE n = ANY($1::integer[])",
            &[&superseded],
        )
        .await
        .map_err(pg_error)?;
    }
    if !replace {
        return Ok(());
    }
    // The departed voters: the unmatched ones that no staged voter changed. Their ids are read by
    // address, in physical order (a TID scan sorts them).
    // (Addresses are per partition: keyed by state too.)
    let changed_at: HashSet<(&str, &str)> = changed
        .iter()
        .filter_map(|row| Some((row.get(1), row.get::<_, Option<&str>>(3)?)))
        .collect();
    for (state, stored) in states.iter().filter_map(|s| Some((*s, filters.get(s)?))) {
        let departed: Vec<String> = stored
            .unmatched()
            .into_iter()
            .map(|a| a.text())
            .filter(|a| !changed_at.contains(&(state, a.as_str())))
            .collect();
        if departed.is_empty() {
            continue;
        }
        let found = c
            .execute(
                "INSERT INTO stage_keys (n, stored_state, stored_id, stored_tid)
                 SELECT NULL, state, id, ctid FROM voters
                 WHERE state = $1 AND ctid = ANY($2::text[]::tid[])",
                &[&state, &departed],
            )
            .await
            .map_err(pg_error)?;
        if found != departed.len() as u64 {
            // Only imports write voters, and they hold the import lock: an address that no longer holds
            // the voter read there would be a bug, not a race.
            return Err(StoreError::internal(format!(
                "{} of {} departed voters of {state} not found where their fingerprints were read",
                (departed.len() as u64).saturating_sub(found),
                departed.len()
            )));
        }
    }
    Ok(())
}

/// How [`write_diff`] writes: the stored voters known already and the states whose voters it counts.
struct Written<'a> {
    /// The states whose stored voters were not counted when the diff was built.
    count_stored: &'a [&'a str],
    /// The stored voters of the other states.
    stored: u64,
    /// Count what would be written instead of writing it.
    dry_run: bool,
}

/// Writes the diff of `stage_keys`: departed voters removed with their memberships, changed voters
/// updated in place (their ids kept), new ones inserted, and the memberships of both brought in line.
async fn write_diff(
    c: &Client,
    side: Option<&str>,
    states: &[&str],
    written: Written<'_>,
    summary: &mut ImportSummary,
    clock: &mut Clock,
) -> Result<(), StoreError> {
    let Written {
        count_stored,
        stored,
        dry_run,
    } = written;
    // In the stored voters' order, so that the writes below visit their rows and index entries in order
    // (the states compared bytewise: any order of them will do, and that one is cheap).
    c.batch_execute(&format!(
        r#"INSERT INTO stage_removed (state, id, tid)
         SELECT stored_state, stored_id, stored_tid FROM stage_keys WHERE n IS NULL ORDER BY 1, 2;
         INSERT INTO stage_diff
         SELECT s.*, t.district_ids, k.stored_id
         FROM stage_keys k JOIN stage_voters s ON s.n = k.n {JOIN_SET}
         ORDER BY s.state COLLATE "C", k.stored_id, s.n"#
    ))
    .await
    .map_err(pg_error)?;
    c.batch_execute(
        // Statistics of the join columns only: every other column (the search text among them) would be
        // sampled for nothing, about a second at 60k changed voters.
        "ANALYZE stage_diff (state, stored_id); ANALYZE stage_removed;
         CREATE INDEX ON stage_diff (state, stored_id)",
    )
    .await
    .map_err(pg_error)?;
    let counts = c
        .query_one(
            "SELECT (SELECT count(*) FILTER (WHERE stored_id IS NULL) FROM stage_diff),
                    (SELECT count(*) FILTER (WHERE stored_id IS NOT NULL) FROM stage_diff),
                    (SELECT count(*) FROM stage_removed),
                    (SELECT count(tid) FROM stage_removed),
                    (SELECT count(*) FROM voters WHERE state = ANY($1::text[]))",
            &[&count_stored],
        )
        .await
        .map_err(pg_error)?;
    let count = |i: usize| u64::try_from(counts.get::<_, i64>(i)).unwrap_or(0);
    let (inserted, updated, removed) = (count(0), count(1), count(2));
    let removed_at_known_addresses = count(3) == removed;
    let stored = stored + count(4);
    clock.phase("diff");
    if inserted + updated + removed == 0 {
        return Ok(());
    }
    let lookups = ((inserted + updated + removed) as f64) <= LOOKUP_SHARE * stored as f64;
    // The writes below are a handful of statements over few rows each: compiling them (0.2–0.6 s each)
    // costs more than it saves.
    c.batch_execute("SET LOCAL jit = off")
        .await
        .map_err(pg_error)?;
    if lookups {
        c.batch_execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
            .await
            .map_err(pg_error)?;
    }

    if dry_run {
        return count_diff(c, states, lookups, [inserted, updated, removed], summary).await;
    }

    // Started before the voters are written, which takes longer than the comparison: the changed voters'
    // memberships are not written before it is read back.
    let comparison = match side {
        Some(url) if updated > 0 => SideComparison::start(c, url, states, lookups).await?,
        _ => None,
    };
    facets::keep_by_import(c).await?;
    // Departed voters first: their memberships, then their rows.
    if removed > 0 {
        summary.memberships_changed += facets::counted_write(
            c,
            "DELETE FROM voter_districts vd USING stage_removed r
             WHERE vd.state = ANY($1::text[]) AND vd.state = r.state AND vd.voter_id = r.id",
            "vd",
            -1,
            &[&states],
        )
        .await?;
        // By address when the diff read them (and the joins are lookups): a TID scan instead of a walk
        // of the primary key per voter. The ids are compared too: the row at that address is the one read.
        let removed_by = if lookups && removed_at_known_addresses {
            "(SELECT state, id, tid FROM stage_removed ORDER BY tid) AS r
             WHERE v.state = ANY($1::text[]) AND v.state = r.state AND v.ctid = r.tid AND v.id = r.id"
        } else {
            "stage_removed r WHERE v.state = ANY($1::text[]) AND v.state = r.state AND v.id = r.id"
        };
        summary.voters_removed += c
            .execute(
                &format!("DELETE FROM voters v USING {removed_by}"),
                &[&states],
            )
            .await
            .map_err(pg_error)?;
        clock.phase("removed voters");
    }

    let data = DATA_COLUMNS.join(", ");
    let data_d = qualified_columns(&DATA_COLUMNS, "d");
    // The voters' rows are the search index's only writes: its pending list is merged aside meanwhile.
    let merge = side.map(|url| PendingListMerge::start(url, states));
    if updated > 0 {
        let set = DATA_COLUMNS
            .iter()
            .map(|col| format!("{col} = d.{col}"))
            .collect::<Vec<_>>()
            .join(", ");
        summary.voters_updated += c
            .execute(
                &format!(
                    "UPDATE voters v SET {set}, district_ids = d.set_district_ids, updated_at = now()
                     FROM stage_diff d
                     WHERE v.state = ANY($1::text[]) AND v.state = d.state AND v.id = d.stored_id"
                ),
                &[&states],
            )
            .await
            .map_err(pg_error)?;
    }
    if inserted > 0 {
        summary.voters_inserted += c
            .execute(
                &format!(
                    "INSERT INTO voters (id, state, lal_voter_id, {data}, district_ids)
                     SELECT d.id, d.state, d.lal_voter_id, {data_d}, d.set_district_ids
                     FROM stage_diff d WHERE d.stored_id IS NULL"
                ),
                &[],
            )
            .await
            .map_err(pg_error)?;
    }
    if updated + inserted > 0 {
        // Memberships bump the version through their triggers, but a change to a voter's row alone (a new
        // phone, a street renamed) must too: searches answered from memory check it (ADR 0023).
        c.execute("SELECT voter_data_changed($1::text[])", &[&states])
            .await
            .map_err(pg_error)?;
    }
    if let Some(merge) = merge {
        merge.finish().await;
    }
    clock.phase("voters");

    if inserted > 0 {
        let member = MEMBER_COLUMNS.join(", ");
        let member_d = qualified_columns(&MEMBER_COLUMNS, "d");
        summary.memberships_changed += facets::counted_write(
            c,
            &format!(
                "INSERT INTO voter_districts AS vd (state, district_id, voter_id, {member})
                 SELECT d.state, m.district_id, d.id, {member_d}
                 FROM stage_diff d CROSS JOIN LATERAL unnest(d.set_district_ids) AS m(district_id)
                 WHERE d.stored_id IS NULL
                 ORDER BY 1, 2, 4, 5, 3"
            ),
            "vd",
            1,
            &[],
        )
        .await?;
    }
    if updated > 0 {
        summary.memberships_changed +=
            merge_changed_memberships(c, states, lookups, comparison).await?;
    }
    c.batch_execute(
        "SET LOCAL enable_hashjoin = DEFAULT; SET LOCAL enable_mergejoin = DEFAULT;
         SET LOCAL jit = DEFAULT",
    )
    .await
    .map_err(pg_error)?;
    facets::apply(c).await?;
    clock.phase("memberships");
    Ok(())
}

/// What [`write_diff`] would change, counted instead of written (a dry run): the voters from the diff
/// (`[inserted, updated, removed]`), the memberships from what the writes would touch — the departed
/// voters' rows, the new voters' district sets, and the changed voters' comparison (a row per
/// membership to delete, update or insert). Writing and rolling back would report the same; it would
/// also leave the dead rows of every write behind for the import that follows.
async fn count_diff(
    c: &Client,
    states: &[&str],
    lookups: bool,
    [inserted, updated, removed]: [u64; 3],
    summary: &mut ImportSummary,
) -> Result<(), StoreError> {
    let count = |row: tokio_postgres::Row| u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
    let mut memberships = 0;
    if removed > 0 {
        memberships += count(
            c.query_one(
                "SELECT count(*) FROM voter_districts vd JOIN stage_removed r
                     ON vd.state = r.state AND vd.voter_id = r.id
                 WHERE vd.state = ANY($1::text[])",
                &[&states],
            )
            .await
            .map_err(pg_error)?,
        );
    }
    if inserted > 0 {
        memberships += count(
            c.query_one(
                "SELECT coalesce(sum(cardinality(set_district_ids)), 0)::bigint
                 FROM stage_diff WHERE stored_id IS NULL",
                &[],
            )
            .await
            .map_err(pg_error)?,
        );
    }
    if updated > 0 {
        memberships += compare_memberships(c, states, lookups, Compared::Here).await?;
    }
    summary.voters_inserted += inserted;
    summary.voters_updated += updated;
    summary.voters_removed += removed;
    summary.memberships_changed += memberships;
    Ok(())
}

/// Voters stored before fingerprints existed (`row_hash` null, migration 000010) are compared column by
/// column once: an unchanged one gets its fingerprint (and is then unchanged for the diff: nothing else
/// is written, `updated_at` stays); a changed one keeps none, so the diff writes it with its new data.
async fn fingerprint_unchanged_old_rows(c: &Client, states: &[&str]) -> Result<(), StoreError> {
    if !any_stored(c, states, StoredVoters::WithoutFingerprint).await? {
        return Ok(());
    }
    let compared: Vec<&str> = DATA_COLUMNS
        .iter()
        .copied()
        .filter(|c| !matches!(*c, "row_hash" | "source_hash"))
        .collect();
    let old = qualified_columns(&compared, "v");
    let new = qualified_columns(&compared, "s");
    let rows = c
        .execute(
            &format!(
                "UPDATE voters v SET row_hash = s.row_hash, source_hash = s.source_hash
                 FROM stage_voters s {JOIN_SET}
                 WHERE v.state = ANY($1::text[]) AND v.row_hash IS NULL
                   AND v.state = s.state AND v.lal_voter_id = s.lal_voter_id
                   AND ({old}, v.district_ids) IS NOT DISTINCT FROM ({new}, t.district_ids)"
            ),
            &[&states],
        )
        .await
        .map_err(pg_error)?;
    tracing::info!(
        voters = rows,
        "voter import: fingerprints stored for voters loaded before them"
    );
    Ok(())
}

/// The memberships of the changed voters of `stage_diff`: rows of districts they left deleted, rows
/// whose copied columns differ updated, rows of districts they joined inserted.
///
/// The three sets come from [`compare_memberships`], run on a second connection while the voters were
/// written (`side`) or, without one or when it failed, here. The deletes and updates go straight to
/// their rows' addresses (TID scans, in physical order) instead of looking each row up again by key.
/// The addresses stay valid: only imports write memberships, and they hold the import lock. The inserts
/// are in contacts order, the order of the largest index of `voter_districts`, so that they walk it from
/// one end to the other instead of jumping around it.
async fn merge_changed_memberships(
    c: &Client,
    states: &[&str],
    lookups: bool,
    side: Option<SideComparison>,
) -> Result<u64, StoreError> {
    let member = MEMBER_COLUMNS.join(", ");
    let compared_beside = match side {
        Some(side) => side.finish(c).await?,
        None => false,
    };
    let compared = if compared_beside {
        Compared::Scratch
    } else {
        compare_memberships(c, states, lookups, Compared::Here).await?;
        Compared::Here
    };
    let members = compared.table();
    // The key columns are compared too: a row at that address is the one read above.
    let mut rows = facets::counted_write(
        c,
        &format!(
            "DELETE FROM voter_districts vd
             USING (SELECT tid, stored_voter_id, stored_district_id FROM {members}
                    WHERE voter_id IS NULL ORDER BY tid) AS x
             WHERE vd.state = ANY($1::text[]) AND vd.ctid = x.tid
               AND vd.voter_id = x.stored_voter_id AND vd.district_id = x.stored_district_id"
        ),
        "vd",
        -1,
        &[&states],
    )
    .await?;
    let set = MEMBER_COLUMNS
        .iter()
        .map(|col| format!("{col} = x.{col}"))
        .collect::<Vec<_>>()
        .join(", ");
    rows += facets::counted_update(
        c,
        &format!(
            "UPDATE voter_districts vd SET {set}
             FROM (SELECT * FROM {members}
                   WHERE tid IS NOT NULL AND voter_id IS NOT NULL ORDER BY tid) AS x
             WHERE vd.state = ANY($1::text[]) AND vd.ctid = x.tid
               AND vd.voter_id = x.voter_id AND vd.district_id = x.district_id"
        ),
        &[
            "stored_district_id",
            "stored_has_cell_phone",
            "stored_has_landline",
            "stored_has_address",
            "stored_voter_status",
            "stored_party",
            "stored_age_range",
        ],
        &[&states],
    )
    .await?;
    rows += facets::counted_write(
        c,
        &format!(
            "INSERT INTO voter_districts AS vd (state, district_id, voter_id, {member})
             SELECT state, district_id, voter_id, {member} FROM {members}
             WHERE tid IS NULL
             ORDER BY 1, 2, 4, 5, 3"
        ),
        "vd",
        1,
        &[],
    )
    .await?;
    if compared == Compared::Scratch {
        // Emptied with the import's commit (a rollback leaves it to the next import to empty).
        c.batch_execute("TRUNCATE voter_import_members")
            .await
            .map_err(pg_error)?;
    }
    Ok(rows)
}
/// States without a stored voter whose partitions cannot be built and swapped (ADR 0012): every staged
/// voter is inserted through the parents.
async fn insert_all(
    c: &Client,
    states: &[&str],
    summary: &mut ImportSummary,
    clock: &mut Clock,
) -> Result<(), StoreError> {
    let data = DATA_COLUMNS.join(", ");
    let data_s = qualified_columns(&DATA_COLUMNS, "s");
    summary.voters_inserted += c
        .execute(
            &format!(
                "INSERT INTO voters (id, state, lal_voter_id, {data}, district_ids)
                 SELECT s.id, s.state, s.lal_voter_id, {data_s}, t.district_ids
                 FROM stage_voters s {JOIN_SET} WHERE s.state = ANY($1::text[])"
            ),
            &[&states],
        )
        .await
        .map_err(pg_error)?;
    c.execute("SELECT voter_data_changed($1::text[])", &[&states])
        .await
        .map_err(pg_error)?;
    clock.phase("voters");
    let member = MEMBER_COLUMNS.join(", ");
    let member_s = qualified_columns(&MEMBER_COLUMNS, "s");
    // In contacts order: the indexes of `voter_districts` then grow mostly at their right edges instead
    // of at random places (about 1.7x faster on a large load).
    summary.memberships_changed += c
        .execute(
            &format!(
                "INSERT INTO voter_districts (state, district_id, voter_id, {member})
                 SELECT s.state, m.district_id, s.id, {member_s}
                 FROM stage_voters s {JOIN_SET} CROSS JOIN LATERAL unnest(t.district_ids) AS m(district_id)
                 WHERE s.state = ANY($1::text[])
                 ORDER BY 1, 2, 4, 5, 3"
            ),
            &[&states],
        )
        .await
        .map_err(pg_error)?;
    clock.phase("new memberships");
    Ok(())
}
