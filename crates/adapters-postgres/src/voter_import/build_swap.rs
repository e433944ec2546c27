//! The build-and-swap path of the voter import, for the states whose partitions are empty
//! (docs/adr/0012-bulk-load-build-and-swap.md).
//!
//! Inserting millions of rows into `voter_districts` row by row maintains three btree indexes (two of them
//! in random uuid order) and the facet triggers for every row. For a state that holds nothing yet, the
//! import instead fills standalone tables shaped exactly like the state's two partitions, builds their
//! indexes once over the full tables, and swaps them in for the empty partitions at the end — all in the
//! import's transaction, so a failure or an abort leaves the empty partitions as they were.
//!
//! 1. [`prepare`], run under the import lock, keeps the states whose partitions hold no row and would lose
//!    nothing in a swap: each state's partitions are found in the catalog (`pg_inherits` and the bound
//!    `FOR VALUES IN ('XX')`), and anything a swap would not carry over — triggers, rules, grants, storage
//!    parameters, publications, dependent views or keys, row security on the partitions; triggers on the
//!    parents other than the facet triggers, whose effect this path reproduces — sends the state to the
//!    ordinary merge instead (logged at `info`). For each kept state it creates
//!    `voter_import_build_<partition oid>` tables `LIKE` the partitions (defaults, NOT NULLs, CHECK
//!    constraints, storage, compression), checks that their columns match the partitions' exactly, in
//!    order, gives them the partitions' owner and adds `CHECK (state = 'XX')` so that `ATTACH` needs no
//!    validation scan.
//! 2. [`fill`] inserts the staged voters, then their memberships in voter order, builds the indexes of
//!    the parents' partitioned indexes — read from the catalog, so they match exactly; the primary and
//!    unique keys as constraints, which `ATTACH` requires to adopt them — with `maintenance_work_mem`
//!    raised and the server's parallel index builds, analyzes both tables and adds the memberships to
//!    `district_facets` (the facet triggers fire only for rows written through the parent), counted per
//!    district set from the staged voters.
//! 3. [`swap`], just before COMMIT, takes `ACCESS EXCLUSIVE` on both parents (retrying with a short lock
//!    timeout so that waiting for a long reader does not queue every other reader behind the import),
//!    then per state detaches and drops the empty partitions, renames the built tables and their indexes
//!    to the partitions' names, attaches them, drops the temporary CHECK, and verifies that every index of
//!    the new partitions was adopted by a parent index and none was built anew. After COMMIT the import
//!    vacuums the new partitions (`VACUUM`, not in a transaction), which sets their visibility map.

use super::phases::Clock;
use super::stage::{DATA_COLUMNS, JOIN_SET, MEMBER_COLUMNS, qualified_columns};
use crate::errors::pg_error;
use crate::migrate::quote_ident;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;
use winserve_application::StoreError;

/// The triggers on the voter tables whose effect [`fill`] reproduces (`district_facets` and the state's
/// data version):
/// `(table, trigger, function)`, sorted. Any other trigger would be skipped by a swap, so every state then
/// takes the ordinary merge.
const KNOWN_TRIGGERS: [(&str, &str, &str); 6] = [
    (
        "voter_districts",
        "district_facets_delete",
        "district_facets_apply",
    ),
    (
        "voter_districts",
        "district_facets_insert",
        "district_facets_apply",
    ),
    (
        "voter_districts",
        "district_facets_update",
        "district_facets_apply",
    ),
    (
        "voter_districts",
        "voter_data_version_delete",
        "voter_data_version_bump",
    ),
    (
        "voter_districts",
        "voter_data_version_insert",
        "voter_data_version_bump",
    ),
    (
        "voter_districts",
        "voter_data_version_update",
        "voter_data_version_bump",
    ),
];

/// Memory for the index builds of the built tables (this transaction only).
const MAINTENANCE_WORK_MEM: &str = "1GB";

