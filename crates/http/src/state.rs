//! The state shared by every handler.

use crate::auth::Authenticator;
use std::sync::Arc;
use winserve_application::App;

/// The application and the token checker.
#[derive(Clone)]
pub struct AppState {
    /// The use cases over the ports.
    pub app: App,
    /// Verifies bearer tokens.
    pub auth: Arc<Authenticator>,
}
