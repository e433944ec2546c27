//! [`OutreachAudienceRepository`]: outreach plans' audiences (issue 16).
//!
//! - A live audience is the plan's contact filter read as a walk list ([`crate::contacts::ordered`]) or
//!   grouped into households (same address line, folded, and ZIP).
//! - Going in progress copies the audience into `outreach_audience` in the transaction that changes the
//!   status, with each contact's position in the channel's order and its household, so pages of a
//!   frozen audience are ranges of positions (or households) of one index.
//! - A frozen contact is shown as the voter file has it now; one who left the file since is shown from
//!   the names and address kept when it was frozen (`in_voter_file: false`).
//! - Outcomes reference the frozen audience (a foreign key), and an upload is stored in one statement
//!   after every contact was checked to be in the audience.

use crate::PgStore;
use crate::contacts::ordered::{HOUSEHOLD_ORDER, WALK_ORDER};
use crate::contacts::query::{Sql, from_where_joined};
use crate::errors::db_error;
use crate::outreach::{TxError, finish, lock_open, update_plan};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::sql_types::{
    Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;
use winserve_application::{
    AudiencePage, AudienceSlice, ContactFilter, ContactRepository, ContactStream, HouseholdPage,
    OutreachAudienceRepository, OutreachError, RecordedResults, ResultsError, StoreError,
};
use winserve_domain::{
    Address, AudienceContact, AudienceLayout, Household, HouseholdMember, OrganizationId,
    OutcomeRecord, OutreachOutcome, OutreachPlan, OutreachPlanId, OutreachStatus, PartyPolicy,
    StateCode, UserId, Voter, VoterId,
};

/// How many rows of a frozen audience the export reads at a time.
const EXPORT_CHUNK: u32 = 1000;

/// The order of a layout's positions in a frozen audience.
fn position_order(layout: AudienceLayout) -> String {
    match layout {
        AudienceLayout::Contacts => "vd.last_name_key, vd.first_name_key, vd.voter_id".into(),
        AudienceLayout::WalkList => WALK_ORDER.into(),
        AudienceLayout::Households => {
            format!("{HOUSEHOLD_ORDER}, vd.last_name_key, vd.first_name_key, vd.voter_id")
        }
    }
}

/// A row of a frozen audience.
#[derive(QueryableByName)]
struct FrozenRow {
    #[diesel(sql_type = SqlUuid)]
    voter_id: Uuid,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Text)]
    lal_voter_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    first_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    last_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    address_line1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    address_city: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    address_zip: Option<String>,
    #[diesel(sql_type = Integer)]
    household: i32,
}

/// A live household: its address and its contacts in the contacts order.
#[derive(QueryableByName)]
struct HouseholdRow {
    #[diesel(sql_type = Nullable<Text>)]
    line1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    city: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    zip: Option<String>,
    #[diesel(sql_type = Array<SqlUuid>)]
    ids: Vec<Uuid>,
    #[diesel(sql_type = Array<Nullable<Text>>)]
    first_names: Vec<Option<String>>,
    #[diesel(sql_type = Array<Nullable<Text>>)]
    last_names: Vec<Option<String>>,
}

#[derive(QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    households: i64,
    #[diesel(sql_type = BigInt)]
    contacts: i64,
}

#[derive(QueryableByName)]
struct Index {
    #[diesel(sql_type = BigInt)]
    index: i64,
}

#[derive(QueryableByName)]
struct Written {
    #[diesel(sql_type = Bool)]
    inserted: bool,
}

