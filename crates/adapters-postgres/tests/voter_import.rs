//! The voter import (`VoterRepository::begin_import`): COPY staging, the set-based merge, idempotent
//! re-imports, rollback, and exact district facets.
#![allow(clippy::unwrap_used)]

mod import_support;

use import_support::{assert_voter_copies_exact, client, count, import};
use tokio_postgres::Client;
use winserve_adapters_postgres::PgStore;
use winserve_adapters_postgres::test_support::TestDatabase;
use winserve_application::{
    ContactFilter, ContactRepository, ContactWindow, ImportOptions, ImportSummary,
    ReferenceRepository, VoterRepository,
};
use winserve_domain::{
    Address, District, Education, Ethnicity, Gender, Homeowner, L2Name, L2Type, Language,
    MaritalStatus, Mode, PartyGroup, PartyPolicy, SegmentCriteria, StateCode, Voter, VoterId,
    VoterStatus, YesNo, YesUnknown,
};

const WARD_1: (&str, &str) = ("City_Ward", "CHEYENNE CITY WARD 1");
const WARD_2: (&str, &str) = ("City_Ward", "CHEYENNE CITY WARD 2");
const COUNTY: (&str, &str) = ("County", "LARAMIE");
const STATEWIDE: (&str, &str) = ("State", "WYOMING");

fn voter(i: usize, districts: &[(&str, &str)]) -> Voter {
    Voter {
        id: VoterId::generate(),
        lal_voter_id: format!("LALWY{i:09}"),
        state: StateCode::new("WY").unwrap(),
        first_name: Some(["Ann", "José", "Zoë", "Bob"][i % 4].into()),
        middle_name: None,
        last_name: Some(format!("Núñez{}", i % 7)),
        name_suffix: None,
        age: Some(18 + (i % 70) as i16),
        gender: [Gender::Female, Gender::Male, Gender::Unknown][i % 3],
        party_description: Some("Libertarian".into()),
        party: [
            PartyGroup::Democratic,
            PartyGroup::Republican,
            PartyGroup::Other,
        ][i % 3],
        voter_status: [VoterStatus::Super, VoterStatus::Likely][i % 2],
        address: Address {
            line1: (!i.is_multiple_of(5)).then(|| format!("{i} Main St")),
            city: Some("Cheyenne".into()),
            state: Some("WY".into()),
            zip: Some("82001".into()),
        },
        cell_phone: i.is_multiple_of(2).then(|| "(307) 555-0100".into()),
        landline: i.is_multiple_of(3).then(|| "307-555-0199".into()),
        marital_status: MaritalStatus::Married,
        has_children: YesNo::No,
        veteran: YesUnknown::Yes,
        homeowner: Homeowner::Likely,
        business_owner: YesUnknown::Unknown,
        education: Education::College,
        ethnicity: Ethnicity::European,
        language: Language::En,
        estimated_income: (!i.is_multiple_of(4)).then_some(40_000 + i as i32),
        districts: memberships(districts),
    }
}

/// A voter's districts from `(type, name)` pairs.
fn memberships(districts: &[(&str, &str)]) -> Vec<(L2Type, L2Name)> {
    districts
        .iter()
        .map(|(t, n)| (L2Type::new(t).unwrap(), L2Name::new(n).unwrap()))
        .collect()
}

/// `n` voters: all in the county, the first half in ward 1, the rest in ward 2.
fn voters(n: usize) -> Vec<Voter> {
    (0..n)
        .map(|i| voter(i, &[COUNTY, if i < n / 2 { WARD_1 } else { WARD_2 }]))
        .collect()
}

