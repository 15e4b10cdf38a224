//! Property tests of the conversion between JSON and Lua values
//! (`okta_runtime::lua::convert`).
//!
//! JSON to Lua and back returns the same value, except that integers above
//! `i64::MAX` become floats and, unless the exact conversion is used, object
//! members whose value is null disappear (they become nil). Decoding JSON
//! text gives the same Lua value as converting the parsed value. Lua to JSON
//! and back returns an equal Lua value. Edge cases with fixed inputs follow
//! the properties.
//!
//! `PROPTEST_CASES` sets the number of cases per property (default 64, the
//! bound CI runs with).

use mlua::{Lua, Table, Value as LuaValue};
use okta_runtime::lua::convert::{
    MAX_DEPTH, Unsupported, decode_json, json_to_lua, json_to_lua_exact, lua_to_json,
};
use proptest::prelude::*;
use serde_json::{Map, Number, Value, json};

/// Size budget for `lua_to_json`, large enough for every generated value.
const MAX_JSON_BYTES: usize = 64 * 1024 * 1024;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(64)
}

fn to_json(lua: &Lua, value: &LuaValue) -> Result<Value, String> {
    lua_to_json(lua, value, Unsupported::Reject, MAX_JSON_BYTES)
}

/// Integers where a conversion through `f64` or a narrower type would lose
/// or change the value.
fn edge_integer() -> impl Strategy<Value = i64> {
    prop::sample::select(vec![
        0,
        -1,
        (1 << 53) - 1,
        1 << 53,
        (1 << 53) + 1,
        -(1 << 53) - 1,
        i64::from(i32::MAX) + 1,
        i64::MAX,
        i64::MAX - 1,
        i64::MIN,
        i64::MIN + 1,
    ])
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Zürich – Łódź".to_string()),
        Just("日本語のテキスト".to_string()),
        Just("emoji 🎉 and \u{200d} joiner".to_string()),
        Just("nul \u{0} inside".to_string()),
        "\\PC{0,16}",
        any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        edge_integer().prop_map(Value::from),
        prop::sample::select(vec![i64::MAX as u64 + 1, u64::MAX]).prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(vec![
            0.5,
            -0.0,
            1e300,
            9_007_199_254_740_992.0,
            9.223_372_036_854_776e18
        ])
        .prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Returns what a JSON value looks like after a trip through Lua with
/// `json_to_lua`: object members with a null value are gone, and integers
/// above `i64::MAX` are floats.
fn expected_after_lua(value: &Value) -> Value {
    expected_with(value, true)
}

/// Returns what a JSON value looks like after a trip through Lua with
/// `json_to_lua_exact`: integers above `i64::MAX` are floats.
fn expected_after_exact_lua(value: &Value) -> Value {
    expected_with(value, false)
}

fn expected_with(value: &Value, drop_null_members: bool) -> Value {
    match value {
        Value::Number(number) if number.as_i64().is_none() && number.as_u64().is_some() => {
            let float = number.as_u64().unwrap_or_default() as f64;
            Value::Number(Number::from_f64(float).expect("finite"))
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| expected_with(item, drop_null_members))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, item)| !(drop_null_members && item.is_null()))
                .map(|(key, item)| (key.clone(), expected_with(item, drop_null_members)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A Lua value as a script builds it: plain tables with no array marker,
/// `json.null` for an explicit null.
#[derive(Debug, Clone)]
enum Script {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(String),
    Sequence(Vec<Script>),
    Fields(Vec<(String, Script)>),
}

fn script_value() -> impl Strategy<Value = Script> {
    let leaf = prop_oneof![
        Just(Script::Null),
        any::<bool>().prop_map(Script::Bool),
        any::<i64>().prop_map(Script::Integer),
        edge_integer().prop_map(Script::Integer),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Script::Float),
        text().prop_map(Script::Text),
    ];
    leaf.prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Script::Sequence),
            prop::collection::btree_map(text(), inner, 0..6)
                .prop_map(|fields| Script::Fields(fields.into_iter().collect())),
        ]
    })
}

