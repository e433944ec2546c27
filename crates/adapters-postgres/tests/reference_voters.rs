//! Positions, districts and voters.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Text};
use diesel_async::RunQueryDsl;
use winserve_application::{NewPosition, PageRequest, ReferenceRepository, VoterRepository};
use winserve_domain::{
    Address, AgeRange, BallotReadyId, DistrictId, Education, Ethnicity, Gender, Homeowner, L2Name,
    L2Type, Language, MaritalStatus, PartyGroup, PositionLevel, StateCode, Voter, VoterId,
    VoterStatus, YesNo, YesUnknown,
};

fn page(page: u32, per_page: u32) -> PageRequest {
    PageRequest { page, per_page }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn districts_and_positions_are_upserted_found_and_searched() {
    let (db, store) = setup().await;
    // Idempotent and safe under concurrency: one district per natural key.
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                district(&store, "WY", "City_Ward", "CHEYENNE CITY WARD 1").await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
    let ward1 = store.find_district(ids[0]).await.unwrap().unwrap();
    assert_eq!(ward1.l2_name.as_str(), "CHEYENNE CITY WARD 1");
    assert_eq!(
        store.find_district(DistrictId::generate()).await.unwrap(),
        None
    );
    let ward2 = district(&store, "WY", "City_Ward", "CHEYENNE CITY WARD 2").await;
    let county = district(&store, "WY", "County", "LARAMIE").await;
    let co = district(&store, "CO", "City_Ward", "DENVER WARD 100%").await;

    let mut new = NewPosition {
        ballotready_position_id: BallotReadyId::new("pos-x").unwrap(),
        name: "Cheyenne City Council".into(),
        state: StateCode::new("WY").unwrap(),
        level: PositionLevel::City,
        district_id: Some(ward1.id),
    };
    let created = store.upsert_position(&new).await.unwrap();
    assert_eq!(created.district, Some(ward1.clone()));
    new.name = "Cheyenne City Council - Ward 2".into();
    new.district_id = Some(ward2.id);
    new.level = PositionLevel::Local;
    let updated = store.upsert_position(&new).await.unwrap();
    assert_eq!(updated.name, "Cheyenne City Council - Ward 2");
    assert_eq!(updated.level, PositionLevel::Local);
    assert_eq!(updated.district, Some(ward2.clone()));
    assert_eq!(
        store
            .find_position(&new.ballotready_position_id)
            .await
            .unwrap(),
        Some(updated.clone())
    );
    assert_eq!(
        store
            .find_position(&BallotReadyId::new("nope").unwrap())
            .await
            .unwrap(),
        None
    );
    let mayor = position(&store, "pos-mayor", "Mayor of Cheyenne", None).await;
    assert_eq!(mayor.district, None);
    let denver = position(&store, "pos-denver", "Denver Council", Some(&co)).await;

    // Positions: by name, filtered by state and a case-insensitive fragment, paged with exact totals.
    let all = store
        .search_positions(None, None, page(1, 10))
        .await
        .unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(
        all.items
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        [
            "Cheyenne City Council - Ward 2",
            "Denver Council",
            "Mayor of Cheyenne"
        ]
    );
    let wy = StateCode::new("WY").unwrap();
    let found = store
        .search_positions(Some(&wy), Some("CHEYENNE"), page(1, 1))
        .await
        .unwrap();
    assert_eq!(found.total, 2);
    assert_eq!(found.items, vec![updated.clone()]);
    let second = store
        .search_positions(Some(&wy), Some("cheyenne"), page(2, 1))
        .await
        .unwrap();
    assert_eq!(second.items, vec![mayor]);
    let past_end = store
        .search_positions(Some(&wy), None, page(5, 10))
        .await
        .unwrap();
    assert_eq!((past_end.total, past_end.items.len()), (2, 0));
    // Words match at word starts only; text without a word (LIKE wildcards included) filters nothing.
    let total = |q: &'static str| {
        let store = store.clone();
        async move {
            store
                .search_positions(None, Some(q), page(1, 10))
                .await
                .unwrap()
                .total
        }
    };
    assert_eq!(total("%").await, 3);
    assert_eq!(total("chey").await, 2);
    assert_eq!(total("eyenne").await, 0);
    assert_eq!(total("ward 2").await, 1);
    assert_eq!(total("council ward").await, 1);
    assert_eq!(total("den cou").await, 1);
    assert_eq!(total("_").await, 3);
    let _ = denver;

    // Districts: by name, filtered by state, type and fragment, with voter counts.
    let all = store
        .search_districts(None, None, None, page(1, 10))
        .await
        .unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(
        all.items
            .iter()
            .map(|d| d.district.l2_name.as_str())
            .collect::<Vec<_>>(),
        [
            "CHEYENNE CITY WARD 1",
            "CHEYENNE CITY WARD 2",
            "DENVER WARD 100%",
            "LARAMIE"
        ]
    );
    assert!(all.items.iter().all(|d| d.voter_count == 0));
    let city_ward = L2Type::new("City_Ward").unwrap();
    let wards = store
        .search_districts(Some(&wy), Some(&city_ward), Some("ward"), page(1, 10))
        .await
        .unwrap();
    assert_eq!(wards.total, 2);
    let percent = store
        .search_districts(None, None, Some("100%"), page(1, 10))
        .await
        .unwrap();
    assert_eq!(
        percent
            .items
            .iter()
            .map(|d| d.district.id)
            .collect::<Vec<_>>(),
        [co.id]
    );
    let counties = store
        .search_districts(
            None,
            Some(&L2Type::new("County").unwrap()),
            None,
            page(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(counties.items[0].district, county);
    db.cleanup().await;
}

fn voter(lal: &str, last: &str, first: &str, districts: &[(&str, &str)]) -> Voter {
    Voter {
        id: VoterId::generate(),
        lal_voter_id: lal.into(),
        state: StateCode::new("WY").unwrap(),
        first_name: Some(first.into()),
        middle_name: None,
        last_name: Some(last.into()),
        name_suffix: None,
        age: Some(42),
        gender: Gender::Female,
        party_description: Some("Libertarian".into()),
        party: PartyGroup::Other,
        voter_status: VoterStatus::Super,
        address: Address {
            line1: Some("1 Main St".into()),
            city: Some("Cheyenne".into()),
            state: Some("WY".into()),
            zip: Some("82001".into()),
        },
        cell_phone: Some("307-555-0100".into()),
        landline: None,
        marital_status: MaritalStatus::Married,
        has_children: YesNo::No,
        veteran: YesUnknown::Yes,
        homeowner: Homeowner::Likely,
        business_owner: YesUnknown::Unknown,
        education: Education::College,
        ethnicity: Ethnicity::European,
        language: Language::En,
        estimated_income: Some(80_000),
        districts: districts
            .iter()
            .map(|(t, n)| (L2Type::new(t).unwrap(), L2Name::new(n).unwrap()))
            .collect(),
    }
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Membership {
    #[diesel(sql_type = Text)]
    l2_name: String,
    #[diesel(sql_type = Text)]
    last_name_key: String,
    #[diesel(sql_type = Bool)]
    has_cell_phone: bool,
    #[diesel(sql_type = Bool)]
    has_landline: bool,
    #[diesel(sql_type = Bool)]
    has_address: bool,
    #[diesel(sql_type = Text)]
    party: String,
    #[diesel(sql_type = Text)]
    age_range: String,
    #[diesel(sql_type = Text)]
    gender: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn voters_are_upserted_with_their_districts_and_counted() {
    let (db, store) = setup().await;
    let ward = ("City_Ward", "CHEYENNE CITY WARD 1");
    let county = ("County", "LARAMIE");
    let mut voters: Vec<Voter> = (0..2500)
        .map(|i| {
            voter(
                &format!("WY-{i:05}"),
                &format!("Smith{i}"),
                "Ann",
                &[ward, county],
            )
        })
        .collect();
    // The same voter twice in one file: the last row wins.
    let mut dup = voter("WY-00000", "Jones", "Bea", &[county]);
    dup.landline = Some("307-555-0199".into());
    voters.push(dup);
    assert_eq!(store.upsert_voters(&voters).await.unwrap(), 2500);

    let ward_d = district(&store, "WY", ward.0, ward.1).await;
    let county_d = district(&store, "WY", county.0, county.1).await;
    assert_eq!(store.count_in_district(ward_d.id).await.unwrap(), 2499);
    assert_eq!(store.count_in_district(county_d.id).await.unwrap(), 2500);
    assert_eq!(
        store
            .count_in_district(DistrictId::generate())
            .await
            .unwrap(),
        0
    );
    let listed = store
        .search_districts(None, None, None, page(1, 10))
        .await
        .unwrap();
    assert_eq!(
        listed
            .items
            .iter()
            .map(|d| (d.district.l2_name.as_str(), d.voter_count))
            .collect::<Vec<_>>(),
        // Every voter is also in the statewide district.
        [
            ("CHEYENNE CITY WARD 1", 2499),
            ("LARAMIE", 2500),
            ("WYOMING", 2500)
        ]
    );

    // Re-import: memberships are replaced, the voter keeps its id, attributes are updated.
    let mut moved = voter("WY-00001", "Smith1", "Ann", &[county]);
    moved.age = Some(19);
    moved.cell_phone = None;
    moved.party = PartyGroup::Democratic;
    assert_eq!(
        store
            .upsert_voters(std::slice::from_ref(&moved))
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.upsert_voters(&[]).await.unwrap(), 0);
    assert_eq!(store.count_in_district(ward_d.id).await.unwrap(), 2498);
    assert_eq!(store.count_in_district(county_d.id).await.unwrap(), 2500);

    let db_conn = &mut raw(&db).await;
    let rows: Vec<Membership> = diesel::sql_query(
        "SELECT d.l2_name, vd.last_name_key, vd.has_cell_phone, vd.has_landline, vd.has_address,
                vd.party, vd.age_range, v.gender
         FROM voter_districts vd JOIN districts d ON d.id = vd.district_id JOIN voters v ON v.id = vd.voter_id
         WHERE v.lal_voter_id = $1 ORDER BY d.l2_name",
    )
    .bind::<Text, _>("WY-00001")
    .load(db_conn)
    .await
    .unwrap();
    assert_eq!(
        rows,
        ["LARAMIE", "WYOMING"].map(|l2_name| Membership {
            l2_name: l2_name.into(),
            last_name_key: "smith1".into(),
            has_cell_phone: false,
            has_landline: false,
            has_address: true,
            party: "democratic".into(),
            age_range: AgeRange::From18To24.as_str().into(),
            gender: "female".into(),
        })
    );
    let jones: Vec<Membership> = diesel::sql_query(
        "SELECT d.l2_name, vd.last_name_key, vd.has_cell_phone, vd.has_landline, vd.has_address,
                vd.party, vd.age_range, v.gender
         FROM voter_districts vd JOIN districts d ON d.id = vd.district_id JOIN voters v ON v.id = vd.voter_id
         WHERE v.lal_voter_id = $1",
    )
    .bind::<Text, _>("WY-00000")
    .load(db_conn)
    .await
    .unwrap();
    // The county and the statewide district.
    assert_eq!(jones.len(), 2);
    assert_eq!(jones[0].last_name_key, "jones");
    assert!(
        jones
            .iter()
            .all(|m| m.has_landline && m.last_name_key == "jones")
    );

    // All or nothing: a batch with an invalid row writes nothing.
    let mut bad = voter("WY-99999", "Bad", "Row", &[ward]);
    bad.age = Some(-3);
    let good = voter("WY-88888", "Good", "Row", &[ward]);
    assert!(store.upsert_voters(&[good, bad]).await.is_err());
    assert_eq!(store.count_in_district(ward_d.id).await.unwrap(), 2498);
    db.cleanup().await;
}
