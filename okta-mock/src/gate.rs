//! The gate every request passes before its endpoint: the request log,
//! scripted replies, the length, rate-limit, token and scope checks, and
//! the headers Okta adds to every response.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use crate::api::json_response;
use crate::error::{ApiError, error_body};
use crate::ratelimit::Decision;
use crate::routes::Route;
use crate::server::{Connection, Principal, RecordedRequest, Reply, Shared, wait_for_stop};
use crate::time::{format_http_date, now_secs};

/// Largest request body the fake org reads.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Splits an `Authorization` value into its scheme and credential. Okta
/// accepts the credential right after the scheme without a space, which
/// the official Python SDK (3.4) sends as `SSWS<token>`.
fn split_authorization(value: &str) -> Option<(&'static str, &str)> {
    ["SSWS", "Bearer", "DPoP"].into_iter().find_map(|scheme| {
        let prefix = value.get(..scheme.len())?;
        let credential = value.get(scheme.len()..)?;
        prefix
            .eq_ignore_ascii_case(scheme)
            .then(|| (scheme, credential.trim()))
    })
}

/// Masks the credential in an `Authorization` value, keeping its scheme.
fn mask_authorization(value: &str) -> String {
    match split_authorization(value) {
        Some((scheme, _)) => format!("{scheme} ***"),
        None => "***".to_string(),
    }
}

fn recorded_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let text = if name == header::AUTHORIZATION {
                mask_authorization(&text)
            } else {
                text
            };
            (name.as_str().to_string(), text)
        })
        .collect()
}

