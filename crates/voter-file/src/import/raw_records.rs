//! The records of a CSV file as the bytes they are in the file, found without parsing the rows that have
//! no quote (ADR 0033).
//!
//! A vendor's monthly file is ~97% rows stored unchanged, recognised by a fingerprint of their bytes: the
//! reader only needs where each record ends, its line, and two of its cells. A line without a `"` is one
//! record whose cells are split at the commas, exactly as a CSV parser would; a line with a quote goes
//! through `csv_core`, which finds where the record ends (quoted fields may span lines) and unquotes its
//! cells. The format is the one `VoterFileReader` always read: `,` between cells, `"` quotes with `""`
//! inside, records ended by LF (a CR before it stays in the last cell, to be dropped by the caller), blank
//! lines skipped, a UTF-8 byte-order mark at the start of the file ignored, and an LF added after the
//! file's last byte.

use std::os::unix::fs::FileExt;

/// A UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where the last record read is, and what it looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RawRecord {
    /// Where the record starts in the file.
    pub offset: u64,
    /// The 1-based line the record starts on.
    pub line: u64,
    /// Whether the record has a quote: its cells are then the ones `csv_core` unquoted.
    pub quoted: bool,
    /// Whether a quote was still open at the end of the file: the record took the rest of the input,
    /// the added LF included.
    pub unterminated: bool,
}

/// Reads the records of a file in order (see the module's documentation).
pub(super) struct RawRecords {
    file: std::fs::File,
    /// `buf[start..end]` is read and not consumed yet; `buf[0]` is at `base` in the file.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    base: u64,
    /// The file was read to its end, and the LF after it added.
    eof: bool,
    /// The line `buf[start]` is on.
    line: u64,
    /// The last record: `buf[record.0..record.1]`, without the LF that ended it.
    record: (usize, usize),
    /// The cells of the last record when it had a quote: their bytes and where each ends.
    core: csv_core::Reader,
    cells: Vec<u8>,
    ends: Vec<usize>,
    cell_count: usize,
}

impl RawRecords {
    /// Reads `file` from its start (`capacity`: the buffer's first size).
    pub fn new(file: std::fs::File, capacity: usize) -> Self {
        let mut core = csv_core::ReaderBuilder::new()
            .terminator(csv_core::Terminator::Any(b'\n'))
            .build();
        // `csv_core` drops a byte-order mark at the start of the first input it is given, which here
        // may be a record in the middle of the file: one record read first makes that the past. The
        // file's own mark is dropped by `fill`.
        let (mut cell, mut end) = ([0u8; 2], [0usize; 2]);
        let _ = core.read_record(b"x\n", &mut cell, &mut end);
        Self {
            file,
            buf: vec![0; capacity.max(64)],
            start: 0,
            end: 0,
            base: 0,
            eof: false,
            line: 1,
            record: (0, 0),
            core,
            cells: Vec::new(),
            ends: Vec::new(),
            cell_count: 0,
        }
    }

    /// Reads on from `offset`, where a record that starts on `line` starts (its position as reported
    /// by [`Self::next_record`]).
    pub fn seek(&mut self, offset: u64, line: u64) {
        let in_buffer = self.base + self.start as u64..=self.base + self.end as u64;
        if in_buffer.contains(&offset) {
            self.start = (offset - self.base) as usize;
        } else {
            (self.base, self.start, self.end, self.eof) = (offset, 0, 0, false);
        }
        self.line = line;
    }

    /// The bytes of the input consumed so far (the added LF counts as one).
    pub fn position(&self) -> u64 {
        self.base + self.start as u64
    }

