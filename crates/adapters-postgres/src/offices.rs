//! [`OfficeRepository`]: elected offices, scoped by membership.

use crate::errors::{Violation, corrupt, db_error, violation};
use crate::organizations::{EDITORS, UpdateTxError, membership_of, refused};
use crate::rows::{OfficeRow, slug};
use crate::schema::{elected_offices, organization_members, organizations};
use crate::{PgStore, users};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use winserve_application::{OfficeRepository, StoreError, UpdateError};
use winserve_domain::{
    ElectedOffice, ElectedOfficeId, InvalidValue, OfficeDates, OrganizationId, Role, Slug, UserId,
};

type Loaded = (OfficeRow, String, String);

fn map((row, org_slug, role): Loaded) -> Result<(ElectedOffice, Slug, Role), StoreError> {
    let role = Role::parse(&role).ok_or_else(|| corrupt("member role", &role))?;
    Ok((row.into_domain()?, slug(&org_slug)?, role))
}

async fn load_one(
    conn: &mut AsyncPgConnection,
    member: UserId,
    id: ElectedOfficeId,
) -> Result<Option<Loaded>, diesel::result::Error> {
    elected_offices::table
        .inner_join(organizations::table.on(organizations::id.eq(elected_offices::organization_id)))
        .inner_join(membership_of!(member, elected_offices))
        .filter(elected_offices::id.eq(id.as_uuid()))
        .select((
            OfficeRow::as_select(),
            organizations::slug,
            organization_members::role,
        ))
        .first::<Loaded>(conn)
        .await
        .optional()
}

#[async_trait]
impl OfficeRepository for PgStore {
    async fn list_for_member(
        &self,
        member: UserId,
    ) -> Result<Vec<(ElectedOffice, Slug)>, StoreError> {
        let rows = self
            .read(async |conn| {
                elected_offices::table
                    .inner_join(
                        organizations::table
                            .on(organizations::id.eq(elected_offices::organization_id)),
                    )
                    .inner_join(membership_of!(member, elected_offices))
                    .order((
                        elected_offices::created_at.desc(),
                        elected_offices::id.desc(),
                    ))
                    .select((
                        OfficeRow::as_select(),
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
        id: ElectedOfficeId,
    ) -> Result<Option<(ElectedOffice, Slug, Role)>, StoreError> {
        self.read(async |conn| load_one(conn, member, id).await.map_err(db_error))
            .await?
            .map(map)
            .transpose()
    }

    async fn update_dates(
        &self,
        editor: UserId,
        id: ElectedOfficeId,
        dates: &OfficeDates,
    ) -> Result<(ElectedOffice, Slug), UpdateError> {
        let mut conn = self.conn().await?;
        let dates = dates.clone();
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
                    .filter(organizations::id.eq(elected_offices::organization_id))
                    .filter(organizations::archived_at.is_null());
                let updated = diesel::update(
                    elected_offices::table
                        .filter(elected_offices::id.eq(id.as_uuid()))
                        .filter(diesel::dsl::exists(editors))
                        .filter(diesel::dsl::exists(open_org)),
                )
                .set((
                    elected_offices::sworn_in_date.eq(dates.sworn_in_date),
                    elected_offices::term_end_date.eq(dates.term_end_date),
                    elected_offices::updated_at.eq(diesel::dsl::now),
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
                Some((Violation::Check, "elected_offices_term_after_start")) => {
                    InvalidValue::new("term_end_date", "must not be before sworn_in_date").into()
                }
                _ => UpdateError::Store(db_error(e)),
            }),
        }
    }
}
