//! Unit tests, over the mockall mocks of the ports, of the rules that moved into the services from the
//! HTTP handlers: segments (party rule, archived organizations, names, clock and ids, live counts),
//! contacts (party policy, segments, district, search), entering an organization and the default
//! organization, the mode guards of the current campaign and office, and organization profile updates.
//! A mock with no expectation panics when called, so "never calls X" is checked by leaving X's mock bare
//! (or with an explicit `.never()`).

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::{
    Mocks, claims, custom, district, org_details, org_with_district, organization, owner, position,
    scope, user,
};
use mockall::predicate::eq;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use uuid::Uuid;
use winserve_application::{
    Bucket, ContactFilter, ContactPage, ContactQuery, ContactStats, ContactWindow, ContactsError,
    CountSegmentError, CreateSegmentError, CurrentCampaignError, CurrentOfficeError,
    EnterOrganizationError, FindContactError, NewSegment, OrgScope, OrganizationDetails,
    OrganizationNamed, OrganizationPatch, OrganizationSelector, Patch, ProfileUpdate,
    SegmentChanges, Services, StoreError, UpdateOrganizationError, UpdateSegmentError, WrongMode,
};
use winserve_domain::{
    Campaign, CampaignDetails, CampaignId, CampaignStatus, ClerkOrganizationId, ElectedOffice,
    ElectedOfficeId, Mode, OfficeDates, OfficeStatus, Organization, PartyGroup, PartyPolicy, Role,
    Segment, SegmentCriteria, SegmentId, SegmentName, Slug, User, Voter,
};

// ---------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------

/// The fixed clock of the services under test.
fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap()
}

/// The one id the fixed id source hands out.
const FIXED_ID: Uuid = Uuid::from_u128(0x5E6_0001);

/// The services over `m` with the fixed clock and id source.
fn fixed_services(m: Mocks) -> Services {
    m.services_with(Arc::new(fixed_now), Arc::new(|| FIXED_ID))
}

fn party(groups: &[PartyGroup]) -> SegmentCriteria {
    SegmentCriteria {
        party: Some(groups.to_vec()),
        ..Default::default()
    }
}

fn cells() -> SegmentCriteria {
    SegmentCriteria {
        has_cell_phone: Some(true),
        ..Default::default()
    }
}

fn archived(mut org: Organization) -> Organization {
    org.archived_at = Some(fixed_now());
    org
}

/// A stored segment of `org` with `criteria`.
fn stored_segment(org: &Organization, criteria: SegmentCriteria) -> Segment {
    let at = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    Segment {
        id: SegmentId::from_uuid(Uuid::from_u128(0x5E6_0000)),
        organization_id: org.id,
        name: SegmentName::new("Stored").unwrap(),
        criteria,
        created_at: at,
        updated_at: at,
    }
}

/// `segments.find` answers `answer` for `org` and the segment's id.
fn segment_lookup(m: &mut Mocks, org: &Organization, id: SegmentId, answer: Option<Segment>) {
    m.segments
        .expect_find()
        .with(eq(org.id), eq(id))
        .times(1)
        .returning(move |_, _| Ok(answer.clone()));
}

/// `segments.find` answers `segment` (of `org`).
fn segment_found(m: &mut Mocks, org: &Organization, segment: &Segment) {
    segment_lookup(m, org, segment.id, Some(segment.clone()));
}

fn id_text(segment: &Segment) -> String {
    segment.id.as_uuid().to_string()
}

/// A contact stream with no rows.
struct NoRows;

impl futures_core::Stream for NoRows {
    type Item = Result<Voter, StoreError>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(None)
    }
}

fn window() -> ContactWindow {
    ContactWindow::Page {
        page: 1,
        per_page: 50,
    }
}

fn stats(total: u64, policy: PartyPolicy) -> ContactStats {
    let one = |label: &str| {
        vec![Bucket {
            label: label.to_owned(),
            count: total,
        }]
    };
    ContactStats {
        total,
        with_cell_phone: total,
        with_landline: 0,
        age: one("unknown"),
        gender: one("unknown"),
        voter_status: one("unknown"),
        party: policy.may_aggregate().then(|| one("democratic")),
    }
}

/// The filters the contacts port received, in order.
type Seen = Arc<Mutex<Vec<ContactFilter>>>;

/// `contacts.list`, `stats` and `export` each answer once, recording the filter they were handed.
fn contacts_answer(m: &mut Mocks, policy: PartyPolicy) -> Seen {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    m.contacts
        .expect_list()
        .times(1)
        .returning(move |filter, window| {
            assert_eq!(window, &self::window());
            s.lock().unwrap().push(filter.clone());
            Ok(ContactPage {
                contacts: vec![],
                total: 7,
                next: None,
            })
        });
    let s = seen.clone();
    m.contacts.expect_stats().times(1).returning(move |filter| {
        s.lock().unwrap().push(filter.clone());
        Ok(stats(7, policy))
    });
    let s = seen.clone();
    m.contacts
        .expect_export()
        .times(1)
        .returning(move |filter| {
            s.lock().unwrap().push(filter.clone());
            Ok(Box::pin(NoRows))
        });
    seen
}

