//! Argument checks and request building, driven by a tool's [`ToolSpec`].
//!
//! Both the Lua bindings and the typed Rust methods pass their arguments here
//! as a JSON object, so they share one set of checks.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::Error;
use crate::spec::{ParamLocation, ParamSpec, ParamType, ToolSpec};

/// Characters left as they are in a path segment or query value: RFC 3986
/// unreserved characters. Everything else, including `/ ? # % + @ &`, is
/// percent-encoded, so a value can never change the request path or add a
/// query parameter.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a value as one path segment or query component.
pub fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// Control settings read by the client and never sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Control {
    /// Items to return at most.
    pub item_cap: Option<u64>,
    /// Items to skip first, from a resume cursor.
    pub skip: u64,
}

/// A checked call, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedCall {
    /// Path relative to the API prefix, with every placeholder filled and
    /// percent-encoded as one segment.
    pub path: String,
    /// Query parameters, not yet encoded.
    pub query: Vec<(String, String)>,
    /// JSON body, for tools with body parameters.
    pub body: Option<Value>,
    /// Raw path parameter values, by name.
    pub path_values: Vec<(String, String)>,
    pub control: Control,
}

impl PreparedCall {
    /// Returns the path and query as sent, relative to the API prefix.
    pub fn path_and_query(&self) -> String {
        let mut out = self.path.clone();
        for (index, (name, value)) in self.query.iter().enumerate() {
            out.push(if index == 0 { '?' } else { '&' });
            out.push_str(&encode_component(name));
            out.push('=');
            out.push_str(&encode_component(value));
        }
        out
    }

    pub fn path_value(&self, name: &str) -> Option<&str> {
        self.path_values
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Prefix of resume cursors that point inside a page: `olc:SKIP:AFTER`.
const RESUME_PREFIX: &str = "olc:";

/// Encodes a cursor that resumes `skip` items after the Okta cursor `after`.
pub fn resume_cursor(after: Option<&str>, skip: u64) -> String {
    if skip == 0
        && let Some(after) = after
    {
        return after.to_string();
    }
    format!("{RESUME_PREFIX}{skip}:{}", after.unwrap_or(""))
}

fn decode_resume_cursor(cursor: &str) -> Option<(u64, Option<String>)> {
    let rest = cursor.strip_prefix(RESUME_PREFIX)?;
    let (skip, after) = rest.split_once(':')?;
    let skip = skip.parse().ok()?;
    Some((skip, (!after.is_empty()).then(|| after.to_string())))
}

/// Describes a JSON value for an error message: its type and a short form.
pub fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "nil".to_string(),
        Value::Bool(flag) => format!("boolean {flag}"),
        Value::Number(number) if number.is_f64() => format!("number {number}"),
        Value::Number(number) => format!("integer {number}"),
        Value::String(text) => {
            let short: String = text.chars().take(60).collect();
            let ellipsis = if short.len() < text.len() { "..." } else { "" };
            format!("string \"{short}{ellipsis}\"")
        }
        Value::Array(_) => "a sequence table".to_string(),
        Value::Object(_) => "a table".to_string(),
    }
}

/// Returns the value as an integer when it is one, including floats with no
/// fractional part such as `200.0`.
fn as_integer(value: &Value) -> Option<i64> {
    if let Some(integer) = value.as_i64() {
        return Some(integer);
    }
    let float = value.as_f64()?;
    (float.fract() == 0.0 && float.abs() < 9.007_199_254_740_992e15).then_some(float as i64)
}

