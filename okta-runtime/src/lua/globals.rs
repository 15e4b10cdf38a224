//! Globals for scripts: `print`, `dump`, `json`, `regex` and `docs`.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use mlua::{Lua, Table, Value as LuaValue, Variadic};

use super::convert::{Unsupported, array_metatable, json_to_lua, lua_to_json};

/// Lines written by `print` and `dump` during a run.
#[derive(Debug, Clone, Default)]
pub struct Output(Arc<Mutex<Vec<String>>>);

impl Output {
    pub fn push(&self, line: String) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(line);
        }
    }

    pub fn take(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|mut lines| std::mem::take(&mut *lines))
            .unwrap_or_default()
    }
}

/// Installs every global helper.
pub fn install(lua: &Lua, output: &Output, accounts: Vec<String>) -> mlua::Result<()> {
    let globals = lua.globals();
    install_print(lua, &globals, output)?;
    install_dump(lua, &globals, output)?;
    globals.raw_set("json", json_table(lua)?)?;
    globals.raw_set("regex", regex_table(lua)?)?;
    globals.raw_set("docs", docs_table(lua, accounts)?)?;
    Ok(())
}

fn install_print(lua: &Lua, globals: &Table, output: &Output) -> mlua::Result<()> {
    let tostring: mlua::Function = globals.get("tostring")?;
    let output = output.clone();
    let print = lua.create_function(move |_, values: Variadic<LuaValue>| {
        let mut parts = Vec::with_capacity(values.len());
        for value in values {
            parts.push(tostring.call::<String>(value)?);
        }
        output.push(parts.join("\t"));
        Ok(())
    })?;
    globals.raw_set("print", print)
}

fn install_dump(lua: &Lua, globals: &Table, output: &Output) -> mlua::Result<()> {
    let output = output.clone();
    let dump = lua.create_function(move |_, values: Variadic<LuaValue>| {
        let mut rendered = Vec::with_capacity(values.len());
        for value in values.iter() {
            let mut text = String::new();
            render(&mut text, value, 0, &mut HashSet::new());
            rendered.push(text);
        }
        output.push(rendered.join("\t"));
        Ok(values)
    })?;
    globals.raw_set("dump", dump)
}

const DUMP_MAX_DEPTH: usize = 32;

fn quote_lua(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\{}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Renders a value as readable Lua-like text with sorted keys; a table that
/// contains itself is shown as `<cycle>`.
pub fn render(out: &mut String, value: &LuaValue, depth: usize, visiting: &mut HashSet<usize>) {
    match value {
        LuaValue::Nil => out.push_str("nil"),
        LuaValue::Boolean(flag) => out.push_str(if *flag { "true" } else { "false" }),
        LuaValue::Integer(integer) => {
            let _ = write!(out, "{integer}");
        }
        LuaValue::Number(number) => {
            let _ = write!(out, "{number:?}");
        }
        LuaValue::String(text) => out.push_str(&quote_lua(&text.to_string_lossy())),
        LuaValue::LightUserData(data) if data.0.is_null() => out.push_str("json.null"),
        LuaValue::Table(table) => render_table(out, table, depth, visiting),
        other => {
            let _ = write!(out, "<{}>", other.type_name());
        }
    }
}

fn render_table(out: &mut String, table: &Table, depth: usize, visiting: &mut HashSet<usize>) {
    let identity = table.to_pointer() as usize;
    if !visiting.insert(identity) {
        out.push_str("<cycle>");
        return;
    }
    if depth >= DUMP_MAX_DEPTH {
        out.push_str("{ ... }");
        visiting.remove(&identity);
        return;
    }

    let length = table.raw_len();
    let mut named: Vec<(String, LuaValue)> = Vec::new();
    for (key, value) in table.pairs::<LuaValue, LuaValue>().flatten() {
        match &key {
            LuaValue::Integer(index) if *index >= 1 && (*index as usize) <= length => {}
            LuaValue::String(text) => {
                let text = text.to_string_lossy();
                let label = if is_identifier(&text) {
                    text.to_string()
                } else {
                    format!("[{}]", quote_lua(&text))
                };
                named.push((label, value));
            }
            other => {
                let mut label = String::from("[");
                render(&mut label, other, depth + 1, visiting);
                label.push(']');
                named.push((label, value));
            }
        }
    }
    named.sort_by(|a, b| a.0.cmp(&b.0));

    if length == 0 && named.is_empty() {
        out.push_str("{}");
        visiting.remove(&identity);
        return;
    }
    let indent = "  ".repeat(depth + 1);
    out.push_str("{\n");
    for index in 1..=length {
        let item: LuaValue = table.raw_get(index).unwrap_or(LuaValue::Nil);
        out.push_str(&indent);
        render(out, &item, depth + 1, visiting);
        out.push_str(",\n");
    }
    for (label, item) in named {
        let _ = write!(out, "{indent}{label} = ");
        render(out, &item, depth + 1, visiting);
        out.push_str(",\n");
    }
    out.push_str(&"  ".repeat(depth));
    out.push('}');
    visiting.remove(&identity);
}

fn json_table(lua: &Lua) -> mlua::Result<Table> {
    let json = lua.create_table()?;
    json.raw_set(
        "encode",
        lua.create_function(|lua, (value, options): (LuaValue, LuaValue)| {
            let pretty = match &options {
                LuaValue::Boolean(flag) => *flag,
                LuaValue::Table(table) => table.get::<Option<bool>>("pretty")?.unwrap_or(false),
                LuaValue::Nil => false,
                other => {
                    return Err(mlua::Error::runtime(format!(
                        "json.encode: options must be a table such as {{ pretty = true }}, got a {}",
                        other.type_name()
                    )));
                }
            };
            let converted = lua_to_json(lua, &value, Unsupported::Reject).map_err(|message| mlua::Error::runtime(format!("json.encode: {message}")))?;
            let text = if pretty { serde_json::to_string_pretty(&converted) } else { serde_json::to_string(&converted) };
            text.map_err(|error| mlua::Error::runtime(format!("json.encode: {error}")))
        })?,
    )?;
    json.raw_set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            let value: serde_json::Value =
                serde_json::from_slice(&text.as_bytes()).map_err(|error| {
                    mlua::Error::runtime(format!("json.decode: invalid JSON: {error}"))
                })?;
            json_to_lua(lua, &value)
        })?,
    )?;
    json.raw_set("null", LuaValue::NULL)?;
    json.raw_set("array_mt", array_metatable(lua)?)?;
    json.raw_set(
        "array",
        lua.create_function(|lua, table: Option<Table>| {
            let table = match table {
                Some(table) => table,
                None => lua.create_table()?,
            };
            table.set_metatable(Some(array_metatable(lua)?))?;
            Ok(table)
        })?,
    )?;
    Ok(json)
}

