//! The PostgreSQL [`VoterImport`]: one transaction on a dedicated `tokio-postgres` connection (diesel-async
//! has no `COPY FROM`), serialized with the other imports by a transaction-level advisory lock.
//!
//! - [`VoterImport::write`] encodes each batch in PostgreSQL's `COPY` text format (values escaped; never
//!   SQL built from data) and streams it into one `COPY stage_voters FROM STDIN` that stays open across
//!   batches: nothing is buffered beyond the batch in flight. A staged voter carries everything its rows
//!   need — the data columns, `search_text`, the folded sort keys, the hot filter values — and the number
//!   of its *district set*: the districts it is in, as small numbers into a table of the districts seen,
//!   with every set of them numbered once (voters of a precinct share one). Both tables are kept in memory
//!   and staged at commit. Every voter is also put in its state's statewide district (`State`,
//!   [`state_name`] in capitals).
//! - [`VoterImport::commit`] creates the districts that are missing, gives each district set its sorted
//!   district ids (`voters.district_ids`, ADR 0014; a voter's memberships are its set's districts), and
//!   then writes each state of the import one of two ways:
//!   - a state with nothing stored yet gets new partitions: built as standalone tables from the staged
//!     voters, indexed once, and swapped in for the empty partitions just before COMMIT (`build_swap`,
//!     docs/adr/0012-bulk-load-build-and-swap.md), then vacuumed after COMMIT;
//!   - a state that holds voters (or whose partitions a swap could not reproduce) is merged as a diff
//!     (`diff`): the staged voters compared with the stored ones by (`state`, `lal_voter_id`) in one pass,
//!     and only new, changed and — when the import replaces its states ([`ImportOptions`]) — departed
//!     voters written, with their memberships. An existing voter keeps its id; an identical re-import
//!     changes no row. The statement-level triggers of `voter_districts` keep `district_facets` exact.
//!
//!   Both ways store the same rows and facets and report the same [`ImportSummary`].
//! - Dropping the import (or [`VoterImport::abort`]), or any failure before COMMIT, closes the connection
//!   or rolls back: nothing of the import is stored, and the partitions are those of before. A dry run
//!   merges and rolls back (states without voters are only counted), so its summary is the real one.

use crate::errors::pg_error;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::SinkExt;
use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use tokio_postgres::{Client, CopyInSink, NoTls};
use winserve_application::{
    FileBatch, ImportOptions, ImportSummary, StoreError, StoredSources, VoterImport,
};
use winserve_domain::{
    AgeRange, STATEWIDE_L2_TYPE, StateCode, VOTER_COLUMNS, Voter, VoterValue, state_name,
};

mod binary_copy;
mod build_swap;
mod diff;
mod facets;
mod fingerprints;
mod member_comparison;
mod pending_list;
mod phases;
mod stage;
mod unchanged;

use fingerprints::{row_hash, stored_source};
use phases::Clock;
use stage::JOIN_SET;
use unchanged::StoredFingerprints;

/// The advisory lock key that serializes voter imports (`"WsVoters"` in ASCII).
pub const VOTER_IMPORT_LOCK: i64 = 0x5773_566f_7465_7273;

/// The columns of `stage_voters` derived from a voter's columns, after them: the search text, the sort
/// keys, the hot filter values and the bits of the other criteria, and the voter's district set.
const DERIVED_STAGE_COLUMNS: &str = "search_text, last_name_key, first_name_key, has_cell_phone, \
     has_landline, has_address, age_range, attributes, row_hash, source_hash, set_no";

/// The columns of `stage_voters` filled by `COPY`, in order: `n`, the voter columns of the registry
/// ([`VOTER_COLUMNS`]), then [`DERIVED_STAGE_COLUMNS`]; [`encode_voter`] writes them in that order.
static STAGE_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    let voter: Vec<&str> = VOTER_COLUMNS.iter().map(|c| c.name).collect();
    format!("n, {}, {DERIVED_STAGE_COLUMNS}", voter.join(", "))
});

