//! Errors the ports return. Infrastructure failures share [`StoreError`]; each operation with business
//! outcomes has its own enum naming them.

use winserve_domain::{InvalidValue, LifecycleError};

/// A storage failure that is not a business outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or no connection was free in time; retrying later may work.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else. The detail is for logs, never for clients.
    #[error("storage failure: {0}")]
    Internal(String),
}

/// Why a lifecycle transaction did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleStoreError {
    /// The domain refused the command.
    #[error(transparent)]
    Rejected(#[from] LifecycleError),
    /// Storage failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an organization, campaign or office could not be updated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// No such record among the caller's.
    #[error("not found")]
    NotFound,
    /// Its organization is archived.
    #[error("the organization is archived and read-only")]
    Archived,
    /// A value is invalid, or refers to reference data that does not exist.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A unique value is taken (e.g. a Clerk organization id, or an active office for the position).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a segment operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    /// No such segment in this organization.
    #[error("segment not found")]
    NotFound,
    /// The organization is archived.
    #[error("the organization is archived and read-only")]
    Archived,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
