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
//! Memory: 28 bytes per stored voter (the sorted fingerprints, the voters' ids and, for each, the row
//! that matched it), and a table of bucket starts that makes a lookup two cache misses instead of a
//! binary search's twenty.

use crate::errors::pg_error;
use futures_util::{TryStreamExt, pin_mut};
use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyOutStream;
use tokio_postgres::types::Type;
use uuid::Uuid;
use winserve_application::StoreError;

/// The stored fingerprints of one state, and which row of the import matched each.
pub(super) struct StoredFingerprints {
    /// Sorted, as unsigned numbers (the bits of the stored bigints).
    hashes: Vec<u64>,
    /// `ids[i]`: the id of the voter whose fingerprint is `hashes[i]`.
    ids: Vec<Uuid>,
    /// `matched[i]`: 0 while no row matched `hashes[i]`, else that row's `n` + 1 (the last such row).
    matched: Vec<u32>,
    /// `starts[b]..starts[b + 1]`: the fingerprints whose top `bits` bits are `b`.
    starts: Vec<u32>,
    bits: u32,
}

impl StoredFingerprints {
    /// The fingerprints of `state`'s stored voters, read in the import's transaction; `None` when the state
    /// holds no voter (it is built whole, ADR 0012) or holds voters stored before fingerprints existed
    /// (they are compared column by column in the merge).
    pub(super) async fn load(c: &Client, state: &str) -> Result<Option<Self>, StoreError> {
        let row = c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM voters WHERE state = $1),
                        EXISTS (SELECT 1 FROM voters WHERE state = $1 AND row_hash IS NULL)",
                &[&state],
            )
            .await
            .map_err(pg_error)?;
        let (any, without_fingerprint): (bool, bool) = (row.get(0), row.get(1));
        if !any || without_fingerprint {
            return Ok(None);
        }
        // COPY takes no parameters: the state is a validated code, quoted by `state_literal`.
        let literal = super::build_swap::state_literal(state)?;
        let stream = c
            .copy_out(&format!(
                "COPY (SELECT row_hash, id FROM voters WHERE state = {literal} AND row_hash IS NOT NULL) \
                 TO STDOUT (FORMAT binary)"
            ))
            .await
            .map_err(pg_error)?;
        let rows = BinaryCopyOutStream::new(stream, &[Type::INT8, Type::UUID]);
        pin_mut!(rows);
        let mut stored = Vec::new();
        while let Some(row) = rows.try_next().await.map_err(pg_error)? {
            let hash = row.try_get::<i64>(0).map_err(pg_error)?;
            let id = row.try_get::<Uuid>(1).map_err(pg_error)?;
            stored.push((hash as u64, id));
        }
        Ok(Some(Self::new(stored)))
    }

    /// The set of the stored voters `(fingerprint, id)`, none matched yet. (Two voters with one
    /// fingerprint would be one voter twice: the natural key is part of it.)
    pub(super) fn new(mut stored: Vec<(u64, Uuid)>) -> Self {
        stored.sort_unstable_by_key(|(h, _)| *h);
        stored.dedup_by_key(|(h, _)| *h);
        let (hashes, ids): (Vec<u64>, Vec<Uuid>) = stored.into_iter().unzip();
        // About four fingerprints per bucket.
        let bits = (hashes.len() / 4).max(1).ilog2().min(24);
        let buckets = 1usize << bits;
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut at = 0usize;
        for b in 0..buckets {
            while at < hashes.len() && Self::bucket_of(hashes[at], bits) < b {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(hashes.len() as u32);
        let matched = vec![0; hashes.len()];
        Self {
            hashes,
            ids,
            matched,
            starts,
            bits,
        }
    }

    fn bucket_of(hash: u64, bits: u32) -> usize {
        if bits == 0 {
            0
        } else {
            (hash >> (64 - bits)) as usize
        }
    }

    fn position(&self, hash: u64) -> Option<usize> {
        let b = Self::bucket_of(hash, self.bits);
        let (from, to) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        self.hashes[from..to]
            .binary_search(&hash)
            .ok()
            .map(|i| from + i)
    }

    /// Whether a stored voter has fingerprint `hash`; if so, row `n` is recorded as its match.
    pub(super) fn match_row(&mut self, hash: i64, n: u32) -> bool {
        match self.position(hash as u64) {
            Some(i) => {
                self.matched[i] = n.saturating_add(1);
                true
            }
            None => false,
        }
    }

    /// The row that matched the stored fingerprint `hash` (the last one), if any.
    pub(super) fn matching_row(&self, hash: i64) -> Option<u32> {
        self.position(hash as u64)
            .and_then(|i| self.matched[i].checked_sub(1))
    }

    /// The ids of the stored voters whose fingerprint no row matched: voters that changed or are gone.
    pub(super) fn unmatched(&self) -> Vec<Uuid> {
        self.ids
            .iter()
            .zip(&self.matched)
            .filter(|(_, m)| **m == 0)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Stored fingerprints held.
    pub(super) fn len(&self) -> usize {
        self.hashes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::StoredFingerprints;
    use uuid::Uuid;

    fn with_ids(hashes: &[u64]) -> Vec<(u64, Uuid)> {
        hashes
            .iter()
            .map(|h| (*h, Uuid::from_u64_pair(*h, 7)))
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
        let mut set = StoredFingerprints::new(with_ids(&stored));
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
        let mut empty = StoredFingerprints::new(Vec::new());
        assert!(!empty.match_row(7, 0));
        let mut edges = StoredFingerprints::new(with_ids(&[0, u64::MAX, 1 << 63, 3]));
        for h in [0u64, u64::MAX, 1 << 63, 3] {
            assert!(edges.match_row(h as i64, 9));
        }
        assert!(!edges.match_row(4, 0));
        assert!(edges.unmatched().is_empty());
    }
}
