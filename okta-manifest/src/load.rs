//! Loading and validation. Every problem in the document is collected and
//! returned at once, each with the tool and field path and, where it can be
//! found, the line and column in the source.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::de::DeserializeOwned;
use serde_yaml::Value;

use crate::locate::{enclosing_tool, locate_occurrence};
use crate::model::{Class, Location, Manifest, Method, TypeRef};

/// One problem found in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// Field path such as `tools[list_users].params[limit].default`.
    pub path: String,
    pub message: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{line}:{column}: ")?,
            (Some(line), None) => write!(f, "{line}: ")?,
            _ => {}
        }
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// All problems found in one manifest file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestErrors {
    /// File name used in messages.
    pub file: String,
    pub errors: Vec<ManifestError>,
}

impl fmt::Display for ManifestErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors.len();
        let noun = if count == 1 { "error" } else { "errors" };
        writeln!(f, "invalid manifest {}: {count} {noun}", self.file)?;
        for error in &self.errors {
            writeln!(f, "  {}:{error}", self.file)?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestErrors {}

/// Keys allowed on each kind of node. Anything else is reported as unknown.
const ROOT_KEYS: &[&str] = &["integration", "enums", "models", "tools"];
const INTEGRATION_KEYS: &[&str] = &["name", "title", "lua_path", "api_prefix", "description"];
const ENUM_KEYS: &[&str] = &["description", "values"];
const MODEL_KEYS: &[&str] = &["description", "fields"];
const FIELD_KEYS: &[&str] = &["name", "type", "description"];
const TOOL_KEYS: &[&str] = &[
    "name",
    "full_name",
    "aliases",
    "class",
    "method",
    "path",
    "summary",
    "description",
    "retry",
    "pagination",
    "result",
    "attach",
    "membership",
    "lifecycle",
    "params",
    "examples",
];
const PARAM_KEYS: &[&str] = &[
    "name",
    "type",
    "in",
    "required",
    "default",
    "minimum",
    "maximum",
    "enum",
    "required_fields",
    "secret",
    "description",
];
const PAGINATION_KEYS: &[&str] = &["limit", "cursor", "all", "max_items"];
const RESULT_KEYS: &[&str] = &["type"];
const ATTACH_KEYS: &[&str] = &["field", "path", "type"];
const MEMBERSHIP_KEYS: &[&str] = &["change", "user", "group"];
const LIFECYCLE_KEYS: &[&str] = &["status"];
const EXAMPLE_KEYS: &[&str] = &["title", "lua", "fragment"];

/// Collects errors and resolves their locations against the source.
struct Collector<'a> {
    source: &'a str,
    errors: Vec<ManifestError>,
    /// Earlier tools with the same name as the one being checked, so errors
    /// in a duplicate tool point at the duplicate and not at the first one.
    occurrence: usize,
}

impl Collector<'_> {
    fn push(&mut self, path: &str, message: impl Into<String>) {
        let (line, column) = match locate_occurrence(self.source, path, self.occurrence) {
            Some((line, column)) => (Some(line), Some(column)),
            None => (None, None),
        };
        self.errors.push(ManifestError {
            path: path.to_string(),
            message: message.into(),
            line,
            column,
        });
    }
}

/// Parses and validates a manifest. `file` names the source in messages.
pub fn load(source: &str, file: &str) -> Result<Manifest, ManifestErrors> {
    let fail = |errors| ManifestErrors {
        file: file.to_string(),
        errors,
    };

    let document: Value = match serde_yaml::from_str(source) {
        Ok(document) => document,
        Err(error) => {
            let location = error.location();
            let mut message = error.to_string();
            // The error carries the location already, so drop the copy the
            // parser puts inside its message.
            if let Some(location) = &location {
                let repeated = format!(" at line {} column {}", location.line(), location.column());
                message = message.replacen(&repeated, "", 1);
            }
            let path = location
                .as_ref()
                .and_then(|location| enclosing_tool(source, location.line()))
                .unwrap_or_default();
            return Err(fail(vec![ManifestError {
                path,
                message: format!("YAML syntax error: {message}"),
                line: location.as_ref().map(|l| l.line()),
                column: location.as_ref().map(|l| l.column()),
            }]));
        }
    };

    let mut collector = Collector {
        source,
        errors: Vec::new(),
        occurrence: 0,
    };
    check_keys(&document, &mut collector);
    let manifest = parse_typed(&document, &mut collector);
    if let Some(manifest) = &manifest {
        validate(manifest, &mut collector);
    }

    match manifest {
        Some(manifest) if collector.errors.is_empty() => Ok(manifest),
        _ => Err(fail(collector.errors)),
    }
}

