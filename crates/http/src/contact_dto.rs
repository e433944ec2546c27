//! A contact as clients see it: the JSON body ([`ContactDto`], with its OpenAPI schema) and the CSV rows
//! of an export, both read from the registry of voter columns ([`VOTER_COLUMNS`]) through the party
//! policy of the organization's mode. A column the registry shows in JSON or exports appears here
//! without any edit.

use axum::body::Bytes;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Cow;
use std::sync::LazyLock;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, RefBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::{PartialSchema, ToSchema};
use winserve_domain::{
    ColumnKind, JsonField, PartyPolicy, VOTER_COLUMNS, Voter, VoterColumn, VoterValue,
};

/// The schema's description of a contact.
const CONTACT_DOC: &str =
    "A contact (a voter of the district). `political_party` is absent in Serve mode.";

/// The nested objects of a contact's body: `(key, schema name, the schema's description, the key's
/// description)`.
const OBJECTS: [(&str, &str, &str, &str); 1] = [(
    "address",
    "AddressDto",
    "A contact's address.",
    "Residence address.",
)];

/// An entry of a contact's JSON body.
enum Entry {
    /// A top-level key holding one column.
    Field(&'static VoterColumn, JsonField),
    /// A nested object (`address`) holding columns, where its first column stands in the registry.
    Object(&'static str, Vec<(&'static VoterColumn, JsonField)>),
}

/// The entries of a contact's JSON body in the registry's order, built once.
static BODY: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    let mut body: Vec<Entry> = Vec::new();
    for column in &VOTER_COLUMNS {
        let Some(field) = column.json else {
            continue;
        };
        let Some(object) = field.object else {
            body.push(Entry::Field(column, field));
            continue;
        };
        let existing = body.iter_mut().find_map(|entry| match entry {
            Entry::Object(key, columns) if *key == object => Some(columns),
            _ => None,
        });
        match existing {
            Some(columns) => columns.push((column, field)),
            None => body.push(Entry::Object(object, vec![(column, field)])),
        }
    }
    body
});

/// A criteria value as shown: `None` when unknown.
fn known(value: &'static str) -> Option<&'static str> {
    (value != VoterValue::UNKNOWN).then_some(value)
}

/// A contact (a voter of the district), serialized from the registry's JSON fields; `political_party` is
/// absent in Serve mode.
#[derive(Debug)]
pub struct ContactDto {
    voter: Voter,
    policy: PartyPolicy,
}

impl ContactDto {
    /// The contact as `policy` lets the mode see it (serialized from the voter, not copied).
    pub fn new(voter: Voter, policy: PartyPolicy) -> Self {
        Self { voter, policy }
    }
}

/// One column's value in a contact's body.
struct JsonValue<'v>(VoterValue<'v>);

impl Serialize for JsonValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            VoterValue::Uuid(id) => id.serialize(serializer),
            VoterValue::Text(text) => text.serialize(serializer),
            VoterValue::Category(name) => known(name).serialize(serializer),
            VoterValue::SmallInt(n) => n.serialize(serializer),
            VoterValue::Integer(n) => n.serialize(serializer),
        }
    }
}

/// The columns of a nested object that the policy shows.
struct JsonObject<'a> {
    voter: &'a Voter,
    policy: PartyPolicy,
    columns: &'a [(&'static VoterColumn, JsonField)],
}

impl Serialize for JsonObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_fields(serializer, self.voter, self.policy, self.columns)
    }
}

