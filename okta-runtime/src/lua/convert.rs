//! Conversion between JSON values and Lua values.
//!
//! JSON null becomes nil, except inside an array, where it becomes
//! `json.null` so that the items keep their positions. JSON arrays become
//! sequences carrying a shared marker metatable, so they encode back to
//! arrays even when empty. Integers stay integers. `json.null` (a light
//! userdata) encodes as an explicit null, and a Lua nil never does: a hole
//! in a sequence is an error.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::{self, Write as _};

use mlua::{Lua, Table, Value as LuaValue};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Nesting depth at which conversion stops with an error.
pub const MAX_DEPTH: usize = 128;

/// Nesting depth at which JSON-to-Lua conversion of a value stops. It is
/// above [`MAX_DEPTH`] so that any value Lua can hold converts, and low
/// enough that the recursion fits a thread's stack.
pub const MAX_BUILT_DEPTH: usize = 512;

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
    to_lua(lua, value, &array_mt, Nulls::Drop, 0)
}

/// Converts a JSON value to a Lua value in which every JSON null is
/// `json.null`, so that it encodes back to exactly the same JSON.
pub fn json_to_lua_exact(lua: &Lua, value: &Value) -> mlua::Result<LuaValue> {
    let array_mt = array_metatable(lua)?;
    to_lua(lua, value, &array_mt, Nulls::Keep, 0)
}

/// Treatment of a JSON null.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nulls {
    /// Nil, and left out of objects.
    Drop,
    /// `json.null` in objects too. Inside arrays a null is always
    /// `json.null`, so that the items keep their positions.
    Keep,
}

fn to_lua(
    lua: &Lua,
    value: &Value,
    array_mt: &Table,
    nulls: Nulls,
    depth: usize,
) -> mlua::Result<LuaValue> {
    // A parsed value cannot be this deep (serde_json stops at 128 levels),
    // but a value built in Rust can, and recursion would overflow the stack.
    if depth > MAX_BUILT_DEPTH {
        return Err(mlua::Error::runtime(format!(
            "the JSON value is nested more than {MAX_BUILT_DEPTH} levels deep"
        )));
    }
    Ok(match value {
        Value::Null if nulls == Nulls::Keep => LuaValue::NULL,
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
                let item = match item {
                    Value::Null => LuaValue::NULL,
                    item => to_lua(lua, item, array_mt, nulls, depth + 1)?,
                };
                table.raw_set(index + 1, item)?;
            }
            table.set_metatable(Some(array_mt.clone()))?;
            LuaValue::Table(table)
        }
        Value::Object(map) => {
            let table = lua.create_table_with_capacity(0, map.len())?;
            for (key, item) in map {
                if nulls == Nulls::Keep || !item.is_null() {
                    table.raw_set(key.as_str(), to_lua(lua, item, array_mt, nulls, depth + 1)?)?;
                }
            }
            LuaValue::Table(table)
        }
    })
}

/// Parses JSON text straight into Lua values, with the same rules as
/// [`json_to_lua`]. Every table and string is allocated by the Lua state,
/// so its memory limit bounds the work.
///
/// The outer error is a failure of the Lua state, such as an exceeded
/// memory limit; the inner one describes invalid JSON.
pub fn decode_json(lua: &Lua, text: &[u8]) -> mlua::Result<Result<LuaValue, String>> {
    let array_mt = array_metatable(lua)?;
    let failure = RefCell::new(None);
    let seed = LuaSeed {
        lua,
        array_mt: &array_mt,
        failure: &failure,
    };
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let parsed = seed
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    if let Some(error) = failure.into_inner() {
        return Err(error);
    }
    Ok(match parsed {
        Ok(value) if is_null(&value) => Ok(LuaValue::Nil),
        Ok(value) => Ok(value),
        Err(error) => Err(error.to_string()),
    })
}

fn is_null(value: &LuaValue) -> bool {
    matches!(value, LuaValue::LightUserData(data) if data.0.is_null())
}

/// Builds one Lua value from the JSON parser. JSON null comes out as
/// `json.null`; objects drop it and the top level turns it into nil.
#[derive(Clone, Copy)]
struct LuaSeed<'a> {
    lua: &'a Lua,
    array_mt: &'a Table,
    /// The first failure of the Lua state, returned instead of a JSON error.
    failure: &'a RefCell<Option<mlua::Error>>,
}

impl LuaSeed<'_> {
    fn lua_result<T, E: de::Error>(&self, result: mlua::Result<T>) -> Result<T, E> {
        result.map_err(|error| {
            let message = error.to_string();
            self.failure.borrow_mut().get_or_insert(error);
            E::custom(message)
        })
    }
}

