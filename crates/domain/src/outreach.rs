//! Voter Outreach, a Win-only feature (issue 16, ADR 0005): an outreach plan is a campaign's planned
//! contact with part of its district — a channel, an optional segment, a script, a date and a status.
//! Its data hangs off the **campaign**, so it never appears in a Serve organization, and it becomes
//! read-only when the campaign's organization is archived (won, lost or withdrawn).

use crate::{BuiltInSegment, CampaignId, InvalidValue, OrganizationId, OutreachPlanId, SegmentId};
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
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
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
    fn scripts_are_bounded() {
        assert!(check_script("Hi!\nVote on Tuesday.\t").is_ok());
        assert!(check_script(&"x".repeat(MAX_SCRIPT_BYTES + 1)).is_err());
        assert!(check_script("bell\u{7}").is_err());
    }
}
