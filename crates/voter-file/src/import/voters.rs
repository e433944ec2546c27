//! `winserve import voters FILE.csv`: an L2-style voter file (interfaces.md "File formats", voters.csv).
//!
//! The known voter columns ([`KNOWN_COLUMNS`]) may appear in any order; every other column is an L2 district
//! type whose non-empty cells name the voter's district of that type in the voter's state. The file is read
//! as a stream ([`VoterFileReader`]) so that a loader can store it in batches ([`read_voters`]) without
//! holding it in memory.

use super::raw_records::RawRecords;
use super::{ImportError, ImportReport, RejectsWriter, RowError};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::sync::Arc;
use winserve_application::{FileBatch, StoredSources};
use winserve_domain::{
    L2_HEADERS, L2Name, L2Type, LAL_VOTER_ID_HEADER, StateCode, VOTER_COLUMNS, Voter, VoterColumn,
    VoterId,
};

pub use winserve_domain::{MAX_AGE, MAX_VOTER_ID_LEN};

/// The voter columns the importer knows — the voter-file headers of the registry
/// ([`winserve_domain::VOTER_COLUMNS`]), in its order; every other column is an L2 district type.
pub const KNOWN_COLUMNS: [&str; L2_HEADERS.len()] = L2_HEADERS;

/// The registry's column whose voter-file header is `header`, compared with `eq`, and its position.
fn known_column(header: &str, eq: impl Fn(&str, &str) -> bool) -> Option<usize> {
    VOTER_COLUMNS
        .iter()
        .position(|c| c.l2.is_some_and(|l2| eq(l2.header, header)))
}

/// A known column's voter-file header.
fn header_of(column: &VoterColumn) -> &'static str {
    column.l2.map_or(column.name, |l2| l2.header)
}

/// The layout of a voter file, read from its header: where each known column is and which columns are
/// districts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterHeader {
    /// The number of columns every row must have.
    width: usize,
    /// For each voter column of the registry ([`winserve_domain::VOTER_COLUMNS`]), its index in the file,
    /// if present.
    known: [Option<usize>; VOTER_COLUMNS.len()],
    /// The district columns: index in the file and district type.
    districts: Vec<(usize, L2Type)>,
}

impl VoterHeader {
    /// Reads the header record (line 1). Known columns are matched ignoring ASCII case and surrounding
    /// blanks; names must be unique (ignoring case); `LALVOTERID` and `State` must be present; every other
    /// name must be a valid [`L2Type`].
    pub fn from_header(record: &csv::StringRecord) -> Result<VoterHeader, RowError> {
        let err = |column: &str, reason: String| RowError {
            line: 1,
            column: column.to_owned(),
            reason,
        };
        let mut known = [None; VOTER_COLUMNS.len()];
        let mut districts = Vec::new();
        let mut seen = HashSet::with_capacity(record.len());
        for (index, raw) in record.iter().enumerate() {
            let name = raw.trim_start_matches('\u{feff}').trim();
            let shown = if name.is_empty() {
                format!("#{}", index + 1)
            } else {
                name.to_owned()
            };
            if !seen.insert(name.to_ascii_lowercase()) {
                return Err(err(&shown, "duplicate column name".into()));
            }
            match known_column(name, str::eq_ignore_ascii_case) {
                Some(k) => known[k] = Some(index),
                None => {
                    let l2_type = L2Type::new(name).map_err(|e| {
                        err(
                            &shown,
                            format!(
                                "is neither a voter column nor a valid L2 district type ({})",
                                e.message
                            ),
                        )
                    })?;
                    districts.push((index, l2_type));
                }
            }
        }
        for (column, index) in VOTER_COLUMNS.iter().zip(&known) {
            if column.required_in_file() && index.is_none() {
                return Err(err(header_of(column), "required column is missing".into()));
            }
        }
        Ok(VoterHeader {
            width: record.len(),
            known,
            districts,
        })
    }

    /// The number of columns every row must have.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The index of a known column (one of [`KNOWN_COLUMNS`], exact spelling), if the file has it.
    pub fn index_of(&self, column: &str) -> Option<usize> {
        self.known[known_column(column, |a, b| a == b)?]
    }

    /// The district columns: index in the file and district type, in file order.
    pub fn districts(&self) -> &[(usize, L2Type)] {
        &self.districts
    }

    /// Validates one data record (`line` is its 1-based line number) and maps it to a [`Voter`] with a
    /// fresh id (the database keeps the existing id of a voter it already has). Duplicates across rows are
    /// not checked here (see [`VoterFileReader`]).
    pub fn parse_row(&self, record: &csv::StringRecord, line: u64) -> Result<Voter, RowError> {
        self.parse(record, line, None)
    }

    /// [`Self::parse_row`], cleaning district names through `names` when given.
    fn parse(
        &self,
        record: &csv::StringRecord,
        line: u64,
        mut names: Option<&mut NameCache>,
    ) -> Result<Voter, RowError> {
        let err = |column: &str, reason: String| RowError {
            line,
            column: column.to_owned(),
            reason,
        };
        if record.len() != self.width {
            return Err(err(
                "*",
                format!("expected {} columns, found {}", self.width, record.len()),
            ));
        }
        // Every voter column the file may carry is read, an absent one as an empty cell.
        let mut voter = Voter::unset();
        for (column, index) in VOTER_COLUMNS.iter().zip(&self.known) {
            if column.l2.is_none() {
                continue;
            }
            let cell = index.and_then(|i| record.get(i)).unwrap_or("").trim();
            column
                .read_l2(&mut voter, cell)
                .map_err(|reason| err(header_of(column), reason))?;
        }
        voter.id = VoterId::generate();

        let mut districts = Vec::with_capacity(self.districts.len());
        for (position, (index, l2_type)) in self.districts.iter().enumerate() {
            let value = record.get(*index).unwrap_or("").trim();
            if value.is_empty() {
                continue;
            }
            let name = match names.as_deref_mut() {
                Some(cache) => cache.clean(position, value),
                None => L2Name::new(value),
            }
            .map_err(|e| err(l2_type.as_str(), e.message))?;
            districts.push((l2_type.clone(), name));
        }

        voter.districts = districts;
        Ok(voter)
    }
}

/// Recently cleaned district names, per district column: district values repeat across many voters, and
/// cleaning a name costs more than looking it up.
struct NameCache {
    columns: Vec<HashMap<Box<str>, L2Name>>,
}

impl NameCache {
    /// The most names remembered per column; a full column's memory is cleared.
    const CAPACITY: usize = 4096;

    fn new(columns: usize) -> Self {
        Self {
            columns: (0..columns).map(|_| HashMap::new()).collect(),
        }
    }

    /// `L2Name::new(value)` for the district column at `position` of [`VoterHeader::districts`].
    fn clean(
        &mut self,
        position: usize,
        value: &str,
    ) -> Result<L2Name, winserve_domain::InvalidValue> {
        let Some(memory) = self.columns.get_mut(position) else {
            return L2Name::new(value);
        };
        if let Some(name) = memory.get(value) {
            return Ok(name.clone());
        }
        let name = L2Name::new(value)?;
        if memory.len() >= Self::CAPACITY {
            memory.clear();
        }
        memory.insert(value.into(), name.clone());
        Ok(name)
    }
}

/// The keys of the rows' source fingerprints ([`source_of`]). The second names the fingerprint's and the
/// parser's version: change it whenever a row's cells would be parsed into a different voter (a new
/// spelling mapped, a value cleaned differently) — stored source fingerprints then match nothing, and the
/// next import of each state compares its rows by their parsed fingerprints instead. `parsing_is_pinned`
/// fails when parsing changes. Version 2 (ADR 0033) fingerprints the row's bytes instead of its cells.
const SOURCE_KEYS: (u64, u64) = (0x736f_7572_6365_2d72, 0x7061_7273_6572_2d32);

/// The source fingerprint of a record (ADR 0029, ADR 0033): SipHash-1-3 of the file's header digest and
/// of the record's bytes as they are in the file, without the LF that ends it or a CR before that. Two
/// rows with the same fingerprint, under headers with the same digest, are parsed into the same voter
/// (but the fresh id); finding the bytes needs no parsing of a row without quotes ([`RawRecords`]).
fn source_of(header_digest: u64, bytes: &[u8]) -> u64 {
    let mut hasher = siphasher::sip::SipHasher13::new_with_keys(SOURCE_KEYS.0, SOURCE_KEYS.1);
    hasher.write_u64(header_digest);
    hasher.write(without_cr(bytes));
    hasher.finish()
}

/// The `LALVOTERID` cell `key_id` as the id table keeps it (a cell that is not UTF-8 never gets here:
/// see `take_key_cells`).
fn trimmed_id(key_id: &[u8]) -> &str {
    std::str::from_utf8(key_id).unwrap_or_default().trim()
}

