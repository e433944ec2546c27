//! Database rows and their mapping to domain types. A stored value the domain refuses is reported as
//! [`StoreError::Internal`] (the application never writes such values; see `errors::corrupt`).

use crate::errors::corrupt;
use crate::schema::{campaigns, districts, elected_offices, lifecycle_events, segments, users};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;
use winserve_application::StoreError;
use winserve_domain::{
    BallotReadyId, Campaign, CampaignDetails, CampaignId, CampaignStatus, District, DistrictId,
    ElectedOffice, ElectedOfficeId, L2Name, L2Type, LifecycleEvent, LifecycleEventKind,
    OfficeDates, OfficeStatus, OrganizationId, Position, PositionLevel, Role, Segment,
    SegmentCriteria, SegmentId, SegmentName, Slug, StateCode, Subject, User, UserId,
};

/// A `users` row.
#[derive(Debug, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub sub: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub active_organization_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl UserRow {
    pub fn into_domain(self) -> Result<User, StoreError> {
        Ok(User {
            id: UserId::from_uuid(self.id),
            sub: Subject::new(&self.sub).map_err(|e| corrupt("user subject", e))?,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            active_organization_id: self.active_organization_id.map(OrganizationId::from_uuid),
            created_at: self.created_at,
        })
    }
}

/// A `districts` row.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, Insertable)]
#[diesel(table_name = districts, check_for_backend(diesel::pg::Pg))]
pub(crate) struct DistrictRow {
    pub id: Uuid,
    pub state: String,
    pub l2_type: String,
    pub l2_name: String,
}

impl DistrictRow {
    pub fn into_domain(self) -> Result<District, StoreError> {
        district(self.id, &self.state, &self.l2_type, &self.l2_name)
    }
}

/// Builds a district from its columns.
pub(crate) fn district(
    id: Uuid,
    state: &str,
    l2_type: &str,
    l2_name: &str,
) -> Result<District, StoreError> {
    Ok(District {
        id: DistrictId::from_uuid(id),
        state: StateCode::new(state).map_err(|e| corrupt("district state", e))?,
        l2_type: L2Type::new(l2_type).map_err(|e| corrupt("district type", e))?,
        l2_name: L2Name::new(l2_name).map_err(|e| corrupt("district name", e))?,
    })
}

/// Builds an optional district from the nullable columns of an outer join.
pub(crate) fn optional_district(
    id: Option<Uuid>,
    state: Option<&str>,
    l2_type: Option<&str>,
    l2_name: Option<&str>,
) -> Result<Option<District>, StoreError> {
    match (id, state, l2_type, l2_name) {
        (Some(id), Some(s), Some(t), Some(n)) => district(id, s, t, n).map(Some),
        _ => Ok(None),
    }
}

/// Builds a position from its columns.
pub(crate) fn position(
    id: &str,
    name: String,
    state: &str,
    level: &str,
    district: Option<District>,
) -> Result<Position, StoreError> {
    Ok(Position {
        ballotready_position_id: BallotReadyId::new(id).map_err(|e| corrupt("position id", e))?,
        name,
        state: StateCode::new(state).map_err(|e| corrupt("position state", e))?,
        level: PositionLevel::parse(level).ok_or_else(|| corrupt("position level", level))?,
        district,
    })
}

