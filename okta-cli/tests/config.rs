//! Accounts from a config file, `--account`, per-account permissions,
//! `--dry-run`, `--wall-limit` and `--log-file`, with `okta-lua` run as a
//! process against fake orgs that this test process serves on 127.0.0.1.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use okta_mock::{MockOptions, MockServer, Seed};
use serde_json::{Value, json};

/// A folder for one test's files, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let path = std::env::temp_dir().join(format!("okta-lua-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create test folder");
        Folder(path)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn org(seed: Seed) -> MockServer {
    MockServer::start_blocking(MockOptions {
        seed,
        ..MockOptions::default()
    })
    .expect("fake org starts")
}

/// Returns a command with no Okta settings from the environment of the test run.
fn okta_lua() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_okta-lua"));
    for name in [
        "OKTA_ORG_URL",
        "OKTA_API_TOKEN",
        "OKTA_CLIENT_ORGURL",
        "OKTA_CLIENT_TOKEN",
        "OKTA_LUA_CONFIG",
        "OKTA_LUA_LOG",
        "XDG_CONFIG_HOME",
    ] {
        command.env_remove(name);
    }
    command.env("HOME", "/nonexistent-home");
    command
}

fn envelope(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Writes a config file with two accounts on two fake orgs: `primary` (the demo
/// org) and `secondary` (an empty org), plus the given extra YAML per
/// account.
fn two_org_config(
    folder: &Folder,
    primary: &MockServer,
    secondary: &MockServer,
    extra: &str,
) -> PathBuf {
    folder.write(
        "config.yaml",
        &format!(
            "accounts:\n  primary:\n    orgUrl: {}\n    token: {{ env: PRIMARY_TOKEN }}\n{extra}  secondary:\n    orgUrl: {}\n    token: {{ env: SECONDARY_TOKEN }}\n",
            primary.url(),
            secondary.url()
        ),
    )
}

fn with_tokens<'a>(
    command: &'a mut Command,
    primary: &MockServer,
    secondary: &MockServer,
) -> &'a mut Command {
    command
        .env("PRIMARY_TOKEN", primary.token())
        .env("SECONDARY_TOKEN", secondary.token())
}

const COUNTS: &str = "local okta = app.integrations.okta \
    return #okta.list_users({}), #okta.primary.list_users({}), #okta.secondary.list_users({}), #okta.default.list_users({})";

#[test]
fn config_file_accounts_and_account_flag() {
    let primary = org(Seed::Demo);
    let secondary = org(Seed::Empty);
    let folder = Folder::new("config-accounts");
    let config = two_org_config(&folder, &primary, &secondary, "");

    let output = with_tokens(&mut okta_lua(), &primary, &secondary)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--account",
            "primary",
            "--json",
            "--eval",
            COUNTS,
        ])
        .output()
        .unwrap();
    let value = envelope(&output);
    assert_eq!(output.status.code(), Some(0), "{value}");
    let listed = value["result"][0].as_i64().unwrap();
    assert!(listed > 0, "{value}");
    assert_eq!(value["result"], json!([listed, listed, 0, listed]));
    assert_eq!(value["meta"]["account"], "primary");
    assert_eq!(value["meta"]["accounts"], json!(["primary", "secondary"]));
    assert_eq!(value["meta"]["config_file"], config.to_str().unwrap());
    assert_eq!(value["meta"]["org_url"], primary.url());

    let output = with_tokens(&mut okta_lua(), &primary, &secondary)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--account",
            "secondary",
            "--json",
            "--eval",
            COUNTS,
        ])
        .output()
        .unwrap();
    let value = envelope(&output);
    assert_eq!(value["result"], json!([0, listed, 0, 0]));
    assert_eq!(value["meta"]["account"], "secondary");
}

