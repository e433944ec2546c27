//! [`LifecycleStore`]: the transaction boundary of the campaign → serve → campaign lifecycle, and the
//! lifecycle log.
//!
//! `transact` runs, in one transaction: lock the user's row (`FOR UPDATE`, so one user's lifecycle
//! changes run one after the other and each sees what the previous committed), load the
//! [`UserLifecycle`] snapshot, run the domain's decision, and apply its [`Change`]s in order. A refusal
//! rolls back. Constraint violations the snapshot could not foresee are translated by constraint name.

use crate::errors::{Violation, corrupt, db_error, violation};
use crate::rows::{CampaignRow, EventRow, OfficeRow, SegmentRow, slug};
use crate::schema::{
    campaigns, elected_offices, lifecycle_events, organization_members, organizations, segments,
};
use crate::{PgStore, organizations as orgs, users};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use winserve_application::{Decision, LifecycleStore, LifecycleStoreError, StoreError};
use winserve_domain::{
    CampaignDecided, CampaignId, CampaignRecord, CampaignStatus, Change, LifecycleError,
    LifecycleEvent, Membership, OfficeDecided, OfficeRecord, OrganizationId, ResultDecided, Role,
    Slug, Transition, UserId, UserLifecycle,
};

/// What can end a lifecycle transaction early.
enum TxError {
    /// The domain refused the command.
    Rejected(LifecycleError),
    /// A failure that is already a store error.
    Store(StoreError),
    /// A database error while loading.
    Db(diesel::result::Error),
    /// A database error while applying `change`: maybe a constraint that names a business outcome.
    Apply {
        error: diesel::result::Error,
        change: Box<Change>,
    },
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

/// Loads everything `decide` needs about `user`.
async fn load_snapshot(
    conn: &mut AsyncPgConnection,
    user: UserId,
    segments_of: Option<OrganizationId>,
) -> Result<UserLifecycle, TxError> {
    let details = orgs::map_all(orgs::load_all(conn, orgs::Reader::Owner(user)).await?)
        .map_err(TxError::Store)?;
    let mut state = UserLifecycle::new(user);
    for d in details {
        if let Some(campaign) = d.campaign {
            state.campaigns.push(CampaignRecord {
                campaign,
                organization: d.organization,
            });
        } else if let Some(office) = d.elected_office {
            state.offices.push(OfficeRecord {
                office,
                organization: d.organization,
            });
        }
    }
    // The user's own lifecycle only: their joins and departures as someone else's member are history,
    // not state the decisions read.
    state.events = lifecycle_events::table
        .filter(lifecycle_events::user_id.eq(user.as_uuid()))
        .filter(lifecycle_events::kind.ne_all(["member_joined", "member_left"]))
        .order(lifecycle_events::seq.asc())
        .select(EventRow::as_select())
        .load::<EventRow>(conn)
        .await?
        .into_iter()
        .map(EventRow::into_domain)
        .collect::<Result<_, _>>()
        .map_err(TxError::Store)?;
    state.members = diesel::sql_query(
        "SELECT m.organization_id, m.user_id, m.role FROM organization_members m
         JOIN organizations o ON o.id = m.organization_id
         WHERE o.owner_id = $1 AND m.role <> 'owner'
         ORDER BY m.organization_id, m.joined_at, m.user_id",
    )
    .bind::<diesel::sql_types::Uuid, _>(user.as_uuid())
    .load::<MembershipRow>(conn)
    .await?
    .into_iter()
    .map(MembershipRow::into_domain)
    .collect::<Result<_, _>>()
    .map_err(TxError::Store)?;
    if let Some(org) = segments_of {
        state.segments = segments::table
            .inner_join(organizations::table)
            .filter(segments::organization_id.eq(org.as_uuid()))
            .filter(organizations::owner_id.eq(user.as_uuid()))
            .order((segments::name.asc(), segments::id.asc()))
            .select(SegmentRow::as_select())
            .load::<SegmentRow>(conn)
            .await?
            .into_iter()
            .map(SegmentRow::into_domain)
            .collect::<Result<_, _>>()
            .map_err(TxError::Store)?;
    }
    Ok(state)
}

/// A member of one of the user's organizations, for the snapshot.
#[derive(QueryableByName)]
struct MembershipRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    organization_id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    user_id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    role: String,
}

