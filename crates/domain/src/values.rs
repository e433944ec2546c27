//! Validating newtypes for the strings that cross the system's edges. Each has a private field and a
//! constructor that rejects bad input, so a value of the type is valid by construction.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was rejected by one of the validating constructors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidValue {
    /// The name of the value's field (`slug`, `state`, …).
    pub field: &'static str,
    /// What is wrong, for a person to read.
    pub message: String,
}

impl InvalidValue {
    /// A rejection of `field` for the reason `message`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

macro_rules! string_newtype_common {
    ($name:ident) => {
        impl $name {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

/// A URL-safe, immutable organization handle: 3 to 63 characters of `a-z`, `0-9` and `-`, starting with a
/// letter, not ending with `-` and without `--`.
///
/// ```
/// use winserve_domain::Slug;
/// assert!(Slug::new("win-2026-a1b2").is_ok());
/// assert!(Slug::new("Not A Slug").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Validates `value` as a slug.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        let bad = |m: &str| Err(InvalidValue::new("slug", m));
        if !(3..=63).contains(&value.len()) {
            return bad("must be 3 to 63 characters long");
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return bad("may contain only lowercase letters, digits and '-'");
        }
        if !value.as_bytes()[0].is_ascii_lowercase() {
            return bad("must start with a letter");
        }
        if value.ends_with('-') || value.contains("--") {
            return bad("must not end with '-' or contain '--'");
        }
        Ok(Self(value.to_owned()))
    }

    /// A fresh slug for a new organization of `mode`, unique through the random `suffix` (e.g. the last
    /// hex digits of the organization's UUID).
    pub fn generate(mode: crate::Mode, year: Option<i32>, suffix: &str) -> Self {
        let prefix = match mode {
            crate::Mode::Win => "campaign",
            crate::Mode::Serve => "office",
        };
        let suffix: String = suffix
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .take(12)
            .collect();
        // A year outside the accepted dates (stored before they were checked) is left out, so that such a
        // campaign still gets a valid slug for its office and can be closed.
        let raw = match year.filter(|y| crate::DATE_YEARS.contains(y)) {
            Some(y) => format!("{prefix}-{y}-{suffix}"),
            None => format!("{prefix}-{suffix}"),
        };
        Self(raw)
    }
}
string_newtype_common!(Slug);

/// The two-letter postal code of a US state, the District of Columbia or a territory, upper case.
///
/// ```
/// use winserve_domain::StateCode;
/// assert_eq!(StateCode::new("wy").unwrap().as_str(), "WY");
/// assert!(StateCode::new("XX").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StateCode(String);

/// Every code [`StateCode`] accepts: the 50 states, DC and the five inhabited territories.
pub const STATE_CODES: [&str; 56] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP",
];

impl StateCode {
    /// Validates `value` (any case, surrounding blanks ignored) as a state code.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        let upper = value.trim().to_ascii_uppercase();
        if STATE_CODES.contains(&upper.as_str()) {
            Ok(Self(upper))
        } else {
            Err(InvalidValue::new(
                "state",
                format!("'{}' is not a US state or territory code", value.trim()),
            ))
        }
    }
}
string_newtype_common!(StateCode);

/// A BallotReady global id (e.g. `Z2lkOi8vYmFsbG90LWZhY3RvcnkvUG9zaXRpb24vMTQ0NTU1`): 1 to 128 characters of
/// letters, digits and `+/=_-:`.
///
/// ```
/// use winserve_domain::BallotReadyId;
/// assert!(BallotReadyId::new("Z2lkOi8vYmFsbG90LWZhY3RvcnkvUG9zaXRpb24vMTQ0NTU1").is_ok());
/// assert!(BallotReadyId::new("has space").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BallotReadyId(String);

impl BallotReadyId {
    /// Validates `value` as a BallotReady id.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        let ok = (1..=128).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=_-:".contains(&b));
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidValue::new(
                "ballotready_position_id",
                "must be 1 to 128 characters of letters, digits and '+/=_-:'",
            ))
        }
    }
}
string_newtype_common!(BallotReadyId);

/// An L2 district type, i.e. the voter-file column naming it (`City_Ward`, `County`, …): 1 to 64 characters
/// of letters, digits and `_`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct L2Type(String);

impl L2Type {
    /// Validates `value` as an L2 district type.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        let ok = (1..=64).contains(&value.len())
            && value.as_bytes()[0].is_ascii_alphabetic()
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidValue::new(
                "l2_type",
                "must be 1 to 64 letters, digits or '_', starting with a letter",
            ))
        }
    }
}
string_newtype_common!(L2Type);

/// A cleaned L2 district name. L2 names sometimes arrive as `A##B`; the constructor splits on `##`, trims
/// each piece and keeps the longest (the first of equally long ones), and collapses inner runs of blanks.
///
/// ```
/// use winserve_domain::L2Name;
/// assert_eq!(L2Name::new("CHEYENNE CITY WARD 1").unwrap().as_str(), "CHEYENNE CITY WARD 1");
/// assert_eq!(L2Name::new("WD 1##CHEYENNE CITY WARD 1").unwrap().as_str(), "CHEYENNE CITY WARD 1");
/// assert!(L2Name::new(" ## ").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct L2Name(String);