#[test]
fn unknown_account_lists_configured() {
    let primary = org(Seed::Demo);
    let secondary = org(Seed::Empty);
    let folder = Folder::new("config-unknown");
    let config = two_org_config(&folder, &primary, &secondary, "");

    let output = with_tokens(&mut okta_lua(), &primary, &secondary)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--account",
            "prod",
            "--json",
            "--eval",
            "return 1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = envelope(&output)["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        message,
        format!(
            "unknown account `prod`; configured accounts: primary, secondary (in {})",
            config.display()
        )
    );

    let output = with_tokens(&mut okta_lua(), &primary, &secondary)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--json",
            "--eval",
            "return 1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = envelope(&output)["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("pick one with --account NAME"),
        "{message}"
    );

    let output = with_tokens(&mut okta_lua(), &primary, &secondary)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--account",
            "primary",
            "--json",
            "--eval",
            "return app.integrations.okta.tertiary.list_users({})",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let message = envelope(&output)["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("app.integrations.okta.tertiary does not exist"),
        "{message}"
    );
    assert!(
        message.contains("Accounts: default, primary, secondary."),
        "{message}"
    );
}

#[test]
fn config_location_variable_and_default() {
    let primary = org(Seed::Demo);
    let secondary = org(Seed::Empty);
    let folder = Folder::new("config-location");
    let text = format!(
        "defaultAccount: secondary\naccounts:\n  primary:\n    orgUrl: {}\n    token: {{ env: PRIMARY_TOKEN }}\n  secondary:\n    orgUrl: {}\n    token: {{ env: SECONDARY_TOKEN }}\n",
        primary.url(),
        secondary.url()
    );
    let from_variable = folder.write("variable.yaml", &text);
    let at_default = folder.write(
        "xdg/okta-lua/config.yaml",
        &text.replace("defaultAccount: secondary", "defaultAccount: primary"),
    );

    let output = with_tokens(&mut okta_lua(), &primary, &secondary)
        .env("OKTA_LUA_CONFIG", &from_variable)
        .args(["--json", "--eval", "return 1"])
        .output()
        .unwrap();
    let value = envelope(&output);
    assert_eq!(
        value["meta"]["config_file"],
        from_variable.to_str().unwrap()
    );
    assert_eq!(value["meta"]["account"], "secondary");

    let output = with_tokens(&mut okta_lua(), &primary, &secondary)
        .env("XDG_CONFIG_HOME", folder.0.join("xdg"))
        .args(["--json", "--eval", "return 1"])
        .output()
        .unwrap();
    let value = envelope(&output);
    assert_eq!(value["meta"]["config_file"], at_default.to_str().unwrap());
    assert_eq!(value["meta"]["account"], "primary");

    // --config wins over the variable, and the variable over the default location.
    let output = with_tokens(&mut okta_lua(), &primary, &secondary)
        .env("OKTA_LUA_CONFIG", &from_variable)
        .env("XDG_CONFIG_HOME", folder.0.join("xdg"))
        .args([
            "--config",
            at_default.to_str().unwrap(),
            "--json",
            "--eval",
            "return 1",
        ])
        .output()
        .unwrap();
    assert_eq!(
        envelope(&output)["meta"]["config_file"],
        at_default.to_str().unwrap()
    );
}

