//! [`OfficeService`]: the caller's elected offices — list, read, update the term's dates, and end a
//! term (the Serve side of the lifecycle; offices only start by winning a campaign).

use super::{Clock, OrgScope, Patch, Ports, WrongMode};
use crate::error::StoreError;
use crate::ports::{Decision, LifecycleStore, OfficeRepository};
use chrono::NaiveDate;
use std::sync::Arc;
use winserve_domain::{
    Action, ElectedOffice, ElectedOfficeId, Forbidden, InvalidValue, LifecycleError, Mode,
    OfficeDates, Slug, UserId, decide_end_office,
};

/// A partial update of an office's dates: absent keys keep their value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfficePatch {
    /// When the term started.
    pub sworn_in_date: Patch<NaiveDate>,
    /// When the term ends.
    pub term_end_date: Patch<NaiveDate>,
}

/// No office of the caller's has this id.
#[derive(Debug, thiserror::Error)]
pub enum FindOfficeError {
    /// Not found (another user's office included).
    #[error("elected office not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an office's dates were not updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateOfficeError {
    /// No office of the caller's has this id.
    #[error("elected office not found")]
    NotFound,
    /// Its organization is archived (the term ended).
    #[error("the organization is archived and read-only")]
    Archived,
    /// A date is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A unique value is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

from_update_error!(UpdateOfficeError);

/// Why an office was not ended.
#[derive(Debug, thiserror::Error)]
pub enum EndOfficeError {
    /// The lifecycle refused it (not the caller's office).
    #[error(transparent)]
    Refused(#[from] LifecycleError),
    /// The office is not (or no longer) the caller's.
    #[error("elected office not found")]
    NotFound,
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the organization has no current office to show.
#[derive(Debug, thiserror::Error)]
pub enum CurrentOfficeError {
    /// A Win organization has campaigns, not offices.
    #[error(transparent)]
    WrongMode(#[from] WrongMode),
    /// The Serve organization has no office (never the case for organizations the lifecycle made).
    #[error("elected office not found")]
    NotFound,
}

from_lifecycle_store_error!(EndOfficeError);

/// Elected offices, scoped by owner.
#[derive(Clone)]
pub struct OfficeService {
    offices: Arc<dyn OfficeRepository>,
    lifecycle: Arc<dyn LifecycleStore>,
    clock: Clock,
}

impl OfficeService {
    pub(super) fn new(ports: &Ports, clock: Clock) -> Self {
        Self {
            offices: ports.offices.clone(),
            lifecycle: ports.lifecycle.clone(),
            clock,
        }
    }

    /// All of the caller's offices, newest first, with their organizations' slugs.
    pub async fn list(&self, owner: UserId) -> Result<Vec<(ElectedOffice, Slug)>, StoreError> {
        self.offices.list_for_member(owner).await
    }

    /// One of the caller's offices.
    pub async fn get(
        &self,
        owner: UserId,
        id: ElectedOfficeId,
    ) -> Result<(ElectedOffice, Slug), FindOfficeError> {
        let (office, slug, _) = self
            .offices
            .find(owner, id)
            .await?
            .ok_or(FindOfficeError::NotFound)?;
        Ok((office, slug))
    }

    /// The office of the Serve organization the request acts in.
    pub fn current(&self, scope: &OrgScope) -> Result<(ElectedOffice, Slug), CurrentOfficeError> {
        let scope = scope.clone().require_mode(Mode::Serve)?;
        let office = scope
            .details()
            .elected_office
            .clone()
            .ok_or(CurrentOfficeError::NotFound)?;
        Ok((office, scope.organization().slug.clone()))
    }

    /// Applies a partial update to one of the caller's offices' dates (checked).
    pub async fn update(
        &self,
        editor: UserId,
        id: ElectedOfficeId,
        patch: OfficePatch,
    ) -> Result<(ElectedOffice, Slug), UpdateOfficeError> {
        let (current, _, role) = self
            .offices
            .find(editor, id)
            .await?
            .ok_or(UpdateOfficeError::NotFound)?;
        role.require(Action::EditOrganization)?;
        let dates = OfficeDates {
            sworn_in_date: patch.sworn_in_date.apply(current.dates.sworn_in_date),
            term_end_date: patch.term_end_date.apply(current.dates.term_end_date),
        };
        dates.validate()?;
        self.offices
            .update_dates(editor, id, &dates)
            .await
            .map_err(Into::into)
    }

    /// `active → ended`; the office's organization is archived. Ending an ended office answers it.
    pub async fn end(
        &self,
        owner: UserId,
        id: ElectedOfficeId,
    ) -> Result<(ElectedOffice, Slug), EndOfficeError> {
        let (_, _, role) = self
            .offices
            .find(owner, id)
            .await?
            .ok_or(EndOfficeError::NotFound)?;
        role.require(Action::Lifecycle)?;
        let now = (self.clock)();
        let decision: Decision<_> = Box::new(move |state| decide_end_office(state, id, now));
        self.lifecycle.transact_office(owner, decision).await?;
        let (office, slug, _) = self
            .offices
            .find(owner, id)
            .await?
            .ok_or(EndOfficeError::NotFound)?;
        Ok((office, slug))
    }
}
