//! The parsed, validated manifest.
//!
//! Every type here mirrors one node of `okta-manifest.yaml`. Loading goes
//! through [`crate::load`], which checks the whole document before any of
//! these values reach a code generator.

use std::fmt;

use serde::Deserialize;

/// A complete integration description.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Manifest {
    pub integration: Integration,
    #[serde(default)]
    pub enums: indexmap_like::OrderedMap<EnumDef>,
    #[serde(default)]
    pub models: indexmap_like::OrderedMap<Model>,
    pub tools: Vec<Tool>,
}

/// Integration-wide settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Integration {
    /// Short name, used as the prefix of full tool names (`okta_list_users`).
    pub name: String,
    /// Human-readable name used in document titles.
    pub title: String,
    /// Lua path of the namespace table, for example `app.integrations.okta`.
    pub lua_path: String,
    /// Path prefix of every tool path, for example `/api/v1`.
    pub api_prefix: String,
    #[serde(default)]
    pub description: String,
}

/// A closed set of string values that Okta may extend.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EnumDef {
    #[serde(default)]
    pub description: String,
    pub values: Vec<String>,
}

/// A result type. Unknown fields of the wire object are kept next to these.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Model {
    #[serde(default)]
    pub description: String,
    pub fields: Vec<Field>,
}

/// One declared field of a model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    #[serde(default)]
    pub description: String,
}

/// One tool: a Lua function, a client method and a reference section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tool {
    pub name: String,
    /// Full name; `{integration}_{name}` when absent.
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub class: Class,
    pub method: Method,
    pub path: String,
    pub summary: String,
    #[serde(default)]
    pub description: String,
    /// `never` for requests that must not be repeated once they may have
    /// reached the server, such as a create.
    #[serde(default)]
    pub retry: Retry,
    #[serde(default)]
    pub pagination: Option<Pagination>,
    pub result: ResultSpec,
    #[serde(default)]
    pub attach: Vec<Attach>,
    #[serde(default)]
    pub membership: Option<Membership>,
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(default)]
    pub examples: Vec<Example>,
}

impl Tool {
    /// Returns the full name, for example `okta_list_users`.
    pub fn full_name(&self, integration: &Integration) -> String {
        self.full_name
            .clone()
            .unwrap_or_else(|| format!("{}_{}", integration.name, self.name))
    }

    /// Returns the parameter with this name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }

    /// Returns the names of the placeholders in the path, in order.
    pub fn path_placeholders(&self) -> Vec<String> {
        path_placeholders(&self.path)
    }
}

/// Returns the `{name}` placeholders of a path template, in order.
pub fn path_placeholders(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        names.push(rest[open + 1..open + close].to_string());
        rest = &rest[open + close + 1..];
    }
    names
}

/// Whether a tool only reads or may change the org.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Read,
    Write,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Read => "read",
            Class::Write => "write",
        }
    }
}

/// HTTP method of a tool's main request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Retry policy of a tool's main request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Retry {
    /// Retried when the method is idempotent (GET, PUT, DELETE) or the tool
    /// is a lifecycle call.
    #[default]
    Auto,
    /// Never retried once the request may have reached the server.
    Never,
}

/// Roles of a list tool's parameters in `Link` header pagination.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Pagination {
    /// Parameter that caps the items returned and sets the page size.
    #[serde(default)]
    pub limit: Option<String>,
    /// Query parameter that carries the `after` cursor.
    pub cursor: String,
    /// Control parameter that requests every page.
    #[serde(default)]
    pub all: Option<String>,
    /// Control parameter with the hard cap on items.
    pub max_items: String,
}

/// Result type of a tool.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ResultSpec {
    #[serde(rename = "type")]
    pub ty: TypeRef,
}

/// A related list fetched after the main request and stored in a field of
/// the result.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Attach {
    pub field: String,
    pub path: String,
    #[serde(rename = "type")]
    pub ty: TypeRef,
}

/// A group membership change whose result reports whether anything changed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Membership {
    pub change: MembershipChange,
    /// Path parameter holding the user ID.
    pub user: String,
    /// Path parameter holding the group ID.
    pub group: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MembershipChange {
    Add,
    Remove,
}

/// A user lifecycle operation and the status it leads to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Lifecycle {
    pub status: String,
}

