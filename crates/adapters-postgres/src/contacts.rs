//! [`ContactRepository`]: the voters of a district, read through the party policy.
//!
//! - A page is an index range scan of `voter_districts_contacts_order` for one district (covering the hot
//!   filter columns), then primary-key lookups of the page's voters.
//! - The exact total of a filter is remembered in `filter_counts` for the state's current data version
//!   (ADR 0016); when it is not, a filter over the hot columns is summed from `district_facets` (at most
//!   1200 rows per district), one over other criteria is counted live, and the total is remembered. A
//!   search always counts live.
//! - A page by number deep in the list starts after the nearest page anchor remembered for the same
//!   filter and data version, and leaves one where it starts (ADR 0018).
//! - Statements name the state's partitions (`voters_wy`, …) so that PostgreSQL reuses their generic
//!   plans (ADR 0015).
//! - When the policy hides party, the party columns are never selected: the value cannot leak.

use crate::PgStore;
use crate::contacts_sql::{
    Sql, attribute_conditions, facets_suffice, filter_key, hot_conditions, needs_voters,
    total_remembered, voter_conditions,
};
use crate::errors::{corrupt, db_error};
use crate::partitions::{self, StatePartitions};
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::deserialize::{self, Queryable};
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;
use winserve_application::{
    Bucket, ContactCursor, ContactFilter, ContactPage, ContactRepository, ContactStats,
    ContactStream, ContactWindow, StoreError,
};
use winserve_domain::{
    Address, AgeRange, District, Education, Ethnicity, Gender, Homeowner, Language, MaritalStatus,
    PartyGroup, PartyPolicy, SegmentCriteria, StateCode, Voter, VoterId, VoterStatus, YesNo,
    YesUnknown,
};

/// The largest page size written into the page statement as a constant (the API allows 100); a larger
/// one is bound.
const MAX_CONSTANT_LIMIT: u32 = 1000;

/// A row of the page query: the total (and the data version it was counted at, when counted live), then
/// a contact.
type PageSql = (BigInt, Nullable<BigInt>, ContactSql);

/// The SQL types of a contact row, in the order of `last_name_key, first_name_key, ` +
/// [`voter_columns`]. Two tuples because diesel reads tuples of at most 16 columns without its
/// 32-column feature (a long compile for every tuple size up to 32).
type ContactSql = (
    (
        Text,
        Text,
        SqlUuid,
        Text,
        Text,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<SmallInt>,
        Text,
        Nullable<Text>,
        Text,
        Text,
    ),
    (
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<Text>,
        Text,
        Text,
        Text,
        Text,
        Text,
        Text,
        Text,
        Text,
        Nullable<Integer>,
    ),
);

/// One contact row: the voter, plus its position in the contacts order. Read by position
/// ([`Sql::typed`]); the columns are those of [`ContactSql`].
struct ContactRow {
    last_name_key: String,
    first_name_key: String,
    id: uuid::Uuid,
    lal_voter_id: String,
    state: String,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    name_suffix: Option<String>,
    age: Option<i16>,
    gender: String,
    party_description: Option<String>,
    party: String,
    voter_status: String,
    address_line1: Option<String>,
    address_city: Option<String>,
    address_state: Option<String>,
    address_zip: Option<String>,
    cell_phone: Option<String>,
    landline: Option<String>,
    marital_status: String,
    has_children: String,
    veteran: String,
    homeowner: String,
    business_owner: String,
    education: String,
    ethnicity: String,
    language: String,
    estimated_income: Option<i32>,
}

impl Queryable<ContactSql, Pg> for ContactRow {
    type Row = (
        (
            String,
            String,
            uuid::Uuid,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i16>,
            String,
            Option<String>,
            String,
            String,
        ),
        (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<i32>,
        ),
    );

