//! The district plan: which districts exist for a number of voters, how many voters each should hold, and
//! the layout that places a voter in them.
//!
//! Every voter has a position `p` on a circle of 2^64 ticks (a Weyl sequence, see `voter_position`). The
//! state is the whole circle; counties are consecutive arcs of it, sized by their planned share; the city
//! is the first arc of the first (largest) county and its wards split it evenly; each county is split
//! evenly into its school districts and ZIP codes; state house, state senate and congressional districts
//! split the whole circle evenly (so they cross county lines, as real ones do). Because the Weyl sequence
//! is equidistributed, the number of voters falling in an arc is its planned size to within a few voters.

use super::data::{self, StateInfo};
use super::params::SeedParams;
use crate::seed::rng::{GOLDEN, mix64};
use winserve_domain::{BallotReadyId, L2Name, L2Type, PositionLevel, StateCode};

/// The district columns of the generated `voters.csv`, after the voter columns (`winserve_domain::L2_HEADERS`): one per L2 district type
/// of the plan except the statewide `State` (see the module documentation). A voter outside the city has
/// empty `City` and `City_Ward`.
pub const DISTRICT_COLUMNS: [&str; 7] = [COUNTY, CITY, CITY_WARD, SCHOOL, HOUSE, SENATE, CONGRESS];

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
    pub(super) layout: Layout,
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

/// Voters per county at the benchmark scale (about 5 counties at 2,000,000 voters).
const VOTERS_PER_COUNTY: u64 = 400_000;
/// The most counties a plan has.
const MAX_COUNTIES: u64 = 200;
/// The size of the city at large scales.
const MAX_CITY_VOTERS: u64 = 100_000;
/// The number of wards of a city of at least 1,000 voters.
const WARDS: u64 = 10;
/// Voters per school board district.
const VOTERS_PER_SCHOOL_DISTRICT: u64 = 75_000;
/// Voters per state house district.
const VOTERS_PER_HOUSE_DISTRICT: u64 = 50_000;
/// Voters per congressional district.
const VOTERS_PER_CONGRESSIONAL_DISTRICT: u64 = 750_000;
/// Voters per ZIP code.
const VOTERS_PER_ZIP: u64 = 15_000;

/// The L2 type of the statewide district.
pub(crate) const STATE: &str = winserve_domain::STATEWIDE_L2_TYPE;
/// The L2 type of counties.
pub(crate) const COUNTY: &str = "County";
/// The L2 type of cities.
pub(crate) const CITY: &str = "City";
/// The L2 type of city wards.
pub(crate) const CITY_WARD: &str = "City_Ward";
/// The L2 type of school board districts.
pub(crate) const SCHOOL: &str = "School_Board_District";
/// The L2 type of state house districts.
pub(crate) const HOUSE: &str = "State_House_District";
/// The L2 type of state senate districts.
pub(crate) const SENATE: &str = "State_Senate_District";
/// The L2 type of congressional districts.
pub(crate) const CONGRESS: &str = "US_Congressional_District";

/// How a plan places voters; private to the generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The voter count the plan was made for.
    pub voters: u64,
    /// The state's area code.
    pub area_code: u16,
    /// The index (in `SeedPlan::districts`) of the statewide district.
    pub state_district: usize,
    /// The exclusive end tick of every county arc, in order.
    pub county_ends: Vec<u128>,
    /// The counties.
    pub counties: Vec<CountyLayout>,
    /// The city is the arc `[0, city_end)`, inside the first county.
    pub city_end: u128,
    /// The index of the city district.
    pub city_district: usize,
    /// The city's name in proper case (the address city of its voters).
    pub city_name: String,
    /// The exclusive end tick of every ward arc.
    pub ward_ends: Vec<u128>,
    /// The index of the first ward district.
    pub ward_first: usize,
    /// Number of state house districts.
    pub house_count: u64,
    /// The index of the first state house district.
    pub house_first: usize,
    /// The index of the first state senate district.
    pub senate_first: usize,
    /// Number of congressional districts.
    pub congress_count: u64,
    /// The index of the first congressional district.
    pub congress_first: usize,
}

