//! The registry of voter columns: every column of a voter, once, with what each layer needs to read or
//! write it.
//!
//! [`VOTER_COLUMNS`] holds one [`VoterColumn`] per data column of the `voters` table, in the table's
//! order, which is the order of every list built from it. An entry names:
//!
//! - the SQL column and, through its [`ColumnKind`], its SQL type and nullability, with typed accessors to
//!   the [`Voter`] field that holds it;
//! - its L2 voter-file header and how a cell of it is read (interfaces.md "File formats", voters.csv);
//! - its header in a contact export and its key in a contact's JSON body (with the description clients
//!   see);
//! - whether it carries the voter's party: then the [`PartyPolicy`] decides whether it is selected,
//!   shown or exported ([`VoterColumn::shown`], [`VoterColumn::exported`]).
//!
//! The readers: the voter-file importer (known columns, cell mapping) and the seed generator (header of
//! `voters.csv`); the PostgreSQL adapter (the columns of a contact row and how a row becomes a [`Voter`],
//! the staging table, `COPY` columns and data columns of an import); the HTTP layer (a contact's JSON body
//! and its schema, the CSV export's header and rows).
//!
//! Adding a column is one entry here, a migration adding it to `voters`, and the [`Voter`] field holding
//! it: the accessors need a typed field (a voter is a struct, not a map), so that field cannot be avoided.
//! The seed generator writes an empty cell for a column it does not generate.
//!
//! ```
//! use winserve_domain::{ColumnType, Mode, PartyPolicy, VOTER_COLUMNS, voter_column};
//! let income = voter_column("estimated_income").unwrap();
//! assert_eq!(income.column_type(), ColumnType::Integer);
//! assert_eq!(income.l2.map(|l2| l2.header), Some("Estimated_Income_Amount_Int"));
//! let party = voter_column("party_description").unwrap();
//! assert_eq!(party.exported(PartyPolicy::for_mode(Mode::Win)), Some("political_party"));
//! assert_eq!(party.exported(PartyPolicy::for_mode(Mode::Serve)), None);
//! assert_eq!(VOTER_COLUMNS[0].name, "id");
//! ```

use crate::{
    Education, Ethnicity, Gender, Homeowner, Language, MaritalStatus, PartyGroup, PartyPolicy,
    StateCode, Voter, VoterId, VoterStatus, YesNo, YesUnknown,
};
use uuid::Uuid;

/// The longest accepted `LALVOTERID`.
pub const MAX_VOTER_ID_LEN: usize = 64;

/// The oldest accepted `Age_Int`.
pub const MAX_AGE: i16 = 130;

/// The voter-file header of L2's voter id, the natural key of a voter (unique within a file).
pub const LAL_VOTER_ID_HEADER: &str = "LALVOTERID";

/// The SQL type of a voter column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `uuid`.
    Uuid,
    /// `text`.
    Text,
    /// `smallint`.
    SmallInt,
    /// `integer`.
    Integer,
}

impl ColumnType {
    /// The type's name in SQL.
    pub const fn sql(self) -> &'static str {
        match self {
            Self::Uuid => "uuid",
            Self::Text => "text",
            Self::SmallInt => "smallint",
            Self::Integer => "integer",
        }
    }
}

/// How a [`Voter`] holds a column, with typed accessors to the field. The kind fixes the column's SQL
/// type and whether it may be NULL ([`VoterColumn::column_type`], [`VoterColumn::nullable`]).
#[derive(Debug, Clone, Copy)]
pub enum ColumnKind {
    /// The voter's id: `uuid NOT NULL`.
    Id {
        /// Reads the id.
        get: fn(&Voter) -> Uuid,
        /// Writes the id.
        set: fn(&mut Voter, Uuid),
    },
    /// Text every voter has (`text NOT NULL`), validated when set; the voter file must carry it.
    Key {
        /// Reads the text.
        get: fn(&Voter) -> &str,
        /// Validates and writes the text; the error is the reason, for a person to read.
        set: fn(&mut Voter, String) -> Result<(), String>,
    },
    /// Optional text (`text`, NULL when absent).
    Text {
        /// Reads the field.
        get: fn(&Voter) -> &Option<String>,
        /// Writes the field.
        get_mut: fn(&mut Voter) -> &mut Option<String>,
    },
    /// A criteria value (`VoterStatus::as_str`, …; `text NOT NULL`), `"unknown"` when absent.
    Category {
        /// Reads the value's name.
        get: fn(&Voter) -> &'static str,
        /// Writes the value named (its `as_str`); false if no value has that name.
        set: fn(&mut Voter, &str) -> bool,
    },
    /// An optional small number (`smallint`).
    SmallInt {
        /// Reads the number.
        get: fn(&Voter) -> Option<i16>,
        /// Writes the number.
        set: fn(&mut Voter, Option<i16>),
    },
    /// An optional number (`integer`).
    Integer {
        /// Reads the number.
        get: fn(&Voter) -> Option<i32>,
        /// Writes the number.
        set: fn(&mut Voter, Option<i32>),
    },
}

