//! A contact row: the voter's columns as the registry lists them ([`VOTER_COLUMNS`]), after the two sort
//! keys of the contacts order, read by position and unpacked into a [`Voter`].
//!
//! When the policy hides party, the party columns are never selected: the value cannot leak.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::row::{Field, Row};
use diesel::sql_types::{BigInt, Integer, Nullable, SmallInt, Text, Untyped, Uuid as SqlUuid};
use std::sync::LazyLock;
use winserve_application::{ContactCursor, StoreError};
use winserve_domain::{
    ColumnKind, Mode, PartyPolicy, VOTER_COLUMNS, Voter, VoterColumn, VoterValue,
};

/// The SQL types of a contact row: `last_name_key, first_name_key, ` + [`voter_columns`]. The voter's
/// columns are one [`Untyped`] tail that [`VoterColumns`] reads by position in the registry's order:
/// diesel reads typed tuples of at most 16 columns without its 32-column feature (a long compile for
/// every tuple size up to 32).
pub(super) type ContactSql = (Text, Text, Untyped);

/// A row of [`ContactSql`] as loaded.
pub(super) type ContactTuple = (String, String, VoterColumns);

/// A row of the page query: the total (and the data version it was counted at, when counted live), then
/// a contact ([`ContactSql`]).
pub(super) type PageSql = (BigInt, Nullable<BigInt>, Text, Text, Untyped);

/// A row of [`PageSql`] as loaded.
pub(super) type PageTuple = (i64, Option<i64>, String, String, VoterColumns);

/// The columns of the `voters` row `v` that a contact is made of, in the registry's order; the party
/// columns only when the policy shows party, else their absent values in their place.
fn select_list(policy: PartyPolicy) -> String {
    VOTER_COLUMNS
        .iter()
        .map(|column| {
            if column.shown(policy) {
                format!("v.{}", column.name)
            } else {
                format!("{} AS {}", absent_value(column), column.name)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQL literal of a column's absent value: the unknown criteria value, else NULL.
fn absent_value(column: &VoterColumn) -> String {
    match column.kind {
        ColumnKind::Category { .. } => format!("'{}'::text", VoterValue::UNKNOWN),
        _ => format!("NULL::{}", column.column_type().sql()),
    }
}

/// [`select_list`] where party is shown, built once.
static WITH_PARTY: LazyLock<String> =
    LazyLock::new(|| select_list(PartyPolicy::for_mode(Mode::Win)));

/// [`select_list`] where party is hidden, built once.
static WITHOUT_PARTY: LazyLock<String> =
    LazyLock::new(|| select_list(PartyPolicy::for_mode(Mode::Serve)));

/// The voter columns of a contact; the party columns only when the policy shows party.
pub(super) fn voter_columns(policy: PartyPolicy) -> &'static str {
    if policy.may_view() {
        &WITH_PARTY
    } else {
        &WITHOUT_PARTY
    }
}

/// The voter of a row, decoded by position in the registry's order straight into its fields: each
/// column by its kind, criteria values parsed from the row's bytes without an intermediate string, no
/// lookup by name. A stored value the domain refuses fails the row as corrupt.
pub(super) struct VoterColumns(Voter);

/// The error of a stored value the domain refuses (the application never writes one).
fn corrupt_value(
    column: &VoterColumn,
    detail: impl std::fmt::Display,
) -> Box<dyn std::error::Error + Send + Sync> {
    format!("unreadable {} in the database: {detail}", column.name).into()
}

impl FromSqlRow<Untyped, Pg> for VoterColumns {
    fn build_from_row<'a>(row: &impl Row<'a, Pg>) -> deserialize::Result<Self> {
        let mut voter = Voter::unset();
        for (index, column) in VOTER_COLUMNS.iter().enumerate() {
            let field = row.get(index).ok_or(diesel::result::UnexpectedEndOfRow)?;
            let raw = field.value();
            match column.kind {
                ColumnKind::Id { set, .. } => {
                    set(
                        &mut voter,
                        <uuid::Uuid as FromSql<SqlUuid, Pg>>::from_nullable_sql(raw)?,
                    );
                }
                ColumnKind::Key { set, .. } => {
                    let text = <String as FromSql<Text, Pg>>::from_nullable_sql(raw)?;
                    set(&mut voter, text).map_err(|e| corrupt_value(column, e))?;
                }
                ColumnKind::Text { get_mut, .. } => {
                    *get_mut(&mut voter) =
                        <Option<String> as FromSql<Nullable<Text>, Pg>>::from_nullable_sql(raw)?;
                }
                ColumnKind::Category { set, .. } => {
                    let value = raw.ok_or_else(|| corrupt_value(column, "NULL"))?;
                    let name = std::str::from_utf8(value.as_bytes())?;
                    if !set(&mut voter, name) {
                        return Err(corrupt_value(column, name));
                    }
                }
                ColumnKind::SmallInt { set, .. } => set(
                    &mut voter,
                    <Option<i16> as FromSql<Nullable<SmallInt>, Pg>>::from_nullable_sql(raw)?,
                ),
                ColumnKind::Integer { set, .. } => set(
                    &mut voter,
                    <Option<i32> as FromSql<Nullable<Integer>, Pg>>::from_nullable_sql(raw)?,
                ),
            }
        }
        Ok(Self(voter))
    }
}

/// One contact row: the voter, plus its position in the contacts order.
pub(super) struct ContactRow {
    last_name_key: String,
    first_name_key: String,
    voter: VoterColumns,
}

impl From<ContactTuple> for ContactRow {
    fn from((last_name_key, first_name_key, voter): ContactTuple) -> Self {
        Self {
            last_name_key,
            first_name_key,
            voter,
        }
    }
}

impl ContactRow {
    /// The row's key in the contacts order.
    pub(super) fn cursor(&self) -> ContactCursor {
        ContactCursor {
            last_name_key: self.last_name_key.clone(),
            first_name_key: self.first_name_key.clone(),
            voter_id: self.voter.0.id,
        }
    }

    /// The row's voter.
    pub(super) fn voter_id(&self) -> uuid::Uuid {
        self.voter.0.id.as_uuid()
    }

    /// The voter (decoding already refused corrupt values).
    pub(super) fn into_voter(self) -> Result<Voter, StoreError> {
        Ok(self.voter.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_select_lists_follow_the_registry() {
        assert_eq!(
            voter_columns(PartyPolicy::for_mode(Mode::Win)),
            "v.id, v.lal_voter_id, v.state, v.first_name, v.middle_name, v.last_name, v.name_suffix, \
             v.age, v.gender, v.party_description, v.party, v.voter_status, v.address_line1, \
             v.address_city, v.address_state, v.address_zip, v.cell_phone, v.landline, \
             v.marital_status, v.has_children, v.veteran, v.homeowner, v.business_owner, v.education, \
             v.ethnicity, v.language, v.estimated_income"
        );
        assert_eq!(
            voter_columns(PartyPolicy::for_mode(Mode::Serve)),
            "v.id, v.lal_voter_id, v.state, v.first_name, v.middle_name, v.last_name, v.name_suffix, \
             v.age, v.gender, NULL::text AS party_description, 'unknown'::text AS party, \
             v.voter_status, v.address_line1, v.address_city, v.address_state, v.address_zip, \
             v.cell_phone, v.landline, v.marital_status, v.has_children, v.veteran, v.homeowner, \
             v.business_owner, v.education, v.ethnicity, v.language, v.estimated_income"
        );
    }
}