/// How long one attempt to lock the parents for the swap may wait, and how long the whole retrying may
/// take before the swap waits for as long as it takes.
const SWAP_LOCK_TIMEOUT: &str = "500ms";
const SWAP_LOCK_PATIENCE: Duration = Duration::from_secs(120);

/// The parents: `(name, quoted schema-qualified name, why a swap is impossible)`.
const PARENTS_SQL: &str = "
SELECT c.relname::text, format('%I.%I', n.nspname, c.relname),
       CASE
         WHEN pg_get_partkeydef(c.oid) IS DISTINCT FROM 'LIST (state)' THEN 'is not partitioned by LIST (state)'
         WHEN c.relrowsecurity OR c.relforcerowsecurity THEN 'has row-level security'
         WHEN EXISTS (SELECT 1 FROM pg_rewrite r WHERE r.ev_class = c.oid) THEN 'has rules'
         WHEN NOT pg_has_role(c.relowner, 'USAGE') THEN 'is not owned by the importing role'
         WHEN EXISTS (SELECT 1 FROM pg_publication_tables pt
                      WHERE pt.schemaname = n.nspname AND pt.tablename = c.relname)
           THEN 'is published for logical replication'
         WHEN EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND NOT x.indisvalid)
           THEN 'has an index that is not valid'
       END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid IN ('voters'::regclass, 'voter_districts'::regclass)
ORDER BY 1";

/// The user triggers on the parents, as `(table, trigger, function)`.
const TRIGGERS_SQL: &str = "
SELECT c.relname::text, t.tgname::text, p.proname::text
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
WHERE t.tgrelid IN ('voters'::regclass, 'voter_districts'::regclass) AND NOT t.tgisinternal
ORDER BY 1, 2";

/// Per state ($1) and parent: the partition holding exactly that state, and why swapping it is
/// impossible. Dependencies a swap carries over (the row type, the TOAST table, the partition's own CHECK
/// constraints, defaults and indexes, triggers cloned from the parent) are allowed; anything else
/// depending on it is not.
const PARTITIONS_SQL: &str = "
SELECT s.state, p.relname::text, c.oid, n.nspname::text, c.relname::text, pg_get_userbyid(c.relowner)::text,
  CASE
    WHEN c.oid IS NULL THEN 'has no partition holding exactly this state'
    WHEN c.relkind <> 'r' THEN 'is not a plain table'
    WHEN c.relpersistence <> 'p' THEN 'is not a permanent table'
    WHEN c.relam IS DISTINCT FROM (SELECT a.oid FROM pg_am a WHERE a.amname = 'heap')
      THEN 'does not use the heap access method'
    WHEN c.reltablespace <> 0 THEN 'is not in the default tablespace'
    WHEN c.reloptions IS NOT NULL THEN 'has storage parameters'
    WHEN c.relreplident <> 'd' THEN 'has a replica identity of its own'
    WHEN c.relrowsecurity OR c.relforcerowsecurity THEN 'has row-level security'
    WHEN c.relacl IS NOT NULL
         OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL)
      THEN 'has privileges granted on it'
    WHEN NOT pg_has_role(c.relowner, 'USAGE') THEN 'is not owned by the importing role'
    WHEN obj_description(c.oid, 'pg_class') IS NOT NULL THEN 'has a comment'
    WHEN EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid
                 AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = x.indexrelid))
      THEN 'has indexes of its own'
    WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid
                 AND (k.contype NOT IN ('c', 'p', 'u') OR (k.contype <> 'c' AND k.conparentid = 0)))
      THEN 'has key constraints of its own'
    WHEN EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgparentid = 0 AND NOT t.tgisinternal)
      THEN 'has triggers of its own'
    WHEN EXISTS (SELECT 1 FROM pg_depend d
                 WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid
                   AND NOT (d.classid = 'pg_type'::regclass
                         OR d.classid = 'pg_attrdef'::regclass
                         OR (d.classid = 'pg_constraint'::regclass
                             AND EXISTS (SELECT 1 FROM pg_constraint k WHERE k.oid = d.objid AND k.conrelid = c.oid))
                         OR (d.classid = 'pg_class'::regclass
                             AND (d.objid = c.reltoastrelid
                                  OR EXISTS (SELECT 1 FROM pg_index x
                                             WHERE x.indexrelid = d.objid AND x.indrelid = c.oid)))
                         OR (d.classid = 'pg_trigger'::regclass
                             AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.oid = d.objid AND t.tgparentid <> 0))))
      THEN 'has views, keys, policies, statistics or other objects depending on it'
    WHEN EXISTS (SELECT 1 FROM pg_publication_tables pt
                 WHERE pt.schemaname = n.nspname AND pt.tablename = c.relname)
      THEN 'is published for logical replication'
  END