/// `bytes` without a final CR.
fn without_cr(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// A hasher for keys that are already uniformly random 64-bit fingerprints: uses them as they are.
#[derive(Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The `LALVOTERID`s seen so far with the line of each, held in 16 bytes per id (plus the table's
/// control byte) so that the reader's memory stays small next to the file: a 2M-voter file needs ~70 MB,
/// a 5M one ~140 MB.
///
/// An id is kept as a 96-bit keyed fingerprint (keys drawn per file): the low 64 bits are the table's key,
/// the next 32 bits and the line (as `u32`) its value. Two different ids share 96 bits with a probability
/// around 10⁻¹⁶ in a 5M-voter file; two that share only the key go to a small overflow table, so they are
/// not taken for duplicates.
struct SeenIds {
    /// SipHash-1-3 keys, drawn per file.
    keys: (u64, u64),
    lines: HashMap<u64, (u32, u32), BuildHasherDefault<FingerprintHasher>>,
    overflow: HashMap<u128, u64>,
    /// Whether the table was sized from the file's length yet.
    sized: bool,
}

/// Rows read before the table is sized from the mean row length seen.
const ROWS_BEFORE_SIZING: usize = 2048;

impl SeenIds {
    fn new() -> Self {
        Self {
            keys: (
                RandomState::new().hash_one(0u64),
                RandomState::new().hash_one(1u64),
            ),
            lines: HashMap::default(),
            overflow: HashMap::new(),
            sized: false,
        }
    }

    /// Sizes the table once for the rows the file will have, estimated from the bytes the first rows
    /// took: growing by doubling would hold the old and the new table at once near the end of a large file.
    fn size_for(&mut self, bytes_read: u64, file_len: u64) {
        if self.sized || self.lines.len() < ROWS_BEFORE_SIZING {
            return;
        }
        self.sized = true;
        let per_row = (bytes_read / self.lines.len() as u64).max(1);
        let expected = file_len / per_row + file_len / per_row / 16;
        let more = usize::try_from(expected)
            .unwrap_or(usize::MAX)
            .saturating_sub(self.lines.len());
        // A failed reservation only means the table grows as it goes.
        let _ = self.lines.try_reserve(more);
    }

    /// One 128-bit hash of `id`: the table's key (the low half) and the high half, whose top bits are the
    /// check.
    fn hash(&self, id: &str) -> (u64, u64) {
        let mut hasher = siphasher::sip128::SipHasher13::new_with_keys(self.keys.0, self.keys.1);
        hasher.write(id.as_bytes());
        let siphasher::sip128::Hash128 { h1: low, h2: high } =
            siphasher::sip128::Hasher128::finish128(&hasher);
        (low, high)
    }

    /// Forgets `id`, recorded at `line` (a row recorded before it was parsed, then found invalid).
    fn forget(&mut self, id: &str, line: u64) {
        let (low, high) = self.hash(id);
        let recorded = (u32::try_from(line).unwrap_or(u32::MAX), (high >> 32) as u32);
        if self.lines.get(&low) == Some(&recorded) {
            self.lines.remove(&low);
        } else {
            let full = (u128::from(high) << 64) | u128::from(low);
            if self.overflow.get(&full) == Some(&line) {
                self.overflow.remove(&full);
            }
        }
    }

    /// Records `id` at `line`; the line of its first occurrence if it was already seen.
    fn insert(&mut self, id: &str, line: u64) -> Option<u64> {
        let (low, high) = self.hash(id);
        let check = (high >> 32) as u32;
        let short_line = u32::try_from(line).unwrap_or(u32::MAX);
        match self.lines.entry(low) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((short_line, check));
                None
            }
            std::collections::hash_map::Entry::Occupied(first) if first.get().1 == check => {
                Some(u64::from(first.get().0))
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                let full = (u128::from(high) << 64) | u128::from(low);
                match self.overflow.entry(full) {
                    std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(line);
                        None
                    }
                }
            }
        }
    }
}

/// A state's stored source fingerprints, `None` when its rows are all parsed.
type Answer = Option<Arc<dyn StoredSources>>;

/// The stored source fingerprints by `State` cell as it is in the file (`None`: that state's rows are
/// all parsed): a few states, looked up once a row, so a list that tries the state found last first.
#[derive(Default)]
struct StateSources {
    states: Vec<(Vec<u8>, Answer)>,
    last: std::cell::Cell<usize>,
}

impl StateSources {
    fn get(&self, state: &[u8]) -> Option<&Answer> {
        if let Some((cell, stored)) = self.states.get(self.last.get())
            && cell.as_slice() == state
        {
            return Some(stored);
        }
        let at = self
            .states
            .iter()
            .position(|(cell, _)| cell.as_slice() == state)?;
        self.last.set(at);
        Some(&self.states[at].1)
    }

    fn contains_key(&self, state: &[u8]) -> bool {
        self.get(state).is_some()
    }

    /// Adds `state`'s answer (each state is answered once).
    fn insert(&mut self, state: Vec<u8>, stored: Answer) {
        self.states.push((state, stored));
    }
}

/// One data row of a voter file, as read by [`VoterFileReader::next_row`].
#[derive(Debug)]
pub struct VoterRow<'a> {
    /// The 1-based line the row starts on (the header is line 1).
    pub line: u64,
    /// The row's source fingerprint (see [`VoterFileReader::recognise_unchanged`]).
    pub source: u64,
    /// The row as it was (a CRLF line ending is not part of it; invalid UTF-8 is replaced by U+FFFD).
    pub record: &'a csv::StringRecord,
    /// The voter, or why the row is invalid (including a `LALVOTERID` already seen on an earlier valid row).
    pub result: Result<Voter, RowError>,
}

/// Reads a voter file as a stream of validated rows, reusing one record buffer.
///
/// Lines end with LF or CRLF; blank lines are skipped; quoted fields may span lines (the reported line is
/// the one the row starts on).
pub struct VoterFileReader {
    path: String,
    records: RawRecords,
    header: csv::StringRecord,
    columns: VoterHeader,
    /// The current record; `None` only transiently while reading.
    current: Option<csv::StringRecord>,
    /// Scratch space for dropping a CR from the last field.
    scratch: Vec<u8>,
    /// The bytes of input: the file and the LF added after it.
    input_len: u64,
    seen: SeenIds,
    names: NameCache,
    /// The fingerprint of the header, part of every row's source fingerprint.
    header_digest: u64,
    /// Where `State` and `LALVOTERID` are.
    state_index: Option<usize>,
    lal_index: Option<usize>,
    /// The `State` and `LALVOTERID` cells of the last record read ([`Self::take_key_cells`]).
    key_state: Vec<u8>,
    key_id: Vec<u8>,
    /// Asks for the stored source fingerprints of a state the file has (see
    /// [`Self::recognise_unchanged`]).
    lookup: Option<SourcesLookup>,
    /// The stored source fingerprints by `State` cell as it is in the file (`None`: that state's rows
    /// are all parsed), once the import answered.
    sources: StateSources,
    /// The state whose stored source fingerprints were asked for and have not come yet.
    awaited: Option<Awaited>,
    /// Rows of the awaited state read meanwhile, in file order, and that state's `State` cell.
    deferred: std::collections::VecDeque<Deferred>,
    deferred_state: Vec<u8>,
    /// Whether the deferred rows were recognised, and those left are being read again in turn: no row
    /// is deferred meanwhile.
    draining: bool,
    /// A row read after deferred ones that cannot be deferred: it waits for them.
    held: Option<ToParse>,
    /// Whether the main reader reached the end of the file.
    finished: bool,
    /// Reads deferred rows again, by their offset, when they have to be parsed.
    rereader: Option<RawRecords>,
    /// Rows recognised as stored unchanged and not returned, since the last [`Self::take_unchanged`].
    unchanged: u64,
    /// The line of an earlier row with the current row's `LALVOTERID`, when the recognition looked the
    /// id up already.
    duplicate_of: Option<u64>,
}

/// Gives the stored source fingerprints of a state, when its unchanged rows can be recognised: the answer
/// comes through the receiver, so that the reader goes on reading while the import fetches them (a
/// closed channel is the answer `None`).
pub type SourcesLookup = Box<dyn FnMut(&StateCode) -> SourcesAnswer + Send>;

/// Where the answer of a [`SourcesLookup`] comes.
pub type SourcesAnswer = std::sync::mpsc::Receiver<Option<Arc<dyn StoredSources>>>;

/// A state whose stored source fingerprints are on their way.
struct Awaited {
    state: Vec<u8>,
    answer: SourcesAnswer,
    /// Rows read since the answer was last looked for.
    unpolled: u32,
}

/// The answer is looked for once in this many rows: a look at the channel costs more than reading a
/// row that will be deferred, and the answer waits at most a fraction of a millisecond.
const ROWS_PER_POLL: u32 = 256;

/// A row of the awaited state, read before its stored source fingerprints came: 24 bytes instead of
/// the row, read again only if it has to be parsed.
struct Deferred {
    /// Where the row starts in the file.
    offset: u64,
    source: u64,
    /// The row's line, with [`REPEAT`] set when an earlier row had the same `LALVOTERID` (the id is
    /// recorded when the row is deferred; a repeat is looked up again when it is parsed).
    line: u64,
}

/// The flag of [`Deferred::line`] that marks a repeated id.
const REPEAT: u64 = 1 << 63;

/// The [`Deferred::offset`] of a row recognised as stored unchanged (no row starts there).
const RECOGNISED: u64 = u64::MAX;

/// Once a state's answer is in, its rows are still deferred, this many at a time, and recognised
/// together ([`VoterFileReader::recognise_deferred`]): looked up one by one, each waits for memory.
const BATCH_ROWS: usize = 1 << 16;

/// At most this many rows are deferred (48 MB); then the reader waits for the answer. Enough for the
/// rows of a 2M-voter state read while its fingerprints load.
const DEFERRED_ROWS: usize = 1 << 21;

/// A row to parse, as read.
struct ToParse {
    raw: csv::ByteRecord,
    line: u64,
    source: u64,
    error: Option<String>,
    id: IdSeen,
}

/// What the reader knows of a row's `LALVOTERID` before the row is parsed.
#[derive(Clone, Copy)]
enum IdSeen {
    /// Not looked up: recorded when the row turns out valid.
    NotYet,
    /// Recorded for this row when it was deferred: forgotten again if the row is invalid.
    Recorded,
    /// A repeat of the row on that line.
    RepeatOf(u64),
}

