//! The one error envelope of the API: RFC 9457 `application/problem+json` with a stable `code`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use winserve_application::{
    AcceptInvitationError, ContactsError, CountSegmentError, CreateCampaignError,
    CreateSegmentError, CurrentCampaignError, CurrentOfficeError, DeleteSegmentError,
    EndOfficeError, EnterOrganizationError, FindCampaignError, FindContactError, FindOfficeError,
    FindOrganizationError, FindSegmentError, LaunchCampaignError, OutreachActionError,
    PollActionError, RecordResultError, SetActiveOrganizationError, StoreError, TeamActionError,
    UpdateCampaignError, UpdateOfficeError, UpdateOrganizationError, UpdateSegmentError, WrongMode,
};
use winserve_domain::Mode;
use winserve_domain::{Forbidden, InvalidValue, LifecycleError};

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field (dotted path for nested ones).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// A stable snake_case code for programs.
    pub code: String,
    /// The invalid fields, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For `forbidden`: the action the caller's role does not allow (`edit_segments`,
    /// `export_contacts`, `manage_members`, `lifecycle`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// An error the API answers with. Build one with the constructors; it renders as problem+json.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    errors: Option<Vec<FieldError>>,
    action: Option<&'static str>,
    retry_after: Option<u32>,
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            errors: None,
            action: None,
            retry_after: None,
        }
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            detail,
        )
    }

    /// 400 `organization_required`.
    pub fn organization_required() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "organization_required",
            "Organization required",
            "name the organization with the X-Organization-Slug header (GET /v1/me reports the default)",
        )
    }

    /// 404 `organization_not_found` — also for organizations of other users.
    pub fn organization_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "organization_not_found",
            "Organization not found",
            "no organization of yours has this slug",
        )
    }

    /// 403 `wrong_mode`.
    pub fn wrong_mode(needed: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "wrong_mode",
            "Wrong mode",
            format!("this endpoint needs a {needed} organization"),
        )
    }

    /// 403 `forbidden`: the caller is a member of the organization, but their role does not allow the
    /// action (named in `action`).
    pub fn forbidden(refused: Forbidden) -> Self {
        let mut e = Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Forbidden",
            refused.to_string(),
        );
        e.action = Some(refused.action.as_str());
        e
    }

    /// 403 `forbidden` without an action: the caller may not do this for another reason than their role
    /// (an invitation for another email address).
    pub fn refused(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    /// 404 `not_found`.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            format!("{what} not found"),
        )
    }

    /// 422 `validation_failed` with one field error.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation_many(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// 422 `validation_failed` with several field errors.
    pub fn validation_many(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Validation failed",
            detail,
        );
        e.errors = Some(errors);
        e
    }

    /// 400 `bad_request` (a body that is not JSON at all, a missing content type).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Bad request",
            detail,
        )
    }

    /// 405 `method_not_allowed`.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
            "this method is not allowed on this path",
        )
    }

    /// 409 `organization_archived`.
    pub fn organization_archived() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "organization_archived",
            "Organization archived",
            "the organization is archived and read-only",
        )
    }

    /// 409 `conflict` (a unique value is taken).
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            "request bodies are limited to 1 MiB",
        )
    }

    /// 404 `segment_not_found`.
    pub fn segment_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "segment_not_found",
            "Segment not found",
            "this organization has no segment with this id",
        )
    }

    /// 409 `district_not_set`.
    pub fn district_not_set() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "district_not_set",
            "District not set",
            "set a position with a district, or an override district, first",
        )
    }

    /// 422 `party_filter_not_allowed`.
    pub fn party_filter_not_allowed() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "party_filter_not_allowed",
            "Party filter not allowed",
            "filtering by political party is not allowed in elected-official mode",
        )
    }

    /// 429 `too_many_requests` with `Retry-After` (a rate or concurrency limit is full).
    pub fn too_many_requests(detail: impl Into<String>, retry_after_seconds: u32) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many requests",
            detail,
        );
        e.retry_after = Some(retry_after_seconds.max(1));
        e
    }

    /// 408 `request_timeout`: the client did not send its request (headers or body) in time.
    pub fn request_timeout(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "Request timeout",
            detail,
        )
    }

    /// 414 `uri_too_long`.
    pub fn uri_too_long(limit: usize) -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            "URI too long",
            format!("request targets are limited to {limit} bytes"),
        )
    }

    /// 431 `header_fields_too_large`.
    pub fn header_fields_too_large(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "header_fields_too_large",
            "Request header fields too large",
            detail,
        )
    }

    /// 503 `unavailable` with `Retry-After`.
    pub fn unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            "the database is not reachable right now; try again shortly",
        );
        e.retry_after = Some(2);
        e
    }

    /// 500 `internal`. The cause is logged here and never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "something went wrong on our side; it has been logged",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The body.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!(
                "https://winserve.dev/problems/{}",
                self.code.replace('_', "-")
            ),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
            action: self.action.map(str::to_owned),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(cause = %e.chain(), "database unavailable");
            ApiError::unavailable()
        } else {
            ApiError::internal(e.chain())
        }
    }
}

