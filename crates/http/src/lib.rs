//! # winserve-http
//!
//! The HTTP API of winserve (axum): the router and its OpenAPI document, authentication, the extractors
//! that say who calls and in which organization, request and response bodies, and problem+json errors.
//! Handlers translate HTTP into calls of the application's services and back; this crate depends on no
//! database crate.

pub mod auth;
pub mod clerk_webhook;
pub mod console;
pub mod contact_dto;
pub mod context;
pub mod dto;
pub mod extract;
pub mod limits;
pub mod openapi_responses;
pub mod openapi_schemas;
pub mod outcome_upload;
pub mod problem;
pub mod router;
pub mod routes;
pub mod standard_webhooks;
pub mod state;
