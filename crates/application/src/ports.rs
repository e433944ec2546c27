//! The ports: the repository traits the services need and the adapters implement. They use
//! `#[async_trait]` so the services hold them as `Arc<dyn Port>` (see docs/adr/0003). Only the services
//! call them; handlers and commands reach the application through [`crate::services`]. Every organization-scoped method takes the owner or the organization and MUST
//! filter by it: a record of another owner is reported exactly like a missing one.

use crate::{LifecycleStoreError, SegmentError, StoreError, UpdateError};
use async_trait::async_trait;
use winserve_domain::{
    BallotReadyId, Campaign, CampaignDecided, CampaignDetails, CampaignId, ClerkOrganizationId,
    CustomPositionName, District, DistrictId, ElectedOffice, ElectedOfficeId, L2Name, L2Type,
    LifecycleError, LifecycleEvent, OfficeDates, OfficeDecided, Organization, OrganizationId,
    PartyPolicy, Position, PositionLevel, ResultDecided, Role, SearchQuery, Segment,
    SegmentCriteria, SegmentId, SegmentName, Slug, StateCode, Transition, User, UserClaims, UserId,
    UserLifecycle, Voter, VoterId,
};

#[cfg(feature = "mock")]
use mockall::automock;

mod outreach;
mod polls;
mod team;
pub use outreach::*;
pub use polls::*;
pub use team::*;

/// An organization with the campaign or office that hangs off it, as one member sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationDetails {
    /// The reader's role in it ([`Role::Owner`] in the lifecycle's snapshot, which holds only what the
    /// user owns).
    pub role: Role,
    /// The organization.
    pub organization: Organization,
    /// Its campaign (Win orgs).
    pub campaign: Option<Campaign>,
    /// Its office (Serve orgs).
    pub elected_office: Option<ElectedOffice>,
}

/// The stored profile of an organization, as ids, after the domain's rules were applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileUpdate {
    /// The position.
    pub position_id: Option<BallotReadyId>,
    /// The override district (already normalised against the position's district).
    pub override_district_id: Option<DistrictId>,
    /// The free-text position name.
    pub custom_position_name: Option<CustomPositionName>,
    /// The linked Clerk organization.
    pub clerk_organization_id: Option<ClerkOrganizationId>,
}

/// A page request: 1-based page number and page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u32,
    /// Rows per page, 1..=100.
    pub per_page: u32,
}

/// One page of results and the exact total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// How many rows match in all.
    pub total: u64,
}

/// A district with the number of voters in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictSummary {
    /// The district.
    pub district: District,
    /// Its voters.
    pub voter_count: u64,
}

/// A position to create or update (keyed by its BallotReady id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPosition {
    /// The BallotReady id.
    pub ballotready_position_id: BallotReadyId,
    /// The name.
    pub name: String,
    /// The state.
    pub state: StateCode,
    /// The level.
    pub level: PositionLevel,
    /// The natural district, by id.
    pub district_id: Option<DistrictId>,
}

/// Users.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Finds the user with the claims' subject, creating it on first sight and refreshing email and names
    /// when the token carries them. MUST be safe under concurrent first requests (one user per subject).
    async fn upsert_from_claims(&self, claims: &UserClaims) -> Result<User, StoreError>;

    /// Saves the user's default organization. MUST return `Ok(false)` when the organization is not the
    /// user's.
    async fn set_active_organization(
        &self,
        user: UserId,
        organization: OrganizationId,
    ) -> Result<bool, StoreError>;

    /// The caller — found, created or refreshed exactly as [`Self::upsert_from_claims`] does — and their
    /// organization named by `selector`, `None` when they have no such organization (another user's
    /// organization included). One call for what every organization-scoped request needs first; an
    /// implementation may answer the common case (a known user, unchanged claims) in one round trip.
    async fn caller_in_organization(
        &self,
        claims: &UserClaims,
        selector: &OrganizationSelector,
    ) -> Result<(User, Option<OrganizationDetails>), StoreError>;
}

