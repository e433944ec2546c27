//! Voter Outreach, a Win-only feature (issue 16, ADR 0005): an outreach plan is a campaign's planned
//! contact with part of its district — a channel, an optional segment, a script, a date and a status.
//! Its data hangs off the **campaign**, so it never appears in a Serve organization, and it becomes
//! read-only when the campaign's organization is archived (won, lost or withdrawn).

use crate::{
    Address, BuiltInSegment, CampaignId, Education, Ethnicity, Gender, Homeowner, InvalidValue,
    Language, MaritalStatus, OrganizationId, OutreachPlanId, PartyGroup, SegmentId, StateCode,
    Voter, VoterId, VoterStatus, YesNo, YesUnknown,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How a plan reaches people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutreachChannel {
    /// Text messages.
    Text,
    /// Phone banking.
    PhoneBanking,
    /// Door knocking.
    DoorKnocking,
    /// Direct mail.
    DirectMail,
    /// Digital ads.
    DigitalAds,
}

impl OutreachChannel {
    /// Every channel.
    pub const ALL: [OutreachChannel; 5] = [
        OutreachChannel::Text,
        OutreachChannel::PhoneBanking,
        OutreachChannel::DoorKnocking,
        OutreachChannel::DirectMail,
        OutreachChannel::DigitalAds,
    ];

    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutreachChannel::Text => "text",
            OutreachChannel::PhoneBanking => "phone_banking",
            OutreachChannel::DoorKnocking => "door_knocking",
            OutreachChannel::DirectMail => "direct_mail",
            OutreachChannel::DigitalAds => "digital_ads",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }

    /// The built-in segment of the people this channel can reach: a plan's audience is its segment
    /// (or the whole district) intersected with it.
    pub const fn reachable(self) -> BuiltInSegment {
        match self {
            OutreachChannel::Text => BuiltInSegment::Texting,
            OutreachChannel::PhoneBanking => BuiltInSegment::PhoneBanking,
            OutreachChannel::DoorKnocking => BuiltInSegment::DoorKnocking,
            OutreachChannel::DirectMail => BuiltInSegment::DirectMail,
            OutreachChannel::DigitalAds => BuiltInSegment::DigitalAds,
        }
    }
}

/// Where a plan stands: `draft → scheduled → in_progress → done`, or `cancelled` before it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutreachStatus {
    /// Being written.
    Draft,
    /// Ready, with a date.
    Scheduled,
    /// People are being contacted (its audience is frozen from here on).
    InProgress,
    /// Finished.
    Done,
    /// Called off.
    Cancelled,
}

impl OutreachStatus {
    /// Every status.
    pub const ALL: [OutreachStatus; 5] = [
        OutreachStatus::Draft,
        OutreachStatus::Scheduled,
        OutreachStatus::InProgress,
        OutreachStatus::Done,
        OutreachStatus::Cancelled,
    ];

    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutreachStatus::Draft => "draft",
            OutreachStatus::Scheduled => "scheduled",
            OutreachStatus::InProgress => "in_progress",
            OutreachStatus::Done => "done",
            OutreachStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether the plan is finished (done or cancelled): nothing about it changes any more.
    pub const fn is_final(self) -> bool {
        matches!(self, OutreachStatus::Done | OutreachStatus::Cancelled)
    }

    /// Whether outcomes may be recorded: the audience is frozen and the plan was not called off.
    pub const fn takes_results(self) -> bool {
        matches!(self, OutreachStatus::InProgress | OutreachStatus::Done)
    }

    /// Whether a plan in this status may move to `next`: one step forward, or cancelled before it is
    /// done. Moving to the status it has is a harmless repeat, answered by the caller.
    pub const fn may_become(self, next: OutreachStatus) -> bool {
        matches!(
            (self, next),
            (OutreachStatus::Draft, OutreachStatus::Scheduled)
                | (OutreachStatus::Scheduled, OutreachStatus::InProgress)
                | (OutreachStatus::InProgress, OutreachStatus::Done)
                | (
                    OutreachStatus::Draft | OutreachStatus::Scheduled | OutreachStatus::InProgress,
                    OutreachStatus::Cancelled
                )
        )
    }
}

/// A plan's name: 1 to 100 printable characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanName(String);