/// Forget what was remembered for the districts of the states `$1` at a version of their voter data
/// older than the current one: totals (ADR 0016) and page anchors (ADR 0018). No reader can use them once
/// the import that bumped the version is committed. Run after COMMIT, so that no row lock on these tables
/// is held through the import (a request remembering a total would wait for it).
const FORGET_SUPERSEDED: [&str; 2] = [
    "DELETE FROM filter_counts c USING districts d
     WHERE d.id = c.district_id AND d.state = ANY($1::text[])
       AND c.data_version < coalesce((SELECT v.version FROM voter_data_versions v WHERE v.state = d.state), 0)",
    "DELETE FROM page_anchors a USING districts d
     WHERE d.id = a.district_id AND d.state = ANY($1::text[])
       AND a.data_version < coalesce((SELECT v.version FROM voter_data_versions v WHERE v.state = d.state), 0)",
];

/// Opens the import's transaction and creates its staging tables; `stage_voters` has the voter columns
/// of the registry ([`VOTER_COLUMNS`]) with their SQL types.
///
/// `READ COMMITTED` whatever the database's default: each statement must see what committed before it —
/// the import that held the lock before this one, and the comparison a second connection commits for
/// this one (`member_comparison`). A snapshot taken before the lock was granted would diff against
/// voters another import has since changed.
static SETUP: LazyLock<String> = LazyLock::new(|| {
    let voter: String = VOTER_COLUMNS
        .iter()
        .map(|c| {
            let null = if c.nullable() { "" } else { " NOT NULL" };
            format!("    {} {}{null},\n", c.name, c.column_type().sql())
        })
        .collect();
    format!(
        "
BEGIN ISOLATION LEVEL READ COMMITTED;
SET LOCAL work_mem = '256MB';
CREATE TEMPORARY TABLE stage_voters (
    n integer NOT NULL,
{voter}    search_text text NOT NULL,
    last_name_key text NOT NULL,
    first_name_key text NOT NULL,
    has_cell_phone boolean NOT NULL,
    has_landline boolean NOT NULL,
    has_address boolean NOT NULL,
    age_range text NOT NULL,
    attributes bigint NOT NULL,
    row_hash bigint NOT NULL,
    source_hash bigint,
    set_no integer NOT NULL
) ON COMMIT DROP;
CREATE TEMPORARY TABLE stage_sets (
    no integer PRIMARY KEY,
    district_ids uuid[]
) ON COMMIT DROP;
CREATE TEMPORARY TABLE stage_districts (
    no integer PRIMARY KEY,
    state text NOT NULL,
    l2_type text NOT NULL,
    l2_name text NOT NULL,
    id uuid
) ON COMMIT DROP;
"
    )
});

