//! `winserve seed`: a deterministic generator of realistic L2-style reference data — a district plan of
//! realistic sizes, BallotReady-style positions for it, and any number of voters — for the demo and the
//! benchmarks.
//!
//! # Determinism
//!
//! Everything is a pure function of [`SeedParams`]. The [`plan()`] depends only on the voter count and the
//! state (so position ids and district names stay the same whatever the seed); each voter depends only on
//! `(rng_seed, index)`, so voters can be generated in any order and on any number of threads
//! ([`VoterGenerator::generate`] takes `&self` and the generator is `Send + Sync`). The random streams come
//! from a hand-written SplitMix64 (no `rand` dependency), so the output never changes with a dependency
//! upgrade.
//!
//! # The district plan
//!
//! For `N` voters (shown for `N = 2,000,000`):
//!
//! | L2 type | count | size |
//! |---|---|---|
//! | `State` | 1 (`WYOMING`) | all `N` |
//! | `County` | `round(N / 400k)`, at least 3 (5) | mildly decreasing shares (548k … 312k) |
//! | `City` | 1 (`CHEYENNE CITY`), in the first county | `min(N / 20, 100k)` (100k) |
//! | `City_Ward` | 10 (`CHEYENNE CITY WARD 1`…), splitting the city | 10k |
//! | `School_Board_District` | `round(county / 75k)` per county (`LARAMIE CNTY SD 1`…) (26) | ~75k (71k … 84k) |
//! | `State_House_District` | `round(N / 50k)`, 2 to 400 (`STATE HOUSE 001`…) (40) | 50k |
//! | `State_Senate_District` | two house districts each (`STATE SENATE 001`…) (20) | 100k |
//! | `US_Congressional_District` | `round(N / 750k)`, 1 to 52 (`CONGRESSIONAL DISTRICT 01`…) (3) | ~667k |
//!
//! Real county and seat names are embedded for WY, CA, TX, NC, PA and FL; other states (and counties past
//! the real ones) use county names common to many states (`WASHINGTON`, `JEFFERSON`, …) and then
//! `<STATE> COUNTY <k>`. Each district's [`SeedDistrict::expected_voters`] is its planned size; the actual
//! number of generated voters in it differs by at most a few voters (positions on the state follow an
//! equidistributed Weyl sequence).
//!
//! # The statewide district
//!
//! The statewide district has the L2 type `State` and the state's full name in capitals (`WYOMING`, see
//! [`statewide_district`]). Every generated [`Voter`]'s `districts` includes it, but the voters CSV has
//! no column for it — the `State` column is already the voter's state code, and L2 files have no statewide
//! column — so **a loader of `voters.csv` must add every voter to the statewide district of its state**
//! (`(State, <FULL NAME>)`) itself. Positions with a statewide district (governor, U.S. Senate) name it in
//! `positions.csv` as `l2_type = State`, `l2_name = WYOMING`.
//!
//! # Voters
//!
//! Each voter's L2 text is drawn first (realistic mixes of gender, age with about 3% unknown, party,
//! voter status, ethnicity-consistent names with accented and hyphenated ones, addresses with ZIP codes
//! per county, about 65% cell and 30% landline phones in the fictional 555 exchange, …), and the
//! [`Voter`] is mapped from that text with the domain's `from_l2` functions — so a written CSV row and the
//! generated `Voter` always agree.
//!
//! ```
//! use winserve_voter_file::seed::{SeedParams, VoterGenerator};
//! use winserve_domain::StateCode;
//!
//! let params = SeedParams::new(1_000, StateCode::new("WY").unwrap());
//! let generator = VoterGenerator::new(&params);
//! let voter = generator.generate(42);
//! assert!(voter.lal_voter_id.starts_with("LALWY"));
//! assert_eq!(voter, generator.generate(42));
//! ```

mod data;
mod files;
mod generator;
mod params;
mod plan;
mod rng;
mod tables;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

pub use files::{write_positions_csv, write_voters_csv};
pub use params::{DEFAULT_RNG_SEED, MAX_VOTERS, SeedParams};
pub use plan::{DISTRICT_COLUMNS, SeedDistrict, SeedPlan, SeedPosition};
/// The voter columns of `voters.csv`, in the documented order (`interfaces.md`): the voter-file headers of
/// the registry (`winserve_domain::VOTER_COLUMNS`), as the importer knows them, so the generator and the
/// importer cannot disagree.
pub use winserve_domain::L2_HEADERS as VOTER_COLUMNS;

use winserve_domain::{L2Name, L2Type, StateCode, Voter};

/// The L2 type of the statewide district.
pub const STATEWIDE_L2_TYPE: &str = plan::STATE;

/// The district plan for `params`: districts of realistic sizes and the positions for them. It depends on
/// the voter count and the state only, not on the seed.
pub fn plan(params: &SeedParams) -> SeedPlan {
    plan::build(params)
}

/// The statewide district of `state`: `(State, <FULL NAME>)`, e.g. `(State, WYOMING)`. Loaders of
/// `voters.csv` add every voter to it (the file has no column for it).
pub fn statewide_district(state: &StateCode) -> (L2Type, L2Name) {
    (
        L2Type::new(STATEWIDE_L2_TYPE).expect("`State` is a valid L2 type"),
        plan::statewide_name(state),
    )
}

/// Voter `index` (from 0) of `params`, placed with `plan`, which must be [`plan()`]`(params)`.
///
/// Depends only on `(params.rng_seed, index)` and the plan: calls may be made in any order, from any
/// thread.
pub fn voter_at(params: &SeedParams, plan: &SeedPlan, index: u64) -> Voter {
    generator::voter(params, plan, index, generator::row(params, plan, index))
}

/// Every voter of `params`, in index order, generated lazily (memory use does not grow with the count).
pub fn voters(params: &SeedParams) -> impl Iterator<Item = Voter> + Send + 'static {
    let generator = VoterGenerator::new(params);
    (0..generator.len()).map(move |index| generator.generate(index))
}

/// Generates the voters of some [`SeedParams`] by index; share it (`&self`, `Send + Sync`) to generate
/// ranges of indices on several threads.
#[derive(Debug, Clone)]
pub struct VoterGenerator {
    params: SeedParams,
    plan: SeedPlan,
}

impl VoterGenerator {
    /// A generator for `params`, with its [`plan()`].
    pub fn new(params: &SeedParams) -> Self {
        Self {
            params: params.clone(),
            plan: plan(params),
        }
    }

    /// The parameters.
    pub fn params(&self) -> &SeedParams {
        &self.params
    }

    /// The district plan the voters are placed in.
    pub fn plan(&self) -> &SeedPlan {
        &self.plan
    }

    /// The number of voters: indices run from 0 to `len() - 1`.
    pub fn len(&self) -> u64 {
        self.params.voter_count()
    }

    /// Whether there are no voters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Voter `index`; the same index always gives the same voter.
    pub fn generate(&self, index: u64) -> Voter {
        voter_at(&self.params, &self.plan, index)
    }

    /// The voters with indices in `range`, lazily.
    pub fn range(&self, range: std::ops::Range<u64>) -> impl Iterator<Item = Voter> + '_ {
        range.map(|index| self.generate(index))
    }
}
