//! The delivery worker of poll messages (issue 16): it drains the outbox through the SMS provider port
//! (the logging provider until a real one is wired), a batch at a time.

use std::time::Duration;
use winserve_application::PollService;

/// How many queued messages one pass hands over.
const BATCH: u32 = 200;

/// How long the worker rests when the outbox is empty (or the database is away).
const IDLE: Duration = Duration::from_secs(2);

/// Starts the worker on the current runtime; it runs as long as the server does.
pub fn spawn_delivery(polls: PollService) {
    tokio::spawn(async move {
        loop {
            match polls.deliver(BATCH).await {
                Ok(n) if n as u32 == BATCH => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e.chain(), "the SMS delivery worker could not read the outbox")
                }
            }
            tokio::time::sleep(IDLE).await;
        }
    });
}
