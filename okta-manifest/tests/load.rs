//! Loader tests: the real manifest loads, and bad manifests report every
//! error with its location.

use okta_manifest::{Location, TypeRef, load};

const MANIFEST: &str = include_str!("../../okta-manifest.yaml");

fn errors_of(source: &str) -> Vec<String> {
    match load(source, "test.yaml") {
        Ok(_) => Vec::new(),
        Err(errors) => errors.errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn real_manifest_loads() {
    let manifest = load(MANIFEST, "okta-manifest.yaml").unwrap_or_else(|errors| panic!("{errors}"));
    let names: Vec<&str> = manifest
        .tools
        .iter()
        .map(|tool| tool.name.as_str())
        .collect();
    for expected in [
        "list_users",
        "get_user",
        "get_current_user",
        "create_user",
        "update_user",
        "deactivate_user",
        "list_groups",
        "get_group",
        "add_user_to_group",
        "list_applications",
        "list_user_groups",
        "list_group_members",
        "remove_user_from_group",
        "activate_user",
        "suspend_user",
        "unsuspend_user",
        "get_application",
    ] {
        assert!(names.contains(&expected), "missing tool {expected}");
    }
    let add = manifest
        .tools
        .iter()
        .find(|tool| tool.name == "add_user_to_group")
        .unwrap();
    assert_eq!(add.aliases, vec!["add_user_group".to_string()]);
    let list_users = manifest
        .tools
        .iter()
        .find(|tool| tool.name == "list_users")
        .unwrap();
    let limit = list_users.param("limit").unwrap();
    assert_eq!(limit.ty, TypeRef::Integer);
    assert_eq!(limit.location, Location::Query);
    assert_eq!((limit.minimum, limit.maximum), (Some(1), Some(200)));
}

#[test]
fn syntax_error_has_line_and_column() {
    let errors = load("tools: [\n  - name: x\n", "bad.yaml").unwrap_err();
    assert_eq!(errors.errors.len(), 1);
    assert!(
        errors.errors[0].message.contains("YAML syntax error"),
        "{}",
        errors
    );
    assert!(errors.errors[0].line.is_some());
}

fn broken(from: &str, to: &str) -> String {
    assert!(MANIFEST.contains(from), "fixture text not found: {from}");
    MANIFEST.replacen(from, to, 1)
}

#[test]
fn unknown_key_names_tool_field_and_line() {
    let source = broken("        default: 200\n", "        defualt: 200\n");
    let errors = errors_of(&source);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("tools[list_users].params[limit].defualt"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("did you mean `default`"),
        "{}",
        errors[0]
    );
    let line = MANIFEST
        .lines()
        .position(|l| l == "        default: 200")
        .unwrap()
        + 1;
    assert!(
        errors[0].starts_with(&format!("{line}:9:")),
        "{}",
        errors[0]
    );
}

#[test]
fn every_error_reported_at_once() {
    let source = broken("        default: 200\n", "        default: 500\n");
    let source = source.replacen("    path: /users/{id}\n", "    path: /users/{userId}\n", 1);
    let source = source.replacen("  - name: get_group\n", "  - name: get_user\n", 1);
    let source = source.replacen(
        "      - name: q\n        type: string\n",
        "      - name: q\n        type: strin\n",
        1,
    );
    let errors = errors_of(&source);
    let joined = errors.join("\n");
    assert!(
        joined.contains("default 500 is outside the range 1 to 200"),
        "{joined}"
    );
    assert!(
        joined.contains("placeholder `{userId}` has no parameter"),
        "{joined}"
    );
    assert!(
        joined.contains("path parameter `id` has no `{id}` placeholder"),
        "{joined}"
    );
    assert!(joined.contains("duplicate name `get_user`"), "{joined}");
    assert!(joined.contains("unknown type `strin`"), "{joined}");
}

#[test]
fn required_with_default_rejected() {
    let source = broken(
        "        in: path\n        required: true\n        description: The Okta user ID or login email address.\n",
        "        in: path\n        required: true\n        default: \"x\"\n        description: The Okta user ID or login email address.\n",
    );
    let errors = errors_of(&source);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("tools[get_user].params[id].default")
                && e.contains("cannot have a default")),
        "{errors:?}"
    );
}

#[test]
fn invalid_lua_example_rejected() {
    let source = broken(
        "          print(\"User deactivated\")\n",
        "          print(\"User deactivated\"\n",
    );
    let errors = errors_of(&source);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("tools[deactivate_user].examples[Deactivate a user]"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("not valid Lua"), "{}", errors[0]);
}

#[test]
fn write_tool_needs_write_class() {
    let source = broken(
        "    class: write\n    method: POST\n    path: /users/{id}\n",
        "    class: read\n    method: POST\n    path: /users/{id}\n",
    );
    let errors = errors_of(&source);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("tools[update_user].class") && e.contains("class: write")),
        "{errors:?}"
    );
}
