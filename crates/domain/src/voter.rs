//! Voters (shown as contacts) and the mapping from L2 voter-file values to criteria values.

use crate::{
    AgeRange, Education, Ethnicity, Gender, Homeowner, IncomeRange, L2Name, L2Type, Language,
    MaritalStatus, PartyGroup, StateCode, VoterId, VoterStatus, YesNo, YesUnknown,
};
use serde::{Deserialize, Serialize};

/// A voter's residence address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street line.
    pub line1: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// ZIP code.
    pub zip: Option<String>,
}

/// One voter of the voter file, with every attribute already mapped to its criteria value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voter {
    /// Its id.
    pub id: VoterId,
    /// L2's voter id (`LALVOTERID`), the natural key.
    pub lal_voter_id: String,
    /// The state of the voter file.
    pub state: StateCode,
    /// First name.
    pub first_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Suffix (Jr, III…).
    pub name_suffix: Option<String>,
    /// Age in years.
    pub age: Option<i16>,
    /// Gender.
    pub gender: Gender,
    /// The party as the file describes it (`Parties_Description`). Never shown in Serve mode.
    pub party_description: Option<String>,
    /// The party group. Never shown or filtered on in Serve mode.
    pub party: PartyGroup,
    /// Turnout category.
    pub voter_status: VoterStatus,
    /// Residence address.
    pub address: Address,
    /// Cell phone, formatted.
    pub cell_phone: Option<String>,
    /// Landline, formatted.
    pub landline: Option<String>,
    /// Marital status.
    pub marital_status: MaritalStatus,
    /// Presence of children.
    pub has_children: YesNo,
    /// Veteran.
    pub veteran: YesUnknown,
    /// Home ownership.
    pub homeowner: Homeowner,
    /// Business owner.
    pub business_owner: YesUnknown,
    /// Education.
    pub education: Education,
    /// Ethnic group.
    pub ethnicity: Ethnicity,
    /// Language.
    pub language: Language,
    /// Estimated household income in dollars.
    pub estimated_income: Option<i32>,
    /// The districts the voter lives in, by type and name (state is the voter's).
    pub districts: Vec<(L2Type, L2Name)>,
}

/// The variant whose spellings contain `value` (trimmed, ASCII case ignored), else `default`. No
/// allocation: this runs for every field of every voter of an import.
fn pick<T: Copy>(value: &str, table: &[(&[&str], T)], default: T) -> T {
    let v = value.trim();
    table
        .iter()
        .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(v)))
        .map_or(default, |(_, t)| *t)
}

impl VoterStatus {
    /// Maps `Voter_Status`.
    pub fn from_l2(value: &str) -> Self {
        pick(
            value,
            &[
                (&["super"], Self::Super),
                (&["likely"], Self::Likely),
                (&["unreliable"], Self::Unreliable),
                (&["unlikely"], Self::Unlikely),
                (&["first time", "first_time"], Self::FirstTime),
            ],
            Self::Unknown,
        )
    }
}

impl PartyGroup {
    /// Maps `Parties_Description`.
    pub fn from_l2(value: &str) -> Self {
        if value.trim().is_empty() {
            return Self::Unknown;
        }
        pick(
            value,
            &[
                (&["democratic"], Self::Democratic),
                (&["republican"], Self::Republican),
                (
                    &["non-partisan", "independent", "no party", "unaffiliated"],
                    Self::Independent,
                ),
            ],
            Self::Other,
        )
    }
}

impl AgeRange {
    /// The bracket of an age.
    pub fn from_age(age: Option<i16>) -> Self {
        match age {
            Some(a) if (18..=24).contains(&a) => Self::From18To24,
            Some(a) if (25..=34).contains(&a) => Self::From25To34,
            Some(a) if (35..=49).contains(&a) => Self::From35To49,
            Some(a) if a >= 50 => Self::From50,
            _ => Self::Unknown,
        }
    }
}

impl Gender {
    /// Maps `Gender` (M/F/empty).
    pub fn from_l2(value: &str) -> Self {
        pick(
            value,
            &[
                (&["m", "male"], Self::Male),
                (&["f", "female"], Self::Female),
            ],
            Self::Unknown,
        )
    }
}

impl Language {
    /// Maps `Language_Code`.
    pub fn from_l2(value: &str) -> Self {
        if value.trim().is_empty() {
            return Self::Unknown;
        }
        pick(
            value,
            &[
                (&["en", "english"], Self::En),
                (&["es", "spanish"], Self::Es),
            ],
            Self::Other,
        )
    }
}

impl MaritalStatus {
    /// Maps `Marital_Status`.
    pub fn from_l2(value: &str) -> Self {
        pick(
            value,
            &[
                (&["married"], Self::Married),
                (&["inferred married", "likely married"], Self::LikelyMarried),
                (&["single"], Self::Single),
                (&["inferred single", "likely single"], Self::LikelySingle),
            ],
            Self::Unknown,
        )
    }
}

