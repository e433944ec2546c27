//! Configuration from the environment (interfaces.md).

use crate::error::{SettingError, TtlError};
use crate::server::ServerSettings;
use std::time::Duration;
use winserve_http::limits::LimitsConfig;

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
    /// `WINSERVE_READ_DATABASE_URL`: a streaming standby of `DATABASE_URL` that voter data (contacts,
    /// exports, statistics, counts) is read from (ADR 0025); unset, everything reads the primary.
    pub read_database_url: Option<String>,
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
    /// `WINSERVE_CLERK_WEBHOOK_SECRET`: the `whsec_…` signing secret of a Clerk webhook endpoint pointed
    /// at `POST /v1/webhooks/clerk`; unset, that endpoint answers 401.
    pub clerk_webhook_secret: Option<String>,
    /// `WINSERVE_SMS_WEBHOOK_SECRET`: the `whsec_…` secret the SMS provider signs inbound messages with
    /// (Standard Webhooks) at `POST /v1/webhooks/sms`; unset, that endpoint answers 401.
    pub sms_webhook_secret: Option<String>,
}

impl Config {
    /// Reads the settings through `get` (the process environment in production).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let database_url = non_empty("DATABASE_URL");
        Self {
            database_url_from_env: database_url.is_some(),
            database_url: database_url.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            read_database_url: non_empty("WINSERVE_READ_DATABASE_URL"),
            bind: non_empty("WINSERVE_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            jwt_secret: non_empty("WINSERVE_JWT_SECRET"),
            jwks_url: non_empty("WINSERVE_JWKS_URL"),
            jwks_file: non_empty("WINSERVE_JWKS_FILE"),
            jwt_issuer: non_empty("WINSERVE_JWT_ISSUER"),
            clerk_webhook_secret: non_empty("WINSERVE_CLERK_WEBHOOK_SECRET"),
            sms_webhook_secret: non_empty("WINSERVE_SMS_WEBHOOK_SECRET"),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }
}

/// The limits of `serve`: connection timeouts and cap, request limits, and the metrics listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeSettings {
    /// `WINSERVE_HEADER_TIMEOUT`, `WINSERVE_IDLE_TIMEOUT`, `WINSERVE_MAX_CONNECTIONS`,
    /// `WINSERVE_DRAIN_TIMEOUT`.
    pub server: ServerSettings,
    /// `WINSERVE_RATE_LIMIT`, `WINSERVE_EXPORT_CONCURRENCY`, `WINSERVE_BODY_TIMEOUT`.
    pub limits: LimitsConfig,
    /// `WINSERVE_METRICS_BIND`: where `/metrics` is served; unset, it is not.
    pub metrics_bind: Option<String>,
    /// `WINSERVE_SEARCH_CACHE_MB`: the memory the in-memory search indexes of districts may hold, in
    /// MiB (ADR 0023); 0 turns them off (every search runs in SQL).
    pub search_cache_mb: u64,
}

/// The default of `WINSERVE_SEARCH_CACHE_MB`: room for the indexes of about 10M district members.
pub const DEFAULT_SEARCH_CACHE_MB: u64 = 1024;

const DURATION: &str = "a positive duration such as 10, 10s, 2m or 1h";

impl ServeSettings {
    /// Reads the settings through `get`; unset or blank variables take their defaults.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let value = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let bad = |variable: &'static str, value: &str, expected: &'static str| SettingError {
            variable,
            value: value.to_owned(),
            expected,
        };
        let duration = |variable: &'static str, default: Duration| match value(variable) {
            None => Ok(default),
            Some(v) => parse_ttl(&v).map_err(|_| bad(variable, &v, DURATION)),
        };
        let count =
            |variable: &'static str, default: u64, min: u64, expected: &'static str| match value(
                variable,
            ) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n >= min)
                    .ok_or_else(|| bad(variable, &v, expected)),
            };
        let defaults = (ServerSettings::default(), LimitsConfig::default());
        let server = ServerSettings {
            header_timeout: duration("WINSERVE_HEADER_TIMEOUT", defaults.0.header_timeout)?,
            idle_timeout: duration("WINSERVE_IDLE_TIMEOUT", defaults.0.idle_timeout)?,
            drain_timeout: duration("WINSERVE_DRAIN_TIMEOUT", defaults.0.drain_timeout)?,
            max_connections: usize::try_from(count(
                "WINSERVE_MAX_CONNECTIONS",
                defaults.0.max_connections as u64,
                1,
                "a number of connections, at least 1",
            )?)
            .unwrap_or(usize::MAX),
        };
        let rate = count(
            "WINSERVE_RATE_LIMIT",
            u64::from(defaults.1.rate_per_minute),
            0,
            "requests per minute per user (0 turns the limit off)",
        )?;
        let exports = match value("WINSERVE_EXPORT_CONCURRENCY") {
            None => (
                defaults.1.exports_per_organization,
                defaults.1.exports_overall,
            ),
            Some(v) => parse_export_concurrency(&v).ok_or_else(|| {
                bad(
                    "WINSERVE_EXPORT_CONCURRENCY",
                    &v,
                    "exports per organization, optionally with the overall cap: 2 or 2,8",
                )
            })?,
        };
        let limits = LimitsConfig {
            rate_per_minute: u32::try_from(rate).unwrap_or(u32::MAX),
            exports_per_organization: exports.0,
            exports_overall: exports.1,
            body_timeout: duration("WINSERVE_BODY_TIMEOUT", defaults.1.body_timeout)?,
        };
        let search_cache_mb = count(
            "WINSERVE_SEARCH_CACHE_MB",
            DEFAULT_SEARCH_CACHE_MB,
            0,
            "MiB of memory for search indexes (0 turns them off)",
        )?;
        Ok(Self {
            server,
            limits,
            metrics_bind: value("WINSERVE_METRICS_BIND"),
            search_cache_mb,
        })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }
}

