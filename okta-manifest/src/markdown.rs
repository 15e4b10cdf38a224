//! The agent-facing Markdown reference, rendered from the manifest.

use std::fmt::Write as _;

use crate::model::{Class, Location, Manifest, Param, Tool, TypeRef};

/// The rendered reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Docs {
    /// The whole reference, as written to `docs/okta.md`.
    pub reference: String,
    /// One section per tool, keyed by tool name, then the general sections
    /// keyed by their slug (`multi-account`, `pagination`, `errors`).
    pub sections: Vec<(String, String)>,
    /// Markdown table of every tool: function, class, summary.
    pub tool_table: String,
}

/// Renders the whole reference.
pub fn render(manifest: &Manifest) -> Docs {
    let mut sections = Vec::new();
    for tool in &manifest.tools {
        sections.push((tool.name.clone(), render_tool(manifest, tool)));
    }
    let general = [
        ("pagination", render_pagination(manifest)),
        ("errors", render_errors(manifest)),
        ("rate-limits", render_rate_limits(manifest)),
        ("multi-account", render_accounts(manifest)),
    ];
    for (slug, text) in general {
        sections.push((slug.to_string(), text));
    }

    let tool_table = render_tool_table(manifest);
    let integration = &manifest.integration;
    let mut reference = String::new();
    let _ = writeln!(reference, "# {} — Lua API Reference\n", integration.title);
    if !integration.description.is_empty() {
        let _ = writeln!(reference, "{}\n", integration.description.trim());
    }
    let _ = writeln!(
        reference,
        "Call every function as `{path}.NAME({{ ... }})` with one table of named parameters. \
         Read a single section with `docs.read(\"{name}.NAME\")`.\n",
        path = integration.lua_path,
        name = integration.name,
    );
    let _ = writeln!(reference, "## Functions\n\n{tool_table}");
    for (_, text) in &sections {
        let _ = writeln!(reference, "---\n\n{text}");
    }

    Docs {
        reference: reference.trim_end().to_string() + "\n",
        sections,
        tool_table,
    }
}

fn render_tool_table(manifest: &Manifest) -> String {
    let mut table =
        String::from("| Function | Class | Summary |\n|----------|-------|---------|\n");
    for tool in &manifest.tools {
        let mut name = format!("`{}`", tool.name);
        for alias in &tool.aliases {
            let _ = write!(name, " (alias `{alias}`)");
        }
        let _ = writeln!(
            table,
            "| {name} | {} | {} |",
            tool.class.as_str(),
            tool.summary.trim()
        );
    }
    table
}

fn escape_cell(text: &str) -> String {
    text.trim().replace('|', "\\|").replace('\n', " ")
}

fn render_tool(manifest: &Manifest, tool: &Tool) -> String {
    let integration = &manifest.integration;
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n", tool.full_name(integration));
    // The description usually repeats the summary as its first sentence.
    let description = tool.description.trim();
    if description.starts_with(tool.summary.trim()) {
        let _ = writeln!(out, "{description}\n");
    } else {
        let _ = writeln!(out, "{}\n", tool.summary.trim());
        if !description.is_empty() {
            let _ = writeln!(out, "{description}\n");
        }
    }

    let _ = writeln!(out, "- Lua path: `{}.{}`", integration.lua_path, tool.name);
    for alias in &tool.aliases {
        let _ = writeln!(out, "- Alias: `{}.{alias}`", integration.lua_path);
    }
    let _ = writeln!(out, "- Full name: `{}`", tool.full_name(integration));
    let class_note = match tool.class {
        Class::Read => "read",
        Class::Write => {
            "write (changes the org; needs write permission, for example `okta-lua --force`)"
        }
    };
    let _ = writeln!(out, "- Class: {class_note}");
    let _ = writeln!(
        out,
        "- Request: `{} {}{}`\n",
        tool.method.as_str(),
        integration.api_prefix,
        tool.path
    );

    let _ = writeln!(out, "### Parameters\n");
    if tool.params.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        let _ = writeln!(
            out,
            "| Name | Type | Required | Description |\n|------|------|----------|-------------|"
        );
        for param in &tool.params {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                param.name,
                lua_type_name(manifest, &param.ty),
                if param.required { "yes" } else { "no" },
                param_description(param),
            );
        }
        out.push('\n');
    }

    for param in &tool.params {
        if let TypeRef::Named(model_name) = &param.ty
            && let Some(model) = manifest.models.get(model_name)
        {
            let _ = writeln!(out, "### {} Fields\n", title_case(&param.name));
            let _ = writeln!(
                out,
                "| Field | Type | Description |\n|-------|------|-------------|"
            );
            for field in &model.fields {
                let required = if param.required_fields.contains(&field.name) {
                    "**Required.** "
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {required}{} |",
                    field.name,
                    lua_type_name(manifest, &field.ty),
                    escape_cell(&field.description),
                );
            }
            let _ = writeln!(
                out,
                "\nCustom attributes of the org's profile schema are accepted too.\n"
            );
        }
    }

    let _ = writeln!(out, "### Returns\n\n{}\n", render_returns(manifest, tool));

    for (index, example) in tool.examples.iter().enumerate() {
        if index == 0 {
            let _ = writeln!(out, "### Example\n\n{}:\n", example.title);
        } else {
            let _ = writeln!(out, "### {}\n", example.title);
        }
        let _ = writeln!(out, "```lua\n{}\n```\n", example.lua.trim_end());
    }
    out.trim_end().to_string() + "\n"
}

