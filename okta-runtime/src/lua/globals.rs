//! Globals for scripts: `print`, `dump`, `json`, `regex` and `docs`.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use mlua::{Function, Lua, Table, Value as LuaValue, Variadic};

use super::convert::{Unsupported, array_metatable, decode_json, lua_to_json};
use super::sandbox::{Clock, format_bytes};

/// Lines written by `print` and `dump` during a run, up to a total size.
#[derive(Debug, Clone, Default)]
pub struct Output(Arc<Mutex<OutputLines>>);

#[derive(Debug, Default)]
struct OutputLines {
    lines: Vec<String>,
    bytes: usize,
}

impl Output {
    /// Adds a line unless the output would grow past `max_bytes`; the error
    /// names that limit.
    pub fn push(&self, line: String, max_bytes: usize) -> Result<(), String> {
        let mut output = self
            .0
            .lock()
            .map_err(|_| "the output is unavailable".to_string())?;
        let bytes = output.bytes + line.len() + 1;
        if bytes > max_bytes {
            return Err(format!(
                "output limit of {} exceeded: print and dump may write no more than the memory limit; the script was stopped (raise it with --memory-limit BYTES)",
                format_bytes(max_bytes)
            ));
        }
        output.bytes = bytes;
        output.lines.push(line);
        Ok(())
    }

    /// Removes and returns every line.
    pub fn take(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|mut output| {
                output.bytes = 0;
                std::mem::take(&mut output.lines)
            })
            .unwrap_or_default()
    }
}

/// Destination of `print` and `dump`.
#[derive(Clone)]
pub enum Sink {
    /// Captured lines, returned with the run's outcome.
    Capture(Output),
    /// A `print` function of the host, called with each line.
    Print(Function),
}

impl Sink {
    fn write(&self, line: String, clock: &Clock) -> mlua::Result<()> {
        match self {
            Sink::Capture(output) => output.push(line, clock.limits().memory).map_err(|message| {
                // An output flood is a limit like memory: protected calls
                // must not be able to catch it and continue.
                clock.exceed(message.clone());
                mlua::Error::runtime(message)
            }),
            Sink::Print(print) => print.call::<()>(line),
        }
    }
}

/// Installs `dump`, `json`, `regex` and `docs`, and `print` when the sink
/// captures output. `accounts` lists the account names `docs.read` accepts.
pub fn install(
    lua: &Lua,
    sink: Sink,
    clock: Arc<Clock>,
    accounts: Vec<String>,
) -> mlua::Result<()> {
    let globals = lua.globals();
    if let Sink::Capture(_) = &sink {
        install_print(lua, &globals, sink.clone(), clock.clone())?;
    }
    install_dump(lua, &globals, sink, clock.clone())?;
    globals.raw_set("json", json_table(lua, clock.clone())?)?;
    globals.raw_set("regex", regex_table(lua, clock)?)?;
    globals.raw_set("docs", docs_table(lua, accounts)?)?;
    Ok(())
}

fn install_print(lua: &Lua, globals: &Table, sink: Sink, clock: Arc<Clock>) -> mlua::Result<()> {
    let tostring: Function = globals.get("tostring")?;
    let print = lua.create_function(move |_, values: Variadic<LuaValue>| {
        let mut parts = Vec::with_capacity(values.len());
        for value in values {
            parts.push(tostring.call::<String>(value)?);
        }
        sink.write(parts.join("\t"), &clock)
    })?;
    globals.raw_set("print", print)
}

fn install_dump(lua: &Lua, globals: &Table, sink: Sink, clock: Arc<Clock>) -> mlua::Result<()> {
    let dump = lua.create_function(move |_, values: Variadic<LuaValue>| {
        let max_bytes = clock.limits().memory;
        let mut rendered = String::new();
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                rendered.push('\t');
            }
            let mut renderer = Renderer {
                out: &mut rendered,
                visiting: HashSet::new(),
                max_bytes,
            };
            renderer.render(value, 0).map_err(mlua::Error::runtime)?;
        }
        sink.write(rendered, &clock)?;
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

/// Renders values as readable Lua-like text with sorted keys. A table that
/// contains itself is shown as `<cycle>`, and the text may grow to
/// `max_bytes` at most.
struct Renderer<'a> {
    out: &'a mut String,
    visiting: HashSet<usize>,
    max_bytes: usize,
}