FROM unnest($1::text[]) AS s(state)
CROSS JOIN pg_class p
LEFT JOIN LATERAL (
    SELECT k.* FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid
    WHERE i.inhparent = p.oid AND pg_get_expr(k.relpartbound, k.oid) = format('FOR VALUES IN (%L)', s.state)
) c ON true
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE p.oid IN ('voters'::regclass, 'voter_districts'::regclass)
ORDER BY 1, 2";

/// The states of $1 with a voter or a membership stored.
const POPULATED_SQL: &str = "
SELECT s FROM unnest($1::text[]) AS s
WHERE EXISTS (SELECT 1 FROM voters v WHERE v.state = s)
   OR EXISTS (SELECT 1 FROM voter_districts vd WHERE vd.state = s)";

/// Whether relations $1 and $2 (oids) have the same columns in the same order — name, type, collation,
/// NOT NULL, default, identity, generation, storage, compression — and the same CHECK constraints.
const SAME_SHAPE_SQL: &str = "
WITH shape AS (
    SELECT r.oid,
        (SELECT array_agg(format('%I %s %s %s %s %s %s %s %s', a.attname, format_type(a.atttypid, a.atttypmod),
                                 a.attcollation, a.attnotnull, a.attidentity, a.attgenerated, a.attstorage,
                                 a.attcompression, pg_get_expr(d.adbin, d.adrelid)) ORDER BY a.attnum)
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
        (SELECT array_agg(format('%I %s', k.conname, pg_get_constraintdef(k.oid)) ORDER BY k.conname)
         FROM pg_constraint k WHERE k.conrelid = r.oid AND k.contype = 'c') AS checks
    FROM unnest(ARRAY[$1::oid, $2::oid]) AS r(oid))
SELECT (SELECT columns FROM shape WHERE oid = $1) IS NOT DISTINCT FROM (SELECT columns FROM shape WHERE oid = $2)
   AND (SELECT checks FROM shape WHERE oid = $1) IS NOT DISTINCT FROM (SELECT checks FROM shape WHERE oid = $2)";

/// The partitioned indexes of the parent of partition $1: whether unique, the access method, the
/// definition of the constraint it backs (if any), its definition, the prefix of that definition up to
/// the column list, and the name of the partition's index attached to it.
const INDEXES_SQL: &str = "
SELECT pc.relname::text, x.indisunique, am.amname::text,
       pg_get_constraintdef(k.oid), pg_get_indexdef(x.indexrelid),
       format('CREATE %sINDEX %I ON ONLY %I.%I USING %I (', CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END,
              pc.relname, pn.nspname, parent.relname, am.amname),
       (SELECT ci.relname::text FROM pg_inherits h
        JOIN pg_index cx ON cx.indexrelid = h.inhrelid JOIN pg_class ci ON ci.oid = h.inhrelid
        WHERE h.inhparent = x.indexrelid AND cx.indrelid = $1)
FROM pg_inherits i
JOIN pg_class parent ON parent.oid = i.inhparent
JOIN pg_namespace pn ON pn.oid = parent.relnamespace
JOIN pg_index x ON x.indrelid = parent.oid
JOIN pg_class pc ON pc.oid = x.indexrelid
JOIN pg_am am ON am.oid = pc.relam
LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = parent.oid AND k.contype IN ('p', 'u', 'x')
WHERE i.inhrelid = $1
ORDER BY k.oid IS NULL, pc.relname";

/// Indexes of relation $1 that no partitioned index adopted, and partitioned indexes of its parent
/// without an index of $1 attached.
const UNADOPTED_SQL: &str = "
SELECT (SELECT count(*) FROM pg_index x WHERE x.indrelid = $1
        AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = x.indexrelid)),
       (SELECT count(*) FROM pg_inherits i JOIN pg_index px ON px.indrelid = i.inhparent
        WHERE i.inhrelid = $1
        AND NOT EXISTS (SELECT 1 FROM pg_inherits h JOIN pg_index cx ON cx.indexrelid = h.inhrelid
                        WHERE h.inhparent = px.indexrelid AND cx.indrelid = $1))";

