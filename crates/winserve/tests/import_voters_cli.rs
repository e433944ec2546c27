//! `winserve import voters` and `winserve seed` as the CLI runs them (`load::load_voter_file`,
//! `load::load_seed_voters`) against a real PostgreSQL.
#![allow(clippy::unwrap_used)]

use winserve_adapters_postgres::test_support::TestDatabase;
use winserve_application::Services;
use winserve_application::{ImportOptions, ReferenceRepository, VoterRepository};
use winserve_domain::{L2Name, L2Type, StateCode};
use winserve_voter_file::load;
use winserve_voter_file::seed::{self, SeedParams};

const NO_OPTIONS: ImportOptions = ImportOptions {
    replace_states: false,
    dry_run: false,
};

const HEAD: &str = "LALVOTERID,State,FirstName,LastName,Age_Int,Gender,County,City_Ward\n";

struct Temp(std::path::PathBuf);

impl Temp {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "winserve-cli-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir.join(name))
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

async fn voter_count(db: &TestDatabase) -> i64 {
    let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query_one("SELECT count(*) FROM voters", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_file_stores_nothing_and_names_the_line() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let imports = Services::new(store.clone().ports()).imports;
    let file = Temp::new("voters.csv");
    let mut content = HEAD.to_owned();
    for i in 0..25_000 {
        content.push_str(&format!("LALWY{i:09},WY,Ann,Smith,40,F,LARAMIE,WARD 1\n"));
    }
    // Line 25 002 (the header is line 1): an age that is not a number.
    content.push_str("LALWYBAD1,WY,Bob,Jones,forty,M,LARAMIE,\n");
    std::fs::write(&file.0, content).unwrap();

    let error = load::load_voter_file(&imports, file.path(), None, NO_OPTIONS, &mut load::Quiet)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("line 25002, column Age_Int: "),
        "unexpected error: {error}"
    );
    assert!(error.contains("nothing was imported"));
    assert_eq!(voter_count(&db).await, 0);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_invalid_writes_exactly_the_rejected_rows() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let imports = Services::new(store.clone().ports()).imports;
    let file = Temp::new("voters.csv");
    let rejects = Temp::new("rejects.csv");
    let content = format!(
        "{HEAD}LALWY1,WY,Ann,Smith,40,F,LARAMIE,WARD 1\n\
         LALWY2,WY,Bob,Jones,forty,M,LARAMIE,\n\
         LALWY3,XX,Cy,Doe,30,M,LARAMIE,\n\
         LALWY4,WY,Dee,Núñez,,,,\n\
         LALWY1,WY,Ann,Again,41,F,LARAMIE,\n"
    );
    std::fs::write(&file.0, content).unwrap();

    let load = load::load_voter_file(
        &imports,
        file.path(),
        Some(rejects.path()),
        NO_OPTIONS,
        &mut load::Quiet,
    )
    .await
    .unwrap();
    assert_eq!(load.report.rows, 5);
    assert_eq!(load.report.rejected, 3);
    assert_eq!(load.summary.voters_inserted, 2);
    assert_eq!(voter_count(&db).await, 2);

    let mut reader = csv::Reader::from_path(&rejects.0).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header.last().unwrap(), "reason");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, ["LALWY2", "LALWY3", "LALWY1"]);
    let lines: Vec<&str> = rows.iter().map(|r| &r[8]).collect();
    assert_eq!(lines, ["3", "4", "6"]);

    // Every voter of the file is in the statewide district.
    let wyoming = store
        .upsert_district(
            &StateCode::new("WY").unwrap(),
            &L2Type::new("State").unwrap(),
            &L2Name::new("WYOMING").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(store.count_in_district(wyoming.id).await.unwrap(), 2);

    // Re-importing the same file changes nothing.
    let again = load::load_voter_file(
        &imports,
        file.path(),
        Some(rejects.path()),
        NO_OPTIONS,
        &mut load::Quiet,
    )
    .await
    .unwrap();
    assert_eq!(again.summary.voters_inserted, 0);
    assert_eq!(again.summary.voters_updated, 0);
    assert_eq!(again.summary.memberships_changed, 0);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_voters_and_their_csv_load_the_same_data() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let imports = Services::new(store.clone().ports()).imports;
    let params = SeedParams {
        voters: 1_000,
        state: StateCode::new("WY").unwrap(),
        rng_seed: 7,
    };
    let plan = seed::plan(&params);
    load::store_seed_plan(&imports, &plan).await.unwrap();
    let seeded = load::load_seed_voters(&imports, &params, &mut load::Quiet)
        .await
        .unwrap();
    assert_eq!(seeded.summary.voters_inserted, 1_000);
    assert_eq!(seeded.summary.districts_created, 0);

    // The same voters from the written CSV: nothing but the generated ids differs, so nothing changes.
    let file = Temp::new("voters.csv");
    seed::write_voters_csv(std::fs::File::create(&file.0).unwrap(), &params, &plan).unwrap();
    let again = load::load_voter_file(&imports, file.path(), None, NO_OPTIONS, &mut load::Quiet)
        .await
        .unwrap();
    assert_eq!(again.summary.voters_received, 1_000);
    assert_eq!(
        again.report.unchanged, 0,
        "seeded voters have no source fingerprint: every row is parsed"
    );
    assert_eq!(again.summary.voters_inserted, 0);
    assert_eq!(again.summary.voters_updated, 0);
    assert_eq!(again.summary.memberships_changed, 0);
    for d in &plan.districts {
        let stored = store
            .upsert_district(&plan.state, &d.l2_type, &d.l2_name)
            .await
            .unwrap();
        let counted = store.count_in_district(stored.id).await.unwrap();
        assert!(
            counted.abs_diff(d.expected_voters) <= 5,
            "{} {}: {counted} voters, {} expected",
            d.l2_type,
            d.l2_name,
            d.expected_voters
        );
    }
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replacing_file_removes_the_voters_it_lacks_and_a_dry_run_only_reports() {
    let db = TestDatabase::create().await;
    let store = db.store();
    let imports = Services::new(store.clone().ports()).imports;
    let row = |i: usize, ward: &str| format!("LALWY{i:09},WY,Ann,Smith,40,F,LARAMIE,{ward}\n");
    let first = Temp::new("voters.csv");
    let content: String = (0..5).map(|i| row(i, "WARD 1")).collect();
    std::fs::write(&first.0, format!("{HEAD}{content}")).unwrap();
    load::load_voter_file(&imports, first.path(), None, NO_OPTIONS, &mut load::Quiet)
        .await
        .unwrap();

    // The next month: voters 3 and 4 are gone, voter 2 moved, voter 5 is new.
    let refresh = Temp::new("voters.csv");
    let content: String = [
        row(0, "WARD 1"),
        row(1, "WARD 1"),
        row(2, "WARD 2"),
        row(5, "WARD 2"),
    ]
    .concat();
    std::fs::write(&refresh.0, format!("{HEAD}{content}")).unwrap();
    let mut options = ImportOptions {
        replace_states: true,
        dry_run: true,
    };
    let dry = load::load_voter_file(&imports, refresh.path(), None, options, &mut load::Quiet)
        .await
        .unwrap();
    let s = dry.summary;
    assert_eq!(
        (
            s.voters_inserted,
            s.voters_updated,
            s.voters_unchanged(),
            s.voters_removed
        ),
        (1, 1, 2, 2)
    );
    assert_eq!(voter_count(&db).await, 5, "a dry run stores nothing");
    // Row 0, the state's first, is parsed; row 1 is recognised by its source fingerprint (ADR 0029).
    assert_eq!((dry.report.rows, dry.report.unchanged), (4, 1));

    options.dry_run = false;
    let real = load::load_voter_file(&imports, refresh.path(), None, options, &mut load::Quiet)
        .await
        .unwrap();
    assert_eq!(real.summary, s);
    assert_eq!(real.report.unchanged, 1);
    assert_eq!(voter_count(&db).await, 4);

    // The changed and new voters were stored with their rows' source fingerprints: the same file again
    // parses only its first row.
    let same = load::load_voter_file(&imports, refresh.path(), None, options, &mut load::Quiet)
        .await
        .unwrap();
    assert_eq!((same.report.rows, same.report.unchanged), (4, 3));
    assert_eq!(
        (same.summary.voters_unchanged(), same.summary.voters_removed),
        (4, 0)
    );
    // The same voters with their columns in another order are other rows: parsed, and unchanged.
    let reordered = Temp::new("voters.csv");
    let swapped: String = std::fs::read_to_string(&refresh.0)
        .unwrap()
        .lines()
        .map(|line| {
            let mut cells: Vec<&str> = line.split(',').collect();
            cells.swap(2, 3);
            cells.join(",") + "\n"
        })
        .collect();
    std::fs::write(&reordered.0, swapped).unwrap();
    let other = load::load_voter_file(&imports, reordered.path(), None, options, &mut load::Quiet)
        .await
        .unwrap();
    assert_eq!(other.report.unchanged, 0);
    assert_eq!(
        (
            other.summary.voters_unchanged(),
            other.summary.voters_updated
        ),
        (4, 0)
    );
    assert_eq!(voter_count(&db).await, 4);
    db.cleanup().await;
}
