//! # winserve-application
//!
//! The ports of winserve's hexagon — the repository traits the application needs
//! ([`repositories`]) — and the application services that use them ([`app`]). Adapters (PostgreSQL) implement
//! the traits; the HTTP API calls the services. With the `mock` feature every trait has a mockall mock
//! (`MockUserRepository`, …) for unit tests of services and handlers.

pub mod app;
pub mod error;
pub mod repositories;

pub use app::*;
pub use error::*;
pub use repositories::*;
