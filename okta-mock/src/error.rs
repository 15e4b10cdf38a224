//! Okta's error body and the errors the fake org returns.

use axum::http::StatusCode;
use rand::Rng;
use serde_json::{Value, json};

/// An error response in Okta's shape: `errorCode`, `errorSummary`,
/// `errorLink`, `errorId` and `errorCauses`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub summary: String,
    pub causes: Vec<String>,
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, summary: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: code.to_string(),
            summary: summary.into(),
            causes: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn with_causes(mut self, causes: Vec<String>) -> Self {
        self.causes = causes;
        self
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// 404 E0000007 for a resource id; `kind` is Okta's internal type name
    /// such as `User`, `UserGroup` or `AppInstance`.
    pub fn not_found(id: &str, kind: &str) -> Self {
        ApiError::new(
            404,
            "E0000007",
            format!("Not found: Resource not found: {id} ({kind})"),
        )
    }

    /// 404 E0000008 for a path the fake org does not serve.
    pub fn path_not_found() -> Self {
        ApiError::new(404, "E0000008", "The requested path was not found")
    }

    pub fn invalid_token() -> Self {
        ApiError::new(401, "E0000011", "Invalid token provided")
    }

    /// 400 E0000001 with the object name in the summary and one cause per
    /// failed field, like Okta's `Api validation failed: login`.
    pub fn validation(object: &str, causes: Vec<String>) -> Self {
        ApiError::new(400, "E0000001", format!("Api validation failed: {object}"))
            .with_causes(causes)
    }

    pub fn malformed_body() -> Self {
        ApiError::new(400, "E0000003", "The request body was not well-formed.")
    }

    pub fn permission_denied() -> Self {
        ApiError::new(
            403,
            "E0000006",
            "You do not have permission to perform the requested action",
        )
    }

    pub fn invalid_status() -> Self {
        ApiError::new(
            403,
            "E0000038",
            "This operation is not allowed in the user's current status.",
        )
    }

    pub fn invalid_cursor() -> Self {
        ApiError::new(400, "E0000029", "Invalid paging request.")
            .with_causes(vec!["Invalid cursor.".to_string()])
    }

    pub fn rate_limited() -> Self {
        ApiError::new(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    pub fn method_not_allowed(allow: &str) -> Self {
        ApiError::new(
            405,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
        .with_header("Allow", allow)
    }

    pub fn body(&self) -> Value {
        error_body(&self.code, &self.summary, &self.causes)
    }
}

/// Builds Okta's error body with a fresh `errorId`.
pub(crate) fn error_body(code: &str, summary: &str, causes: &[String]) -> Value {
    let causes: Vec<Value> = causes
        .iter()
        .map(|cause| json!({ "errorSummary": cause }))
        .collect();
    json!({
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": new_error_id(),
        "errorCauses": causes,
    })
}

/// Returns a random id in the form Okta uses for `errorId`: `oae` and 22
/// URL-safe characters.
pub(crate) fn new_error_id() -> String {
    format!("oae{}", random_url_safe(22))
}

/// Returns `length` random characters from the URL-safe base64 alphabet.
pub(crate) fn random_url_safe(length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::rng();
    (0..length)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