/// Appends `value` in `COPY` text format: backslash, tab, newline and carriage return escaped; `None` is
/// `\N`.
fn push_text(out: &mut Vec<u8>, value: Option<&str>) {
    let Some(value) = value else {
        out.extend_from_slice(b"\\N");
        return;
    };
    let bytes = value.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        out.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

fn push_num(out: &mut Vec<u8>, value: Option<impl std::fmt::Display>) {
    match value {
        Some(v) => {
            use std::io::Write;
            // Writing to a Vec cannot fail.
            let _ = write!(out, "{v}");
        }
        None => out.extend_from_slice(b"\\N"),
    }
}

fn push_bool(out: &mut Vec<u8>, value: bool) {
    out.push(if value { b't' } else { b'f' });
}

/// Appends the COPY text form of one staged voter (a line ending with `\n`), in the order of
/// [`STAGE_COLUMNS`], unless `unchanged` says its fingerprint is stored already: then nothing is
/// appended and nothing derived is computed. `source` is the source fingerprint of the file row it was
/// read from, if any. Returns the fingerprint and whether the line was appended.
fn encode_voter(
    out: &mut Vec<u8>,
    n: i32,
    voter: &Voter,
    set_no: i32,
    source: Option<u64>,
    unchanged: impl FnOnce(i64) -> bool,
) -> (i64, bool) {
    let line = out.len();
    let tab = |out: &mut Vec<u8>| out.push(b'\t');
    push_num(out, Some(n));
    let mut columns_from = None;
    for column in &VOTER_COLUMNS {
        tab(out);
        if column.name != "id" && columns_from.is_none() {
            columns_from = Some(out.len());
        }
        match column.value(voter) {
            VoterValue::Uuid(id) => {
                let mut uuid = uuid::Uuid::encode_buffer();
                out.extend_from_slice(id.hyphenated().encode_lower(&mut uuid).as_bytes());
            }
            VoterValue::Text(text) => push_text(out, text),
            VoterValue::Category(name) => push_text(out, Some(name)),
            VoterValue::SmallInt(n) => push_num(out, n),
            VoterValue::Integer(n) => push_num(out, n),
        }
    }
    let hash = row_hash(&out[columns_from.unwrap_or(out.len())..], voter);
    if unchanged(hash) {
        out.truncate(line);
        return (hash, false);
    }
    for t in [
        voter.search_text(),
        voter.last_name_key(),
        voter.first_name_key(),
    ] {
        tab(out);
        push_text(out, Some(&t));
    }
    for b in [
        voter.has_cell_phone(),
        voter.has_landline(),
        voter.has_address(),
    ] {
        tab(out);
        push_bool(out, b);
    }
    tab(out);
    push_text(out, Some(AgeRange::from_age(voter.age).as_str()));
    tab(out);
    push_num(out, Some(voter.attribute_bits()));
    tab(out);
    push_num(out, Some(hash));
    tab(out);
    push_num(out, source.map(stored_source));
    tab(out);
    push_num(out, Some(set_no));
    out.push(b'\n');
    (hash, true)
}

/// A voter import in progress on its own connection; see the module documentation.
pub(crate) struct PgVoterImport {
    client: Client,
    /// Where the import connected: a second connection helps with the diff ([`diff::merge_into_stored`]).
    url: String,
    sink: Option<Pin<Box<CopyInSink<Bytes>>>>,
    /// `(state, l2_type, l2_name)` → the district's number in `stage_districts`.
    districts: HashMap<(String, String, String), i32>,
    /// The statewide district number of each state seen.
    statewide: HashMap<String, i32>,
    /// The sets of districts voters are in (district numbers, sorted) → the set's number in
    /// `stage_sets`. Voters of one precinct share their districts, so there are few sets.
    sets: HashMap<Vec<i32>, i32>,
    options: ImportOptions,
    /// Voters received so far (also the next `n`).
    staged: u64,
    /// Voters sent to `stage_voters` (the others were unchanged, see `unchanged`).
    sent: u64,
    /// The stored fingerprints of each state seen (`None`: the state's voters are all staged); shared
    /// with the file reader's thread ([`VoterImport::stored_sources`]).
    fingerprints: HashMap<String, Option<Arc<StoredFingerprints>>>,
    states: HashSet<String>,
    /// Partitions swapped in by the merge, vacuumed after COMMIT.
    vacuum: Vec<String>,
}

/// Opens a connection to `url` for an import (`application_name` says which of its connections it is).
/// The server checks every 2 s that the client is still there, so a killed import stops its statement
/// and releases its locks instead of running on.
pub(super) async fn connect(url: &str, application_name: &str) -> Result<Client, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| StoreError::unavailable(format!("cannot connect for the import: {e}")))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "voter import connection ended");
        }
    });
    client
        .batch_execute(&format!(
            "SET application_name = '{application_name}'; SET temp_buffers = '256MB';
             SET client_connection_check_interval = '2s'"
        ))
        .await
        .map_err(pg_error)?;
    Ok(client)
}