/// Asserts that `district_facets` are exactly the group counts of `voter_districts` (so every total and
/// every per-dimension sum matches), that every voter's copies of its memberships are exact, and that
/// `count_in_district` agrees with `count(*)` everywhere.
async fn assert_facets_exact(store: &PgStore, c: &Client) {
    let mismatches = count(
        c,
        "SELECT count(*) FROM (
             SELECT district_id, has_cell_phone, has_landline, has_address, voter_status, party, age_range,
                    count(*) AS n
             FROM voter_districts GROUP BY 1, 2, 3, 4, 5, 6, 7) a
         FULL JOIN (SELECT * FROM district_facets WHERE voters <> 0) f
             USING (district_id, has_cell_phone, has_landline, has_address, voter_status, party, age_range)
         WHERE a.n IS DISTINCT FROM f.voters",
    )
    .await;
    assert_eq!(mismatches, 0, "district_facets differ from voter_districts");
    // The copies of the memberships on voters (search index, sort keys) are exact.
    assert_voter_copies_exact(c).await;
    for dimension in [
        "has_cell_phone::text",
        "has_landline::text",
        "has_address::text",
        "voter_status",
        "party",
        "age_range",
    ] {
        let off = count(
            c,
            &format!(
                "SELECT count(*) FROM (
                     SELECT district_id, {dimension} AS k, count(*) AS n FROM voter_districts GROUP BY 1, 2) a
                 FULL JOIN (SELECT district_id, {dimension} AS k, sum(voters) AS n FROM district_facets
                            GROUP BY 1, 2 HAVING sum(voters) <> 0) f USING (district_id, k)
                 WHERE a.n IS DISTINCT FROM f.n"
            ),
        )
        .await;
        assert_eq!(off, 0, "per-{dimension} sums differ");
    }
    let rows = c
        .query(
            "SELECT d.id::text, (SELECT count(*) FROM voter_districts vd WHERE vd.district_id = d.id)
             FROM districts d",
            &[],
        )
        .await
        .unwrap();
    for row in rows {
        let id: uuid::Uuid = row.get::<_, String>(0).parse().unwrap();
        let expected: i64 = row.get(1);
        let counted = store
            .count_in_district(winserve_domain::DistrictId::from_uuid(id))
            .await
            .unwrap();
        assert_eq!(counted, expected as u64);
    }
}

async fn district(store: &PgStore, (t, n): (&str, &str)) -> District {
    store
        .upsert_district(
            &StateCode::new("WY").unwrap(),
            &L2Type::new(t).unwrap(),
            &L2Name::new(n).unwrap(),
        )
        .await
        .unwrap()
}

async fn district_id(store: &PgStore, district_key: (&str, &str)) -> winserve_domain::DistrictId {
    district(store, district_key).await.id
}