/// Maps a voter-file cell onto a voter; the error is the reason, for a person to read.
pub type ReadCell = fn(&mut Voter, &str) -> Result<(), String>;

/// How the voter file carries a column.
#[derive(Debug, Clone, Copy)]
pub struct L2Column {
    /// The header (matched ignoring ASCII case and surrounding blanks).
    pub header: &'static str,
    /// Maps a cell onto the voter; `None` takes the cell as the column's text (for [`ColumnKind::Key`]
    /// and [`ColumnKind::Text`] columns only). See [`VoterColumn::read_l2`].
    pub read: Option<ReadCell>,
}

/// Where a column appears in a contact's JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonField {
    /// The nested object holding the key (`address`), or `None` at the top level.
    pub object: Option<&'static str>,
    /// The key.
    pub key: &'static str,
    /// What clients are told about it (the API schema's description).
    pub doc: &'static str,
}

/// One voter column; see the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct VoterColumn {
    /// The column of `voters`.
    pub name: &'static str,
    /// How a [`Voter`] holds it.
    pub kind: ColumnKind,
    /// Whether it carries the voter's party: never selected, shown or exported where the
    /// [`PartyPolicy`] hides party.
    pub party: bool,
    /// How the voter file carries it, if it does.
    pub l2: Option<L2Column>,
    /// Its header in a contact export, if exported.
    pub export: Option<&'static str>,
    /// Its place in a contact's JSON body, if shown.
    pub json: Option<JsonField>,
}

/// A column's value, borrowed from a [`Voter`] ([`VoterColumn::value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoterValue<'v> {
    /// A [`ColumnKind::Id`].
    Uuid(Uuid),
    /// A [`ColumnKind::Key`] (always `Some`) or [`ColumnKind::Text`].
    Text(Option<&'v str>),
    /// A [`ColumnKind::Category`]: the criteria value's name, `"unknown"` when absent.
    Category(&'static str),
    /// A [`ColumnKind::SmallInt`].
    SmallInt(Option<i16>),
    /// A [`ColumnKind::Integer`].
    Integer(Option<i32>),
}

impl VoterValue<'_> {
    /// The name of the absent criteria value.
    pub const UNKNOWN: &'static str = "unknown";
}

/// A column's value as the database stores it, to be written into a [`Voter`] ([`VoterColumn::set`]).
/// Category and key columns are text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredValue {
    /// `uuid`.
    Uuid(Uuid),
    /// `text`; `None` for NULL.
    Text(Option<String>),
    /// `smallint`; `None` for NULL.
    SmallInt(Option<i16>),
    /// `integer`; `None` for NULL.
    Integer(Option<i32>),
}

impl VoterColumn {
    /// Its SQL type.
    pub const fn column_type(&self) -> ColumnType {
        match self.kind {
            ColumnKind::Id { .. } => ColumnType::Uuid,
            ColumnKind::Key { .. } | ColumnKind::Text { .. } | ColumnKind::Category { .. } => {
                ColumnType::Text
            }
            ColumnKind::SmallInt { .. } => ColumnType::SmallInt,
            ColumnKind::Integer { .. } => ColumnType::Integer,
        }
    }

    /// Whether it may be NULL (absent).
    pub const fn nullable(&self) -> bool {
        matches!(
            self.kind,
            ColumnKind::Text { .. } | ColumnKind::SmallInt { .. } | ColumnKind::Integer { .. }
        )
    }

    /// Whether a voter file must carry it: a key column has no absent value.
    pub const fn required_in_file(&self) -> bool {
        matches!(self.kind, ColumnKind::Key { .. }) && self.l2.is_some()
    }