impl From<InvalidValue> for ApiError {
    fn from(e: InvalidValue) -> Self {
        ApiError::validation(e.field, e.message)
    }
}

impl From<LifecycleError> for ApiError {
    fn from(e: LifecycleError) -> Self {
        let detail = e.to_string();
        match e {
            LifecycleError::CampaignNotFound => ApiError::not_found("campaign"),
            LifecycleError::OfficeNotFound => ApiError::not_found("elected office"),
            LifecycleError::OpenCampaignExists(_) => ApiError::new(
                StatusCode::CONFLICT,
                "open_campaign_exists",
                "Open campaign exists",
                detail,
            ),
            LifecycleError::OfficeNotSet => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "office_not_set",
                "Office not set",
                detail,
            ),
            LifecycleError::ResultAlreadyRecorded(_) => ApiError::new(
                StatusCode::CONFLICT,
                "result_already_recorded",
                "Result already recorded",
                detail,
            ),
            LifecycleError::InvalidTransition { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "invalid_transition",
                "Invalid transition",
                detail,
            ),
            LifecycleError::OrganizationArchived => ApiError::organization_archived(),
            LifecycleError::CannotCarry(message) => ApiError::validation("carry_members", message),
        }
    }
}

impl From<Forbidden> for ApiError {
    fn from(e: Forbidden) -> Self {
        ApiError::forbidden(e)
    }
}

impl From<WrongMode> for ApiError {
    fn from(e: WrongMode) -> Self {
        match e.needed {
            Mode::Win => ApiError::wrong_mode("campaign (win)"),
            Mode::Serve => ApiError::wrong_mode("elected-office (serve)"),
        }
    }
}

/// `From<$error> for ApiError` for a service error enum: each variant named once, with the answer it
/// gets; `Store` always goes through `From<StoreError>` (503 or 500, the cause logged).
macro_rules! answers {
    ($error:ident { $($variant:ident $(($binding:ident))? => $answer:expr),* $(,)? }) => {
        impl From<$error> for ApiError {
            fn from(e: $error) -> Self {
                match e {
                    $($error::$variant $(($binding))? => $answer,)*
                    $error::Store(e) => e.into(),
                }
            }
        }
    };
}

