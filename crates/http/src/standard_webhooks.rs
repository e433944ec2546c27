//! Signed webhook deliveries per the [Standard Webhooks] specification, and the inbound SMS payload
//! that arrives that way.
//!
//! The sender signs `"{id}.{timestamp}.{raw body}"` with HMAC-SHA256 under the endpoint's secret
//! (`whsec_` followed by the key in base64) and sends `v1,<base64 signature>` entries, space-separated,
//! in the signature header (several while a secret rotates). A delivery is accepted when one entry
//! matches (compared in constant time) and its timestamp is within [`TOLERANCE_SECONDS`] of now.
//!
//! Svix (Clerk's webhooks, [`crate::clerk_webhook`]) is the same scheme under other header names:
//! [`HeaderNames::SVIX`] and [`HeaderNames::STANDARD`] select them, and there is one implementation.
//!
//! [Standard Webhooks]: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// How far a delivery's timestamp may be from now.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// The longest delivery id accepted.
pub const MAX_ID_CHARS: usize = 200;

/// The names of the three headers of a signed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HeaderNames {
    /// The delivery's id (a redelivery repeats it).
    pub id: &'static str,
    /// Seconds since the epoch when it was signed.
    pub timestamp: &'static str,
    /// The `v1,…` signature entries.
    pub signature: &'static str,
}

impl HeaderNames {
    /// The Standard Webhooks headers: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    pub const STANDARD: HeaderNames = HeaderNames {
        id: "webhook-id",
        timestamp: "webhook-timestamp",
        signature: "webhook-signature",
    };

    /// Svix's headers (Clerk): `svix-id`, `svix-timestamp`, `svix-signature`.
    pub const SVIX: HeaderNames = HeaderNames {
        id: "svix-id",
        timestamp: "svix-timestamp",
        signature: "svix-signature",
    };
}

/// Why a delivery was refused (401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header is missing or malformed.
    #[error("missing or malformed webhook headers ({}, {}, {})", .0.id, .0.timestamp, .0.signature)]
    Headers(HeaderNames),
    /// The timestamp is more than five minutes away from now (a replay, or a clock far off).
    #[error("the delivery's timestamp is outside the tolerance")]
    Stale,
    /// No signature matches.
    #[error("no valid signature")]
    Signature,
}

/// An endpoint's signing key, and the headers its deliveries come with.
#[derive(Clone)]
pub struct Verifier {
    key: Vec<u8>,
    names: HeaderNames,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("key", &"<redacted>")
            .field("names", &self.names)
            .finish()
    }
}

impl Verifier {
    /// A verifier for `whsec_…` (the prefix is optional) whose deliveries use `names`; `None` when the
    /// key is not base64 or empty.
    pub fn new(secret: &str, names: HeaderNames) -> Option<Self> {
        let encoded = secret.trim();
        let encoded = encoded.strip_prefix("whsec_").unwrap_or(encoded);
        let key = STANDARD.decode(encoded).ok().filter(|k| !k.is_empty())?;
        Some(Self { key, names })
    }

    /// The headers its deliveries come with.
    pub const fn names(&self) -> HeaderNames {
        self.names
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts any key length");
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        mac
    }

    /// The `v1,…` signature of a delivery (what a sender puts in the signature header; tests use it to
    /// sign like the sender).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    /// Checks a delivery's header values and raw body against the key at time `now`.
    pub fn verify(
        &self,
        id: Option<&str>,
        timestamp: Option<&str>,
        signatures: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        let malformed = SignatureError::Headers(self.names);
        let (Some(id), Some(timestamp), Some(signatures)) = (id, timestamp, signatures) else {
            return Err(malformed);
        };
        if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
            return Err(malformed);
        }
        let timestamp: i64 = timestamp.trim().parse().map_err(|_| malformed)?;
        // abs_diff: a timestamp near i64::MIN must not overflow the subtraction.
        if now.timestamp().abs_diff(timestamp) > TOLERANCE_SECONDS.unsigned_abs() {
            return Err(SignatureError::Stale);
        }
        let matches = signatures
            .split_whitespace()
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .filter_map(|sig| STANDARD.decode(sig).ok())
            .any(|sig| self.mac(id, timestamp, body).verify_slice(&sig).is_ok());
        if matches {
            Ok(())
        } else {
            Err(SignatureError::Signature)
        }
    }

    /// Checks a delivery's headers (under [`Self::names`]) and raw body at time `now`, and answers its
    /// id (for replay protection: a verified id seen before is a redelivery).
    pub fn verify_headers<'h>(
        &self,
        headers: &'h HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<&'h str, SignatureError> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let id = header(self.names.id);
        self.verify(
            id,
            header(self.names.timestamp),
            header(self.names.signature),
            body,
            now,
        )?;
        // verify refuses a missing id.
        id.ok_or(SignatureError::Headers(self.names))
    }
}