/// How a request names the organization it acts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganizationSelector {
    /// By slug (the `X-Organization-Slug` header).
    Slug(Slug),
    /// By the linked Clerk organization (the token's active-organization claim).
    ClerkOrganization(ClerkOrganizationId),
}

/// Organizations, always scoped by membership: each read answers only organizations the user is a
/// member of, with their role.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait OrganizationRepository: Send + Sync {
    /// The member's organizations: open ones first, newest first.
    async fn list_for_member(&self, member: UserId)
    -> Result<Vec<OrganizationDetails>, StoreError>;

    /// The member's organization with `slug`; `None` also when they are not a member of it.
    async fn find_by_slug(
        &self,
        member: UserId,
        slug: &Slug,
    ) -> Result<Option<OrganizationDetails>, StoreError>;

    /// Replaces the profile of organization `id`, which `editor` is an owner or admin of (the service
    /// checked the role; the write checks it again). MUST return `NotFound` for an organization the
    /// editor is not a member of, `Archived` for an archived one (checked in the same statement as the write),
    /// `Invalid` for an unknown position or district, and `Conflict` when the Clerk id is linked elsewhere
    /// or the user already serves in the position in another active office.
    async fn update_profile(
        &self,
        editor: UserId,
        id: OrganizationId,
        profile: &ProfileUpdate,
    ) -> Result<OrganizationDetails, UpdateError>;
}

/// Campaigns, scoped by membership of their organizations.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait CampaignRepository: Send + Sync {
    /// The campaigns of every organization the user is a member of, newest first, with their
    /// organizations' slugs.
    async fn list_for_member(&self, member: UserId) -> Result<Vec<(Campaign, Slug)>, StoreError>;

    /// A campaign of an organization the user is a member of, with its slug and the user's role.
    async fn find(
        &self,
        member: UserId,
        id: CampaignId,
    ) -> Result<Option<(Campaign, Slug, Role)>, StoreError>;

    /// Replaces the campaign's details. MUST return `NotFound` for a campaign of an organization the
    /// editor is not a member of, `Forbidden` when their role may not edit it (checked in the same
    /// statement as the write), and `Archived` when its organization is archived.
    async fn update_details(
        &self,
        editor: UserId,
        id: CampaignId,
        details: &CampaignDetails,
    ) -> Result<(Campaign, Slug), UpdateError>;
}

/// Elected offices, scoped by membership of their organizations.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait OfficeRepository: Send + Sync {
    /// The offices of every organization the user is a member of, newest first, with their
    /// organizations' slugs.
    async fn list_for_member(
        &self,
        member: UserId,
    ) -> Result<Vec<(ElectedOffice, Slug)>, StoreError>;

    /// An office of an organization the user is a member of, with its slug and the user's role.
    async fn find(
        &self,
        member: UserId,
        id: ElectedOfficeId,
    ) -> Result<Option<(ElectedOffice, Slug, Role)>, StoreError>;

    /// Replaces the office's dates. MUST return `NotFound` for an office of an organization the editor
    /// is not a member of, `Forbidden` when their role may not edit it (checked in the same statement as
    /// the write), and `Archived` when its organization is archived.
    async fn update_dates(
        &self,
        editor: UserId,
        id: ElectedOfficeId,
        dates: &OfficeDates,
    ) -> Result<(ElectedOffice, Slug), UpdateError>;
}

/// Positions and districts.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait ReferenceRepository: Send + Sync {
    /// The district (state, type, name), created if missing. Idempotent and safe under concurrency.
    async fn upsert_district(
        &self,
        state: &StateCode,
        l2_type: &L2Type,
        l2_name: &L2Name,
    ) -> Result<District, StoreError>;

    /// Creates or updates a position by its BallotReady id.
    async fn upsert_position(&self, position: &NewPosition) -> Result<Position, StoreError>;

    /// A position with its natural district.
    async fn find_position(&self, id: &BallotReadyId) -> Result<Option<Position>, StoreError>;

    /// A district.
    async fn find_district(&self, id: DistrictId) -> Result<Option<District>, StoreError>;

    /// Positions filtered by state and a case-insensitive name fragment, by name.
    async fn search_positions<'a>(
        &self,
        state: Option<&'a StateCode>,
        query: Option<&'a str>,
        page: PageRequest,
    ) -> Result<Page<Position>, StoreError>;

    /// Districts filtered by state, type and a case-insensitive name fragment, by name, with voter counts.
    async fn search_districts<'a>(
        &self,
        state: Option<&'a StateCode>,
        l2_type: Option<&'a L2Type>,
        query: Option<&'a str>,
        page: PageRequest,
    ) -> Result<Page<DistrictSummary>, StoreError>;
}

