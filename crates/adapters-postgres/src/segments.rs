//! [`SegmentRepository`]: custom segments, scoped by organization.
//!
//! Writes first lock the organization row (`FOR SHARE`) and check that it is not archived: archiving
//! updates that row, so a write either finishes before the organization is archived or sees it archived.

use crate::PgStore;
use crate::errors::db_error;
use crate::rows::{SegmentRow, criteria_json};
use crate::schema::{organizations, segments};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use winserve_application::{SegmentError, SegmentRepository, StoreError};
use winserve_domain::{OrganizationId, Segment, SegmentCriteria, SegmentId, SegmentName};

/// The error inside a segment transaction.
enum TxError {
    Segment(SegmentError),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

impl From<TxError> for SegmentError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Segment(e) => e,
            TxError::Db(e) => match crate::errors::violation(&e) {
                Some((
                    crate::errors::Violation::ForeignKey,
                    "outreach_plans_segment_fkey" | "polls_segment_fkey",
                )) => SegmentError::InUse,
                _ => SegmentError::Store(db_error(e)),
            },
        }
    }
}

/// Locks the organization against archiving for the rest of the transaction; `NotFound` when it does
/// not exist, `Archived` when it is archived.
async fn lock_writable(
    conn: &mut AsyncPgConnection,
    organization: OrganizationId,
) -> Result<(), TxError> {
    let archived_at: Option<Option<DateTime<Utc>>> = organizations::table
        .find(organization.as_uuid())
        .select(organizations::archived_at)
        .for_share()
        .first(conn)
        .await
        .optional()?;
    match archived_at {
        None => Err(TxError::Segment(SegmentError::NotFound)),
        Some(Some(_)) => Err(TxError::Segment(SegmentError::Archived)),
        Some(None) => Ok(()),
    }
}

fn map(row: SegmentRow) -> Result<Segment, StoreError> {
    row.into_domain()
}

#[async_trait]
impl SegmentRepository for PgStore {
    async fn list(&self, organization: OrganizationId) -> Result<Vec<Segment>, StoreError> {
        let rows = self
            .read(async |conn| {
                segments::table
                    .filter(segments::organization_id.eq(organization.as_uuid()))
                    .order((segments::name.asc(), segments::id.asc()))
                    .select(SegmentRow::as_select())
                    .load(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        rows.into_iter().map(map).collect()
    }

    async fn find(
        &self,
        organization: OrganizationId,
        id: SegmentId,
    ) -> Result<Option<Segment>, StoreError> {
        self.read(async |conn| {
            segments::table
                .filter(segments::organization_id.eq(organization.as_uuid()))
                .filter(segments::id.eq(id.as_uuid()))
                .select(SegmentRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)
        })
        .await?
        .map(map)
        .transpose()
    }

    async fn create(&self, segment: &Segment) -> Result<Segment, SegmentError> {
        let row = SegmentRow::from_domain(segment)?;
        let organization = segment.organization_id;
        let mut conn = self.conn().await?;
        let stored = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_writable(c, organization).await?;
                Ok(diesel::insert_into(segments::table)
                    .values(&row)
                    .returning(SegmentRow::as_returning())
                    .get_result(c)
                    .await?)
            })
            .await?;
        Ok(map(stored)?)
    }

    async fn update(
        &self,
        organization: OrganizationId,
        id: SegmentId,
        name: &SegmentName,
        criteria: &SegmentCriteria,
    ) -> Result<Segment, SegmentError> {
        let criteria = criteria_json(criteria)?;
        let name = name.as_str().to_owned();
        let mut conn = self.conn().await?;
        let stored = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_writable(c, organization).await?;
                diesel::update(
                    segments::table
                        .filter(segments::organization_id.eq(organization.as_uuid()))
                        .filter(segments::id.eq(id.as_uuid())),
                )
                .set((
                    segments::name.eq(name),
                    segments::criteria.eq(criteria),
                    segments::updated_at.eq(diesel::dsl::now),
                ))
                .returning(SegmentRow::as_returning())
                .get_result(c)
                .await
                .optional()?
                .ok_or(TxError::Segment(SegmentError::NotFound))
            })
            .await?;
        Ok(map(stored)?)
    }

    async fn delete(
        &self,
        organization: OrganizationId,
        id: SegmentId,
    ) -> Result<(), SegmentError> {
        let mut conn = self.conn().await?;
        conn.transaction::<_, TxError, _>(async move |c| {
            lock_writable(c, organization).await?;
            let deleted = diesel::delete(
                segments::table
                    .filter(segments::organization_id.eq(organization.as_uuid()))
                    .filter(segments::id.eq(id.as_uuid())),
            )
            .execute(c)
            .await?;
            if deleted == 0 {
                Err(TxError::Segment(SegmentError::NotFound))
            } else {
                Ok(())
            }
        })
        .await?;
        Ok(())
    }
}