/// A state's partition of one parent, as found in the catalog.
#[derive(Debug, Clone)]
struct Partition {
    oid: u32,
    schema: String,
    name: String,
    owner: String,
    /// The parent, quoted and schema-qualified.
    parent: String,
}

impl Partition {
    fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
}

/// A standalone table being built to replace one empty partition.
#[derive(Debug)]
struct Built {
    partition: Partition,
    /// The table's name (in the partition's schema), later the partition's.
    table: String,
    /// The temporary `CHECK (state = 'XX')`.
    check: String,
    /// The statements building the parent's indexes on the table.
    indexes: Vec<String>,
    /// `(index built, name of the partition's index it replaces)`.
    renames: Vec<(String, String)>,
}

impl Built {
    fn qualified(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.partition.schema),
            quote_ident(&self.table)
        )
    }
}

/// The tables built for one state.
#[derive(Debug)]
pub(super) struct StateBuild {
    state: String,
    voters: Built,
    memberships: Built,
    /// Rows inserted by [`fill`].
    pub(super) voters_inserted: u64,
    pub(super) memberships_inserted: u64,
}

impl StateBuild {
    pub(super) fn state(&self) -> &str {
        &self.state
    }
}

/// The state code as an SQL literal. Codes are validated `[A-Z]{2}` by the domain; anything else never
/// reaches SQL text.
pub(super) fn state_literal(state: &str) -> Result<String, StoreError> {
    if state.len() == 2 && state.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(format!("'{state}'"))
    } else {
        Err(StoreError::internal(format!(
            "unexpected state code {state:?}"
        )))
    }
}