/// The contacts port must not be called at all.
fn contacts_never(m: &mut Mocks) {
    m.contacts.expect_list().never();
    m.contacts.expect_stats().never();
    m.contacts.expect_export().never();
    m.contacts.expect_count().never();
    m.contacts.expect_find().never();
}

/// The errors of `list`, `stats` and `export` for one query, each of which must refuse it.
async fn refusals(s: &Services, scope: &OrgScope, query: &ContactQuery) -> Vec<ContactsError> {
    vec![
        s.contacts.list(scope, query, &window()).await.unwrap_err(),
        s.contacts.stats(scope, query).await.unwrap_err(),
        s.contacts.export(scope, query).await.err().unwrap(),
    ]
}

/// `list`, `stats` and `export` for one query, each of which must succeed: (total of the page, total of
/// the stats, whether the export has a stream).
async fn answers(
    s: &Services,
    scope: &OrgScope,
    query: &ContactQuery,
) -> (u64, ContactStats, bool) {
    let page = s.contacts.list(scope, query, &window()).await.unwrap();
    let stats = s.contacts.stats(scope, query).await.unwrap();
    let export = s.contacts.export(scope, query).await.unwrap();
    assert_eq!(export.policy, scope.party_policy());
    (page.total, stats, export.rows.is_some())
}

