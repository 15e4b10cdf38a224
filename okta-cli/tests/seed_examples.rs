//! Runs every Lua example of the reference through the `okta-lua` binary
//! against the built-in demo org, and checks what each prints or returns.

use std::process::{Command, Output};

use serde_json::Value;

fn okta_lua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_okta-lua"))
        .args(args)
        .output()
        .expect("okta-lua runs")
}

/// Runs code on a fresh demo org and returns the JSON envelope.
fn run_demo(code: &str, force: bool) -> Value {
    let mut args = vec!["--demo", "--json", "--eval", code];
    if force {
        args.push("--force");
    }
    let output = okta_lua(&args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let envelope: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|error| panic!("not JSON ({error}): {stdout}"));
    assert_eq!(
        envelope["success"],
        Value::Bool(true),
        "script failed: {}\nstderr: {}",
        envelope["error"],
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0));
    envelope
}

fn output_lines(envelope: &Value) -> Vec<String> {
    envelope["output"]
        .as_array()
        .expect("output list")
        .iter()
        .map(|line| line.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn list_users_prints_every_user() {
    let envelope = run_demo(
        r#"local result = app.integrations.okta.list_users({})
for _, user in ipairs(result) do
  print(user.profile.login .. " — " .. user.profile.firstName .. " " .. user.profile.lastName .. " (" .. user.status .. ")")
end"#,
        false,
    );
    let lines = output_lines(&envelope);
    assert!(lines.len() >= 25, "{} users printed", lines.len());
    assert!(
        lines
            .iter()
            .all(|line| line.contains(" — ") && line.ends_with(')')),
        "{lines:?}"
    );
    assert_eq!(
        envelope["integration_calls"][0]["path"],
        "/api/v1/users?limit=200"
    );
}

#[test]
fn list_users_search_finds_john() {
    let envelope = run_demo(
        r#"local result = app.integrations.okta.list_users({ q = "john" }) return #result, result[1].profile.firstName"#,
        false,
    );
    assert!(envelope["result"][0].as_i64().unwrap() >= 1);
    assert_eq!(envelope["result"][1], "John");
}

#[test]
fn cli_example_with_example_q() {
    let envelope = run_demo(
        r#"dump(app.integrations.okta.list_users({limit = 1, q = "example_q"}))"#,
        false,
    );
    // dump shows both return values: the empty sequence and the page table.
    assert_eq!(
        output_lines(&envelope),
        vec!["{}\t{\n  pages = 1,\n  truncated = false,\n}"]
    );
}

#[test]
fn get_user_prints_login_email_status() {
    let envelope = run_demo(
        r#"local user = app.integrations.okta.get_user({ id = "00u1a2b3c4d5e6f7g8h9" })
print(user.profile.login)
print(user.profile.email)
print(user.status)
return #user.groups > 0, type(user.appLinks)"#,
        false,
    );
    let lines = output_lines(&envelope);
    assert_eq!(lines.len(), 3);
    assert!(lines[0].contains('@'), "{lines:?}");
    assert!(lines[1].contains('@'), "{lines:?}");
    assert_eq!(lines[2], "ACTIVE");
    assert_eq!(envelope["result"], serde_json::json!([true, "table"]));
}

#[test]
fn get_current_user_prints_login() {
    let envelope = run_demo(
        r#"local me = app.integrations.okta.get_current_user({})
print("Connected as: " .. me.profile.login)"#,
        false,
    );
    let lines = output_lines(&envelope);
    assert!(
        lines[0].starts_with("Connected as: ") && lines[0].contains('@'),
        "{lines:?}"
    );
}

#[test]
fn create_user_prints_new_id() {
    let envelope = run_demo(
        r#"local user = app.integrations.okta.create_user({
  profile = {
    firstName = "Jane",
    lastName = "Doe",
    email = "jane.doe@example.com",
    login = "jane.doe@example.com",
    title = "Software Engineer",
    department = "Engineering"
  },
  activate = true
})
print("Created user: " .. user.id)
return user.status, user.profile.title"#,
        true,
    );
    let lines = output_lines(&envelope);
    assert!(lines[0].starts_with("Created user: 00u"), "{lines:?}");
    assert_eq!(
        envelope["result"],
        serde_json::json!(["PROVISIONED", "Software Engineer"])
    );
}

#[test]
fn create_user_with_password_is_active() {
    let envelope = run_demo(
        r#"local user = app.integrations.okta.create_user({
  profile = {
    firstName = "Jane",
    lastName = "Doe",
    email = "jane.doe@example.com",
    login = "jane.doe@example.com"
  },
  credentials = {
    password = { value = "TempPass123!" }
  },
  activate = true
})
return user.status"#,
        true,
    );
    assert_eq!(envelope["result"], serde_json::json!(["ACTIVE"]));
    assert!(!envelope.to_string().contains("TempPass123!"));
}

