//! JSON-to-Lua conversion in one protected call.
//!
//! When a state has a memory limit, mlua runs every table write, string
//! and table creation in its own `lua_pcall`, so that a failed allocation
//! becomes an error instead of a jump over Rust frames. For a page of 200
//! users that is tens of thousands of protected calls, and they cost more
//! than the conversion itself. [`json_to_lua`] builds the whole value with
//! the Lua C API inside a single protected call instead. The memory limit
//! still holds: a failed allocation ends that one call with a memory error.
//!
//! The rules are those of [`super::convert::json_to_lua`]. JSON null
//! becomes nil, except inside an array, where it becomes `json.null` (a
//! null light userdata). Arrays carry the shared array metatable. Integers
//! that fit in an `i64` stay integers.

use std::ffi::{c_int, c_void};

use mlua::{Lua, Value as LuaValue, ffi};
use serde_json::Value;

use super::convert::{MAX_BUILT_DEPTH, array_metatable};

// The depth error's message names the limit.
const _: () = assert!(MAX_BUILT_DEPTH == 512);

/// Stack index of the array metatable inside the protected call, where it
/// is passed as the only argument.
const ARRAY_MT_INDEX: c_int = 1;

/// Converts a JSON value to a Lua value, building every table and string in
/// one protected call.
///
/// # Errors
/// A memory error when the state's memory limit is reached, and a runtime
/// error when `value` is nested more than [`MAX_BUILT_DEPTH`] levels deep.
pub fn json_to_lua(lua: &Lua, value: &Value) -> mlua::Result<LuaValue> {
    let array_mt = array_metatable(lua)?;
    // SAFETY: `exec_raw` runs the closure inside `lua_pcall`, so a Lua error
    // (a failed allocation, the depth error) jumps back to it with
    // `longjmp`. Every Rust frame it can jump over is `push_value` or the
    // closure, and they hold only references, integers and raw pointers:
    // nothing with a destructor is skipped, and nothing in them panics. The
    // closure leaves exactly one value, the result, on the stack.
    unsafe {
        lua.exec_raw(array_mt, |state| {
            push_value(state, value, false, 0);
            ffi::lua_replace(state, ARRAY_MT_INDEX);
        })
    }
}

