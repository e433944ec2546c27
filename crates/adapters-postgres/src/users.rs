//! [`UserRepository`], and the per-user row lock that serializes a user's lifecycle changes.

use crate::PgStore;
use crate::errors::db_error;
use crate::rows::UserRow;
use crate::sql::Sql;
use async_trait::async_trait;
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use winserve_application::{
    OrganizationDetails, OrganizationRepository, OrganizationSelector, StoreError, UserRepository,
};
use winserve_domain::{OrganizationId, User, UserClaims, UserId};

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = SqlUuid)]
    #[allow(dead_code)]
    id: uuid::Uuid,
}

/// `SELECT … FOR UPDATE` on the user's row: lifecycle transactions of one user run one after the other,
/// each seeing what the previous one committed. Returns whether the user exists.
pub(crate) async fn lock_exclusive(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<bool, diesel::result::Error> {
    diesel::sql_query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind::<SqlUuid, _>(user.as_uuid())
        .get_result::<Locked>(conn)
        .await
        .optional()
        .map(|row| row.is_some())
}

/// `SELECT … FOR SHARE` on the row of the owner of `organization`: a write by any member of an
/// organization (its profile, its team) waits for a running lifecycle transaction of its owner — which may
/// be archiving it, or carrying its members into a new one — instead of racing it. Returns whether the
/// organization exists.
pub(crate) async fn lock_owner_shared(
    conn: &mut AsyncPgConnection,
    organization: OrganizationId,
) -> Result<bool, diesel::result::Error> {
    diesel::sql_query(
        "SELECT u.id FROM users u JOIN organizations o ON o.owner_id = u.id WHERE o.id = $1
         FOR SHARE OF u",
    )
    .bind::<SqlUuid, _>(organization.as_uuid())
    .get_result::<Locked>(conn)
    .await
    .optional()
    .map(|row| row.is_some())
}

const USER_COLUMNS: &str =
    "id, sub, email, first_name, last_name, active_organization_id, created_at";

/// The user with subject `sub` (a prepared statement: it runs on every authenticated request).
/// Whether the claims would leave the stored user as it is: a claim the token omits never clears a value.
pub(crate) fn claims_unchanged(claims: &UserClaims, row: &UserRow) -> bool {
    let unchanged =
        |claim: &Option<String>, stored: &Option<String>| claim.is_none() || claim == stored;
    unchanged(&claims.email, &row.email)
        && unchanged(&claims.first_name, &row.first_name)
        && unchanged(&claims.last_name, &row.last_name)
}

fn user_by_sub(sub: &str) -> Sql {
    Sql::new(&format!("SELECT {USER_COLUMNS} FROM users WHERE sub = ")).text(sub)
}

#[async_trait]
impl UserRepository for PgStore {
    async fn upsert_from_claims(&self, claims: &UserClaims) -> Result<User, StoreError> {
        // The common case — a known user whose token says nothing new — is a read (retried once if the
        // database went away): an upsert that changes nothing still takes a row lock and a transaction
        // id and flushes WAL on every request.
        let known = self
            .read(async |conn| {
                user_by_sub(claims.sub.as_str())
                    .get_result::<UserRow>(conn)
                    .await
                    .optional()
                    .map_err(db_error)
            })
            .await?;
        if let Some(row) = known
            && claims_unchanged(claims, &row)
        {
            return row.into_domain();
        }
        let mut conn = self.conn().await?;
        // One statement, safe under concurrent first requests: the unique subject makes the losers of the
        // race update (or leave alone) the winner's row. Names and email are refreshed only when the token
        // carries them, and the row is written only when something changed.
        let upsert = format!(
            "INSERT INTO users (id, sub, email, first_name, last_name, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, now(), now())
             ON CONFLICT (sub) DO UPDATE SET
                 email = COALESCE(EXCLUDED.email, users.email),
                 first_name = COALESCE(EXCLUDED.first_name, users.first_name),
                 last_name = COALESCE(EXCLUDED.last_name, users.last_name),
                 updated_at = now()
             WHERE (users.email, users.first_name, users.last_name) IS DISTINCT FROM
                   (COALESCE(EXCLUDED.email, users.email), COALESCE(EXCLUDED.first_name, users.first_name),
                    COALESCE(EXCLUDED.last_name, users.last_name))
             RETURNING {USER_COLUMNS}"
        );
        let written = diesel::sql_query(upsert)
            .bind::<SqlUuid, _>(UserId::generate().as_uuid())
            .bind::<Text, _>(claims.sub.as_str())
            .bind::<Nullable<Text>, _>(claims.email.as_deref())
            .bind::<Nullable<Text>, _>(claims.first_name.as_deref())
            .bind::<Nullable<Text>, _>(claims.last_name.as_deref())
            .get_result::<UserRow>(&mut conn)
            .await
            .optional()
            .map_err(db_error)?;
        let row = match written {
            Some(row) => row,
            None => user_by_sub(claims.sub.as_str())
                .get_result::<UserRow>(&mut conn)
                .await
                .map_err(db_error)?,
        };
        row.into_domain()
    }

    async fn caller_in_organization(
        &self,
        claims: &UserClaims,
        selector: &OrganizationSelector,
    ) -> Result<(User, Option<OrganizationDetails>), StoreError> {
        // The common case — a known user, nothing new in the token, an organization named by slug — is
        // one statement; anything else (a first request, new claims, no such organization, a Clerk
        // claim) creates or refreshes the user first and then looks the organization up.
        if let OrganizationSelector::Slug(slug) = selector
            && let Some((user, org)) = self.find_by_slug_for_claims(claims, slug).await?
        {
            return Ok((user, Some(org)));
        }
        let user = self.upsert_from_claims(claims).await?;
        let org = match selector {
            OrganizationSelector::Slug(slug) => self.find_by_slug(user.id, slug).await?,
            OrganizationSelector::ClerkOrganization(clerk) => {
                self.find_by_clerk_id(user.id, clerk).await?
            }
        };
        Ok((user, org))
    }

    async fn set_active_organization(
        &self,
        user: UserId,
        organization: OrganizationId,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        let updated = diesel::sql_query(
            "UPDATE users SET active_organization_id = $2, updated_at = now()
             WHERE id = $1 AND EXISTS (
                 SELECT 1 FROM organization_members WHERE organization_id = $2 AND user_id = $1)",
        )
        .bind::<SqlUuid, _>(user.as_uuid())
        .bind::<SqlUuid, _>(organization.as_uuid())
        .execute(&mut conn)
        .await
        .map_err(db_error)?;
        Ok(updated == 1)
    }
}
