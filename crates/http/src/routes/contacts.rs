//! Contacts: the voters of the organization's effective district — list (page or cursor), detail, CSV
//! export and statistics — through the party policy of the organization's mode.

use crate::contact_dto::{ContactDto, csv_header, csv_rows};
use crate::context::OrgContext;
use crate::extract::{ApiPath, ApiQuery};
use crate::problem::{ApiError, ApiResult};
use crate::routes::reference::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use winserve_application::{
    Bucket, ContactCursor, ContactExport, ContactPage, ContactQuery, ContactWindow, OrgScope,
};
use winserve_domain::{PartyPolicy, SegmentCriteria, VoterId};

/// Paging of a contacts list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactsMeta {
    /// Exact number of matching contacts.
    pub total: u64,
    /// The page number (null when paging by cursor).
    pub page: Option<u32>,
    /// Page size.
    pub per_page: u32,
    /// Number of pages.
    pub total_pages: u64,
    /// Pass as `cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// `{contacts, meta}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactList {
    /// In (last name, first name, id) order.
    pub contacts: Vec<ContactDto>,
    /// Paging.
    pub meta: ContactsMeta,
}

const SEPARATOR: char = '\u{1f}';

/// Encodes a cursor as opaque hex.
pub fn encode_cursor(c: &ContactCursor) -> String {
    let raw = format!(
        "{}{SEPARATOR}{}{SEPARATOR}{}",
        c.last_name_key, c.first_name_key, c.voter_id
    );
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a cursor made by [`encode_cursor`].
pub fn decode_cursor(text: &str) -> Option<ContactCursor> {
    if !text.len().is_multiple_of(2) || text.len() > 2048 {
        return None;
    }
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    let raw = String::from_utf8(bytes).ok()?;
    let mut parts = raw.split(SEPARATOR);
    let (last, first, id) = (parts.next()?, parts.next()?, parts.next()?);
    // No stored key holds a NUL (PostgreSQL refuses one in text): such a cursor was not made here.
    if parts.next().is_some() || last.contains('\0') || first.contains('\0') {
        return None;
    }
    Some(ContactCursor {
        last_name_key: last.to_owned(),
        first_name_key: first.to_owned(),
        voter_id: VoterId::from_uuid(Uuid::parse_str(id).ok()?),
    })
}

/// The query parameters of the contacts endpoints: `segment`, `search`, `page`, `per_page`, `cursor`,
/// plus ad-hoc criteria with the keys of the segment criteria (lists comma-separated, e.g.
/// `voter_status=super,likely&has_cell_phone=true`).
#[derive(Debug, Default)]
pub struct ContactParams {
    segment: Option<String>,
    search: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
    cursor: Option<String>,
    adhoc: SegmentCriteria,
}

const BOOL_KEYS: [&str; 3] = ["has_cell_phone", "has_landline", "has_address"];

impl ContactParams {
    /// Reads the raw pairs; unknown keys and bad values are 422 `validation_failed`.
    pub fn parse(pairs: Vec<(String, String)>, paging: bool) -> ApiResult<Self> {
        let mut params = ContactParams::default();
        let mut criteria = serde_json::Map::new();
        let number = |key: &str, v: &str| {
            v.parse::<u32>()
                .map_err(|_| ApiError::validation(key, "must be a whole number"))
        };
        for (key, value) in pairs {
            match key.as_str() {
                "segment" => params.segment = Some(value),
                "search" => params.search = Some(value),
                "page" if paging => params.page = Some(number("page", &value)?),
                "per_page" if paging => params.per_page = Some(number("per_page", &value)?),
                "cursor" if paging => params.cursor = Some(value),
                k if BOOL_KEYS.contains(&k) => {
                    let b = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(ApiError::validation(key, "must be true or false")),
                    };
                    if criteria
                        .insert(key.clone(), serde_json::Value::Bool(b))
                        .is_some()
                    {
                        return Err(ApiError::validation(key, "must be given once"));
                    }
                }
                _ => {
                    // A repeated key adds to the list (`a=x&a=y` is `a=x,y`).
                    let entry = criteria
                        .entry(key)
                        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                    if let serde_json::Value::Array(list) = entry {
                        list.extend(
                            value
                                .split(',')
                                .map(|v| serde_json::Value::String(v.trim().to_owned())),
                        );
                    }
                }
            }
        }
        let adhoc: SegmentCriteria = serde_json::from_value(serde_json::Value::Object(criteria))
            .map_err(|e| ApiError::validation("query", e.to_string()))?;
        params.adhoc = adhoc.normalized()?;
        Ok(params)
    }

    /// Which contacts the parameters ask for.
    fn query(&self) -> ContactQuery {
        ContactQuery {
            segment: self.segment.clone(),
            search: self.search.clone(),
            criteria: self.adhoc.clone(),
        }
    }

    fn window(&self) -> ApiResult<ContactWindow> {
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::validation(
                "per_page",
                "must be between 1 and 100",
            ));
        }
        match (&self.cursor, self.page) {
            (Some(_), Some(_)) => Err(ApiError::validation(
                "cursor",
                "use either page or cursor, not both",
            )),
            (Some(c), None) => {
                let cursor = decode_cursor(c).ok_or_else(|| {
                    ApiError::validation("cursor", "is not a cursor of this list")
                })?;
                Ok(ContactWindow::After {
                    cursor: Some(cursor),
                    per_page,
                })
            }
            (None, page) => {
                let page = page.unwrap_or(1);
                if page == 0 {
                    return Err(ApiError::validation("page", "must be 1 or more"));
                }
                Ok(ContactWindow::Page { page, per_page })
            }
        }
    }
}