/// What a voter import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Voters read from the batches.
    pub voters_received: u64,
    /// Voters that were new.
    pub voters_inserted: u64,
    /// Existing voters whose data changed.
    pub voters_updated: u64,
    /// Districts created on first sight.
    pub districts_created: u64,
    /// District memberships added, removed or changed.
    pub memberships_changed: u64,
    /// Stored voters of the file's states that the file no longer has, removed with their memberships
    /// (only with [`ImportOptions::replace_states`]).
    pub voters_removed: u64,
}

impl ImportSummary {
    /// Voters of the file that were stored already with the same data: not written.
    pub fn voters_unchanged(&self) -> u64 {
        self.voters_received
            .saturating_sub(self.voters_inserted + self.voters_updated)
    }
}

/// How an import treats what is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// The file is the complete voter list of every state it has voters of (a vendor's monthly state
    /// file): stored voters of those states that it does not have are removed. Without it an import only
    /// adds and updates.
    pub replace_states: bool,
    /// Work out the exact summary, then roll everything back: nothing is stored.
    pub dry_run: bool,
}

/// The stored voters of one state as the rows of a voter file they were last written from (ADR 0029):
/// a file row whose *source fingerprint* — the fingerprint of its header and cells, as the reader computes
/// it — is among them is stored exactly as that row would be stored again, so the reader counts it as
/// unchanged without parsing it.
pub trait StoredSources: Send + Sync {
    /// The stored voter written from a row with the source fingerprint `source`, if any (an index into
    /// this set).
    fn find(&self, source: u64) -> Option<usize>;

    /// Marks the voter [`Self::find`] gave as present in the file: it is then neither changed nor
    /// departed.
    fn mark_present(&self, found: usize);

    /// [`Self::find`] and, for each voter found, [`Self::mark_present`], for many rows at once:
    /// `recognised` is refilled with whether each of `sources` was found. An implementation may overlap
    /// the lookups' memory accesses, which one at a time wait for each other.
    fn recognise_all(&self, sources: &[u64], recognised: &mut Vec<bool>) {
        recognised.clear();
        for &source in sources {
            let found = self.find(source);
            if let Some(found) = found {
                self.mark_present(found);
            }
            recognised.push(found.is_some());
        }
    }
}

/// A batch of voters read from a file.
#[derive(Debug, Default)]
pub struct FileBatch {
    /// The voters to stage.
    pub voters: Vec<Voter>,
    /// `sources[i]`: the source fingerprint of the row `voters[i]` was read from.
    pub sources: Vec<u64>,
    /// Rows before and among these that [`StoredSources::matches`] recognised as stored unchanged: not
    /// parsed, counted as received and unchanged.
    pub unchanged: u64,
}

/// An import in progress: one database transaction. Dropping it without `commit` rolls back, so a
/// malformed file stores nothing.
#[async_trait]
pub trait VoterImport: Send {
    /// Stages a batch of voters (bulk `COPY` in the PostgreSQL adapter).
    async fn write(&mut self, voters: Vec<Voter>) -> Result<(), StoreError>;

    /// Stages a batch read from a file: the voters with their source fingerprints (stored with them, so
    /// that the next import of a file of the same layout recognises their unchanged rows), and the rows
    /// recognised as unchanged. Without source fingerprints support, the voters are staged alone.
    async fn write_file_rows(&mut self, batch: FileBatch) -> Result<(), StoreError> {
        self.write(batch.voters).await
    }

