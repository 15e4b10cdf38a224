//! The HTTP server: listener, connections, the shared state with the
//! request log and scripted replies, and the public `MockServer` handle.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

use crate::api;
use crate::org::Org;
use crate::ratelimit::RateLimiter;
use crate::{MockOptions, seed};

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
    pub close: Arc<Notify>,
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
    pub rate: RateLimiter,
    pub latency: Option<Duration>,
    log: Mutex<Vec<RecordedRequest>>,
    scripts: Mutex<Vec<Script>>,
    pub shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub fn record(&self, request: RecordedRequest) {
        lock(&self.log).push(request);
    }

    pub fn take_reply(&self, method: &str, decoded_path: &str, raw_path: &str) -> Option<Reply> {
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
        for client in &options.oauth_clients {
            org.register_oauth_client(client.clone());
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
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            crate::gate::gate,
        ))
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
pub(crate) async fn wait_for_stop(receiver: &mut watch::Receiver<bool>) {
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
