//! The JSON shapes of interfaces.md, and their conversion from domain values.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::{OrganizationDetails, Patch};
use winserve_domain::{
    Campaign, District, DistrictSource, ElectedOffice, LifecycleEvent, NavItem, Navigation,
    Organization, Position, Slug, User, organization_name,
};

/// An L2 district.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DistrictDto {
    /// Its id.
    pub id: Uuid,
    /// Two-letter state code.
    pub state: String,
    /// L2 type, e.g. `City_Ward`.
    pub l2_type: String,
    /// L2 name, e.g. `CHEYENNE CITY WARD 1`.
    pub l2_name: String,
}

impl From<&District> for DistrictDto {
    fn from(d: &District) -> Self {
        Self {
            id: d.id.as_uuid(),
            state: d.state.to_string(),
            l2_type: d.l2_type.to_string(),
            l2_name: d.l2_name.to_string(),
        }
    }
}

/// A BallotReady position, as embedded in an organization.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionRefDto {
    /// BallotReady global id.
    pub ballotready_position_id: String,
    /// Name.
    pub name: String,
    /// State.
    pub state: String,
    /// Level (city, county, state, federal, local, regional, township).
    pub level: String,
}

impl From<&Position> for PositionRefDto {
    fn from(p: &Position) -> Self {
        Self {
            ballotready_position_id: p.ballotready_position_id.to_string(),
            name: p.name.clone(),
            state: p.state.to_string(),
            level: p.level.as_str().to_owned(),
        }
    }
}

/// A campaign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignDto {
    /// Its id.
    pub id: Uuid,
    /// Its Win organization.
    pub organization_slug: String,
    /// draft, active, won, lost or withdrawn.
    pub status: String,
    /// General election date.
    pub election_date: Option<NaiveDate>,
    /// Primary election date.
    pub primary_election_date: Option<NaiveDate>,
    /// BallotReady race id.
    pub ballotready_race_id: Option<String>,
    /// BallotReady election id.
    pub ballotready_election_id: Option<String>,
    /// The candidate's party.
    pub party: Option<String>,
    /// When launched.
    pub launched_at: Option<DateTime<Utc>>,
    /// When the result was recorded.
    pub closed_at: Option<DateTime<Utc>>,
    /// When created.
    pub created_at: DateTime<Utc>,
}

impl CampaignDto {
    /// The DTO of a campaign in the organization `slug`.
    pub fn new(c: &Campaign, slug: &Slug) -> Self {
        Self {
            id: c.id.as_uuid(),
            organization_slug: slug.to_string(),
            status: c.status.as_str().to_owned(),
            election_date: c.details.election_date,
            primary_election_date: c.details.primary_election_date,
            ballotready_race_id: c.details.ballotready_race_id.clone(),
            ballotready_election_id: c.details.ballotready_election_id.clone(),
            party: c.details.party.clone(),
            launched_at: c.launched_at,
            closed_at: c.closed_at,
            created_at: c.created_at,
        }
    }
}

/// An elected office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ElectedOfficeDto {
    /// Its id.
    pub id: Uuid,
    /// Its Serve organization.
    pub organization_slug: String,
    /// active or ended.
    pub status: String,
    /// Sworn-in date.
    pub sworn_in_date: Option<NaiveDate>,
    /// Term end date.
    pub term_end_date: Option<NaiveDate>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// When created.
    pub created_at: DateTime<Utc>,
}

impl ElectedOfficeDto {
    /// The DTO of an office in the organization `slug`.
    pub fn new(o: &ElectedOffice, slug: &Slug) -> Self {
        Self {
            id: o.id.as_uuid(),
            organization_slug: slug.to_string(),
            status: o.status.as_str().to_owned(),
            sworn_in_date: o.dates.sworn_in_date,
            term_end_date: o.dates.term_end_date,
            ended_at: o.ended_at,
            created_at: o.created_at,
        }
    }
}

/// An organization: the workspace of one campaign or one office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationDto {
    /// Its id.
    pub id: Uuid,
    /// Its slug (send it as `X-Organization-Slug`).
    pub slug: String,
    /// `win` or `serve`.
    pub mode: String,
    /// The caller's role in it.
    #[schema(value_type = crate::openapi_schemas::RoleValue, example = "owner")]
    pub role: String,
    /// Display name.
    pub name: String,
    /// Custom position name, else the position's name.
    pub position_name: Option<String>,
    /// The BallotReady position.
    pub position: Option<PositionRefDto>,
    /// The effective district.
    pub district: Option<DistrictDto>,
    /// `position` or `override`.
    pub district_source: Option<String>,
    /// The linked Clerk organization.
    pub clerk_organization_id: Option<String>,
    /// Read-only once its campaign closed or its office ended.
    pub archived: bool,
    /// Its campaign (Win).
    pub campaign: Option<CampaignDto>,
    /// Its office (Serve).
    pub elected_office: Option<ElectedOfficeDto>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&OrganizationDetails> for OrganizationDto {
    fn from(d: &OrganizationDetails) -> Self {
        let o: &Organization = &d.organization;
        let year = d
            .campaign
            .as_ref()
            .and_then(|c| c.details.election_date)
            .map(|date| date.year());
        let effective = o.effective_district();
        Self {
            id: o.id.as_uuid(),
            slug: o.slug.to_string(),
            mode: o.mode.as_str().to_owned(),
            role: d.role.as_str().to_owned(),
            name: organization_name(o.mode, year, o.position_name()),
            position_name: o.position_name().map(str::to_owned),
            position: o.position.as_ref().map(PositionRefDto::from),
            district: effective.map(|(d, _)| DistrictDto::from(d)),
            district_source: effective.map(|(_, s)| {
                match s {
                    DistrictSource::Position => "position",
                    DistrictSource::Override => "override",
                }
                .to_owned()
            }),
            clerk_organization_id: o.clerk_organization_id.as_ref().map(ToString::to_string),
            archived: o.is_archived(),
            campaign: d.campaign.as_ref().map(|c| CampaignDto::new(c, &o.slug)),
            elected_office: d
                .elected_office
                .as_ref()
                .map(|e| ElectedOfficeDto::new(e, &o.slug)),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// `{organizations: [...]}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationList {
    /// Open ones first, newest first.
    pub organizations: Vec<OrganizationDto>,
}

/// A user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    /// Its id.
    pub id: Uuid,
    /// The token subject.
    pub sub: String,
    /// Email.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.as_uuid(),
            sub: u.sub.to_string(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
        }
    }
}

