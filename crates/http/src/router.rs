//! The router: every endpoint, the OpenAPI document generated from the handlers, and the production
//! layers (request ids, tracing, timeout, body limit, panic catching).

use crate::problem::ApiError;
use crate::routes::{campaigns, contacts, health, me, offices, organizations, reference, segments};
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

/// Requests taking longer than this are answered with 503 `unavailable`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

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
}

/// The OpenAPI document of every endpoint.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().into_openapi()
}

async fn not_found() -> ApiError {
    ApiError::not_found("resource")
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

async fn timeout(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("request timed out");
            ApiError::unavailable().into_response()
        }
    }
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a handler panicked").into_response()
}

/// The complete application: routes, the OpenAPI document at `/v1/openapi.json`, and the layers.
pub fn router(state: AppState) -> axum::Router {
    let (router, doc) = api_routes().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    router
        .route(
            "/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(timeout))
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