/// A snapshot of everything an import writes, to compare before and after.
async fn snapshot(c: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT v::text FROM voters v ORDER BY state, lal_voter_id",
        "SELECT vd::text FROM voter_districts vd ORDER BY state, district_id, voter_id",
        "SELECT f::text FROM district_facets f ORDER BY 1",
        "SELECT d::text FROM districts d ORDER BY 1",
    ] {
        for row in c.query(sql, &[]).await.unwrap() {
            out.push(row.get(0));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_stores_voters_memberships_and_districts() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let mut all = voters(300);
    // Values that need escaping in COPY, and quotes.
    all[0].last_name = Some("O'Brien \"Jr\"\tback\\slash".into());
    all[0].address.line1 = Some("1 Main St\nApt 2\r".into());
    let batches = vec![all[..120].to_vec(), all[120..].to_vec()];
    let summary = import(&store, batches).await;
    assert_eq!(
        summary,
        ImportSummary {
            voters_received: 300,
            voters_inserted: 300,
            voters_updated: 0,
            districts_created: 4,
            memberships_changed: 900,
            voters_removed: 0,
        }
    );
    assert_eq!(count(&c, "SELECT count(*) FROM voters").await, 300);
    assert_eq!(count(&c, "SELECT count(*) FROM voter_districts").await, 900);
    // Ids are the voters' own.
    let id: String = c
        .query_one(
            "SELECT id::text FROM voters WHERE lal_voter_id = $1",
            &[&all[7].lal_voter_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(id, all[7].id.as_uuid().to_string());
    // Escaped values arrive intact; derived columns come from the domain.
    let row = c
        .query_one(
            "SELECT v.last_name, v.address_line1, v.search_text, vd.last_name_key, vd.first_name_key,
                    vd.has_cell_phone, vd.has_landline, vd.has_address, vd.age_range, vd.party
             FROM voters v JOIN voter_districts vd ON vd.state = v.state AND vd.voter_id = v.id
             WHERE v.lal_voter_id = $1 LIMIT 1",
            &[&all[0].lal_voter_id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), all[0].last_name.clone().unwrap());
    assert_eq!(row.get::<_, String>(1), "1 Main St\nApt 2\r");
    assert_eq!(row.get::<_, String>(2), all[0].search_text());
    assert_eq!(row.get::<_, String>(3), all[0].last_name_key());
    assert_eq!(row.get::<_, String>(4), "ann");
    assert!(row.get::<_, bool>(5));
    assert!(row.get::<_, bool>(6));
    assert!(row.get::<_, bool>(7));
    assert_eq!(row.get::<_, String>(8), "18_24");
    assert_eq!(row.get::<_, String>(9), "democratic");
    let jose = c
        .query_one(
            "SELECT vd.first_name_key FROM voter_districts vd JOIN voters v ON v.id = vd.voter_id
             WHERE v.lal_voter_id = $1 LIMIT 1",
            &[&all[1].lal_voter_id],
        )
        .await
        .unwrap();
    assert_eq!(jose.get::<_, String>(0), "jose");

    // Every voter is in the statewide district; the wards split the voters.
    let statewide = district_id(&store, STATEWIDE).await;
    assert_eq!(store.count_in_district(statewide).await.unwrap(), 300);
    assert_eq!(
        store
            .count_in_district(district_id(&store, COUNTY).await)
            .await
            .unwrap(),
        300
    );
    assert_eq!(
        store
            .count_in_district(district_id(&store, WARD_1).await)
            .await
            .unwrap(),
        150
    );
    assert_eq!(count(&c, "SELECT count(*) FROM districts").await, 4);
    assert_facets_exact(&store, &c).await;

    // A voter already listing the statewide district is in it once.
    let mut explicit = voter(1000, &[STATEWIDE, COUNTY, COUNTY]);
    explicit.lal_voter_id = "LALWY-EXPLICIT".into();
    assert_eq!(store.upsert_voters(&[explicit]).await.unwrap(), 1);
    assert_eq!(store.count_in_district(statewide).await.unwrap(), 301);
    assert_facets_exact(&store, &c).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_reimport_changes_nothing() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(200);
    import(&store, vec![all.clone()]).await;
    let before = snapshot(&c).await;
    // The same voters with fresh ids (as a re-read file has): nothing changes, ids are kept.
    let again: Vec<Voter> = all
        .iter()
        .cloned()
        .map(|mut v| {
            v.id = VoterId::generate();
            v
        })
        .collect();
    let summary = import(&store, vec![again[..50].to_vec(), again[50..].to_vec()]).await;
    assert_eq!(
        summary,
        ImportSummary {
            voters_received: 200,
            ..ImportSummary::default()
        }
    );
    assert_eq!(
        snapshot(&c).await,
        before,
        "updated_at, ids, rows, facets unchanged"
    );
    assert_facets_exact(&store, &c).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_voter_updates_membership_and_facets() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(100);
    import(&store, vec![all.clone()]).await;
    let ward_1 = district_id(&store, WARD_1).await;
    let ward_2 = district_id(&store, WARD_2).await;
    assert_eq!(store.count_in_district(ward_1).await.unwrap(), 50);

    // Voter 2 (ward 1, cell phone, democratic) moves to ward 2, turns republican and loses the cell phone.
    let mut changed = all[2].clone();
    changed.id = VoterId::generate();
    changed.districts = memberships(&[COUNTY, WARD_2]);
    changed.party = PartyGroup::Republican;
    changed.party_description = Some("Republican".into());
    changed.cell_phone = None;
    let updated_before: String = c
        .query_one(
            "SELECT updated_at::text FROM voters WHERE lal_voter_id = $1",
            &[&changed.lal_voter_id],
        )
        .await
        .unwrap()
        .get(0);
    let mut unchanged = all[3].clone();
    unchanged.id = VoterId::generate();
    let summary = import(&store, vec![vec![changed.clone(), unchanged]]).await;
    assert_eq!(
        summary,
        ImportSummary {
            voters_received: 2,
            voters_inserted: 0,
            voters_updated: 1,
            districts_created: 0,
            // ward 1 removed, ward 2 added, county and statewide rows updated.
            memberships_changed: 4,
            voters_removed: 0,
        }
    );
    assert_eq!(store.count_in_district(ward_1).await.unwrap(), 49);
    assert_eq!(store.count_in_district(ward_2).await.unwrap(), 51);
    let row = c
        .query_one(
            "SELECT v.id::text, v.party, v.cell_phone, v.updated_at::text,
                    bool_and(NOT vd.has_cell_phone AND vd.party = 'republican'), count(*)
             FROM voters v JOIN voter_districts vd ON vd.state = v.state AND vd.voter_id = v.id
             WHERE v.lal_voter_id = $1 GROUP BY 1, 2, 3, 4",
            &[&changed.lal_voter_id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), all[2].id.as_uuid().to_string());
    assert_eq!(row.get::<_, String>(1), "republican");
    assert_eq!(row.get::<_, Option<String>>(2), None);
    assert_ne!(row.get::<_, String>(3), updated_before);
    assert!(row.get::<_, bool>(4));
    assert_eq!(row.get::<_, i64>(5), 3);
    assert_facets_exact(&store, &c).await;
    db.cleanup().await;
}

/// The diff keeps the facets itself and switches their triggers off for its transaction only (ADR 0026):
/// every other write of the memberships, in another transaction or after the import, still counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_outside_an_import_still_keep_the_facets() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(60);
    import(&store, vec![all.clone()]).await;
    let mut moved = all[4].clone();
    moved.id = VoterId::generate();
    moved.districts = memberships(&[COUNTY, WARD_2]);
    moved.voter_status = winserve_domain::VoterStatus::Unlikely;
    import(&store, vec![vec![moved]]).await;
    assert_facets_exact(&store, &c).await;
    let setting: Option<String> = c
        .query_one(
            "SELECT current_setting('winserve.import_keeps_facets', true)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_ne!(setting.as_deref(), Some("on"));
    let changed = c
        .execute(
            "UPDATE voter_districts SET voter_status = 'super', has_cell_phone = NOT has_cell_phone
             WHERE voter_id IN (SELECT voter_id FROM voter_districts ORDER BY voter_id LIMIT 7)",
            &[],
        )
        .await
        .unwrap();
    assert!(changed > 0);
    assert_facets_exact(&store, &c).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_or_dropped_imports_store_nothing() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;

    let mut aborted = store.begin_import(ImportOptions::default()).await.unwrap();
    aborted.write(voters(50)).await.unwrap();
    aborted.abort().await;

    {
        let mut dropped = store.begin_import(ImportOptions::default()).await.unwrap();
        dropped.write(voters(60)).await.unwrap();
        dropped.write(voters(10)).await.unwrap();
    }

    // A failing import (a voter the schema refuses) stores nothing either.
    let mut bad = voters(5);
    bad[4].age = Some(-3);
    let mut failing = store.begin_import(ImportOptions::default()).await.unwrap();
    failing.write(bad).await.unwrap();
    assert!(failing.commit().await.is_err());

    // The lock was released each time: a new import goes through.
    let mut empty = store.begin_import(ImportOptions::default()).await.unwrap();
    empty.write(Vec::new()).await.unwrap();
    assert_eq!(empty.commit().await.unwrap(), ImportSummary::default());

    for table in ["voters", "voter_districts", "districts", "district_facets"] {
        assert_eq!(
            count(&c, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table} is empty"
        );
    }
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_overlapping_imports_keep_facets_exact() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    import(&store, vec![voters(100)]).await;

    // Two imports spawned together over overlapping voters with different data: they run one after the
    // other (advisory lock), and whichever is last wins for the overlap.
    let first: Vec<Voter> = (50..250).map(|i| voter(i, &[COUNTY, WARD_1])).collect();
    let second: Vec<Voter> = (0..150)
        .map(|i| {
            let mut v = voter(i, &[WARD_2]);
            v.party = PartyGroup::Independent;
            v.cell_phone = None;
            v
        })
        .collect();
    let tasks = [first, second].map(|batch| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut import = store.begin_import(ImportOptions::default()).await.unwrap();
            for chunk in batch.chunks(37) {
                import.write(chunk.to_vec()).await.unwrap();
                tokio::task::yield_now().await;
            }
            import.commit().await.unwrap()
        })
    });
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(count(&c, "SELECT count(*) FROM voters").await, 250);
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM (SELECT voter_id FROM voter_districts GROUP BY 1) x"
        )
        .await,
        250
    );
    let statewide = district_id(&store, STATEWIDE).await;
    assert_eq!(store.count_in_district(statewide).await.unwrap(), 250);
    assert_facets_exact(&store, &c).await;

    db.cleanup().await;
}

