//! The policy for tool calls: per-account read and write permissions,
//! `--force`, dry runs and the approval callback of an embedding host.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;
use crate::client::API_PREFIX;
use crate::request::{PreparedCall, encode_component};
use crate::spec::{Class, ToolSpec};

/// Permission for one class of tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    Allow,
    /// Allowed only when the approval callback agrees; rejected when there is
    /// none, as in a headless run.
    Ask,
    Deny,
}

/// The read and write permissions of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    #[serde(default = "Permissions::default_read")]
    pub read: Permission,
    #[serde(default = "Permissions::default_write")]
    pub write: Permission,
}

impl Permissions {
    fn default_read() -> Permission {
        Permission::Allow
    }

    fn default_write() -> Permission {
        Permission::Ask
    }

    /// Returns the permission for a class of tools.
    pub fn of(&self, class: Class) -> Permission {
        match class {
            Class::Read => self.read,
            Class::Write => self.write,
        }
    }
}

impl Default for Permissions {
    /// Reads allowed, writes only with approval.
    fn default() -> Self {
        Permissions {
            read: Permission::Allow,
            write: Permission::Ask,
        }
    }
}

/// The exact request a call sends, with secret body fields masked. A dry run
/// returns it and the approval callback receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestDescription {
    pub method: &'static str,
    /// Percent-encoded path from the org root, without the query, for
    /// example `/api/v1/users/00u1/lifecycle/deactivate`.
    pub path: String,
    /// Query parameters in the order they are sent, not yet encoded.
    pub query: Vec<(String, String)>,
    /// The JSON body with secret parameters masked as `***`.
    pub body: Option<Value>,
}

impl RequestDescription {
    /// Describes the main request of a checked call. Tools that read before
    /// they write, such as the membership check of `add_user_to_group`,
    /// send that read too; it is not part of the description.
    pub fn new(spec: &ToolSpec, call: &PreparedCall) -> RequestDescription {
        let body = call.body.as_ref().map(|body| mask_secrets(spec, body));
        RequestDescription {
            method: spec.method.as_str(),
            path: format!("{API_PREFIX}{}", call.path),
            query: call.query.clone(),
            body,
        }
    }

    /// Returns the method, path and encoded query on one line, for example
    /// `POST /api/v1/users?activate=false`.
    pub fn request_line(&self) -> String {
        let mut line = format!("{} {}", self.method, self.path);
        for (index, (name, value)) in self.query.iter().enumerate() {
            line.push(if index == 0 { '?' } else { '&' });
            line.push_str(&encode_component(name));
            line.push('=');
            line.push_str(&encode_component(value));
        }
        line
    }
}

/// A request for approval of one call, passed to the approval callback.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalRequest {
    pub account: String,
    pub tool: String,
    pub class: &'static str,
    /// The arguments, with secret parameters masked.
    pub arguments: Value,
    /// The request the call would send.
    pub request: RequestDescription,
}

/// Decides whether a call marked `ask` may run.
pub type ApprovalCallback = Arc<dyn Fn(&ApprovalRequest) -> bool + Send + Sync>;

/// Rules for which tools a run may call, and whether writes are only
/// described.
#[derive(Clone)]
pub struct Policy {
    /// Read permission of accounts without an entry in `accounts`.
    pub read: Permission,
    /// Write permission of accounts without an entry in `accounts`.
    pub write: Permission,
    /// Permissions by account name.
    pub accounts: BTreeMap<String, Permissions>,
    /// Allows every call, `ask` and `deny` included.
    pub force: bool,
    /// Write tools return a description of their request instead of sending
    /// it. Read tools still run.
    pub dry_run: bool,
    pub approval: Option<ApprovalCallback>,
}

impl Default for Policy {
    fn default() -> Self {
        let defaults = Permissions::default();
        Policy {
            read: defaults.read,
            write: defaults.write,
            accounts: BTreeMap::new(),
            force: false,
            dry_run: false,
            approval: None,
        }
    }
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("read", &self.read)
            .field("write", &self.write)
            .field("accounts", &self.accounts)
            .field("force", &self.force)
            .field("dry_run", &self.dry_run)
            .field("approval", &self.approval.is_some())
            .finish()
    }
}

impl Policy {
    /// Returns the permissions of an account.
    pub fn permissions(&self, account: &str) -> Permissions {
        self.accounts.get(account).copied().unwrap_or(Permissions {
            read: self.read,
            write: self.write,
        })
    }

    /// Checks one call against the account's permission for its class,
    /// asking the approval callback for `ask`.
    pub fn check(
        &self,
        account: &str,
        spec: &ToolSpec,
        arguments: &Value,
        request: &RequestDescription,
    ) -> Result<(), Error> {
        if self.force {
            return Ok(());
        }
        let class = spec.class.as_str();
        let rejected = |reason: &str| {
            Error::NotAllowed(format!(
                "okta.{} is a {class} tool and {reason}; rerun with --force to allow it, or set `{class}: allow` for account `{account}` in the config file",
                spec.name
            ))
        };
        match self.permissions(account).of(spec.class) {
            Permission::Allow => Ok(()),
            Permission::Deny => Err(rejected(&format!(
                "{class} calls are denied for account `{account}`"
            ))),
            Permission::Ask => match &self.approval {
                Some(approve) => {
                    let approval = ApprovalRequest {
                        account: account.to_string(),
                        tool: spec.name.to_string(),
                        class,
                        arguments: mask_secrets(spec, arguments),
                        request: request.clone(),
                    };
                    if approve(&approval) {
                        Ok(())
                    } else {
                        Err(rejected("the approval was declined"))
                    }
                }
                None => Err(rejected(&format!(
                    "{class} calls need approval, which a headless run cannot give"
                ))),
            },
        }
    }
}

/// Masks the values of the tool's secret parameters in an object of
/// arguments or a request body.
fn mask_secrets(spec: &ToolSpec, arguments: &Value) -> Value {
    let Value::Object(map) = arguments else {
        return arguments.clone();
    };
    map.iter()
        .map(|(key, value)| {
            let secret = spec.param(key).is_some_and(|param| param.secret);
            let masked = if secret {
                crate::secret::mask_json(value)
            } else {
                value.clone()
            };
            (key.clone(), masked)
        })
        .collect()
}
