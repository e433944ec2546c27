//! [`VoterRepository`]: the voter file and district membership.
//!
//! Every write goes through the bulk import of [`crate::voter_import`] (`COPY` into staging tables, then
//! one set-based merge in the same transaction); counts come from `district_facets`, which the triggers of
//! `voter_districts` keep exact.

use crate::PgStore;
use crate::errors::db_error;
use crate::voter_import::PgVoterImport;
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use std::collections::HashMap;
use winserve_application::{ImportOptions, StoreError, VoterImport, VoterRepository};
use winserve_domain::{DistrictId, Voter};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[async_trait]
impl VoterRepository for PgStore {
    async fn begin_import(
        &self,
        options: ImportOptions,
    ) -> Result<Box<dyn VoterImport>, StoreError> {
        let Some(url) = self.database_url() else {
            return Err(StoreError::internal(
                "voter imports need the database URL: build the store with PgStore::with_database_url",
            ));
        };
        Ok(Box::new(PgVoterImport::begin(url, options).await?))
    }

    async fn upsert_voters(&self, voters: &[Voter]) -> Result<u64, StoreError> {
        // The last row of a voter wins, as it would if the rows were written one by one.
        let mut last: HashMap<(&str, &str), usize> = HashMap::with_capacity(voters.len());
        for (i, v) in voters.iter().enumerate() {
            last.insert((v.state.as_str(), v.lal_voter_id.as_str()), i);
        }
        let unique: Vec<Voter> = voters
            .iter()
            .enumerate()
            .filter(|(i, v)| last.get(&(v.state.as_str(), v.lal_voter_id.as_str())) == Some(i))
            .map(|(_, v)| v.clone())
            .collect();
        if unique.is_empty() {
            return Ok(0);
        }
        let count = unique.len() as u64;
        let mut import = self.begin_import(ImportOptions::default()).await?;
        if let Err(e) = import.write(unique).await {
            import.abort().await;
            return Err(e);
        }
        import.commit().await?;
        Ok(count)
    }

    async fn count_in_district(&self, district: DistrictId) -> Result<u64, StoreError> {
        let row = self.read_voters(async |conn| {
        diesel::sql_query(
            "SELECT coalesce(sum(voters), 0)::bigint AS count FROM district_facets WHERE district_id = $1",
        )
        .bind::<SqlUuid, _>(district.as_uuid())
        .get_result::<Count>(conn)
        .await
        .map_err(db_error)
        }).await?;
        Ok(u64::try_from(row.count).unwrap_or(0))
    }
}
