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
//! | [`ReferenceService`] | BallotReady positions and L2 districts (search) |
//! | [`ImportService`] | loading reference data and voter files |
//! | [`HealthService`] | readiness |

mod accounts;
mod campaigns;
mod contact_filter;
mod contacts;
mod health;
mod imports;
mod offices;
mod organizations;
mod reference;
mod scope;
mod segments;

pub use accounts::*;
pub use campaigns::*;
pub use contacts::*;
pub use health::*;
pub use imports::*;
pub use offices::*;
pub use organizations::*;
pub use reference::*;
pub use scope::*;
pub use segments::*;

use crate::ports::{
    CampaignRepository, ContactRepository, HealthCheck, LifecycleStore, OfficeRepository,
    OrganizationRepository, ReferenceRepository, SegmentRepository, UserRepository,
    VoterRepository,
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

/// Every service of the application, built over one set of [`Ports`]. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    /// The caller and the organization a request acts in.
    pub accounts: AccountService,
    /// Organizations.
    pub organizations: OrganizationService,
    /// Campaigns.
    pub campaigns: CampaignService,
    /// Elected offices.
    pub offices: OfficeService,
    /// Custom segments.
    pub segments: SegmentService,
    /// Contacts.
    pub contacts: ContactService,
    /// Positions and districts.
    pub reference: ReferenceService,
    /// Loading reference data and voter files.
    pub imports: ImportService,
    /// Readiness.
    pub health: HealthService,
}

impl Services {
    /// The services over `ports`, with the system clock and UUIDv7 ids.
    pub fn new(ports: Ports) -> Self {
        Self::with_clock(ports, Arc::new(Utc::now), Arc::new(uuid::Uuid::now_v7))
    }

    /// The services over `ports` with the given clock and id source.
    pub fn with_clock(ports: Ports, clock: Clock, ids: IdSource) -> Self {
        Self {
            accounts: AccountService::new(&ports),
            organizations: OrganizationService::new(&ports),
            campaigns: CampaignService::new(&ports, clock.clone(), ids.clone()),
            offices: OfficeService::new(&ports, clock.clone()),
            segments: SegmentService::new(&ports, clock, ids),
            contacts: ContactService::new(&ports),
            reference: ReferenceService::new(&ports),
            imports: ImportService::new(&ports),
            health: HealthService::new(&ports),
        }
    }
}