impl PlanName {
    /// Trims and validates `value`.
    pub fn new(value: &str) -> Result<Self, InvalidValue> {
        crate::segment::short_name(value).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PlanName {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<PlanName> for String {
    fn from(n: PlanName) -> Self {
        n.0
    }
}

/// The most bytes a script may have.
pub const MAX_SCRIPT_BYTES: usize = 10 * 1024;

/// A plan's script: what volunteers say or send, up to 10 KB (line breaks and tabs allowed, no other
/// control characters).
pub fn check_script(script: &str) -> Result<(), InvalidValue> {
    if script.len() > MAX_SCRIPT_BYTES {
        return Err(InvalidValue::new("script", "must be at most 10 KB"));
    }
    if script
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(InvalidValue::new(
            "script",
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(())
}

/// A campaign's outreach plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutreachPlan {
    /// Its id.
    pub id: OutreachPlanId,
    /// The campaign it belongs to (Win-only data hangs off the campaign).
    pub campaign_id: CampaignId,
    /// The campaign's organization (for scoping).
    pub organization_id: OrganizationId,
    /// Its name.
    pub name: PlanName,
    /// How it reaches people.
    pub channel: OutreachChannel,
    /// A custom segment of the same organization; `None`: the whole district.
    pub segment_id: Option<SegmentId>,
    /// What volunteers say or send.
    pub script: String,
    /// When it is meant to happen.
    pub scheduled_for: Option<NaiveDate>,
    /// Where it stands.
    pub status: OutreachStatus,
    /// When its audience was frozen (the move to `in_progress`); `None`: the audience is still computed
    /// from the voter file on every read.
    pub audience_frozen_at: Option<DateTime<Utc>>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

/// How a channel's audience is laid out: door knocking walks streets, direct mail writes to households,
/// the other channels list people in the contacts order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudienceLayout {
    /// One contact after another, by last name, first name, id.
    Contacts,
    /// A walk list: street name, then house number as a number, then unit, then name.
    WalkList,
    /// One entry per household (same address line and ZIP), households in ZIP then walk order.
    Households,
}

impl OutreachChannel {
    /// How this channel's audience is laid out.
    pub const fn layout(self) -> AudienceLayout {
        match self {
            OutreachChannel::DoorKnocking => AudienceLayout::WalkList,
            OutreachChannel::DirectMail => AudienceLayout::Households,
            _ => AudienceLayout::Contacts,
        }
    }
}

/// What happened when a contact of a plan was approached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutreachOutcome {
    /// Reached: a conversation, a delivered message.
    Contacted,
    /// Nobody answered.
    NoAnswer,
    /// Declined to talk.
    Refused,
    /// The number is not theirs.
    WrongNumber,
    /// They no longer live there.
    Moved,
}

impl OutreachOutcome {
    /// Every outcome, in the order summaries list them.
    pub const ALL: [OutreachOutcome; 5] = [
        OutreachOutcome::Contacted,
        OutreachOutcome::NoAnswer,
        OutreachOutcome::Refused,
        OutreachOutcome::WrongNumber,
        OutreachOutcome::Moved,
    ];

    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutreachOutcome::Contacted => "contacted",
            OutreachOutcome::NoAnswer => "no_answer",
            OutreachOutcome::Refused => "refused",
            OutreachOutcome::WrongNumber => "wrong_number",
            OutreachOutcome::Moved => "moved",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == value)
    }
}

/// The most outcomes one upload may record.
pub const MAX_RESULTS_PER_UPLOAD: usize = 100_000;

/// One contact's outcome, as uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeRecord {
    /// The contact (a voter of the plan's frozen audience).
    pub contact: VoterId,
    /// What happened.
    pub outcome: OutreachOutcome,
}

/// Checks an upload of outcomes before any is stored: 1 to [`MAX_RESULTS_PER_UPLOAD`] rows, each
/// contact once. Returns the indexes (0-based) of rows that repeat an earlier contact, with that row.
pub fn repeated_contacts(records: &[OutcomeRecord]) -> Vec<(usize, usize)> {
    let mut first = std::collections::HashMap::with_capacity(records.len());
    let mut repeats = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if let Some(&earlier) = first.get(&r.contact) {
            repeats.push((i, earlier));
        } else {
            first.insert(r.contact, i);
        }
    }
    repeats
}

/// A contact of a plan's audience.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceContact {
    /// The voter as the file has it now; for one who left the file since the audience was frozen, the
    /// names and address kept when it was frozen, everything else unknown.
    pub voter: Voter,
    /// `false`: the voter left the voter file after the audience was frozen.
    pub in_voter_file: bool,
}

