//! The body of `POST /v1/outreach/{id}/results`: outcomes of contacts in bulk, as JSON
//! (`{results: [{contact_id, outcome}]}`) or as CSV with the header `contact_id,outcome`. This endpoint
//! alone takes bodies up to [`UPLOAD_LIMIT`]; every refused row is named — `results[i].field` in JSON,
//! `line N` in CSV — and nothing of a refused upload is stored.

use crate::extract::{BodyDeadline, within};
use crate::problem::{ApiError, FieldError};
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::Deserialize;
use winserve_application::RowProblem;
use winserve_domain::{MAX_RESULTS_PER_UPLOAD, OutcomeRecord, OutreachOutcome, VoterId};

/// The largest upload of outcomes (100k CSV rows of a UUID and an outcome fit with room to spare).
pub const UPLOAD_LIMIT: usize = 8 * 1024 * 1024;

/// The most refused rows one answer names.
const MAX_NAMED: usize = 100;

/// How the upload was sent: it decides how a row is named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFormat {
    /// `application/json`: rows are `results[i]`.
    Json,
    /// `text/csv`: rows are lines of the file (the header is line 1).
    Csv,
}

/// A parsed upload of outcomes.
#[derive(Debug)]
pub struct OutcomeUpload {
    /// The format it came in.
    pub format: UploadFormat,
    /// The rows, in order.
    pub records: Vec<OutcomeRecord>,
    /// For CSV, the line of each row (rows may span lines when quoted).
    lines: Vec<u64>,
}

impl OutcomeUpload {
    /// How a row is named in an error: `results[3].outcome` or `line 5`.
    fn row_name(&self, index: usize, field: &str) -> String {
        match self.format {
            UploadFormat::Json => format!("results[{index}].{field}"),
            UploadFormat::Csv => {
                let line = self.lines.get(index).copied().unwrap_or(index as u64 + 2);
                format!("line {line}")
            }
        }
    }

    /// The 422 of rows refused by the service, each named as the client sent it.
    pub fn refused(&self, rows: Vec<RowProblem>) -> ApiError {
        ApiError::validation_many(
            rows.into_iter()
                .map(|r| FieldError {
                    field: self.row_name(r.index, r.field),
                    message: match self.format {
                        UploadFormat::Json => r.message,
                        UploadFormat::Csv => format!("{}: {}", r.field, r.message),
                    },
                })
                .collect(),
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonUpload {
    results: Vec<JsonRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow {
    contact_id: String,
    outcome: String,
}

/// One row's values, checked: the problems are `(field, message)`.
fn row(contact_id: &str, outcome: &str) -> Result<OutcomeRecord, Vec<(&'static str, String)>> {
    let contact = uuid::Uuid::parse_str(contact_id.trim()).map(VoterId::from_uuid);
    let parsed = OutreachOutcome::parse(outcome.trim());
    match (contact, parsed) {
        (Ok(contact), Some(outcome)) => Ok(OutcomeRecord { contact, outcome }),
        (contact, outcome) => {
            let mut problems = Vec::new();
            if contact.is_err() {
                problems.push(("contact_id", "must be a contact's id (a UUID)".to_owned()));
            }
            if outcome.is_none() {
                problems.push((
                    "outcome",
                    "must be one of contacted, no_answer, refused, wrong_number, moved".to_owned(),
                ));
            }
            Err(problems)
        }
    }
}

fn too_many() -> ApiError {
    ApiError::validation(
        "results",
        format!("at most {MAX_RESULTS_PER_UPLOAD} outcomes per upload"),
    )
}

fn parse_json(body: &[u8]) -> Result<OutcomeUpload, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::bad_request("the body is not valid JSON"))?;
    let upload: JsonUpload = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "results".into() } else { path };
        ApiError::validation(field, e.inner().to_string())
    })?;
    if upload.results.len() > MAX_RESULTS_PER_UPLOAD {
        return Err(too_many());
    }
    let mut records = Vec::with_capacity(upload.results.len());
    let mut errors = Vec::new();
    for (i, r) in upload.results.iter().enumerate() {
        match row(&r.contact_id, &r.outcome) {
            Ok(record) => records.push(record),
            Err(problems) => {
                errors.extend(problems.into_iter().map(|(field, message)| FieldError {
                    field: format!("results[{i}].{field}"),
                    message,
                }))
            }
        }
    }
    if !errors.is_empty() {
        errors.truncate(MAX_NAMED);
        return Err(ApiError::validation_many(errors));
    }
    Ok(OutcomeUpload {
        format: UploadFormat::Json,
        records,
        lines: vec![],
    })
}