impl Renderer<'_> {
    fn check_size(&self) -> Result<(), String> {
        if self.out.len() > self.max_bytes {
            return Err(format!(
                "dump: the rendered value is larger than {}, the memory limit",
                format_bytes(self.max_bytes)
            ));
        }
        Ok(())
    }

    fn render(&mut self, value: &LuaValue, depth: usize) -> Result<(), String> {
        match value {
            LuaValue::Nil => self.out.push_str("nil"),
            LuaValue::Boolean(flag) => self.out.push_str(if *flag { "true" } else { "false" }),
            LuaValue::Integer(integer) => {
                let _ = write!(self.out, "{integer}");
            }
            LuaValue::Number(number) => {
                let _ = write!(self.out, "{number:?}");
            }
            LuaValue::String(text) => self.out.push_str(&quote_lua(&text.to_string_lossy())),
            LuaValue::LightUserData(data) if data.0.is_null() => self.out.push_str("json.null"),
            LuaValue::Table(table) => self.render_table(table, depth)?,
            other => {
                let _ = write!(self.out, "<{}>", other.type_name());
            }
        }
        self.check_size()
    }

    fn render_table(&mut self, table: &Table, depth: usize) -> Result<(), String> {
        let identity = table.to_pointer() as usize;
        if !self.visiting.insert(identity) {
            self.out.push_str("<cycle>");
            return Ok(());
        }
        let result = self.render_entries(table, depth);
        self.visiting.remove(&identity);
        result
    }

    fn render_entries(&mut self, table: &Table, depth: usize) -> Result<(), String> {
        if depth >= DUMP_MAX_DEPTH {
            self.out.push_str("{ ... }");
            return Ok(());
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
                    let mut key_renderer = Renderer {
                        out: &mut label,
                        visiting: std::mem::take(&mut self.visiting),
                        max_bytes: self.max_bytes,
                    };
                    let rendered = key_renderer.render(other, depth + 1);
                    self.visiting = key_renderer.visiting;
                    rendered?;
                    label.push(']');
                    named.push((label, value));
                }
            }
        }
        named.sort_by(|a, b| a.0.cmp(&b.0));

        if length == 0 && named.is_empty() {
            self.out.push_str("{}");
            return Ok(());
        }
        let indent = "  ".repeat(depth + 1);
        self.out.push_str("{\n");
        for index in 1..=length {
            let item: LuaValue = table.raw_get(index).unwrap_or(LuaValue::Nil);
            self.out.push_str(&indent);
            self.render(&item, depth + 1)?;
            self.out.push_str(",\n");
        }
        for (label, item) in named {
            let _ = write!(self.out, "{indent}{label} = ");
            self.render(&item, depth + 1)?;
            self.out.push_str(",\n");
        }
        self.out.push_str(&"  ".repeat(depth));
        self.out.push('}');
        Ok(())
    }
}

fn json_table(lua: &Lua, clock: Arc<Clock>) -> mlua::Result<Table> {
    let json = lua.create_table()?;
    json.raw_set(
        "encode",
        lua.create_function(move |lua, (value, options): (LuaValue, LuaValue)| {
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
            let max_bytes = clock.limits().memory;
            let converted = lua_to_json(lua, &value, Unsupported::Reject, max_bytes)
                .map_err(|message| mlua::Error::runtime(format!("json.encode: {message}")))?;
            let text = if pretty {
                serde_json::to_string_pretty(&converted)
            } else {
                serde_json::to_string(&converted)
            };
            text.map_err(|error| mlua::Error::runtime(format!("json.encode: {error}")))
        })?,
    )?;
    json.raw_set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            decode_json(lua, &text.as_bytes())?.map_err(|message| {
                mlua::Error::runtime(format!("json.decode: invalid JSON: {message}"))
            })
        })?,
    )?;
    json.raw_set("null", LuaValue::NULL)?;
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

fn compile(function: &str, pattern: &str) -> mlua::Result<regex::Regex> {
    regex::Regex::new(pattern).map_err(|error| {
        mlua::Error::runtime(format!("{function}: invalid regex \"{pattern}\": {error}"))
    })
}

/// Replaces every match of `regex` in `text`, expanding `$1` and `${name}`
/// in `replacement`. The result may grow to `max_bytes` at most, because
/// an empty pattern matches at every position of a long text.
fn replace_all(
    regex: &regex::Regex,
    text: &str,
    replacement: &str,
    max_bytes: usize,
) -> Result<(String, usize), String> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut count = 0;
    for captures in regex.captures_iter(text) {
        let whole = captures.get(0).expect("group 0 is the whole match");
        out.push_str(&text[last..whole.start()]);
        captures.expand(replacement, &mut out);
        last = whole.end();
        count += 1;
        if out.len() > max_bytes {
            break;
        }
    }
    out.push_str(&text[last..]);
    if out.len() > max_bytes {
        return Err(format!(
            "regex.gsub: the result is larger than {}, the memory limit",
            format_bytes(max_bytes)
        ));
    }
    Ok((out, count))
}

fn regex_table(lua: &Lua, clock: Arc<Clock>) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    // regex.match(text, pattern): the whole match, or the captures when the
    // pattern has groups, or nil.
    table.raw_set(
        "match",
        lua.create_function(|lua, (text, pattern): (String, String)| {
            let regex = compile("regex.match", &pattern)?;
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
            let regex = compile("regex.find", &pattern)?;
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
            move |_, (text, pattern, replacement): (String, String, String)| {
                let regex = compile("regex.gsub", &pattern)?;
                replace_all(&regex, &text, &replacement, clock.limits().memory)
                    .map_err(mlua::Error::runtime)
            },
        )?,
    )?;

    // regex.split(text, pattern): a sequence of the parts between matches.
    table.raw_set(
        "split",
        lua.create_function(|lua, (text, pattern): (String, String)| {
            let regex = compile("regex.split", &pattern)?;
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
