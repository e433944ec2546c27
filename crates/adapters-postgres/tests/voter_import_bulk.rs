//! The build-and-swap path of the voter import (docs/adr/0012): a state whose partitions are empty gets
//! new partitions built from the staged voters and swapped in at commit. It must store exactly what the
//! set-wise merge stores, leave the partitions as the migrations shaped them (every index adopted by the
//! parent's), keep the facets exact, and leave the empty partitions untouched when it fails.
#![allow(clippy::unwrap_used)]

mod import_support;

use import_support::{assert_voter_copies_exact, client, count, import};
use std::time::Duration;
use tokio_postgres::Client;
use winserve_adapters_postgres::test_support::TestDatabase;
use winserve_application::{ImportOptions, ImportSummary, VoterRepository};
use winserve_domain::{
    Address, Education, Ethnicity, Gender, Homeowner, L2Name, L2Type, Language, MaritalStatus,
    PartyGroup, StateCode, Voter, VoterId, VoterStatus, YesNo, YesUnknown,
};

const WARD_1: (&str, &str) = ("City_Ward", "CHEYENNE CITY WARD 1");
const WARD_2: (&str, &str) = ("City_Ward", "CHEYENNE CITY WARD 2");
const COUNTY: (&str, &str) = ("County", "LARAMIE");

fn voter(state: &str, i: usize, districts: &[(&str, &str)]) -> Voter {
    Voter {
        id: VoterId::generate(),
        lal_voter_id: format!("LAL{state}{i:09}"),
        state: StateCode::new(state).unwrap(),
        first_name: Some(["Ann", "José", "Zoë", "Bob", "Åsa"][i % 5].into()),
        middle_name: i.is_multiple_of(3).then(|| "Q".into()),
        last_name: Some(format!("Núñez{}", i % 11)),
        name_suffix: None,
        age: (!i.is_multiple_of(9)).then_some(18 + (i % 70) as i16),
        gender: [Gender::Female, Gender::Male, Gender::Unknown][i % 3],
        party_description: Some("Libertarian".into()),
        party: [
            PartyGroup::Democratic,
            PartyGroup::Republican,
            PartyGroup::Other,
            PartyGroup::Independent,
        ][i % 4],
        voter_status: [
            VoterStatus::Super,
            VoterStatus::Likely,
            VoterStatus::Unknown,
        ][i % 3],
        address: Address {
            line1: (!i.is_multiple_of(5)).then(|| format!("{i} Main St")),
            city: Some("Cheyenne".into()),
            state: Some(state.into()),
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
        districts: districts
            .iter()
            .map(|(t, n)| (L2Type::new(t).unwrap(), L2Name::new(n).unwrap()))
            .collect(),
    }
}

/// `n` voters of `state`: all in the county, the first half in ward 1, the rest in ward 2.
fn voters(state: &str, n: usize) -> Vec<Voter> {
    (0..n)
        .map(|i| voter(state, i, &[COUNTY, if i < n / 2 { WARD_1 } else { WARD_2 }]))
        .collect()
}

/// The oid of a relation: a swap replaces the partition, so its oid changes.
async fn oid(c: &Client, relation: &str) -> i64 {
    c.query_one("SELECT $1::text::regclass::oid::int8", &[&relation])
        .await
        .unwrap()
        .get(0)
}

/// The oids of a state's two partitions.
async fn partitions(c: &Client, state: &str) -> (i64, i64) {
    let lower = state.to_lowercase();
    (
        oid(c, &format!("voters_{lower}")).await,
        oid(c, &format!("voter_districts_{lower}")).await,
    )
}

/// Asserts that `district_facets` are exactly the group counts of `voter_districts`, and that every
/// voter's copies of its memberships are exact.
async fn assert_facets_exact(c: &Client) {
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
    assert_voter_copies_exact(c).await;
}

/// Everything an import writes, with district ids replaced by the districts' natural keys and without
/// `updated_at` (the transaction's time), so that two databases can be compared.
async fn contents(c: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT (to_jsonb(v) - 'updated_at' - 'district_ids' || jsonb_build_object('districts',
                 (SELECT array_agg(d.l2_type || '/' || d.l2_name ORDER BY d.l2_type, d.l2_name)
                  FROM unnest(v.district_ids) AS x(id) JOIN districts d ON d.id = x.id)))::text
         FROM voters v ORDER BY state, lal_voter_id",
        "SELECT (to_jsonb(vd) - 'district_id' || jsonb_build_object('district', d.l2_type || '/' || d.l2_name))::text
         FROM voter_districts vd JOIN districts d ON d.id = vd.district_id
         ORDER BY vd.state, d.l2_type, d.l2_name, vd.voter_id",
        "SELECT (to_jsonb(f) - 'district_id' || jsonb_build_object('district', d.l2_type || '/' || d.l2_name))::text
         FROM district_facets f JOIN districts d ON d.id = f.district_id WHERE f.voters <> 0
         ORDER BY 1",
        "SELECT state || ' ' || l2_type || ' ' || l2_name FROM districts ORDER BY 1",
    ] {
        for row in c.query(sql, &[]).await.unwrap() {
            out.push(row.get(0));
        }
    }
    out
}