impl MembershipRow {
    fn into_domain(self) -> Result<Membership, StoreError> {
        Ok(Membership {
            organization_id: OrganizationId::from_uuid(self.organization_id),
            user_id: UserId::from_uuid(self.user_id),
            role: Role::parse(&self.role).ok_or_else(|| corrupt("member role", &self.role))?,
        })
    }
}

fn not_owned(what: &str) -> TxError {
    TxError::Store(StoreError::internal(format!(
        "refused to apply a change to {what} that is not the locked user's"
    )))
}

fn expect_one(rows: usize, what: &str) -> Result<(), TxError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(TxError::Store(StoreError::internal(format!(
            "{what}: expected to change one row, changed {rows}"
        ))))
    }
}

/// Applies one change. Every change must concern `user`, whose row is locked.
async fn apply(conn: &mut AsyncPgConnection, user: UserId, change: &Change) -> Result<(), TxError> {
    let owner = user.as_uuid();
    let wrap = |error| TxError::Apply {
        error,
        change: Box::new(change.clone()),
    };
    match change {
        Change::InsertOrganization(org) => {
            if org.owner_id != user {
                return Err(not_owned("an organization"));
            }
            diesel::insert_into(organizations::table)
                .values((
                    organizations::id.eq(org.id.as_uuid()),
                    organizations::slug.eq(org.slug.as_str()),
                    organizations::mode.eq(org.mode.as_str()),
                    organizations::owner_id.eq(owner),
                    organizations::position_id.eq(org
                        .position
                        .as_ref()
                        .map(|p| p.ballotready_position_id.as_str())),
                    organizations::override_district_id
                        .eq(org.override_district.as_ref().map(|d| d.id.as_uuid())),
                    organizations::custom_position_name
                        .eq(org.custom_position_name.as_ref().map(|n| n.as_str())),
                    organizations::clerk_organization_id
                        .eq(org.clerk_organization_id.as_ref().map(|n| n.as_str())),
                    organizations::created_at.eq(org.created_at),
                    organizations::updated_at.eq(org.updated_at),
                    organizations::archived_at.eq(org.archived_at),
                ))
                .execute(conn)
                .await
                .map_err(wrap)?;
            // Its owner is its first member (organizations_owner_membership_fkey, checked at commit).
            diesel::insert_into(organization_members::table)
                .values((
                    organization_members::organization_id.eq(org.id.as_uuid()),
                    organization_members::user_id.eq(owner),
                    organization_members::role.eq(Role::Owner.as_str()),
                    organization_members::joined_at.eq(org.created_at),
                ))
                .execute(conn)
                .await
                .map_err(wrap)?;
        }
        Change::ArchiveOrganization { id, at } => {
            let rows = diesel::update(
                organizations::table
                    .filter(organizations::id.eq(id.as_uuid()))
                    .filter(organizations::owner_id.eq(owner))
                    .filter(organizations::archived_at.is_null()),
            )
            .set((
                organizations::archived_at.eq(at),
                organizations::updated_at.eq(at),
            ))
            .execute(conn)
            .await
            .map_err(wrap)?;
            expect_one(rows, "archive organization")?;
        }
        Change::InsertCampaign(campaign) => {
            if campaign.owner_id != user {
                return Err(not_owned("a campaign"));
            }
            diesel::insert_into(campaigns::table)
                .values(CampaignRow::from_domain(campaign))
                .execute(conn)
                .await
                .map_err(wrap)?;
        }
        Change::UpdateCampaign(campaign) => {
            let row = CampaignRow::from_domain(campaign);
            let rows = diesel::update(
                campaigns::table
                    .filter(campaigns::id.eq(row.id))
                    .filter(campaigns::owner_id.eq(owner)),
            )
            .set((
                campaigns::status.eq(row.status),
                campaigns::election_date.eq(row.election_date),
                campaigns::primary_election_date.eq(row.primary_election_date),
                campaigns::ballotready_race_id.eq(row.ballotready_race_id),
                campaigns::ballotready_election_id.eq(row.ballotready_election_id),
                campaigns::party.eq(row.party),
                campaigns::launched_at.eq(row.launched_at),
                campaigns::closed_at.eq(row.closed_at),
                campaigns::updated_at.eq(row.updated_at),
            ))
            .execute(conn)
            .await
            .map_err(wrap)?;
            expect_one(rows, "update campaign")?;
        }
        Change::InsertOffice(office) => {
            if office.owner_id != user {
                return Err(not_owned("an office"));
            }
            diesel::insert_into(elected_offices::table)
                .values(OfficeRow::from_domain(office))
                .execute(conn)
                .await
                .map_err(wrap)?;
        }
        Change::UpdateOffice(office) => {
            let row = OfficeRow::from_domain(office);
            let rows = diesel::update(
                elected_offices::table
                    .filter(elected_offices::id.eq(row.id))
                    .filter(elected_offices::owner_id.eq(owner)),
            )
            .set((
                elected_offices::status.eq(row.status),
                elected_offices::sworn_in_date.eq(row.sworn_in_date),
                elected_offices::term_end_date.eq(row.term_end_date),
                elected_offices::ended_at.eq(row.ended_at),
                elected_offices::updated_at.eq(row.updated_at),
            ))
            .execute(conn)
            .await
            .map_err(wrap)?;
            expect_one(rows, "update office")?;
        }
        Change::InsertSegment(segment) => {
            let row = SegmentRow::from_domain(segment).map_err(TxError::Store)?;
            diesel::insert_into(segments::table)
                .values(row)
                .execute(conn)
                .await
                .map_err(wrap)?;
        }
        Change::InsertMember {
            organization_id,
            user_id,
            role,
            at,
        } => {
            // Only into an open organization of the locked user (a win's or a run-again's new one).
            let rows = diesel::sql_query(
                "INSERT INTO organization_members (organization_id, user_id, role, joined_at)
                 SELECT o.id, $2, $3, $4 FROM organizations o
                 WHERE o.id = $1 AND o.owner_id = $5 AND o.archived_at IS NULL",
            )
            .bind::<diesel::sql_types::Uuid, _>(organization_id.as_uuid())
            .bind::<diesel::sql_types::Uuid, _>(user_id.as_uuid())
            .bind::<diesel::sql_types::Text, _>(role.as_str())
            .bind::<diesel::sql_types::Timestamptz, _>(*at)
            .bind::<diesel::sql_types::Uuid, _>(owner)
            .execute(conn)
            .await
            .map_err(wrap)?;
            if rows != 1 {
                return Err(not_owned("a membership"));
            }
        }
        Change::AppendEvent(event) => {
            // A member's join into the user's new organization is the member's history; the database
            // checks the membership (lifecycle_events_check_organization).
            if event.user_id != user && !event.kind.is_membership() {
                return Err(not_owned("an event"));
            }
            diesel::insert_into(lifecycle_events::table)
                .values(EventRow::from_domain(event).map_err(TxError::Store)?)
                .execute(conn)
                .await
                .map_err(wrap)?;
        }
    }
    Ok(())
}