impl PgVoterImport {
    /// Opens a connection to `url` ([`connect`]), starts the transaction, waits for the import lock, and
    /// creates the staging tables.
    pub(crate) async fn begin(url: &str, options: ImportOptions) -> Result<Self, StoreError> {
        let client = connect(url, "winserve-import").await?;
        client.batch_execute(&SETUP).await.map_err(pg_error)?;
        client
            .execute("SELECT pg_advisory_xact_lock($1)", &[&VOTER_IMPORT_LOCK])
            .await
            .map_err(pg_error)?;
        Ok(Self {
            client,
            url: url.to_owned(),
            sink: None,
            districts: HashMap::new(),
            statewide: HashMap::new(),
            sets: HashMap::new(),
            options,
            staged: 0,
            sent: 0,
            fingerprints: HashMap::new(),
            states: HashSet::new(),
            vacuum: Vec::new(),
        })
    }

    fn district_no(&mut self, state: &str, l2_type: &str, l2_name: &str) -> i32 {
        let next = i32::try_from(self.districts.len()).unwrap_or(i32::MAX);
        // Look up by reference first: district names repeat across most voters.
        if let Some(&no) =
            self.districts
                .get(&(state.to_owned(), l2_type.to_owned(), l2_name.to_owned()))
        {
            return no;
        }
        self.districts.insert(
            (state.to_owned(), l2_type.to_owned(), l2_name.to_owned()),
            next,
        );
        next
    }

    fn statewide_no(&mut self, state: &StateCode) -> i32 {
        if let Some(&no) = self.statewide.get(state.as_str()) {
            return no;
        }
        let name = state_name(state).to_uppercase();
        let no = self.district_no(state.as_str(), STATEWIDE_L2_TYPE, &name);
        self.statewide.insert(state.as_str().to_owned(), no);
        no
    }

    /// Encodes one batch in COPY text format; `sources[i]`, when given, is the source fingerprint of
    /// `voters[i]`.
    fn encode(&mut self, voters: &[Voter], sources: &[u64]) -> Result<Vec<u8>, StoreError> {
        let mut out = Vec::with_capacity(voters.len() * 420);
        let mut nos: Vec<i32> = Vec::with_capacity(16);
        // The district cache per batch: (type, name) borrowed from the voters → number.
        let mut local: HashMap<(&str, &str, &str), i32> = HashMap::new();
        for (i, voter) in voters.iter().enumerate() {
            let n = i32::try_from(self.staged)
                .map_err(|_| StoreError::internal("too many voters in one import"))?;
            self.staged += 1;
            if !self.states.contains(voter.state.as_str()) {
                self.states.insert(voter.state.as_str().to_owned());
            }
            nos.clear();
            nos.push(self.statewide_no(&voter.state));
            for (t, name) in &voter.districts {
                let key = (voter.state.as_str(), t.as_str(), name.as_str());
                let no = match local.get(&key) {
                    Some(&no) => no,
                    None => {
                        let no = self.district_no(key.0, key.1, key.2);
                        local.insert(key, no);
                        no
                    }
                };
                nos.push(no);
            }
            nos.sort_unstable();
            nos.dedup();
            let next = i32::try_from(self.sets.len()).unwrap_or(i32::MAX);
            let set_no = match self.sets.get(&nos) {
                Some(&no) => no,
                None => {
                    self.sets.insert(nos.clone(), next);
                    next
                }
            };
            let stored = self.fingerprints.get(voter.state.as_str());
            let source = sources.get(i).copied();
            let (_, staged) =
                encode_voter(&mut out, n, voter, set_no, source, |hash| match stored {
                    Some(Some(stored)) => stored.match_row(hash, n as u32),
                    _ => false,
                });
            if staged {
                self.sent += 1;
            }
        }
        Ok(out)
    }