#[derive(QueryableByName)]
struct OutcomeCount {
    #[diesel(sql_type = Text)]
    outcome: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Status {
    #[diesel(sql_type = Text)]
    status: String,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn offset(slice: AudienceSlice) -> i64 {
    i64::try_from(slice.offset).unwrap_or(i64::MAX)
}

/// The `FROM … WHERE …` of a live household query: the filter's contacts with their household keys.
fn households_source(filter: &ContactFilter) -> Sql {
    from_where_joined(
        Sql::new(
            "WITH a AS (SELECT v.id, v.first_name, v.last_name, v.address_line1, v.address_city, \
             v.address_zip, vd.last_name_key, vd.first_name_key, \
             left(v.address_zip, 5) AS z, outreach_walk_key(v.address_line1) AS w, \
             outreach_address_key(v.address_line1) AS k",
        ),
        filter,
        true,
    )
    .push(")")
}

impl PgStore {
    /// The size of a frozen audience and its number of households.
    async fn frozen_totals(&self, plan: OutreachPlanId) -> Result<Totals, StoreError> {
        self.read(async |c| {
            diesel::sql_query(
                "SELECT coalesce(max(household), 0)::bigint AS households,
                        coalesce(max(position), 0)::bigint AS contacts
                 FROM outreach_audience WHERE plan_id = $1",
            )
            .bind::<SqlUuid, _>(plan.as_uuid())
            .get_result::<Totals>(c)
            .await
            .map_err(db_error)
        })
        .await
    }

    /// Rows of a frozen audience with `column` (`position` or `household`) in `(from, to]`, in order.
    async fn frozen_rows(
        &self,
        plan: OutreachPlanId,
        column: &'static str,
        from: i64,
        to: i64,
    ) -> Result<Vec<FrozenRow>, StoreError> {
        let sql = format!(
            "SELECT voter_id, state, lal_voter_id, first_name, last_name, address_line1,
                    address_city, address_zip, household
             FROM outreach_audience WHERE plan_id = $1 AND {column} > $2 AND {column} <= $3
             ORDER BY position"
        );
        self.read(async |c| {
            diesel::sql_query(sql.as_str())
                .bind::<SqlUuid, _>(plan.as_uuid())
                .bind::<BigInt, _>(from)
                .bind::<BigInt, _>(to)
                .load::<FrozenRow>(c)
                .await
                .map_err(db_error)
        })
        .await
    }

    /// The voters of frozen `rows` still in the voter file, by id, read through `policy`.
    async fn still_in_file(
        &self,
        rows: &[FrozenRow],
        policy: PartyPolicy,
    ) -> Result<HashMap<Uuid, Voter>, StoreError> {
        let mut by_state: HashMap<&str, Vec<Uuid>> = HashMap::new();
        for row in rows {
            by_state.entry(&row.state).or_default().push(row.voter_id);
        }
        let mut present = HashMap::with_capacity(rows.len());
        for (state, ids) in by_state {
            let state = StateCode::new(state).map_err(|e| crate::errors::corrupt("state", e))?;
            for voter in self.voters_by_id(&state, policy, ids).await? {
                present.insert(voter.id.as_uuid(), voter);
            }
        }
        Ok(present)
    }

    /// Frozen rows as contacts: the voter file's row when the voter is still in it, else the kept one.
    async fn frozen_contacts(
        &self,
        rows: Vec<FrozenRow>,
        policy: PartyPolicy,
    ) -> Result<Vec<AudienceContact>, StoreError> {
        let mut present = self.still_in_file(&rows, policy).await?;
        rows.into_iter()
            .map(|row| match present.remove(&row.voter_id) {
                Some(voter) => Ok(AudienceContact {
                    voter,
                    in_voter_file: true,
                }),
                None => {
                    let state = StateCode::new(&row.state)
                        .map_err(|e| crate::errors::corrupt("state", e))?;
                    Ok(AudienceContact::departed(
                        VoterId::from_uuid(row.voter_id),
                        row.lal_voter_id,
                        state,
                        row.first_name,
                        row.last_name,
                        Address {
                            line1: row.address_line1,
                            city: row.address_city,
                            state: Some(row.state),
                            zip: row.address_zip,
                        },
                    ))
                }
            })
            .collect()
    }
}

#[async_trait]
impl OutreachAudienceRepository for PgStore {
    async fn freeze(
        &self,
        plan: &OutreachPlan,
        expected: OutreachStatus,
        audience: Option<ContactFilter>,
    ) -> Result<u64, OutreachError> {
        let mut conn = self.conn().await?;
        let p = plan.clone();
        // The copy reads the voters in the transaction's snapshot: exactly the audience at the moment
        // the status changes, whatever an import commits meanwhile.
        let insert = audience.map(|filter| {
            let order = position_order(p.channel.layout());
            from_where_joined(
                Sql::new(
                    "INSERT INTO outreach_audience (plan_id, position, voter_id, state, lal_voter_id, \
                     first_name, last_name, address_line1, address_city, address_zip, household) \
                     SELECT ",
                )
                .uuid(p.id.as_uuid())
                .push(&format!(
                    ", row_number() OVER (ORDER BY {order})::int, v.id, v.state, v.lal_voter_id, \
                     v.first_name, v.last_name, v.address_line1, v.address_city, v.address_zip, \
                     dense_rank() OVER (ORDER BY {HOUSEHOLD_ORDER})::int"
                )),
                &filter,
                true,
            )
        });
        let result = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_open(c, p.organization_id).await?;
                update_plan(c, &p, expected).await?;
                let frozen = match insert {
                    Some(sql) => sql.execute(c).await?,
                    None => 0,
                };
                Ok(frozen as u64)
            })
            .await;
        finish(result)
    }

