//! Rows of a `COPY … TO STDOUT (FORMAT binary)` decoded straight from the bytes PostgreSQL sends.
//!
//! `tokio_postgres`'s `BinaryCopyOutStream` builds a row object (and a list of field ranges) per row;
//! the stored fingerprints of a refresh are millions of rows of three fixed-size fields read while the
//! file reader waits for them, so they are decoded here in place, without allocating per row.
//!
//! The format (PostgreSQL's `COPY` documentation, "Binary Format"): an 11-byte signature, a 32-bit flags
//! field, a 32-bit header-extension length and that many bytes; then per row a 16-bit field count
//! (−1 ends the data) and per field a 32-bit length (−1 for NULL) and that many bytes, all big-endian.

use winserve_application::StoreError;

/// The binary COPY signature.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Decodes binary COPY data that arrives in chunks of any size (a row may span chunks), handing each
/// row's fields to a callback.
pub(in crate::voter_import) struct BinaryCopyRows {
    /// The bytes of a row (or of the header) not complete yet.
    pending: Vec<u8>,
    header_read: bool,
    ended: bool,
    /// The fields each row must have.
    fields: usize,
}

impl BinaryCopyRows {
    /// A decoder for rows of `fields` fields.
    pub(in crate::voter_import) fn new(fields: usize) -> Self {
        Self {
            pending: Vec::new(),
            header_read: false,
            ended: false,
            fields,
        }
    }

    /// Decodes the rows `chunk` completes. `row` gets each row's fields (`None` for NULL), in order.
    pub(in crate::voter_import) fn feed(
        &mut self,
        chunk: &[u8],
        mut row: impl FnMut(&[Option<&[u8]>]) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            let used = self.decode(chunk, &mut row)?;
            self.pending.extend_from_slice(&chunk[used..]);
        } else {
            let mut pending = std::mem::take(&mut self.pending);
            pending.extend_from_slice(chunk);
            let used = self.decode(&pending, &mut row)?;
            pending.drain(..used);
            self.pending = pending;
        }
        Ok(())
    }

    /// Checks that the data ended where the format says it does.
    pub(in crate::voter_import) fn finish(&self) -> Result<(), StoreError> {
        if self.ended && self.pending.is_empty() {
            Ok(())
        } else {
            Err(malformed("the data ended before its trailer"))
        }
    }

    /// Decodes the complete rows at the start of `buf`; returns the bytes they took.
    fn decode(
        &mut self,
        buf: &[u8],
        row: &mut impl FnMut(&[Option<&[u8]>]) -> Result<(), StoreError>,
    ) -> Result<usize, StoreError> {
        let mut at = 0;
        if !self.header_read {
            let Some(extension) = buf.get(15..19) else {
                return Ok(0);
            };
            if &buf[..11] != SIGNATURE {
                return Err(malformed("no binary COPY signature"));
            }
            let extension = u32::from_be_bytes(extension.try_into().expect("4 bytes")) as usize;
            if buf.len() < 19 + extension {
                return Ok(0);
            }
            at = 19 + extension;
            self.header_read = true;
        }
        // A row has at most this many fields; the format allows 1600.
        let mut values: [Option<&[u8]>; 8] = [None; 8];
        if self.fields > values.len() {
            return Err(malformed("more fields than the decoder holds"));
        }
        while at < buf.len() {
            if self.ended {
                return Err(malformed("data after the trailer"));
            }
            let Some(count) = read_i16(buf, at) else {
                break;
            };
            if count == -1 {
                self.ended = true;
                at += 2;
                continue;
            }
            if count as usize != self.fields {
                return Err(malformed("a row with an unexpected number of fields"));
            }
            let mut next = at + 2;
            let mut complete = true;
            for value in values.iter_mut().take(self.fields) {
                let Some(len) = read_i32(buf, next) else {
                    complete = false;
                    break;
                };
                next += 4;
                if len < 0 {
                    *value = None;
                    continue;
                }
                match buf.get(next..next + len as usize) {
                    Some(bytes) => *value = Some(bytes),
                    None => {
                        complete = false;
                        break;
                    }
                }
                next += len as usize;
            }
            if !complete {
                break;
            }
            row(&values[..self.fields])?;
            at = next;
        }
        Ok(at)
    }
}

fn read_i16(buf: &[u8], at: usize) -> Option<i16> {
    Some(i16::from_be_bytes(buf.get(at..at + 2)?.try_into().ok()?))
}

fn read_i32(buf: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(buf.get(at..at + 4)?.try_into().ok()?))
}

