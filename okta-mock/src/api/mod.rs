//! The HTTP endpoints of the fake org.

mod apps;
mod groups;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::RawPathParams;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::Value;

use crate::error::ApiError;
use crate::query::path_decode;
use crate::routes::Route;
use crate::server::Shared;

pub(crate) const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

pub(crate) type ApiResult = Result<Response, ApiError>;

/// Builds the router for every endpoint; the gate middleware is layered on
/// by the server.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/me", get(users::me).post(users::update_me))
        .route(
            "/api/v1/users/{id}",
            get(users::get)
                .post(users::update)
                .put(users::replace)
                .delete(users::delete),
        )
        .route(
            "/api/v1/users/{id}/lifecycle/{operation}",
            post(users::lifecycle),
        )
        .route("/api/v1/users/{id}/groups", get(users::groups))
        .route("/api/v1/users/{id}/appLinks", get(users::app_links))
        .route("/api/v1/users/{id}/blocks", get(users::blocks))
        .route("/api/v1/groups", get(groups::list))
        .route("/api/v1/groups/{groupId}", get(groups::get))
        .route("/api/v1/groups/{groupId}/users", get(groups::members))
        .route(
            "/api/v1/groups/{groupId}/users/{userId}",
            put(groups::add_member).delete(groups::remove_member),
        )
        .route("/api/v1/apps", get(apps::list))
        .route("/api/v1/apps/{appId}", get(apps::get))
        .route("/oauth2/v1/token", post(crate::oauth::token))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> Response {
    ApiError::path_not_found().into_response()
}

async fn method_not_allowed(uri: Uri) -> Response {
    let route = Route::classify(uri.path());
    ApiError::method_not_allowed(route.allowed_methods()).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status, &self.body());
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

/// Serializes a JSON response with Okta's content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// Builds a JSON response with `Link` header values.
pub(crate) fn list_response(body: Value, links: Vec<String>) -> Response {
    let mut response = json_response(StatusCode::OK, &body);
    for link in links {
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().append(header::LINK, value);
        }
    }
    response
}

pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Returns a path parameter, percent-decoded as one segment (`%2F` stays
/// inside the value and `+` stays a plus).
pub(crate) fn path_param(params: &RawPathParams, name: &str) -> Result<String, ApiError> {
    let raw = params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .ok_or_else(ApiError::path_not_found)?;
    path_decode(raw).ok_or_else(ApiError::path_not_found)
}

/// Parses a request body that must be UTF-8 JSON; anything else is Okta's
/// 400 E0000003 with no causes.
pub(crate) fn parse_json_body(bytes: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::malformed_body())?;
    serde_json::from_str(text).map_err(|_| ApiError::malformed_body())
}

/// Parses a `search` or `filter` expression into Okta's 400 on error.
pub(crate) fn parse_expression(
    text: &str,
    parameter: &str,
) -> Result<crate::filter::Expr, ApiError> {
    crate::filter::parse(text).map_err(|reason| {
        ApiError::new(400, "E0000031", "Invalid search criteria.")
            .with_causes(vec![format!("{parameter}: {reason}")])
    })
}

/// Parses the `search` or `filter` parameter of a list request. `search`
/// wins when both are given, and only it compares strings ignoring case.
/// Returns no expression when neither is given.
pub(crate) fn list_expression(
    search: Option<&str>,
    filter: Option<&str>,
    filter_properties: &[&str],
    range_properties: &[&str],
) -> Result<(Option<crate::filter::Expr>, bool), ApiError> {
    match (search, filter) {
        (Some(text), _) => Ok((Some(parse_expression(text, "search")?), true)),
        (None, Some(text)) => {
            let expression = parse_expression(text, "filter")?;
            check_filter(&expression, filter_properties, range_properties)?;
            Ok((Some(expression), false))
        }
        (None, None) => Ok((None, false)),
    }
}

/// Rejects a `filter` that uses properties or operators Okta does not
/// support there.
pub(crate) fn check_filter(
    expression: &crate::filter::Expr,
    allowed: &[&str],
    range_allowed: &[&str],
) -> Result<(), ApiError> {
    use crate::filter::Operator;
    let mut problem = None;
    expression.for_each_comparison(&mut |attribute, operator| {
        if problem.is_some() {
            return;
        }
        if !allowed.contains(&attribute) {
            problem = Some(format!("filter: property '{attribute}' is not supported"));
        } else if operator != Operator::Eq && !range_allowed.contains(&attribute) {
            problem = Some(format!("filter: operator not supported for '{attribute}'"));
        }
    });
    match problem {
        Some(cause) => {
            Err(ApiError::new(400, "E0000031", "Invalid search criteria.").with_causes(vec![cause]))
        }
        None => Ok(()),
    }
}
