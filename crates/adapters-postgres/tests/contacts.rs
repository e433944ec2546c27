//! `ContactRepository` against a known voter file: under the Serve policy the party columns are never
//! read (every voter comes back with no party description and party `unknown`, on every channel), exports
//! stream every row in order, and totals counted from `district_facets` equal live counts.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use futures_util::StreamExt;
use winserve_adapters_postgres::test_support::{TestDatabase, filter_key};
use winserve_application::{
    ContactFilter, ContactRepository, ContactStats, ContactWindow, StoreError, VoterRepository,
};
use winserve_domain::{
    Address, AgeRange, District, Education, Ethnicity, Gender, Homeowner, L2Name, L2Type, Language,
    MaritalStatus, Mode, PartyGroup, PartyPolicy, SearchQuery, SegmentCriteria, StateCode, Voter,
    VoterId, VoterStatus, YesNo, YesUnknown,
};

const N: usize = 300;
const WARD: (&str, &str) = ("City_Ward", "CHEYENNE CITY WARD 1");
const COUNTY: (&str, &str) = ("County", "LARAMIE COUNTY");

const PARTIES: [(Option<&str>, PartyGroup); 6] = [
    (Some("Democratic"), PartyGroup::Democratic),
    (Some("Republican"), PartyGroup::Republican),
    (Some("Libertarian"), PartyGroup::Other),
    (Some("Green"), PartyGroup::Other),
    (None, PartyGroup::Unknown),
    (Some("Non-Partisan"), PartyGroup::Independent),
];
const LAST: [&str; 9] = [
    "Núñez",
    "Nunez",
    "Nowak",
    "Öberg",
    "Oakley",
    "de la Cruz",
    "Davis",
    "Ñandú",
    "Smith",
];
const FIRST: [&str; 6] = ["José", "Zoë", "Ann", "JOSE", "zoe", "Ángel"];
const AGES: [Option<i16>; 9] = [
    None,
    Some(18),
    Some(24),
    Some(25),
    Some(34),
    Some(35),
    Some(49),
    Some(50),
    Some(77),
];

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn pick<T: Copy>(i: usize, salt: u64, all: &[T]) -> T {
    all[(splitmix(i as u64 * 1_000 + salt) % all.len() as u64) as usize]
}

fn in_ward(i: usize) -> bool {
    i % 5 < 2
}

/// Voter `i` (seed 1 for the fixture; other seeds for extra voters).
fn voter(seed: u64, i: usize, districts: &[(&str, &str)]) -> Voter {
    let hi = splitmix((seed << 32) | i as u64);
    let (party_description, party) = pick(i, 1, &PARTIES);
    let has_address = pick(i, 7, &[true, true, true, false]);
    Voter {
        id: VoterId::from_uuid(uuid::Uuid::from_u128(
            (u128::from(hi) << 64) | u128::from(splitmix(hi)),
        )),
        lal_voter_id: format!("WY-{seed}-{i:06}"),
        state: StateCode::new("WY").unwrap(),
        first_name: (i % 50 != 7).then(|| pick(i, 20, &FIRST).to_owned()),
        middle_name: None,
        last_name: (i % 60 != 9).then(|| pick(i, 21, &LAST).to_owned()),
        name_suffix: None,
        age: pick(i, 2, &AGES),
        gender: pick(i, 3, Gender::ALL),
        party_description: party_description.map(str::to_owned),
        party,
        voter_status: pick(i, 4, VoterStatus::ALL),
        address: if has_address {
            Address {
                line1: Some(format!("{} Capitol Ave", 100 + i)),
                city: Some("Cheyenne".into()),
                state: Some("WY".into()),
                zip: Some("82001".into()),
            }
        } else {
            Address::default()
        },
        cell_phone: pick(i, 5, &[true, true, false])
            .then(|| format!("(307) 555-{:04}", 100 + i % 9000)),
        landline: pick(i, 6, &[true, false, false])
            .then(|| format!("(307) 634-{:04}", 100 + i % 9000)),
        marital_status: pick(i, 9, MaritalStatus::ALL),
        has_children: pick(i, 10, YesNo::ALL),
        veteran: pick(i, 11, YesUnknown::ALL),
        homeowner: pick(i, 12, Homeowner::ALL),
        business_owner: pick(i, 13, YesUnknown::ALL),
        education: pick(i, 14, Education::ALL),
        ethnicity: pick(i, 15, Ethnicity::ALL),
        language: pick(i, 16, Language::ALL),
        estimated_income: pick(i, 17, &[None, Some(20_000), Some(60_000), Some(250_000)]),
        districts: districts
            .iter()
            .map(|(t, n)| (L2Type::new(t).unwrap(), L2Name::new(n).unwrap()))
            .collect(),
    }
}

fn fixture() -> Vec<Voter> {
    (0..N)
        .map(|i| {
            if in_ward(i) {
                voter(1, i, &[WARD, COUNTY])
            } else {
                voter(1, i, &[COUNTY])
            }
        })
        .collect()
}

