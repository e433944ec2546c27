//! Clerk's webhook deliveries (issue 15): the Svix signature check and the events winserve acts on.
//!
//! Svix signs `"{svix-id}.{svix-timestamp}.{raw body}"` with HMAC-SHA256 under the endpoint's secret
//! (`whsec_` followed by the key in base64) and sends `v1,<base64 signature>` entries, space-separated,
//! in `svix-signature` (several while a secret rotates). A delivery is accepted when one entry matches
//! (compared in constant time) and its timestamp is within five minutes of now. Svix is the Standard
//! Webhooks scheme under `svix-` header names: the check itself is [`crate::standard_webhooks`].

use crate::standard_webhooks::{HeaderNames, Verifier};
use chrono::{DateTime, Utc};
use serde_json::Value;
use winserve_domain::{ClerkEvent, ClerkOrganizationId, ClerkUser, Role, Subject};

pub use crate::standard_webhooks::{SignatureError, TOLERANCE_SECONDS};

/// The endpoint's signing key: a Standard Webhooks [`Verifier`] of Svix's headers
/// ([`HeaderNames::SVIX`]).
#[derive(Clone)]
pub struct WebhookVerifier(Verifier);

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookVerifier { key: <redacted> }")
    }
}

impl WebhookVerifier {
    /// A verifier for `whsec_…` (the prefix is optional); `None` when the key is not base64.
    pub fn new(secret: &str) -> Option<Self> {
        Verifier::new(secret, HeaderNames::SVIX).map(Self)
    }

    /// The `v1,…` signature of a delivery (what Svix sends; used by tests to sign like Clerk).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        self.0.sign(id, timestamp, body)
    }

    /// Checks a delivery's headers (`svix-id`, `svix-timestamp`, `svix-signature`) and raw body against
    /// the key at time `now`.
    pub fn verify(
        &self,
        id: Option<&str>,
        timestamp: Option<&str>,
        signatures: Option<&str>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        self.0.verify(id, timestamp, signatures, body, now)
    }

    /// The underlying Standard Webhooks verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.0
    }
}

/// A verified delivery's payload, as far as winserve reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// An event winserve acts on, with its type.
    Known(&'static str, ClerkEvent),
    /// Any other event type: acknowledged, nothing stored.
    Ignored,
}

/// A millisecond timestamp of the payload.
fn millis(value: &Value) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(value.as_i64()?)
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Reads a delivery's JSON body. `Err` names what is missing from an event winserve acts on.
pub fn parse(body: &[u8], received_at: DateTime<Utc>) -> Result<Delivery, String> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let data = &payload["data"];
    // When Clerk made the change: the event's timestamp, else the record's last update.
    let at = millis(&payload["timestamp"])
        .or_else(|| millis(&data["updated_at"]))
        .unwrap_or(received_at);
    let organization = |v: &Value| {
        text(v)
            .and_then(|id| ClerkOrganizationId::new(&id).ok())
            .ok_or("data.organization.id is missing or invalid")
    };
    let user = || -> Result<ClerkUser, String> {
        let public = &data["public_user_data"];
        Ok(ClerkUser {
            sub: text(&public["user_id"])
                .and_then(|s| Subject::new(&s).ok())
                .ok_or("data.public_user_data.user_id is missing or invalid")?,
            email: text(&public["identifier"]).filter(|e| e.contains('@')),
            first_name: text(&public["first_name"]),
            last_name: text(&public["last_name"]),
        })
    };
    Ok(match payload["type"].as_str() {
        Some(kind @ ("organizationMembership.created" | "organizationMembership.updated")) => {
            let role = text(&data["role"]).ok_or("data.role is missing")?;
            let kind = if kind.ends_with("created") {
                "organizationMembership.created"
            } else {
                "organizationMembership.updated"
            };
            Delivery::Known(
                kind,
                ClerkEvent::MembershipSet {
                    organization: organization(&data["organization"]["id"])?,
                    user: user()?,
                    role: Role::from_clerk(&role),
                    at,
                },
            )
        }
        Some("organizationMembership.deleted") => Delivery::Known(
            "organizationMembership.deleted",
            ClerkEvent::MembershipDeleted {
                organization: organization(&data["organization"]["id"])?,
                user_sub: user()?.sub,
                at,
            },
        ),
        Some("organization.deleted") => Delivery::Known(
            "organization.deleted",
            ClerkEvent::OrganizationDeleted {
                organization: organization(&data["id"])?,
                at,
            },
        ),
        _ => Delivery::Ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier() -> WebhookVerifier {
        WebhookVerifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
    }

    /// The example of Svix's documentation: this secret, id, timestamp and body give this signature.
    #[test]
    fn signs_like_the_svix_documentation() {
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            verifier().sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_signature_must_match_and_be_fresh() {
        let v = verifier();
        let now = Utc::now();
        let ts = now.timestamp();
        let body = b"{}";
        let sig = v.sign("msg_1", ts, body);
        let both = format!("v1,bm90IGl0 {sig}");
        let ok = v.verify(Some("msg_1"), Some(&ts.to_string()), Some(&both), body, now);
        assert_eq!(ok, Ok(()));
        let tampered = v.verify(
            Some("msg_1"),
            Some(&ts.to_string()),
            Some(&sig),
            b"{ }",
            now,
        );
        assert_eq!(tampered, Err(SignatureError::Signature));
        let other_id = v.verify(Some("msg_2"), Some(&ts.to_string()), Some(&sig), body, now);
        assert_eq!(other_id, Err(SignatureError::Signature));
        let old = ts - TOLERANCE_SECONDS - 1;
        let stale = v.verify(
            Some("msg_1"),
            Some(&old.to_string()),
            Some(&v.sign("msg_1", old, body)),
            body,
            now,
        );
        assert_eq!(stale, Err(SignatureError::Stale));
        assert_eq!(
            v.verify(None, Some("1"), Some(&sig), body, now),
            Err(SignatureError::Headers(HeaderNames::SVIX))
        );
    }

    #[test]
    fn clerk_payloads_become_events() {
        let now = Utc::now();
        let created = br#"{"type":"organizationMembership.created","timestamp":1700000000000,
            "data":{"role":"org:admin","organization":{"id":"org_1"},
            "public_user_data":{"user_id":"user_9","identifier":"a@b.c","first_name":"Ada"}}}"#;
        let Delivery::Known(kind, ClerkEvent::MembershipSet { role, user, at, .. }) =
            parse(created, now).unwrap()
        else {
            panic!("not a membership event")
        };
        assert_eq!(kind, "organizationMembership.created");
        assert_eq!(role, Role::Admin);
        assert_eq!(user.email.as_deref(), Some("a@b.c"));
        assert_eq!(at.timestamp(), 1_700_000_000);
        assert_eq!(
            parse(br#"{"type":"user.created","data":{}}"#, now),
            Ok(Delivery::Ignored)
        );
        assert!(
            parse(
                br#"{"type":"organizationMembership.deleted","data":{}}"#,
                now
            )
            .is_err()
        );
    }
}