    fn build(row: Self::Row) -> deserialize::Result<Self> {
        let (
            (
                last_name_key,
                first_name_key,
                id,
                lal_voter_id,
                state,
                first_name,
                middle_name,
                last_name,
                name_suffix,
                age,
                gender,
                party_description,
                party,
                voter_status,
            ),
            (
                address_line1,
                address_city,
                address_state,
                address_zip,
                cell_phone,
                landline,
                marital_status,
                has_children,
                veteran,
                homeowner,
                business_owner,
                education,
                ethnicity,
                language,
                estimated_income,
            ),
        ) = row;
        Ok(Self {
            last_name_key,
            first_name_key,
            id,
            lal_voter_id,
            state,
            first_name,
            middle_name,
            last_name,
            name_suffix,
            age,
            gender,
            party_description,
            party,
            voter_status,
            address_line1,
            address_city,
            address_state,
            address_zip,
            cell_phone,
            landline,
            marital_status,
            has_children,
            veteran,
            homeowner,
            business_owner,
            education,
            ethnicity,
            language,
            estimated_income,
        })
    }
}

fn parse<T>(what: &str, value: &str, f: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(value).ok_or_else(|| corrupt(what, value))
}

impl ContactRow {
    fn cursor(&self) -> ContactCursor {
        ContactCursor {
            last_name_key: self.last_name_key.clone(),
            first_name_key: self.first_name_key.clone(),
            voter_id: VoterId::from_uuid(self.id),
        }
    }

    fn into_voter(self) -> Result<Voter, StoreError> {
        Ok(Voter {
            id: VoterId::from_uuid(self.id),
            lal_voter_id: self.lal_voter_id,
            state: StateCode::new(&self.state).map_err(|e| corrupt("voter state", e))?,
            first_name: self.first_name,
            middle_name: self.middle_name,
            last_name: self.last_name,
            name_suffix: self.name_suffix,
            age: self.age,
            gender: parse("gender", &self.gender, Gender::parse)?,
            party_description: self.party_description,
            party: parse("party", &self.party, PartyGroup::parse)?,
            voter_status: parse("voter status", &self.voter_status, VoterStatus::parse)?,
            address: Address {
                line1: self.address_line1,
                city: self.address_city,
                state: self.address_state,
                zip: self.address_zip,
            },
            cell_phone: self.cell_phone,
            landline: self.landline,
            marital_status: parse("marital status", &self.marital_status, MaritalStatus::parse)?,
            has_children: parse("has_children", &self.has_children, YesNo::parse)?,
            veteran: parse("veteran", &self.veteran, YesUnknown::parse)?,
            homeowner: parse("homeowner", &self.homeowner, Homeowner::parse)?,
            business_owner: parse("business_owner", &self.business_owner, YesUnknown::parse)?,
            education: parse("education", &self.education, Education::parse)?,
            ethnicity: parse("ethnicity", &self.ethnicity, Ethnicity::parse)?,
            language: parse("language", &self.language, Language::parse)?,
            estimated_income: self.estimated_income,
            districts: Vec::new(),
        })
    }
}

/// The voter columns of a contact; the party columns only when the policy shows party.
fn voter_columns(policy: PartyPolicy) -> &'static str {
    if policy.may_view() {
        "v.id, v.lal_voter_id, v.state, v.first_name, v.middle_name, v.last_name, v.name_suffix, v.age, \
         v.gender, v.party_description, v.party, v.voter_status, v.address_line1, v.address_city, \
         v.address_state, v.address_zip, v.cell_phone, v.landline, v.marital_status, v.has_children, \
         v.veteran, v.homeowner, v.business_owner, v.education, v.ethnicity, v.language, v.estimated_income"
    } else {
        "v.id, v.lal_voter_id, v.state, v.first_name, v.middle_name, v.last_name, v.name_suffix, v.age, \
         v.gender, NULL::text AS party_description, 'unknown'::text AS party, v.voter_status, \
         v.address_line1, v.address_city, v.address_state, v.address_zip, v.cell_phone, v.landline, \
         v.marital_status, v.has_children, v.veteran, v.homeowner, v.business_owner, v.education, \
         v.ethnicity, v.language, v.estimated_income"
    }
}

/// A party criterion that reached the adapter under a policy that hides party is a bug upstream;
/// refuse it rather than answer.
fn check_policy(filter: &ContactFilter) -> Result<(), StoreError> {
    filter.policy.check_criteria(&filter.criteria).map_err(|e| {
        StoreError::internal(format!("contact filter refused by the party policy: {e}"))
    })
}

