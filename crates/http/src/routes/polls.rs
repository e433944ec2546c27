//! Polls (issue 16), the worked example of a Serve-only feature (ADR 0005): every handler takes
//! [`ServeOrg`], so a Win organization is 403 `wrong_mode`; a poll of another organization is 404.
//! Replies arrive at `POST /v1/webhooks/sms` ([`sms_webhook`]), signed per Standard Webhooks.

use crate::context::ServeOrg;
use crate::dto::patch_field;
use crate::extract::{ApiJson, ApiPath, ApiQuery, NoBody};
use crate::problem::{ApiError, ApiResult};
use crate::routes::contacts::{ContactsMeta, encode_cursor, paging_window};
use crate::standard_webhooks::parse_inbound_sms;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::{ContactWindow, NewPoll, Patch, PollChanges, PollResults, ReplyOutcome};
use winserve_domain::Poll;

const SLUG_DOC: &str =
    "the Serve organization to act in (else the token's Clerk active-organization claim)";

/// A poll.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollDto {
    /// Its id.
    pub id: Uuid,
    /// The elected office that asks.
    pub elected_office_id: Uuid,
    /// What it asks (at most 320 characters).
    pub question: String,
    /// The choices (a reply `1`/`A` is the first); null: a free-text poll.
    pub options: Option<Vec<String>>,
    /// The custom segment it asks; null: the whole district.
    pub segment_id: Option<Uuid>,
    /// `draft`, `sent` or `closed`.
    #[schema(pattern = "^(draft|sent|closed)$")]
    pub status: &'static str,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When sent (its audience frozen then).
    pub sent_at: Option<DateTime<Utc>>,
    /// When closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Poll> for PollDto {
    fn from(p: &Poll) -> Self {
        Self {
            id: p.id.as_uuid(),
            elected_office_id: p.office_id.as_uuid(),
            question: p.question.as_str().to_owned(),
            options: p.options.clone().into(),
            segment_id: p.segment_id.map(|s| s.as_uuid()),
            status: p.status.as_str(),
            created_at: p.created_at,
            sent_at: p.sent_at,
            closed_at: p.closed_at,
            updated_at: p.updated_at,
        }
    }
}

/// `{polls: [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollList {
    /// Newest first.
    pub polls: Vec<PollDto>,
}

/// The office's polls (any member; also once the office ended).
#[utoipa::path(get, path = "/v1/polls", tag = "polls", security(("bearer" = [])),
    params(("X-Organization-Slug" = Option<String>, Header, description = SLUG_DOC, pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the polls, newest first", body = PollList),
        (status = 403, description = "`wrong_mode`: the organization is a Win organization")))]
pub async fn list_polls(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
) -> ApiResult<Json<PollList>> {
    let polls = state.services.polls.list(&scope).await?;
    Ok(Json(PollList {
        polls: polls.iter().map(PollDto::from).collect(),
    }))
}

/// Body of `POST /v1/polls`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPollBody {
    /// What to ask: 1 to 320 characters.
    #[schema(min_length = 1, max_length = 320)]
    pub question: String,
    /// 2 to 6 distinct choices (each 1 to 100 characters); absent or null: free text.
    #[serde(default)]
    #[schema(min_items = 2, max_items = 6)]
    pub options: Option<Vec<String>>,
    /// A custom segment of this organization; absent or null: the whole district.
    #[serde(default)]
    pub segment_id: Option<Uuid>,
}

/// Creates a draft poll (owner and admins).
#[utoipa::path(post, path = "/v1/polls", tag = "polls", security(("bearer" = [])),
    params(("X-Organization-Slug" = Option<String>, Header, description = SLUG_DOC, pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = NewPollBody,
    responses((status = 201, description = "the new draft poll", body = PollDto),
        (status = 403, description = "`wrong_mode`: a Win organization; or `forbidden`: members may not edit polls (`action`: `edit_polls`)"),
        (status = 404, description = "`segment_not_found`: the segment is not one of this organization's"),
        (status = 409, description = "`organization_archived`: the office ended; its polls are read-only"),
        (status = 422, description = "`validation_failed`: the question or the choices")))]
pub async fn create_poll(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
    ApiJson(body): ApiJson<NewPollBody>,
) -> ApiResult<(StatusCode, Json<PollDto>)> {
    let input = NewPoll {
        question: body.question,
        options: body.options,
        segment_id: body.segment_id.map(|s| s.to_string()),
    };
    let poll = state.services.polls.create(&scope, input).await?;
    Ok((StatusCode::CREATED, Json(PollDto::from(&poll))))
}

