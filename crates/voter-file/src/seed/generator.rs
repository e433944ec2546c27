//! Generation of one voter: first its L2 text (a [`Row`]), then the domain [`Voter`] whose values are the
//! domain's `from_l2` mappings of that very text (computed once per table entry, see `tables`), so the CSV
//! and the `Voter` always agree.

use super::data;
use super::params::SeedParams;
use super::plan::SeedPlan;
use super::plan::{Layout, Location, voter_position};
use super::rng::{Rng, mix64, permute62};
use super::tables::{TABLES, Tables};
use std::fmt::Write as _;
use winserve_domain::{
    Address, Education, Ethnicity, Gender, Homeowner, Language, MaritalStatus, PartyGroup, Voter,
    VoterId, VoterStatus, YesNo, YesUnknown,
};

/// An L2 text with the criteria value the domain maps it to.
pub(crate) type Mapped<E> = (&'static str, E);

/// One voter as L2 text (what a voter file row holds), each mapped text with its domain value, plus where
/// the voter lives.
#[derive(Debug, Clone)]
pub(crate) struct Row<'a> {
    pub lal_voter_id: String,
    pub state: &'a str,
    pub first_name: &'static str,
    pub middle_name: Option<&'static str>,
    pub last_name: &'static str,
    pub name_suffix: Option<&'static str>,
    pub age: Option<i16>,
    pub gender: Mapped<Gender>,
    pub party: Mapped<PartyGroup>,
    pub voter_status: Mapped<VoterStatus>,
    pub address_line: Option<String>,
    pub city: Option<&'a str>,
    pub zip: Option<u32>,
    pub cell_phone: Option<String>,
    pub landline: Option<String>,
    pub marital_status: Mapped<MaritalStatus>,
    pub children: Mapped<YesNo>,
    pub veteran: Mapped<YesUnknown>,
    pub homeowner: Mapped<Homeowner>,
    pub business_owner: Mapped<YesUnknown>,
    pub education: Mapped<Education>,
    pub ethnicity: Mapped<Ethnicity>,
    pub language: Mapped<Language>,
    pub income: Option<i32>,
    pub location: Location,
}

/// The keys derived from the run's seed.
#[derive(Debug, Clone, Copy)]
struct Keys {
    attributes: u64,
    uuid_high: u64,
    lal_offset: u64,
}

impl Keys {
    fn new(rng_seed: u64) -> Self {
        Self {
            attributes: mix64(rng_seed ^ 0xA076_1D64_78BD_642F),
            uuid_high: mix64(rng_seed ^ 0xE703_7ED1_A0B4_28DB),
            lal_offset: mix64(rng_seed ^ 0x8EBC_6AF0_9C88_C6E3) % LAL_MODULUS,
        }
    }
}

/// LAL voter ids have nine digits: voter `i` gets `(i·3^18 + offset) mod 10^9`, a bijection.
const LAL_MODULUS: u64 = 1_000_000_000;
const LAL_MULTIPLIER: u64 = 387_420_489;