/// Everything the catalog says about a partition that a swap could change: columns, constraints,
/// indexes and the partition index each is attached to, triggers, and the relation's own properties.
/// Not the `connoinherit` flag of the primary and unique keys: a key created on a standalone table is
/// marked "no inherit", and ATTACH keeps that flag (meaningless on a leaf partition; see the ADR).
async fn shape(c: &Client, partition: &str) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT format('column %s %s notnull=%s local=%s inh=%s default=%s', attname,
                format_type(atttypid, atttypmod), attnotnull, attislocal, attinhcount,
                pg_get_expr(d.adbin, d.adrelid))
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        "SELECT format('constraint %s %s local=%s inh=%s valid=%s parent=%s %s', k.conname, k.contype,
                k.conislocal, k.coninhcount, k.convalidated, p.conname, pg_get_constraintdef(k.oid))
         FROM pg_constraint k LEFT JOIN pg_constraint p ON p.oid = k.conparentid
         WHERE k.conrelid = $1::text::regclass ORDER BY k.conname",
        "SELECT format('index %s %s parent=%s', i.relname, pg_get_indexdef(x.indexrelid), h.inhparent::regclass)
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         LEFT JOIN pg_inherits h ON h.inhrelid = x.indexrelid
         WHERE x.indrelid = $1::text::regclass ORDER BY i.relname",
        "SELECT format('trigger %s', tgname) FROM pg_trigger WHERE tgrelid = $1::text::regclass ORDER BY 1",
        "SELECT format('relation %s kind=%s owner=%s acl=%s replident=%s persistence=%s options=%s am=%s
                        partition=%s of %s %s rowsecurity=%s', c.relname, c.relkind, c.relowner::regrole,
                c.relacl, c.relreplident, c.relpersistence, c.reloptions, c.relam, c.relispartition,
                h.inhparent::regclass, pg_get_expr(c.relpartbound, c.oid), c.relrowsecurity)
         FROM pg_class c JOIN pg_inherits h ON h.inhrelid = c.oid WHERE c.oid = $1::text::regclass",
    ] {
        for row in c.query(sql, &[&partition]).await.unwrap() {
            out.push(row.get(0));
        }
    }
    out
}

