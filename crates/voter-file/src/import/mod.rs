//! Loading reference data from files (interfaces.md "File formats"): every row is validated first, and a
//! malformed file stores nothing unless the caller asked to skip invalid rows, in which case each
//! rejected row is written to a rejects file with its line and reason.

pub mod positions;
mod raw_records;
pub mod voters;

use std::io::Write;

/// A rejected row: where, which column, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line; the header is line 1.
    pub line: u64,
    /// The column's header name.
    pub column: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.reason
        )
    }
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A row is malformed; nothing was stored.
    #[error("{0}; nothing was imported")]
    Invalid(RowError),
    /// Storage failed; nothing was stored.
    #[error("storage failed: {0}")]
    Store(String),
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows read (without the header).
    pub rows: u64,
    /// Rows stored.
    pub stored: u64,
    /// Rows rejected (only with a rejects file).
    pub rejected: u64,
    /// Rows recognised as stored unchanged without being parsed (counted in `rows` and `stored` too).
    pub unchanged: u64,
}

/// Writes rejected rows as they were, plus `line` and `reason` columns.
pub struct RejectsWriter {
    writer: csv::Writer<Box<dyn Write>>,
}

impl RejectsWriter {
    /// A rejects file at `path` with the source `header` plus `line,reason`.
    pub fn create(path: &str, header: &csv::StringRecord) -> Result<Self, ImportError> {
        let file = std::fs::File::create(path).map_err(|e| ImportError::Io {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let mut writer =
            csv::Writer::from_writer(Box::new(std::io::BufWriter::new(file)) as Box<dyn Write>);
        let mut head: Vec<&str> = header.iter().collect();
        head.extend(["line", "reason"]);
        writer
            .write_record(&head)
            .map_err(|e| ImportError::Store(e.to_string()))?;
        Ok(Self { writer })
    }

    /// Writes one rejected row.
    pub fn reject(
        &mut self,
        record: &csv::StringRecord,
        error: &RowError,
    ) -> Result<(), ImportError> {
        let line = error.line.to_string();
        let reason = format!("column {}: {}", error.column, error.reason);
        let mut row: Vec<&str> = record.iter().collect();
        row.push(&line);
        row.push(&reason);
        self.writer
            .write_record(&row)
            .map_err(|e| ImportError::Store(e.to_string()))
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<(), ImportError> {
        self.writer
            .flush()
            .map_err(|e| ImportError::Store(e.to_string()))
    }
}