/// Chooses the states of the import (`states`, sorted) that take the build-and-swap path and creates
/// their empty build tables; see the module documentation. Runs under the import lock, so no other
/// import can fill a partition between this check and the swap.
pub(super) async fn prepare(c: &Client, states: &[&str]) -> Result<Vec<StateBuild>, StoreError> {
    let populated: HashSet<String> = c
        .query(POPULATED_SQL, &[&states])
        .await
        .map_err(pg_error)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let empty: Vec<&str> = states
        .iter()
        .copied()
        .filter(|s| !populated.contains(*s))
        .collect();
    if empty.is_empty() {
        return Ok(Vec::new());
    }

    let mut parent_names = Vec::new();
    for row in c.query(PARENTS_SQL, &[]).await.map_err(pg_error)? {
        let (name, qualified, blocker): (String, String, Option<String>) =
            (row.get(0), row.get(1), row.get(2));
        if let Some(why) = blocker {
            tracing::info!(table = %name, reason = %why, "voter import: no build-and-swap, ordinary merge");
            return Ok(Vec::new());
        }
        parent_names.push((name, qualified));
    }
    let triggers: Vec<(String, String, String)> = c
        .query(TRIGGERS_SQL, &[])
        .await
        .map_err(pg_error)?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let known: Vec<(String, String, String)> = KNOWN_TRIGGERS
        .iter()
        .map(|(t, n, f)| ((*t).to_owned(), (*n).to_owned(), (*f).to_owned()))
        .collect();
    if triggers != known {
        tracing::info!(
            ?triggers,
            "voter import: the voter tables have triggers the build-and-swap path does not reproduce; \
             ordinary merge"
        );
        return Ok(Vec::new());
    }
    let parent = |name: &str| {
        parent_names
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, q)| q.clone())
            .ok_or_else(|| StoreError::internal(format!("table {name} not found")))
    };
    let (voters_parent, memberships_parent) = (parent("voters")?, parent("voter_districts")?);

    // (state, voters partition, memberships partition); a state with any blocker is left out.
    let mut candidates: Vec<(String, Option<Partition>, Option<Partition>, bool)> = Vec::new();
    for row in c.query(PARTITIONS_SQL, &[&empty]).await.map_err(pg_error)? {
        let state: String = row.get(0);
        let parent_name: String = row.get(1);
        if candidates.last().is_none_or(|c| c.0 != state) {
            candidates.push((state.clone(), None, None, true));
        }
        let Some(entry) = candidates.last_mut() else {
            continue;
        };
        if let Some(why) = row.get::<_, Option<String>>(6) {
            tracing::info!(%state, table = %parent_name, reason = %why,
                "voter import: the state's partition cannot be swapped; ordinary merge for the state");
            entry.3 = false;
            continue;
        }
        let partition = Partition {
            oid: row.get(2),
            schema: row.get(3),
            name: row.get(4),
            owner: row.get(5),
            parent: if parent_name == "voters" {
                voters_parent.clone()
            } else {
                memberships_parent.clone()
            },
        };
        if parent_name == "voters" {
            entry.1 = Some(partition);
        } else {
            entry.2 = Some(partition);
        }
    }

    let mut builds = Vec::new();
    for (state, voters, memberships, ok) in candidates {
        let (Some(voters), Some(memberships), true) = (voters, memberships, ok) else {
            continue;
        };
        let Some(voters) = create_table(c, voters, &state).await? else {
            continue;
        };
        let Some(memberships) = create_table(c, memberships, &state).await? else {
            c.batch_execute(&format!("DROP TABLE {}", voters.qualified()))
                .await
                .map_err(pg_error)?;
            continue;
        };
        builds.push(StateBuild {
            state,
            voters,
            memberships,
            voters_inserted: 0,
            memberships_inserted: 0,
        });
    }
    if !builds.is_empty() {
        c.batch_execute(&format!(
            "SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'"
        ))
        .await
        .map_err(pg_error)?;
    }
    Ok(builds)
}

