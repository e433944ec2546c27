//! The application services: one per resource, the only door to the rules. Each owns its rules, its
//! clock and its id generation, and holds the ports it needs as private fields; a handler or a command
//! translates its input into a service call and the service's typed result (or per-operation error enum)
//! back. See docs/adr/0002 and docs/architecture.md.
//!
//! | service | resource |
//! |---|---|
//! | [`AccountService`] | the caller: who they are, the organization a request acts in, default organization, history |
//! | [`OrganizationService`] | organizations: list, read, profile updates, navigation |
//! | [`CampaignService`] | campaigns and the Win side of the lifecycle |
//! | [`OfficeService`] | elected offices and the end of a term |
//! | [`SegmentService`] | custom segments and their live counts |
//! | [`ContactService`] | contacts: pages, detail, export, statistics, through the party policy |
//! | [`TeamService`] | an organization's members, roles, ownership and invitations |
//! | [`ClerkService`] | Clerk webhook deliveries, applied to the members of linked organizations |
//! | [`OutreachService`] | Voter Outreach (Win only): a campaign's outreach plans, their audiences and results |
//! | [`PollService`] | Polls (Serve only): an office's SMS polls, their outbox, replies and k-anonymous results |
//! | [`ReferenceService`] | BallotReady positions and L2 districts (search) |
//! | [`ImportService`] | loading reference data and voter files |
//! | [`HealthService`] | readiness |

/// `From<UpdateError>` for the error enum of an update operation, whose variants carry the port's outcomes
/// under the same names (`NotFound`, `Archived`, `Forbidden`, `Invalid`, `Conflict`, `Store`).
macro_rules! from_update_error {
    ($($error:ident),* $(,)?) => {$(
        impl From<crate::error::UpdateError> for $error {
            fn from(e: crate::error::UpdateError) -> Self {
                use crate::error::UpdateError;
                match e {
                    UpdateError::NotFound => Self::NotFound,
                    UpdateError::Archived => Self::Archived,
                    UpdateError::Forbidden(f) => Self::Forbidden(f),
                    UpdateError::Invalid(v) => Self::Invalid(v),
                    UpdateError::Conflict(m) => Self::Conflict(m),
                    UpdateError::Store(s) => Self::Store(s),
                }
            }
        }
    )*};
}

/// `From<LifecycleStoreError>` for the error enum of a lifecycle operation: the domain's refusal becomes
/// its `Refused` variant, a storage failure its `Store` variant.
macro_rules! from_lifecycle_store_error {
    ($($error:ident),* $(,)?) => {$(
        impl From<crate::error::LifecycleStoreError> for $error {
            fn from(e: crate::error::LifecycleStoreError) -> Self {
                match e {
                    crate::error::LifecycleStoreError::Rejected(e) => Self::Refused(e),
                    crate::error::LifecycleStoreError::Store(e) => Self::Store(e),
                }
            }
        }
    )*};
}

/// `From<$found>` (a lookup's error: `NotFound` or `Store`) for the error enums of operations that look
/// the record up first, which name those outcomes the same way.
macro_rules! from_lookup_error {
    ($found:ident => $($error:ident),* $(,)?) => {$(
        impl From<$found> for $error {
            fn from(e: $found) -> Self {
                match e {
                    $found::NotFound => Self::NotFound,
                    $found::Store(e) => Self::Store(e),
                }
            }
        }
    )*};
}

mod accounts;
mod campaigns;
mod clerk;
mod contact_filter;
mod contacts;
mod health;
mod imports;
mod offices;
mod organizations;
mod outreach;
mod polls;
mod reference;
mod registry;
mod scope;
mod segments;
mod target_segment;
mod team;

pub use accounts::*;
pub use campaigns::*;
pub use clerk::*;
pub use contacts::*;
pub use health::*;
pub use imports::*;
pub use offices::*;
pub use organizations::*;
pub use outreach::*;
pub use polls::*;
pub use reference::*;
pub use registry::*;
pub use scope::*;
pub use segments::*;
pub use team::*;

use crate::ports::{
    CampaignRepository, ClerkSyncRepository, ContactRepository, HealthCheck, InvitationRepository,
    LifecycleStore, MembershipRepository, OfficeRepository, OrganizationRepository,
    OutreachAudienceRepository, OutreachRepository, PollRepository, ReferenceRepository,
    SegmentRepository, SmsSender, UserRepository, VoterRepository,
};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Every port the application uses, as shared trait objects: what the binary (or a test) hands to
/// [`Services::new`]. The services keep them private.
#[derive(Clone)]
pub struct Ports {
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Organizations.
    pub organizations: Arc<dyn OrganizationRepository>,
    /// Members of organizations.
    pub members: Arc<dyn MembershipRepository>,
    /// Invitations to join organizations.
    pub invitations: Arc<dyn InvitationRepository>,
    /// Memberships kept in step with Clerk.
    pub clerk: Arc<dyn ClerkSyncRepository>,
    /// Outreach plans (Win only).
    pub outreach: Arc<dyn OutreachRepository>,
    /// Outreach plans' audiences and results (Win only).
    pub outreach_audience: Arc<dyn OutreachAudienceRepository>,
    /// Polls (Serve only).
    pub polls: Arc<dyn PollRepository>,
    /// The SMS provider that delivers poll messages.
    pub sms: Arc<dyn SmsSender>,
    /// Campaigns.
    pub campaigns: Arc<dyn CampaignRepository>,
    /// Elected offices.
    pub offices: Arc<dyn OfficeRepository>,
    /// Positions and districts.
    pub reference: Arc<dyn ReferenceRepository>,
    /// Voters.
    pub voters: Arc<dyn VoterRepository>,
    /// Segments.
    pub segments: Arc<dyn SegmentRepository>,
    /// Contacts (read side of the voter file).
    pub contacts: Arc<dyn ContactRepository>,
    /// The lifecycle transaction boundary and log.
    pub lifecycle: Arc<dyn LifecycleStore>,
    /// Database health.
    pub health: Arc<dyn HealthCheck>,
}

/// The clock of the services (the system clock in production, a fixed one in tests).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Fresh ids for the records the services create (UUIDv7 in production).
pub type IdSource = Arc<dyn Fn() -> uuid::Uuid + Send + Sync>;
