//! Unit tests, over the mockall mocks of the ports, of the thin services: reference data search passes
//! its filters through unchanged, imports reach the reference and voter ports, and readiness reports
//! storage failures.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{Mocks, district, position};
use mockall::predicate::eq;
use winserve_application::{ImportOptions, NewPosition, Page, PageRequest, StoreError};
use winserve_domain::{L2Name, L2Type, PositionLevel, StateCode};

#[tokio::test]
async fn position_search_passes_state_query_and_page_to_the_port() {
    let mut m = Mocks::default();
    let wy = StateCode::new("WY").unwrap();
    let page = PageRequest {
        page: 2,
        per_page: 10,
    };
    let expected_state = wy.clone();
    m.reference
        .expect_search_positions()
        .times(1)
        .withf(move |state, query, p| {
            *state == Some(&expected_state) && *query == Some("mayor") && *p == page
        })
        .returning(|_, _, _| {
            Ok(Page {
                items: vec![position("pos1", None)],
                total: 11,
            })
        });
    let found = m
        .services()
        .reference
        .search_positions(Some(&wy), Some("mayor"), page)
        .await
        .unwrap();
    assert_eq!(found.total, 11);
    assert_eq!(found.items.len(), 1);
}

#[tokio::test]
async fn imports_create_districts_and_positions_through_the_reference_port() {
    let mut m = Mocks::default();
    let wy = StateCode::new("WY").unwrap();
    let ward = district(1);
    let (t, n) = (ward.l2_type.clone(), ward.l2_name.clone());
    let stored = ward.clone();
    m.reference
        .expect_upsert_district()
        .times(1)
        .with(eq(wy.clone()), eq(t.clone()), eq(n.clone()))
        .returning(move |_, _, _| Ok(stored.clone()));
    let new_position = NewPosition {
        ballotready_position_id: common::br("pos1"),
        name: "City Council pos1".into(),
        state: wy.clone(),
        level: PositionLevel::City,
        district_id: Some(ward.id),
    };
    let expected = new_position.clone();
    m.reference
        .expect_upsert_position()
        .times(1)
        .withf(move |p| *p == expected)
        .returning(move |_| Ok(position("pos1", Some(district(1)))));
    let imports = m.services().imports;
    let got = imports
        .upsert_district(
            &wy,
            &L2Type::new(t.as_str()).unwrap(),
            &L2Name::new(n.as_str()).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(got, ward);
    let p = imports.upsert_position(&new_position).await.unwrap();
    assert_eq!(p.district, Some(ward));
}

#[tokio::test]
async fn a_voter_import_is_started_through_the_voter_port() {
    let mut m = Mocks::default();
    m.voters
        .expect_begin_import()
        .withf(|options| options.replace_states && !options.dry_run)
        .times(1)
        .returning(|_| Err(StoreError::unavailable("down")));
    let options = ImportOptions {
        replace_states: true,
        dry_run: false,
    };
    let err = m
        .services()
        .imports
        .begin_voter_import(options)
        .await
        .err()
        .unwrap();
    assert!(err.is_unavailable());
}

#[tokio::test]
async fn readiness_reports_storage_failures() {
    let mut m = Mocks::default();
    m.health.expect_ping().times(1).returning(|| Ok(()));
    assert!(m.services().health.ready().await.is_ok());
    let mut m = Mocks::default();
    m.health
        .expect_ping()
        .times(1)
        .returning(|| Err(StoreError::unavailable("no answer")));
    let err = m.services().health.ready().await.unwrap_err();
    assert_eq!(err, StoreError::unavailable("no answer"));
}
