//! [`MembershipRepository`] and [`InvitationRepository`]: an organization's members and invitations.
//!
//! Every write first takes the organization owner's row `FOR SHARE` ([`users::lock_owner_shared`]), so
//! it waits for a running lifecycle transaction of the owner (which may archive the organization or
//! carry its members into a new one) and then sees its outcome; the archived check that follows is
//! stable until commit. A transfer takes both users' rows `FOR UPDATE`, like the lifecycle does.

use crate::errors::{Violation, corrupt, db_error, violation};
use crate::organizations::{archived, lock_then_archived};
use crate::rows::slug;
use crate::schema::{lifecycle_events, organization_invitations, organization_members};
use crate::{PgStore, users};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use winserve_application::{
    AcceptError, InvitationRepository, Member, MembershipRepository, NewInvitation,
    PendingInvitation, StoreError, TeamError,
};
use winserve_domain::{InvitationId, OrganizationId, Role, Slug, UserId};

/// What ends a team transaction early: a business outcome, or a database error still to translate.
enum TxError<E> {
    Outcome(E),
    Db(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for TxError<E> {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

#[derive(QueryableByName)]
struct MemberRow {
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    first_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    last_name: Option<String>,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Timestamptz)]
    joined_at: DateTime<Utc>,
}

impl MemberRow {
    fn into_domain(self) -> Result<Member, StoreError> {
        Ok(Member {
            user_id: UserId::from_uuid(self.user_id),
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            role: parse_role(&self.role)?,
            joined_at: self.joined_at,
        })
    }
}

pub(crate) fn parse_role(role: &str) -> Result<Role, StoreError> {
    Role::parse(role).ok_or_else(|| corrupt("member role", role))
}

/// The members of an organization with their users' names; the owner first, then by joining time.
/// Parameters: the organization, then (optionally, appended by the caller) a user.
const MEMBERS: &str = "SELECT m.user_id, u.email, u.first_name, u.last_name, m.role, m.joined_at
    FROM organization_members m JOIN users u ON u.id = m.user_id
    WHERE m.organization_id = $1";

/// Locks the owner's row and refuses an archived (or missing) organization.
async fn lock_open<E: From<TeamError>>(
    conn: &mut AsyncPgConnection,
    organization: OrganizationId,
) -> Result<(), TxError<E>> {
    match lock_then_archived(conn, organization).await? {
        Some(false) => Ok(()),
        Some(true) => Err(TxError::Outcome(TeamError::Archived.into())),
        None => Err(TxError::Outcome(TeamError::NotAMember.into())),
    }
}

/// Appends a `member_joined` or `member_left` event to the member's history.
pub(crate) async fn member_event(
    conn: &mut AsyncPgConnection,
    kind: &str,
    organization: OrganizationId,
    user: UserId,
    role: Role,
    at: DateTime<Utc>,
) -> Result<(), diesel::result::Error> {
    diesel::insert_into(lifecycle_events::table)
        .values((
            lifecycle_events::user_id.eq(user.as_uuid()),
            lifecycle_events::kind.eq(kind),
            lifecycle_events::at.eq(at),
            lifecycle_events::organization_id.eq(organization.as_uuid()),
            lifecycle_events::role.eq(role.as_str()),
        ))
        .execute(conn)
        .await
        .map(drop)
}

fn finish<T, E: From<StoreError>>(result: Result<T, TxError<E>>) -> Result<T, E> {
    result.map_err(|e| match e {
        TxError::Outcome(e) => e,
        TxError::Db(e) => E::from(db_error(e)),
    })
}

#[async_trait]
impl MembershipRepository for PgStore {
    async fn list(&self, organization: OrganizationId) -> Result<Vec<Member>, StoreError> {
        let rows = self
            .read(async |conn| {
                diesel::sql_query(format!(
                    "{MEMBERS} ORDER BY (m.role = 'owner') DESC, m.joined_at, m.user_id"
                ))
                .bind::<SqlUuid, _>(organization.as_uuid())
                .load::<MemberRow>(conn)
                .await
                .map_err(db_error)
            })
            .await?;
        rows.into_iter().map(MemberRow::into_domain).collect()
    }

    async fn set_role(
        &self,
        organization: OrganizationId,
        user: UserId,
        role: Role,
    ) -> Result<Member, TeamError> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError<TeamError>, _>(async move |c| {
                lock_open(c, organization).await?;
                let updated = diesel::update(
                    organization_members::table
                        .filter(organization_members::organization_id.eq(organization.as_uuid()))
                        .filter(organization_members::user_id.eq(user.as_uuid()))
                        .filter(organization_members::role.ne(Role::Owner.as_str())),
                )
                .set(organization_members::role.eq(role.as_str()))
                .execute(c)
                .await?;
                if updated == 0 {
                    return Err(TxError::Outcome(TeamError::NotAMember));
                }
                Ok(diesel::sql_query(format!("{MEMBERS} AND m.user_id = $2"))
                    .bind::<SqlUuid, _>(organization.as_uuid())
                    .bind::<SqlUuid, _>(user.as_uuid())
                    .get_result::<MemberRow>(c)
                    .await?)
            })
            .await;
        finish(result)?.into_domain().map_err(TeamError::Store)
    }

