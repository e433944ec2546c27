//! Rewrites of stored data that SQL alone cannot do, run once after the migrations that need them.
//!
//! Today one: the search documents (`voters.search_text`) of voters loaded before search matched word
//! starts (migration 000009). The document is computed by `winserve_domain::search_document`, the very
//! function every import uses, so old and new rows cannot differ.

use crate::migrate::SetupError;
use crate::voter_import::VOTER_IMPORT_LOCK;
use tokio_postgres::NoTls;

/// The upgrade's name in `data_upgrades`.
const SEARCH_DOCUMENTS: &str = "search_documents_word_starts";

/// Voters rewritten per statement: large enough to amortise the round trips, small enough to keep each
/// transaction short.
const BATCH: i64 = 5_000;

/// Runs the pending data upgrades of `database_url`; the number of rows rewritten. Safe to run
/// concurrently (the import lock serialises it with imports and other upgrades) and again after an
/// interruption (each batch commits; the upgrade is marked done at the end).
pub async fn run_data_upgrades(database_url: &str) -> Result<u64, SetupError> {
    let fail = |e: tokio_postgres::Error| SetupError::Migration(format!("data upgrade: {e}"));
    let (client, connection) = tokio_postgres::connect(database_url, NoTls)
        .await
        .map_err(fail)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "data upgrade connection ended");
        }
    });
    let pending = client
        .query_opt(
            "SELECT 1 FROM data_upgrades WHERE name = $1 AND done_at IS NULL",
            &[&SEARCH_DOCUMENTS],
        )
        .await
        .map_err(fail)?
        .is_some();
    if !pending {
        return Ok(0);
    }
    client
        .execute("SELECT pg_advisory_lock($1)", &[&VOTER_IMPORT_LOCK])
        .await
        .map_err(fail)?;
    let result = async {
        let positions = rewrite_position_documents(&client).await?;
        let voters = rewrite_search_documents(&client).await?;
        client
            .execute(
                "UPDATE data_upgrades SET done_at = now() WHERE name = $1",
                &[&SEARCH_DOCUMENTS],
            )
            .await?;
        Ok::<_, tokio_postgres::Error>(positions + voters)
    }
    .await
    .map_err(fail);
    let _ = client
        .execute("SELECT pg_advisory_unlock($1)", &[&VOTER_IMPORT_LOCK])
        .await;
    result
}

async fn rewrite_search_documents(
    client: &tokio_postgres::Client,
) -> Result<u64, tokio_postgres::Error> {
    tracing::info!("rewriting the voters' search documents for word-start search (once)");
    // Maintaining the trigram index row by row made the rewrite ~20 min per 2M voters; building it again
    // afterwards takes a minute. Searches are slow meanwhile (the rewrite holds the import lock, so no
    // import runs). A run killed half-way drops nothing more and rebuilds it when run again.
    client
        .batch_execute("DROP INDEX IF EXISTS voters_search")
        .await?;
    // State by state, in id order: each batch is a range scan of the state partition's primary key (a
    // row comparison over the partitioned table would sort every partition for every batch).
    let states: Vec<String> = client
        .query("SELECT DISTINCT state FROM voters ORDER BY state", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut rewritten = 0u64;
    for state in &states {
        rewritten += rewrite_state(client, state).await?;
    }
    tracing::info!(
        rewritten,
        "search documents rewritten; building the search index"
    );
    client
        .batch_execute(
            "SET maintenance_work_mem = '512MB';
             CREATE INDEX IF NOT EXISTS voters_search ON voters
                 USING gin (search_text gin_trgm_ops, district_ids);
             RESET maintenance_work_mem",
        )
        .await?;
    Ok(rewritten)
}

/// Rewrites every position's search document (a few thousand rows: one statement).
async fn rewrite_position_documents(
    client: &tokio_postgres::Client,
) -> Result<u64, tokio_postgres::Error> {
    let rows = client
        .query("SELECT ballotready_position_id, name FROM positions", &[])
        .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let documents: Vec<String> = rows
        .iter()
        .map(|r| crate::reference::position_document(r.get(1)))
        .collect();
    client
        .execute(
            "UPDATE positions p SET search_text = u.text \
             FROM unnest($1::text[], $2::text[]) AS u(id, text) \
             WHERE p.ballotready_position_id = u.id AND p.search_text IS DISTINCT FROM u.text",
            &[&ids, &documents],
        )
        .await
}

/// The search document of a stored voter row.
fn document_of(row: &tokio_postgres::Row) -> String {
    let text = |i: usize| row.get::<_, Option<&str>>(i);
    // Columns 1–7: first, middle and last name, suffix, street line, city, ZIP; 8–9: the phones.
    winserve_domain::search::document_of(
        [
            text(1),
            text(2),
            text(3),
            text(4),
            text(5),
            text(6),
            text(7),
        ],
        [text(8), text(9)],
    )
}

/// Rewrites the documents of one state's voters that differ from `search_document`; how many.
async fn rewrite_state(
    client: &tokio_postgres::Client,
    state: &str,
) -> Result<u64, tokio_postgres::Error> {
    // Ids travel as text: the import's tokio-postgres is built without its uuid feature.
    let mut after = uuid::Uuid::nil().to_string();
    let mut rewritten = 0u64;
    loop {
        let rows = client
            .query(
                "SELECT id::text, first_name, middle_name, last_name, name_suffix, address_line1, \
                 address_city, address_zip, cell_phone, landline, search_text \
                 FROM voters WHERE state = $1 AND id > $2::text::uuid ORDER BY id LIMIT $3",
                &[&state, &after, &BATCH],
            )
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.get(0);
        let (mut ids, mut texts) = (Vec::new(), Vec::new());
        for row in &rows {
            let document = document_of(row);
            if row.get::<_, String>(10) != document {
                ids.push(row.get::<_, String>(0));
                texts.push(document);
            }
        }
        if !ids.is_empty() {
            rewritten += client
                .execute(
                    "UPDATE voters v SET search_text = u.text \
                     FROM unnest($2::text[], $3::text[]) AS u(id, text) \
                     WHERE v.state = $1 AND v.id = u.id::uuid",
                    &[&state, &ids, &texts],
                )
                .await?;
        }
    }
    if rewritten > 0 {
        // Searches answered from memory read their documents at a data version (ADR 0023).
        client
            .execute("SELECT voter_data_changed(ARRAY[$1::text])", &[&state])
            .await?;
    }
    Ok(rewritten)
}
