//! The router: every endpoint, the OpenAPI document generated from the handlers, and the production
//! layers (request ids, tracing, timeout, body limit, panic catching).

use crate::extract::BodyDeadline;
use crate::problem::ApiError;
use crate::routes::{
    campaigns, contacts, health, invitations, me, members, offices, organizations, outreach, polls,
    reference, segments, webhooks,
};
use crate::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::HeaderName;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Requests taking longer than this (besides the time their body may take to arrive) are answered with
/// 503 `unavailable`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest request target (path and query) accepted; longer is 414 `uri_too_long`.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The most header lines accepted; more is 431 `header_fields_too_large`.
pub const MAX_HEADERS: usize = 100;

/// The largest header section accepted (names, values and separators); larger is 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(OpenApi)]
#[openapi(
    info(
        title = "winserve",
        description = "One account from campaign (Win) to elected office (Serve) and back.",
        version = "1"
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::problem::Problem, crate::problem::FieldError))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::get_live))
        .routes(routes!(health::get_ready))
        .routes(routes!(me::get_me))
        .routes(routes!(me::put_active_organization))
        .routes(routes!(me::get_history))
        .routes(routes!(organizations::list_organizations))
        .routes(routes!(
            organizations::get_organization,
            organizations::patch_organization
        ))
        .routes(routes!(organizations::get_organization_nav))
        .routes(routes!(members::list_members))
        .routes(routes!(members::patch_member, members::delete_member))
        .routes(routes!(members::transfer_ownership))
        .routes(routes!(
            invitations::create_invitation,
            invitations::list_invitations
        ))
        .routes(routes!(invitations::revoke_invitation))
        .routes(routes!(invitations::accept_invitation))
        .routes(routes!(
            campaigns::create_campaign,
            campaigns::list_campaigns
        ))
        .routes(routes!(campaigns::get_current_campaign))
        .routes(routes!(campaigns::get_campaign, campaigns::patch_campaign))
        .routes(routes!(campaigns::launch_campaign))
        .routes(routes!(campaigns::record_campaign_result))
        .routes(routes!(offices::list_elected_offices))
        .routes(routes!(offices::get_current_elected_office))
        .routes(routes!(
            offices::get_elected_office,
            offices::patch_elected_office
        ))
        .routes(routes!(offices::end_elected_office))
        .routes(routes!(reference::list_positions))
        .routes(routes!(reference::list_districts))
        .routes(routes!(contacts::list_contacts))
        .routes(routes!(contacts::export_contacts))
        .routes(routes!(contacts::get_contact_stats))
        .routes(routes!(contacts::get_contact))
        .routes(routes!(segments::list_segments, segments::create_segment))
        .routes(routes!(
            segments::get_segment,
            segments::patch_segment,
            segments::delete_segment
        ))
        .routes(routes!(segments::count_segment))
        .routes(routes!(webhooks::clerk_webhook))
        .routes(routes!(outreach::list_outreach, outreach::create_outreach))
        .routes(routes!(
            outreach::get_outreach,
            outreach::patch_outreach,
            outreach::delete_outreach
        ))
        .routes(routes!(outreach::set_outreach_status))
        .routes(routes!(outreach::get_outreach_audience))
        .routes(routes!(outreach::export_outreach_audience))
        .routes(routes!(outreach::record_outreach_results))
        .routes(routes!(outreach::get_outreach_summary))
        .routes(routes!(polls::list_polls, polls::create_poll))
        .routes(routes!(
            polls::get_poll,
            polls::patch_poll,
            polls::delete_poll
        ))
        .routes(routes!(polls::send_poll))
        .routes(routes!(polls::close_poll))
        .routes(routes!(polls::get_poll_outbox))
        .routes(routes!(polls::get_poll_results))
        .routes(routes!(polls::sms_webhook))
}

/// The OpenAPI document of every endpoint.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api_routes().into_openapi();
    crate::openapi_responses::document_errors(&mut doc);
    doc
}

async fn not_found() -> ApiError {
    ApiError::not_found("resource")
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// Whether a request announces a body (a length above zero, or chunks).
fn has_body(request: &Request) -> bool {
    let headers = request.headers();
    headers.contains_key(axum::http::header::TRANSFER_ENCODING)
        || headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

async fn timeout(body_timeout: Duration, mut request: Request, next: Next) -> Response {
    // The handler's time starts once the body is in: a slow body is the client's 408, not our 503.
    let limit = if has_body(&request) {
        request
            .extensions_mut()
            .insert(BodyDeadline(tokio::time::Instant::now() + body_timeout));
        REQUEST_TIMEOUT + body_timeout
    } else {
        REQUEST_TIMEOUT
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("request timed out");
            ApiError::unavailable().into_response()
        }
    }
}

/// 414 and 431 as problem+json, for targets and header sections that hyper's own (larger) limits let
/// through.
async fn header_limits(request: Request, next: Next) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        metrics::counter!("winserve_http_rejected_total", "reason" => "uri_too_long").increment(1);
        return ApiError::uri_too_long(MAX_URI_BYTES).into_response();
    }
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        metrics::counter!("winserve_http_rejected_total", "reason" => "header_fields_too_large")
            .increment(1);
        return ApiError::header_fields_too_large(format!(
            "requests are limited to {MAX_HEADERS} header lines and {MAX_HEADER_BYTES} bytes of headers"
        ))
        .into_response();
    }
    next.run(request).await
}

/// Request count, latency and in-flight gauge by route template, method and status class.
async fn record_metrics(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let in_flight = metrics::gauge!("winserve_http_requests_in_flight");
    in_flight.increment(1.0);
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    in_flight.decrement(1.0);
    let status = match response.status().as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    let labels = [
        ("route", route),
        ("method", method),
        ("status", status.to_owned()),
    ];
    metrics::counter!("winserve_http_requests_total", &labels).increment(1);
    metrics::histogram!("winserve_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a handler panicked").into_response()
}

/// The complete application: routes, the OpenAPI document at `/v1/openapi.json`, and the layers.
pub fn router(state: AppState) -> axum::Router {
    let body_timeout = state.limits.config().body_timeout;
    let (router, mut doc) = api_routes().split_for_parts();
    crate::openapi_responses::document_errors(&mut doc);
    let doc = std::sync::Arc::new(doc);
    router
        .route(
            "/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/", get(crate::console::index))
        .route("/console/{file}", get(crate::console::asset))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(record_metrics))
        .layer(middleware::from_fn(move |request, next| {
            timeout(body_timeout, request, next)
        }))
        .layer(middleware::from_fn(header_limits))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}