/// Returns what a script value looks like after a trip through JSON:
/// `json.null` as a field value or at the top level comes back as nil.
/// Inside a sequence it stays, so the items keep their positions.
fn expected_after_json(script: &Script) -> Option<Script> {
    match script {
        Script::Null => None,
        Script::Sequence(items) => Some(Script::Sequence(
            items.iter().map(keep_nulls_in_sequence).collect(),
        )),
        Script::Fields(fields) => Some(Script::Fields(
            fields
                .iter()
                .filter_map(|(key, item)| Some((key.clone(), expected_after_json(item)?)))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

fn keep_nulls_in_sequence(item: &Script) -> Script {
    expected_after_json(item).unwrap_or(Script::Null)
}

fn build(lua: &Lua, script: &Script) -> mlua::Result<LuaValue> {
    Ok(match script {
        Script::Null => LuaValue::NULL,
        Script::Bool(flag) => LuaValue::Boolean(*flag),
        Script::Integer(integer) => LuaValue::Integer(*integer),
        Script::Float(float) => LuaValue::Number(*float),
        Script::Text(text) => LuaValue::String(lua.create_string(text)?),
        Script::Sequence(items) => {
            let table = lua.create_table()?;
            for (index, item) in items.iter().enumerate() {
                table.raw_set(index + 1, build(lua, item)?)?;
            }
            LuaValue::Table(table)
        }
        Script::Fields(fields) => {
            let table = lua.create_table()?;
            for (key, item) in fields {
                table.raw_set(key.as_str(), build(lua, item)?)?;
            }
            LuaValue::Table(table)
        }
    })
}

/// Compares two Lua values by content. Tables are equal when they have the
/// same keys with equal values; metatables are ignored.
fn lua_equal(left: &LuaValue, right: &LuaValue) -> bool {
    match (left, right) {
        (LuaValue::Table(a), LuaValue::Table(b)) => tables_equal(a, b),
        (LuaValue::Number(a), LuaValue::Number(b)) => a.to_bits() == b.to_bits() || a == b,
        (a, b) => a == b,
    }
}

fn tables_equal(left: &Table, right: &Table) -> bool {
    let count = |table: &Table| table.pairs::<LuaValue, LuaValue>().count();
    if count(left) != count(right) {
        return false;
    }
    left.pairs::<LuaValue, LuaValue>().all(|pair| {
        let Ok((key, value)) = pair else { return false };
        let other: LuaValue = right.raw_get(key).unwrap_or(LuaValue::Nil);
        lua_equal(&value, &other)
    })
}

fn nested_arrays(depth: usize) -> Value {
    let mut value = json!(1);
    for _ in 0..depth {
        value = Value::Array(vec![value]);
    }
    value
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn json_through_lua_round_trips(value in json_value()) {
        let lua = Lua::new();
        let converted = json_to_lua(&lua, &value).expect("JSON converts to Lua");
        let back = to_json(&lua, &converted).expect("Lua converts back to JSON");
        prop_assert_eq!(back, expected_after_lua(&value));
    }

    #[test]
    fn json_through_exact_lua_round_trips(value in json_value()) {
        let lua = Lua::new();
        let converted = json_to_lua_exact(&lua, &value).expect("JSON converts to Lua");
        let back = to_json(&lua, &converted).expect("Lua converts back to JSON");
        prop_assert_eq!(back, expected_after_exact_lua(&value));
    }

    #[test]
    fn decoded_text_matches_converted_value(value in json_value()) {
        let lua = Lua::new();
        let text = value.to_string();
        let decoded = decode_json(&lua, text.as_bytes())
            .expect("the Lua state works")
            .expect("the text is valid JSON");
        // Parsing the text again rounds floats the way decode_json does.
        let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
        let back = to_json(&lua, &decoded).expect("Lua converts back to JSON");
        prop_assert_eq!(back, expected_after_lua(&parsed));
    }

    #[test]
    fn lua_through_json_round_trips(script in script_value()) {
        let lua = Lua::new();
        let original = build(&lua, &script).expect("Lua value builds");
        let encoded = to_json(&lua, &original).expect("Lua converts to JSON");
        let decoded = json_to_lua(&lua, &encoded).expect("JSON converts back to Lua");
        let expected = match expected_after_json(&script) {
            Some(script) => build(&lua, &script).expect("Lua value builds"),
            None => LuaValue::Nil,
        };
        prop_assert!(
            lua_equal(&expected, &decoded),
            "Lua value changed on the way through {}",
            encoded
        );
        let encoded_again = to_json(&lua, &decoded).expect("converts again");
        prop_assert_eq!(encoded_again, to_json(&lua, &expected).expect("expected value converts"));
    }
}

#[test]
fn empty_array_stays_array() {
    let lua = Lua::new();
    for value in [json!([]), json!({ "items": [] }), json!([[], {}])] {
        let converted = json_to_lua(&lua, &value).expect("converts");
        assert_eq!(to_json(&lua, &converted), Ok(value));
    }
}

#[test]
fn empty_object_stays_object() {
    let lua = Lua::new();
    let converted = json_to_lua(&lua, &json!({})).expect("converts");
    assert_eq!(to_json(&lua, &converted), Ok(json!({})));
}

#[test]
fn nulls_keep_array_positions() {
    let lua = Lua::new();
    for value in [
        json!([null]),
        json!([1, null]),
        json!([null, 2]),
        json!([1, null, null, 4, null]),
    ] {
        let converted = json_to_lua(&lua, &value).expect("converts");
        assert_eq!(to_json(&lua, &converted), Ok(value));
    }
}

#[test]
fn null_object_member_becomes_nil() {
    let lua = Lua::new();
    let converted = json_to_lua(&lua, &json!({ "a": null, "b": 1 })).expect("converts");
    let LuaValue::Table(table) = &converted else {
        panic!("expected a table, got {converted:?}");
    };
    assert_eq!(table.raw_get::<LuaValue>("a").expect("get"), LuaValue::Nil);
    assert_eq!(to_json(&lua, &converted), Ok(json!({ "b": 1 })));
}

#[test]
fn integer_edges_stay_exact() {
    let lua = Lua::new();
    for integer in [(1i64 << 53) + 1, -(1i64 << 53) - 1, i64::MAX, i64::MIN] {
        let converted = json_to_lua(&lua, &json!(integer)).expect("converts");
        assert_eq!(converted, LuaValue::Integer(integer), "{integer}");
        assert_eq!(to_json(&lua, &converted), Ok(json!(integer)), "{integer}");
    }
}

#[test]
fn integer_above_i64_becomes_float() {
    let lua = Lua::new();
    let converted = json_to_lua(&lua, &json!(u64::MAX)).expect("converts");
    assert_eq!(converted, LuaValue::Number(u64::MAX as f64));
}

#[test]
fn nesting_up_to_max_depth_round_trips() {
    let lua = Lua::new();
    let value = nested_arrays(MAX_DEPTH);
    let converted = json_to_lua(&lua, &value).expect("converts");
    assert_eq!(to_json(&lua, &converted), Ok(value));
}

#[test]
fn nesting_past_max_depth_is_error() {
    let lua = Lua::new();
    let converted = json_to_lua(&lua, &nested_arrays(MAX_DEPTH + 1)).expect("converts");
    let error = to_json(&lua, &converted).expect_err("too deep");
    assert!(error.contains("nested more than"), "{error}");

    let much_deeper = json_to_lua(&lua, &nested_arrays(4 * MAX_DEPTH)).expect("converts");
    assert!(to_json(&lua, &much_deeper).is_err());
}

#[test]
fn deeply_nested_text_is_error() {
    let lua = Lua::new();
    let text = nested_arrays(4 * MAX_DEPTH).to_string();
    let decoded = decode_json(&lua, text.as_bytes()).expect("the Lua state works");
    assert!(decoded.is_err(), "{decoded:?}");
}

#[test]
fn non_finite_number_is_error() {
    let lua = Lua::new();
    for number in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let error = to_json(&lua, &LuaValue::Number(number)).expect_err("not JSON");
        assert!(error.contains("cannot represent"), "{number}: {error}");
    }
}

#[test]
fn invalid_utf8_string_is_error() {
    let lua = Lua::new();
    let text = lua.create_string(b"\xff\xfe").expect("string");
    let error = to_json(&lua, &LuaValue::String(text)).expect_err("not UTF-8");
    assert!(error.contains("UTF-8"), "{error}");
}
