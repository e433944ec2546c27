//! Shared fixtures of the integration tests.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use winserve_adapters_postgres::PgStore;
use winserve_adapters_postgres::test_support::TestDatabase;
use winserve_application::{LifecycleStore, LifecycleStoreError};
use winserve_domain::{
    CampaignDetails, CampaignId, CampaignOutcome, CreateCampaign, CustomPositionName, District,
    ElectedOfficeId, LifecycleCommand, OrganizationDraft, OrganizationId, Outcome, Position,
    RecordResult, Transition, UserId, decide, decide_create_campaign, decide_end_office,
    decide_launch, decide_result,
};

pub use winserve_adapters_postgres::test_support::{district, position, user};

/// A test database and a store over it.
pub async fn setup() -> (TestDatabase, PgStore) {
    let db = TestDatabase::create().await;
    let store = db.store();
    (db, store)
}

/// A raw connection to the test database, for buggy-caller tests.
pub async fn raw(db: &TestDatabase) -> AsyncPgConnection {
    AsyncPgConnection::establish(db.url()).await.unwrap()
}

/// Runs SQL and returns the error message, if any.
pub async fn exec(conn: &mut AsyncPgConnection, sql: &str) -> Result<(), String> {
    conn.batch_execute(sql).await.map_err(|e| e.to_string())
}

/// Runs a lifecycle command through the store's `transact_*` method for it, with the domain's typed
/// decider; the transition comes back with the `Outcome` enum.
pub async fn run(
    store: &PgStore,
    user: UserId,
    segments_of: Option<OrganizationId>,
    command: LifecycleCommand,
) -> Result<Transition, LifecycleStoreError> {
    let now = Utc::now();
    let mut ids = uuid::Uuid::now_v7;
    match command {
        LifecycleCommand::CreateCampaign(cmd) => store
            .transact_campaign(
                user,
                Box::new(move |state| decide_create_campaign(state, &cmd, now, &mut ids)),
            )
            .await
            .map(Transition::into_untyped),
        LifecycleCommand::Launch { campaign_id } => store
            .transact_campaign(
                user,
                Box::new(move |state| decide_launch(state, campaign_id, now)),
            )
            .await
            .map(Transition::into_untyped),
        LifecycleCommand::RecordResult(cmd) => store
            .transact_result(
                user,
                segments_of,
                Box::new(move |state| decide_result(state, &cmd, now, &mut ids)),
            )
            .await
            .map(Transition::into_untyped),
        LifecycleCommand::EndOffice { office_id } => store
            .transact_office(
                user,
                Box::new(move |state| decide_end_office(state, office_id, now)),
            )
            .await
            .map(Transition::into_untyped),
    }
}

/// A draft with a position (and optional override).
pub fn draft(position: Option<Position>, override_district: Option<District>) -> OrganizationDraft {
    OrganizationDraft {
        position,
        override_district,
        custom_position_name: None,
    }
}

/// Creates a draft campaign; returns (campaign, organization).
pub async fn create_campaign(
    store: &PgStore,
    user: UserId,
    draft: OrganizationDraft,
) -> (CampaignId, OrganizationId) {
    let details = CampaignDetails {
        election_date: Some("2026-11-03".parse().unwrap()),
        ..Default::default()
    };
    let t = run(
        store,
        user,
        None,
        LifecycleCommand::CreateCampaign(CreateCampaign {
            organization: draft,
            details,
            carry: None,
        }),
    )
    .await
    .unwrap();
    match t.outcome {
        Outcome::Campaign {
            campaign_id,
            organization_id,
        } => (campaign_id, organization_id),
        other => panic!("unexpected outcome {other:?}"),
    }
}

/// A draft with only a custom position name.
pub fn custom_draft(name: &str) -> OrganizationDraft {
    OrganizationDraft {
        position: None,
        override_district: None,
        custom_position_name: Some(CustomPositionName::new(name).unwrap()),
    }
}

/// Launches a campaign.
pub async fn launch(store: &PgStore, user: UserId, campaign: CampaignId) {
    run(
        store,
        user,
        None,
        LifecycleCommand::Launch {
            campaign_id: campaign,
        },
    )
    .await
    .unwrap();
}

/// Records a result; returns (office, organization of the outcome).
pub async fn result(
    store: &PgStore,
    user: UserId,
    campaign: CampaignId,
    outcome: CampaignOutcome,
) -> Result<(Option<ElectedOfficeId>, OrganizationId), LifecycleStoreError> {
    let t = run(
        store,
        user,
        None,
        LifecycleCommand::RecordResult(RecordResult {
            campaign_id: campaign,
            outcome,
            sworn_in_date: None,
            copy_segments: false,
            carry_members: vec![],
        }),
    )
    .await?;
    match t.outcome {
        Outcome::Result {
            elected_office_id,
            organization_id,
            ..
        } => Ok((elected_office_id, organization_id)),
        other => panic!("unexpected outcome {other:?}"),
    }
}

/// Creates, launches and wins a campaign; returns (campaign, campaign org, office, serve org).
pub async fn win(
    store: &PgStore,
    user: UserId,
    draft: OrganizationDraft,
) -> (CampaignId, OrganizationId, ElectedOfficeId, OrganizationId) {
    let (campaign, org) = create_campaign(store, user, draft).await;
    launch(store, user, campaign).await;
    let (office, serve) = result(store, user, campaign, CampaignOutcome::Won)
        .await
        .unwrap();
    (campaign, org, office.unwrap(), serve)
}