/// One of the office's polls.
#[utoipa::path(get, path = "/v1/polls/{id}", tag = "polls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the poll's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = SLUG_DOC, pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the poll", body = PollDto),
        (status = 403, description = "`wrong_mode`: the organization is a Win organization"),
        (status = 404, description = "`not_found`: no poll of this organization has this id")))]
pub async fn get_poll(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<PollDto>> {
    let poll = state.services.polls.get(&scope, &id).await?;
    Ok(Json(PollDto::from(&poll)))
}

/// Body of `PATCH /v1/polls/{id}`: absent keys keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PollPatchBody {
    /// 1 to 320 characters.
    #[schema(min_length = 1, max_length = 320)]
    pub question: Option<String>,
    /// 2 to 6 choices; null: free text.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Vec<String>>)]
    pub options: Patch<Vec<String>>,
    /// A custom segment; null: the whole district.
    #[serde(default, deserialize_with = "patch_field")]
    #[schema(value_type = Option<Uuid>)]
    pub segment_id: Patch<Uuid>,
}

fn patched<T>(patch: Patch<T>) -> Option<Option<T>> {
    match patch {
        Patch::Keep => None,
        Patch::Clear => Some(None),
        Patch::Set(v) => Some(Some(v)),
    }
}

/// Changes a draft poll (owner and admins); once sent, a poll does not change.
#[utoipa::path(patch, path = "/v1/polls/{id}", tag = "polls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the poll's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = SLUG_DOC, pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    request_body = PollPatchBody,
    responses((status = 200, description = "the poll", body = PollDto),
        (status = 403, description = "`wrong_mode`; or `forbidden` (`action`: `edit_polls`)"),
        (status = 404, description = "`not_found`: no such poll; or `segment_not_found`"),
        (status = 409, description = "`organization_archived`; or `conflict`: the poll was sent"),
        (status = 422, description = "`validation_failed`: the question or the choices")))]
pub async fn patch_poll(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PollPatchBody>,
) -> ApiResult<Json<PollDto>> {
    let changes = PollChanges {
        question: body.question,
        options: patched(body.options),
        segment_id: patched(body.segment_id).map(|s| s.map(|id| id.to_string())),
    };
    let poll = state.services.polls.update(&scope, &id, changes).await?;
    Ok(Json(PollDto::from(&poll)))
}

/// Deletes a draft poll (owner and admins); a sent poll is kept (close it).
#[utoipa::path(delete, path = "/v1/polls/{id}", tag = "polls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the poll's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = SLUG_DOC, pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 204, description = "deleted"),
        (status = 403, description = "`wrong_mode`; or `forbidden` (`action`: `edit_polls`)"),
        (status = 404, description = "`not_found`: no such poll"),
        (status = 409, description = "`organization_archived`; or `conflict`: a sent poll is kept")))]
pub async fn delete_poll(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state.services.polls.delete(&scope, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends a draft poll (owner and admins): its audience — the segment's (or the whole district's)
/// contacts with a cell phone, one per number, without the numbers that replied STOP to this office —
/// is frozen, and one message per recipient is queued in the outbox. Never party: the snapshot has no
/// party column.
#[utoipa::path(post, path = "/v1/polls/{id}/send", tag = "polls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the poll's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = SLUG_DOC, pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the sent poll", body = PollDto),
        (status = 403, description = "`wrong_mode`; or `forbidden` (`action`: `edit_polls`)"),
        (status = 404, description = "`not_found`: no such poll"),
        (status = 409, description = "`organization_archived`; `district_not_set`; or `conflict`: the poll was sent already")))]
pub async fn send_poll(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
    ApiPath(id): ApiPath<String>,
    _: NoBody,
) -> ApiResult<Json<PollDto>> {
    let poll = state.services.polls.send(&scope, &id).await?;
    Ok(Json(PollDto::from(&poll)))
}

/// Closes a sent poll (owner and admins): later replies are not recorded. Closing a closed poll answers
/// it unchanged.
#[utoipa::path(post, path = "/v1/polls/{id}/close", tag = "polls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the poll's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = SLUG_DOC, pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the closed poll", body = PollDto),
        (status = 403, description = "`wrong_mode`; or `forbidden` (`action`: `edit_polls`)"),
        (status = 404, description = "`not_found`: no such poll"),
        (status = 409, description = "`organization_archived`; or `conflict`: a draft is not open")))]