    /// The source fingerprints stored for `state`, when this import can recognise unchanged file rows of
    /// it before they are parsed; `None` otherwise (every row is then parsed and staged).
    async fn stored_sources(
        &mut self,
        _state: &StateCode,
    ) -> Result<Option<std::sync::Arc<dyn StoredSources>>, StoreError> {
        Ok(None)
    }

    /// Merges everything staged — districts created if missing, voters upserted by
    /// (`state`, `lal_voter_id`), memberships replaced, departed voters removed when the import replaces
    /// its states, counts kept exact — and commits (or, for a dry run, rolls back and only reports).
    /// Only what differs from the stored data is written: re-importing identical data changes nothing.
    async fn commit(self: Box<Self>) -> Result<ImportSummary, StoreError>;

    /// Rolls back everything staged.
    async fn abort(self: Box<Self>);
}

/// The voter file.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait VoterRepository: Send + Sync {
    /// Starts an import. Imports are serialized (one at a time), so concurrent imports cannot break the
    /// exact counts.
    async fn begin_import(
        &self,
        options: ImportOptions,
    ) -> Result<Box<dyn VoterImport>, StoreError>;

    /// Inserts or updates voters in one call (a small import: begin, write, commit).
    async fn upsert_voters(&self, voters: &[Voter]) -> Result<u64, StoreError>;

    /// How many voters live in the district.
    async fn count_in_district(&self, district: DistrictId) -> Result<u64, StoreError>;
}

/// Custom segments, scoped by organization.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait SegmentRepository: Send + Sync {
    /// The organization's segments, by name.
    async fn list(&self, organization: OrganizationId) -> Result<Vec<Segment>, StoreError>;

    /// One of the organization's segments; `None` for another organization's.
    async fn find(
        &self,
        organization: OrganizationId,
        id: SegmentId,
    ) -> Result<Option<Segment>, StoreError>;

    /// Stores a new segment. MUST return `Archived` when the organization is archived.
    async fn create(&self, segment: &Segment) -> Result<Segment, SegmentError>;

    /// Renames or refilters one of the organization's segments. MUST return `NotFound` for another
    /// organization's segment and `Archived` when the organization is archived.
    async fn update(
        &self,
        organization: OrganizationId,
        id: SegmentId,
        name: &SegmentName,
        criteria: &SegmentCriteria,
    ) -> Result<Segment, SegmentError>;

    /// Deletes one of the organization's segments; same errors as `update`.
    async fn delete(&self, organization: OrganizationId, id: SegmentId)
    -> Result<(), SegmentError>;
}

/// A decision over one user's lifecycle, typed by what it reports (`CampaignDecided`, …), run by the
/// [`LifecycleStore`] inside its transaction.
pub type Decision<O> =
    Box<dyn FnOnce(&UserLifecycle) -> Result<Transition<O>, LifecycleError> + Send>;

/// The transaction boundary of the lifecycle: multi-step changes such as "won" (campaign closed, office
/// and Serve org created, campaign org archived, events appended) happen all or nothing.
///
/// Each `transact_*` method, in one transaction: locks the user (serializing the user's lifecycle
/// changes), loads the [`UserLifecycle`] snapshot, runs `decide` on it, applies the returned changes in
/// order, and commits, answering the decided transition. A refusal from `decide` writes nothing and comes
/// back as `Rejected`. Constraint violations that the snapshot could not foresee MUST be translated: a
/// second open campaign to `OpenCampaignExists`. One method per kind of outcome keeps every outcome typed.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait LifecycleStore: Send + Sync {
    /// Creating or launching a campaign.
    async fn transact_campaign(
        &self,
        user: UserId,
        decide: Decision<CampaignDecided>,
    ) -> Result<Transition<CampaignDecided>, LifecycleStoreError>;

    /// Recording a campaign's result; the snapshot holds the custom segments of `segments_of` when given
    /// (to copy them into a new Serve organization).
    async fn transact_result(
        &self,
        user: UserId,
        segments_of: Option<OrganizationId>,
        decide: Decision<ResultDecided>,
    ) -> Result<Transition<ResultDecided>, LifecycleStoreError>;

    /// Ending an office.
    async fn transact_office(
        &self,
        user: UserId,
        decide: Decision<OfficeDecided>,
    ) -> Result<Transition<OfficeDecided>, LifecycleStoreError>;

    /// The user's lifecycle log in the order it was appended, with each event's organization slug.
    async fn history(&self, user: UserId) -> Result<Vec<(LifecycleEvent, Slug)>, StoreError>;
}