/// `N` (per organization; the overall cap is then at least `N` and 8 by default) or `N,M`.
fn parse_export_concurrency(value: &str) -> Option<(usize, usize)> {
    let overall_default = LimitsConfig::default().exports_overall;
    let mut parts = value.split(',').map(|p| p.trim().parse::<usize>().ok());
    let per_org = parts.next().flatten().filter(|n| *n >= 1)?;
    let overall = match parts.next() {
        None => overall_default.max(per_org),
        Some(n) => n.filter(|n| *n >= per_org)?,
    };
    parts.next().is_none().then_some((per_org, overall))
}

/// Parses a lifetime such as `90s`, `30m`, `1h` or `7d` (a bare number is seconds).
pub fn parse_ttl(value: &str) -> Result<Duration, TtlError> {
    let value = value.trim();
    let not_a_lifetime = || TtlError::NotALifetime {
        value: value.to_owned(),
    };
    let (digits, unit) = value.split_at(
        value
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(value.len()),
    );
    let n: u64 = digits.parse().map_err(|_| not_a_lifetime())?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(not_a_lifetime()),
    };
    if seconds == 0 {
        return Err(TtlError::NotPositive);
    }
    Ok(Duration::from_secs(seconds))
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

    #[test]
    fn serve_settings_default_and_parse() {
        let none = ServeSettings::from_lookup(|_| None).unwrap();
        assert_eq!(none.server, ServerSettings::default());
        assert_eq!(none.limits, LimitsConfig::default());
        assert_eq!(none.metrics_bind, None);
        assert_eq!(none.search_cache_mb, DEFAULT_SEARCH_CACHE_MB);

        let set = ServeSettings::from_lookup(|k| {
            Some(
                match k {
                    "WINSERVE_HEADER_TIMEOUT" => "2",
                    "WINSERVE_IDLE_TIMEOUT" => "1m",
                    "WINSERVE_BODY_TIMEOUT" => "5s",
                    "WINSERVE_MAX_CONNECTIONS" => "10",
                    "WINSERVE_RATE_LIMIT" => "0",
                    "WINSERVE_EXPORT_CONCURRENCY" => "3,4",
                    "WINSERVE_METRICS_BIND" => "127.0.0.1:9100",
                    "WINSERVE_SEARCH_CACHE_MB" => "0",
                    _ => return None,
                }
                .to_owned(),
            )
        })
        .unwrap();
        assert_eq!(set.server.header_timeout, Duration::from_secs(2));
        assert_eq!(set.server.idle_timeout, Duration::from_secs(60));
        assert_eq!(set.server.max_connections, 10);
        assert_eq!(set.limits.body_timeout, Duration::from_secs(5));
        assert_eq!(set.limits.rate_per_minute, 0);
        assert_eq!(
            (
                set.limits.exports_per_organization,
                set.limits.exports_overall
            ),
            (3, 4)
        );
        assert_eq!(set.metrics_bind.as_deref(), Some("127.0.0.1:9100"));
        assert_eq!(set.search_cache_mb, 0, "0 turns the search indexes off");
    }

    #[test]
    fn malformed_settings_name_the_variable() {
        for (k, v) in [
            ("WINSERVE_HEADER_TIMEOUT", "soon"),
            ("WINSERVE_IDLE_TIMEOUT", "0"),
            ("WINSERVE_MAX_CONNECTIONS", "0"),
            ("WINSERVE_RATE_LIMIT", "-1"),
            ("WINSERVE_EXPORT_CONCURRENCY", "3,2"),
            ("WINSERVE_EXPORT_CONCURRENCY", "0"),
            ("WINSERVE_SEARCH_CACHE_MB", "lots"),
            ("WINSERVE_SEARCH_CACHE_MB", "-5"),
        ] {
            let e = ServeSettings::from_lookup(|key| (key == k).then(|| v.to_owned())).unwrap_err();
            assert_eq!(e.variable, k);
            assert!(e.to_string().contains(v), "{e}");
        }
        assert_eq!(parse_export_concurrency("4"), Some((4, 8)));
        assert_eq!(parse_export_concurrency("12"), Some((12, 12)));
    }
}
