//! # winserve-api
//!
//! The HTTP API of winserve (axum), its OpenAPI document, and the pieces of the `winserve` binary.

pub mod auth;
pub mod cli;
pub mod config;
pub mod context;
pub mod demo;
pub mod dto;
pub mod extract;
pub mod import;
pub mod local_pg;
pub mod problem;
pub mod router;
pub mod routes;
pub mod seed;
pub mod state;
