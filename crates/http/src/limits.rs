//! Bounds on what one caller can make the server do (OWASP API4): a per-user request rate, and a cap on
//! concurrent contact exports per organization and overall. Both answer 429 `too_many_requests` with
//! `Retry-After` when full, before any database work.

use crate::problem::ApiError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use uuid::Uuid;

/// How long a caller refused by a full export limit is asked to wait: exports last seconds, so an
/// immediate retry would only be refused again.
const EXPORT_RETRY_AFTER_SECONDS: u32 = 5;

/// The limits' settings (`WINSERVE_RATE_LIMIT`, `WINSERVE_EXPORT_CONCURRENCY`, `WINSERVE_BODY_TIMEOUT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitsConfig {
    /// Requests per minute per user (a token bucket of this size refilled evenly); 0 turns it off.
    pub rate_per_minute: u32,
    /// Concurrent exports per organization.
    pub exports_per_organization: usize,
    /// Concurrent exports over all organizations.
    pub exports_overall: usize,
    /// How long a client may take to send a request body, from the moment its headers arrived; a slower
    /// one is answered 408 `request_timeout`.
    pub body_timeout: Duration,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            rate_per_minute: 600,
            exports_per_organization: 2,
            exports_overall: 8,
            body_timeout: Duration::from_secs(30),
        }
    }
}

impl LimitsConfig {
    /// The defaults without the rate limit (tests, `serve --demo`).
    pub fn without_rate_limit() -> Self {
        Self {
            rate_per_minute: 0,
            ..Self::default()
        }
    }
}

/// The live limits shared by every request.
pub struct Limits {
    config: LimitsConfig,
    rate: Option<DefaultKeyedRateLimiter<String>>,
    exports: Arc<Mutex<ExportCounts>>,
}

#[derive(Debug, Default)]
struct ExportCounts {
    overall: usize,
    per_organization: HashMap<Uuid, usize>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(LimitsConfig::default())
    }
}

impl Limits {
    /// Limits with `config`'s settings.
    pub fn new(config: LimitsConfig) -> Self {
        let rate = NonZeroU32::new(config.rate_per_minute)
            .map(|n| DefaultKeyedRateLimiter::keyed(Quota::per_minute(n)));
        Self {
            config,
            rate,
            exports: Arc::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &LimitsConfig {
        &self.config
    }

    /// Takes one request from `user`'s bucket, or 429 with the seconds until the next one is allowed.
    pub fn check_rate(&self, user: &str) -> Result<(), ApiError> {
        let Some(rate) = &self.rate else {
            return Ok(());
        };
        // Keys are the token's subject: bounded by the identity provider, not by the client. The map is
        // swept of full buckets now and then so that it does not grow with every user ever seen.
        if rate.len() > 10_000 {
            rate.retain_recent();
        }
        rate.check_key(&user.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            metrics::counter!("winserve_rate_limited_total").increment(1);
            ApiError::too_many_requests(
                format!(
                    "more than {} requests per minute; slow down",
                    self.config.rate_per_minute
                ),
                u32::try_from(wait.as_secs().saturating_add(1)).unwrap_or(u32::MAX),
            )
        })
    }

    /// A slot for one export of `organization`, held until the returned permit is dropped (when the
    /// export's last row is sent or the client goes away), or 429 when the organization or the server
    /// already runs as many exports as allowed.
    pub fn start_export(&self, organization: Uuid) -> Result<ExportPermit, ApiError> {
        let mut counts = self.exports.lock().unwrap_or_else(PoisonError::into_inner);
        let of_org = counts
            .per_organization
            .get(&organization)
            .copied()
            .unwrap_or(0);
        let refused = if of_org >= self.config.exports_per_organization {
            Some(format!(
                "this organization already runs {of_org} exports; wait for one to finish"
            ))
        } else if counts.overall >= self.config.exports_overall {
            Some("the server already runs as many exports as it allows; try again shortly".into())
        } else {
            None
        };
        if let Some(detail) = refused {
            metrics::counter!("winserve_exports_refused_total").increment(1);
            return Err(ApiError::too_many_requests(
                detail,
                EXPORT_RETRY_AFTER_SECONDS,
            ));
        }
        counts.overall += 1;
        *counts.per_organization.entry(organization).or_default() += 1;
        metrics::gauge!("winserve_exports_in_progress").increment(1.0);
        Ok(ExportPermit {
            counts: self.exports.clone(),
            organization,
        })
    }
}

/// One running export's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct ExportPermit {
    counts: Arc<Mutex<ExportCounts>>,
    organization: Uuid,
}

impl Drop for ExportPermit {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.overall = counts.overall.saturating_sub(1);
        if let Some(n) = counts.per_organization.get_mut(&self.organization) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.per_organization.remove(&self.organization);
            }
        }
        metrics::gauge!("winserve_exports_in_progress").decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn exports_are_bounded_per_organization_and_overall() {
        let limits = Limits::new(LimitsConfig {
            exports_per_organization: 2,
            exports_overall: 3,
            ..LimitsConfig::default()
        });
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let a1 = limits.start_export(a).unwrap();
        let _a2 = limits.start_export(a).unwrap();
        let refused = limits.start_export(a).unwrap_err();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let _b1 = limits.start_export(b).unwrap();
        // Three running: the overall cap refuses another organization too.
        assert_eq!(
            limits.start_export(b).unwrap_err().code(),
            "too_many_requests"
        );
        drop(a1);
        assert!(limits.start_export(b).is_ok());
    }

    #[test]
    fn finished_exports_leave_no_trace() {
        let limits = Limits::default();
        let org = Uuid::new_v4();
        drop(limits.start_export(org).unwrap());
        let counts = limits.exports.lock().unwrap();
        assert_eq!(counts.overall, 0);
        assert!(counts.per_organization.is_empty());
    }

    #[test]
    fn the_rate_limit_refuses_past_the_bucket_and_is_per_user() {
        let limits = Limits::new(LimitsConfig {
            rate_per_minute: 3,
            ..LimitsConfig::default()
        });
        for _ in 0..3 {
            limits.check_rate("alice").unwrap();
        }
        let refused = limits.check_rate("alice").unwrap_err();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        limits.check_rate("bob").unwrap();
    }

    #[test]
    fn a_zero_rate_is_off() {
        let limits = Limits::new(LimitsConfig::without_rate_limit());
        for _ in 0..10_000 {
            limits.check_rate("alice").unwrap();
        }
    }
}
