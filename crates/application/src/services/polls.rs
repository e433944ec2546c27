//! [`PollService`]: Polls, the worked example of a Serve-only feature (issue 16, ADR 0005).
//!
//! The guards, in order: the organization is a Serve one (`WrongMode`, 403), the caller's role allows
//! the action (`Forbidden`, 403), the poll and its segment are the organization's (404), the
//! organization is not archived (409), then the input (422) and the status rules (409). Replies arrive
//! through [`PollService::receive_reply`], which the SMS webhook calls once the delivery's signature
//! holds. Party never enters: the send snapshot stores no party column, a Serve segment cannot hold a
//! party criterion, and results are broken down by non-party attributes only, k-anonymously.

use super::outreach::{next_after, slice_of};
use super::target_segment::{TargetSegmentError, target_segment};
use super::{Clock, ContactQuery, ContactService, IdSource, OrgScope, Ports, WrongMode};
use crate::error::StoreError;
use crate::ports::{
    ContactCursor, ContactWindow, OutboxPage, PollError, PollRepository, PollTally, ReplyEffect,
    SegmentRepository, SmsSender,
};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use winserve_domain::{
    Action, BuiltInSegment, ElectedOfficeId, Forbidden, InvalidValue, Mode, Poll, PollBreakdown,
    PollId, PollOptions, PollQuestion, PollReply, PollStatus, SegmentId, k_anonymous,
    normalize_phone, outbound_text, parse_reply,
};

use super::ContactsError;

/// A new poll, as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPoll {
    /// Up to 320 characters.
    pub question: String,
    /// 2 to 6 choices; `None`: free text.
    pub options: Option<Vec<String>>,
    /// A custom segment of the organization; `None`: the whole district.
    pub segment_id: Option<String>,
}

/// A change to a draft poll: absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollChanges {
    /// A new question.
    pub question: Option<String>,
    /// New choices (`Some(None)`: free text).
    pub options: Option<Option<Vec<String>>>,
    /// A new segment (`Some(None)`: the whole district).
    pub segment_id: Option<Option<String>>,
}

/// Why a poll operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PollActionError {
    /// The organization is a Win one.
    #[error(transparent)]
    WrongMode(#[from] WrongMode),
    /// The caller's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No poll of the organization has this id.
    #[error("poll not found")]
    NotFound,
    /// The segment is not one of the organization's.
    #[error("segment not found")]
    SegmentNotFound,
    /// The organization is archived (the office ended): polls are read-only.
    #[error("the organization is archived and read-only")]
    Archived,
    /// A value is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// The poll's status does not allow it.
    #[error("{0}")]
    Conflict(String),
    /// The audience could not be read (no district).
    #[error(transparent)]
    Contacts(#[from] ContactsError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<PollError> for PollActionError {
    fn from(e: PollError) -> Self {
        match e {
            PollError::NotFound => Self::NotFound,
            PollError::Archived => Self::Archived,
            PollError::SegmentNotFound => Self::SegmentNotFound,
            PollError::Changed => {
                Self::Conflict("the poll changed meanwhile; read it again".into())
            }
            PollError::Store(e) => Self::Store(e),
        }
    }
}

/// One bucket of a results breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultBucket {
    /// The attribute's value (`18_24`, `female`, `super`, …) or `other`.
    pub label: String,
    /// Respondents in it.
    pub count: u64,
}

/// One answer's buckets in a breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerBuckets {
    /// The choice; `None` for a free-text poll (all respondents).
    pub option: Option<String>,
    /// Its k-anonymous buckets.
    pub buckets: Vec<ResultBucket>,
}

/// A breakdown of the respondents by one non-party attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    /// The attribute.
    pub attribute: PollBreakdown,
    /// Per answer.
    pub answers: Vec<AnswerBuckets>,
}

/// A poll's results, safe to show: counts per option, the response rate, and breakdowns by non-party
/// attributes in which no bucket has fewer than 5 respondents.
#[derive(Debug, Clone, PartialEq)]
pub struct PollResults {
    /// The poll.
    pub poll: Poll,
    /// Messages queued.
    pub recipients: u64,
    /// Recipients with a recognized answer.
    pub respondents: u64,
    /// Recipients whose replies were not recognized.
    pub unrecognized: u64,
    /// `respondents / recipients` (0 before the send).
    pub response_rate: f64,
    /// Answers per choice, in the choices' order (empty for free text).
    pub options: Vec<(String, u64)>,
    /// Per attribute: for each choice (`None` for free text: all respondents), its k-anonymous buckets.
    pub breakdown: Vec<Breakdown>,
    /// Free-text answers, oldest first, with nothing that names who gave them.
    pub free_text: Vec<String>,
}

