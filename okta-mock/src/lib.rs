//! A stateful fake Okta org served over HTTP on 127.0.0.1, for tests,
//! benchmarks and demos.
//!
//! It serves the parts of the Okta Management API that okta-lua uses: users,
//! lifecycle, groups and memberships, apps and app links. Responses have
//! Okta's shapes, error bodies, `Link` pagination and rate-limit headers,
//! service apps can use OAuth, and faults can be scripted per request.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let server = okta_mock::MockServer::start(okta_mock::MockOptions::default()).await?;
//! let users_url = format!("{}/api/v1/users", server.url());
//! // Send `Authorization: SSWS {server.token()}` with every request.
//! # Ok(())
//! # }
//! ```

mod api;
pub mod config;
mod error;
mod filter;
mod gate;
mod oauth;
mod org;
mod paging;
mod query;
mod ratelimit;
mod routes;
mod seed;
mod server;
mod time;

use std::time::Duration;

pub use oauth::OAuthClient;
pub use org::{Collection, Org, PropertyType};
pub use ratelimit::RateLimits;
pub use seed::Seed;
pub use server::{MockServer, RecordedRequest, Reply};

/// Replies scripted for one method and path when the server starts, as
/// [`MockServer::script`] queues them.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// HTTP method, or `*` for any.
    pub method: String,
    /// Decoded route path; a trailing `*` matches any path with that prefix.
    pub path: String,
    pub replies: Vec<Reply>,
}

/// How to start a fake org.
#[derive(Debug, Clone)]
pub struct MockOptions {
    /// The API token accepted after `SSWS`.
    pub token: String,
    pub seed: Seed,
    /// Rate limits; `None` never limits but still sends the headers.
    pub rate_limits: Option<RateLimits>,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Delay added before every response.
    pub latency: Option<Duration>,
    /// Largest page per collection, as [`Org::set_page_size`] sets.
    pub page_sizes: Vec<(Collection, usize)>,
    /// Replies scripted from the start.
    pub faults: Vec<Fault>,
    /// Service apps allowed to get OAuth access tokens, besides any the
    /// seed registers.
    pub oauth_clients: Vec<OAuthClient>,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            token: "mock-token".to_string(),
            seed: Seed::Demo,
            rate_limits: None,
            port: 0,
            latency: None,
            page_sizes: Vec::new(),
            faults: Vec::new(),
            oauth_clients: Vec::new(),
        }
    }
}

/// Starts the demo org with default options on the current tokio runtime.
///
/// # Errors
/// When no port on 127.0.0.1 can be bound.
pub async fn start() -> std::io::Result<MockServer> {
    MockServer::start(MockOptions::default()).await
}