    /// Whether `policy` lets it be read and shown (selected from the database, serialized in a contact).
    pub const fn shown(&self, policy: PartyPolicy) -> bool {
        !self.party || policy.may_view()
    }

    /// Its export header, if `policy` lets it be exported.
    pub const fn exported(&self, policy: PartyPolicy) -> Option<&'static str> {
        if self.party && !policy.may_export() {
            None
        } else {
            self.export
        }
    }

    /// Its value in `voter`.
    pub fn value<'v>(&self, voter: &'v Voter) -> VoterValue<'v> {
        match self.kind {
            ColumnKind::Id { get, .. } => VoterValue::Uuid(get(voter)),
            ColumnKind::Key { get, .. } => VoterValue::Text(Some(get(voter))),
            ColumnKind::Text { get, .. } => VoterValue::Text(get(voter).as_deref()),
            ColumnKind::Category { get, .. } => VoterValue::Category(get(voter)),
            ColumnKind::SmallInt { get, .. } => VoterValue::SmallInt(get(voter)),
            ColumnKind::Integer { get, .. } => VoterValue::Integer(get(voter)),
        }
    }

    /// Writes a stored value into `voter`; the error says why the value cannot be the column's.
    pub fn set(&self, voter: &mut Voter, value: StoredValue) -> Result<(), String> {
        match (self.kind, value) {
            (ColumnKind::Id { set, .. }, StoredValue::Uuid(id)) => set(voter, id),
            (ColumnKind::Key { set, .. }, StoredValue::Text(Some(text))) => set(voter, text)?,
            (ColumnKind::Text { get_mut, .. }, StoredValue::Text(text)) => *get_mut(voter) = text,
            (ColumnKind::Category { set, .. }, StoredValue::Text(Some(name))) => {
                if !set(voter, &name) {
                    return Err(name);
                }
            }
            (ColumnKind::SmallInt { set, .. }, StoredValue::SmallInt(n)) => set(voter, n),
            (ColumnKind::Integer { set, .. }, StoredValue::Integer(n)) => set(voter, n),
            (_, StoredValue::Text(None)) => return Err("NULL".to_owned()),
            (_, other) => {
                return Err(format!(
                    "{other:?} is not a {} value",
                    self.column_type().sql()
                ));
            }
        }
        Ok(())
    }

    /// Maps a voter-file cell onto `voter`: `cell` is trimmed, and empty when blank or when the file has
    /// no such column. The error is the reason reported with the line and the column's header. A column
    /// the voter file does not carry is left as it is.
    pub fn read_l2(&self, voter: &mut Voter, cell: &str) -> Result<(), String> {
        let Some(l2) = self.l2 else {
            return Ok(());
        };
        if let Some(read) = l2.read {
            return read(voter, cell);
        }
        match self.kind {
            ColumnKind::Key { set, .. } => set(voter, cell.to_owned()),
            ColumnKind::Text { get_mut, .. } => {
                *get_mut(voter) = (!cell.is_empty()).then(|| cell.to_owned());
                Ok(())
            }
            _ => Err(format!("column {} has no reader", self.name)),
        }
    }

    const fn new(name: &'static str, kind: ColumnKind) -> Self {
        Self {
            name,
            kind,
            party: false,
            l2: None,
            export: Some(name),
            json: None,
        }
    }

    /// Carried by the voter file under `header`, read as the column's text.
    const fn l2(self, header: &'static str) -> Self {
        Self {
            l2: Some(L2Column { header, read: None }),
            ..self
        }
    }

    /// Carried by the voter file under `header`, read by `read`.
    const fn l2_read(self, header: &'static str, read: ReadCell) -> Self {
        Self {
            l2: Some(L2Column {
                header,
                read: Some(read),
            }),
            ..self
        }
    }

    /// Exported under `header` instead of its name; `None`: not exported.
    const fn export_as(self, header: Option<&'static str>) -> Self {
        Self {
            export: header,
            ..self
        }
    }

    /// Shown at the top level of a contact under its name.
    const fn json(self, doc: &'static str) -> Self {
        self.json_as(self.name, doc)
    }

    /// Shown at the top level of a contact under `key`.
    const fn json_as(self, key: &'static str, doc: &'static str) -> Self {
        Self {
            json: Some(JsonField {
                object: None,
                key,
                doc,
            }),
            ..self
        }
    }

    /// Shown in the nested object `object` of a contact under `key`.
    const fn json_in(self, object: &'static str, key: &'static str, doc: &'static str) -> Self {
        Self {
            json: Some(JsonField {
                object: Some(object),
                key,
                doc,
            }),
            ..self
        }
    }

    /// Carries the voter's party.
    const fn party(self) -> Self {
        Self {
            party: true,
            ..self
        }
    }
}