#[test]
fn update_user_changes_only_given_fields() {
    let envelope = run_demo(
        r#"local before = app.integrations.okta.get_user({ id = "00u1a2b3c4d5e6f7g8h9" })
local user = app.integrations.okta.update_user({
  id = "00u1a2b3c4d5e6f7g8h9",
  profile = {
    title = "Senior Engineer",
    department = "Platform"
  }
})
return user.profile.title, user.profile.department, user.profile.firstName == before.profile.firstName"#,
        true,
    );
    assert_eq!(
        envelope["result"],
        serde_json::json!(["Senior Engineer", "Platform", true])
    );
    let update = envelope["integration_calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|call| call["method"] == "POST")
        .unwrap();
    assert_eq!(update["path"], "/api/v1/users/00u1a2b3c4d5e6f7g8h9");
}

#[test]
fn deactivate_user_prints_message() {
    let envelope = run_demo(
        r#"app.integrations.okta.deactivate_user({ id = "00u1a2b3c4d5e6f7g8h9" })
print("User deactivated")
return app.integrations.okta.get_user({ id = "00u1a2b3c4d5e6f7g8h9" }).status"#,
        true,
    );
    assert_eq!(output_lines(&envelope), vec!["User deactivated"]);
    assert_eq!(envelope["result"], serde_json::json!(["DEPROVISIONED"]));
    assert_eq!(
        envelope["integration_calls"][0]["path"],
        "/api/v1/users/00u1a2b3c4d5e6f7g8h9/lifecycle/deactivate"
    );
    assert_eq!(envelope["integration_calls"][0]["method"], "POST");
}

#[test]
fn list_groups_prints_id_and_name() {
    let envelope = run_demo(
        r#"local groups = app.integrations.okta.list_groups({})
for _, group in ipairs(groups) do
  print(group.id .. ": " .. group.profile.name)
end
local found = app.integrations.okta.list_groups({ q = "Engineering" })
return #found, found[1].profile.name"#,
        false,
    );
    let lines = output_lines(&envelope);
    assert!(lines.len() >= 6, "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|line| line == "00g1a2b3c4d5e6f7g8h9: Engineering"
                || line.starts_with("00g1a2b3c4d5e6f7g8h9: ")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|line| line.ends_with(": Everyone")),
        "{lines:?}"
    );
    assert_eq!(envelope["result"][1], "Engineering");
}

#[test]
fn get_group_prints_name_and_description() {
    let envelope = run_demo(
        r#"local group = app.integrations.okta.get_group({ id = "00g1a2b3c4d5e6f7g8h9" })
print(group.profile.name)
print(group.profile.description or "(no description)")"#,
        false,
    );
    let lines = output_lines(&envelope);
    assert_eq!(lines.len(), 2);
    assert_ne!(lines[1], "(no description)");
}

#[test]
fn add_user_to_group_and_alias() {
    for name in ["add_user_to_group", "add_user_group"] {
        let code = format!(
            r#"local result = app.integrations.okta.{name}({{
  groupId = "00g1a2b3c4d5e6f7g8h9",
  userId = "00u1a2b3c4d5e6f7g8h9"
}})
print("User added to group")
return result.changed, result.message"#
        );
        let envelope = run_demo(&code, true);
        assert_eq!(
            output_lines(&envelope),
            vec!["User added to group"],
            "{name}"
        );
        assert!(envelope["result"][0].is_boolean(), "{name}");
    }
}

#[test]
fn list_applications_prints_label_and_status() {
    let envelope = run_demo(
        r#"local apps = app.integrations.okta.list_applications({})
for _, app in ipairs(apps) do
  print(app.id .. ": " .. app.label .. " (" .. app.status .. ")")
end"#,
        false,
    );
    let lines = output_lines(&envelope);
    assert!(lines.len() >= 5, "{lines:?}");
    assert!(
        lines.iter().any(|line| line.ends_with("(INACTIVE)")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|line| line.ends_with("(ACTIVE)")),
        "{lines:?}"
    );
}

#[test]
fn multi_account_default_namespace() {
    let envelope = run_demo(
        "local a = app.integrations.okta.list_users({}) local b = app.integrations.okta.default.list_users({}) return #a == #b",
        false,
    );
    assert_eq!(envelope["result"], serde_json::json!([true]));
}

#[test]
fn docs_read_from_cli() {
    let envelope = run_demo(r#"print(docs.read("okta.list_users"))"#, false);
    assert!(output_lines(&envelope)[0].starts_with("## okta_list_users"));
}

/// Every `lua` example of the generated reference runs on a fresh demo org.
#[test]
fn every_manifest_example_runs() {
    let source = include_str!("../../okta-manifest.yaml");
    let manifest = okta_manifest::load(source, "okta-manifest.yaml").expect("manifest loads");
    let mut ran = 0;
    for tool in &manifest.tools {
        for example in &tool.examples {
            if example.fragment {
                continue;
            }
            let envelope = run_demo(&example.lua, true);
            assert!(
                envelope["error"].is_null(),
                "{} / {}: {}",
                tool.name,
                example.title,
                envelope["error"]
            );
            ran += 1;
        }
    }
    assert!(ran >= 13, "only {ran} examples ran");
}
