//! [`ClerkSyncRepository`]: memberships of linked organizations kept in step with Clerk, from token
//! claims (lazy) and webhooks (eager). Ordering rules, all in the database's clock-free terms of "when
//! Clerk said it":
//! - a membership remembers the newest Clerk time applied to it (`clerk_synced_at`); an older claim or
//!   event changes nothing;
//! - a removal is remembered per (Clerk organization, Clerk user) in `clerk_membership_removals`; a
//!   claim or event older than it cannot bring the membership back;
//! - the owner's membership is winserve's (ownership moves only by a transfer) and never touched;
//! - only open organizations are synced (an archived one's members are read-only).

use crate::errors::db_error;
use crate::team::{member_event, parse_role};
use crate::{PgStore, users};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::sql_types::{Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use winserve_application::{ClerkSyncRepository, StoreError};
use winserve_domain::{
    ClerkEvent, ClerkMembershipClaim, ClerkOrganizationId, ClerkUser, OrganizationId, Role,
    Subject, UserId,
};

#[derive(QueryableByName)]
struct LinkedOrg {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

#[derive(QueryableByName)]
struct Existing {
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    clerk_synced_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct At {
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// The open organization linked to a Clerk organization.
async fn linked_open(
    c: &mut AsyncPgConnection,
    clerk: &ClerkOrganizationId,
) -> Result<Option<OrganizationId>, diesel::result::Error> {
    Ok(diesel::sql_query(
        "SELECT id FROM organizations WHERE clerk_organization_id = $1 AND archived_at IS NULL",
    )
    .bind::<Text, _>(clerk.as_str())
    .get_result::<LinkedOrg>(c)
    .await
    .optional()?
    .map(|o| OrganizationId::from_uuid(o.id)))
}

/// When Clerk last removed the user from the organization, if ever.
async fn removed_at(
    c: &mut AsyncPgConnection,
    clerk: &ClerkOrganizationId,
    sub: &Subject,
) -> Result<Option<DateTime<Utc>>, diesel::result::Error> {
    Ok(diesel::sql_query(
        "SELECT removed_at AS at FROM clerk_membership_removals
         WHERE clerk_organization_id = $1 AND user_sub = $2",
    )
    .bind::<Text, _>(clerk.as_str())
    .bind::<Text, _>(sub.as_str())
    .get_result::<At>(c)
    .await
    .optional()?
    .map(|r| r.at))
}

async fn existing(
    c: &mut AsyncPgConnection,
    org: OrganizationId,
    user: UserId,
) -> Result<Option<Existing>, diesel::result::Error> {
    diesel::sql_query(
        "SELECT role, clerk_synced_at FROM organization_members
         WHERE organization_id = $1 AND user_id = $2",
    )
    .bind::<SqlUuid, _>(org.as_uuid())
    .bind::<SqlUuid, _>(user.as_uuid())
    .get_result::<Existing>(c)
    .await
    .optional()
}

/// Makes `user` a member of `org` with `role` as Clerk said at `at`, unless something newer was
/// applied or they are the owner. Returns whether anything changed.
async fn set_membership(
    c: &mut AsyncPgConnection,
    org: OrganizationId,
    user: UserId,
    role: Role,
    at: DateTime<Utc>,
) -> Result<bool, diesel::result::Error> {
    users::lock_owner_shared(c, org).await?;
    match existing(c, org, user).await? {
        None => {
            let inserted = diesel::sql_query(
                "INSERT INTO organization_members (organization_id, user_id, role, joined_at, clerk_synced_at)
                 VALUES ($1, $2, $3, now(), $4) ON CONFLICT DO NOTHING",
            )
            .bind::<SqlUuid, _>(org.as_uuid())
            .bind::<SqlUuid, _>(user.as_uuid())
            .bind::<Text, _>(role.as_str())
            .bind::<Timestamptz, _>(at)
            .execute(c)
            .await?;
            if inserted == 1 {
                member_event(c, "member_joined", org, user, role, Utc::now()).await?;
            }
            Ok(inserted == 1)
        }
        Some(m) if m.role == Role::Owner.as_str() => Ok(false),
        Some(m) if m.clerk_synced_at.is_some_and(|s| s >= at) => Ok(false),
        Some(_) => {
            diesel::sql_query(
                "UPDATE organization_members SET role = $3, clerk_synced_at = $4
                 WHERE organization_id = $1 AND user_id = $2 AND role <> 'owner'",
            )
            .bind::<SqlUuid, _>(org.as_uuid())
            .bind::<SqlUuid, _>(user.as_uuid())
            .bind::<Text, _>(role.as_str())
            .bind::<Timestamptz, _>(at)
            .execute(c)
            .await?;
            Ok(true)
        }
    }
}

/// Removes `user` from `org` as Clerk said at `at`, unless a newer word was applied to the membership
/// or they are the owner; `member_left` goes to their history.
async fn remove_membership(
    c: &mut AsyncPgConnection,
    org: OrganizationId,
    user: UserId,
    at: DateTime<Utc>,
) -> Result<(), diesel::result::Error> {
    users::lock_owner_shared(c, org).await?;
    let removed = diesel::sql_query(
        "DELETE FROM organization_members
         WHERE organization_id = $1 AND user_id = $2 AND role <> 'owner'
           AND (clerk_synced_at IS NULL OR clerk_synced_at <= $3)
         RETURNING role, clerk_synced_at",
    )
    .bind::<SqlUuid, _>(org.as_uuid())
    .bind::<SqlUuid, _>(user.as_uuid())
    .bind::<Timestamptz, _>(at)
    .get_result::<Existing>(c)
    .await
    .optional()?;
    if let Some(m) = removed
        && let Ok(role) = parse_role(&m.role)
    {
        member_event(c, "member_left", org, user, role, Utc::now()).await?;
    }
    Ok(())
}

/// The user with a Clerk subject, created (or refreshed with what the webhook says) as a first token
/// would.
async fn upsert_user(
    c: &mut AsyncPgConnection,
    user: &ClerkUser,
) -> Result<UserId, diesel::result::Error> {
    let row = diesel::sql_query(
        "INSERT INTO users (id, sub, email, first_name, last_name, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, now(), now())
         ON CONFLICT (sub) DO UPDATE SET
             email = COALESCE(EXCLUDED.email, users.email),
             first_name = COALESCE(EXCLUDED.first_name, users.first_name),
             last_name = COALESCE(EXCLUDED.last_name, users.last_name)
         RETURNING id",
    )
    .bind::<SqlUuid, _>(UserId::generate().as_uuid())
    .bind::<Text, _>(user.sub.as_str())
    .bind::<Nullable<Text>, _>(user.email.as_deref())
    .bind::<Nullable<Text>, _>(user.first_name.as_deref())
    .bind::<Nullable<Text>, _>(user.last_name.as_deref())
    .get_result::<Id>(c)
    .await?;
    Ok(UserId::from_uuid(row.id))
}

async fn user_by_sub(
    c: &mut AsyncPgConnection,
    sub: &Subject,
) -> Result<Option<UserId>, diesel::result::Error> {
    Ok(diesel::sql_query("SELECT id FROM users WHERE sub = $1")
        .bind::<Text, _>(sub.as_str())
        .get_result::<Id>(c)
        .await
        .optional()?
        .map(|r| UserId::from_uuid(r.id)))
}

/// Applies one webhook event inside the delivery's transaction.
async fn apply_event(
    c: &mut AsyncPgConnection,
    event: &ClerkEvent,
) -> Result<(), diesel::result::Error> {
    match event {
        ClerkEvent::MembershipSet {
            organization,
            user,
            role,
            at,
        } => {
            let Some(org) = linked_open(c, organization).await? else {
                return Ok(());
            };
            if removed_at(c, organization, &user.sub)
                .await?
                .is_some_and(|removed| removed >= *at)
            {
                return Ok(());
            }
            let id = upsert_user(c, user).await?;
            set_membership(c, org, id, *role, *at).await?;
        }
        ClerkEvent::MembershipDeleted {
            organization,
            user_sub,
            at,
        } => {
            diesel::sql_query(
                "INSERT INTO clerk_membership_removals (clerk_organization_id, user_sub, removed_at)
                 VALUES ($1, $2, $3)
                 ON CONFLICT (clerk_organization_id, user_sub)
                 DO UPDATE SET removed_at = GREATEST(clerk_membership_removals.removed_at, EXCLUDED.removed_at)",
            )
            .bind::<Text, _>(organization.as_str())
            .bind::<Text, _>(user_sub.as_str())
            .bind::<Timestamptz, _>(*at)
            .execute(c)
            .await?;
            if let (Some(org), Some(user)) = (
                linked_open(c, organization).await?,
                user_by_sub(c, user_sub).await?,
            ) {
                remove_membership(c, org, user, *at).await?;
            }
        }
        ClerkEvent::OrganizationDeleted { organization, at } => {
            let Some(org) = linked_open(c, organization).await? else {
                return Ok(());
            };
            let members = diesel::sql_query(
                "SELECT user_id AS id FROM organization_members
                 WHERE organization_id = $1 AND role <> 'owner'",
            )
            .bind::<SqlUuid, _>(org.as_uuid())
            .load::<Id>(c)
            .await?;
            for m in members {
                remove_membership(c, org, UserId::from_uuid(m.id), *at).await?;
            }
            diesel::sql_query(
                "UPDATE organizations SET clerk_organization_id = NULL, updated_at = now() WHERE id = $1",
            )
            .bind::<SqlUuid, _>(org.as_uuid())
            .execute(c)
            .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl ClerkSyncRepository for PgStore {
    async fn sync_claim(
        &self,
        user: UserId,
        sub: &Subject,
        claim: &ClerkMembershipClaim,
    ) -> Result<(), StoreError> {
        // The common case — the membership already says what the token says — is reads only.
        let current = self
            .read(async |c| {
                let Some(org) = linked_open(c, &claim.organization)
                    .await
                    .map_err(db_error)?
                else {
                    return Ok(None);
                };
                let membership = existing(c, org, user).await.map_err(db_error)?;
                Ok(Some((org, membership)))
            })
            .await?;
        let Some((org, membership)) = current else {
            return Ok(());
        };
        if membership.is_some_and(|m| {
            m.role == claim.role.as_str()
                || m.role == Role::Owner.as_str()
                || m.clerk_synced_at.is_some_and(|s| s >= claim.issued_at)
        }) {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        let claim = claim.clone();
        let sub = sub.clone();
        conn.transaction::<_, diesel::result::Error, _>(async move |c| {
            if removed_at(c, &claim.organization, &sub)
                .await?
                .is_some_and(|removed| removed >= claim.issued_at)
            {
                return Ok(());
            }
            set_membership(c, org, user, claim.role, claim.issued_at).await?;
            Ok(())
        })
        .await
        .map_err(db_error)
    }

    async fn apply_webhook(
        &self,
        delivery_id: &str,
        event_type: &str,
        event: &ClerkEvent,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        let (delivery_id, event_type, event) =
            (delivery_id.to_owned(), event_type.to_owned(), event.clone());
        conn.transaction::<_, diesel::result::Error, _>(async move |c| {
            let fresh = diesel::sql_query(
                "INSERT INTO clerk_webhook_deliveries (svix_id, event_type, received_at)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind::<Text, _>(&delivery_id)
            .bind::<Text, _>(&event_type)
            .bind::<Timestamptz, _>(received_at)
            .execute(c)
            .await?;
            if fresh == 0 {
                return Ok(false);
            }
            apply_event(c, &event).await?;
            Ok(true)
        })
        .await
        .map_err(db_error)
    }
}