    async fn walk_list(
        &self,
        audience: &ContactFilter,
        slice: AudienceSlice,
    ) -> Result<AudiencePage, StoreError> {
        let total = self.count(audience).await?;
        let voters = self.walk_page(audience, slice.offset, slice.limit).await?;
        Ok(AudiencePage {
            contacts: voters
                .into_iter()
                .map(|voter| AudienceContact {
                    voter,
                    in_voter_file: true,
                })
                .collect(),
            total,
        })
    }

    async fn households(
        &self,
        audience: &ContactFilter,
        slice: AudienceSlice,
    ) -> Result<HouseholdPage, StoreError> {
        let page = households_source(audience)
            .push(
                " SELECT min(address_line1) AS line1, min(address_city) AS city, \
                 min(address_zip) AS zip, \
                 array_agg(id ORDER BY last_name_key, first_name_key, id) AS ids, \
                 array_agg(first_name ORDER BY last_name_key, first_name_key, id) AS first_names, \
                 array_agg(last_name ORDER BY last_name_key, first_name_key, id) AS last_names \
                 FROM a GROUP BY z, w, k \
                 ORDER BY z COLLATE \"C\", w COLLATE \"C\", k COLLATE \"C\" LIMIT ",
            )
            .bigint(i64::from(slice.limit))
            .push(" OFFSET ")
            .bigint(offset(slice));
        let totals = households_source(audience).push(
            " SELECT count(*)::bigint AS households, coalesce(sum(n), 0)::bigint AS contacts \
             FROM (SELECT count(*) AS n FROM a GROUP BY z, w, k) h",
        );
        let (rows, totals) = self
            .read_voters(async |c| {
                let rows = page
                    .clone()
                    .load::<HouseholdRow>(c)
                    .await
                    .map_err(db_error)?;
                let totals = totals
                    .clone()
                    .get_result::<Totals>(c)
                    .await
                    .map_err(db_error)?;
                Ok((rows, totals))
            })
            .await?;
        let households = rows
            .into_iter()
            .map(|h| Household {
                line1: h.line1,
                city: h.city,
                zip: h.zip,
                contacts: h
                    .ids
                    .into_iter()
                    .zip(h.first_names)
                    .zip(h.last_names)
                    .map(|((id, first_name), last_name)| HouseholdMember {
                        id: VoterId::from_uuid(id),
                        first_name,
                        last_name,
                        in_voter_file: true,
                    })
                    .collect(),
            })
            .collect();
        Ok(HouseholdPage {
            households,
            total_households: count(totals.households),
            total_contacts: count(totals.contacts),
        })
    }