/// Appends `value` in decimal, zero-padded to at least `width` digits (faster than `format!`).
pub(crate) fn push_digits(out: &mut String, mut value: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while value > 0 || buf.len() - i < width.max(1) {
        i -= 1;
        buf[i] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

fn phone(area_code: u16, rng: &mut Rng) -> String {
    // The 555 exchange keeps the numbers fictional.
    let mut s = String::with_capacity(14);
    s.push('(');
    push_digits(&mut s, u64::from(area_code), 3);
    s.push_str(") 555-");
    push_digits(&mut s, rng.below(10_000), 4);
    s
}

/// A ZIP code as five digits.
pub(crate) fn zip_text(zip: u32) -> String {
    let mut s = String::with_capacity(5);
    push_digits(&mut s, u64::from(zip), 5);
    s
}

fn address_line(rng: &mut Rng, tables: &Tables) -> String {
    let mut line = String::with_capacity(32);
    let number = if rng.chance(0.5) {
        rng.range(1, 999)
    } else {
        rng.range(1_000, 9_999)
    };
    push_digits(&mut line, u64::from(number), 1);
    line.push(' ');
    if rng.chance(0.15) {
        line.push_str(rng.pick(&["N ", "S ", "E ", "W "]));
    }
    line.push_str(rng.pick(data::STREETS));
    line.push(' ');
    line.push_str(tables.street_suffix.draw(rng).0);
    if rng.chance(0.12) {
        if rng.chance(0.7) {
            let _ = write!(line, " Apt {}", rng.range(1, 40));
        } else {
            let unit = ["A", "B", "C", "D"][rng.below(4) as usize];
            let _ = write!(line, " Unit {}{unit}", rng.range(1, 12));
        }
    }
    line
}

/// The first letter of a name, as a slice of it.
fn initial(name: &'static str) -> &'static str {
    let len = name.chars().next().map_or(0, char::len_utf8);
    &name[..len]
}

/// The L2 text of voter `index`.
pub(crate) fn row<'a>(params: &SeedParams, plan: &'a SeedPlan, index: u64) -> Row<'a> {
    let layout: &'a Layout = &plan.layout;
    let tables: &Tables = &TABLES;
    let keys = Keys::new(params.rng_seed);
    let mut rng = Rng::for_index(keys.attributes, index);
    let location = layout.locate(voter_position(params.rng_seed, index));

    // `index < MAX_VOTERS = 10^9`, so the product stays far below 2^64.
    let lal_number = ((index % LAL_MODULUS) * LAL_MULTIPLIER + keys.lal_offset) % LAL_MODULUS;
    let mut lal_voter_id = String::with_capacity(14);
    lal_voter_id.push_str("LAL");
    lal_voter_id.push_str(plan.state.as_str());
    push_digits(&mut lal_voter_id, lal_number, 9);

    // Demographics first: the names, language and status depend on them.
    let gender = tables.gender.draw(&mut rng);
    let age = if rng.chance(0.03) {
        None
    } else {
        let total: u32 = data::AGE_BRACKETS.iter().map(|b| b.2).sum();
        let mut r = rng.below(u64::from(total)) as u32;
        let mut bracket = data::AGE_BRACKETS[0];
        for b in data::AGE_BRACKETS {
            if r < b.2 {
                bracket = b;
                break;
            }
            r -= b.2;
        }
        Some(bracket.0 + rng.below((bracket.1 - bracket.0 + 1) as u64) as i16)
    };
    let ethnicity = tables.ethnicity.draw(&mut rng);
    let (hispanic, asian) = (
        ethnicity.1 == Ethnicity::Hispanic,
        ethnicity.1 == Ethnicity::Asian,
    );

    let male = match gender.1 {
        Gender::Male => true,
        Gender::Female => false,
        Gender::Unknown => rng.chance(0.5),
    };
    let (common_first, hispanic_first) = if male {
        (data::MALE_FIRST, data::HISPANIC_MALE_FIRST)
    } else {
        (data::FEMALE_FIRST, data::HISPANIC_FEMALE_FIRST)
    };
    let first_name = if hispanic && rng.chance(0.65) {
        rng.pick_frequent(hispanic_first)
    } else {
        rng.pick_frequent(common_first)
    };
    let middle_name = match rng.below(10) {
        0..=3 => Some(rng.pick_frequent(common_first)),
        4..=6 => Some(initial(rng.pick(common_first))),
        _ => None,
    };
    let last_list = {
        let r = rng.unit();
        let (h, a) = match (hispanic, asian, ethnicity.1 == Ethnicity::Unknown) {
            (true, _, _) => (0.85, 0.0),
            (_, true, _) => (0.0, 0.85),
            (_, _, true) => (0.10, 0.05),
            _ => (0.03, 0.01),
        };
        if r < h {
            data::HISPANIC_LAST
        } else if r < h + a {
            data::ASIAN_LAST
        } else {
            data::LAST_NAMES
        }
    };
    let last_name = rng.pick_frequent(last_list);
    let name_suffix = (male && rng.chance(0.03)).then(|| tables.suffix.draw(&mut rng).0);

    let party = tables.party.draw(&mut rng);
    let voter_status = match age {
        Some(a) if a <= 20 => &tables.status_young,
        Some(a) if a >= 60 => &tables.status_old,
        _ => &tables.status_other,
    }
    .draw(&mut rng);

    let county = &layout.counties[location.county];
    let (address_line, city, zip) = if rng.chance(0.01) {
        (None, None, None)
    } else {
        let city = if location.ward.is_some() {
            layout.city_name.as_str()
        } else {
            county.towns[location.zip].as_str()
        };
        (
            Some(address_line(&mut rng, tables)),
            Some(city),
            Some(county.zip_base + location.zip as u32),
        )
    };
    let cell_phone = rng.chance(0.65).then(|| phone(layout.area_code, &mut rng));
    let landline_p = match age {
        Some(a) if a >= 65 => 0.50,
        Some(a) if a >= 50 => 0.33,
        Some(_) => 0.20,
        None => 0.30,
    };
    let landline = rng
        .chance(landline_p)
        .then(|| phone(layout.area_code, &mut rng));

    let young = age.is_some_and(|a| a < 25);
    let marital_status = if young {
        &tables.marital_young
    } else {
        &tables.marital_other
    }
    .draw(&mut rng);
    let children = if age.is_some_and(|a| (25..=55).contains(&a)) {
        &tables.children_parents
    } else {
        &tables.children_other
    }
    .draw(&mut rng);
    let veteran_p = match (age, gender.1) {
        (Some(a), _) if a < 20 => 0.01,
        (_, Gender::Male) => 0.14,
        (_, Gender::Female) => 0.02,
        _ => 0.08,
    };
    let veteran = if rng.chance(veteran_p) {
        tables.yes
    } else {
        tables.blank
    };
    let homeowner = if young {
        &tables.homeowner_young
    } else {
        &tables.homeowner_other
    }
    .draw(&mut rng);
    let business_owner = if rng.chance(0.06) {
        tables.yes
    } else {
        tables.blank
    };
    let education = tables.education.draw(&mut rng);
    let language = if hispanic {
        &tables.language_hispanic
    } else if asian {
        &tables.language_asian
    } else {
        &tables.language_other
    }
    .draw(&mut rng);
    let income = if rng.chance(0.05) {
        None
    } else {
        let dollars = 62_000.0 * (0.65 * rng.normal()).exp();
        Some(((dollars / 1_000.0).round() as i32 * 1_000).clamp(10_000, 400_000))
    };

    Row {
        lal_voter_id,
        state: plan.state.as_str(),
        first_name,
        middle_name,
        last_name,
        name_suffix,
        age,
        gender,
        party,
        voter_status,
        address_line,
        city,
        zip,
        cell_phone,
        landline,
        marital_status,
        children,
        veteran,
        homeowner,
        business_owner,
        education,
        ethnicity,
        language,
        income,
        location,
    }
}

fn text(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// The UUID of voter `index`: a version-8 UUID whose high half comes from the seed and whose low 62 bits
/// are a bijection of the index, so ids are unique within a run and repeat across runs.
fn voter_id(rng_seed: u64, index: u64) -> VoterId {
    let high = Keys::new(rng_seed).uuid_high;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_be_bytes());
    // Adding a constant modulo 2^62 keeps the map a bijection (and index 0 away from an all-zero tail).
    bytes[8..].copy_from_slice(&permute62(index.wrapping_add(high)).to_be_bytes());
    VoterId::from_uuid(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

/// The domain voter of a row.
pub(crate) fn voter(params: &SeedParams, plan: &SeedPlan, index: u64, row: Row<'_>) -> Voter {
    let layout = &plan.layout;
    let loc = row.location;
    let mut districts = Vec::with_capacity(8);
    let mut add = |i: usize| {
        let d = &plan.districts[i];
        districts.push((d.l2_type.clone(), d.l2_name.clone()));
    };
    add(layout.state_district);
    add(layout.counties[loc.county].district);
    if let Some(ward) = loc.ward {
        add(layout.city_district);
        add(ward);
    }
    add(loc.school);
    add(loc.house);
    add(loc.senate);
    add(loc.congress);

    Voter {
        id: voter_id(params.rng_seed, index),
        lal_voter_id: row.lal_voter_id,
        state: plan.state.clone(),
        first_name: text(row.first_name),
        middle_name: row.middle_name.and_then(text),
        last_name: text(row.last_name),
        name_suffix: row.name_suffix.and_then(text),
        age: row.age,
        gender: row.gender.1,
        party_description: text(row.party.0),
        party: row.party.1,
        voter_status: row.voter_status.1,
        address: Address {
            line1: row.address_line,
            city: row.city.map(str::to_owned),
            state: Some(plan.state.as_str().to_owned()),
            zip: row.zip.map(zip_text),
        },
        cell_phone: row.cell_phone,
        landline: row.landline,
        marital_status: row.marital_status.1,
        has_children: row.children.1,
        veteran: row.veteran.1,
        homeowner: row.homeowner.1,
        business_owner: row.business_owner.1,
        education: row.education.1,
        ethnicity: row.ethnicity.1,
        language: row.language.1,
        estimated_income: row.income,
        districts,
    }
}