// ---------------------------------------------------------------------------------------------------------
// SegmentService::create
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_segment_refuses_a_party_criterion_in_a_serve_org_without_calling_the_segment_port()
{
    let mut m = Mocks::default();
    m.segments.expect_create().never();
    let err = fixed_services(m)
        .segments
        .create(
            &scope(org_with_district(Mode::Serve)),
            NewSegment {
                name: "Democrats".into(),
                criteria: party(&[PartyGroup::Democratic]),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateSegmentError::PartyFilterNotAllowed),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_segment_stores_a_party_criterion_in_a_win_org() {
    let org = org_with_district(Mode::Win);
    let org_id = org.id;
    let mut m = Mocks::default();
    m.segments
        .expect_create()
        .withf(move |s| {
            s.organization_id == org_id
                && s.criteria.party == Some(vec![PartyGroup::Democratic, PartyGroup::Republican])
        })
        .times(1)
        .returning(|s| Ok(s.clone()));
    let created = fixed_services(m)
        .segments
        .create(
            &scope(org),
            NewSegment {
                name: "Partisans".into(),
                // Normalised on the way in: sorted, without duplicates.
                criteria: party(&[
                    PartyGroup::Republican,
                    PartyGroup::Democratic,
                    PartyGroup::Republican,
                ]),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        created.criteria.party,
        Some(vec![PartyGroup::Democratic, PartyGroup::Republican])
    );
}

#[tokio::test]
async fn create_segment_gets_the_service_clock_and_an_id_from_the_id_source() {
    let org = org_with_district(Mode::Serve);
    let org_id = org.id;
    let stored: Arc<Mutex<Option<Segment>>> = Arc::default();
    let s = stored.clone();
    let mut m = Mocks::default();
    m.segments.expect_create().times(1).returning(move |seg| {
        *s.lock().unwrap() = Some(seg.clone());
        Ok(seg.clone())
    });
    let created = fixed_services(m)
        .segments
        .create(
            &scope(org),
            NewSegment {
                name: "  Cell phones  ".into(),
                criteria: cells(),
            },
        )
        .await
        .unwrap();
    let handed = stored.lock().unwrap().clone().unwrap();
    assert_eq!(handed, created, "the port's answer is returned as is");
    assert_eq!(handed.id, SegmentId::from_uuid(FIXED_ID));
    assert_eq!(handed.organization_id, org_id);
    assert_eq!(handed.name.as_str(), "Cell phones");
    assert_eq!(handed.criteria, cells());
    assert_eq!(handed.created_at, fixed_now());
    assert_eq!(handed.updated_at, fixed_now());
}

#[tokio::test]
async fn create_segment_in_an_archived_org_is_archived_before_the_name_is_checked() {
    let mut m = Mocks::default();
    m.segments.expect_create().never();
    let err = fixed_services(m)
        .segments
        .create(
            &scope(archived(org_with_district(Mode::Win))),
            NewSegment {
                name: "   ".into(),
                criteria: party(&[PartyGroup::Democratic]),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, CreateSegmentError::Archived), "{err:?}");
}

#[tokio::test]
async fn create_segment_rejects_an_invalid_name_or_an_empty_criteria_list() {
    let mut m = Mocks::default();
    m.segments.expect_create().never();
    let services = fixed_services(m);
    let sc = scope(org_with_district(Mode::Win));
    for name in ["", "   ", &"x".repeat(101)] {
        let err = services
            .segments
            .create(
                &sc,
                NewSegment {
                    name: name.to_owned(),
                    criteria: cells(),
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, CreateSegmentError::Invalid(v) if v.field == "name"),
            "{name:?}: {err:?}"
        );
    }
    let err = services
        .segments
        .create(
            &sc,
            NewSegment {
                name: "Nobody".into(),
                criteria: SegmentCriteria {
                    gender: Some(vec![]),
                    ..Default::default()
                },
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CreateSegmentError::Invalid(v) if v.field == "criteria.gender"),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// SegmentService::update
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn update_segment_refuses_a_party_criterion_in_a_serve_org_without_storing() {
    let org = org_with_district(Mode::Serve);
    let current = stored_segment(&org, cells());
    let mut m = Mocks::default();
    // The segment is looked up first (an unknown id is not found); it is never written.
    segment_found(&mut m, &org, &current);
    m.segments.expect_update().never();
    let err = fixed_services(m)
        .segments
        .update(
            &scope(org),
            &id_text(&current),
            SegmentChanges {
                name: None,
                criteria: Some(party(&[PartyGroup::Independent])),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, UpdateSegmentError::PartyFilterNotAllowed),
        "{err:?}"
    );
}

#[tokio::test]
async fn update_segment_stores_a_party_criterion_in_a_win_org_and_keeps_absent_fields() {
    let org = org_with_district(Mode::Win);
    let current = stored_segment(&org, cells());
    let (org_id, segment_id) = (org.id, current.id);
    let mut m = Mocks::default();
    segment_found(&mut m, &org, &current);
    let answer = current.clone();
    m.segments
        .expect_update()
        .withf(move |o, id, name, criteria| {
            *o == org_id
                && *id == segment_id
                && name.as_str() == "Stored"
                && *criteria == party(&[PartyGroup::Independent])
        })
        .times(1)
        .returning(move |_, _, name, criteria| {
            Ok(Segment {
                name: name.clone(),
                criteria: criteria.clone(),
                ..answer.clone()
            })
        });
    let updated = fixed_services(m)
        .segments
        .update(
            &scope(org),
            &id_text(&current),
            SegmentChanges {
                name: None,
                criteria: Some(party(&[PartyGroup::Independent])),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.criteria, party(&[PartyGroup::Independent]));
}

#[tokio::test]
async fn update_segment_in_an_archived_org_is_archived_before_the_name_is_checked() {
    let org = archived(org_with_district(Mode::Win));
    let current = stored_segment(&org, cells());
    let mut m = Mocks::default();
    segment_found(&mut m, &org, &current);
    m.segments.expect_update().never();
    let err = fixed_services(m)
        .segments
        .update(
            &scope(org),
            &id_text(&current),
            SegmentChanges {
                name: Some("   ".into()),
                criteria: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateSegmentError::Archived), "{err:?}");
}

#[tokio::test]
async fn update_segment_rejects_an_invalid_name() {
    let org = org_with_district(Mode::Win);
    let current = stored_segment(&org, cells());
    let mut m = Mocks::default();
    segment_found(&mut m, &org, &current);
    m.segments.expect_update().never();
    let err = fixed_services(m)
        .segments
        .update(
            &scope(org),
            &id_text(&current),
            SegmentChanges {
                name: Some("\u{7}bell".into()),
                criteria: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, UpdateSegmentError::Invalid(v) if v.field == "name"),
        "{err:?}"
    );
}

#[tokio::test]
async fn update_segment_of_another_org_or_with_a_non_uuid_id_is_not_found() {
    let org = org_with_district(Mode::Win);
    let other = stored_segment(&organization(Mode::Win, None, None, None), cells());
    let mut m = Mocks::default();
    // The port is asked for the id within this organization and finds nothing; "nope" is not even asked.
    segment_lookup(&mut m, &org, other.id, None);
    m.segments.expect_update().never();
    let services = fixed_services(m);
    let sc = scope(org);
    for id in [id_text(&other), "nope".to_owned()] {
        let err = services
            .segments
            .update(&sc, &id, SegmentChanges::default())
            .await
            .unwrap_err();
        assert!(matches!(err, UpdateSegmentError::NotFound), "{id}: {err:?}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// SegmentService::count
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn count_segment_of_another_org_is_not_found_without_counting() {
    let org = org_with_district(Mode::Win);
    let other = stored_segment(&organization(Mode::Win, None, None, None), cells());
    let mut m = Mocks::default();
    segment_lookup(&mut m, &org, other.id, None);
    contacts_never(&mut m);
    let err = fixed_services(m)
        .segments
        .count(&scope(org), &id_text(&other))
        .await
        .unwrap_err();
    assert!(matches!(err, CountSegmentError::NotFound), "{err:?}");
}

#[tokio::test]
async fn count_segment_in_an_org_without_a_district_is_district_not_set() {
    // A custom position name only: an office to run for, but no district.
    let org = organization(Mode::Win, None, None, Some(custom("Mayor")));
    let segment = stored_segment(&org, cells());
    let mut m = Mocks::default();
    segment_found(&mut m, &org, &segment);
    contacts_never(&mut m);
    let err = fixed_services(m)
        .segments
        .count(&scope(org), &id_text(&segment))
        .await
        .unwrap_err();
    assert!(matches!(err, CountSegmentError::DistrictNotSet), "{err:?}");
}

#[tokio::test]
async fn count_segment_with_party_stored_in_a_serve_org_is_refused_without_counting() {
    // A segment stored before the party rule (or copied without stripping) is not counted.
    let org = org_with_district(Mode::Serve);
    let segment = stored_segment(&org, party(&[PartyGroup::Democratic]));
    let mut m = Mocks::default();
    segment_found(&mut m, &org, &segment);
    contacts_never(&mut m);
    let err = fixed_services(m)
        .segments
        .count(&scope(org), &id_text(&segment))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CountSegmentError::PartyFilterNotAllowed),
        "{err:?}"
    );
}

#[tokio::test]
async fn count_segment_counts_its_criteria_in_the_orgs_district() {
    let org = org_with_district(Mode::Win);
    let criteria = SegmentCriteria {
        party: Some(vec![PartyGroup::Democratic]),
        has_cell_phone: Some(true),
        ..Default::default()
    };
    let segment = stored_segment(&org, criteria.clone());
    let mut m = Mocks::default();
    segment_found(&mut m, &org, &segment);
    m.contacts
        .expect_count()
        .withf(move |f| {
            *f == ContactFilter {
                district: district(1),
                criteria: criteria.clone(),
                search: None,
                policy: PartyPolicy::for_mode(Mode::Win),
            }
        })
        .times(1)
        .returning(|_| Ok(42));
    let n = fixed_services(m)
        .segments
        .count(&scope(org), &id_text(&segment))
        .await
        .unwrap();
    assert_eq!(n, 42);
}

// ---------------------------------------------------------------------------------------------------------
// ContactService::list, stats, export
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_refuse_ad_hoc_party_criteria_in_a_serve_org_without_calling_the_contacts_port() {
    let mut m = Mocks::default();
    contacts_never(&mut m);
    let services = m.services();
    let query = ContactQuery {
        criteria: party(&[PartyGroup::Republican]),
        ..Default::default()
    };
    for err in refusals(&services, &scope(org_with_district(Mode::Serve)), &query).await {
        assert!(
            matches!(err, ContactsError::PartyFilterNotAllowed),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn contacts_refuse_a_custom_segment_with_party_in_a_serve_org_without_calling_the_contacts_port()
 {
    let org = org_with_district(Mode::Serve);
    let segment = stored_segment(&org, party(&[PartyGroup::Democratic]));
    let (org_id, segment_id, answer) = (org.id, segment.id, segment.clone());
    let mut m = Mocks::default();
    m.segments
        .expect_find()
        .with(eq(org_id), eq(segment_id))
        .times(3)
        .returning(move |_, _| Ok(Some(answer.clone())));
    contacts_never(&mut m);
    let services = m.services();
    let query = ContactQuery {
        segment: Some(id_text(&segment)),
        ..Default::default()
    };
    for err in refusals(&services, &scope(org), &query).await {
        assert!(
            matches!(err, ContactsError::PartyFilterNotAllowed),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn contacts_in_a_win_org_hand_party_criteria_to_the_port_with_party_shown() {
    let org = org_with_district(Mode::Win);
    let segment = stored_segment(
        &org,
        party(&[PartyGroup::Democratic, PartyGroup::Independent]),
    );
    let (org_id, segment_id, answer) = (org.id, segment.id, segment.clone());
    let mut m = Mocks::default();
    m.segments
        .expect_find()
        .with(eq(org_id), eq(segment_id))
        .times(3)
        .returning(move |_, _| Ok(Some(answer.clone())));
    let seen = contacts_answer(&mut m, PartyPolicy::for_mode(Mode::Win));
    let services = m.services();
    let sc = scope(org);
    let query = ContactQuery {
        segment: Some(id_text(&segment)),
        search: None,
        criteria: party(&[PartyGroup::Independent, PartyGroup::Republican]),
    };
    let (total, stats, streamed) = answers(&services, &sc, &query).await;
    assert_eq!(total, 7);
    assert!(stats.party.is_some());
    assert!(streamed);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for filter in seen.iter() {
        // The segment's and the ad-hoc party lists, ANDed.
        assert_eq!(filter.criteria, party(&[PartyGroup::Independent]));
        assert_eq!(filter.policy, PartyPolicy::for_mode(Mode::Win));
        assert!(filter.policy.may_view());
        assert_eq!(filter.district, district(1));
    }
}

#[tokio::test]
async fn contacts_of_an_unknown_segment_are_segment_not_found() {
    let org = org_with_district(Mode::Win);
    let unknown = SegmentId::from_uuid(Uuid::from_u128(0xBAD));
    let org_id = org.id;
    let mut m = Mocks::default();
    m.segments
        .expect_find()
        .with(eq(org_id), eq(unknown))
        .times(3)
        .returning(|_, _| Ok(None));
    contacts_never(&mut m);
    let services = m.services();
    let sc = scope(org);
    // A UUID no segment of the organization has, and a key that is neither built in nor a UUID (which
    // is not even looked up).
    for key in [unknown.as_uuid().to_string(), "not_a_segment".to_owned()] {
        let query = ContactQuery {
            segment: Some(key),
            ..Default::default()
        };
        for err in refusals(&services, &sc, &query).await {
            assert!(matches!(err, ContactsError::SegmentNotFound), "{err:?}");
        }
    }
}

#[tokio::test]
async fn contacts_of_an_org_without_a_district_are_district_not_set() {
    let mut m = Mocks::default();
    contacts_never(&mut m);
    let services = m.services();
    let sc = scope(organization(Mode::Win, None, None, Some(custom("Mayor"))));
    for err in refusals(&services, &sc, &ContactQuery::default()).await {
        assert!(matches!(err, ContactsError::DistrictNotSet), "{err:?}");
    }
}

#[tokio::test]
async fn an_archived_org_serves_no_contacts_on_any_channel() {
    for mode in [Mode::Win, Mode::Serve] {
        let mut m = Mocks::default();
        contacts_never(&mut m);
        let services = m.services();
        let sc = scope(archived(org_with_district(mode)));
        for err in refusals(&services, &sc, &ContactQuery::default()).await {
            assert!(matches!(err, ContactsError::Archived), "{mode:?}: {err:?}");
        }
        let err = services
            .contacts
            .get(&sc, winserve_domain::VoterId::from_uuid(Uuid::from_u128(7)))
            .await
            .unwrap_err();
        assert!(matches!(err, FindContactError::Archived), "{err:?}");
    }
}

#[tokio::test]
async fn contacts_refuse_a_search_over_200_characters_or_8_words() {
    let mut m = Mocks::default();
    contacts_never(&mut m);
    let services = m.services();
    let sc = scope(org_with_district(Mode::Serve));
    for search in ["a".repeat(201), "a b c d e f g h i".to_owned()] {
        let query = ContactQuery {
            search: Some(search),
            ..Default::default()
        };
        for err in refusals(&services, &sc, &query).await {
            assert!(
                matches!(&err, ContactsError::Invalid(v) if v.field == "search"),
                "{err:?}"
            );
        }
    }

    // 200 characters once folded (blanks collapsed, ends trimmed) are accepted.
    let mut m = Mocks::default();
    m.contacts
        .expect_list()
        .withf(|f, _| {
            f.search
                .as_ref()
                .is_some_and(|s| s.words() == ["b".repeat(200)])
        })
        .times(1)
        .returning(|_, _| {
            Ok(ContactPage {
                contacts: vec![],
                total: 0,
                next: None,
            })
        });
    let query = ContactQuery {
        search: Some(format!("  {}   ", "b".repeat(200))),
        ..Default::default()
    };
    m.services()
        .contacts
        .list(&sc, &query, &window())
        .await
        .unwrap();
}

#[tokio::test]
async fn contacts_hand_the_port_the_folded_search_and_the_effective_district() {
    // Position district 1, override district 2: the override is the effective district.
    let org = organization(
        Mode::Serve,
        Some(position("pos1", Some(district(1)))),
        Some(district(2)),
        None,
    );
    let mut m = Mocks::default();
    let seen = contacts_answer(&mut m, PartyPolicy::for_mode(Mode::Serve));
    let services = m.services();
    let sc = scope(org);
    let query = ContactQuery {
        segment: Some("texting".into()),
        search: Some("  José   NÚÑEZ ".into()),
        criteria: SegmentCriteria::default(),
    };
    let (_, stats, streamed) = answers(&services, &sc, &query).await;
    assert_eq!(stats.party, None, "no party breakdown in Serve");
    assert!(streamed);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for filter in seen.iter() {
        let words = filter.search.as_ref().map(|s| s.words().to_vec());
        assert_eq!(words, Some(vec!["jose".to_owned(), "nunez".to_owned()]));
        assert_eq!(filter.district, district(2));
        assert_eq!(filter.criteria, cells(), "the built-in segment's criteria");
        assert_eq!(filter.policy, PartyPolicy::for_mode(Mode::Serve));
    }
}

#[tokio::test]
async fn contacts_with_contradicting_criteria_are_none_without_calling_the_contacts_port() {
    let mut m = Mocks::default();
    contacts_never(&mut m);
    let services = m.services();
    for mode in [Mode::Win, Mode::Serve] {
        let sc = scope(org_with_district(mode));
        // `texting` needs a cell phone; the ad-hoc criteria exclude one.
        let query = ContactQuery {
            segment: Some("texting".into()),
            search: Some("smith".into()),
            criteria: SegmentCriteria {
                has_cell_phone: Some(false),
                ..Default::default()
            },
        };
        let page = services
            .contacts
            .list(&sc, &query, &window())
            .await
            .unwrap();
        assert_eq!(page.contacts, vec![]);
        assert_eq!(page.total, 0);
        assert_eq!(page.next, None);
        let stats = services.contacts.stats(&sc, &query).await.unwrap();
        assert_eq!(stats.total, 0);
        assert_eq!(stats.with_cell_phone, 0);
        assert!(stats.age.iter().all(|b| b.count == 0));
        assert_eq!(stats.party.is_some(), mode == Mode::Win);
        let export = services.contacts.export(&sc, &query).await.unwrap();
        assert!(export.rows.is_none());
        assert_eq!(export.policy, PartyPolicy::for_mode(mode));
    }
}

// ---------------------------------------------------------------------------------------------------------
// AccountService::enter_organization, me
// ---------------------------------------------------------------------------------------------------------

fn slug_of(org: &Organization) -> Slug {
    org.slug.clone()
}

/// `users.caller_in_organization` expects the claims and `selector`, answering `org`.
fn caller_in(m: &mut Mocks, selector: OrganizationSelector, org: Option<OrganizationDetails>) {
    m.users
        .expect_caller_in_organization()
        .withf(move |c, s| *c == claims() && *s == selector)
        .times(1)
        .returning(move |_, _| Ok((user(), org.clone())));
    m.users.expect_upsert_from_claims().never();
}

/// `users.upsert_from_claims` is called once (the caller is created or refreshed even when the request
/// names no organization), and nothing else.
fn upserts_only(m: &mut Mocks) {
    m.users
        .expect_upsert_from_claims()
        .withf(|c| *c == claims())
        .times(1)
        .returning(|_| Ok(user()));
    m.users.expect_caller_in_organization().never();
}

#[tokio::test]
async fn enter_organization_by_a_known_slug_is_a_scope_in_it() {
    let details = org_details(org_with_district(Mode::Win));
    let slug = slug_of(&details.organization);
    let mut m = Mocks::default();
    caller_in(
        &mut m,
        OrganizationSelector::Slug(slug.clone()),
        Some(details.clone()),
    );
    let scope = m
        .services()
        .accounts
        .enter_organization(&claims(), OrganizationNamed::BySlug(Some(slug)))
        .await
        .unwrap();
    assert_eq!(scope.user(), &user());
    assert_eq!(scope.details(), &details);
    assert_eq!(scope.mode(), Mode::Win);
}

#[tokio::test]
async fn enter_organization_by_text_that_cannot_be_a_slug_upserts_the_user_then_is_not_found() {
    let mut m = Mocks::default();
    upserts_only(&mut m);
    let err = m
        .services()
        .accounts
        .enter_organization(&claims(), OrganizationNamed::BySlug(None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, EnterOrganizationError::OrganizationNotFound),
        "{err:?}"
    );
}

#[tokio::test]
async fn enter_organization_by_an_unknown_slug_is_not_found() {
    let slug = Slug::new("campaign-2026-000000000bad").unwrap();
    let mut m = Mocks::default();
    caller_in(&mut m, OrganizationSelector::Slug(slug.clone()), None);
    let err = m
        .services()
        .accounts
        .enter_organization(&claims(), OrganizationNamed::BySlug(Some(slug)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, EnterOrganizationError::OrganizationNotFound),
        "{err:?}"
    );
}

#[tokio::test]
async fn enter_organization_by_a_matching_clerk_claim_is_a_scope_in_it() {
    let clerk = ClerkOrganizationId::new("org_2abc").unwrap();
    let mut org = org_with_district(Mode::Serve);
    org.clerk_organization_id = Some(clerk.clone());
    let details = org_details(org);
    let mut m = Mocks::default();
    caller_in(
        &mut m,
        OrganizationSelector::ClerkOrganization(clerk.clone()),
        Some(details.clone()),
    );
    let scope = m
        .services()
        .accounts
        .enter_organization(&claims(), OrganizationNamed::ByClerkClaim(Some(clerk)))
        .await
        .unwrap();
    assert_eq!(scope.details(), &details);
    assert_eq!(scope.mode(), Mode::Serve);
}

#[tokio::test]
async fn enter_organization_by_a_clerk_claim_matching_nothing_is_organization_required() {
    let clerk = ClerkOrganizationId::new("org_2none").unwrap();
    let mut m = Mocks::default();
    caller_in(
        &mut m,
        OrganizationSelector::ClerkOrganization(clerk.clone()),
        None,
    );
    let err = m
        .services()
        .accounts
        .enter_organization(&claims(), OrganizationNamed::ByClerkClaim(Some(clerk)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, EnterOrganizationError::OrganizationRequired),
        "{err:?}"
    );
}

#[tokio::test]
async fn enter_organization_without_a_slug_or_clerk_claim_upserts_the_user_then_is_required() {
    let mut m = Mocks::default();
    upserts_only(&mut m);
    let err = m
        .services()
        .accounts
        .enter_organization(&claims(), OrganizationNamed::ByClerkClaim(None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, EnterOrganizationError::OrganizationRequired),
        "{err:?}"
    );
}

#[tokio::test]
async fn enter_organization_passes_storage_failures_through() {
    let mut m = Mocks::default();
    m.users
        .expect_caller_in_organization()
        .times(1)
        .returning(|_, _| Err(StoreError::unavailable("down")));
    let err = m
        .services()
        .accounts
        .enter_organization(
            &claims(),
            OrganizationNamed::BySlug(Some(Slug::new("campaign-abc").unwrap())),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EnterOrganizationError::Store(e) if *e == StoreError::unavailable("down")),
        "{err:?}"
    );
}

/// The owner's organizations as the port orders them: open ones first, newest first.
fn three_orgs() -> Vec<OrganizationDetails> {
    vec![
        org_details(org_with_district(Mode::Win)),
        org_details(org_with_district(Mode::Serve)),
        org_details(archived(org_with_district(Mode::Serve))),
    ]
}

async fn me_with(saved: Option<Organization>, orgs: Vec<OrganizationDetails>) -> Option<Slug> {
    let mut m = Mocks::default();
    let answer = orgs.clone();
    m.organizations
        .expect_list_for_member()
        .with(eq(owner()))
        .times(1)
        .returning(move |_| Ok(answer.clone()));
    let caller = User {
        active_organization_id: saved.map(|o| o.id),
        ..user()
    };
    let me = m.services().accounts.me(caller.clone()).await.unwrap();
    assert_eq!(me.user, caller);
    assert_eq!(me.organizations, orgs);
    me.active_organization_slug
}

#[tokio::test]
async fn me_picks_the_saved_active_organization_while_it_exists() {
    let orgs = three_orgs();
    for saved in &orgs {
        let active = me_with(Some(saved.organization.clone()), orgs.clone()).await;
        assert_eq!(
            active,
            Some(saved.organization.slug.clone()),
            "archived ones included"
        );
    }
}

#[tokio::test]
async fn me_falls_back_to_the_first_organization_open_and_newest() {
    let orgs = three_orgs();
    let first = orgs[0].organization.slug.clone();
    // Nothing saved.
    assert_eq!(me_with(None, orgs.clone()).await, Some(first.clone()));
    // A saved organization that is no longer among the caller's.
    let gone = org_with_district(Mode::Win);
    assert_eq!(me_with(Some(gone), orgs).await, Some(first));
    // No organizations at all.
    assert_eq!(me_with(None, vec![]).await, None);
}

// ---------------------------------------------------------------------------------------------------------
// CampaignService::current, OfficeService::current
// ---------------------------------------------------------------------------------------------------------

fn campaign_of(org: &Organization) -> Campaign {
    Campaign {
        id: CampaignId::from_uuid(Uuid::from_u128(0xCA)),
        organization_id: org.id,
        owner_id: owner(),
        status: CampaignStatus::Active,
        details: CampaignDetails::default(),
        launched_at: Some(org.created_at),
        closed_at: None,
        created_at: org.created_at,
        updated_at: org.created_at,
    }
}

fn office_of(org: &Organization) -> ElectedOffice {
    ElectedOffice {
        id: ElectedOfficeId::from_uuid(Uuid::from_u128(0x0FF)),
        organization_id: org.id,
        owner_id: owner(),
        status: OfficeStatus::Active,
        dates: OfficeDates::default(),
        ended_at: None,
        created_at: org.created_at,
        updated_at: org.created_at,
    }
}

/// A scope in `org` with its campaign (Win) or office (Serve).
fn scope_with_record(org: Organization) -> OrgScope {
    let details = OrganizationDetails {
        role: Role::Owner,
        campaign: (org.mode == Mode::Win).then(|| campaign_of(&org)),
        elected_office: (org.mode == Mode::Serve).then(|| office_of(&org)),
        organization: org,
    };
    OrgScope::for_tests(user(), details)
}

#[tokio::test]
async fn current_campaign_of_a_serve_org_is_wrong_mode() {
    let services = Mocks::default().services();
    let err = services
        .campaigns
        .current(&scope_with_record(org_with_district(Mode::Serve)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            CurrentCampaignError::WrongMode(WrongMode { needed: Mode::Win })
        ),
        "{err:?}"
    );

    let org = org_with_district(Mode::Win);
    let (campaign, slug) = services
        .campaigns
        .current(&scope_with_record(org.clone()))
        .unwrap();
    assert_eq!(campaign, campaign_of(&org));
    assert_eq!(slug, org.slug);
    let err = services.campaigns.current(&scope(org)).unwrap_err();
    assert!(matches!(err, CurrentCampaignError::NotFound), "{err:?}");
}

#[tokio::test]
async fn current_office_of_a_win_org_is_wrong_mode() {
    let services = Mocks::default().services();
    let err = services
        .offices
        .current(&scope_with_record(org_with_district(Mode::Win)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            CurrentOfficeError::WrongMode(WrongMode {
                needed: Mode::Serve
            })
        ),
        "{err:?}"
    );

    let org = org_with_district(Mode::Serve);
    let (office, slug) = services
        .offices
        .current(&scope_with_record(org.clone()))
        .unwrap();
    assert_eq!(office, office_of(&org));
    assert_eq!(slug, org.slug);
    let err = services.offices.current(&scope(org)).unwrap_err();
    assert!(matches!(err, CurrentOfficeError::NotFound), "{err:?}");
}

// ---------------------------------------------------------------------------------------------------------
// OrganizationService::update (the effective-district rules are in app_services.rs)
// ---------------------------------------------------------------------------------------------------------

/// `find_by_slug` answers `org` for its slug.
fn org_found(m: &mut Mocks, org: &Organization) {
    let (slug, answer) = (org.slug.clone(), org_details(org.clone()));
    m.organizations
        .expect_find_by_slug()
        .withf(move |user, s| *user == owner() && *s == slug)
        .times(1)
        .returning(move |_, _| Ok(Some(answer.clone())));
}

#[tokio::test]
async fn update_organization_of_an_archived_org_is_archived() {
    let org = archived(org_with_district(Mode::Win));
    let mut m = Mocks::default();
    org_found(&mut m, &org);
    m.reference.expect_find_position().never();
    m.organizations.expect_update_profile().never();
    let err = m
        .services()
        .organizations
        .update(
            owner(),
            org.slug.as_str(),
            OrganizationPatch {
                position_id: Patch::Set("pos9".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateOrganizationError::Archived), "{err:?}");
}

#[tokio::test]
async fn update_organization_with_an_unknown_position_is_invalid() {
    let org = org_with_district(Mode::Win);
    let mut m = Mocks::default();
    org_found(&mut m, &org);
    m.reference
        .expect_find_position()
        .withf(|id| id.as_str() == "pos9")
        .times(1)
        .returning(|_| Ok(None));
    m.organizations.expect_update_profile().never();
    let err = m
        .services()
        .organizations
        .update(
            owner(),
            org.slug.as_str(),
            OrganizationPatch {
                position_id: Patch::Set("pos9".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, UpdateOrganizationError::Invalid(v) if v.field == "ballotready_position_id"),
        "{err:?}"
    );
}

#[tokio::test]
async fn update_organization_stores_an_override_equal_to_the_positions_district_as_none() {
    let org = org_with_district(Mode::Serve);
    let mut m = Mocks::default();
    org_found(&mut m, &org);
    m.reference
        .expect_find_position()
        .times(1)
        .returning(|_| Ok(Some(position("pos1", Some(district(1))))));
    m.reference
        .expect_find_district()
        .with(eq(district(1).id))
        .times(1)
        .returning(|_| Ok(Some(district(1))));
    let received: Arc<Mutex<Option<ProfileUpdate>>> = Arc::default();
    let r = received.clone();
    let answer = org_details(org.clone());
    m.organizations
        .expect_update_profile()
        .times(1)
        .returning(move |_, _, profile| {
            *r.lock().unwrap() = Some(profile.clone());
            Ok(answer.clone())
        });
    m.services()
        .organizations
        .update(
            owner(),
            org.slug.as_str(),
            OrganizationPatch {
                override_district_id: Patch::Set(district(1).id),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let profile = received.lock().unwrap().clone().unwrap();
    assert_eq!(
        profile.position_id.as_ref().map(|p| p.as_str()),
        Some("pos1")
    );
    assert_eq!(profile.override_district_id, None);
}

#[tokio::test]
async fn update_organization_rejects_invalid_text_values_and_unknown_slugs() {
    let org = org_with_district(Mode::Win);
    let mut m = Mocks::default();
    org_found(&mut m, &org);
    m.organizations.expect_update_profile().never();
    let err = m
        .services()
        .organizations
        .update(
            owner(),
            org.slug.as_str(),
            OrganizationPatch {
                custom_position_name: Patch::Set("   ".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, UpdateOrganizationError::Invalid(v) if v.field == "custom_position_name"),
        "{err:?}"
    );

    // An unknown slug is asked for and not found; text that cannot be a slug is not even asked for.
    let mut m = Mocks::default();
    m.organizations
        .expect_find_by_slug()
        .times(1)
        .returning(|_, _| Ok(None));
    m.organizations.expect_update_profile().never();
    let services = m.services();
    for slug in ["campaign-000000000bad", "Not A Slug"] {
        let err = services
            .organizations
            .update(owner(), slug, OrganizationPatch::default(), None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, UpdateOrganizationError::NotFound),
            "{slug}: {err:?}"
        );
    }
}