/// A text message received, as the SMS provider's webhook reports it (`POST /v1/webhooks/sms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSms {
    /// The sender's number, as sent (trimmed; normalize with `winserve_domain::normalize_phone`).
    pub from: String,
    /// The message, as sent (possibly empty).
    pub body: String,
    /// When the provider received it.
    pub received_at: DateTime<Utc>,
}

/// Reads an inbound SMS payload: a JSON object with `from` (a non-blank string), `body` (a string,
/// possibly empty) and `received_at` (an RFC 3339 date-time); other fields are ignored. `Err` names the
/// field that is wrong.
pub fn parse_inbound_sms(body: &[u8]) -> Result<InboundSms, String> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    if !payload.is_object() {
        return Err("the body must be a JSON object".to_owned());
    }
    let from = payload["from"]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or("from must be a non-empty string")?;
    let text = payload["body"]
        .as_str()
        .ok_or("body must be a string (possibly empty)")?;
    let received_at = payload["received_at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .ok_or("received_at must be an RFC 3339 date-time")?
        .with_timezone(&Utc);
    Ok(InboundSms {
        from: from.to_owned(),
        body: text.to_owned(),
        received_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn verifier() -> Verifier {
        Verifier::new(SECRET, HeaderNames::STANDARD).unwrap()
    }

    /// The test vector of the Standard Webhooks specification (the same as Svix's documentation).
    #[test]
    fn signs_and_verifies_the_specification_example() {
        let v = verifier();
        let body = br#"{"test": 2432232314}"#;
        let sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assert_eq!(
            v.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            sig
        );
        let at = DateTime::from_timestamp(1614265330 + 10, 0).unwrap();
        assert_eq!(
            v.verify(
                Some("msg_p5jXN8AQM9LWM0D4loKWxJek"),
                Some("1614265330"),
                Some(sig),
                body,
                at
            ),
            Ok(())
        );
        // The prefix is optional; a key that is not base64 (or empty) is no key.
        let bare = Verifier::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", HeaderNames::SVIX).unwrap();
        assert_eq!(
            bare.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            sig
        );
        assert!(Verifier::new("whsec_not base64!", HeaderNames::STANDARD).is_none());
        assert!(Verifier::new("whsec_", HeaderNames::STANDARD).is_none());
        assert!(!format!("{v:?}").contains("MfKQ"));
    }

    #[test]
    fn a_signature_must_match_and_be_fresh() {
        let v = verifier();
        let now = Utc::now();
        let ts = now.timestamp();
        let body = b"{}";
        let sig = v.sign("msg_1", ts, body);
        let check = |id: &str, ts: i64, sigs: &str, body: &[u8]| {
            v.verify(Some(id), Some(&ts.to_string()), Some(sigs), body, now)
        };
        assert_eq!(check("msg_1", ts, &sig, body), Ok(()));
        // Several entries (a rotating secret): the second matches.
        assert_eq!(
            check("msg_1", ts, &format!("v1,bm90IGl0 {sig}"), body),
            Ok(())
        );
        assert_eq!(
            check("msg_1", ts, &format!("v2,xyz v1a,abc {sig}"), body),
            Ok(())
        );
        assert_eq!(
            check("msg_1", ts, &sig, b"{ }"),
            Err(SignatureError::Signature)
        );
        assert_eq!(
            check("msg_2", ts, &sig, body),
            Err(SignatureError::Signature)
        );
        assert_eq!(
            check("msg_1", ts + 1, &sig, body),
            Err(SignatureError::Signature)
        );
        let other = Verifier::new("whsec_c2VjcmV0LW9mLWFub3RoZXI=", HeaderNames::STANDARD).unwrap();
        assert_eq!(
            check("msg_1", ts, &other.sign("msg_1", ts, body), body),
            Err(SignatureError::Signature)
        );
        assert_eq!(
            check("msg_1", ts, sig.trim_start_matches("v1,"), body),
            Err(SignatureError::Signature),
            "an entry without its version"
        );
        for off in [TOLERANCE_SECONDS + 1, -TOLERANCE_SECONDS - 1] {
            let t = ts - off;
            assert_eq!(
                check("msg_1", t, &v.sign("msg_1", t, body), body),
                Err(SignatureError::Stale)
            );
        }
        let edge = ts - TOLERANCE_SECONDS;
        assert_eq!(
            check("msg_1", edge, &v.sign("msg_1", edge, body), body),
            Ok(())
        );
        assert_eq!(
            check("msg_1", i64::MIN, &sig, body),
            Err(SignatureError::Stale)
        );
        let malformed = Err(SignatureError::Headers(HeaderNames::STANDARD));
        assert_eq!(v.verify(None, Some("1"), Some(&sig), body, now), malformed);
        assert_eq!(
            v.verify(Some("msg_1"), None, Some(&sig), body, now),
            malformed
        );
        assert_eq!(
            v.verify(Some("msg_1"), Some(&ts.to_string()), None, body, now),
            malformed
        );
        assert_eq!(
            v.verify(Some("msg_1"), Some("soon"), Some(&sig), body, now),
            malformed
        );
        assert_eq!(check("", ts, &sig, body), malformed);
        assert_eq!(
            check(&"x".repeat(MAX_ID_CHARS + 1), ts, &sig, body),
            malformed
        );
    }

    #[test]
    fn headers_are_read_under_their_names() {
        let v = verifier();
        let now = Utc::now();
        let ts = now.timestamp();
        let body = br#"{"from":"+13075550123"}"#;
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_static("msg_7"));
        headers.insert("webhook-timestamp", HeaderValue::from(ts));
        headers.insert(
            "webhook-signature",
            HeaderValue::from_str(&v.sign("msg_7", ts, body)).unwrap(),
        );
        assert_eq!(v.verify_headers(&headers, body, now), Ok("msg_7"));
        // The same delivery under Svix's names is not a Standard Webhooks delivery, and vice versa.
        let svix = Verifier::new(SECRET, HeaderNames::SVIX).unwrap();
        let err = svix.verify_headers(&headers, body, now).unwrap_err();
        assert_eq!(err, SignatureError::Headers(HeaderNames::SVIX));
        assert_eq!(
            err.to_string(),
            "missing or malformed webhook headers (svix-id, svix-timestamp, svix-signature)"
        );
        headers.remove("webhook-id");
        assert_eq!(
            v.verify_headers(&headers, body, now),
            Err(SignatureError::Headers(HeaderNames::STANDARD))
        );
    }

    #[test]
    fn inbound_sms_payloads_are_read() {
        let sms = parse_inbound_sms(
            br#"{"from":" +13075550123 ","body":"Yes!","received_at":"2025-11-26T10:00:00-05:00","x":1}"#,
        )
        .unwrap();
        assert_eq!(sms.from, "+13075550123");
        assert_eq!(sms.body, "Yes!");
        assert_eq!(
            sms.received_at,
            DateTime::parse_from_rfc3339("2025-11-26T15:00:00Z").unwrap()
        );
        let empty =
            parse_inbound_sms(br#"{"from":"+1","body":"","received_at":"2025-11-26T15:00:00Z"}"#);
        assert_eq!(empty.unwrap().body, "");
        let err = |json: &str| parse_inbound_sms(json.as_bytes()).unwrap_err();
        assert!(err("{").contains("not JSON"));
        assert!(err("[]").contains("object"));
        assert!(err(r#"{"body":"","received_at":"2025-11-26T15:00:00Z"}"#).starts_with("from"));
        assert!(
            err(r#"{"from":" ","body":"","received_at":"2025-11-26T15:00:00Z"}"#)
                .starts_with("from")
        );
        assert!(err(r#"{"from":"+1","received_at":"2025-11-26T15:00:00Z"}"#).starts_with("body"));
        assert!(
            err(r#"{"from":"+1","body":3,"received_at":"2025-11-26T15:00:00Z"}"#)
                .starts_with("body")
        );
        assert!(err(r#"{"from":"+1","body":""}"#).starts_with("received_at"));
        assert!(
            err(r#"{"from":"+1","body":"","received_at":"2025-11-26 15:00"}"#)
                .starts_with("received_at")
        );
    }
}