fn title_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

fn param_description(param: &Param) -> String {
    let mut text = escape_cell(&param.description);
    let mut notes = Vec::new();
    if let (Some(min), Some(max)) = (param.minimum, param.maximum) {
        notes.push(format!("{min}–{max}"));
    } else if let Some(range) = param.range_text() {
        notes.push(range);
    }
    if let Some(default) = &param.default {
        notes.push(format!("default: `{default}`"));
    }
    if !param.allowed.is_empty() {
        notes.push(format!(
            "one of {}",
            param
                .allowed
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if param.location == Location::Control {
        notes.push("read by the client, not sent to Okta".to_string());
    }
    if !notes.is_empty() {
        let _ = write!(text, " ({})", notes.join(", "));
    }
    text
}

/// Returns the type name an agent writing Lua works with.
fn lua_type_name(manifest: &Manifest, ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) if manifest.enums.contains_key(name) => "string".to_string(),
        TypeRef::Named(_) => "object".to_string(),
        TypeRef::Array(inner) => format!("array of {}", lua_type_name(manifest, inner)),
        other => other.to_string(),
    }
}

/// Lists the fields of a model, leaving out fields that only some tool
/// attaches, unless `tool` is one of them.
fn field_list(manifest: &Manifest, model_name: &str, tool: &Tool) -> String {
    let Some(model) = manifest.models.get(model_name) else {
        return String::new();
    };
    let attached_elsewhere = |name: &str| {
        let attached_anywhere = manifest
            .tools
            .iter()
            .any(|other| other.attach.iter().any(|attach| attach.field == name));
        attached_anywhere && !tool.attach.iter().any(|attach| attach.field == name)
    };
    let names: Vec<String> = model
        .fields
        .iter()
        .filter(|field| !attached_elsewhere(&field.name))
        .map(|field| format!("`{}`", field.name))
        .collect();
    names.join(", ")
}

fn render_returns(manifest: &Manifest, tool: &Tool) -> String {
    let model_name = tool.result.ty.named().unwrap_or("object");
    let fields = field_list(manifest, model_name, tool);
    // Membership and lifecycle results are built by the client, not copied
    // from an Okta response.
    let from_okta = tool.membership.is_none() && tool.lifecycle.is_none();
    let mut text = if tool.result.ty.is_array() && tool.pagination.is_none() {
        format!(
            "A sequence of `{model_name}` tables (use `ipairs`), with fields such as {fields}, plus every other field Okta returns. \
             Okta returns the whole list in one response, so there is no page table."
        )
    } else if tool.result.ty.is_array() {
        format!(
            "A sequence of `{model_name}` tables (use `ipairs`), with fields such as {fields}, plus every other field Okta returns. \
             A second value, the page table, says whether more remain: `truncated` (true when the list stopped before the end), \
             `next` (a cursor to pass as `after` to continue, or nil when nothing remains) and `pages` (requests made)."
        )
    } else if from_okta {
        format!("A `{model_name}` table with {fields}, plus every other field Okta returns.")
    } else {
        let mut table = format!(
            "A `{model_name}` table:\n\n| Field | Type | Description |\n|-------|------|-------------|\n"
        );
        if let Some(model) = manifest.models.get(model_name) {
            for field in &model.fields {
                let _ = writeln!(
                    table,
                    "| `{}` | {} | {} |",
                    field.name,
                    lua_type_name(manifest, &field.ty),
                    escape_cell(&field.description)
                );
            }
        }
        if tool.lifecycle.is_some() {
            table.push_str(
                "\nOther fields of Okta's answer, such as an activation link, are kept.\n",
            );
        }
        table.trim_end().to_string()
    };
    for attach in &tool.attach {
        let element = attach.ty.named().unwrap_or("object");
        let _ = write!(
            text,
            " The field `{}` holds a sequence of `{element}` tables from `GET {}{}`.",
            attach.field, manifest.integration.api_prefix, attach.path
        );
    }
    text
}

/// Returns the first tool that `accepts` selects, for the examples of the
/// general sections, so they call only functions the manifest declares.
fn example_tool(manifest: &Manifest, accepts: impl Fn(&Tool) -> bool) -> Option<&Tool> {
    manifest.tools.iter().find(|tool| accepts(tool))
}

/// Returns `preferred`, moved into the parameter's range when it has one.
fn within_range(param: Option<&Param>, preferred: i64) -> i64 {
    let Some(param) = param else {
        return preferred;
    };
    let value = param.maximum.map_or(preferred, |max| preferred.min(max));
    param.minimum.map_or(value, |min| value.max(min))
}

fn render_pagination(manifest: &Manifest) -> String {
    let path = &manifest.integration.lua_path;
    let mut text = String::from(
        "## Pagination\n\n\
         List functions follow Okta's `Link: <...>; rel=\"next\"` headers. They return a sequence and a page table. \
         A call stops at `limit` items when the function has a `limit`, or else at `max_items`. \
         When `page.truncated` is true, more items exist: pass `page.next` as `after` to continue, or set `all = true` \
         (where offered) to fetch every page up to `max_items`.\n",
    );
    let with_limit_and_all = example_tool(manifest, |tool| {
        tool.pagination
            .as_ref()
            .is_some_and(|p| p.limit.is_some() && p.all.is_some())
    });
    if let Some(tool) = with_limit_and_all
        && let Some(pagination) = &tool.pagination
        && let (Some(limit), Some(all)) = (&pagination.limit, &pagination.all)
    {
        let limit_value = within_range(tool.param(limit), 50);
        let max_items = &pagination.max_items;
        let max_value = within_range(tool.param(max_items), 50_000);
        let _ = write!(
            text,
            "\n```lua\n\
             local items, page = {path}.{name}({{ {limit} = {limit_value} }})\n\
             print(#items, page.truncated, page.next)\n\
             local all_items = {path}.{name}({{ {all} = true, {max_items} = {max_value} }})\n\
             print(#all_items)\n\
             ```\n",
            name = tool.name,
        );
    }
    text
}

fn render_errors(manifest: &Manifest) -> String {
    let path = &manifest.integration.lua_path;
    let mut text = String::from(
        "## Errors\n\n\
         A failed call raises an error table. `tostring(err)` and `err.message` give a readable message such as \
         `Okta API error 404 E0000007: Not found: Resource not found: nobody (User)`. The table also has `status` \
         (HTTP status), `errorCode`, `errorSummary`, `errorId`, `errorLink` and `errorCauses` (a sequence of strings). \
         Invalid arguments raise an error with `errorCode = \"invalid_arguments\"` before any request is sent.\n",
    );
    // A lookup by one path parameter, which fails with 404 for an unknown value.
    let lookup = example_tool(manifest, |tool| {
        let required: Vec<&Param> = tool.params.iter().filter(|p| p.required).collect();
        tool.class == Class::Read && required.len() == 1 && required[0].location == Location::Path
    });
    if let Some(tool) = lookup
        && let Some(param) = tool.params.iter().find(|p| p.required)
    {
        let _ = write!(
            text,
            "\n```lua\n\
             local ok, err = pcall({path}.{name}, {{ {param} = \"nobody@example.com\" }})\n\
             if not ok then\n  print(err.status, err.errorCode, err.message)\nend\n\
             ```\n",
            name = tool.name,
            param = param.name,
        );
    }
    text
}

fn render_rate_limits(manifest: &Manifest) -> String {
    let path = &manifest.integration.lua_path;
    let mut text = format!(
        "## Rate Limits\n\n\
         Calls wait and retry when the org answers 429, up to the account's maximum wait, and slow down \
         when few requests remain in the current window. `{path}.rate_limit()` returns the \
         `X-Rate-Limit-*` values of the last response as `{{ limit, remaining, reset }}` (`reset` is a \
         Unix time in seconds), or nil before the first response. Each account namespace has its own, \
         for example `{path}.default.rate_limit()`.\n"
    );
    let without_arguments = example_tool(manifest, |tool| {
        tool.class == Class::Read && tool.params.iter().all(|p| !p.required)
    });
    if let Some(tool) = without_arguments {
        let _ = write!(
            text,
            "\n```lua\n{path}.{name}({{}})\nlocal state = {path}.rate_limit()\n\
             if state then\n  print(state.remaining .. \" of \" .. state.limit .. \" left until \" .. os.date(\"!%H:%M:%S\", state.reset))\nend\n```\n",
            name = tool.name
        );
    }
    text
}

fn render_accounts(manifest: &Manifest) -> String {
    let path = &manifest.integration.lua_path;
    let title = &manifest.integration.title;
    let without_arguments = example_tool(manifest, |tool| {
        tool.class == Class::Read && tool.params.iter().all(|p| !p.required)
    });
    let Some(tool) = without_arguments else {
        return format!(
            "## Multi-Account Usage\n\n\
             If you have multiple {title} organizations configured, use account-specific namespaces: \
             `{path}.default` for the default account and `{path}.NAME` for a named account from the \
             configuration file. All functions are identical across accounts; only the credentials differ.\n"
        );
    };
    format!(
        "## Multi-Account Usage\n\n\
         If you have multiple {title} organizations configured, use account-specific namespaces:\n\n\
         ```lua\n\
         -- Default account (always works)\n\
         {path}.{name}({{}})\n\
         -- Explicit default (portable across setups)\n\
         {path}.default.{name}({{}})\n\
         ```\n\n\
         Named accounts from the configuration file appear as `{path}.NAME`, for example \
         `{path}.production.{name}({{}})`. All functions are identical across accounts; only the credentials differ.\n",
        name = tool.name,
    )
}
