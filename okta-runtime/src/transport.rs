//! HTTP transport: authentication, timeouts, rate limits and retries.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::Error;
use crate::config::{AccountConfig, Auth, ClientOptions};
use crate::error::ApiError;
use crate::oauth::TokenSource;
use tracing::Instrument;

/// One HTTP exchange as reported to the caller: no host, no secrets.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CallRecord {
    pub tool: String,
    pub method: String,
    /// Path and query relative to the org, for example `/api/v1/users?limit=200`.
    pub path: String,
    pub status: Option<u16>,
    pub duration_ms: f64,
    /// Attempts after the first one.
    pub retries: u32,
    /// Time spent waiting for rate limits and backoff, in milliseconds.
    pub wait_ms: u64,
    pub error: Option<String>,
}

/// A shared list of call records; clones write to the same list.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<CallRecord>>>);

impl CallLog {
    pub fn push(&self, record: CallRecord) {
        if let Ok(mut records) = self.0.lock() {
            records.push(record);
        }
    }

    pub fn records(&self) -> Vec<CallRecord> {
        self.0
            .lock()
            .map(|records| records.clone())
            .unwrap_or_default()
    }

    pub fn take(&self) -> Vec<CallRecord> {
        self.0
            .lock()
            .map(|mut records| std::mem::take(&mut *records))
            .unwrap_or_default()
    }
}

/// The last rate-limit headers Okta sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateLimitState {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Unix time in seconds when the window resets.
    pub reset: Option<u64>,
}

/// A successful response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A request the transport sends, relative to the org URL.
#[derive(Debug, Clone)]
pub struct OutgoingRequest<'a> {
    pub tool: &'a str,
    pub method: reqwest::Method,
    /// Path and query, starting with `/`, already percent-encoded.
    pub path_and_query: String,
    pub body: Option<Vec<u8>>,
    /// Whether repeating the request cannot change the outcome.
    pub idempotent: bool,
    /// Added to a timeout error, for example how to check whether a create
    /// took effect.
    pub timeout_hint: Option<String>,
}

/// Source of the `Authorization` header of each request.
enum CredentialSource {
    /// A ready `SSWS` header, marked sensitive so it is never printed.
    ApiToken(HeaderValue),
    ServiceApp(Box<TokenSource>),
}

impl std::fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::ApiToken(_) => f.write_str("ApiToken(***)"),
            CredentialSource::ServiceApp(source) => source.fmt(f),
        }
    }
}

/// Sends requests to one org.
pub struct Transport {
    http: reqwest::Client,
    origin: String,
    credentials: CredentialSource,
    options: ClientOptions,
    rate_limit: Mutex<Option<RateLimitState>>,
    concurrency: Semaphore,
    log: CallLog,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("origin", &self.origin)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Reads a header as an integer. A missing, repeated or malformed header
/// gives None, except that repeated equal values are accepted.
fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    let mut values = headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok()?.trim().parse::<u64>().ok());
    let first = values.next()?;
    values.all(|other| other == first).then_some(first)
}