answers!(EnterOrganizationError {
    OrganizationRequired => ApiError::organization_required(),
    OrganizationNotFound => ApiError::organization_not_found(),
});
answers!(SetActiveOrganizationError {
    OrganizationNotFound => ApiError::organization_not_found(),
});
answers!(FindOrganizationError {
    NotFound => ApiError::organization_not_found(),
});
answers!(UpdateOrganizationError {
    Forbidden(f) => f.into(),
    NotFound => ApiError::organization_not_found(),
    Archived => ApiError::organization_archived(),
    Invalid(v) => v.into(),
    Conflict(m) => ApiError::conflict(m),
});
answers!(CreateCampaignError {
    Forbidden(f) => f.into(),
    ElectedOfficeNotFound => ApiError::not_found("elected office"),
    Invalid(v) => v.into(),
    Refused(e) => e.into(),
    CampaignNotFound => ApiError::not_found("campaign"),
});
answers!(LaunchCampaignError {
    Forbidden(f) => f.into(),
    Refused(e) => e.into(),
    CampaignNotFound => ApiError::not_found("campaign"),
});
answers!(RecordResultError {
    Forbidden(f) => f.into(),
    Invalid(v) => v.into(),
    CampaignNotFound => ApiError::not_found("campaign"),
    Refused(e) => e.into(),
});
answers!(FindCampaignError {
    NotFound => ApiError::not_found("campaign"),
});
answers!(UpdateCampaignError {
    Forbidden(f) => f.into(),
    NotFound => ApiError::not_found("campaign"),
    Archived => ApiError::organization_archived(),
    Invalid(v) => v.into(),
    Conflict(m) => ApiError::conflict(m),
});
answers!(FindOfficeError {
    NotFound => ApiError::not_found("elected office"),
});
answers!(UpdateOfficeError {
    Forbidden(f) => f.into(),
    NotFound => ApiError::not_found("elected office"),
    Archived => ApiError::organization_archived(),
    Invalid(v) => v.into(),
    Conflict(m) => ApiError::conflict(m),
});
answers!(EndOfficeError {
    Forbidden(f) => f.into(),
    Refused(e) => e.into(),
    NotFound => ApiError::not_found("elected office"),
});
answers!(CreateSegmentError {
    Forbidden(f) => f.into(),
    Archived => ApiError::organization_archived(),
    Invalid(v) => v.into(),
    PartyFilterNotAllowed => ApiError::party_filter_not_allowed(),
});
answers!(FindSegmentError {
    NotFound => ApiError::segment_not_found(),
});
answers!(UpdateSegmentError {
    Forbidden(f) => f.into(),
    NotFound => ApiError::segment_not_found(),
    Archived => ApiError::organization_archived(),
    Invalid(v) => v.into(),
    PartyFilterNotAllowed => ApiError::party_filter_not_allowed(),
});
answers!(DeleteSegmentError {
    Forbidden(f) => f.into(),
    NotFound => ApiError::segment_not_found(),
    Archived => ApiError::organization_archived(),
    InUse => ApiError::conflict(
        "an outreach plan or a poll targets this segment; change or delete it first"
    ),
});
answers!(CountSegmentError {
    Archived => ApiError::organization_archived(),
    NotFound => ApiError::segment_not_found(),
    PartyFilterNotAllowed => ApiError::party_filter_not_allowed(),
    DistrictNotSet => ApiError::district_not_set(),
    Invalid(v) => v.into(),
});
answers!(ContactsError {
    Forbidden(f) => f.into(),
    Archived => ApiError::organization_archived(),
    SegmentNotFound => ApiError::segment_not_found(),
    PartyFilterNotAllowed => ApiError::party_filter_not_allowed(),
    DistrictNotSet => ApiError::district_not_set(),
    Invalid(v) => v.into(),
});
answers!(TeamActionError {
    OrganizationNotFound => ApiError::organization_not_found(),
    MemberNotFound => ApiError::not_found("member"),
    InvitationNotFound => ApiError::not_found("invitation"),
    Forbidden(f) => f.into(),
    Archived => ApiError::organization_archived(),
    Invalid(v) => v.into(),
    Conflict(m) => ApiError::conflict(m),
});
answers!(AcceptInvitationError {
    NotFound => ApiError::not_found("invitation"),
    Refused(reason) => ApiError::refused(reason),
    Archived => ApiError::organization_archived(),
});
answers!(OutreachActionError {
    WrongMode(e) => e.into(),
    Forbidden(f) => f.into(),
    NotFound => ApiError::not_found("outreach plan"),
    SegmentNotFound => ApiError::segment_not_found(),
    Archived => ApiError::organization_archived(),
    Invalid(v) => v.into(),
    Conflict(m) => ApiError::conflict(m),
    Contacts(e) => e.into(),
    Rows(rows) => ApiError::validation_many(
        rows.into_iter()
            .map(|r| FieldError {
                field: format!("results[{}].{}", r.index, r.field),
                message: r.message,
            })
            .collect(),
    ),
});
answers!(PollActionError {
    WrongMode(e) => e.into(),
    Forbidden(f) => f.into(),
    NotFound => ApiError::not_found("poll"),
    SegmentNotFound => ApiError::segment_not_found(),
    Archived => ApiError::organization_archived(),
    Invalid(v) => v.into(),
    Conflict(m) => ApiError::conflict(m),
    Contacts(e) => e.into(),
});
answers!(FindContactError {
    Archived => ApiError::organization_archived(),
    DistrictNotSet => ApiError::district_not_set(),
    NotFound => ApiError::not_found("contact"),
});

impl From<CurrentCampaignError> for ApiError {
    fn from(e: CurrentCampaignError) -> Self {
        match e {
            CurrentCampaignError::WrongMode(e) => e.into(),
            CurrentCampaignError::NotFound => ApiError::not_found("campaign"),
        }
    }
}

impl From<CurrentOfficeError> for ApiError {
    fn from(e: CurrentOfficeError) -> Self {
        match e {
            CurrentOfficeError::WrongMode(e) => e.into(),
            CurrentOfficeError::NotFound => ApiError::not_found("elected office"),
        }
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
