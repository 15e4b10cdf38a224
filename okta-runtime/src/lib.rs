//! okta-lua runtime: the Okta client, the Lua host and the docs lookup.
//!
//! Tools, their request and result types, their Lua registration and the
//! Markdown reference are generated from `okta-manifest.yaml` into
//! [`generated`]. The hand-written parts are the transport ([`transport`]),
//! argument checks ([`request`]), the client flows ([`client`]), the Lua host
//! ([`lua`]) and the docs lookup ([`docs`]).
//!
//! ```no_run
//! # async fn example() -> Result<(), okta_runtime::Error> {
//! use okta_runtime::{AccountConfig, Client, SecretString, requests::GetUserRequest};
//!
//! let account = AccountConfig::with_api_token("default", "https://example.okta.com", SecretString::new("token"));
//! let client = Client::new(&account)?;
//! let user = client.get_user(GetUserRequest { id: "jane.doe@example.com".into() }).await?;
//! println!("{:?}", user.status);
//! # Ok(())
//! # }
//! ```

pub mod accounts;
pub mod client;
pub mod config;
pub mod docs;
pub mod error;
pub mod lua;
pub mod models;
pub mod oauth;
pub mod request;
pub mod secret;
pub mod spec;
pub mod transport;

/// Code generated from `okta-manifest.yaml`.
pub mod generated {
    okta_macros::integration!("../okta-manifest.yaml");
}

pub use accounts::Accounts;
pub use client::{Client, Page, PageInfo, Pages, ToolOutput, ToolRequest};
pub use config::{AccountConfig, Auth, ClientOptions, PrivateKeyJwt};
pub use error::{ApiError, Error};
pub use generated::{models as types, requests, tools};
pub use lua::{
    HostOptions, InstallOptions, Installed, Limits, LuaHost, Permission, Permissions, Policy,
    RunOutcome, install,
};
pub use secret::SecretString;
pub use transport::{CallLog, CallRecord, RateLimitState};
