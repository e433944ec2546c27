//! [`OfficeRepository`]: elected offices, scoped by owner.

use crate::errors::{Violation, db_error, violation};
use crate::organizations::UpdateTxError;
use crate::rows::{OfficeRow, slug};
use crate::schema::{elected_offices, organizations};
use crate::{PgStore, users};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use winserve_application::{OfficeRepository, StoreError, UpdateError};
use winserve_domain::{ElectedOffice, ElectedOfficeId, InvalidValue, OfficeDates, Slug, UserId};

type Loaded = (OfficeRow, String);

fn map((row, org_slug): Loaded) -> Result<(ElectedOffice, Slug), StoreError> {
    Ok((row.into_domain()?, slug(&org_slug)?))
}

async fn load_one(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    id: ElectedOfficeId,
) -> Result<Option<Loaded>, diesel::result::Error> {
    elected_offices::table
        .inner_join(organizations::table.on(organizations::id.eq(elected_offices::organization_id)))
        .filter(elected_offices::id.eq(id.as_uuid()))
        .filter(elected_offices::owner_id.eq(owner.as_uuid()))
        .select((OfficeRow::as_select(), organizations::slug))
        .first::<Loaded>(conn)
        .await
        .optional()
}

#[async_trait]
impl OfficeRepository for PgStore {
    async fn list_for_member(
        &self,
        owner: UserId,
    ) -> Result<Vec<(ElectedOffice, Slug)>, StoreError> {
        let rows = self
            .read(async |conn| {
                elected_offices::table
                    .inner_join(
                        organizations::table
                            .on(organizations::id.eq(elected_offices::organization_id)),
                    )
                    .filter(elected_offices::owner_id.eq(owner.as_uuid()))
                    .order((
                        elected_offices::created_at.desc(),
                        elected_offices::id.desc(),
                    ))
                    .select((OfficeRow::as_select(), organizations::slug))
                    .load::<Loaded>(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        rows.into_iter().map(map).collect()
    }

    async fn find(
        &self,
        owner: UserId,
        id: ElectedOfficeId,
    ) -> Result<Option<(ElectedOffice, Slug)>, StoreError> {
        self.read(async |conn| load_one(conn, owner, id).await.map_err(db_error))
            .await?
            .map(map)
            .transpose()
    }

    async fn update_dates(
        &self,
        owner: UserId,
        id: ElectedOfficeId,
        dates: &OfficeDates,
    ) -> Result<(ElectedOffice, Slug), UpdateError> {
        let mut conn = self.conn().await?;
        let dates = dates.clone();
        let result = conn
            .transaction::<_, UpdateTxError, _>(async move |c| {
                users::lock_shared(c, owner).await?;
                // Owner and "organization not archived" are checked in the same statement as the write.
                let open_org = organizations::table
                    .filter(organizations::id.eq(elected_offices::organization_id))
                    .filter(organizations::archived_at.is_null());
                let updated = diesel::update(
                    elected_offices::table
                        .filter(elected_offices::id.eq(id.as_uuid()))
                        .filter(elected_offices::owner_id.eq(owner.as_uuid()))
                        .filter(diesel::dsl::exists(open_org)),
                )
                .set((
                    elected_offices::sworn_in_date.eq(dates.sworn_in_date),
                    elected_offices::term_end_date.eq(dates.term_end_date),
                    elected_offices::updated_at.eq(diesel::dsl::now),
                ))
                .execute(c)
                .await?;
                match load_one(c, owner, id).await? {
                    None => Err(UpdateTxError::Update(UpdateError::NotFound)),
                    Some(_) if updated == 0 => Err(UpdateTxError::Update(UpdateError::Archived)),
                    Some(row) => Ok(row),
                }
            })
            .await;
        match result {
            Ok(row) => map(row).map_err(UpdateError::Store),
            Err(UpdateTxError::Update(e)) => Err(e),
            Err(UpdateTxError::Db(e)) => Err(match violation(&e) {
                Some((Violation::Check, "elected_offices_term_after_start")) => {
                    InvalidValue::new("term_end_date", "must not be before sworn_in_date").into()
                }
                _ => UpdateError::Store(db_error(e)),
            }),
        }
    }
}