/// `voters` after an import of `changed`: each voter replaced by its changed row, if any.
fn imported_over(voters: &[Voter], changed: &[Voter]) -> Vec<Voter> {
    voters
        .iter()
        .map(|v| {
            changed
                .iter()
                .find(|c| c.lal_voter_id == v.lal_voter_id)
                .unwrap_or(v)
                .clone()
        })
        .collect()
}

fn order_key(v: &Voter) -> (String, String, uuid::Uuid) {
    (v.last_name_key(), v.first_name_key(), v.id.as_uuid())
}

fn sorted<'a>(voters: impl IntoIterator<Item = &'a Voter>) -> Vec<&'a Voter> {
    let mut v: Vec<&Voter> = voters.into_iter().collect();
    v.sort_by_key(|v| order_key(v));
    v
}

/// The voter as a policy that hides party sees it: no description, party unknown, no districts.
fn hidden(v: &Voter) -> Voter {
    Voter {
        party_description: None,
        party: PartyGroup::Unknown,
        districts: Vec::new(),
        ..v.clone()
    }
}

fn shown(v: &Voter) -> Voter {
    Voter {
        districts: Vec::new(),
        ..v.clone()
    }
}

fn serve() -> PartyPolicy {
    PartyPolicy::for_mode(Mode::Serve)
}

fn win() -> PartyPolicy {
    PartyPolicy::for_mode(Mode::Win)
}

fn filter(district: &District, criteria: SegmentCriteria, policy: PartyPolicy) -> ContactFilter {
    ContactFilter {
        district: district.clone(),
        criteria,
        search: None,
        policy,
    }
}

async fn list_by_cursor(
    store: &winserve_adapters_postgres::PgStore,
    f: &ContactFilter,
    per_page: u32,
) -> (u64, Vec<Voter>) {
    let mut all = Vec::new();
    let mut cursor = None;
    let mut total = None;
    loop {
        let page = store
            .list(f, &ContactWindow::After { cursor, per_page })
            .await
            .unwrap();
        assert!(page.contacts.len() <= per_page as usize);
        if let Some(t) = total {
            assert_eq!(t, page.total, "the total moved");
        }
        total = Some(page.total);
        all.extend(page.contacts);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return (total.unwrap(), all),
        }
    }
}

async fn export_all(store: &winserve_adapters_postgres::PgStore, f: &ContactFilter) -> Vec<Voter> {
    store
        .export(f)
        .await
        .unwrap()
        .map(Result::unwrap)
        .collect()
        .await
}

fn matches(v: &Voter, c: &SegmentCriteria) -> bool {
    fn any<T: PartialEq>(list: &Option<Vec<T>>, value: &T) -> bool {
        list.as_ref().is_none_or(|l| l.contains(value))
    }
    let flag = |want: Option<bool>, have: bool| want.is_none_or(|w| w == have);
    any(&c.voter_status, &v.voter_status)
        && any(&c.party, &v.party)
        && any(&c.age_ranges, &AgeRange::from_age(v.age))
        && any(&c.gender, &v.gender)
        && flag(c.has_cell_phone, v.cell_phone.is_some())
        && flag(c.has_landline, v.landline.is_some())
        && flag(c.has_address, v.address.line1.is_some())
        && any(&c.languages, &v.language)
        && any(&c.education, &v.education)
}