/// Returns the label of a list item: its `name` when it has one, else its index.
fn item_label(item: &Value, index: usize) -> String {
    match item.get("name").and_then(Value::as_str) {
        Some(name) => name.to_string(),
        None => index.to_string(),
    }
}

fn check_map(value: &Value, allowed: &[&str], path: &str, collector: &mut Collector<'_>) {
    let Some(map) = value.as_mapping() else {
        collector.push(path, "expected a mapping");
        return;
    };
    for key in map.keys() {
        let Some(key) = key.as_str() else {
            collector.push(path, "mapping keys must be strings");
            continue;
        };
        if !allowed.contains(&key) {
            let hint = closest(key, allowed.iter().copied())
                .map(|name| format!("; did you mean `{name}`?"))
                .unwrap_or_default();
            let child = if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            collector.push(
                &child,
                format!(
                    "unknown key `{key}`; allowed keys are {}{hint}",
                    allowed.join(", ")
                ),
            );
        }
    }
}

fn check_list(value: Option<&Value>, allowed: &[&str], path: &str, collector: &mut Collector<'_>) {
    let Some(value) = value else { return };
    let Some(items) = value.as_sequence() else {
        collector.push(path, "expected a list");
        return;
    };
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{}]", item_label(item, index));
        check_map(item, allowed, &item_path, collector);
    }
}

/// Reports every unknown key in the document.
fn check_keys(document: &Value, collector: &mut Collector<'_>) {
    check_map(document, ROOT_KEYS, "", collector);
    if let Some(integration) = document.get("integration") {
        check_map(integration, INTEGRATION_KEYS, "integration", collector);
    }
    if let Some(enums) = document.get("enums").and_then(Value::as_mapping) {
        for (name, value) in enums {
            let path = format!("enums.{}", name.as_str().unwrap_or("?"));
            check_map(value, ENUM_KEYS, &path, collector);
        }
    }
    if let Some(models) = document.get("models").and_then(Value::as_mapping) {
        for (name, value) in models {
            let path = format!("models.{}", name.as_str().unwrap_or("?"));
            check_map(value, MODEL_KEYS, &path, collector);
            check_list(
                value.get("fields"),
                FIELD_KEYS,
                &format!("{path}.fields"),
                collector,
            );
        }
    }
    let Some(tools) = document.get("tools") else {
        return;
    };
    let Some(items) = tools.as_sequence() else {
        collector.push("tools", "expected a list");
        return;
    };
    for (index, tool) in items.iter().enumerate() {
        let path = format!("tools[{}]", item_label(tool, index));
        collector.occurrence = earlier_with_label(items, index);
        check_map(tool, TOOL_KEYS, &path, collector);
        check_tool_keys(tool, &path, collector);
    }
    collector.occurrence = 0;
}

fn check_tool_keys(tool: &Value, path: &str, collector: &mut Collector<'_>) {
    let nested: [(&str, &[&str]); 4] = [
        ("pagination", PAGINATION_KEYS),
        ("result", RESULT_KEYS),
        ("membership", MEMBERSHIP_KEYS),
        ("lifecycle", LIFECYCLE_KEYS),
    ];
    for (key, allowed) in nested {
        if let Some(value) = tool.get(key) {
            check_map(value, allowed, &format!("{path}.{key}"), collector);
        }
    }
    let lists = [
        ("params", PARAM_KEYS),
        ("attach", ATTACH_KEYS),
        ("examples", EXAMPLE_KEYS),
    ];
    for (key, allowed) in lists {
        check_list(tool.get(key), allowed, &format!("{path}.{key}"), collector);
    }
}

/// Returns how many items before `index` have the same label as it.
fn earlier_with_label(items: &[Value], index: usize) -> usize {
    let label = item_label(&items[index], index);
    items[..index]
        .iter()
        .enumerate()
        .filter(|(earlier, item)| item_label(item, *earlier) == label)
        .count()
}

fn parse_part<T: DeserializeOwned>(
    value: &Value,
    path: &str,
    collector: &mut Collector<'_>,
) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(value.clone()) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            let inner = error.path().to_string();
            let full = if inner == "." || inner.is_empty() {
                path.to_string()
            } else if path.is_empty() {
                inner
            } else {
                format!("{path}.{inner}")
            };
            collector.push(&full, error.into_inner().to_string());
            None
        }
    }
}

