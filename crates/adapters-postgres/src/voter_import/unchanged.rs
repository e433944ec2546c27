//! Unchanged voters are recognised while the file is read, before they reach PostgreSQL (ADR 0024,
//! "Refresh"): when a state first appears in an import and all its stored voters have fingerprints, the
//! stored fingerprints (`voters.row_hash`) are read into memory, and a staged voter whose fingerprint is
//! among them — the same voter with the same data and districts, since the fingerprint covers the natural
//! key — is counted and not sent. A monthly refresh then stages the few percent of voters that are new or
//! changed instead of all of them, and the diff joins those few to the stored ones.
//!
//! The fingerprints that no file row matched belong to voters that changed or left the file; their
//! addresses (`ctid`) are kept with them, so that the merge finds the departed ones without reading the
//! state's voters again (`diff::merge_into_stored`): 6 bytes a voter instead of an id's 16, for the few
//! percent of them that are looked up again. The addresses stay valid until the import commits: only
//! imports write voters, and they hold the import lock.
//!
//! The same set answers the file reader's thread (ADR 0029): a row whose *source* fingerprint — of its
//! cells as they are in the file — is stored was written from those very cells, so it is recognised and
//! counted without being parsed, and its voter is marked as present.
//!
//! Memory: 34 bytes per stored voter (its address and the row that matched it, in the order they were read;
//! the fingerprints and the source fingerprints, each sorted with the voter's place), and tables of
//! bucket starts that make a lookup two cache misses instead of a binary search's twenty. They are read
//! straight into those lists and sorted in place: loading holds nothing more (a 5M-voter state ~170 MB).

use super::binary_copy::{BinaryCopyRows, int8, tid};
use crate::errors::pg_error;
use futures_util::{TryStreamExt, pin_mut};
use std::sync::atomic::{AtomicU32, Ordering};
use tokio_postgres::Client;
use winserve_application::{StoreError, StoredSources};

use super::fingerprints::stored_source;

/// A stored voter's physical address (`ctid`) as PostgreSQL sends it: the block (4 bytes) and the line
/// pointer (2 bytes), big-endian.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) struct Tid([u8; 6]);

impl Tid {
    /// The address in PostgreSQL's text form, `(block,line)`.
    pub(super) fn text(self) -> String {
        let [b0, b1, b2, b3, l0, l1] = self.0;
        format!(
            "({},{})",
            u32::from_be_bytes([b0, b1, b2, b3]),
            u16::from_be_bytes([l0, l1])
        )
    }

    /// An address made of the low 48 bits of `n` (tests).
    #[cfg(test)]
    fn of(n: u64) -> Self {
        let mut bytes = [0; 6];
        bytes.copy_from_slice(&n.to_be_bytes()[2..]);
        Self(bytes)
    }
}

/// A stored key and the place of the voter it belongs to. Packed: 12 bytes instead of 16, for millions
/// of them (the fields are only ever read by value).
#[derive(Clone, Copy)]
#[repr(C, packed)]
struct Entry {
    key: u64,
    voter: u32,
}

impl Entry {
    fn key(self) -> u64 {
        self.key
    }

    fn voter(self) -> usize {
        self.voter as usize
    }
}

/// Entries sorted by key, with a table of bucket starts: a lookup is two cache misses instead of a
/// binary search's twenty.
struct SortedKeys {
    /// Sorted by key, as unsigned numbers.
    entries: Vec<Entry>,
    /// `starts[b]..starts[b + 1]`: the entries whose keys' top `bits` bits are `b`.
    starts: Vec<u32>,
    bits: u32,
}

impl SortedKeys {
    /// Sorts `entries` in place.
    fn new(mut entries: Vec<Entry>) -> Self {
        entries.sort_unstable_by_key(|e| e.key());
        Self::of_sorted(entries)
    }