impl<'de> DeserializeSeed<'de> for LuaSeed<'_> {
    type Value = LuaValue;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<LuaValue, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LuaSeed<'_> {
    type Value = LuaValue;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<LuaValue, E> {
        Ok(LuaValue::NULL)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<LuaValue, E> {
        Ok(LuaValue::Boolean(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<LuaValue, E> {
        Ok(LuaValue::Integer(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<LuaValue, E> {
        Ok(match i64::try_from(value) {
            Ok(integer) => LuaValue::Integer(integer),
            Err(_) => LuaValue::Number(value as f64),
        })
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<LuaValue, E> {
        Ok(LuaValue::Number(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<LuaValue, E> {
        let text = self.lua_result(self.lua.create_string(value))?;
        Ok(LuaValue::String(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<LuaValue, A::Error> {
        let table = self.lua_result(self.lua.create_table())?;
        let mut index = 0;
        while let Some(item) = items.next_element_seed(self)? {
            index += 1;
            self.lua_result(table.raw_set(index, item))?;
        }
        self.lua_result(table.set_metatable(Some(self.array_mt.clone())))?;
        Ok(LuaValue::Table(table))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<LuaValue, A::Error> {
        let table = self.lua_result(self.lua.create_table())?;
        while let Some(key) = entries.next_key::<String>()? {
            let item = entries.next_value_seed(self)?;
            if !is_null(&item) {
                self.lua_result(table.raw_set(key, item))?;
            }
        }
        Ok(LuaValue::Table(table))
    }
}

/// Treatment of Lua values that JSON cannot represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsupported {
    /// Functions, threads, userdata and holes in sequences are an error.
    Reject,
    /// They are written as a descriptive string or null, for result
    /// reporting.
    Describe,
}

/// Converts a Lua value to JSON. Errors name the path of the bad value.
///
/// `max_bytes` bounds the size of the result, estimated while converting,
/// so that a table that refers to the same table many times cannot expand
/// without bound.
pub fn lua_to_json(
    lua: &Lua,
    value: &LuaValue,
    unsupported: Unsupported,
    max_bytes: usize,
) -> Result<Value, String> {
    let array_mt = array_metatable(lua).map_err(|error| error.to_string())?;
    let mut converter = ToJson {
        array_mt,
        unsupported,
        visiting: HashSet::new(),
        path: Vec::new(),
        max_bytes,
        remaining: max_bytes,
    };
    converter.convert(value, 0)
}

/// Bytes counted for every value at least: the size of a JSON value in
/// memory, so that the budget bounds the converted tree too.
const MIN_VALUE_BYTES: usize = std::mem::size_of::<Value>();

/// One step of the path to the value being converted.
enum Segment {
    Index(usize),
    Key(String),
}

struct ToJson {
    array_mt: Table,
    unsupported: Unsupported,
    visiting: HashSet<usize>,
    /// Position of the value being converted, for error messages such as
    /// `value.profile.badgeIds[2]`.
    path: Vec<Segment>,
    max_bytes: usize,
    remaining: usize,
}

impl ToJson {
    fn path(&self) -> String {
        let mut text = String::from("value");
        for segment in &self.path {
            match segment {
                Segment::Index(index) => {
                    let _ = write!(text, "[{index}]");
                }
                Segment::Key(key) => {
                    let _ = write!(text, ".{key}");
                }
            }
        }
        text
    }

    fn charge(&mut self, bytes: usize) -> Result<(), String> {
        let bytes = bytes.max(MIN_VALUE_BYTES);
        if bytes > self.remaining {
            return Err(format!(
                "{} makes the JSON larger than {}, the memory limit",
                self.path(),
                super::sandbox::format_bytes(self.max_bytes)
            ));
        }
        self.remaining -= bytes;
        Ok(())
    }

    /// Converts the value at `segment` below the current path.
    fn convert_at(
        &mut self,
        value: &LuaValue,
        segment: Segment,
        depth: usize,
    ) -> Result<Value, String> {
        self.path.push(segment);
        let result = self.convert(value, depth);
        self.path.pop();
        result
    }

    fn convert(&mut self, value: &LuaValue, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{} is nested more than {MAX_DEPTH} levels deep",
                self.path()
            ));
        }
        match value {
            LuaValue::Nil => Ok(Value::Null),
            LuaValue::Boolean(flag) => Ok(Value::Bool(*flag)),
            LuaValue::Integer(integer) => Ok(Value::from(*integer)),
            LuaValue::Number(number) => Number::from_f64(*number)
                .map(Value::Number)
                .ok_or_else(|| format!("{} is {number}, which JSON cannot represent", self.path())),
            LuaValue::String(text) => {
                self.charge(text.as_bytes().len() + MIN_VALUE_BYTES)?;
                match (text.to_str(), self.unsupported) {
                    (Ok(text), _) => Ok(Value::String(text.to_string())),
                    (Err(_), Unsupported::Describe) => {
                        Ok(Value::String(text.to_string_lossy().to_string()))
                    }
                    (Err(_), Unsupported::Reject) => {
                        Err(format!("{} is not valid UTF-8 text", self.path()))
                    }
                }
            }
            LuaValue::LightUserData(data) if data.0.is_null() => Ok(Value::Null),
            LuaValue::Table(table) => self.table(table, depth),
            other => match self.unsupported {
                Unsupported::Describe => Ok(Value::String(format!("<{}>", other.type_name()))),
                Unsupported::Reject => Err(format!(
                    "{} is a {}, which cannot be sent as JSON",
                    self.path(),
                    other.type_name()
                )),
            },
        }
    }

    fn table(&mut self, table: &Table, depth: usize) -> Result<Value, String> {
        self.charge(MIN_VALUE_BYTES)?;
        let identity = table.to_pointer() as usize;
        if !self.visiting.insert(identity) {
            return match self.unsupported {
                Unsupported::Describe => Ok(Value::String("<cycle>".to_string())),
                Unsupported::Reject => Err(format!(
                    "{} contains itself (a reference cycle)",
                    self.path()
                )),
            };
        }
        let result = self.table_inner(table, depth);
        self.visiting.remove(&identity);
        result
    }

    fn table_inner(&mut self, table: &Table, depth: usize) -> Result<Value, String> {
        let is_array = table.metatable().is_some_and(|mt| mt == self.array_mt);
        let length = table.raw_len();

        let mut entries: Vec<(LuaValue, LuaValue)> = Vec::new();
        for pair in table.pairs::<LuaValue, LuaValue>() {
            entries.push(pair.map_err(|error| error.to_string())?);
        }
        let in_sequence = |key: &LuaValue| matches!(key, LuaValue::Integer(i) if *i >= 1 && (*i as usize) <= length);
        let named = entries.iter().filter(|(key, _)| !in_sequence(key)).count();

        if is_array || (length > 0 && named == 0) {
            if named > 0 && self.unsupported == Unsupported::Reject {
                return Err(format!(
                    "{} is a JSON array but also has named keys; an array holds only items 1 to {length}",
                    self.path()
                ));
            }
            return self.sequence(table, depth, length);
        }

        let mut keyed: Vec<(String, LuaValue)> = Vec::with_capacity(entries.len());
        for (key, item) in entries {
            let key = match key {
                LuaValue::String(text) => match text.to_str() {
                    Ok(text) => text.to_string(),
                    Err(_) => {
                        return Err(format!("{} has a key that is not valid UTF-8", self.path()));
                    }
                },
                LuaValue::Integer(integer) if length > 0 => {
                    return Err(format!(
                        "{} mixes sequence items and named keys (key {integer} next to named ones); use either a list or a table of named fields",
                        self.path()
                    ));
                }
                LuaValue::Integer(integer) => integer.to_string(),
                other => {
                    return Err(format!(
                        "{} has a {} key; JSON objects need string keys",
                        self.path(),
                        other.type_name()
                    ));
                }
            };
            keyed.push((key, item));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut map = Map::with_capacity(keyed.len());
        for (key, item) in keyed {
            self.charge(key.len() + MIN_VALUE_BYTES)?;
            let converted = self.convert_at(&item, Segment::Key(key.clone()), depth + 1)?;
            map.insert(key, converted);
        }
        Ok(Value::Object(map))
    }

    /// Converts items 1 to `length`. A nil item is a hole: the caller meant
    /// either fewer items or `json.null`.
    fn sequence(&mut self, table: &Table, depth: usize, length: usize) -> Result<Value, String> {
        let mut items = Vec::with_capacity(length);
        for index in 1..=length {
            let item: LuaValue = table.raw_get(index).map_err(|error| error.to_string())?;
            if item.is_nil() && self.unsupported == Unsupported::Reject {
                self.path.push(Segment::Index(index));
                let path = self.path();
                self.path.pop();
                return Err(format!(
                    "{path} is nil inside a sequence of {length} items; use json.null for an explicit null, or remove the hole"
                ));
            }
            items.push(self.convert_at(&item, Segment::Index(index), depth + 1)?);
        }
        Ok(Value::Array(items))
    }
}