pub async fn close_poll(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
    ApiPath(id): ApiPath<String>,
    _: NoBody,
) -> ApiResult<Json<PollDto>> {
    let poll = state.services.polls.close(&scope, &id).await?;
    Ok(Json(PollDto::from(&poll)))
}

/// A message of a poll's outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessageDto {
    /// Its place in the outbox (1..n).
    pub position: u32,
    /// The recipient (a contact's id).
    pub contact_id: Uuid,
    /// The recipient's cell phone (E.164).
    pub phone: String,
    /// The text.
    pub message: String,
    /// `queued`, `sent` or `failed`.
    #[schema(pattern = "^(queued|sent|failed)$")]
    pub status: String,
    /// When queued (the send).
    pub queued_at: DateTime<Utc>,
    /// When the SMS provider took it.
    pub sent_at: Option<DateTime<Utc>>,
}

/// `{messages, meta}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxList {
    /// In outbox order.
    pub messages: Vec<OutboxMessageDto>,
    /// Paging.
    pub meta: ContactsMeta,
}

/// A page of the poll's outbox: one message per recipient, as the delivery worker hands them to the SMS
/// provider (any member).
#[utoipa::path(get, path = "/v1/polls/{id}/outbox", tag = "polls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the poll's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = SLUG_DOC, pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
        ("page" = Option<u64>, Query, description = "1-based page (not with `cursor`)", minimum = 1, maximum = 4294967295_f64),
        ("per_page" = Option<u32>, Query, description = "page size, default 50", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "the `next_cursor` of the previous page (not with `page`)", pattern = r"^(?:[0-9A-Fa-f]{2}){0,1024}$")),
    responses((status = 200, description = "a page of the outbox", body = OutboxList),
        (status = 403, description = "`wrong_mode`: the organization is a Win organization"),
        (status = 404, description = "`not_found`: no such poll"),
        (status = 422, description = "`validation_failed`: a parameter out of range or unknown")))]
pub async fn get_poll_outbox(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
    ApiPath(id): ApiPath<String>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<OutboxList>> {
    let window = paging_window(pairs)?;
    let (page, next) = state.services.polls.outbox(&scope, &id, &window).await?;
    let (page_number, per_page) = match &window {
        ContactWindow::Page { page, per_page } => (Some(*page), *per_page),
        ContactWindow::After { per_page, .. } => (None, *per_page),
    };
    Ok(Json(OutboxList {
        meta: ContactsMeta {
            total: page.total,
            page: page_number,
            per_page,
            total_pages: page.total.div_ceil(u64::from(per_page)),
            next_cursor: next.as_ref().map(encode_cursor),
        },
        messages: page
            .messages
            .into_iter()
            .map(|m| OutboxMessageDto {
                position: m.position,
                contact_id: m.contact_id.as_uuid(),
                phone: m.phone,
                message: m.message,
                status: m.status,
                queued_at: m.queued_at,
                sent_at: m.sent_at,
            })
            .collect(),
    }))
}

/// A choice and how many chose it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OptionCountDto {
    /// The choice.
    pub option: String,
    /// Respondents who chose it.
    pub count: u64,
}

/// A bucket of a breakdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketDto {
    /// The attribute's value, or `other` (buckets under 5 respondents, merged).
    pub label: String,
    /// Respondents in it (at least 5).
    pub count: u64,
}

/// One answer's breakdown by an attribute.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerBreakdownDto {
    /// The choice; null for a free-text poll (all respondents).
    pub option: Option<String>,
    /// The k-anonymous buckets: none under 5 respondents.
    pub buckets: Vec<BucketDto>,
}

/// A breakdown by one non-party attribute.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakdownDto {
    /// `age_range`, `gender` or `voter_status` — never party.
    #[schema(pattern = "^(age_range|gender|voter_status)$")]
    pub attribute: &'static str,
    /// Per answer.
    pub answers: Vec<AnswerBreakdownDto>,
}

/// A poll's results: counts per choice, the response rate, and breakdowns in which no bucket has fewer
/// than 5 respondents, so that no answer can be traced to one constituent.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollResultsDto {
    /// The poll.
    pub poll: PollDto,
    /// Messages queued.
    pub recipients: u64,
    /// Recipients with a recognized answer.
    pub respondents: u64,
    /// Recipients whose replies named no choice.
    pub unrecognized: u64,
    /// `respondents / recipients`, 0 to 1.
    pub response_rate: f64,
    /// Per choice, in order (empty for a free-text poll).
    pub options: Vec<OptionCountDto>,
    /// By age range, gender and voter status.
    pub breakdown: Vec<BreakdownDto>,
    /// The answers of a free-text poll, oldest first, with nothing that names who gave them.
    pub free_text: Vec<String>,
}