fn compile(pattern: &str) -> mlua::Result<regex::Regex> {
    regex::Regex::new(pattern)
        .map_err(|error| mlua::Error::runtime(format!("invalid regex \"{pattern}\": {error}")))
}

fn regex_table(lua: &Lua) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    // regex.match(text, pattern): the whole match, or the captures when the
    // pattern has groups, or nil.
    table.raw_set(
        "match",
        lua.create_function(|lua, (text, pattern): (String, String)| {
            let regex = compile(&pattern)?;
            let Some(captures) = regex.captures(&text) else {
                return Ok(Variadic::new());
            };
            let mut values = Variadic::new();
            if captures.len() == 1 {
                values.push(LuaValue::String(lua.create_string(&captures[0])?));
            } else {
                for group in captures.iter().skip(1) {
                    values.push(match group {
                        Some(group) => LuaValue::String(lua.create_string(group.as_str())?),
                        None => LuaValue::Nil,
                    });
                }
            }
            Ok(values)
        })?,
    )?;
    // regex.find(text, pattern): 1-based start and end byte positions, or nil.
    table.raw_set(
        "find",
        lua.create_function(|_, (text, pattern): (String, String)| {
            let regex = compile(&pattern)?;
            Ok(match regex.find(&text) {
                Some(found) => (Some(found.start() as i64 + 1), Some(found.end() as i64)),
                None => (None, None),
            })
        })?,
    )?;
    // regex.gsub(text, pattern, replacement): replacement uses $1 or ${name};
    // returns the new text and the number of replacements.
    table.raw_set(
        "gsub",
        lua.create_function(
            |_, (text, pattern, replacement): (String, String, String)| {
                let regex = compile(&pattern)?;
                let count = regex.find_iter(&text).count();
                Ok((
                    regex.replace_all(&text, replacement.as_str()).into_owned(),
                    count,
                ))
            },
        )?,
    )?;
    // regex.split(text, pattern): a sequence of the parts between matches.
    table.raw_set(
        "split",
        lua.create_function(|lua, (text, pattern): (String, String)| {
            let regex = compile(&pattern)?;
            let parts = lua.create_sequence_from(regex.split(&text).map(str::to_string))?;
            parts.set_metatable(Some(array_metatable(lua)?))?;
            Ok(parts)
        })?,
    )?;
    Ok(table)
}

fn docs_table(lua: &Lua, accounts: Vec<String>) -> mlua::Result<Table> {
    let docs = lua.create_table()?;
    docs.raw_set(
        "read",
        lua.create_function(move |_, page: Option<String>| {
            let page = page.unwrap_or_else(|| crate::generated::docs::INTEGRATION.to_string());
            crate::docs::read(&page, &accounts).map_err(mlua::Error::runtime)
        })?,
    )?;
    docs.raw_set(
        "list",
        lua.create_function(|lua, ()| {
            let pages = lua.create_sequence_from(crate::docs::list())?;
            pages.set_metatable(Some(array_metatable(lua)?))?;
            Ok(pages)
        })?,
    )?;
    docs.raw_set(
        "search",
        lua.create_function(|lua, query: String| {
            let hits = lua.create_table()?;
            for (index, hit) in crate::docs::search(&query).into_iter().enumerate() {
                let entry = lua.create_table()?;
                entry.raw_set("page", hit.page)?;
                entry.raw_set("line", hit.line)?;
                hits.raw_set(index + 1, entry)?;
            }
            hits.set_metatable(Some(array_metatable(lua)?))?;
            Ok(hits)
        })?,
    )?;
    Ok(docs)
}
