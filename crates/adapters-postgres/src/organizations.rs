//! [`OrganizationRepository`]: organizations with their position, districts and campaign or office.

use crate::errors::{Violation, corrupt, db_error, violation};
use crate::rows::{CampaignRow, OfficeRow, UserRow, optional_district, position, slug};
use crate::sql::Sql;
use crate::{PgStore, users};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Array, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use winserve_application::{
    OrganizationDetails, OrganizationRepository, ProfileUpdate, StoreError, UpdateError,
};
use winserve_domain::{
    Action, ClerkOrganizationId, CustomPositionName, InvalidValue, Mode, Organization,
    OrganizationId, Role, Slug, User, UserClaims, UserId,
};

/// The columns of an organization with its position (and the position's natural district), its override
/// district, and its campaign or office, and the FROM clause that joins them: one row per organization.
/// The heads below add the caller's role and the WHERE clause.
macro_rules! org_columns_from {
    () => {
        "o.id, o.slug, o.mode, o.owner_id, o.custom_position_name, o.clerk_organization_id,
       o.created_at, o.updated_at, o.archived_at,
       p.ballotready_position_id AS p_id, p.name AS p_name, p.state AS p_state, p.level AS p_level,
       pd.id AS pd_id, pd.state AS pd_state, pd.l2_type AS pd_l2_type, pd.l2_name AS pd_l2_name,
       od.id AS od_id, od.state AS od_state, od.l2_type AS od_l2_type, od.l2_name AS od_l2_name,
       c.id AS c_id, c.status AS c_status, c.election_date AS c_election_date,
       c.primary_election_date AS c_primary_election_date, c.ballotready_race_id AS c_ballotready_race_id,
       c.ballotready_election_id AS c_ballotready_election_id, c.party AS c_party,
       c.launched_at AS c_launched_at, c.closed_at AS c_closed_at, c.created_at AS c_created_at,
       c.updated_at AS c_updated_at,
       e.id AS e_id, e.status AS e_status, e.sworn_in_date AS e_sworn_in_date,
       e.term_end_date AS e_term_end_date, e.ended_at AS e_ended_at, e.created_at AS e_created_at,
       e.updated_at AS e_updated_at
FROM organizations o
LEFT JOIN positions p ON p.ballotready_position_id = o.position_id
LEFT JOIN districts pd ON pd.id = p.district_id
LEFT JOIN districts od ON od.id = o.override_district_id
LEFT JOIN campaigns c ON c.organization_id = o.id
LEFT JOIN elected_offices e ON e.organization_id = o.id"
    };
}

/// The organizations a user is a member of, with their role. Callers append the member's id, then any
/// further condition. Every read an organization-scoped request makes goes through this join: an
/// organization the caller is not a member of is never loaded.
const MEMBER_ORG_SELECT: &str = concat!(
    "SELECT m.role, ",
    org_columns_from!(),
    "\nJOIN organization_members m ON m.organization_id = o.id WHERE m.user_id = "
);

/// The organizations a user owns. Only the lifecycle reads this way: its snapshot is the owner's
/// campaigns and offices, never those of an organization they only help run.
const OWNER_ORG_SELECT: &str = concat!(
    "SELECT 'owner'::text AS role, ",
    org_columns_from!(),
    "\nWHERE o.owner_id = "
);

/// Whose organizations a read loads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reader {
    /// Every organization the user is a member of, with their role.
    Member(UserId),
    /// Only the organizations the user owns (the lifecycle snapshot).
    Owner(UserId),
}

impl Reader {
    fn select(self) -> Sql {
        match self {
            Reader::Member(user) => Sql::new(MEMBER_ORG_SELECT).uuid(user.as_uuid()),
            Reader::Owner(user) => Sql::new(OWNER_ORG_SELECT).uuid(user.as_uuid()),
        }
    }
}

/// Open organizations first, then newest first (id breaks ties deterministically).
const ORG_ORDER: &str = " ORDER BY (o.archived_at IS NULL) DESC, o.created_at DESC, o.id DESC";

#[derive(QueryableByName)]
pub(crate) struct OrgRow {
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = SqlUuid)]
    owner_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    custom_position_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    clerk_organization_id: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    archived_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    p_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    p_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    p_state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    p_level: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pd_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pd_state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pd_l2_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pd_l2_name: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    od_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    od_state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    od_l2_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    od_l2_name: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    c_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    c_status: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    c_election_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    c_primary_election_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    c_ballotready_race_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c_ballotready_election_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c_party: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    c_launched_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    c_closed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    c_created_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    c_updated_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    e_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    e_status: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    e_sworn_in_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    e_term_end_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    e_ended_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    e_created_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    e_updated_at: Option<DateTime<Utc>>,
}