impl VoterFileReader {
    /// Opens `path` and reads its header: [`ImportError::Io`] if it cannot be read,
    /// [`ImportError::Invalid`] (line 1) if the header is not a valid voter-file header.
    pub fn open(path: &str) -> Result<Self, ImportError> {
        let io = |e: &dyn std::fmt::Display| ImportError::Io {
            path: path.to_owned(),
            reason: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(|e| io(&e))?;
        let input_len = file.metadata().map_err(|e| io(&e))?.len() + 1;
        let mut records = RawRecords::new(file, 1 << 20);
        let mut raw = csv::ByteRecord::new();
        let header_digest = match records.next_record().map_err(|e| io(&e))? {
            Some(found) => {
                records.cells(&found, &mut raw);
                source_of(0, records.bytes())
            }
            None => source_of(0, b""),
        };
        strip_cr(&mut raw, &mut Vec::new());
        let header = csv::StringRecord::from_byte_record(raw).map_err(|e| {
            ImportError::Invalid(RowError {
                line: 1,
                column: "*".into(),
                reason: format!("invalid UTF-8 in field {}", e.utf8_error().field() + 1),
            })
        })?;
        let columns = VoterHeader::from_header(&header).map_err(ImportError::Invalid)?;
        let index_of = |name: &str| {
            VOTER_COLUMNS
                .iter()
                .position(|c| c.name == name)
                .and_then(|k| columns.known[k])
        };
        let (state_index, lal_index) = (index_of("state"), index_of("lal_voter_id"));
        Ok(Self {
            header_digest,
            state_index,
            lal_index,
            key_state: Vec::new(),
            key_id: Vec::new(),
            lookup: None,
            sources: StateSources::default(),
            awaited: None,
            // Reserved, not touched: pages are used as rows are deferred, and the queue never moves.
            deferred: std::collections::VecDeque::with_capacity(DEFERRED_ROWS),
            deferred_state: Vec::new(),
            held: None,
            draining: false,
            finished: false,
            rereader: None,
            unchanged: 0,
            duplicate_of: None,
            path: path.to_owned(),
            records,
            header,
            current: Some(csv::StringRecord::new()),
            scratch: Vec::new(),
            input_len,
            seen: SeenIds::new(),
            names: NameCache::new(columns.districts.len()),
            columns,
        })
    }

    fn io_error(&self, reason: impl std::fmt::Display) -> ImportError {
        ImportError::Io {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Recognise rows stored unchanged (ADR 0029): the first valid row of each state asks `lookup` for
    /// that state's stored source fingerprints; a later row of the state whose source fingerprint is
    /// among them — and whose `LALVOTERID` is not a repeat — is counted ([`Self::take_unchanged`]) and
    /// not returned: it is neither checked nor parsed, since the same cells under the same header were
    /// parsed and stored before. Until the answer comes, the state's rows are read on and deferred (their
    /// offset, line and source fingerprint kept); then each is recognised, or read again and parsed, in
    /// file order.
    pub fn recognise_unchanged(&mut self, lookup: SourcesLookup) {
        self.lookup = Some(lookup);
    }

    /// The rows recognised as unchanged since the last call.
    pub fn take_unchanged(&mut self) -> u64 {
        std::mem::take(&mut self.unchanged)
    }

    /// Copies the `State` and `LALVOTERID` cells of the last record read into `key_state` and `key_id`
    /// (`cells`: its cells, when a quote made them parsed already): `false` when it lacks either, when
    /// parsed cells are not the header's width, or when the id is not UTF-8. An unquoted row's width is
    /// not counted: a row is recognised only by bytes that were stored under the same header, and a
    /// deferred row of another width fails when it is parsed, in its turn.
    fn take_key_cells(&mut self, cells: Option<&csv::ByteRecord>) -> bool {
        let (Some(state_at), Some(lal_at)) = (self.state_index, self.lal_index) else {
            return false;
        };
        self.key_state.clear();
        self.key_id.clear();
        match cells {
            Some(raw) => {
                let (Some(state), Some(id)) = (raw.get(state_at), raw.get(lal_at)) else {
                    return false;
                };
                if raw.len() != self.columns.width {
                    return false;
                }
                self.key_state.extend_from_slice(state);
                self.key_id.extend_from_slice(id);
            }
            None => {
                let mut wanted = 2;
                for (i, cell) in without_cr(self.records.bytes())
                    .split(|&b| b == b',')
                    .enumerate()
                {
                    if i == state_at {
                        self.key_state.extend_from_slice(cell);
                        wanted -= 1;
                    }
                    if i == lal_at {
                        self.key_id.extend_from_slice(cell);
                        wanted -= 1;
                    }
                    if wanted == 0 {
                        break;
                    }
                }
                if wanted > 0 {
                    return false;
                }
            }
        }
        std::str::from_utf8(&self.key_id).is_ok()
    }

    /// Whether the row whose key cells were taken (line `line`) is stored unchanged; records its id when
    /// that was looked at.
    fn is_stored_unchanged(&mut self, source: u64, line: u64) -> bool {
        let Some(Some(stored)) = self.sources.get(self.key_state.as_slice()) else {
            return false;
        };
        let Some(found) = stored.find(source) else {
            return false;
        };
        let id = trimmed_id(&self.key_id);
        let first = self.seen.insert(id, line);
        if first.is_some() {
            self.duplicate_of = first;
            return false;
        }
        stored.mark_present(found);
        true
    }

    /// Defers the row whose key cells were taken (its id is recorded now) when it is a row of the
    /// awaited state, or of the answered state of the rows deferred before it, unless these are being
    /// read again.
    fn defer(&mut self, offset: u64, source: u64, line: u64) -> bool {
        let deferrable = match &self.awaited {
            Some(awaited) => self.key_state == awaited.state,
            None => {
                !self.draining
                    && (self.deferred.is_empty() || self.deferred_state == self.key_state)
                    && matches!(self.sources.get(&self.key_state), Some(Some(_)))
            }
        };
        if !deferrable {
            return false;
        }
        let id = trimmed_id(&self.key_id);
        let repeat = self.seen.insert(id, line).is_some();
        if self.deferred.is_empty() {
            self.deferred_state.clear();
            self.deferred_state.extend_from_slice(&self.key_state);
        }
        self.deferred.push_back(Deferred {
            offset,
            source,
            line: if repeat { line | REPEAT } else { line },
        });
        true
    }

    /// Takes the import's answer for the awaited state, if it came (`wait`: waits for it).
    fn settle(&mut self, wait: bool) {
        let Some(awaited) = &mut self.awaited else {
            return;
        };
        let stored = if wait {
            awaited.answer.recv().ok().flatten()
        } else {
            awaited.unpolled += 1;
            if awaited.unpolled < ROWS_PER_POLL {
                return;
            }
            awaited.unpolled = 0;
            match awaited.answer.try_recv() {
                Ok(stored) => stored,
                Err(std::sync::mpsc::TryRecvError::Empty) => return,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
            }
        };
        if let Some(awaited) = self.awaited.take() {
            self.sources.insert(awaited.state, stored);
            self.recognise_deferred();
        }
    }

    /// Once the answer for the deferred rows' state is in, recognises every deferred row whose source
    /// fingerprint is stored, all together (their lookups overlap; one by one, each waits for memory),
    /// and drops them; the others stay deferred, to be read again and parsed in their turn. A repeated
    /// id is never recognised by its source (see [`Self::replay`]).
    fn recognise_deferred(&mut self) {
        const CHUNK: usize = 4096;
        self.draining = true;
        let Some(Some(stored)) = self.sources.get(&self.deferred_state) else {
            return;
        };
        let stored = Arc::clone(stored);
        let (mut sources, mut at, mut recognised) = (
            Vec::with_capacity(CHUNK),
            Vec::with_capacity(CHUNK),
            Vec::with_capacity(CHUNK),
        );
        let mut unchanged = 0;
        for chunk in self.deferred.make_contiguous().chunks_mut(CHUNK) {
            sources.clear();
            at.clear();
            for (i, row) in chunk.iter().enumerate() {
                if row.line & REPEAT == 0 {
                    sources.push(row.source);
                    at.push(i);
                }
            }
            stored.recognise_all(&sources, &mut recognised);
            for (&i, _) in at.iter().zip(&recognised).filter(|(_, hit)| **hit) {
                chunk[i].offset = RECOGNISED;
                unchanged += 1;
            }
        }
        self.deferred.retain(|row| row.offset != RECOGNISED);
        self.unchanged += unchanged;
    }

    /// The first deferred row once its state's answer is in, read again to be parsed: the rows the
    /// answer recognised were dropped when it came ([`Self::recognise_deferred`]).
    fn replay(&mut self, row: Deferred) -> Result<ToParse, ImportError> {
        let (line, repeat) = (row.line & !REPEAT, row.line & REPEAT != 0);
        let mut records = match self.rereader.take() {
            Some(records) => records,
            None => {
                let file = std::fs::File::open(&self.path).map_err(|e| self.io_error(e))?;
                // Rows read again are far apart (~25 rows in a refresh): one small read each.
                RawRecords::new(file, 1 << 11)
            }
        };
        records.seek(row.offset, line);
        let found = match records.next_record() {
            Ok(Some(found)) if found.offset == row.offset => found,
            Ok(_) => return Err(self.io_error("the file changed while it was read")),
            Err(e) => return Err(self.io_error(e)),
        };
        if source_of(self.header_digest, records.bytes()) != row.source {
            return Err(self.io_error("the file changed while it was read"));
        }
        let mut raw = csv::ByteRecord::new();
        records.cells(&found, &mut raw);
        strip_cr(&mut raw, &mut self.scratch);
        self.rereader = Some(records);
        Ok(ToParse {
            raw,
            line,
            source: row.source,
            error: None,
            // A repeat is looked up again when parsed: its first occurrence may have been a deferred
            // row found invalid since, and forgotten.
            id: if repeat {
                IdSeen::NotYet
            } else {
                IdSeen::Recorded
            },
        })
    }

    /// After the first valid row of a state: that state's stored source fingerprints, asked for once. One
    /// state is awaited at a time.
    fn learn_state(&mut self, record: &csv::StringRecord, voter: &Voter) {
        let Some(cell) = self.state_index.and_then(|i| record.get(i)) else {
            return;
        };
        let cell = cell.as_bytes();
        if self.lookup.is_none()
            || self.sources.contains_key(cell)
            || self.awaited.as_ref().is_some_and(|a| a.state == cell)
        {
            return;
        }
        self.settle(true);
        if let Some(lookup) = self.lookup.as_mut() {
            self.awaited = Some(Awaited {
                state: cell.to_vec(),
                answer: lookup(&voter.state),
                unpolled: 0,
            });
        }
    }

    /// The header record as it was.
    pub fn header(&self) -> &csv::StringRecord {
        &self.header
    }

    /// The layout read from the header.
    pub fn columns(&self) -> &VoterHeader {
        &self.columns
    }

    /// The next row to parse, in file order: deferred rows (once their answer is in), a held row, or the
    /// next row of the file that is not recognised or deferred; `None` at the end of the file.
    fn next_to_parse(&mut self) -> Result<Option<ToParse>, ImportError> {
        let mut raw = match self.current.take() {
            Some(record) => record.into_byte_record(),
            None => csv::ByteRecord::new(),
        };
        loop {
            if !self.deferred.is_empty() {
                // Waits when nothing else can be done: a held row, the end of the file, a full queue.
                let wait =
                    self.held.is_some() || self.finished || self.deferred.len() >= DEFERRED_ROWS;
                self.settle(wait);
                if self.awaited.is_none() {
                    if !self.draining && (wait || self.deferred.len() >= BATCH_ROWS) {
                        self.recognise_deferred();
                    }
                    if self.draining {
                        let Some(row) = self.deferred.pop_front() else {
                            self.draining = false;
                            continue;
                        };
                        self.draining = !self.deferred.is_empty();
                        return self.replay(row).map(Some);
                    }
                }
            }
            if let Some(held) = self.held.take() {
                return Ok(Some(held));
            }
            if self.finished {
                self.current = csv::StringRecord::from_byte_record(raw).ok();
                return Ok(None);
            }
            let found = match self.records.next_record() {
                Ok(Some(found)) => found,
                Ok(None) => {
                    self.finished = true;
                    continue;
                }
                Err(e) => return Err(self.io_error(e)),
            };
            if found.quoted {
                self.records.cells(&found, &mut raw);
                strip_cr(&mut raw, &mut self.scratch);
                if raw.len() == 1 && raw[0].iter().all(u8::is_ascii_whitespace) {
                    continue; // a blank line (a quoted blank cell alone)
                }
            } else if self.records.bytes().iter().all(u8::is_ascii_whitespace) {
                continue; // a blank line (with CRLF, or only blanks)
            }
            let line = found.line;
            let error = found
                .unterminated
                .then(|| "unterminated quoted field".to_owned());
            let source = source_of(self.header_digest, self.records.bytes());
            self.duplicate_of = None;
            let bytes_read = self.records.position();
            if error.is_none() {
                self.settle(false);
                if self.take_key_cells(found.quoted.then_some(&raw)) {
                    if self.defer(found.offset, source, line) {
                        self.seen.size_for(bytes_read, self.input_len);
                        continue;
                    }
                    if self.is_stored_unchanged(source, line) {
                        self.unchanged += 1;
                        self.seen.size_for(bytes_read, self.input_len);
                        continue;
                    }
                }
            }
            if !found.quoted {
                self.records.cells(&found, &mut raw);
                strip_cr(&mut raw, &mut self.scratch);
            }
            let row = ToParse {
                raw: std::mem::take(&mut raw),
                line,
                source,
                error,
                id: self
                    .duplicate_of
                    .take()
                    .map_or(IdSeen::NotYet, IdSeen::RepeatOf),
            };
            if self.deferred.is_empty() {
                return Ok(Some(row));
            }
            self.held = Some(row);
        }
    }

    /// The next data row, `None` at the end of the file. Invalid rows (bad values, wrong column count,
    /// invalid UTF-8 — the last two on column `*` —, a repeated `LALVOTERID`) are returned with their error
    /// so the caller can stop or skip them; only a read failure is an [`ImportError`].
    pub fn next_row(&mut self) -> Result<Option<VoterRow<'_>>, ImportError> {
        let Some(ToParse {
            raw,
            line,
            source,
            mut error,
            id: id_seen,
        }) = self.next_to_parse()?
        else {
            return Ok(None);
        };
        match csv::StringRecord::from_byte_record(raw) {
            Ok(record) => self.current = Some(record),
            Err(e) => {
                let field = e.utf8_error().field();
                let lossy: csv::StringRecord = e
                    .into_byte_record()
                    .iter()
                    .map(String::from_utf8_lossy)
                    .collect();
                self.current = Some(lossy);
                let column = self.header.get(field).map(str::trim).unwrap_or("");
                error.get_or_insert_with(|| {
                    format!("invalid UTF-8 in field {} ({column})", field + 1)
                });
            }
        }
        let record = self.current.get_or_insert_with(csv::StringRecord::new);
        let result = match error {
            Some(reason) => Err(RowError {
                line,
                column: "*".into(),
                reason,
            }),
            None => self.columns.parse(record, line, Some(&mut self.names)),
        };
        self.seen.size_for(self.records.position(), self.input_len);
        if matches!(id_seen, IdSeen::Recorded) && result.is_err() {
            // Recorded when it was deferred: an invalid row does not count as the id's first occurrence.
            if let Some(id) = self.lal_index.and_then(|i| record.get(i)) {
                self.seen.forget(id.trim(), line);
            }
        }
        let result = result.and_then(|voter| {
            let first = match id_seen {
                IdSeen::NotYet => self.seen.insert(&voter.lal_voter_id, line),
                IdSeen::Recorded => None,
                IdSeen::RepeatOf(first) => Some(first),
            };
            match first {
                Some(first) => Err(RowError {
                    line,
                    column: LAL_VOTER_ID_HEADER.into(),
                    reason: format!("duplicate of line {first}"),
                }),
                None => Ok(voter),
            }
        });
        if let Ok(voter) = &result {
            let record = self.current.take().unwrap_or_default();
            self.learn_state(&record, voter);
            self.current = Some(record);
        }
        let record = self.current.get_or_insert_with(csv::StringRecord::new);
        Ok(Some(VoterRow {
            line,
            source,
            record,
            result,
        }))
    }
}

/// Drops the CR of a CRLF line ending from the last field.
fn strip_cr(raw: &mut csv::ByteRecord, scratch: &mut Vec<u8>) {
    if raw.as_slice().last() != Some(&b'\r') {
        return;
    }
    let last = raw.len() - 1;
    scratch.clear();
    scratch.extend_from_slice(&raw[last][..raw[last].len() - 1]);
    raw.truncate(last);
    raw.push_field(scratch);
}

/// `record` with exactly `width` fields, so that its `line` and `reason` fall under the rejects file's
/// headers: a short row is padded with empty fields, a long row's surplus fields are joined (with `,`)
/// into its last field.
fn fit_to_width(
    record: &csv::StringRecord,
    width: usize,
) -> std::borrow::Cow<'_, csv::StringRecord> {
    use std::borrow::Cow;
    if record.len() == width {
        return Cow::Borrowed(record);
    }
    let mut fitted =
        csv::StringRecord::with_capacity(record.as_slice().len() + record.len(), width);
    if record.len() < width {
        fitted.extend(record.iter());
        for _ in record.len()..width {
            fitted.push_field("");
        }
    } else {
        let keep = width.saturating_sub(1);
        fitted.extend(record.iter().take(keep));
        let rest: Vec<&str> = record.iter().skip(keep).collect();
        fitted.push_field(&rest.join(","));
    }
    Cow::Owned(fitted)
}

/// Reads and validates the whole voter file at `path`, handing valid voters to `sink` in batches of
/// `batch_size` (at least 1; the last batch may be smaller). Without `rejects`, the first invalid row ends
/// the import with [`ImportError::Invalid`] (the caller, storing in one transaction, then rolls back);
/// with `rejects`, every invalid row is written to that file (as it was, plus `line` and `reason`) and
/// counted in [`ImportReport::rejected`]. [`ImportReport::stored`] counts the voters `sink` accepted.
pub fn read_voters(
    path: &str,
    rejects: Option<&str>,
    mut sink: impl FnMut(Vec<Voter>) -> Result<(), ImportError>,
    batch_size: usize,
) -> Result<ImportReport, ImportError> {
    read_voter_file(path, rejects, None, |batch| sink(batch.voters), batch_size)
}

/// Adds the rows the reader recognised as unchanged since the last call to `batch` and `report`.
fn count_unchanged(reader: &mut VoterFileReader, batch: &mut FileBatch, report: &mut ImportReport) {
    let unchanged = reader.take_unchanged();
    batch.unchanged += unchanged;
    report.rows += unchanged;
    report.unchanged += unchanged;
}

/// [`read_voters`], with each voter's source fingerprint, and — given `lookup` — the rows stored
/// unchanged recognised without being parsed ([`VoterFileReader::recognise_unchanged`]): they are counted
/// in the batches' [`FileBatch::unchanged`] and in [`ImportReport::unchanged`] (and in `rows` and
/// `stored`), and never reach a batch's voters.
pub fn read_voter_file(
    path: &str,
    rejects: Option<&str>,
    lookup: Option<SourcesLookup>,
    mut sink: impl FnMut(FileBatch) -> Result<(), ImportError>,
    batch_size: usize,
) -> Result<ImportReport, ImportError> {
    let mut reader = VoterFileReader::open(path)?;
    if let Some(lookup) = lookup {
        reader.recognise_unchanged(lookup);
    }
    let width = reader.columns().width();
    let mut rejects = rejects
        .map(|p| RejectsWriter::create(p, reader.header()))
        .transpose()?;
    let batch_size = batch_size.max(1);
    let new_batch = || FileBatch {
        voters: Vec::with_capacity(batch_size),
        sources: Vec::with_capacity(batch_size),
        unchanged: 0,
    };
    let mut batch = new_batch();
    let mut report = ImportReport::default();
    let mut send = |batch: FileBatch, report: &mut ImportReport| {
        report.stored += batch.voters.len() as u64 + batch.unchanged;
        sink(batch)
    };
    while let Some(row) = reader.next_row()? {
        report.rows += 1;
        match row.result {
            Ok(voter) => {
                batch.voters.push(voter);
                batch.sources.push(row.source);
            }
            Err(error) => match rejects.as_mut() {
                Some(writer) => {
                    writer.reject(&fit_to_width(row.record, width), &error)?;
                    report.rejected += 1;
                }
                None => return Err(ImportError::Invalid(error)),
            },
        }
        count_unchanged(&mut reader, &mut batch, &mut report);
        if batch.voters.len() >= batch_size || batch.unchanged >= batch_size as u64 {
            send(std::mem::replace(&mut batch, new_batch()), &mut report)?;
        }
    }
    count_unchanged(&mut reader, &mut batch, &mut report);
    if !batch.voters.is_empty() || batch.unchanged > 0 {
        send(batch, &mut report)?;
    }
    if let Some(writer) = rejects {
        writer.finish()?;
    }
    Ok(report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_are_found_with_their_first_line_after_the_table_is_sized() {
        let mut seen = SeenIds::new();
        for i in 0..10_000u64 {
            seen.size_for(i * 100, 1_000_000);
            assert_eq!(seen.insert(&format!("LALWY{i:09}"), i + 2), None);
        }
        assert!(seen.sized);
        assert!(seen.lines.capacity() >= 10_000);
        assert_eq!(seen.insert("LALWY000000007", 20_000), Some(9));
        assert_eq!(seen.insert("LALWY000009999", 20_001), Some(10_001));
        assert_eq!(seen.insert("LALWY000010000", 20_002), None);
    }
    use std::sync::atomic::{AtomicU32, Ordering};
    use winserve_domain::{
        Education, Ethnicity, Gender, Homeowner, Language, MaritalStatus, PartyGroup, VoterStatus,
        YesNo, YesUnknown,
    };

    static COUNTER: AtomicU32 = AtomicU32::new(0);

    /// A unique temporary path, removed when dropped.
    struct TempPath(String);

    impl TempPath {
        fn new(tag: &str) -> Self {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "winserve-voters-{tag}-{}-{n}.csv",
                std::process::id()
            ));
            Self(path.to_string_lossy().into_owned())
        }

        fn with(tag: &str, content: &[u8]) -> Self {
            let t = Self::new(tag);
            std::fs::write(&t.0, content).unwrap();
            t
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// Reads `content` without a rejects file, collecting every voter.
    fn read(content: &str) -> Result<(Vec<Voter>, ImportReport), ImportError> {
        let file = TempPath::with("in", content.as_bytes());
        let mut all = Vec::new();
        let report = read_voters(
            &file.0,
            None,
            |batch| {
                all.extend(batch);
                Ok(())
            },
            2,
        )?;
        Ok((all, report))
    }

    /// The `line N, column NAME` part of the error reading `content`.
    fn error_at(content: &str) -> String {
        match read(content) {
            Err(ImportError::Invalid(e)) => {
                let text = e.to_string();
                assert!(
                    text.starts_with(&format!("line {}, column {}: ", e.line, e.column)),
                    "{text}"
                );
                format!("line {}, column {}", e.line, e.column)
            }
            other => panic!("expected an invalid row, got {other:?}"),
        }
    }

    fn reason_of(content: &str) -> String {
        match read(content) {
            Err(ImportError::Invalid(e)) => e.reason,
            other => panic!("expected an invalid row, got {other:?}"),
        }
    }

    const HEAD: &str = "LALVOTERID,State,Age_Int,Gender,County,City_Ward\n";

    #[test]
    fn valid_file_parses_with_districts_in_any_order() {
        let a = "LALVOTERID,State,FirstName,LastName,Age_Int,Gender,County,City_Ward,Estimated_Income_Amount_Int\n\
                 WY-1,wy, Ann ,Lee,34,f,LARAMIE,WD 1##CHEYENNE CITY WARD 1,\"$45,000\"\n\
                 WY-2,WY,,Bo,,,,,\n";
        let b = "City_Ward,Estimated_Income_Amount_Int,County,Gender,Age_Int,LastName,FirstName,State,LALVOTERID\n\
                 WD 1##CHEYENNE CITY WARD 1,\"$45,000\",LARAMIE,f,34,Lee, Ann ,wy,WY-1\n\
                 ,,,,,Bo,,WY,WY-2\n";
        for content in [a, b] {
            let (voters, report) = read(content).unwrap();
            assert_eq!(
                report,
                ImportReport {
                    rows: 2,
                    stored: 2,
                    rejected: 0,
                    unchanged: 0,
                }
            );
            let v = &voters[0];
            assert_eq!(v.lal_voter_id, "WY-1");
            assert_eq!(v.state.as_str(), "WY");
            assert_eq!(v.first_name.as_deref(), Some("Ann"));
            assert_eq!(v.last_name.as_deref(), Some("Lee"));
            assert_eq!(v.middle_name, None);
            assert_eq!(v.age, Some(34));
            assert_eq!(v.gender, Gender::Female);
            assert_eq!(v.estimated_income, Some(45_000));
            let mut districts: Vec<(&str, &str)> = v
                .districts
                .iter()
                .map(|(t, n)| (t.as_str(), n.as_str()))
                .collect();
            districts.sort();
            assert_eq!(
                districts,
                [("City_Ward", "CHEYENNE CITY WARD 1"), ("County", "LARAMIE")]
            );
            let w = &voters[1];
            assert_eq!(
                (w.first_name.as_deref(), w.age, w.gender),
                (None, None, Gender::Unknown)
            );
            assert_eq!(w.estimated_income, None);
            assert!(w.districts.is_empty());
            assert_ne!(v.id, w.id);
        }
    }

    #[test]
    fn header_lists_known_and_district_columns() {
        let header = csv::StringRecord::from(vec![
            "County",
            "lalvoterid",
            " State ",
            "State_House_District",
        ]);
        let h = VoterHeader::from_header(&header).unwrap();
        assert_eq!(h.width(), 4);
        assert_eq!(h.index_of("LALVOTERID"), Some(1));
        assert_eq!(h.index_of("State"), Some(2));
        assert_eq!(h.index_of("Age_Int"), None);
        let districts: Vec<(usize, &str)> = h
            .districts()
            .iter()
            .map(|(i, t)| (*i, t.as_str()))
            .collect();
        assert_eq!(districts, [(0, "County"), (3, "State_House_District")]);
    }

    #[test]
    fn categorical_values_are_mapped() {
        let content = "LALVOTERID,State,Parties_Description,Voter_Status,Marital_Status,Presence_Of_Children,\
                       Veteran_Status,Homeowner_Probability_Model,Business_Owner,Education_Of_Person,\
                       EthnicGroups_EthnicGroup1Desc,Language_Code\n\
                       A1,WY,Non-Partisan,First Time,Inferred Married,Y,Yes,Probable Home Owner,Y,Graduate Degree,\
                       Likely African-American,Spanish\n\
                       A2,WY,Libertarian,Weird,?,N,,Renter,,High School Diploma,Hispanic and Portuguese,FR\n\
                       A3,WY, ,,,,,,,,,\n";
        let (v, _) = read(content).unwrap();
        assert_eq!(v[0].party, PartyGroup::Independent);
        assert_eq!(v[0].party_description.as_deref(), Some("Non-Partisan"));
        assert_eq!(v[0].voter_status, VoterStatus::FirstTime);
        assert_eq!(v[0].marital_status, MaritalStatus::LikelyMarried);
        assert_eq!(v[0].has_children, YesNo::Yes);
        assert_eq!(v[0].veteran, YesUnknown::Yes);
        assert_eq!(v[0].homeowner, Homeowner::Likely);
        assert_eq!(v[0].business_owner, YesUnknown::Yes);
        assert_eq!(v[0].education, Education::Graduate);
        assert_eq!(v[0].ethnicity, Ethnicity::AfricanAmerican);
        assert_eq!(v[0].language, Language::Es);
        assert_eq!(v[1].party, PartyGroup::Other);
        assert_eq!(v[1].voter_status, VoterStatus::Unknown);
        assert_eq!(v[1].marital_status, MaritalStatus::Unknown);
        assert_eq!(v[1].has_children, YesNo::No);
        assert_eq!(v[1].veteran, YesUnknown::Unknown);
        assert_eq!(v[1].homeowner, Homeowner::No);
        assert_eq!(v[1].education, Education::HighSchool);
        assert_eq!(v[1].ethnicity, Ethnicity::Hispanic);
        assert_eq!(v[1].language, Language::Other);
        assert_eq!(v[2].party, PartyGroup::Unknown);
        assert_eq!(v[2].party_description, None);
        assert_eq!(v[2].language, Language::Unknown);
    }

    #[test]
    fn address_and_phones_are_trimmed_text() {
        let content = "LALVOTERID,State,Residence_Addresses_AddressLine,Residence_Addresses_City,\
                       Residence_Addresses_State,Residence_Addresses_Zip,VoterTelephones_CellPhoneFormatted,\
                       VoterTelephones_LandlineFormatted\n\
                       A1,WY, 1 Main St ,Cheyenne,WY,82001,(307) 555-0100,\n";
        let (v, _) = read(content).unwrap();
        assert_eq!(v[0].address.line1.as_deref(), Some("1 Main St"));
        assert_eq!(v[0].address.city.as_deref(), Some("Cheyenne"));
        assert_eq!(v[0].address.state.as_deref(), Some("WY"));
        assert_eq!(v[0].address.zip.as_deref(), Some("82001"));
        assert_eq!(v[0].cell_phone.as_deref(), Some("(307) 555-0100"));
        assert_eq!(v[0].landline, None);
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let row = |r: &str| format!("{HEAD}A0,WY,40,M,LARAMIE,W1\n{r}\n");
        assert_eq!(error_at(&row("A1,WY,abc,M,,")), "line 3, column Age_Int");
        assert_eq!(
            reason_of(&row("A1,WY,abc,M,,")),
            "'abc' is not a whole number"
        );
        assert_eq!(error_at(&row("A1,WY,131,M,,")), "line 3, column Age_Int");
        assert_eq!(error_at(&row("A1,WY,-1,M,,")), "line 3, column Age_Int");
        assert_eq!(error_at(&row(",WY,40,M,,")), "line 3, column LALVOTERID");
        assert_eq!(error_at(&row("  ,WY,40,M,,")), "line 3, column LALVOTERID");
        assert_eq!(error_at(&row("A 1,WY,40,M,,")), "line 3, column LALVOTERID");
        assert_eq!(
            error_at(&row(&format!("{},WY,40,M,,", "A".repeat(65)))),
            "line 3, column LALVOTERID"
        );
        assert!(read(&row(&format!("{},WY,40,M,,", "A".repeat(64)))).is_ok());
        assert_eq!(error_at(&row("A1,XX,40,M,,")), "line 3, column State");
        assert_eq!(
            reason_of(&row("A1,XX,40,M,,")),
            "'XX' is not a US state or territory code"
        );
        assert_eq!(error_at(&row("A1,,40,M,,")), "line 3, column State");
        assert_eq!(error_at(&row("A1,WY,40,X,,")), "line 3, column Gender");
        assert_eq!(error_at(&row("A1,WY,40,M,##,")), "line 3, column County");
        assert!(read(&row("A1,WY,40,m,,")).is_ok());
    }

    #[test]
    fn wrong_column_count_is_reported_on_column_star() {
        let content = format!("{HEAD}A0,WY,40,M,LARAMIE,W1\nA1,WY,40\n");
        assert_eq!(error_at(&content), "line 3, column *");
        assert_eq!(reason_of(&content), "expected 6 columns, found 3");
        let content = format!("{HEAD}A0,WY,40,M,LARAMIE,W1,extra\n");
        assert_eq!(reason_of(&content), "expected 6 columns, found 7");
    }

    #[test]
    fn duplicate_id_names_the_first_line() {
        let content = format!("{HEAD}A0,WY,40,M,,\nA1,WY,40,M,,\nA0,WY,41,F,,\n");
        assert_eq!(error_at(&content), "line 4, column LALVOTERID");
        assert_eq!(reason_of(&content), "duplicate of line 2");
        // An invalid first occurrence does not claim the id.
        let content = format!("{HEAD}A0,WY,abc,M,,\nA0,WY,41,F,,\n");
        let rejects = TempPath::new("rej");
        let input = TempPath::with("in", content.as_bytes());
        let report = read_voters(&input.0, Some(&rejects.0), |_| Ok(()), 10).unwrap();
        assert_eq!((report.stored, report.rejected), (1, 1));
    }

    #[test]
    fn income_is_lenient_with_dollars_and_commas_only() {
        let file =
            |v: &str| format!("LALVOTERID,State,Estimated_Income_Amount_Int\nA1,WY,\"{v}\"\n");
        let income = |v: &str| read(&file(v)).unwrap().0[0].estimated_income;
        assert_eq!(income(""), None);
        assert_eq!(income("45000"), Some(45_000));
        assert_eq!(income("$45,000"), Some(45_000));
        assert_eq!(income(" $ 1,234,567 "), Some(1_234_567));
        assert_eq!(income("0"), Some(0));
        for bad in [
            "12abc",
            "$",
            "4.5",
            ",100",
            "100,",
            "1,,0",
            "-5",
            "$-5",
            "99999999999",
            "USD 5",
        ] {
            assert_eq!(
                error_at(&file(bad)),
                "line 2, column Estimated_Income_Amount_Int",
                "{bad}"
            );
        }
        assert_eq!(reason_of(&file("-5")), "'-5' must not be negative");
        assert_eq!(
            reason_of(&file("12abc")),
            "'12abc' is not a whole number of dollars"
        );
    }

    #[test]
    fn header_errors_are_on_line_1() {
        assert_eq!(
            error_at("State,County\nWY,X\n"),
            "line 1, column LALVOTERID"
        );
        assert_eq!(
            error_at("LALVOTERID,County\nA1,X\n"),
            "line 1, column State"
        );
        assert_eq!(
            reason_of("LALVOTERID,County\nA1,X\n"),
            "required column is missing"
        );
        assert_eq!(
            error_at("LALVOTERID,State,County,county\n"),
            "line 1, column county"
        );
        assert_eq!(
            reason_of("LALVOTERID,State,State\n"),
            "duplicate column name"
        );
        assert_eq!(
            error_at("LALVOTERID,State,City Ward\n"),
            "line 1, column City Ward"
        );
        assert_eq!(error_at("LALVOTERID,State,\n"), "line 1, column #3");
        assert_eq!(error_at(""), "line 1, column LALVOTERID");
        // A header alone is a valid, empty file.
        assert_eq!(
            read("LALVOTERID,State\n").unwrap().1,
            ImportReport::default()
        );
    }

    #[test]
    fn line_numbers_survive_crlf_blank_lines_and_quoted_newlines() {
        let content = "LALVOTERID,State,FirstName\r\n\
                       A1,WY,\"two\r\nlines\"\r\n\
                       \r\n\
                       \n\
                       A2,WY,\"Bo\"\r\n\
                       A3,XX,Cy";
        assert_eq!(error_at(content), "line 7, column State");
        let content = content.replace("XX", "WY");
        let (v, report) = read(&content).unwrap();
        assert_eq!(report.rows, 3);
        assert_eq!(v[0].first_name.as_deref(), Some("two\r\nlines"));
        assert_eq!(v[1].first_name.as_deref(), Some("Bo"));
        assert_eq!(v[2].first_name.as_deref(), Some("Cy"));
        let lf = "LALVOTERID,State\n\nA1,WY\n\n\nA2,ZZ\n";
        assert_eq!(error_at(lf), "line 6, column State");
        let unterminated_quote = "LALVOTERID,State,FirstName\nA1,WY,Ann\nA2,WY,\"Bo\nA3,WY,Cy\n";
        assert_eq!(error_at(unterminated_quote), "line 3, column *");
    }

    /// Stored source fingerprints for the reader tests: which were asked for and marked.
    #[derive(Default)]
    struct Stored {
        sources: HashSet<u64>,
        marked: std::sync::Mutex<Vec<u64>>,
    }

    impl StoredSources for Stored {
        fn find(&self, source: u64) -> Option<usize> {
            self.sources.contains(&source).then_some(source as usize)
        }

        fn mark_present(&self, found: usize) {
            self.marked.lock().unwrap().push(found as u64);
        }
    }

    /// What [`read_recognising`] read: the parsed voters' ids with their sources, the report, and the
    /// states asked for.
    type Recognised = (Vec<(String, u64)>, ImportReport, Vec<String>);

    /// Reads `content` recognising the rows whose source is in `stored`, answered at once.
    fn read_recognising(content: &str, stored: Arc<Stored>) -> Result<Recognised, ImportError> {
        read_answered(content, stored, None)
    }

    /// Reads `content` recognising the rows whose source is in `stored`, answered after `delay` (the
    /// reader defers the state's rows meanwhile), or at once.
    fn read_answered(
        content: &str,
        stored: Arc<Stored>,
        delay: Option<std::time::Duration>,
    ) -> Result<Recognised, ImportError> {
        let file = TempPath::with("in", content.as_bytes());
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let asked_by_lookup = Arc::clone(&asked);
        let lookup: SourcesLookup = Box::new(move |state: &StateCode| {
            asked_by_lookup.lock().unwrap().push(state.to_string());
            let (reply, answer) = std::sync::mpsc::channel();
            let stored = Some(Arc::clone(&stored) as Arc<dyn StoredSources>);
            match delay {
                Some(delay) => {
                    std::thread::spawn(move || {
                        std::thread::sleep(delay);
                        let _ = reply.send(stored);
                    });
                }
                None => reply.send(stored).unwrap(),
            }
            answer
        });
        let mut rows = Vec::new();
        let mut unchanged = 0;
        let report = read_voter_file(
            &file.0,
            None,
            Some(lookup),
            |batch| {
                assert_eq!(batch.voters.len(), batch.sources.len());
                unchanged += batch.unchanged;
                rows.extend(
                    batch
                        .voters
                        .into_iter()
                        .map(|v| v.lal_voter_id)
                        .zip(batch.sources),
                );
                Ok(())
            },
            2,
        )?;
        assert_eq!(unchanged, report.unchanged);
        let asked = asked.lock().unwrap().clone();
        Ok((rows, report, asked))
    }

    #[test]
    fn rows_stored_unchanged_are_recognised_without_being_parsed() {
        let file = "LALVOTERID,State,FirstName,County\n\
                    A1,WY,Ann,LARAMIE\nA2,WY,Bo,\nA3,WY,\"Cy\",ALBANY\nA4,WY,Di,\nA5,WY,Ed,\n";
        let (all, report, _) = read_recognising(file, Arc::default()).unwrap();
        assert_eq!((report.rows, report.unchanged), (5, 0));
        let source: HashMap<String, u64> = all.into_iter().collect();
        let stored = Arc::new(Stored {
            sources: ["A2", "A3", "A5"].iter().map(|id| source[*id]).collect(),
            ..Stored::default()
        });
        // The same bytes with CRLF are the same rows.
        let crlf = file.replace('\n', "\r\n");
        let (parsed, report, asked) = read_recognising(&crlf, Arc::clone(&stored)).unwrap();
        let ids: Vec<&str> = parsed.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["A1", "A4"]);
        assert_eq!(
            parsed,
            [("A1".into(), source["A1"]), ("A4".into(), source["A4"])]
        );
        assert_eq!((report.rows, report.stored, report.unchanged), (5, 5, 3));
        assert_eq!(asked, ["WY"], "asked once, after the state's first row");
        assert_eq!(stored.marked.lock().unwrap().len(), 3);
        // The same cells quoted otherwise are other bytes: parsed again, into the same voters.
        let requoted = file
            .replace("\"Cy\"", "Cy")
            .replace("A5,WY,Ed,", "\"A5\",WY,Ed,");
        let (parsed, report, _) = read_recognising(&requoted, Arc::clone(&stored)).unwrap();
        let ids: Vec<&str> = parsed.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["A1", "A3", "A4", "A5"]);
        assert_eq!((report.rows, report.stored, report.unchanged), (5, 5, 1));

        // A changed cell, or the same cells under another header, is another row.
        let changed = file.replace("A3,WY,\"Cy\",ALBANY", "A3,WY,Cy,CROOK");
        let (parsed, report, _) = read_recognising(&changed, Arc::clone(&stored)).unwrap();
        assert_eq!(parsed.len(), 3, "{parsed:?}");
        assert_eq!(report.unchanged, 2);
        let reordered = "State,LALVOTERID,FirstName,County\nWY,A1,Ann,LARAMIE\nWY,A2,Bo,\n";
        let (parsed, report, _) = read_recognising(reordered, Arc::clone(&stored)).unwrap();
        assert_eq!((parsed.len(), report.unchanged), (2, 0));

        // A recognised row repeated later is still a repeated id.
        let repeated = format!("{file}A2,WY,Bo,\n");
        match read_recognising(&repeated, stored) {
            Err(ImportError::Invalid(e)) => {
                assert_eq!((e.line, e.reason.as_str()), (7, "duplicate of line 3"));
            }
            other => panic!("{other:?}"),
        }
    }