/// Deserializes each part on its own, so one bad tool does not hide the
/// errors of the others.
fn parse_typed(document: &Value, collector: &mut Collector<'_>) -> Option<Manifest> {
    let integration = match document.get("integration") {
        Some(value) => parse_part(value, "integration", collector),
        None => {
            collector.push("", "missing key `integration`");
            None
        }
    };
    let enums = match document.get("enums") {
        Some(value) => parse_part(value, "enums", collector),
        None => Some(Default::default()),
    };
    let models = match document.get("models") {
        Some(value) => parse_part(value, "models", collector),
        None => Some(Default::default()),
    };

    // Tools that fail to parse are left out, so the others still get every
    // check; `load` fails anyway because an error was recorded.
    let mut tools = Vec::new();
    match document.get("tools").and_then(Value::as_sequence) {
        Some(items) => {
            for (index, item) in items.iter().enumerate() {
                let path = format!("tools[{}]", item_label(item, index));
                collector.occurrence = earlier_with_label(items, index);
                tools.extend(parse_part(item, &path, collector));
            }
            collector.occurrence = 0;
        }
        None => collector.push("", "missing key `tools` (a list of tools)"),
    }

    Some(Manifest {
        integration: integration?,
        enums: enums?,
        models: models?,
        tools,
    })
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_snake_case(name: &str) -> bool {
    is_identifier(name)
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks the rules that span several fields.
fn validate(manifest: &Manifest, collector: &mut Collector<'_>) {
    let integration = &manifest.integration;
    if !integration.api_prefix.starts_with('/') || integration.api_prefix.ends_with('/') {
        collector.push(
            "integration.api_prefix",
            "must start with `/` and not end with `/`, for example `/api/v1`",
        );
    }
    if !is_snake_case(&integration.name) {
        collector.push(
            "integration.name",
            "must be a lower-case identifier such as `okta`",
        );
    }

    for (name, definition) in manifest.enums.iter() {
        if definition.values.is_empty() {
            collector.push(&format!("enums.{name}"), "must list at least one value");
        }
        if manifest.models.contains_key(name) {
            collector.push(&format!("enums.{name}"), "the name is used by a model too");
        }
    }
    for (name, model) in manifest.models.iter() {
        let mut seen = BTreeSet::new();
        for field in &model.fields {
            let path = format!("models.{name}.fields[{}]", field.name);
            if !seen.insert(field.name.as_str()) {
                collector.push(&path, format!("duplicate field `{}`", field.name));
            }
            check_type(manifest, &field.ty, &format!("{path}.type"), collector);
        }
    }

    let mut names: HashMap<String, String> = HashMap::new();
    for (index, tool) in manifest.tools.iter().enumerate() {
        let path = format!("tools[{}]", tool.name);
        collector.occurrence = manifest.tools[..index]
            .iter()
            .filter(|earlier| earlier.name == tool.name)
            .count();
        validate_tool_names(manifest, tool, &path, &mut names, collector);
        validate_tool(manifest, tool, &path, collector);
    }
    collector.occurrence = 0;
}

fn validate_tool_names(
    manifest: &Manifest,
    tool: &crate::model::Tool,
    path: &str,
    names: &mut HashMap<String, String>,
    collector: &mut Collector<'_>,
) {
    if !is_snake_case(&tool.name) {
        collector.push(
            &format!("{path}.name"),
            format!(
                "`{}` must be snake_case, for example `list_users`",
                tool.name
            ),
        );
    }
    let full_name = tool.full_name(&manifest.integration);
    let mut claim = |name: &str, field: &str, collector: &mut Collector<'_>| -> bool {
        let Some(owner) = names.get(name) else {
            names.insert(name.to_string(), tool.name.clone());
            return true;
        };
        let message = if *owner == tool.name {
            format!("duplicate name `{name}`: an earlier tool has the same name")
        } else {
            format!("duplicate name `{name}`: already used by tool `{owner}`")
        };
        collector.push(&format!("{path}.{field}"), message);
        false
    };
    let name_is_new = claim(&tool.name, "name", collector);
    // A full name derived from a duplicate name repeats the same error.
    if full_name != tool.name && (name_is_new || tool.full_name.is_some()) {
        claim(&full_name, "full_name", collector);
    }
    for alias in &tool.aliases {
        if !is_snake_case(alias) {
            collector.push(
                &format!("{path}.aliases"),
                format!("alias `{alias}` must be snake_case"),
            );
        }
        claim(alias, "aliases", collector);
    }
}

fn validate_tool(
    manifest: &Manifest,
    tool: &crate::model::Tool,
    path: &str,
    collector: &mut Collector<'_>,
) {
    if !tool.path.starts_with('/') {
        collector.push(
            &format!("{path}.path"),
            format!("`{}` must start with `/`", tool.path),
        );
    }
    if tool.summary.trim().is_empty() {
        collector.push(&format!("{path}.summary"), "must not be empty");
    }
    let writes = tool.method != Method::Get;
    if writes && tool.class != Class::Write {
        collector.push(
            &format!("{path}.class"),
            format!(
                "a {} tool changes the org and must have `class: write`",
                tool.method.as_str()
            ),
        );
    }
    if !writes && tool.class == Class::Write {
        collector.push(
            &format!("{path}.class"),
            "a GET tool cannot be a write; use `class: read`",
        );
    }

    let mut seen = BTreeSet::new();
    for param in &tool.params {
        if !seen.insert(param.name.as_str()) {
            collector.push(
                &format!("{path}.params[{}]", param.name),
                format!("duplicate parameter `{}`", param.name),
            );
        }
        validate_param(
            manifest,
            param,
            &format!("{path}.params[{}]", param.name),
            collector,
        );
    }

    let placeholders = tool.path_placeholders();
    for placeholder in &placeholders {
        match tool.param(placeholder) {
            Some(param) if param.location == Location::Path => {}
            Some(_) => collector.push(
                &format!("{path}.params[{placeholder}].in"),
                format!("`{placeholder}` fills a path placeholder and must have `in: path`"),
            ),
            None => collector.push(
                &format!("{path}.path"),
                format!("placeholder `{{{placeholder}}}` has no parameter; add a parameter `{placeholder}` with `in: path`"),
            ),
        }
    }
    for param in tool.params.iter().filter(|p| p.location == Location::Path) {
        if !placeholders.contains(&param.name) {
            collector.push(
                &format!("{path}.params[{}]", param.name),
                format!(
                    "path parameter `{}` has no `{{{}}}` placeholder in `{}`",
                    param.name, param.name, tool.path
                ),
            );
        }
        if !param.required {
            collector.push(
                &format!("{path}.params[{}].required", param.name),
                "a path parameter must be required",
            );
        }
    }

    check_type(
        manifest,
        &tool.result.ty,
        &format!("{path}.result.type"),
        collector,
    );
    validate_pagination(tool, path, collector);
    for (index, attach) in tool.attach.iter().enumerate() {
        let attach_path = format!("{path}.attach[{index}]");
        check_type(
            manifest,
            &attach.ty,
            &format!("{attach_path}.type"),
            collector,
        );
        for placeholder in crate::model::path_placeholders(&attach.path) {
            if tool
                .param(&placeholder)
                .is_none_or(|p| p.location != Location::Path)
            {
                collector.push(
                    &format!("{attach_path}.path"),
                    format!("placeholder `{{{placeholder}}}` is not a path parameter of the tool"),
                );
            }
        }
    }
    if let Some(membership) = &tool.membership {
        for (key, name) in [("user", &membership.user), ("group", &membership.group)] {
            if tool
                .param(name)
                .is_none_or(|p| p.location != Location::Path)
            {
                collector.push(
                    &format!("{path}.membership.{key}"),
                    format!("`{name}` is not a path parameter of the tool"),
                );
            }
        }
    }
    if let Some(lifecycle) = &tool.lifecycle {
        let known = manifest
            .enums
            .get("UserStatus")
            .is_some_and(|e| e.values.contains(&lifecycle.status));
        if !known {
            collector.push(
                &format!("{path}.lifecycle.status"),
                format!("`{}` is not a UserStatus value", lifecycle.status),
            );
        }
    }

    if tool.examples.is_empty() {
        collector.push(
            &format!("{path}.examples"),
            "every tool needs at least one example",
        );
    }
    for example in &tool.examples {
        if let Err(message) = crate::lua_syntax::check(&example.lua, &example.title) {
            collector.push(
                &format!("{path}.examples[{}]", example.title),
                format!("example is not valid Lua: {message}"),
            );
        }
    }
}

fn validate_pagination(tool: &crate::model::Tool, path: &str, collector: &mut Collector<'_>) {
    let Some(pagination) = &tool.pagination else {
        return;
    };
    if tool.method != Method::Get || !tool.result.ty.is_array() {
        collector.push(
            &format!("{path}.pagination"),
            "only a GET tool with an array result can paginate",
        );
    }
    let roles = [
        (
            "cursor",
            Some(&pagination.cursor),
            Location::Query,
            TypeRef::String,
        ),
        (
            "limit",
            pagination.limit.as_ref(),
            Location::Query,
            TypeRef::Integer,
        ),
        (
            "all",
            pagination.all.as_ref(),
            Location::Control,
            TypeRef::Boolean,
        ),
        (
            "max_items",
            Some(&pagination.max_items),
            Location::Control,
            TypeRef::Integer,
        ),
    ];
    for (role, name, location, ty) in roles {
        let Some(name) = name else { continue };
        match tool.param(name) {
            Some(param) if param.location == location && param.ty == ty => {}
            _ => collector.push(
                &format!("{path}.pagination.{role}"),
                format!(
                    "`{name}` must be a {ty} parameter with `in: {}`",
                    location.as_str()
                ),
            ),
        }
    }
}

fn validate_param(
    manifest: &Manifest,
    param: &crate::model::Param,
    path: &str,
    collector: &mut Collector<'_>,
) {
    if !is_identifier(&param.name) {
        collector.push(
            &format!("{path}.name"),
            format!("`{}` is not a valid parameter name", param.name),
        );
    }
    let known_type = check_type(manifest, &param.ty, &format!("{path}.type"), collector);
    if param.required && param.default.is_some() {
        collector.push(
            &format!("{path}.default"),
            "a required parameter cannot have a default; remove one of them",
        );
    }
    if let (Some(min), Some(max)) = (param.minimum, param.maximum)
        && min > max
    {
        collector.push(
            &format!("{path}.maximum"),
            format!("maximum {max} is below minimum {min}"),
        );
    }
    // The checks below compare against the type; an unknown type has been
    // reported already and would only add follow-on errors.
    if !known_type {
        return;
    }

    let numeric = matches!(param.ty, TypeRef::Integer | TypeRef::Number);
    if (param.minimum.is_some() || param.maximum.is_some()) && !numeric {
        collector.push(
            &format!("{path}.minimum"),
            format!("a range needs an integer or number type, not {}", param.ty),
        );
    }
    if !param.allowed.is_empty() && param.ty != TypeRef::String {
        collector.push(
            &format!("{path}.enum"),
            "allowed values need a string parameter",
        );
    }
    if !param.required_fields.is_empty()
        && param.ty.named().is_none()
        && param.ty != TypeRef::Object
    {
        collector.push(
            &format!("{path}.required_fields"),
            "required fields need an object parameter",
        );
    }
    if param.location == Location::Path && param.ty != TypeRef::String {
        collector.push(&format!("{path}.type"), "a path parameter must be a string");
    }

    if let Some(default) = &param.default {
        check_default(param, default, &format!("{path}.default"), collector);
    }
}

fn check_default(
    param: &crate::model::Param,
    default: &serde_json::Value,
    path: &str,
    collector: &mut Collector<'_>,
) {
    let matches_type = match &param.ty {
        TypeRef::String => default.is_string(),
        TypeRef::Integer => default.is_i64(),
        TypeRef::Number => default.is_number(),
        TypeRef::Boolean => default.is_boolean(),
        TypeRef::Array(_) => default.is_array(),
        TypeRef::Object | TypeRef::Named(_) => default.is_object(),
    };
    if !matches_type {
        collector.push(path, format!("default {default} is not a {}", param.ty));
        return;
    }
    if let Some(value) = default.as_i64() {
        let below = param.minimum.is_some_and(|min| value < min);
        let above = param.maximum.is_some_and(|max| value > max);
        if below || above {
            let range = param.range_text().unwrap_or_default();
            collector.push(
                path,
                format!("default {value} is outside the range {range}"),
            );
        }
    }
    if let Some(text) = default.as_str()
        && !param.allowed.is_empty()
        && !param.allowed.iter().any(|allowed| allowed == text)
    {
        collector.push(
            path,
            format!(
                "default `{text}` is not one of {}",
                param.allowed.join(", ")
            ),
        );
    }
}

/// Reports a type that names no model or enum and returns whether the type
/// is known.
fn check_type(
    manifest: &Manifest,
    ty: &TypeRef,
    path: &str,
    collector: &mut Collector<'_>,
) -> bool {
    if let Some(name) = ty.named()
        && !manifest.models.contains_key(name)
        && !manifest.enums.contains_key(name)
    {
        let candidates = BUILT_IN_TYPES
            .iter()
            .copied()
            .chain(manifest.models.iter().map(|(n, _)| n.as_str()))
            .chain(manifest.enums.iter().map(|(n, _)| n.as_str()));
        let hint = closest(name, candidates)
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        collector.push(
            path,
            format!("unknown type `{name}`: not a built-in type and no model or enum has this name{hint}"),
        );
        return false;
    }
    true
}

/// Type names that need no model or enum.
const BUILT_IN_TYPES: &[&str] = &["string", "integer", "number", "boolean", "object"];

/// Returns the candidate closest to `name` by edit distance, when close enough
/// to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters, case-insensitive.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}