impl AudienceContact {
    /// A voter who left the voter file after the audience was frozen: the names and address kept then,
    /// every other attribute unknown (party included).
    pub fn departed(
        id: VoterId,
        lal_voter_id: String,
        state: StateCode,
        first_name: Option<String>,
        last_name: Option<String>,
        address: Address,
    ) -> Self {
        let voter = Voter {
            id,
            lal_voter_id,
            state,
            first_name,
            middle_name: None,
            last_name,
            name_suffix: None,
            age: None,
            gender: Gender::from_l2(""),
            party_description: None,
            party: PartyGroup::from_l2(""),
            voter_status: VoterStatus::from_l2(""),
            address,
            cell_phone: None,
            landline: None,
            marital_status: MaritalStatus::from_l2(""),
            has_children: YesNo::from_l2(""),
            veteran: YesUnknown::from_l2(""),
            homeowner: Homeowner::from_l2(""),
            business_owner: YesUnknown::from_l2(""),
            education: Education::from_l2(""),
            ethnicity: Ethnicity::from_l2(""),
            language: Language::from_l2(""),
            estimated_income: None,
            districts: vec![],
        };
        Self {
            voter,
            in_voter_file: false,
        }
    }
}

/// A contact as a household lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdMember {
    /// The contact's id.
    pub id: VoterId,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// `false`: the voter left the voter file after the audience was frozen.
    pub in_voter_file: bool,
}

/// One household of a direct-mail audience: an address line and ZIP, and who lives there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    /// Street line.
    pub line1: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ZIP code.
    pub zip: Option<String>,
    /// Its contacts, by last name, first name, id.
    pub contacts: Vec<HouseholdMember>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_move_forward_one_step_or_are_cancelled() {
        use OutreachStatus::*;
        let allowed = [
            (Draft, Scheduled),
            (Scheduled, InProgress),
            (InProgress, Done),
            (Draft, Cancelled),
            (Scheduled, Cancelled),
            (InProgress, Cancelled),
        ];
        for from in OutreachStatus::ALL {
            for to in OutreachStatus::ALL {
                assert_eq!(
                    from.may_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }

    #[test]
    fn channels_reach_their_built_in_segment_and_names_round_trip() {
        assert_eq!(OutreachChannel::Text.reachable(), BuiltInSegment::Texting);
        assert_eq!(
            OutreachChannel::DirectMail.reachable(),
            BuiltInSegment::DirectMail
        );
        for c in OutreachChannel::ALL {
            assert_eq!(OutreachChannel::parse(c.as_str()), Some(c));
        }
        for s in OutreachStatus::ALL {
            assert_eq!(OutreachStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn outcomes_round_trip_and_repeats_are_found() {
        for o in OutreachOutcome::ALL {
            assert_eq!(OutreachOutcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(OutreachOutcome::parse("Contacted"), None);
        let a = VoterId::from_uuid(uuid::Uuid::from_u128(1));
        let b = VoterId::from_uuid(uuid::Uuid::from_u128(2));
        let rec = |contact| OutcomeRecord {
            contact,
            outcome: OutreachOutcome::Contacted,
        };
        assert_eq!(
            repeated_contacts(&[rec(a), rec(b), rec(a), rec(a)]),
            vec![(2, 0), (3, 0)]
        );
        assert!(repeated_contacts(&[rec(a), rec(b)]).is_empty());
        assert!(OutreachStatus::InProgress.takes_results() && OutreachStatus::Done.takes_results());
        assert!(
            !OutreachStatus::Scheduled.takes_results()
                && !OutreachStatus::Cancelled.takes_results()
        );
        assert_eq!(
            OutreachChannel::DoorKnocking.layout(),
            AudienceLayout::WalkList
        );
        assert_eq!(
            OutreachChannel::DirectMail.layout(),
            AudienceLayout::Households
        );
        assert_eq!(OutreachChannel::Text.layout(), AudienceLayout::Contacts);
    }

    #[test]
    fn scripts_are_bounded() {
        assert!(check_script("Hi!\nVote on Tuesday.\t").is_ok());
        assert!(check_script(&"x".repeat(MAX_SCRIPT_BYTES + 1)).is_err());
        assert!(check_script("bell\u{7}").is_err());
    }
}
