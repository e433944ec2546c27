//! Translation of pool and database errors into the ports' error types. Every adapter method goes
//! through here, so the rules live in one place, [`classify`]:
//!
//! - the database went away — no connection in time, a refused, reset or closed connection, the server
//!   shutting down, restarting or recovering (SQLSTATE 57P01, 57P02, 57P03, class 08) →
//!   [`StoreError::Unavailable`] (the API answers 503 with `Retry-After`; idempotent reads retry once,
//!   see `retry.rs`);
//! - anything else → [`StoreError::Internal`] with the detail for the logs;
//! - named constraint violations that are business outcomes are recognised with [`violation`] and
//!   translated by the caller into its operation's error enum.
//!
//! Every translation counts one `winserve_db_errors_total{class="unavailable"|"internal"}`.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::PoolError as ManagerError;
use diesel_async::pooled_connection::deadpool::PoolError;
use winserve_application::StoreError;

/// What a database error means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    /// The database went away (or cannot be reached): retrying later, on another connection, may work.
    Unavailable,
    /// Anything else: a bug, a corrupt value, a violated constraint nobody translated.
    Internal,
}

impl ErrorClass {
    /// The `class` label of `winserve_db_errors_total`.
    fn label(self) -> &'static str {
        match self {
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}

/// A database failure from any of the three clients the adapters use, for [`classify`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Failure<'a> {
    /// diesel (through diesel-async).
    Diesel(&'a DieselError),
    /// `tokio-postgres` (voter imports).
    Pg(&'a tokio_postgres::Error),
    /// deadpool's checkout.
    Pool(&'a PoolError),
}

/// SQLSTATEs that mean "the server or the connection went away": class 08 (connection exception),
/// 57P01 `admin_shutdown`, 57P02 `crash_shutdown`, 57P03 `cannot_connect_now`.
fn sqlstate_gone(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
}

/// Lower-case fragments of the messages that mean the same when no SQLSTATE is at hand. diesel's
/// `DatabaseErrorInformation` hides the SQLSTATE: diesel-async turns a server error into
/// `DatabaseError(Unknown, message)` (so 57P0x is recognised by the server's message, which assumes the
/// server's default English `lc_messages`), and any client-side `tokio-postgres` error into
/// `DatabaseError(UnableToSendCommand, error.to_string())`.
const GONE_MESSAGES: &[&str] = &[
    // 57P01, 57P02 (the server's messages).
    "terminating connection due to administrator command",
    "terminating connection due to crash of another server process",
    "terminating connection because of crash of another server process",
    // 57P03.
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "the database system is not accepting connections",
    // tokio-postgres' own errors (`Kind::Closed`, `Io`, `Connect`, `Timeout`) and the I/O below them.
    "connection closed",
    "error communicating with the server",
    "error connecting to server",
    "timeout waiting for server",
    "connection reset",
    "connection refused",
    "connection aborted",
    "broken pipe",
    "unexpected eof",
    "server closed the connection",
    // diesel-async's broadcast channel from its connection task, when that task is gone.
    "channel closed",
];

/// Client-side `tokio-postgres` errors that diesel-async also reports as `UnableToSendCommand` but that
/// are bugs, not a lost database.
const CLIENT_BUG_MESSAGES: &[&str] = &[
    "error serializing parameter",
    "error deserializing column",
    "invalid column",
    "unexpected number of columns",
    "parameters but got",
    "unexpected number of rows",
    "invalid configuration",
    "invalid connection string",
];

fn message_gone(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    GONE_MESSAGES.iter().any(|m| message.contains(m))
}

fn message_is_client_bug(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    CLIENT_BUG_MESSAGES.iter().any(|m| message.contains(m))
}

/// Whether an I/O error lies anywhere in `error`'s source chain.
fn io_below(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<std::io::Error>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// The one classification rule: does `failure` mean the database went away?
pub(crate) fn classify(failure: Failure<'_>) -> ErrorClass {
    let gone = match failure {
        Failure::Diesel(error) => diesel_gone(error),
        Failure::Pg(error) => match error.code() {
            Some(code) => sqlstate_gone(code.code()),
            None => {
                error.is_closed()
                    || io_below(error)
                    || (message_gone(&error.to_string())
                        && !message_is_client_bug(&error.to_string()))
            }
        },
        Failure::Pool(error) => match error {
            PoolError::Timeout(_)
            | PoolError::Closed
            | PoolError::Backend(ManagerError::ConnectionError(_)) => true,
            // The post-create hook's `SET …` on a new connection: same rules as any query.
            PoolError::Backend(ManagerError::QueryError(e)) => diesel_gone(e),
            PoolError::PostCreateHook(deadpool::managed::HookError::Backend(
                ManagerError::QueryError(e),
            )) => diesel_gone(e),
            PoolError::PostCreateHook(_) => true,
            PoolError::NoRuntimeSpecified => false,
        },
    };
    if gone {
        ErrorClass::Unavailable
    } else {
        ErrorClass::Internal
    }
}

fn diesel_gone(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, info) => {
            !message_is_client_bug(info.message())
        }
        DieselError::DatabaseError(_, info) => message_gone(info.message()),
        // A failed commit whose rollback failed too: the connection is usually what failed.
        DieselError::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => diesel_gone(commit_error) || diesel_gone(rollback_error),
        _ => false,
    }
}

/// `kind` with `source` as its cause, counted in `winserve_db_errors_total`.
fn counted(kind: StoreError, source: impl Into<winserve_application::BoxError>) -> StoreError {
    let class = if kind.is_unavailable() {
        ErrorClass::Unavailable
    } else {
        ErrorClass::Internal
    };
    metrics::counter!("winserve_db_errors_total", "class" => class.label()).increment(1);
    kind.caused_by(source)
}

/// Translates an error from `Pool::get`; the pool's error is kept as the source.
pub(crate) fn pool_error(error: PoolError) -> StoreError {
    let detail = match &error {
        PoolError::Timeout(kind) => {
            metrics::counter!("winserve_db_pool_timeouts_total").increment(1);
            format!("no database connection available in time ({kind:?})")
        }
        PoolError::Backend(ManagerError::ConnectionError(e)) => {
            format!("cannot connect to the database: {e}")
        }
        PoolError::Backend(ManagerError::QueryError(e)) => {
            format!("cannot check out a database connection: {e}")
        }
        PoolError::Closed => "the connection pool is closed".to_owned(),
        PoolError::NoRuntimeSpecified => "the pool has no runtime".to_owned(),
        PoolError::PostCreateHook(e) => format!("cannot set up a database connection: {e}"),
    };
    let kind = match classify(Failure::Pool(&error)) {
        ErrorClass::Unavailable => StoreError::unavailable(detail),
        ErrorClass::Internal => StoreError::internal(detail),
    };
    counted(kind, error)
}

/// Translates a query error that is not a business outcome; the diesel error is kept as the source.
pub(crate) fn db_error(error: DieselError) -> StoreError {
    let kind = match (&error, classify(Failure::Diesel(&error))) {
        (DieselError::DatabaseError(_, info), ErrorClass::Unavailable) => {
            StoreError::unavailable(format!("database connection lost: {}", info.message()))
        }
        (_, ErrorClass::Unavailable) => {
            StoreError::unavailable(format!("database connection lost: {error}"))
        }
        (DieselError::DatabaseError(kind, info), ErrorClass::Internal) => {
            let mut detail = format!("database error ({kind:?}): {}", info.message());
            if let Some(c) = info.constraint_name() {
                detail.push_str(&format!(" [constraint {c}]"));
            }
            if let Some(d) = info.details() {
                detail.push_str(&format!(" ({d})"));
            }
            StoreError::internal(detail)
        }
        (_, ErrorClass::Internal) => StoreError::internal(format!("database error: {error}")),
    };
    counted(kind, error)
}

/// Translates an error of the dedicated `tokio-postgres` connection of voter imports (diesel-async has no
/// `COPY FROM`) by the same rules as [`db_error`]; the error is kept as the source.
pub(crate) fn pg_error(error: tokio_postgres::Error) -> StoreError {
    let mut detail = match error.as_db_error() {
        Some(db) => {
            let mut detail = format!("database error {}: {}", db.code().code(), db.message());
            if let Some(c) = db.constraint() {
                detail.push_str(&format!(" [constraint {c}]"));
            }
            if let Some(d) = db.detail() {
                detail.push_str(&format!(" ({d})"));
            }
            if let Some(w) = db.where_() {
                detail.push_str(&format!(" [{w}]"));
            }
            detail
        }
        None => format!("database error: {error}"),
    };
    let kind = match classify(Failure::Pg(&error)) {
        ErrorClass::Unavailable => {
            detail.insert_str(0, "database connection lost: ");
            StoreError::unavailable(detail)
        }
        ErrorClass::Internal => StoreError::internal(detail),
    };
    counted(kind, error)
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
    use deadpool::managed::TimeoutType;

    fn diesel(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    fn class_of(error: &DieselError) -> ErrorClass {
        classify(Failure::Diesel(error))
    }

    #[test]
    fn lost_connections_are_unavailable() {
        for kind in [
            DatabaseErrorKind::ClosedConnection,
            DatabaseErrorKind::UnableToSendCommand,
        ] {
            assert_eq!(
                class_of(&diesel(kind, "connection closed")),
                ErrorClass::Unavailable
            );
        }
        // What diesel-async reports for tokio-postgres' client-side errors (`error.to_string()`).
        for message in [
            "connection closed",
            "error communicating with the server",
            "timeout waiting for server",
            "channel closed",
        ] {
            let e = diesel(DatabaseErrorKind::UnableToSendCommand, message);
            assert_eq!(class_of(&e), ErrorClass::Unavailable, "{message}");
            assert!(matches!(db_error(e), StoreError::Unavailable { .. }));
        }
    }

    #[test]
    fn server_shutdown_messages_are_unavailable() {
        // diesel-async turns server errors into `Unknown` with the server's message (SQLSTATE hidden).
        for message in [
            "terminating connection due to administrator command", // 57P01
            "terminating connection due to crash of another server process", // 57P02
            "terminating connection because of crash of another server process", // 57P02, older servers
            "the database system is starting up",                                // 57P03
            "the database system is shutting down",                              // 57P03
            "the database system is in recovery mode",                           // 57P03
            "the database system is not yet accepting connections",              // 57P03
            "server closed the connection unexpectedly",
            "could not send data: Broken pipe",
            "Connection reset by peer (os error 104)",
            "unexpected EOF on client connection",
        ] {
            let e = diesel(DatabaseErrorKind::Unknown, message);
            assert_eq!(class_of(&e), ErrorClass::Unavailable, "{message}");
            assert!(matches!(db_error(e), StoreError::Unavailable { .. }));
        }
    }

    #[test]
    fn other_errors_are_internal() {
        for e in [
            diesel(DatabaseErrorKind::Unknown, "division by zero"),
            diesel(
                DatabaseErrorKind::Unknown,
                "canceling statement due to statement timeout",
            ),
            diesel(DatabaseErrorKind::UniqueViolation, "duplicate key value"),
            diesel(
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access",
            ),
            // Client-side bugs that diesel-async also reports as `UnableToSendCommand`.
            diesel(
                DatabaseErrorKind::UnableToSendCommand,
                "error serializing parameter 0",
            ),
            diesel(
                DatabaseErrorKind::UnableToSendCommand,
                "expected 2 parameters but got 1",
            ),
            DieselError::NotFound,
            DieselError::BrokenTransactionManager,
        ] {
            assert_eq!(class_of(&e), ErrorClass::Internal, "{e}");
            assert!(matches!(db_error(e), StoreError::Internal { .. }));
        }
    }

    #[test]
    fn a_failed_commit_is_classified_by_its_causes() {
        let e = DieselError::RollbackErrorOnCommit {
            rollback_error: Box::new(diesel(
                DatabaseErrorKind::UnableToSendCommand,
                "connection closed",
            )),
            commit_error: Box::new(diesel(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            )),
        };
        assert_eq!(class_of(&e), ErrorClass::Unavailable);
        let e = DieselError::RollbackErrorOnCommit {
            rollback_error: Box::new(DieselError::NotFound),
            commit_error: Box::new(diesel(DatabaseErrorKind::Unknown, "division by zero")),
        };
        assert_eq!(class_of(&e), ErrorClass::Internal);
    }

    #[test]
    fn sqlstates_of_a_lost_database() {
        for code in [
            "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004", "08P01",
        ] {
            assert!(sqlstate_gone(code), "{code}");
        }
        for code in ["57014", "22012", "23505", "40001", "XX000", "53300"] {
            assert!(!sqlstate_gone(code), "{code}");
        }
    }

    #[test]
    fn tokio_postgres_client_errors() {
        let timeout = tokio_postgres::Error::__private_api_timeout();
        assert_eq!(classify(Failure::Pg(&timeout)), ErrorClass::Unavailable);
        assert!(matches!(pg_error(timeout), StoreError::Unavailable { .. }));
    }

    #[tokio::test]
    async fn a_refused_tokio_postgres_connection_is_unavailable() {
        // Port 1 on loopback: nothing listens, the connection is refused.
        let error = tokio_postgres::connect(
            "host=127.0.0.1 port=1 user=postgres connect_timeout=2",
            tokio_postgres::NoTls,
        )
        .await
        .err()
        .expect("nothing listens on port 1");
        assert_eq!(classify(Failure::Pg(&error)), ErrorClass::Unavailable);
    }

    /// The shared test server (`WINSERVE_TEST_DATABASE_URL`, else the local default).
    fn server_url() -> String {
        std::env::var("WINSERVE_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
    }

    /// Terminates the backend `pid` from another connection, as `pg_ctl restart -m fast` does to every
    /// backend (SQLSTATE 57P01).
    async fn terminate(pid: i32) {
        use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
        let mut killer = AsyncPgConnection::establish(&server_url())
            .await
            .expect("the test database server runs");
        killer
            .batch_execute(&format!("SELECT pg_terminate_backend({pid})"))
            .await
            .expect("terminate");
    }

    async fn diesel_backend() -> (diesel_async::AsyncPgConnection, i32) {
        use diesel::sql_types::Integer;
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Pid {
            #[diesel(sql_type = Integer)]
            pid: i32,
        }
        let mut conn = AsyncPgConnection::establish(&server_url())
            .await
            .expect("the test database server runs");
        let pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Pid>(&mut conn)
            .await
            .expect("pid")
            .pid;
        (conn, pid)
    }

    #[tokio::test]
    async fn a_query_cut_by_an_admin_shutdown_is_unavailable() {
        use diesel_async::SimpleAsyncConnection;
        // In flight: the server answers the running query with 57P01, then closes the connection.
        let (mut victim, pid) = diesel_backend().await;
        let running = tokio::spawn(async move {
            let result = victim.batch_execute("SELECT pg_sleep(10)").await;
            (victim, result)
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        terminate(pid).await;
        let (mut victim, result) = running.await.expect("join");
        let error = result.expect_err("the backend was terminated");
        assert_eq!(class_of(&error), ErrorClass::Unavailable, "{error:?}");
        // Idle: the next query on the dead connection.
        let error = victim
            .batch_execute("SELECT 1")
            .await
            .expect_err("the connection is closed");
        assert_eq!(class_of(&error), ErrorClass::Unavailable, "{error:?}");
        assert!(matches!(db_error(error), StoreError::Unavailable { .. }));
    }

    #[tokio::test]
    async fn an_idle_connection_terminated_by_the_server_is_unavailable() {
        use diesel_async::SimpleAsyncConnection;
        let (mut victim, pid) = diesel_backend().await;
        terminate(pid).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let error = victim
            .batch_execute("SELECT 1")
            .await
            .expect_err("the backend was terminated");
        assert_eq!(class_of(&error), ErrorClass::Unavailable, "{error:?}");
    }

    #[tokio::test]
    async fn tokio_postgres_errors_by_sqlstate() {
        let (client, connection) = tokio_postgres::connect(&server_url(), tokio_postgres::NoTls)
            .await
            .expect("the test database server runs");
        let driver = tokio::spawn(connection);
        // An ordinary SQL error: internal.
        let error = client
            .simple_query("SELECT 1/0")
            .await
            .expect_err("division by zero");
        assert_eq!(classify(Failure::Pg(&error)), ErrorClass::Internal);
        assert!(matches!(pg_error(error), StoreError::Internal { .. }));
        // The backend terminated in flight (57P01), then the closed connection.
        let pid: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .expect("pid")
            .get(0);
        let sleeping = client.simple_query("SELECT pg_sleep(10)");
        let (result, ()) = tokio::join!(sleeping, async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            terminate(pid).await;
        });
        let error = result.expect_err("the backend was terminated");
        assert_eq!(
            classify(Failure::Pg(&error)),
            ErrorClass::Unavailable,
            "{error:?}"
        );
        let _ = driver.await;
        let error = client
            .simple_query("SELECT 1")
            .await
            .expect_err("the connection is closed");
        assert!(error.is_closed());
        assert_eq!(classify(Failure::Pg(&error)), ErrorClass::Unavailable);
        assert!(matches!(pg_error(error), StoreError::Unavailable { .. }));
    }

    #[test]
    fn pool_errors() {
        for e in [
            PoolError::Timeout(TimeoutType::Wait),
            PoolError::Timeout(TimeoutType::Create),
            PoolError::Closed,
            PoolError::Backend(ManagerError::ConnectionError(
                diesel::ConnectionError::BadConnection("connection refused".to_owned()),
            )),
            PoolError::Backend(ManagerError::QueryError(diesel(
                DatabaseErrorKind::ClosedConnection,
                "connection closed",
            ))),
        ] {
            assert_eq!(
                classify(Failure::Pool(&e)),
                ErrorClass::Unavailable,
                "{e:?}"
            );
            assert!(matches!(pool_error(e), StoreError::Unavailable { .. }));
        }
        for e in [
            PoolError::NoRuntimeSpecified,
            PoolError::Backend(ManagerError::QueryError(diesel(
                DatabaseErrorKind::Unknown,
                "syntax error",
            ))),
        ] {
            assert_eq!(classify(Failure::Pool(&e)), ErrorClass::Internal, "{e:?}");
            assert!(matches!(pool_error(e), StoreError::Internal { .. }));
        }
    }
}
