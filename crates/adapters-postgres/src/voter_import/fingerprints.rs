//! The two fingerprints an import stores per voter: `row_hash`, of the voter as it would be stored
//! (ADR 0024), and `source_hash`, of the file row it came from (ADR 0029). Kept apart from the import
//! itself so that the set of stored fingerprints (`unchanged`) can salt a file row's fingerprint
//! without depending on the import that uses it.

use winserve_domain::{STATEWIDE_L2_TYPE, Voter, state_name};

/// The keys of the voters' fingerprints (`voters.row_hash`): fixed, so that a fingerprint stored by one
/// import compares with the next one's. They name the fingerprint's definition: change them whenever it
/// changes, or when a derived column (search text, sort keys, filter values) is computed differently —
/// stored fingerprints then match nothing, and the next import of each state rewrites its voters with
/// the new derivation. `derived_columns_are_pinned` fails when a derivation changes.
pub(super) const ROW_HASH_KEYS: (u64, u64) = (0x7769_6e73_6572_7665, 0x766f_7465_722d_3032);

/// The fingerprint of a voter: SipHash-1-3 of its own columns as staged but the per-import one (the fresh
/// `id`), i.e. `columns` (the line from `lal_voter_id` to the last voter column), and of its districts'
/// types and names, sorted and without repeats. Every derived column is a function of these, so two
/// voters that would be stored alike get the same fingerprint, whatever path they came by (a file, the
/// seed) — and it is known before anything is derived (ADR 0024).
pub(super) fn row_hash(columns: &[u8], voter: &Voter) -> i64 {
    use std::hash::Hasher;
    let mut hasher = siphasher::sip::SipHasher13::new_with_keys(ROW_HASH_KEYS.0, ROW_HASH_KEYS.1);
    hasher.write(columns);
    // The districts as stored: the voter's own and its state's statewide district, which the import adds
    // whether or not the voter lists it (the seed's voters do, a file's do not).
    let statewide = state_name(&voter.state).to_uppercase();
    let mut districts: Vec<(&str, &str)> = voter
        .districts
        .iter()
        .map(|(t, name)| (t.as_str(), name.as_str()))
        .chain([(STATEWIDE_L2_TYPE, statewide.as_str())])
        .collect();
    districts.sort_unstable();
    districts.dedup();
    for (t, name) in districts {
        // Separators that cannot occur in a district's type or name keep the pairs apart.
        hasher.write(b"\x1e");
        hasher.write(t.as_bytes());
        hasher.write(b"\x1f");
        hasher.write(name.as_bytes());
    }
    // Stored as a bigint: the bits, not the sign, matter.
    hasher.finish() as i64
}

/// The stored form of a file row's source fingerprint (`voters.source_hash`, ADR 0029): salted with the
/// keys of the voters' fingerprints, so that a new derivation (new [`ROW_HASH_KEYS`]) also retires every
/// stored source fingerprint. (A salt is enough: the fingerprint is uniform already, and this runs for
/// every row of a file.)
pub(super) fn stored_source(source: u64) -> i64 {
    (source ^ ROW_HASH_KEYS.0.rotate_left(29) ^ ROW_HASH_KEYS.1) as i64
}
