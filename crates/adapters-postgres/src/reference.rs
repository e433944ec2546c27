//! [`ReferenceRepository`]: BallotReady positions and L2 districts.

use crate::PgStore;
use crate::errors::db_error;
use crate::rows::{DistrictRow, optional_district, position};
use crate::schema::districts;
use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;
use winserve_application::{
    DistrictSummary, NewPosition, Page, PageRequest, ReferenceRepository, StoreError,
};
use winserve_domain::{BallotReadyId, District, DistrictId, L2Name, L2Type, Position, StateCode};

/// A position with its natural district (outer join).
const POSITION_SELECT: &str = "
SELECT p.ballotready_position_id, p.name, p.state, p.level,
       d.id AS d_id, d.state AS d_state, d.l2_type AS d_l2_type, d.l2_name AS d_l2_name
FROM positions p LEFT JOIN districts d ON d.id = p.district_id";

/// Filters of the position search: `$1` state, `$2` the word-start patterns of the query over the name's
/// search document (`winserve_domain::search`), both optional.
const POSITION_FILTER: &str = " WHERE ($1::text IS NULL OR p.state = $1) AND ($2::text[] IS NULL OR p.search_text LIKE ALL ($2))";

/// Filters of the district search: `$1` state, `$2` type, `$3` name pattern, all optional.
const DISTRICT_FILTER: &str =
    " WHERE ($1::text IS NULL OR d.state = $1) AND ($2::text IS NULL OR d.l2_type = $2)
  AND ($3::text IS NULL OR d.l2_name ILIKE $3)";

#[derive(QueryableByName)]
struct PositionJoinRow {
    #[diesel(sql_type = Text)]
    ballotready_position_id: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Text)]
    level: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    d_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    d_state: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    d_l2_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    d_l2_name: Option<String>,
}

impl PositionJoinRow {
    fn into_domain(self) -> Result<Position, StoreError> {
        let district = optional_district(
            self.d_id,
            self.d_state.as_deref(),
            self.d_l2_type.as_deref(),
            self.d_l2_name.as_deref(),
        )?;
        position(
            &self.ballotready_position_id,
            self.name,
            &self.state,
            &self.level,
            district,
        )
    }
}

#[derive(QueryableByName)]
struct DistrictCountRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Text)]
    l2_type: String,
    #[diesel(sql_type = Text)]
    l2_name: String,
    #[diesel(sql_type = BigInt)]
    voter_count: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// The search document of a position's name (word-start search, as for contacts).
pub(crate) fn position_document(name: &str) -> String {
    winserve_domain::search::document_of(
        [Some(name), None, None, None, None, None, None],
        [None, None],
    )
}

/// A case-insensitive "contains" pattern for ILIKE, with the pattern characters of the user's text
/// escaped (the text itself is bound as a parameter, never spliced into SQL).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn offset(page: PageRequest) -> (i64, i64) {
    let limit = i64::from(page.per_page.max(1));
    (limit, i64::from(page.page.saturating_sub(1)) * limit)
}

async fn find_position(
    conn: &mut AsyncPgConnection,
    id: &str,
) -> Result<Option<Position>, StoreError> {
    diesel::sql_query(format!(
        "{POSITION_SELECT} WHERE p.ballotready_position_id = $1"
    ))
    .bind::<Text, _>(id)
    .get_result::<PositionJoinRow>(conn)
    .await
    .optional()
    .map_err(db_error)?
    .map(PositionJoinRow::into_domain)
    .transpose()
}

/// Inserts the districts `(state, type, name)` that do not exist yet (one statement, any number of
/// rows) and returns all of them with their ids.
pub(crate) async fn upsert_districts(
    conn: &mut AsyncPgConnection,
    keys: &[(String, String, String)],
) -> Result<Vec<DistrictRow>, diesel::result::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = keys.iter().map(|_| Uuid::now_v7()).collect();
    let states: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    let types: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let names: Vec<&str> = keys.iter().map(|k| k.2.as_str()).collect();
    diesel::sql_query(
        "INSERT INTO districts (id, state, l2_type, l2_name)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
         ON CONFLICT (state, l2_type, l2_name) DO NOTHING",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<Text>, _>(&states)
    .bind::<Array<Text>, _>(&types)
    .bind::<Array<Text>, _>(&names)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "SELECT d.id, d.state, d.l2_type, d.l2_name FROM districts d
         JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(state, l2_type, l2_name)
           ON d.state = k.state AND d.l2_type = k.l2_type AND d.l2_name = k.l2_name",
    )
    .bind::<Array<Text>, _>(&states)
    .bind::<Array<Text>, _>(&types)
    .bind::<Array<Text>, _>(&names)
    .load::<DistrictRow>(conn)
    .await
}

#[async_trait]
impl ReferenceRepository for PgStore {
    async fn upsert_district(
        &self,
        state: &StateCode,
        l2_type: &L2Type,
        l2_name: &L2Name,
    ) -> Result<District, StoreError> {
        let mut conn = self.conn().await?;
        let key = (
            state.as_str().to_owned(),
            l2_type.as_str().to_owned(),
            l2_name.as_str().to_owned(),
        );
        let rows = upsert_districts(&mut conn, std::slice::from_ref(&key))
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .next()
            .ok_or_else(|| StoreError::internal("upserted district not found"))?
            .into_domain()
    }