    /// Reads the stored fingerprints of the states of `voters` not seen before. The COPY into
    /// `stage_voters` is ended first when it is open (the next batch opens a new one): the connection
    /// runs one statement at a time.
    async fn load_fingerprints<'a>(
        &mut self,
        states: impl Iterator<Item = &'a str>,
    ) -> Result<(), StoreError> {
        let mut new: Vec<&str> = states
            .filter(|s| !self.fingerprints.contains_key(*s))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        new.sort_unstable();
        new.dedup();
        if let Some(mut sink) = self.sink.take() {
            sink.as_mut().finish().await.map_err(pg_error)?;
        }
        for state in new {
            let stored = StoredFingerprints::load(&self.client, state).await?;
            if let Some(stored) = &stored {
                tracing::debug!(
                    state,
                    voters = stored.len(),
                    "voter import: stored fingerprints read"
                );
            }
            self.fingerprints
                .insert(state.to_owned(), stored.map(Arc::new));
        }
        Ok(())
    }

    /// Stages `voters` (with their source fingerprints, when read from a file).
    async fn stage(&mut self, voters: Vec<Voter>, sources: &[u64]) -> Result<(), StoreError> {
        if voters.is_empty() {
            return Ok(());
        }
        self.load_fingerprints(voters.iter().map(|v| v.state.as_str()))
            .await?;
        let data = self.encode(&voters, sources)?;
        drop(voters);
        if data.is_empty() {
            return Ok(());
        }
        if self.sink.is_none() {
            let sink = self
                .client
                .copy_in::<_, Bytes>(&format!(
                    "COPY stage_voters ({}) FROM STDIN",
                    *STAGE_COLUMNS
                ))
                .await
                .map_err(pg_error)?;
            self.sink = Some(Box::pin(sink));
        }
        let Some(sink) = self.sink.as_mut() else {
            return Err(StoreError::internal("the COPY stream is gone"));
        };
        sink.send(Bytes::from(data)).await.map_err(pg_error)
    }

    async fn merge(&mut self) -> Result<ImportSummary, StoreError> {
        let mut clock = Clock::new();
        let mut summary = ImportSummary {
            voters_received: self.staged,
            ..ImportSummary::default()
        };
        if let Some(mut sink) = self.sink.take() {
            sink.as_mut().finish().await.map_err(pg_error)?;
        }
        if self.staged == 0 {
            return Ok(summary);
        }
        let filters: HashMap<&str, &StoredFingerprints> = self
            .fingerprints
            .iter()
            .filter_map(|(state, f)| f.as_deref().map(|f| (state.as_str(), f)))
            .collect();
        let c = &self.client;

        clock.phase("copy");
        tracing::debug!(
            received = self.staged,
            staged = self.sent,
            "voter import: unchanged voters recognised while reading were not staged"
        );
        // (a) Districts.
        let mut keys: Vec<(&(String, String, String), i32)> =
            self.districts.iter().map(|(k, &no)| (k, no)).collect();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        let nos: Vec<i32> = keys.iter().map(|(_, no)| *no).collect();
        let states: Vec<&str> = keys.iter().map(|(k, _)| k.0.as_str()).collect();
        let types: Vec<&str> = keys.iter().map(|(k, _)| k.1.as_str()).collect();
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.2.as_str()).collect();
        c.execute(
            "INSERT INTO stage_districts (no, state, l2_type, l2_name)
             SELECT * FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[])",
            &[&nos, &states, &types, &names],
        )
        .await
        .map_err(pg_error)?;
        summary.districts_created = c
            .execute(
                "INSERT INTO districts (id, state, l2_type, l2_name)
                 SELECT gen_random_uuid(), state, l2_type, l2_name FROM stage_districts
                 ORDER BY state, l2_type, l2_name
                 ON CONFLICT (state, l2_type, l2_name) DO NOTHING",
                &[],
            )
            .await
            .map_err(pg_error)?;
        c.batch_execute(
            "UPDATE stage_districts s SET id = d.id FROM districts d
             WHERE d.state = s.state AND d.l2_type = s.l2_type AND d.l2_name = s.l2_name;
             ANALYZE stage_districts",
        )
        .await
        .map_err(pg_error)?;
        // The district sets, with their districts' ids.
        let (mut set_nos, mut set_districts) = (Vec::new(), Vec::new());
        for (districts, &no) in &self.sets {
            for &district in districts {
                set_nos.push(no);
                set_districts.push(district);
            }
        }
        c.execute(
            "INSERT INTO stage_sets (no, district_ids)
             SELECT m.set_no, array_agg(d.id ORDER BY d.id)
             FROM unnest($1::integer[], $2::integer[]) AS m(set_no, district_no)
             JOIN stage_districts d ON d.no = m.district_no
             GROUP BY m.set_no",
            &[&set_nos, &set_districts],
        )
        .await
        .map_err(pg_error)?;
        c.batch_execute("ANALYZE stage_sets")
            .await
            .map_err(pg_error)?;

        clock.phase("districts");
        // (b) The last row of a voter wins, as if the rows were written one by one. (Files are checked
        // for repeated ids while they are read; this is for other callers, and costs a second at 2M.)
        let duplicates: bool = c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM stage_voters GROUP BY state, lal_voter_id HAVING count(*) > 1)",
                &[],
            )
            .await
            .map_err(pg_error)?
            .get(0);
        clock.phase("duplicates");
        if duplicates {
            c.execute(
                "DELETE FROM stage_voters s USING stage_voters t
                 WHERE t.state = s.state AND t.lal_voter_id = s.lal_voter_id AND t.n > s.n",
                &[],
            )
            .await
            .map_err(pg_error)?;
            clock.phase("dedup");
        }

        // Estimated from its size alone, the staging table would get sorts where hashing is right.
        // Only the columns the statements join, filter and sort on: analyzing all ~45 took half a second
        // per 200k voters.
        c.batch_execute("ANALYZE stage_voters (n, id, state, lal_voter_id, set_no)")
            .await
            .map_err(pg_error)?;
        clock.phase("analyze");

        // (c) States with nothing stored get new partitions, the others the set-wise merge.
        let mut states: Vec<&str> = self.states.iter().map(String::as_str).collect();
        states.sort_unstable();
        if self.options.dry_run {
            return dry_run_new_states(
                c,
                &self.url,
                &states,
                &filters,
                self.options,
                summary,
                &mut clock,
            )
            .await;
        }
        let mut builds = build_swap::prepare(c, &states).await?;
        clock.phase("build: prepare");
        let slow: Vec<&str> = states
            .iter()
            .copied()
            .filter(|s| !builds.iter().any(|b| b.state() == *s))
            .collect();
        if !slow.is_empty() {
            diff::merge_into_stored(
                c,
                Some(&self.url),
                &slow,
                &filters,
                self.options.replace_states,
                false,
                &mut summary,
                &mut clock,
            )
            .await?;
        }
        for build in &mut builds {
            build_swap::fill(c, build, &mut clock).await?;
            summary.voters_inserted += build.voters_inserted;
            summary.memberships_changed += build.memberships_inserted;
        }
        if !builds.is_empty() {
            self.vacuum = build_swap::swap(c, &builds).await?;
            clock.phase("build: swap");
        }
        Ok(summary)
    }
}