/// A `campaigns` row (without the constant `organization_mode`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaigns, check_for_backend(diesel::pg::Pg))]
pub(crate) struct CampaignRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub owner_id: Uuid,
    pub status: String,
    pub election_date: Option<NaiveDate>,
    pub primary_election_date: Option<NaiveDate>,
    pub ballotready_race_id: Option<String>,
    pub ballotready_election_id: Option<String>,
    pub party: Option<String>,
    pub launched_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CampaignRow {
    pub fn from_domain(c: &Campaign) -> Self {
        Self {
            id: c.id.as_uuid(),
            organization_id: c.organization_id.as_uuid(),
            owner_id: c.owner_id.as_uuid(),
            status: c.status.as_str().to_owned(),
            election_date: c.details.election_date,
            primary_election_date: c.details.primary_election_date,
            ballotready_race_id: c.details.ballotready_race_id.clone(),
            ballotready_election_id: c.details.ballotready_election_id.clone(),
            party: c.details.party.clone(),
            launched_at: c.launched_at,
            closed_at: c.closed_at,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }

    pub fn into_domain(self) -> Result<Campaign, StoreError> {
        Ok(Campaign {
            id: CampaignId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            owner_id: UserId::from_uuid(self.owner_id),
            status: CampaignStatus::parse(&self.status)
                .ok_or_else(|| corrupt("campaign status", &self.status))?,
            details: CampaignDetails {
                election_date: self.election_date,
                primary_election_date: self.primary_election_date,
                ballotready_race_id: self.ballotready_race_id,
                ballotready_election_id: self.ballotready_election_id,
                party: self.party,
            },
            launched_at: self.launched_at,
            closed_at: self.closed_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// An `elected_offices` row (without the constant `organization_mode`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = elected_offices, check_for_backend(diesel::pg::Pg))]
pub(crate) struct OfficeRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub owner_id: Uuid,
    pub status: String,
    pub sworn_in_date: Option<NaiveDate>,
    pub term_end_date: Option<NaiveDate>,
    pub ended_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OfficeRow {
    pub fn from_domain(o: &ElectedOffice) -> Self {
        Self {
            id: o.id.as_uuid(),
            organization_id: o.organization_id.as_uuid(),
            owner_id: o.owner_id.as_uuid(),
            status: o.status.as_str().to_owned(),
            sworn_in_date: o.dates.sworn_in_date,
            term_end_date: o.dates.term_end_date,
            ended_at: o.ended_at,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }

    pub fn into_domain(self) -> Result<ElectedOffice, StoreError> {
        Ok(ElectedOffice {
            id: ElectedOfficeId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            owner_id: UserId::from_uuid(self.owner_id),
            status: OfficeStatus::parse(&self.status)
                .ok_or_else(|| corrupt("office status", &self.status))?,
            dates: OfficeDates {
                sworn_in_date: self.sworn_in_date,
                term_end_date: self.term_end_date,
            },
            ended_at: self.ended_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A `lifecycle_events` row as written (the database assigns `seq`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lifecycle_events, check_for_backend(diesel::pg::Pg))]
pub(crate) struct EventRow {
    pub user_id: Uuid,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub organization_id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub elected_office_id: Option<Uuid>,
    pub removed_party_criteria: Option<serde_json::Value>,
    pub role: Option<String>,
    pub team: Option<serde_json::Value>,
}

impl EventRow {
    pub fn from_domain(e: &LifecycleEvent) -> Result<Self, StoreError> {
        // A win always stores its (maybe empty) list; other kinds store none, and a list on them is left
        // for the CHECK constraint to refuse rather than silently dropped.
        let removed =
            if e.kind == LifecycleEventKind::CampaignWon || !e.removed_party_criteria.is_empty() {
                Some(
                    serde_json::to_value(&e.removed_party_criteria).map_err(|err| {
                        StoreError::internal(format!("cannot encode removed party criteria: {err}"))
                    })?,
                )
            } else {
                None
            };
        Ok(Self {
            user_id: e.user_id.as_uuid(),
            kind: e.kind.as_str().to_owned(),
            at: e.at,
            organization_id: e.organization_id.as_uuid(),
            campaign_id: e.campaign_id.map(|c| c.as_uuid()),
            elected_office_id: e.elected_office_id.map(|o| o.as_uuid()),
            removed_party_criteria: removed,
            role: e.role.map(|r| r.as_str().to_owned()),
            team: e
                .team
                .as_ref()
                .map(serde_json::to_value)
                .transpose()
                .map_err(|err| StoreError::internal(format!("cannot encode a team: {err}")))?,
        })
    }

    pub fn into_domain(self) -> Result<LifecycleEvent, StoreError> {
        Ok(LifecycleEvent {
            kind: LifecycleEventKind::parse(&self.kind)
                .ok_or_else(|| corrupt("event kind", &self.kind))?,
            at: self.at,
            user_id: UserId::from_uuid(self.user_id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            campaign_id: self.campaign_id.map(CampaignId::from_uuid),
            elected_office_id: self.elected_office_id.map(ElectedOfficeId::from_uuid),
            removed_party_criteria: match self.removed_party_criteria {
                Some(json) => serde_json::from_value(json)
                    .map_err(|e| corrupt("removed party criteria", e))?,
                None => Vec::new(),
            },
            role: self
                .role
                .as_deref()
                .map(|r| Role::parse(r).ok_or_else(|| corrupt("member role", r)))
                .transpose()?,
            team: self
                .team
                .map(serde_json::from_value)
                .transpose()
                .map_err(|e| corrupt("team", e))?,
        })
    }
}

/// A `segments` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = segments, check_for_backend(diesel::pg::Pg))]
pub(crate) struct SegmentRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub criteria: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SegmentRow {
    pub fn from_domain(s: &Segment) -> Result<Self, StoreError> {
        Ok(Self {
            id: s.id.as_uuid(),
            organization_id: s.organization_id.as_uuid(),
            name: s.name.as_str().to_owned(),
            criteria: criteria_json(&s.criteria)?,
            created_at: s.created_at,
            updated_at: s.updated_at,
        })
    }

    pub fn into_domain(self) -> Result<Segment, StoreError> {
        Ok(Segment {
            id: SegmentId::from_uuid(self.id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            name: SegmentName::new(&self.name).map_err(|e| corrupt("segment name", e))?,
            criteria: serde_json::from_value::<SegmentCriteria>(self.criteria)
                .map_err(|e| corrupt("segment criteria", e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Segment criteria as stored.
pub(crate) fn criteria_json(criteria: &SegmentCriteria) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(criteria)
        .map_err(|e| StoreError::internal(format!("cannot encode criteria: {e}")))
}

/// Parses a stored slug.
pub(crate) fn slug(value: &str) -> Result<Slug, StoreError> {
    Slug::new(value).map_err(|e| corrupt("slug", e))
}
