//! The Lua host: a sandboxed state with the Okta namespace and helpers.

pub mod convert;
pub mod globals;
pub mod sandbox;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlua::{Function, Lua, MultiValue, Table, Value as LuaValue};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::client::{Client, PageInfo};
use crate::config::AccountConfig;
use crate::spec::{Class, ToolSpec};
use crate::transport::{CallLog, CallRecord};
use crate::{Error, generated};
use convert::{Unsupported, array_metatable, json_to_lua, lua_to_json};
use globals::Output;
pub use sandbox::Limits;
use sandbox::{Clock, format_bytes};

/// What a run may do with one class of tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    Allow,
    /// Allowed only when the approval callback agrees; rejected when there is
    /// none, as in a headless run.
    Ask,
    Deny,
}

/// A request for approval of one call, passed to the approval callback.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalRequest {
    pub account: String,
    pub tool: String,
    pub class: &'static str,
    /// The arguments, with secret parameters masked.
    pub arguments: Value,
}

/// Decides whether a call marked `ask` may run.
pub type ApprovalCallback = Arc<dyn Fn(&ApprovalRequest) -> bool + Send + Sync>;

/// Which tools a run may call.
#[derive(Clone)]
pub struct Policy {
    pub read: Permission,
    pub write: Permission,
    /// Allows every call, whatever `read` and `write` say.
    pub force: bool,
    pub approval: Option<ApprovalCallback>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            read: Permission::Allow,
            write: Permission::Ask,
            force: false,
            approval: None,
        }
    }
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("read", &self.read)
            .field("write", &self.write)
            .field("force", &self.force)
            .field("approval", &self.approval.is_some())
            .finish()
    }
}