/// A dry run: the states without a stored voter would be loaded whole, so their figures are counted from
/// the staged voters instead of building their partitions; the diffs of the other states are built and
/// counted, not written (the caller rolls back what the diff staged).
async fn dry_run_new_states(
    c: &Client,
    url: &str,
    states: &[&str],
    filters: &HashMap<&str, &StoredFingerprints>,
    options: ImportOptions,
    mut summary: ImportSummary,
    clock: &mut Clock,
) -> Result<ImportSummary, StoreError> {
    let mut stored = Vec::new();
    for &state in states {
        if diff::any_stored(c, &[state], diff::StoredVoters::Any).await? {
            stored.push(state);
            continue;
        }
        let row = c
            .query_one(
                &format!(
                    "SELECT count(*), coalesce(sum(cardinality(t.district_ids)), 0)::bigint
                     FROM stage_voters s {JOIN_SET} WHERE s.state = $1"
                ),
                &[&state],
            )
            .await
            .map_err(pg_error)?;
        summary.voters_inserted += u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
        summary.memberships_changed += u64::try_from(row.get::<_, i64>(1)).unwrap_or(0);
    }
    if !stored.is_empty() {
        diff::merge_into_stored(
            c,
            Some(url),
            &stored,
            filters,
            options.replace_states,
            true,
            &mut summary,
            clock,
        )
        .await?;
    }
    Ok(summary)
}