    /// While a state's stored fingerprints are on their way, its rows are read on and deferred; once
    /// they come, the deferred rows are recognised or read again and parsed, in file order, with the
    /// same results as when the answer is there at once.
    #[test]
    fn rows_read_before_the_answer_are_deferred_and_give_the_same_results() {
        let file = "LALVOTERID,State,FirstName,County\n\
                    A1,WY,Ann,LARAMIE\nA2,WY,Bo,\nA3,WY,\"Cy\",ALBANY\nA4,WY,Di,\nA5,WY,Ed,\n";
        let (all, _, _) = read_recognising(file, Arc::default()).unwrap();
        let source: HashMap<String, u64> = all.into_iter().collect();
        let stored = || {
            Arc::new(Stored {
                sources: ["A2", "A3", "A5"].iter().map(|id| source[*id]).collect(),
                ..Stored::default()
            })
        };
        let late = Some(std::time::Duration::from_millis(50));
        let requoted = file.replace("\"Cy\"", "Cy").replace('\n', "\r\n");
        let changed = file.replace("A3,WY,\"Cy\",ALBANY", "A3,WY,Cy,CROOK");
        // Another state after the deferred rows waits for them: the order of the rows stays.
        let two_states = format!("{file}M1,MT,Fay,\nA6,WY,Gil,\n");
        for content in [
            file,
            requoted.as_str(),
            changed.as_str(),
            two_states.as_str(),
        ] {
            let (now_stored, later_stored) = (stored(), stored());
            let (parsed, report, asked) =
                read_answered(content, Arc::clone(&now_stored), None).unwrap();
            let (parsed_late, report_late, asked_late) =
                read_answered(content, Arc::clone(&later_stored), late).unwrap();
            assert_eq!(parsed_late, parsed, "{content}");
            assert_eq!(report_late, report, "{content}");
            assert_eq!(asked_late, asked, "{content}");
            let marked = |s: &Stored| {
                let mut m = s.marked.lock().unwrap().clone();
                m.sort_unstable();
                m
            };
            assert_eq!(marked(&later_stored), marked(&now_stored), "{content}");
        }
        let (parsed, report, _) = read_answered(&two_states, stored(), late).unwrap();
        let ids: Vec<&str> = parsed.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["A1", "A4", "M1", "A6"]);
        assert_eq!(report.unchanged, 3);

