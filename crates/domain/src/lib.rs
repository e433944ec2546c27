//! # winserve-domain
//!
//! The pure core of winserve: one account goes from running for office (**Win**) to serving in it
//! (**Serve**) and back. This crate holds the types and rules only — no I/O, no async runtime, no database
//! or HTTP crate — so it can be used and tested on its own.
//!
//! - [`values`]: validating newtypes ([`Slug`], [`StateCode`], [`BallotReadyId`], [`L2Name`], …).
//! - [`organization`]: [`Organization`] and the effective-district rules ([`normalize_override`]).
//! - [`campaign`]: [`Campaign`] and [`ElectedOffice`] with their statuses.
//! - [`lifecycle`]: the campaign → serve → campaign lifecycle as pure transitions ([`decide`]).
//! - [`membership`]: [`Role`]s and the permission table ([`Role::may`]).
//! - [`navigation`]: the navigation registry and its per-mode filter ([`navigation_for`]).
//! - [`party`]: the [`PartyPolicy`] — what each mode may see, filter, export and aggregate by.
//! - [`segment`]: segment criteria and the built-in segments.
//!
//! ```
//! use winserve_domain::{decide, CreateCampaign, LifecycleCommand, UserId, UserLifecycle};
//! let state = UserLifecycle::new(UserId::generate());
//! let cmd = LifecycleCommand::CreateCampaign(CreateCampaign {
//!     organization: Default::default(),
//!     details: Default::default(),
//!     carry: None,
//! });
//! let transition = decide(&state, &cmd, chrono::Utc::now(), &mut uuid::Uuid::now_v7).unwrap();
//! assert_eq!(transition.changes.len(), 3); // organization, campaign, event
//! ```

pub mod attributes;
pub mod campaign;
pub mod clerk;
pub mod ids;
pub mod lifecycle;
pub mod membership;
pub mod mode;
pub mod navigation;
pub mod organization;
pub mod outreach;
pub mod party;
pub mod poll;
pub mod reference;
pub mod search;
pub mod segment;
pub mod user;
pub mod values;
pub mod voter;
pub mod voter_columns;

pub use attributes::*;
pub use campaign::*;
pub use clerk::*;
pub use ids::*;
pub use lifecycle::*;
pub use membership::*;
pub use mode::*;
pub use navigation::*;
pub use organization::*;
pub use outreach::*;
pub use party::*;
pub use poll::*;
pub use reference::*;
pub use search::{MAX_SEARCH_CHARS, MAX_SEARCH_WORDS, SearchQuery, search_document};
pub use segment::*;
pub use user::*;
pub use values::*;
pub use voter::*;
pub use voter_columns::*;