fn parse_csv(body: &[u8]) -> Result<OutcomeUpload, ApiError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(body);
    let header = reader
        .headers()
        .map_err(|_| ApiError::validation("line 1", "the CSV is not readable (UTF-8 expected)"))?;
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    if names != ["contact_id", "outcome"] {
        return Err(ApiError::validation(
            "line 1",
            "the header must be exactly contact_id,outcome",
        ));
    }
    let mut records = Vec::new();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for result in reader.records() {
        if records.len() + errors.len() >= MAX_RESULTS_PER_UPLOAD {
            return Err(too_many());
        }
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(FieldError {
                    field: format!("line {line}"),
                    message: "not a readable CSV row (UTF-8 expected)".into(),
                });
                if errors.len() >= MAX_NAMED {
                    break;
                }
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != 2 {
            errors.push(FieldError {
                field: format!("line {line}"),
                message: format!(
                    "expected 2 fields (contact_id,outcome), found {}",
                    record.len()
                ),
            });
        } else {
            match row(&record[0], &record[1]) {
                Ok(r) => {
                    records.push(r);
                    lines.push(line);
                }
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|(field, message)| FieldError {
                        field: format!("line {line}"),
                        message: format!("{field}: {message}"),
                    }))
                }
            }
        }
        if errors.len() >= MAX_NAMED {
            break;
        }
    }
    if !errors.is_empty() {
        errors.truncate(MAX_NAMED);
        return Err(ApiError::validation_many(errors));
    }
    Ok(OutcomeUpload {
        format: UploadFormat::Csv,
        records,
        lines,
    })
}

impl<S: Send + Sync> FromRequest<S> for OutcomeUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let media = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            });
        let format = match media.as_deref() {
            Some("application/json") => UploadFormat::Json,
            Some("text/csv") => UploadFormat::Csv,
            _ => {
                return Err(ApiError::bad_request(
                    "send the outcomes as application/json ({results: [{contact_id, outcome}]}) or \
                     as text/csv with the header contact_id,outcome",
                ));
            }
        };
        let deadline = req.extensions().get::<BodyDeadline>().map(|d| d.0);
        // Read here with this endpoint's own limit: the router's default limit applies to the body
        // extractors, not to a body read directly.
        let body = within(
            deadline,
            axum::body::to_bytes(req.into_body(), UPLOAD_LIMIT),
        )
        .await?
        .map_err(|_| ApiError::payload_too_large())?;
        match format {
            UploadFormat::Json => parse_json(&body),
            UploadFormat::Csv => parse_csv(&body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0190b3c4-0000-7000-8000-000000000001";
    const B: &str = "0190b3c4-0000-7000-8000-000000000002";

    #[test]
    fn csv_rows_are_read_and_bad_ones_named_by_line() {
        let ok = parse_csv(format!("contact_id,outcome\n{A},contacted\n{B}, moved \n").as_bytes())
            .unwrap();
        assert_eq!(ok.records.len(), 2);
        assert_eq!(ok.records[1].outcome, OutreachOutcome::Moved);
        assert_eq!(ok.row_name(1, "contact_id"), "line 3");
        let bad =
            parse_csv(format!("contact_id,outcome\n{A},contacted\nnope,maybe\n{B}\n").as_bytes())
                .unwrap_err()
                .problem();
        let fields: Vec<String> = bad.errors.unwrap().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["line 3", "line 3", "line 4"]);
        assert!(parse_csv(b"id,outcome\n").is_err());
    }

    #[test]
    fn json_rows_are_named_by_index() {
        let body = format!(
            r#"{{"results":[{{"contact_id":"{A}","outcome":"no_answer"}},{{"contact_id":"x","outcome":"contacted"}}]}}"#
        );
        let bad = parse_json(body.as_bytes()).unwrap_err().problem();
        assert_eq!(bad.errors.unwrap()[0].field, "results[1].contact_id");
        let ok = parse_json(
            format!(r#"{{"results":[{{"contact_id":"{A}","outcome":"refused"}}]}}"#).as_bytes(),
        )
        .unwrap();
        assert_eq!(ok.records[0].outcome, OutreachOutcome::Refused);
        assert!(parse_json(br#"{"results":[],"extra":1}"#).is_err());
    }
}
