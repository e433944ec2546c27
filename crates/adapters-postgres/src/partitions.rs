//! The names of a state's partitions of `voters` and `voter_districts`, for statements that read one
//! state's rows (docs/adr/0015-contacts-statements-name-the-state-partition.md).
//!
//! A statement on the partitioned parent is planned anew on every execution (pruning 56 partitions per
//! table takes longer than running a page) and its generic plan cannot prune at plan time; the same
//! statement on the state's partition is an ordinary one-table statement whose cached generic plan
//! PostgreSQL reuses, which doubles the throughput of the contacts page.
//!
//! The names come from [`STATE_CODES`], the list migration 000003 creates the partitions from — never
//! from a caller's text.

use std::collections::HashMap;
use std::sync::LazyLock;
use winserve_domain::{STATE_CODES, StateCode};

/// A state's two partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StatePartitions {
    /// Its partition of `voters`, e.g. `voters_wy`.
    pub voters: &'static str,
    /// Its partition of `voter_districts`, e.g. `voter_districts_wy`.
    pub memberships: &'static str,
}

/// `(voters partition, voter_districts partition)` per state code.
static PARTITIONS: LazyLock<HashMap<&'static str, (String, String)>> = LazyLock::new(|| {
    STATE_CODES
        .iter()
        .map(|code| {
            let lower = code.to_ascii_lowercase();
            (
                *code,
                (
                    format!("voters_{lower}"),
                    format!("voter_districts_{lower}"),
                ),
            )
        })
        .collect()
});

/// The partitions holding `state`'s voters and memberships. Every [`StateCode`] has them (created by
/// migration 000003 from the same list); the parents are the answer for a code without, so a statement
/// stays correct — only slower — should the lists ever diverge.
pub(crate) fn of(state: &StateCode) -> StatePartitions {
    match PARTITIONS.get(state.as_str()) {
        Some((voters, memberships)) => StatePartitions {
            voters,
            memberships,
        },
        None => StatePartitions {
            voters: "voters",
            memberships: "voter_districts",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_its_partition_names() {
        for code in STATE_CODES {
            let parts = of(&StateCode::new(code).unwrap());
            let lower = code.to_ascii_lowercase();
            assert_eq!(parts.voters, format!("voters_{lower}"));
            assert_eq!(parts.memberships, format!("voter_districts_{lower}"));
        }
    }
}