/// Asserts that every index of `partition` is attached to an index of its parent, and that each
/// index of the parent has exactly one there — that ATTACH adopted the prebuilt indexes and built none.
async fn assert_indexes_adopted(c: &Client, partition: &str) {
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM pg_index x WHERE x.indrelid = $1::text::regclass),
                    (SELECT count(*) FROM pg_index x JOIN pg_inherits h ON h.inhrelid = x.indexrelid
                     JOIN pg_index px ON px.indexrelid = h.inhparent
                     JOIN pg_inherits t ON t.inhrelid = x.indrelid AND t.inhparent = px.indrelid
                     WHERE x.indrelid = $1::text::regclass),
                    (SELECT count(*) FROM pg_inherits t JOIN pg_index px ON px.indrelid = t.inhparent
                     WHERE t.inhrelid = $1::text::regclass)",
            &[&partition],
        )
        .await
        .unwrap();
    let (indexes, attached, parent_indexes): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert!(parent_indexes > 0);
    assert_eq!(
        (indexes, attached),
        (parent_indexes, parent_indexes),
        "{partition}: every index adopted by one of the parent's, none extra"
    );
    assert_eq!(
        count(
            c,
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'voter_import_build%'"
        )
        .await,
        0,
        "no build table or index left behind"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_and_swap_stores_what_the_merge_stores() {
    let all = voters("WY", 400);
    let mut other = voter("WY", 9999, &[COUNTY, WARD_1]);
    other.lal_voter_id = "LALWY-OTHER".into();

    // Into an empty state: build and swap.
    let fast_db = TestDatabase::create().await;
    let fast_store = fast_db.store();
    let fast = client(&fast_db).await;
    let before = partitions(&fast, "WY").await;
    let fast_summary = import(&fast_store, vec![all[..150].to_vec(), all[150..].to_vec()]).await;
    assert_ne!(
        partitions(&fast, "WY").await.0,
        before.0,
        "new voters partition"
    );
    assert_ne!(
        partitions(&fast, "WY").await.1,
        before.1,
        "new memberships partition"
    );
    assert_eq!(
        fast_summary,
        ImportSummary {
            voters_received: 400,
            voters_inserted: 400,
            voters_updated: 0,
            districts_created: 4,
            memberships_changed: 1200,
            voters_removed: 0,
        }
    );

    // Into a state that already holds one other voter: the set-wise merge.
    let slow_db = TestDatabase::create().await;
    let slow_store = slow_db.store();
    let slow = client(&slow_db).await;
    import(&slow_store, vec![vec![other.clone()]]).await;
    let stored = partitions(&slow, "WY").await;
    let slow_summary = import(&slow_store, vec![all[..150].to_vec(), all[150..].to_vec()]).await;
    assert_eq!(partitions(&slow, "WY").await, stored, "merged in place");
    assert_eq!(
        slow_summary,
        ImportSummary {
            districts_created: 1,
            ..fast_summary
        },
        "same counts (ward 2 is the only new district there)"
    );
    // Without the other voter, both databases hold the same.
    slow.batch_execute(&format!(
        "DELETE FROM voter_districts WHERE voter_id = '{}';
         DELETE FROM voters WHERE id = '{}'",
        other.id.as_uuid(),
        other.id.as_uuid()
    ))
    .await
    .unwrap();
    assert_eq!(contents(&fast).await, contents(&slow).await);
    assert_facets_exact(&fast).await;
    assert_facets_exact(&slow).await;
    // The new voters were written in this transaction, like the merge's (`updated_at` = now()).
    assert_eq!(
        count(
            &fast,
            "SELECT count(DISTINCT updated_at) FROM voters WHERE state = 'WY'"
        )
        .await,
        1
    );
    fast_db.cleanup().await;
    slow_db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapped_partitions_keep_their_shape_and_adopt_the_parent_indexes() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let before_voters = shape(&c, "voters_wy").await;
    let before_memberships = shape(&c, "voter_districts_wy").await;
    let before = partitions(&c, "WY").await;
    import(&store, vec![voters("WY", 120)]).await;
    assert_ne!(partitions(&c, "WY").await, before);

    assert_eq!(shape(&c, "voters_wy").await, before_voters);
    assert_eq!(shape(&c, "voter_districts_wy").await, before_memberships);
    assert_indexes_adopted(&c, "voters_wy").await;
    assert_indexes_adopted(&c, "voter_districts_wy").await;
    // No leftover CHECK (state = 'WY'), and the statistics were gathered inside the import.
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM pg_constraint WHERE conname LIKE 'voter_import_build%'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM pg_stats WHERE tablename IN ('voters_wy', 'voter_districts_wy')
             AND attname = 'state'"
        )
        .await,
        2
    );
    // Vacuumed after COMMIT: every page is all-visible, so index-only scans skip the heap.
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM pg_class
             WHERE relname IN ('voters_wy', 'voter_districts_wy') AND relpages > 0
               AND relallvisible = relpages"
        )
        .await,
        2
    );
    // Queries through the parents use the new partitions' indexes.
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM voters WHERE state = 'WY' AND lal_voter_id = 'LALWY000000007'"
        )
        .await,
        1
    );
    // And the partitions take ordinary writes through the parents afterwards (the keys hold).
    let dup = c
        .batch_execute(
            "INSERT INTO voters (id, state, lal_voter_id, gender, party, voter_status, marital_status,
                 has_children, veteran, homeowner, business_owner, education, ethnicity, language)
             SELECT gen_random_uuid(), 'WY', lal_voter_id, gender, party, voter_status, marital_status,
                 has_children, veteran, homeowner, business_owner, education, ethnicity, language
             FROM voters WHERE state = 'WY' LIMIT 1",
        )
        .await;
    assert!(
        dup.is_err(),
        "the unique key of the new partition is enforced"
    );
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_reimport_after_build_and_swap_changes_nothing() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let all = voters("WY", 250);
    import(&store, vec![all.clone()]).await;
    let swapped = partitions(&c, "WY").await;
    let before: Vec<String> = c
        .query(
            "SELECT v::text FROM voters v ORDER BY state, lal_voter_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .chain(contents(&c).await)
        .collect();
    let again: Vec<Voter> = all
        .into_iter()
        .map(|mut v| {
            v.id = VoterId::generate();
            v
        })
        .collect();
    let summary = import(&store, vec![again]).await;
    assert_eq!(
        summary,
        ImportSummary {
            voters_received: 250,
            ..ImportSummary::default()
        }
    );
    assert_eq!(partitions(&c, "WY").await, swapped, "merged, not rebuilt");
    let after: Vec<String> = c
        .query(
            "SELECT v::text FROM voters v ORDER BY state, lal_voter_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .chain(contents(&c).await)
        .collect();
    assert_eq!(after, before, "ids, updated_at, rows and facets unchanged");
    assert_facets_exact(&c).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_import_swaps_the_empty_state_and_merges_the_other() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let wy = voters("WY", 100);
    import(&store, vec![wy[..40].to_vec()]).await;
    let wy_stored = partitions(&c, "WY").await;
    let mt_empty = partitions(&c, "MT").await;

    // WY: 40 known (voter 4 changed), 60 new; MT: 80 new, interleaved in the batches.
    let mut wy_again: Vec<Voter> = wy
        .iter()
        .cloned()
        .map(|mut v| {
            v.id = VoterId::generate();
            v
        })
        .collect();
    wy_again[4].party = PartyGroup::Independent;
    let mt = voters("MT", 80);
    let mut batch_1 = wy_again[..50].to_vec();
    batch_1.extend_from_slice(&mt[..30]);
    let mut batch_2 = mt[30..].to_vec();
    batch_2.extend_from_slice(&wy_again[50..]);
    let summary = import(&store, vec![batch_1, batch_2]).await;
    assert_eq!(
        summary,
        ImportSummary {
            voters_received: 180,
            voters_inserted: 60 + 80,
            voters_updated: 1,
            // Montana's county, wards and statewide district; Wyoming's ward 2.
            districts_created: 5,
            // WY: 3 rows of each new voter, 3 rows of voter 4 updated; MT: 3 rows each.
            memberships_changed: 60 * 3 + 3 + 80 * 3,
            voters_removed: 0,
        }
    );
    assert_eq!(partitions(&c, "WY").await, wy_stored, "WY merged in place");
    let mt_now = partitions(&c, "MT").await;
    assert_ne!(mt_now.0, mt_empty.0, "MT voters partition swapped");
    assert_ne!(mt_now.1, mt_empty.1, "MT memberships partition swapped");
    assert_indexes_adopted(&c, "voters_mt").await;
    assert_indexes_adopted(&c, "voter_districts_mt").await;
    assert_eq!(
        count(&c, "SELECT count(*) FROM voters WHERE state = 'WY'").await,
        100
    );
    assert_eq!(
        count(&c, "SELECT count(*) FROM voters WHERE state = 'MT'").await,
        80
    );
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM voter_districts WHERE state = 'MT'"
        )
        .await,
        240
    );
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM voter_districts WHERE state = 'WY' AND party = 'independent'"
        )
        .await,
        // voter 4 (now independent) and the independents among the 100 (i % 4 == 3), 3 rows each.
        3 * (wy
            .iter()
            .filter(|v| v.party == PartyGroup::Independent)
            .count() as i64
            + 1)
    );
    assert_facets_exact(&c).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_build_leaves_the_empty_partitions() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let before = partitions(&c, "WY").await;
    let shape_before = shape(&c, "voter_districts_wy").await;

    // Two rows with one voter id: the primary key of the built table refuses them.
    let mut bad = voters("WY", 50);
    bad[7].id = bad[6].id;
    let mut failing = store.begin_import(ImportOptions::default()).await.unwrap();
    failing.write(bad).await.unwrap();
    let error = failing.commit().await.unwrap_err();
    assert!(error.to_string().contains("unique"), "{error}");

    assert_eq!(partitions(&c, "WY").await, before, "partitions untouched");
    assert_eq!(shape(&c, "voter_districts_wy").await, shape_before);
    assert_indexes_adopted(&c, "voters_wy").await;
    assert_indexes_adopted(&c, "voter_districts_wy").await;
    for table in ["voters", "voter_districts", "districts", "district_facets"] {
        assert_eq!(
            count(&c, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table} is empty"
        );
    }
    // The next import takes the fast path and succeeds.
    let summary = import(&store, vec![voters("WY", 50)]).await;
    assert_eq!(summary.voters_inserted, 50);
    assert_ne!(partitions(&c, "WY").await, before);
    assert_facets_exact(&c).await;
    db.cleanup().await;
}

