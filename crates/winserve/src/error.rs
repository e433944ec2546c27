//! Why a command of the `winserve` binary failed. The `Display` of each error is the message the
//! user reads after `error: `; the cause, when there is one, is kept as the
//! [`source`](std::error::Error::source).

use crate::local_pg::LocalPgError;
use std::path::PathBuf;
use winserve_adapters_postgres::{PoolBuildError, SetupError};
use winserve_application::StoreError;
use winserve_domain::InvalidValue;
use winserve_http::auth::AuthConfigError;
use winserve_voter_file::import::ImportError;
use winserve_voter_file::load::LoadError;

/// A setting that cannot be read: the variable, its value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?} is not valid: expected {expected}")]
pub struct SettingError {
    /// The environment variable.
    pub variable: &'static str,
    /// Its value.
    pub value: String,
    /// What it should look like.
    pub expected: &'static str,
}

/// Why a token lifetime such as `30m` was rejected ([`crate::config::parse_ttl`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TtlError {
    /// Not a number followed by `s`, `m`, `h` or `d`.
    #[error("'{value}' is not a lifetime such as 30m, 1h or 7d")]
    NotALifetime {
        /// The value given (surrounding blanks removed).
        value: String,
    },
    /// Zero.
    #[error("the lifetime must be positive")]
    NotPositive,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The database could not be created.
    #[error("cannot create the database: {0}")]
    CreateDatabase(#[source] SetupError),
    /// The migrations could not be applied.
    #[error("cannot migrate the database: {0}")]
    MigrateDatabase(#[source] SetupError),
    /// The connection pool could not be configured.
    #[error("cannot configure the database pool: {0}")]
    Pool(#[source] PoolBuildError),
    /// `winserve token` needs `WINSERVE_JWT_SECRET`.
    #[error("set WINSERVE_JWT_SECRET to mint tokens")]
    TokenSecretMissing,
    /// The `--ttl` of `winserve token` is not a lifetime.
    #[error("{0}")]
    Lifetime(#[from] TtlError),
    /// The token methods are not configured, or the JWKS file cannot be used.
    #[error("{0}")]
    Authenticator(#[from] AuthConfigError),
    /// A token could not be minted (the authenticator only says why in words).
    #[error("{reason}")]
    MintToken {
        /// Why.
        reason: String,
    },
    /// The `--state` of `winserve seed` is not a state code.
    #[error("{0}")]
    InvalidState(#[source] InvalidValue),
    /// The positions file could not be read, has an invalid row, or could not be stored.
    #[error("{0}")]
    Positions(#[source] ImportError),
    /// A voter load (file or seed) or the districts and positions of a seed plan failed.
    #[error("{0}")]
    Load(#[from] LoadError),
    /// A directory could not be created.
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be created or written.
    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server could not listen on its address.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address (`WINSERVE_BIND`).
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A setting of `serve` in the environment is malformed.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// The metrics recorder could not be installed.
    #[error("cannot install the metrics recorder: {0}")]
    Metrics(String),
    /// A value of the demo world is invalid (a bug in the demo data).
    #[error("demo data is invalid: {0}")]
    DemoData(#[source] InvalidValue),
    /// The demo districts or positions could not be stored.
    #[error("cannot load the demo world: {0}")]
    DemoWorld(#[source] StoreError),
    /// The demo voters could not be loaded.
    #[error("cannot load the demo voters: {0}")]
    DemoVoters(#[source] LoadError),
    /// The demo token could not be minted (the authenticator only says why in words).
    #[error("cannot mint the demo token: {reason}")]
    DemoToken {
        /// Why.
        reason: String,
    },
    /// The private PostgreSQL could not be started.
    #[error("{0}")]
    LocalPg(#[from] LocalPgError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_those_the_commands_printed() {
        let io = || std::io::Error::other("denied");
        let cases: Vec<(CliError, &str)> = vec![
            (
                CliError::CreateDatabase(SetupError::InvalidUrl("x".into())),
                "cannot create the database: invalid database URL: x",
            ),
            (
                CliError::MigrateDatabase(SetupError::Migration("m".into())),
                "cannot migrate the database: migration failed: m",
            ),
            (
                CliError::TokenSecretMissing,
                "set WINSERVE_JWT_SECRET to mint tokens",
            ),
            (
                TtlError::NotALifetime { value: "1w".into() }.into(),
                "'1w' is not a lifetime such as 30m, 1h or 7d",
            ),
            (
                TtlError::NotPositive.into(),
                "the lifetime must be positive",
            ),
            (
                AuthConfigError::NoMethod.into(),
                "no token method is configured: set WINSERVE_JWT_SECRET (HS256, development) or \
                 WINSERVE_JWKS_URL / WINSERVE_JWKS_FILE (RS256, Clerk)",
            ),
            (
                CliError::MintToken {
                    reason: "WINSERVE_JWT_SECRET is not set; it is needed to mint tokens".into(),
                },
                "WINSERVE_JWT_SECRET is not set; it is needed to mint tokens",
            ),
            (
                CliError::Positions(ImportError::Io {
                    path: "p.csv".into(),
                    reason: "gone".into(),
                }),
                "cannot read p.csv: gone",
            ),
            (
                LoadError::Rejected(ImportError::Store("the import stopped".into())).into(),
                "storage failed: the import stopped",
            ),
            (
                LoadError::CannotStart(StoreError::unavailable("down")).into(),
                "cannot start the import: storage unavailable: down",
            ),
            (LoadError::Stopped.into(), "the import stopped"),
            (
                CliError::InvalidState(InvalidValue::new("state", "bad")),
                "state: bad",
            ),
            (
                CliError::CreateDir {
                    path: "out".into(),
                    source: io(),
                },
                "cannot create out: denied",
            ),
            (
                CliError::WriteFile {
                    path: PathBuf::from("out").join("voters.csv"),
                    source: io(),
                },
                "cannot write out/voters.csv: denied",
            ),
            (
                CliError::Listen {
                    address: "127.0.0.1:8080".into(),
                    source: io(),
                },
                "cannot listen on 127.0.0.1:8080: denied",
            ),
            (
                CliError::Setting(SettingError {
                    variable: "WINSERVE_RATE_LIMIT",
                    value: "x".into(),
                    expected: "a number",
                }),
                "WINSERVE_RATE_LIMIT=\"x\" is not valid: expected a number",
            ),
            (
                CliError::Metrics("already installed".into()),
                "cannot install the metrics recorder: already installed",
            ),
            (
                CliError::DemoData(InvalidValue::new("state", "bad")),
                "demo data is invalid: state: bad",
            ),
            (
                CliError::DemoWorld(StoreError::unavailable("down")),
                "cannot load the demo world: storage unavailable: down",
            ),
            (
                CliError::DemoVoters(LoadError::Stopped),
                "cannot load the demo voters: the import stopped",
            ),
            (
                CliError::DemoToken {
                    reason: "no key".into(),
                },
                "cannot mint the demo token: no key",
            ),
            (
                LoadError::SeedPlan(StoreError::unavailable("down")).into(),
                "cannot store the seed plan: storage unavailable: down",
            ),
            (
                LoadError::Storage(StoreError::unavailable("down")).into(),
                "storage failed: storage unavailable: down; nothing was imported",
            ),
            (
                LocalPgError::Failed {
                    program: "pg_ctl".into(),
                    stdout: "out ".into(),
                    stderr: "err".into(),
                }
                .into(),
                "pg_ctl failed: out err",
            ),
            (
                LocalPgError::CreateDataDir {
                    path: ".winserve/postgres".into(),
                    source: io(),
                }
                .into(),
                "cannot create .winserve/postgres: denied",
            ),
            (
                LocalPgError::UseDataDir {
                    path: ".winserve/postgres".into(),
                    source: io(),
                }
                .into(),
                "cannot use .winserve/postgres: denied",
            ),
            (
                LocalPgError::Run {
                    program: "chown".into(),
                    source: io(),
                }
                .into(),
                "cannot run chown: denied",
            ),
            (
                LocalPgError::NotInstalled.into(),
                "no PostgreSQL is running on localhost:5432 and no PostgreSQL server is installed. \
                 Install one (Debian/Ubuntu: `apt-get install postgresql`), or set DATABASE_URL.",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn causes_are_kept() {
        use std::error::Error as _;
        let error = CliError::DemoWorld(StoreError::unavailable("down"));
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("storage unavailable: down")
        );
        let error = CliError::Load(LoadError::Storage(StoreError::unavailable("down")));
        let load = error.source().and_then(|e| e.source());
        assert_eq!(
            load.map(ToString::to_string).as_deref(),
            Some("storage unavailable: down")
        );
    }
}
