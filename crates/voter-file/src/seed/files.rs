//! The CSV writers: `voters.csv` and `positions.csv` in the formats of `interfaces.md`.

use super::generator::{self, Row, push_digits};
use super::params::SeedParams;
use super::plan::{DISTRICT_COLUMNS, SeedPlan};
use std::io;
use winserve_domain::L2_HEADERS as VOTER_COLUMNS;

/// The digits of a row's numbers, written into buffers reused from row to row.
#[derive(Default)]
struct Digits {
    age: String,
    zip: String,
    income: String,
}

impl Digits {
    fn fill(&mut self, row: &Row<'_>) {
        self.age.clear();
        self.zip.clear();
        self.income.clear();
        if let Some(a) = row.age {
            push_digits(&mut self.age, a.unsigned_abs().into(), 1);
        }
        if let Some(z) = row.zip {
            push_digits(&mut self.zip, z.into(), 5);
        }
        if let Some(i) = row.income {
            push_digits(&mut self.income, i.unsigned_abs().into(), 1);
        }
    }
}

/// The text a row holds for one voter column of the file.
type CellText = for<'r> fn(&'r Row<'_>, &'r Digits) -> &'r str;

/// The text of the voter column `name` (its name in `winserve_domain::VOTER_COLUMNS`) in a generated
/// row; a column the generator does not fill is written empty.
fn cell_text(name: &str) -> CellText {
    match name {
        "lal_voter_id" => |r, _| &r.lal_voter_id,
        "state" | "address_state" => |r, _| r.state,
        "first_name" => |r, _| r.first_name,
        "middle_name" => |r, _| r.middle_name.unwrap_or(""),
        "last_name" => |r, _| r.last_name,
        "name_suffix" => |r, _| r.name_suffix.unwrap_or(""),
        "age" => |_, d| &d.age,
        "gender" => |r, _| r.gender.0,
        "party_description" => |r, _| r.party.0,
        "voter_status" => |r, _| r.voter_status.0,
        "address_line1" => |r, _| r.address_line.as_deref().unwrap_or(""),
        "address_city" => |r, _| r.city.unwrap_or(""),
        "address_zip" => |_, d| &d.zip,
        "cell_phone" => |r, _| r.cell_phone.as_deref().unwrap_or(""),
        "landline" => |r, _| r.landline.as_deref().unwrap_or(""),
        "marital_status" => |r, _| r.marital_status.0,
        "has_children" => |r, _| r.children.0,
        "veteran" => |r, _| r.veteran.0,
        "homeowner" => |r, _| r.homeowner.0,
        "business_owner" => |r, _| r.business_owner.0,
        "education" => |r, _| r.education.0,
        "ethnicity" => |r, _| r.ethnicity.0,
        "language" => |r, _| r.language.0,
        "estimated_income" => |_, d| &d.income,
        _ => |_, _| "",
    }
}

/// Writes the header and every voter of `params` (generated with `plan`) to `w` in the L2 voter-file
/// format, and returns the number of voters written.
///
/// The columns are [`VOTER_COLUMNS`] then [`DISTRICT_COLUMNS`]; the statewide district has no column (see
/// the module documentation). Voters are generated one at a time, so memory use does not grow with the
/// count.
pub fn write_voters_csv<W: io::Write>(
    w: W,
    params: &SeedParams,
    plan: &SeedPlan,
) -> io::Result<u64> {
    let mut out = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(w);
    out.write_record(VOTER_COLUMNS.iter().chain(DISTRICT_COLUMNS.iter()))?;
    // The registry's file columns, in the order of `VOTER_COLUMNS`.
    let cells: Vec<CellText> = winserve_domain::VOTER_COLUMNS
        .iter()
        .filter(|c| c.l2.is_some())
        .map(|c| cell_text(c.name))
        .collect();
    let layout = &plan.layout;
    let name = |i: usize| plan.districts[i].l2_name.as_str();
    let mut digits = Digits::default();
    let count = params.voter_count();
    for index in 0..count {
        let row = generator::row(params, plan, index);
        digits.fill(&row);
        for cell in &cells {
            out.write_field(cell(&row, &digits))?;
        }
        let loc = row.location;
        let (city, ward) = match loc.ward {
            Some(ward) => (name(layout.city_district), name(ward)),
            None => ("", ""),
        };
        let districts: [&str; DISTRICT_COLUMNS.len()] = [
            name(layout.counties[loc.county].district),
            city,
            ward,
            name(loc.school),
            name(loc.house),
            name(loc.senate),
            name(loc.congress),
        ];
        out.write_record(districts)?;
    }
    out.flush()?;
    Ok(count)
}

/// Writes the header `ballotready_position_id,name,state,level,l2_type,l2_name` and every position of
/// `plan` to `w`, and returns the number of positions written. A position without a district has empty
/// `l2_type` and `l2_name`.
pub fn write_positions_csv<W: io::Write>(w: W, plan: &SeedPlan) -> io::Result<u64> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "ballotready_position_id",
        "name",
        "state",
        "level",
        "l2_type",
        "l2_name",
    ])?;
    for p in &plan.positions {
        let (t, n) = p
            .district
            .as_ref()
            .map_or(("", ""), |(t, n)| (t.as_str(), n.as_str()));
        out.write_record([
            p.ballotready_position_id.as_str(),
            &p.name,
            plan.state.as_str(),
            p.level.as_str(),
            t,
            n,
        ])?;
    }
    out.flush()?;
    Ok(plan.positions.len() as u64)
}
