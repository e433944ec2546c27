//! [`VoterRepository`]: the voter file and district membership.
//!
//! `upsert_voters` writes everything in one transaction, in batches: each batch is one multi-row
//! statement per table, with every column bound as an array and expanded by `unnest` (a handful of
//! parameters however many rows, far below PostgreSQL's 65 535-parameter limit).

use crate::PgStore;
use crate::errors::db_error;
use crate::reference::upsert_districts;
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;
use winserve_domain::{AgeRange, DistrictId, Voter};
use winserve_ports::{StoreError, VoterRepository};

/// Voters per statement.
const BATCH: usize = 1000;

#[derive(QueryableByName)]
struct Written {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    lal_voter_id: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn present(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

fn sort_key(value: Option<&str>) -> String {
    value.unwrap_or("").trim().to_lowercase()
}

/// Upserts one batch of voters and returns their stored ids by `lal_voter_id` (an existing voter keeps
/// its id).
async fn upsert_batch(
    conn: &mut AsyncPgConnection,
    batch: &[&Voter],
) -> Result<HashMap<String, Uuid>, diesel::result::Error> {
    fn col<'v, T>(batch: &[&'v Voter], f: impl Fn(&'v Voter) -> T) -> Vec<T> {
        batch.iter().map(|v| f(v)).collect()
    }
    let written: Vec<Written> = diesel::sql_query(
        "INSERT INTO voters (id, lal_voter_id, state, first_name, middle_name, last_name, name_suffix, age,
             gender, party_description, party, voter_status, address_line1, address_city, address_state,
             address_zip, cell_phone, landline, marital_status, has_children, veteran, homeowner,
             business_owner, education, ethnicity, language, estimated_income)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
             $7::text[], $8::smallint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
             $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
             $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::integer[])
         ON CONFLICT (lal_voter_id) DO UPDATE SET
             state = EXCLUDED.state, first_name = EXCLUDED.first_name, middle_name = EXCLUDED.middle_name,
             last_name = EXCLUDED.last_name, name_suffix = EXCLUDED.name_suffix, age = EXCLUDED.age,
             gender = EXCLUDED.gender, party_description = EXCLUDED.party_description,
             party = EXCLUDED.party, voter_status = EXCLUDED.voter_status,
             address_line1 = EXCLUDED.address_line1, address_city = EXCLUDED.address_city,
             address_state = EXCLUDED.address_state, address_zip = EXCLUDED.address_zip,
             cell_phone = EXCLUDED.cell_phone, landline = EXCLUDED.landline,
             marital_status = EXCLUDED.marital_status, has_children = EXCLUDED.has_children,
             veteran = EXCLUDED.veteran, homeowner = EXCLUDED.homeowner,
             business_owner = EXCLUDED.business_owner, education = EXCLUDED.education,
             ethnicity = EXCLUDED.ethnicity, language = EXCLUDED.language,
             estimated_income = EXCLUDED.estimated_income, updated_at = now()
         RETURNING id, lal_voter_id",
    )
    .bind::<Array<SqlUuid>, _>(col(batch, |v| v.id.as_uuid()))
    .bind::<Array<Text>, _>(col(batch, |v| v.lal_voter_id.as_str()))
    .bind::<Array<Text>, _>(col(batch, |v| v.state.as_str()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.first_name.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.middle_name.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.last_name.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.name_suffix.as_deref()))
    .bind::<Array<Nullable<SmallInt>>, _>(col(batch, |v| v.age))
    .bind::<Array<Text>, _>(col(batch, |v| v.gender.as_str()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.party_description.as_deref()))
    .bind::<Array<Text>, _>(col(batch, |v| v.party.as_str()))
    .bind::<Array<Text>, _>(col(batch, |v| v.voter_status.as_str()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.address.line1.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.address.city.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.address.state.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.address.zip.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.cell_phone.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(col(batch, |v| v.landline.as_deref()))
    .bind::<Array<Text>, _>(col(batch, |v| v.marital_status.as_str()))
    .bind::<Array<Text>, _>(col(batch, |v| v.has_children.as_str()))
    .bind::<Array<Text>, _>(col(batch, |v| v.veteran.as_str()))
    .bind::<Array<Text>, _>(col(batch, |v| v.homeowner.as_str()))
    .bind::<Array<Text>, _>(col(batch, |v| v.business_owner.as_str()))
    .bind::<Array<Text>, _>(col(batch, |v| v.education.as_str()))
    .bind::<Array<Text>, _>(col(batch, |v| v.ethnicity.as_str()))
    .bind::<Array<Text>, _>(col(batch, |v| v.language.as_str()))
    .bind::<Array<Nullable<Integer>>, _>(col(batch, |v| v.estimated_income))
    .load(conn)
    .await?;
    Ok(written
        .into_iter()
        .map(|w| (w.lal_voter_id, w.id))
        .collect())
}

/// Replaces the district memberships of one batch of voters.
async fn replace_memberships(
    conn: &mut AsyncPgConnection,
    batch: &[&Voter],
    ids: &HashMap<String, Uuid>,
    districts: &HashMap<(String, String, String), Uuid>,
) -> Result<(), diesel::result::Error> {
    let voter_ids: Vec<Uuid> = batch
        .iter()
        .filter_map(|v| ids.get(&v.lal_voter_id).copied())
        .collect();
    diesel::sql_query("DELETE FROM voter_districts WHERE voter_id = ANY($1)")
        .bind::<Array<SqlUuid>, _>(&voter_ids)
        .execute(conn)
        .await?;

    let mut district_id = Vec::new();
    let mut voter_id = Vec::new();
    let mut last_key = Vec::new();
    let mut first_key = Vec::new();
    let mut cell = Vec::new();
    let mut landline = Vec::new();
    let mut address = Vec::new();
    let mut status = Vec::new();
    let mut party = Vec::new();
    let mut age = Vec::new();
    for v in batch {
        let Some(&id) = ids.get(&v.lal_voter_id) else {
            continue;
        };
        for (l2_type, l2_name) in &v.districts {
            let key = (
                v.state.as_str().to_owned(),
                l2_type.as_str().to_owned(),
                l2_name.as_str().to_owned(),
            );
            let Some(&d) = districts.get(&key) else {
                continue;
            };
            district_id.push(d);
            voter_id.push(id);
            last_key.push(sort_key(v.last_name.as_deref()));
            first_key.push(sort_key(v.first_name.as_deref()));
            cell.push(present(v.cell_phone.as_deref()));
            landline.push(present(v.landline.as_deref()));
            address.push(present(v.address.line1.as_deref()));
            status.push(v.voter_status.as_str());
            party.push(v.party.as_str());
            age.push(AgeRange::from_age(v.age).as_str());
        }
    }
    if district_id.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO voter_districts (district_id, voter_id, last_name_key, first_name_key, has_cell_phone,
             has_landline, has_address, voter_status, party, age_range)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bool[], $6::bool[],
             $7::bool[], $8::text[], $9::text[], $10::text[])
         ON CONFLICT (district_id, voter_id) DO NOTHING",
    )
    .bind::<Array<SqlUuid>, _>(&district_id)
    .bind::<Array<SqlUuid>, _>(&voter_id)
    .bind::<Array<Text>, _>(&last_key)
    .bind::<Array<Text>, _>(&first_key)
    .bind::<Array<Bool>, _>(&cell)
    .bind::<Array<Bool>, _>(&landline)
    .bind::<Array<Bool>, _>(&address)
    .bind::<Array<Text>, _>(&status)
    .bind::<Array<Text>, _>(&party)
    .bind::<Array<Text>, _>(&age)
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait]
impl VoterRepository for PgStore {
    async fn upsert_voters(&self, voters: &[Voter]) -> Result<u64, StoreError> {
        // The last row of a voter wins, as it would if the rows were written one by one.
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(voters.len());
        for (i, v) in voters.iter().enumerate() {
            last.insert(v.lal_voter_id.as_str(), i);
        }
        let unique: Vec<&Voter> = voters
            .iter()
            .enumerate()
            .filter(|(i, v)| last.get(v.lal_voter_id.as_str()) == Some(i))
            .map(|(_, v)| v)
            .collect();
        if unique.is_empty() {
            return Ok(0);
        }
        let mut keys: Vec<(String, String, String)> = unique
            .iter()
            .flat_map(|v| {
                v.districts.iter().map(|(t, n)| {
                    (
                        v.state.as_str().to_owned(),
                        t.as_str().to_owned(),
                        n.as_str().to_owned(),
                    )
                })
            })
            .collect();
        keys.sort();
        keys.dedup();

        let mut conn = self.conn().await?;
        let written = conn
            .transaction::<_, diesel::result::Error, _>(async move |c| {
                let mut districts = HashMap::with_capacity(keys.len());
                for chunk in keys.chunks(BATCH * 5) {
                    for row in upsert_districts(c, chunk).await? {
                        districts.insert((row.state, row.l2_type, row.l2_name), row.id);
                    }
                }
                let mut written = 0u64;
                for batch in unique.chunks(BATCH) {
                    let ids = upsert_batch(c, batch).await?;
                    written += ids.len() as u64;
                    replace_memberships(c, batch, &ids, &districts).await?;
                }
                Ok(written)
            })
            .await
            .map_err(db_error)?;
        Ok(written)
    }

    async fn count_in_district(&self, district: DistrictId) -> Result<u64, StoreError> {
        let mut conn = self.conn().await?;
        let row = diesel::sql_query(
            "SELECT count(*) AS count FROM voter_districts WHERE district_id = $1",
        )
        .bind::<SqlUuid, _>(district.as_uuid())
        .get_result::<Count>(&mut conn)
        .await
        .map_err(db_error)?;
        Ok(u64::try_from(row.count).unwrap_or(0))
    }
}