/// Creates the empty table that will replace `partition`, or `None` (nothing created) when it cannot
/// match the partition exactly.
async fn create_table(
    c: &Client,
    partition: Partition,
    state: &str,
) -> Result<Option<Built>, StoreError> {
    let table = format!("voter_import_build_{}", partition.oid);
    let mut built = Built {
        check: format!("{table}_state"),
        table,
        partition,
        indexes: Vec::new(),
        renames: Vec::new(),
    };
    let qualified = built.qualified();
    c.batch_execute(&format!(
        "CREATE TABLE {qualified} (LIKE {} INCLUDING ALL EXCLUDING INDEXES)",
        built.partition.qualified()
    ))
    .await
    .map_err(pg_error)?;
    let oid: u32 = c
        .query_one("SELECT $1::text::regclass::oid", &[&qualified])
        .await
        .map_err(pg_error)?
        .get(0);
    let same: bool = c
        .query_one(SAME_SHAPE_SQL, &[&built.partition.oid, &oid])
        .await
        .map_err(pg_error)?
        .get(0);
    if !same {
        let why = format!(
            "LIKE {} gave other columns or constraints",
            built.partition.name
        );
        give_up(c, &qualified, state, &why).await?;
        return Ok(None);
    }

    for (i, row) in c
        .query(INDEXES_SQL, &[&built.partition.oid])
        .await
        .map_err(pg_error)?
        .iter()
        .enumerate()
    {
        let parent_index: String = row.get(0);
        let unique: bool = row.get(1);
        let method: String = row.get(2);
        let constraint: Option<String> = row.get(3);
        let definition: String = row.get(4);
        let prefix: String = row.get(5);
        let Some(partition_index) = row.get::<_, Option<String>>(6) else {
            let why = format!("index {parent_index} has no index on the partition");
            give_up(c, &qualified, state, &why).await?;
            return Ok(None);
        };
        let name = format!("{}_{}", built.table, i + 1);
        let statement = match constraint {
            // A key: added as a constraint, which ATTACH needs to adopt it for the parent's constraint.
            Some(constraint) => format!(
                "ALTER TABLE {qualified} ADD CONSTRAINT {} {constraint}",
                quote_ident(&name)
            ),
            None => {
                let Some(columns) = definition.strip_prefix(&prefix) else {
                    let why = format!("cannot read the definition of index {parent_index}");
                    give_up(c, &qualified, state, &why).await?;
                    return Ok(None);
                };
                format!(
                    "CREATE {}INDEX {} ON {qualified} USING {} ({columns}",
                    if unique { "UNIQUE " } else { "" },
                    quote_ident(&name),
                    quote_ident(&method)
                )
            }
        };
        built.indexes.push(statement);
        built.renames.push((name, partition_index));
    }

    let mut setup = format!(
        "ALTER TABLE {qualified} ADD CONSTRAINT {} CHECK (state = {});",
        quote_ident(&built.check),
        state_literal(state)?
    );
    let owner: String = c
        .query_one("SELECT current_user::text", &[])
        .await
        .map_err(pg_error)?
        .get(0);
    if owner != built.partition.owner {
        setup.push_str(&format!(
            "ALTER TABLE {qualified} OWNER TO {};",
            quote_ident(&built.partition.owner)
        ));
    }
    c.batch_execute(&setup).await.map_err(pg_error)?;
    Ok(Some(built))
}

/// Drops a build table that cannot replace its partition; the state takes the ordinary merge.
async fn give_up(c: &Client, qualified: &str, state: &str, why: &str) -> Result<(), StoreError> {
    tracing::info!(%state, table = %qualified, reason = %why,
        "voter import: cannot build a replacement partition; ordinary merge for the state");
    c.batch_execute(&format!("DROP TABLE {qualified}"))
        .await
        .map_err(pg_error)
}

