//! The CSV writers: `voters.csv` and `positions.csv` in the formats of `interfaces.md`.

use super::generator::{self, push_digits};
use super::{DISTRICT_COLUMNS, SeedParams, SeedPlan, VOTER_COLUMNS};
use std::io;

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
    let layout = &plan.layout;
    let state = plan.state.as_str();
    let name = |i: usize| plan.districts[i].l2_name.as_str();
    let (mut age, mut zip, mut income) = (String::new(), String::new(), String::new());
    let count = params.voter_count();
    for index in 0..count {
        let row = generator::row(params, plan, index);
        let loc = row.location;
        age.clear();
        zip.clear();
        income.clear();
        if let Some(a) = row.age {
            push_digits(&mut age, a.unsigned_abs().into(), 1);
        }
        if let Some(z) = row.zip {
            push_digits(&mut zip, z.into(), 5);
        }
        if let Some(i) = row.income {
            push_digits(&mut income, i.unsigned_abs().into(), 1);
        }
        let (city, ward) = match loc.ward {
            Some(ward) => (name(layout.city_district), name(ward)),
            None => ("", ""),
        };
        let record: [&str; VOTER_COLUMNS.len() + DISTRICT_COLUMNS.len()] = [
            &row.lal_voter_id,
            state,
            row.first_name,
            row.middle_name.unwrap_or(""),
            row.last_name,
            row.name_suffix.unwrap_or(""),
            &age,
            row.gender.0,
            row.party.0,
            row.voter_status.0,
            row.address_line.as_deref().unwrap_or(""),
            row.city.unwrap_or(""),
            state,
            &zip,
            row.cell_phone.as_deref().unwrap_or(""),
            row.landline.as_deref().unwrap_or(""),
            row.marital_status.0,
            row.children.0,
            row.veteran.0,
            row.homeowner.0,
            row.business_owner.0,
            row.education.0,
            row.ethnicity.0,
            row.language.0,
            &income,
            name(layout.counties[loc.county].district),
            city,
            ward,
            name(loc.school),
            name(loc.house),
            name(loc.senate),
            name(loc.congress),
        ];
        out.write_record(record)?;
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
