//! Translation of pool and database errors into the ports' error types. Every adapter method goes
//! through here, so the rules live in one place:
//!
//! - no connection in time, a refused or lost connection, a closed pool → [`StoreError::Unavailable`]
//!   (the API answers 503 with `Retry-After`);
//! - anything else → [`StoreError::Internal`] with the detail for the logs;
//! - named constraint violations that are business outcomes are recognised with [`violation`] and
//!   translated by the caller into its operation's error enum.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::PoolError as ManagerError;
use diesel_async::pooled_connection::deadpool::PoolError;
use winserve_application::StoreError;

/// Translates an error from `Pool::get`.
pub(crate) fn pool_error(error: PoolError) -> StoreError {
    match error {
        PoolError::Timeout(kind) => StoreError::Unavailable(format!(
            "no database connection available in time ({kind:?})"
        )),
        PoolError::Backend(ManagerError::ConnectionError(e)) => {
            StoreError::Unavailable(format!("cannot connect to the database: {e}"))
        }
        PoolError::Backend(ManagerError::QueryError(e)) => db_error(e),
        PoolError::Closed => StoreError::Unavailable("the connection pool is closed".into()),
        PoolError::NoRuntimeSpecified => StoreError::Internal("the pool has no runtime".into()),
        PoolError::PostCreateHook(e) => {
            StoreError::Unavailable(format!("cannot set up a database connection: {e}"))
        }
    }
}

/// Translates a query error that is not a business outcome.
pub(crate) fn db_error(error: DieselError) -> StoreError {
    match &error {
        DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
            info,
        ) => StoreError::Unavailable(format!("database connection lost: {}", info.message())),
        DieselError::DatabaseError(kind, info) => {
            let mut detail = format!("database error ({kind:?}): {}", info.message());
            if let Some(c) = info.constraint_name() {
                detail.push_str(&format!(" [constraint {c}]"));
            }
            if let Some(d) = info.details() {
                detail.push_str(&format!(" ({d})"));
            }
            StoreError::Internal(detail)
        }
        _ => StoreError::Internal(format!("database error: {error}")),
    }
}

/// A stored value that the domain refuses: the database holds something the application never writes.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("unreadable {what} in the database: {detail}"))
}

/// The kind of constraint violation, for translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A unique constraint or index.
    Unique,
    /// A foreign key.
    ForeignKey,
    /// A check constraint.
    Check,
}

/// The kind and constraint name of a constraint violation, if `error` is one.
pub(crate) fn violation(error: &DieselError) -> Option<(Violation, &str)> {
    let DieselError::DatabaseError(kind, info) = error else {
        return None;
    };
    let kind = match kind {
        DatabaseErrorKind::UniqueViolation => Violation::Unique,
        DatabaseErrorKind::ForeignKeyViolation => Violation::ForeignKey,
        DatabaseErrorKind::CheckViolation => Violation::Check,
        _ => return None,
    };
    Some((kind, info.constraint_name().unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_are_unavailable() {
        let e = DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection,
            Box::new("connection closed".to_owned()),
        );
        assert!(matches!(db_error(e), StoreError::Unavailable(_)));
        let e = DieselError::NotFound;
        assert!(matches!(db_error(e), StoreError::Internal(_)));
        assert!(matches!(
            pool_error(PoolError::Timeout(deadpool::managed::TimeoutType::Wait)),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            pool_error(PoolError::Closed),
            StoreError::Unavailable(_)
        ));
    }
}
