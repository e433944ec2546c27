//! Configuration from the environment (interfaces.md).

/// The default database.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@localhost:5432/winserve";
/// The default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// The server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `DATABASE_URL`.
    pub database_url: String,
    /// Whether `DATABASE_URL` was set (when not, `serve` may start a private PostgreSQL).
    pub database_url_from_env: bool,
    /// `WINSERVE_BIND`.
    pub bind: String,
    /// `WINSERVE_JWT_SECRET`.
    pub jwt_secret: Option<String>,
    /// `WINSERVE_JWKS_URL`.
    pub jwks_url: Option<String>,
    /// `WINSERVE_JWKS_FILE`.
    pub jwks_file: Option<String>,
    /// `WINSERVE_JWT_ISSUER`.
    pub jwt_issuer: Option<String>,
}

impl Config {
    /// Reads the settings through `get` (the process environment in production).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let database_url = non_empty("DATABASE_URL");
        Self {
            database_url_from_env: database_url.is_some(),
            database_url: database_url.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            bind: non_empty("WINSERVE_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            jwt_secret: non_empty("WINSERVE_JWT_SECRET"),
            jwks_url: non_empty("WINSERVE_JWKS_URL"),
            jwks_file: non_empty("WINSERVE_JWKS_FILE"),
            jwt_issuer: non_empty("WINSERVE_JWT_ISSUER"),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_unset_or_blank() {
        let c = Config::from_lookup(|k| (k == "WINSERVE_BIND").then(|| " ".to_owned()));
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert!(!c.database_url_from_env);
        assert_eq!(c.bind, DEFAULT_BIND);
        assert_eq!(c.jwt_secret, None);
    }

    #[test]
    fn values_are_read() {
        let c = Config::from_lookup(|k| match k {
            "DATABASE_URL" => Some("postgres://x/y".into()),
            "WINSERVE_JWT_SECRET" => Some("s".into()),
            _ => None,
        });
        assert_eq!(c.database_url, "postgres://x/y");
        assert!(c.database_url_from_env);
        assert_eq!(c.jwt_secret.as_deref(), Some("s"));
    }
}
