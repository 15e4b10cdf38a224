//! Rust code generation from a validated manifest.
//!
//! The output is meant to be expanded inside the `okta-runtime` crate: it
//! refers to runtime items through `crate::` paths (`crate::spec`,
//! `crate::Client`, `crate::lua`, `crate::Page`, `crate::Error`).

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::markdown;
use crate::model::{
    Class, EnumDef, Location, Manifest, Method, Model, Param, Retry, Tool, TypeRef,
};

/// Generates every item for `manifest`. `source_path`, when given, is the
/// absolute path of the manifest file, included with `include_str!` so that
/// editing the manifest rebuilds the crate that expands the macro.
pub fn generate(manifest: &Manifest, source_path: Option<&str>) -> TokenStream {
    let enums = manifest
        .enums
        .iter()
        .map(|(name, definition)| generate_enum(name, definition));
    let models = manifest
        .models
        .iter()
        .map(|(name, model)| generate_model(name, model));
    let requests = manifest.tools.iter().map(generate_request);
    let specs = manifest
        .tools
        .iter()
        .map(|tool| generate_spec(manifest, tool));
    let spec_names: Vec<Ident> = manifest.tools.iter().map(spec_ident).collect();
    let methods = manifest
        .tools
        .iter()
        .map(|tool| generate_method(manifest, tool));
    let registrations = manifest.tools.iter().map(generate_registration);
    let docs = generate_docs(manifest, source_path);

    quote! {
        /// Result types. Each keeps the fields it does not declare in `extra`,
        /// so custom profile attributes and new Okta fields survive a round trip.
        pub mod models {
            #(#enums)*
            #(#models)*
        }

        /// One request type per tool.
        pub mod requests {
            #(#requests)*
        }

        /// One static description per tool.
        pub mod tools {
            #(#specs)*

            /// Every tool, in manifest order.
            pub static ALL: &[&crate::spec::ToolSpec] = &[#(&#spec_names),*];
        }

        impl crate::Client {
            #(#methods)*
        }

        /// Registers every tool and alias on a Lua namespace table.
        pub fn register_tools(
            lua: &mlua::Lua,
            namespace: &mlua::Table,
            binder: &crate::lua::ToolBinder,
        ) -> mlua::Result<()> {
            #(#registrations)*
            Ok(())
        }

        #docs
    }
}

fn spec_ident(tool: &Tool) -> Ident {
    format_ident!("{}", tool.name.to_uppercase())
}

/// Converts `firstName` or `PASSWORD_EXPIRED` or `list_users` to the casing
/// Rust expects for the given kind of item.
fn to_snake(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

fn to_camel(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let lower = part.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn field_ident(name: &str) -> Ident {
    let snake = to_snake(name);
    match syn_keyword(&snake) {
        true => Ident::new_raw(&snake, Span::call_site()),
        false => Ident::new(&snake, Span::call_site()),
    }
}

fn syn_keyword(name: &str) -> bool {
    matches!(
        name,
        "type"
            | "match"
            | "ref"
            | "self"
            | "struct"
            | "enum"
            | "fn"
            | "impl"
            | "mod"
            | "move"
            | "use"
            | "where"
            | "async"
            | "await"
            | "dyn"
            | "loop"
            | "static"
            | "const"
            | "in"
            | "for"
            | "let"
            | "box"
            | "crate"
            | "super"
            | "trait"
            | "true"
            | "false"
            | "if"
            | "else"
            | "return"
            | "mut"
            | "pub"
            | "extern"
            | "unsafe"
            | "while"
            | "break"
            | "continue"
            | "as"
            | "abstract"
            | "final"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Object => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::Array(inner) => {
            let inner = rust_type(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Named(name) => {
            let ident = format_ident!("{}", name);
            quote!(crate::generated::models::#ident)
        }
    }
}

fn doc_attr(text: &str) -> TokenStream {
    let text = text.trim();
    if text.is_empty() {
        return TokenStream::new();
    }
    let line = format!(" {}", text.split_whitespace().collect::<Vec<_>>().join(" "));
    quote!(#[doc = #line])
}

fn generate_enum(name: &str, definition: &EnumDef) -> TokenStream {
    let ident = format_ident!("{}", name);
    let doc = doc_attr(&definition.description);
    let variants: Vec<Ident> = definition
        .values
        .iter()
        .map(|value| format_ident!("{}", to_camel(value)))
        .collect();
    let values = &definition.values;

    quote! {
        #doc
        ///
        /// `Unknown` carries a value this build does not know yet.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #ident {
            #(#variants,)*
            Unknown(String),
        }

        impl #ident {
            /// Returns the wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl From<&str> for #ident {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for #ident {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for #ident {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #ident {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    }
}

fn generate_model(name: &str, model: &Model) -> TokenStream {
    let ident = format_ident!("{}", name);
    let doc = doc_attr(&model.description);
    let fields = model.fields.iter().map(|field| {
        let field_name = field_ident(&field.name);
        let wire = &field.name;
        let ty = rust_type(&field.ty);
        let doc = doc_attr(&field.description);
        quote! {
            #doc
            #[serde(rename = #wire, skip_serializing_if = "Option::is_none")]
            pub #field_name: Option<#ty>,
        }
    });
    let takes = model.fields.iter().map(|field| {
        let field_name = field_ident(&field.name);
        let wire = &field.name;
        quote! {
            model.#field_name = crate::models::take_field(&mut map, #wire).map_err(serde::de::Error::custom)?;
        }
    });

    quote! {
        #doc
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
        pub struct #ident {
            #(#fields)*
            /// Fields not declared above, including explicit nulls, in wire form.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        impl<'de> serde::Deserialize<'de> for #ident {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut map = <serde_json::Map<String, serde_json::Value> as serde::Deserialize>::deserialize(deserializer)?;
                let mut model = Self::default();
                #(#takes)*
                model.extra = map;
                Ok(model)
            }
        }
    }
}

fn request_ident(tool: &Tool) -> Ident {
    format_ident!("{}Request", to_camel(&tool.name))
}

fn generate_request(tool: &Tool) -> TokenStream {
    let ident = request_ident(tool);
    let spec = spec_ident(tool);
    let doc = format!(" Parameters of `{}`: {}", tool.name, tool.summary.trim());
    let fields = tool.params.iter().map(|param| {
        let field_name = field_ident(&param.name);
        let wire = &param.name;
        let ty = rust_type(&param.ty);
        let doc = doc_attr(&param.description);
        if param.required {
            quote! {
                #doc
                #[serde(rename = #wire)]
                pub #field_name: #ty,
            }
        } else {
            quote! {
                #doc
                #[serde(rename = #wire, skip_serializing_if = "Option::is_none")]
                pub #field_name: Option<#ty>,
            }
        }
    });
    let debug_fields = tool.params.iter().map(|param| {
        let field_name = field_ident(&param.name);
        let label = &param.name;
        if param.secret {
            quote! { debug.field(#label, &crate::secret::Masked(&self.#field_name)); }
        } else {
            quote! { debug.field(#label, &self.#field_name); }
        }
    });
    let name = ident.to_string();

    quote! {
        #[doc = #doc]
        #[derive(Clone, Default, serde::Serialize)]
        pub struct #ident {
            #(#fields)*
        }

        impl std::fmt::Debug for #ident {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut debug = f.debug_struct(#name);
                #(#debug_fields)*
                debug.finish()
            }
        }

        impl crate::ToolRequest for #ident {
            fn spec() -> &'static crate::spec::ToolSpec {
                &crate::generated::tools::#spec
            }
        }
    }
}

fn option_tokens<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(value) => quote!(Some(#value)),
        None => quote!(None),
    }
}

/// Returns the `crate::spec::ParamType` variant that checks a parameter of
/// this type: an enum is checked as a string and a model as an object.
pub fn param_type(manifest: &Manifest, ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::String => "String",
        TypeRef::Integer => "Integer",
        TypeRef::Number => "Number",
        TypeRef::Boolean => "Boolean",
        TypeRef::Object => "Object",
        TypeRef::Array(_) => "Array",
        TypeRef::Named(named) if manifest.enums.contains_key(named) => "String",
        TypeRef::Named(_) => "Object",
    }
}

fn generate_param_spec(manifest: &Manifest, param: &Param) -> TokenStream {
    let name = &param.name;
    let ty = format_ident!("{}", param_type(manifest, &param.ty));
    let location = match param.location {
        Location::Path => quote!(Path),
        Location::Query => quote!(Query),
        Location::Body => quote!(Body),
        Location::Control => quote!(Control),
    };
    let required = param.required;
    let default = match &param.default {
        None => quote!(None),
        Some(serde_json::Value::String(text)) => {
            quote!(Some(crate::spec::DefaultValue::String(#text)))
        }
        Some(serde_json::Value::Bool(value)) => {
            quote!(Some(crate::spec::DefaultValue::Boolean(#value)))
        }
        Some(serde_json::Value::Number(number)) => match number.as_i64() {
            Some(value) => quote!(Some(crate::spec::DefaultValue::Integer(#value))),
            None => {
                let value = Literal::f64_suffixed(number.as_f64().unwrap_or_default());
                quote!(Some(crate::spec::DefaultValue::Number(#value)))
            }
        },
        Some(_) => quote!(None),
    };
    let minimum = option_tokens(param.minimum);
    let maximum = option_tokens(param.maximum);
    let allowed = &param.allowed;
    let required_fields = &param.required_fields;
    let known_fields: Vec<&String> = param
        .ty
        .named()
        .and_then(|model| manifest.models.get(model))
        .map(|model| model.fields.iter().map(|field| &field.name).collect())
        .unwrap_or_default();
    let secret = param.secret;

    quote! {
        crate::spec::ParamSpec {
            name: #name,
            ty: crate::spec::ParamType::#ty,
            location: crate::spec::ParamLocation::#location,
            required: #required,
            default: #default,
            minimum: #minimum,
            maximum: #maximum,
            allowed: &[#(#allowed),*],
            required_fields: &[#(#required_fields),*],
            known_fields: &[#(#known_fields),*],
            secret: #secret,
        }
    }
}

fn generate_spec(manifest: &Manifest, tool: &Tool) -> TokenStream {
    let ident = spec_ident(tool);
    let name = &tool.name;
    let full_name = tool.full_name(&manifest.integration);
    let aliases = &tool.aliases;
    let class = match tool.class {
        Class::Read => quote!(Read),
        Class::Write => quote!(Write),
    };
    let method = match tool.method {
        Method::Get => quote!(Get),
        Method::Post => quote!(Post),
        Method::Put => quote!(Put),
        Method::Delete => quote!(Delete),
    };
    let path = &tool.path;
    let summary = tool.summary.trim();
    let retry = match tool.retry {
        Retry::Auto => quote!(Auto),
        Retry::Never => quote!(Never),
    };
    let params = tool
        .params
        .iter()
        .map(|param| generate_param_spec(manifest, param));
    let pagination = match &tool.pagination {
        None => quote!(None),
        Some(pagination) => {
            let limit = option_tokens(pagination.limit.as_deref());
            let cursor = &pagination.cursor;
            let all = option_tokens(pagination.all.as_deref());
            let max_items = &pagination.max_items;
            quote!(Some(crate::spec::PaginationSpec { limit: #limit, cursor: #cursor, all: #all, max_items: #max_items }))
        }
    };
    let returns_list = tool.result.ty.is_array();
    let attach = tool.attach.iter().map(|attach| {
        let field = &attach.field;
        let path = &attach.path;
        quote!(crate::spec::AttachSpec { field: #field, path: #path })
    });
    let membership = match &tool.membership {
        None => quote!(None),
        Some(membership) => {
            let change = match membership.change {
                crate::model::MembershipChange::Add => quote!(Add),
                crate::model::MembershipChange::Remove => quote!(Remove),
            };
            let user = &membership.user;
            let group = &membership.group;
            quote!(Some(crate::spec::MembershipSpec { change: crate::spec::MembershipChange::#change, user: #user, group: #group }))
        }
    };
    let lifecycle = option_tokens(
        tool.lifecycle
            .as_ref()
            .map(|lifecycle| lifecycle.status.as_str()),
    );
    let doc = format!(" `{}`: {}", tool.name, summary);

    quote! {
        #[doc = #doc]
        pub static #ident: crate::spec::ToolSpec = crate::spec::ToolSpec {
            name: #name,
            full_name: #full_name,
            aliases: &[#(#aliases),*],
            class: crate::spec::Class::#class,
            method: crate::spec::Method::#method,
            path: #path,
            summary: #summary,
            retry: crate::spec::RetryPolicy::#retry,
            params: &[#(#params),*],
            pagination: #pagination,
            returns_list: #returns_list,
            attach: &[#(#attach),*],
            membership: #membership,
            lifecycle_status: #lifecycle,
        };
    }
}

fn generate_method(manifest: &Manifest, tool: &Tool) -> TokenStream {
    let method = format_ident!("{}", tool.name);
    let request = request_ident(tool);
    let spec = spec_ident(tool);
    // Only paginated calls return page information; a list fetched in one
    // request is a plain Vec.
    let output = match (&tool.result.ty, &tool.pagination) {
        (TypeRef::Array(inner), Some(_)) => {
            let inner = rust_type(inner);
            quote!(crate::Page<#inner>)
        }
        (other, _) => rust_type(other),
    };
    let summary = doc_attr(&tool.summary);
    let request_line = format!(
        " Sends `{} {}{}`.",
        tool.method.as_str(),
        manifest.integration.api_prefix,
        tool.path
    );
    let class_line = format!(" Class: {}.", tool.class.as_str());

    quote! {
        #summary
        ///
        #[doc = #request_line]
        #[doc = #class_line]
        pub async fn #method(
            &self,
            request: crate::generated::requests::#request,
        ) -> Result<#output, crate::Error> {
            self.call_typed(&crate::generated::tools::#spec, &request).await
        }
    }
}

fn generate_registration(tool: &Tool) -> TokenStream {
    let spec = spec_ident(tool);
    let names = std::iter::once(&tool.name).chain(tool.aliases.iter());
    quote! {
        #(namespace.raw_set(#names, binder.function(lua, &crate::generated::tools::#spec)?)?;)*
    }
}

fn generate_docs(manifest: &Manifest, source_path: Option<&str>) -> TokenStream {
    let docs = markdown::render(manifest);
    let reference = &docs.reference;
    let tool_table = &docs.tool_table;
    let section_names = docs.sections.iter().map(|(name, _)| name);
    let section_texts = docs.sections.iter().map(|(_, text)| text);
    let source = match source_path {
        Some(path) => quote!(include_str!(#path)),
        None => quote!(""),
    };
    let integration = &manifest.integration.name;
    let lua_path = &manifest.integration.lua_path;
    let api_prefix = &manifest.integration.api_prefix;

    quote! {
        /// The agent-facing reference and the manifest it came from.
        pub mod docs {
            /// The whole Markdown reference.
            pub const REFERENCE: &str = #reference;
            /// One Markdown section per tool, then the general sections.
            pub const SECTIONS: &[(&str, &str)] = &[#((#section_names, #section_texts)),*];
            /// Table of every tool: function, class, summary.
            pub const TOOL_TABLE: &str = #tool_table;
            /// The manifest source; including it makes every edit rebuild the crate.
            pub const MANIFEST_SOURCE: &str = #source;
            /// Short integration name, the prefix of full tool names.
            pub const INTEGRATION: &str = #integration;
            /// Lua path of the namespace table.
            pub const LUA_PATH: &str = #lua_path;
            /// Path prefix of every request.
            pub const API_PREFIX: &str = #api_prefix;
        }
    }
}
