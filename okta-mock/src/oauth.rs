//! OAuth 2.0 for service apps.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::server::{Principal, Shared};

/// A service app registered in the org.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub client_id: String,
}

/// Issued access tokens.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {}

impl OAuthState {
    pub fn authorize(
        &self,
        _shared: &Shared,
        _scheme: &str,
        _credential: &str,
        _request: &Request,
    ) -> Result<Principal, ApiError> {
        Err(ApiError::invalid_token())
    }
}

/// Returns whether granted scopes include `required`; a `.manage` scope
/// grants the matching `.read`.
pub(crate) fn scopes_grant(granted: &[String], required: &str) -> bool {
    granted.iter().any(|scope| {
        scope == required
            || required
                .strip_suffix(".read")
                .is_some_and(|prefix| scope.strip_suffix(".manage") == Some(prefix))
    })
}

/// `POST /oauth2/v1/token`.
pub(crate) async fn token(State(_shared): State<Arc<Shared>>) -> Response {
    ApiError::new(400, "E0000001", "unsupported").into_response()
}