#[test]
fn without_config_env_gives_default() {
    let primary = org(Seed::Demo);
    let output = okta_lua()
        .env("OKTA_ORG_URL", primary.url())
        .env("OKTA_API_TOKEN", primary.token())
        .args([
            "--json",
            "--eval",
            "return #app.integrations.okta.default.list_users({ limit = 2 })",
        ])
        .output()
        .unwrap();
    let value = envelope(&output);
    assert_eq!(value["result"], json!([2]));
    assert_eq!(value["meta"]["account"], "default");
    assert_eq!(value["meta"]["config_file"], Value::Null);

    let output = okta_lua()
        .env("OKTA_ORG_URL", primary.url())
        .env("OKTA_API_TOKEN", primary.token())
        .args(["--account", "production", "--json", "--eval", "return 1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = envelope(&output)["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("unknown account `production`; configured accounts: default"),
        "{message}"
    );
}

#[test]
fn inline_secret_rejected_without_echo() {
    let folder = Folder::new("config-inline");
    let config = folder.write(
        "config.yaml",
        "accounts:\n  default:\n    orgUrl: https://acme.okta.com\n    token: 00CANARY-inline-token\n",
    );
    let output = okta_lua()
        .args([
            "--config",
            config.to_str().unwrap(),
            "--json",
            "--eval",
            "return 1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("`token` must be a reference such as { env: OKTA_API_TOKEN }"),
        "{stdout}"
    );
    assert!(!stdout.contains("CANARY"), "{stdout}");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("CANARY"));
}

const DEACTIVATE: &str =
    "return app.integrations.okta.deactivate_user({ id = '00u1a2b3c4d5e6f7g8h9' }).status";

/// Runs a read and a write against `primary` with the given permissions and
/// flags; returns the outcome of each and the methods the org received.
fn read_and_write(permissions: &str, flags: &[&str]) -> (Value, Value, Vec<String>) {
    let primary = org(Seed::Demo);
    let secondary = org(Seed::Empty);
    let folder = Folder::new(&format!(
        "config-permissions-{}",
        permissions.len() + flags.len()
    ));
    let extra = format!("    permissions: {permissions}\n");
    let config = two_org_config(&folder, &primary, &secondary, &extra);
    let mut outcomes = Vec::new();
    for code in [
        "return #app.integrations.okta.list_users({ limit = 1 })",
        DEACTIVATE,
    ] {
        let output = with_tokens(&mut okta_lua(), &primary, &secondary)
            .args([
                "--config",
                config.to_str().unwrap(),
                "--account",
                "primary",
                "--json",
                "--eval",
                code,
            ])
            .args(flags)
            .output()
            .unwrap();
        outcomes.push(envelope(&output));
    }
    let methods = primary
        .requests()
        .iter()
        .map(|request| request.method.clone())
        .collect();
    let write = outcomes.pop().unwrap();
    let read = outcomes.pop().unwrap();
    (read, write, methods)
}

#[test]
fn config_permissions_apply() {
    let (read, write, methods) = read_and_write("{ read: allow, write: allow }", &[]);
    assert_eq!(read["result"], json!([1]));
    assert_eq!(write["result"], json!(["DEPROVISIONED"]));
    assert_eq!(methods, vec!["GET", "POST"]);

    let (read, write, methods) = read_and_write("{ read: deny, write: deny }", &[]);
    assert!(
        read["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read calls are denied for account `primary`"),
        "{read}"
    );
    assert!(
        write["error"]["message"]
            .as_str()
            .unwrap()
            .contains("write calls are denied for account `primary`"),
        "{write}"
    );
    assert_eq!(methods, Vec::<String>::new());

    let (read, write, methods) = read_and_write("{ write: ask }", &[]);
    assert_eq!(read["result"], json!([1]));
    let message = write["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("write calls need approval, which a headless run cannot give"),
        "{message}"
    );
    assert!(
        message.contains(
            "rerun with --force to allow it, or set `write: allow` for account `primary`"
        ),
        "{message}"
    );
    assert_eq!(methods, vec!["GET"]);

    let (read, write, methods) = read_and_write("{ read: deny, write: deny }", &["--force"]);
    assert_eq!(read["result"], json!([1]));
    assert_eq!(write["result"], json!(["DEPROVISIONED"]));
    assert_eq!(write["meta"]["writes_forced"], true);
    assert_eq!(methods, vec!["GET", "POST"]);
}

#[test]
fn dry_run_sends_no_write() {
    let primary = org(Seed::Demo);
    let secondary = org(Seed::Empty);
    let folder = Folder::new("config-dry-run");
    let config = two_org_config(
        &folder,
        &primary,
        &secondary,
        "    permissions: { write: allow }\n",
    );
    let code = r#"local okta = app.integrations.okta
        local count = #okta.list_users({ limit = 2 })
        local created = okta.create_user({ activate = false, profile = { login = "new.hire@example.com", email = "new.hire@example.com", firstName = "New", lastName = "Hire" }, credentials = { password = { value = "CANARY-dry-run-pass" } } })
        local added = okta.add_user_to_group({ groupId = "00g1a2b3c4d5e6f7g8h9", userId = "00u1a2b3c4d5e6f7g8h9" })
        local deactivated = okta.deactivate_user({ id = "00u1a2b3c4d5e6f7g8h9" })
        return count, created, added, deactivated"#;
    let output = with_tokens(&mut okta_lua(), &primary, &secondary)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--account",
            "primary",
            "--dry-run",
            "--json",
            "--eval",
            code,
        ])
        .output()
        .unwrap();
    let value = envelope(&output);
    assert_eq!(output.status.code(), Some(0), "{value}");
    assert_eq!(value["result"][0], 2);
    assert_eq!(
        value["result"][1],
        json!({
            "dry_run": true,
            "tool": "okta.create_user",
            "account": "primary",
            "method": "POST",
            "path": "/api/v1/users",
            "query": { "activate": "false" },
            "body": {
                "credentials": { "password": { "value": "***" } },
                "profile": { "email": "new.hire@example.com", "firstName": "New", "lastName": "Hire", "login": "new.hire@example.com" }
            },
            "request": "POST /api/v1/users?activate=false"
        })
    );
    assert_eq!(value["result"][2]["method"], "PUT");
    assert_eq!(
        value["result"][2]["path"],
        "/api/v1/groups/00g1a2b3c4d5e6f7g8h9/users/00u1a2b3c4d5e6f7g8h9"
    );
    assert_eq!(
        value["result"][3]["request"],
        "POST /api/v1/users/00u1a2b3c4d5e6f7g8h9/lifecycle/deactivate"
    );
    assert_eq!(value["meta"]["dry_run"], true);
    assert_eq!(value["meta"]["writes_forced"], false);
    assert!(!output.stdout.windows(6).any(|window| window == b"CANARY"));

    let requests = primary.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].url(), "/api/v1/users?limit=2");
    assert_eq!(primary.org().user("new.hire@example.com"), None);
}

