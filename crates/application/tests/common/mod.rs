//! Mocks and fixtures shared by the unit tests of the services.

#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use std::sync::Arc;
use uuid::Uuid;
use winserve_application::{
    Clock, IdSource, MockCampaignRepository, MockClerkSyncRepository, MockContactRepository,
    MockHealthCheck, MockInvitationRepository, MockLifecycleStore, MockMembershipRepository,
    MockOfficeRepository, MockOrganizationRepository, MockOutreachAudienceRepository,
    MockOutreachRepository, MockPollRepository, MockReferenceRepository, MockSegmentRepository,
    MockSmsSender, MockUserRepository, MockVoterRepository, OrgScope, OrganizationDetails, Ports,
    Services,
};
use winserve_domain::{
    BallotReadyId, Campaign, CampaignDetails, CampaignId, CampaignStatus, CustomPositionName,
    District, DistrictId, ElectedOffice, ElectedOfficeId, L2Name, L2Type, Mode, OfficeDates,
    OfficeStatus, Organization, OrganizationId, Position, PositionLevel, Role, Slug, StateCode,
    Subject, User, UserClaims, UserId,
};

/// One mock per port; a mock with no expectation panics when called.
#[derive(Default)]
pub struct Mocks {
    pub users: MockUserRepository,
    pub organizations: MockOrganizationRepository,
    pub members: MockMembershipRepository,
    pub invitations: MockInvitationRepository,
    pub clerk: MockClerkSyncRepository,
    pub outreach: MockOutreachRepository,
    pub outreach_audience: MockOutreachAudienceRepository,
    pub polls: MockPollRepository,
    pub sms: MockSmsSender,
    pub campaigns: MockCampaignRepository,
    pub offices: MockOfficeRepository,
    pub reference: MockReferenceRepository,
    pub voters: MockVoterRepository,
    pub segments: MockSegmentRepository,
    pub contacts: MockContactRepository,
    pub lifecycle: MockLifecycleStore,
    pub health: MockHealthCheck,
}

impl Mocks {
    fn ports(self) -> Ports {
        Ports {
            users: Arc::new(self.users),
            organizations: Arc::new(self.organizations),
            members: Arc::new(self.members),
            invitations: Arc::new(self.invitations),
            clerk: Arc::new(self.clerk),
            outreach: Arc::new(self.outreach),
            outreach_audience: Arc::new(self.outreach_audience),
            polls: Arc::new(self.polls),
            sms: Arc::new(self.sms),
            campaigns: Arc::new(self.campaigns),
            offices: Arc::new(self.offices),
            reference: Arc::new(self.reference),
            voters: Arc::new(self.voters),
            segments: Arc::new(self.segments),
            contacts: Arc::new(self.contacts),
            lifecycle: Arc::new(self.lifecycle),
            health: Arc::new(self.health),
        }
    }

    /// The services over the mocks, with the system clock and UUIDv7 ids.
    pub fn services(self) -> Services {
        Services::new(self.ports())
    }

    /// The services over the mocks with the given clock and id source.
    pub fn services_with(self, clock: Clock, ids: IdSource) -> Services {
        Services::with_clock(self.ports(), clock, ids)
    }
}

pub fn owner() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0xABCD))
}

pub fn user() -> User {
    User {
        id: owner(),
        sub: Subject::new("user_1").unwrap(),
        email: Some("ada@example.com".into()),
        first_name: Some("Ada".into()),
        last_name: None,
        active_organization_id: None,
        created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

pub fn claims() -> UserClaims {
    UserClaims {
        sub: Subject::new("user_1").unwrap(),
        email: Some("ada@example.com".into()),
        first_name: Some("Ada".into()),
        last_name: None,
        clerk: None,
    }
}

pub fn district(n: u32) -> District {
    District {
        id: DistrictId::from_uuid(Uuid::from_u128(0xD157_0000 + u128::from(n))),
        state: StateCode::new("WY").unwrap(),
        l2_type: L2Type::new("City_Ward").unwrap(),
        l2_name: L2Name::new(&format!("CHEYENNE CITY WARD {n}")).unwrap(),
    }
}

pub fn br(id: &str) -> BallotReadyId {
    BallotReadyId::new(id).unwrap()
}

pub fn position(id: &str, natural: Option<District>) -> Position {
    Position {
        ballotready_position_id: br(id),
        name: format!("City Council {id}"),
        state: StateCode::new("WY").unwrap(),
        level: PositionLevel::City,
        district: natural,
    }
}

pub fn custom(name: &str) -> CustomPositionName {
    CustomPositionName::new(name).unwrap()
}

pub fn organization(
    mode: Mode,
    position: Option<Position>,
    override_district: Option<District>,
    custom_position_name: Option<CustomPositionName>,
) -> Organization {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let id = OrganizationId::generate();
    let simple = id.as_uuid().simple().to_string();
    Organization {
        id,
        slug: Slug::generate(mode, None, &simple[simple.len() - 12..]),
        mode,
        owner_id: owner(),
        position,
        override_district,
        custom_position_name,
        clerk_organization_id: None,
        created_at: at,
        updated_at: at,
        archived_at: None,
    }
}

pub fn org_details(organization: Organization) -> OrganizationDetails {
    OrganizationDetails {
        role: Role::Owner,
        organization,
        campaign: None,
        elected_office: None,
    }
}

/// An organization of `mode` whose effective district is `district(1)` (through its position).
pub fn org_with_district(mode: Mode) -> Organization {
    organization(mode, Some(position("pos1", Some(district(1)))), None, None)
}

/// The caller acting in `org` (no membership check: the account service is not under test).
pub fn scope(org: Organization) -> OrgScope {
    OrgScope::for_tests(user(), org_details(org))
}

/// One of the owner's campaigns, draft, with no details.
pub fn stored_campaign(id: CampaignId) -> (Campaign, Slug) {
    let org = organization(Mode::Win, None, None, None);
    let campaign = Campaign {
        id,
        organization_id: org.id,
        owner_id: owner(),
        status: CampaignStatus::Draft,
        details: CampaignDetails::default(),
        launched_at: None,
        closed_at: None,
        created_at: org.created_at,
        updated_at: org.created_at,
    };
    (campaign, org.slug)
}

/// One of the owner's offices, active, with no dates.
pub fn stored_office(id: ElectedOfficeId) -> (ElectedOffice, Slug) {
    let org = organization(Mode::Serve, None, None, None);
    let office = ElectedOffice {
        id,
        organization_id: org.id,
        owner_id: owner(),
        status: OfficeStatus::Active,
        dates: OfficeDates::default(),
        ended_at: None,
        created_at: org.created_at,
        updated_at: org.created_at,
    };
    (office, org.slug)
}