/// What an inbound SMS did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// The delivery was applied before: ignored.
    Duplicate,
    /// Stored as an answer (or an unrecognized reply).
    Answered,
    /// The number opted out of the office's future polls.
    OptedOut,
    /// No poll messaged the number (or its poll is closed): nothing stored.
    Ignored,
}

/// An elected office's polls.
#[derive(Clone)]
pub struct PollService {
    polls: Arc<dyn PollRepository>,
    segments: Arc<dyn SegmentRepository>,
    sms: Arc<dyn SmsSender>,
    contacts: ContactService,
    clock: Clock,
    ids: IdSource,
}

fn parse_id(id: &str) -> Result<PollId, PollActionError> {
    uuid::Uuid::parse_str(id)
        .map(PollId::from_uuid)
        .map_err(|_| PollActionError::NotFound)
}

impl PollService {
    pub(super) fn new(ports: &Ports, clock: Clock, ids: IdSource) -> Self {
        Self {
            polls: ports.polls.clone(),
            segments: ports.segments.clone(),
            sms: ports.sms.clone(),
            contacts: ContactService::new(ports),
            clock,
            ids,
        }
    }

    /// The office of a Serve organization, once the caller may do `action` there.
    fn office(scope: &OrgScope, action: Action) -> Result<ElectedOfficeId, PollActionError> {
        let scope = scope.clone().require_mode(Mode::Serve)?;
        scope.require(action)?;
        scope
            .details()
            .elected_office
            .as_ref()
            .map(|o| o.id)
            .ok_or(PollActionError::NotFound)
    }

    fn writable(scope: &OrgScope) -> Result<ElectedOfficeId, PollActionError> {
        let office = Self::office(scope, Action::EditPolls)?;
        scope
            .organization()
            .ensure_writable()
            .map_err(|_| PollActionError::Archived)?;
        Ok(office)
    }

    async fn segment(
        &self,
        scope: &OrgScope,
        id: Option<&str>,
    ) -> Result<Option<SegmentId>, PollActionError> {
        target_segment(self.segments.as_ref(), scope, id)
            .await
            .map_err(|e| match e {
                TargetSegmentError::NotFound => PollActionError::SegmentNotFound,
                TargetSegmentError::Store(e) => PollActionError::Store(e),
            })
    }

    /// The office's polls, newest first (any member; also once the office ended).
    pub async fn list(&self, scope: &OrgScope) -> Result<Vec<Poll>, PollActionError> {
        Self::office(scope, Action::Read)?;
        Ok(self.polls.list(scope.organization().id).await?)
    }

    /// One of the office's polls.
    pub async fn get(&self, scope: &OrgScope, id: &str) -> Result<Poll, PollActionError> {
        Self::office(scope, Action::Read)?;
        self.polls
            .find(scope.organization().id, parse_id(id)?)
            .await?
            .ok_or(PollActionError::NotFound)
    }

    /// Creates a draft poll.
    pub async fn create(&self, scope: &OrgScope, input: NewPoll) -> Result<Poll, PollActionError> {
        let office_id = Self::writable(scope)?;
        let segment_id = self.segment(scope, input.segment_id.as_deref()).await?;
        let question = PollQuestion::new(&input.question)?;
        let options = PollOptions::from_list(input.options.as_deref())?;
        let now = (self.clock)();
        let poll = Poll {
            id: PollId::from_uuid((self.ids)()),
            office_id,
            organization_id: scope.organization().id,
            question,
            options,
            segment_id,
            status: PollStatus::Draft,
            created_at: now,
            sent_at: None,
            closed_at: None,
            updated_at: now,
        };
        self.polls.insert(&poll).await?;
        Ok(poll)
    }

