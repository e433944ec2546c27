//! [`CampaignRepository`]: campaigns, scoped by membership.

use crate::errors::{Violation, corrupt, db_error, violation};
use crate::organizations::{EDITORS, UpdateTxError, membership_of, refused};
use crate::rows::{CampaignRow, slug};
use crate::schema::{campaigns, organization_members, organizations};
use crate::{PgStore, users};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use winserve_application::{CampaignRepository, StoreError, UpdateError};
use winserve_domain::{
    Campaign, CampaignDetails, CampaignId, InvalidValue, OrganizationId, Role, Slug, UserId,
};

type Loaded = (CampaignRow, String, String);

fn map((row, org_slug, role): Loaded) -> Result<(Campaign, Slug, Role), StoreError> {
    let role = Role::parse(&role).ok_or_else(|| corrupt("member role", &role))?;
    Ok((row.into_domain()?, slug(&org_slug)?, role))
}

async fn load_one(
    conn: &mut AsyncPgConnection,
    member: UserId,
    id: CampaignId,
) -> Result<Option<Loaded>, diesel::result::Error> {
    campaigns::table
        .inner_join(organizations::table.on(organizations::id.eq(campaigns::organization_id)))
        .inner_join(membership_of!(member, campaigns))
        .filter(campaigns::id.eq(id.as_uuid()))
        .select((
            CampaignRow::as_select(),
            organizations::slug,
            organization_members::role,
        ))
        .first::<Loaded>(conn)
        .await
        .optional()
}

#[async_trait]
impl CampaignRepository for PgStore {
    async fn list_for_member(&self, member: UserId) -> Result<Vec<(Campaign, Slug)>, StoreError> {
        let rows = self
            .read(async |conn| {
                campaigns::table
                    .inner_join(
                        organizations::table.on(organizations::id.eq(campaigns::organization_id)),
                    )
                    .inner_join(membership_of!(member, campaigns))
                    .order((campaigns::created_at.desc(), campaigns::id.desc()))
                    .select((
                        CampaignRow::as_select(),
                        organizations::slug,
                        organization_members::role,
                    ))
                    .load::<Loaded>(conn)
                    .await
                    .map_err(db_error)
            })
            .await?;
        rows.into_iter()
            .map(|row| map(row).map(|(record, slug, _)| (record, slug)))
            .collect()
    }

    async fn find(
        &self,
        member: UserId,
        id: CampaignId,
    ) -> Result<Option<(Campaign, Slug, Role)>, StoreError> {
        self.read(async |conn| load_one(conn, member, id).await.map_err(db_error))
            .await?
            .map(map)
            .transpose()
    }

    async fn update_details(
        &self,
        editor: UserId,
        id: CampaignId,
        details: &CampaignDetails,
    ) -> Result<(Campaign, Slug), UpdateError> {
        let mut conn = self.conn().await?;
        let details = details.clone();
        let result = conn
            .transaction::<_, UpdateTxError, _>(async move |c| {
                let Some((row, _, _)) = load_one(c, editor, id).await? else {
                    return Err(UpdateTxError::Update(UpdateError::NotFound));
                };
                users::lock_owner_shared(c, OrganizationId::from_uuid(row.organization_id)).await?;
                // The editor's role and "organization not archived" are checked in the same statement
                // as the write.
                let editors = organization_members::table
                    .filter(organization_members::organization_id.eq(row.organization_id))
                    .filter(organization_members::user_id.eq(editor.as_uuid()))
                    .filter(organization_members::role.eq_any(EDITORS));
                let open_org = organizations::table
                    .filter(organizations::id.eq(campaigns::organization_id))
                    .filter(organizations::archived_at.is_null());
                let updated = diesel::update(
                    campaigns::table
                        .filter(campaigns::id.eq(id.as_uuid()))
                        .filter(diesel::dsl::exists(editors))
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
                match load_one(c, editor, id).await? {
                    None => Err(UpdateTxError::Update(UpdateError::NotFound)),
                    Some(row) if updated == 0 => Err(UpdateTxError::Update(refused(&row.2))),
                    Some(row) => Ok(row),
                }
            })
            .await;
        match result {
            Ok(row) => map(row)
                .map(|(record, slug, _)| (record, slug))
                .map_err(UpdateError::Store),
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