/// Migration 000006 gives voters loaded before it their sort keys, from their memberships.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sort_keys_migration_backfills_loaded_voters() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    import(&store, vec![voters(120)]).await;
    let migration = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/2025-11-26-000006_voter_sort_keys"
    );
    for step in ["down.sql", "up.sql"] {
        let sql = std::fs::read_to_string(format!("{migration}/{step}")).unwrap();
        c.batch_execute(&sql).await.unwrap();
    }
    assert_eq!(
        count(&c, "SELECT count(*) FROM voters WHERE last_name_key = ''").await,
        count(&c, "SELECT count(*) FROM voters WHERE last_name IS NULL").await,
    );
    assert_voter_copies_exact(&c).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_documents_stored_before_word_start_search_are_rewritten_once() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(120);
    import(&store, vec![all.clone()]).await;
    // What migration 000009 finds in a database loaded before it: old documents, the upgrade pending.
    c.batch_execute(
        "UPDATE voters SET search_text = 'old text';
         UPDATE data_upgrades SET done_at = NULL WHERE name = 'search_documents_word_starts'",
    )
    .await
    .unwrap();

    let rewritten = winserve_adapters_postgres::run_data_upgrades(db.url())
        .await
        .unwrap();
    assert_eq!(rewritten, 120);
    for v in &all {
        let row = c
            .query_one(
                "SELECT search_text FROM voters WHERE id = $1::text::uuid",
                &[&v.id.as_uuid().to_string()],
            )
            .await
            .unwrap();
        assert_eq!(
            row.get::<_, String>(0),
            v.search_text(),
            "{:?}",
            v.last_name
        );
    }
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM data_upgrades WHERE done_at IS NULL"
        )
        .await,
        0
    );
    // The search index, rebuilt around the rewrite, is back on the table and its partitions.
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'voters_search'"
        )
        .await,
        1
    );
    assert!(
        count(
            &c,
            "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'voters_%' AND indexdef LIKE '%gin_trgm_ops%'"
        )
        .await
            >= 1
    );
    // Done once: a second run finds nothing to do, even if a document were stale.
    c.batch_execute("UPDATE voters SET search_text = 'old text' WHERE lal_voter_id = (SELECT min(lal_voter_id) FROM voters)")
        .await
        .unwrap();
    assert_eq!(
        winserve_adapters_postgres::run_data_upgrades(db.url())
            .await
            .unwrap(),
        0
    );
    db.cleanup().await;
}