impl OrgRow {
    fn into_domain(self) -> Result<OrganizationDetails, StoreError> {
        let natural = optional_district(
            self.pd_id,
            self.pd_state.as_deref(),
            self.pd_l2_type.as_deref(),
            self.pd_l2_name.as_deref(),
        )?;
        let position = match (self.p_id, self.p_name, self.p_state, self.p_level) {
            (Some(id), Some(name), Some(state), Some(level)) => {
                Some(position(&id, name, &state, &level, natural)?)
            }
            _ => None,
        };
        let override_district = optional_district(
            self.od_id,
            self.od_state.as_deref(),
            self.od_l2_type.as_deref(),
            self.od_l2_name.as_deref(),
        )?;
        let organization = Organization {
            id: OrganizationId::from_uuid(self.id),
            slug: slug(&self.slug)?,
            mode: Mode::parse(&self.mode)
                .ok_or_else(|| corrupt("organization mode", &self.mode))?,
            owner_id: UserId::from_uuid(self.owner_id),
            position,
            override_district,
            custom_position_name: self
                .custom_position_name
                .as_deref()
                .map(CustomPositionName::new)
                .transpose()
                .map_err(|e| corrupt("custom position name", e))?,
            clerk_organization_id: self
                .clerk_organization_id
                .as_deref()
                .map(ClerkOrganizationId::new)
                .transpose()
                .map_err(|e| corrupt("clerk organization id", e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            archived_at: self.archived_at,
        };
        let campaign = match (
            self.c_id,
            self.c_status,
            self.c_created_at,
            self.c_updated_at,
        ) {
            (Some(id), Some(status), Some(created_at), Some(updated_at)) => Some(
                CampaignRow {
                    id,
                    organization_id: self.id,
                    owner_id: self.owner_id,
                    status,
                    election_date: self.c_election_date,
                    primary_election_date: self.c_primary_election_date,
                    ballotready_race_id: self.c_ballotready_race_id,
                    ballotready_election_id: self.c_ballotready_election_id,
                    party: self.c_party,
                    launched_at: self.c_launched_at,
                    closed_at: self.c_closed_at,
                    created_at,
                    updated_at,
                }
                .into_domain()?,
            ),
            _ => None,
        };
        let elected_office = match (
            self.e_id,
            self.e_status,
            self.e_created_at,
            self.e_updated_at,
        ) {
            (Some(id), Some(status), Some(created_at), Some(updated_at)) => Some(
                OfficeRow {
                    id,
                    organization_id: self.id,
                    owner_id: self.owner_id,
                    status,
                    sworn_in_date: self.e_sworn_in_date,
                    term_end_date: self.e_term_end_date,
                    ended_at: self.e_ended_at,
                    created_at,
                    updated_at,
                }
                .into_domain()?,
            ),
            _ => None,
        };
        Ok(OrganizationDetails {
            role: Role::parse(&self.role).ok_or_else(|| corrupt("member role", &self.role))?,
            organization,
            campaign,
            elected_office,
        })
    }
}

/// Maps loaded rows, reporting unreadable ones.
pub(crate) fn map_all(rows: Vec<OrgRow>) -> Result<Vec<OrganizationDetails>, StoreError> {
    rows.into_iter().map(OrgRow::into_domain).collect()
}

/// All of the reader's organizations with details, open first, newest first.
pub(crate) async fn load_all(
    conn: &mut AsyncPgConnection,
    reader: Reader,
) -> Result<Vec<OrgRow>, diesel::result::Error> {
    reader.select().push(ORG_ORDER).load::<OrgRow>(conn).await
}

/// One of the reader's organizations by id.
pub(crate) async fn load_by_id(
    conn: &mut AsyncPgConnection,
    reader: Reader,
    id: OrganizationId,
) -> Result<Option<OrgRow>, diesel::result::Error> {
    reader
        .select()
        .push(" AND o.id = ")
        .uuid(id.as_uuid())
        .get_result::<OrgRow>(conn)
        .await
        .optional()
}

impl PgStore {
    /// The member's organization whose unique `column` (a fixed column name, never user input) equals
    /// `value`.
    async fn find_for_member(
        &self,
        member: UserId,
        column: &'static str,
        value: &str,
    ) -> Result<Option<OrganizationDetails>, StoreError> {
        self.read(async |conn| {
            Reader::Member(member)
                .select()
                .push(" AND ")
                .push(column)
                .push(" = ")
                .text(value)
                .get_result::<OrgRow>(conn)
                .await
                .optional()
                .map_err(db_error)
        })
        .await?
        .map(OrgRow::into_domain)
        .transpose()
    }

    /// The caller and their organization with `slug` in one statement — the fast path of
    /// [`winserve_application::UserRepository::caller_in_organization`]: `Some` only when the user with
    /// `claims.sub` exists, the claims would not change them (so `upsert_from_claims` would only read),
    /// and they are a member of an organization with `slug`. Every `None` takes the slow path, which creates or
    /// refreshes the user and answers a missing organization.
    pub async fn find_by_slug_for_claims(
        &self,
        claims: &UserClaims,
        slug: &Slug,
    ) -> Result<Option<(User, OrganizationDetails)>, StoreError> {
        let row = self
            .read(async |conn| {
                Sql::new(USER_ORG_SELECT_HEAD)
                    .push(MEMBER_ORG_SELECT)
                    .push("u.id AND o.slug = ")
                    .text(slug.as_str())
                    .push(") AS org WHERE u.sub = ")
                    .text(claims.sub.as_str())
                    .get_result::<UserOrgRow>(conn)
                    .await
                    .optional()
                    .map_err(db_error)
            })
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = UserRow {
            id: row.u_id,
            sub: row.u_sub,
            email: row.u_email,
            first_name: row.u_first_name,
            last_name: row.u_last_name,
            active_organization_id: row.u_active_organization_id,
            created_at: row.u_created_at,
        };
        if !users::claims_unchanged(claims, &user) {
            return Ok(None);
        }
        Ok(Some((user.into_domain()?, row.org.into_domain()?)))
    }

    /// The member's organization linked to the Clerk organization `clerk_id`.
    pub async fn find_by_clerk_id(
        &self,
        member: UserId,
        clerk_id: &ClerkOrganizationId,
    ) -> Result<Option<OrganizationDetails>, StoreError> {
        self.find_for_member(member, "o.clerk_organization_id", clerk_id.as_str())
            .await
    }
}

/// [`MEMBER_ORG_SELECT`] for the user with a subject: the user's columns (prefixed `u_`) and their organization
/// with a slug, laterally joined. Parameters: the subject, then the slug.
const USER_ORG_SELECT_HEAD: &str = "SELECT u.id AS u_id, u.sub AS u_sub, u.email AS u_email, \
    u.first_name AS u_first_name, u.last_name AS u_last_name, \
    u.active_organization_id AS u_active_organization_id, u.created_at AS u_created_at, org.* \
    FROM users u CROSS JOIN LATERAL (";

/// A row of [`USER_ORG_SELECT_HEAD`]: the user, and the organization.
#[derive(QueryableByName)]
struct UserOrgRow {
    #[diesel(sql_type = SqlUuid)]
    u_id: Uuid,
    #[diesel(sql_type = Text)]
    u_sub: String,
    #[diesel(sql_type = Nullable<Text>)]
    u_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    u_first_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    u_last_name: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    u_active_organization_id: Option<Uuid>,
    #[diesel(sql_type = Timestamptz)]
    u_created_at: DateTime<Utc>,
    #[diesel(embed)]
    org: OrgRow,
}

#[async_trait]
impl OrganizationRepository for PgStore {
    async fn list_for_member(
        &self,
        member: UserId,
    ) -> Result<Vec<OrganizationDetails>, StoreError> {
        let rows = self
            .read(async |conn| {
                load_all(conn, Reader::Member(member))
                    .await
                    .map_err(db_error)
            })
            .await?;
        map_all(rows)
    }

    async fn find_by_slug(
        &self,
        member: UserId,
        slug: &Slug,
    ) -> Result<Option<OrganizationDetails>, StoreError> {
        self.find_for_member(member, "o.slug", slug.as_str()).await
    }

    async fn update_profile(
        &self,
        editor: UserId,
        id: OrganizationId,
        profile: &ProfileUpdate,
    ) -> Result<OrganizationDetails, UpdateError> {
        let mut conn = self.conn().await?;
        let profile = profile.clone();
        let result = conn
            .transaction::<_, UpdateTxError, _>(async move |c| {
                users::lock_owner_shared(c, id).await?;
                // The editor's role, existence and "not archived" are checked in the same statement as
                // the write.
                let updated = diesel::sql_query(
                    "UPDATE organizations SET position_id = $3, override_district_id = $4,
                            custom_position_name = $5, clerk_organization_id = $6, updated_at = now()
                     WHERE id = $1 AND archived_at IS NULL AND EXISTS (
                         SELECT 1 FROM organization_members m
                         WHERE m.organization_id = $1 AND m.user_id = $2 AND m.role = ANY($7))",
                )
                .bind::<SqlUuid, _>(id.as_uuid())
                .bind::<SqlUuid, _>(editor.as_uuid())
                .bind::<Nullable<Text>, _>(profile.position_id.as_ref().map(|p| p.as_str().to_owned()))
                .bind::<Nullable<SqlUuid>, _>(profile.override_district_id.map(|d| d.as_uuid()))
                .bind::<Nullable<Text>, _>(profile.custom_position_name.as_ref().map(|n| n.as_str().to_owned()))
                .bind::<Nullable<Text>, _>(profile.clerk_organization_id.as_ref().map(|n| n.as_str().to_owned()))
                .bind::<Array<Text>, _>(&EDITORS[..])
                .execute(c)
                .await?;
                let row = load_by_id(c, Reader::Member(editor), id).await?;
                match row {
                    None => Err(UpdateTxError::Update(UpdateError::NotFound)),
                    Some(row) if updated == 0 => Err(UpdateTxError::Update(refused(&row.role))),
                    Some(row) => Ok(row),
                }
            })
            .await;
        match result {
            Ok(row) => row.into_domain().map_err(UpdateError::Store),
            Err(UpdateTxError::Update(e)) => Err(e),
            Err(UpdateTxError::Db(e)) => Err(profile_error(e)),
        }
    }
}

/// Whether the organization is archived (`None`: no such organization). Read after the owner's row was
/// locked, the answer holds until commit.
pub(crate) async fn archived(
    conn: &mut AsyncPgConnection,
    organization: OrganizationId,
) -> Result<Option<bool>, diesel::result::Error> {
    use crate::schema::organizations;
    use diesel::{ExpressionMethods, QueryDsl};
    organizations::table
        .filter(organizations::id.eq(organization.as_uuid()))
        .select(organizations::archived_at.is_not_null())
        .first::<bool>(conn)
        .await
        .optional()
}

/// Takes the owner's row `FOR SHARE` — waiting for a running lifecycle change of the owner, which may
/// archive the organization — and then answers [`archived`]: the check every write to an
/// organization's team or Win-only data makes first.
pub(crate) async fn lock_then_archived(
    conn: &mut AsyncPgConnection,
    organization: OrganizationId,
) -> Result<Option<bool>, diesel::result::Error> {
    users::lock_owner_shared(conn, organization).await?;
    archived(conn, organization).await
}

/// The join of `member`'s membership on the organization of a row of `$table` (campaigns, offices):
/// every read of such a record filters by membership, and the caller's role comes with the row.
macro_rules! membership_of {
    ($member:expr, $table:ident) => {
        $crate::schema::organization_members::table.on(
            $crate::schema::organization_members::organization_id
                .eq($crate::schema::$table::organization_id)
                .and($crate::schema::organization_members::user_id.eq($member.as_uuid())),
        )
    };
}
pub(crate) use membership_of;

/// The roles that may edit an organization's details ([`Action::EditOrganization`]).
pub(crate) const EDITORS: [&str; 2] = ["owner", "admin"];

/// Why an update that found its record changed nothing: the caller's role (demoted since the service
/// checked it) or the organization's archiving.
pub(crate) fn refused(role: &str) -> UpdateError {
    match Role::parse(role).map(|r| r.require(Action::EditOrganization)) {
        Some(Err(forbidden)) => UpdateError::Forbidden(forbidden),
        _ => UpdateError::Archived,
    }
}

/// The error of an update transaction: a business outcome, or a database error still to translate.
pub(crate) enum UpdateTxError {
    /// A business outcome.
    Update(UpdateError),
    /// A database error.
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for UpdateTxError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

fn profile_error(e: diesel::result::Error) -> UpdateError {
    match violation(&e) {
        Some((Violation::ForeignKey, "organizations_position_id_fkey")) => {
            InvalidValue::new("ballotready_position_id", "no position has this id").into()
        }
        Some((Violation::ForeignKey, "organizations_override_district_id_fkey")) => {
            InvalidValue::new("override_district_id", "no district has this id").into()
        }
        Some((Violation::Unique, "organizations_clerk_organization_id_key")) => {
            UpdateError::Conflict("the Clerk organization is linked to another organization".into())
        }
        Some((Violation::Unique, "organizations_one_active_office_per_position")) => {
            UpdateError::Conflict(
                "the user already serves in this position in another active office".into(),
            )
        }
        Some((Violation::Check, "organizations_custom_position_name_not_blank")) => {
            InvalidValue::new("custom_position_name", "must not be blank").into()
        }
        _ => UpdateError::Store(db_error(e)),
    }
}
