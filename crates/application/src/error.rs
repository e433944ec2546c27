//! Errors the ports return. Infrastructure failures share [`StoreError`]; each operation with business
//! outcomes has its own enum naming them.

use winserve_domain::{Forbidden, InvalidValue, LifecycleError};

/// Any error, boxed: the cause a [`StoreError`] keeps for the logs.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A storage failure that is not a business outcome. It keeps its cause ([`std::error::Error::source`])
/// for the logs; clients only ever learn which of the two kinds it is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or no connection was free in time; retrying later may work.
    #[error("storage unavailable: {message}")]
    Unavailable {
        /// What was being done.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// Anything else. The detail is for logs, never for clients.
    #[error("storage failure: {message}")]
    Internal {
        /// What went wrong.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
}

impl StoreError {
    /// An [`StoreError::Unavailable`] without a cause.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable {
            message: message.into(),
            source: None,
        }
    }

    /// An [`StoreError::Internal`] without a cause.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal {
            message: message.into(),
            source: None,
        }
    }

    /// The same error with `cause` as its source.
    #[must_use]
    pub fn caused_by(self, cause: impl Into<BoxError>) -> Self {
        match self {
            Self::Unavailable { message, .. } => Self::Unavailable {
                message,
                source: Some(cause.into()),
            },
            Self::Internal { message, .. } => Self::Internal {
                message,
                source: Some(cause.into()),
            },
        }
    }

    /// Whether retrying later may work.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    fn parts(&self) -> (bool, &str) {
        match self {
            Self::Unavailable { message, .. } => (true, message),
            Self::Internal { message, .. } => (false, message),
        }
    }

    /// The message and every cause below it, joined with `: ` — for logs.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut next = std::error::Error::source(self);
        while let Some(cause) = next {
            out.push_str(": ");
            out.push_str(&cause.to_string());
            next = cause.source();
        }
        out
    }
}

/// Two store errors are equal when they are of the same kind with the same message; their causes are
/// for logs and not compared.
impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for StoreError {}

/// Why a lifecycle transaction did not happen.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleStoreError {
    /// The domain refused the command.
    #[error(transparent)]
    Rejected(#[from] LifecycleError),
    /// Storage failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an organization, campaign or office could not be updated.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// No such record among the caller's.
    #[error("not found")]
    NotFound,
    /// Its organization is archived.
    #[error("the organization is archived and read-only")]
    Archived,
    /// The caller's role does not allow it (they were demoted after the service checked).
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
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
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    /// No such segment in this organization.
    #[error("segment not found")]
    NotFound,
    /// The organization is archived.
    #[error("the organization is archived and read-only")]
    Archived,
    /// An outreach plan or a poll targets the segment (deleting it would widen it to the whole district).
    #[error("an outreach plan or a poll targets this segment")]
    InUse,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
