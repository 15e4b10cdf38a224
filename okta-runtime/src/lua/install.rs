//! Installs the Okta integration into a Lua state, the host's own or one
//! [`LuaHost`](super::LuaHost) creates, and runs chunks in it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlua::{Function, Lua, MultiValue, Table, Value as LuaValue};
use serde_json::{Map, Value};

use super::binder::{SHIM_CHUNK, SHIM_KEY, Shared, ToolBinder};
use super::convert::{Unsupported, lua_to_json};
use super::globals::{self, Output, Sink};
use super::namespace::{ENVIRONMENT_CHUNK, NAMESPACE_CHUNK};
use super::policy::Policy;
use super::sandbox::{self, Clock, Limits, RAW_PCALL_KEY, TEXT_LOAD_KEY, memory_limit_message};
use super::source;
use super::{HostOptions, RunError, RunOutcome};
use crate::client::Client;
use crate::config::AccountConfig;
use crate::transport::{CallLog, CallRecord};
use crate::{Error, generated};

/// Registry key of the function that builds a run's environment.
const ENVIRONMENT_KEY: &str = "okta_lua.new_environment";

/// Settings of [`install`].
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// The accounts; each one becomes `app.integrations.okta.NAME`.
    pub accounts: Vec<AccountConfig>,
    /// The account behind the flat namespace `app.integrations.okta.*`.
    /// `app.integrations.okta.default` is this account unless an account is
    /// named `default`.
    pub default_account: String,
    pub policy: Policy,
    pub limits: Limits,
    /// Applies the sandbox: removes unsafe globals, allows only text chunks,
    /// and enforces the memory limit and the CPU and wall-clock limits with
    /// an instruction hook. Without it only the wall-clock limit applies,
    /// and only to waits for Okta.
    pub sandbox: bool,
    /// Replaces `print` with one that captures lines into the run's output.
    /// Without it `print` stays as the host set it, and `dump` writes
    /// through that `print`.
    pub capture_output: bool,
}

impl Default for InstallOptions {
    /// No accounts, `default` as the default account, the default policy
    /// and limits, the sandbox applied and output captured.
    fn default() -> Self {
        InstallOptions {
            accounts: Vec::new(),
            default_account: "default".to_string(),
            policy: Policy::default(),
            limits: Limits::default(),
            sandbox: true,
            capture_output: true,
        }
    }
}

impl From<HostOptions> for InstallOptions {
    fn from(options: HostOptions) -> Self {
        InstallOptions {
            accounts: options.accounts,
            default_account: options.default_account,
            policy: options.policy,
            limits: options.limits,
            ..InstallOptions::default()
        }
    }
}

/// The integration as installed into one Lua state.
///
/// It keeps a handle to the state. Nothing in the state refers back to it,
/// so dropping both frees everything.
pub struct Installed {
    lua: Lua,
    shared: Arc<Shared>,
    output: Output,
    log: CallLog,
    clients: BTreeMap<String, Client>,
    sandboxed: bool,
}

/// Checks that an account name can be written as `app.integrations.okta.NAME`
/// and does not hide a function.
pub(crate) fn check_account_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(format!(
            "invalid account name `{name}`: use letters, digits and underscores, starting with a letter"
        ));
    }
    let is_tool = generated::tools::ALL
        .iter()
        .any(|tool| tool.name == name || tool.aliases.contains(&name));
    if is_tool {
        return Err(format!(
            "account name `{name}` is also a function name; rename the account"
        ));
    }
    Ok(())
}

