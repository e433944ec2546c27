//! Timing of the phases of an import, for the logs.

/// Logs how long each phase of the merge took (`RUST_LOG=winserve_adapters_postgres=debug`).
pub(super) struct Clock(std::time::Instant);

impl Clock {
    pub(super) fn new() -> Self {
        Self(std::time::Instant::now())
    }

    pub(super) fn phase(&mut self, name: &str) {
        tracing::debug!(
            phase = name,
            ms = self.0.elapsed().as_millis() as u64,
            "voter import"
        );
        self.0 = std::time::Instant::now();
    }
}