fn server_time(headers: &HeaderMap) -> Option<u64> {
    let text = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let time = httpdate::parse_http_date(text).ok()?;
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

impl Transport {
    pub fn new(account: &AccountConfig, log: CallLog) -> Result<Transport, Error> {
        let origin = account.validated_origin()?;
        let options = account.options.clone();
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .user_agent(concat!("okta-lua/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| Error::Config(format!("cannot build the HTTP client: {error}")))?;
        let credentials = match &account.auth {
            Auth::ApiToken(token) => {
                let mut value = HeaderValue::from_str(&format!("SSWS {}", token.expose()))
                    .map_err(|_| {
                        Error::Config(format!(
                            "the API token of account `{}` contains characters that cannot be sent in a header",
                            account.name
                        ))
                    })?;
                value.set_sensitive(true);
                CredentialSource::ApiToken(value)
            }
            Auth::PrivateKeyJwt(settings) => {
                CredentialSource::ServiceApp(Box::new(TokenSource::new(settings, &origin)?))
            }
        };
        Ok(Transport {
            http,
            origin,
            credentials,
            concurrency: Semaphore::new(options.max_concurrent_requests.max(1)),
            options,
            rate_limit: Mutex::new(None),
            log,
        })
    }

    /// Returns the org origin, for example `https://example.okta.com`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn rate_limit(&self) -> Option<RateLimitState> {
        self.rate_limit.lock().ok().and_then(|state| *state)
    }

    pub fn log(&self) -> &CallLog {
        &self.log
    }

    fn record_rate_limit(&self, headers: &HeaderMap) {
        let state = RateLimitState {
            limit: header_u64(headers, "x-rate-limit-limit"),
            remaining: header_u64(headers, "x-rate-limit-remaining"),
            reset: header_u64(headers, "x-rate-limit-reset"),
        };
        let present = state.limit.is_some() || state.remaining.is_some() || state.reset.is_some();
        if present && let Ok(mut current) = self.rate_limit.lock() {
            *current = Some(state);
        }
    }

    /// Returns how long to wait before the next request so that a nearly
    /// empty rate-limit bucket is not emptied.
    fn pacing_delay(&self) -> Duration {
        let Some(state) = self.rate_limit() else {
            return Duration::ZERO;
        };
        let (Some(limit), Some(remaining), Some(reset)) =
            (state.limit, state.remaining, state.reset)
        else {
            return Duration::ZERO;
        };
        let now = now_unix();
        if reset <= now || limit == 0 {
            return Duration::ZERO;
        }
        let window_left = Duration::from_secs(reset - now);
        let delay = if remaining == 0 {
            window_left + Duration::from_millis(self.options.rate_limit_margin_ms)
        } else if remaining * 10 <= limit {
            window_left / (remaining as u32 + 1)
        } else {
            Duration::ZERO
        };
        delay.min(self.options.max_rate_limit_wait)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.options.retry_base_delay.as_millis() as u64;
        let exponential = base.saturating_mul(1 << attempt.min(10));
        let jitter = rand::random_range(0..=exponential / 2 + 1);
        Duration::from_millis(exponential + jitter).min(self.options.max_retry_delay)
    }

    /// Sends a request with retries and rate-limit waits. Every outcome is
    /// recorded in the call log.
    pub async fn send(&self, request: OutgoingRequest<'_>) -> Result<Response, Error> {
        let started = Instant::now();
        let mut retries = 0u32;
        let mut waited = Duration::ZERO;
        let label = format!("{} {}", request.method, request.path_and_query);

        let span = tracing::debug_span!(
            "okta_request",
            tool = request.tool,
            method = %request.method,
            path = %request.path_and_query,
            status = tracing::field::Empty,
            retries = tracing::field::Empty,
            wait_ms = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let outcome = self
            .send_with_retries(&request, &label, started, &mut retries, &mut waited)
            .instrument(span.clone())
            .await;

        let (status, error) = match &outcome {
            Ok(response) => (Some(response.status), None),
            Err(Error::Api(api)) => (Some(api.status), Some(api.to_string())),
            Err(other) => (None, Some(other.to_string())),
        };
        let duration = started.elapsed();
        span.record("status", status);
        span.record("retries", retries);
        span.record("wait_ms", waited.as_millis() as u64);
        span.record("duration_ms", duration.as_millis() as u64);
        span.in_scope(|| match &error {
            None => tracing::debug!("request finished"),
            Some(message) => tracing::debug!(error = %message, "request failed"),
        });
        self.log.push(CallRecord {
            tool: request.tool.to_string(),
            method: request.method.to_string(),
            path: request.path_and_query.clone(),
            status,
            duration_ms: duration.as_secs_f64() * 1000.0,
            retries,
            wait_ms: waited.as_millis() as u64,
            error,
        });
        outcome
    }

    async fn send_with_retries(
        &self,
        request: &OutgoingRequest<'_>,
        label: &str,
        started: Instant,
        retries: &mut u32,
        waited: &mut Duration,
    ) -> Result<Response, Error> {
        // Request id of the first failed attempt, sent with every retry.
        let mut retry_for: Option<String> = None;
        let mut refreshed_credentials = false;
        loop {
            let pacing = self.pacing_delay();
            if !pacing.is_zero() {
                tracing::debug!(
                    wait_ms = pacing.as_millis() as u64,
                    "pacing before the rate limit is reached"
                );
                tokio::time::sleep(pacing).await;
                *waited += pacing;
            }

            let result = self
                .send_once(request, *retries, retry_for.as_deref())
                .await;
            if let Ok(response) = &result
                && response.status == 401
                && !refreshed_credentials
                && self.refresh_credentials(response).await
            {
                refreshed_credentials = true;
                continue;
            }
            let retry_after = match &result {
                Ok(response) if response.status == 429 => {
                    self.rate_limit_wait(&response.headers, label)?
                }
                Ok(response)
                    if matches!(response.status, 500 | 502 | 503 | 504) && request.idempotent =>
                {
                    Some(self.backoff(*retries))
                }
                Ok(_) => None,
                Err(SendFailure::Connect(_)) => Some(self.backoff(*retries)),
                Err(SendFailure::Other(_)) if request.idempotent => Some(self.backoff(*retries)),
                Err(_) => None,
            };

            match retry_after {
                Some(delay) if *retries < self.options.max_retries => {
                    if let Ok(response) = &result
                        && retry_for.is_none()
                    {
                        retry_for = response
                            .headers
                            .get("x-okta-request-id")
                            .and_then(|value| value.to_str().ok())
                            .map(str::to_string);
                    }
                    tracing::info!(
                        retry = *retries + 1,
                        delay_ms = delay.as_millis() as u64,
                        status = result.as_ref().ok().map(|r| r.status),
                        "retrying request"
                    );
                    tokio::time::sleep(delay).await;
                    *waited += delay;
                    *retries += 1;
                }
                _ => return self.finish(result, request, label, started),
            }
        }
    }

    /// Handles a 401 for a service app: records a DPoP nonce the resource
    /// server asked for, or drops an access token it rejected. Returns true
    /// when sending the request again can succeed.
    async fn refresh_credentials(&self, response: &Response) -> bool {
        let CredentialSource::ServiceApp(source) = &self.credentials else {
            return false;
        };
        let challenge = response
            .headers
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let nonce = response
            .headers
            .get("dpop-nonce")
            .and_then(|value| value.to_str().ok());
        if challenge.contains("use_dpop_nonce")
            && let Some(nonce) = nonce
        {
            tracing::debug!("the org asked for a DPoP nonce; sending the request again");
            source.set_resource_nonce(nonce);
            return true;
        }
        tracing::debug!("the org rejected the access token; fetching a new one");
        source.invalidate().await;
        true
    }

    /// Returns the wait before retrying a 429, or an error when it would be
    /// longer than the maximum wait.
    fn rate_limit_wait(&self, headers: &HeaderMap, label: &str) -> Result<Option<Duration>, Error> {
        let Some(reset) = header_u64(headers, "x-rate-limit-reset") else {
            return Ok(Some(
                self.options.retry_base_delay.max(Duration::from_secs(1)),
            ));
        };
        let now = server_time(headers).unwrap_or_else(now_unix);
        let wait = Duration::from_secs(reset.saturating_sub(now))
            + Duration::from_millis(self.options.rate_limit_margin_ms);
        if wait > self.options.max_rate_limit_wait {
            let reset_text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(reset));
            return Err(Error::RateLimited {
                request: label.to_string(),
                reset: reset_text,
                wait_seconds: wait.as_secs(),
                max_wait_seconds: self.options.max_rate_limit_wait.as_secs(),
            });
        }
        Ok(Some(wait))
    }

    fn finish(
        &self,
        result: Result<Response, SendFailure>,
        request: &OutgoingRequest<'_>,
        label: &str,
        started: Instant,
    ) -> Result<Response, Error> {
        match result {
            Ok(response) if (200..300).contains(&response.status) => Ok(response),
            Ok(response) => Err(Error::Api(Box::new(ApiError::from_response(
                response.status,
                &response.body,
                label.to_string(),
            )))),
            Err(SendFailure::Credentials(error)) => Err(error),
            Err(SendFailure::Timeout) => Err(Error::Timeout {
                request: label.to_string(),
                elapsed: started.elapsed(),
                hint: request.timeout_hint.clone(),
            }),
            Err(SendFailure::Connect(message)) | Err(SendFailure::Other(message)) => {
                Err(Error::Connection {
                    request: label.to_string(),
                    message,
                    hint: if request.idempotent {
                        None
                    } else {
                        request.timeout_hint.clone()
                    },
                })
            }
        }
    }

    async fn send_once(
        &self,
        request: &OutgoingRequest<'_>,
        retries: u32,
        retry_for: Option<&str>,
    ) -> Result<Response, SendFailure> {
        let _permit = self
            .concurrency
            .acquire()
            .await
            .map_err(|_| SendFailure::Other("the client is shut down".to_string()))?;
        let url = format!("{}{}", self.origin, request.path_and_query);
        let mut builder = self
            .http
            .request(request.method.clone(), &url)
            .header(reqwest::header::ACCEPT, "application/json");
        match &self.credentials {
            CredentialSource::ApiToken(value) => {
                builder = builder.header(reqwest::header::AUTHORIZATION, value.clone());
            }
            CredentialSource::ServiceApp(source) => {
                let credentials = source
                    .credentials(&self.http, request.method.as_str(), &url)
                    .await
                    .map_err(SendFailure::Credentials)?;
                builder = builder.header(reqwest::header::AUTHORIZATION, credentials.authorization);
                if let Some(proof) = credentials.dpop {
                    builder = builder.header("DPoP", proof);
                }
            }
        }
        if retries > 0 {
            builder = builder.header("X-Okta-Retry-Count", retries.to_string());
            if let Some(request_id) = retry_for {
                builder = builder.header("X-Okta-Retry-For", request_id);
            }
        }
        match &request.body {
            Some(body) => {
                builder = builder
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/json; charset=UTF-8",
                    )
                    .body(body.clone());
            }
            // Okta rejects a PUT or POST without Content-Length with 411.
            None if request.method != reqwest::Method::GET => {
                builder = builder.header(reqwest::header::CONTENT_LENGTH, "0");
            }
            None => {}
        }

        let response = builder.send().await.map_err(SendFailure::from_reqwest)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.record_rate_limit(&headers);
        let body = response.bytes().await.map_err(SendFailure::from_reqwest)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

enum SendFailure {
    Timeout,
    /// No access token could be obtained; the request was not sent.
    Credentials(Error),
    /// The connection could not be made, so the request never reached the server.
    Connect(String),
    Other(String),
}

impl SendFailure {
    fn from_reqwest(error: reqwest::Error) -> SendFailure {
        if error.is_timeout() {
            return SendFailure::Timeout;
        }
        // reqwest's message names the URL; keep only the cause chain.
        let mut message = String::new();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        if message.is_empty() {
            message = "request failed".to_string();
        }
        if error.is_connect() {
            SendFailure::Connect(message)
        } else {
            SendFailure::Other(message)
        }
    }
}