/// Fills the tables of one state from the staging tables, builds their indexes, analyzes them and adds
/// the memberships to `district_facets`.
pub(super) async fn fill(
    c: &Client,
    build: &mut StateBuild,
    clock: &mut Clock,
) -> Result<(), StoreError> {
    let state = build.state.as_str();
    let voters = build.voters.qualified();
    let memberships = build.memberships.qualified();
    let data = DATA_COLUMNS.join(", ");
    build.voters_inserted = c
        .execute(
            &format!(
                "INSERT INTO {voters} (id, state, lal_voter_id, {data}, district_ids)
                 SELECT s.id, s.state, s.lal_voter_id, {data}, t.district_ids
                 FROM stage_voters s {JOIN_SET} WHERE s.state = $1"
            ),
            &[&state],
        )
        .await
        .map_err(pg_error)?;
    clock.phase("build: voters");
    for (statement, (_, name)) in build.voters.indexes.iter().zip(&build.voters.renames) {
        c.batch_execute(statement).await.map_err(pg_error)?;
        clock.phase(&format!("build: index {name}"));
    }

    let member = MEMBER_COLUMNS.join(", ");
    let member_s = qualified_columns(&MEMBER_COLUMNS, "s");
    // In voter order (sorting the voters, not their rows): a voter's rows share a heap page, which the
    // merge of a later re-import finds by voter, and the builds of the primary key and the voter index
    // get their input nearly sorted. Reads do not depend on the heap order: the partitions are vacuumed
    // after COMMIT, so index-only scans skip the heap.
    build.memberships_inserted = c
        .execute(
            &format!(
                "INSERT INTO {memberships} (state, district_id, voter_id, {member})
                 SELECT s.state, m.district_id, s.id, {member_s}
                 FROM (SELECT state, id, set_no, {member} FROM stage_voters WHERE state = $1 ORDER BY id) AS s
                 {JOIN_SET}
                 CROSS JOIN LATERAL unnest(t.district_ids) AS m(district_id)"
            ),
            &[&state],
        )
        .await
        .map_err(pg_error)?;
    clock.phase("build: memberships");
    for (statement, (_, name)) in build
        .memberships
        .indexes
        .iter()
        .zip(&build.memberships.renames)
    {
        c.batch_execute(statement).await.map_err(pg_error)?;
        clock.phase(&format!("build: index {name}"));
    }

    c.batch_execute(&format!("ANALYZE {voters}; ANALYZE {memberships}"))
        .await
        .map_err(pg_error)?;
    clock.phase("build: analyze");
    // What the facet triggers would have added, had the rows gone through `voter_districts`: the
    // voters counted per district set and hot columns, then per district of each set.
    c.execute(
        "INSERT INTO district_facets AS f
             (district_id, has_cell_phone, has_landline, has_address, voter_status, party, age_range, voters)
         SELECT m.district_id, g.has_cell_phone, g.has_landline, g.has_address, g.voter_status, g.party,
                g.age_range, sum(g.n)::bigint
         FROM (SELECT set_no, has_cell_phone, has_landline, has_address, voter_status, party, age_range,
                      count(*) AS n
               FROM stage_voters WHERE state = $1
               GROUP BY 1, 2, 3, 4, 5, 6, 7) AS g
         JOIN stage_sets t ON t.no = g.set_no
         CROSS JOIN LATERAL unnest(t.district_ids) AS m(district_id)
         GROUP BY 1, 2, 3, 4, 5, 6, 7
         ORDER BY 1, 2, 3, 4, 5, 6, 7
         ON CONFLICT ON CONSTRAINT district_facets_pkey DO UPDATE SET voters = f.voters + excluded.voters",
        &[&state],
    )
    .await
    .map_err(pg_error)?;
    // What the data version triggers would have done: a new version of the state's voter data, so no
    // total remembered for the empty partition is reused (ADR 0016).
    c.execute("SELECT voter_data_changed(ARRAY[$1::text])", &[&state])
        .await
        .map_err(pg_error)?;
    clock.phase("build: facets");
    Ok(())
}

