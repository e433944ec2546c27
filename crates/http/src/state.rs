//! The state shared by every handler.

use crate::auth::Authenticator;
use crate::clerk_webhook::WebhookVerifier;
use crate::limits::Limits;
use std::sync::Arc;
use winserve_application::Services;

/// The application's services and the token checker. Handlers reach the rules only through
/// [`Services`]; no port is in reach.
#[derive(Clone)]
pub struct AppState {
    /// The application services.
    pub services: Services,
    /// Verifies bearer tokens.
    pub auth: Arc<Authenticator>,
    /// The per-user rate limit, the export slots and the body timeout.
    pub limits: Arc<Limits>,
    /// Checks Clerk's webhook signatures (`WINSERVE_CLERK_WEBHOOK_SECRET`); `None`: the webhook
    /// endpoint answers 401.
    pub clerk_webhook: Option<Arc<WebhookVerifier>>,
    /// Checks the SMS provider's webhook signatures (Standard Webhooks, `WINSERVE_SMS_WEBHOOK_SECRET`);
    /// `None`: the SMS webhook answers 401.
    pub sms_webhook: Option<Arc<crate::standard_webhooks::Verifier>>,
}