/// One county's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CountyLayout {
    /// Its district index.
    pub district: usize,
    /// First tick.
    pub start: u128,
    /// Exclusive end tick.
    pub end: u128,
    /// The exclusive end tick of each of its school districts.
    pub school_ends: Vec<u128>,
    /// The index of its first school district.
    pub school_first: usize,
    /// The first of its ZIP codes (consecutive numbers).
    pub zip_base: u32,
    /// The exclusive end tick of each of its ZIP codes (an even split of the county).
    pub zip_ends: Vec<u128>,
    /// The town of each ZIP code (proper case); the first is the county seat.
    pub towns: Vec<String>,
}

/// Where a voter lives, as indices into the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Location {
    /// Index of the county in `Layout::counties`.
    pub county: usize,
    /// The ward's district index when the voter lives in the city.
    pub ward: Option<usize>,
    /// The school district's district index.
    pub school: usize,
    /// The index of the ZIP code within the county.
    pub zip: usize,
    /// The state house district's district index.
    pub house: usize,
    /// The state senate district's district index.
    pub senate: usize,
    /// The congressional district's district index.
    pub congress: usize,
}

/// 2^64, the length of the circle.
const TURN: u128 = 1 << 64;

/// The position of voter `index` on the circle: a Weyl sequence with the golden-ratio step, started at an
/// offset drawn from the seed. Consecutive voters land far apart, and any arc receives its share of voters
/// to within O(log N).
pub(crate) fn voter_position(rng_seed: u64, index: u64) -> u64 {
    mix64(rng_seed ^ 0x6A09_E667_F3BC_C908).wrapping_add(index.wrapping_mul(GOLDEN))
}

/// The tick at which `count` of `total` voters have been placed.
fn ticks(count: u64, total: u64) -> u128 {
    (u128::from(count) << 64) / u128::from(total.max(1))
}

/// Splits `total` into parts proportional to `weights`, by rounding the running sums.
fn split_weighted(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut previous = 0u64;
    let mut parts = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        let cum = if i + 1 == weights.len() {
            total
        } else {
            ((total as f64) * acc / sum).round() as u64
        }
        .clamp(previous, total);
        parts.push(cum - previous);
        previous = cum;
    }
    parts
}

/// Splits `total` into `parts` near-equal parts.
fn split_even(total: u64, parts: u64) -> Vec<u64> {
    let parts = parts.max(1);
    (0..parts)
        .map(|k| total * (k + 1) / parts - total * k / parts)
        .collect()
}

/// `n / per`, rounded, within `low..=high`.
fn scaled(n: u64, per: u64, low: u64, high: u64) -> u64 {
    ((n + per / 2) / per).clamp(low, high)
}

fn l2_type(value: &str) -> L2Type {
    L2Type::new(value).expect("the generator's L2 types are valid")
}

fn l2_name(value: &str) -> L2Name {
    L2Name::new(value).expect("the generator's L2 names are never empty")
}

/// The state's reference information.
pub(crate) fn state_info(state: &StateCode) -> (usize, &'static StateInfo) {
    data::STATES
        .iter()
        .enumerate()
        .find(|(_, s)| s.code == state.as_str())
        .unwrap_or((
            data::STATES.len() - 7,
            &data::STATES[data::STATES.len() - 7],
        ))
}

/// The name of the statewide district of a state: its full name in capitals (`WYOMING`).
pub(crate) fn statewide_name(state: &StateCode) -> L2Name {
    l2_name(&winserve_domain::state_name(state).to_uppercase())
}

/// The county names (proper case) and seats of a state: its real counties first, then generic names.
fn county_names(state: &StateInfo, count: usize) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = Vec::with_capacity(count);
    for (name, seat) in data::real_counties(state.code) {
        if names.len() == count {
            return names;
        }
        names.push(((*name).to_owned(), (*seat).to_owned()));
    }
    for (k, name) in data::GENERIC_COUNTIES.iter().enumerate() {
        if names.len() == count {
            return names;
        }
        if names.iter().any(|(n, _)| n == name) {
            continue;
        }
        let seat = data::GENERIC_TOWNS[k % data::GENERIC_TOWNS.len()];
        names.push(((*name).to_owned(), seat.to_owned()));
    }
    while names.len() < count {
        let k = names.len();
        names.push((
            format!("{} County {}", state.name, k + 1),
            data::GENERIC_TOWNS[(k * 7) % data::GENERIC_TOWNS.len()].to_owned(),
        ));
    }
    names
}