fn bucket_counts(stats: &ContactStats) -> Vec<(String, u64)> {
    let mut all = Vec::new();
    for (name, buckets) in [
        ("age", &stats.age),
        ("gender", &stats.gender),
        ("status", &stats.voter_status),
    ] {
        for b in buckets {
            all.push((format!("{name}:{}", b.label), b.count));
        }
    }
    if let Some(party) = &stats.party {
        for b in party {
            all.push((format!("party:{}", b.label), b.count));
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_serve_policy_never_reads_party_on_any_channel() {
    let (db, store) = setup().await;
    let voters = fixture();
    store.upsert_voters(&voters).await.unwrap();
    let ward = district(&store, "WY", WARD.0, WARD.1).await;
    let ward_voters = sorted(
        voters
            .iter()
            .enumerate()
            .filter(|(i, _)| in_ward(*i))
            .map(|(_, v)| v),
    );
    assert_eq!(ward_voters.len(), 120);

    for criteria in [
        SegmentCriteria::default(),
        // Hot (facets) and live (voters' columns) paths.
        SegmentCriteria {
            has_cell_phone: Some(true),
            ..Default::default()
        },
        SegmentCriteria {
            gender: Some(vec![Gender::Female, Gender::Unknown]),
            ..Default::default()
        },
    ] {
        let expected: Vec<&Voter> = ward_voters
            .iter()
            .copied()
            .filter(|v| matches(v, &criteria))
            .collect();
        let f = filter(&ward, criteria.clone(), serve());
        // list, by cursor and by page.
        let (total, listed) = list_by_cursor(&store, &f, 17).await;
        assert_eq!(total as usize, expected.len());
        assert_eq!(
            listed,
            expected.iter().map(|v| hidden(v)).collect::<Vec<_>>()
        );
        let page = store
            .list(
                &f,
                &ContactWindow::Page {
                    page: 2,
                    per_page: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            page.contacts,
            expected[10..20]
                .iter()
                .map(|v| hidden(v))
                .collect::<Vec<_>>()
        );
        // count, export, stats.
        assert_eq!(store.count(&f).await.unwrap() as usize, expected.len());
        let exported = export_all(&store, &f).await;
        assert_eq!(exported, listed);
        let stats = store.stats(&f).await.unwrap();
        assert_eq!(stats.party, None, "no party breakdown in Serve");
        assert_eq!(stats.total as usize, expected.len());

        // The same through the Win policy: the party is there (the check above is not vacuous).
        let f = filter(&ward, criteria, win());
        let (_, listed) = list_by_cursor(&store, &f, 17).await;
        assert_eq!(
            listed,
            expected.iter().map(|v| shown(v)).collect::<Vec<_>>()
        );
        assert!(
            listed
                .iter()
                .any(|v| v.party_description.as_deref() == Some("Libertarian"))
        );
        assert_eq!(export_all(&store, &f).await, listed);
        let stats = store.stats(&f).await.unwrap();
        let party = stats.party.unwrap();
        let dem = party
            .iter()
            .find(|b| b.label == "democratic")
            .unwrap()
            .count;
        assert_eq!(
            dem as usize,
            expected
                .iter()
                .filter(|v| v.party == PartyGroup::Democratic)
                .count()
        );
    }

    // A search (live path) and find.
    let mut f = filter(&ward, SegmentCriteria::default(), serve());
    f.search = SearchQuery::parse("NÚÑEZ").unwrap();
    let (_, found) = list_by_cursor(&store, &f, 100).await;
    let expected: Vec<Voter> = ward_voters
        .iter()
        .filter(|v| v.last_name_key() == "nunez" || v.first_name_key() == "nunez")
        .map(|v| hidden(v))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(found, expected);
    for v in ward_voters.iter().take(25) {
        assert_eq!(
            store.find(&ward, serve(), v.id).await.unwrap(),
            Some(hidden(v))
        );
        assert_eq!(
            store.find(&ward, win(), v.id).await.unwrap(),
            Some(shown(v))
        );
    }
    // Outside the district, and nowhere.
    let outsider = &voters[2];
    assert!(!in_ward(2));
    assert_eq!(store.find(&ward, serve(), outsider.id).await.unwrap(), None);
    assert_eq!(
        store
            .find(&ward, serve(), VoterId::generate())
            .await
            .unwrap(),
        None
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_party_criterion_never_reaches_the_database_under_the_serve_policy() {
    let (db, store) = setup().await;
    store.upsert_voters(&fixture()).await.unwrap();
    let ward = district(&store, "WY", WARD.0, WARD.1).await;
    let f = filter(
        &ward,
        SegmentCriteria {
            party: Some(vec![PartyGroup::Democratic]),
            ..Default::default()
        },
        serve(),
    );
    let refused = |r: Result<(), StoreError>| {
        assert!(matches!(r, Err(StoreError::Internal { .. })), "{r:?}");
    };
    refused(store.count(&f).await.map(|_| ()));
    refused(store.stats(&f).await.map(|_| ()));
    refused(
        store
            .list(
                &f,
                &ContactWindow::Page {
                    page: 1,
                    per_page: 10,
                },
            )
            .await
            .map(|_| ()),
    );
    refused(store.export(&f).await.map(|_| ()));
    // The same filter under Win counts.
    let f = ContactFilter { policy: win(), ..f };
    let expected = fixture()
        .iter()
        .enumerate()
        .filter(|(i, v)| in_ward(*i) && v.party == PartyGroup::Democratic)
        .count();
    assert_eq!(store.count(&f).await.unwrap() as usize, expected);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exports_stream_every_row_in_order() {
    let (db, store) = setup().await;
    let mut voters = fixture();
    // Enough rows to cross the adapter's channel and the API's chunking several times.
    voters.extend((0..2_000).map(|i| voter(2, i, &[COUNTY])));
    store.upsert_voters(&voters).await.unwrap();
    let county = district(&store, "WY", COUNTY.0, COUNTY.1).await;
    let expected: Vec<Voter> = sorted(&voters).into_iter().map(hidden).collect();
    let f = filter(&county, SegmentCriteria::default(), serve());
    let exported = export_all(&store, &f).await;
    assert_eq!(exported.len(), 2_300);
    assert_eq!(exported, expected);
    // A reader that stops early releases its connection: many abandoned exports, then more queries.
    for _ in 0..20 {
        let first: Vec<_> = store.export(&f).await.unwrap().take(3).collect().await;
        assert_eq!(first.len(), 3);
    }
    assert_eq!(store.count(&f).await.unwrap(), 2_300);
    let f = filter(
        &county,
        SegmentCriteria {
            has_landline: Some(true),
            education: Some(vec![Education::College, Education::Unknown]),
            ..Default::default()
        },
        win(),
    );
    let exported = export_all(&store, &f).await;
    let expected: Vec<Voter> = sorted(voters.iter().filter(|v| matches(v, &f.criteria)))
        .into_iter()
        .map(shown)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(exported, expected);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn totals_from_the_facets_equal_live_counts() {
    let (db, store) = setup().await;
    let voters = fixture();
    store.upsert_voters(&voters).await.unwrap();
    // Re-import a third of them with changed hot attributes: the facets must follow.
    let changed: Vec<Voter> = voters
        .iter()
        .step_by(3)
        .map(|v| {
            let mut v = v.clone();
            v.voter_status = VoterStatus::Super;
            v.cell_phone = None;
            v.age = Some(19);
            v
        })
        .collect();
    store.upsert_voters(&changed).await.unwrap();
    let mut current = voters.clone();
    for c in &changed {
        let slot = current
            .iter_mut()
            .find(|v| v.lal_voter_id == c.lal_voter_id)
            .unwrap();
        *slot = c.clone();
    }
    let ward = district(&store, "WY", WARD.0, WARD.1).await;
    let county = district(&store, "WY", COUNTY.0, COUNTY.1).await;
    let all_genders = Some(Gender::ALL.to_vec());
    let hot: Vec<(SegmentCriteria, PartyPolicy)> = vec![
        (SegmentCriteria::default(), serve()),
        (
            SegmentCriteria {
                voter_status: Some(vec![VoterStatus::Super, VoterStatus::Unknown]),
                ..Default::default()
            },
            serve(),
        ),
        (
            SegmentCriteria {
                age_ranges: Some(vec![AgeRange::From18To24, AgeRange::Unknown]),
                has_address: Some(true),
                ..Default::default()
            },
            serve(),
        ),
        (
            SegmentCriteria {
                has_cell_phone: Some(false),
                has_landline: Some(true),
                ..Default::default()
            },
            serve(),
        ),
        (
            SegmentCriteria {
                party: Some(vec![PartyGroup::Democratic, PartyGroup::Other]),
                age_ranges: Some(vec![AgeRange::From50, AgeRange::From35To49]),
                ..Default::default()
            },
            win(),
        ),
        (
            SegmentCriteria {
                party: Some(vec![PartyGroup::Unknown]),
                voter_status: Some(vec![VoterStatus::Likely, VoterStatus::FirstTime]),
                has_cell_phone: Some(true),
                ..Default::default()
            },
            win(),
        ),
    ];
    for (d, members) in [
        (
            &ward,
            current
                .iter()
                .enumerate()
                .filter(|(i, _)| in_ward(*i))
                .map(|(_, v)| v)
                .collect::<Vec<_>>(),
        ),
        (&county, current.iter().collect::<Vec<_>>()),
    ] {
        for (criteria, policy) in &hot {
            let expected = members.iter().filter(|v| matches(v, criteria)).count() as u64;
            let facets = filter(d, criteria.clone(), *policy);
            let live = filter(
                d,
                SegmentCriteria {
                    gender: all_genders.clone(),
                    ..criteria.clone()
                },
                *policy,
            );
            assert_eq!(
                store.count(&facets).await.unwrap(),
                expected,
                "{criteria:?}"
            );
            assert_eq!(
                store.count(&live).await.unwrap(),
                expected,
                "{criteria:?} (live)"
            );
            let (a, b) = (
                store.stats(&facets).await.unwrap(),
                store.stats(&live).await.unwrap(),
            );
            assert_eq!(a.total, expected);
            assert_eq!(
                a, b,
                "stats from the facets and live differ for {criteria:?}"
            );
            assert_eq!(
                a.with_cell_phone,
                members
                    .iter()
                    .filter(|v| matches(v, criteria) && v.cell_phone.is_some())
                    .count() as u64
            );
            assert!(bucket_counts(&a).iter().all(|(_, n)| *n <= expected));
            let page = store
                .list(
                    &facets,
                    &ContactWindow::Page {
                        page: 1,
                        per_page: 1,
                    },
                )
                .await
                .unwrap();
            assert_eq!(page.total, expected);
        }
    }
    db.cleanup().await;
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Remembered {
    #[diesel(sql_type = diesel::sql_types::Text)]
    filter_key: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    data_version: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    voters: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    current: i64,
}

/// What `filter_counts` holds for the district, with the state's current data version: the total of the
/// filter with attribute criteria, and that of the one without (a `filter_key` ends with its masks).
async fn remembered(db: &TestDatabase, d: &District) -> (Option<Remembered>, Option<Remembered>) {
    use diesel_async::RunQueryDsl;
    let mut conn = raw(db).await;
    let rows: Vec<Remembered> = diesel::sql_query(
        "SELECT c.filter_key, c.data_version, c.voters, \
         coalesce((SELECT version FROM voter_data_versions WHERE state = 'WY'), 0) AS current \
         FROM filter_counts c WHERE c.district_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(d.id.as_uuid())
    .load(&mut conn)
    .await
    .unwrap();
    assert!(rows.len() <= 2, "{rows:?}");
    let (hot, other): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| r.filter_key.ends_with("attributes="));
    (other.into_iter().next(), hot.into_iter().next())
}

/// Totals are remembered per data version (ADR 0016): reused while the state's voter data is unchanged,
/// counted anew after any change, and never replaced by an older count — for a filter over other
/// criteria (counted live) as for one over hot columns (summed from the facets).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn remembered_totals_are_reused_only_for_the_data_they_were_counted_from() {
    let (db, store) = setup().await;
    let voters = fixture();
    store.upsert_voters(&voters).await.unwrap();
    let county = district(&store, "WY", COUNTY.0, COUNTY.1).await;
    let criteria = SegmentCriteria {
        education: Some(vec![Education::College, Education::Graduate]),
        voter_status: Some(vec![VoterStatus::Super, VoterStatus::Likely]),
        ..Default::default()
    };
    let other = filter(&county, criteria.clone(), serve());
    let hot_criteria = SegmentCriteria {
        voter_status: Some(vec![VoterStatus::Super]),
        ..Default::default()
    };
    let hot = filter(&county, hot_criteria.clone(), serve());
    let expected = |voters: &[Voter], c: &SegmentCriteria| {
        voters.iter().filter(|v| matches(v, c)).count() as i64
    };
    assert!(expected(&voters, &criteria) > 0);

    // Counted, then remembered at the current version.
    assert_eq!(
        store.count(&other).await.unwrap() as i64,
        expected(&voters, &criteria)
    );
    assert_eq!(
        store.count(&hot).await.unwrap() as i64,
        expected(&voters, &hot_criteria)
    );
    let (Some(a), Some(b)) = remembered(&db, &county).await else {
        panic!("both totals remembered");
    };
    assert!(a.current > 0);
    assert_eq!(
        (a.voters, a.data_version),
        (expected(&voters, &criteria), a.current)
    );
    assert_eq!(
        (b.voters, b.data_version),
        (expected(&voters, &hot_criteria), b.current)
    );

    // Reused: a remembered total that is wrong on purpose shows through every channel that counts.
    let mut conn = raw(&db).await;
    exec(&mut conn, "UPDATE filter_counts SET voters = 9999")
        .await
        .unwrap();
    let first = ContactWindow::Page {
        page: 1,
        per_page: 5,
    };
    let past_the_end = ContactWindow::Page {
        page: 1000,
        per_page: 5,
    };
    for f in [&other, &hot] {
        assert_eq!(store.count(f).await.unwrap(), 9999);
        assert_eq!(store.list(f, &first).await.unwrap().total, 9999);
        assert_eq!(store.list(f, &past_the_end).await.unwrap().total, 9999);
    }

    // Any change to the state's voters bumps the version: the totals are counted anew, and remembered.
    let changed: Vec<Voter> = voters
        .iter()
        .step_by(4)
        .map(|v| Voter {
            education: Education::Graduate,
            voter_status: VoterStatus::Super,
            ..v.clone()
        })
        .collect();
    store.upsert_voters(&changed).await.unwrap();
    let now = imported_over(&voters, &changed);
    assert_ne!(expected(&now, &criteria), expected(&voters, &criteria));
    assert_ne!(
        expected(&now, &hot_criteria),
        expected(&voters, &hot_criteria)
    );
    assert_eq!(
        store.list(&other, &first).await.unwrap().total as i64,
        expected(&now, &criteria)
    );
    assert_eq!(
        store.list(&hot, &first).await.unwrap().total as i64,
        expected(&now, &hot_criteria)
    );
    let (Some(a), Some(b)) = remembered(&db, &county).await else {
        panic!("both totals remembered");
    };
    assert_eq!(
        (a.voters, a.data_version),
        (expected(&now, &criteria), a.current)
    );
    assert_eq!(
        (b.voters, b.data_version),
        (expected(&now, &hot_criteria), b.current)
    );

    // A count that finishes after a later version was remembered (its snapshot predates an import)
    // never replaces it; the request still gets its own exact total.
    exec(
        &mut conn,
        "UPDATE filter_counts SET data_version = data_version + 5, voters = 777",
    )
    .await
    .unwrap();
    assert_eq!(
        store.count(&other).await.unwrap() as i64,
        expected(&now, &criteria)
    );
    assert_eq!(
        store.count(&hot).await.unwrap() as i64,
        expected(&now, &hot_criteria)
    );
    let (Some(a), Some(b)) = remembered(&db, &county).await else {
        panic!("both totals remembered");
    };
    assert_eq!((a.voters, a.data_version), (777, a.current + 5));
    assert_eq!((b.voters, b.data_version), (777, b.current + 5));
    db.cleanup().await;
}

/// `(district, filter key, data version)` of every remembered total, sorted.
async fn remembered_rows(db: &TestDatabase) -> Vec<(uuid::Uuid, String, i64)> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        district_id: uuid::Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        filter_key: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        data_version: i64,
    }
    use diesel_async::RunQueryDsl;
    let mut conn = raw(db).await;
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT district_id, filter_key, data_version FROM filter_counts ORDER BY 1, 2",
    )
    .load(&mut conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|r| (r.district_id, r.filter_key, r.data_version))
        .collect()
}

/// The current data version of `state`.
async fn data_version(db: &TestDatabase, state: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        version: i64,
    }
    use diesel_async::RunQueryDsl;
    let mut conn = raw(db).await;
    let rows: Vec<Version> =
        diesel::sql_query("SELECT version FROM voter_data_versions WHERE state = $1")
            .bind::<diesel::sql_types::Text, _>(state)
            .load(&mut conn)
            .await
            .unwrap();
    rows.into_iter().next().map_or(0, |r| r.version)
}

/// A committed import forgets the totals remembered for its states at an older version of their data
/// (they can never be read again); the totals of other states, and one at a version that is not older,
/// stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_import_forgets_the_totals_it_superseded() {
    let (db, store) = setup().await;
    let voters = fixture();
    let elsewhere = Voter {
        lal_voter_id: "CO-1".into(),
        state: StateCode::new("CO").unwrap(),
        districts: Vec::new(),
        ..voter(2, 1, &[])
    };
    let mut all = voters.clone();
    all.push(elsewhere);
    store.upsert_voters(&all).await.unwrap();
    let county = district(&store, "WY", COUNTY.0, COUNTY.1).await;
    let hot = filter(
        &county,
        SegmentCriteria {
            voter_status: Some(vec![VoterStatus::Super]),
            ..Default::default()
        },
        serve(),
    );
    store.count(&hot).await.unwrap();
    let before = data_version(&db, "WY").await;
    let remembered_before = remembered_rows(&db).await;
    assert_eq!(remembered_before.len(), 1, "{remembered_before:?}");
    assert_eq!(remembered_before[0].2, before);

    // A total of the other state at an old version, and one of this state at a later version (a count
    // whose snapshot was newer, as far as the import can tell).
    let mut conn = raw(&db).await;
    exec(
        &mut conn,
        "INSERT INTO filter_counts (district_id, filter_key, data_version, voters)
         SELECT id, 'elsewhere', 0, 1 FROM districts WHERE state = 'CO'",
    )
    .await
    .unwrap();
    exec(
        &mut conn,
        &format!(
            "INSERT INTO filter_counts (district_id, filter_key, data_version, voters)
             VALUES ('{}', 'later', {}, 2)",
            county.id.as_uuid(),
            before + 100
        ),
    )
    .await
    .unwrap();
    let elsewhere_rows: Vec<_> = remembered_rows(&db)
        .await
        .into_iter()
        .filter(|r| r.1 == "elsewhere")
        .collect();
    assert!(!elsewhere_rows.is_empty());

    // An import of WY alone.
    let changed: Vec<Voter> = voters
        .iter()
        .step_by(3)
        .map(|v| Voter {
            voter_status: VoterStatus::Super,
            ..v.clone()
        })
        .collect();
    store.upsert_voters(&changed).await.unwrap();
    assert!(data_version(&db, "WY").await > before);

    let mut expected = elsewhere_rows;
    expected.push((county.id.as_uuid(), "later".into(), before + 100));
    expected.sort();
    assert_eq!(remembered_rows(&db).await, expected);

    // Counted anew, and remembered at the new version.
    assert_eq!(
        store.count(&hot).await.unwrap() as usize,
        voters
            .iter()
            .filter(|v| {
                v.voter_status == VoterStatus::Super
                    || changed.iter().any(|c| c.lal_voter_id == v.lal_voter_id)
            })
            .count()
    );
    let now = data_version(&db, "WY").await;
    assert!(
        remembered_rows(&db)
            .await
            .iter()
            .any(|r| r.0 == county.id.as_uuid() && r.1 != "later" && r.2 == now)
    );
    db.cleanup().await;
}

/// `(filter key, position, voter id)` of the page anchors remembered for the district, sorted.
async fn anchors(db: &TestDatabase, d: &District) -> Vec<(String, i64, uuid::Uuid)> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        filter_key: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        position: i64,
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        voter_id: uuid::Uuid,
    }
    use diesel_async::RunQueryDsl;
    let mut conn = raw(db).await;
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT filter_key, position, voter_id FROM page_anchors WHERE district_id = $1 ORDER BY 1, 2",
    )
    .bind::<diesel::sql_types::Uuid, _>(d.id.as_uuid())
    .load(&mut conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|r| (r.filter_key, r.position, r.voter_id))
        .collect()
}

