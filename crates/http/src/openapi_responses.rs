//! The error responses of the OpenAPI document, declared once by route class instead of in every
//! handler's attribute.
//!
//! A handler's `#[utoipa::path]` lists its success and the errors particular to it (`not_found`,
//! `wrong_mode`, `organization_archived`, …) with a description naming the problem codes. Then
//! [`document_errors`], run over the assembled document, adds the answers a route gets from what it is
//! rather than from what it does, and writes every error as `application/problem+json` with the
//! [`Problem`](crate::problem::Problem) schema:
//!
//! | class (seen in the document) | answers added |
//! |---|---|
//! | every route | 414 `uri_too_long`, 431 `header_fields_too_large`, 500 `internal` |
//! | bearer security (the [`AuthUser`](crate::context::AuthUser) extractors) | 401 `unauthorized`, 429 `too_many_requests` (per-user rate limit), 503 `unavailable` (the caller is looked up in the database) |
//! | an `X-Organization-Slug` header parameter ([`OrgContext`](crate::context::OrgContext)) | 400 `organization_required`, 404 `organization_not_found` |
//! | a request body ([`ApiJson`](crate::extract::ApiJson)) | 400 `bad_request`, 408 `request_timeout`, 413 `payload_too_large`, 422 `validation_failed` |
//!
//! 429 and 503 carry a `Retry-After` header. A status a handler already declares keeps its description,
//! and the class's is appended, so one status can name several codes.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{
    ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Type, schema::ObjectBuilder,
};

/// The content type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

const RETRY_AFTER: &str = "Retry-After";

/// 401 of every authenticated route.
const UNAUTHORIZED: &str = "`unauthorized`: no bearer token, or one that is malformed, expired, not yet \
     valid or not signed by a configured key";
/// 429 of every authenticated route.
const TOO_MANY_REQUESTS: &str = "`too_many_requests`: more requests than the per-user rate limit allows; \
     retry after `Retry-After` seconds";
/// 503 of every route that reads the database.
const UNAVAILABLE: &str = "`unavailable`: the database is not reachable right now, or the request took \
     longer than the server allows; retry after `Retry-After` seconds";
/// 414 of every route.
const URI_TOO_LONG: &str = "`uri_too_long`: the request target (path and query) is over 8 KiB";
/// 431 of every route.
const HEADER_FIELDS_TOO_LARGE: &str =
    "`header_fields_too_large`: more than 100 header lines, or over 16 KiB of headers";
/// 500 of every route.
const INTERNAL: &str =
    "`internal`: something went wrong on the server; details are logged, never sent";
/// 400 of organization-scoped routes.
const ORGANIZATION_REQUIRED: &str = "`organization_required`: no `X-Organization-Slug` header, and the \
     token's Clerk active-organization claim names none of the caller's organizations";
/// 404 of organization-scoped routes.
const ORGANIZATION_NOT_FOUND: &str = "`organization_not_found`: the caller has no organization with \
     this slug (another user's organization answers the same)";
/// 400 of routes with a body.
const BAD_REQUEST: &str =
    "`bad_request`: the body is not JSON, or is sent without `Content-Type: application/json`";
/// 408 of routes with a body.
const REQUEST_TIMEOUT: &str = "`request_timeout`: the client did not send the whole body in time";
/// 413 of routes with a body.
const PAYLOAD_TOO_LARGE: &str = "`payload_too_large`: the body is over 1 MiB";
/// 422 of routes with a body.
const VALIDATION_FAILED: &str = "`validation_failed`: a field is missing, unknown, of the wrong type or \
     out of range; `errors` names each one";

/// Adds the error answers of each route's class to every operation of `doc` and makes every error
/// answer `application/problem+json` with the `Problem` schema (see the module documentation).
pub fn document_errors(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            add_class_errors(operation);
            for (status, response) in operation.responses.responses.iter_mut() {
                if let (Ok(code), RefOr::T(response)) = (status.parse::<u16>(), response)
                    && code >= 400
                {
                    make_problem(response, code);
                }
            }
        }
    }
}

fn add_class_errors(operation: &mut Operation) {
    let authenticated = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    let organization_scoped = operation.parameters.iter().flatten().any(|p| {
        matches!(p.parameter_in, ParameterIn::Header)
            && p.name
                .eq_ignore_ascii_case(crate::context::ORGANIZATION_HEADER)
    });
    let with_body = operation.request_body.is_some();
    let mut add = |status: u16, description: &str| add_error(operation, status, description);
    if authenticated {
        add(401, UNAUTHORIZED);
        add(429, TOO_MANY_REQUESTS);
        add(503, UNAVAILABLE);
    }
    if organization_scoped {
        add(400, ORGANIZATION_REQUIRED);
        add(404, ORGANIZATION_NOT_FOUND);
    }
    if with_body {
        add(400, BAD_REQUEST);
        add(408, REQUEST_TIMEOUT);
        add(413, PAYLOAD_TOO_LARGE);
        add(422, VALIDATION_FAILED);
    }
    add(414, URI_TOO_LONG);
    add(431, HEADER_FIELDS_TOO_LARGE);
    add(500, INTERNAL);
}

/// Declares `status` with `description`, or appends `description` to the status already declared
/// (unless it already says it).
fn add_error(operation: &mut Operation, status: u16, description: &str) {
    let responses = &mut operation.responses.responses;
    match responses.get_mut(&status.to_string()) {
        Some(RefOr::T(existing)) => {
            if !existing.description.contains(description) {
                existing.description = if existing.description.is_empty() {
                    description.to_owned()
                } else {
                    format!("{}; or {description}", existing.description)
                };
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            responses.insert(
                status.to_string(),
                RefOr::T(ResponseBuilder::new().description(description).build()),
            );
        }
    }
}

/// Makes `response` a problem+json answer; 429 and 503 also get their `Retry-After` header.
fn make_problem(response: &mut Response, status: u16) {
    response.content.clear();
    response.content.insert(
        PROBLEM_JSON.to_owned(),
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    if matches!(status, 429 | 503) {
        response.headers.insert(
            RETRY_AFTER.to_owned(),
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                )
                .description(Some("seconds to wait before trying again"))
                .build(),
        );
    }
    if response.description.is_empty() {
        response.description = format!("HTTP {status} as problem+json");
    }
}