/// A BallotReady-style global id: base64 of `gid://ballot-factory/Position/<n>`.
pub(crate) fn position_id(n: u64) -> BallotReadyId {
    let gid = format!("gid://ballot-factory/Position/{n}");
    BallotReadyId::new(&base64(gid.as_bytes())).expect("base64 is a valid BallotReady id")
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Builds the plan of `params` (independent of `rng_seed`).
pub(crate) fn build(params: &SeedParams) -> SeedPlan {
    let n = params.voter_count();
    let (state_index, info) = state_info(&params.state);
    let state_upper = info.name.to_uppercase();
    let mut districts: Vec<SeedDistrict> = Vec::new();
    let mut push = |t: &str, name: &str, expected: u64| {
        districts.push(SeedDistrict {
            l2_type: l2_type(t),
            l2_name: l2_name(name),
            expected_voters: expected,
        });
        districts.len() - 1
    };

    let state_district = push(STATE, &state_upper, n);

    // Counties: about one per 400k voters (at least 3), mildly decreasing shares.
    let county_count = scaled(n, VOTERS_PER_COUNTY, 3, MAX_COUNTIES) as usize;
    let weights: Vec<f64> = (0..county_count)
        .map(|k| ((k + 1) as f64).powf(-0.35))
        .collect();
    let county_sizes = split_weighted(n, &weights);
    let names = county_names(info, county_count);

    // The city: the first arc of the largest county.
    let city_voters = {
        let c = (n / 20).min(MAX_CITY_VOTERS).min(county_sizes[0] * 4 / 5);
        c.max(county_sizes[0].min(1))
    };
    let ward_count = if city_voters >= 1_000 {
        WARDS
    } else {
        (city_voters / 100).max(1)
    };
    let ward_sizes = split_even(city_voters, ward_count);

    let mut counties = Vec::with_capacity(county_count);
    let mut county_ends = Vec::with_capacity(county_count);
    let mut cum = 0u64;
    for (k, ((name, seat), size)) in names.iter().zip(&county_sizes).enumerate() {
        let district = push(COUNTY, &name.to_uppercase(), *size);
        let start = ticks(cum, n);
        cum += size;
        let end = if k + 1 == county_count {
            TURN
        } else {
            ticks(cum, n)
        };
        county_ends.push(end);
        let zip_count = (size / VOTERS_PER_ZIP).clamp(1, 10);
        let zip_ends = (1..=zip_count)
            .map(|j| {
                if j == zip_count {
                    end
                } else {
                    start + (end - start) * u128::from(j) / u128::from(zip_count)
                }
            })
            .collect();
        let towns = (0..zip_count as usize)
            .map(|j| {
                if j == 0 {
                    seat.clone()
                } else {
                    data::GENERIC_TOWNS[(k * 7 + j * 3) % data::GENERIC_TOWNS.len()].to_owned()
                }
            })
            .collect();
        counties.push(CountyLayout {
            district,
            start,
            end,
            school_ends: Vec::new(),
            school_first: 0,
            zip_base: (info.zip3 * 100 + 1 + (k as u32) * 10) % 100_000,
            zip_ends,
            towns,
        });
    }

    let city_name = names[0].1.clone();
    let city_upper = city_name.to_uppercase();
    let city_district = push(CITY, &format!("{city_upper} CITY"), city_voters);
    let mut ward_ends = Vec::with_capacity(ward_sizes.len());
    let mut ward_first = 0;
    let mut cum = 0u64;
    for (k, size) in ward_sizes.iter().enumerate() {
        let d = push(
            CITY_WARD,
            &format!("{city_upper} CITY WARD {}", k + 1),
            *size,
        );
        if k == 0 {
            ward_first = d;
        }
        cum += size;
        ward_ends.push(ticks(cum, n));
    }
    let city_end = ticks(city_voters, n);

    // School board districts: each county split evenly, about 75k voters each.
    let mut county_start_voters = 0u64;
    for (k, size) in county_sizes.iter().enumerate() {
        let count = scaled(*size, VOTERS_PER_SCHOOL_DISTRICT, 1, 30);
        let county_upper = names[k].0.to_uppercase();
        let mut cum = county_start_voters;
        for (j, part) in split_even(*size, count).into_iter().enumerate() {
            let d = push(SCHOOL, &format!("{county_upper} CNTY SD {}", j + 1), part);
            cum += part;
            let county = &mut counties[k];
            if j == 0 {
                county.school_first = d;
            }
            let end = if cum == n { county.end } else { ticks(cum, n) };
            county.school_ends.push(end);
        }
        county_start_voters += size;
    }

    // State legislature and Congress: even splits of the whole state.
    let house_count = scaled(n, VOTERS_PER_HOUSE_DISTRICT, 2, 400);
    let house_sizes = split_even(n, house_count);
    let mut house_first = 0;
    for (k, size) in house_sizes.iter().enumerate() {
        let d = push(HOUSE, &format!("STATE HOUSE {:03}", k + 1), *size);
        if k == 0 {
            house_first = d;
        }
    }
    let senate_count = house_count.div_ceil(2);
    let mut senate_first = 0;
    for k in 0..senate_count as usize {
        let size = house_sizes[2 * k] + house_sizes.get(2 * k + 1).copied().unwrap_or(0);
        let d = push(SENATE, &format!("STATE SENATE {:03}", k + 1), size);
        if k == 0 {
            senate_first = d;
        }
    }
    let congress_count = scaled(n, VOTERS_PER_CONGRESSIONAL_DISTRICT, 1, 52);
    let mut congress_first = 0;
    for (k, size) in split_even(n, congress_count).into_iter().enumerate() {
        let d = push(
            CONGRESS,
            &format!("CONGRESSIONAL DISTRICT {:02}", k + 1),
            size,
        );
        if k == 0 {
            congress_first = d;
        }
    }

    let layout = Layout {
        voters: n,
        area_code: info.area_code,
        state_district,
        county_ends,
        counties,
        city_end,
        city_district,
        city_name,
        ward_ends,
        ward_first,
        house_count,
        house_first,
        senate_first,
        congress_count,
        congress_first,
    };
    let positions = positions(state_index, info, &districts, &layout, &names);
    SeedPlan {
        state: params.state.clone(),
        voters: n,
        districts,
        positions,
        layout,
    }
}

/// The positions of a plan: a few per district, plus one without a district.
///
/// Position numbers are `1_000_000_000 + state·10^7 + kind·10^6 + district number·10 + role`, so a
/// position keeps its id whatever the voter count or seed, and states never collide.
fn positions(
    state_index: usize,
    info: &StateInfo,
    districts: &[SeedDistrict],
    layout: &Layout,
    counties: &[(String, String)],
) -> Vec<SeedPosition> {
    let state_name = info.name;
    let mut out = Vec::new();
    let mut add =
        |kind: u64, number: u64, role: u64, name: String, level, district: Option<usize>| {
            let n = 1_000_000_000
                + (state_index as u64) * 10_000_000
                + kind * 1_000_000
                + number * 10
                + role;
            out.push(SeedPosition {
                ballotready_position_id: position_id(n),
                name,
                level,
                district: district
                    .map(|d| (districts[d].l2_type.clone(), districts[d].l2_name.clone())),
            });
        };
    let sd = Some(layout.state_district);
    add(
        0,
        0,
        0,
        format!("Governor of {state_name}"),
        PositionLevel::State,
        sd,
    );
    add(
        0,
        0,
        1,
        format!("{state_name} Secretary of State"),
        PositionLevel::State,
        sd,
    );
    add(
        0,
        0,
        2,
        format!("U.S. Senate - {state_name}"),
        PositionLevel::Federal,
        sd,
    );
    for k in 0..layout.congress_count {
        let name = if layout.congress_count == 1 {
            format!("U.S. House of Representatives - {state_name} At-Large")
        } else {
            format!(
                "U.S. House of Representatives - {state_name} District {}",
                k + 1
            )
        };
        add(
            1,
            k + 1,
            0,
            name,
            PositionLevel::Federal,
            Some(layout.congress_first + k as usize),
        );
    }
    for k in 0..layout.house_count.div_ceil(2) {
        let name = format!("{state_name} State Senate - District {}", k + 1);
        add(
            2,
            k + 1,
            0,
            name,
            PositionLevel::State,
            Some(layout.senate_first + k as usize),
        );
    }
    for k in 0..layout.house_count {
        let name = format!("{state_name} House of Representatives - District {}", k + 1);
        add(
            3,
            k + 1,
            0,
            name,
            PositionLevel::State,
            Some(layout.house_first + k as usize),
        );
    }
    for (k, (county, c)) in counties
        .iter()
        .map(|(name, _)| name)
        .zip(&layout.counties)
        .enumerate()
    {
        let k = k as u64 + 1;
        let d = Some(c.district);
        add(
            4,
            k,
            0,
            format!("{county} County Commission"),
            PositionLevel::County,
            d,
        );
        add(
            4,
            k,
            1,
            format!("{county} County Sheriff"),
            PositionLevel::County,
            d,
        );
        add(
            4,
            k,
            2,
            format!("{county} County Clerk"),
            PositionLevel::County,
            d,
        );
        for j in 0..c.school_ends.len() {
            let name = format!(
                "{county} County School District {} Board of Trustees",
                j + 1
            );
            add(
                7,
                k * 100 + j as u64 + 1,
                0,
                name,
                PositionLevel::Local,
                Some(c.school_first + j),
            );
        }
    }
    let city = &layout.city_name;
    let cd = Some(layout.city_district);
    add(5, 1, 0, format!("Mayor of {city}"), PositionLevel::City, cd);
    add(
        5,
        1,
        1,
        format!("{city} City Council - At Large"),
        PositionLevel::City,
        cd,
    );
    for k in 0..layout.ward_ends.len() {
        let name = format!("{city} City Council - Ward {}", k + 1);
        add(
            6,
            k as u64 + 1,
            0,
            name,
            PositionLevel::City,
            Some(layout.ward_first + k),
        );
    }
    add(
        8,
        0,
        0,
        format!("{state_name} Conservation District Supervisor"),
        PositionLevel::Regional,
        None,
    );
    out
}

impl Layout {
    /// Places the voter at position `p`.
    pub(crate) fn locate(&self, p: u64) -> Location {
        let t = u128::from(p);
        let county = self
            .county_ends
            .partition_point(|&end| end <= t)
            .min(self.counties.len() - 1);
        let c = &self.counties[county];
        let school = c
            .school_ends
            .partition_point(|&end| end <= t)
            .min(c.school_ends.len() - 1);
        let zip = c
            .zip_ends
            .partition_point(|&end| end <= t)
            .min(c.zip_ends.len() - 1);
        let ward = (t < self.city_end).then(|| {
            let w = self
                .ward_ends
                .partition_point(|&end| end <= t)
                .min(self.ward_ends.len() - 1);
            self.ward_first + w
        });
        let house = ((t * u128::from(self.house_count)) >> 64) as usize;
        let congress = ((t * u128::from(self.congress_count)) >> 64) as usize;
        Location {
            county,
            ward,
            school: c.school_first + school,
            zip,
            house: self.house_first + house,
            senate: self.senate_first + house / 2,
            congress: self.congress_first + congress,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seed_base64_matches_known_ballotready_id() {
        assert_eq!(
            base64(b"gid://ballot-factory/Position/144555"),
            "Z2lkOi8vYmFsbG90LWZhY3RvcnkvUG9zaXRpb24vMTQ0NTU1"
        );
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    #[test]
    fn seed_splits_sum_to_total() {
        for total in [0u64, 1, 7, 1000, 2_000_000] {
            assert_eq!(
                split_weighted(total, &[1.0, 0.8, 0.7]).iter().sum::<u64>(),
                total
            );
            assert_eq!(split_even(total, 7).iter().sum::<u64>(), total);
        }
    }
}