/// Takes `ACCESS EXCLUSIVE` on both parents: attempts bounded by [`SWAP_LOCK_TIMEOUT`] (each rolled back
/// to a savepoint when it times out) for [`SWAP_LOCK_PATIENCE`], then one attempt without a timeout.
async fn lock_parents(c: &Client, voters: &str, memberships: &str) -> Result<(), StoreError> {
    let lock = format!("LOCK TABLE ONLY {voters}, ONLY {memberships} IN ACCESS EXCLUSIVE MODE");
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    let mut attempts = 0u32;
    while started.elapsed() < SWAP_LOCK_PATIENCE {
        attempts += 1;
        c.batch_execute(&format!(
            "SAVEPOINT voter_import_swap; SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'"
        ))
        .await
        .map_err(pg_error)?;
        match c.batch_execute(&lock).await {
            Ok(()) => {
                c.batch_execute(
                    "RELEASE SAVEPOINT voter_import_swap; SET LOCAL lock_timeout TO DEFAULT",
                )
                .await
                .map_err(pg_error)?;
                return Ok(());
            }
            Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
                c.batch_execute(
                    "ROLLBACK TO SAVEPOINT voter_import_swap; RELEASE SAVEPOINT voter_import_swap",
                )
                .await
                .map_err(pg_error)?;
                tracing::debug!(
                    attempts,
                    "voter import: the voter tables are in use; retrying the swap"
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(pg_error(e)),
        }
    }
    tracing::warn!(
        attempts,
        "voter import: the voter tables stayed in use; waiting for the swap lock"
    );
    c.batch_execute(&lock).await.map_err(pg_error)
}

/// Replaces the empty partitions with the built tables; see the module documentation. Runs last, just
/// before COMMIT: from the first lock on, every query on the voter tables waits for the import to end.
/// Returns the new partitions, quoted and schema-qualified, for the VACUUM after COMMIT.
pub(super) async fn swap(c: &Client, builds: &[StateBuild]) -> Result<Vec<String>, StoreError> {
    let Some(first) = builds.first() else {
        return Ok(Vec::new());
    };
    lock_parents(
        c,
        &first.voters.partition.parent,
        &first.memberships.partition.parent,
    )
    .await?;
    for build in builds {
        let (old_voters, old_memberships) = (
            build.voters.partition.qualified(),
            build.memberships.partition.qualified(),
        );
        // Nothing writes a partition directly, and imports hold the import lock; but a row written
        // around both would be dropped with the partition, so check once more under the lock.
        c.batch_execute(&format!(
            "LOCK TABLE {old_voters}, {old_memberships} IN ACCESS EXCLUSIVE MODE"
        ))
        .await
        .map_err(pg_error)?;
        let written: bool = c
            .query_one(
                &format!(
                    "SELECT EXISTS (SELECT 1 FROM ONLY {old_voters})
                         OR EXISTS (SELECT 1 FROM ONLY {old_memberships})"
                ),
                &[],
            )
            .await
            .map_err(pg_error)?
            .get(0);
        if written {
            return Err(StoreError::internal(format!(
                "voters of {} were written outside the import while it ran; nothing was imported",
                build.state
            )));
        }
        for built in [&build.voters, &build.memberships] {
            swap_one(c, built, &build.state).await?;
        }
    }
    Ok(builds
        .iter()
        .flat_map(|b| {
            [
                b.voters.partition.qualified(),
                b.memberships.partition.qualified(),
            ]
        })
        .collect())
}

async fn swap_one(c: &Client, built: &Built, state: &str) -> Result<(), StoreError> {
    let partition = &built.partition;
    let parent = &partition.parent;
    let old = partition.qualified();
    let mut sql = format!(
        "ALTER TABLE {parent} DETACH PARTITION {old};
         DROP TABLE {old};
         ALTER TABLE {} RENAME TO {};",
        built.qualified(),
        quote_ident(&partition.name)
    );
    let schema = quote_ident(&partition.schema);
    for (index, name) in &built.renames {
        sql.push_str(&format!(
            "ALTER INDEX {schema}.{} RENAME TO {};",
            quote_ident(index),
            quote_ident(name)
        ));
    }
    // The CHECK implies the partition constraint, so ATTACH does not scan the table; it is not needed
    // afterwards (the partition constraint says the same), and dropping it leaves the partition as the
    // migrations create it.
    sql.push_str(&format!(
        "ALTER TABLE {parent} ATTACH PARTITION {old} FOR VALUES IN ({});
         ALTER TABLE {old} DROP CONSTRAINT {};",
        state_literal(state)?,
        quote_ident(&built.check)
    ));
    c.batch_execute(&sql).await.map_err(pg_error)?;
    let oid: u32 = c
        .query_one("SELECT $1::text::regclass::oid", &[&old])
        .await
        .map_err(pg_error)?
        .get(0);
    let row = c
        .query_one(UNADOPTED_SQL, &[&oid])
        .await
        .map_err(pg_error)?;
    let (extra, missing): (i64, i64) = (row.get(0), row.get(1));
    if extra != 0 || missing != 0 {
        return Err(StoreError::internal(format!(
            "attaching {} did not adopt the prebuilt indexes ({extra} left over, {missing} missing)",
            partition.name
        )));
    }
    Ok(())
}
