//! Conversion between JSON values and Lua values.
//!
//! JSON null becomes nil. JSON arrays become sequences carrying a shared
//! marker metatable, so they encode back to arrays even when empty. Integers
//! stay integers. `json.null` (a light userdata) encodes as an explicit null.

use std::collections::HashSet;

use mlua::{Lua, Table, Value as LuaValue};
use serde_json::{Map, Number, Value};

/// Nesting depth at which conversion stops with an error.
pub const MAX_DEPTH: usize = 128;

/// Registry key of the metatable that marks a table as a JSON array.
const ARRAY_METATABLE_KEY: &str = "okta_lua.array_metatable";

/// Returns the metatable that marks JSON arrays, creating it once per state.
pub fn array_metatable(lua: &Lua) -> mlua::Result<Table> {
    if let Ok(table) = lua.named_registry_value::<Table>(ARRAY_METATABLE_KEY) {
        return Ok(table);
    }
    let table = lua.create_table()?;
    table.raw_set("__name", "json.array")?;
    // Scripts cannot read or replace the shared metatable through getmetatable.
    table.raw_set("__metatable", "json.array")?;
    lua.set_named_registry_value(ARRAY_METATABLE_KEY, &table)?;
    Ok(table)
}

/// Converts a JSON value to a Lua value.
pub fn json_to_lua(lua: &Lua, value: &Value) -> mlua::Result<LuaValue> {
    let array_mt = array_metatable(lua)?;
    to_lua(lua, value, &array_mt)
}

fn to_lua(lua: &Lua, value: &Value, array_mt: &Table) -> mlua::Result<LuaValue> {
    Ok(match value {
        Value::Null => LuaValue::Nil,
        Value::Bool(flag) => LuaValue::Boolean(*flag),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => LuaValue::Integer(integer),
            None => LuaValue::Number(number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(text) => LuaValue::String(lua.create_string(text)?),
        Value::Array(items) => {
            let table = lua.create_table_with_capacity(items.len(), 0)?;
            for (index, item) in items.iter().enumerate() {
                table.raw_set(index + 1, to_lua(lua, item, array_mt)?)?;
            }
            table.set_metatable(Some(array_mt.clone()))?;
            LuaValue::Table(table)
        }
        Value::Object(map) => {
            let table = lua.create_table_with_capacity(0, map.len())?;
            for (key, item) in map {
                if !item.is_null() {
                    table.raw_set(key.as_str(), to_lua(lua, item, array_mt)?)?;
                }
            }
            LuaValue::Table(table)
        }
    })
}

/// How Lua values that JSON cannot hold are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsupported {
    /// Functions, threads and userdata are an error.
    Reject,
    /// They are written as a descriptive string, for result reporting.
    Describe,
}

/// Converts a Lua value to JSON. Errors name the path of the bad value.
pub fn lua_to_json(lua: &Lua, value: &LuaValue, unsupported: Unsupported) -> Result<Value, String> {
    let array_mt = array_metatable(lua).map_err(|error| error.to_string())?;
    let mut visiting = HashSet::new();
    let mut converter = ToJson {
        array_mt,
        unsupported,
        visiting: &mut visiting,
    };
    converter.convert(value, "value", 0)
}

struct ToJson<'a> {
    array_mt: Table,
    unsupported: Unsupported,
    visiting: &'a mut HashSet<usize>,
}

impl ToJson<'_> {
    fn convert(&mut self, value: &LuaValue, path: &str, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{path} is nested more than {MAX_DEPTH} levels deep"
            ));
        }
        match value {
            LuaValue::Nil => Ok(Value::Null),
            LuaValue::Boolean(flag) => Ok(Value::Bool(*flag)),
            LuaValue::Integer(integer) => Ok(Value::from(*integer)),
            LuaValue::Number(number) => Number::from_f64(*number)
                .map(Value::Number)
                .ok_or_else(|| format!("{path} is {number}, which JSON cannot represent")),
            LuaValue::String(text) => match text.to_str() {
                Ok(text) => Ok(Value::String(text.to_string())),
                Err(_) => Err(format!("{path} is not valid UTF-8 text")),
            },
            LuaValue::LightUserData(data) if data.0.is_null() => Ok(Value::Null),
            LuaValue::Table(table) => self.table(table, path, depth),
            other => match self.unsupported {
                Unsupported::Describe => Ok(Value::String(format!("<{}>", other.type_name()))),
                Unsupported::Reject => Err(format!(
                    "{path} is a {}, which cannot be sent as JSON",
                    other.type_name()
                )),
            },
        }
    }

    fn table(&mut self, table: &Table, path: &str, depth: usize) -> Result<Value, String> {
        let identity = table.to_pointer() as usize;
        if !self.visiting.insert(identity) {
            return match self.unsupported {
                Unsupported::Describe => Ok(Value::String("<cycle>".to_string())),
                Unsupported::Reject => Err(format!("{path} contains itself (a reference cycle)")),
            };
        }
        let result = self.table_inner(table, path, depth);
        self.visiting.remove(&identity);
        result
    }

    fn table_inner(&mut self, table: &Table, path: &str, depth: usize) -> Result<Value, String> {
        let is_array = table.metatable().is_some_and(|mt| mt == self.array_mt);
        let length = table.raw_len();

        let mut entries: Vec<(LuaValue, LuaValue)> = Vec::new();
        for pair in table.pairs::<LuaValue, LuaValue>() {
            entries.push(pair.map_err(|error| error.to_string())?);
        }
        let all_sequence = entries.iter().all(
            |(key, _)| matches!(key, LuaValue::Integer(i) if *i >= 1 && (*i as usize) <= length),
        );

        if is_array || (length > 0 && all_sequence) {
            let mut items = Vec::with_capacity(length);
            for index in 1..=length {
                let item: LuaValue = table.raw_get(index).map_err(|error| error.to_string())?;
                items.push(self.convert(&item, &format!("{path}[{index}]"), depth + 1)?);
            }
            return Ok(Value::Array(items));
        }

        let mut keyed: Vec<(String, LuaValue)> = Vec::with_capacity(entries.len());
        for (key, item) in entries {
            let key = match key {
                LuaValue::String(text) => match text.to_str() {
                    Ok(text) => text.to_string(),
                    Err(_) => return Err(format!("{path} has a key that is not valid UTF-8")),
                },
                LuaValue::Integer(integer) if length > 0 => {
                    return Err(format!(
                        "{path} mixes sequence items and named keys (key {integer} next to named ones); use either a list or a table of named fields"
                    ));
                }
                LuaValue::Integer(integer) => integer.to_string(),
                other => {
                    return Err(format!(
                        "{path} has a {} key; JSON objects need string keys",
                        other.type_name()
                    ));
                }
            };
            keyed.push((key, item));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut map = Map::with_capacity(keyed.len());
        for (key, item) in keyed {
            let converted = self.convert(&item, &format!("{path}.{key}"), depth + 1)?;
            map.insert(key, converted);
        }
        Ok(Value::Object(map))
    }
}