/// One tool parameter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: TypeRef,
    #[serde(rename = "in")]
    pub location: Location,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub minimum: Option<i64>,
    #[serde(default)]
    pub maximum: Option<i64>,
    #[serde(default, rename = "enum")]
    pub allowed: Vec<String>,
    /// Fields of an object parameter that must be present.
    #[serde(default)]
    pub required_fields: Vec<String>,
    /// Masked in logs, dry-run output and errors.
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub description: String,
}

impl Param {
    /// Returns the range as text, for example `1 to 200`, when one is declared.
    pub fn range_text(&self) -> Option<String> {
        match (self.minimum, self.maximum) {
            (Some(min), Some(max)) => Some(format!("{min} to {max}")),
            (Some(min), None) => Some(format!("at least {min}")),
            (None, Some(max)) => Some(format!("at most {max}")),
            (None, None) => None,
        }
    }
}

/// Location of a parameter in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// One percent-encoded path segment.
    Path,
    /// A query string parameter.
    Query,
    /// A top-level field of the JSON request body.
    Body,
    /// Read by the client itself and never sent.
    Control,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Body => "body",
            Location::Control => "control",
        }
    }
}

/// A titled Lua example.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Example {
    pub title: String,
    pub lua: String,
    /// Set for an example that only shows a fragment and cannot run alone.
    #[serde(default)]
    pub fragment: bool,
}

/// A type as written in the manifest: `string`, `integer`, `number`,
/// `boolean`, `object`, `array<T>`, or the name of a model or enum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array(Box<TypeRef>),
    Named(String),
}

impl TypeRef {
    /// Parses the manifest spelling of a type.
    pub fn parse(text: &str) -> Result<TypeRef, String> {
        let text = text.trim();
        let ty = match text {
            "string" => TypeRef::String,
            "integer" => TypeRef::Integer,
            "number" => TypeRef::Number,
            "boolean" => TypeRef::Boolean,
            "object" => TypeRef::Object,
            _ => {
                if let Some(inner) = text
                    .strip_prefix("array<")
                    .and_then(|t| t.strip_suffix('>'))
                {
                    TypeRef::Array(Box::new(TypeRef::parse(inner)?))
                } else if text.is_empty() {
                    return Err("empty type; expected string, integer, number, boolean, object, array<T> or a model or enum name".to_string());
                } else {
                    // Resolved against the models and enums during validation,
                    // which reports an unknown name with the other errors.
                    TypeRef::Named(text.to_string())
                }
            }
        };
        Ok(ty)
    }

    /// Returns the named type, looking through arrays.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(name) => Some(name),
            TypeRef::Array(inner) => inner.named(),
            _ => None,
        }
    }

    pub fn is_array(&self) -> bool {
        matches!(self, TypeRef::Array(_))
    }
}

impl fmt::Display for TypeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeRef::String => f.write_str("string"),
            TypeRef::Integer => f.write_str("integer"),
            TypeRef::Number => f.write_str("number"),
            TypeRef::Boolean => f.write_str("boolean"),
            TypeRef::Object => f.write_str("object"),
            TypeRef::Array(inner) => write!(f, "array<{inner}>"),
            TypeRef::Named(name) => f.write_str(name),
        }
    }
}

impl<'de> Deserialize<'de> for TypeRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TypeRef::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A map that keeps the manifest's key order, so generated code and docs
/// follow the order the author chose.
pub mod indexmap_like {
    use serde::Deserialize;
    use serde::de::{MapAccess, Visitor};
    use std::fmt;
    use std::marker::PhantomData;

    #[derive(Debug, Clone, PartialEq)]
    pub struct OrderedMap<V>(pub Vec<(String, V)>);

    impl<V> Default for OrderedMap<V> {
        fn default() -> Self {
            OrderedMap(Vec::new())
        }
    }

    impl<V> OrderedMap<V> {
        pub fn get(&self, key: &str) -> Option<&V> {
            self.0
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value)
        }

        pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
            self.0.iter().map(|(name, value)| (name, value))
        }

        pub fn contains_key(&self, key: &str) -> bool {
            self.get(key).is_some()
        }
    }

    impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct OrderedVisitor<V>(PhantomData<V>);

            impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
                type Value = OrderedMap<V>;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a mapping")
                }

                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut entries = Vec::new();
                    while let Some((key, value)) = map.next_entry::<String, V>()? {
                        entries.push((key, value));
                    }
                    Ok(OrderedMap(entries))
                }
            }

            deserializer.deserialize_map(OrderedVisitor(PhantomData))
        }
    }
}