/// `FROM <the state's voter_districts partition> vd [JOIN <its voters partition> v] WHERE <district>
/// <filters>`; the join is made when the filter needs it or `with_voters` asks for the voters' columns.
/// The partitions are named directly so that the statement's generic plan is reused (`partitions`).
fn from_where_joined(sql: Sql, filter: &ContactFilter, with_voters: bool) -> Sql {
    let parts = partitions::of(&filter.district.state);
    let mut sql = sql.push(" FROM ").push(parts.memberships).push(" vd");
    let join = with_voters || needs_voters(filter);
    if join {
        sql = join_voters(sql.push(" JOIN "), parts, &filter.district.state, "vd");
    }
    // The state as well, although the partition holds only its rows: distributed by state (ADR 0011),
    // it is what routes the statement to one shard.
    sql = sql
        .push(" WHERE vd.state = ")
        .text(filter.district.state.to_string())
        .push(" AND vd.district_id = ")
        .uuid(filter.district.id.as_uuid());
    sql = hot_conditions(sql, &filter.criteria, "vd");
    sql = attribute_conditions(sql, &filter.criteria);
    if join {
        sql = voter_conditions(sql, filter);
    }
    sql
}

/// `<voters partition> v ON v.state = $state AND v.id = <keys>.voter_id`: the state as a bound value, so
/// the lookup uses both columns of the primary key `(state, id)`.
fn join_voters(sql: Sql, parts: StatePartitions, state: &StateCode, keys: &str) -> Sql {
    sql.push(parts.voters)
        .push(" v ON v.state = ")
        .text(state.to_string())
        .push(&format!(" AND v.id = {keys}.voter_id"))
}

/// Whether the filter is a search and nothing else: then `voters` alone answers it — the words, the
/// district (`district_ids`) and the sort keys are all there — without the district's memberships.
fn search_only(filter: &ContactFilter) -> bool {
    filter.search.is_some() && filter.criteria == SegmentCriteria::default()
}

/// `FROM <the state's voters partition> v WHERE <state> <district and words>`, for [`search_only`] filters.
fn search_from_where(sql: Sql, filter: &ContactFilter) -> Sql {
    let sql = sql
        .push(" FROM ")
        .push(partitions::of(&filter.district.state).voters)
        .push(" v WHERE v.state = ")
        .text(filter.district.state.to_string());
    voter_conditions(sql, filter)
}

/// [`from_where_joined`] joining voters only when the filter needs it.
fn from_where(sql: Sql, filter: &ContactFilter) -> Sql {
    from_where_joined(sql, filter, false)
}

/// The exact number of contacts matching `filter`, appended to `sql` as a `SELECT` of `total` and
/// `counted_version`:
/// - without a search, the total remembered in `filter_counts` at the state's current data version is
///   reused; otherwise it is counted — summed from the district's facets for a filter over hot columns
///   only, counted live over the memberships for one over other criteria — and `counted_version` is that
///   data version, for [`PgStore::remember_total`] (ADR 0016). The count is an InitPlan of `coalesce`,
///   which PostgreSQL runs only when no total is remembered;
/// - a search counts live (`counted_version` NULL: not remembered).
fn count_sql(sql: Sql, filter: &ContactFilter) -> Sql {
    if !total_remembered(filter) {
        let sql = sql.push("SELECT count(*)::bigint AS total, NULL::bigint AS counted_version");
        return if search_only(filter) {
            search_from_where(sql, filter)
        } else {
            from_where(sql, filter)
        };
    }
    let sql = sql.push("SELECT coalesce(r.voters, (");
    let sql = if facets_suffice(filter) {
        let sql = sql
            .push("SELECT coalesce(sum(f.voters), 0) FROM district_facets f WHERE f.district_id = ")
            .uuid(filter.district.id.as_uuid());
        hot_conditions(sql, &filter.criteria, "f")
    } else {
        from_where(sql.push("SELECT count(*) FROM (SELECT 1"), filter).push(") AS live")
    };
    let sql = sql.push(
        "))::bigint AS total, CASE WHEN r.voters IS NULL THEN d.version END AS counted_version \
         FROM (SELECT ",
    );
    current_version(sql, &filter.district.state)
        .push("::bigint AS version) AS d LEFT JOIN filter_counts r ON r.district_id = ")
        .uuid(filter.district.id.as_uuid())
        .push(" AND r.filter_key = ")
        .text(filter_key(&filter.criteria))
        .push(" AND r.data_version = d.version")
}

