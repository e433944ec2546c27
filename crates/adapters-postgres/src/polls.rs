//! [`PollRepository`]: an elected office's polls (issue 16). Every query names the organization; writes
//! first take the owner's row `FOR SHARE` (waiting for a lifecycle change that may archive the
//! organization) and then refuse an archived organization.
//!
//! Sending reads the audience's cell phones in the transaction that changes the status, normalizes them
//! (`winserve_domain::normalize_phone`), keeps one recipient per number and leaves out the office's
//! opt-outs, then writes the outbox in one statement. The recipients keep the non-party attributes the
//! results are broken down by; there is no party column to read.

use crate::PgStore;
use crate::contacts::query::{Sql, from_where_joined};
use crate::errors::{Violation, corrupt, db_error, violation};
use crate::organizations::lock_then_archived;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::sql_types::{
    Array, BigInt, Integer, Nullable, SmallInt, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::HashSet;
use uuid::Uuid;
use winserve_application::{
    ContactFilter, OutboxMessage, OutboxPage, PollError, PollRepository, PollTally, QueuedMessage,
    ReplyEffect, ReplyTarget, StoreError,
};
use winserve_domain::{
    ElectedOfficeId, OrganizationId, Poll, PollBreakdown, PollId, PollOptions, PollQuestion,
    PollStatus, SegmentId, VoterId, normalize_phone,
};

const COLUMNS: &str = "id, office_id, organization_id, question, options, segment_id, status, \
                       created_at, updated_at, sent_at, closed_at";

#[derive(QueryableByName)]
struct PollRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    office_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = Text)]
    question: String,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    options: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    segment_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    sent_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    closed_at: Option<DateTime<Utc>>,
}

impl PollRow {
    fn into_domain(self) -> Result<Poll, StoreError> {
        Ok(Poll {
            id: PollId::from_uuid(self.id),
            office_id: ElectedOfficeId::from_uuid(self.office_id),
            organization_id: OrganizationId::from_uuid(self.organization_id),
            question: PollQuestion::new(&self.question).map_err(|e| corrupt("poll question", e))?,
            options: PollOptions::from_list(self.options.as_deref())
                .map_err(|e| corrupt("poll options", e))?,
            segment_id: self.segment_id.map(SegmentId::from_uuid),
            status: PollStatus::parse(&self.status)
                .ok_or_else(|| corrupt("poll status", &self.status))?,
            created_at: self.created_at,
            sent_at: self.sent_at,
            closed_at: self.closed_at,
            updated_at: self.updated_at,
        })
    }
}

/// What ends a write early.
enum TxError {
    Poll(PollError),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

fn finish<T>(result: Result<T, TxError>) -> Result<T, PollError> {
    result.map_err(|e| match e {
        TxError::Poll(e) => e,
        TxError::Db(e) => match violation(&e) {
            Some((Violation::ForeignKey, "polls_segment_fkey")) => PollError::SegmentNotFound,
            _ => PollError::Store(db_error(e)),
        },
    })
}

async fn lock_open(c: &mut AsyncPgConnection, organization: OrganizationId) -> Result<(), TxError> {
    match lock_then_archived(c, organization).await? {
        Some(false) => Ok(()),
        Some(_) => Err(TxError::Poll(PollError::Archived)),
        None => Err(TxError::Poll(PollError::NotFound)),
    }
}

async fn update_poll(
    c: &mut AsyncPgConnection,
    p: &Poll,
    expected: PollStatus,
) -> Result<(), TxError> {
    let options: Option<Vec<String>> = p.options.clone().into();
    let updated = diesel::sql_query(
        "UPDATE polls SET question = $3, options = $4, segment_id = $5, status = $6,
                updated_at = $7, sent_at = $8, closed_at = $9
         WHERE organization_id = $1 AND id = $2 AND status = $10",
    )
    .bind::<SqlUuid, _>(p.organization_id.as_uuid())
    .bind::<SqlUuid, _>(p.id.as_uuid())
    .bind::<Text, _>(p.question.as_str())
    .bind::<Nullable<Array<Text>>, _>(options)
    .bind::<Nullable<SqlUuid>, _>(p.segment_id.map(|s| s.as_uuid()))
    .bind::<Text, _>(p.status.as_str())
    .bind::<Timestamptz, _>(p.updated_at)
    .bind::<Nullable<Timestamptz>, _>(p.sent_at)
    .bind::<Nullable<Timestamptz>, _>(p.closed_at)
    .bind::<Text, _>(expected.as_str())
    .execute(c)
    .await?;
    if updated == 1 {
        Ok(())
    } else {
        Err(TxError::Poll(PollError::Changed))
    }
}

/// A contact of a poll's audience, as the send reads it.
#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = SqlUuid)]
    voter_id: Uuid,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Text)]
    cell_phone: String,
    #[diesel(sql_type = Text)]
    age_range: String,
    #[diesel(sql_type = Text)]
    gender: String,
    #[diesel(sql_type = Text)]
    voter_status: String,
}

