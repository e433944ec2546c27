//! Unchanged voters are recognised while the file is read, before they reach PostgreSQL (ADR 0024,
//! "Refresh"): when a state first appears in an import and all its stored voters have fingerprints, the
//! stored fingerprints (`voters.row_hash`) are read into memory, and a staged voter whose fingerprint is
//! among them — the same voter with the same data and districts, since the fingerprint covers the natural
//! key — is counted and not sent. A monthly refresh then stages the few percent of voters that are new or
//! changed instead of all of them, and the diff joins those few to the stored ones.
//!
//! The fingerprints that no file row matched belong to voters that changed or left the file; their ids
//! are kept with them, so that the merge finds the departed ones without reading the state's voters
//! again (`diff::merge_into_stored`).
//!
//! The same set answers the file reader's thread (ADR 0029): a row whose *source* fingerprint — of its
//! cells as they are in the file — is stored was written from those very cells, so it is recognised and
//! counted without being parsed, and its voter is marked as present.
//!
//! Memory: 40 bytes per stored voter (the sorted fingerprints, the voters' ids and, for each, the row
//! that matched it; the sorted source fingerprints and their voters), and tables of bucket starts that
//! make a lookup two cache misses instead of a binary search's twenty.

use crate::errors::pg_error;
use futures_util::{TryStreamExt, pin_mut};
use std::sync::atomic::{AtomicU32, Ordering};
use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyOutStream;
use tokio_postgres::types::Type;
use uuid::Uuid;
use winserve_application::{StoreError, StoredSources};

use super::fingerprints::stored_source;

/// Sorted 64-bit keys with a table of bucket starts: a lookup is two cache misses instead of a binary
/// search's twenty.
struct SortedKeys {
    /// Sorted, as unsigned numbers.
    keys: Vec<u64>,
    /// `starts[b]..starts[b + 1]`: the keys whose top `bits` bits are `b`.
    starts: Vec<u32>,
    bits: u32,
}

