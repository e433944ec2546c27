//! Users and the lifecycle log.

use crate::{
    CampaignId, ElectedOfficeId, OrganizationId, RemovedPartyCriteria, Role, Subject, Team, UserId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A person using the product, identified by their token's subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The token subject (a Clerk user id).
    pub sub: Subject,
    /// Email, when the token carries one.
    pub email: Option<String>,
    /// First name, when the token carries one.
    pub first_name: Option<String>,
    /// Last name, when the token carries one.
    pub last_name: Option<String>,
    /// The organization the user chose as default.
    pub active_organization_id: Option<OrganizationId>,
    /// When the user first appeared.
    pub created_at: DateTime<Utc>,
}

/// What a token says about its user, used to create or refresh the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserClaims {
    /// The subject.
    pub sub: Subject,
    /// Email.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// The token's active Clerk organization with a role: makes the user a member of the organization
    /// linked to it (lazy sync).
    pub clerk: Option<crate::ClerkMembershipClaim>,
}

/// What happened in a lifecycle event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleEventKind {
    /// A campaign was created (draft).
    CampaignCreated,
    /// A campaign was launched.
    CampaignLaunched,
    /// A campaign was won.
    CampaignWon,
    /// A campaign was lost.
    CampaignLost,
    /// A campaign was withdrawn.
    CampaignWithdrawn,
    /// An office started (after a won campaign).
    OfficeStarted,
    /// An office ended.
    OfficeEnded,
    /// The user joined an organization as a member (with a role).
    MemberJoined,
    /// The user left an organization, or was removed from it.
    MemberLeft,
}

impl LifecycleEventKind {
    /// Every kind.
    pub const ALL: [LifecycleEventKind; 9] = [
        LifecycleEventKind::CampaignCreated,
        LifecycleEventKind::CampaignLaunched,
        LifecycleEventKind::CampaignWon,
        LifecycleEventKind::CampaignLost,
        LifecycleEventKind::CampaignWithdrawn,
        LifecycleEventKind::OfficeStarted,
        LifecycleEventKind::OfficeEnded,
        LifecycleEventKind::MemberJoined,
        LifecycleEventKind::MemberLeft,
    ];

    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            LifecycleEventKind::CampaignCreated => "campaign_created",
            LifecycleEventKind::CampaignLaunched => "campaign_launched",
            LifecycleEventKind::CampaignWon => "campaign_won",
            LifecycleEventKind::CampaignLost => "campaign_lost",
            LifecycleEventKind::CampaignWithdrawn => "campaign_withdrawn",
            LifecycleEventKind::OfficeStarted => "office_started",
            LifecycleEventKind::OfficeEnded => "office_ended",
            LifecycleEventKind::MemberJoined => "member_joined",
            LifecycleEventKind::MemberLeft => "member_left",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// Whether the event is about membership (a join or a departure, with a role) rather than the owner's
    /// campaign → serve → campaign lifecycle.
    pub const fn is_membership(self) -> bool {
        matches!(
            self,
            LifecycleEventKind::MemberJoined | LifecycleEventKind::MemberLeft
        )
    }
}

/// One entry of a user's append-only lifecycle log. An office's provenance — the campaign it came from —
/// is the `campaign_won` and `office_started` events that name both ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleEvent {
    /// What happened.
    pub kind: LifecycleEventKind,
    /// When.
    pub at: DateTime<Utc>,
    /// The user it happened to.
    pub user_id: UserId,
    /// The organization it happened in.
    pub organization_id: OrganizationId,
    /// The campaign involved.
    pub campaign_id: Option<CampaignId>,
    /// The office involved.
    pub elected_office_id: Option<ElectedOfficeId>,
    /// On `campaign_won`: the party criteria removed from the segments copied into the new Serve
    /// organization — part of the win's answer, kept so that recording the win again answers exactly
    /// what the first call did. Empty on every other kind.
    #[serde(default)]
    pub removed_party_criteria: Vec<RemovedPartyCriteria>,
    /// On `member_joined` and `member_left`: the role the user joined with or left with. `None` on every
    /// other kind.
    #[serde(default)]
    pub role: Option<Role>,
    /// On `campaign_won` and `campaign_created`: who was carried along from the source organization
    /// and who stayed behind (kept so that a repeated command answers what the first one did).
    #[serde(default)]
    pub team: Option<Team>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in LifecycleEventKind::ALL {
            assert_eq!(LifecycleEventKind::parse(k.as_str()), Some(k));
        }
    }
}