    async fn remove(
        &self,
        organization: OrganizationId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<Role, TeamError> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError<TeamError>, _>(async move |c| {
                lock_open(c, organization).await?;
                let removed = diesel::delete(
                    organization_members::table
                        .filter(organization_members::organization_id.eq(organization.as_uuid()))
                        .filter(organization_members::user_id.eq(user.as_uuid()))
                        .filter(organization_members::role.ne(Role::Owner.as_str())),
                )
                .returning(organization_members::role)
                .get_result::<String>(c)
                .await
                .optional()?;
                let Some(role) = removed else {
                    return Err(TxError::Outcome(TeamError::NotAMember));
                };
                let role = parse_role(&role).map_err(|e| TxError::Outcome(TeamError::Store(e)))?;
                member_event(c, "member_left", organization, user, role, at).await?;
                Ok(role)
            })
            .await;
        finish(result)
    }

    async fn transfer(
        &self,
        organization: OrganizationId,
        from: UserId,
        to: UserId,
    ) -> Result<(), TeamError> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError<TeamError>, _>(async move |c| {
                // Both users' lifecycles change (the organization's campaign or office moves from one to
                // the other): lock both rows the way a lifecycle transaction does, in id order.
                let (first, second) = if from < to { (from, to) } else { (to, from) };
                users::lock_exclusive(c, first).await?;
                users::lock_exclusive(c, second).await?;
                match archived(c, organization).await? {
                    Some(false) => {}
                    Some(true) => return Err(TxError::Outcome(TeamError::Archived)),
                    None => return Err(TxError::Outcome(TeamError::NotAMember)),
                }
                let member = |user: UserId| {
                    organization_members::table
                        .filter(organization_members::organization_id.eq(organization.as_uuid()))
                        .filter(organization_members::user_id.eq(user.as_uuid()))
                };
                // Demote first: at most one owner at any moment (organization_members_one_owner).
                let demoted =
                    diesel::update(member(from).filter(organization_members::role.eq("owner")))
                        .set(organization_members::role.eq(Role::Admin.as_str()))
                        .execute(c)
                        .await?;
                if demoted == 0 {
                    return Err(TxError::Outcome(TeamError::Store(StoreError::internal(
                        "transfer: the caller is not the owner",
                    ))));
                }
                let promoted = diesel::update(member(to))
                    .set(organization_members::role.eq(Role::Owner.as_str()))
                    .execute(c)
                    .await?;
                if promoted == 0 {
                    return Err(TxError::Outcome(TeamError::NotAMember));
                }
                // The campaign or office follows (ON UPDATE CASCADE); the owner's membership row
                // matches again at commit (organizations_owner_membership_fkey).
                diesel::sql_query(
                    "UPDATE organizations SET owner_id = $2, updated_at = now() WHERE id = $1",
                )
                .bind::<SqlUuid, _>(organization.as_uuid())
                .bind::<SqlUuid, _>(to.as_uuid())
                .execute(c)
                .await?;
                Ok(())
            })
            .await;
        result.map_err(|e| match e {
            TxError::Outcome(e) => e,
            TxError::Db(e) => match violation(&e) {
                Some((Violation::Unique, "campaigns_one_open_per_user")) => TeamError::Conflict(
                    "the new owner already has an open campaign: a person runs one campaign at a time"
                        .into(),
                ),
                Some((Violation::Unique, "organizations_one_active_office_per_position")) => {
                    TeamError::Conflict(
                        "the new owner already serves in this position in another active office"
                            .into(),
                    )
                }
                _ => TeamError::Store(db_error(e)),
            },
        })
    }
}

#[derive(QueryableByName)]
struct InvitationRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = SqlUuid)]
    invited_by: Uuid,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    expires_at: DateTime<Utc>,
}

/// The open invitation with a token hash, locked, with its organization's state.
#[derive(QueryableByName)]
struct Acceptable {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Timestamptz)]
    expires_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    slug: String,
}