/// Every page by number of `f`, `per_page` at a time, until past the end; each page checked against
/// `expected` (the filter's contacts in order) and the total.
async fn check_every_page(
    store: &winserve_adapters_postgres::PgStore,
    f: &ContactFilter,
    expected: &[Voter],
    per_page: u32,
) {
    let pages = expected.len().div_ceil(per_page as usize) as u32;
    for page in 1..=pages + 1 {
        let found = store
            .list(f, &ContactWindow::Page { page, per_page })
            .await
            .unwrap();
        let from = ((page - 1) * per_page) as usize;
        let want: Vec<Voter> = expected
            .iter()
            .skip(from)
            .take(per_page as usize)
            .cloned()
            .collect();
        assert_eq!(found.contacts, want, "page {page} of {per_page}");
        assert_eq!(found.total as usize, expected.len(), "total of page {page}");
    }
}

/// Deep pages by number start after the nearest page anchor (ADR 0018): every page equals the filter's
/// contacts at its offset, for filters over no, hot and other criteria, and each deep page leaves an
/// anchor (the key of the contact before it); an anchor is used (a wrong one shows through) only while its
/// data version is current, and an import forgets them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deep_pages_start_after_page_anchors_of_the_current_data() {
    let (db, store) = setup().await;
    let store = store.with_page_anchors_from(20);
    let voters = fixture();
    store.upsert_voters(&voters).await.unwrap();
    let county = district(&store, "WY", COUNTY.0, COUNTY.1).await;
    let criteria = [
        SegmentCriteria::default(),
        SegmentCriteria {
            voter_status: Some(vec![VoterStatus::Super, VoterStatus::Likely]),
            ..Default::default()
        },
        SegmentCriteria {
            education: Some(vec![Education::College, Education::Graduate]),
            ..Default::default()
        },
    ];
    let expected_for = |voters: &[Voter], c: &SegmentCriteria| -> Vec<Voter> {
        sorted(voters.iter().filter(|v| matches(v, c)))
            .into_iter()
            .map(hidden)
            .collect()
    };
    // Every anchor of every filter is the contact at its position (1-based) of that filter.
    let check_anchors = |remembered: &[(String, i64, uuid::Uuid)], voters: &[Voter]| {
        assert!(!remembered.is_empty());
        for c in &criteria {
            let key = filter_key(c);
            let expected = expected_for(voters, c);
            for (_, position, voter) in remembered.iter().filter(|a| a.0 == key) {
                assert!(*position >= 20);
                assert_eq!(*voter, expected[*position as usize - 1].id.as_uuid());
            }
        }
    };
    for c in &criteria {
        let f = filter(&county, c.clone(), serve());
        let expected = expected_for(&voters, c);
        assert!(expected.len() > 40, "{} contacts", expected.len());
        // Twice: the first pass leaves the anchors, the second starts from them; then another page size,
        // whose pages start after the nearest anchor of the first.
        check_every_page(&store, &f, &expected, 7).await;
        check_every_page(&store, &f, &expected, 7).await;
        check_every_page(&store, &f, &expected, 13).await;
    }
    let remembered = anchors(&db, &county).await;
    assert!(remembered.iter().any(|a| a.1 == 21) && remembered.iter().any(|a| a.1 == 26));
    check_anchors(&remembered, &voters);

    // A wrong anchor shows through, so anchors are really used…
    let f = filter(&county, SegmentCriteria::default(), serve());
    let plain = expected_for(&voters, &criteria[0]);
    let deep = ContactWindow::Page {
        page: 5,
        per_page: 5,
    };
    assert_eq!(
        store.list(&f, &deep).await.unwrap().contacts,
        plain[20..25].to_vec()
    );
    let unfiltered = filter_key(&SegmentCriteria::default());
    assert!(anchors(&db, &county).await.contains(&(
        unfiltered.clone(),
        20,
        plain[19].id.as_uuid()
    )));
    let mut conn = raw(&db).await;
    exec(
        &mut conn,
        &format!(
            "UPDATE page_anchors SET last_name_key = '{}', first_name_key = '{}', voter_id = '{}' \
             WHERE position = 20",
            plain[0].last_name_key(),
            plain[0].first_name_key(),
            plain[0].id.as_uuid()
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        store.list(&f, &deep).await.unwrap().contacts,
        plain[1..6].to_vec()
    );

    // …but only at their data version: after an import the pages are right again, the old anchors are
    // forgotten, and new ones are remembered.
    let changed: Vec<Voter> = voters
        .iter()
        .step_by(6)
        .map(|v| Voter {
            last_name: Some(format!("Zz{}", v.lal_voter_id)),
            ..v.clone()
        })
        .collect();
    store.upsert_voters(&changed).await.unwrap();
    assert!(anchors(&db, &county).await.is_empty());
    // A wrong anchor of the old version (as a request that read the old data could still write) is
    // never used.
    exec(
        &mut conn,
        &format!(
            "INSERT INTO page_anchors (district_id, filter_key, position, data_version, last_name_key, \
             first_name_key, voter_id) SELECT '{}', '{unfiltered}', 20, version - 1, '', '', '{}' \
             FROM voter_data_versions WHERE state = 'WY'",
            county.id.as_uuid(),
            plain[0].id.as_uuid(),
        ),
    )
    .await
    .unwrap();
    let now = imported_over(&voters, &changed);
    for c in &criteria {
        let f = filter(&county, c.clone(), serve());
        let expected = expected_for(&now, c);
        check_every_page(&store, &f, &expected, 7).await;
        check_every_page(&store, &f, &expected, 7).await;
    }
    let remembered: Vec<_> = anchors(&db, &county)
        .await
        .into_iter()
        .filter(|a| !(a.0 == unfiltered && a.1 == 20))
        .collect();
    check_anchors(&remembered, &now);
    db.cleanup().await;
}

