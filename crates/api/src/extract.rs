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
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::payload_too_large();
    }
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // The source is serde_path_to_error's "path: message"; the path names the field.
            let text = std::error::Error::source(&e)
                .map(ToString::to_string)
                .unwrap_or_else(|| e.body_text());
            let (field, message) = split_path(&text);
            ApiError::validation(field, message)
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request("the body is not valid JSON"),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::bad_request("send the body as JSON with Content-Type: application/json")
        }
        other => ApiError::bad_request(other.body_text()),
    }
}

/// Splits serde_path_to_error's `path: message` into the field and the message; a root-level error
/// (path `.`) names the field from the message's first back-quoted word, else `body`.
fn split_path(text: &str) -> (String, String) {
    match text.split_once(": ") {
        Some((path, message)) if path != "." && !path.contains(' ') => {
            (path.to_owned(), message.to_owned())
        }
        Some((_, message)) => (field_of(message), message.to_owned()),
        None => (field_of(text), text.to_owned()),
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
    use super::{field_of, split_path};

    #[test]
    fn paths_become_fields() {
        assert_eq!(
            split_path("criteria.party[0]: unknown variant `x`"),
            (
                "criteria.party[0]".to_owned(),
                "unknown variant `x`".to_owned()
            )
        );
        assert_eq!(split_path(".: missing field `slug`").0, "slug");
    }

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