fn serialize_fields<S: Serializer>(
    serializer: S,
    voter: &Voter,
    policy: PartyPolicy,
    columns: &[(&'static VoterColumn, JsonField)],
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    for (column, field) in columns {
        if column.shown(policy) {
            map.serialize_entry(field.key, &JsonValue(column.value(voter)))?;
        }
    }
    map.end()
}

impl Serialize for ContactDto {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for entry in BODY.iter() {
            match entry {
                Entry::Field(column, field) => {
                    if column.shown(self.policy) {
                        map.serialize_entry(field.key, &JsonValue(column.value(&self.voter)))?;
                    }
                }
                Entry::Object(key, columns) => {
                    let object = JsonObject {
                        voter: &self.voter,
                        policy: self.policy,
                        columns,
                    };
                    map.serialize_entry(key, &object)?;
                }
            }
        }
        map.end()
    }
}

/// Whether a column's JSON value may be null: an absent value is null, and an unknown criteria value is
/// shown as absent.
fn nullable_in_json(column: &VoterColumn) -> bool {
    column.nullable() || matches!(column.kind, ColumnKind::Category { .. })
}

/// The schema of one column's JSON value.
fn field_schema(column: &VoterColumn, field: JsonField) -> Schema {
    let (json_type, format) = match column.kind {
        ColumnKind::Id { .. } => (Type::String, Some(KnownFormat::Uuid)),
        ColumnKind::Key { .. } | ColumnKind::Text { .. } | ColumnKind::Category { .. } => {
            (Type::String, None)
        }
        ColumnKind::SmallInt { .. } | ColumnKind::Integer { .. } => {
            (Type::Integer, Some(KnownFormat::Int32))
        }
    };
    let schema_type = if nullable_in_json(column) {
        SchemaType::from_iter([json_type, Type::Null])
    } else {
        SchemaType::Type(json_type)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .format(format.map(SchemaFormat::KnownFormat))
        .description(Some(field.doc))
        .into()
}

/// The schema of a nested object's columns (`description`: the schema's).
fn object_schema(
    description: Option<&str>,
    columns: &[(&'static VoterColumn, JsonField)],
) -> Schema {
    let mut object = ObjectBuilder::new().description(description);
    for (column, field) in columns {
        object = object.property(field.key, field_schema(column, *field));
        if !nullable_in_json(column) {
            object = object.required(field.key);
        }
    }
    object.into()
}

/// A nested object's schema name and descriptions, from [`OBJECTS`].
fn object_names(key: &'static str) -> (&'static str, Option<&'static str>, Option<&'static str>) {
    OBJECTS
        .iter()
        .find(|(k, ..)| *k == key)
        .map_or((key, None, None), |&(_, name, doc, key_doc)| {
            (name, Some(doc), Some(key_doc))
        })
}

impl PartialSchema for ContactDto {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new().description(Some(CONTACT_DOC));
        for entry in BODY.iter() {
            match entry {
                Entry::Field(column, field) => {
                    object = object.property(field.key, field_schema(column, *field));
                    if !nullable_in_json(column) {
                        object = object.required(field.key);
                    }
                }
                Entry::Object(key, _) => {
                    let (name, _, key_doc) = object_names(key);
                    let reference = RefBuilder::new()
                        .ref_location_from_schema_name(name)
                        .description(key_doc);
                    object = object.property(*key, reference).required(*key);
                }
            }
        }
        RefOr::T(object.into())
    }
}

impl ToSchema for ContactDto {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ContactDto")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for entry in BODY.iter() {
            if let Entry::Object(key, columns) = entry {
                let (name, doc, _) = object_names(key);
                schemas.push((name.to_owned(), RefOr::T(object_schema(doc, columns))));
            }
        }
    }
}

/// The CSV columns of an export: the registry's exported columns; `political_party` only where the
/// policy allows it.
pub(crate) fn export_header(policy: PartyPolicy) -> Vec<&'static str> {
    VOTER_COLUMNS
        .iter()
        .filter_map(|column| column.exported(policy))
        .collect()
}

/// Writes a number as a CSV field (empty when absent) through a stack buffer.
fn write_number(
    w: &mut csv::Writer<Vec<u8>>,
    value: Option<impl std::fmt::Display>,
) -> Result<(), csv::Error> {
    use std::io::Write;
    let Some(value) = value else {
        return w.write_field("");
    };
    let mut buffer = [0u8; 24];
    let len = {
        let mut rest = &mut buffer[..];
        write!(rest, "{value}")?;
        24 - rest.len()
    };
    w.write_field(&buffer[..len])
}