/// The contacts of the organization's district, 50 (up to 100) at a time, by page or cursor, with the
/// exact total.
#[utoipa::path(get, path = "/v1/contacts", tag = "contacts", security(("bearer" = [])),
    params(
        ("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
        ("segment" = Option<String>, Query, description = "a built-in segment key or a custom segment id"),
        ("search" = Option<String>, Query, description = "every word must start a word of the contact's names, street line, city or ZIP (case and accents ignored, apostrophes dropped); a phone-like query (digits and ()-. +, at least 4 digits) also matches the start of a phone number, of its 7-digit local number, or its last 4 digits; party never matches; at most 8 words and 200 characters; no word at all is no search", max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"),
        ("page" = Option<u64>, Query, description = "1-based page (not with `cursor`)", minimum = 1, maximum = 4294967295_f64),
        ("per_page" = Option<u32>, Query, description = "page size, default 50", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "the `next_cursor` of the previous page (not with `page`)", pattern = r"^(?:[0-9A-Fa-f]{2}){0,1024}$"),
    ),
    responses((status = 200, description = "a page of contacts", body = ContactList),
        (status = 404, description = "`segment_not_found`: `segment` names no built-in segment and no segment of this organization"),
        (status = 409, description = "`organization_archived`: the organization is archived; or `district_not_set`: it has no district"),
        (status = 422, description = "`validation_failed`: a parameter out of range or an unknown criterion; or `party_filter_not_allowed`: a party criterion in a Serve organization")))]
pub async fn list_contacts(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<ContactList>> {
    let params = ContactParams::parse(pairs, true)?;
    let window = params.window()?;
    let found = state
        .services
        .contacts
        .list(&scope, &params.query(), &window)
        .await?;
    Ok(Json(ContactList::new(found, &window, scope.party_policy())))
}

impl ContactList {
    /// The answer of a page of contacts fetched through `window`, seen through `policy`.
    pub fn new(found: ContactPage, window: &ContactWindow, policy: PartyPolicy) -> Self {
        let (page, per_page) = match window {
            ContactWindow::Page { page, per_page } => (Some(*page), *per_page),
            ContactWindow::After { per_page, .. } => (None, *per_page),
        };
        ContactList {
            contacts: found
                .contacts
                .into_iter()
                .map(|v| ContactDto::new(v, policy))
                .collect(),
            meta: ContactsMeta {
                total: found.total,
                page,
                per_page,
                total_pages: found.total.div_ceil(u64::from(per_page)),
                next_cursor: found.next.as_ref().map(encode_cursor),
            },
        }
    }
}

/// The paging window of a request that takes only `page`, `per_page` and `cursor` (a plan's audience).
pub fn paging_window(pairs: Vec<(String, String)>) -> ApiResult<ContactWindow> {
    if let Some((key, _)) = pairs
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "page" | "per_page" | "cursor"))
    {
        return Err(ApiError::validation(
            key.as_str(),
            "unknown parameter: only page, per_page and cursor",
        ));
    }
    ContactParams::parse(pairs, true)?.window()
}

/// One contact of the organization's district; any other voter is 404.
#[utoipa::path(get, path = "/v1/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the contact's id"), ("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$")),
    responses((status = 200, description = "the contact", body = ContactDto),
        (status = 404, description = "`not_found`: no voter of the organization's district has this id"),
        (status = 409, description = "`organization_archived`: the organization is archived; or `district_not_set`: it has no district"),
        (status = 422, description = "`validation_failed`: the id is not a UUID")))]
