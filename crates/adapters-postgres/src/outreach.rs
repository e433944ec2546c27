//! [`OutreachRepository`]: a campaign's outreach plans (issue 16). Every query names the organization;
//! writes first take the owner's row `FOR SHARE` (waiting for a lifecycle change that may archive the
//! organization) and then refuse an archived organization.

use crate::PgStore;
use crate::errors::{Violation, corrupt, db_error, violation};
use crate::organizations::lock_then_archived;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use winserve_application::{OutreachError, OutreachRepository, StoreError};
use winserve_domain::{
    CampaignId, OrganizationId, OutreachChannel, OutreachPlan, OutreachPlanId, OutreachStatus,
    PlanName, SegmentId,
};

const COLUMNS: &str = "id, campaign_id, organization_id, name, channel, segment_id, script, \
                       scheduled_for, status, audience_frozen_at, created_at, updated_at";

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    campaign_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    segment_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    script: String,
    #[diesel(sql_type = Nullable<Date>)]
    scheduled_for: Option<NaiveDate>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    audience_frozen_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
}

impl PlanRow {
    fn into_domain(self) -> Result<OutreachPlan, StoreError> {
        Ok(OutreachPlan {
            id: OutreachPlanId::from_uuid(self.id),
            campaign_id: CampaignId::from_uuid(self.campaign_id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            name: PlanName::new(&self.name).map_err(|e| corrupt("plan name", e))?,
            channel: OutreachChannel::parse(&self.channel)
                .ok_or_else(|| corrupt("outreach channel", &self.channel))?,
            segment_id: self.segment_id.map(SegmentId::from_uuid),
            script: self.script,
            scheduled_for: self.scheduled_for,
            status: OutreachStatus::parse(&self.status)
                .ok_or_else(|| corrupt("outreach status", &self.status))?,
            audience_frozen_at: self.audience_frozen_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// What ends a write early.
pub(crate) enum TxError {
    Outreach(OutreachError),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

pub(crate) fn finish<T>(result: Result<T, TxError>) -> Result<T, OutreachError> {
    result.map_err(|e| match e {
        TxError::Outreach(e) => e,
        TxError::Db(e) => match violation(&e) {
            Some((Violation::ForeignKey, "outreach_plans_segment_fkey")) => {
                OutreachError::SegmentNotFound
            }
            _ => OutreachError::Store(db_error(e)),
        },
    })
}

/// Waits for the owner's lifecycle, then refuses an archived (or missing) organization.
pub(crate) async fn lock_open(
    c: &mut AsyncPgConnection,
    organization: OrganizationId,
) -> Result<(), TxError> {
    match lock_then_archived(c, organization).await? {
        Some(false) => Ok(()),
        Some(_) => Err(TxError::Outreach(OutreachError::Archived)),
        None => Err(TxError::Outreach(OutreachError::NotFound)),
    }
}

/// Writes `p`'s fields over the stored plan, if its status is still `expected` (else `Changed`).
pub(crate) async fn update_plan(
    c: &mut AsyncPgConnection,
    p: &OutreachPlan,
    expected: OutreachStatus,
) -> Result<(), TxError> {
    let updated = diesel::sql_query(
        "UPDATE outreach_plans SET name = $3, channel = $4, segment_id = $5, script = $6,
                scheduled_for = $7, status = $8, updated_at = $9, audience_frozen_at = $11
         WHERE organization_id = $1 AND id = $2 AND status = $10",
    )
    .bind::<SqlUuid, _>(p.organization_id.as_uuid())
    .bind::<SqlUuid, _>(p.id.as_uuid())
    .bind::<Text, _>(p.name.as_str())
    .bind::<Text, _>(p.channel.as_str())
    .bind::<Nullable<SqlUuid>, _>(p.segment_id.map(|s| s.as_uuid()))
    .bind::<Text, _>(&p.script)
    .bind::<Nullable<Date>, _>(p.scheduled_for)
    .bind::<Text, _>(p.status.as_str())
    .bind::<Timestamptz, _>(p.updated_at)
    .bind::<Text, _>(expected.as_str())
    .bind::<Nullable<Timestamptz>, _>(p.audience_frozen_at)
    .execute(c)
    .await?;
    if updated == 1 {
        Ok(())
    } else {
        Err(TxError::Outreach(OutreachError::Changed))
    }
}

#[async_trait]
impl OutreachRepository for PgStore {
    async fn list(&self, organization: OrganizationId) -> Result<Vec<OutreachPlan>, StoreError> {
        let rows = self
            .read(async |c| {
                diesel::sql_query(format!(
                    "SELECT {COLUMNS} FROM outreach_plans WHERE organization_id = $1
                     ORDER BY created_at DESC, id DESC"
                ))
                .bind::<SqlUuid, _>(organization.as_uuid())
                .load::<PlanRow>(c)
                .await
                .map_err(db_error)
            })
            .await?;
        rows.into_iter().map(PlanRow::into_domain).collect()
    }

    async fn find(
        &self,
        organization: OrganizationId,
        id: OutreachPlanId,
    ) -> Result<Option<OutreachPlan>, StoreError> {
        self.read(async |c| {
            diesel::sql_query(format!(
                "SELECT {COLUMNS} FROM outreach_plans WHERE organization_id = $1 AND id = $2"
            ))
            .bind::<SqlUuid, _>(organization.as_uuid())
            .bind::<SqlUuid, _>(id.as_uuid())
            .get_result::<PlanRow>(c)
            .await
            .optional()
            .map_err(db_error)
        })
        .await?
        .map(PlanRow::into_domain)
        .transpose()
    }

    async fn insert(&self, plan: &OutreachPlan) -> Result<(), OutreachError> {
        let mut conn = self.conn().await?;
        let p = plan.clone();
        let result = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_open(c, p.organization_id).await?;
                diesel::sql_query(format!(
                    "INSERT INTO outreach_plans ({COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ))
                .bind::<SqlUuid, _>(p.id.as_uuid())
                .bind::<SqlUuid, _>(p.campaign_id.as_uuid())
                .bind::<SqlUuid, _>(p.organization_id.as_uuid())
                .bind::<Text, _>(p.name.as_str())
                .bind::<Text, _>(p.channel.as_str())
                .bind::<Nullable<SqlUuid>, _>(p.segment_id.map(|s| s.as_uuid()))
                .bind::<Text, _>(&p.script)
                .bind::<Nullable<Date>, _>(p.scheduled_for)
                .bind::<Text, _>(p.status.as_str())
                .bind::<Nullable<Timestamptz>, _>(p.audience_frozen_at)
                .bind::<Timestamptz, _>(p.created_at)
                .bind::<Timestamptz, _>(p.updated_at)
                .execute(c)
                .await?;
                Ok(())
            })
            .await;
        finish(result)
    }

    async fn update(
        &self,
        plan: &OutreachPlan,
        expected: OutreachStatus,
    ) -> Result<(), OutreachError> {
        let mut conn = self.conn().await?;
        let p = plan.clone();
        let result = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_open(c, p.organization_id).await?;
                update_plan(c, &p, expected).await
            })
            .await;
        finish(result)
    }

    async fn delete(
        &self,
        organization: OrganizationId,
        id: OutreachPlanId,
    ) -> Result<(), OutreachError> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_open(c, organization).await?;
                let deleted = diesel::sql_query(
                    "DELETE FROM outreach_plans WHERE organization_id = $1 AND id = $2",
                )
                .bind::<SqlUuid, _>(organization.as_uuid())
                .bind::<SqlUuid, _>(id.as_uuid())
                .execute(c)
                .await?;
                if deleted == 1 {
                    Ok(())
                } else {
                    Err(TxError::Outreach(OutreachError::NotFound))
                }
            })
            .await;
        finish(result)
    }
}