    async fn live_export(
        &self,
        audience: &ContactFilter,
        layout: AudienceLayout,
    ) -> Result<ContactStream, StoreError> {
        self.export_in_order(audience, &position_order(layout))
            .await
    }

    async fn frozen(
        &self,
        plan: OutreachPlanId,
        policy: PartyPolicy,
        slice: AudienceSlice,
    ) -> Result<AudiencePage, StoreError> {
        let totals = self.frozen_totals(plan).await?;
        let from = offset(slice);
        let rows = self
            .frozen_rows(
                plan,
                "position",
                from,
                from.saturating_add(i64::from(slice.limit)),
            )
            .await?;
        Ok(AudiencePage {
            contacts: self.frozen_contacts(rows, policy).await?,
            total: count(totals.contacts),
        })
    }

    async fn frozen_households(
        &self,
        plan: OutreachPlanId,
        slice: AudienceSlice,
    ) -> Result<HouseholdPage, StoreError> {
        let totals = self.frozen_totals(plan).await?;
        let from = offset(slice);
        let rows = self
            .frozen_rows(
                plan,
                "household",
                from,
                from.saturating_add(i64::from(slice.limit)),
            )
            .await?;
        // Who is still in the voter file (names come from the kept rows: a household is the address the
        // plan mails to, as it was frozen; party is not needed, so it is not read).
        let present = self
            .still_in_file(&rows, PartyPolicy::for_mode(winserve_domain::Mode::Serve))
            .await?;
        let mut households: Vec<(i32, Household)> = Vec::new();
        for row in rows {
            let member = HouseholdMember {
                id: VoterId::from_uuid(row.voter_id),
                first_name: row.first_name,
                last_name: row.last_name,
                in_voter_file: present.contains_key(&row.voter_id),
            };
            match households.last_mut() {
                Some((n, h)) if *n == row.household => h.contacts.push(member),
                _ => households.push((
                    row.household,
                    Household {
                        line1: row.address_line1,
                        city: row.address_city,
                        zip: row.address_zip,
                        contacts: vec![member],
                    },
                )),
            }
        }
        Ok(HouseholdPage {
            households: households.into_iter().map(|(_, h)| h).collect(),
            total_households: count(totals.households),
            total_contacts: count(totals.contacts),
        })
    }

    async fn frozen_export(
        &self,
        plan: OutreachPlanId,
        policy: PartyPolicy,
    ) -> Result<ContactStream, StoreError> {
        let store = self.clone();
        let (tx, rx) =
            tokio::sync::mpsc::channel::<Result<Voter, StoreError>>(EXPORT_CHUNK as usize);
        // Chunks of positions, one after another: memory stays flat in the audience's size, and the
        // bounded channel passes the HTTP client's pace back to the reads.
        tokio::spawn(async move {
            let mut from = 0_i64;
            loop {
                let chunk = match store
                    .frozen_rows(plan, "position", from, from + i64::from(EXPORT_CHUNK))
                    .await
                {
                    Ok(rows) if rows.is_empty() => break,
                    Ok(rows) => store.frozen_contacts(rows, policy).await,
                    Err(e) => Err(e),
                };
                match chunk {
                    Ok(contacts) => {
                        for contact in contacts {
                            if tx.send(Ok(contact.voter)).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
                from += i64::from(EXPORT_CHUNK);
            }
        });
        Ok(Box::pin(futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|item| (item, rx)) },
        )))
    }