#[async_trait]
impl VoterImport for PgVoterImport {
    async fn write(&mut self, voters: Vec<Voter>) -> Result<(), StoreError> {
        self.stage(voters, &[]).await
    }

    async fn write_file_rows(&mut self, batch: FileBatch) -> Result<(), StoreError> {
        // Rows recognised as unchanged were received: they count, and take their place in the
        // numbering of rows.
        self.staged += batch.unchanged;
        self.stage(batch.voters, &batch.sources).await
    }

    async fn stored_sources(
        &mut self,
        state: &StateCode,
    ) -> Result<Option<Arc<dyn StoredSources>>, StoreError> {
        self.load_fingerprints(std::iter::once(state.as_str()))
            .await?;
        Ok(self
            .fingerprints
            .get(state.as_str())
            .and_then(Option::as_ref)
            .filter(|stored| stored.has_sources())
            .map(|stored| Arc::clone(stored) as Arc<dyn StoredSources>))
    }

    async fn commit(mut self: Box<Self>) -> Result<ImportSummary, StoreError> {
        let summary = self.merge().await?;
        if self.options.dry_run {
            self.client
                .batch_execute("ROLLBACK")
                .await
                .map_err(pg_error)?;
            return Ok(summary);
        }
        self.client
            .batch_execute("COMMIT")
            .await
            .map_err(pg_error)?;
        // Best effort: the import is committed, and what it superseded is only dead rows.
        let states: Vec<&str> = self.states.iter().map(String::as_str).collect();
        for statement in FORGET_SUPERSEDED {
            match self.client.execute(statement, &[&states]).await {
                Ok(rows) => tracing::debug!(rows, "voter import: superseded rows forgotten"),
                Err(e) => {
                    tracing::warn!(error = %e, "voter import: superseded rows were not forgotten")
                }
            }
        }
        if !self.vacuum.is_empty() {
            // Sets the visibility map of the new partitions (about a second for 2M voters), so that
            // index-only scans skip the heap right away instead of after autovacuum. The import is
            // committed; a failure here only leaves that to autovacuum.
            let started = std::time::Instant::now();
            match self
                .client
                .batch_execute(&format!("VACUUM {}", self.vacuum.join(", ")))
                .await
            {
                Ok(()) => tracing::debug!(
                    phase = "vacuum",
                    ms = started.elapsed().as_millis() as u64,
                    "voter import"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "voter import: VACUUM after the import failed")
                }
            }
        }
        Ok(summary)
    }

    async fn abort(mut self: Box<Self>) {
        // Dropping the sink ends the COPY with a failure; then the transaction is rolled back.
        self.sink = None;
        if let Err(e) = self.client.batch_execute("ROLLBACK").await {
            tracing::debug!(error = %e, "voter import rollback failed (the connection closes anyway)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprints::ROW_HASH_KEYS;
    use super::stage::DATA_COLUMNS;
    use super::*;

    #[test]
    fn copy_text_is_escaped() {
        let mut out = Vec::new();
        push_text(&mut out, Some("a\tb\nc\\d\re"));
        assert_eq!(out, b"a\\tb\\nc\\\\d\\re");
        out.clear();
        push_text(&mut out, None);
        assert_eq!(out, b"\\N");
        out.clear();
        push_text(&mut out, Some("\"O'Brien\", Jr"));
        assert_eq!(out, b"\"O'Brien\", Jr");
    }

    /// A voter with something to fold, search, flag and count in every derived column.
    fn sample_voter() -> Voter {
        let mut voter = Voter::unset();
        voter.lal_voter_id = "LALWY123".into();
        voter.first_name = Some("José".into());
        voter.last_name = Some("Núñez-Zoë".into());
        voter.age = Some(41);
        voter.cell_phone = Some("(307) 555-0123".into());
        voter.address.line1 = Some("12 Main St".into());
        voter.address.city = Some("Cheyenne".into());
        voter.address.zip = Some("82001".into());
        voter.gender = winserve_domain::Gender::Female;
        voter
    }

    /// The derived columns of `voter` as staged: the line after the voter's own columns, without the
    /// fingerprints and the district set.
    fn derived_columns(voter: &Voter) -> String {
        let mut out = Vec::new();
        encode_voter(&mut out, 1, voter, 0, Some(7), |_| false);
        let line = String::from_utf8(out).expect("utf-8");
        let fields: Vec<&str> = line.trim_end().split('\t').collect();
        let own = 1 + VOTER_COLUMNS.len();
        fields[own..fields.len() - 3].join("|")
    }

    /// The fingerprint covers a voter's own columns only (ADR 0024), so it stays valid only while every
    /// derived column is computed as it was. When this fails because a derivation changed on purpose,
    /// change `ROW_HASH_KEYS` too, and then the expected value here.
    #[test]
    fn derived_columns_are_pinned() {
        assert_eq!(
            ROW_HASH_KEYS,
            (0x7769_6e73_6572_7665, 0x766f_7465_722d_3032),
            "new fingerprint keys: update the expected derivation below"
        );
        assert_eq!(
            derived_columns(&sample_voter()),
            " jose nunez zoe 12 main st cheyenne 82001 #p3075550123 #l5550123 #x0123 \
             |nunez-zoe|jose|t|f|t|35_49|35219274025026"
        );
    }

    #[test]
    fn an_unchanged_voter_is_not_staged_and_its_fingerprint_ignores_the_id() {
        let voter = sample_voter();
        let mut out = b"earlier line\n".to_vec();
        let (hash, staged) = encode_voter(&mut out, 5, &voter, 2, None, |_| true);
        assert!(!staged);
        assert_eq!(out, b"earlier line\n");
        let mut other = voter.clone();
        other.id = winserve_domain::VoterId::generate();
        let (same, staged) = encode_voter(&mut out, 9, &other, 4, Some(1), |h| {
            assert_eq!(h, hash);
            false
        });
        assert!(staged);
        assert_eq!(same, hash);
        other.districts.push((
            winserve_domain::L2Type::new("City").expect("type"),
            winserve_domain::L2Name::new("CHEYENNE").expect("name"),
        ));
        let (moved, _) = encode_voter(&mut out, 10, &other, 4, None, |_| false);
        assert_ne!(moved, hash);
    }

    #[test]
    fn a_staged_voter_fills_every_stage_column() {
        let mut out = Vec::new();
        encode_voter(&mut out, 7, &Voter::unset(), 3, None, |_| false);
        let line = out.strip_suffix(b"\n").unwrap_or_default();
        assert_eq!(
            line.split(|b| *b == b'\t').count(),
            STAGE_COLUMNS.split(", ").count()
        );
        for column in STAGE_COLUMNS.split(", ") {
            assert!(SETUP.contains(&format!("    {column} ")), "{column}");
        }
        assert!(SETUP.contains("    estimated_income integer,\n"));
        assert!(SETUP.contains("    lal_voter_id text NOT NULL,\n"));
        assert_eq!(
            DATA_COLUMNS.len(),
            VOTER_COLUMNS.len() - stage::KEY_COLUMNS.len() + 5
        );
    }
}