impl L2Name {
    /// Cleans and validates `value` as an L2 district name (at most 200 characters once cleaned).
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        let mut best = "";
        for piece in value.split("##").map(str::trim) {
            if piece.chars().count() > best.chars().count() {
                best = piece;
            }
        }
        let cleaned = best.split_whitespace().collect::<Vec<_>>().join(" ");
        if cleaned.is_empty() {
            return Err(InvalidValue::new("l2_name", "must not be empty"));
        }
        if cleaned.chars().count() > 200 || cleaned.chars().any(char::is_control) {
            return Err(InvalidValue::new(
                "l2_name",
                "must be at most 200 printable characters",
            ));
        }
        Ok(Self(cleaned))
    }
}
string_newtype_common!(L2Name);

/// A Clerk organization id (`org_…`): 1 to 64 characters of letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClerkOrganizationId(String);

impl ClerkOrganizationId {
    /// Validates `value` as a Clerk organization id.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        let ok = (1..=64).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidValue::new(
                "clerk_organization_id",
                "must be 1 to 64 letters, digits or '_'",
            ))
        }
    }
}
string_newtype_common!(ClerkOrganizationId);

/// The subject of an authentication token (a Clerk user id such as `user_2x…`): 1 to 255 printable
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Subject(String);

impl Subject {
    /// Validates `value` as a token subject.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        let ok = (1..=255).contains(&value.len())
            && !value.chars().any(|c| c.is_control() || c.is_whitespace());
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidValue::new(
                "sub",
                "must be 1 to 255 printable characters without blanks",
            ))
        }
    }
}
string_newtype_common!(Subject);

/// A free-text position name chosen by the candidate (when BallotReady has no matching position): 1 to 200
/// characters once trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomPositionName(String);

impl CustomPositionName {
    /// Trims and validates `value`.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        let trimmed = value.trim();
        if trimmed.is_empty()
            || trimmed.chars().count() > 200
            || trimmed.chars().any(char::is_control)
        {
            Err(InvalidValue::new(
                "custom_position_name",
                "must be 1 to 200 printable characters",
            ))
        } else {
            Ok(Self(trimmed.to_owned()))
        }
    }
}
string_newtype_common!(CustomPositionName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_rules() {
        for ok in ["abc", "campaign-2026-0a1b", "a1-b2"] {
            assert!(Slug::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "1abc",
            "abc-",
            "a--b",
            "ABC",
            "a b c",
            "été",
            &"a".repeat(64),
        ] {
            assert!(Slug::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn generated_slugs_are_valid() {
        let s = Slug::generate(crate::Mode::Win, Some(2026), "0193-ABcd-ef");
        assert_eq!(s.as_str(), "campaign-2026-0193abcdef");
        assert!(Slug::new(s.as_str()).is_ok());
        let s = Slug::generate(crate::Mode::Serve, None, "ffee");
        assert_eq!(s.as_str(), "office-ffee");
        // A year outside the accepted dates (stored before dates were checked) is left out.
        for year in [-1, 0, 1, 1899, 2200, 10_000] {
            let s = Slug::generate(crate::Mode::Serve, Some(year), "ffee");
            assert_eq!(s.as_str(), "office-ffee", "{year}");
            assert!(Slug::new(s.as_str()).is_ok());
        }
    }

    #[test]
    fn state_codes_are_normalised_and_checked() {
        assert_eq!(StateCode::new(" ny ").unwrap().as_str(), "NY");
        assert!(StateCode::new("DC").is_ok());
        assert!(StateCode::new("ZZ").is_err());
        assert!(StateCode::new("NYC").is_err());
        assert!(StateCode::new("").is_err());
    }

    #[test]
    fn ballotready_ids() {
        assert!(BallotReadyId::new("abc+/=_-:9").is_ok());
        assert!(BallotReadyId::new("").is_err());
        assert!(BallotReadyId::new("a b").is_err());
        assert!(BallotReadyId::new(&"a".repeat(129)).is_err());
    }

    #[test]
    fn l2_names_are_cleaned() {
        assert_eq!(L2Name::new("A##LONGER B").unwrap().as_str(), "LONGER B");
        assert_eq!(
            L2Name::new("  LONG NAME ## X ").unwrap().as_str(),
            "LONG NAME"
        );
        assert_eq!(L2Name::new("AB##CD").unwrap().as_str(), "AB");
        assert_eq!(L2Name::new("CITY   OF  X").unwrap().as_str(), "CITY OF X");
        assert_eq!(L2Name::new("##X##").unwrap().as_str(), "X");
        assert!(L2Name::new("##").is_err());
        assert!(L2Name::new("").is_err());
    }

    #[test]
    fn l2_types() {
        assert!(L2Type::new("City_Ward").is_ok());
        assert!(L2Type::new("_Ward").is_err());
        assert!(L2Type::new("City Ward").is_err());
    }

    #[test]
    fn small_text_values() {
        assert!(ClerkOrganizationId::new("org_2abc").is_ok());
        assert!(ClerkOrganizationId::new("org-2abc").is_err());
        assert!(Subject::new("user_2x").is_ok());
        assert!(Subject::new("").is_err());
        assert!(Subject::new("a b").is_err());
        assert_eq!(
            CustomPositionName::new("  Mayor ").unwrap().as_str(),
            "Mayor"
        );
        assert!(CustomPositionName::new("   ").is_err());
    }

    #[test]
    fn serde_validates() {
        let s: Result<Slug, _> = serde_json::from_str("\"Bad Slug\"");
        assert!(s.is_err());
        let s: StateCode = serde_json::from_str("\"wy\"").unwrap();
        assert_eq!(s.as_str(), "WY");
    }
}
