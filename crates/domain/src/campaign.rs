//! Campaigns (Win mode) and elected offices (Serve mode). There is deliberately no link between the two:
//! where an office came from is recorded in the lifecycle log.

use crate::{CampaignId, ElectedOfficeId, InvalidValue, OrganizationId, UserId};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The status of a campaign: `draft → active → won | lost`, and `draft | active → withdrawn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Being prepared.
    Draft,
    /// Launched and running.
    Active,
    /// Closed: the candidate won.
    Won,
    /// Closed: the candidate lost.
    Lost,
    /// Closed: the candidate withdrew.
    Withdrawn,
}

impl CampaignStatus {
    /// Every status.
    pub const ALL: [CampaignStatus; 5] = [
        CampaignStatus::Draft,
        CampaignStatus::Active,
        CampaignStatus::Won,
        CampaignStatus::Lost,
        CampaignStatus::Withdrawn,
    ];

    /// Whether the campaign is still open (draft or active). A user has at most one open campaign.
    pub const fn is_open(self) -> bool {
        matches!(self, CampaignStatus::Draft | CampaignStatus::Active)
    }

    /// The lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Active => "active",
            CampaignStatus::Won => "won",
            CampaignStatus::Lost => "lost",
            CampaignStatus::Withdrawn => "withdrawn",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// How a campaign ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignOutcome {
    /// The candidate won: an elected office starts.
    Won,
    /// The candidate lost.
    Lost,
    /// The candidate withdrew.
    Withdrawn,
}

impl CampaignOutcome {
    /// The closed status this outcome leads to.
    pub const fn status(self) -> CampaignStatus {
        match self {
            CampaignOutcome::Won => CampaignStatus::Won,
            CampaignOutcome::Lost => CampaignStatus::Lost,
            CampaignOutcome::Withdrawn => CampaignStatus::Withdrawn,
        }
    }
}

/// The years a campaign's or an office's date may fall in: election, primary, sworn-in and term-end
/// dates outside them are refused (a date like `-0001-01-01` is a typing error, not an election).
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// Refuses a date outside [`DATE_YEARS`], naming `field`.
///
/// ```
/// use chrono::NaiveDate;
/// use winserve_domain::check_date;
/// let ok = NaiveDate::from_ymd_opt(2026, 11, 3);
/// assert!(check_date("election_date", ok).is_ok());
/// let typo = NaiveDate::from_ymd_opt(-1, 1, 1);
/// assert_eq!(check_date("election_date", typo).unwrap_err().field, "election_date");
/// ```
pub fn check_date(field: &'static str, date: Option<NaiveDate>) -> Result<(), InvalidValue> {
    match date {
        Some(d) if !DATE_YEARS.contains(&d.year()) => Err(InvalidValue::new(
            field,
            "must be a date between 1900-01-01 and 2199-12-31",
        )),
        _ => Ok(()),
    }
}

/// The editable details of a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDetails {
    /// The general election date.
    pub election_date: Option<NaiveDate>,
    /// The primary election date.
    pub primary_election_date: Option<NaiveDate>,
    /// BallotReady's id of the race.
    pub ballotready_race_id: Option<String>,
    /// BallotReady's id of the election.
    pub ballotready_election_id: Option<String>,
    /// The candidate's own party (not a constituent's; shown in both modes).
    pub party: Option<String>,
}

impl CampaignDetails {
    /// Checks the dates (within [`DATE_YEARS`], the primary not after the general election) and the
    /// free-text fields (each at most 200 characters without control characters).
    pub fn validate(&self) -> Result<(), InvalidValue> {
        check_date("election_date", self.election_date)?;
        check_date("primary_election_date", self.primary_election_date)?;
        let fields = [
            ("ballotready_race_id", &self.ballotready_race_id),
            ("ballotready_election_id", &self.ballotready_election_id),
            ("party", &self.party),
        ];
        for (name, value) in fields {
            if let Some(v) = value
                && (v.trim().is_empty()
                    || v.chars().count() > 200
                    || v.chars().any(char::is_control))
            {
                return Err(InvalidValue::new(
                    name,
                    "must be 1 to 200 printable characters",
                ));
            }
        }
        if let (Some(primary), Some(general)) = (self.primary_election_date, self.election_date)
            && primary > general
        {
            return Err(InvalidValue::new(
                "primary_election_date",
                "must not be after election_date",
            ));
        }
        Ok(())
    }
}

/// A campaign: one run for one office, owned by one Win organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// Its id.
    pub id: CampaignId,
    /// The Win organization it belongs to.
    pub organization_id: OrganizationId,
    /// The candidate.
    pub owner_id: UserId,
    /// Where it is in its lifecycle.
    pub status: CampaignStatus,
    /// Dates, race ids and party.
    pub details: CampaignDetails,
    /// When it was launched.
    pub launched_at: Option<DateTime<Utc>>,
    /// When its result was recorded.
    pub closed_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The status of an elected office: `active → ended`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeStatus {
    /// Serving.
    Active,
    /// The term is over.
    Ended,
}

impl OfficeStatus {
    /// The lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OfficeStatus::Active => "active",
            OfficeStatus::Ended => "ended",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(OfficeStatus::Active),
            "ended" => Some(OfficeStatus::Ended),
            _ => None,
        }
    }
}

/// The editable dates of an office.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeDates {
    /// When the official was sworn in.
    pub sworn_in_date: Option<NaiveDate>,
    /// When the term ends.
    pub term_end_date: Option<NaiveDate>,
}

impl OfficeDates {
    /// Checks that both dates are within [`DATE_YEARS`] and that the term does not end before it
    /// starts.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        check_date("sworn_in_date", self.sworn_in_date)?;
        check_date("term_end_date", self.term_end_date)?;
        match (self.sworn_in_date, self.term_end_date) {
            (Some(start), Some(end)) if end < start => Err(InvalidValue::new(
                "term_end_date",
                "must not be before sworn_in_date",
            )),
            _ => Ok(()),
        }
    }
}

/// An elected office: one term served, owned by one Serve organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectedOffice {
    /// Its id.
    pub id: ElectedOfficeId,
    /// The Serve organization it belongs to.
    pub organization_id: OrganizationId,
    /// The official.
    pub owner_id: UserId,
    /// Active or ended.
    pub status: OfficeStatus,
    /// Sworn-in and term-end dates.
    pub dates: OfficeDates,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_statuses() {
        let open: Vec<_> = CampaignStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(open, [CampaignStatus::Draft, CampaignStatus::Active]);
        for s in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn details_are_checked() {
        let d = |p: &str, g: &str| CampaignDetails {
            primary_election_date: Some(p.parse().unwrap()),
            election_date: Some(g.parse().unwrap()),
            ..Default::default()
        };
        assert!(d("2026-06-01", "2026-11-03").validate().is_ok());
        assert!(d("2026-12-01", "2026-11-03").validate().is_err());
        let blank = CampaignDetails {
            party: Some("  ".into()),
            ..Default::default()
        };
        assert!(blank.validate().is_err());
    }

    #[test]
    fn office_dates_are_checked() {
        let d = OfficeDates {
            sworn_in_date: Some("2027-01-01".parse().unwrap()),
            term_end_date: Some("2026-01-01".parse().unwrap()),
        };
        assert!(d.validate().is_err());
        assert!(OfficeDates::default().validate().is_ok());
    }
}
