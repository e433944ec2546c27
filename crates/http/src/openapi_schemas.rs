//! Schema-only types: how the OpenAPI document describes values whose Rust type lives in the domain
//! (which has no OpenAPI dependency). Handlers never build these; DTO fields name them with
//! `#[schema(value_type = …)]`. Each mirrors the domain's serde shape exactly, so that the document
//! accepts what the server accepts and refuses what it refuses.
#![allow(dead_code)]

use serde::Deserialize;
use utoipa::ToSchema;

/// A campaign's outcome: `won`, `lost` or `withdrawn`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignOutcomeSchema {
    /// An office starts in a new Serve organization.
    Won,
    /// The campaign lost.
    Lost,
    /// The candidate withdrew.
    Withdrawn,
}

/// A member's role in an organization: `owner`, `admin` or `member` (issue 15's permission table).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleValue {
    /// The one person whose campaign or office it is; the only one who drives the lifecycle.
    Owner,
    /// Runs the organization with the owner: segments, exports, edits, the team.
    Admin,
    /// Reads the organization, its contacts (per the mode's party rule), segments and stats.
    Member,
}

/// An outreach plan's channel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutreachChannelValue {
    /// Text messages (reaches contacts with a cell phone).
    Text,
    /// Phone banking (contacts with a landline).
    PhoneBanking,
    /// Door knocking (contacts with an address).
    DoorKnocking,
    /// Direct mail (contacts with an address).
    DirectMail,
    /// Digital ads (contacts with a cell phone).
    DigitalAds,
}

/// An outreach plan's status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutreachStatusValue {
    /// Being written.
    Draft,
    /// Ready, with a date.
    Scheduled,
    /// People are being contacted.
    InProgress,
    /// Finished.
    Done,
    /// Called off.
    Cancelled,
}

/// The outcome of approaching a contact of an outreach plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutreachOutcomeValue {
    /// Reached.
    Contacted,
    /// Nobody answered.
    NoAnswer,
    /// Declined.
    Refused,
    /// Not their number.
    WrongNumber,
    /// No longer there.
    Moved,
}

/// `voter_status` values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoterStatusValue {
    /// Super.
    Super,
    /// Likely.
    Likely,
    /// Unreliable.
    Unreliable,
    /// Unlikely.
    Unlikely,
    /// First Time.
    FirstTime,
    /// Empty in the file.
    Unknown,
}

/// `party` values (Win organizations only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyValue {
    /// Democratic.
    Democratic,
    /// Republican.
    Republican,
    /// Non-Partisan, Independent, No Party, Unaffiliated.
    Independent,
    /// Any other value.
    Other,
    /// Empty in the file.
    Unknown,
}

/// `age_ranges` values.
#[derive(Debug, Deserialize, ToSchema)]
pub enum AgeRangeValue {
    /// 18 to 24.
    #[serde(rename = "18_24")]
    From18To24,
    /// 25 to 34.
    #[serde(rename = "25_34")]
    From25To34,
    /// 35 to 49.
    #[serde(rename = "35_49")]
    From35To49,
    /// 50 and over.
    #[serde(rename = "50_plus")]
    From50,
    /// Empty in the file.
    #[serde(rename = "unknown")]
    Unknown,
}

/// `gender` values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenderValue {
    /// M.
    Male,
    /// F.
    Female,
    /// Empty in the file.
    Unknown,
}

/// `languages` values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LanguageValue {
    /// EN, English.
    En,
    /// ES, Spanish.
    Es,
    /// Any other language.
    Other,
    /// Empty in the file.
    Unknown,
}

/// `marital_status` values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaritalStatusValue {
    /// Married.
    Married,
    /// Inferred or likely married.
    LikelyMarried,
    /// Single.
    Single,
    /// Inferred or likely single.
    LikelySingle,
    /// Anything else.
    Unknown,
}

/// `has_children` values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum YesNoValue {
    /// Y, Yes.
    Yes,
    /// N, No.
    No,
    /// Anything else.
    Unknown,
}

/// `veteran` and `business_owner` values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum YesUnknownValue {
    /// Y, Yes.
    Yes,
    /// Anything else.
    Unknown,
}