#[async_trait]
impl InvitationRepository for PgStore {
    async fn create(&self, invitation: &NewInvitation) -> Result<(), TeamError> {
        let mut conn = self.conn().await?;
        let inv = invitation.clone();
        let result = conn
            .transaction::<_, TxError<TeamError>, _>(async move |c| {
                lock_open(c, inv.organization_id).await?;
                // Inviting again replaces the open invitation: its token stops working.
                diesel::update(
                    organization_invitations::table
                        .filter(
                            organization_invitations::organization_id
                                .eq(inv.organization_id.as_uuid()),
                        )
                        .filter(organization_invitations::email.eq(&inv.email))
                        .filter(organization_invitations::accepted_at.is_null())
                        .filter(organization_invitations::revoked_at.is_null()),
                )
                .set(organization_invitations::revoked_at.eq(inv.created_at))
                .execute(c)
                .await?;
                diesel::insert_into(organization_invitations::table)
                    .values((
                        organization_invitations::id.eq(inv.id.as_uuid()),
                        organization_invitations::organization_id.eq(inv.organization_id.as_uuid()),
                        organization_invitations::email.eq(&inv.email),
                        organization_invitations::role.eq(inv.role.as_str()),
                        organization_invitations::token_hash.eq(inv.token_hash.as_slice()),
                        organization_invitations::invited_by.eq(inv.invited_by.as_uuid()),
                        organization_invitations::created_at.eq(inv.created_at),
                        organization_invitations::expires_at.eq(inv.expires_at),
                    ))
                    .execute(c)
                    .await?;
                Ok(())
            })
            .await;
        finish(result)
    }

    async fn list_pending(
        &self,
        organization: OrganizationId,
        now: DateTime<Utc>,
    ) -> Result<Vec<PendingInvitation>, StoreError> {
        let rows = self
            .read(async |conn| {
                diesel::sql_query(
                    "SELECT id, email, role, invited_by, created_at, expires_at
                     FROM organization_invitations
                     WHERE organization_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
                       AND expires_at > $2
                     ORDER BY created_at, id",
                )
                .bind::<SqlUuid, _>(organization.as_uuid())
                .bind::<Timestamptz, _>(now)
                .load::<InvitationRow>(conn)
                .await
                .map_err(db_error)
            })
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(PendingInvitation {
                    id: InvitationId::from_uuid(r.id),
                    email: r.email,
                    role: parse_role(&r.role)?,
                    invited_by: UserId::from_uuid(r.invited_by),
                    created_at: r.created_at,
                    expires_at: r.expires_at,
                })
            })
            .collect()
    }

    async fn revoke(
        &self,
        organization: OrganizationId,
        id: InvitationId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        let revoked = diesel::update(
            organization_invitations::table
                .filter(organization_invitations::id.eq(id.as_uuid()))
                .filter(organization_invitations::organization_id.eq(organization.as_uuid()))
                .filter(organization_invitations::accepted_at.is_null())
                .filter(organization_invitations::revoked_at.is_null()),
        )
        .set(organization_invitations::revoked_at.eq(at))
        .execute(&mut conn)
        .await
        .map_err(db_error)?;
        Ok(revoked == 1)
    }

    async fn accept(
        &self,
        token_hash: [u8; 32],
        user: UserId,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<Slug, AcceptError> {
        let mut conn = self.conn().await?;
        let email = email.to_owned();
        let result = conn
            .transaction::<_, TxError<AcceptError>, _>(async move |c| {
                // FOR UPDATE: of two concurrent accepts, the second waits, then finds the invitation
                // used (READ COMMITTED re-checks the WHERE clause on the locked row).
                let found = diesel::sql_query(
                    "SELECT i.id, i.organization_id, i.email, i.role, i.expires_at, o.slug
                     FROM organization_invitations i JOIN organizations o ON o.id = i.organization_id
                     WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
                     FOR UPDATE OF i",
                )
                .bind::<Bytea, _>(token_hash.as_slice())
                .get_result::<Acceptable>(c)
                .await
                .optional()?;
                let Some(inv) = found.filter(|i| i.expires_at > now) else {
                    return Err(TxError::Outcome(AcceptError::NotFound));
                };
                if inv.email != email {
                    return Err(TxError::Outcome(AcceptError::EmailMismatch));
                }
                let organization = OrganizationId::from_uuid(inv.organization_id);
                if lock_then_archived(c, organization).await? != Some(false) {
                    return Err(TxError::Outcome(AcceptError::Archived));
                }
                let role = parse_role(&inv.role).map_err(|e| TxError::Outcome(e.into()))?;
                // A member already keeps their role (an invitation never demotes the owner).
                let joined = diesel::insert_into(organization_members::table)
                    .values((
                        organization_members::organization_id.eq(inv.organization_id),
                        organization_members::user_id.eq(user.as_uuid()),
                        organization_members::role.eq(role.as_str()),
                        organization_members::joined_at.eq(now),
                    ))
                    .on_conflict_do_nothing()
                    .execute(c)
                    .await?;
                if joined == 1 {
                    member_event(c, "member_joined", organization, user, role, now).await?;
                }
                diesel::update(
                    organization_invitations::table
                        .filter(organization_invitations::id.eq(inv.id)),
                )
                .set((
                    organization_invitations::accepted_at.eq(now),
                    organization_invitations::accepted_by.eq(user.as_uuid()),
                ))
                .execute(c)
                .await?;
                slug(&inv.slug).map_err(|e| TxError::Outcome(e.into()))
            })
            .await;
        finish(result)
    }
}