/// An optional text column.
const fn text(
    name: &'static str,
    get: fn(&Voter) -> &Option<String>,
    get_mut: fn(&mut Voter) -> &mut Option<String>,
) -> VoterColumn {
    VoterColumn::new(name, ColumnKind::Text { get, get_mut })
}

/// A criteria-value column.
const fn category(
    name: &'static str,
    get: fn(&Voter) -> &'static str,
    set: fn(&mut Voter, &str) -> bool,
) -> VoterColumn {
    VoterColumn::new(name, ColumnKind::Category { get, set })
}

/// A criteria-value column named as the [`Voter`] field holding it, of type `$ty` (with `as_str`,
/// `parse` and `from_l2`), carried by the voter file under `$header` and shown in JSON as `$doc` says.
macro_rules! criterion {
    ($field:ident, $ty:ident, $header:literal, $doc:literal) => {
        category(
            stringify!($field),
            |v| v.$field.as_str(),
            |v, s| put(&mut v.$field, $ty::parse(s)),
        )
        .l2_read($header, |v, cell| {
            v.$field = $ty::from_l2(cell);
            Ok(())
        })
        .json($doc)
    };
}

/// Writes `value` into `field` if it is `Some`; whether it was.
fn put<T>(field: &mut T, value: Option<T>) -> bool {
    value.map(|v| *field = v).is_some()
}