impl PgStore {
    /// Translates a constraint violation raised while applying `change` into the business error it
    /// stands for, when it stands for one.
    async fn translate(
        &self,
        user: UserId,
        error: diesel::result::Error,
        change: Change,
    ) -> LifecycleStoreError {
        let translated = match (violation(&error), &change) {
            (Some((Violation::Unique, "campaigns_one_open_per_user")), _) => self
                .open_campaign(user)
                .await
                .map(|open| open.map(LifecycleError::OpenCampaignExists)),
            (
                Some((
                    Violation::Unique,
                    "lifecycle_events_one_office_per_won_campaign"
                    | "lifecycle_events_one_result_per_campaign",
                )),
                Change::AppendEvent(LifecycleEvent {
                    campaign_id: Some(campaign),
                    ..
                }),
            ) => self.campaign_status(user, *campaign).await.map(|s| {
                s.filter(|s| !s.is_open())
                    .map(|s| LifecycleError::ResultAlreadyRecorded(s.as_str()))
            }),
            _ => Ok(None),
        };
        match translated {
            Ok(Some(rejection)) => LifecycleStoreError::Rejected(rejection),
            Ok(None) => LifecycleStoreError::Store(db_error(error)),
            Err(e) => LifecycleStoreError::Store(e),
        }
    }