/// Runs before every endpoint: records the request, applies scripted
/// replies, then checks length, rate limit, token and scope, and finally
/// adds Okta's common headers to the response.
pub(crate) async fn gate(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let connection = request.extensions().get::<Connection>().cloned();
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, path = %parts.uri.path(), "reading a request body failed");
            let error = ApiError::new(413, "E0000003", "The request body was not well-formed.");
            return error.into_response();
        }
    };
    let method = parts.method.as_str().to_string();
    let raw_path = parts.uri.path().to_string();
    shared.record(RecordedRequest {
        method: method.clone(),
        path: raw_path.clone(),
        query: parts.uri.query().map(str::to_string),
        headers: recorded_headers(&parts.headers),
        body: bytes.to_vec(),
    });
    let route = Route::classify(&raw_path);
    let decoded_path = percent_decode_str(&raw_path)
        .decode_utf8_lossy()
        .into_owned();
    let reply = shared.take_reply(&method, &decoded_path, &raw_path);
    if let Some(reply) = &reply {
        tracing::info!(%method, path = %raw_path, ?reply, "responding with a scripted reply");
    }
    let request = Request::from_parts(parts, Body::from(bytes));

    if let Some(latency) = shared.latency {
        tokio::time::sleep(latency).await;
    }
    let response = match reply {
        None | Some(Reply::Normal) => process(&shared, route, request, next).await,
        Some(Reply::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            process(&shared, route, request, next).await
        }
        Some(Reply::HandleThenHold(hold)) => {
            let response = process(&shared, route, request, next).await;
            tokio::time::sleep(hold).await;
            response
        }
        Some(Reply::Json {
            status,
            body,
            headers,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = json_response(status, &body);
            append_headers(&mut response, &headers);
            decorate(response, shared.rate.check(route))
        }
        Some(Reply::OktaError {
            status,
            code,
            summary,
            causes,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let response = json_response(status, &error_body(&code, &summary, &causes));
            decorate(response, shared.rate.check(route))
        }
        Some(Reply::HoldOpen) => {
            let mut stopped = shared.shutdown.clone();
            wait_for_stop(&mut stopped).await;
            close_and_wait(connection).await
        }
        Some(Reply::DropConnection) => close_and_wait(connection).await,
    };
    tracing::debug!(%method, path = %raw_path, status = response.status().as_u16(), "request handled");
    response
}

/// Closes the connection without a response; the pending future is dropped
/// with the connection.
async fn close_and_wait(connection: Option<Connection>) -> Response {
    if let Some(connection) = connection {
        connection.close.notify_one();
    }
    std::future::pending::<Response>().await
}

async fn process(shared: &Arc<Shared>, route: Route, mut request: Request, next: Next) -> Response {
    if let Some(response) = length_required(&request) {
        return response;
    }
    let decision = shared.rate.check(route);
    if !decision.allowed {
        tracing::debug!(
            bucket = route.bucket(),
            reset = decision.reset,
            "rate limit reached"
        );
        return decorate(ApiError::rate_limited().into_response(), decision);
    }
    let requires_auth = route.requires_auth() || request.uri().path().starts_with("/api/");
    if requires_auth {
        match authenticate(shared, route, &request) {
            Ok(principal) => {
                request.extensions_mut().insert(principal);
            }
            Err(error) => {
                tracing::debug!(
                    path = %request.uri().path(),
                    code = %error.code,
                    summary = %error.summary,
                    "request rejected by authentication"
                );
                return decorate(error.into_response(), decision);
            }
        }
    }
    decorate(next.run(request).await, decision)
}

/// Okta's front end rejects a `PUT` that declares no body length, which a
/// bodyless `PUT` sent without `Content-Length: 0` does.
fn length_required(request: &Request) -> Option<Response> {
    let headers = request.headers();
    if request.method() != Method::PUT
        || headers.contains_key(header::CONTENT_LENGTH)
        || headers.contains_key(header::TRANSFER_ENCODING)
    {
        return None;
    }
    let body = "<html>\r\n<head><title>411 Length Required</title></head>\r\n<body>\r\n<center><h1>411 Length Required</h1></center>\r\n</body>\r\n</html>\r\n";
    let mut response = (StatusCode::LENGTH_REQUIRED, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    Some(response)
}

fn authenticate(shared: &Shared, route: Route, request: &Request) -> Result<Principal, ApiError> {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(ApiError::invalid_token)?;
    let (scheme, credential) =
        split_authorization(authorization).ok_or_else(ApiError::invalid_token)?;
    if scheme == "SSWS" {
        return if credential == shared.token {
            Ok(Principal::ApiToken)
        } else {
            Err(ApiError::invalid_token())
        };
    }
    let principal = shared
        .org
        .oauth
        .authorize(shared, scheme, credential, request)?;
    if let (Principal::Service { client_id, scopes }, Some(required)) =
        (&principal, route.required_scope(request.method().as_str()))
        && !crate::oauth::scopes_grant(scopes, required)
    {
        tracing::debug!(%client_id, scope = required, "access token lacks a required scope");
        let challenge = format!(
            "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", scope=\"{required}\", error=\"insufficient_scope\", error_description=\"The access token provided does not contain the required scopes.\", resource=\"{path}\"",
            base = shared.base_url,
            path = request.uri().path(),
        );
        return Err(ApiError::permission_denied().with_header("WWW-Authenticate", challenge));
    }
    Ok(principal)
}

/// Returns a random id in the form of Okta's `X-Okta-Request-Id`: 27
/// URL-safe characters.
fn new_request_id() -> String {
    crate::error::random_url_safe(27)
}

fn append_headers(response: &mut Response, headers: &[(String, String)]) {
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
}

/// Adds `Date`, `X-Okta-Request-Id` and the rate-limit headers unless the
/// response already has them.
fn decorate(mut response: Response, decision: Decision) -> Response {
    let headers = response.headers_mut();
    let values = [
        ("date", format_http_date(now_secs())),
        ("x-okta-request-id", new_request_id()),
        ("x-rate-limit-limit", decision.limit.to_string()),
        ("x-rate-limit-remaining", decision.remaining.to_string()),
        ("x-rate-limit-reset", decision.reset.to_string()),
    ];
    for (name, value) in values {
        if !headers.contains_key(name)
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            headers.insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_with_and_without_space() {
        assert_eq!(split_authorization("SSWS abc"), Some(("SSWS", "abc")));
        assert_eq!(split_authorization("SSWSabc"), Some(("SSWS", "abc")));
        assert_eq!(
            split_authorization("bearer x.y.z"),
            Some(("Bearer", "x.y.z"))
        );
        assert_eq!(split_authorization("Basic abc"), None);
        assert_eq!(mask_authorization("SSWSsecret"), "SSWS ***");
        assert_eq!(mask_authorization("Basic abc"), "***");
    }
}
