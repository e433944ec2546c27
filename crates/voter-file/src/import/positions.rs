//! `winserve import positions FILE.csv`:
//! `ballotready_position_id,name,state,level,l2_type,l2_name`.

use super::{ImportError, ImportReport, RejectsWriter, RowError};
use winserve_application::{ImportService, NewPosition};
use winserve_domain::{BallotReadyId, L2Name, L2Type, PositionLevel, StateCode};

/// The columns, in order.
pub const COLUMNS: [&str; 6] = [
    "ballotready_position_id",
    "name",
    "state",
    "level",
    "l2_type",
    "l2_name",
];

/// A validated row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionRow {
    /// BallotReady id.
    pub id: BallotReadyId,
    /// Name.
    pub name: String,
    /// State.
    pub state: StateCode,
    /// Level.
    pub level: PositionLevel,
    /// The natural district, when both its type and name are given.
    pub district: Option<(L2Type, L2Name)>,
}

/// Validates one record (`line` is its 1-based line number).
pub fn parse_row(record: &csv::StringRecord, line: u64) -> Result<PositionRow, RowError> {
    let err = |column: &str, reason: String| RowError {
        line,
        column: column.to_owned(),
        reason,
    };
    if record.len() != COLUMNS.len() {
        return Err(err(
            "*",
            format!("expected {} columns, found {}", COLUMNS.len(), record.len()),
        ));
    }
    let get = |i: usize| record.get(i).unwrap_or("").trim();
    let id = BallotReadyId::new(get(0)).map_err(|e| err(COLUMNS[0], e.message))?;
    let name = get(1);
    if name.is_empty() || name.chars().count() > 300 {
        return Err(err(COLUMNS[1], "must be 1 to 300 characters".into()));
    }
    let state = StateCode::new(get(2)).map_err(|e| err(COLUMNS[2], e.message))?;
    let level = PositionLevel::parse(get(3)).ok_or_else(|| {
        err(
            COLUMNS[3],
            format!(
                "'{}' is not one of city, county, state, federal, local, regional, township",
                get(3)
            ),
        )
    })?;
    let district = match (get(4), get(5)) {
        ("", "") => None,
        ("", _) => return Err(err(COLUMNS[4], "is needed when l2_name is given".into())),
        (_, "") => return Err(err(COLUMNS[5], "is needed when l2_type is given".into())),
        (t, n) => Some((
            L2Type::new(t).map_err(|e| err(COLUMNS[4], e.message))?,
            L2Name::new(n).map_err(|e| err(COLUMNS[5], e.message))?,
        )),
    };
    Ok(PositionRow {
        id,
        name: name.to_owned(),
        state,
        level,
        district,
    })
}

/// Reads and validates the whole file; the first bad row fails the import unless `rejects` is given.
pub fn read_file(
    path: &str,
    rejects: Option<&str>,
) -> Result<(Vec<PositionRow>, ImportReport), ImportError> {
    let io = |e: &dyn std::fmt::Display| ImportError::Io {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| io(&e))?;
    let header = reader.headers().map_err(|e| io(&e))?.clone();
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    if names != COLUMNS {
        return Err(ImportError::Invalid(RowError {
            line: 1,
            column: "header".into(),
            reason: format!("expected {}", COLUMNS.join(",")),
        }));
    }
    let mut rejects = rejects
        .map(|p| RejectsWriter::create(p, &header))
        .transpose()?;
    let mut rows = Vec::new();
    let mut report = ImportReport::default();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(ImportError::Invalid(RowError {
                    line,
                    column: "*".into(),
                    reason: e.to_string(),
                }));
            }
        }
        report.rows += 1;
        match parse_row(&record, line) {
            Ok(row) => rows.push(row),
            Err(e) => match rejects.as_mut() {
                Some(w) => {
                    w.reject(&record, &e)?;
                    report.rejected += 1;
                }
                None => return Err(ImportError::Invalid(e)),
            },
        }
    }
    if let Some(w) = rejects {
        w.finish()?;
    }
    Ok((rows, report))
}

/// Stores validated rows: districts created if missing, positions upserted by id.
pub async fn store(reference: &ImportService, rows: &[PositionRow]) -> Result<u64, ImportError> {
    let mut stored = 0;
    for row in rows {
        let district_id = match &row.district {
            Some((t, n)) => Some(
                reference
                    .upsert_district(&row.state, t, n)
                    .await
                    .map_err(|e| ImportError::Store(e.to_string()))?
                    .id,
            ),
            None => None,
        };
        reference
            .upsert_position(&NewPosition {
                ballotready_position_id: row.id.clone(),
                name: row.name.clone(),
                state: row.state.clone(),
                level: row.level,
                district_id,
            })
            .await
            .map_err(|e| ImportError::Store(e.to_string()))?;
        stored += 1;
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(fields: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(fields.to_vec())
    }

    #[test]
    fn valid_rows_parse() {
        let r = parse_row(
            &rec(&[
                "pos1",
                "Mayor",
                "wy",
                "City",
                "City",
                "CHEYENNE##CHEYENNE CITY",
            ]),
            2,
        )
        .unwrap();
        assert_eq!(r.state.as_str(), "WY");
        assert_eq!(r.level, PositionLevel::City);
        assert_eq!(r.district.unwrap().1.as_str(), "CHEYENNE CITY");
        let r = parse_row(&rec(&["pos2", "Judge", "WY", "state", "", ""]), 3).unwrap();
        assert!(r.district.is_none());
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse_row(&rec(&["pos1", "Mayor", "XX", "city", "", ""]), 7).unwrap_err();
        assert_eq!(
            e.to_string().split(':').next().unwrap(),
            "line 7, column state"
        );
        let e = parse_row(&rec(&["pos1", "Mayor", "WY", "galactic", "", ""]), 3).unwrap_err();
        assert_eq!(e.column, "level");
        let e = parse_row(&rec(&["pos1", "Mayor", "WY", "city", "City", ""]), 3).unwrap_err();
        assert_eq!(e.column, "l2_name");
        let e = parse_row(&rec(&["pos1", "Mayor"]), 4).unwrap_err();
        assert_eq!(e.line, 4);
    }
}