    async fn open_campaign(&self, user: UserId) -> Result<Option<CampaignId>, StoreError> {
        let mut conn = self.conn().await?;
        campaigns::table
            .filter(campaigns::owner_id.eq(user.as_uuid()))
            .filter(campaigns::status.eq_any(["draft", "active"]))
            .select(campaigns::id)
            .first::<uuid::Uuid>(&mut conn)
            .await
            .optional()
            .map(|id| id.map(CampaignId::from_uuid))
            .map_err(db_error)
    }

    /// The transaction of every `transact_*` method: lock the user, load the snapshot, decide, apply
    /// the changes in order, commit; constraint violations translated.
    async fn transact<O: Send + 'static>(
        &self,
        user: UserId,
        segments_of: Option<OrganizationId>,
        decide: Decision<O>,
    ) -> Result<Transition<O>, LifecycleStoreError> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<Transition<O>, TxError, _>(async move |c| {
                if !users::lock_exclusive(c, user).await? {
                    return Err(TxError::Store(StoreError::internal(format!(
                        "user {user} does not exist"
                    ))));
                }
                let state = load_snapshot(c, user, segments_of).await?;
                let transition = decide(&state).map_err(TxError::Rejected)?;
                for change in &transition.changes {
                    apply(c, user, change).await?;
                }
                Ok(transition)
            })
            .await;
        drop(conn);
        match result {
            Ok(transition) => Ok(transition),
            Err(TxError::Rejected(e)) => Err(LifecycleStoreError::Rejected(e)),
            Err(TxError::Store(e)) => Err(LifecycleStoreError::Store(e)),
            Err(TxError::Db(e)) => Err(LifecycleStoreError::Store(db_error(e))),
            Err(TxError::Apply { error, change }) => {
                Err(self.translate(user, error, *change).await)
            }
        }
    }

    async fn campaign_status(
        &self,
        user: UserId,
        id: CampaignId,
    ) -> Result<Option<CampaignStatus>, StoreError> {
        let mut conn = self.conn().await?;
        let status = campaigns::table
            .filter(campaigns::owner_id.eq(user.as_uuid()))
            .filter(campaigns::id.eq(id.as_uuid()))
            .select(campaigns::status)
            .first::<String>(&mut conn)
            .await
            .optional()
            .map_err(db_error)?;
        Ok(status.as_deref().and_then(CampaignStatus::parse))
    }
}

#[async_trait]
impl LifecycleStore for PgStore {
    async fn transact_campaign(
        &self,
        user: UserId,
        decide: Decision<CampaignDecided>,
    ) -> Result<Transition<CampaignDecided>, LifecycleStoreError> {
        self.transact(user, None, decide).await
    }

    async fn transact_result(
        &self,
        user: UserId,
        segments_of: Option<OrganizationId>,
        decide: Decision<ResultDecided>,
    ) -> Result<Transition<ResultDecided>, LifecycleStoreError> {
        self.transact(user, segments_of, decide).await
    }

    async fn transact_office(
        &self,
        user: UserId,
        decide: Decision<OfficeDecided>,
    ) -> Result<Transition<OfficeDecided>, LifecycleStoreError> {
        self.transact(user, None, decide).await
    }

    async fn history(&self, user: UserId) -> Result<Vec<(LifecycleEvent, Slug)>, StoreError> {
        let mut conn = self.conn().await?;
        let rows = lifecycle_events::table
            .inner_join(organizations::table)
            .filter(lifecycle_events::user_id.eq(user.as_uuid()))
            .order(lifecycle_events::seq.asc())
            .select((EventRow::as_select(), organizations::slug))
            .load::<(EventRow, String)>(&mut conn)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|(event, org_slug)| Ok((event.into_domain()?, slug(&org_slug)?)))
            .collect()
    }
}
