//! The load pipeline: a voter file (or the seed generator) read on a blocking thread and streamed, in
//! batches, into one all-or-nothing import; and the districts and positions of a seed plan.

use crate::import::{ImportError, ImportReport, voters as voter_file};
use crate::seed::{self, SeedParams, SeedPlan};
use std::sync::Arc;
use std::time::{Duration, Instant};
use winserve_application::{
    FileBatch, ImportOptions, ImportService, ImportSummary, NewPosition, StoreError, StoredSources,
    VoterImport,
};
use winserve_domain::{StateCode, Voter};

/// Why a load failed. Its message is the one the `winserve` command prints; the cause is kept as
/// the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The import could not be started; nothing was imported.
    #[error("cannot start the import: {0}")]
    CannotStart(#[source] StoreError),
    /// Storage failed while staging or committing the voters; nothing was imported.
    #[error("storage failed: {0}; nothing was imported")]
    Storage(#[source] StoreError),
    /// The file was rejected (unreadable, or a malformed row without a rejects file); nothing was
    /// imported. The message is the parser's.
    #[error("{0}")]
    Rejected(#[source] ImportError),
    /// The thread reading the file (or generating the voters) panicked or was cancelled.
    #[error("the reading thread failed: {0}")]
    ReadingThread(#[source] tokio::task::JoinError),
    /// The import stopped taking voters before the generator was done.
    #[error("the import stopped")]
    Stopped,
    /// The districts or positions of a seed plan could not be stored.
    #[error("cannot store the seed plan: {0}")]
    SeedPlan(#[source] StoreError),
}

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

/// What the reading (or generating) thread sends to the import.
enum ToImport {
    /// Voters to stage.
    Voters(Vec<Voter>),
    /// Voters read from a file, with their source fingerprints and the rows recognised as unchanged.
    FileRows(FileBatch),
    /// The reader asks for the stored source fingerprints of a state (ADR 0029).
    Sources(
        StateCode,
        std::sync::mpsc::Sender<Option<Arc<dyn StoredSources>>>,
    ),
}

/// Streams batches from `produce` (run on a blocking thread, sending into the channel) into one import,
/// and commits it when `produce` succeeds; any failure aborts the import, so nothing is stored.
async fn stream_into_import<R, P>(
    imports: &ImportService,
    options: ImportOptions,
    progress: &mut dyn Progress,
    produce: P,
) -> Result<(R, ImportSummary), LoadError>
where
    R: Send + 'static,
    P: FnOnce(tokio::sync::mpsc::Sender<ToImport>) -> Result<R, LoadError> + Send + 'static,
{
    let mut import: Box<dyn VoterImport> = imports
        .begin_voter_import(options)
        .await
        .map_err(LoadError::CannotStart)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ToImport>(BATCHES_IN_FLIGHT);
    let producer = tokio::task::spawn_blocking(move || produce(tx));
    let mut failure = None;
    while let Some(message) = rx.recv().await {
        let step = match message {
            ToImport::Voters(batch) => {
                let n = batch.len() as u64;
                import.write(batch).await.map(|()| n)
            }
            ToImport::FileRows(batch) => {
                let n = batch.voters.len() as u64 + batch.unchanged;
                import.write_file_rows(batch).await.map(|()| n)
            }
            ToImport::Sources(state, reply) => import.stored_sources(&state).await.map(|stored| {
                // The reader may be gone already (it failed); its own error is reported.
                let _ = reply.send(stored);
                0
            }),
        };
        match step {
            Ok(n) => progress.add(n),
            Err(e) => {
                failure = Some(LoadError::Storage(e));
                break;
            }
        }
    }
    // Stops the producer if the import failed.
    drop(rx);
    let produced = producer.await.map_err(LoadError::ReadingThread);
    progress.finish();
    let produced = match (failure, produced) {
        (Some(failure), _) => Err(failure),
        (None, Ok(Ok(r))) => Ok(r),
        (None, Ok(Err(e)) | Err(e)) => Err(e),
    };
    match produced {
        Ok(r) => {
            let summary = import.commit().await.map_err(LoadError::Storage)?;
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
/// [`LoadError::Rejected`] (`line N, column NAME: reason; nothing was imported`); with it, invalid
/// rows are written there and skipped. `options` say whether the file replaces its states and whether
/// this is a dry run (see [`ImportOptions`]).
pub async fn load_voter_file(
    imports: &ImportService,
    file: &str,
    rejects: Option<&str>,
    options: ImportOptions,
    progress: &mut dyn Progress,
) -> Result<VoterLoad, LoadError> {
    let started = Instant::now();
    let (file, rejects) = (file.to_owned(), rejects.map(str::to_owned));
    let (report, summary) = stream_into_import(imports, options, progress, move |tx| {
        let ask = tx.clone();
        // The reader reads on while the import fetches the answer (a closed channel answers `None`).
        let lookup: voter_file::SourcesLookup = Box::new(move |state: &StateCode| {
            let (reply, answer) = std::sync::mpsc::channel();
            let _ = ask.blocking_send(ToImport::Sources(state.clone(), reply));
            answer
        });
        voter_file::read_voter_file(
            &file,
            rejects.as_deref(),
            Some(lookup),
            |batch| {
                tx.blocking_send(ToImport::FileRows(batch))
                    .map_err(|_| ImportError::Store("the import stopped".into()))
            },
            VOTER_BATCH,
        )
        .map_err(LoadError::Rejected)
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
) -> Result<(usize, usize), LoadError> {
    let mut ids = std::collections::HashMap::new();
    for d in &plan.districts {
        let district = reference
            .upsert_district(&plan.state, &d.l2_type, &d.l2_name)
            .await
            .map_err(LoadError::SeedPlan)?;
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
                        .map_err(LoadError::SeedPlan)?
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
            .map_err(LoadError::SeedPlan)?;
    }
    Ok((plan.districts.len(), plan.positions.len()))
}

/// Generates the voters of `params` on a blocking thread and loads them through one import.
pub async fn load_seed_voters(
    imports: &ImportService,
    params: &SeedParams,
    progress: &mut dyn Progress,
) -> Result<VoterLoad, LoadError> {
    let started = Instant::now();
    let generator = seed::VoterGenerator::new(params);
    let total = generator.len();
    let (count, summary) =
        stream_into_import(imports, ImportOptions::default(), progress, move |tx| {
            let mut start = 0;
            while start < total {
                let end = (start + VOTER_BATCH as u64).min(total);
                let batch: Vec<Voter> = generator.range(start..end).collect();
                if tx.blocking_send(ToImport::Voters(batch)).is_err() {
                    return Err(LoadError::Stopped);
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
            unchanged: 0,
        },
        summary,
        elapsed: started.elapsed(),
    })
}