#[test]
fn wall_limit_covers_waits_for_okta() {
    let slow = MockServer::start_blocking(MockOptions {
        latency: Some(Duration::from_secs(3)),
        ..MockOptions::default()
    })
    .expect("fake org starts");
    let output = okta_lua()
        .env("OKTA_ORG_URL", slow.url())
        .env("OKTA_API_TOKEN", slow.token())
        .args([
            "--wall-limit",
            "0.5",
            "--json",
            "--eval",
            "return app.integrations.okta.list_users({ limit = 1 })",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error = &envelope(&output)["error"];
    assert_eq!(error["kind"], "limit");
    assert_eq!(
        error["message"],
        "wall-clock limit of 0.5 s exceeded while waiting for Okta (okta.list_users); raise it with --wall-limit SECONDS"
    );

    let output = okta_lua()
        .args(["--demo", "--wall-limit", "0", "--eval", "return 1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("invalid --wall-limit 0: give a positive number of seconds")
    );
}

#[test]
fn log_file_receives_diagnostics() {
    let folder = Folder::new("log-file");
    let log = folder.0.join("okta-lua.log");
    let output = okta_lua()
        .args([
            "--demo",
            "--log-level",
            "debug",
            "--log-file",
            log.to_str().unwrap(),
            "--eval",
            "return #app.integrations.okta.list_users({ limit = 1 })",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = std::fs::read_to_string(&log).expect("log file written");
    assert!(text.contains("running eval"), "{text}");
    assert!(!text.contains('\u{1b}'), "escape codes in {text}");
    assert!(!text.contains("mock-token"), "{text}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("running eval"), "{stderr}");

    let output = okta_lua()
        .args([
            "--demo",
            "--log-file",
            "/nonexistent-folder/x.log",
            "--eval",
            "return 1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("cannot open the log file /nonexistent-folder/x.log")
    );
}