/// The district's contacts as a reader gets them (one page of up to 200, Win mode): the exact total and the
/// last names in order.
async fn read_contacts(store: &PgStore, district: &District) -> (u64, Vec<String>) {
    let filter = ContactFilter {
        district: district.clone(),
        criteria: SegmentCriteria::default(),
        search: None,
        policy: PartyPolicy::for_mode(Mode::Win),
    };
    let window = ContactWindow::Page {
        page: 1,
        per_page: 200,
    };
    let page = store.list(&filter, &window).await.unwrap();
    let names = page
        .contacts
        .iter()
        .map(|v| v.last_name.clone().unwrap_or_default())
        .collect();
    (page.total, names)
}

/// Reads never see a half-done import, nor stop during one: while an import's transaction has written
/// its voters but not committed (held at its first facet write by a lock another session takes), a
/// district's contacts are the committed ones; right after the commit, the new ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_serve_the_committed_data_until_the_import_commits() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(100);
    import(&store, vec![all.clone()]).await;
    let ward_1 = district(&store, WARD_1).await;
    let (total, names) = read_contacts(&store, &ward_1).await;
    assert_eq!(total, 50);
    assert!(!names.iter().any(|n| n == "Renamed"));

    // The next file: voter 0 renamed, voter 1 moved to ward 2, a new voter in ward 1.
    let mut next = all.clone();
    next[0].last_name = Some("Renamed".into());
    next[1].districts = memberships(&[COUNTY, WARD_2]);
    let mut newcomer = voter(100, &[COUNTY, WARD_1]);
    newcomer.last_name = Some("Newcomer".into());
    next.push(newcomer);

    // Another session holds the facets: the import's first facet write waits for it, after its voters
    // are written.
    let blocker = client(&db).await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE district_facets IN EXCLUSIVE MODE")
        .await
        .unwrap();
    let importer = store.clone();
    let running = tokio::spawn(async move { import(&importer, vec![next]).await });
    let started = std::time::Instant::now();
    while count(
        &c,
        "SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation
         WHERE r.relname = 'district_facets' AND NOT l.granted
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .await
        == 0
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the import never waited for the facets"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND state = 'active' AND wait_event_type = 'Lock'"
        )
        .await,
        1,
        "the import waits, holding its uncommitted writes"
    );
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation
             WHERE r.relname = 'voters_wy' AND l.mode = 'RowExclusiveLock' AND l.granted
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .await,
        1,
        "the waiting import has written to the voters"
    );
    let during = read_contacts(&store, &ward_1).await;
    assert_eq!(during, (total, names.clone()), "a read during the import");

    blocker.batch_execute("COMMIT").await.unwrap();
    let summary = running.await.unwrap();
    assert_eq!(summary.voters_inserted, 1);
    assert_eq!(summary.voters_updated, 2);
    let (total_after, names_after) = read_contacts(&store, &ward_1).await;
    assert_eq!(total_after, 50, "one moved out, one new");
    assert!(names_after.iter().any(|n| n == "Renamed"));
    assert!(names_after.iter().any(|n| n == "Newcomer"));
    assert_eq!(names_after.len(), 50);
    assert_facets_exact(&store, &c).await;
    db.cleanup().await;
}

