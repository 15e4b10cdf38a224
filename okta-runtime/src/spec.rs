//! Static descriptions of tools, generated from the manifest.
//!
//! The macro emits one [`ToolSpec`] per tool. The transport, the argument
//! checks and the Lua bindings all read these values, so a change in the
//! manifest reaches every one of them in the same build.

/// Whether a tool only reads or may change the org.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPolicy {
    /// Retried when the request is idempotent.
    Auto,
    /// Never retried once it may have reached the server.
    Never,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Body,
    Control,
}

/// The type a parameter value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    /// A table with string keys; `known_fields` lists the declared ones.
    Object,
    Array,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Object => "table",
            ParamType::Array => "array (a sequence table)",
        }
    }
}

/// A default value of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    String(&'static str),
    Integer(i64),
    Number(f64),
    Boolean(bool),
}

impl DefaultValue {
    pub fn to_json(self) -> serde_json::Value {
        match self {
            DefaultValue::String(text) => serde_json::Value::from(text),
            DefaultValue::Integer(value) => serde_json::Value::from(value),
            DefaultValue::Number(value) => serde_json::Value::from(value),
            DefaultValue::Boolean(value) => serde_json::Value::from(value),
        }
    }
}

/// One parameter of a tool.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub name: &'static str,
    pub ty: ParamType,
    pub location: ParamLocation,
    pub required: bool,
    pub default: Option<DefaultValue>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub allowed: &'static [&'static str],
    pub required_fields: &'static [&'static str],
    pub known_fields: &'static [&'static str],
    pub secret: bool,
}

/// Roles of a list tool's parameters.
#[derive(Debug, Clone, Copy)]
pub struct PaginationSpec {
    pub limit: Option<&'static str>,
    pub cursor: &'static str,
    pub all: Option<&'static str>,
    pub max_items: &'static str,
}

/// A related list stored in a field of the result.
#[derive(Debug, Clone, Copy)]
pub struct AttachSpec {
    pub field: &'static str,
    pub path: &'static str,
}

/// Whether a membership tool adds or removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipChange {
    Add,
    Remove,
}

/// A group membership change.
#[derive(Debug, Clone, Copy)]
pub struct MembershipSpec {
    pub change: MembershipChange,
    pub user: &'static str,
    pub group: &'static str,
}

/// One tool.
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    pub name: &'static str,
    pub full_name: &'static str,
    pub aliases: &'static [&'static str],
    pub class: Class,
    pub method: Method,
    /// Path relative to the API prefix, with `{name}` placeholders.
    pub path: &'static str,
    pub summary: &'static str,
    pub retry: RetryPolicy,
    pub params: &'static [ParamSpec],
    pub pagination: Option<PaginationSpec>,
    /// True when the result is a list.
    pub returns_list: bool,
    pub attach: &'static [AttachSpec],
    pub membership: Option<MembershipSpec>,
    /// Status a lifecycle tool moves the user to.
    pub lifecycle_status: Option<&'static str>,
}

impl ToolSpec {
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|param| param.name == name)
    }

    /// Returns true when repeating the request cannot change the outcome.
    pub fn is_idempotent(&self) -> bool {
        if self.retry == RetryPolicy::Never {
            return false;
        }
        match self.method {
            Method::Get | Method::Put | Method::Delete => true,
            Method::Post => self.lifecycle_status.is_some(),
        }
    }
}