impl YesNo {
    /// Maps `Presence_Of_Children`.
    pub fn from_l2(value: &str) -> Self {
        pick(
            value,
            &[(&["y", "yes"], Self::Yes), (&["n", "no"], Self::No)],
            Self::Unknown,
        )
    }
}

impl YesUnknown {
    /// Maps `Veteran_Status` and `Business_Owner`.
    pub fn from_l2(value: &str) -> Self {
        pick(value, &[(&["y", "yes"], Self::Yes)], Self::Unknown)
    }
}

impl Homeowner {
    /// Maps `Homeowner_Probability_Model`.
    pub fn from_l2(value: &str) -> Self {
        pick(
            value,
            &[
                (&["yes", "home owner"], Self::Yes),
                (&["likely", "probable home owner"], Self::Likely),
                (&["no", "renter"], Self::No),
            ],
            Self::Unknown,
        )
    }
}

impl Education {
    /// Maps `Education_Of_Person`.
    pub fn from_l2(value: &str) -> Self {
        let v = value.trim().to_ascii_lowercase();
        if v.is_empty() {
            Self::Unknown
        } else if v.contains("did not") || v.contains("less than") || v == "none" {
            // Checked first: "Did Not Complete High School Likely" is no diploma.
            Self::None
        } else if v.contains("graduate") {
            Self::Graduate
        } else if v.contains("college degree")
            || v.contains("completed college")
            || v.contains("bach")
        {
            Self::College
        } else if v.contains("some college") {
            Self::SomeCollege
        } else if v.contains("technical") || v.contains("vocational") {
            Self::TechnicalSchool
        } else if v.contains("high school") {
            Self::HighSchool
        } else {
            Self::Unknown
        }
    }
}

impl Ethnicity {
    /// Maps `EthnicGroups_EthnicGroup1Desc`.
    pub fn from_l2(value: &str) -> Self {
        let v = value.trim().to_ascii_lowercase();
        if v.is_empty() {
            Self::Unknown
        } else if v.contains("asian") {
            Self::Asian
        } else if v.contains("european") {
            Self::European
        } else if v.contains("hispanic") || v.contains("portuguese") {
            Self::Hispanic
        } else if v.contains("african") {
            Self::AfricanAmerican
        } else {
            Self::Other
        }
    }
}

