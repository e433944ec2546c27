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

/// Translates an error from `Pool::get`; the pool's error is kept as the source.
pub(crate) fn pool_error(error: PoolError) -> StoreError {
    let kind = match &error {
        PoolError::Timeout(kind) => StoreError::unavailable(format!(
            "no database connection available in time ({kind:?})"
        )),
        PoolError::Backend(ManagerError::ConnectionError(e)) => {
            StoreError::unavailable(format!("cannot connect to the database: {e}"))
        }
        PoolError::Backend(ManagerError::QueryError(e)) => {
            StoreError::internal(format!("cannot check out a database connection: {e}"))
        }
        PoolError::Closed => StoreError::unavailable("the connection pool is closed"),
        PoolError::NoRuntimeSpecified => StoreError::internal("the pool has no runtime"),
        PoolError::PostCreateHook(e) => {
            StoreError::unavailable(format!("cannot set up a database connection: {e}"))
        }
    };
    kind.caused_by(error)
}

/// Translates a query error that is not a business outcome; the diesel error is kept as the source.
pub(crate) fn db_error(error: DieselError) -> StoreError {
    let kind = match &error {
        DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
            info,
        ) => StoreError::unavailable(format!("database connection lost: {}", info.message())),
        DieselError::DatabaseError(kind, info) => {
            let mut detail = format!("database error ({kind:?}): {}", info.message());
            if let Some(c) = info.constraint_name() {
                detail.push_str(&format!(" [constraint {c}]"));
            }
            if let Some(d) = info.details() {
                detail.push_str(&format!(" ({d})"));
            }
            StoreError::internal(detail)
        }
        _ => StoreError::internal(format!("database error: {error}")),
    };
    kind.caused_by(error)
}

/// Translates an error of the dedicated `tokio-postgres` connection of voter imports (diesel-async has no
/// `COPY FROM`) by the same rules as [`db_error`]; the error is kept as the source.
pub(crate) fn pg_error(error: tokio_postgres::Error) -> StoreError {
    if error.is_closed() {
        return StoreError::unavailable(format!("database connection lost: {error}"))
            .caused_by(error);
    }
    let kind = match error.as_db_error() {
        Some(db) => {
            let mut detail = format!("database error: {}", db.message());
            if let Some(c) = db.constraint() {
                detail.push_str(&format!(" [constraint {c}]"));
            }
            if let Some(d) = db.detail() {
                detail.push_str(&format!(" ({d})"));
            }
            if let Some(w) = db.where_() {
                detail.push_str(&format!(" [{w}]"));
            }
            StoreError::internal(detail)
        }
        None => StoreError::unavailable(format!("database error: {error}")),
    };
    kind.caused_by(error)
}

/// A stored value that the domain refuses: the database holds something the application never writes.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::internal(format!("unreadable {what} in the database: {detail}"))
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
        assert!(matches!(db_error(e), StoreError::Unavailable { .. }));
        let e = DieselError::NotFound;
        assert!(matches!(db_error(e), StoreError::Internal { .. }));
        assert!(matches!(
            pool_error(PoolError::Timeout(deadpool::managed::TimeoutType::Wait)),
            StoreError::Unavailable { .. }
        ));
        assert!(matches!(
            pool_error(PoolError::Closed),
            StoreError::Unavailable { .. }
        ));
    }
}
