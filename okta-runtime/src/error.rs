//! The error type of every call.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// An error response from Okta, with the fields of Okta's error body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    pub error_code: Option<String>,
    pub error_summary: Option<String>,
    pub error_link: Option<String>,
    pub error_id: Option<String>,
    /// `errorCauses[].errorSummary`, in order.
    pub error_causes: Vec<String>,
    /// A more precise message than Okta's summary, when the client knows one.
    pub detail: Option<String>,
    /// Method and path of the request that failed.
    pub request: String,
}

impl ApiError {
    /// Builds the error from a response status and body. A body that is not
    /// Okta's error shape still gives an error with the status.
    pub fn from_response(status: u16, body: &[u8], request: String) -> ApiError {
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let text = |key: &str| parsed.get(key).and_then(Value::as_str).map(str::to_string);
        let error_causes = parsed
            .get("errorCauses")
            .and_then(Value::as_array)
            .map(|causes| {
                causes
                    .iter()
                    .filter_map(|cause| {
                        cause
                            .get("errorSummary")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut error = ApiError {
            status,
            error_code: text("errorCode"),
            error_summary: text("errorSummary"),
            error_link: text("errorLink"),
            error_id: text("errorId"),
            error_causes,
            detail: None,
            request,
        };
        // OAuth endpoints return `error` and `error_description` instead.
        if error.error_code.is_none() {
            error.error_code = text("error");
            error.error_summary = error.error_summary.or(text("error_description"));
        }
        error
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Okta API error {}", self.status)?;
        if let Some(code) = &self.error_code {
            write!(f, " {code}")?;
        }
        match (&self.detail, &self.error_summary) {
            (Some(detail), _) => write!(f, ": {detail}")?,
            (None, Some(summary)) => write!(f, ": {summary}")?,
            (None, None) => {}
        }
        if !self.error_causes.is_empty() {
            write!(f, " (causes: {})", self.error_causes.join("; "))?;
        }
        if !self.request.is_empty() {
            write!(f, " [{}]", self.request)?;
        }
        if let Some(id) = &self.error_id {
            write!(f, " [errorId {id}]")?;
        }
        Ok(())
    }
}

/// Every way a call can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The arguments do not match the tool's parameters; nothing was sent.
    #[error("invalid arguments for {tool}: {}", problems.join("; "))]
    InvalidArguments { tool: String, problems: Vec<String> },

    /// Okta returned an error status.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The request did not complete within its timeout.
    #[error("{request} timed out after {:.1} s{}", elapsed.as_secs_f64(), hint.as_deref().map(|h| format!("; {h}")).unwrap_or_default())]
    Timeout {
        request: String,
        elapsed: Duration,
        hint: Option<String>,
    },

    /// The connection failed before a response arrived.
    #[error("{request} failed: {message}{}", hint.as_deref().map(|h| format!("; {h}")).unwrap_or_default())]
    Connection {
        request: String,
        message: String,
        hint: Option<String>,
    },

    /// Okta returned a body this client cannot read.
    #[error("{request} returned an unreadable response (status {status}): {message}")]
    InvalidResponse {
        request: String,
        status: u16,
        message: String,
    },

    /// The run's write policy rejected the call; nothing was sent.
    #[error("{0}")]
    NotAllowed(String),

    /// A rate limit would need a longer wait than allowed.
    #[error(
        "{request} is rate limited until {reset} (in {wait_seconds} s), longer than the maximum wait of {max_wait_seconds} s; retry after that time or raise the maximum wait"
    )]
    RateLimited {
        request: String,
        reset: String,
        wait_seconds: u64,
        max_wait_seconds: u64,
    },

    /// A `next` link repeated a URL already fetched in the same walk.
    #[error(
        "pagination loop: the next link {url} was already fetched in this list call; stopping instead of looping"
    )]
    PaginationLoop { url: String },

    /// The account or client settings are invalid.
    #[error("{0}")]
    Config(String),
}

impl Error {
    /// Returns the Okta error fields when Okta answered with an error.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(error) => Some(error),
            _ => None,
        }
    }

    /// Returns a short machine-readable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidArguments { .. } => "invalid_arguments",
            Error::Api(_) => "api",
            Error::Timeout { .. } => "timeout",
            Error::Connection { .. } => "connection",
            Error::InvalidResponse { .. } => "invalid_response",
            Error::NotAllowed(_) => "not_allowed",
            Error::RateLimited { .. } => "rate_limited",
            Error::PaginationLoop { .. } => "pagination_loop",
            Error::Config(_) => "config",
        }
    }
}