/// `coalesce(<the current version of the state's voter data>, 0)` (ADR 0016), read in the statement's
/// snapshot.
fn current_version(sql: Sql, state: &StateCode) -> Sql {
    sql.push("coalesce((SELECT v.version FROM voter_data_versions v WHERE v.state = ")
        .text(state.to_string())
        .push("), 0)")
}

/// A filter's exact total, and the data version it was counted live at when it should be remembered.
#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    counted_version: Option<i64>,
}

#[derive(QueryableByName)]
struct FacetRow {
    #[diesel(sql_type = Text)]
    age_range: String,
    #[diesel(sql_type = Text)]
    voter_status: String,
    #[diesel(sql_type = Text)]
    party: String,
    #[diesel(sql_type = Bool)]
    has_cell_phone: bool,
    #[diesel(sql_type = Bool)]
    has_landline: bool,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct GenderRow {
    #[diesel(sql_type = BigInt)]
    bits: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn buckets<T: Copy>(
    all: &[T],
    name: impl Fn(T) -> &'static str,
    counts: &[(String, u64)],
) -> Vec<Bucket> {
    all.iter()
        .map(|v| {
            let label = name(*v);
            Bucket {
                label: label.to_owned(),
                count: counts
                    .iter()
                    .filter(|(l, _)| l == label)
                    .map(|(_, n)| n)
                    .sum(),
            }
        })
        .collect()
}

impl PgStore {
    async fn count_filter(&self, filter: &ContactFilter) -> Result<u64, StoreError> {
        let row: Total = {
            let mut conn = self.conn().await?;
            count_sql(Sql::new(""), filter)
                .build()
                .get_result(&mut conn)
                .await
                .map_err(db_error)?
        };
        self.remember_total(filter, &row).await;
        Ok(count_u64(row.total))
    }

    /// Remembers a total counted at data version `counted_version` (ADR 0016). Never replaces a total
    /// of a later version: a reader whose snapshot predates an import may finish after it. A failure only
    /// costs the next request a live count (on a read replica, say), so it is logged, not returned.
    async fn remember_total(&self, filter: &ContactFilter, total: &Total) {
        let Some(version) = total.counted_version else {
            return;
        };
        let sql = Sql::new(
            "INSERT INTO filter_counts AS c (district_id, filter_key, data_version, voters) VALUES (",
        )
        .uuid(filter.district.id.as_uuid())
        .push(", ")
        .text(filter_key(&filter.criteria))
        .push(", ")
        .bigint(version)
        .push(", ")
        .bigint(total.total)
        .push(
            ") ON CONFLICT ON CONSTRAINT filter_counts_pkey DO UPDATE \
             SET data_version = excluded.data_version, voters = excluded.voters \
             WHERE c.data_version < excluded.data_version",
        );
        let written = match self.conn().await {
            Ok(mut conn) => sql.build().execute(&mut conn).await.map_err(db_error),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not remember a segment total");
        }
    }

    /// The page query: keys of the window from the index, then the voters.
    fn page_query(filter: &ContactFilter, per_page: u32, start: &PageStart<'_>) -> Sql {
        // The total and the page in one statement: one round trip, and both from the same snapshot, so
        // the total always matches the rows even while an import commits.
        let mut sql = if filter.search.is_some() {
            // A search's matches are few and found through the search index, not in contacts order:
            // collect them once, then count them and sort them (walking the district in order and
            // testing each voter would read most of the district before the first page is full).
            let matched = if search_only(filter) {
                search_from_where(
                    Sql::new(
                        "WITH matched AS MATERIALIZED \
                         (SELECT v.id AS voter_id, v.last_name_key, v.first_name_key",
                    ),
                    filter,
                )
            } else {
                from_where(
                    Sql::new(
                        "WITH matched AS MATERIALIZED \
                         (SELECT vd.voter_id, vd.last_name_key, vd.first_name_key",
                    ),
                    filter,
                )
            };
            matched.push(
                "), total AS (SELECT count(*)::bigint AS total, NULL::bigint AS counted_version \
                 FROM matched), \
                 page AS (SELECT vd.voter_id, vd.last_name_key, vd.first_name_key FROM matched vd \
                 WHERE true",
            )
        } else {
            let sql = count_sql(Sql::new("WITH total AS ("), filter).push("), ");
            from_where(
                sql.push("page AS (SELECT vd.voter_id, vd.last_name_key, vd.first_name_key"),
                filter,
            )
        };
        match start {
            PageStart::After(c) => sql = after(sql, c),
            PageStart::Anchor { anchor, .. } => sql = after_anchor(sql, filter, anchor),
            PageStart::Offset(_) => {}
        }
        // One row more than the page tells whether a next page exists.
        sql = sql.push(" ORDER BY vd.last_name_key, vd.first_name_key, vd.voter_id LIMIT ");
        // The LIMIT is written as a constant, and a first page has no OFFSET: with a bound LIMIT or
        // OFFSET PostgreSQL's generic plan assumes 10% of the district, so it is never chosen and every
        // execution is planned anew (ADR 0015). Page sizes are few, so are the statement texts; offsets
        // are not, so they stay bound.
        let limit = u64::from(per_page) + 1;
        sql = if per_page <= MAX_CONSTANT_LIMIT {
            sql.push(&limit.to_string())
        } else {
            sql.bigint(i64::from(per_page) + 1)
        };
        if let PageStart::Offset(offset) | PageStart::Anchor { offset, .. } = start
            && *offset > 0
        {
            sql = sql.push(" OFFSET ").bigint(*offset);
        }
        sql = sql
            .push(
                ") SELECT (SELECT total FROM total) AS total, \
                 (SELECT counted_version FROM total) AS counted_version, \
                 page.last_name_key, page.first_name_key, ",
            )
            .push(voter_columns(filter.policy))
            .push(" FROM page JOIN ");
        join_voters(
            sql,
            partitions::of(&filter.district.state),
            &filter.district.state,
            "page",
        )
        .push(" ORDER BY page.last_name_key, page.first_name_key, page.voter_id")
    }

    /// Runs the page query: rows of `(total, counted_version, contact)`, `per_page + 1` at most.
    async fn load_page(
        &self,
        filter: &ContactFilter,
        per_page: u32,
        start: &PageStart<'_>,
    ) -> Result<Vec<(i64, Option<i64>, ContactRow)>, StoreError> {
        let mut conn = self.conn().await?;
        Self::page_query(filter, per_page, start)
            .typed::<PageSql>()
            .load(&mut conn)
            .await
            .map_err(db_error)
    }

    /// A page by number deep in the list (`start`, `offset` contacts in): after the nearest page anchor
    /// instead of walking every contact before it, leaving an anchor where it starts (ADR 0018).
    async fn load_deep_page(
        &self,
        filter: &ContactFilter,
        per_page: u32,
        offset: i64,
        start: &PageStart<'_>,
    ) -> Result<Vec<(i64, Option<i64>, ContactRow)>, StoreError> {
        let mut walked_from = self.page_anchor(filter, offset).await?;
        let mut page = match &walked_from {
            Some(anchor) => {
                let anchored = PageStart::Anchor {
                    anchor,
                    offset: offset - anchor.position,
                };
                self.load_page(filter, per_page, &anchored).await?
            }
            None => Vec::new(),
        };
        if page.is_empty() {
            // No anchor; or past the end, or an import committed since the anchor was read: the long way.
            walked_from = None;
            page = self.load_page(filter, per_page, start).await?;
        }
        if !page.is_empty() && walked_from.as_ref().is_none_or(|a| a.position < offset) {
            self.remember_anchor(filter, offset, walked_from.as_ref())
                .await;
        }
        Ok(page)
    }

    /// The nearest page anchor at or before `offset` contacts of the filter, remembered for the state's
    /// current data version (ADR 0018).
    async fn page_anchor(
        &self,
        filter: &ContactFilter,
        offset: i64,
    ) -> Result<Option<Anchor>, StoreError> {
        let sql = Sql::new(
            "SELECT a.last_name_key, a.first_name_key, a.voter_id, a.data_version, a.position \
             FROM page_anchors a WHERE a.district_id = ",
        )
        .uuid(filter.district.id.as_uuid())
        .push(" AND a.filter_key = ")
        .text(filter_key(&filter.criteria))
        .push(" AND a.position <= ")
        .bigint(offset)
        .push(" AND a.data_version = ");
        let sql =
            current_version(sql, &filter.district.state).push(" ORDER BY a.position DESC LIMIT 1");
        let mut conn = self.conn().await?;
        let rows: Vec<(String, String, uuid::Uuid, i64, i64)> = sql
            .typed::<(Text, Text, SqlUuid, BigInt, BigInt)>()
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        Ok(rows.into_iter().next().map(
            |(last_name_key, first_name_key, voter_id, version, position)| Anchor {
                cursor: ContactCursor {
                    last_name_key,
                    first_name_key,
                    voter_id: VoterId::from_uuid(voter_id),
                },
                version,
                position,
            },
        ))
    }

    /// Remembers the anchor at `position` of the filter's contacts — the key of the row before a page
    /// that starts there — walking from `from` when given (ADR 0018). The key and the data version are
    /// read by one statement, hence from one snapshot; an anchor of a later version is never replaced.
    /// A failure (a read replica, say) is logged and costs the next request for that page its walk.
    async fn remember_anchor(&self, filter: &ContactFilter, position: i64, from: Option<&Anchor>) {
        let sql = Sql::new(
            "INSERT INTO page_anchors AS a (district_id, filter_key, position, data_version, \
             last_name_key, first_name_key, voter_id) SELECT ",
        )
        .uuid(filter.district.id.as_uuid())
        .push(", ")
        .text(filter_key(&filter.criteria))
        .push(", ")
        .bigint(position)
        .push(", ");
        let sql = current_version(sql, &filter.district.state).push(
            ", k.last_name_key, k.first_name_key, k.voter_id \
             FROM (SELECT vd.last_name_key, vd.first_name_key, vd.voter_id",
        );
        let mut sql = from_where(sql, filter);
        let skip = match from {
            Some(anchor) => {
                sql = after_anchor(sql, filter, anchor);
                position - anchor.position - 1
            }
            None => position - 1,
        };
        let sql = sql
            .push(" ORDER BY vd.last_name_key, vd.first_name_key, vd.voter_id LIMIT 1 OFFSET ")
            .bigint(skip)
            .push(
                ") AS k ON CONFLICT ON CONSTRAINT page_anchors_pkey DO UPDATE \
                 SET data_version = excluded.data_version, last_name_key = excluded.last_name_key, \
                 first_name_key = excluded.first_name_key, voter_id = excluded.voter_id \
                 WHERE a.data_version < excluded.data_version",
            );
        let written = match self.conn().await {
            Ok(mut conn) => sql.build().execute(&mut conn).await.map_err(db_error),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not remember a page anchor");
        }
    }
}

/// ` AND <the contacts order> > <cursor>`.
fn after(sql: Sql, c: &ContactCursor) -> Sql {
    sql.push(" AND (vd.last_name_key, vd.first_name_key, vd.voter_id) > (")
        .text(c.last_name_key.clone())
        .push(", ")
        .text(c.first_name_key.clone())
        .push(", ")
        .uuid(c.voter_id.as_uuid())
        .push(")")
}

/// [`after`] the anchor, while the anchor's data version is current — checked in the statement's own
/// snapshot, so that an import committed since the anchor was read empties the result rather than
/// misplacing it.
fn after_anchor(sql: Sql, filter: &ContactFilter, anchor: &Anchor) -> Sql {
    current_version(
        after(sql, &anchor.cursor).push(" AND "),
        &filter.district.state,
    )
    .push(" = ")
    .bigint(anchor.version)
}

/// A page anchor (ADR 0018): the key of the row at `position` (1-based) of a filter's contacts at data
/// `version`.
struct Anchor {
    cursor: ContactCursor,
    version: i64,
    position: i64,
}

/// Where a page starts in a filter's contacts order.
enum PageStart<'a> {
    /// After this many contacts from the start.
    Offset(i64),
    /// After a cursor.
    After(&'a ContactCursor),
    /// After a page anchor, then `offset` more contacts (ADR 0018); the page is empty if the anchor's
    /// data version is no longer current.
    Anchor { anchor: &'a Anchor, offset: i64 },
}

#[async_trait]
impl ContactRepository for PgStore {
    async fn list(
        &self,
        filter: &ContactFilter,
        window: &ContactWindow,
    ) -> Result<ContactPage, StoreError> {
        check_policy(filter)?;
        let (per_page, start) = match window {
            ContactWindow::Page { page, per_page } => (
                *per_page,
                PageStart::Offset((i64::from(*page) - 1).max(0) * i64::from(*per_page)),
            ),
            ContactWindow::After { cursor, per_page } => (
                *per_page,
                cursor
                    .as_ref()
                    .map_or(PageStart::Offset(0), PageStart::After),
            ),
        };
        let page = match start {
            // Anchors follow the remembered totals: filters without a search.
            PageStart::Offset(offset)
                if offset >= self.anchors_from && total_remembered(filter) =>
            {
                self.load_deep_page(filter, per_page, offset, &start)
                    .await?
            }
            _ => self.load_page(filter, per_page, &start).await?,
        };
        // Every row carries the total; an empty page (past the end) counts on its own.
        let total = match <[_]>::first(&page) {
            Some(&(total, counted_version, _)) => {
                self.remember_total(
                    filter,
                    &Total {
                        total,
                        counted_version,
                    },
                )
                .await;
                count_u64(total)
            }
            None => self.count_filter(filter).await?,
        };
        let mut rows: Vec<ContactRow> = page.into_iter().map(|(_, _, row)| row).collect();
        let more = rows.len() > per_page as usize;
        rows.truncate(per_page as usize);
        let next = if more {
            rows.last().map(ContactRow::cursor)
        } else {
            None
        };
        let contacts = rows
            .into_iter()
            .map(ContactRow::into_voter)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ContactPage {
            contacts,
            total,
            next,
        })
    }

    async fn find(
        &self,
        district: &District,
        policy: PartyPolicy,
        id: VoterId,
    ) -> Result<Option<Voter>, StoreError> {
        let parts = partitions::of(&district.state);
        let sql = Sql::new("SELECT vd.last_name_key, vd.first_name_key, ")
            .push(voter_columns(policy))
            .push(" FROM ")
            .push(parts.memberships)
            .push(" vd JOIN ");
        let sql = join_voters(sql, parts, &district.state, "vd")
            .push(" WHERE vd.state = ")
            .text(district.state.to_string())
            .push(" AND vd.district_id = ")
            .uuid(district.id.as_uuid())
            .push(" AND vd.voter_id = ")
            .uuid(id.as_uuid());
        let mut conn = self.conn().await?;
        let rows: Vec<ContactRow> = sql
            .typed::<ContactSql>()
            .load(&mut conn)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .next()
            .map(ContactRow::into_voter)
            .transpose()
    }

    async fn count(&self, filter: &ContactFilter) -> Result<u64, StoreError> {
        check_policy(filter)?;
        self.count_filter(filter).await
    }

    async fn stats(&self, filter: &ContactFilter) -> Result<ContactStats, StoreError> {
        check_policy(filter)?;
        let show_party = filter.policy.may_aggregate();
        let party_column = if show_party {
            "vd.party"
        } else {
            "'unknown'::text"
        };
        let facets: Vec<FacetRow> = {
            let sql = if !facets_suffice(filter) {
                let sql = Sql::new(&format!(
                    "SELECT vd.age_range, vd.voter_status, {party_column} AS party, vd.has_cell_phone, \
                     vd.has_landline, count(*)::bigint AS n"
                ));
                from_where(sql, filter).push(" GROUP BY 1, 2, 3, 4, 5")
            } else {
                let party = if show_party {
                    "f.party"
                } else {
                    "'unknown'::text"
                };
                let sql = Sql::new(&format!(
                    "SELECT f.age_range, f.voter_status, {party} AS party, f.has_cell_phone, f.has_landline, \
                     sum(f.voters)::bigint AS n FROM district_facets f WHERE f.district_id = "
                ))
                .uuid(filter.district.id.as_uuid());
                hot_conditions(sql, &filter.criteria, "f").push(" GROUP BY 1, 2, 3, 4, 5")
            };
            let mut conn = self.conn().await?;
            sql.build().load(&mut conn).await.map_err(db_error)?
        };
        // Gender is one of the attribute bits: group the district's index entries by those bits.
        let gender_masks: Vec<(Gender, i64)> = Gender::ALL
            .iter()
            .map(|g| {
                let only = SegmentCriteria {
                    gender: Some(vec![*g]),
                    ..SegmentCriteria::default()
                };
                (*g, only.attribute_masks().into_iter().next().unwrap_or(0))
            })
            .collect();
        let all_genders = gender_masks.iter().fold(0, |m, (_, b)| m | b);
        let genders: Vec<GenderRow> = {
            let sql = from_where(
                Sql::new("SELECT (vd.attributes & ")
                    .bigint(all_genders)
                    .push(") AS bits, count(*)::bigint AS n"),
                filter,
            );
            let mut conn = self.conn().await?;
            sql.push(" GROUP BY 1")
                .build()
                .load(&mut conn)
                .await
                .map_err(db_error)?
        };
        let total = facets.iter().map(|r| count_u64(r.n)).sum();
        let pick = |f: &dyn Fn(&FacetRow) -> String| -> Vec<(String, u64)> {
            facets.iter().map(|r| (f(r), count_u64(r.n))).collect()
        };
        let gender_counts: Vec<(String, u64)> = genders
            .iter()
            .filter_map(|row| {
                let (gender, _) = gender_masks.iter().find(|(_, bit)| row.bits & bit != 0)?;
                Some((gender.as_str().to_owned(), count_u64(row.n)))
            })
            .collect();
        Ok(ContactStats {
            total,
            with_cell_phone: facets
                .iter()
                .filter(|r| r.has_cell_phone)
                .map(|r| count_u64(r.n))
                .sum(),
            with_landline: facets
                .iter()
                .filter(|r| r.has_landline)
                .map(|r| count_u64(r.n))
                .sum(),
            age: buckets(
                AgeRange::ALL,
                AgeRange::as_str,
                &pick(&|r| r.age_range.clone()),
            ),
            gender: buckets(Gender::ALL, Gender::as_str, &gender_counts),
            voter_status: buckets(
                VoterStatus::ALL,
                VoterStatus::as_str,
                &pick(&|r| r.voter_status.clone()),
            ),
            party: show_party.then(|| {
                buckets(
                    PartyGroup::ALL,
                    PartyGroup::as_str,
                    &pick(&|r| r.party.clone()),
                )
            }),
        })
    }

    async fn export(&self, filter: &ContactFilter) -> Result<ContactStream, StoreError> {
        check_policy(filter)?;
        let sql = from_where_joined(
            Sql::new("SELECT vd.last_name_key, vd.first_name_key, ")
                .push(voter_columns(filter.policy)),
            filter,
            true,
        );
        let query = sql
            .push(" ORDER BY vd.last_name_key, vd.first_name_key, vd.voter_id")
            .typed::<ContactSql>();
        let mut conn = self.conn().await?;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Voter, StoreError>>(512);
        // The rows stream from the server as the client reads them; the bounded channel passes the HTTP
        // client's pace back to the database, so memory stays flat whatever the row count.
        tokio::spawn(async move {
            let mut rows = match query.load_stream::<ContactRow>(&mut conn).await {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(db_error(e))).await;
                    return;
                }
            };
            while let Some(row) = rows.next().await {
                let item = row.map_err(db_error).and_then(ContactRow::into_voter);
                if tx.send(item).await.is_err() {
                    break;
                }
            }
        });
        Ok(Box::pin(futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|item| (item, rx)) },
        )))
    }
}