/// Installs `app.integrations.okta` (one namespace per account), `docs`,
/// `json`, `regex`, `dump` and, when output is captured, `print` into a
/// host's own Lua state, and applies the sandbox and limits when
/// `options.sandbox` is set.
///
/// Install once per state. Run code with [`Installed::run`], which gives
/// each run a fresh environment and enforces the limits; see its
/// documentation for running code another way.
///
/// ```no_run
/// use okta_runtime::lua::{InstallOptions, install};
/// use okta_runtime::{AccountConfig, SecretString};
///
/// # fn main() -> Result<(), okta_runtime::Error> {
/// let lua = mlua::Lua::new();
/// let account = AccountConfig::with_api_token(
///     "default",
///     "https://example.okta.com",
///     SecretString::new(std::env::var("OKTA_API_TOKEN").unwrap_or_default()),
/// );
/// let okta = install(&lua, InstallOptions { accounts: vec![account], ..InstallOptions::default() })?;
/// let outcome = okta.run("return #app.integrations.okta.list_users({ limit = 5 })", "agent");
/// println!("{}", serde_json::to_string(&outcome).unwrap());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`Error::Config`] when an account name is invalid or repeated, the
/// default account is not among the accounts, an account's settings are
/// invalid, or the state cannot be set up.
pub fn install(lua: &Lua, options: InstallOptions) -> Result<Installed, Error> {
    check_accounts(&options.accounts, &options.default_account)?;
    let clock = Arc::new(Clock::new(options.limits));
    if options.sandbox {
        sandbox::apply(lua, clock.clone()).map_err(lua_setup_error)?;
    } else {
        let pcall: Function = lua.globals().get("pcall").map_err(|_| {
            Error::Config("the Lua state has no `pcall`, which running a chunk needs".to_string())
        })?;
        lua.set_named_registry_value(RAW_PCALL_KEY, pcall)
            .map_err(lua_setup_error)?;
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::Config(format!("cannot start the async runtime: {error}")))?;
    let shared = Arc::new(Shared {
        runtime,
        clock,
        policy: options.policy,
    });
    let log = CallLog::default();
    let mut clients = BTreeMap::new();
    for account in &options.accounts {
        let client = {
            let _guard = shared.runtime.enter();
            Client::with_log(account, log.clone())?
        };
        clients.insert(account.name.clone(), client);
    }

    let installed = Installed {
        lua: lua.clone(),
        shared,
        output: Output::default(),
        log,
        clients,
        sandboxed: options.sandbox,
    };
    installed
        .register(&options.default_account, options.capture_output)
        .map_err(lua_setup_error)?;
    Ok(installed)
}

fn check_accounts(accounts: &[AccountConfig], default_account: &str) -> Result<(), Error> {
    let mut names: Vec<&str> = Vec::with_capacity(accounts.len());
    for account in accounts {
        check_account_name(&account.name).map_err(Error::Config)?;
        if names.contains(&account.name.as_str()) {
            return Err(Error::Config(format!(
                "account `{}` is configured twice",
                account.name
            )));
        }
        names.push(&account.name);
    }
    if !names.contains(&default_account) {
        names.sort_unstable();
        return Err(Error::Config(format!(
            "unknown account `{default_account}`; configured accounts: {}",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )));
    }
    Ok(())
}

fn lua_setup_error(error: mlua::Error) -> Error {
    Error::Config(format!("cannot set up the Lua state: {error}"))
}

impl Installed {
    fn register(&self, default_account: &str, capture_output: bool) -> mlua::Result<()> {
        let lua = &self.lua;
        let shim: Function = lua.load(SHIM_CHUNK).set_name("=okta.shim").eval()?;
        lua.set_named_registry_value(SHIM_KEY, shim)?;

        let globals_table = lua.globals();
        let sink = if capture_output {
            Sink::Capture(self.output.clone())
        } else {
            Sink::Print(globals_table.get("print")?)
        };
        let mut account_names: Vec<String> = self.clients.keys().cloned().collect();
        account_names.retain(|name| name != "default");
        globals::install(lua, sink, self.shared.clock.clone(), account_names)?;

        let tools_by_account = lua.create_table()?;
        for (name, client) in &self.clients {
            let tools = lua.create_table()?;
            let binder = ToolBinder {
                client: client.clone(),
                shared: self.shared.clone(),
            };
            generated::register_tools(lua, &tools, &binder)?;
            tools.raw_set("rate_limit", binder.rate_limit_function(lua)?)?;
            tools_by_account.raw_set(name.as_str(), tools)?;
        }
        if !self.clients.contains_key("default") {
            let default_tools: Table = tools_by_account.raw_get(default_account)?;
            tools_by_account.raw_set("default", default_tools)?;
        }

        let new_namespace: Function = lua
            .load(NAMESPACE_CHUNK)
            .set_name("=okta.namespace")
            .call((tools_by_account, default_account, generated::docs::LUA_PATH))?;

        // The state's own globals get a namespace too, for hosts that run
        // code outside `run`.
        let app = match globals_table.raw_get::<LuaValue>("app")? {
            LuaValue::Table(app) => app,
            _ => lua.create_table()?,
        };
        let integrations = match app.raw_get::<LuaValue>("integrations")? {
            LuaValue::Table(integrations) => integrations,
            _ => lua.create_table()?,
        };
        integrations.raw_set(
            generated::docs::INTEGRATION,
            new_namespace.call::<Table>(())?,
        )?;
        app.raw_set("integrations", integrations)?;
        globals_table.raw_set("app", app)?;

        let load: LuaValue = if self.sandboxed {
            lua.named_registry_value(TEXT_LOAD_KEY)?
        } else {
            globals_table.raw_get("load")?
        };
        let new_environment: Function = lua
            .load(ENVIRONMENT_CHUNK)
            .set_name("=okta.environment")
            .call((
            globals_table,
            new_namespace,
            generated::docs::INTEGRATION,
            load,
        ))?;
        lua.set_named_registry_value(ENVIRONMENT_KEY, new_environment)?;
        Ok(())
    }

