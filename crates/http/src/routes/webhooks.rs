//! `POST /v1/webhooks/clerk`: Clerk's webhook deliveries (Svix-signed), which keep the members of
//! linked organizations in step with Clerk (issue 15). No bearer token: the signature is the
//! authentication.

use crate::clerk_webhook::{Delivery, parse};
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Applies a Clerk webhook delivery: `organizationMembership.created`, `.updated`, `.deleted` and
/// `organization.deleted` change the members of the organization linked to that Clerk organization
/// (never its owner); any other event type is acknowledged and ignored; a redelivered `svix-id` changes
/// nothing.
#[utoipa::path(post, path = "/v1/webhooks/clerk", tag = "webhooks",
    params(("svix-id" = String, Header, description = "the delivery's id (a redelivery repeats it)"),
        ("svix-timestamp" = String, Header, description = "seconds since the epoch; at most 5 minutes from now"),
        ("svix-signature" = String, Header, description = "`v1,<base64 HMAC-SHA256>` entries, space-separated")),
    request_body(content = String, content_type = "application/json", description = "Clerk's event payload, exactly as signed"),
    responses((status = 204, description = "applied, a redelivery, or an event type winserve does not act on"),
        (status = 400, description = "`bad_request`: a signed payload of a known type that lacks what it needs"),
        (status = 401, description = "`unauthorized`: missing, stale or wrong signature, or no webhook secret is configured (`WINSERVE_CLERK_WEBHOOK_SECRET`)"),
        (status = 503, description = "`unavailable`: the database is not reachable right now; Clerk retries the delivery")))]
pub async fn clerk_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let Some(verifier) = state.clerk_webhook.as_ref() else {
        return Err(ApiError::unauthorized(
            "no delivery can be verified: this server has no Clerk webhook secret \
             (WINSERVE_CLERK_WEBHOOK_SECRET)",
        ));
    };
    let now = Utc::now();
    verifier
        .verify(
            header(&headers, "svix-id"),
            header(&headers, "svix-timestamp"),
            header(&headers, "svix-signature"),
            &body,
            now,
        )
        .map_err(|e| ApiError::unauthorized(e.to_string()))?;
    let id = header(&headers, "svix-id").unwrap_or_default();
    match parse(&body, now).map_err(ApiError::bad_request)? {
        Delivery::Known(kind, event) => {
            state
                .services
                .clerk
                .apply_delivery(id, kind, &event)
                .await?;
        }
        Delivery::Ignored => {}
    }
    Ok(StatusCode::NO_CONTENT)
}