/// Every voter column, in the order of the `voters` table; see the module documentation.
pub const VOTER_COLUMNS: [VoterColumn; 27] = [
    VoterColumn::new(
        "id",
        ColumnKind::Id {
            get: |v| v.id.as_uuid(),
            set: |v, id| v.id = VoterId::from_uuid(id),
        },
    )
    .json("Its id."),
    VoterColumn::new(
        "lal_voter_id",
        ColumnKind::Key {
            get: |v| &v.lal_voter_id,
            set: set_lal_voter_id,
        },
    )
    .l2(LAL_VOTER_ID_HEADER)
    .json("L2's voter id."),
    VoterColumn::new(
        "state",
        ColumnKind::Key {
            get: |v| v.state.as_str(),
            set: |v, s| {
                v.state = StateCode::new(&s).map_err(|e| e.message)?;
                Ok(())
            },
        },
    )
    .l2("State")
    .export_as(None),
    text("first_name", |v| &v.first_name, |v| &mut v.first_name)
        .l2("FirstName")
        .json("First name."),
    text("middle_name", |v| &v.middle_name, |v| &mut v.middle_name)
        .l2("MiddleName")
        .json("Middle name."),
    text("last_name", |v| &v.last_name, |v| &mut v.last_name)
        .l2("LastName")
        .json("Last name."),
    text("name_suffix", |v| &v.name_suffix, |v| &mut v.name_suffix)
        .l2("NameSuffix")
        .json("Suffix."),
    VoterColumn::new(
        "age",
        ColumnKind::SmallInt {
            get: |v| v.age,
            set: |v, n| v.age = n,
        },
    )
    .l2_read("Age_Int", |v, cell| {
        v.age = parse_age(cell)?;
        Ok(())
    })
    .json("Age."),
    category(
        "gender",
        |v| v.gender.as_str(),
        |v, s| put(&mut v.gender, Gender::parse(s)),
    )
    .l2_read("Gender", |v, cell| {
        v.gender = parse_gender(cell)?;
        Ok(())
    })
    .json("male, female or null."),
    text(
        "party_description",
        |v| &v.party_description,
        |v| &mut v.party_description,
    )
    .party()
    .l2_read("Parties_Description", |v, cell| {
        // The party group is mapped from the same cell.
        v.party = PartyGroup::from_l2(cell);
        v.party_description = (!cell.is_empty()).then(|| cell.to_owned());
        Ok(())
    })
    .export_as(Some("political_party"))
    .json_as(
        "political_party",
        "The party as the voter file describes it; absent (not null) in Serve mode.",
    ),
    category(
        "party",
        |v| v.party.as_str(),
        |v, s| put(&mut v.party, PartyGroup::parse(s)),
    )
    .party()
    .export_as(None),
    criterion!(
        voter_status,
        VoterStatus,
        "Voter_Status",
        "super, likely, unreliable, unlikely, first_time or null."
    ),
    text(
        "address_line1",
        |v| &v.address.line1,
        |v| &mut v.address.line1,
    )
    .l2("Residence_Addresses_AddressLine")
    .json_in("address", "line1", "Street line."),
    text("address_city", |v| &v.address.city, |v| &mut v.address.city)
        .l2("Residence_Addresses_City")
        .json_in("address", "city", "City."),
    text(
        "address_state",
        |v| &v.address.state,
        |v| &mut v.address.state,
    )
    .l2("Residence_Addresses_State")
    .json_in("address", "state", "State."),
    text("address_zip", |v| &v.address.zip, |v| &mut v.address.zip)
        .l2("Residence_Addresses_Zip")
        .json_in("address", "zip", "ZIP."),
    text("cell_phone", |v| &v.cell_phone, |v| &mut v.cell_phone)
        .l2("VoterTelephones_CellPhoneFormatted")
        .json("Cell phone."),
    text("landline", |v| &v.landline, |v| &mut v.landline)
        .l2("VoterTelephones_LandlineFormatted")
        .json("Landline."),
    criterion!(
        marital_status,
        MaritalStatus,
        "Marital_Status",
        "married, likely_married, single, likely_single or null."
    ),
    criterion!(
        has_children,
        YesNo,
        "Presence_Of_Children",
        "yes, no or null."
    ),
    criterion!(veteran, YesUnknown, "Veteran_Status", "yes or null."),
    criterion!(
        homeowner,
        Homeowner,
        "Homeowner_Probability_Model",
        "yes, likely, no or null."
    ),
    criterion!(business_owner, YesUnknown, "Business_Owner", "yes or null."),
    criterion!(
        education,
        Education,
        "Education_Of_Person",
        "Education level or null."
    ),
    criterion!(
        ethnicity,
        Ethnicity,
        "EthnicGroups_EthnicGroup1Desc",
        "Ethnic group or null."
    ),
    criterion!(
        language,
        Language,
        "Language_Code",
        "en, es, other or null."
    ),
    VoterColumn::new(
        "estimated_income",
        ColumnKind::Integer {
            get: |v| v.estimated_income,
            set: |v, n| v.estimated_income = n,
        },
    )
    .l2_read("Estimated_Income_Amount_Int", |v, cell| {
        v.estimated_income = parse_income(cell)?;
        Ok(())
    })
    .json("Estimated household income in dollars."),
];

/// The voter column named `name` (its SQL name).
pub fn voter_column(name: &str) -> Option<&'static VoterColumn> {
    const COLUMNS: &[VoterColumn] = &VOTER_COLUMNS;
    COLUMNS.iter().find(|c| c.name == name)
}

const fn l2_count() -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < VOTER_COLUMNS.len() {
        if VOTER_COLUMNS[i].l2.is_some() {
            count += 1;
        }
        i += 1;
    }
    count
}

/// The headers of the voter columns a voter file carries, in registry order (interfaces.md "File
/// formats": the known voter columns of voters.csv).
pub const L2_HEADERS: [&str; l2_count()] = {
    let mut headers = [""; l2_count()];
    let (mut i, mut j) = (0, 0);
    while i < VOTER_COLUMNS.len() {
        if let Some(l2) = VOTER_COLUMNS[i].l2 {
            headers[j] = l2.header;
            j += 1;
        }
        i += 1;
    }
    headers
};