    /// Changes a draft poll (once sent, what was asked and of whom is fixed).
    pub async fn update(
        &self,
        scope: &OrgScope,
        id: &str,
        changes: PollChanges,
    ) -> Result<Poll, PollActionError> {
        Self::writable(scope)?;
        let current = self.get(scope, id).await?;
        if current.status != PollStatus::Draft {
            return Err(PollActionError::Conflict(format!(
                "the poll is {}: what it asks and of whom no longer changes",
                current.status.as_str()
            )));
        }
        let segment_id = match &changes.segment_id {
            Some(segment) => self.segment(scope, segment.as_deref()).await?,
            None => current.segment_id,
        };
        let question = match &changes.question {
            Some(q) => PollQuestion::new(q)?,
            None => current.question.clone(),
        };
        let options = match &changes.options {
            Some(list) => PollOptions::from_list(list.as_deref())?,
            None => current.options.clone(),
        };
        let poll = Poll {
            question,
            options,
            segment_id,
            updated_at: (self.clock)(),
            ..current.clone()
        };
        self.polls.update(&poll, current.status).await?;
        Ok(poll)
    }

    /// Deletes a draft poll (a sent one keeps the record of who was asked; close it instead).
    pub async fn delete(&self, scope: &OrgScope, id: &str) -> Result<(), PollActionError> {
        Self::writable(scope)?;
        let current = self.get(scope, id).await?;
        if current.status != PollStatus::Draft {
            return Err(PollActionError::Conflict(format!(
                "a poll that is {} is kept; close it instead",
                current.status.as_str()
            )));
        }
        Ok(self
            .polls
            .delete(scope.organization().id, current.id)
            .await?)
    }

    /// Sends a draft poll: snapshots its audience — the segment's (or the whole district's) contacts
    /// with a cell phone, one per number, without the numbers that opted out of the office — and queues
    /// one message per recipient, in one transaction.
    pub async fn send(&self, scope: &OrgScope, id: &str) -> Result<Poll, PollActionError> {
        Self::writable(scope)?;
        let current = self.get(scope, id).await?;
        if current.status != PollStatus::Draft {
            return Err(PollActionError::Conflict(format!(
                "the poll is {}: it is sent once",
                current.status.as_str()
            )));
        }
        let query = ContactQuery {
            segment: current.segment_id.map(|s| s.to_string()),
            search: None,
            criteria: BuiltInSegment::Texting.criteria(),
        };
        let audience = self.contacts.filter(scope, &query).await?;
        let now = (self.clock)();
        let poll = Poll {
            status: PollStatus::Sent,
            sent_at: Some(now),
            updated_at: now,
            ..current.clone()
        };
        let message = outbound_text(&poll.question, &poll.options);
        self.polls
            .send(&poll, current.status, audience, message)
            .await?;
        Ok(poll)
    }

    /// Closes a sent poll: later replies are not recorded.
    pub async fn close(&self, scope: &OrgScope, id: &str) -> Result<Poll, PollActionError> {
        Self::writable(scope)?;
        let current = self.get(scope, id).await?;
        match current.status {
            PollStatus::Closed => return Ok(current),
            PollStatus::Draft => {
                return Err(PollActionError::Conflict(
                    "a draft poll is not open: send it first, or delete it".into(),
                ));
            }
            PollStatus::Sent => {}
        }
        let now = (self.clock)();
        let poll = Poll {
            status: PollStatus::Closed,
            closed_at: Some(now),
            updated_at: now,
            ..current.clone()
        };
        self.polls.update(&poll, current.status).await?;
        Ok(poll)
    }

    /// A page of the poll's outbox (any member), and the cursor of the next page.
    pub async fn outbox(
        &self,
        scope: &OrgScope,
        id: &str,
        window: &ContactWindow,
    ) -> Result<(OutboxPage, Option<ContactCursor>), PollActionError> {
        let poll = self.get(scope, id).await?;
        let slice = slice_of(window)?;
        let page = self
            .polls
            .outbox(poll.id, slice.offset, slice.limit)
            .await?;
        let next = next_after(slice, page.messages.len(), page.total);
        Ok((page, next))
    }

    /// The poll's results (any member; also once the office ended: nothing in them names anyone).
    pub async fn results(
        &self,
        scope: &OrgScope,
        id: &str,
    ) -> Result<PollResults, PollActionError> {
        let poll = self.get(scope, id).await?;
        let tally = self.polls.tally(poll.id).await?;
        Ok(results_of(poll, tally))
    }

