//! [`Services`]: every service of the application, built over one set of [`Ports`] — what the binary
//! puts in the HTTP state and the command line uses.

use super::{
    AccountService, CampaignService, ClerkService, Clock, ContactService, HealthService, IdSource,
    ImportService, OfficeService, OrganizationService, OutreachService, PollService, Ports,
    ReferenceService, SegmentService, TeamService,
};
use chrono::Utc;
use std::sync::Arc;

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
    /// Members, roles and invitations.
    pub team: TeamService,
    /// Clerk webhook deliveries.
    pub clerk: ClerkService,
    /// Voter Outreach (Win only).
    pub outreach: OutreachService,
    /// Polls (Serve only).
    pub polls: PollService,
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
            segments: SegmentService::new(&ports, clock.clone(), ids.clone()),
            team: TeamService::new(&ports, clock.clone(), ids.clone()),
            outreach: OutreachService::new(&ports, clock.clone(), ids.clone()),
            polls: PollService::new(&ports, clock.clone(), ids),
            clerk: ClerkService::new(&ports, clock),
            contacts: ContactService::new(&ports),
            reference: ReferenceService::new(&ports),
            imports: ImportService::new(&ports),
            health: HealthService::new(&ports),
        }
    }
}
