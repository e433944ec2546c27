//! Segments: saved voter filters, their criteria and the built-in ones (product.md §6).

use crate::{InvalidValue, OrganizationId, SegmentId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

macro_rules! criterion_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's name in criteria and payloads.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a value's name.
            pub fn parse(value: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == value)
            }
        }
    };
}

criterion_enum!(
    /// A voter's turnout category (`Voter_Status`).
    VoterStatus {
        /// Super voter.
        Super => "super",
        /// Likely voter.
        Likely => "likely",
        /// Unreliable voter.
        Unreliable => "unreliable",
        /// Unlikely voter.
        Unlikely => "unlikely",
        /// First-time voter.
        FirstTime => "first_time",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// A voter's party group (from `Parties_Description`). Never visible in Serve mode.
    PartyGroup {
        /// Democratic.
        Democratic => "democratic",
        /// Republican.
        Republican => "republican",
        /// Non-Partisan, Independent, No Party, Unaffiliated.
        Independent => "independent",
        /// Any other party.
        Other => "other",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// An age bracket (from `Age_Int`).
    AgeRange {
        /// 18 to 24.
        From18To24 => "18_24",
        /// 25 to 34.
        From25To34 => "25_34",
        /// 35 to 49.
        From35To49 => "35_49",
        /// 50 and over.
        From50 => "50_plus",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// A voter's gender (`Gender`).
    Gender {
        /// M.
        Male => "male",
        /// F.
        Female => "female",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// A voter's language (`Language_Code`).
    Language {
        /// English.
        En => "en",
        /// Spanish.
        Es => "es",
        /// Any other language.
        Other => "other",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// Marital status (`Marital_Status`).
    MaritalStatus {
        /// Married.
        Married => "married",
        /// Inferred or likely married.
        LikelyMarried => "likely_married",
        /// Single.
        Single => "single",
        /// Inferred or likely single.
        LikelySingle => "likely_single",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// A yes / no / unknown flag (`Presence_Of_Children`).
    YesNo {
        /// Yes.
        Yes => "yes",
        /// No.
        No => "no",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// A yes / unknown flag (`Veteran_Status`, `Business_Owner`).
    YesUnknown {
        /// Yes.
        Yes => "yes",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// Home ownership (`Homeowner_Probability_Model`).
    Homeowner {
        /// Owner.
        Yes => "yes",
        /// Probable owner.
        Likely => "likely",
        /// Renter.
        No => "no",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// Education (`Education_Of_Person`).
    Education {
        /// No diploma.
        None => "none",
        /// High-school diploma.
        HighSchool => "high_school",
        /// Technical school.
        TechnicalSchool => "technical_school",
        /// Some college.
        SomeCollege => "some_college",
        /// College degree.
        College => "college",
        /// Graduate degree.
        Graduate => "graduate",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// Ethnic group (`EthnicGroups_EthnicGroup1Desc`).
    Ethnicity {
        /// East and South Asian.
        Asian => "asian",
        /// European.
        European => "european",
        /// Hispanic and Portuguese.
        Hispanic => "hispanic",
        /// Likely African-American.
        AfricanAmerican => "african_american",
        /// Any other group.
        Other => "other",
        /// Not given.
        Unknown => "unknown",
    }
);

criterion_enum!(
    /// Estimated household income bracket (`Estimated_Income_Amount_Int`).
    IncomeRange {
        /// Under $25k.
        Under25k => "under_25k",
        /// $25k–35k.
        From25kTo35k => "25k_35k",
        /// $35k–50k.
        From35kTo50k => "35k_50k",
        /// $50k–75k.
        From50kTo75k => "50k_75k",
        /// $75k–100k.
        From75kTo100k => "75k_100k",
        /// $100k–125k.
        From100kTo125k => "100k_125k",
        /// $125k–150k.
        From125kTo150k => "125k_150k",
        /// $150k–200k.
        From150kTo200k => "150k_200k",
        /// $200k and over.
        From200k => "200k_plus",
        /// Not given.
        Unknown => "unknown",
    }
);

/// The criteria of a segment: every key optional, AND across keys, OR within a list. Unknown keys and
/// values are rejected when deserializing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentCriteria {
    /// Turnout categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voter_status: Option<Vec<VoterStatus>>,
    /// Party groups — never allowed in Serve mode (see [`crate::PartyPolicy`]). A `null` names the key
    /// all the same (an empty list, refused like one), so that `{"party": null}` is no silent way past
    /// the party rule.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "named_party"
    )]
    pub party: Option<Vec<PartyGroup>>,
    /// Age brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_ranges: Option<Vec<AgeRange>>,
    /// Genders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Vec<Gender>>,
    /// Has (true) or lacks (false) a cell phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_cell_phone: Option<bool>,
    /// Has or lacks a landline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_landline: Option<bool>,
    /// Has or lacks a residence address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_address: Option<bool>,
    /// Languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<Language>>,
    /// Marital statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marital_status: Option<Vec<MaritalStatus>>,
    /// Presence of children.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_children: Option<Vec<YesNo>>,
    /// Veteran status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub veteran: Option<Vec<YesUnknown>>,
    /// Home ownership.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homeowner: Option<Vec<Homeowner>>,
    /// Business ownership.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_owner: Option<Vec<YesUnknown>>,
    /// Education levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<Vec<Education>>,
    /// Ethnic groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<Vec<Ethnicity>>,
    /// Income brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income_ranges: Option<Vec<IncomeRange>>,
}

/// Reads the `party` key when it is present: a list, or `null` as an empty list (see
/// [`SegmentCriteria::party`]).
fn named_party<'de, D>(deserializer: D) -> Result<Option<Vec<PartyGroup>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Some(
        Option::<Vec<PartyGroup>>::deserialize(deserializer)?.unwrap_or_default(),
    ))
}

impl SegmentCriteria {
    /// Checks what serde cannot: no list may be empty (an empty OR matches nothing, which is never what a
    /// user means). Duplicates are removed and lists sorted, so equal filters compare equal.
    pub fn normalized(mut self) -> Result<Self, InvalidValue> {
        fn norm<T: Ord>(
            field: &'static str,
            list: &mut Option<Vec<T>>,
        ) -> Result<(), InvalidValue> {
            if let Some(values) = list {
                if values.is_empty() {
                    return Err(InvalidValue::new(field, "must list at least one value"));
                }
                values.sort();
                values.dedup();
            }
            Ok(())
        }
        norm("criteria.voter_status", &mut self.voter_status)?;
        norm("criteria.party", &mut self.party)?;
        norm("criteria.age_ranges", &mut self.age_ranges)?;
        norm("criteria.gender", &mut self.gender)?;
        norm("criteria.languages", &mut self.languages)?;
        norm("criteria.marital_status", &mut self.marital_status)?;
        norm("criteria.has_children", &mut self.has_children)?;
        norm("criteria.veteran", &mut self.veteran)?;
        norm("criteria.homeowner", &mut self.homeowner)?;
        norm("criteria.business_owner", &mut self.business_owner)?;
        norm("criteria.education", &mut self.education)?;
        norm("criteria.ethnicity", &mut self.ethnicity)?;
        norm("criteria.income_ranges", &mut self.income_ranges)?;
        Ok(self)
    }

    /// Both filters at once (AND): lists of the same key intersect, flags must agree. `None` when the two
    /// contradict each other, so that nothing can match.
    ///
    /// ```
    /// use winserve_domain::{Gender, SegmentCriteria};
    /// let a = SegmentCriteria { gender: Some(vec![Gender::Male, Gender::Female]), ..Default::default() };
    /// let b = SegmentCriteria { gender: Some(vec![Gender::Female]), has_landline: Some(true), ..Default::default() };
    /// let both = a.and(&b).unwrap();
    /// assert_eq!(both.gender, Some(vec![Gender::Female]));
    /// assert_eq!(both.has_landline, Some(true));
    /// ```
    pub fn and(&self, other: &SegmentCriteria) -> Option<SegmentCriteria> {
        fn list<T: Copy + PartialEq>(
            a: &Option<Vec<T>>,
            b: &Option<Vec<T>>,
        ) -> Option<Option<Vec<T>>> {
            match (a, b) {
                (None, x) | (x, None) => Some(x.clone()),
                (Some(a), Some(b)) => {
                    let both: Vec<T> = a.iter().copied().filter(|v| b.contains(v)).collect();
                    (!both.is_empty()).then_some(Some(both))
                }
            }
        }
        fn flag(a: Option<bool>, b: Option<bool>) -> Option<Option<bool>> {
            match (a, b) {
                (Some(x), Some(y)) if x != y => None,
                (x, y) => Some(x.or(y)),
            }
        }
        Some(SegmentCriteria {
            voter_status: list(&self.voter_status, &other.voter_status)?,
            party: list(&self.party, &other.party)?,
            age_ranges: list(&self.age_ranges, &other.age_ranges)?,
            gender: list(&self.gender, &other.gender)?,
            has_cell_phone: flag(self.has_cell_phone, other.has_cell_phone)?,
            has_landline: flag(self.has_landline, other.has_landline)?,
            has_address: flag(self.has_address, other.has_address)?,
            languages: list(&self.languages, &other.languages)?,
            marital_status: list(&self.marital_status, &other.marital_status)?,
            has_children: list(&self.has_children, &other.has_children)?,
            veteran: list(&self.veteran, &other.veteran)?,
            homeowner: list(&self.homeowner, &other.homeowner)?,
            business_owner: list(&self.business_owner, &other.business_owner)?,
            education: list(&self.education, &other.education)?,
            ethnicity: list(&self.ethnicity, &other.ethnicity)?,
            income_ranges: list(&self.income_ranges, &other.income_ranges)?,
        })
    }

    /// Whether any criterion is set.
    pub fn is_empty(&self) -> bool {
        *self == SegmentCriteria::default()
    }
}

/// A custom segment, owned by one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Its id.
    pub id: SegmentId,
    /// The organization that owns it; no other organization can see or use it.
    pub organization_id: OrganizationId,
    /// Its name, 1 to 100 characters.
    pub name: SegmentName,
    /// Its filter.
    pub criteria: SegmentCriteria,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A segment's name: 1 to 100 printable characters once trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SegmentName(String);

/// A `name` field of 1 to 100 printable characters, trimmed (segments, outreach plans).
pub(crate) fn short_name(value: &str) -> Result<String, InvalidValue> {
    let t = value.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        Err(InvalidValue::new(
            "name",
            "must be 1 to 100 printable characters",
        ))
    } else {
        Ok(t.to_owned())
    }
}

impl SegmentName {
    /// Trims and validates `value`.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        short_name(value).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SegmentName {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<SegmentName> for String {
    fn from(value: SegmentName) -> String {
        value.0
    }
}

/// A segment every organization has, in both modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltInSegment {
    /// Every contact.
    All,
    /// Contacts with a cell phone.
    Texting,
    /// Contacts with an address.
    DoorKnocking,
    /// Contacts with an address.
    DirectMail,
    /// Contacts with a landline.
    PhoneBanking,
    /// Contacts with a cell phone.
    DigitalAds,
}

impl BuiltInSegment {
    /// Every built-in segment, in the order the API lists them.
    pub const ALL: [BuiltInSegment; 6] = [
        BuiltInSegment::All,
        BuiltInSegment::Texting,
        BuiltInSegment::DoorKnocking,
        BuiltInSegment::DirectMail,
        BuiltInSegment::PhoneBanking,
        BuiltInSegment::DigitalAds,
    ];

    /// The key clients pass as `segment=`.
    pub const fn key(self) -> &'static str {
        match self {
            BuiltInSegment::All => "all",
            BuiltInSegment::Texting => "texting",
            BuiltInSegment::DoorKnocking => "door_knocking",
            BuiltInSegment::DirectMail => "direct_mail",
            BuiltInSegment::PhoneBanking => "phone_banking",
            BuiltInSegment::DigitalAds => "digital_ads",
        }
    }

    /// The name shown to people.
    pub const fn name(self) -> &'static str {
        match self {
            BuiltInSegment::All => "All contacts",
            BuiltInSegment::Texting => "Texting",
            BuiltInSegment::DoorKnocking => "Door knocking",
            BuiltInSegment::DirectMail => "Direct mail",
            BuiltInSegment::PhoneBanking => "Phone banking",
            BuiltInSegment::DigitalAds => "Digital ads",
        }
    }

    /// Finds a built-in segment by key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Its filter.
    pub fn criteria(self) -> SegmentCriteria {
        let mut c = SegmentCriteria::default();
        match self {
            BuiltInSegment::All => {}
            BuiltInSegment::Texting | BuiltInSegment::DigitalAds => c.has_cell_phone = Some(true),
            BuiltInSegment::PhoneBanking => c.has_landline = Some(true),
            BuiltInSegment::DoorKnocking | BuiltInSegment::DirectMail => c.has_address = Some(true),
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_party_names_the_key() {
        let c: SegmentCriteria = serde_json::from_str(r#"{"party": null}"#).unwrap();
        assert_eq!(c.party, Some(vec![]));
        assert!(c.normalized().is_err());
        let c: SegmentCriteria = serde_json::from_str("{}").unwrap();
        assert_eq!(c.party, None);
        let c: SegmentCriteria = serde_json::from_str(r#"{"party": ["other"]}"#).unwrap();
        assert_eq!(c.party, Some(vec![PartyGroup::Other]));
    }

    #[test]
    fn criteria_reject_unknown_keys_and_values() {
        let ok: Result<SegmentCriteria, _> = serde_json::from_str(
            r#"{"voter_status":["super","first_time"],"has_cell_phone":true}"#,
        );
        assert!(ok.is_ok());
        let unknown_key: Result<SegmentCriteria, _> = serde_json::from_str(r#"{"shoe_size":[1]}"#);
        assert!(unknown_key.is_err());
        let unknown_value: Result<SegmentCriteria, _> =
            serde_json::from_str(r#"{"voter_status":["sometimes"]}"#);
        assert!(unknown_value.is_err());
        let wrong_type: Result<SegmentCriteria, _> =
            serde_json::from_str(r#"{"has_landline":"yes"}"#);
        assert!(wrong_type.is_err());
    }

    #[test]
    fn criteria_serialize_only_set_keys() {
        let c = SegmentCriteria {
            age_ranges: Some(vec![AgeRange::From50]),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"age_ranges":["50_plus"]}"#
        );
    }

    #[test]
    fn normalization_sorts_dedups_and_rejects_empty_lists() {
        let c = SegmentCriteria {
            gender: Some(vec![Gender::Unknown, Gender::Male, Gender::Male]),
            ..Default::default()
        };
        assert_eq!(
            c.normalized().unwrap().gender,
            Some(vec![Gender::Male, Gender::Unknown])
        );
        let empty = SegmentCriteria {
            education: Some(vec![]),
            ..Default::default()
        };
        assert_eq!(empty.normalized().unwrap_err().field, "criteria.education");
    }

    #[test]
    fn built_ins_match_the_contract() {
        let keys: Vec<_> = BuiltInSegment::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(
            keys,
            [
                "all",
                "texting",
                "door_knocking",
                "direct_mail",
                "phone_banking",
                "digital_ads"
            ]
        );
        assert!(BuiltInSegment::All.criteria().is_empty());
        assert_eq!(
            BuiltInSegment::Texting.criteria().has_cell_phone,
            Some(true)
        );
        assert_eq!(
            BuiltInSegment::DigitalAds.criteria().has_cell_phone,
            Some(true)
        );
        assert_eq!(
            BuiltInSegment::PhoneBanking.criteria().has_landline,
            Some(true)
        );
        assert_eq!(
            BuiltInSegment::DirectMail.criteria().has_address,
            Some(true)
        );
        assert_eq!(
            BuiltInSegment::DoorKnocking.criteria().has_address,
            Some(true)
        );
        assert_eq!(
            BuiltInSegment::from_key("texting"),
            Some(BuiltInSegment::Texting)
        );
        assert_eq!(BuiltInSegment::from_key("nope"), None);
    }

    #[test]
    fn value_names_round_trip() {
        for v in IncomeRange::ALL {
            assert_eq!(IncomeRange::parse(v.as_str()), Some(*v));
        }
        assert_eq!(
            PartyGroup::parse("republican"),
            Some(PartyGroup::Republican)
        );
    }

    #[test]
    fn and_intersects_and_detects_contradictions() {
        let a = SegmentCriteria {
            voter_status: Some(vec![VoterStatus::Super, VoterStatus::Likely]),
            has_cell_phone: Some(true),
            ..Default::default()
        };
        let b = SegmentCriteria {
            voter_status: Some(vec![VoterStatus::Likely]),
            ..Default::default()
        };
        let both = a.and(&b).unwrap();
        assert_eq!(both.voter_status, Some(vec![VoterStatus::Likely]));
        assert_eq!(both.has_cell_phone, Some(true));
        let disjoint = SegmentCriteria {
            voter_status: Some(vec![VoterStatus::Unlikely]),
            ..Default::default()
        };
        assert!(a.and(&disjoint).is_none());
        let no_cell = SegmentCriteria {
            has_cell_phone: Some(false),
            ..Default::default()
        };
        assert!(a.and(&no_cell).is_none());
        assert_eq!(a.and(&SegmentCriteria::default()), Some(a.clone()));
    }

    #[test]
    fn segment_names() {
        assert_eq!(SegmentName::new("  Seniors ").unwrap().as_str(), "Seniors");
        assert!(SegmentName::new("").is_err());
        assert!(SegmentName::new(&"x".repeat(101)).is_err());
    }
}
