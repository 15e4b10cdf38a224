//! The HTTP server: listener, connections, the request log, scripted
//! replies and the gate every request passes (auth, rate limits, headers).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use crate::api::{self, json_response};
use crate::error::{ApiError, error_body};
use crate::org::Org;
use crate::ratelimit::{Decision, RateLimiter};
use crate::routes::Route;
use crate::time::{format_http_date, now_secs};
use crate::{MockOptions, seed};

/// Largest request body the fake org reads.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A scripted response for the next request that matches a
/// [`MockServer::script`] entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Handle the request as usual.
    Normal,
    /// Respond with this status, JSON body and extra headers.
    Json {
        status: u16,
        body: Value,
        headers: Vec<(String, String)>,
    },
    /// Respond with Okta's error body and a generated `errorId`.
    OktaError {
        status: u16,
        code: String,
        summary: String,
        causes: Vec<String>,
    },
    /// Wait, then handle the request as usual.
    Delay(Duration),
    /// Apply the request to the org at once, then hold the response this
    /// long: a write that commits but does not respond in time.
    HandleThenHold(Duration),
    /// Accept the request and never send a byte, until shutdown.
    HoldOpen,
    /// Close the connection without a response.
    DropConnection,
}

/// One request as the fake org received it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path exactly as received, percent-encoding included.
    pub path: String,
    /// The raw query string without `?`.
    pub query: Option<String>,
    /// Headers in arrival order; the `Authorization` value is masked as
    /// `SSWS ***`, `Bearer ***` or `DPoP ***`.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// Returns the path and query as received: `/api/v1/users?limit=2`.
    pub fn url(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{}", self.path, query),
            None => self.path.clone(),
        }
    }

    /// Parses the body as JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Returns the first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The identity a request acts as, set by the gate after authentication.
#[derive(Debug, Clone)]
pub(crate) enum Principal {
    /// An `SSWS` API token, which acts as its owner with every scope.
    ApiToken,
    /// An OAuth access token issued to a service app.
    Service {
        client_id: String,
        scopes: Vec<String>,
    },
}

/// Per-connection handle that lets a scripted reply close the connection.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    close: Arc<Notify>,
}

struct Script {
    method: String,
    path: String,
    replies: VecDeque<Reply>,
}

/// State shared by every request of one server.
pub(crate) struct Shared {
    pub token: String,
    pub org: Org,
    pub base_url: String,
    rate: RateLimiter,
    latency: Option<Duration>,
    log: Mutex<Vec<RecordedRequest>>,
    scripts: Mutex<Vec<Script>>,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    fn record(&self, request: RecordedRequest) {
        lock(&self.log).push(request);
    }

    fn take_reply(&self, method: &str, decoded_path: &str, raw_path: &str) -> Option<Reply> {
        let mut scripts = lock(&self.scripts);
        let script = scripts.iter_mut().find(|script| {
            let method_matches = script.method == "*" || script.method.eq_ignore_ascii_case(method);
            let path_matches = match script.path.strip_suffix('*') {
                Some(prefix) => decoded_path.starts_with(prefix) || raw_path.starts_with(prefix),
                None => script.path == decoded_path || script.path == raw_path,
            };
            method_matches && path_matches && !script.replies.is_empty()
        })?;
        script.replies.pop_front()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running fake org. Dropping it stops the server.
pub struct MockServer {
    shared: Arc<Shared>,
    address: SocketAddr,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("MockServer")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Seeds the org and starts serving on 127.0.0.1 (port 0 picks a free
    /// one) on the current tokio runtime.
    ///
    /// # Errors
    /// When the port cannot be bound or the seed file cannot be read or parsed.
    pub async fn start(options: MockOptions) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port)).await?;
        let address = listener.local_addr()?;
        let base_url = format!("http://{address}");

        let org = Org::new();
        org.set_base_url(&base_url);
        seed::apply(&org, &options.seed)?;
        for (collection, size) in &options.page_sizes {
            org.set_page_size(*collection, *size);
        }

        let (shutdown, shutdown_receiver) = watch::channel(false);
        let shared = Arc::new(Shared {
            token: options.token.clone(),
            org,
            base_url,
            rate: RateLimiter::new(options.rate_limits.clone()),
            latency: options.latency,
            log: Mutex::new(Vec::new()),
            scripts: Mutex::new(Vec::new()),
            shutdown: shutdown_receiver.clone(),
        });
        let server = MockServer {
            shared: shared.clone(),
            address,
            shutdown,
            thread: None,
        };
        for fault in &options.faults {
            server.script(&fault.method, &fault.path, fault.replies.clone());
        }

        tracing::info!(url = %server.url(), "fake Okta org listening");
        tokio::spawn(accept_loop(listener, shared, shutdown_receiver));
        Ok(server)
    }

