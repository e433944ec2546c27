//! # winserve-api
//!
//! The HTTP API of winserve (axum), its OpenAPI document, and the pieces of the `winserve` binary.

pub mod auth;
pub mod context;
pub mod dto;
pub mod extract;
pub mod problem;
pub mod router;
pub mod routes;
pub mod state;
pub mod cli;
pub mod config;
pub mod import;
pub mod local_pg;
pub mod demo;
pub mod seed;