/// `lal_voter_id` → (`id`, `xmin`) of every stored voter: the id clients hold, and the transaction
/// that last wrote the row.
/// Memberships whose voter is gone.
async fn orphan_memberships(c: &Client) -> i64 {
    count(
        c,
        "SELECT count(*) FROM voter_districts vd
         WHERE NOT EXISTS (SELECT 1 FROM voters v WHERE v.state = vd.state AND v.id = vd.voter_id)",
    )
    .await
}

async fn ids_and_writers(c: &Client) -> std::collections::HashMap<String, (String, String)> {
    c.query("SELECT lal_voter_id, id::text, xmin::text FROM voters", &[])
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect()
}

/// The refreshed file of a state of 200 voters (`voters(200)`): voters 10–14 gone, 20 moved to the other
/// ward, 21 renamed, 22 with a new cell phone, 23 with a new status, 200–204 new; every voter with a
/// fresh id, as a re-read file has.
fn refreshed(all: &[Voter]) -> Vec<Voter> {
    let mut file: Vec<Voter> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| !(10..15).contains(i))
        .map(|(i, v)| {
            let mut v = v.clone();
            v.id = VoterId::generate();
            match i {
                20 => v.districts = memberships(&[COUNTY, WARD_2]),
                21 => v.last_name = Some("Renamed".into()),
                22 => v.cell_phone = Some("(307) 555-0142".into()),
                23 => v.voter_status = VoterStatus::Unlikely,
                _ => {}
            }
            v
        })
        .collect();
    file.extend((200..205).map(|i| voter(i, &[COUNTY, WARD_2])));
    file
}

/// What importing [`refreshed`] with `replace_states` changes.
const REFRESH: ImportSummary = ImportSummary {
    voters_received: 200,
    voters_inserted: 5,
    voters_updated: 4,
    districts_created: 0,
    // 5 departed × 3 rows deleted, 5 new × 3 inserted; voter 20: ward 1 deleted, ward 2 inserted;
    // voters 21 (sort key) and 23 (status): 3 rows updated each; voter 22 still has a cell phone.
    memberships_changed: 15 + 15 + 2 + 3 + 3,
    voters_removed: 5,
};

