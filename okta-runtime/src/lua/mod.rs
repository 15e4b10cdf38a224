//! The Lua host: a sandboxed state with the Okta namespace and helpers.
//!
//! [`LuaHost`] owns its state and is what the `okta-lua` runner uses.
//! [`install`] puts the same integration into a state an agent host already
//! owns; `docs/embedding.md` shows both.

mod binder;
pub mod convert;
pub mod fast_json;
pub mod globals;
mod install;
mod namespace;
mod policy;
pub mod sandbox;
mod source;

use std::time::Duration;

use mlua::Lua;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::Error;
use crate::client::Client;
use crate::config::AccountConfig;
use crate::transport::CallRecord;
pub use binder::ToolBinder;
pub(crate) use install::check_account_name;
pub use install::{InstallOptions, Installed, install};
pub use policy::{
    ApprovalCallback, ApprovalRequest, Permission, Permissions, Policy, RequestDescription,
};
pub use sandbox::Limits;

/// Settings of a host.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// The accounts; the one named `default_account` backs the flat namespace.
    pub accounts: Vec<AccountConfig>,
    pub default_account: String,
    pub policy: Policy,
    pub limits: Limits,
}

/// An error from one run, as reported to the caller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunError {
    pub message: String,
    /// `lua`, `syntax`, `limit`, or the kind of a failed Okta call such as
    /// `api` or `not_allowed`.
    pub kind: String,
    /// Okta's fields and other details of the error, when known.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// Everything one run produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunOutcome {
    pub success: bool,
    /// The chunk's return values.
    pub result: Vec<Value>,
    /// Lines written by `print` and `dump`.
    pub output: Vec<String>,
    pub error: Option<RunError>,
    pub execution_time_ms: f64,
    /// Bytes allocated by the Lua state at the end of the run.
    pub memory_usage: usize,
    pub integration_calls: Vec<CallRecord>,
}

/// A sandboxed Lua state of its own with `app.integrations.okta` installed.
pub struct LuaHost {
    installed: Installed,
}

impl LuaHost {
    /// Creates a host with its own sandboxed Lua state.
    pub fn new(options: HostOptions) -> Result<LuaHost, Error> {
        let lua = sandbox::new_state()
            .map_err(|error| Error::Config(format!("cannot create the Lua state: {error}")))?;
        let installed = install(&lua, InstallOptions::from(options))?;
        Ok(LuaHost { installed })
    }

    /// Returns the Lua state, for hosts that add their own globals.
    pub fn lua(&self) -> &Lua {
        self.installed.lua()
    }

    /// Returns the installation, for everything beyond running chunks.
    pub fn installed(&self) -> &Installed {
        &self.installed
    }

    /// Returns the client of an account.
    pub fn client(&self, account: &str) -> Option<&Client> {
        self.installed.client(account)
    }

    /// Changes the limits for the next runs.
    pub fn set_limits(&self, limits: Limits) -> Result<(), Error> {
        self.installed.set_limits(limits)
    }

    /// Runs a chunk of Lua code in a fresh environment and reports
    /// everything it produced. The host stays usable after any error,
    /// including an exceeded limit.
    pub fn run(&self, code: &str, chunk_name: &str) -> RunOutcome {
        self.installed.run(code, chunk_name)
    }

    /// Returns the limits' current values.
    pub fn limits(&self) -> Limits {
        self.installed.limits()
    }

    /// Returns the configured account names.
    pub fn accounts(&self) -> Vec<String> {
        self.installed.accounts()
    }

    /// Returns how long a run may still wait, for hosts that schedule work.
    pub fn wall_remaining(&self) -> Duration {
        self.installed.wall_remaining()
    }

    /// Returns a documentation page, as `docs.read` does in Lua.
    pub fn read_doc(&self, page: &str) -> Result<&'static str, String> {
        self.installed.read_doc(page)
    }
}