    /// Applies an inbound SMS (its signature already checked): a reply goes to the most recently sent
    /// open poll that messaged the number; `STOP` opts the number out of that office's future polls
    /// (also once the poll is closed). A delivery id is applied once.
    pub async fn receive_reply(
        &self,
        delivery_id: &str,
        from: &str,
        body: &str,
        received_at: DateTime<Utc>,
    ) -> Result<ReplyOutcome, StoreError> {
        let Some(phone) = normalize_phone(from) else {
            // Not a number any poll could have messaged: remembered, so a redelivery is a duplicate.
            return Ok(
                match self
                    .polls
                    .apply_reply(delivery_id, ReplyEffect::Nothing, received_at)
                    .await?
                {
                    true => ReplyOutcome::Ignored,
                    false => ReplyOutcome::Duplicate,
                },
            );
        };
        let stop = winserve_domain::is_stop(body);
        let target = self.polls.reply_target(&phone, stop).await?;
        let (effect, outcome) = match target {
            None => (ReplyEffect::Nothing, ReplyOutcome::Ignored),
            Some(target) => match parse_reply(&target.poll.options, body) {
                PollReply::Stop => (
                    ReplyEffect::OptOut {
                        office: target.poll.office_id,
                        phone,
                    },
                    ReplyOutcome::OptedOut,
                ),
                reply => {
                    let (option_index, free_text, raw) = match reply {
                        PollReply::Choice(i) => (
                            i16::try_from(i).ok(),
                            None,
                            winserve_domain::clean_reply(body),
                        ),
                        PollReply::FreeText(text) => (None, Some(text.clone()), text),
                        PollReply::Unrecognized(text) => (None, None, text),
                        PollReply::Stop => unreachable!("handled above"),
                    };
                    (
                        ReplyEffect::Answer {
                            poll: target.poll.id,
                            contact_id: target.contact_id,
                            option_index,
                            free_text,
                            raw,
                        },
                        ReplyOutcome::Answered,
                    )
                }
            },
        };
        Ok(
            match self
                .polls
                .apply_reply(delivery_id, effect, received_at)
                .await?
            {
                true => outcome,
                false => ReplyOutcome::Duplicate,
            },
        )
    }

    /// Hands up to `limit` queued messages to the SMS provider and marks each sent or failed; returns
    /// how many were handed over. The delivery worker calls it in a loop.
    pub async fn deliver(&self, limit: u32) -> Result<usize, StoreError> {
        let queued = self.polls.queued(limit).await?;
        for m in &queued {
            let sent = match self.sms.send(&m.phone, &m.message).await {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(poll = %m.poll, error = %e, "an SMS was not delivered");
                    false
                }
            };
            self.polls
                .mark_delivered(m.poll, m.contact_id, sent, (self.clock)())
                .await?;
        }
        Ok(queued.len())
    }
}

/// The safe form of a tally: choices named, breakdowns k-anonymous (buckets under 5 merged into
/// "other", "other" under 5 suppressed).
fn results_of(poll: Poll, tally: PollTally) -> PollResults {
    let choices: Vec<String> = poll
        .options
        .choices()
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let options = choices
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let n = tally
                .by_option
                .iter()
                .find(|(o, _)| usize::try_from(*o).ok() == Some(i))
                .map_or(0, |(_, n)| *n);
            (label.clone(), n)
        })
        .collect();
    let groups: Vec<Option<i16>> = if choices.is_empty() {
        vec![None]
    } else {
        (0..choices.len())
            .filter_map(|i| i16::try_from(i).ok().map(Some))
            .collect()
    };
    let breakdown = PollBreakdown::ALL
        .into_iter()
        .map(|attribute| {
            let per_group = groups
                .iter()
                .map(|group| {
                    let buckets: Vec<(String, u64)> = tally
                        .breakdown
                        .iter()
                        .filter(|(a, _, g, _)| *a == attribute && g == group)
                        .map(|(_, label, _, n)| (label.clone(), *n))
                        .collect();
                    let label = group
                        .and_then(|g| usize::try_from(g).ok())
                        .and_then(|g| choices.get(g).cloned());
                    AnswerBuckets {
                        option: label,
                        buckets: k_anonymous(buckets)
                            .into_iter()
                            .map(|(label, count)| ResultBucket { label, count })
                            .collect(),
                    }
                })
                .collect();
            Breakdown {
                attribute,
                answers: per_group,
            }
        })
        .collect();
    let response_rate = if tally.recipients > 0 {
        tally.respondents as f64 / tally.recipients as f64
    } else {
        0.0
    };
    PollResults {
        poll,
        recipients: tally.recipients,
        respondents: tally.respondents,
        unrecognized: tally.unrecognized,
        response_rate,
        options,
        breakdown,
        free_text: tally.free_text,
    }
}
