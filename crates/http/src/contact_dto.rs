//! A contact as clients see it: the JSON body ([`ContactDto`]) and the CSV rows of an export, both through
//! the party policy of the organization's mode.

use axum::body::Bytes;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_domain::{PartyPolicy, Voter};

/// A contact's address.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressDto {
    /// Street line.
    pub line1: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// ZIP.
    pub zip: Option<String>,
}

/// A contact (a voter of the district). `political_party` is absent in Serve mode.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDto {
    /// Its id.
    pub id: Uuid,
    /// L2's voter id.
    pub lal_voter_id: String,
    /// First name.
    pub first_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Suffix.
    pub name_suffix: Option<String>,
    /// Age.
    pub age: Option<i16>,
    /// male, female or null.
    pub gender: Option<&'static str>,
    /// The party as the voter file describes it; absent (not null) in Serve mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub political_party: Option<Option<String>>,
    /// super, likely, unreliable, unlikely, first_time or null.
    pub voter_status: Option<&'static str>,
    /// Residence address.
    pub address: AddressDto,
    /// Cell phone.
    pub cell_phone: Option<String>,
    /// Landline.
    pub landline: Option<String>,
    /// married, likely_married, single, likely_single or null.
    pub marital_status: Option<&'static str>,
    /// yes, no or null.
    pub has_children: Option<&'static str>,
    /// yes or null.
    pub veteran: Option<&'static str>,
    /// yes, likely, no or null.
    pub homeowner: Option<&'static str>,
    /// yes or null.
    pub business_owner: Option<&'static str>,
    /// Education level or null.
    pub education: Option<&'static str>,
    /// Ethnic group or null.
    pub ethnicity: Option<&'static str>,
    /// en, es, other or null.
    pub language: Option<&'static str>,
    /// Estimated household income in dollars.
    pub estimated_income: Option<i32>,
}

fn known(value: &'static str) -> Option<&'static str> {
    (value != "unknown").then_some(value)
}

impl ContactDto {
    /// The contact as `policy` lets the mode see it (taking the voter's strings, not copying them).
    pub fn new(v: Voter, policy: PartyPolicy) -> Self {
        Self {
            id: v.id.as_uuid(),
            lal_voter_id: v.lal_voter_id,
            first_name: v.first_name,
            middle_name: v.middle_name,
            last_name: v.last_name,
            name_suffix: v.name_suffix,
            age: v.age,
            gender: known(v.gender.as_str()),
            political_party: policy.may_view().then_some(v.party_description),
            voter_status: known(v.voter_status.as_str()),
            address: AddressDto {
                line1: v.address.line1,
                city: v.address.city,
                state: v.address.state,
                zip: v.address.zip,
            },
            cell_phone: v.cell_phone,
            landline: v.landline,
            marital_status: known(v.marital_status.as_str()),
            has_children: known(v.has_children.as_str()),
            veteran: known(v.veteran.as_str()),
            homeowner: known(v.homeowner.as_str()),
            business_owner: known(v.business_owner.as_str()),
            education: known(v.education.as_str()),
            ethnicity: known(v.ethnicity.as_str()),
            language: known(v.language.as_str()),
            estimated_income: v.estimated_income,
        }
    }
}

/// The CSV columns of an export; `political_party` only where the policy allows it.
pub(crate) fn export_header(policy: PartyPolicy) -> Vec<&'static str> {
    let mut h = vec![
        "id",
        "lal_voter_id",
        "first_name",
        "middle_name",
        "last_name",
        "name_suffix",
        "age",
        "gender",
    ];
    if policy.may_export() {
        h.push("political_party");
    }
    h.extend([
        "voter_status",
        "address_line1",
        "address_city",
        "address_state",
        "address_zip",
        "cell_phone",
        "landline",
        "marital_status",
        "has_children",
        "veteran",
        "homeowner",
        "business_owner",
        "education",
        "ethnicity",
        "language",
        "estimated_income",
    ]);
    h
}

/// The text of an optional field; empty when absent.
fn field(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

/// Writes one contact as a CSV record, in [`export_header`]'s order. Fields are borrowed from the voter:
/// an export writes hundreds of thousands of rows, and per-field allocations were most of its CPU time.
fn write_export_row(
    w: &mut csv::Writer<Vec<u8>>,
    v: &Voter,
    policy: PartyPolicy,
) -> Result<(), csv::Error> {
    let mut id_buffer = uuid::Uuid::encode_buffer();
    let id = v.id.as_uuid().hyphenated().encode_lower(&mut id_buffer);
    let age = v.age.map(|a| a.to_string()).unwrap_or_default();
    let income = v
        .estimated_income
        .map(|i| i.to_string())
        .unwrap_or_default();
    let cat = |s: &'static str| known(s).unwrap_or("");
    w.write_field(&*id)?;
    w.write_field(&v.lal_voter_id)?;
    w.write_field(field(&v.first_name))?;
    w.write_field(field(&v.middle_name))?;
    w.write_field(field(&v.last_name))?;
    w.write_field(field(&v.name_suffix))?;
    w.write_field(&age)?;
    w.write_field(cat(v.gender.as_str()))?;
    if policy.may_export() {
        w.write_field(field(&v.party_description))?;
    }
    for value in [
        cat(v.voter_status.as_str()),
        field(&v.address.line1),
        field(&v.address.city),
        field(&v.address.state),
        field(&v.address.zip),
        field(&v.cell_phone),
        field(&v.landline),
        cat(v.marital_status.as_str()),
        cat(v.has_children.as_str()),
        cat(v.veteran.as_str()),
        cat(v.homeowner.as_str()),
        cat(v.business_owner.as_str()),
        cat(v.education.as_str()),
        cat(v.ethnicity.as_str()),
        cat(v.language.as_str()),
        &income,
    ] {
        w.write_field(value)?;
    }
    w.write_record(None::<&[u8]>)
}

/// The CSV text of the header row.
pub(crate) fn csv_header(policy: PartyPolicy) -> Result<Bytes, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(512));
    w.write_record(export_header(policy))?;
    w.into_inner()
        .map(Bytes::from)
        .map_err(|e| e.into_error().into())
}

/// The CSV text of a chunk of contacts.
pub(crate) fn csv_rows(voters: &[Voter], policy: PartyPolicy) -> Result<Bytes, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(voters.len() * 200));
    for v in voters {
        write_export_row(&mut w, v, policy)?;
    }
    w.into_inner()
        .map(Bytes::from)
        .map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_have_no_party_column_in_serve_mode() {
        use winserve_domain::Mode;
        assert!(export_header(PartyPolicy::for_mode(Mode::Win)).contains(&"political_party"));
        assert!(!export_header(PartyPolicy::for_mode(Mode::Serve)).contains(&"political_party"));
    }
}