/// Writes one contact as a CSV record, in [`export_header`]'s order. Fields are borrowed from the voter:
/// an export writes hundreds of thousands of rows, and per-field allocations were most of its CPU time.
fn write_export_row(
    w: &mut csv::Writer<Vec<u8>>,
    v: &Voter,
    policy: PartyPolicy,
) -> Result<(), csv::Error> {
    for column in &VOTER_COLUMNS {
        if column.exported(policy).is_none() {
            continue;
        }
        match column.value(v) {
            VoterValue::Uuid(id) => {
                let mut buffer = uuid::Uuid::encode_buffer();
                w.write_field(&*id.hyphenated().encode_lower(&mut buffer))?;
            }
            VoterValue::Text(text) => w.write_field(text.unwrap_or_default())?,
            VoterValue::Category(name) => w.write_field(known(name).unwrap_or_default())?,
            VoterValue::SmallInt(n) => write_number(w, n)?,
            VoterValue::Integer(n) => write_number(w, n)?,
        }
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
    use winserve_domain::{Gender, Mode, StateCode, VoterId};

    fn voter() -> Voter {
        let mut v = Voter::unset();
        v.id = VoterId::from_uuid(uuid::Uuid::from_u128(7));
        v.lal_voter_id = "LALWY1".into();
        v.state = StateCode::new("WY").unwrap();
        v.last_name = Some("Núñez".into());
        v.age = Some(40);
        v.gender = Gender::Female;
        v.party_description = Some("Libertarian".into());
        v.address.city = Some("Cheyenne".into());
        v.estimated_income = Some(45_000);
        v
    }

    #[test]
    fn exports_have_no_party_column_in_serve_mode() {
        assert!(export_header(PartyPolicy::for_mode(Mode::Win)).contains(&"political_party"));
        assert!(!export_header(PartyPolicy::for_mode(Mode::Serve)).contains(&"political_party"));
    }

    #[test]
    fn bodies_follow_the_registry_and_the_policy() {
        let win =
            serde_json::to_string(&ContactDto::new(voter(), PartyPolicy::for_mode(Mode::Win)))
                .unwrap();
        assert_eq!(
            win,
            "{\"id\":\"00000000-0000-0000-0000-000000000007\",\"lal_voter_id\":\"LALWY1\",\
             \"first_name\":null,\"middle_name\":null,\"last_name\":\"Núñez\",\"name_suffix\":null,\
             \"age\":40,\"gender\":\"female\",\"political_party\":\"Libertarian\",\
             \"voter_status\":null,\"address\":{\"line1\":null,\"city\":\"Cheyenne\",\"state\":null,\
             \"zip\":null},\"cell_phone\":null,\"landline\":null,\"marital_status\":null,\
             \"has_children\":null,\"veteran\":null,\"homeowner\":null,\"business_owner\":null,\
             \"education\":null,\"ethnicity\":null,\"language\":null,\"estimated_income\":45000}"
        );
        let serve = serde_json::to_string(&ContactDto::new(
            voter(),
            PartyPolicy::for_mode(Mode::Serve),
        ))
        .unwrap();
        assert_eq!(
            serve,
            win.replace("\"political_party\":\"Libertarian\",", "")
        );
    }

    #[test]
    fn export_rows_follow_the_header() {
        let policy = PartyPolicy::for_mode(Mode::Win);
        let rows = csv_rows(&[voter()], policy).unwrap();
        assert_eq!(
            String::from_utf8(rows.to_vec()).unwrap(),
            "00000000-0000-0000-0000-000000000007,LALWY1,,,Núñez,,40,female,Libertarian,,,Cheyenne,,,,,,,,,,,,,45000\n"
        );
        let serve = PartyPolicy::for_mode(Mode::Serve);
        let rows = csv_rows(&[voter()], serve).unwrap();
        assert!(
            !String::from_utf8(rows.to_vec())
                .unwrap()
                .contains("Libertarian")
        );
        assert_eq!(export_header(policy).len(), export_header(serve).len() + 1);
    }
}
