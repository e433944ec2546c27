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
mod plan;
mod rng;
mod tables;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

pub use files::{write_positions_csv, write_voters_csv};

use winserve_domain::{BallotReadyId, L2Name, L2Type, PositionLevel, StateCode, Voter};

/// The seed used when none is given.
pub const DEFAULT_RNG_SEED: u64 = 1;

/// The most voters one run generates (LAL voter ids have nine digits); larger counts are capped.
pub const MAX_VOTERS: u64 = 1_000_000_000;

/// The voter columns of `voters.csv`, in the documented order (`interfaces.md`): the importer's own list,
/// so the generator and the importer cannot disagree.
pub use crate::import::voters::KNOWN_COLUMNS as VOTER_COLUMNS;

/// The district columns of the generated `voters.csv`, after [`VOTER_COLUMNS`]: one per L2 district type
/// of the plan except the statewide `State` (see the module documentation). A voter outside the city has
/// empty `City` and `City_Ward`.
pub const DISTRICT_COLUMNS: [&str; 7] = [
    plan::COUNTY,
    plan::CITY,
    plan::CITY_WARD,
    plan::SCHOOL,
    plan::HOUSE,
    plan::SENATE,
    plan::CONGRESS,
];

/// The L2 type of the statewide district.
pub const STATEWIDE_L2_TYPE: &str = plan::STATE;

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

/// A district of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedDistrict {
    /// Its L2 type (`County`, `City_Ward`, …, or `State` for the statewide district).
    pub l2_type: L2Type,
    /// Its L2 name (`LARAMIE`, `CHEYENNE CITY WARD 1`, …).
    pub l2_name: L2Name,
    /// How many of the generated voters it holds (to within a few voters).
    pub expected_voters: u64,
}

/// A BallotReady-style position of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedPosition {
    /// Its global id: base64 of `gid://ballot-factory/Position/<n>`, stable for a given state and district
    /// whatever the voter count or seed.
    pub ballotready_position_id: BallotReadyId,
    /// Its name, e.g. `Cheyenne City Council - Ward 1`.
    pub name: String,
    /// Its level.
    pub level: PositionLevel,
    /// Its natural district `(l2_type, l2_name)`, one of the plan's; `None` for a position without one.
    pub district: Option<(L2Type, L2Name)>,
}

/// The districts and positions generated for some [`SeedParams`]; see [`plan()`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedPlan {
    /// The state.
    pub state: StateCode,
    /// The number of voters the plan is sized for.
    pub voters: u64,
    /// Every district: the statewide one first, then counties, the city, its wards, school board, state
    /// house, state senate and congressional districts.
    pub districts: Vec<SeedDistrict>,
    /// Every position.
    pub positions: Vec<SeedPosition>,
    /// How voters are placed in the districts.
    layout: plan::Layout,
}

impl SeedPlan {
    /// The districts of one L2 type, in plan order.
    pub fn districts_of_type<'a>(
        &'a self,
        l2_type: &'a str,
    ) -> impl Iterator<Item = &'a SeedDistrict> + 'a {
        self.districts
            .iter()
            .filter(move |d| d.l2_type.as_str() == l2_type)
    }
}

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