/// Every page of `f` by cursor (7 at a time) and the first pages by number, from `store`.
async fn search_answer(
    store: &winserve_adapters_postgres::PgStore,
    f: &ContactFilter,
) -> (u64, Vec<uuid::Uuid>, Vec<uuid::Uuid>) {
    let (total, walked) = list_by_cursor(store, f, 7).await;
    let mut numbered = Vec::new();
    for page in 1..=3 {
        let p = store
            .list(f, &ContactWindow::Page { page, per_page: 5 })
            .await
            .unwrap();
        assert_eq!(p.total, total, "page {page} total");
        numbered.extend(p.contacts.iter().map(|v| v.id.as_uuid()));
    }
    (
        total,
        walked.iter().map(|v| v.id.as_uuid()).collect(),
        numbered,
    )
}

/// The in-memory index (ADR 0023) answers every search, alone or with criteria, exactly as the SQL
/// search does — before and after imports that rename voters, change only their phones, add and remove
/// members — and it is really used (it holds memory once a search ran).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn searches_from_the_index_equal_the_sql_searches_across_imports() {
    use winserve_adapters_postgres::{SearchIndexBuild, SearchIndexSettings};
    let (db, store) = setup().await;
    let indexed = store.clone().with_search_index(SearchIndexSettings {
        budget_bytes: 16 << 20,
        build: SearchIndexBuild::Inline,
    });
    let mut voters = fixture();
    store.upsert_voters(&voters).await.unwrap();
    let ward = district(&store, "WY", WARD.0, WARD.1).await;
    let county = district(&store, "WY", COUNTY.0, COUNTY.1).await;
    let queries = [
        "n",
        "nu",
        "nunez",
        "smith",
        "ann",
        "jo",
        "de la",
        "555",
        "555-01",
        "3075550",
        "0105",
        "634",
        "oakley zoe",
        "zzz",
    ];
    let criteria = [
        SegmentCriteria::default(),
        SegmentCriteria {
            has_cell_phone: Some(true),
            voter_status: Some(vec![VoterStatus::Super, VoterStatus::Likely]),
            ..SegmentCriteria::default()
        },
        SegmentCriteria {
            education: Some(vec![Education::College, Education::Graduate]),
            age_ranges: Some(vec![AgeRange::From50]),
            ..SegmentCriteria::default()
        },
        SegmentCriteria {
            party: Some(vec![PartyGroup::Democratic]),
            ..SegmentCriteria::default()
        },
    ];
    let compare = async |label: &str| {
        let mut found = 0;
        for d in [&ward, &county] {
            for q in queries {
                for c in &criteria {
                    let policy = if c.party.is_some() { win() } else { serve() };
                    let f = ContactFilter {
                        search: SearchQuery::parse(q).unwrap(),
                        ..filter(d, c.clone(), policy)
                    };
                    let sql = search_answer(&store, &f).await;
                    let mem = search_answer(&indexed, &f).await;
                    assert_eq!(mem, sql, "{label}: {q:?} with {c:?} in {}", d.l2_name);
                    assert_eq!(
                        indexed.count(&f).await.unwrap(),
                        sql.0,
                        "{label}: count {q:?}"
                    );
                    found += sql.0;
                }
            }
        }
        assert!(found > 100, "{label}: the queries find contacts ({found})");
    };
    compare("first import").await;
    let (ready, bytes) = indexed.search_index_usage();
    assert_eq!(ready, 2, "one index per district searched");
    assert!(bytes > 1000, "{bytes}");
    let version = data_version(&db, "WY").await;

    // Renamed voters, a new phone alone (no membership changes), a voter gone from the ward.
    let mut changed: Vec<Voter> = Vec::new();
    for (i, v) in voters
        .iter()
        .enumerate()
        .filter(|(i, _)| in_ward(*i))
        .take(6)
    {
        let mut c = v.clone();
        match i % 3 {
            0 => c.last_name = Some("Zebediah".into()),
            1 => c.cell_phone = Some("(555) 010-9999".into()),
            _ => c.districts.retain(|(t, _)| t.as_str() == COUNTY.0),
        }
        changed.push(c);
    }
    store.upsert_voters(&changed).await.unwrap();
    voters = imported_over(&voters, &changed);
    assert!(data_version(&db, "WY").await > version);
    compare("after the re-import").await;
    for (q, want) in [("zebediah", 2), ("5550109999", 2)] {
        let f = ContactFilter {
            search: SearchQuery::parse(q).unwrap(),
            ..filter(&county, SegmentCriteria::default(), serve())
        };
        let expected = voters
            .iter()
            .filter(|v| {
                winserve_domain::search::search_document(v).contains(&format!(
                    " {}",
                    if q.starts_with('5') {
                        "#p5550109999"
                    } else {
                        q
                    }
                ))
            })
            .count();
        assert_eq!(expected, want, "{q}");
        assert_eq!(
            indexed.count(&f).await.unwrap(),
            want as u64,
            "{q} from the index"
        );
    }

    // An import that changes one voter's phone and nothing of its memberships still moves the data
    // version, so the index does not answer from the old documents.
    let phone = SearchQuery::parse("555-777-1234").unwrap();
    let f = ContactFilter {
        search: phone,
        ..filter(&county, SegmentCriteria::default(), serve())
    };
    assert_eq!(indexed.count(&f).await.unwrap(), 0);
    let mut one = voters[0].clone();
    one.cell_phone = Some("(555) 777-1234".into());
    let before = data_version(&db, "WY").await;
    store.upsert_voters(&[one]).await.unwrap();
    assert!(
        data_version(&db, "WY").await > before,
        "a phone change moves the version"
    );
    // The first answer comes from SQL (the index is stale), the next from the rebuilt index.
    assert_eq!(indexed.count(&f).await.unwrap(), 1);
    assert_eq!(indexed.count(&f).await.unwrap(), 1);
    db.cleanup().await;
}