impl Voter {
    /// A voter whose columns are all still to be set through the registry, column by column: nil id,
    /// no text or numbers, unknown criteria values, no districts — and, since a state cannot be absent, a
    /// placeholder state that the `state` column replaces.
    pub fn unset() -> Self {
        Self {
            id: VoterId::from_uuid(Uuid::nil()),
            lal_voter_id: String::new(),
            state: StateCode::new(crate::STATE_CODES[0]).expect("a listed state code"),
            first_name: None,
            middle_name: None,
            last_name: None,
            name_suffix: None,
            age: None,
            gender: Gender::Unknown,
            party_description: None,
            party: PartyGroup::Unknown,
            voter_status: VoterStatus::Unknown,
            address: crate::Address::default(),
            cell_phone: None,
            landline: None,
            marital_status: MaritalStatus::Unknown,
            has_children: YesNo::Unknown,
            veteran: YesUnknown::Unknown,
            homeowner: Homeowner::Unknown,
            business_owner: YesUnknown::Unknown,
            education: Education::Unknown,
            ethnicity: Ethnicity::Unknown,
            language: Language::Unknown,
            estimated_income: None,
            districts: Vec::new(),
        }
    }
}

/// `LALVOTERID`: 1 to [`MAX_VOTER_ID_LEN`] letters, digits, `_` or `-`.
fn set_lal_voter_id(v: &mut Voter, id: String) -> Result<(), String> {
    if id.is_empty() {
        return Err("is required".into());
    }
    if id.len() > MAX_VOTER_ID_LEN
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "must be 1 to {MAX_VOTER_ID_LEN} letters, digits, '_' or '-'"
        ));
    }
    v.lal_voter_id = id;
    Ok(())
}

/// `Age_Int`: empty, or a whole number from 0 to [`MAX_AGE`].
fn parse_age(value: &str) -> Result<Option<i16>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{value}' is not a whole number"));
    }
    match value.parse::<i16>() {
        Ok(age) if age <= MAX_AGE => Ok(Some(age)),
        _ => Err(format!("'{value}' is not between 0 and {MAX_AGE}")),
    }
}

/// `Gender`: M, F or empty, ignoring case (`Male`, `Female` and L2's `U` for unknown are accepted too).
fn parse_gender(value: &str) -> Result<Gender, String> {
    let is = |s: &str| value.eq_ignore_ascii_case(s);
    if value.is_empty() || is("u") || is("unknown") {
        Ok(Gender::Unknown)
    } else if is("m") || is("male") {
        Ok(Gender::Male)
    } else if is("f") || is("female") {
        Ok(Gender::Female)
    } else {
        Err(format!("'{value}' is not M, F or empty"))
    }
}

