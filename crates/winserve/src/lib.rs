//! # winserve (the binary's library)
//!
//! Everything the `winserve` command does besides parsing its arguments: the commands ([`cli`]) and
//! why they fail ([`error`]), the configuration from the environment ([`config`]), the demo world
//! ([`demo`]), a private PostgreSQL when none runs ([`local_pg`]), and [`wiring`] — the one place that
//! picks the PostgreSQL adapters for the application's ports.

pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod local_pg;
pub mod observability;
pub mod server;
pub mod sms;
pub mod wiring;
