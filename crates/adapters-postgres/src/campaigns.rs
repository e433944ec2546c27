//! [`CampaignRepository`]: campaigns, scoped by owner.

use crate::errors::{Violation, db_error, violation};
use crate::organizations::UpdateTxError;
use crate::rows::{CampaignRow, slug};
use crate::schema::{campaigns, organizations};
use crate::{PgStore, users};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use winserve_application::{CampaignRepository, StoreError, UpdateError};
use winserve_domain::{Campaign, CampaignDetails, CampaignId, InvalidValue, Slug, UserId};

type Loaded = (CampaignRow, String);

fn map((row, org_slug): Loaded) -> Result<(Campaign, Slug), StoreError> {
    Ok((row.into_domain()?, slug(&org_slug)?))
}

async fn load_one(
    conn: &mut AsyncPgConnection,
    owner: UserId,
    id: CampaignId,
) -> Result<Option<Loaded>, diesel::result::Error> {
    campaigns::table
        .inner_join(organizations::table.on(organizations::id.eq(campaigns::organization_id)))
        .filter(campaigns::id.eq(id.as_uuid()))
        .filter(campaigns::owner_id.eq(owner.as_uuid()))
        .select((CampaignRow::as_select(), organizations::slug))
        .first::<Loaded>(conn)
        .await
        .optional()
}

#[async_trait]
impl CampaignRepository for PgStore {
    async fn list_for_member(&self, owner: UserId) -> Result<Vec<(Campaign, Slug)>, StoreError> {
        let rows = self
            .read(async |conn| {
                campaigns::table
                    .inner_join(
                        organizations::table.on(organizations::id.eq(campaigns::organization_id)),
                    )
                    .filter(campaigns::owner_id.eq(owner.as_uuid()))
                    .order((campaigns::created_at.desc(), campaigns::id.desc()))
                    .select((CampaignRow::as_select(), organizations::slug))
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
        id: CampaignId,
    ) -> Result<Option<(Campaign, Slug)>, StoreError> {
        self.read(async |conn| load_one(conn, owner, id).await.map_err(db_error))
            .await?
            .map(map)
            .transpose()
    }

    async fn update_details(
        &self,
        owner: UserId,
        id: CampaignId,
        details: &CampaignDetails,
    ) -> Result<(Campaign, Slug), UpdateError> {
        let mut conn = self.conn().await?;
        let details = details.clone();
        let result = conn
            .transaction::<_, UpdateTxError, _>(async move |c| {
                users::lock_shared(c, owner).await?;
                // Owner and "organization not archived" are checked in the same statement as the write.
                let open_org = organizations::table
                    .filter(organizations::id.eq(campaigns::organization_id))
                    .filter(organizations::archived_at.is_null());
                let updated = diesel::update(
                    campaigns::table
                        .filter(campaigns::id.eq(id.as_uuid()))
                        .filter(campaigns::owner_id.eq(owner.as_uuid()))
                        .filter(diesel::dsl::exists(open_org)),
                )
                .set((
                    campaigns::election_date.eq(details.election_date),
                    campaigns::primary_election_date.eq(details.primary_election_date),
                    campaigns::ballotready_race_id.eq(details.ballotready_race_id.clone()),
                    campaigns::ballotready_election_id.eq(details.ballotready_election_id.clone()),
                    campaigns::party.eq(details.party.clone()),
                    campaigns::updated_at.eq(diesel::dsl::now),
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
                Some((Violation::Check, "campaigns_primary_before_general")) => {
                    InvalidValue::new("primary_election_date", "must not be after election_date")
                        .into()
                }
                _ => UpdateError::Store(db_error(e)),
            }),
        }
    }
}
