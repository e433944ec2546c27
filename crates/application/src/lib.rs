//! # winserve-application
//!
//! The application layer of winserve's hexagon:
//!
//! - [`services`] — one service per resource (accounts, organizations, campaigns, offices, segments,
//!   contacts, reference data, imports, health): the only door to the rules. Each method returns its
//!   result or its own error enum with named business variants.
//! - [`ports`] — the repository traits the services use and the adapters (PostgreSQL) implement. With
//!   the `mock` feature every trait has a mockall mock (`MockUserRepository`, …) for unit tests of the
//!   services.
//! - [`error`] — the errors ports return ([`StoreError`] keeps its cause).
//!
//! The HTTP API and the command line call the services; nothing outside this crate calls a port.

pub mod error;
pub mod ports;
pub mod services;

pub use error::*;
pub use ports::*;
pub use services::*;