#[derive(QueryableByName)]
struct Phone {
    #[diesel(sql_type = Text)]
    phone: String,
}

#[derive(QueryableByName)]
struct OutboxRow {
    #[diesel(sql_type = Integer)]
    position: i32,
    #[diesel(sql_type = SqlUuid)]
    voter_id: Uuid,
    #[diesel(sql_type = Text)]
    phone: String,
    #[diesel(sql_type = Text)]
    message: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Timestamptz)]
    queued_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    sent_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct TargetRow {
    #[diesel(sql_type = SqlUuid)]
    voter_id: Uuid,
    #[diesel(embed)]
    poll: PollRow,
}

#[derive(QueryableByName)]
struct OptionCount {
    #[diesel(sql_type = Nullable<SmallInt>)]
    option_index: Option<i16>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct BreakdownRow {
    #[diesel(sql_type = Text)]
    attribute: String,
    #[diesel(sql_type = Text)]
    label: String,
    #[diesel(sql_type = Nullable<SmallInt>)]
    option_index: Option<i16>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct TallyTotals {
    #[diesel(sql_type = BigInt)]
    recipients: i64,
    #[diesel(sql_type = BigInt)]
    respondents: i64,
    #[diesel(sql_type = BigInt)]
    unrecognized: i64,
}

#[derive(QueryableByName)]
struct FreeText {
    #[diesel(sql_type = Text)]
    free_text: String,
}

#[derive(QueryableByName)]
struct QueuedRow {
    #[diesel(sql_type = SqlUuid)]
    poll_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    voter_id: Uuid,
    #[diesel(sql_type = Text)]
    phone: String,
    #[diesel(sql_type = Text)]
    message: String,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The audience's contacts with a cell phone and their breakdown attributes, in the contacts order.
fn candidates_sql(filter: &ContactFilter) -> Sql {
    from_where_joined(
        Sql::new(
            "SELECT v.id AS voter_id, v.state, v.cell_phone, vd.age_range, v.gender, vd.voter_status",
        ),
        filter,
        true,
    )
    .push(" AND v.cell_phone IS NOT NULL ORDER BY vd.last_name_key, vd.first_name_key, vd.voter_id")
}

#[async_trait]
impl PollRepository for PgStore {
    async fn list(&self, organization: OrganizationId) -> Result<Vec<Poll>, StoreError> {
        let rows = self
            .read(async |c| {
                diesel::sql_query(format!(
                    "SELECT {COLUMNS} FROM polls WHERE organization_id = $1
                     ORDER BY created_at DESC, id DESC"
                ))
                .bind::<SqlUuid, _>(organization.as_uuid())
                .load::<PollRow>(c)
                .await
                .map_err(db_error)
            })
            .await?;
        rows.into_iter().map(PollRow::into_domain).collect()
    }

    async fn find(
        &self,
        organization: OrganizationId,
        id: PollId,
    ) -> Result<Option<Poll>, StoreError> {
        self.read(async |c| {
            diesel::sql_query(format!(
                "SELECT {COLUMNS} FROM polls WHERE organization_id = $1 AND id = $2"
            ))
            .bind::<SqlUuid, _>(organization.as_uuid())
            .bind::<SqlUuid, _>(id.as_uuid())
            .get_result::<PollRow>(c)
            .await
            .optional()
            .map_err(db_error)
        })
        .await?
        .map(PollRow::into_domain)
        .transpose()
    }

    async fn insert(&self, poll: &Poll) -> Result<(), PollError> {
        let mut conn = self.conn().await?;
        let p = poll.clone();
        let result = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_open(c, p.organization_id).await?;
                let options: Option<Vec<String>> = p.options.clone().into();
                diesel::sql_query(format!(
                    "INSERT INTO polls ({COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                ))
                .bind::<SqlUuid, _>(p.id.as_uuid())
                .bind::<SqlUuid, _>(p.office_id.as_uuid())
                .bind::<SqlUuid, _>(p.organization_id.as_uuid())
                .bind::<Text, _>(p.question.as_str())
                .bind::<Nullable<Array<Text>>, _>(options)
                .bind::<Nullable<SqlUuid>, _>(p.segment_id.map(|s| s.as_uuid()))
                .bind::<Text, _>(p.status.as_str())
                .bind::<Timestamptz, _>(p.created_at)
                .bind::<Timestamptz, _>(p.updated_at)
                .bind::<Nullable<Timestamptz>, _>(p.sent_at)
                .bind::<Nullable<Timestamptz>, _>(p.closed_at)
                .execute(c)
                .await?;
                Ok(())
            })
            .await;
        finish(result)
    }

    async fn update(&self, poll: &Poll, expected: PollStatus) -> Result<(), PollError> {
        let mut conn = self.conn().await?;
        let p = poll.clone();
        let result = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_open(c, p.organization_id).await?;
                update_poll(c, &p, expected).await
            })
            .await;
        finish(result)
    }

    async fn delete(&self, organization: OrganizationId, id: PollId) -> Result<(), PollError> {
        let mut conn = self.conn().await?;
        let result = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_open(c, organization).await?;
                let deleted = diesel::sql_query(
                    "DELETE FROM polls WHERE organization_id = $1 AND id = $2 AND status = 'draft'",
                )
                .bind::<SqlUuid, _>(organization.as_uuid())
                .bind::<SqlUuid, _>(id.as_uuid())
                .execute(c)
                .await?;
                if deleted == 1 {
                    Ok(())
                } else {
                    Err(TxError::Poll(PollError::Changed))
                }
            })
            .await;
        finish(result)
    }

    async fn send(
        &self,
        poll: &Poll,
        expected: PollStatus,
        audience: Option<ContactFilter>,
        message: String,
    ) -> Result<u64, PollError> {
        let mut conn = self.conn().await?;
        let p = poll.clone();
        let queued_at = p.sent_at.unwrap_or(p.updated_at);
        let result = conn
            .transaction::<_, TxError, _>(async move |c| {
                lock_open(c, p.organization_id).await?;
                update_poll(c, &p, expected).await?;
                let Some(filter) = audience else {
                    return Ok(0);
                };
                let opted_out: HashSet<String> =
                    diesel::sql_query("SELECT phone FROM sms_opt_outs WHERE office_id = $1")
                        .bind::<SqlUuid, _>(p.office_id.as_uuid())
                        .load::<Phone>(c)
                        .await?
                        .into_iter()
                        .map(|r| r.phone)
                        .collect();
                let candidates = candidates_sql(&filter).load::<Candidate>(c).await?;
                // One message per number, to the first of its voters in the contacts order, so that a
                // reply from the number names one recipient.
                let mut seen = HashSet::new();
                let mut ids = Vec::new();
                let mut states = Vec::new();
                let mut phones = Vec::new();
                let mut ages = Vec::new();
                let mut genders = Vec::new();
                let mut statuses = Vec::new();
                for row in candidates {
                    let Some(phone) = normalize_phone(&row.cell_phone) else {
                        continue;
                    };
                    if opted_out.contains(&phone) || !seen.insert(phone.clone()) {
                        continue;
                    }
                    ids.push(row.voter_id);
                    states.push(row.state);
                    phones.push(phone);
                    ages.push(row.age_range);
                    genders.push(row.gender);
                    statuses.push(row.voter_status);
                }
                let queued = diesel::sql_query(
                    "INSERT INTO poll_recipients (poll_id, voter_id, state, phone, message, position,
                         queued_at, age_range, gender, voter_status)
                     SELECT $1, u.id, u.state, u.phone, $2, u.n::int, $3, u.age, u.gender, u.status
                     FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                          WITH ORDINALITY AS u(id, state, phone, age, gender, status, n)",
                )
                .bind::<SqlUuid, _>(p.id.as_uuid())
                .bind::<Text, _>(&message)
                .bind::<Timestamptz, _>(queued_at)
                .bind::<Array<SqlUuid>, _>(&ids)
                .bind::<Array<Text>, _>(&states)
                .bind::<Array<Text>, _>(&phones)
                .bind::<Array<Text>, _>(&ages)
                .bind::<Array<Text>, _>(&genders)
                .bind::<Array<Text>, _>(&statuses)
                .execute(c)
                .await?;
                Ok(queued as u64)
            })
            .await;
        finish(result)
    }

    async fn outbox(
        &self,
        poll: PollId,
        offset: u64,
        limit: u32,
    ) -> Result<OutboxPage, StoreError> {
        let from = i64::try_from(offset).unwrap_or(i64::MAX);
        let (rows, total) = self
            .read(async |c| {
                let rows = diesel::sql_query(
                    "SELECT position, voter_id, phone, message, status, queued_at, sent_at
                     FROM poll_recipients WHERE poll_id = $1 AND position > $2 AND position <= $3
                     ORDER BY position",
                )
                .bind::<SqlUuid, _>(poll.as_uuid())
                .bind::<BigInt, _>(from)
                .bind::<BigInt, _>(from.saturating_add(i64::from(limit)))
                .load::<OutboxRow>(c)
                .await
                .map_err(db_error)?;
                let total = diesel::sql_query(
                    "SELECT coalesce(max(position), 0)::bigint AS n FROM poll_recipients
                     WHERE poll_id = $1",
                )
                .bind::<SqlUuid, _>(poll.as_uuid())
                .get_result::<Count>(c)
                .await
                .map_err(db_error)?;
                Ok((rows, total))
            })
            .await?;
        Ok(OutboxPage {
            messages: rows
                .into_iter()
                .map(|r| OutboxMessage {
                    position: u32::try_from(r.position).unwrap_or(0),
                    contact_id: VoterId::from_uuid(r.voter_id),
                    phone: r.phone,
                    message: r.message,
                    status: r.status,
                    queued_at: r.queued_at,
                    sent_at: r.sent_at,
                })
                .collect(),
            total: count(total.n),
        })
    }

    async fn reply_target(
        &self,
        phone: &str,
        any_status: bool,
    ) -> Result<Option<ReplyTarget>, StoreError> {
        let phone = phone.to_owned();
        let columns = COLUMNS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT r.voter_id, {columns}
             FROM poll_recipients r JOIN polls p ON p.id = r.poll_id
             JOIN organizations o ON o.id = p.organization_id
             WHERE r.phone = $1 AND o.archived_at IS NULL
               AND ($2 OR p.status = 'sent')
             ORDER BY r.queued_at DESC, r.poll_id DESC LIMIT 1"
        );
        let row = self
            .read(async |c| {
                diesel::sql_query(sql.as_str())
                    .bind::<Text, _>(&phone)
                    .bind::<diesel::sql_types::Bool, _>(any_status)
                    .get_result::<TargetRow>(c)
                    .await
                    .optional()
                    .map_err(db_error)
            })
            .await?;
        row.map(|r| {
            Ok(ReplyTarget {
                contact_id: VoterId::from_uuid(r.voter_id),
                poll: r.poll.into_domain()?,
            })
        })
        .transpose()
    }

    async fn apply_reply(
        &self,
        delivery_id: &str,
        effect: ReplyEffect,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        let id = delivery_id.to_owned();
        conn.transaction::<_, diesel::result::Error, _>(async move |c| {
            let fresh = diesel::sql_query(
                "INSERT INTO sms_webhook_deliveries (webhook_id, received_at) VALUES ($1, $2)
                 ON CONFLICT (webhook_id) DO NOTHING",
            )
            .bind::<Text, _>(&id)
            .bind::<Timestamptz, _>(received_at)
            .execute(c)
            .await?;
            if fresh == 0 {
                return Ok(false);
            }
            match effect {
                ReplyEffect::Nothing => {}
                ReplyEffect::OptOut { office, phone } => {
                    diesel::sql_query(
                        "INSERT INTO sms_opt_outs (office_id, phone, opted_out_at) VALUES ($1, $2, $3)
                         ON CONFLICT (office_id, phone) DO NOTHING",
                    )
                    .bind::<SqlUuid, _>(office.as_uuid())
                    .bind::<Text, _>(&phone)
                    .bind::<Timestamptz, _>(received_at)
                    .execute(c)
                    .await?;
                }
                ReplyEffect::Answer {
                    poll,
                    contact_id,
                    option_index,
                    free_text,
                    raw,
                } => {
                    // Only while the poll is open and its organization not archived; the latest reply
                    // wins, and an unrecognized one never replaces a recognized answer.
                    diesel::sql_query(
                        "INSERT INTO poll_responses (poll_id, voter_id, option_index, free_text, raw,
                             received_at)
                         SELECT $1, $2, $3, $4, $5, $6
                         FROM polls p JOIN organizations o ON o.id = p.organization_id
                         WHERE p.id = $1 AND p.status = 'sent' AND o.archived_at IS NULL
                         ON CONFLICT (poll_id, voter_id) DO UPDATE
                             SET option_index = excluded.option_index,
                                 free_text = excluded.free_text, raw = excluded.raw,
                                 received_at = excluded.received_at
                             WHERE excluded.received_at >= poll_responses.received_at
                               AND (excluded.option_index IS NOT NULL
                                    OR excluded.free_text IS NOT NULL
                                    OR (poll_responses.option_index IS NULL
                                        AND poll_responses.free_text IS NULL))",
                    )
                    .bind::<SqlUuid, _>(poll.as_uuid())
                    .bind::<SqlUuid, _>(contact_id.as_uuid())
                    .bind::<Nullable<SmallInt>, _>(option_index)
                    .bind::<Nullable<Text>, _>(free_text)
                    .bind::<Text, _>(raw)
                    .bind::<Timestamptz, _>(received_at)
                    .execute(c)
                    .await?;
                }
            }
            Ok(true)
        })
        .await
        .map_err(db_error)
    }

    async fn tally(&self, poll: PollId) -> Result<PollTally, StoreError> {
        self.read(async |c| {
            let totals = diesel::sql_query(
                "SELECT (SELECT count(*) FROM poll_recipients WHERE poll_id = $1)::bigint AS recipients,
                        count(*) FILTER (WHERE option_index IS NOT NULL OR free_text IS NOT NULL)::bigint
                            AS respondents,
                        count(*) FILTER (WHERE option_index IS NULL AND free_text IS NULL)::bigint
                            AS unrecognized
                 FROM poll_responses WHERE poll_id = $1",
            )
            .bind::<SqlUuid, _>(poll.as_uuid())
            .get_result::<TallyTotals>(c)
            .await
            .map_err(db_error)?;
            let by_option = diesel::sql_query(
                "SELECT option_index, count(*)::bigint AS n FROM poll_responses
                 WHERE poll_id = $1 AND option_index IS NOT NULL GROUP BY option_index",
            )
            .bind::<SqlUuid, _>(poll.as_uuid())
            .load::<OptionCount>(c)
            .await
            .map_err(db_error)?;
            // Respondents per attribute value and answer (never party: there is no such column).
            let breakdown = diesel::sql_query(
                "SELECT b.attribute, b.label, s.option_index, count(*)::bigint AS n
                 FROM poll_responses s
                 JOIN poll_recipients r ON r.poll_id = s.poll_id AND r.voter_id = s.voter_id
                 CROSS JOIN LATERAL (VALUES ('age_range', r.age_range), ('gender', r.gender),
                                            ('voter_status', r.voter_status)) AS b(attribute, label)
                 WHERE s.poll_id = $1 AND (s.option_index IS NOT NULL OR s.free_text IS NOT NULL)
                 GROUP BY b.attribute, b.label, s.option_index
                 ORDER BY b.attribute, b.label",
            )
            .bind::<SqlUuid, _>(poll.as_uuid())
            .load::<BreakdownRow>(c)
            .await
            .map_err(db_error)?;
            let free_text = diesel::sql_query(
                "SELECT free_text FROM poll_responses WHERE poll_id = $1 AND free_text IS NOT NULL
                 ORDER BY received_at, voter_id",
            )
            .bind::<SqlUuid, _>(poll.as_uuid())
            .load::<FreeText>(c)
            .await
            .map_err(db_error)?;
            let breakdown = breakdown
                .into_iter()
                .map(|r| {
                    PollBreakdown::parse(&r.attribute)
                        .map(|a| (a, r.label, r.option_index, count(r.n)))
                        .ok_or_else(|| corrupt("poll breakdown", &r.attribute))
                })
                .collect::<Result<_, _>>()?;
            Ok(PollTally {
                recipients: count(totals.recipients),
                respondents: count(totals.respondents),
                unrecognized: count(totals.unrecognized),
                by_option: by_option
                    .into_iter()
                    .filter_map(|r| r.option_index.map(|o| (o, count(r.n))))
                    .collect(),
                breakdown,
                free_text: free_text.into_iter().map(|r| r.free_text).collect(),
            })
        })
        .await
    }

    async fn queued(&self, limit: u32) -> Result<Vec<QueuedMessage>, StoreError> {
        let rows = self
            .read(async |c| {
                diesel::sql_query(
                    "SELECT poll_id, voter_id, phone, message FROM poll_recipients
                     WHERE status = 'queued' ORDER BY queued_at, poll_id, position LIMIT $1",
                )
                .bind::<BigInt, _>(i64::from(limit))
                .load::<QueuedRow>(c)
                .await
                .map_err(db_error)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| QueuedMessage {
                poll: PollId::from_uuid(r.poll_id),
                contact_id: VoterId::from_uuid(r.voter_id),
                phone: r.phone,
                message: r.message,
            })
            .collect())
    }

    async fn mark_delivered(
        &self,
        poll: PollId,
        contact_id: VoterId,
        sent: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        diesel::sql_query(
            "UPDATE poll_recipients SET status = CASE WHEN $3 THEN 'sent' ELSE 'failed' END,
                    sent_at = CASE WHEN $3 THEN $4 END
             WHERE poll_id = $1 AND voter_id = $2 AND status = 'queued'",
        )
        .bind::<SqlUuid, _>(poll.as_uuid())
        .bind::<SqlUuid, _>(contact_id.as_uuid())
        .bind::<diesel::sql_types::Bool, _>(sent)
        .bind::<Timestamptz, _>(at)
        .execute(&mut conn)
        .await
        .map_err(db_error)?;
        Ok(())
    }
}
