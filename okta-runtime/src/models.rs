//! Support for the generated result types.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Removes `key` from `map` and deserializes it. An explicit null stays in
/// the map, so it is written back as null and no key is lost on a round trip.
pub fn take_field<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<T>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => {
            let value = map.remove(key).unwrap_or(Value::Null);
            serde_json::from_value(value)
                .map(Some)
                .map_err(|error| format!("field `{key}`: {error}"))
        }
    }
}
