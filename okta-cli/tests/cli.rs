//! The `okta-lua` runner: input sources, JSON envelope, exit codes and the
//! write guard.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn okta_lua(args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_okta-lua"));
    command
        .args(args)
        .env_remove("OKTA_ORG_URL")
        .env_remove("OKTA_API_TOKEN")
        .env_remove("OKTA_CLIENT_ORGURL")
        .env_remove("OKTA_CLIENT_TOKEN");
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("okta-lua starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("okta-lua finishes")
}

fn envelope(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|error| panic!("not JSON ({error}): {stdout}"))
}

#[test]
fn eval_json_envelope_fields() {
    let output = okta_lua(
        &[
            "--demo",
            "--json",
            "--eval",
            "print('hi') return 1, 'two', { 3 }",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let value = envelope(&output);
    assert_eq!(value["success"], true);
    assert_eq!(value["result"], serde_json::json!([1, "two", [3]]));
    assert_eq!(value["output"], serde_json::json!(["hi"]));
    assert_eq!(value["error"], Value::Null);
    assert!(value["execution_time_ms"].is_number());
    assert!(value["integration_calls"].is_array());
    assert_eq!(value["meta"]["writes_forced"], false);
}

#[test]
fn code_from_file_and_stdin() {
    let dir = std::env::temp_dir().join(format!("okta-lua-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("workflow.lua");
    std::fs::write(
        &file,
        "return #app.integrations.okta.list_users({ limit = 3 })",
    )
    .unwrap();
    let output = okta_lua(&["--demo", "--json", file.to_str().unwrap()], None);
    assert_eq!(envelope(&output)["result"], serde_json::json!([3]));

    let output = okta_lua(&["--demo", "--json"], Some("return 'from stdin'"));
    assert_eq!(
        envelope(&output)["result"],
        serde_json::json!(["from stdin"])
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn lua_error_exits_one() {
    let output = okta_lua(&["--demo", "--json", "--eval", "error('boom')"], None);
    assert_eq!(output.status.code(), Some(1));
    let value = envelope(&output);
    assert_eq!(value["success"], false);
    assert!(value["error"]["message"].as_str().unwrap().contains("boom"));
}

#[test]
fn api_error_exits_one_with_okta_fields() {
    let output = okta_lua(
        &[
            "--demo",
            "--json",
            "--eval",
            "return app.integrations.okta.get_user({ id = 'nobody@example.com' })",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    let error = &envelope(&output)["error"];
    assert_eq!(error["status"], 404);
    assert_eq!(error["errorCode"], "E0000007");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("Okta API error 404 E0000007: Not found"),
        "{error}"
    );
    assert!(error["errorId"].is_string());
}

#[test]
fn usage_error_exits_two() {
    let output = okta_lua(&["--demo", "--eval", "return 1", "--no-such-flag"], None);
    assert_eq!(output.status.code(), Some(2));
    let output = okta_lua(&["--json", "--eval", "return 1"], None);
    assert_eq!(output.status.code(), Some(2));
    let value = envelope(&output);
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .contains("OKTA_ORG_URL"),
        "{value}"
    );
}

#[test]
fn write_without_force_rejected() {
    let output = okta_lua(
        &[
            "--demo",
            "--json",
            "--eval",
            "return app.integrations.okta.deactivate_user({ id = '00u1a2b3c4d5e6f7g8h9' })",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    let value = envelope(&output);
    let message = value["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("write tool") && message.contains("--force"),
        "{message}"
    );
    assert_eq!(value["integration_calls"], serde_json::json!([]));
}

#[test]
fn plain_output_without_json() {
    let output = okta_lua(
        &["--demo", "--eval", "print('line one') return { a = 1 }"],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("line one\n"), "{stdout}");
    assert!(stdout.contains("\"a\": 1"), "{stdout}");
}

#[test]
fn env_account_rejects_plain_http_remote() {
    let output = Command::new(env!("CARGO_BIN_EXE_okta-lua"))
        .args(["--json", "--eval", "return 1"])
        .env("OKTA_ORG_URL", "http://example.okta.com")
        .env("OKTA_API_TOKEN", "secret-token-value")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("plain http is allowed only for loopback addresses"),
        "{stdout}"
    );
    assert!(!stdout.contains("secret-token-value"));
}
