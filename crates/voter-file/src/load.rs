//! The load pipeline: a voter file (or the seed generator) read on a blocking thread and streamed, in
//! batches, into one all-or-nothing import; and the districts and positions of a seed plan.

use crate::import::{ImportError, ImportReport, voters as voter_file};
use crate::seed::{self, SeedParams, SeedPlan};
use std::time::{Duration, Instant};
use winserve_application::{ImportService, ImportSummary, NewPosition, VoterImport};
use winserve_domain::Voter;

/// Reports the progress of a long load (a terminal bar in the binary, nothing in tests).
pub trait Progress: Send {
    /// `n` more voters were staged.
    fn add(&mut self, n: u64);
    /// The load is over (successfully or not).
    fn finish(&mut self);
}

/// Progress that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Progress for Quiet {
    fn add(&mut self, _: u64) {}
    fn finish(&mut self) {}
}

/// Voters per batch handed from the reading (or generating) thread to the import.
pub const VOTER_BATCH: usize = 10_000;

/// Batches in flight between the reading thread and the import: the file is streamed, never held.
const BATCHES_IN_FLIGHT: usize = 4;

/// What a voter load did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoterLoad {
    /// Rows read and rejected (file loads).
    pub report: ImportReport,
    /// What the import changed.
    pub summary: ImportSummary,
    /// How long reading, staging and merging took.
    pub elapsed: Duration,
}

impl VoterLoad {
    /// Voters per second over the whole load.
    pub fn voters_per_second(&self) -> f64 {
        self.summary.voters_received as f64 / self.elapsed.as_secs_f64().max(0.001)
    }
}

/// Streams batches from `produce` (run on a blocking thread, sending into the channel) into one import,
/// and commits it when `produce` succeeds; any failure aborts the import, so nothing is stored.
async fn stream_into_import<R: Send + 'static>(
    imports: &ImportService,
    progress: &mut dyn Progress,
    produce: impl FnOnce(tokio::sync::mpsc::Sender<Vec<Voter>>) -> Result<R, String> + Send + 'static,
) -> Result<(R, ImportSummary), String> {
    let mut import: Box<dyn VoterImport> = imports
        .begin_voter_import()
        .await
        .map_err(|e| format!("cannot start the import: {e}"))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Voter>>(BATCHES_IN_FLIGHT);
    let producer = tokio::task::spawn_blocking(move || produce(tx));
    let mut failure = None;
    while let Some(batch) = rx.recv().await {
        let n = batch.len() as u64;
        if let Err(e) = import.write(batch).await {
            failure = Some(format!("storage failed: {e}; nothing was imported"));
            break;
        }
        progress.add(n);
    }
    // Stops the producer if the import failed.
    drop(rx);
    let produced = producer
        .await
        .map_err(|e| format!("the reading thread failed: {e}"));
    progress.finish();
    let produced = match (failure, produced) {
        (Some(failure), _) => Err(failure),
        (None, Ok(Ok(r))) => Ok(r),
        (None, Ok(Err(e)) | Err(e)) => Err(e),
    };
    match produced {
        Ok(r) => {
            let summary = import
                .commit()
                .await
                .map_err(|e| format!("storage failed: {e}; nothing was imported"))?;
            Ok((r, summary))
        }
        Err(e) => {
            import.abort().await;
            Err(e)
        }
    }
}

/// Loads the voter file `file` through one import: parsed and validated on a blocking thread, streamed in
/// batches. Without `rejects`, the first invalid row aborts the import (nothing stored) with
/// `line N, column NAME: reason`; with it, invalid rows are written there and skipped.
pub async fn load_voter_file(
    imports: &ImportService,
    file: &str,
    rejects: Option<&str>,
    progress: &mut dyn Progress,
) -> Result<VoterLoad, String> {
    let started = Instant::now();
    let (file, rejects) = (file.to_owned(), rejects.map(str::to_owned));
    let (report, summary) = stream_into_import(imports, progress, move |tx| {
        voter_file::read_voters(
            &file,
            rejects.as_deref(),
            |batch| {
                tx.blocking_send(batch)
                    .map_err(|_| ImportError::Store("the import stopped".into()))
            },
            VOTER_BATCH,
        )
        .map_err(|e| e.to_string())
    })
    .await?;
    Ok(VoterLoad {
        report,
        summary,
        elapsed: started.elapsed(),
    })
}

/// Creates the districts and positions of a seed plan (idempotent); returns how many of each.
pub async fn store_seed_plan(
    reference: &ImportService,
    plan: &SeedPlan,
) -> Result<(usize, usize), String> {
    let failed = |e: winserve_application::StoreError| format!("cannot store the seed plan: {e}");
    let mut ids = std::collections::HashMap::new();
    for d in &plan.districts {
        let district = reference
            .upsert_district(&plan.state, &d.l2_type, &d.l2_name)
            .await
            .map_err(failed)?;
        ids.insert((d.l2_type.clone(), d.l2_name.clone()), district.id);
    }
    for p in &plan.positions {
        let district_id = match &p.district {
            Some(key) => match ids.get(key) {
                Some(id) => Some(*id),
                None => Some(
                    reference
                        .upsert_district(&plan.state, &key.0, &key.1)
                        .await
                        .map_err(failed)?
                        .id,
                ),
            },
            None => None,
        };
        reference
            .upsert_position(&NewPosition {
                ballotready_position_id: p.ballotready_position_id.clone(),
                name: p.name.clone(),
                state: plan.state.clone(),
                level: p.level,
                district_id,
            })
            .await
            .map_err(failed)?;
    }
    Ok((plan.districts.len(), plan.positions.len()))
}

/// Generates the voters of `params` on a blocking thread and loads them through one import.
pub async fn load_seed_voters(
    imports: &ImportService,
    params: &SeedParams,
    progress: &mut dyn Progress,
) -> Result<VoterLoad, String> {
    let started = Instant::now();
    let generator = seed::VoterGenerator::new(params);
    let total = generator.len();
    let (count, summary) = stream_into_import(imports, progress, move |tx| {
        let mut start = 0;
        while start < total {
            let end = (start + VOTER_BATCH as u64).min(total);
            let batch: Vec<Voter> = generator.range(start..end).collect();
            if tx.blocking_send(batch).is_err() {
                return Err("the import stopped".to_owned());
            }
            start = end;
        }
        Ok(total)
    })
    .await?;
    Ok(VoterLoad {
        report: ImportReport {
            rows: count,
            stored: count,
            rejected: 0,
        },
        summary,
        elapsed: started.elapsed(),
    })
}