async fn import_with(store: &PgStore, voters: Vec<Voter>, options: ImportOptions) -> ImportSummary {
    let mut import = store.begin_import(options).await.unwrap();
    import.write(voters).await.unwrap();
    import.commit().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_writes_only_the_changed_voters_and_removes_the_departed() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(200);
    import(&store, vec![all.clone()]).await;
    let ward_1 = district(&store, WARD_1).await;
    let before = ids_and_writers(&c).await;
    let replace = ImportOptions {
        replace_states: true,
        dry_run: false,
    };
    let summary = import_with(&store, refreshed(&all), replace).await;
    assert_eq!(summary, REFRESH);
    assert_eq!(summary.voters_unchanged(), 191);

    let after = ids_and_writers(&c).await;
    assert_eq!(after.len(), 200);
    for (i, v) in all.iter().enumerate() {
        let id = v.lal_voter_id.as_str();
        if (10..15).contains(&i) {
            assert!(!after.contains_key(id), "voter {i} departed");
            continue;
        }
        // Changed and unchanged voters keep their ids; only the changed rows were written.
        assert_eq!(after[id].0, before[id].0, "voter {i} keeps its id");
        let rewritten = after[id].1 != before[id].1;
        assert_eq!(rewritten, (20..24).contains(&i), "voter {i} rewritten");
    }
    assert_eq!(
        orphan_memberships(&c).await,
        0,
        "no membership outlives its voter"
    );
    // Ward 1 had voters 0–99: 5 departed, voter 20 moved away.
    assert_eq!(store.count_in_district(ward_1.id).await.unwrap(), 94);
    let (total, _) = read_contacts(&store, &ward_1).await;
    assert_eq!(total, 94);
    assert_facets_exact(&store, &c).await;
    assert_eq!(
        count(&c, "SELECT count(*) FROM voter_import_members").await,
        0,
        "the comparison made beside the import is emptied with its commit"
    );

    // The same file again changes nothing.
    let again = import_with(&store, refreshed(&all), replace).await;
    assert_eq!(again.voters_inserted, 0);
    assert_eq!(again.voters_removed, 0);
    // Voter 200–204 get fresh ids in `refreshed`, but they are matched by LALVOTERID now.
    assert_eq!(again.voters_updated, 0);
    assert_eq!(again.memberships_changed, 0);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_reports_the_real_figures_and_stores_nothing() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let dry_run = ImportOptions {
        replace_states: true,
        dry_run: true,
    };
    // Into an empty state: counted, not built.
    let all = voters(200);
    let empty = snapshot(&c).await;
    let first = import_with(&store, all.clone(), dry_run).await;
    assert_eq!(
        first,
        ImportSummary {
            voters_received: 200,
            voters_inserted: 200,
            districts_created: 4,
            memberships_changed: 600,
            ..ImportSummary::default()
        }
    );
    assert_eq!(snapshot(&c).await, empty);
    assert_eq!(
        import(&store, vec![all.clone()]).await,
        first,
        "the real import reports what the dry run did"
    );

    let before = snapshot(&c).await;
    let versions = count(
        &c,
        "SELECT coalesce(sum(version), 0)::bigint FROM voter_data_versions",
    )
    .await;
    // A row a transaction updated or deleted keeps that transaction's id (`xmax`), also after a rollback.
    let touched = "SELECT (SELECT count(*) FROM voters WHERE xmax::text <> '0')
                        + (SELECT count(*) FROM voter_districts WHERE xmax::text <> '0')";
    assert_eq!(count(&c, touched).await, 0);
    assert_eq!(import_with(&store, refreshed(&all), dry_run).await, REFRESH);
    assert_eq!(snapshot(&c).await, before, "a dry run stores nothing");
    // The diff is counted, not written and rolled back: no stored row was touched (which would leave
    // dead rows to the next import), and no second connection compared anything.
    assert_eq!(count(&c, touched).await, 0, "a dry run writes no row");
    assert_eq!(
        count(&c, "SELECT count(*) FROM voter_import_members").await,
        0
    );
    assert_eq!(
        count(
            &c,
            "SELECT coalesce(sum(version), 0)::bigint FROM voter_data_versions"
        )
        .await,
        versions
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_second_connection_the_import_compares_memberships_itself() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(200);
    import(&store, vec![all.clone()]).await;
    // The second connection cannot empty its scratch table while another session holds it: it gives up
    // after its lock timeout. (Were the import to wait for it, it would wait on this lock as well.)
    let mut holder = client(&db).await;
    let held = holder.transaction().await.unwrap();
    held.batch_execute("LOCK TABLE voter_import_members IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let replace = ImportOptions {
        replace_states: true,
        dry_run: false,
    };
    assert_eq!(import_with(&store, refreshed(&all), replace).await, REFRESH);
    held.rollback().await.unwrap();
    // The departed voters' memberships, left to the comparison that failed, are deleted all the same.
    assert_eq!(
        orphan_memberships(&c).await,
        0,
        "no membership outlives its voter"
    );
    assert_facets_exact(&store, &c).await;
    let ward_1 = district(&store, WARD_1).await;
    assert_eq!(store.count_in_district(ward_1.id).await.unwrap(), 94);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_replace_an_import_keeps_the_voters_it_does_not_have() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(200);
    import(&store, vec![all.clone()]).await;
    let summary = import_with(&store, refreshed(&all), ImportOptions::default()).await;
    assert_eq!(
        summary,
        ImportSummary {
            voters_removed: 0,
            memberships_changed: 15 + 2 + 3 + 3,
            ..REFRESH
        }
    );
    assert_eq!(count(&c, "SELECT count(*) FROM voters").await, 205);
    assert_facets_exact(&store, &c).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voters_stored_before_fingerprints_get_them_on_the_next_import_without_being_rewritten() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(200);
    import(&store, vec![all.clone()]).await;
    assert_eq!(
        count(&c, "SELECT count(*) FROM voters WHERE row_hash IS NULL").await,
        0,
        "imports store fingerprints"
    );
    // As a database migrated from before the fingerprints holds them.
    c.batch_execute("UPDATE voters SET row_hash = NULL")
        .await
        .unwrap();
    let before = snapshot(&c).await;
    let stamps = "SELECT lal_voter_id || updated_at::text FROM voters ORDER BY 1";
    let stamped: Vec<String> = c
        .query(stamps, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut file = all.clone();
    file[7].last_name = Some("Changed".into());
    let summary = import_with(&store, file, ImportOptions::default()).await;
    assert_eq!(summary.voters_updated, 1);
    assert_eq!(summary.voters_inserted, 0);
    assert_eq!(
        count(&c, "SELECT count(*) FROM voters WHERE row_hash IS NULL").await,
        0
    );
    // Apart from the fingerprints and the one changed voter, nothing moved.
    let after = snapshot(&c).await;
    let differing = before.iter().zip(&after).filter(|(b, a)| b != a).count();
    assert!(differing <= 200 + 4, "{differing} rows differ");
    let restamped: Vec<String> = c
        .query(stamps, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let moved = stamped
        .iter()
        .zip(&restamped)
        .filter(|(b, a)| b != a)
        .count();
    assert_eq!(moved, 1, "only the changed voter's updated_at moves");
    assert_facets_exact(&store, &c).await;
    db.cleanup().await;
}

/// The stored voters' fingerprints are read when their state first appears (here in the first batch),
/// so unchanged rows are never staged; repeated rows of one voter still follow "the last row wins",
/// whichever of them is the unchanged one. A state first seen in a later batch (a new one, loaded
/// whole) restarts the COPY around the read of its fingerprints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_rows_are_recognised_while_reading_and_the_last_row_of_a_voter_wins() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters(200);
    import(&store, vec![all.clone()]).await;
    let before = ids_and_writers(&c).await;

    let renamed = |i: usize, name: &str| {
        let mut v = all[i].clone();
        v.id = VoterId::generate();
        v.last_name = Some(name.into());
        v
    };
    let mut montana = voter(500, &[("County", "GALLATIN")]);
    montana.state = StateCode::new("MT").unwrap();
    montana.lal_voter_id = "LALMT000000500".into();
    montana.address.state = Some("MT".into());

    let replace = ImportOptions {
        replace_states: true,
        dry_run: false,
    };
    let mut import = store.begin_import(replace).await.unwrap();
    // Voter 31 changed, then (next batch) as stored: it stays as stored. Voter 30 as stored, then
    // changed: it changes.
    let mut first = all.clone();
    first.push(renamed(31, "Earlier"));
    import.write(first).await.unwrap();
    import
        .write(vec![all[31].clone(), renamed(30, "Later"), montana])
        .await
        .unwrap();
    let summary = import.commit().await.unwrap();
    assert_eq!(summary.voters_received, 204);
    assert_eq!(summary.voters_inserted, 1, "the Montana voter");
    assert_eq!(summary.voters_updated, 1, "voter 30 alone");
    assert_eq!(summary.voters_removed, 0);

    let last_name = |lal: String| {
        let c = &c;
        async move {
            c.query_one(
                "SELECT last_name FROM voters WHERE lal_voter_id = $1",
                &[&lal],
            )
            .await
            .unwrap()
            .get::<_, String>(0)
        }
    };
    assert_eq!(last_name(all[30].lal_voter_id.clone()).await, "Later");
    assert_eq!(
        last_name(all[31].lal_voter_id.clone()).await,
        all[31].last_name.clone().unwrap()
    );
    let after = ids_and_writers(&c).await;
    for (i, v) in all.iter().enumerate() {
        let id = v.lal_voter_id.as_str();
        assert_eq!(after[id].0, before[id].0, "voter {i} keeps its id");
        assert_eq!(
            after[id].1 != before[id].1,
            i == 30,
            "voter {i} rewritten only if changed"
        );
    }
    assert_eq!(
        count(&c, "SELECT count(*) FROM voters WHERE state = 'MT'").await,
        1
    );
    assert_facets_exact(&store, &c).await;
    db.cleanup().await;
}
