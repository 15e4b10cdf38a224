//! The Lua functions of the tools: argument conversion, the policy check,
//! dry runs, the call itself within the wall-clock limit, and the values
//! returned or raised.

use std::sync::Arc;
use std::time::Instant;

use mlua::{Function, Lua, MultiValue, Table, Value as LuaValue};
use serde_json::{Map, Value};

use super::convert::{Unsupported, array_metatable, json_to_lua_exact, lua_to_json};
use super::policy::{Policy, RequestDescription};
use super::sandbox::Clock;
use crate::Error;
use crate::client::{Client, PageInfo};
use crate::spec::{Class, ToolSpec};

/// State shared by every tool function of one installation.
pub(crate) struct Shared {
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) clock: Arc<Clock>,
    pub(crate) policy: Policy,
}

/// Creates the Lua functions of one account.
pub struct ToolBinder {
    pub(crate) client: Client,
    pub(crate) shared: Arc<Shared>,
}

/// Registry key of the Lua function that turns `(ok, value, page)` into a
/// normal return or a raised error.
pub(crate) const SHIM_KEY: &str = "okta_lua.tool_shim";

pub(crate) const SHIM_CHUNK: &str = r#"
local error = error
return function(raw)
    return function(...)
        local ok, value, page = raw(...)
        if not ok then error(value, 2) end
        -- Only list tools return a page table; the others return one value.
        if page == nil then return value end
        return value, page
    end
end
"#;

impl ToolBinder {
    /// Returns `rate_limit()`: the `X-Rate-Limit-*` values of the account's
    /// last response as `{ limit, remaining, reset }`, or nil before any
    /// response carried them. `reset` is a Unix time in seconds.
    pub fn rate_limit_function(&self, lua: &Lua) -> mlua::Result<Function> {
        let client = self.client.clone();
        lua.create_function(move |lua, ()| {
            let Some(state) = client.rate_limit() else {
                return Ok(LuaValue::Nil);
            };
            let table = lua.create_table()?;
            table.raw_set("limit", state.limit)?;
            table.raw_set("remaining", state.remaining)?;
            table.raw_set("reset", state.reset)?;
            Ok(LuaValue::Table(table))
        })
    }

