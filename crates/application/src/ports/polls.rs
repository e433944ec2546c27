//! The ports of Polls (issue 16), a Serve-only feature: an office's polls, their send snapshot and
//! outbox, the replies that arrive by SMS webhook, and the SMS provider that delivers the outbox.

use crate::{ContactFilter, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use winserve_domain::{
    ElectedOfficeId, OrganizationId, Poll, PollBreakdown, PollId, PollStatus, VoterId,
};

#[cfg(feature = "mock")]
use mockall::automock;

/// Why a poll was not written.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PollError {
    /// No poll of the organization has this id.
    #[error("poll not found")]
    NotFound,
    /// The office's organization is archived: its polls are read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// The segment is not one of the organization's.
    #[error("segment not found")]
    SegmentNotFound,
    /// The poll's status changed since it was read (a concurrent change won).
    #[error("the poll changed meanwhile")]
    Changed,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A message of a poll's outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Its place in the outbox (1..n).
    pub position: u32,
    /// The recipient (a contact's id).
    pub contact_id: VoterId,
    /// The recipient's cell phone (E.164).
    pub phone: String,
    /// The text.
    pub message: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    /// When queued (the send).
    pub queued_at: DateTime<Utc>,
    /// When the provider accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A page of an outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxPage {
    /// The messages, in order.
    pub messages: Vec<OutboxMessage>,
    /// Messages in the whole outbox.
    pub total: u64,
}

/// A queued message handed to the delivery worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    /// The poll.
    pub poll: PollId,
    /// The recipient.
    pub contact_id: VoterId,
    /// Where it goes (E.164).
    pub phone: String,
    /// The text.
    pub message: String,
}

/// Who a reply from a number answers: the poll and its recipient with that number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTarget {
    /// The poll.
    pub poll: Poll,
    /// The recipient.
    pub contact_id: VoterId,
}

/// What a reply does, once parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyEffect {
    /// Opt the number out of the office's future polls.
    OptOut {
        /// The office.
        office: ElectedOfficeId,
        /// The number.
        phone: String,
    },
    /// Store the recipient's answer (the latest reply wins; an unrecognized one never replaces a
    /// recognized one).
    Answer {
        /// The poll (it must still be open).
        poll: PollId,
        /// The recipient.
        contact_id: VoterId,
        /// The choice (0-based), for a multiple-choice poll.
        option_index: Option<i16>,
        /// The answer, for a free-text poll.
        free_text: Option<String>,
        /// The reply as received.
        raw: String,
    },
    /// Nothing to store (no poll messaged the number).
    Nothing,
}

/// The counts a poll's results are made of, before anything is hidden.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PollTally {
    /// Recipients (messages queued).
    pub recipients: u64,
    /// Recipients with a recognized answer.
    pub respondents: u64,
    /// Recipients whose only replies were not recognized.
    pub unrecognized: u64,
    /// Answers per option index (multiple choice).
    pub by_option: Vec<(i16, u64)>,
    /// Respondents per `(attribute, its value, option index)`; the option is `None` for free text.
    pub breakdown: Vec<(PollBreakdown, String, Option<i16>, u64)>,
    /// The free-text answers, oldest first, with nothing that names who gave them.
    pub free_text: Vec<String>,
}

/// An office's polls, always scoped by the organization a request acts in. Writes check "not archived"
/// in the same transaction, after waiting for any running lifecycle change of the owner.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait PollRepository: Send + Sync {
    /// The organization's polls, newest first.
    async fn list(&self, organization: OrganizationId) -> Result<Vec<Poll>, StoreError>;

    /// One of the organization's polls.
    async fn find(
        &self,
        organization: OrganizationId,
        id: PollId,
    ) -> Result<Option<Poll>, StoreError>;

    /// Stores a new poll (its office and segment must be the organization's).
    async fn insert(&self, poll: &Poll) -> Result<(), PollError>;

    /// Replaces a poll's fields, if its status is still `expected` (else `Changed`).
    async fn update(&self, poll: &Poll, expected: PollStatus) -> Result<(), PollError>;

    /// Deletes a poll.
    async fn delete(&self, organization: OrganizationId, id: PollId) -> Result<(), PollError>;

    /// Moves `poll` (already `sent`, with its send time) from `expected` and, in the same transaction,
    /// queues `message` for every contact of `audience` with a cell phone, in the contacts order — one
    /// per number, leaving out the numbers opted out of the office. Returns the recipients.
    async fn send(
        &self,
        poll: &Poll,
        expected: PollStatus,
        audience: Option<ContactFilter>,
        message: String,
    ) -> Result<u64, PollError>;

    /// `limit` messages of a poll's outbox after the first `offset`.
    async fn outbox(&self, poll: PollId, offset: u64, limit: u32)
    -> Result<OutboxPage, StoreError>;

    /// The poll and recipient a reply from `phone` answers: the most recently sent poll that messaged
    /// the number, of an organization that is not archived — among open polls only, unless
    /// `any_status` (a STOP is honoured for the office even once its poll is closed).
    async fn reply_target(
        &self,
        phone: &str,
        any_status: bool,
    ) -> Result<Option<ReplyTarget>, StoreError>;

    /// Applies an inbound delivery once: remembers `delivery_id` and applies `effect` in one
    /// transaction. `false` when the id was applied before (nothing changes).
    async fn apply_reply(
        &self,
        delivery_id: &str,
        effect: ReplyEffect,
        received_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// The counts of a poll's results.
    async fn tally(&self, poll: PollId) -> Result<PollTally, StoreError>;

    /// Up to `limit` queued messages, oldest first, for the delivery worker.
    async fn queued(&self, limit: u32) -> Result<Vec<QueuedMessage>, StoreError>;

    /// Marks a queued message as sent (or failed).
    async fn mark_delivered(
        &self,
        poll: PollId,
        contact_id: VoterId,
        sent: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// Why the SMS provider did not take a message.
#[derive(Debug, thiserror::Error)]
#[error("the SMS provider refused the message: {0}")]
pub struct SmsError(pub String);

/// An SMS provider: hands one message to the carrier network.
#[cfg_attr(feature = "mock", automock)]
#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `body` to `to` (E.164).
    async fn send(&self, to: &str, body: &str) -> Result<(), SmsError>;
}

/// The SMS provider of a deployment without one: each message is logged (recipient masked) and counted
/// as handed over, so the outbox drains as it would with a real provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoggingSmsSender;

#[async_trait]
impl SmsSender for LoggingSmsSender {
    async fn send(&self, to: &str, body: &str) -> Result<(), SmsError> {
        let shown = to.len().saturating_sub(4);
        tracing::info!(
            to = %format!("{}{}", "*".repeat(shown), &to[shown..]),
            chars = body.chars().count(),
            "SMS handed to the logging provider"
        );
        Ok(())
    }
}
