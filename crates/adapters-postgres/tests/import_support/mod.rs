//! Helpers shared by the voter import tests (`voter_import.rs`, `voter_import_bulk.rs`).

use tokio_postgres::{Client, NoTls};
use winserve_adapters_postgres::PgStore;
use winserve_adapters_postgres::test_support::TestDatabase;
use winserve_domain::Voter;
use winserve_ports::{ImportSummary, VoterRepository};

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
    let mut import = store.begin_import().await.unwrap();
    for batch in batches {
        import.write(batch).await.unwrap();
    }
    import.commit().await.unwrap()
}