/// `homeowner` values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HomeownerValue {
    /// Yes, Home Owner.
    Yes,
    /// Likely, Probable Home Owner.
    Likely,
    /// No, Renter.
    No,
    /// Anything else.
    Unknown,
}

/// `education` values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EducationValue {
    /// No diploma.
    None,
    /// High School Diploma.
    HighSchool,
    /// Technical school.
    TechnicalSchool,
    /// Some college.
    SomeCollege,
    /// College Degree.
    College,
    /// Graduate Degree.
    Graduate,
    /// Anything else.
    Unknown,
}

/// `ethnicity` values.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EthnicityValue {
    /// Asian.
    Asian,
    /// European.
    European,
    /// Hispanic.
    Hispanic,
    /// African American.
    AfricanAmerican,
    /// Any other group.
    Other,
    /// Empty in the file.
    Unknown,
}

/// `income_ranges` values.
#[derive(Debug, Deserialize, ToSchema)]
pub enum IncomeRangeValue {
    /// Under $25k.
    #[serde(rename = "under_25k")]
    Under25k,
    /// $25k to $35k.
    #[serde(rename = "25k_35k")]
    From25k,
    /// $35k to $50k.
    #[serde(rename = "35k_50k")]
    From35k,
    /// $50k to $75k.
    #[serde(rename = "50k_75k")]
    From50k,
    /// $75k to $100k.
    #[serde(rename = "75k_100k")]
    From75k,
    /// $100k to $125k.
    #[serde(rename = "100k_125k")]
    From100k,
    /// $125k to $150k.
    #[serde(rename = "125k_150k")]
    From125k,
    /// $150k to $200k.
    #[serde(rename = "150k_200k")]
    From150k,
    /// $200k and over.
    #[serde(rename = "200k_plus")]
    From200k,
    /// Empty in the file.
    #[serde(rename = "unknown")]
    Unknown,
}

/// A segment's filter: every key optional, AND across keys, OR within a list; a list names at least one
/// value; unknown keys or values are 422 `validation_failed`. `party` is refused in a Serve organization
/// (422 `party_filter_not_allowed`), even empty or null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentCriteriaSchema {
    /// Voter status.
    #[schema(min_items = 1)]
    pub voter_status: Option<Vec<VoterStatusValue>>,
    /// Political party (Win organizations only; null counts as an empty list, which is refused).
    #[schema(min_items = 1)]
    #[serde(default)]
    pub party: Vec<PartyValue>,
    /// Age brackets (from `Age_Int`).
    #[schema(min_items = 1)]
    pub age_ranges: Option<Vec<AgeRangeValue>>,
    /// Gender.
    #[schema(min_items = 1)]
    pub gender: Option<Vec<GenderValue>>,
    /// With a cell phone number.
    pub has_cell_phone: Option<bool>,
    /// With a landline number.
    pub has_landline: Option<bool>,
    /// With an address line.
    pub has_address: Option<bool>,
    /// Language.
    #[schema(min_items = 1)]
    pub languages: Option<Vec<LanguageValue>>,
    /// Marital status.
    #[schema(min_items = 1)]
    pub marital_status: Option<Vec<MaritalStatusValue>>,
    /// Children in the household.
    #[schema(min_items = 1)]
    pub has_children: Option<Vec<YesNoValue>>,
    /// Veteran.
    #[schema(min_items = 1)]
    pub veteran: Option<Vec<YesUnknownValue>>,
    /// Homeowner.
    #[schema(min_items = 1)]
    pub homeowner: Option<Vec<HomeownerValue>>,
    /// Business owner.
    #[schema(min_items = 1)]
    pub business_owner: Option<Vec<YesUnknownValue>>,
    /// Education.
    #[schema(min_items = 1)]
    pub education: Option<Vec<EducationValue>>,
    /// Ethnic group.
    #[schema(min_items = 1)]
    pub ethnicity: Option<Vec<EthnicityValue>>,
    /// Estimated income brackets.
    #[schema(min_items = 1)]
    pub income_ranges: Option<Vec<IncomeRangeValue>>,
}