    async fn upsert_position(&self, new: &NewPosition) -> Result<Position, StoreError> {
        let mut conn = self.conn().await?;
        diesel::sql_query(
            "INSERT INTO positions (ballotready_position_id, name, state, level, district_id, search_text)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (ballotready_position_id) DO UPDATE SET
                 name = EXCLUDED.name, state = EXCLUDED.state, level = EXCLUDED.level,
                 district_id = EXCLUDED.district_id, search_text = EXCLUDED.search_text",
        )
        .bind::<Text, _>(new.ballotready_position_id.as_str())
        .bind::<Text, _>(new.name.as_str())
        .bind::<Text, _>(new.state.as_str())
        .bind::<Text, _>(new.level.as_str())
        .bind::<Nullable<SqlUuid>, _>(new.district_id.map(|d| d.as_uuid()))
        .bind::<Text, _>(position_document(new.name.as_str()))
        .execute(&mut conn)
        .await
        .map_err(db_error)?;
        find_position(&mut conn, new.ballotready_position_id.as_str())
            .await?
            .ok_or_else(|| StoreError::internal("upserted position not found"))
    }

    async fn find_position(&self, id: &BallotReadyId) -> Result<Option<Position>, StoreError> {
        self.read(async |conn| find_position(conn, id.as_str()).await)
            .await
    }

    async fn find_district(&self, id: DistrictId) -> Result<Option<District>, StoreError> {
        self.read(async |conn| {
            districts::table
                .find(id.as_uuid())
                .select(DistrictRow::as_select())
                .first::<DistrictRow>(conn)
                .await
                .optional()
                .map_err(db_error)
        })
        .await?
        .map(DistrictRow::into_domain)
        .transpose()
    }

    async fn search_positions<'a>(
        &self,
        state: Option<&'a StateCode>,
        query: Option<&'a str>,
        page: PageRequest,
    ) -> Result<Page<Position>, StoreError> {
        let state = state.map(StateCode::as_str);
        // Every word of the query starts a word of the name; a query without words filters nothing.
        let pattern = query
            .map(winserve_domain::search::words)
            .filter(|words| !words.is_empty())
            .map(|words| {
                words
                    .into_iter()
                    .map(|w| format!("% {w}%"))
                    .collect::<Vec<_>>()
            });
        let (limit, offset) = offset(page);
        let (total, rows) = self.read(async |conn| {
        let total = diesel::sql_query(format!(
            "SELECT count(*) AS count FROM positions p{POSITION_FILTER}"
        ))
        .bind::<Nullable<Text>, _>(state)
        .bind::<Nullable<Array<Text>>, _>(pattern.as_deref())
        .get_result::<Count>(conn)
        .await
        .map_err(db_error)?;
        let rows = diesel::sql_query(format!(
            "{POSITION_SELECT}{POSITION_FILTER} ORDER BY p.name, p.ballotready_position_id LIMIT $3 OFFSET $4"
        ))
        .bind::<Nullable<Text>, _>(state)
        .bind::<Nullable<Array<Text>>, _>(pattern.as_deref())
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(offset)
        .load::<PositionJoinRow>(conn)
        .await
        .map_err(db_error)?;
        Ok((total, rows))
        }).await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(PositionJoinRow::into_domain)
                .collect::<Result<_, _>>()?,
            total: u64::try_from(total.count).unwrap_or(0),
        })
    }

    async fn search_districts<'a>(
        &self,
        state: Option<&'a StateCode>,
        l2_type: Option<&'a L2Type>,
        query: Option<&'a str>,
        page: PageRequest,
    ) -> Result<Page<DistrictSummary>, StoreError> {
        let state = state.map(StateCode::as_str);
        let l2_type = l2_type.map(L2Type::as_str);
        let pattern = query.map(contains_pattern);
        let (limit, offset) = offset(page);
        let (total, rows) = self.read(async |conn| {
        let total = diesel::sql_query(format!(
            "SELECT count(*) AS count FROM districts d{DISTRICT_FILTER}"
        ))
        .bind::<Nullable<Text>, _>(state)
        .bind::<Nullable<Text>, _>(l2_type)
        .bind::<Nullable<Text>, _>(pattern.as_deref())
        .get_result::<Count>(conn)
        .await
        .map_err(db_error)?;
        let rows = diesel::sql_query(format!(
            "SELECT d.id, d.state, d.l2_type, d.l2_name,
                    (SELECT coalesce(sum(f.voters), 0)::bigint FROM district_facets f WHERE f.district_id = d.id) AS voter_count
             FROM districts d{DISTRICT_FILTER}
             ORDER BY d.l2_name, d.l2_type, d.state, d.id LIMIT $4 OFFSET $5"
        ))
        .bind::<Nullable<Text>, _>(state)
        .bind::<Nullable<Text>, _>(l2_type)
        .bind::<Nullable<Text>, _>(pattern.as_deref())
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(offset)
        .load::<DistrictCountRow>(conn)
        .await
        .map_err(db_error)?;
        Ok((total, rows))
        }).await?;
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(DistrictSummary {
                    district: crate::rows::district(r.id, &r.state, &r.l2_type, &r.l2_name)?,
                    voter_count: u64::try_from(r.voter_count).unwrap_or(0),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total.count).unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern("ward 1"), "%ward 1%");
        assert_eq!(contains_pattern("50%_\\"), "%50\\%\\_\\\\%");
    }
}
