//! Bearer-token authentication: HS256 with a shared secret (development, tests) and RS256 against a JWKS
//! (Clerk), from a file or a URL with caching and key rotation by `kid`.

use crate::problem::ApiError;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The claims winserve reads. Clerk session tokens carry the active organization as `o.id` (version 2)
/// or `org_id` (version 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user (a Clerk user id).
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Not before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email is verified (an invitation is refused when this says `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "given_name")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "family_name"
    )]
    pub last_name: Option<String>,
    /// Clerk v2 organization claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub o: Option<ClerkOrgClaim>,
    /// Clerk v1 organization claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Clerk v1 role in the active organization (`org:admin`, `org:member`, or a custom role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_role: Option<String>,
}

/// The `o` claim of Clerk's version-2 session tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkOrgClaim {
    /// The active organization's id.
    #[serde(default)]
    pub id: Option<String>,
    /// The role in it (`admin`, `member`, or a custom role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rol: Option<String>,
}

impl Claims {
    /// The Clerk active organization with the role the token gives its bearer there: version 2 (`o.id`,
    /// `o.rol`) first, else version 1 (`org_id`, `org_role`). The role is `None` when the token names
    /// the organization without one.
    pub fn active_clerk_membership(&self) -> Option<(&str, Option<&str>)> {
        match self.o.as_ref().and_then(|o| o.id.as_deref()) {
            Some(id) => Some((id, self.o.as_ref().and_then(|o| o.rol.as_deref()))),
            None => self
                .org_id
                .as_deref()
                .map(|id| (id, self.org_role.as_deref())),
        }
    }

    /// The Clerk active-organization id, from `o.id` or else `org_id`.
    pub fn active_clerk_organization(&self) -> Option<&str> {
        self.o
            .as_ref()
            .and_then(|o| o.id.as_deref())
            .or(self.org_id.as_deref())
    }
}

/// Where RS256 keys come from.
#[derive(Debug)]
enum KeySource {
    /// A JWKS read once from a file.
    Static(HashMap<String, DecodingKey>),
    /// A JWKS fetched from a URL and cached.
    Remote(RemoteJwks),
}

#[derive(Debug)]
struct RemoteJwks {
    url: String,
    cache: Mutex<JwksCache>,
}

#[derive(Debug, Default)]
struct JwksCache {
    keys: HashMap<String, DecodingKey>,
    /// When the keys were last fetched successfully (their age, for the TTL).
    fetched_at: Option<Instant>,
    /// When a fetch was last attempted, successful or not (for the refresh rate limit).
    attempted_at: Option<Instant>,
}

/// How long fetched keys are trusted before a refresh.
const JWKS_TTL: Duration = Duration::from_secs(600);
/// The default shortest time between two fetches (an unknown `kid` triggers one, but not a flood of them).
pub const JWKS_MIN_REFRESH: Duration = Duration::from_secs(30);

/// Checks bearer tokens.
#[derive(Debug)]
pub struct Authenticator {
    hs256: Option<(DecodingKey, EncodingKey)>,
    rs256: Option<KeySource>,
    issuer: Option<String>,
    min_refresh: Duration,
}

/// Why the authenticator could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    /// No method is configured.
    #[error(
        "no token method is configured: set WINSERVE_JWT_SECRET (HS256, development) or WINSERVE_JWKS_URL / WINSERVE_JWKS_FILE (RS256, Clerk)"
    )]
    NoMethod,
    /// The JWKS file could not be read or parsed.
    #[error("cannot use the JWKS file {path}: {reason}")]
    JwksFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

fn keys_from_set(set: &JwkSet) -> HashMap<String, DecodingKey> {
    set.keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            DecodingKey::from_jwk(jwk).ok().map(|k| (kid, k))
        })
        .collect()
}

impl Authenticator {
    /// An authenticator from the configured methods; at least one is needed.
    pub fn new(
        secret: Option<&str>,
        jwks_file: Option<&str>,
        jwks_url: Option<&str>,
        issuer: Option<&str>,
    ) -> Result<Self, AuthConfigError> {
        let hs256 = secret.filter(|s| !s.is_empty()).map(|s| {
            (
                DecodingKey::from_secret(s.as_bytes()),
                EncodingKey::from_secret(s.as_bytes()),
            )
        });
        let rs256 = if let Some(path) = jwks_file.filter(|p| !p.is_empty()) {
            let err = |reason: String| AuthConfigError::JwksFile {
                path: path.to_owned(),
                reason,
            };
            let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
            let set: JwkSet = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
            Some(KeySource::Static(keys_from_set(&set)))
        } else {
            jwks_url.filter(|u| !u.is_empty()).map(|url| {
                KeySource::Remote(RemoteJwks {
                    url: url.to_owned(),
                    cache: Mutex::new(JwksCache::default()),
                })
            })
        };
        if hs256.is_none() && rs256.is_none() {
            return Err(AuthConfigError::NoMethod);
        }
        Ok(Self {
            hs256,
            rs256,
            issuer: issuer.filter(|i| !i.is_empty()).map(str::to_owned),
            min_refresh: JWKS_MIN_REFRESH,
        })
    }

    /// Sets the shortest time between two JWKS fetches (default [`JWKS_MIN_REFRESH`]).
    pub fn with_jwks_min_refresh(mut self, interval: Duration) -> Self {
        self.min_refresh = interval;
        self
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.validate_exp = true;
        v.validate_nbf = true;
        v.validate_aud = false;
        v.leeway = 5;
        v.set_required_spec_claims(&["exp", "sub"]);
        if let Some(iss) = &self.issuer {
            v.set_issuer(&[iss]);
            v.required_spec_claims.insert("iss".to_owned());
        }
        v
    }

    /// Verifies a bearer token and returns its claims. Every failure is 401 `unauthorized`.
    pub async fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| ApiError::unauthorized("the bearer token is malformed"))?;
        let key = match header.alg {
            Algorithm::HS256 => self
                .hs256
                .as_ref()
                .map(|(d, _)| d.clone())
                .ok_or_else(|| ApiError::unauthorized("HS256 tokens are not accepted here"))?,
            Algorithm::RS256 => {
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| ApiError::unauthorized("the token names no key (kid)"))?;
                self.rs256_key(kid).await?
            }
            _ => return Err(ApiError::unauthorized("unsupported token algorithm")),
        };
        let data = jsonwebtoken::decode::<Claims>(token, &key, &self.validation(header.alg))
            .map_err(|e| ApiError::unauthorized(format!("the bearer token is not valid: {e}")))?;
        Ok(data.claims)
    }

    async fn rs256_key(&self, kid: &str) -> Result<DecodingKey, ApiError> {
        let unknown = || ApiError::unauthorized("the token's signing key is unknown");
        match &self.rs256 {
            None => Err(ApiError::unauthorized("RS256 tokens are not accepted here")),
            Some(KeySource::Static(keys)) => keys.get(kid).cloned().ok_or_else(unknown),
            Some(KeySource::Remote(remote)) => {
                let cached = {
                    let mut cache = remote.cache.lock().unwrap_or_else(|p| p.into_inner());
                    let age = cache.fetched_at.map(|t| t.elapsed());
                    let cached = cache.keys.get(kid).cloned();
                    let stale = age.is_none_or(|a| a > JWKS_TTL);
                    if cached.is_some() && !stale {
                        return cached.ok_or_else(unknown);
                    }
                    // At most one fetch per interval, successful or not: an unknown kid or a JWKS
                    // outage must not turn every request into a blocking fetch.
                    let since_attempt = cache.attempted_at.map(|t| t.elapsed());
                    if since_attempt.is_some_and(|a| a <= self.min_refresh) {
                        return cached.ok_or_else(unknown);
                    }
                    cache.attempted_at = Some(Instant::now());
                    cached
                };
                match fetch_jwks(remote.url.clone()).await {
                    Ok(keys) => {
                        let key = keys.get(kid).cloned();
                        let mut cache = remote.cache.lock().unwrap_or_else(|p| p.into_inner());
                        cache.keys = keys;
                        cache.fetched_at = Some(Instant::now());
                        key.ok_or_else(unknown)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, url = %remote.url, "JWKS fetch failed");
                        // Keep serving with the keys we had: a JWKS outage must not log everyone out.
                        cached.ok_or_else(|| {
                            ApiError::unauthorized("the signing keys cannot be fetched")
                        })
                    }
                }
            }
        }
    }

    /// Mints an HS256 token (the `winserve token` command and tests).
    pub fn mint(&self, claims: &Claims) -> Result<String, String> {
        let (_, key) = self
            .hs256
            .as_ref()
            .ok_or("WINSERVE_JWT_SECRET is not set; it is needed to mint tokens")?;
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, key).map_err(|e| e.to_string())
    }
}

async fn fetch_jwks(url: String) -> Result<HashMap<String, DecodingKey>, String> {
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        let body = agent
            .get(&url)
            .call()
            .map_err(|e| e.to_string())?
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        let set: JwkSet = serde_json::from_str(&body).map_err(|e| e.to_string())?;
        Ok(keys_from_set(&set))
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Seconds since the epoch.
pub fn now_ts() -> u64 {
    jsonwebtoken::get_current_timestamp()
}