    /// Returns the Lua state.
    pub fn lua(&self) -> &Lua {
        &self.lua
    }

    /// Returns the client of an account.
    pub fn client(&self, account: &str) -> Option<&Client> {
        self.clients.get(account)
    }

    /// Returns the configured account names.
    pub fn accounts(&self) -> Vec<String> {
        self.clients.keys().cloned().collect()
    }

    /// Returns the policy calls are checked against.
    pub fn policy(&self) -> &Policy {
        &self.shared.policy
    }

    /// Returns the current limits.
    pub fn limits(&self) -> Limits {
        self.shared.clock.limits()
    }

    /// Changes the limits for the next runs. The memory limit is set on the
    /// state only when the sandbox was applied.
    pub fn set_limits(&self, limits: Limits) -> Result<(), Error> {
        if self.sandboxed {
            self.lua
                .set_memory_limit(limits.memory)
                .map_err(lua_setup_error)?;
        }
        self.shared.clock.set_limits(limits);
        Ok(())
    }

    /// Returns how long the current run may still wait.
    pub fn wall_remaining(&self) -> Duration {
        self.shared.clock.wall_remaining()
    }

    /// Returns a documentation page, as `docs.read` does in Lua: the lookup
    /// behind a host's `lua_read_doc` tool. An unknown page gives an error
    /// that lists the pages.
    pub fn read_doc(&self, page: &str) -> Result<&'static str, String> {
        crate::docs::read(page, &self.accounts())
    }

    /// Returns a new environment for one run: a copy of the globals with
    /// fresh library tables and namespace, so nothing a chunk changes
    /// reaches later runs. [`Installed::run`] uses one per run.
    pub fn new_environment(&self) -> mlua::Result<Table> {
        let build: Function = self.lua.named_registry_value(ENVIRONMENT_KEY)?;
        build.call(())
    }

    /// Runs `body` with the time limits in force, as one run. Hosts that
    /// run code in their own way wrap it in this; [`Installed::run`] does
    /// it for them. Output and calls are collected until
    /// [`Installed::take_output`] and [`Installed::take_calls`].
    pub fn with_limits<R>(&self, body: impl FnOnce() -> R) -> R {
        self.shared.clock.start();
        let result = body();
        self.shared.clock.stop();
        result
    }

    /// Removes and returns the lines `print` and `dump` captured.
    pub fn take_output(&self) -> Vec<String> {
        self.output.take()
    }

    /// Removes and returns the records of the HTTP calls made.
    pub fn take_calls(&self) -> Vec<CallRecord> {
        self.log.take()
    }

    /// Runs a chunk of Lua text in a fresh environment with the limits in
    /// force, and reports everything it produced. The state stays usable
    /// after any error, an exceeded limit included.
    pub fn run(&self, code: &str, chunk_name: &str) -> RunOutcome {
        let started = Instant::now();
        self.output.take();
        self.log.take();

        let (result, error) = self.with_limits(|| match self.execute(code, chunk_name) {
            Ok(values) => (values, None),
            Err(error) => (Vec::new(), Some(error)),
        });
        RunOutcome {
            success: error.is_none(),
            result,
            output: self.output.take(),
            error,
            execution_time_ms: started.elapsed().as_secs_f64() * 1000.0,
            memory_usage: self.lua.used_memory(),
            integration_calls: self.log.take(),
        }
    }

    fn execute(&self, code: &str, chunk_name: &str) -> Result<Vec<Value>, RunError> {
        let lua = &self.lua;
        if self.sandboxed
            && let Some(line) = source::find_close_attribute(code.as_bytes())
        {
            return Err(RunError {
                message: source::close_attribute_message(chunk_name, line),
                kind: "syntax".to_string(),
                fields: Map::new(),
            });
        }
        let environment = self
            .new_environment()
            .map_err(|error| self.report(LuaValue::Error(Box::new(error))))?;
        let chunk = lua
            .load(code)
            .set_name(format!("={chunk_name}"))
            .set_mode(mlua::chunk::ChunkMode::Text)
            .set_environment(environment)
            .into_function()
            .map_err(|error| RunError {
                message: clean_lua_message(&error.to_string()),
                kind: "syntax".to_string(),
                fields: Map::new(),
            })?;
        let pcall: Function = lua
            .named_registry_value(RAW_PCALL_KEY)
            .map_err(|error| internal(&error))?;
        let values: MultiValue = pcall
            .call(chunk)
            .map_err(|error| self.report(LuaValue::Error(Box::new(error))))?;

        let mut values = values.into_iter();
        let ok = matches!(values.next(), Some(LuaValue::Boolean(true)));
        if !ok {
            return Err(self.report(values.next().unwrap_or(LuaValue::Nil)));
        }
        let max_bytes = self.shared.clock.limits().memory;
        Ok(values
            .map(|value| {
                lua_to_json(lua, &value, Unsupported::Describe, max_bytes)
                    .unwrap_or_else(Value::String)
            })
            .collect())
    }

    /// Turns a raised Lua value into a report.
    fn report(&self, value: LuaValue) -> RunError {
        let clock = &self.shared.clock;
        let limit_error = || RunError {
            message: clock.message(),
            kind: "limit".to_string(),
            fields: Map::new(),
        };
        if clock.is_exceeded() {
            return limit_error();
        }
        let out_of_memory = match &value {
            LuaValue::Error(error) => sandbox::is_memory_error(error),
            LuaValue::String(text) => text.as_bytes().as_ref() == b"not enough memory",
            _ => false,
        };
        if out_of_memory {
            return RunError {
                message: memory_limit_message(clock.limits().memory),
                kind: "limit".to_string(),
                fields: Map::new(),
            };
        }

        if let Some(report) = self.report_table(&value) {
            return report;
        }
        let text = match &value {
            LuaValue::String(text) => text.to_string_lossy().to_string(),
            LuaValue::Nil => "nil".to_string(),
            LuaValue::Error(error) => error.to_string(),
            other => self
                .lua
                .globals()
                .get::<Function>("tostring")
                .and_then(|tostring| tostring.call::<String>(other.clone()))
                .unwrap_or_else(|_| format!("<{}>", other.type_name())),
        };
        // A `__tostring` that loops runs into the CPU limit.
        if clock.is_exceeded() {
            return limit_error();
        }
        RunError {
            message: clean_lua_message(&text),
            kind: "lua".to_string(),
            fields: Map::new(),
        }
    }

    /// Reports a raised table with a `message` field, such as a failed
    /// Okta call, with its other fields.
    fn report_table(&self, value: &LuaValue) -> Option<RunError> {
        let LuaValue::Table(table) = value else {
            return None;
        };
        table.raw_get::<Option<String>>("message").ok().flatten()?;
        let max_bytes = self.shared.clock.limits().memory;
        let mut fields = match lua_to_json(&self.lua, value, Unsupported::Describe, max_bytes) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let message = fields
            .remove("message")
            .and_then(|m| m.as_str().map(str::to_string))
            .unwrap_or_default();
        let kind = fields
            .remove("kind")
            .and_then(|k| k.as_str().map(str::to_string))
            .unwrap_or_else(|| "lua".to_string());
        Some(RunError {
            message,
            kind,
            fields,
        })
    }
}

fn internal(error: &mlua::Error) -> RunError {
    RunError {
        message: format!("internal error: {error}"),
        kind: "internal".to_string(),
        fields: Map::new(),
    }
}

/// Drops the stack traceback mlua appends to callback errors.
fn clean_lua_message(text: &str) -> String {
    let first = text.split("\nstack traceback:").next().unwrap_or(text);
    first
        .trim_start_matches("runtime error: ")
        .trim_start_matches("syntax error: ")
        .trim()
        .to_string()
}