fn check_type(
    tool: &str,
    param: &ParamSpec,
    value: &Value,
    problems: &mut Vec<String>,
) -> Option<Value> {
    let expected = match param.ty {
        ParamType::Integer => match param.range_text() {
            Some(range) => format!("an integer from {range}"),
            None => "an integer".to_string(),
        },
        other => format!("a {}", other.as_str()),
    };
    let wrong = |problems: &mut Vec<String>| {
        problems.push(format!(
            "`{}` must be {expected}, got {} (in {tool})",
            param.name,
            describe_value(value)
        ));
        None
    };

    let checked = match param.ty {
        ParamType::String => match value {
            Value::String(_) => value.clone(),
            _ => return wrong(problems),
        },
        ParamType::Boolean => match value {
            Value::Bool(_) => value.clone(),
            _ => return wrong(problems),
        },
        ParamType::Number => match value {
            Value::Number(_) => value.clone(),
            _ => return wrong(problems),
        },
        ParamType::Integer => match as_integer(value) {
            Some(integer) => Value::from(integer),
            None => return wrong(problems),
        },
        ParamType::Object => match value {
            Value::Object(_) => value.clone(),
            // An empty Lua table carries no hint of being a map or a list.
            Value::Array(items) if items.is_empty() => Value::Object(Map::new()),
            _ => return wrong(problems),
        },
        ParamType::Array => match value {
            Value::Array(_) => value.clone(),
            Value::Object(map) if map.is_empty() => Value::Array(Vec::new()),
            _ => return wrong(problems),
        },
    };

    if let Some(integer) = checked.as_i64() {
        let below = param.minimum.is_some_and(|min| integer < min);
        let above = param.maximum.is_some_and(|max| integer > max);
        if below || above {
            problems.push(format!(
                "`{}` must be {expected}, got {integer} (in {tool})",
                param.name
            ));
            return None;
        }
    }
    if let Value::String(text) = &checked {
        if !param.allowed.is_empty() && !param.allowed.contains(&text.as_str()) {
            problems.push(format!(
                "`{}` must be one of {}, got \"{text}\" (in {tool})",
                param.name,
                param.allowed.join(", ")
            ));
            return None;
        }
        if param.location == ParamLocation::Path {
            if text.trim().is_empty() {
                problems.push(format!("`{}` must not be empty (in {tool})", param.name));
                return None;
            }
            if text == "." || text == ".." {
                problems.push(format!(
                    "`{}` must be an Okta ID or login, got \"{text}\" (in {tool})",
                    param.name
                ));
                return None;
            }
        }
    }
    if let Value::Object(map) = &checked {
        let missing: Vec<&str> = param
            .required_fields
            .iter()
            .copied()
            .filter(|field| map.get(*field).is_none_or(Value::is_null))
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "`{}` is missing required fields {} (in {tool})",
                param.name,
                missing
                    .iter()
                    .map(|field| format!("`{field}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return None;
        }
    }
    Some(checked)
}

/// Checks `args` against the tool's parameters and builds the request. Every
/// problem is reported at once; nothing is sent when there is one.
pub fn prepare(spec: &ToolSpec, mut args: Map<String, Value>) -> Result<PreparedCall, Error> {
    let tool = format!("okta.{}", spec.name);
    let mut problems = Vec::new();

    let unknown: Vec<String> = args
        .keys()
        .filter(|key| spec.param(key).is_none())
        .cloned()
        .collect();
    for key in unknown {
        args.remove(&key);
        let names = spec.params.iter().map(|param| param.name);
        let hint = match okta_manifest::closest(&key, names) {
            Some(name) => format!("; did you mean `{name}`?"),
            None => String::new(),
        };
        let accepted = if spec.params.is_empty() {
            "it takes no parameters".to_string()
        } else {
            format!(
                "parameters are {}",
                spec.params
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        problems.push(format!(
            "unknown parameter `{key}` for {tool}{hint} ({accepted})"
        ));
    }

    let mut checked: Vec<(&ParamSpec, Value)> = Vec::new();
    let mut missing = Vec::new();
    for param in spec.params {
        // A top-level null (`json.null`) means the same as leaving it out.
        match args.remove(param.name).filter(|value| !value.is_null()) {
            Some(value) => {
                if let Some(value) = check_type(&tool, param, &value, &mut problems) {
                    checked.push((param, value));
                }
            }
            None if param.required => missing.push(format!("`{}`", param.name)),
            None => {
                if let Some(default) = param.default {
                    checked.push((param, default.to_json()));
                }
            }
        }
    }
    if !missing.is_empty() {
        let noun = if missing.len() == 1 {
            "parameter"
        } else {
            "parameters"
        };
        problems.insert(
            0,
            format!("missing required {noun} {} for {tool}", missing.join(", ")),
        );
    }
    if !problems.is_empty() {
        return Err(Error::InvalidArguments { tool, problems });
    }

    build(spec, checked)
}

fn build(spec: &ToolSpec, checked: Vec<(&ParamSpec, Value)>) -> Result<PreparedCall, Error> {
    let mut path = spec.path.to_string();
    let mut path_values = Vec::new();
    let mut query = Vec::new();
    let mut body = Map::new();
    let mut control = Control::default();
    let mut all = false;
    let mut limit = None;
    let mut max_items = None;
    let pagination = spec.pagination;

    for (param, value) in checked {
        let is_role = |role: Option<&str>| role == Some(param.name);
        match param.location {
            ParamLocation::Path => {
                let text = value.as_str().unwrap_or_default().to_string();
                path = path.replace(&format!("{{{}}}", param.name), &encode_component(&text));
                path_values.push((param.name.to_string(), text));
            }
            ParamLocation::Query => {
                if pagination.is_some_and(|p| p.cursor == param.name) {
                    let cursor = value.as_str().unwrap_or_default();
                    match decode_resume_cursor(cursor) {
                        Some((skip, after)) => {
                            control.skip = skip;
                            if let Some(after) = after {
                                query.push((param.name.to_string(), after));
                            }
                        }
                        None => query.push((param.name.to_string(), cursor.to_string())),
                    }
                    continue;
                }
                if pagination.is_some_and(|p| is_role(p.limit)) {
                    limit = value.as_u64();
                }
                let text = match &value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                query.push((param.name.to_string(), text));
            }
            ParamLocation::Body => {
                body.insert(param.name.to_string(), value);
            }
            ParamLocation::Control => {
                if let Some(pagination) = pagination {
                    if is_role(pagination.all) {
                        all = value.as_bool().unwrap_or(false);
                    } else if pagination.max_items == param.name {
                        max_items = value.as_u64();
                    }
                }
            }
        }
    }

    if pagination.is_some() {
        control.item_cap = match (all, limit) {
            (false, Some(limit)) => Some(limit),
            _ => max_items,
        };
    }
    let has_body = spec
        .params
        .iter()
        .any(|param| param.location == ParamLocation::Body);
    Ok(PreparedCall {
        path,
        query,
        body: has_body.then_some(Value::Object(body)),
        path_values,
        control,
    })
}

impl ParamSpec {
    /// Returns the declared range as text, for example `1 to 200`.
    pub fn range_text(&self) -> Option<String> {
        match (self.minimum, self.maximum) {
            (Some(min), Some(max)) => Some(format!("{min} to {max}")),
            (Some(min), None) => Some(format!("{min} upwards")),
            (None, Some(max)) => Some(format!("up to {max}")),
            (None, None) => None,
        }
    }
}