impl From<PollResults> for PollResultsDto {
    fn from(r: PollResults) -> Self {
        Self {
            poll: PollDto::from(&r.poll),
            recipients: r.recipients,
            respondents: r.respondents,
            unrecognized: r.unrecognized,
            response_rate: r.response_rate,
            options: r
                .options
                .into_iter()
                .map(|(option, count)| OptionCountDto { option, count })
                .collect(),
            breakdown: r
                .breakdown
                .into_iter()
                .map(|b| BreakdownDto {
                    attribute: b.attribute.as_str(),
                    answers: b
                        .answers
                        .into_iter()
                        .map(|a| AnswerBreakdownDto {
                            option: a.option,
                            buckets: a
                                .buckets
                                .into_iter()
                                .map(|b| BucketDto {
                                    label: b.label,
                                    count: b.count,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            free_text: r.free_text,
        }
    }
}

/// The poll's results (any member; also once the office ended: nothing in them names anyone).
#[utoipa::path(get, path = "/v1/polls/{id}/results", tag = "polls", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the poll's id"),
        ("X-Organization-Slug" = Option<String>, Header, description = SLUG_DOC, pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the results", body = PollResultsDto),
        (status = 403, description = "`wrong_mode`: the organization is a Win organization"),
        (status = 404, description = "`not_found`: no such poll")))]
pub async fn get_poll_results(
    State(state): State<AppState>,
    ServeOrg(scope): ServeOrg,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<PollResultsDto>> {
    let results = state.services.polls.results(&scope, &id).await?;
    Ok(Json(results.into()))
}

/// What an inbound SMS did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsReceipt {
    /// `answered`, `opted_out`, `ignored` (no open poll messaged the number) or `duplicate` (this
    /// `webhook-id` was applied before).
    #[schema(pattern = "^(answered|opted_out|ignored|duplicate)$")]
    pub result: &'static str,
}

/// Receives a reply to a poll from the SMS provider, signed per the Standard Webhooks specification
/// (`WINSERVE_SMS_WEBHOOK_SECRET`). The reply goes to the most recently sent open poll of any office that
/// messaged the number, parsed to a choice (`1`, `A`, or the choice's text, case and accents ignored);
/// `STOP` opts the number out of that office's future polls. A `webhook-id` is applied once.
#[utoipa::path(post, path = "/v1/webhooks/sms", tag = "webhooks",
    params(("webhook-id" = String, Header, description = "the delivery's id (a redelivery repeats it)"),
        ("webhook-timestamp" = String, Header, description = "seconds since the epoch; at most 5 minutes from now"),
        ("webhook-signature" = String, Header, description = "`v1,<base64 HMAC-SHA256 of id.timestamp.body>` entries, space-separated")),
    request_body(content = String, content_type = "application/json", description = "`{from, body, received_at}`, exactly as signed"),
    responses((status = 200, description = "applied, or a redelivery", body = SmsReceipt),
        (status = 400, description = "`bad_request`: a signed body that is not `{from, body, received_at}`"),
        (status = 401, description = "`unauthorized`: missing, stale or wrong signature, or no secret is configured (`WINSERVE_SMS_WEBHOOK_SECRET`)"),
        (status = 503, description = "`unavailable`: the database is not reachable right now; the provider retries")))]
pub async fn sms_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<SmsReceipt>> {
    let Some(verifier) = state.sms_webhook.as_ref() else {
        return Err(ApiError::unauthorized(
            "no delivery can be verified: this server has no SMS webhook secret \
             (WINSERVE_SMS_WEBHOOK_SECRET)",
        ));
    };
    let id = verifier
        .verify_headers(&headers, &body, Utc::now())
        .map_err(|e| ApiError::unauthorized(e.to_string()))?;
    let sms = parse_inbound_sms(&body).map_err(ApiError::bad_request)?;
    let outcome = state
        .services
        .polls
        .receive_reply(id, &sms.from, &sms.body, sms.received_at)
        .await?;
    Ok(Json(SmsReceipt {
        result: match outcome {
            ReplyOutcome::Answered => "answered",
            ReplyOutcome::OptedOut => "opted_out",
            ReplyOutcome::Ignored => "ignored",
            ReplyOutcome::Duplicate => "duplicate",
        },
    }))
}