impl SortedKeys {
    /// `keys` must be sorted.
    fn new(keys: Vec<u64>) -> Self {
        // About four keys per bucket.
        let bits = (keys.len() / 4).max(1).ilog2().min(24);
        let buckets = 1usize << bits;
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut at = 0usize;
        for b in 0..buckets {
            while at < keys.len() && Self::bucket_of(keys[at], bits) < b {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(keys.len() as u32);
        Self { keys, starts, bits }
    }

    fn bucket_of(key: u64, bits: u32) -> usize {
        if bits == 0 {
            0
        } else {
            (key >> (64 - bits)) as usize
        }
    }

    fn position(&self, key: u64) -> Option<usize> {
        let b = Self::bucket_of(key, self.bits);
        let (from, to) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        self.keys[from..to]
            .binary_search(&key)
            .ok()
            .map(|i| from + i)
    }

    /// [`Self::position`] of each of `keys` (at most [`LANES`]) into `found`. The buckets of all are read
    /// first, then the first key of each, then the searches run in the cache: the misses of different
    /// keys overlap instead of each waiting for the one before.
    fn positions(&self, keys: &[u64], found: &mut [Option<usize>; LANES]) {
        let mut ranges = [(0usize, 0usize); LANES];
        for (range, &key) in ranges.iter_mut().zip(keys) {
            let b = Self::bucket_of(key, self.bits);
            *range = (self.starts[b] as usize, self.starts[b + 1] as usize);
        }
        let mut touched = 0u64;
        for &(from, to) in &ranges[..keys.len()] {
            if from < to {
                touched ^= self.keys[from];
            }
        }
        std::hint::black_box(touched);
        for ((slot, &(from, to)), &key) in found.iter_mut().zip(&ranges).zip(keys) {
            *slot = self.keys[from..to]
                .binary_search(&key)
                .ok()
                .map(|i| from + i);
        }
    }
}

/// Lookups done together by [`SortedKeys::positions`].
const LANES: usize = 16;

/// `matched[i]` of a voter recognised by its source fingerprint: files have no repeated voter ids, so no
/// other row of the import can be that voter (see `diff::diff_filtered_states`).
const MATCHED_BY_SOURCE: u32 = u32::MAX;

/// The stored fingerprints of one state, and which row of the import matched each. Shared by the
/// import (which matches staged voters by fingerprint) and the file reader's thread (which matches rows
/// by source fingerprint, [`StoredSources`]): matches are atomic.
pub(super) struct StoredFingerprints {
    /// The stored voters' fingerprints (`row_hash`).
    hashes: SortedKeys,
    /// `ids[i]`: the id of the voter whose fingerprint is `hashes.keys[i]`.
    ids: Vec<Uuid>,
    /// `matched[i]`: 0 while no row matched `hashes.keys[i]`, else that row's `n` + 1 (the last such row).
    matched: Vec<AtomicU32>,
    /// The stored source fingerprints (`source_hash`) of the voters that have one, and for each
    /// (`by_source[j]`) the voter's index in `hashes`.
    sources: SortedKeys,
    by_source: Vec<u32>,
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
        // The partition's row estimate (-1 before its first analyze), a little over: the list is
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
                "COPY (SELECT row_hash, source_hash, id FROM voters \
                 WHERE state = {literal} AND row_hash IS NOT NULL) TO STDOUT (FORMAT binary)"
            ))
            .await
            .map_err(pg_error)?;
        let rows = BinaryCopyOutStream::new(stream, &[Type::INT8, Type::INT8, Type::UUID]);
        pin_mut!(rows);
        let mut stored = Vec::with_capacity(capacity);
        while let Some(row) = rows.try_next().await.map_err(pg_error)? {
            let hash = row.try_get::<i64>(0).map_err(pg_error)?;
            let source = row.try_get::<Option<i64>>(1).map_err(pg_error)?;
            let id = row.try_get::<Uuid>(2).map_err(pg_error)?;
            stored.push((hash as u64, source.map(|s| s as u64), id));
        }
        c.batch_execute("SET LOCAL jit = DEFAULT")
            .await
            .map_err(pg_error)?;
        Ok(Some(Self::new(stored)))
    }

    /// The set of the stored voters `(fingerprint, source fingerprint, id)`, none matched yet. (Two voters
    /// with one fingerprint would be one voter twice: the natural key is part of it.)
    pub(super) fn new(mut stored: Vec<(u64, Option<u64>, Uuid)>) -> Self {
        stored.sort_unstable_by_key(|(h, _, _)| *h);
        stored.dedup_by_key(|(h, _, _)| *h);
        // Built so that at most about four bytes in ten of the input are held twice: the input is
        // split and dropped before the source fingerprints are sorted.
        let mut sources: Vec<(u64, u32)> = stored
            .iter()
            .enumerate()
            .filter_map(|(i, (_, source, _))| source.map(|s| (s, i as u32)))
            .collect();
        let mut hashes = Vec::with_capacity(stored.len());
        let mut ids = Vec::with_capacity(stored.len());
        for (hash, _, id) in stored {
            hashes.push(hash);
            ids.push(id);
        }
        sources.sort_unstable();
        // A source fingerprint twice would be one row stored as two voters: neither is recognised by it.
        // Kept in place: `kept` trails `i`.
        let (mut kept, mut i) = (0, 0);
        while i < sources.len() {
            let mut j = i + 1;
            while j < sources.len() && sources[j].0 == sources[i].0 {
                j += 1;
            }
            if j == i + 1 {
                sources[kept] = sources[i];
                kept += 1;
            }
            i = j;
        }
        sources.truncate(kept);
        let mut source_keys = Vec::with_capacity(kept);
        let mut by_source = Vec::with_capacity(kept);
        for (key, voter) in sources {
            source_keys.push(key);
            by_source.push(voter);
        }
        let matched = (0..hashes.len()).map(|_| AtomicU32::new(0)).collect();
        Self {
            hashes: SortedKeys::new(hashes),
            ids,
            matched,
            sources: SortedKeys::new(source_keys),
            by_source,
        }
    }

    /// Whether a stored voter has fingerprint `hash`; if so, row `n` is recorded as its match.
    pub(super) fn match_row(&self, hash: i64, n: u32) -> bool {
        match self.hashes.position(hash as u64) {
            Some(i) => {
                self.matched[i].store(n.saturating_add(1), Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// The row that matched the stored fingerprint `hash` (the last one), if any.
    pub(super) fn matching_row(&self, hash: i64) -> Option<u32> {
        self.hashes
            .position(hash as u64)
            .and_then(|i| self.matched[i].load(Ordering::Relaxed).checked_sub(1))
    }

    /// The ids of the stored voters whose fingerprint no row matched: voters that changed or are gone.
    pub(super) fn unmatched(&self) -> Vec<Uuid> {
        self.ids
            .iter()
            .zip(&self.matched)
            .filter(|(_, m)| m.load(Ordering::Relaxed) == 0)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Stored fingerprints held.
    pub(super) fn len(&self) -> usize {
        self.hashes.keys.len()
    }

    /// Whether any stored voter has a source fingerprint.
    pub(super) fn has_sources(&self) -> bool {
        !self.sources.keys.is_empty()
    }
}

impl StoredSources for StoredFingerprints {
    fn find(&self, source: u64) -> Option<usize> {
        self.sources.position(stored_source(source) as u64)
    }

    fn mark_present(&self, found: usize) {
        if let Some(&i) = self.by_source.get(found) {
            self.matched[i as usize].store(MATCHED_BY_SOURCE, Ordering::Relaxed);
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
            // The voters first, then their marks: again misses side by side.
            let mut voters = [None; LANES];
            for (voter, hit) in voters.iter_mut().zip(&found[..chunk.len()]) {
                *voter = hit.and_then(|j| self.by_source.get(j)).copied();
            }
            for (voter, hit) in voters.iter().zip(&found[..chunk.len()]) {
                if let Some(i) = voter {
                    self.matched[*i as usize].store(MATCHED_BY_SOURCE, Ordering::Relaxed);
                }
                recognised.push(hit.is_some());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StoredFingerprints;
    use uuid::Uuid;

    fn with_ids(hashes: &[u64]) -> Vec<(u64, Option<u64>, Uuid)> {
        hashes
            .iter()
            .map(|h| (*h, None, Uuid::from_u64_pair(*h, 7)))
            .collect()
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
        let mut want: Vec<Uuid> = stored
            .iter()
            .skip(1)
            .step_by(2)
            .map(|h| Uuid::from_u64_pair(*h, 7))
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
    fn a_stored_source_fingerprint_marks_its_voter_present() {
        use super::super::fingerprints::stored_source;
        use winserve_application::StoredSources;
        let id = |n: u64| Uuid::from_u64_pair(n, 1);
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
        let stored: Vec<(u64, Option<u64>, Uuid)> = (1..=100u64)
            .map(|n| {
                (
                    1000 + n,
                    Some(stored_source(n) as u64),
                    Uuid::from_u64_pair(n, 2),
                )
            })
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
