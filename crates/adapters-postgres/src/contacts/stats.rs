//! Contact statistics: totals with cell phone and landline and the breakdowns by age, voter status and
//! party — summed from `district_facets` when the filter allows, else counted over the memberships —
//! and by gender, counted from the attribute bits of the memberships. Party only where the policy lets
//! the mode aggregate by it.

use super::query::{Sql, facets_suffice, from_where, hot_conditions};
use super::totals::count_u64;
use crate::PgStore;
use crate::errors::db_error;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::RunQueryDsl;
use winserve_application::{Bucket, ContactFilter, ContactStats, StoreError};
use winserve_domain::{AgeRange, Gender, PartyGroup, SegmentCriteria, VoterStatus};

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
    /// The statistics of the contacts matching `filter`.
    pub(super) async fn contact_stats(
        &self,
        filter: &ContactFilter,
    ) -> Result<ContactStats, StoreError> {
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
            self.read_voters(async |conn| sql.clone().build().load(conn).await.map_err(db_error))
                .await?
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
            let sql = sql.push(" GROUP BY 1").build();
            self.read_voters(async |conn| sql.clone().load(conn).await.map_err(db_error))
                .await?
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
}