fn malformed(what: &str) -> StoreError {
    StoreError::internal(format!("binary COPY data: {what}"))
}

/// A field's bytes as a big-endian `int8`.
pub(in crate::voter_import) fn int8(field: Option<&[u8]>) -> Result<Option<i64>, StoreError> {
    field
        .map(|bytes| {
            <[u8; 8]>::try_from(bytes)
                .map(i64::from_be_bytes)
                .map_err(|_| malformed("an int8 field not 8 bytes long"))
        })
        .transpose()
}

/// A field's bytes as a `tid` (a block number and a line pointer, 6 bytes).
pub(in crate::voter_import) fn tid(field: Option<&[u8]>) -> Result<Option<[u8; 6]>, StoreError> {
    field
        .map(|bytes| {
            <[u8; 6]>::try_from(bytes).map_err(|_| malformed("a tid field not 6 bytes long"))
        })
        .transpose()
}

/// A field's bytes as a `uuid`.
#[cfg(test)]
pub(in crate::voter_import) fn uuid(
    field: Option<&[u8]>,
) -> Result<Option<uuid::Uuid>, StoreError> {
    field
        .map(|bytes| {
            uuid::Uuid::from_slice(bytes).map_err(|_| malformed("a uuid field not 16 bytes long"))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::{BinaryCopyRows, SIGNATURE, int8, uuid};

    /// Binary COPY data of `rows` (each field `None` for NULL), with a header extension of `extension`
    /// bytes.
    fn encoded(rows: &[Vec<Option<Vec<u8>>>], extension: usize) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&(extension as u32).to_be_bytes());
        out.extend(std::iter::repeat_n(7u8, extension));
        for row in rows {
            out.extend_from_slice(&(row.len() as i16).to_be_bytes());
            for field in row {
                match field {
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                    Some(bytes) => {
                        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
                        out.extend_from_slice(bytes);
                    }
                }
            }
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    fn sample() -> Vec<Vec<Option<Vec<u8>>>> {
        (0..50i64)
            .map(|n| {
                vec![
                    Some((n * 1_000_003 - 7).to_be_bytes().to_vec()),
                    (n % 3 != 0).then(|| (-n).to_be_bytes().to_vec()),
                    Some(uuid::Uuid::from_u64_pair(n as u64, 9).as_bytes().to_vec()),
                ]
            })
            .collect()
    }

    fn decoded(data: &[u8], chunk: usize) -> Vec<(i64, Option<i64>, uuid::Uuid)> {
        let mut rows = Vec::new();
        let mut decoder = BinaryCopyRows::new(3);
        for part in data.chunks(chunk) {
            decoder
                .feed(part, |f| {
                    rows.push((int8(f[0])?.unwrap(), int8(f[1])?, uuid(f[2])?.unwrap()));
                    Ok(())
                })
                .unwrap();
        }
        decoder.finish().unwrap();
        rows
    }

    #[test]
    fn rows_are_the_same_whatever_the_chunks() {
        let data = encoded(&sample(), 5);
        let whole = decoded(&data, data.len());
        assert_eq!(whole.len(), 50);
        assert_eq!(
            whole[4],
            (4 * 1_000_003 - 7, Some(-4), uuid::Uuid::from_u64_pair(4, 9))
        );
        assert_eq!(whole[3].1, None);
        for chunk in [1, 2, 3, 7, 19, 20, 51, 64] {
            assert_eq!(decoded(&data, chunk), whole, "chunks of {chunk} bytes");
        }
    }

    #[test]
    fn bad_data_is_an_error_not_a_panic() {
        let data = encoded(&sample(), 0);
        let mut decoder = BinaryCopyRows::new(3);
        decoder.feed(&data[..data.len() - 1], |_| Ok(())).unwrap();
        assert!(decoder.finish().is_err(), "no trailer");

        let mut wrong = data.clone();
        wrong[0] = b'X';
        assert!(BinaryCopyRows::new(3).feed(&wrong, |_| Ok(())).is_err());
        assert!(BinaryCopyRows::new(2).feed(&data, |_| Ok(())).is_err());

        let mut after = data.clone();
        after.extend_from_slice(&[0, 3]);
        assert!(BinaryCopyRows::new(3).feed(&after, |_| Ok(())).is_err());

        let short = encoded(&[vec![Some(vec![1, 2, 3]), None, None]], 0);
        let mut decoder = BinaryCopyRows::new(3);
        assert!(decoder.feed(&short, |f| int8(f[0]).map(drop)).is_err());
        assert!(uuid(Some(&[1, 2])).is_err());
    }
}