    /// `entries` must be sorted by key.
    fn of_sorted(entries: Vec<Entry>) -> Self {
        // About four keys per bucket.
        let bits = (entries.len() / 4).max(1).ilog2().min(24);
        let buckets = 1usize << bits;
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut at = 0usize;
        for b in 0..buckets {
            while at < entries.len() && Self::bucket_of(entries[at].key(), bits) < b {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(entries.len() as u32);
        Self {
            entries,
            starts,
            bits,
        }
    }

    fn bucket_of(key: u64, bits: u32) -> usize {
        if bits == 0 {
            0
        } else {
            (key >> (64 - bits)) as usize
        }
    }

    fn search(&self, (from, to): (usize, usize), key: u64) -> Option<usize> {
        self.entries[from..to]
            .binary_search_by_key(&key, |e| e.key())
            .ok()
            .map(|i| from + i)
    }

    fn range(&self, key: u64) -> (usize, usize) {
        let b = Self::bucket_of(key, self.bits);
        (self.starts[b] as usize, self.starts[b + 1] as usize)
    }

    /// The place of `key`'s entry.
    fn position(&self, key: u64) -> Option<usize> {
        self.search(self.range(key), key)
    }

    /// The voter of `key`'s entry.
    fn voter(&self, key: u64) -> Option<usize> {
        self.position(key).map(|i| self.entries[i].voter())
    }

    /// [`Self::position`] of each of `keys` (at most [`LANES`]) into `found`. The buckets of all are read
    /// first, then the first key of each, then the searches run in the cache: the misses of different
    /// keys overlap instead of each waiting for the one before.
    fn positions(&self, keys: &[u64], found: &mut [Option<usize>; LANES]) {
        let mut ranges = [(0usize, 0usize); LANES];
        for (range, &key) in ranges.iter_mut().zip(keys) {
            *range = self.range(key);
        }
        let mut touched = 0u64;
        for &(from, to) in &ranges[..keys.len()] {
            if from < to {
                touched ^= self.entries[from].key();
            }
        }
        std::hint::black_box(touched);
        for ((slot, &range), &key) in found.iter_mut().zip(&ranges).zip(keys) {
            *slot = self.search(range, key);
        }
    }

    /// Removes every key held more than once, in place.
    fn without_repeats(mut self) -> (Self, Vec<usize>) {
        let entries = &mut self.entries;
        let mut dropped = Vec::new();
        // `kept` trails `i`.
        let (mut kept, mut i) = (0, 0);
        while i < entries.len() {
            let mut j = i + 1;
            while j < entries.len() && entries[j].key() == entries[i].key() {
                j += 1;
            }
            if j == i + 1 {
                entries[kept] = entries[i];
                kept += 1;
            } else {
                dropped.extend(entries[i..j].iter().map(|e| e.voter()));
            }
            i = j;
        }
        if dropped.is_empty() {
            return (self, dropped);
        }
        entries.truncate(kept);
        (Self::of_sorted(std::mem::take(entries)), dropped)
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Lookups done together by [`SortedKeys::positions`].
const LANES: usize = 16;

/// `matched[v]` of a voter recognised by its source fingerprint: files have no repeated voter ids, so no
/// other row of the import can be that voter (see `diff::diff_filtered_states`). Also the mark of a
/// voter whose fingerprint another voter has too (never seen: the natural key is part of it), so that
/// neither is taken for a changed or departed voter.
const MATCHED_BY_SOURCE: u32 = u32::MAX;

/// The stored fingerprints of one state, and which row of the import matched each. Shared by the
/// import (which matches staged voters by fingerprint) and the file reader's thread (which matches rows
/// by source fingerprint, [`StoredSources`]): matches are atomic.
///
/// Voters are known by their place in the order they were read (`addresses`, `matched`); both sorted
/// lists point there.
pub(super) struct StoredFingerprints {
    /// The stored voters' fingerprints (`row_hash`).
    hashes: SortedKeys,
    /// `addresses[v]`: where voter `v` is stored.
    addresses: Vec<Tid>,
    /// `matched[v]`: 0 while no row matched voter `v`'s fingerprint, else that row's `n` + 1 (the last
    /// such row).
    matched: Vec<AtomicU32>,
    /// The stored source fingerprints (`source_hash`) of the voters that have one.
    sources: SortedKeys,
}

impl StoredFingerprints {
    /// The fingerprints of `state`'s stored voters, read in the import's transaction; `None` when the state
    /// holds no voter (it is built whole, ADR 0012) or holds voters stored before fingerprints existed
    /// (they are compared column by column in the merge).
    pub(super) async fn load(c: &Client, state: &str) -> Result<Option<Self>, StoreError> {
        let row = c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM voters WHERE state = $1),
                        EXISTS (SELECT 1 FROM voters WHERE state = $1 AND row_hash IS NULL),
                        (SELECT c.reltuples::float8 FROM pg_class c
                         WHERE c.oid = (SELECT tableoid FROM voters WHERE state = $1 LIMIT 1))",
                &[&state],
            )
            .await
            .map_err(pg_error)?;
        let (any, without_fingerprint): (bool, bool) = (row.get(0), row.get(1));
        // The partition's row estimate (-1 before its first analyze), a little over: the lists are
        // allocated once instead of doubling, which would hold the old and the new list at once.
        let estimate = row.get::<_, Option<f64>>(2).unwrap_or(0.0).max(0.0) * 1.05;
        let capacity = (estimate as usize).min(1 << 28);
        if !any || without_fingerprint {
            return Ok(None);
        }
        // COPY takes no parameters: the state is a validated code, quoted by `state_literal`. Compiling
        // the scan (JIT) costs more than it saves.
        let literal = super::build_swap::state_literal(state)?;
        c.batch_execute("SET LOCAL jit = off")
            .await
            .map_err(pg_error)?;
        let stream = c
            .copy_out(&format!(
                "COPY (SELECT row_hash, source_hash, ctid FROM voters \
                 WHERE state = {literal} AND row_hash IS NOT NULL) TO STDOUT (FORMAT binary)"
            ))
            .await
            .map_err(pg_error)?;
        pin_mut!(stream);
        let started = std::time::Instant::now();
        let mut read = Read::with_capacity(capacity);
        let mut rows = BinaryCopyRows::new(3);
        while let Some(chunk) = stream.try_next().await.map_err(pg_error)? {
            rows.feed(&chunk, |fields| {
                let (Some(hash), Some(address)) = (int8(fields[0])?, tid(fields[2])?) else {
                    return Err(StoreError::internal("a stored fingerprint without a voter"));
                };
                read.push(
                    hash as u64,
                    int8(fields[1])?.map(|s| s as u64),
                    Tid(address),
                );
                Ok(())
            })?;
        }
        rows.finish()?;
        c.batch_execute("SET LOCAL jit = DEFAULT")
            .await
            .map_err(pg_error)?;
        let read_ms = started.elapsed().as_millis() as u64;
        let set = read.into_set();
        tracing::debug!(
            state,
            read_ms,
            sorted_ms = started.elapsed().as_millis() as u64 - read_ms,
            "voter import: stored fingerprints loaded"
        );
        Ok(Some(set))
    }

    /// The set of the stored voters `(fingerprint, source fingerprint, address)`, none matched yet. (Two voters
    /// with one fingerprint would be one voter twice: the natural key is part of it.)
    #[cfg(test)]
    fn new(stored: Vec<(u64, Option<u64>, Tid)>) -> Self {
        let mut read = Read::with_capacity(stored.len());
        for (hash, source, address) in stored {
            read.push(hash, source, address);
        }
        read.into_set()
    }

    /// Whether a stored voter has fingerprint `hash`; if so, row `n` is recorded as its match.
    pub(super) fn match_row(&self, hash: i64, n: u32) -> bool {
        match self.hashes.voter(hash as u64) {
            Some(v) => {
                self.matched[v].store(n.saturating_add(1), Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// The row that matched the stored fingerprint `hash` (the last one), if any.
    pub(super) fn matching_row(&self, hash: i64) -> Option<u32> {
        self.hashes
            .voter(hash as u64)
            .and_then(|v| self.matched[v].load(Ordering::Relaxed).checked_sub(1))
    }

    /// The addresses of the stored voters whose fingerprint no row matched: voters that changed or are
    /// gone.
    pub(super) fn unmatched(&self) -> Vec<Tid> {
        self.addresses
            .iter()
            .zip(&self.matched)
            .filter(|(_, m)| m.load(Ordering::Relaxed) == 0)
            .map(|(address, _)| *address)
            .collect()
    }

    /// Stored fingerprints held.
    pub(super) fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether any stored voter has a source fingerprint.
    pub(super) fn has_sources(&self) -> bool {
        self.sources.len() > 0
    }
}

/// The stored fingerprints as they are read, in the lists they end in.
struct Read {
    hashes: Vec<Entry>,
    addresses: Vec<Tid>,
    sources: Vec<Entry>,
}

impl Read {
    fn with_capacity(voters: usize) -> Self {
        Self {
            hashes: Vec::with_capacity(voters),
            addresses: Vec::with_capacity(voters),
            sources: Vec::with_capacity(voters),
        }
    }

    fn push(&mut self, hash: u64, source: Option<u64>, address: Tid) {
        let voter = self.addresses.len() as u32;
        self.hashes.push(Entry { key: hash, voter });
        if let Some(key) = source {
            self.sources.push(Entry { key, voter });
        }
        self.addresses.push(address);
    }

    fn into_set(self) -> StoredFingerprints {
        let matched: Vec<AtomicU32> = (0..self.addresses.len())
            .map(|_| AtomicU32::new(0))
            .collect();
        let (hashes, repeated) = SortedKeys::new(self.hashes).without_repeats();
        for v in repeated {
            matched[v].store(MATCHED_BY_SOURCE, Ordering::Relaxed);
        }
        // A source fingerprint twice would be one row stored as two voters: neither is recognised by it.
        let (sources, _) = SortedKeys::new(self.sources).without_repeats();
        StoredFingerprints {
            hashes,
            addresses: self.addresses,
            matched,
            sources,
        }
    }
}

impl StoredSources for StoredFingerprints {
    fn find(&self, source: u64) -> Option<usize> {
        self.sources.position(stored_source(source) as u64)
    }

    fn mark_present(&self, found: usize) {
        if let Some(entry) = self.sources.entries.get(found) {
            self.matched[entry.voter()].store(MATCHED_BY_SOURCE, Ordering::Relaxed);
        }
    }

    fn recognise_all(&self, sources: &[u64], recognised: &mut Vec<bool>) {
        recognised.clear();
        let mut keys = [0u64; LANES];
        let mut found = [None; LANES];
        for chunk in sources.chunks(LANES) {
            for (key, &source) in keys.iter_mut().zip(chunk) {
                *key = stored_source(source) as u64;
            }
            self.sources.positions(&keys[..chunk.len()], &mut found);
            // The voters were read with the keys: their marks are the only misses left.
            for hit in &found[..chunk.len()] {
                if let Some(j) = hit {
                    let v = self.sources.entries[*j].voter();
                    self.matched[v].store(MATCHED_BY_SOURCE, Ordering::Relaxed);
                }
                recognised.push(hit.is_some());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StoredFingerprints;
    use super::Tid;

    fn with_ids(hashes: &[u64]) -> Vec<(u64, Option<u64>, Tid)> {
        hashes.iter().map(|h| (*h, None, Tid::of(*h))).collect()
    }

    #[test]
    fn finds_every_stored_fingerprint_and_nothing_else() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let stored: Vec<u64> = (0..10_000).map(|_| next()).collect();
        let others: Vec<u64> = (0..10_000).map(|_| next()).collect();
        let set = StoredFingerprints::new(with_ids(&stored));
        assert_eq!(set.len(), 10_000);
        for (n, h) in stored.iter().enumerate().step_by(2) {
            assert!(set.match_row(*h as i64, n as u32));
        }
        for h in &others {
            assert!(!set.match_row(*h as i64, 0));
        }
        assert_eq!(set.matching_row(stored[4] as i64), Some(4));
        assert_eq!(set.matching_row(stored[5] as i64), None);
        let mut unmatched = set.unmatched();
        unmatched.sort_unstable();
        let mut want: Vec<Tid> = stored
            .iter()
            .skip(1)
            .step_by(2)
            .map(|h| Tid::of(*h))
            .collect();
        want.sort_unstable();
        assert_eq!(unmatched, want);
    }

    #[test]
    fn small_and_extreme_sets() {
        let empty = StoredFingerprints::new(Vec::new());
        assert!(!empty.match_row(7, 0));
        let edges = StoredFingerprints::new(with_ids(&[0, u64::MAX, 1 << 63, 3]));
        for h in [0u64, u64::MAX, 1 << 63, 3] {
            assert!(edges.match_row(h as i64, 9));
        }
        assert!(!edges.match_row(4, 0));
        assert!(edges.unmatched().is_empty());
    }

    #[test]
    fn voters_with_one_fingerprint_are_neither_matched_nor_taken_for_changed() {
        let id = |n: u64| Tid::of(n);
        let set = StoredFingerprints::new(vec![
            (5, None, id(1)),
            (9, None, id(2)),
            (5, None, id(3)),
            (7, None, id(4)),
        ]);
        assert_eq!(set.len(), 2);
        assert!(!set.match_row(5, 0));
        assert!(set.match_row(7, 0));
        assert_eq!(set.unmatched(), vec![id(2)]);
    }

    #[test]
    fn a_stored_source_fingerprint_marks_its_voter_present() {
        use super::super::fingerprints::stored_source;
        use winserve_application::StoredSources;
        let id = |n: u64| Tid::of(n);
        let set = StoredFingerprints::new(vec![
            (10, Some(stored_source(100) as u64), id(1)),
            (20, None, id(2)),
            (30, Some(stored_source(300) as u64), id(3)),
            // One source fingerprint for two voters: recognises neither.
            (40, Some(stored_source(400) as u64), id(4)),
            (50, Some(stored_source(400) as u64), id(5)),
        ]);
        assert!(set.has_sources());
        assert!(set.find(20).is_none() && set.find(200).is_none() && set.find(400).is_none());
        let found = set.find(100).unwrap();
        assert_eq!(set.unmatched().len(), 5, "finding marks nothing");
        set.mark_present(found);
        assert!(set.match_row(30, 8));
        let mut unmatched = set.unmatched();
        unmatched.sort_unstable();
        assert_eq!(unmatched, vec![id(2), id(4), id(5)]);
        // A voter recognised by its source is no earlier row's match.
        assert_eq!(set.matching_row(10), Some(u32::MAX - 1));
        assert!(!StoredFingerprints::new(with_ids(&[1, 2])).has_sources());
    }

    #[test]
    fn recognising_many_rows_at_once_is_finding_and_marking_each() {
        use super::super::fingerprints::stored_source;
        use winserve_application::StoredSources;
        // Sources 1..=100 stored for voters with fingerprints 1000..; asked: 37 rows (two chunks and a
        // part), every third one unknown.
        let stored: Vec<(u64, Option<u64>, Tid)> = (1..=100u64)
            .map(|n| (1000 + n, Some(stored_source(n) as u64), Tid::of(n)))
            .collect();
        let asked: Vec<u64> = (1..=37u64)
            .map(|n| if n % 3 == 0 { 10_000 + n } else { n * 2 })
            .collect();
        let (at_once, one_by_one) = (
            StoredFingerprints::new(stored.clone()),
            StoredFingerprints::new(stored),
        );
        let mut recognised = vec![true; 3];
        at_once.recognise_all(&asked, &mut recognised);
        let expected: Vec<bool> = asked
            .iter()
            .map(|&s| match one_by_one.find(s) {
                Some(found) => {
                    one_by_one.mark_present(found);
                    true
                }
                None => false,
            })
            .collect();
        assert_eq!(recognised, expected);
        assert_eq!(recognised.iter().filter(|r| **r).count(), 25);
        let sorted = |set: &StoredFingerprints| {
            let mut ids = set.unmatched();
            ids.sort_unstable();
            ids
        };
        assert_eq!(sorted(&at_once), sorted(&one_by_one));
        assert_eq!(at_once.unmatched().len(), 75);
        at_once.recognise_all(&[], &mut recognised);
        assert!(recognised.is_empty());
    }
}
