//! Snapshots of everything generated from a manifest: the Rust code
//! (formatted with prettyplease), the Lua registration table and the Markdown
//! reference, for the real manifest and for each fixture under
//! `tests/fixtures/`.
//!
//! A change to the generator or to a manifest changes these snapshots, so a
//! review shows the generated output as a diff. Run `cargo insta review` (or
//! set `INSTA_UPDATE=always`) to accept an intended change.

use std::fmt::Write as _;
use std::path::Path;

use okta_manifest::codegen::{generate, param_type};
use okta_manifest::{Location, Manifest, MembershipChange, Param, Tool, load, render};

const REAL_MANIFEST: &str = include_str!("../../okta-manifest.yaml");

/// Fixture files covered below, without the `.yaml` extension.
const FIXTURES: &[&str] = &["every_feature", "minimal"];

fn load_fixture(name: &str) -> Manifest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.yaml"));
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()));
    load(&source, &format!("{name}.yaml")).unwrap_or_else(|errors| panic!("{errors}"))
}

fn load_real() -> Manifest {
    load(REAL_MANIFEST, "okta-manifest.yaml").unwrap_or_else(|errors| panic!("{errors}"))
}

/// Formats the generated code. Without a source path `MANIFEST_SOURCE` is
/// empty, so the snapshot contains no machine-specific path. Everything else
/// is what `okta-runtime` compiles.
fn rust_code(manifest: &Manifest) -> String {
    let tokens = generate(manifest, None);
    let file: syn::File = syn::parse2(tokens)
        .unwrap_or_else(|error| panic!("generated code is not a valid Rust file: {error}"));
    prettyplease::unparse(&file)
}

fn json_text(value: &serde_json::Value) -> String {
    value.to_string()
}

fn param_checks(manifest: &Manifest, param: &Param) -> String {
    let mut checks = vec![
        param_type(manifest, &param.ty).to_lowercase(),
        param.location.as_str().to_string(),
        if param.required {
            "required".to_string()
        } else {
            "optional".to_string()
        },
    ];
    if let Some(default) = &param.default {
        checks.push(format!("default {}", json_text(default)));
    }
    if let Some(range) = param.range_text() {
        checks.push(format!("range {range}"));
    }
    if !param.allowed.is_empty() {
        checks.push(format!("one of {}", param.allowed.join(", ")));
    }
    if !param.required_fields.is_empty() {
        checks.push(format!(
            "required fields {}",
            param.required_fields.join(", ")
        ));
    }
    let known_fields: Vec<&str> = param
        .ty
        .named()
        .and_then(|name| manifest.models.get(name))
        .map(|model| model.fields.iter().map(|f| f.name.as_str()).collect())
        .unwrap_or_default();
    if !known_fields.is_empty() {
        checks.push(format!("known fields {}", known_fields.join(", ")));
    }
    if param.secret {
        checks.push("secret".to_string());
    }
    checks.join(", ")
}

fn tool_entry(manifest: &Manifest, tool: &Tool, out: &mut String) {
    let integration = &manifest.integration;
    let _ = writeln!(out, "{}.{}", integration.lua_path, tool.name);
    if !tool.aliases.is_empty() {
        let _ = writeln!(out, "  aliases: {}", tool.aliases.join(", "));
    }
    let _ = writeln!(out, "  full name: {}", tool.full_name(integration));
    let _ = writeln!(out, "  class: {}", tool.class.as_str());
    let _ = writeln!(
        out,
        "  request: {} {}{}",
        tool.method.as_str(),
        integration.api_prefix,
        tool.path
    );
    let _ = writeln!(out, "  result: {}", tool.result.ty);

    if let Some(pagination) = &tool.pagination {
        let _ = writeln!(
            out,
            "  pagination: cursor {}, max_items {}, limit {}, all {}",
            pagination.cursor,
            pagination.max_items,
            pagination.limit.as_deref().unwrap_or("-"),
            pagination.all.as_deref().unwrap_or("-"),
        );
    }
    for attach in &tool.attach {
        let _ = writeln!(out, "  attach: {} from GET {}", attach.field, attach.path);
    }
    if let Some(membership) = &tool.membership {
        let change = match membership.change {
            MembershipChange::Add => "add",
            MembershipChange::Remove => "remove",
        };
        let _ = writeln!(
            out,
            "  membership: {change}, user {}, group {}",
            membership.user, membership.group
        );
    }
    if let Some(lifecycle) = &tool.lifecycle {
        let _ = writeln!(out, "  lifecycle: leads to {}", lifecycle.status);
    }

    if tool.params.is_empty() {
        let _ = writeln!(out, "  params: none");
    }
    for param in &tool.params {
        let _ = writeln!(
            out,
            "  param {}: {}",
            param.name,
            param_checks(manifest, param)
        );
    }

    let sent: Vec<&str> = tool
        .params
        .iter()
        .filter(|param| param.location != Location::Control)
        .map(|param| param.name.as_str())
        .collect();
    let _ = writeln!(out, "  sent to the API: {}", sent.join(", "));
}

/// Renders every Lua name with its class and argument checks, one block per
/// tool in manifest order.
fn registration_table(manifest: &Manifest) -> String {
    let mut out = String::new();
    for tool in &manifest.tools {
        tool_entry(manifest, tool, &mut out);
        out.push('\n');
    }
    out
}

fn markdown(manifest: &Manifest) -> String {
    render(manifest).reference
}

#[test]
fn real_manifest_rust() {
    insta::assert_snapshot!("real_manifest_rust", rust_code(&load_real()));
}

#[test]
fn real_manifest_registration() {
    insta::assert_snapshot!(
        "real_manifest_registration",
        registration_table(&load_real())
    );
}

#[test]
fn real_manifest_markdown() {
    insta::assert_snapshot!("real_manifest_markdown", markdown(&load_real()));
}

#[test]
fn fixtures_rust() {
    for name in FIXTURES {
        insta::assert_snapshot!(format!("{name}_rust"), rust_code(&load_fixture(name)));
    }
}

#[test]
fn fixtures_registration() {
    for name in FIXTURES {
        insta::assert_snapshot!(
            format!("{name}_registration"),
            registration_table(&load_fixture(name))
        );
    }
}

#[test]
fn fixtures_markdown() {
    for name in FIXTURES {
        insta::assert_snapshot!(format!("{name}_markdown"), markdown(&load_fixture(name)));
    }
}

#[test]
fn every_fixture_has_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("failed to list {}: {error}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            if path.extension()? != "yaml" {
                return None;
            }
            path.file_stem()?.to_str().map(String::from)
        })
        .collect();
    found.sort();
    assert_eq!(found, FIXTURES, "add new fixtures to FIXTURES");
}
