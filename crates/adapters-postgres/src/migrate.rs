//! Database creation and schema migrations.
//!
//! The migrations in the repository's `migrations/` directory (diesel CLI layout) are embedded in the
//! binary. They run through diesel's synchronous migration harness on an [`AsyncConnectionWrapper`],
//! inside [`tokio::task::spawn_blocking`]: the wrapper blocks on the async connection, which must not
//! happen on a runtime worker (and panics on a current-thread runtime).

use diesel::QueryableByName;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{Bool, Text};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// The embedded migrations of `migrations/`.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// The advisory lock taken while migrating, so that two processes starting at once do not both apply
/// the same migration.
const MIGRATION_LOCK: i64 = 0x7769_6e73_6572_7665; // "winserve"

/// Why the database could not be created or migrated.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The URL could not be understood.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The server could not be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    /// A statement failed.
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
}

/// The parts of a `postgres://` URL that database creation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// The database name (percent-decoded).
    pub database: String,
    /// The same URL pointing at the `postgres` maintenance database.
    pub maintenance_url: String,
}

impl DatabaseUrl {
    /// Parses a `postgres://` or `postgresql://` URL that names a database.
    pub fn parse(url: &str) -> Result<Self, SetupError> {
        let invalid = |m: &str| SetupError::InvalidUrl(m.to_owned());
        let scheme_end = url
            .find("://")
            .filter(|&i| matches!(&url[..i], "postgres" | "postgresql"))
            .ok_or_else(|| invalid("expected postgres://user@host:port/database"))?;
        let after = scheme_end + 3;
        let (base, query) = match url[after..].find('?') {
            Some(q) => url.split_at(after + q),
            None => (url, ""),
        };
        let slash = base[after..]
            .find('/')
            .map(|i| after + i)
            .ok_or_else(|| invalid("the URL names no database"))?;
        let database =
            percent_decode(&base[slash + 1..]).ok_or_else(|| invalid("bad percent-encoding"))?;
        if database.is_empty() {
            return Err(invalid("the URL names no database"));
        }
        Ok(Self {
            database,
            maintenance_url: format!("{}postgres{query}", &base[..=slash]),
        })
    }

    /// The same URL pointing at database `name`.
    pub fn with_database(&self, name: &str) -> String {
        // The maintenance URL ends its path with "postgres"; swap that segment.
        let (base, query) = match self.maintenance_url.find('?') {
            Some(q) => self.maintenance_url.split_at(q),
            None => (self.maintenance_url.as_str(), ""),
        };
        let prefix = base.strip_suffix("postgres").unwrap_or(base);
        format!("{prefix}{}{query}", percent_encode(name))
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Quotes an SQL identifier (database names cannot be bound as parameters).
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

/// Whether the server behind `conn` has a database called `name`.
pub(crate) async fn database_exists(
    conn: &mut AsyncPgConnection,
    name: &str,
) -> Result<bool, SetupError> {
    let row: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(name)
            .get_result(conn)
            .await?;
    Ok(row.exists)
}

/// Creates the database named in `database_url` unless it exists, connecting to the `postgres`
/// maintenance database of the same server. Safe when several processes race to create it: losing the
/// race counts as success. Returns whether this call created it.
pub async fn create_database_if_missing(database_url: &str) -> Result<bool, SetupError> {
    let url = DatabaseUrl::parse(database_url)?;
    if url.database == "postgres" {
        return Ok(false);
    }
    let mut conn = AsyncPgConnection::establish(&url.maintenance_url).await?;
    if database_exists(&mut conn, &url.database).await? {
        return Ok(false);
    }
    let create = format!("CREATE DATABASE {}", quote_ident(&url.database));
    match conn.batch_execute(&create).await {
        Ok(()) => {
            tracing::info!(database = %url.database, "created database");
            Ok(true)
        }
        // Another process created it between our check and our CREATE (duplicate_database, or a unique
        // violation on pg_database when both CREATEs run at once).
        Err(e) if database_exists(&mut conn, &url.database).await? => {
            tracing::debug!(error = %e, "database created concurrently");
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// Applies the pending embedded migrations to the database at `database_url` and returns the versions
/// applied. Needs a Tokio runtime (any flavour); holds an advisory lock while migrating so that
/// concurrent starts apply each migration once.
pub async fn run_migrations(database_url: &str) -> Result<Vec<String>, SetupError> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || -> Result<Vec<String>, SetupError> {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)?;
        SimpleConnection::batch_execute(
            &mut conn,
            &format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"),
        )?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>())
            .map_err(|e| SetupError::Migration(e.to_string()));
        SimpleConnection::batch_execute(
            &mut conn,
            &format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"),
        )?;
        let applied = applied?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied migrations");
        }
        Ok(applied)
    })
    .await
    .map_err(|e| SetupError::Migration(format!("the migration task failed: {e}")))?
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split() {
        let u = DatabaseUrl::parse("postgres://postgres@localhost:5432/winserve").unwrap();
        assert_eq!(u.database, "winserve");
        assert_eq!(
            u.maintenance_url,
            "postgres://postgres@localhost:5432/postgres"
        );
        assert_eq!(
            u.with_database("t_1"),
            "postgres://postgres@localhost:5432/t_1"
        );
        let u = DatabaseUrl::parse("postgresql://u:p%40ss@h/my%20db?sslmode=disable").unwrap();
        assert_eq!(u.database, "my db");
        assert_eq!(
            u.maintenance_url,
            "postgresql://u:p%40ss@h/postgres?sslmode=disable"
        );
        assert_eq!(
            u.with_database("x y"),
            "postgresql://u:p%40ss@h/x%20y?sslmode=disable"
        );
        assert!(DatabaseUrl::parse("postgres://h:5432").is_err());
        assert!(DatabaseUrl::parse("postgres://h:5432/").is_err());
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("host=localhost dbname=x").is_err());
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