    async fn record_results(
        &self,
        organization: OrganizationId,
        plan: OutreachPlanId,
        records: &[OutcomeRecord],
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<RecordedResults, ResultsError> {
        let mut conn = self.conn().await?;
        let ids: Vec<Uuid> = records.iter().map(|r| r.contact.as_uuid()).collect();
        let outcomes: Vec<&'static str> = records.iter().map(|r| r.outcome.as_str()).collect();
        let result = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_open(c, organization).await?;
                // The status may not change under the upload (a plan cancelled meanwhile takes none).
                let status = diesel::sql_query(
                    "SELECT status FROM outreach_plans WHERE organization_id = $1 AND id = $2
                     FOR SHARE",
                )
                .bind::<SqlUuid, _>(organization.as_uuid())
                .bind::<SqlUuid, _>(plan.as_uuid())
                .get_result::<Status>(c)
                .await
                .optional()?;
                let status = match status {
                    None => return Ok(Err(ResultsError::NotFound)),
                    Some(s) => OutreachStatus::parse(&s.status).ok_or_else(|| {
                        TxError::Outreach(OutreachError::Store(crate::errors::corrupt(
                            "outreach status",
                            &s.status,
                        )))
                    })?,
                };
                if !status.takes_results() {
                    return Ok(Err(ResultsError::NotTakingResults(status)));
                }
                let outside = diesel::sql_query(
                    "SELECT (u.i - 1)::bigint AS index
                     FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, i)
                     WHERE NOT EXISTS (SELECT 1 FROM outreach_audience a
                                       WHERE a.plan_id = $2 AND a.voter_id = u.id)
                     ORDER BY u.i LIMIT 100",
                )
                .bind::<Array<SqlUuid>, _>(&ids)
                .bind::<SqlUuid, _>(plan.as_uuid())
                .load::<Index>(c)
                .await?;
                if !outside.is_empty() {
                    return Ok(Err(ResultsError::NotInAudience(
                        outside
                            .into_iter()
                            .map(|r| usize::try_from(r.index).unwrap_or(usize::MAX))
                            .collect(),
                    )));
                }
                let written = diesel::sql_query(
                    "INSERT INTO outreach_results (plan_id, voter_id, outcome, recorded_at, recorded_by)
                     SELECT $1, u.id, u.outcome, $4, $5
                     FROM unnest($2::uuid[], $3::text[]) AS u(id, outcome)
                     ON CONFLICT (plan_id, voter_id) DO UPDATE
                         SET outcome = excluded.outcome, recorded_at = excluded.recorded_at,
                             recorded_by = excluded.recorded_by
                     RETURNING (xmax = 0) AS inserted",
                )
                .bind::<SqlUuid, _>(plan.as_uuid())
                .bind::<Array<SqlUuid>, _>(&ids)
                .bind::<Array<Text>, _>(&outcomes)
                .bind::<Timestamptz, _>(at)
                .bind::<SqlUuid, _>(by.as_uuid())
                .load::<Written>(c)
                .await?;
                let recorded = written.iter().filter(|w| w.inserted).count() as u64;
                Ok(Ok(RecordedResults {
                    recorded,
                    replaced: written.len() as u64 - recorded,
                }))
            })
            .await;
        match finish(result) {
            Ok(answer) => answer,
            Err(OutreachError::Archived) => Err(ResultsError::Archived),
            Err(OutreachError::NotFound) => Err(ResultsError::NotFound),
            Err(OutreachError::Store(e)) => Err(ResultsError::Store(e)),
            Err(other) => Err(ResultsError::Store(StoreError::internal(other.to_string()))),
        }
    }

    async fn outcome_counts(
        &self,
        plan: OutreachPlanId,
    ) -> Result<(u64, Vec<(OutreachOutcome, u64)>), StoreError> {
        let totals = self.frozen_totals(plan).await?;
        let rows = self
            .read(async |c| {
                diesel::sql_query(
                    "SELECT outcome, count(*)::bigint AS n FROM outreach_results
                     WHERE plan_id = $1 GROUP BY outcome",
                )
                .bind::<SqlUuid, _>(plan.as_uuid())
                .load::<OutcomeCount>(c)
                .await
                .map_err(db_error)
            })
            .await?;
        let counts = rows
            .into_iter()
            .map(|r| {
                OutreachOutcome::parse(&r.outcome)
                    .map(|o| (o, count(r.n)))
                    .ok_or_else(|| crate::errors::corrupt("outreach outcome", &r.outcome))
            })
            .collect::<Result<_, _>>()?;
        Ok((count(totals.contacts), counts))
    }
}