/// Waits until the import's session waits for a lock (the swap).
async fn wait_for_swap_lock(c: &Client) {
    for _ in 0..600 {
        let waiting = count(
            c,
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE a.application_name = 'winserve-import' AND a.datname = current_database()
               AND NOT l.granted AND l.mode = 'AccessExclusiveLock'",
        )
        .await;
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the import never reached the swap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn swap_waits_for_readers_and_an_abort_there_leaves_the_partitions() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    let reader = client(&db).await;
    let before = partitions(&c, "WY").await;

    // A reader in a long transaction: the swap retries until it ends, then goes through.
    reader
        .batch_execute("BEGIN; SELECT count(*) FROM voter_districts")
        .await
        .unwrap();
    let task = {
        let store = store.clone();
        tokio::spawn(async move { import(&store, vec![voters("WY", 60)]).await })
    };
    wait_for_swap_lock(&c).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!task.is_finished(), "the swap waits for the reader");
    // Other readers are not queued behind the import for long.
    let started = std::time::Instant::now();
    assert_eq!(
        count(&c, "SELECT count(*) FROM voters WHERE state = 'MT'").await,
        0
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    reader.batch_execute("COMMIT").await.unwrap();
    let summary = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.voters_inserted, 60);
    assert_ne!(partitions(&c, "WY").await, before);
    assert_facets_exact(&c).await;

    // An import dropped while it waits for the swap stores nothing; the empty partitions stay.
    let mt_before = partitions(&c, "MT").await;
    let mt_shape = shape(&c, "voters_mt").await;
    reader
        .batch_execute("BEGIN; SELECT count(*) FROM voters")
        .await
        .unwrap();
    let task = {
        let store = store.clone();
        tokio::spawn(async move { import(&store, vec![voters("MT", 40)]).await })
    };
    wait_for_swap_lock(&c).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    reader.batch_execute("COMMIT").await.unwrap();
    for _ in 0..500 {
        if count(
            &c,
            "SELECT count(*) FROM pg_stat_activity
             WHERE application_name = 'winserve-import' AND datname = current_database()",
        )
        .await
            == 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(partitions(&c, "MT").await, mt_before);
    assert_eq!(shape(&c, "voters_mt").await, mt_shape);
    assert_indexes_adopted(&c, "voters_mt").await;
    assert_indexes_adopted(&c, "voter_districts_mt").await;
    assert_eq!(
        count(&c, "SELECT count(*) FROM voters WHERE state = 'MT'").await,
        0
    );
    assert_eq!(
        count(&c, "SELECT count(*) FROM districts WHERE state = 'MT'").await,
        0
    );
    assert_facets_exact(&c).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_with_something_a_swap_would_lose_takes_the_merge() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let c = client(&db).await;
    // A grant on the partition itself (a swap would drop it) — and a view on it.
    c.batch_execute(
        "GRANT SELECT ON voters_wy TO PUBLIC;
         CREATE VIEW wy_memberships AS SELECT * FROM voter_districts_mt",
    )
    .await
    .unwrap();
    let wy = partitions(&c, "WY").await;
    let mt = partitions(&c, "MT").await;
    let mut batch = voters("WY", 30);
    batch.extend(voters("MT", 20));
    let summary = import(&store, vec![batch]).await;
    assert_eq!(summary.voters_inserted, 50);
    assert_eq!(summary.memberships_changed, 150);
    assert_eq!(partitions(&c, "WY").await, wy, "merged, grant kept");
    assert_eq!(partitions(&c, "MT").await, mt, "merged, view kept");
    assert_eq!(count(&c, "SELECT count(*) FROM wy_memberships").await, 60);
    assert_facets_exact(&c).await;
    db.cleanup().await;
}

/// The contacts statements name the state's partition (ADR 0015) and stay prepared on their pooled
/// connection; a swap replaces that partition under the same name, and the cached statements must read
/// the new one (PostgreSQL re-resolves the name when it revalidates them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_contacts_statements_read_the_swapped_partition() {
    use winserve_adapters_postgres::PgStore;
    use winserve_adapters_postgres::test_support::district;
    use winserve_application::{ContactFilter, ContactRepository, ContactWindow};
    use winserve_domain::{Mode, PartyPolicy, SegmentCriteria};

    let db = TestDatabase::create().await;
    // One connection: every statement below runs on it, prepared once.
    let pool =
        winserve_adapters_postgres::build_pool(db.url(), 1, Duration::from_secs(30)).unwrap();
    let store = PgStore::with_database_url(pool, db.url());
    let ward = district(&store, "ID", WARD_1.0, WARD_1.1).await;
    let filter = ContactFilter {
        district: ward,
        criteria: SegmentCriteria::default(),
        search: None,
        policy: PartyPolicy::for_mode(Mode::Win),
    };
    let first_page = ContactWindow::Page {
        page: 1,
        per_page: 50,
    };
    for _ in 0..7 {
        // More than five executions: PostgreSQL settles on its generic plan of the empty partition.
        let page = store.list(&filter, &first_page).await.unwrap();
        assert_eq!((page.total, page.contacts.len()), (0, 0));
    }
    // A total remembered for the empty partition (ADR 0016) must not outlive the swap, which writes no
    // row through the parent's triggers.
    let college = ContactFilter {
        criteria: SegmentCriteria {
            education: Some(vec![winserve_domain::Education::College]),
            ..SegmentCriteria::default()
        },
        ..filter.clone()
    };
    assert_eq!(store.count(&college).await.unwrap(), 0);
    let c = client(&db).await;
    let before = partitions(&c, "ID").await;
    import(&store, vec![voters("ID", 120)]).await;
    assert_ne!(partitions(&c, "ID").await, before, "the import swapped");
    assert_eq!(store.count(&college).await.unwrap(), 60);

    let page = store.list(&filter, &first_page).await.unwrap();
    assert_eq!((page.total, page.contacts.len()), (60, 50));
    let next = ContactWindow::Page {
        page: 2,
        per_page: 50,
    };
    assert_eq!(store.list(&filter, &next).await.unwrap().contacts.len(), 10);
    db.cleanup().await;
}