/// `Estimated_Income_Amount_Int`: empty, or a whole number of dollars, optionally written with a leading
/// `$` and thousands separators (`$45,000`).
fn parse_income(value: &str) -> Result<Option<i32>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    let digits = value.strip_prefix('$').unwrap_or(value).trim_start();
    if let Some(rest) = digits.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit() || b == b',')
    {
        return Err(format!("'{value}' must not be negative"));
    }
    let well_formed = digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b',')
        && !digits.starts_with(',')
        && !digits.ends_with(',')
        && !digits.contains(",,");
    if !well_formed {
        return Err(format!("'{value}' is not a whole number of dollars"));
    }
    let mut total: i32 = 0;
    for b in digits.bytes().filter(u8::is_ascii_digit) {
        total = total
            .checked_mul(10)
            .and_then(|t| t.checked_add(i32::from(b - b'0')))
            .ok_or_else(|| format!("'{value}' is too large"))?;
    }
    Ok(Some(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Address, Mode};

    fn sample() -> Voter {
        Voter {
            id: VoterId::generate(),
            lal_voter_id: "LALWY1".into(),
            state: StateCode::new("WY").unwrap(),
            first_name: Some("Ana".into()),
            middle_name: Some("B".into()),
            last_name: Some("Núñez".into()),
            name_suffix: Some("Jr".into()),
            age: Some(40),
            gender: Gender::Female,
            party_description: Some("Libertarian".into()),
            party: PartyGroup::Other,
            voter_status: VoterStatus::Likely,
            address: Address {
                line1: Some("1 Main St".into()),
                city: Some("Cheyenne".into()),
                state: Some("WY".into()),
                zip: Some("82001".into()),
            },
            cell_phone: Some("(307) 555-0100".into()),
            landline: Some("(307) 555-0101".into()),
            marital_status: MaritalStatus::Married,
            has_children: YesNo::No,
            veteran: YesUnknown::Yes,
            homeowner: Homeowner::Likely,
            business_owner: YesUnknown::Yes,
            education: Education::Graduate,
            ethnicity: Ethnicity::Hispanic,
            language: Language::Es,
            estimated_income: Some(45_000),
            districts: Vec::new(),
        }
    }

    fn stored(value: VoterValue<'_>) -> StoredValue {
        match value {
            VoterValue::Uuid(id) => StoredValue::Uuid(id),
            VoterValue::Text(t) => StoredValue::Text(t.map(str::to_owned)),
            VoterValue::Category(c) => StoredValue::Text(Some(c.to_owned())),
            VoterValue::SmallInt(n) => StoredValue::SmallInt(n),
            VoterValue::Integer(n) => StoredValue::Integer(n),
        }
    }

    #[test]
    fn every_field_round_trips_through_its_column() {
        let voter = sample();
        let mut copy = Voter::unset();
        for column in &VOTER_COLUMNS {
            column
                .set(&mut copy, stored(column.value(&voter)))
                .unwrap_or_else(|e| panic!("{}: {e}", column.name));
        }
        assert_eq!(copy, voter);
    }

    #[test]
    fn names_and_headers_are_unique() {
        let mut names: Vec<&str> = VOTER_COLUMNS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VOTER_COLUMNS.len());
        let mut headers: Vec<String> = L2_HEADERS.iter().map(|h| h.to_lowercase()).collect();
        headers.sort_unstable();
        headers.dedup();
        assert_eq!(headers.len(), L2_HEADERS.len());
    }

    #[test]
    fn every_file_column_has_a_reader_and_party_columns_an_absent_value() {
        for column in &VOTER_COLUMNS {
            if let Some(L2Column { read: None, .. }) = column.l2 {
                assert!(
                    matches!(
                        column.kind,
                        ColumnKind::Key { .. } | ColumnKind::Text { .. }
                    ),
                    "{}",
                    column.name
                );
            }
            // Where party is hidden, a party column reads as its absent value.
            if column.party {
                assert!(
                    column.nullable() || matches!(column.kind, ColumnKind::Category { .. }),
                    "{}",
                    column.name
                );
            }
        }
    }

    #[test]
    fn the_policy_hides_party_columns() {
        let serve = PartyPolicy::for_mode(Mode::Serve);
        let win = PartyPolicy::for_mode(Mode::Win);
        for column in &VOTER_COLUMNS {
            assert_eq!(column.shown(serve), !column.party, "{}", column.name);
            assert!(column.shown(win));
            if column.party {
                assert_eq!(column.exported(serve), None);
            }
        }
    }

    #[test]
    fn stored_values_are_checked() {
        let gender = voter_column("gender").unwrap();
        let mut v = Voter::unset();
        assert_eq!(
            gender.set(&mut v, StoredValue::Text(Some("x".into()))),
            Err("x".to_owned())
        );
        assert!(gender.set(&mut v, StoredValue::Text(None)).is_err());
        assert!(gender.set(&mut v, StoredValue::Integer(Some(1))).is_err());
        let state = voter_column("state").unwrap();
        assert!(
            state
                .set(&mut v, StoredValue::Text(Some("XX".into())))
                .is_err()
        );
    }

    #[test]
    fn cells_are_read_and_checked() {
        let mut v = Voter::unset();
        let read =
            |v: &mut Voter, name: &str, cell: &str| voter_column(name).unwrap().read_l2(v, cell);
        read(&mut v, "lal_voter_id", "A-1").unwrap();
        assert_eq!(read(&mut v, "lal_voter_id", ""), Err("is required".into()));
        assert!(read(&mut v, "lal_voter_id", "A 1").is_err());
        read(&mut v, "party_description", "Democratic").unwrap();
        assert_eq!(v.party, PartyGroup::Democratic);
        read(&mut v, "first_name", "").unwrap();
        assert_eq!(v.first_name, None);
        assert_eq!(
            parse_age("131"),
            Err("'131' is not between 0 and 130".into())
        );
        assert_eq!(parse_gender("u"), Ok(Gender::Unknown));
        assert_eq!(parse_income("$45,000"), Ok(Some(45_000)));
        assert!(parse_income("-5").is_err());
        // `party` is not in the file: reading it changes nothing.
        read(&mut v, "party", "Republican").unwrap();
        assert_eq!(v.party, PartyGroup::Democratic);
    }
}
