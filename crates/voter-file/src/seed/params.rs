//! What to generate: [`SeedParams`].

use winserve_domain::StateCode;

/// The seed used when none is given.
pub const DEFAULT_RNG_SEED: u64 = 1;

/// The most voters one run generates (LAL voter ids have nine digits); larger counts are capped.
pub const MAX_VOTERS: u64 = 1_000_000_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SeedParams {
    /// The number of voters (at most [`MAX_VOTERS`]).
    pub voters: u64,
    /// The state of every district, position and voter.
    pub state: StateCode,
    /// The seed of the voters' attributes; the same seed always gives the same voters.
    pub rng_seed: u64,
}

impl SeedParams {
    /// `voters` voters in `state` with the [`DEFAULT_RNG_SEED`].
    pub fn new(voters: u64, state: StateCode) -> Self {
        Self {
            voters,
            state,
            rng_seed: DEFAULT_RNG_SEED,
        }
    }

    /// The number of voters that will be generated: `voters`, capped at [`MAX_VOTERS`].
    pub fn voter_count(&self) -> u64 {
        self.voters.min(MAX_VOTERS)
    }
}
