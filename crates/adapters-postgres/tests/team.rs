//! The team adapter against PostgreSQL: invitations are single use under concurrency, members are
//! listed owner first, removals and transfers keep exactly one owner.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, Utc};
use common::*;
use winserve_application::{
    AcceptError, InvitationRepository, MembershipRepository, NewInvitation, TeamError,
};
use winserve_domain::{InvitationId, OrganizationId, Role, UserId};

fn invitation(org: OrganizationId, by: UserId, email: &str, hash: u8) -> NewInvitation {
    let now = Utc::now();
    NewInvitation {
        id: InvitationId::generate(),
        organization_id: org,
        email: email.to_owned(),
        role: Role::Member,
        token_hash: [hash; 32],
        invited_by: by,
        created_at: now,
        expires_at: now + Duration::days(7),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_concurrent_accepts_exactly_one_joins() {
    let (db, store) = setup().await;
    let owner = user(&store, "user_team_owner").await;
    let (_, org) = create_campaign(&store, owner.id, custom_draft("Mayor")).await;
    store
        .create(&invitation(org, owner.id, "staff@team.test", 7))
        .await
        .unwrap();
    let (a, b) = (
        user(&store, "user_team_a").await,
        user(&store, "user_team_b").await,
    );
    let (ra, rb) = tokio::join!(
        store.accept([7; 32], a.id, "staff@team.test", Utc::now()),
        store.accept([7; 32], b.id, "staff@team.test", Utc::now()),
    );
    let outcomes = [ra.is_ok(), rb.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "{ra:?} {rb:?}"
    );
    assert!(matches!(
        if ra.is_ok() { &rb } else { &ra },
        Err(AcceptError::NotFound)
    ));
    let members = MembershipRepository::list(&store, org).await.unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0].role, Role::Owner);
    assert_eq!(members[0].user_id, owner.id);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_mismatched_and_replaced_invitations_do_not_join() {
    let (db, store) = setup().await;
    let owner = user(&store, "user_team_owner2").await;
    let (_, org) = create_campaign(&store, owner.id, custom_draft("Mayor")).await;
    let someone = user(&store, "user_team_someone").await;
    let mut expired = invitation(org, owner.id, "late@team.test", 1);
    expired.created_at = Utc::now() - Duration::days(8);
    expired.expires_at = Utc::now() - Duration::days(1);
    store.create(&expired).await.unwrap();
    assert_eq!(
        store
            .accept([1; 32], someone.id, "late@team.test", Utc::now())
            .await,
        Err(AcceptError::NotFound)
    );
    store
        .create(&invitation(org, owner.id, "who@team.test", 2))
        .await
        .unwrap();
    assert_eq!(
        store
            .accept([2; 32], someone.id, "other@team.test", Utc::now())
            .await,
        Err(AcceptError::EmailMismatch)
    );
    // Inviting the same address again revokes the first token.
    store
        .create(&invitation(org, owner.id, "who@team.test", 3))
        .await
        .unwrap();
    assert_eq!(
        store
            .accept([2; 32], someone.id, "who@team.test", Utc::now())
            .await,
        Err(AcceptError::NotFound)
    );
    let pending = store.list_pending(org, Utc::now()).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].email, "who@team.test");
    store
        .accept([3; 32], someone.id, "who@team.test", Utc::now())
        .await
        .unwrap();
    // The owner can be neither re-roled nor removed here; a member can.
    assert_eq!(
        store.set_role(org, owner.id, Role::Member).await,
        Err(TeamError::NotAMember)
    );
    assert_eq!(
        store.remove(org, owner.id, Utc::now()).await,
        Err(TeamError::NotAMember)
    );
    assert_eq!(
        store
            .set_role(org, someone.id, Role::Admin)
            .await
            .unwrap()
            .role,
        Role::Admin
    );
    // A transfer keeps exactly one owner; the old one becomes an admin.
    store.transfer(org, owner.id, someone.id).await.unwrap();
    let roles: Vec<(UserId, Role)> = MembershipRepository::list(&store, org)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.user_id, m.role))
        .collect();
    assert_eq!(roles, [(someone.id, Role::Owner), (owner.id, Role::Admin)]);
    assert_eq!(
        store.remove(org, owner.id, Utc::now()).await,
        Ok(Role::Admin)
    );
    db.cleanup().await;
}
