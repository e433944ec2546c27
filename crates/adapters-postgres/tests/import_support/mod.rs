//! Helpers shared by the voter import tests (`voter_import.rs`, `voter_import_bulk.rs`).

use tokio_postgres::{Client, NoTls};
use winserve_adapters_postgres::PgStore;
use winserve_adapters_postgres::test_support::TestDatabase;
use winserve_application::{ImportOptions, ImportSummary, VoterRepository};
use winserve_domain::Voter;

/// A plain `tokio-postgres` connection to the test database, for checks in SQL.
pub async fn client(db: &TestDatabase) -> Client {
    let (client, connection) = tokio_postgres::connect(db.url(), NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// The single bigint `sql` answers.
pub async fn count(c: &Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).await.unwrap().get(0)
}

/// One import of `batches`, committed.
pub async fn import(store: &PgStore, batches: Vec<Vec<Voter>>) -> ImportSummary {
    let mut import = store.begin_import(ImportOptions::default()).await.unwrap();
    for batch in batches {
        import.write(batch).await.unwrap();
    }
    import.commit().await.unwrap()
}

/// Asserts that every voter carries exact copies of its memberships: `district_ids` lists exactly its
/// districts (the search index's, ADR 0014), and its sort keys are its memberships' (migration 000006).
pub async fn assert_voter_copies_exact(c: &Client) {
    let stale = count(
        c,
        "SELECT count(*) FROM voters v
         FULL JOIN (SELECT state, voter_id, array_agg(district_id ORDER BY district_id) AS ids
                    FROM voter_districts GROUP BY 1, 2) m ON m.state = v.state AND m.voter_id = v.id
         WHERE v.district_ids IS DISTINCT FROM coalesce(m.ids, '{}')",
    )
    .await;
    assert_eq!(stale, 0, "voters.district_ids differ from voter_districts");
    let keys = count(
        c,
        "SELECT count(*) FROM voter_districts vd
         JOIN voters v ON v.state = vd.state AND v.id = vd.voter_id
         WHERE (v.last_name_key, v.first_name_key) IS DISTINCT FROM (vd.last_name_key, vd.first_name_key)",
    )
    .await;
    assert_eq!(keys, 0, "voters' sort keys differ from their memberships'");
}