pub async fn get_contact(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ContactDto>> {
    let voter = state
        .services
        .contacts
        .get(&scope, VoterId::from_uuid(id))
        .await?;
    Ok(Json(ContactDto::new(voter, scope.party_policy())))
}

/// Every matching contact as CSV with a header row, streamed from the database (memory stays flat).
#[utoipa::path(get, path = "/v1/contacts/export", tag = "contacts", security(("bearer" = [])),
    params(
        ("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
        ("segment" = Option<String>, Query, description = "a built-in segment key or a custom segment id"),
        ("search" = Option<String>, Query, description = "every word must start a word of the contact's names, street line, city or ZIP (case and accents ignored, apostrophes dropped); a phone-like query (digits and ()-. +, at least 4 digits) also matches the start of a phone number, of its 7-digit local number, or its last 4 digits; party never matches; at most 8 words and 200 characters; no word at all is no search", max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"),
    ),
    responses((status = 200, description = "every matching contact as CSV with a header row", content_type = "text/csv", body = String),
        (status = 403, description = "`forbidden`: members may not export contacts (`action`: `export_contacts`)"),
        (status = 404, description = "`segment_not_found`: `segment` names no built-in segment and no segment of this organization"),
        (status = 409, description = "`organization_archived`: the organization is archived; or `district_not_set`: it has no district"),
        (status = 422, description = "`validation_failed`: a parameter out of range or an unknown criterion; or `party_filter_not_allowed`: a party criterion in a Serve organization"),
        (status = 429, description = "`too_many_requests`: the organization or the server already runs as many exports as allowed")))]
pub async fn export_contacts(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
    headers: HeaderMap,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let params = ContactParams::parse(pairs, false)?;
    let query = params.query();
    let export = async { Ok(state.services.contacts.export(&scope, &query).await?) };
    csv_export(&state, &scope, &headers, export, "contacts").await
}

/// The contacts of `export` (run once an export slot is held) in `scope`, as a streamed CSV attachment
/// named `{name}-{organization slug}.csv`, holding one of the organization's export slots until the last
/// row.
pub async fn csv_export(
    state: &AppState,
    scope: &OrgScope,
    headers: &HeaderMap,
    export: impl Future<Output = ApiResult<ContactExport>>,
    name: &str,
) -> ApiResult<Response> {
    let policy = scope.party_policy();
    let header_row = csv_header(policy).map_err(ApiError::internal)?;
    // The slot is held by the body until its last row is sent or the client goes away.
    let permit = state
        .limits
        .start_export(scope.organization().id.as_uuid())?;
    let export = export.await?;
    let body = match export.rows {
        None => Body::from(header_row),
        Some(rows) => {
            let mut chunks = rows.ready_chunks(256);
            // The first rows arrive once the query ran: a query that fails is answered with a problem
            // (logged with the request id by the trace span) before any byte of CSV is sent.
            let first = match chunks.next().await {
                Some(chunk) => chunk.into_iter().collect::<Result<Vec<_>, _>>()?,
                None => Vec::new(),
            };
            let mut head = header_row.to_vec();
            head.extend_from_slice(&csv_rows(&first, policy).map_err(ApiError::internal)?);
            let request_id = request_id(headers);
            let rest = chunks.map(move |chunk| {
                let _slot = &permit;
                let voters = chunk
                    .into_iter()
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| {
                        // Headers and rows are out: the only honest signal left is to abort the
                        // chunked transfer, which the client sees as a truncated body.
                        tracing::error!(%request_id, cause = %e.chain(), "export failed mid-stream; aborting the transfer");
                        std::io::Error::other(e.to_string())
                    })?;
                csv_rows(&voters, policy).map_err(std::io::Error::other)
            });
            let head = futures_util::stream::once(async move {
                Ok::<Bytes, std::io::Error>(Bytes::from(head))
            });
            Body::from_stream(head.chain(rest))
        }
    };
    let filename = format!(
        "attachment; filename=\"{name}-{}.csv\"",
        scope.organization().slug
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        body,
    )
        .into_response())
}

/// The request id the router's layers assigned (`x-request-id`), for log lines written outside the
/// request's span.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// A breakdown bucket.
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketDto {
    /// The criteria value.
    pub label: String,
    /// Contacts in it.
    pub count: u64,
}

/// The breakdowns; `party` is absent in Serve mode.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsBuckets {
    /// By age bracket.
    pub age: Vec<BucketDto>,
    /// By gender.
    pub gender: Vec<BucketDto>,
    /// By voter status.
    pub voter_status: Vec<BucketDto>,
    /// By party (Win only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<Vec<BucketDto>>,
}

/// `GET /v1/contacts/stats`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    /// Matching contacts.
    pub total: u64,
    /// With a cell phone.
    pub with_cell_phone: u64,
    /// With a landline.
    pub with_landline: u64,
    /// Breakdowns.
    pub buckets: StatsBuckets,
}