/// Database health.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// Succeeds when the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Which contacts: the voters of one district, narrowed by criteria and a search, seen through a party
/// policy. Build it only after the policy accepted the criteria.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFilter {
    /// The organization's effective district.
    pub district: District,
    /// Criteria (a segment's, AND ad-hoc ones).
    pub criteria: SegmentCriteria,
    /// The search: word starts of names and address, phone number starts (`winserve_domain::search`).
    pub search: Option<SearchQuery>,
    /// What the mode may see of party ([`winserve_domain::PartyPolicy`]); when party is hidden the
    /// adapter never reads the party columns, so they cannot leak through any channel.
    pub policy: PartyPolicy,
}

/// A position in the contacts order (last name, first name, id): the keyset cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCursor {
    /// Folded last name.
    pub last_name_key: String,
    /// Folded first name.
    pub first_name_key: String,
    /// The voter.
    pub voter_id: VoterId,
}

/// Which slice of the ordered contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactWindow {
    /// Page `page` (1-based) of `per_page`.
    Page {
        /// 1-based page.
        page: u32,
        /// 1..=100.
        per_page: u32,
    },
    /// The `per_page` contacts after `cursor` (from the start when `None`).
    After {
        /// Where the previous page ended.
        cursor: Option<ContactCursor>,
        /// 1..=100.
        per_page: u32,
    },
}

/// One page of contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPage {
    /// The contacts, in order.
    pub contacts: Vec<Voter>,
    /// The exact number of matching contacts.
    pub total: u64,
    /// Where the next page starts, when there is one.
    pub next: Option<ContactCursor>,
}

/// One bucket of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// The criteria value (`super`, `18_24`, …).
    pub label: String,
    /// Contacts in it.
    pub count: u64,
}

/// Totals and breakdowns of a contact filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactStats {
    /// Matching contacts.
    pub total: u64,
    /// With a cell phone.
    pub with_cell_phone: u64,
    /// With a landline.
    pub with_landline: u64,
    /// By age bracket.
    pub age: Vec<Bucket>,
    /// By gender.
    pub gender: Vec<Bucket>,
    /// By voter status.
    pub voter_status: Vec<Bucket>,
    /// By party — `None` when the policy hides party.
    pub party: Option<Vec<Bucket>>,
}

/// A stream of contacts for exports.
pub type ContactStream =
    std::pin::Pin<Box<dyn futures_core::Stream<Item = Result<Voter, StoreError>> + Send>>;

/// Contacts (voters of a district), read-only.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait ContactRepository: Send + Sync {
    /// A page of contacts in (last name, first name, id) order with the exact total.
    async fn list(
        &self,
        filter: &ContactFilter,
        window: &ContactWindow,
    ) -> Result<ContactPage, StoreError>;

    /// One contact of the district; `None` for a voter outside it.
    async fn find(
        &self,
        district: &District,
        policy: PartyPolicy,
        id: VoterId,
    ) -> Result<Option<Voter>, StoreError>;

    /// The exact number of matching contacts.
    async fn count(&self, filter: &ContactFilter) -> Result<u64, StoreError>;

    /// Totals and breakdowns; no party breakdown when the policy hides party.
    async fn stats(&self, filter: &ContactFilter) -> Result<ContactStats, StoreError>;

    /// Every matching contact in order, streamed from the database (memory flat in the row count).
    async fn export(&self, filter: &ContactFilter) -> Result<ContactStream, StoreError>;
}