/// `GET /v1/me`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeDto {
    /// The caller.
    pub user: UserDto,
    /// The caller's organizations, open first, newest first.
    pub organizations: Vec<OrganizationDto>,
    /// The default organization: the saved choice, else the newest open one.
    pub active_organization_slug: Option<String>,
}

/// A navigation item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NavItemDto {
    /// Stable key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Client-side path.
    pub path: String,
}

impl From<&NavItem> for NavItemDto {
    fn from(i: &NavItem) -> Self {
        Self {
            key: i.key.to_owned(),
            label: i.label.to_owned(),
            path: i.path.to_owned(),
        }
    }
}

/// The navigation of an organization's mode.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NavDto {
    /// `win` or `serve`.
    pub mode: String,
    /// Where the client lands in this mode.
    pub landing_path: String,
    /// Main navigation.
    pub items: Vec<NavItemDto>,
    /// Account menu.
    pub account_items: Vec<NavItemDto>,
}

impl From<&Navigation> for NavDto {
    fn from(n: &Navigation) -> Self {
        Self {
            mode: n.mode.as_str().to_owned(),
            landing_path: n.landing_path.to_owned(),
            items: n.items.iter().map(NavItemDto::from).collect(),
            account_items: n.account_items.iter().map(NavItemDto::from).collect(),
        }
    }
}

/// One lifecycle event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventDto {
    /// campaign_created, campaign_launched, campaign_won, campaign_lost, campaign_withdrawn,
    /// office_started, office_ended, member_joined or member_left.
    pub kind: String,
    /// On `member_joined` and `member_left`: the role joined or left with.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi_schemas::RoleValue>)]
    pub role: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// The organization.
    pub organization_slug: String,
    /// The campaign.
    pub campaign_id: Option<Uuid>,
    /// The office.
    pub elected_office_id: Option<Uuid>,
}

impl EventDto {
    /// The DTO of an event in organization `slug`.
    pub fn new(e: &LifecycleEvent, slug: &Slug) -> Self {
        Self {
            kind: e.kind.as_str().to_owned(),
            role: e.role.map(|r| r.as_str().to_owned()),
            at: e.at,
            organization_slug: slug.to_string(),
            campaign_id: e.campaign_id.map(|c| c.as_uuid()),
            elected_office_id: e.elected_office_id.map(|o| o.as_uuid()),
        }
    }
}

/// `GET /v1/me/history`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryDto {
    /// In the order appended.
    pub events: Vec<EventDto>,
}

/// Paging metadata.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageMeta {
    /// Exact number of matches.
    pub total: u64,
    /// This page (1-based).
    pub page: u32,
    /// Page size.
    pub per_page: u32,
    /// Number of pages.
    pub total_pages: u64,
}

impl PageMeta {
    /// Metadata of page `page` of `per_page` over `total` rows.
    pub fn new(total: u64, page: u32, per_page: u32) -> Self {
        Self {
            total,
            page,
            per_page,
            total_pages: total.div_ceil(u64::from(per_page.max(1))),
        }
    }
}

/// A date as the contract writes it, exactly `YYYY-MM-DD`: chrono alone also reads `+10000-01-01`,
/// `-0001-01-01` or `1-01-01`, which are typing errors, not dates anyone means.
fn strict_date(text: &str) -> Result<NaiveDate, &'static str> {
    const MESSAGE: &str = "must be a date written YYYY-MM-DD";
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(MESSAGE);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| MESSAGE)
}

/// Deserializes an optional date field strictly (`YYYY-MM-DD`, see [`strict_date`]); use with
/// `#[serde(default)]`.
pub fn date_field<'de, D>(deserializer: D) -> Result<Option<NaiveDate>, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer)?
        .map(|text| strict_date(&text).map_err(serde::de::Error::custom))
        .transpose()
}

/// Deserializes a PATCH date field strictly: absent keeps, `null` clears, a `YYYY-MM-DD` date sets.
pub fn patch_date_field<'de, D>(deserializer: D) -> Result<Patch<NaiveDate>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match date_field(deserializer)? {
        None => Patch::Clear,
        Some(d) => Patch::Set(d),
    })
}

/// Deserializes a PATCH field: absent keeps (`Patch::Keep`, via `#[serde(default)]`), `null` clears,
/// a value sets.
pub fn patch_field<'de, D, T>(deserializer: D) -> Result<Patch<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(match Option::<T>::deserialize(deserializer)? {
        None => Patch::Clear,
        Some(v) => Patch::Set(v),
    })
}