        // A deferred row repeated later, and a repeat among the deferred rows, are still refused.
        for (repeated, line, first) in [
            (format!("{file}A2,WY,Bo,\n"), 7, 3),
            (format!("{file}A4,WY,Di,\n"), 7, 5),
        ] {
            match read_answered(&repeated, stored(), late) {
                Err(ImportError::Invalid(e)) => {
                    assert_eq!(
                        (e.line, e.reason),
                        (line, format!("duplicate of line {first}"))
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        // An invalid deferred row is not the first occurrence of its id: a valid row with that id later
        // is not a repeat (rows are rejected, not fatal, here).
        let mut invalid_then_valid = file.as_bytes().to_vec();
        invalid_then_valid.extend_from_slice(b"A7,WY,H\xffl,\nA7,WY,Hal,\n");
        let path = TempPath::with("in", &invalid_then_valid);
        let rejects = TempPath::with("rejects", b"");
        let stored_late = stored();
        let lookup: SourcesLookup = Box::new(move |_: &StateCode| {
            let (reply, answer) = std::sync::mpsc::channel();
            let stored = Some(Arc::clone(&stored_late) as Arc<dyn StoredSources>);
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                let _ = reply.send(stored);
            });
            answer
        });
        let mut ids = Vec::new();
        let report = read_voter_file(
            &path.0,
            Some(&rejects.0),
            Some(lookup),
            |batch| {
                ids.extend(batch.voters.into_iter().map(|v| v.lal_voter_id));
                Ok(())
            },
            100,
        )
        .unwrap();
        assert_eq!(ids, ["A1", "A4", "A7"]);
        assert_eq!((report.rejected, report.unchanged), (1, 3));
    }

    /// Once the answer is in, a state's rows are still deferred, [`BATCH_ROWS`] at a time, and
    /// recognised together: the same voters, figures and repeats as with nothing stored.
    #[test]
    fn rows_after_the_answer_are_recognised_in_batches() {
        let n = BATCH_ROWS * 2 + 100;
        let mut file = String::from("LALVOTERID,State,FirstName,County\n");
        for i in 0..n {
            file.push_str(&format!("A{i},WY,N{i},\n"));
        }
        let (all, _, _) = read_recognising(&file, Arc::default()).unwrap();
        assert_eq!(all.len(), n);
        let kept = |id: &str| id[1..].parse::<usize>().unwrap() % 7 != 0;
        let stored = Arc::new(Stored {
            sources: all
                .iter()
                .filter(|(id, _)| kept(id))
                .map(|(_, s)| *s)
                .collect(),
            ..Stored::default()
        });
        let (parsed, report, asked) = read_recognising(&file, Arc::clone(&stored)).unwrap();
        let expected: Vec<(String, u64)> =
            all.iter().filter(|(id, _)| !kept(id)).cloned().collect();
        assert_eq!(parsed, expected);
        assert_eq!(
            (report.rows, report.unchanged),
            (n as u64, (n - expected.len()) as u64)
        );
        assert_eq!(asked, ["WY"]);
        assert_eq!(stored.marked.lock().unwrap().len(), n - expected.len());

        // A recognised row repeated in a later batch is still a repeated id.
        let repeated = format!("{file}A1,WY,N1,\n");
        match read_recognising(&repeated, stored) {
            Err(ImportError::Invalid(e)) => {
                assert_eq!(
                    (e.line, e.reason.as_str()),
                    (n as u64 + 2, "duplicate of line 3")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    /// A row's source fingerprint stands for what the row is parsed into (ADR 0029), so it holds only
    /// while parsing stays as it was. When this fails because parsing changed on purpose, change the
    /// second of `SOURCE_KEYS` too, then the expected value here.
    #[test]
    fn parsing_is_pinned() {
        assert_eq!(
            SOURCE_KEYS,
            (0x736f_7572_6365_2d72, 0x7061_7273_6572_2d32),
            "new source keys: update the expected voter below"
        );
        let header = KNOWN_COLUMNS.join(",") + ",County,Precinct";
        let row = "\" LALWY9 \",wy,José,Q,Núñez-Zoë,Jr,041,f,Democratic,Super,12 Main St,Cheyenne,WY,82001,\
                   (307) 555-0123,307.555.0199,Married,Y,Yes,Likely Homeowner,Y,Bach Degree,\
                   Hispanic,Spanish,\"$75,000\",Laramie,  P-1 ";
        let (voters, _) = read(&format!("{header}\n{row}\n")).unwrap();
        let mut voter = voters.into_iter().next().unwrap();
        voter.id = VoterId::from_uuid(uuid::Uuid::nil());
        assert_eq!(
            format!("{voter:?}"),
            "Voter { id: VoterId(00000000-0000-0000-0000-000000000000), lal_voter_id: \"LALWY9\", \
             state: StateCode(\"WY\"), first_name: Some(\"José\"), middle_name: Some(\"Q\"), \
             last_name: Some(\"Núñez-Zoë\"), name_suffix: Some(\"Jr\"), age: Some(41), gender: Female, \
             party_description: Some(\"Democratic\"), party: Democratic, voter_status: Super, \
             address: Address { line1: Some(\"12 Main St\"), city: Some(\"Cheyenne\"), state: Some(\"WY\"), \
             zip: Some(\"82001\") }, cell_phone: Some(\"(307) 555-0123\"), landline: Some(\"307.555.0199\"), \
             marital_status: Married, has_children: Yes, veteran: Yes, homeowner: Unknown, business_owner: Yes, \
             education: College, ethnicity: Hispanic, language: Es, estimated_income: Some(75000), \
             districts: [(L2Type(\"County\"), L2Name(\"Laramie\")), (L2Type(\"Precinct\"), L2Name(\"P-1\"))] }"
        );
    }

    #[test]
    fn invalid_utf8_is_reported_on_column_star() {
        let mut content = b"LALVOTERID,State,FirstName\nA1,WY,Ann\nA2,WY,B".to_vec();
        content.extend_from_slice(&[0xff, 0xfe]);
        content.extend_from_slice(b"o\nA3,WY,Cy\n");
        let input = TempPath::with("in", &content);
        match read_voters(&input.0, None, |_| Ok(()), 10) {
            Err(ImportError::Invalid(e)) => {
                assert_eq!((e.line, e.column.as_str()), (3, "*"));
                assert_eq!(e.reason, "invalid UTF-8 in field 3 (FirstName)");
            }
            other => panic!("{other:?}"),
        }
        let rejects = TempPath::new("rej");
        let report = read_voters(&input.0, Some(&rejects.0), |_| Ok(()), 10).unwrap();
        assert_eq!((report.rows, report.stored, report.rejected), (3, 2, 1));
        let written = std::fs::read_to_string(&rejects.0).unwrap();
        assert!(written.contains("A2,WY,B\u{fffd}\u{fffd}o,3,"), "{written}");
    }

    #[test]
    fn rejects_mode_writes_the_rejected_rows_and_returns_the_others() {
        let content = "LALVOTERID,State,Age_Int,County\r\n\
                       A1,WY,40,LARAMIE\r\n\
                       A2,XX,41,\"A, B\"\r\n\
                       A3,WY,abc,\r\n\
                       A4,WY,\r\n\
                       A1,WY,42,\r\n\
                       A6,WY,1 Main St, Apt 2,44,\r\n\
                       A5,WY,43,ALBANY\r\n";
        let input = TempPath::with("in", content.as_bytes());
        let rejects = TempPath::new("rej");
        let mut batches = Vec::new();
        let report = read_voters(
            &input.0,
            Some(&rejects.0),
            |batch| {
                batches.push(
                    batch
                        .iter()
                        .map(|v| v.lal_voter_id.clone())
                        .collect::<Vec<_>>(),
                );
                Ok(())
            },
            1,
        )
        .unwrap();
        assert_eq!(
            report,
            ImportReport {
                rows: 7,
                stored: 2,
                rejected: 5,
                unchanged: 0,
            }
        );
        assert_eq!(batches, [vec!["A1"], vec!["A5"]]);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(&rejects.0)
            .unwrap();
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        let expected = [
            vec!["LALVOTERID", "State", "Age_Int", "County", "line", "reason"],
            vec![
                "A2",
                "XX",
                "41",
                "A, B",
                "3",
                "column State: 'XX' is not a US state or territory code",
            ],
            vec![
                "A3",
                "WY",
                "abc",
                "",
                "4",
                "column Age_Int: 'abc' is not a whole number",
            ],
            vec![
                "A4",
                "WY",
                "",
                "",
                "5",
                "column *: expected 4 columns, found 3",
            ],
            vec![
                "A1",
                "WY",
                "42",
                "",
                "6",
                "column LALVOTERID: duplicate of line 2",
            ],
            vec![
                "A6",
                "WY",
                "1 Main St",
                " Apt 2,44,",
                "7",
                "column *: expected 4 columns, found 6",
            ],
        ];
        assert_eq!(rows, expected);
    }

    #[test]
    fn batches_have_the_requested_size() {
        let mut content = String::from("LALVOTERID,State\n");
        for i in 0..7 {
            content.push_str(&format!("V{i},WY\n"));
        }
        let input = TempPath::with("in", content.as_bytes());
        let mut sizes = Vec::new();
        let report = read_voters(
            &input.0,
            None,
            |batch| {
                sizes.push(batch.len());
                Ok(())
            },
            3,
        )
        .unwrap();
        assert_eq!(sizes, [3, 3, 1]);
        assert_eq!(report.stored, 7);
        // A failing sink stops the import with its error.
        let result = read_voters(
            &input.0,
            None,
            |_| Err(ImportError::Store("down".into())),
            3,
        );
        assert!(matches!(result, Err(ImportError::Store(_))));
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let missing = TempPath::new("missing");
        assert!(matches!(
            read_voters(&missing.0, None, |_| Ok(()), 10),
            Err(ImportError::Io { .. })
        ));
    }

    /// Writes an L2-style file of `rows` voters with 25 known and 8 district columns.
    fn generate(path: &str, rows: usize) {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        let districts = [
            "County",
            "City",
            "City_Ward",
            "School_Board_District",
            "State_House_District",
            "State_Senate_District",
            "US_Congressional_District",
            "Precinct",
        ];
        let mut header: Vec<&str> = KNOWN_COLUMNS.to_vec();
        header.extend(districts);
        writeln!(out, "{}", header.join(",")).unwrap();
        let statuses = [
            "Super",
            "Likely",
            "Unreliable",
            "Unlikely",
            "First Time",
            "",
        ];
        let parties = [
            "Democratic",
            "Republican",
            "Non-Partisan",
            "Libertarian",
            "",
        ];
        for i in 0..rows {
            writeln!(
                out,
                "WY-{i:09},WY,First{},M,Last{},,{},{},{},{},{} Main St,CHEYENNE,WY,8200{},(307) 555-{:04},,\
                 Married,Y,,Probable Home Owner,,Some College,European,EN,\"${},000\",\
                 LARAMIE,CHEYENNE,WD {}##CHEYENNE CITY WARD {},SCHOOL DISTRICT {},STATE HOUSE {},\
                 STATE SENATE {},WY-AT LARGE,PRECINCT {}",
                i % 1000,
                i % 5000,
                18 + i % 80,
                if i % 2 == 0 { "M" } else { "F" },
                parties[i % parties.len()],
                statuses[i % statuses.len()],
                i,
                i % 10,
                i % 10000,
                20 + i % 200,
                i % 4,
                i % 4,
                i % 7,
                i % 60,
                i % 30,
                i % 500,
            )
            .unwrap();
        }
        out.flush().unwrap();
    }

    #[test]
    fn generated_file_parses() {
        let input = TempPath::new("gen");
        generate(&input.0, 1000);
        let report = read_voters(&input.0, None, |_| Ok(()), 100).unwrap();
        assert_eq!((report.rows, report.stored), (1000, 1000));
    }

    /// `cargo test --release -p winserve-api import::voters::tests::parse_speed -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn parse_speed() {
        let rows = 250_000;
        let input = TempPath::new("bench");
        generate(&input.0, rows);
        // On-CPU time of this thread (the machine may be shared), and wall-clock time.
        let cpu_ns = || -> f64 {
            std::fs::read_to_string("/proc/thread-self/schedstat")
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse().ok())
                .unwrap_or(f64::NAN)
        };
        let cpu_start = cpu_ns();
        let start = std::time::Instant::now();
        let mut districts = 0;
        let report = read_voters(
            &input.0,
            None,
            |batch| {
                districts += batch.iter().map(|v| v.districts.len()).sum::<usize>();
                Ok(())
            },
            5000,
        )
        .unwrap();
        let elapsed = start.elapsed().as_secs_f64();
        let cpu = (cpu_ns() - cpu_start) / 1e9;
        assert_eq!(report.stored, rows as u64);
        assert_eq!(districts, rows * 8);
        println!(
            "parsed {rows} voters in {elapsed:.3} s wall ({:.0} rows/s), {cpu:.3} s on CPU ({:.0} rows/s)",
            rows as f64 / elapsed,
            rows as f64 / cpu
        );
    }
}
