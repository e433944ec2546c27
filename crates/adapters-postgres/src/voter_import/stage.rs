//! The column lists and joins of the staged voters, shared by the set-wise merge (`voter_import.rs`) and
//! the build-and-swap of new partitions (`build_swap.rs`).

use std::sync::LazyLock;
use winserve_domain::VOTER_COLUMNS;

/// The voter columns that identify a voter: its id, and the natural key `(state, lal_voter_id)` that a
/// re-import matches on. The statements below name them; every other voter column is data.
pub(super) const KEY_COLUMNS: [&str; 3] = ["id", "state", "lal_voter_id"];

/// The data columns of `voters`: the registry's voter columns but the [`KEY_COLUMNS`], then the search
/// text and the sort keys (for searches that read voters alone, migration 000006), the voter's
/// fingerprint (migration 000010, ADR 0024) and its source fingerprint (migration 000019, ADR 0029).
pub(super) static DATA_COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    VOTER_COLUMNS
        .iter()
        .map(|c| c.name)
        .filter(|name| !KEY_COLUMNS.contains(name))
        .chain([
            "search_text",
            "last_name_key",
            "first_name_key",
            "row_hash",
            "source_hash",
        ])
        .collect()
});

/// Joined to `stage_voters s`: the voter's district set `t`, whose `district_ids` (sorted, as
/// `voters.district_ids` holds them, ADR 0014) are the voter's districts.
pub(super) const JOIN_SET: &str = "JOIN stage_sets t ON t.no = s.set_no";

/// `columns` qualified by `alias` and joined: `s.a, s.b`.
pub(super) fn qualified_columns(columns: &[&str], alias: &str) -> String {
    columns
        .iter()
        .map(|col| format!("{alias}.{col}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The membership columns copied from the voter.
pub(super) const MEMBER_COLUMNS: [&str; 9] = [
    "last_name_key",
    "first_name_key",
    "has_cell_phone",
    "has_landline",
    "has_address",
    "voter_status",
    "party",
    "age_range",
    "attributes",
];