    /// Starts the server on its own tokio runtime in a background thread, so
    /// plain `#[test]` functions and `spawn_blocking` closures can use it.
    ///
    /// # Errors
    /// As [`MockServer::start`], or when the runtime or thread cannot start.
    pub fn start_blocking(options: MockOptions) -> std::io::Result<MockServer> {
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("okta-mock".to_string())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("okta-mock-worker")
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = sender.send(Err(error));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match MockServer::start(options).await {
                        Ok(server) => {
                            let mut stopped = server.shutdown.subscribe();
                            if sender.send(Ok(server)).is_ok() {
                                wait_for_stop(&mut stopped).await;
                            }
                        }
                        Err(error) => {
                            let _ = sender.send(Err(error));
                        }
                    }
                });
            })?;
        let mut server = receiver
            .recv()
            .map_err(|_| std::io::Error::other("the okta-mock thread ended before starting"))??;
        server.thread = Some(thread);
        Ok(server)
    }

    /// Returns the base URL, such as `http://127.0.0.1:41234`, without a
    /// trailing slash; the API is under `/api/v1`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Returns the socket address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Returns the API token the server accepts after `SSWS`.
    pub fn token(&self) -> String {
        self.shared.token.clone()
    }

    /// Returns every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Returns a handle to the org's state.
    pub fn org(&self) -> Org {
        self.shared.org.clone()
    }

    /// Queues replies for requests with this method (`*` for any) and path.
    /// `path` is the percent-decoded route path, such as
    /// `/api/v1/users/kim+qa@example.com`; the raw form also matches, and a
    /// trailing `*` matches any path with that prefix. Each matching request
    /// takes the next reply; when they run out, normal handling resumes.
    pub fn script(&self, method: &str, path: &str, replies: Vec<Reply>) {
        lock(&self.shared.scripts).push(Script {
            method: method.to_string(),
            path: path.to_string(),
            replies: replies.into(),
        });
    }

    /// Stops the server and, for [`MockServer::start_blocking`], waits for its
    /// thread. Open connections are closed.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let router = api::router()
        .layer(axum::middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared);
    let connection_shutdown = shutdown.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, router.clone(), connection_shutdown.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            () = wait_for_stop(&mut shutdown) => break,
        }
    }
    tracing::info!("fake Okta org stopped");
}

/// Waits until the server stops. The watch guard is dropped before
/// returning, so callers stay `Send`.
async fn wait_for_stop(receiver: &mut watch::Receiver<bool>) {
    let _ = receiver.wait_for(|stop| *stop).await;
}

async fn serve_connection(
    stream: TcpStream,
    router: axum::Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let connection = Connection {
        close: Arc::new(Notify::new()),
    };
    let handle = connection.clone();
    let service =
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(handle.clone());
            let router = router.clone();
            async move {
                let response = router.oneshot(request.map(Body::new)).await;
                Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
            }
        });
    let http =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = http => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        () = connection.close.notified() => {}
        () = wait_for_stop(&mut shutdown) => {}
    }
}

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
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let connection = request.extensions().get::<Connection>().cloned();
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
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
        return decorate(ApiError::rate_limited().into_response(), decision);
    }
    let requires_auth = route.requires_auth() || request.uri().path().starts_with("/api/");
    if requires_auth {
        match authenticate(shared, route, &request) {
            Ok(principal) => {
                request.extensions_mut().insert(principal);
            }
            Err(error) => return decorate(error.into_response(), decision),
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