fn bucket_dtos(buckets: Vec<Bucket>) -> Vec<BucketDto> {
    buckets
        .into_iter()
        .map(|b| BucketDto {
            label: b.label,
            count: b.count,
        })
        .collect()
}

/// Totals and breakdowns of the organization's contacts (party only in Win mode).
#[utoipa::path(get, path = "/v1/contacts/stats", tag = "contacts", security(("bearer" = [])),
    params(
        ("X-Organization-Slug" = Option<String>, Header, description = "the organization to act in (else the token's Clerk active-organization claim); a slug: 3 to 63 of `a-z`, `0-9`, `-`", pattern = r"^(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
        ("segment" = Option<String>, Query, description = "a built-in segment key or a custom segment id"),
        ("search" = Option<String>, Query, description = "every word must start a word of the contact's names, street line, city or ZIP (case and accents ignored, apostrophes dropped); a phone-like query (digits and ()-. +, at least 4 digits) also matches the start of a phone number, of its 7-digit local number, or its last 4 digits; party never matches; at most 8 words and 200 characters; no word at all is no search", max_length = 200, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"),
    ),
    responses((status = 200, description = "totals and breakdowns", body = StatsDto),
        (status = 404, description = "`segment_not_found`: `segment` names no built-in segment and no segment of this organization"),
        (status = 409, description = "`organization_archived`: the organization is archived; or `district_not_set`: it has no district"),
        (status = 422, description = "`validation_failed`: a parameter out of range or an unknown criterion; or `party_filter_not_allowed`: a party criterion in a Serve organization")))]
pub async fn get_contact_stats(
    State(state): State<AppState>,
    OrgContext(scope): OrgContext,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<StatsDto>> {
    let params = ContactParams::parse(pairs, false)?;
    let s = state
        .services
        .contacts
        .stats(&scope, &params.query())
        .await?;
    Ok(Json(StatsDto {
        total: s.total,
        with_cell_phone: s.with_cell_phone,
        with_landline: s.with_landline,
        buckets: StatsBuckets {
            age: bucket_dtos(s.age),
            gender: bucket_dtos(s.gender),
            voter_status: bucket_dtos(s.voter_status),
            party: s.party.map(bucket_dtos),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let c = ContactCursor {
            last_name_key: "núñez".into(),
            first_name_key: "jose".into(),
            voter_id: VoterId::generate(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&c)), Some(c));
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor("abc"), None);
    }

    #[test]
    fn adhoc_criteria_are_parsed_and_checked() {
        let p = ContactParams::parse(
            vec![
                ("voter_status".into(), "super,likely".into()),
                ("has_cell_phone".into(), "true".into()),
            ],
            true,
        )
        .unwrap();
        assert_eq!(p.adhoc.has_cell_phone, Some(true));
        assert_eq!(p.adhoc.voter_status.unwrap().len(), 2);
        assert!(ContactParams::parse(vec![("shoe".into(), "1".into())], true).is_err());
        assert!(
            ContactParams::parse(vec![("voter_status".into(), "sometimes".into())], true).is_err()
        );
        assert!(ContactParams::parse(vec![("has_landline".into(), "yes".into())], true).is_err());
        assert!(ContactParams::parse(vec![("page".into(), "2".into())], false).is_err());
        let repeated = ContactParams::parse(
            vec![
                ("gender".into(), "male".into()),
                ("gender".into(), "female".into()),
            ],
            true,
        )
        .unwrap();
        assert_eq!(repeated.adhoc.gender.unwrap().len(), 2);
        assert!(
            ContactParams::parse(
                vec![
                    ("has_landline".into(), "true".into()),
                    ("has_landline".into(), "false".into())
                ],
                true
            )
            .is_err()
        );
    }

    #[test]
    fn windows_are_checked() {
        let w = |pairs: Vec<(&str, &str)>| {
            ContactParams::parse(
                pairs
                    .into_iter()
                    .map(|(a, b)| (a.into(), b.into()))
                    .collect(),
                true,
            )
            .and_then(|p| p.window())
        };
        assert!(w(vec![("per_page", "0")]).is_err());
        assert!(w(vec![("per_page", "101")]).is_err());
        assert!(w(vec![("page", "0")]).is_err());
        assert!(w(vec![("page", "1"), ("cursor", "00")]).is_err());
        assert!(w(vec![("cursor", "nothex")]).is_err());
        assert_eq!(
            w(vec![("page", "3"), ("per_page", "100")]).unwrap(),
            ContactWindow::Page {
                page: 3,
                per_page: 100
            }
        );
    }
}