/// Pushes `value` onto the stack of `state`. Runs only inside the protected
/// call of [`json_to_lua`].
unsafe fn push_value(state: *mut ffi::lua_State, value: &Value, in_array: bool, depth: usize) {
    // SAFETY (whole function): `state` is the state of the running protected
    // call; the caller keeps the array metatable at `ARRAY_MT_INDEX`.
    unsafe {
        if depth > MAX_BUILT_DEPTH {
            raise(state, c"the JSON value is nested more than 512 levels deep");
        }
        // A table under construction, a key and a value.
        ffi::luaL_checkstack(state, 3, c"JSON value is nested too deeply".as_ptr());
        match value {
            Value::Null if in_array => {
                ffi::lua_pushlightuserdata(state, std::ptr::null_mut::<c_void>())
            }
            Value::Null => ffi::lua_pushnil(state),
            Value::Bool(flag) => ffi::lua_pushboolean(state, c_int::from(*flag)),
            Value::Number(number) => match number.as_i64() {
                Some(integer) => ffi::lua_pushinteger(state, integer),
                None => ffi::lua_pushnumber(state, number.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(text) => push_str(state, text),
            Value::Array(items) => {
                ffi::lua_createtable(state, clamp(items.len()), 0);
                let mut index: ffi::lua_Integer = 0;
                for item in items {
                    index += 1;
                    push_value(state, item, true, depth + 1);
                    ffi::lua_rawseti(state, -2, index);
                }
                ffi::lua_pushvalue(state, ARRAY_MT_INDEX);
                ffi::lua_setmetatable(state, -2);
            }
            Value::Object(map) => {
                ffi::lua_createtable(state, 0, clamp(map.len()));
                for (key, item) in map {
                    if item.is_null() {
                        continue;
                    }
                    push_str(state, key);
                    push_value(state, item, false, depth + 1);
                    ffi::lua_rawset(state, -3);
                }
            }
        }
    }
}

unsafe fn push_str(state: *mut ffi::lua_State, text: &str) {
    // SAFETY: the pointer and length describe `text`, which Lua copies.
    unsafe {
        ffi::lua_pushlstring(state, text.as_ptr().cast(), text.len());
    }
}

/// Raises a Lua error with a static message, ending the protected call.
unsafe fn raise(state: *mut ffi::lua_State, message: &'static std::ffi::CStr) -> ! {
    // SAFETY: `message` is a NUL-terminated string that Lua copies.
    unsafe {
        ffi::lua_pushstring(state, message.as_ptr());
        ffi::lua_error(state)
    }
}

/// Converts a length to a table-size hint; a hint only preallocates, so a
/// clamped one is still correct.
fn clamp(length: usize) -> c_int {
    c_int::try_from(length).unwrap_or(c_int::MAX)
}

#[cfg(test)]
mod tests {
    use mlua::{Lua, Table, Value as LuaValue};
    use serde_json::json;

    use super::json_to_lua;
    use crate::lua::convert::array_metatable;

    #[test]
    fn objects_arrays_and_scalars() {
        let lua = Lua::new();
        let value = json!({
            "id": "00u1",
            "count": 3,
            "ratio": 0.5,
            "big": 18_446_744_073_709_551_615u64,
            "active": true,
            "gone": null,
            "tags": ["a", null, 2],
            "profile": { "login": "kim@example.com" },
        });
        let LuaValue::Table(table) = json_to_lua(&lua, &value).unwrap() else {
            panic!("an object becomes a table");
        };
        assert_eq!(table.raw_get::<String>("id").unwrap(), "00u1");
        assert_eq!(
            table.raw_get::<LuaValue>("count").unwrap(),
            LuaValue::Integer(3)
        );
        assert_eq!(
            table.raw_get::<LuaValue>("ratio").unwrap(),
            LuaValue::Number(0.5)
        );
        assert_eq!(
            table.raw_get::<LuaValue>("big").unwrap(),
            LuaValue::Number(u64::MAX as f64)
        );
        assert!(table.raw_get::<bool>("active").unwrap());
        assert!(table.raw_get::<LuaValue>("gone").unwrap().is_nil());
        let profile: Table = table.raw_get("profile").unwrap();
        assert_eq!(
            profile.raw_get::<String>("login").unwrap(),
            "kim@example.com"
        );

        let tags: Table = table.raw_get("tags").unwrap();
        assert_eq!(tags.raw_len(), 3);
        assert_eq!(tags.raw_get::<LuaValue>(2).unwrap(), LuaValue::NULL);
        assert_eq!(tags.raw_get::<LuaValue>(3).unwrap(), LuaValue::Integer(2));
        assert_eq!(tags.metatable(), Some(array_metatable(&lua).unwrap()));
    }

    #[test]
    fn top_level_null_is_nil() {
        let lua = Lua::new();
        assert!(json_to_lua(&lua, &json!(null)).unwrap().is_nil());
    }

    #[test]
    fn empty_array_keeps_metatable() {
        let lua = Lua::new();
        let LuaValue::Table(table) = json_to_lua(&lua, &json!([])).unwrap() else {
            panic!("an array becomes a table");
        };
        assert_eq!(table.raw_len(), 0);
        assert_eq!(table.metatable(), Some(array_metatable(&lua).unwrap()));
    }

    #[test]
    fn memory_limit_raises_memory_error() {
        let lua = Lua::new();
        let items: Vec<String> = (0..10_000)
            .map(|index| format!("item number {index}"))
            .collect();
        let value = json!({ "items": items });
        lua.set_memory_limit(lua.used_memory() + 64 * 1024).unwrap();
        let error = json_to_lua(&lua, &value).unwrap_err();
        assert!(matches!(error, mlua::Error::MemoryError(_)), "{error:?}");

        lua.set_memory_limit(0).unwrap();
        assert!(
            json_to_lua(&lua, &json!({ "small": 1 })).is_ok(),
            "the state stays usable"
        );
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let lua = Lua::new();
        let mut value = json!(1);
        for _ in 0..600 {
            value = json!([value]);
        }
        let error = json_to_lua(&lua, &value).unwrap_err();
        assert!(
            error.to_string().contains("nested more than 512 levels"),
            "{error}"
        );
    }
}