    /// Returns the Lua function for a tool.
    pub fn function(&self, lua: &Lua, spec: &'static ToolSpec) -> mlua::Result<Function> {
        let client = self.client.clone();
        let shared = self.shared.clone();
        let raw = lua.create_function(
            move |lua, args: MultiValue| -> mlua::Result<(bool, LuaValue, LuaValue)> {
                match invoke(lua, &client, &shared, spec, args)? {
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

/// Runs one call. The outer error is a failure of the Lua state itself,
/// such as an exceeded memory limit; the inner one is the call's error.
fn invoke(
    lua: &Lua,
    client: &Client,
    shared: &Shared,
    spec: &'static ToolSpec,
    args: MultiValue,
) -> mlua::Result<Result<(LuaValue, LuaValue), Error>> {
    let max_bytes = shared.clock.limits().memory;
    let arguments = match arguments_object(lua, spec, args, max_bytes) {
        Ok(arguments) => arguments,
        Err(error) => return Ok(Err(error)),
    };
    let prepared = match crate::request::prepare(spec, arguments.clone()) {
        Ok(prepared) => prepared,
        Err(error) => return Ok(Err(error)),
    };
    let description = RequestDescription::new(spec, &prepared);

    if spec.class == Class::Write && shared.policy.dry_run {
        tracing::info!(
            account = client.account(),
            tool = spec.name,
            request = %description.request_line(),
            "dry run: request not sent"
        );
        let table = dry_run_table(lua, spec, client.account(), &description)?;
        return Ok(Ok((LuaValue::Table(table), LuaValue::Nil)));
    }
    let arguments = Value::Object(arguments);
    if let Err(error) = shared
        .policy
        .check(client.account(), spec, &arguments, &description)
    {
        return Ok(Err(error));
    }

    let remaining = shared.clock.wall_remaining();
    let started = Instant::now();
    let outcome = shared
        .runtime
        .block_on(async { tokio::time::timeout(remaining, client.run(spec, prepared)).await });
    shared.clock.add_wait(started.elapsed());
    let output = match outcome {
        Ok(Ok(output)) => output,
        Ok(Err(error)) => return Ok(Err(error)),
        Err(_) => {
            let limits = shared.clock.limits();
            let message = format!(
                "wall-clock limit of {} s exceeded while waiting for Okta (okta.{}); raise it with --wall-limit SECONDS",
                limits.wall.as_secs_f64(),
                spec.name
            );
            shared.clock.exceed(message.clone());
            return Ok(Err(Error::Timeout {
                request: format!("okta.{}", spec.name),
                elapsed: started.elapsed(),
                hint: Some(message),
            }));
        }
    };

    // One protected call for the whole result instead of one per table write.
    let value = super::fast_json::json_to_lua(lua, &output.value)?;
    let page = match output.page {
        Some(page) => LuaValue::Table(page_table(lua, &page)?),
        None => LuaValue::Nil,
    };
    Ok(Ok((value, page)))
}

/// Converts the arguments of a call to a JSON object: one table of named
/// parameters, or nothing.
fn arguments_object(
    lua: &Lua,
    spec: &ToolSpec,
    args: MultiValue,
    max_bytes: usize,
) -> Result<Map<String, Value>, Error> {
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
    match &table {
        LuaValue::Nil => Ok(Map::new()),
        LuaValue::Table(_) => match lua_to_json(lua, &table, Unsupported::Reject, max_bytes)
            .map_err(|message| invalid(message.replacen("value", "arguments", 1)))?
        {
            Value::Object(map) => Ok(map),
            Value::Array(items) if items.is_empty() => Ok(Map::new()),
            _ => Err(invalid(format!(
                "okta.{} takes a table of named parameters such as {{ id = \"...\" }}, got a sequence",
                spec.name
            ))),
        },
        other => Err(invalid(format!(
            "okta.{} takes one table of named parameters such as {{ id = \"...\" }}, got a {}",
            spec.name,
            other.type_name()
        ))),
    }
}

/// Builds the value a write tool returns in a dry run:
/// `{ dry_run = true, tool, account, method, path, query, body, request }`.
fn dry_run_table(
    lua: &Lua,
    spec: &ToolSpec,
    account: &str,
    description: &RequestDescription,
) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("dry_run", true)?;
    table.raw_set("tool", format!("okta.{}", spec.name))?;
    table.raw_set("account", account)?;
    table.raw_set("method", description.method)?;
    table.raw_set("path", description.path.as_str())?;
    let query = lua.create_table()?;
    for (name, value) in &description.query {
        query.raw_set(name.as_str(), value.as_str())?;
    }
    table.raw_set("query", query)?;
    if let Some(body) = &description.body {
        table.raw_set("body", json_to_lua_exact(lua, body)?)?;
    }
    table.raw_set("request", description.request_line())?;
    Ok(table)
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
    table.set_metatable(Some(error_metatable(lua)?))?;
    Ok(table)
}

/// Returns the metatable shared by every error table. `__metatable` hides
/// it from `getmetatable`, so a script cannot change how later errors print.
fn error_metatable(lua: &Lua) -> mlua::Result<Table> {
    if let Ok(metatable) = lua.named_registry_value::<Table>(ERROR_METATABLE_KEY) {
        return Ok(metatable);
    }
    let metatable: Table = lua
        .load("return { __tostring = function(e) return e.message end, __name = 'okta.error', __metatable = 'okta.error' }")
        .set_name("=okta.error")
        .eval()?;
    lua.set_named_registry_value(ERROR_METATABLE_KEY, &metatable)?;
    Ok(metatable)
}