    /// The next record, `None` at the end of the input.
    pub fn next_record(&mut self) -> std::io::Result<Option<RawRecord>> {
        loop {
            if self.start == self.end && !self.fill()? {
                return Ok(None);
            }
            if self.buf[self.start] == b'\n' {
                // A blank line, as `csv_core` skips it.
                self.start += 1;
                self.line += 1;
                continue;
            }
            let Some(lf) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) else {
                // The input ends with the LF added after the file: more is to come.
                if self.eof {
                    return Err(std::io::Error::other(
                        "no line end after the end of the file",
                    ));
                }
                self.fill()?;
                continue;
            };
            let lf = self.start + lf;
            let found = RawRecord {
                offset: self.base + self.start as u64,
                line: self.line,
                quoted: false,
                unterminated: false,
            };
            if memchr::memchr(b'"', &self.buf[self.start..lf]).is_none() {
                self.record = (self.start, lf);
                self.start = lf + 1;
                self.line += 1;
                return Ok(Some(found));
            }
            return self.quoted(found).map(Some);
        }
    }

    /// Reads a record with a quote through `csv_core`, from `buf[start]`.
    fn quoted(&mut self, mut found: RawRecord) -> std::io::Result<RawRecord> {
        let (mut read, mut written, mut cells) = (0usize, 0usize, 0usize);
        loop {
            let input = &self.buf[self.start + read..self.end];
            if self.cells.len() < written + input.len() + 1 {
                self.cells.resize(written + input.len() + 1, 0);
            }
            if self.ends.len() < cells + input.len() + 2 {
                self.ends.resize(cells + input.len() + 2, 0);
            }
            let (result, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.cells[written..], &mut self.ends[cells..]);
            // The ends count from the record's first cell, whatever the calls.
            (read, written, cells) = (read + nin, written + nout, cells + nend);
            match result {
                csv_core::ReadRecordResult::InputEmpty if !input.is_empty() => {
                    if self.eof {
                        // Every byte was read inside a quote: the next call, with no input, ends it.
                        found.unterminated = true;
                    } else {
                        // Moves the record to the buffer's start: `read` counts from there.
                        self.fill()?;
                    }
                }
                csv_core::ReadRecordResult::OutputFull
                | csv_core::ReadRecordResult::OutputEndsFull => {}
                // A record, or the end of the input (only after `unterminated`).
                _ => break,
            }
        }
        let consumed = &self.buf[self.start..self.start + read];
        let length = if consumed.last() == Some(&b'\n') && !found.unterminated {
            read - 1
        } else {
            read
        };
        self.line += 1 + memchr::memchr_iter(b'\n', &consumed[..length]).count() as u64;
        self.record = (self.start, self.start + length);
        self.cell_count = cells;
        self.start += read;
        found.quoted = true;
        Ok(found)
    }

    /// The bytes of the last record, without the LF that ended it.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[self.record.0..self.record.1]
    }

    /// The cells of the last record, unquoted, into `into` (a CR before the LF is still in the last).
    pub fn cells(&self, found: &RawRecord, into: &mut csv::ByteRecord) {
        into.clear();
        if found.quoted {
            let mut from = 0;
            for &end in &self.ends[..self.cell_count] {
                into.push_field(&self.cells[from..end]);
                from = end;
            }
        } else {
            for cell in self.bytes().split(|&b| b == b',') {
                into.push_field(cell);
            }
        }
    }

    /// Reads more of the file after the unconsumed bytes, which move to the buffer's start (a buffer
    /// they fill doubles). `false` at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(self.start < self.end);
        }
        self.buf.copy_within(self.start..self.end, 0);
        self.base += self.start as u64;
        (self.end, self.start) = (self.end - self.start, 0);
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let read = loop {
            let at = self.base + self.end as u64;
            match self.file.read_at(&mut self.buf[self.end..], at) {
                Ok(read) => break read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if self.base == 0 && self.end == 0 && self.buf[..read].starts_with(BOM) {
            self.buf.copy_within(BOM.len()..read, 0);
            self.end = read - BOM.len();
            self.base = BOM.len() as u64;
        } else {
            self.end += read;
        }
        if read == 0 {
            self.eof = true;
            if self.end == self.buf.len() {
                self.buf.push(0);
            }
            self.buf[self.end] = b'\n';
            self.end += 1;
        }
        Ok(true)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A file holding `content`, removed when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn with(content: &[u8]) -> Self {
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "winserve-raw-records-{}-{n}.csv",
                std::process::id()
            ));
            std::fs::write(&path, content).unwrap();
            Self(path)
        }

        fn open(&self) -> std::fs::File {
            std::fs::File::open(&self.0).unwrap()
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// The cells of every record, as the `csv` crate reads them with the reader's settings.
    fn by_csv(content: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(std::io::Read::chain(content, &b"\n"[..]));
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {
            out.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    /// Every record of `file` as [`RawRecords`] reads it with a `capacity`-byte buffer: where it is,
    /// its bytes and its cells.
    fn read_all(file: &TempFile, capacity: usize) -> Vec<(RawRecord, Vec<u8>, Vec<Vec<u8>>)> {
        let mut records = RawRecords::new(file.open(), capacity);
        let mut out = Vec::new();
        let mut cells = csv::ByteRecord::new();
        while let Some(found) = records.next_record().unwrap() {
            records.cells(&found, &mut cells);
            let cells = cells.iter().map(<[u8]>::to_vec).collect();
            out.push((found, records.bytes().to_vec(), cells));
        }
        out
    }

    /// The cells of every record, as [`RawRecords`] reads them, and whether each record's bytes are
    /// in `content` where it says.
    fn by_raw(file: &TempFile, content: &[u8], capacity: usize) -> Vec<(Vec<Vec<u8>>, bool)> {
        let input = [content, b"\n"].concat();
        read_all(file, capacity)
            .into_iter()
            .map(|(found, bytes, cells)| {
                let at = usize::try_from(found.offset).unwrap();
                (
                    cells,
                    input.get(at..at + bytes.len()) == Some(bytes.as_slice()),
                )
            })
            .collect()
    }

    proptest! {
        /// The records, their cells and where they start are the `csv` crate's, whatever the quotes,
        /// line endings, blank lines and buffer size.
        #[test]
        fn records_are_the_csv_crates(
            bom in any::<bool>(),
            body in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' ')],
                0..160,
            ),
            capacity in 1usize..200,
        ) {
            let content = [if bom { BOM } else { b"" }, body.as_slice()].concat();
            let file = TempFile::with(&content);
            let expected: Vec<_> = by_csv(&content).into_iter().map(|cells| (cells, true)).collect();
            prop_assert_eq!(by_raw(&file, &content, capacity), expected);
        }
    }

    #[test]
    fn lines_count_blank_lines_and_newlines_in_quotes() {
        let file = TempFile::with(b"h1,h2\r\n\na,\"b\nc\"\r\n\n\nd,e\n\"open\nf");
        let seen: Vec<_> = read_all(&file, 4)
            .into_iter()
            .map(|(found, bytes, _)| {
                let bytes = String::from_utf8(bytes).unwrap();
                (found.line, found.quoted, found.unterminated, bytes)
            })
            .collect();
        assert_eq!(
            seen,
            [
                (1, false, false, "h1,h2\r".to_owned()),
                (3, true, false, "a,\"b\nc\"\r".to_owned()),
                (7, false, false, "d,e".to_owned()),
                (8, true, true, "\"open\nf\n".to_owned()),
            ]
        );
    }

    #[test]
    fn a_seek_reads_on_from_a_record() {
        let file = TempFile::with(b"h\nr1,x\n\"r2\",y\nr3,z\n");
        let at: Vec<RawRecord> = read_all(&file, 64).into_iter().map(|r| r.0).collect();
        let mut again = RawRecords::new(file.open(), 8);
        for found in [at[3], at[1], at[2]] {
            again.seek(found.offset, found.line);
            assert_eq!(again.next_record().unwrap(), Some(found));
        }
        assert_eq!(again.bytes(), b"\"r2\",y");
    }
}
