//! The port of Voter Outreach (issue 16): a campaign's outreach plans.

use crate::StoreError;
use async_trait::async_trait;
use winserve_domain::{OrganizationId, OutreachPlan, OutreachPlanId, OutreachStatus};

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