impl Policy {
    fn check(&self, account: &str, spec: &ToolSpec, arguments: &Value) -> Result<(), Error> {
        if self.force {
            return Ok(());
        }
        let (permission, class) = match spec.class {
            Class::Read => (self.read, "read"),
            Class::Write => (self.write, "write"),
        };
        let rejected = |reason: &str| {
            Error::NotAllowed(format!(
                "okta.{} is a {class} tool and {reason}; rerun with --force to allow it, or set `{class}: allow` for account `{account}` in the config file",
                spec.name
            ))
        };
        match permission {
            Permission::Allow => Ok(()),
            Permission::Deny => Err(rejected(&format!(
                "{class} calls are denied for account `{account}`"
            ))),
            Permission::Ask => match &self.approval {
                Some(approve) => {
                    let request = ApprovalRequest {
                        account: account.to_string(),
                        tool: spec.name.to_string(),
                        class,
                        arguments: mask_arguments(spec, arguments),
                    };
                    if approve(&request) {
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

fn mask_arguments(spec: &ToolSpec, arguments: &Value) -> Value {
    let Value::Object(map) = arguments else {
        return arguments.clone();
    };
    map.iter()
        .map(|(key, value)| {
            let secret = spec.param(key).is_some_and(|param| param.secret);
            (
                key.clone(),
                if secret {
                    crate::secret::mask_json(value)
                } else {
                    value.clone()
                },
            )
        })
        .collect()
}

struct Shared {
    runtime: tokio::runtime::Runtime,
    clock: Arc<Clock>,
    policy: Policy,
}

/// Creates the Lua functions of one account.
pub struct ToolBinder {
    client: Client,
    shared: Arc<Shared>,
}

/// Registry key of the Lua function that turns `(ok, value, page)` into a
/// normal return or a raised error.
const SHIM_KEY: &str = "okta_lua.tool_shim";

impl ToolBinder {
    /// Returns the Lua function for a tool.
    pub fn function(&self, lua: &Lua, spec: &'static ToolSpec) -> mlua::Result<Function> {
        let client = self.client.clone();
        let shared = self.shared.clone();
        let raw = lua.create_function(
            move |lua, args: MultiValue| -> mlua::Result<(bool, LuaValue, LuaValue)> {
                match invoke(lua, &client, &shared, spec, args) {
                    Ok((value, page)) => Ok((true, value, page)),
                    Err(error) => Ok((
                        false,
                        LuaValue::Table(error_table(lua, &error, spec)?),
                        LuaValue::Nil,
                    )),
                }
            },
        )?;
        let shim: Function = lua.named_registry_value(SHIM_KEY)?;
        shim.call(raw)
    }
}

fn invoke(
    lua: &Lua,
    client: &Client,
    shared: &Shared,
    spec: &'static ToolSpec,
    args: MultiValue,
) -> Result<(LuaValue, LuaValue), Error> {
    let invalid = |problem: String| Error::InvalidArguments {
        tool: format!("okta.{}", spec.name),
        problems: vec![problem],
    };
    let mut args = args.into_iter();
    let table = args.next().unwrap_or(LuaValue::Nil);
    if args.any(|extra| !extra.is_nil()) {
        return Err(invalid(format!(
            "okta.{} takes one table of named parameters, got more than one argument",
            spec.name
        )));
    }
    let arguments = match &table {
        LuaValue::Nil => Value::Object(Map::new()),
        LuaValue::Table(_) => match lua_to_json(lua, &table, Unsupported::Reject)
            .map_err(|message| invalid(message.replacen("value", "arguments", 1)))?
        {
            Value::Object(map) => Value::Object(map),
            Value::Array(items) if items.is_empty() => Value::Object(Map::new()),
            _ => {
                return Err(invalid(format!(
                    "okta.{} takes a table of named parameters such as {{ id = \"...\" }}, got a sequence",
                    spec.name
                )));
            }
        },
        other => {
            return Err(invalid(format!(
                "okta.{} takes one table of named parameters such as {{ id = \"...\" }}, got a {}",
                spec.name,
                other.type_name()
            )));
        }
    };

    shared.policy.check(client.account(), spec, &arguments)?;
    let Value::Object(map) = arguments else {
        unreachable!("arguments are an object")
    };
    let prepared = crate::request::prepare(spec, map)?;

    let remaining = shared.clock.wall_remaining();
    let started = Instant::now();
    let outcome = shared
        .runtime
        .block_on(async { tokio::time::timeout(remaining, client.run(spec, prepared)).await });
    shared.clock.add_wait(started.elapsed());
    let output = match outcome {
        Ok(result) => result?,
        Err(_) => {
            let limits = shared.clock.limits();
            let message = format!(
                "wall-clock limit of {} s exceeded while waiting for Okta (okta.{})",
                limits.wall.as_secs_f64(),
                spec.name
            );
            shared.clock.exceed(message.clone());
            return Err(Error::Timeout {
                request: format!("okta.{}", spec.name),
                elapsed: started.elapsed(),
                hint: Some(message),
            });
        }
    };

    let value =
        json_to_lua(lua, &output.value).map_err(|error| Error::Config(error.to_string()))?;
    let page = match output.page {
        Some(page) => LuaValue::Table(
            page_table(lua, &page).map_err(|error| Error::Config(error.to_string()))?,
        ),
        None => LuaValue::Nil,
    };
    Ok((value, page))
}

fn page_table(lua: &Lua, page: &PageInfo) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("truncated", page.truncated)?;
    table.raw_set("next", page.next.clone())?;
    table.raw_set("pages", page.pages)?;
    Ok(table)
}

/// Registry key of the metatable of error tables.
const ERROR_METATABLE_KEY: &str = "okta_lua.error_metatable";

/// Builds the table raised for a failed call. `tostring` gives its message.
fn error_table(lua: &Lua, error: &Error, spec: &ToolSpec) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("message", error.to_string())?;
    table.raw_set("kind", error.kind())?;
    table.raw_set("tool", spec.name)?;
    match error {
        Error::Api(api) => {
            table.raw_set("status", api.status)?;
            table.raw_set("errorCode", api.error_code.clone())?;
            table.raw_set("errorSummary", api.error_summary.clone())?;
            table.raw_set("errorLink", api.error_link.clone())?;
            table.raw_set("errorId", api.error_id.clone())?;
            let causes = lua.create_sequence_from(api.error_causes.iter().cloned())?;
            causes.set_metatable(Some(array_metatable(lua)?))?;
            table.raw_set("errorCauses", causes)?;
        }
        Error::InvalidArguments { problems, .. } => {
            table.raw_set("errorCode", "invalid_arguments")?;
            let list = lua.create_sequence_from(problems.iter().cloned())?;
            list.set_metatable(Some(array_metatable(lua)?))?;
            table.raw_set("problems", list)?;
        }
        _ => {}
    }
    let metatable = match lua.named_registry_value::<Table>(ERROR_METATABLE_KEY) {
        Ok(metatable) => metatable,
        Err(_) => {
            let metatable: Table = lua
                .load("return { __tostring = function(e) return e.message end, __name = 'okta.error' }")
                .set_name("=okta.error")
                .eval()?;
            lua.set_named_registry_value(ERROR_METATABLE_KEY, &metatable)?;
            metatable
        }
    };
    table.set_metatable(Some(metatable))?;
    Ok(table)
}

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
    /// `lua`, `limit`, or the kind of a failed Okta call such as `api`.
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

/// A sandboxed Lua state with `app.integrations.okta` installed.
pub struct LuaHost {
    lua: Lua,
    shared: Arc<Shared>,
    output: Output,
    log: CallLog,
    clients: BTreeMap<String, Client>,
}

const NAMESPACE_CHUNK: &str = r#"
local tools_by_account, default_name, lua_path = ...
local error, rawget, pairs, next, type, tostring = error, rawget, pairs, next, type, tostring
local table_sort, table_concat = table.sort, table.concat

local function names_of(tools)
    local names = {}
    for name in pairs(tools) do names[#names + 1] = name end
    table_sort(names)
    return names
end

local function distance(a, b)
    local la, lb = #a, #b
    local previous = {}
    for j = 0, lb do previous[j] = j end
    for i = 1, la do
        local current = { [0] = i }
        for j = 1, lb do
            local cost = (a:sub(i, i) == b:sub(j, j)) and 0 or 1
            current[j] = math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        end
        previous = current
    end
    return previous[lb]
end

local function unknown(path, key, candidates)
    local best, best_distance = {}, math.huge
    for _, name in ipairs(candidates) do
        local d = distance(tostring(key), name)
        if d < best_distance then best, best_distance = { name }, d
        elseif d == best_distance then best[#best + 1] = name end
    end
    local hint = ""
    if best_distance <= math.max(2, #tostring(key) // 3) then
        hint = " Did you mean " .. table_concat(best, " or ") .. "?"
    end
    error(path .. "." .. tostring(key) .. " does not exist." .. hint ..
        " Available: " .. table_concat(candidates, ", ") .. ". Read the reference with docs.read(\"okta\").", 2)
end

local function read_only(path, contents, candidates)
    local proxy = {}
    setmetatable(proxy, {
        __index = function(_, key)
            local value = rawget(contents, key)
            if value == nil then unknown(path, key, candidates) end
            return value
        end,
        __newindex = function(_, key)
            error(path .. " is read-only; cannot set " .. tostring(key), 2)
        end,
        __pairs = function() return next, contents, nil end,
        __metatable = "locked",
    })
    return proxy
end

local account_names = names_of(tools_by_account)
local root = {}
for name, tools in pairs(tools_by_account) do
    root[name] = read_only(lua_path .. "." .. name, tools, names_of(tools))
end
for key, fn in pairs(tools_by_account[default_name]) do
    root[key] = fn
end
local candidates = names_of(tools_by_account[default_name])
for _, name in ipairs(account_names) do candidates[#candidates + 1] = name end
return read_only(lua_path, root, candidates)
"#;

const SHIM_CHUNK: &str = r#"
local error = error
return function(raw)
    return function(...)
        local ok, value, page = raw(...)
        if not ok then error(value, 2) end
        return value, page
    end
end
"#;

impl LuaHost {
    /// Creates a host with its own sandboxed Lua state.
    pub fn new(options: HostOptions) -> Result<LuaHost, Error> {
        let clock = Arc::new(Clock::new(options.limits));
        let lua = sandbox::new_state(clock.clone()).map_err(lua_setup_error)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| Error::Config(format!("cannot start the async runtime: {error}")))?;
        let shared = Arc::new(Shared {
            runtime,
            clock,
            policy: options.policy.clone(),
        });
        let output = Output::default();
        let log = CallLog::default();

        let mut clients = BTreeMap::new();
        for account in &options.accounts {
            if generated::tools::ALL.iter().any(|tool| {
                tool.name == account.name || tool.aliases.contains(&account.name.as_str())
            }) {
                return Err(Error::Config(format!(
                    "account name `{}` is also a function name; rename the account",
                    account.name
                )));
            }
            let client = {
                let _guard = shared.runtime.enter();
                Client::with_log(account, log.clone())?
            };
            clients.insert(account.name.clone(), client);
        }
        if !clients.contains_key(&options.default_account) {
            let configured: Vec<&str> = clients.keys().map(String::as_str).collect();
            return Err(Error::Config(format!(
                "unknown account `{}`; configured accounts: {}",
                options.default_account,
                if configured.is_empty() {
                    "none".to_string()
                } else {
                    configured.join(", ")
                }
            )));
        }

        let host = LuaHost {
            lua,
            shared,
            output,
            log,
            clients,
        };
        host.install(&options.default_account)
            .map_err(lua_setup_error)?;
        Ok(host)
    }

    fn install(&self, default_account: &str) -> mlua::Result<()> {
        let lua = &self.lua;
        let shim: Function = lua.load(SHIM_CHUNK).set_name("=okta.shim").eval()?;
        lua.set_named_registry_value(SHIM_KEY, shim)?;

        let mut account_names: Vec<String> = self.clients.keys().cloned().collect();
        account_names.retain(|name| name != "default");
        globals::install(lua, &self.output, account_names)?;

        let tools_by_account = lua.create_table()?;
        for (name, client) in &self.clients {
            let tools = lua.create_table()?;
            let binder = ToolBinder {
                client: client.clone(),
                shared: self.shared.clone(),
            };
            generated::register_tools(lua, &tools, &binder)?;
            tools_by_account.raw_set(name.as_str(), tools)?;
        }
        if !self.clients.contains_key("default") {
            let default_tools: Table = tools_by_account.raw_get(default_account)?;
            tools_by_account.raw_set("default", default_tools)?;
        }

        let lua_path = generated::docs::LUA_PATH;
        let namespace: Table = lua
            .load(NAMESPACE_CHUNK)
            .set_name("=okta.namespace")
            .call((tools_by_account, default_account, lua_path))?;

        let integrations = lua.create_table()?;
        integrations.raw_set(generated::docs::INTEGRATION, namespace)?;
        let app = lua.create_table()?;
        app.raw_set("integrations", integrations)?;
        lua.globals().raw_set("app", app)?;
        Ok(())
    }

    /// Returns the Lua state, for hosts that add their own globals.
    pub fn lua(&self) -> &Lua {
        &self.lua
    }

    /// Returns the client of an account.
    pub fn client(&self, account: &str) -> Option<&Client> {
        self.clients.get(account)
    }

    /// Changes the limits for the next runs.
    pub fn set_limits(&self, limits: Limits) -> Result<(), Error> {
        self.shared.clock.set_limits(limits);
        self.lua
            .set_memory_limit(limits.memory)
            .map_err(lua_setup_error)?;
        Ok(())
    }

    /// Runs a chunk of Lua code and reports everything it produced. The host
    /// stays usable after any error, including an exceeded limit.
    pub fn run(&self, code: &str, chunk_name: &str) -> RunOutcome {
        let started = Instant::now();
        self.shared.clock.start();
        self.output.take();
        self.log.take();

        let (result, error) = match self.execute(code, chunk_name) {
            Ok(values) => (values, None),
            Err(error) => (Vec::new(), Some(error)),
        };
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
        let chunk = lua
            .load(code)
            .set_name(format!("={chunk_name}"))
            .set_mode(mlua::chunk::ChunkMode::Text)
            .into_function()
            .map_err(|error| RunError {
                message: clean_lua_message(&error.to_string()),
                kind: "syntax".to_string(),
                fields: Map::new(),
            })?;
        let pcall: Function = lua
            .named_registry_value("okta_lua.raw_pcall")
            .map_err(|error| internal(&error))?;
        let values: MultiValue = pcall.call(chunk).map_err(|error| {
            self.report(LuaValue::String(
                lua.create_string(error.to_string()).expect("string"),
            ))
        })?;

        let mut values = values.into_iter();
        let ok = matches!(values.next(), Some(LuaValue::Boolean(true)));
        if !ok {
            return Err(self.report(values.next().unwrap_or(LuaValue::Nil)));
        }
        Ok(values
            .map(|value| {
                lua_to_json(lua, &value, Unsupported::Describe).unwrap_or_else(Value::String)
            })
            .collect())
    }

    /// Turns a raised Lua value into a report.
    fn report(&self, value: LuaValue) -> RunError {
        let clock = &self.shared.clock;
        if clock.is_exceeded() {
            return RunError {
                message: clock.message(),
                kind: "limit".to_string(),
                fields: Map::new(),
            };
        }
        match &value {
            LuaValue::Table(table)
                if table
                    .raw_get::<Option<String>>("message")
                    .ok()
                    .flatten()
                    .is_some() =>
            {
                let mut fields = match lua_to_json(&self.lua, &value, Unsupported::Describe) {
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
                RunError {
                    message,
                    kind,
                    fields,
                }
            }
            _ => {
                let text = match &value {
                    LuaValue::String(text) => text.to_string_lossy().to_string(),
                    LuaValue::Nil => "nil".to_string(),
                    other => self
                        .lua
                        .globals()
                        .get::<Function>("tostring")
                        .and_then(|f| f.call::<String>(other.clone()))
                        .unwrap_or_else(|_| format!("<{}>", other.type_name())),
                };
                if text.contains("not enough memory") {
                    let limit = format_bytes(clock.limits().memory);
                    return RunError {
                        message: format!(
                            "memory limit of {limit} exceeded; the script was stopped (raise it with --memory-limit BYTES)"
                        ),
                        kind: "limit".to_string(),
                        fields: Map::new(),
                    };
                }
                RunError {
                    message: clean_lua_message(&text),
                    kind: "lua".to_string(),
                    fields: Map::new(),
                }
            }
        }
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

fn lua_setup_error(error: mlua::Error) -> Error {
    Error::Config(format!("cannot set up the Lua state: {error}"))
}

impl LuaHost {
    /// Returns the time limits' current values.
    pub fn limits(&self) -> Limits {
        self.shared.clock.limits()
    }

    /// Returns the configured account names.
    pub fn accounts(&self) -> Vec<String> {
        self.clients.keys().cloned().collect()
    }

    /// Returns how long a run may still wait, for hosts that schedule work.
    pub fn wall_remaining(&self) -> Duration {
        self.shared.clock.wall_remaining()
    }
}