impl IncomeRange {
    /// The bracket of an income in dollars.
    pub fn from_income(income: Option<i32>) -> Self {
        match income {
            None => Self::Unknown,
            Some(i) if i < 25_000 => Self::Under25k,
            Some(i) if i < 35_000 => Self::From25kTo35k,
            Some(i) if i < 50_000 => Self::From35kTo50k,
            Some(i) if i < 75_000 => Self::From50kTo75k,
            Some(i) if i < 100_000 => Self::From75kTo100k,
            Some(i) if i < 125_000 => Self::From100kTo125k,
            Some(i) if i < 150_000 => Self::From125kTo150k,
            Some(i) if i < 200_000 => Self::From150kTo200k,
            Some(_) => Self::From200k,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l2_values_map_to_criteria() {
        assert_eq!(VoterStatus::from_l2("First Time"), VoterStatus::FirstTime);
        assert_eq!(VoterStatus::from_l2(""), VoterStatus::Unknown);
        assert_eq!(PartyGroup::from_l2("Democratic"), PartyGroup::Democratic);
        assert_eq!(PartyGroup::from_l2("Non-Partisan"), PartyGroup::Independent);
        assert_eq!(PartyGroup::from_l2("Unaffiliated"), PartyGroup::Independent);
        assert_eq!(PartyGroup::from_l2("Libertarian"), PartyGroup::Other);
        assert_eq!(PartyGroup::from_l2(" "), PartyGroup::Unknown);
        assert_eq!(AgeRange::from_age(Some(24)), AgeRange::From18To24);
        assert_eq!(AgeRange::from_age(Some(25)), AgeRange::From25To34);
        assert_eq!(AgeRange::from_age(Some(49)), AgeRange::From35To49);
        assert_eq!(AgeRange::from_age(Some(50)), AgeRange::From50);
        assert_eq!(AgeRange::from_age(None), AgeRange::Unknown);
        assert_eq!(Gender::from_l2("F"), Gender::Female);
        assert_eq!(Language::from_l2("Spanish"), Language::Es);
        assert_eq!(Language::from_l2("FR"), Language::Other);
        assert_eq!(
            MaritalStatus::from_l2("Inferred Married"),
            MaritalStatus::LikelyMarried
        );
        assert_eq!(YesNo::from_l2("N"), YesNo::No);
        assert_eq!(YesUnknown::from_l2("Yes"), YesUnknown::Yes);
        assert_eq!(Homeowner::from_l2("Probable Home Owner"), Homeowner::Likely);
        assert_eq!(Homeowner::from_l2("Renter"), Homeowner::No);
        assert_eq!(Education::from_l2("Graduate Degree"), Education::Graduate);
        assert_eq!(
            Education::from_l2("High School Diploma"),
            Education::HighSchool
        );
        assert_eq!(
            Ethnicity::from_l2("Likely African-American"),
            Ethnicity::AfricanAmerican
        );
        assert_eq!(
            Ethnicity::from_l2("Hispanic and Portuguese"),
            Ethnicity::Hispanic
        );
        assert_eq!(
            IncomeRange::from_income(Some(24_999)),
            IncomeRange::Under25k
        );
        assert_eq!(
            IncomeRange::from_income(Some(200_000)),
            IncomeRange::From200k
        );
        assert_eq!(
            IncomeRange::from_income(Some(75_000)),
            IncomeRange::From75kTo100k
        );
    }
}

/// Folds text for sorting and searching: lower case, Latin accents removed (`Núñez` → `nunez`), blanks
/// collapsed. Sort keys and search text are stored folded, and queries are folded the same way, so search
/// is case- and accent-insensitive without database extensions.
///
/// ```
/// use winserve_domain::fold;
/// assert_eq!(fold("  José  NÚÑEZ-Zoë "), "jose nunez-zoe");
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for c in text.chars() {
        if c.is_whitespace() {
            if !blank {
                out.push(' ');
                blank = true;
            }
            continue;
        }
        blank = false;
        match fold_char(c) {
            Some(s) => out.push_str(s),
            None => out.extend(c.to_lowercase()),
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć'..='č' => "c",
        'Ď'..='đ' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => "e",
        'Ĝ'..='ģ' => "g",
        'Ĥ'..='ħ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => "i",
        'Ĵ' | 'ĵ' => "j",
        'Ķ' | 'ķ' => "k",
        'Ĺ'..='ł' => "l",
        'Ñ' | 'ñ' | 'Ń'..='ŉ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'Ś'..='š' => "s",
        'ß' => "ss",
        'Ţ'..='ŧ' => "t",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ'..='Ÿ' => "y",
        'Ź'..='ž' => "z",
        _ => return None,
    })
}

/// The digits of a phone number (`(307) 555-0123` → `3075550123`).
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

impl Voter {
    /// The folded sort key of the last name.
    pub fn last_name_key(&self) -> String {
        fold(self.last_name.as_deref().unwrap_or(""))
    }

    /// The folded sort key of the first name.
    pub fn first_name_key(&self) -> String {
        fold(self.first_name.as_deref().unwrap_or(""))
    }

    /// The search document (`voters.search_text`): the voter's words and phone keys, never party
    /// ([`crate::search`]).
    pub fn search_text(&self) -> String {
        crate::search::search_document(self)
    }

    /// Whether the voter has a cell phone.
    pub fn has_cell_phone(&self) -> bool {
        self.cell_phone
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty())
    }

    /// Whether the voter has a landline.
    pub fn has_landline(&self) -> bool {
        self.landline
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty())
    }

    /// Whether the voter has a residence address line.
    pub fn has_address(&self) -> bool {
        self.address
            .line1
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty())
    }
}

#[cfg(test)]
mod fold_tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("Beaulieu"), "beaulieu");
        assert_eq!(fold("ZOË"), "zoe");
        assert_eq!(fold("Øster  Straße"), "oster strasse");
        assert_eq!(fold(""), "");
        assert_eq!(phone_digits("(307) 555-0123"), "3075550123");
    }
}

/// Test fixtures shared by the domain's unit tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::*;

    /// A voter with every attribute set to a fixed value and no name, address or phone.
    pub(crate) fn blank_voter() -> Voter {
        Voter {
            id: VoterId::generate(),
            lal_voter_id: "LALWY1".into(),
            state: StateCode::new("WY").unwrap(),
            first_name: None,
            middle_name: None,
            last_name: None,
            name_suffix: None,
            age: None,
            gender: Gender::Female,
            party_description: None,
            party: PartyGroup::Unknown,
            voter_status: VoterStatus::Unknown,
            address: Address::default(),
            cell_phone: None,
            landline: None,
            marital_status: MaritalStatus::Single,
            has_children: YesNo::No,
            veteran: YesUnknown::Yes,
            homeowner: Homeowner::Likely,
            business_owner: YesUnknown::Unknown,
            education: Education::College,
            ethnicity: Ethnicity::Hispanic,
            language: Language::Es,
            estimated_income: Some(80_000),
            districts: vec![],
        }
    }
}
