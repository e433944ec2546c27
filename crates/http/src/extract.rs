//! Request extractors whose rejections are problem+json: JSON bodies, query strings and path ids.

use crate::problem::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body. Syntax errors are 400 `bad_request`; wrong types, missing or unknown fields are 422
/// `validation_failed`; bodies over the limit are 413 `payload_too_large`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Two steps, so that only real syntax errors are 400: a value of the wrong JSON type (`[1]` where
        // a list of names is expected) is a validation error of a well-formed body.
        let deadline = body_deadline(&req);
        let axum::Json(value) = within(
            deadline,
            axum::Json::<serde_json::Value>::from_request(req, state),
        )
        .await?
        .map_err(json_rejection)?;
        // Every body of this API is an object; serde would read a struct from an array too.
        if !value.is_object() {
            return Err(ApiError::validation("body", "must be a JSON object"));
        }
        serde_path_to_error::deserialize(value)
            .map(Self)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.inner().to_string();
                let field = if path == "." {
                    field_of(&message)
                } else {
                    path
                };
                ApiError::validation(field, message)
            })
    }
}

/// The deadline by which a request's body must have arrived (read by the body extractors, which answer
/// 408 `request_timeout` past it).
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub tokio::time::Instant);

fn body_deadline(req: &Request) -> Option<tokio::time::Instant> {
    req.extensions().get::<BodyDeadline>().map(|d| d.0)
}

/// Reads a body by `deadline` (set by the router from `WINSERVE_BODY_TIMEOUT`), else 408
/// `request_timeout`.
pub(crate) async fn within<T>(
    deadline: Option<tokio::time::Instant>,
    read: impl std::future::Future<Output = T>,
) -> Result<T, ApiError> {
    let Some(deadline) = deadline else {
        return Ok(read.await);
    };
    tokio::time::timeout_at(deadline, read).await.map_err(|_| {
        metrics::counter!("winserve_http_rejected_total", "reason" => "body_timeout").increment(1);
        ApiError::request_timeout("the request body did not arrive in time")
    })
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::payload_too_large();
    }
    match rejection {
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request("the body is not valid JSON"),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::bad_request("send the body as JSON with Content-Type: application/json")
        }
        other => ApiError::bad_request(other.body_text()),
    }
}

/// Picks the field name out of a serde message (the first back-quoted word), else `body`.
fn field_of(message: &str) -> String {
    let Some(start) = message.find('`') else {
        return "body".into();
    };
    let rest = &message[start + 1..];
    rest.find('`')
        .map(|end| rest[..end].to_owned())
        .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or_else(|| "body".into())
}

/// The body of an action that takes no input (launch a campaign, end an office): empty or `{}`. Anything
/// else is refused rather than silently ignored — 400 `bad_request` for text that is not JSON, 422
/// `validation_failed` for JSON with fields — and bodies over the limit are 413 `payload_too_large`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBody;

impl<S> FromRequest<S> for NoBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let deadline = body_deadline(&req);
        let bytes = within(deadline, axum::body::Bytes::from_request(req, state))
            .await?
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::payload_too_large()
                } else {
                    ApiError::bad_request(rejection.body_text())
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self);
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|_| ApiError::bad_request("the body is not valid JSON"))?;
        match value {
            serde_json::Value::Object(fields) => match fields.keys().next() {
                None => Ok(Self),
                Some(key) => Err(ApiError::validation(
                    key.as_str(),
                    "unknown field: this action takes no input",
                )),
            },
            _ => Err(ApiError::validation("body", "must be empty or {}")),
        }
    }
}

/// Query parameters; any problem is 422 `validation_failed`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    let message = match &rejection {
        QueryRejection::FailedToDeserializeQueryString(e) => std::error::Error::source(e)
            .map(ToString::to_string)
            .unwrap_or_else(|| e.body_text()),
        other => other.body_text(),
    };
    ApiError::validation(field_of(&message), message)
}

/// Path parameters, validated before any database access; a malformed id is 422 `validation_failed`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                Err(ApiError::validation("id", e.body_text()))
            }
            Err(other) => Err(ApiError::internal(other.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn field_names_are_read_from_serde_messages() {
        assert_eq!(
            field_of("unknown field `colour`, expected one of `a`"),
            "colour"
        );
        assert_eq!(field_of("missing field `slug`"), "slug");
        assert_eq!(field_of("invalid type: string \"x\""), "body");
    }
}
