//! The port of Voter Outreach (issue 16): a campaign's outreach plans.

use crate::{ContactFilter, ContactStream, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use winserve_domain::{
    AudienceContact, AudienceLayout, Household, OrganizationId, OutcomeRecord, OutreachOutcome,
    OutreachPlan, OutreachPlanId, OutreachStatus, PartyPolicy, UserId,
};

#[cfg(feature = "mock")]
use mockall::automock;

/// Why a plan was not written.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutreachError {
    /// No plan of the organization has this id.
    #[error("outreach plan not found")]
    NotFound,
    /// The campaign's organization is archived: its plans are read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// The segment is not one of the organization's.
    #[error("segment not found")]
    SegmentNotFound,
    /// The plan's status changed since it was read (a concurrent change won).
    #[error("the plan changed meanwhile")]
    Changed,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Outreach plans, always scoped by the organization a request acts in. Writes check "not archived" in
/// the same transaction, after waiting for any running lifecycle change of the owner.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait OutreachRepository: Send + Sync {
    /// The organization's plans, newest first.
    async fn list(&self, organization: OrganizationId) -> Result<Vec<OutreachPlan>, StoreError>;

    /// One of the organization's plans.
    async fn find(
        &self,
        organization: OrganizationId,
        id: OutreachPlanId,
    ) -> Result<Option<OutreachPlan>, StoreError>;

    /// Stores a new plan (its campaign and segment must be the organization's).
    async fn insert(&self, plan: &OutreachPlan) -> Result<(), OutreachError>;

    /// Replaces a plan's fields, if its status is still `expected` (else `Changed`).
    async fn update(
        &self,
        plan: &OutreachPlan,
        expected: OutreachStatus,
    ) -> Result<(), OutreachError>;

    /// Deletes a plan.
    async fn delete(
        &self,
        organization: OrganizationId,
        id: OutreachPlanId,
    ) -> Result<(), OutreachError>;
}

/// A slice of an audience in its order: `limit` entries after the first `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudienceSlice {
    /// Entries to skip.
    pub offset: u64,
    /// Entries to return (1..=100).
    pub limit: u32,
}

/// A page of an audience's contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudiencePage {
    /// The contacts, in the audience's order.
    pub contacts: Vec<AudienceContact>,
    /// Contacts in the whole audience.
    pub total: u64,
}

/// A page of an audience's households.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdPage {
    /// The households, in ZIP then walk order.
    pub households: Vec<Household>,
    /// Households in the whole audience.
    pub total_households: u64,
    /// Contacts in the whole audience.
    pub total_contacts: u64,
}

/// What an upload of outcomes stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedResults {
    /// Contacts that had no outcome before.
    pub recorded: u64,
    /// Contacts whose earlier outcome was replaced.
    pub replaced: u64,
}

/// Why an upload of outcomes was not stored (nothing of it is).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResultsError {
    /// No plan of the organization has this id.
    #[error("outreach plan not found")]
    NotFound,
    /// The campaign's organization is archived.
    #[error("the organization is archived and read-only")]
    Archived,
    /// The plan's status does not take outcomes (it changed meanwhile).
    #[error("the plan does not take results in its status")]
    NotTakingResults(OutreachStatus),
    /// These rows (0-based indexes of the upload, at most the first 100) name contacts outside the
    /// plan's frozen audience.
    #[error("contacts outside the plan's audience")]
    NotInAudience(Vec<usize>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A plan's audience: the live one (computed from the voter file through a contact filter) laid out as
/// a walk list or as households, and the frozen one (taken when the plan went in progress), with the
/// outcomes recorded against it.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait OutreachAudienceRepository: Send + Sync {
    /// Moves `plan` (already carrying `in_progress` and its freeze time) from `expected` and stores its
    /// audience, the contacts matching `audience` in the order of the plan's channel, in the same
    /// transaction; returns how many contacts it froze. `None`: the criteria contradict each other, so
    /// the audience is frozen empty.
    async fn freeze(
        &self,
        plan: &OutreachPlan,
        expected: OutreachStatus,
        audience: Option<ContactFilter>,
    ) -> Result<u64, OutreachError>;

    /// A slice of the live walk list of `audience` (street, house number as a number, unit, name).
    async fn walk_list(
        &self,
        audience: &ContactFilter,
        slice: AudienceSlice,
    ) -> Result<AudiencePage, StoreError>;

    /// A slice of the live households of `audience`.
    async fn households(
        &self,
        audience: &ContactFilter,
        slice: AudienceSlice,
    ) -> Result<HouseholdPage, StoreError>;

    /// Every contact of a live audience in the order of `layout` (a walk list, or households' contacts
    /// next to one another), streamed.
    async fn live_export(
        &self,
        audience: &ContactFilter,
        layout: AudienceLayout,
    ) -> Result<ContactStream, StoreError>;

    /// A slice of a plan's frozen audience, in its order, each contact as the voter file has it now
    /// (through `policy`) or as it was kept when frozen.
    async fn frozen(
        &self,
        plan: OutreachPlanId,
        policy: PartyPolicy,
        slice: AudienceSlice,
    ) -> Result<AudiencePage, StoreError>;

    /// A slice of a plan's frozen households.
    async fn frozen_households(
        &self,
        plan: OutreachPlanId,
        slice: AudienceSlice,
    ) -> Result<HouseholdPage, StoreError>;

    /// Every contact of a plan's frozen audience, in its order, streamed.
    async fn frozen_export(
        &self,
        plan: OutreachPlanId,
        policy: PartyPolicy,
    ) -> Result<ContactStream, StoreError>;

    /// Records outcomes against the plan's frozen audience, all or nothing: the plan must be the
    /// organization's, open, and in a status that takes results; every contact must be in its audience.
    /// A contact's earlier outcome is replaced.
    async fn record_results(
        &self,
        organization: OrganizationId,
        plan: OutreachPlanId,
        records: &[OutcomeRecord],
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<RecordedResults, ResultsError>;

    /// How many contacts of the plan's frozen audience have each outcome, and the audience's size.
    async fn outcome_counts(
        &self,
        plan: OutreachPlanId,
    ) -> Result<(u64, Vec<(OutreachOutcome, u64)>), StoreError>;
}
